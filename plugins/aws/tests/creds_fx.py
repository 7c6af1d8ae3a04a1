"""What moto_creds.py uses besides moto_fx.py: a loopback HTTP server of the
test's own posing as IMDSv2, as the ECS container endpoint, or as STS for
AssumeRoleWithWebIdentity (each request checked, each fetch counted), and
the real scaled daemon run with an environment of the test's choosing until
a condition holds or a deadline passes.

The credentials the fakes hand out are real temporary credentials that
moto's STS issued (AssumeRole with the IAM user's keys, a fresh session per
fetch): IMDS and ECS always hand out a session token with the keys, and
moto refuses a session token sent with an IAM user's long-term keys
(InvalidClientTokenId), so the user's own keys cannot pass through them.
"""
import datetime
import http.server
import json
import os
import re
import secrets
import signal
import subprocess
import threading
import time
import urllib.parse

CREDS_PATH = "/latest/meta-data/iam/security-credentials/"


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


class Fake:
    """One fake server. mode: "imds", "ecs", "sts" (web identity) or
    "garbage" (IMDS whose credentials answer is HTML). issue(n) gives the
    n-th fetch's credentials (a dict of AssumeRole's Credentials)."""

    def __init__(self, mode, issue, expiry_s=3600, auth=None):
        self.mode, self.issue, self.expiry_s, self.auth = mode, issue, expiry_s, auth
        self.lock = threading.Lock()
        self.fetches = 0        # credentials handed out
        self.token_puts = 0     # IMDSv2 tokens handed out
        self.refused = []       # requests refused: (what, why)
        self.requests = []      # STS: the decoded forms
        self.tokens = set()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def send(self, status, body, ctype="text/plain"):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_PUT(self):
                fake.put(self)

            def do_GET(self):
                fake.get(self)

            def do_POST(self):
                fake.post(self)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)

    def refuse(self, h, status, what, why):
        with self.lock:
            self.refused.append((what, why))
        h.send(status, why)

    def creds_json(self):
        with self.lock:
            self.fetches += 1
            n = self.fetches
        c = self.issue(n)
        return json.dumps({"Code": "Success", "Type": "AWS-HMAC",
                           "LastUpdated": iso(time.time()),
                           "AccessKeyId": c["AccessKeyId"],
                           "SecretAccessKey": c["SecretAccessKey"],
                           "Token": c["SessionToken"],
                           "Expiration": iso(time.time() + self.expiry_s)})

    # IMDSv2 (EC2 user guide, "Use IMDSv2"): PUT a token, then every GET
    # carries it; a GET without a valid one is 401.
    def put(self, h):
        if self.mode not in ("imds", "garbage") or h.path != "/latest/api/token":
            return self.refuse(h, 404, "PUT " + h.path, "not found")
        ttl = h.headers.get("X-aws-ec2-metadata-token-ttl-seconds", "")
        if not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return self.refuse(h, 400, "PUT token", "bad or no TTL header: %r" % ttl)
        if h.headers.get("X-Forwarded-For"):
            return self.refuse(h, 403, "PUT token", "forwarded")
        tok = secrets.token_urlsafe(32)
        with self.lock:
            self.tokens.add(tok)
            self.token_puts += 1
        h.send(200, tok)

    def get(self, h):
        if self.mode == "ecs":
            return self.get_ecs(h)
        if self.mode not in ("imds", "garbage") or not h.path.startswith(CREDS_PATH):
            return self.refuse(h, 404, "GET " + h.path, "not found")
        tok = h.headers.get("X-aws-ec2-metadata-token")
        with self.lock:
            ok = tok in self.tokens
        if not ok:
            return self.refuse(h, 401, "GET " + h.path, "no valid token")
        role = h.path[len(CREDS_PATH):]
        if role == "":
            return h.send(200, "worker")
        if role != "worker":
            return self.refuse(h, 404, "GET " + h.path, "no such role")
        if self.mode == "garbage":
            with self.lock:
                self.fetches += 1
            return h.send(200, "<!DOCTYPE html><html><body><h1>It works!</h1></body></html>",
                          "text/html")
        h.send(200, self.creds_json(), "application/json")

    # ECS (developer guide, "Task IAM role"): GET the URI with the
    # Authorization header the agent set.
    def get_ecs(self, h):
        if h.path != "/v2/credentials/task-1":
            return self.refuse(h, 404, "GET " + h.path, "not found")
        if h.headers.get("Authorization") != self.auth:
            return self.refuse(h, 401, "GET " + h.path, "bad Authorization")
        h.send(200, self.creds_json(), "application/json")

    # STS AssumeRoleWithWebIdentity, checked against botocore's model.
    def post(self, h):
        n = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(n).decode()
        if self.mode != "sts":
            return self.refuse(h, 404, "POST " + h.path, "not found")
        form = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
        with self.lock:
            self.requests.append(form)
        why = check_web_identity(form, h.headers)
        if why:
            return self.refuse(h, 400, "AssumeRoleWithWebIdentity", why)
        with self.lock:
            self.fetches += 1
            n = self.fetches
        c = self.issue(n)
        h.send(200, WEB_ANSWER % {"id": c["AccessKeyId"], "secret": c["SecretAccessKey"],
                                  "token": c["SessionToken"],
                                  "exp": iso(time.time() + self.expiry_s)}, "text/xml")


WEB_ANSWER = """<AssumeRoleWithWebIdentityResponse
    xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <AccessKeyId>%(id)s</AccessKeyId>
      <SecretAccessKey>%(secret)s</SecretAccessKey>
      <SessionToken>%(token)s</SessionToken>
      <Expiration>%(exp)s</Expiration>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>
"""


def check_web_identity(form, headers):
    """The form as botocore's sts model (2011-06-15, query protocol) wants
    AssumeRoleWithWebIdentity; None, or what is wrong."""
    import botocore.session
    model = botocore.session.get_session().get_service_model("sts")
    if form.get("Action") != "AssumeRoleWithWebIdentity":
        return "Action is %r" % form.get("Action")
    if form.get("Version") != model.api_version:
        return "Version is %r, want %s" % (form.get("Version"), model.api_version)
    if headers.get("Authorization"):
        return "signed: AssumeRoleWithWebIdentity is called without credentials"
    shape = model.operation_model("AssumeRoleWithWebIdentity").input_shape
    for name in shape.required_members:
        if name not in form:
            return "no %s" % name
    for name, value in form.items():
        if name in ("Action", "Version"):
            continue
        if name not in shape.members:
            return "unknown member %s" % name
        m = shape.members[name]
        meta = m.metadata
        if m.type_name == "integer":
            if not re.fullmatch(r"[0-9]+", value) or not \
                    meta.get("min", 0) <= int(value) <= meta.get("max", 2 ** 31):
                return "%s=%s outside %s..%s" % (name, value, meta.get("min"), meta.get("max"))
        elif m.type_name == "string":
            if not meta.get("min", 0) <= len(value) <= meta.get("max", 1 << 30):
                return "%s is %d long, outside %s..%s" % (name, len(value), meta.get("min"),
                                                         meta.get("max"))
            if "pattern" in meta:
                try:
                    ok = re.fullmatch(meta["pattern"], value)
                except re.error:
                    ok = True
                if not ok:
                    return "%s does not match %s" % (name, meta["pattern"])
        else:
            return "member %s of type %s not expected" % (name, m.type_name)
    return None


def scaled_env(extra):
    """The environment of a run: nothing of the caller's AWS_* but extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
               AWS_EC2_METADATA_DISABLED="true")
    env.update(extra)
    return env


class Run:
    """The real scaled daemon on farm_text with env, its log and decision
    records read as it goes; stopped with SIGTERM by stop()."""

    def __init__(self, scaled, tmp, name, farm_text, env):
        self.farm = os.path.join(tmp, name + ".lua")
        with open(self.farm, "w") as f:
            f.write(farm_text)
        self.dlog = os.path.join(tmp, name + ".jsonl")
        self.log = os.path.join(tmp, name + ".log")
        self.out = open(self.log, "w")
        self.proc = subprocess.Popen([scaled, "-c", self.farm, "--decision-log", self.dlog,
                                      "--log-level", "debug"], env=env, stdout=self.out,
                                     stderr=subprocess.STDOUT, cwd=tmp)
        self.rc = None

    def text(self):
        with open(self.log) as f:
            return f.read()

    def reasons(self):
        out = []
        if os.path.exists(self.dlog):
            with open(self.dlog) as f:
                for line in f:
                    try:
                        r = json.loads(line)
                    except ValueError:
                        continue  # a line being written
                    out += [p["reason"] for p in r.get("proposals", [])]
        return out

    def wait(self, cond, deadline_s=60):
        """Poll cond(self) every 0.2 s until it holds (True) or the deadline
        passes or scaled exits (False)."""
        end = time.time() + deadline_s
        while time.time() < end:
            if cond(self):
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.2)
        return cond(self)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.rc = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.rc = self.proc.wait()
        self.out.close()
        return self.rc
