#!/usr/bin/env python3
"""aws.asg against moto with signature checking on (../shared/TESTING.md).

moto starts on a free loopback port with INITIAL_NO_AUTH_ACTION_COUNT=3 (its
three unsigned calls make an IAM user, its key and an allow-all policy);
boto3, signed with that key, makes a launch template and Auto Scaling groups
with a MixedInstancesPolicy (two instance types, capacity-optimized spot,
prioritized on-demand), and an SQS queue. The real scaled daemon runs farms
against them, and the groups are read back with boto3:

 (a) SQS depth drives a group from 0 up and back to 0: aws.sqs + aws.asg +
     policy.queue_step (steps 0: 0, 1: 1, 3: 2, the step table that scales to
     zero); 3 messages sent -> DesiredCapacity 2 with 2 instances InService;
     the queue purged -> 0.
 (b) failover: the spot price is a replay of real history (c3.8xlarge in
     us-west-1a, 2014-03-25 19:32 to 21:05, from ../shared/testdata/spot/,
     written as a slice and played 300 times as fast), the on-demand price
     the same folder's table's (1.912); policy.spot_failover with leave and
     return after 2 s: the group's OnDemandPercentageAboveBaseCapacity goes
     0 -> 100 once spot reaches 9.60 and back to 0 once it falls, every
     other field of the distribution, the launch template and its overrides
     as they were, the capacity kept.
 (c) a wrong secret: one clear authentication error in the log, no crash, no
     decision, DesiredCapacity unchanged; (d) a group that does not exist:
     one clear error naming it, no crash, no decision.

moto 5.2.1 has a gap that (b) works around (moto_asg_gap.py, which runs
moto's server): an UpdateAutoScalingGroup whose MixedInstancesPolicy carries
only the InstancesDistribution (what aws.asg sends, and what AWS documents
as enough for an update) fails in moto with KeyError('LaunchTemplate'); the
shim keeps the group's launch template as AWS does, and nothing else.

usage: moto_asg.py SCALED_BINARY
Exits 77 (skipped) when moto or boto3 is not installed, or when
../shared/testdata (SCALED_TESTDATA_DIR) is not there for (b), after (a),
(c) and (d) ran.
"""
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import moto_fx  # noqa: E402

TESTDATA = os.environ.get("SCALED_TESTDATA_DIR") or os.path.join(
    HERE, "..", "..", "..", "..", "shared", "testdata")
SKIPPED = []

# (b)'s slice of real history: spot above on-demand from 19:55:58 to 20:32:53
# (9.60, 2.7321; 1.2783 for 88 s), below before and after.
TRACE = "c3.8xlarge_us-west-1a_2014-02-16_2014-04-17.csv"
SLICE = ("2014-03-25T19:32:24Z", "2014-03-25T21:05:43Z")
SPEED = 300

FARM_HEAD = """local policy = require "policy"
plugin "aws"
"""
TARGET = """target "asg" { kind = "aws.asg", endpoint = "%(url)s", region = "us-east-1",
  name = "%(name)s", poll = "1s" }
"""
FARM_A = FARM_HEAD + """source "jobs" { kind = "aws.sqs", endpoint = "%(url)s",
  region = "us-east-1", queue_url = "%(queue)s", every = "1s" }
""" + TARGET + """group "workers" { target = "asg", min = 0, max = 4, every = "1s",
  stabilization = { down = "0s" },
  policy = policy.queue_step { series = "jobs", steps = { {0, 0}, {1, 1}, {3, 2} } } }
"""
FARM_B = FARM_HEAD + """plugin "replay"
source "spot" { kind = "replay", format = "spot", path = "%(slice)s", speed = %(speed)d,
  every = "250ms" }
""" + TARGET + """group "failover" { target = "asg", min = 2, max = 2, every = "250ms",
  on_demand_base = 0, on_demand_percent = 0, mix_dwell = "1s",
  policy = policy.spot_failover { spot = "spot", on_demand = %(od)s,
    leave_after = "2s", return_after = "2s" } }
"""
FARM_C = FARM_HEAD + TARGET + """group "g" { target = "asg", min = 0, max = 4, every = "1s",
  policy = function(g, s) return g:set(3, "three") end }
"""
DIST = {"OnDemandAllocationStrategy": "prioritized", "OnDemandBaseCapacity": 0,
        "OnDemandPercentageAboveBaseCapacity": 0, "SpotAllocationStrategy": "capacity-optimized"}


def make_group(ec2, asg, name, desired, max_size):
    if not ec2.describe_launch_templates(
            Filters=[{"Name": "launch-template-name", "Values": ["workers"]}])["LaunchTemplates"]:
        ec2.create_launch_template(LaunchTemplateName="workers", LaunchTemplateData={
            "ImageId": "ami-12c6146b", "InstanceType": "c3.8xlarge"})
    asg.create_auto_scaling_group(
        AutoScalingGroupName=name, MinSize=0, MaxSize=max_size, DesiredCapacity=desired,
        AvailabilityZones=["us-east-1a"],
        MixedInstancesPolicy={
            "LaunchTemplate": {
                "LaunchTemplateSpecification": {"LaunchTemplateName": "workers",
                                                "Version": "$Latest"},
                "Overrides": [{"InstanceType": "c3.8xlarge"}, {"InstanceType": "c3.4xlarge"}]},
            "InstancesDistribution": dict(DIST)})


def read_group(asg, name):
    return asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]


def in_service(g):
    return sum(1 for i in g["Instances"] if i["LifecycleState"] == "InService")


def reasons(records):
    return [pr["reason"] for r in records for pr in r.get("proposals", [])]


def check_run(failures, part, alive, rc, text, secret):
    sys.stdout.write("--- scaled, %s:\n%s" % (part, text))
    if not alive or rc != 0:
        failures.append("%s: scaled died or exited %s" % (part, rc))
    if secret in text:
        failures.append("%s: the secret key is in scaled's log" % part)


def part_a(boto3, scaled, tmp, url, key_id, secret, failures, c):
    """SQS depth: 0 -> 2 -> 0."""
    make_group(c["ec2"], c["asg"], "sqs-workers", 0, 4)
    queue = c["sqs"].create_queue(QueueName="jobs")["QueueUrl"]
    farm = FARM_A % {"url": url, "queue": queue, "name": "sqs-workers"}
    p, log, dlog = moto_fx.start_scaled(scaled, tmp, "a", farm, key_id, secret)
    try:
        # the daemon runs (the group at 0, the queue empty); then 3 jobs come
        moto_fx.wait_for("scaled running", lambda: " running " in open(log).read(), 30)
        for i in range(3):
            c["sqs"].send_message(QueueUrl=queue, MessageBody="job %d" % i)
        up = moto_fx.wait_for("DesiredCapacity 2", lambda: (
            lambda g: g if g["DesiredCapacity"] == 2 and in_service(g) == 2 else None)(
                read_group(c["asg"], "sqs-workers")))
        if not up:
            failures.append("a: DesiredCapacity never reached 2 with 3 messages queued")
        c["sqs"].purge_queue(QueueUrl=queue)
        down = moto_fx.wait_for("DesiredCapacity 0", lambda: read_group(
            c["asg"], "sqs-workers")["DesiredCapacity"] == 0)
        if not down:
            failures.append("a: DesiredCapacity never went back to 0 after the purge")
    finally:
        alive, rc, text, records = moto_fx.stop_scaled(p, log, dlog)
    check_run(failures, "a", alive, rc, text, secret)
    got = reasons(records)
    print("a: decisions:", [(r["desired_before"], r["desired"]) for r in records])
    if not any(r == "jobs last 3 >= step 3: 2" for r in got):
        failures.append("a: no decision read 3 jobs: %s" % got[-5:])
    if not any(r["desired_before"] == 2 and r["desired"] == 0 for r in records):
        failures.append("a: no decision took the group from 2 to 0")
    if "SetDesiredCapacity: 2" not in text or "SetDesiredCapacity: 0" not in text:
        failures.append("a: the log does not show SetDesiredCapacity 2 and then 0")


def write_slice(tmp):
    """The rows of the slice as a replay trace; (its path, the on-demand
    price), or None without the test data."""
    spot = os.path.join(TESTDATA, "spot")
    if not os.path.isfile(os.path.join(spot, TRACE)):
        return None
    with open(os.path.join(spot, "ondemand_prices_2016-12.csv")) as f:
        od = next(r["ondemand_usd_per_hour"] for r in csv.DictReader(f)
                  if r["region"] == "us-west-1" and r["instance_type"] == "c3.8xlarge")
    path = os.path.join(tmp, "spot_slice.csv")
    with open(os.path.join(spot, TRACE)) as f, open(path, "w") as out:
        rows = f.read().splitlines()
        kept = [r for r in rows[1:] if SLICE[0] <= r.split(",")[0] <= SLICE[1]]
        out.write("\n".join([rows[0]] + kept) + "\n")
    prices = [float(r.split(",")[4]) for r in kept]
    print("b: %d rows %s .. %s, on-demand %s, spot %.4f .. %.2f" %
          (len(kept), SLICE[0], SLICE[1], od, min(prices), max(prices)))
    return path, od


def part_b(boto3, scaled, tmp, url, key_id, secret, failures, c):
    """Failover to on-demand on a replay of real spot history, and back."""
    sl = write_slice(tmp)
    if not sl:
        print("b: skipped: no spot history in %s" % TESTDATA)
        SKIPPED.append("b")
        return
    make_group(c["ec2"], c["asg"], "failover", 2, 2)
    before = read_group(c["asg"], "failover")
    farm = FARM_B % {"url": url, "name": "failover", "slice": sl[0], "speed": SPEED,
                     "od": sl[1]}
    pct = []

    def percent():
        g = read_group(c["asg"], "failover")
        v = g["MixedInstancesPolicy"]["InstancesDistribution"][
            "OnDemandPercentageAboveBaseCapacity"]
        if not pct or pct[-1] != v:
            pct.append(v)
        return g, v

    p, log, dlog = moto_fx.start_scaled(scaled, tmp, "b", farm, key_id, secret)
    try:
        if not moto_fx.wait_for("on-demand 100 %", lambda: percent()[1] == 100, 40):
            failures.append("b: OnDemandPercentageAboveBaseCapacity never went to 100")
        elif not moto_fx.wait_for("back to 0 %", lambda: percent()[1] == 0, 40):
            failures.append("b: OnDemandPercentageAboveBaseCapacity never came back to 0")
    finally:
        alive, rc, text, records = moto_fx.stop_scaled(p, log, dlog)
    check_run(failures, "b", alive, rc, text, secret)
    after = read_group(c["asg"], "failover")
    print("b: OnDemandPercentageAboveBaseCapacity seen:", pct)
    switches = [r["markets"]["reason"] for r in records
                if r.get("markets") and r["markets"]["before"] != r["markets"]["after"]]
    print("b: switches:", switches)
    if not any("to on-demand" in s for s in switches) or \
            not any("back to spot" in s for s in switches):
        failures.append("b: the decisions lack the switch to on-demand and back")
    if pct[-1:] == [0] and pct.count(100) != 1:
        failures.append("b: the percentage went to 100 %d times, want once" % pct.count(100))
    dist = after["MixedInstancesPolicy"]["InstancesDistribution"]
    if dist != before["MixedInstancesPolicy"]["InstancesDistribution"]:
        failures.append("b: the distribution ends as %s, not as it began" % dist)
    if after["MixedInstancesPolicy"]["LaunchTemplate"] != \
            before["MixedInstancesPolicy"]["LaunchTemplate"]:
        failures.append("b: the launch template or its overrides changed: %s" %
                        after["MixedInstancesPolicy"]["LaunchTemplate"])
    if after["DesiredCapacity"] != 2:
        failures.append("b: DesiredCapacity ends at %d, not 2" % after["DesiredCapacity"])
    if text.count("UpdateAutoScalingGroup: capacity 2, on_demand_base 0, "
                  "on_demand_percent 100") != 1:
        failures.append("b: the log does not show one UpdateAutoScalingGroup to 100 %")


def part_cd(boto3, scaled, tmp, url, key_id, secret, failures, c):
    """A wrong secret; a group that does not exist."""
    make_group(c["ec2"], c["asg"], "steady", 1, 4)
    farm = FARM_C % {"url": url, "name": "steady"}
    wrong = moto_fx.wrong_secret(secret)
    text, records = moto_fx.run_checked(scaled, tmp, "c", "c, wrong secret", farm, key_id,
                                        wrong, (wrong, secret),
                                        "c: a secret key is in scaled's log", failures, 4.0)
    moto_fx.check_one_error(failures, text, "DescribeAutoScalingGroups",
                            ("SignatureDoesNotMatch", "AuthFailure", "InvalidClientTokenId"),
                            "c: no SignatureDoesNotMatch / AuthFailure in the log")
    if records:
        failures.append("c: %d decisions recorded with a wrong secret" % len(records))
    if read_group(c["asg"], "steady")["DesiredCapacity"] != 1:
        failures.append("c: DesiredCapacity changed with a wrong secret")

    farm = FARM_C % {"url": url, "name": "no-such-group"}
    text, records = moto_fx.run_checked(scaled, tmp, "d", "d, no such group", farm, key_id,
                                        secret, (secret,), "d: the secret is in scaled's log",
                                        failures, 3.0)
    moto_fx.check_one_error(failures, text, "DescribeAutoScalingGroups",
                            ("no Auto Scaling group named 'no-such-group' in us-east-1",),
                            "d: no error naming the missing group")
    if records:
        failures.append("d: %d decisions recorded for a missing group" % len(records))


def test(boto3, scaled, tmp, url, key_id, secret, failures):
    c = {s: boto3.client(s, endpoint_url=url, region_name="us-east-1",
                         aws_access_key_id=key_id, aws_secret_access_key=secret)
         for s in ("ec2", "autoscaling", "sqs")}
    c["asg"] = c["autoscaling"]
    for part in (part_a, part_b, part_cd):
        part(boto3, scaled, tmp, url, key_id, secret, failures, c)


def main():
    rc = moto_fx.main_on(__doc__, test, lambda tmp: moto_fx.start_moto_script(
        tmp, os.path.join(HERE, "moto_asg_gap.py")))
    if rc == 0 and SKIPPED:
        print("skipped part %s: no test data (SCALED_TESTDATA_DIR)" % ", ".join(SKIPPED))
        return moto_fx.SKIP
    return rc


if __name__ == "__main__":
    sys.exit(main())
