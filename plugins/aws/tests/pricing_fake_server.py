"""A fake of the AWS Price List Query API's GetProducts for pricing_fake.py,
checked against botocore's model of the `pricing` service: every request's
method, path, Content-Type, X-Amz-Target (the model's targetPrefix and
operation), its JSON body (api_model.json_problems: botocore's
ParamValidator on the operation's input shape and the model's enums and
ranges) and its SigV4
signature (recomputed with botocore's SigV4Auth for the model's signingName)
are checked; a problem is recorded in fake.problems and answered as the
real service answers it. Good requests are answered from the fixture
products whose attributes match every TERM_MATCH filter, the first page
empty with a NextToken (the real API may page so), the second with the
products (PriceList entries as JSON strings, as in the real answer).

start(fixture_dir, key_id, secret) -> a Fake; fake.stop() ends it.
"""
import glob
import hashlib
import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import api_model

MODEL = botocore.session.get_session().get_service_model("pricing")
OPERATION = MODEL.operation_model("GetProducts")
TARGET = "%s.%s" % (MODEL.metadata["targetPrefix"], OPERATION.name)
CONTENT_TYPE = "application/x-amz-json-%s" % MODEL.metadata["jsonVersion"]
SIGNING_NAME = MODEL.metadata.get("signingName", MODEL.endpoint_prefix)
AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                     r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$")


def check_body(body):
    """What the model says is wrong with a GetProducts body: a list of
    problems, empty when there are none."""
    try:
        params = json.loads(body)
    except ValueError as e:
        return ["the body is not JSON: %s" % e]
    if not isinstance(params, dict):
        return ["the body is not a JSON object"]
    problems = api_model.json_problems("pricing", "GetProducts", params)
    if params.get("ServiceCode") != "AmazonEC2":
        problems.append("ServiceCode %r, want AmazonEC2" % params.get("ServiceCode"))
    if params.get("FormatVersion", "aws_v1") != "aws_v1":
        problems.append("FormatVersion %r" % params.get("FormatVersion"))
    return problems


def check_signature(method, headers, body, key_id, secret):
    """(problem or None, the region signed for)."""
    auth = headers.get("Authorization", "")
    m = AUTH_RE.match(auth)
    if not m:
        return "no or malformed Authorization header", None
    kid, day, region, service, signed, signature = m.groups()
    if kid != key_id:
        return "signed with key %s" % kid, region
    if service != SIGNING_NAME:
        return "signed for service %s, want %s" % (service, SIGNING_NAME), region
    amz_date = headers.get("X-Amz-Date", "")
    if not amz_date.startswith(day):
        return "X-Amz-Date %r is not of the scope's day %s" % (amz_date, day), region
    lower = {k.lower(): v for k, v in headers.items()}
    names = signed.split(";")
    for need in ("host", "x-amz-date", "content-type", "x-amz-target"):
        if need not in names:
            return "%s is not signed" % need, region
    req = AWSRequest(method=method, url="http://%s/" % lower["host"], data=body,
                     headers={n: lower[n] for n in names if n in lower})
    req.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(key_id, secret), SIGNING_NAME, region)
    want = signer.signature(signer.string_to_sign(req, signer.canonical_request(req)), req)
    if want != signature:
        return "signature mismatch", region
    return None, region


class Fake:
    def __init__(self, products, key_id, secret):
        self.products, self.key_id, self.secret = products, key_id, secret
        self.lock = threading.Lock()
        self.reset()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reset(self):
        """Counts start again; problems are kept (the test reports them)."""
        self.requests, self.tokens_followed, self.scopes = 0, 0, set()
        self.last = time.monotonic()
        if not hasattr(self, "problems"):
            self.problems = []

    def quiet_for(self, seconds):
        return time.monotonic() - self.last >= seconds

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)

    def answer(self, params):
        terms = {f["Field"]: f["Value"] for f in params.get("Filters", [])
                 if f.get("Type") == "TERM_MATCH"}
        if "NextToken" not in params:
            return {"FormatVersion": "aws_v1", "PriceList": [],
                    "NextToken": hashlib.sha256(json.dumps(terms, sort_keys=True).encode())
                    .hexdigest()[:24] + "/page2=="}
        with self.lock:
            self.tokens_followed += 1
        found = [p for p in self.products
                 if all(p["product"]["attributes"].get(k) == v for k, v in terms.items())]
        return {"FormatVersion": "aws_v1", "PriceList": [json.dumps(p) for p in found]}

    def handler(fake):
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def reply(self, status, doc):
                data = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", CONTENT_TYPE)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def refuse(self, status, code, msg):
                with fake.lock:
                    fake.problems.append("%s: %s" % (code, msg))
                self.reply(status, {"__type": code, "message": msg})

            def do_GET(self):
                self.refuse(400, "UnknownOperationException", "GET %s" % self.path)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with fake.lock:
                    fake.requests += 1
                    fake.last = time.monotonic()
                if self.path != "/":
                    return self.refuse(400, "UnknownOperationException", "path %s" % self.path)
                if self.headers.get("X-Amz-Target") != TARGET:
                    return self.refuse(400, "UnknownOperationException",
                                       "X-Amz-Target %r" % self.headers.get("X-Amz-Target"))
                if self.headers.get("Content-Type") != CONTENT_TYPE:
                    return self.refuse(400, "SerializationException", "Content-Type %r"
                                       % self.headers.get("Content-Type"))
                why, region = check_signature("POST", dict(self.headers.items()), body,
                                              fake.key_id, fake.secret)
                if why:
                    # a wrong key is the daemon's test, not a broken request
                    with fake.lock:
                        if why != "signature mismatch":
                            fake.problems.append("InvalidSignatureException: " + why)
                    return self.reply(403, {"__type": "InvalidSignatureException",
                                            "message": "The request signature we calculated "
                                            "does not match the signature you provided."})
                with fake.lock:
                    fake.scopes.add(region)
                problems = check_body(body)
                if problems:
                    return self.refuse(400, "ValidationException", "; ".join(problems))
                self.reply(200, fake.answer(json.loads(body)))
        return Handler


def start(fixture_dir, key_id, secret):
    products = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(fixture_dir,
                                                                           "*.json")))]
    return Fake(products, key_id, secret)
