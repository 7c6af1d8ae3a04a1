"""A small AWS look-alike on loopback for fault tests (faults.py): it
answers SQS's GetQueueAttributes (JSON protocol) per queue, EC2's
DescribeSpotPriceHistory and Auto Scaling's calls (Query API) per endpoint
path, each from a script the test sets: answer n of a route is script(n),
a dict with status, body, headers, delay (seconds before answering) and
lie_length (a Content-Length larger than the body, then the connection
closed: a truncated transfer). Every request is checked against botocore's
model (api_model.py) and must carry a SigV4 Authorization; what fails the
check is answered 400 and kept in .refused, which the test asserts empty.
Every request is logged in .seen as (time, route, signature, status).

Routes: ("sqs", queue name) from the body's QueueUrl; (first path segment,
Action) for the Query API, the service told by the path's start: /ec2...
is EC2, /asg... is Auto Scaling.
"""
import http.server
import json
import threading
import time
import urllib.parse

import api_model


def answer(status=200, body=b"", headers=None, delay=0.0, lie_length=False):
    if isinstance(body, str):
        body = body.encode()
    return {"status": status, "body": body, "headers": headers or {}, "delay": delay,
            "lie_length": lie_length}


class FaultServer:
    def __init__(self):
        self.scripts = {}
        self.count = {}
        self.seen = []
        self.refused = []
        self.lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                server._serve(self, body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def script(self, route, fn):
        with self.lock:
            self.scripts[route] = fn
            self.count[route] = 0

    def requests(self, route):
        with self.lock:
            return [s for s in self.seen if s[1] == route]

    def _route(self, h, body):
        auth = h.headers.get("Authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 Credential=") or "Signature=" not in auth:
            raise api_model.ModelError("no SigV4 Authorization header")
        sig = auth.rsplit("Signature=", 1)[1]
        if h.headers.get("X-Amz-Target"):
            api_model.check_json("sqs", h.headers, body)
            queue = json.loads(body)["QueueUrl"].rstrip("/").rsplit("/", 1)[-1]
            return ("sqs", queue), sig
        form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True,
                                           strict_parsing=True))
        seg = h.path.strip("/").split("/")[0]
        service = "ec2" if seg.startswith("ec2") else "autoscaling"
        return (seg, api_model.check_query(service, form)), sig

    def _serve(self, h, body):
        try:
            route, sig = self._route(h, body)
        except (api_model.ModelError, ValueError, KeyError) as e:
            with self.lock:
                self.refused.append("%s %s: %s" % (h.path, body[:200], e))
            self._send(h, answer(400, "refused by the model check: %s" % e))
            return
        with self.lock:
            n = self.count.get(route, 0)
            self.count[route] = n + 1
            fn = self.scripts.get(route)
        a = fn(n, body) if fn else answer(404, "no script for %s" % (route,))
        with self.lock:
            self.seen.append((time.monotonic(), route, sig, a["status"]))
        if a["delay"]:
            time.sleep(a["delay"])
        self._send(h, a)

    @staticmethod
    def _send(h, a):
        try:
            h.send_response(a["status"])
            for k, v in a["headers"].items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(a["body"]) + (100 if a["lie_length"]
                                                                  else 0)))
            if a["lie_length"]:
                h.send_header("Connection", "close")
            h.end_headers()
            h.wfile.write(a["body"])
            h.wfile.flush()
            if a["lie_length"]:
                h.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout): what the test wants
