#!/usr/bin/env python3
"""aws.cloudwatch against moto with signature checking on (../shared/TESTING.md).

moto starts on a free loopback port with INITIAL_NO_AUTH_ACTION_COUNT=3; the
three unsigned calls make an IAM user, its access key and an allow-all
policy. boto3 (signed with that key) puts the CPUUtilization of the Auto
Scaling group "web" (AWS/EC2, dimension AutoScalingGroupName) into whole
minutes before now: 40 three minutes back, 50 two minutes back, and 60 and
84 in the last whole minute -- so that its newest Average is 72 and its
newest Maximum 84 -- and 99 for another group in that minute. Then:

- the real scaled daemon runs a farm with three aws.cloudwatch sources (the
  group's Average, its Maximum, and a metric no one reports) and a policy
  that scales a local `sim` target to the CPU's tens with "cpu A max M age
  S" in its reason; it runs until the decision log holds such a decision (a
  bounded wait): A must be 72 and M 84 (the newest period, the statistic
  asked for, the other group left out), S the datapoint's age (under the
  15-minute lookback); the metric without data is logged once as such;
- a wrong secret: one SignatureDoesNotMatch line, no decision, no secret in
  the log, a clean exit on SIGTERM.

usage: moto_cloudwatch.py SCALED_BINARY
Exits 77 (skipped) when moto or boto3 is not installed.
"""
import datetime
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import moto_fx  # noqa: E402


SOURCE = """source "%(name)s" { kind = "aws.cloudwatch", endpoint = "%(url)s", region = "us-east-1",
  namespace = "AWS/EC2", metric = "%(metric)s", dimensions = "AutoScalingGroupName=web",
  statistic = "%(stat)s", period = "1m", every = "1s" }
"""

GROUP = """plugin "sim"
target "t" { kind = "sim" }
group "g" { target = "t", min = 0, max = 20, every = "1s",
  policy = function(g, s)
    local a, m, age = s.cpu:last(), s.cpu_max:last(), s["cpu.age"]:last()
    if a == nil or m == nil or age == nil then return nil end
    return g:set(math.floor(a / 10), string.format("cpu %%g max %%g age %%.0f", a, m, age))
  end }
"""


def farm(url, sources):
    text = 'plugin "aws"\n'
    for name, metric, stat in sources:
        text += SOURCE % {"name": name, "url": url, "metric": metric, "stat": stat}
    return text + GROUP % {}


def put_cpu(cw):
    """The datapoints, at whole minutes before now (moto and AWS both cut
    periods on whole minutes when StartTime is on one, as ours is)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    minute = now.replace(second=0, microsecond=0)

    def put(group, value, at):
        cw.put_metric_data(Namespace="AWS/EC2", MetricData=[{
            "MetricName": "CPUUtilization", "Value": value, "Unit": "Percent",
            "Timestamp": at,
            "Dimensions": [{"Name": "AutoScalingGroupName", "Value": group}]}])

    m = datetime.timedelta(minutes=1)
    s = datetime.timedelta(seconds=1)
    put("web", 40, minute - 3 * m + 30 * s)
    put("web", 50, minute - 2 * m + 30 * s)
    put("web", 60, minute - m + 15 * s)
    put("web", 84, minute - m + 45 * s)
    put("other", 99, minute - m + 30 * s)


def test(boto3, scaled, tmp, url, key_id, secret, failures):
    cw = boto3.client("cloudwatch", endpoint_url=url, region_name="us-east-1",
                      aws_access_key_id=key_id, aws_secret_access_key=secret)
    put_cpu(cw)
    good = farm(url, (("cpu", "CPUUtilization", "Average"),
                      ("cpu_max", "CPUUtilization", "Maximum"),
                      ("mem", "MemoryUtilization", "Average")))

    started = time.monotonic()

    def decided(records):
        # and 3 s gone, so that the metric without data was asked about a
        # few times (logged once all the same)
        return time.monotonic() - started > 3 and \
            any(p["reason"].startswith("cpu ") for r in records for p in r["proposals"])

    alive, rc, text, records, done = moto_fx.run_until_records(
        scaled, tmp, "good", good, key_id, secret, decided)
    sys.stdout.write("--- scaled, right key:\n" + text)
    reasons = [p["reason"] for r in records for p in r["proposals"]]
    print("decisions:", [(r["desired_before"], r["desired"], r["outcome"])
                         for r in records[:5]], reasons[:5])
    if not alive or rc != 0:
        failures.append("good: scaled died or exited %s" % rc)
    if secret in text:
        failures.append("good: the secret key is in scaled's log")
    if not done:
        failures.append("good: no decision from the CPU within the deadline")
    m = re.match(r"cpu (\S+) max (\S+) age (-?\d+)$", reasons[0]) if reasons else None
    if not m or m.group(1) != "72" or m.group(2) != "84":
        failures.append("good: want the newest minute's Average 72 and Maximum 84, got %r"
                        % (reasons[:1],))
    elif not 0 < int(m.group(3)) < 900:
        failures.append("good: the datapoint's age %s s is not within the lookback"
                        % m.group(3))
    if not records or records[0]["desired"] != 7 or records[0]["outcome"] != "ok":
        failures.append("good: the sim target was not scaled to 7 (72 %)")
    nodata = [l for l in text.splitlines() if "source mem:" in l and "no datapoint" in l]
    if len(nodata) != 1:
        failures.append("good: the metric without data logged %d times, want once"
                        % len(nodata))

    wrong = moto_fx.wrong_secret(secret)
    bad = farm(url, (("cpu", "CPUUtilization", "Average"),))
    text, records = moto_fx.run_checked(scaled, tmp, "bad", "wrong secret",
                                        bad.replace("s.cpu_max:last()", "nil"), key_id,
                                        wrong, (wrong, secret),
                                        "bad: a secret key is in scaled's log", failures, 4.0)
    moto_fx.check_one_error(failures, text, "GetMetricData",
                            ("SignatureDoesNotMatch", "InvalidClientTokenId"),
                            "bad: no SignatureDoesNotMatch in the log")
    if records:
        failures.append("bad: %d decisions recorded without the metric" % len(records))


if __name__ == "__main__":
    sys.exit(moto_fx.main(__doc__, test))
