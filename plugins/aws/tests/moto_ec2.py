#!/usr/bin/env python3
"""aws.ec2 against moto with signature checking on (../shared/TESTING.md):
the seed's ten training instances, started and stopped.

moto starts on a free loopback port with INITIAL_NO_AUTH_ACTION_COUNT=3; the
three unsigned calls make an IAM user, its access key and an allow-all
policy. boto3 (signed with that key) launches, one reservation each, ten
instances tagged farm=train in three waves a second apart: two old ones,
seven, then one that also carries scaled:busy (the protect tag) and so is
the newest. Beside them: a running instance without the tag, and one with
it that is terminated; neither may ever be touched or counted. Then the
real scaled daemon runs farms whose policy wants a fixed count, each until
boto3 sees the count (or a deadline), a moment more, then SIGTERM:

1. tag farm=train, pages of 5 (so NextToken is followed), want 3: exactly
   the two old ones and the busy one run; one StopInstances of the seven
   others (the newest first, the busy one passed over);
2. instance_ids, listed in an order of the test's, want 6: the three
   stopped ones listed first are started (their launch times tie in
   moto, so the farm's order decides);
3. want 0: all stop but the busy one, and the decision says so ("kept
   busy", "above the count"); then the busy tag is removed and, with no
   new decision, a later poll stops it (the target holds its count);
4. a wrong secret, wanting 5: one clear AuthFailure line, no decision, no
   Start/StopInstances sent, nothing changed, no secret in the log.

moto gaps (5.2.1), and what this test does about them:
- moto sets LaunchTime at launch only, while EC2 sets it at every start:
  "most recently started" is therefore "most recently launched" here, and
  the launch waves are a second apart because moto's times are whole
  seconds.
- moto stops and starts at once (stopped / running, never stopping /
  pending for a while), so the states in between are checked by
  test_ec2_plan, not here.
- moto pages DescribeInstances by reservation, EC2 by instance: each
  instance is launched in a reservation of its own so both count alike.

usage: moto_ec2.py SCALED_BINARY
Exits 77 (skipped) when moto or boto3 is not installed.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import moto_fx  # noqa: E402


FARM = """plugin "aws"
target "train" { kind = "aws.ec2", %(select)s, endpoint = "%(url)s",
  region = "us-east-1", poll = "1s" }
group "training" { target = "train", min = 0, max = 10, every = "1s",
  stabilization = { down = "0s" },
  policy = function(g, s) return g:set(%(want)d, "want %(want)d") end }
"""


def launch(ec2, n, tags):
    ids = []
    for _ in range(n):
        r = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1,
                              InstanceType="p3.2xlarge",
                              TagSpecifications=[{"ResourceType": "instance", "Tags": [
                                  {"Key": k, "Value": v} for k, v in tags.items()]}])
        ids.append(r["Instances"][0]["InstanceId"])
    return ids


def states(ec2, ids):
    out = {}
    for r in ec2.describe_instances(InstanceIds=list(ids))["Reservations"]:
        for i in r["Instances"]:
            out[i["InstanceId"]] = i["State"]["Name"]
    return out


def running(ec2, ids):
    return {i for i, s in states(ec2, ids).items() if s == "running"}


class Fleet:
    pass


def make(ec2):
    f = Fleet()
    f.old = launch(ec2, 2, {"farm": "train"})
    time.sleep(1.1)
    f.mid = launch(ec2, 7, {"farm": "train"})
    time.sleep(1.1)
    f.busy = launch(ec2, 1, {"farm": "train", "scaled:busy": "job-42"})[0]
    f.ten = f.old + f.mid + [f.busy]
    f.other = launch(ec2, 1, {"farm": "render"})[0]
    f.gone = launch(ec2, 1, {"farm": "train"})[0]
    ec2.terminate_instances(InstanceIds=[f.gone])
    f.all = f.ten + [f.other, f.gone]
    return f


def check_run(failures, name, secret, reached, alive, rc, text, records, what):
    sys.stdout.write("--- scaled, %s:\n" % name + text)
    if not reached:
        failures.append("%s: %s not reached" % (name, what))
    if not alive or rc != 0:
        failures.append("%s: scaled died or exited %s" % (name, rc))
    if secret in text:
        failures.append("%s: the secret key is in scaled's log" % name)


def check_bystanders(ec2, f, failures, name):
    st = states(ec2, [f.other, f.gone])
    if st != {f.other: "running", f.gone: "terminated"}:
        failures.append("%s: an instance outside the set was touched: %s" % (name, st))


def test(boto3, scaled, tmp, url, key_id, secret, failures):
    ec2 = boto3.client("ec2", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id=key_id, aws_secret_access_key=secret)
    f = make(ec2)
    print("old", f.old, "mid", f.mid, "busy", f.busy, "other", f.other, "gone", f.gone)
    by_tag = 'tag = "farm=train", page_size = 5'

    # 1. want 3 by tag: the old two and the busy one
    moto_fx.start_recording(url)
    farm = FARM % {"select": by_tag, "url": url, "want": 3}
    got = moto_fx.run_until(scaled, tmp, "three", farm, key_id, secret,
                            lambda log: len(running(ec2, f.ten)) <= 3)
    check_run(failures, "three", secret, *got, "3 running")
    want = set(f.old) | {f.busy}
    if running(ec2, f.ten) != want:
        failures.append("three: running %s, want the old two and the busy one %s"
                        % (sorted(running(ec2, f.ten)), sorted(want)))
    stops = moto_fx.recorded(url, "StopInstances")
    sent = [v for s in stops for k, v in sorted(s.items()) if k.startswith("InstanceId.")]
    if len(stops) != 1 or sorted(sent) != sorted(f.mid):
        failures.append("three: want one StopInstances of the seven, got %s" % stops)
    pages = [d for d in moto_fx.recorded(url, "DescribeInstances") if "NextToken" in d]
    if not pages:
        failures.append("three: no DescribeInstances page after the first (NextToken)")
    check_bystanders(ec2, f, failures, "three")

    # 2. want 6 by ids, in the test's order: the first three stopped ones listed
    order = f.old + [f.busy] + sorted(f.mid, reverse=True)
    farm = FARM % {"select": 'instance_ids = "%s"' % ",".join(order), "url": url, "want": 6}
    got = moto_fx.run_until(scaled, tmp, "six", farm, key_id, secret,
                            lambda log: len(running(ec2, f.ten)) >= 6)
    check_run(failures, "six", secret, *got, "6 running")
    # start order: least recently launched first, ties in the listed order
    # (the seven are launched one by one: on a busy machine they may not
    # all share one second of LaunchTime)
    launched = {i["InstanceId"]: i["LaunchTime"]
                for r in ec2.describe_instances(InstanceIds=f.mid)["Reservations"]
                for i in r["Instances"]}
    listed = order[3:]
    want = set(f.old) | {f.busy} | set(
        sorted(listed, key=lambda i: (launched[i], listed.index(i)))[:3])
    if running(ec2, f.ten) != want:
        failures.append("six: running %s, want %s" % (sorted(running(ec2, f.ten)),
                                                      sorted(want)))
    check_bystanders(ec2, f, failures, "six")

    # 3. want 0: all but the busy one; once it is free, it too
    farm = FARM % {"select": by_tag, "url": url, "want": 0}
    freed = []

    def zero(log):
        up = running(ec2, f.ten)
        if up == {f.busy} and not freed:
            ec2.delete_tags(Resources=[f.busy], Tags=[{"Key": "scaled:busy"}])
            freed.append(True)
        return not up

    reached, alive, rc, text, records = moto_fx.run_until(scaled, tmp, "zero", farm, key_id,
                                                          secret, zero)
    check_run(failures, "zero", secret, reached, alive, rc, text, records, "0 running")
    if not freed:
        failures.append("zero: the busy instance was stopped while it was busy, or others "
                        "kept running")
    msgs = [r.get("outcome_msg", "") for r in records if r.get("desired") == 0]
    print("zero: decisions' messages:", msgs)
    if not any("kept busy (tag 'scaled:busy'): " + f.busy in m and "1 above the count" in m
               for m in msgs):
        failures.append("zero: no decision says the busy one was kept")
    if not any("holding 0: " in l and "stop 1: " + f.busy in l for l in text.splitlines()):
        failures.append("zero: no later poll stopped the freed instance")
    check_bystanders(ec2, f, failures, "zero")

    # 4. a wrong secret: one clear error, no action
    before = states(ec2, f.ten)
    moto_fx.start_recording(url)
    wrong = moto_fx.wrong_secret(secret)
    farm = FARM % {"select": by_tag, "url": url, "want": 5}
    reached, alive, rc, text, records = moto_fx.run_until(
        scaled, tmp, "bad", farm, key_id, wrong,
        lambda log: "AuthFailure" in log or "SignatureDoesNotMatch" in log,
        deadline=30.0, settle=3.0)
    check_run(failures, "bad", wrong, reached, alive, rc, text, records, "the error")
    if secret in text:
        failures.append("bad: the right secret is in scaled's log")
    moto_fx.check_one_error(failures, text, "DescribeInstances",
                            ("AuthFailure", "SignatureDoesNotMatch"),
                            "bad: no AuthFailure / SignatureDoesNotMatch in the log")
    if records:
        failures.append("bad: %d decisions recorded" % len(records))
    acts = moto_fx.recorded(url, "StartInstances") + moto_fx.recorded(url, "StopInstances")
    if acts or states(ec2, f.ten) != before:
        failures.append("bad: instances were started or stopped: %s" % acts)


if __name__ == "__main__":
    sys.exit(moto_fx.main(__doc__, test))
