"""What the moto tests share (moto_*.py; ../shared/TESTING.md): moto on a
free loopback port with INITIAL_NO_AUTH_ACTION_COUNT=3, whose three unsigned
calls make an IAM user, its access key and an allow-all policy; a farm
written and the real scaled daemon run on it with a decision log — for some
seconds, until a condition holds, or while the test acts on the AWS side —
then stopped with SIGTERM; its log and decisions returned. main() runs one
test around all that: usage, the skip (77) without moto or boto3, moto
started and stopped, the failures printed. And moto's request recorder, for
what moto does not keep.
"""
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

SKIP = 77


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto_script(tmp, script):
    """moto's server run by script (None: moto.server itself; else a file
    that patches moto, then calls moto.server.main with its arguments: for a
    test that must work around a gap of moto's and says so): (process, url)."""
    port = free_port()
    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="3")
    log = open(os.path.join(tmp, "moto.log"), "w")
    argv = ["-m", "moto.server"] if script is None else [script]
    proc = subprocess.Popen([sys.executable] + argv + ["-H", "127.0.0.1", "-p", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
    url = "http://127.0.0.1:%d" % port
    for _ in range(150):
        if proc.poll() is not None:
            raise RuntimeError("moto exited at start; see %s/moto.log" % tmp)
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            return proc, url
        except Exception:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("moto did not answer on %s" % url)


def start_moto(tmp):
    return start_moto_script(tmp, None)


def stop(proc, timeout):
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


def make_user(boto3, url):
    """The three unsigned calls: user, key, inline allow-all policy."""
    iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
    iam.create_user(UserName="scaled")
    key = iam.create_access_key(UserName="scaled")["AccessKey"]
    iam.put_user_policy(UserName="scaled", PolicyName="all", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    return key["AccessKeyId"], key["SecretAccessKey"]


def scaled_env(key_id, secret, extra=None):
    """The environment scaled runs in: these keys and nothing else of AWS's
    (no profile, no instance metadata), then extra over it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret,
               AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    env.update(extra or {})
    return env


def read_records(dlog):
    """The decision log's whole records so far (the last line may be half
    written)."""
    out = []
    if not os.path.exists(dlog):
        return out
    with open(dlog) as f:
        for line in f.read().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                break
    return out


def start_scaled(scaled, tmp, name, farm_text, key_id, secret, env_extra=None):
    """farm_text as <name>.lua and the daemon started on it with these keys
    only, left running while the test acts on the AWS side: (process, log
    path, decision log path); stop_scaled ends it."""
    farm = os.path.join(tmp, name + ".lua")
    with open(farm, "w") as f:
        f.write(farm_text)
    dlog = os.path.join(tmp, name + ".jsonl")
    log = os.path.join(tmp, name + ".log")
    with open(log, "w") as out:
        p = subprocess.Popen([scaled, "-c", farm, "--decision-log", dlog,
                              "--log-level", "debug"], env=scaled_env(key_id, secret, env_extra),
                             stdout=out, stderr=subprocess.STDOUT, cwd=tmp)
    return p, log, dlog


def stop_scaled(p, log, dlog):
    """SIGTERM to a start_scaled daemon: (alive until then, exit status, its
    log, the decision records)."""
    alive = p.poll() is None
    if alive:
        p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(timeout=15)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
    return alive, rc, open(log).read(), read_records(dlog)


def run_scaled(scaled, tmp, name, farm_text, key_id, secret, seconds=5.0):
    """farm_text as <name>.lua, run with these keys only for seconds:
    (alive at the end, exit status, its log, the decision records)."""
    p, log, dlog = start_scaled(scaled, tmp, name, farm_text, key_id, secret)
    try:
        time.sleep(seconds)
    finally:
        res = stop_scaled(p, log, dlog)
    return res


def run_while(scaled, tmp, name, farm_text, key_id, secret, done, timeout=60.0, settle=0.0,
              env_extra=None):
    """start_scaled (env_extra over its environment), then done(log text,
    records) asked every 0.2 s until true, the daemon exits or timeout
    seconds pass; settle seconds more; stop_scaled. A bounded wait, not a
    fixed sleep. (done reached, alive, exit status, log, records)."""
    p, log, dlog = start_scaled(scaled, tmp, name, farm_text, key_id, secret, env_extra)
    reached = False
    try:
        end = time.monotonic() + timeout
        while time.monotonic() < end and p.poll() is None:
            if done(open(log).read(), read_records(dlog)):
                reached = True
                break
            time.sleep(0.2)
        time.sleep(settle)
    finally:  # stopped also when done() raised
        alive, rc, text, records = stop_scaled(p, log, dlog)
    return reached, alive, rc, text, records


def run_until(scaled, tmp, name, farm_text, key_id, secret, done, deadline=45.0, settle=1.5):
    """Run until done(log_text) says True (it may read AWS with boto3) or
    deadline seconds pass, then settle seconds more, so that an action too
    many would show. (done reached, alive at the end, exit status, its log,
    the decision records)."""
    return run_while(scaled, tmp, name, farm_text, key_id, secret,
                     lambda text, records: done(text), deadline, settle)


def run_until_records(scaled, tmp, name, farm_text, key_id, secret, done, deadline=60.0):
    """Run until done(records) is true (records: the decision log so far)
    or deadline seconds pass or scaled exits. (alive at the end, exit
    status, its log, the decision records, done reached)."""
    reached, alive, rc, text, records = run_while(
        scaled, tmp, name, farm_text, key_id, secret,
        lambda text, records: done(records), deadline, 0)
    return alive, rc, text, records, reached


def run_checked(scaled, tmp, name, heading, farm_text, key_id, secret, secrets, leaked,
                failures, seconds=5.0):
    """run_scaled, its log shown under heading; "<name>: scaled died" when
    it did not live and exit 0, leaked when one of secrets is in its log.
    (its log, the decision records)."""
    alive, rc, text, records = run_scaled(scaled, tmp, name, farm_text, key_id, secret,
                                          seconds)
    sys.stdout.write("--- scaled, %s:\n" % heading + text)
    if not alive or rc != 0:
        failures.append("%s: scaled died or exited %s" % (name, rc))
    if any(s in text for s in secrets):
        failures.append(leaked)
    return text, records


def wrong_secret(secret):
    return secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")


def check_one_error(failures, text, action, codes, missing):
    """The wrong secret's run: exactly one error line naming "<action>:"
    and one of codes; missing is the failure when none does. (A request
    still in flight at the stop is logged as info, not counted.)"""
    errs = [l for l in text.splitlines() if l.startswith("error:") and action + ":" in l]
    if not any(any(c in l for c in codes) for l in errs):
        failures.append(missing)
    if len(errs) != 1:
        failures.append("bad: the AWS error logged %d times, want once" % len(errs))


def wait_for(what, check, timeout=45.0, every=0.25):
    """Call check() until it returns something true or timeout seconds
    pass: its last value (falsy on a timeout). Never a fixed sleep."""
    end = time.monotonic() + timeout
    while True:
        v = check()
        if v or time.monotonic() >= end:
            if not v:
                print("timed out waiting for", what)
            return v
        time.sleep(every)


def main_on(doc, test, start):
    """Run test(boto3, scaled, tmp, url, key_id, secret, failures) against a
    fresh moto started by start(tmp) -> (process, url); the exit status."""
    if len(sys.argv) != 2:
        print(doc)
        return 2
    scaled = os.path.abspath(sys.argv[1])
    try:
        import boto3  # noqa: F401
        import moto.server  # noqa: F401
    except ImportError as e:
        print("skipped: moto or boto3 is not installed (%s); pip install 'moto[server]'" % e)
        return SKIP
    import boto3

    failures = []
    with tempfile.TemporaryDirectory(prefix="scaled-moto-") as tmp:
        proc, url = start(tmp)
        try:
            key_id, secret = make_user(boto3, url)
            test(boto3, scaled, tmp, url, key_id, secret, failures)
        finally:
            stop(proc, 10)
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("ok")
    return 1 if failures else 0


def main(doc, test):
    return main_on(doc, test, start_moto)


def start_recording(url):
    """moto's recorder (/moto-api/recorder/): from now on it keeps every
    request it is sent, signed right or not, for recorded()."""
    for what in ("reset-recording", "start-recording"):
        urllib.request.urlopen(urllib.request.Request(url + "/moto-api/recorder/" + what,
                                                      method="POST"), timeout=10).read()


def recorded(url, action=None):
    """The form fields (a dict) of each Query API request recorded so far,
    in order; only those of Action action when it is given."""
    text = urllib.request.urlopen(url + "/moto-api/recorder/download-recording",
                                  timeout=10).read().decode()
    forms = []
    for line in text.splitlines():
        if not line.strip():
            continue
        e = json.loads(line)
        body = e.get("body") or ""
        if e.get("body_encoded"):
            body = base64.b64decode(body).decode("utf-8", "replace")
        form = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
        if action is None or form.get("Action") == action:
            forms.append(form)
    return forms
