#!/usr/bin/env python3
"""A scripted HTTP/1.1 server on loopback for tests/http/test_http.c.

    server.py PORT_FILE

Binds 127.0.0.1 on a free port, writes the port to PORT_FILE, and serves
until its stdin closes (the test's end). Paths (query: key=K names a
counter, so that "fail twice then succeed" is per test):
  /ok                       200 "hello"
  /fail?n=N&code=C&key=K    C (default 500) for the first N requests of K, then 200 "ok after N"
  /retry_after?s=S&key=K    429 with Retry-After: S the first time, then 200
  /always?code=C            C every time, body "nope"
  /big?size=N               200 with N bytes
  /slow?ms=M                waits M ms, then 200
  /throttle?key=K           400 {"__type":"ThrottlingException"} the first time, then 200
  /count?key=K              200 with the number of requests K had so far
  /conns                    200 with the number of TCP connections accepted so far
  /echo (POST)              200 with the request body
"""
import http.server
import sys
import threading
import time
import urllib.parse

counts = {}
conns = [0]
lock = threading.Lock()


def bump(key):
    with lock:
        counts[key] = counts.get(key, 0) + 1
        return counts[key]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        with lock:
            conns[0] += 1
        super().setup()

    def log_message(self, *args):
        pass

    def reply(self, code, body, headers=()):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n)
        self.reply(200, body)

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        key = q.get("key", u.path)
        if u.path == "/ok":
            self.reply(200, "hello")
        elif u.path == "/fail":
            n = bump(key)
            if n <= int(q.get("n", 1)):
                self.reply(int(q.get("code", 500)), "failing %d" % n)
            else:
                self.reply(200, "ok after %d" % (n - 1))
        elif u.path == "/retry_after":
            if bump(key) == 1:
                self.reply(429, "slow down", [("Retry-After", q.get("s", "1"))])
            else:
                self.reply(200, "ok")
        elif u.path == "/always":
            bump(key)
            self.reply(int(q.get("code", 503)), "nope")
        elif u.path == "/big":
            self.reply(200, b"x" * int(q["size"]))
        elif u.path == "/slow":
            bump(key)
            time.sleep(int(q["ms"]) / 1000)
            self.reply(200, "late")
        elif u.path == "/throttle":
            if bump(key) == 1:
                self.reply(400, '{"__type":"ThrottlingException","message":"Rate exceeded"}')
            else:
                self.reply(200, "ok")
        elif u.path == "/count":
            with lock:
                self.reply(200, str(counts.get(key, 0)))
        elif u.path == "/conns":
            with lock:
                self.reply(200, str(conns[0]))
        else:
            self.reply(404, "no such path")


def main():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    sys.stdin.read()  # until the test closes our stdin (or dies)
    srv.shutdown()


if __name__ == "__main__":
    main()
