#!/usr/bin/env python3
"""The aws plugin against faults, on a server of the test's own on loopback
(fault_server.py; every request checked against botocore's model).

    faults.py SCALED_BINARY

One farm, one run of the real daemon (about 9 s), a source per fault:

  ok500   SQS answers 500, 500, then 7 visible: retried inside one request
          (3 attempts, one signature), the 7 reaches the policy, no error
          is logged.
  storm   SQS always answers 400 ThrottlingException with Retry-After: 1:
          tried again after the server's wait, at most 3 attempts a
          request, the error logged once with AWS's code and message.
  slow    SQS answers after 3 s; the source's timeout is 500ms: a clear
          timeout error, logged once.
  cut     the answer's Content-Length promises 100 bytes more than come.
  half    a JSON answer cut in the middle (its length right).
  html    an HTML page with status 200.
  huge    a 200 KiB answer (the source takes 64 KiB).
  paged   EC2's spot prices in two pages joined by nextToken: both pages'
          pools are published, and the cheapest of both.
  xmlcut  an XML answer cut in the middle.
  xmlhuge a 5 MiB XML answer (the source takes 4 MiB).

And a target, aws.asg on an Auto Scaling look-alike: the group "web" holds
1 and its policy wants 3; SetDesiredCapacity answers 500, 500, then
success: one request of 3 attempts, exactly one action (one decision with
outcome ok, no second SetDesiredCapacity), and the group reads 3 after.

Meanwhile a second group, on a local target, flips between 1 and 2 every
second: its decisions must go on through all of this (at least one a
second, give or take the start), and the daemon must exit 0 on SIGTERM.
Exit 0 pass, 1 fail, 77 skip (botocore missing).
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

SKIP = 77
RUN_S = 9.0
KEY_ID, SECRET = "AKIDFAULTTEST", "fault/test/secret/key/not+real+0000000000"

FARM = """plugin "aws"; plugin "sim"
local url, q = "%(url)s", "%(url)s/123456789012/"
local function sqs(name, extra)
  local t = { kind = "aws.sqs", endpoint = url, region = "us-east-1",
              queue_url = q .. name, every = "1s" }
  for k, v in pairs(extra or {}) do t[k] = v end
  source(name)(t)
end
local function spot(name)
  source(name) { kind = "aws.spot_price", endpoint = url .. "/" .. name, region = "us-east-1",
                 instance_types = "m5.large,c5.large", every = "1s" }
end
sqs "ok500"; sqs "storm"; sqs("slow", { timeout = "500ms" }); sqs "cut"; sqs "half"
sqs "html"; sqs "huge"
spot "ec2paged"; spot "ec2xmlcut"; spot "ec2xmlhuge"
target "web" { kind = "aws.asg", endpoint = url .. "/asg", region = "us-east-1",
  name = "web", poll = "1s" }
group "act" { target = "web", min = 0, max = 5, every = "1s",
  policy = function(g) return g:set(3, "want 3") end }
target "t" { kind = "sim" }
target "t2" { kind = "sim", start = 1 }
group "depth" { target = "t", min = 0, max = 100, every = "1s",
  policy = function(g, s)
    local v, p = s.ok500:last(), s.ec2paged:last()
    local a, b = s["ec2paged.m5_large.us-east-1a"]:last(), s["ec2paged.c5_large.us-east-1b"]:last()
    if v == nil or p == nil or a == nil or b == nil then return g:hold("waiting") end
    return g:set(v, string.format("depth %%d cheapest %%.3f m5 %%.3f c5 %%.3f", v, p, a, b))
  end }
group "other" { target = "t2", min = 1, max = 2, every = "1s", stabilization = 0,
  policy = function(g)
    if g.desired == 1 then return g:set(2, "flip") end
    return g:set(1, "flop")
  end }
"""

SQS_OK = json.dumps({"Attributes": {"ApproximateNumberOfMessages": "7",
                                    "ApproximateNumberOfMessagesNotVisible": "0",
                                    "ApproximateNumberOfMessagesDelayed": "0"}})


def spot_page(items, token):
    rows = "".join(
        "<item><availabilityZone>%s</availabilityZone><instanceType>%s</instanceType>"
        "<productDescription>Linux/UNIX</productDescription><spotPrice>%s</spotPrice>"
        "<timestamp>2026-12-01T00:00:00.000Z</timestamp></item>" % it for it in items)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<DescribeSpotPriceHistoryResponse '
            'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>'
            "<spotPriceHistorySet>%s</spotPriceHistorySet><nextToken>%s</nextToken>"
            "</DescribeSpotPriceHistoryResponse>" % (rows, token))


def asg_answer(desired):
    return ('<DescribeAutoScalingGroupsResponse xmlns="http://autoscaling.amazonaws.com/doc/'
            '2011-01-01/"><DescribeAutoScalingGroupsResult><AutoScalingGroups><member>'
            "<AutoScalingGroupName>web</AutoScalingGroupName><MinSize>0</MinSize>"
            "<MaxSize>5</MaxSize><DesiredCapacity>%d</DesiredCapacity>"
            "<AvailabilityZones><member>us-east-1a</member></AvailabilityZones>"
            "<Instances>%s</Instances><CreatedTime>2026-12-01T00:00:00Z</CreatedTime>"
            "</member></AutoScalingGroups></DescribeAutoScalingGroupsResult>"
            "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
            "</DescribeAutoScalingGroupsResponse>" % (desired, "".join(
                "<member><InstanceId>i-%017d</InstanceId><AvailabilityZone>us-east-1a"
                "</AvailabilityZone><LifecycleState>InService</LifecycleState>"
                "<HealthStatus>Healthy</HealthStatus><ProtectedFromScaleIn>false"
                "</ProtectedFromScaleIn></member>" % i for i in range(desired))))


SET_OK = ('<SetDesiredCapacityResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">'
          "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
          "</SetDesiredCapacityResponse>")


def scripts(fs, answer):
    throttle = json.dumps({"__type": "com.amazonaws.sqs#ThrottlingException",
                           "message": "Rate exceeded"})
    fs.script(("sqs", "ok500"), lambda n, b: answer(500, "oops") if n < 2 else
              answer(200, SQS_OK))
    fs.script(("sqs", "storm"), lambda n, b: answer(400, throttle,
                                                    {"Retry-After": "1"}))
    fs.script(("sqs", "slow"), lambda n, b: answer(200, SQS_OK, delay=3.0))
    fs.script(("sqs", "cut"), lambda n, b: answer(200, SQS_OK, lie_length=True))
    fs.script(("sqs", "half"), lambda n, b: answer(200, SQS_OK[:len(SQS_OK) // 2]))
    fs.script(("sqs", "html"), lambda n, b: answer(200, "<html><body>Welcome to nginx!"
                                                   "</body></html>"))
    fs.script(("sqs", "huge"), lambda n, b: answer(200, '{"Attributes": {"x": "' +
                                                   "y" * (200 << 10) + '"}}'))
    page1 = spot_page([("us-east-1a", "m5.large", "0.050000")], "tok1")
    page2 = spot_page([("us-east-1b", "c5.large", "0.030000")], "")
    fs.script(("ec2paged", "DescribeSpotPriceHistory"),
              lambda n, b: answer(200, page2 if b"NextToken=tok1" in b else page1))
    fs.script(("ec2xmlcut", "DescribeSpotPriceHistory"),
              lambda n, b: answer(200, page1[:len(page1) * 2 // 3]))
    big = spot_page([("us-east-1a", "m5.large", "0.050000")] * 30000, "")
    fs.script(("ec2xmlhuge", "DescribeSpotPriceHistory"), lambda n, b: answer(200, big))

    web = {"desired": 1}

    def set_desired(n, body):
        if n < 2:
            return answer(500, "<html>internal error</html>")
        form = dict(urllib.parse.parse_qsl(body.decode()))
        web["desired"] = int(form["DesiredCapacity"])
        return answer(200, SET_OK)
    fs.script(("asg", "DescribeAutoScalingGroups"),
              lambda n, b: answer(200, asg_answer(web["desired"])))
    fs.script(("asg", "SetDesiredCapacity"), set_desired)
    return web


def run(scaled, tmp, url):
    farm = os.path.join(tmp, "faults.lua")
    with open(farm, "w") as f:
        f.write(FARM % {"url": url})
    dlog, log = os.path.join(tmp, "d.jsonl"), os.path.join(tmp, "scaled.log")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET,
               AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    with open(log, "w") as out:
        p = subprocess.Popen([scaled, "-c", farm, "--decision-log", dlog], env=env,
                             stdout=out, stderr=subprocess.STDOUT, cwd=tmp)
        t0 = time.monotonic()
        time.sleep(RUN_S)
        alive = p.poll() is None
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = p.wait()
        elapsed = time.monotonic() - t0
    records = [json.loads(l) for l in open(dlog)] if os.path.exists(dlog) else []
    return alive, rc, open(log).read(), records, elapsed


def check(fs, web, alive, rc, text, records, elapsed, fail):
    sys.stdout.write("--- scaled's log:\n" + text)
    if not alive or rc != 0:
        fail("scaled died or exited %s" % rc)
    if SECRET in text:
        fail("the secret key is in scaled's log")
    for r in fs.refused:
        fail("a request the model refuses: " + r)

    def errors(source):
        return [l for l in text.splitlines() if "source %s:" % source in l and "error" in l]

    # ok500: one request of 3 attempts (one signature), then success
    ok = fs.requests(("sqs", "ok500"))
    if len(ok) < 3 or [s[3] for s in ok[:3]] != [500, 500, 200] or ok[0][2] != ok[2][2]:
        fail("ok500: want 500, 500, 200 in one request, saw %s"
             % [(s[3], s[2][:8]) for s in ok[:4]])
    if errors("ok500"):
        fail("ok500: an error was logged though the retry succeeded: %s" % errors("ok500"))
    reasons = [p["reason"] for r in records if r["group"] == "depth" for p in r["proposals"]]
    want = "depth 7 cheapest 0.030 m5 0.050 c5 0.030"
    if want not in reasons:
        fail("depth: no decision on %r (paged prices + retried depth): %s" % (want, reasons))

    # storm: the server's Retry-After honoured, attempts bounded, one error line
    by_sig = {}
    for s in fs.requests(("sqs", "storm")):
        by_sig.setdefault(s[2], []).append(s[0])
    if not by_sig or max(len(v) for v in by_sig.values()) > 3:
        fail("storm: want 1..3 attempts a request, saw %s" % [len(v) for v in by_sig.values()])
    gaps = [b - a for v in by_sig.values() for a, b in zip(v, v[1:])]
    if not gaps or min(gaps) < 0.9:
        fail("storm: retries did not wait the Retry-After second: gaps %s" % gaps)
    e = errors("storm")
    if len(e) != 1 or "ThrottlingException: Rate exceeded" not in e[0]:
        fail("storm: want one error line with ThrottlingException: Rate exceeded: %s" % e)

    for name, words in (("slow", ("timed out", "timeout", "Timeout")),
                        ("cut", ("transfer", "closed", "partial", "truncated")),
                        ("half", ("JSON", "json")), ("html", ("JSON", "json")),
                        ("huge", ("larger", "over", "exceed", "too big", "limit")),
                        ("ec2xmlcut", ("XML", "xml")),
                        ("ec2xmlhuge", ("larger", "over", "exceed", "too big", "limit"))):
        e = errors(name)
        if len(e) != 1 or not any(w in e[0] for w in words):
            fail("%s: want one clear error line (one of %s), saw %s" % (name, words, e))

    # the target: 500, 500, 200 in one request, one action, the group at 3
    sets = fs.requests(("asg", "SetDesiredCapacity"))
    if [s[3] for s in sets] != [500, 500, 200] or len({s[2] for s in sets}) != 1:
        fail("web: want one SetDesiredCapacity of 500, 500, 200 (one signature), saw %s"
             % [(s[3], s[2][:8]) for s in sets])
    acts = [r for r in records if r["group"] == "act"]
    if [(r["desired"], r["outcome"]) for r in acts] != [(3, "ok")]:
        fail("act: want exactly one decision, to 3, ok: %s"
             % [(r["desired"], r["outcome"], r["outcome_msg"]) for r in acts])
    if web["desired"] != 3:
        fail("web: the group holds %d, want 3" % web["desired"])

    # the other group ticked on, once a second
    other = [r for r in records if r["group"] == "other"]
    if len(other) < elapsed - 4:
        fail("other: %d decisions in %.1f s; the engine stopped ticking it" %
             (len(other), elapsed))


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    try:
        import fault_server
    except ImportError as e:
        print("skipped: botocore is not installed (%s)" % e)
        return SKIP
    scaled = os.path.abspath(sys.argv[1])
    failures = []
    fs = fault_server.FaultServer()
    try:
        web = scripts(fs, fault_server.answer)
        with tempfile.TemporaryDirectory(prefix="scaled-faults-") as tmp:
            res = run(scaled, tmp, fs.url)
            check(fs, web, *res, failures.append)
    finally:
        fs.stop()
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
