#!/usr/bin/env python3
"""aws.sqs against moto with signature checking on (../shared/TESTING.md).

moto starts on a free loopback port with INITIAL_NO_AUTH_ACTION_COUNT=3; the
three unsigned calls make an IAM user, its access key and an allow-all
policy. boto3 (signed with that key) creates the queue "jobs", sends 3
messages and receives 1 without deleting it, so that SQS counts 2 visible
and 1 in flight. Then the real scaled daemon runs a farm whose source `jobs`
reads GetQueueAttributes (SQS's JSON protocol) from moto and whose policy
sets the group to visible + in flight with both in its reason; the decision
log must show "visible 2 in_flight 1". `scaled --once` on the same farm
(its requests driven to their answers before the one tick) prints that
decision too. Then the same farm with a wrong
secret: one clear error line in scaled's log, no decision, no secret, a clean
exit on SIGTERM.

usage: moto_sqs.py SCALED_BINARY
Exits 77 (skipped) when moto or boto3 is not installed.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import moto_fx  # noqa: E402


FARM = """plugin "aws"; plugin "sim"
source "jobs" { kind = "aws.sqs", endpoint = "%(url)s", region = "us-east-1",
  queue_url = "%(queue)s", every = "1s" }
target "t" { kind = "sim" }
group "g" { target = "t", min = 0, max = 10, every = "1s",
  policy = function(g, s)
    local v, f = s.jobs:last(), s["jobs.in_flight"]:last()
    if v == nil or f == nil then return g:hold("no depth yet") end
    return g:set(v + f, string.format("visible %%d in_flight %%d", v, f))
  end }
"""


def make_queue(boto3, url, key_id, secret):
    """The queue "jobs": 3 messages sent, 1 received and kept in flight."""
    sqs = boto3.client("sqs", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id=key_id, aws_secret_access_key=secret)
    queue = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=queue, MessageBody="job %d" % i)
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1,
                              VisibilityTimeout=600).get("Messages", [])
    if len(got) != 1:
        raise RuntimeError("received %d messages, want 1" % len(got))
    return queue


def test(boto3, scaled, tmp, url, key_id, secret, failures):
    queue = make_queue(boto3, url, key_id, secret)
    print("queue:", queue)
    farm = FARM % {"url": url, "queue": queue}

    text, records = moto_fx.run_checked(scaled, tmp, "good", "right key", farm, key_id,
                                        secret, (secret,),
                                        "good: the secret key is in scaled's log", failures)
    reasons = [pr["reason"] for r in records for pr in r.get("proposals", [])]
    print("decisions:", reasons)
    if not any(r == "visible 2 in_flight 1" for r in reasons):
        failures.append("good: no decision saw 2 visible and 1 in flight")

    farm_path = os.path.join(tmp, "good.lua")
    once = subprocess.run([scaled, "--once", "-c", farm_path], env=moto_fx.scaled_env(
        key_id, secret), capture_output=True, text=True, timeout=90, cwd=tmp)
    sys.stdout.write("--- scaled --once:\n" + once.stdout + once.stderr)
    if once.returncode != 0 or "visible 2 in_flight 1" not in once.stdout:
        failures.append("once: no decision on 2 visible and 1 in flight (exit %d)"
                        % once.returncode)

    wrong = moto_fx.wrong_secret(secret)
    text, records = moto_fx.run_checked(scaled, tmp, "bad", "wrong secret", farm, key_id,
                                        wrong, (wrong, secret),
                                        "bad: a secret key is in scaled's log", failures, 4.0)
    moto_fx.check_one_error(failures, text, "GetQueueAttributes",
                            ("SignatureDoesNotMatch", "AuthFailure", "InvalidClientTokenId"),
                            "bad: no SignatureDoesNotMatch / AuthFailure in the log")
    if records:
        failures.append("bad: %d decisions recorded without a depth" % len(records))


if __name__ == "__main__":
    sys.exit(moto_fx.main(__doc__, test))
