#!/usr/bin/env python3
"""aws.interruptions against moto's SQS with signature checking on
(../shared/TESTING.md).

moto starts on a free loopback port with INITIAL_NO_AUTH_ACTION_COUNT=3; the
three unsigned calls make an IAM user, its access key and an allow-all
policy. boto3 (signed with that key) creates the queue "interruptions" and
sends what an EventBridge rule sends there: two EC2 Spot Instance
Interruption Warnings, an EC2 Instance Rebalance Recommendation (the event
shapes of AWS's EC2 user guide), an EC2 state-change notice (another
detail-type), and a message that is no event at all.

good: the real daemon runs a farm whose group "fleet" (a sim target on
spot) replaces each interrupted instance (a policy naming the instance ids
from g.events) and runs policy.spot_failover with interruptions = 2, and
whose group "tally" sets itself to what the source counted, naming the
counts. Asserted: the decision log names both spot_interruption events and
the rebalance_recommendation, the fleet's reason names both instances and
actions, spot_failover left spot on the two warnings, the counts are 2
interruptions, 1 rebalance, 1 malformed, 5 read, the malformed message was
logged once, and the queue is empty afterwards (read back with boto3).

refused: the source targets a group that does not exist: every event is
refused by the core (no group 'nope'), logged once, and left in the queue
(it comes back after the queue's 1 s visibility timeout and is refused
again, not logged again: the tally reads it twice more); the malformed
message sent with it is deleted. The queue holds exactly the refused event
afterwards.

kept: `delete = false` (a preview beside production): the warning is
delivered once, read again after the visibility timeout without being
delivered again, and still in the queue afterwards.

bad: a wrong secret: one clear ReceiveMessage error line, no decision on
events or counts (the fleet's first tick still records the farm's mix), no
secret in the log, the queue untouched, a clean exit on SIGTERM.

usage: moto_interruptions.py SCALED_BINARY
Exits 77 (skipped) when moto or boto3 is not installed.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import moto_fx  # noqa: E402

FARM = """plugin "aws"; plugin "sim"
local policy = require "policy"
source "intr" { kind = "aws.interruptions", endpoint = "%(url)s", region = "us-east-1",
  queue_url = "%(queue)s", every = "1s"%(group)s }
source "spot_price" { kind = "wave", value = 0.031, every = "1s" }
source "od" { kind = "aws.on_demand_price", prices = "m5.large=0.096", every = "1s" }
target "fleet" { kind = "sim", start = 4, on_demand_base = 0, on_demand_percent = 0 }
target "tally" { kind = "sim" }
group "fleet" { target = "fleet", min = 0, max = 20, every = "1s",
  on_demand_base = 0, on_demand_percent = 0,
  policy = {
    function(g, s)
      local ids = {}
      for _, ev in ipairs(g.events) do
        if ev.name == "spot_interruption" then
          ids[#ids + 1] = ev.data.instance_id .. "/" .. ev.data.instance_action
        end
      end
      if #ids == 0 then return nil end
      table.sort(ids)
      return g:change(#ids, "replace " .. table.concat(ids, " "))
    end,
    policy.spot_failover { spot = "spot_price", on_demand = "od", interruptions = 2 },
  } }
group "tally" { target = "tally", min = 0, max = 1000, every = "1s",
  policy = function(g, s)
    local i, r = s["intr.interruptions"]:sum(), s["intr.rebalances"]:sum()
    local m, n = s["intr.malformed"]:sum(), s.intr:sum()
    if n == nil then return nil end
    return g:set(math.floor(n), string.format("interruptions %%d rebalances %%d malformed %%d read %%d",
      i, r, m, n))
  end }
"""


def event(kind, instance, action=None, eid=None):
    """An EventBridge event as the EC2 user guide shows it, as a JSON text."""
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    detail = {"instance-id": instance}
    if action:
        detail["instance-action"] = action
    return json.dumps({
        "version": "0", "id": eid or ("%s-%s" % (kind[:8], instance)),
        "detail-type": kind, "source": "aws.ec2", "account": "123456789012",
        "time": now, "region": "us-east-1",
        "resources": ["arn:aws:ec2:us-east-1a:instance/" + instance],
        "detail": detail})


WARN = "EC2 Spot Instance Interruption Warning"
REBALANCE = "EC2 Instance Rebalance Recommendation"
STATE = "EC2 Instance State-change Notification"


def depth(sqs, queue):
    a = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"])


def reasons(records):
    """Every reason a decision record holds, as one text per record."""
    return [json.dumps(r) for r in records]


def events_named(records, group):
    return [e for r in records if r.get("group") == group for e in r.get("events", [])]


def test_good(boto3, scaled, tmp, url, sqs, queue, key_id, secret, failures):
    for body in (event(WARN, "i-0aaaaaaaaaaaaaaa1", "terminate"),
                 event(WARN, "i-0bbbbbbbbbbbbbbb2", "stop"),
                 event(REBALANCE, "i-0ccccccccccccccc3"),
                 event(STATE, "i-0ddddddddddddddd4"),
                 "this is not an EventBridge event"):
        sqs.send_message(QueueUrl=queue, MessageBody=body)
    farm = FARM % {"url": url, "queue": queue, "group": ""}
    want_tally = "interruptions 2 rebalances 1 malformed 1 read 5"

    def done(text, records):
        # spot_failover leaves at the first tick that knows the group's
        # mix (the farm's, set by that first tick): the warnings are kept
        return (any(want_tally in r for r in reasons(records)) and
                any("to on-demand" in r for r in reasons(records)) and
                len(events_named(records, "fleet")) >= 3 and depth(sqs, queue) == 0)

    ok, alive, rc, text, records = moto_fx.run_while(scaled, tmp, "good", farm, key_id, secret,
                                                     done, timeout=60)
    sys.stdout.write("--- scaled, right key:\n" + text)
    print("decisions:", "\n".join(reasons(records)))
    if not alive or rc != 0:
        failures.append("good: scaled died or exited %s" % rc)
    if secret in text:
        failures.append("good: the secret key is in scaled's log")
    names = events_named(records, "fleet")
    if sorted(names) != ["rebalance_recommendation", "spot_interruption", "spot_interruption"]:
        failures.append("good: the fleet's decisions name events %s, want the two "
                        "interruptions and the rebalance" % names)
    if sorted(events_named(records, "tally")) != sorted(names):
        failures.append("good: the tally group did not get every event (group unset: all)")
    all_text = "\n".join(reasons(records))
    if "replace i-0aaaaaaaaaaaaaaa1/terminate i-0bbbbbbbbbbbbbbb2/stop" not in all_text:
        failures.append("good: no decision replaced both interrupted instances")
    if "2 spot interruption warnings in 10m: to on-demand" not in all_text:
        failures.append("good: spot_failover did not leave spot on the two warnings")
    if want_tally not in all_text:
        failures.append("good: the counts are not '%s'" % want_tally)
    if depth(sqs, queue) != 0:
        failures.append("good: %d messages left in the queue, want 0" % depth(sqs, queue))
    malformed = [l for l in text.splitlines() if "malformed message" in l]
    if len(malformed) != 1 or "the message is not a JSON object" not in malformed[0]:
        failures.append("good: the malformed message logged %d times, want once with its "
                        "reason" % len(malformed))
    if not ok:
        failures.append("good: not all of it within 60 s")


def test_refused(boto3, scaled, tmp, url, sqs, queue, key_id, secret, failures):
    kept = event(WARN, "i-0eeeeeeeeeeeeeee5", "terminate")
    sqs.send_message(QueueUrl=queue, MessageBody=kept)
    sqs.send_message(QueueUrl=queue, MessageBody='{"version": "0", "id": 7}')
    farm = FARM % {"url": url, "queue": queue, "group": ', group = "nope"'}
    refusal = "not delivered, left in the queue: event 'spot_interruption': no group 'nope'"

    def done(text, records):
        # refused, and received (and refused) again after the visibility
        # timeout: the tally has read the two, then the refused one again
        return (refusal in text and "malformed message deleted" in text and
                any("malformed 1 read 4" in r for r in reasons(records)))

    ok, alive, rc, text, records = moto_fx.run_while(scaled, tmp, "refused", farm, key_id,
                                                     secret, done, timeout=60)
    sys.stdout.write("--- scaled, group 'nope':\n" + text)
    if not alive or rc != 0:
        failures.append("refused: scaled died or exited %s" % rc)
    if not ok:
        failures.append("refused: no refusal and malformed deletion within 60 s")
    n = sum(1 for l in text.splitlines() if refusal in l)
    if n != 1:
        failures.append("refused: the refusal logged %d times, want once" % n)
    if events_named(records, "fleet") or events_named(records, "tally"):
        failures.append("refused: a decision names the refused event")
    left = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not left:
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10,
                                  WaitTimeSeconds=1).get("Messages", [])
        left = [m["Body"] for m in got]
    if left != [kept]:
        failures.append("refused: the queue holds %r, want the refused event only" % left)
    if depth(sqs, queue) != len(left):
        failures.append("refused: more in the queue than the refused event")


def test_kept(boto3, scaled, tmp, url, sqs, queue, key_id, secret, failures):
    sqs.send_message(QueueUrl=queue, MessageBody=event(WARN, "i-0abcabcabcabcabc7", "stop"))
    farm = FARM % {"url": url, "queue": queue, "group": ", delete = false"}

    def done(text, records):  # delivered, then read again after the timeout
        return (events_named(records, "fleet") == ["spot_interruption"] and
                any("read 2" in r for r in reasons(records)))

    ok, alive, rc, text, records = moto_fx.run_while(scaled, tmp, "kept", farm, key_id, secret,
                                                     done, timeout=60, settle=1.5)
    sys.stdout.write("--- scaled, delete = false:\n" + text)
    if not ok or not alive or rc != 0:
        failures.append("kept: the warning was not delivered and read again (ok %s, exit %s)"
                        % (ok, rc))
    if events_named(records, "fleet") != ["spot_interruption"]:
        failures.append("kept: delivered %s, want the one warning once"
                        % events_named(records, "fleet"))
    if depth(sqs, queue) != 1:
        failures.append("kept: the queue holds %d messages, want the 1 sent"
                        % depth(sqs, queue))


def test(boto3, scaled, tmp, url, key_id, secret, failures):
    sqs = boto3.client("sqs", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id=key_id, aws_secret_access_key=secret)
    queue = sqs.create_queue(QueueName="interruptions",
                             Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    print("queue:", queue)
    test_good(boto3, scaled, tmp, url, sqs, queue, key_id, secret, failures)
    refused = sqs.create_queue(QueueName="refused",
                               Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    test_refused(boto3, scaled, tmp, url, sqs, refused, key_id, secret, failures)
    kept = sqs.create_queue(QueueName="kept", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    test_kept(boto3, scaled, tmp, url, sqs, kept, key_id, secret, failures)

    sqs.send_message(QueueUrl=queue, MessageBody=event(WARN, "i-0fffffffffffffff6", "stop"))
    wrong = moto_fx.wrong_secret(secret)
    farm = FARM % {"url": url, "queue": queue, "group": ""}
    text, records = moto_fx.run_checked(scaled, tmp, "bad", "wrong secret", farm, key_id,
                                        wrong, (wrong, secret),
                                        "bad: a secret key is in scaled's log", failures, 4.0)
    moto_fx.check_one_error(failures, text, "ReceiveMessage",
                            ("SignatureDoesNotMatch", "AuthFailure", "InvalidClientTokenId"),
                            "bad: no SignatureDoesNotMatch / AuthFailure in the log")
    # the fleet's first tick records the farm's mix; nothing else may come
    if events_named(records, "fleet") or any(r.get("group") == "tally" for r in records):
        failures.append("bad: a decision was made on events or counts without a collect")
    if depth(sqs, queue) != 1:
        failures.append("bad: the queue holds %d messages, want the 1 sent" % depth(sqs, queue))


if __name__ == "__main__":
    sys.exit(moto_fx.main(__doc__, test))
