#!/usr/bin/env python3
"""aws.spot_fleet against moto with signature checking on (../shared/TESTING.md).

moto starts on a free loopback port with INITIAL_NO_AUTH_ACTION_COUNT=3; the
three unsigned calls make an IAM user, its access key and an allow-all
policy. boto3 (signed with that key) requests a Spot Fleet of type maintain
in weighted units (c5.large weighs 2, c5.xlarge 4), 4 units. Then the real
scaled daemon runs farms on it, each until boto3 sees what it should (or a
deadline), a moment more, then SIGTERM:

1. a policy that wants 10 units with the mix "2 units on-demand, half of
   the rest": TargetCapacity 10 read back with boto3, and exactly one
   ModifySpotFleetRequest sent, with TargetCapacity=10 and
   OnDemandTargetCapacity=6 (2 + ceil(50 % of 8));
2. a policy that wants 4 units all on spot: TargetCapacity 4,
   OnDemandTargetCapacity=0 sent;
3. a wrong secret: one clear AuthFailure line, no decision, nothing
   modified, no secret in the log, a clean exit;
4. the fleet cancelled (its instances left running): one clear line saying
   it is cancelled_running, no decision, nothing modified.

moto gaps, and what this test does about them (moto 5.2.1):
- moto accepts OnDemandTargetCapacity but neither keeps nor echoes it (nor
  Type, OnDemandFulfilledCapacity): the test reads what scaled sent from
  moto's own request recorder (/moto-api/recorder/), not from Describe.
- moto's scale-in matches instances to launch specifications by subnet and
  fails ("No instances specified") when the specifications name none: the
  fleet is requested with the default VPC's subnet.
- moto ignores Type, so a one-time fleet (type request) cannot be made
  here: its refusal is checked by test_aws_fleet_answer and spot_fleet.c's
  reading of the type, not against moto.

usage: moto_spot_fleet.py SCALED_BINARY
Exits 77 (skipped) when moto or boto3 is not installed.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import moto_fx  # noqa: E402


FARM = """plugin "aws"
target "fleet" { kind = "aws.spot_fleet", request_id = "%(id)s", endpoint = "%(url)s",
  region = "us-east-1", poll = "1s" }
group "fleet" { target = "fleet", min = 0, max = 40, every = "1s",
  stabilization = { down = "0s" },
  policy = function(g, s)
    g:mix({ on_demand_base = %(base)d, on_demand_percent = %(percent)d }, "%(why)s")
    return g:set(%(units)d, "%(units)d units")
  end }
"""


def make_fleet(ec2):
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    spec = {"ImageId": "ami-12c6146b", "SubnetId": subnet}
    r = ec2.request_spot_fleet(SpotFleetRequestConfig={
        "Type": "maintain", "TargetCapacity": 4, "OnDemandTargetCapacity": 0,
        "AllocationStrategy": "lowestPrice",
        "IamFleetRole": "arn:aws:iam::123456789012:role/aws-ec2-spot-fleet-tagging-role",
        "LaunchSpecifications": [
            dict(spec, InstanceType="c5.large", WeightedCapacity=2.0, SpotPrice="0.10"),
            dict(spec, InstanceType="c5.xlarge", WeightedCapacity=4.0, SpotPrice="0.30"),
        ]})
    return r["SpotFleetRequestId"]


def fleet(ec2, fid):
    return ec2.describe_spot_fleet_requests(SpotFleetRequestIds=[fid])["SpotFleetRequestConfigs"][0]


def target(ec2, fid):
    return fleet(ec2, fid)["SpotFleetRequestConfig"]["TargetCapacity"]


def scale(scaled, tmp, url, ec2, fid, key_id, secret, failures, name, units, base, percent,
          want_od):
    """A run whose policy wants units with a mix: TargetCapacity read back,
    one ModifySpotFleetRequest with want_od on-demand units sent."""
    farm = FARM % {"id": fid, "url": url, "units": units, "base": base, "percent": percent,
                   "why": "mix %d + %d%%" % (base, percent)}
    moto_fx.start_recording(url)
    reached, alive, rc, text, records = moto_fx.run_until(
        scaled, tmp, name, farm, key_id, secret, lambda log: target(ec2, fid) == units)
    sys.stdout.write("--- scaled, %s:\n" % name + text)
    if not reached:
        failures.append("%s: TargetCapacity %s, want %d" % (name, target(ec2, fid), units))
    if not alive or rc != 0:
        failures.append("%s: scaled died or exited %s" % (name, rc))
    if secret in text:
        failures.append("%s: the secret key is in scaled's log" % name)
    mods = moto_fx.recorded(url, "ModifySpotFleetRequest")
    print("%s: ModifySpotFleetRequest sent:" % name, mods)
    want = {"SpotFleetRequestId": fid, "TargetCapacity": str(units),
            "OnDemandTargetCapacity": str(want_od)}
    if len(mods) != 1 or any(mods[0].get(k) != v for k, v in want.items()):
        failures.append("%s: want exactly one ModifySpotFleetRequest with %s, got %s"
                        % (name, want, mods))
    acted = [r for r in records if r.get("outcome") == "ok" and r.get("desired") == units]
    if not acted:
        failures.append("%s: no decision to %d units came out ok: %s" % (name, units, records))
    cfg = fleet(ec2, fid)["SpotFleetRequestConfig"]
    if cfg["FulfilledCapacity"] < units:
        failures.append("%s: FulfilledCapacity %s below %d" % (name, cfg["FulfilledCapacity"],
                                                               units))


def refused(scaled, tmp, url, ec2, fid, key_id, secret, secrets, failures, name, codes):
    """A run that must end in one clear error line naming one of codes:
    no decision, nothing modified."""
    farm = FARM % {"id": fid, "url": url, "units": 20, "base": 0, "percent": 100,
                   "why": "all on-demand"}
    before = target(ec2, fid)
    moto_fx.start_recording(url)
    reached, alive, rc, text, records = moto_fx.run_until(
        scaled, tmp, name, farm, key_id, secret,
        lambda log: any(c in log for c in codes), deadline=30.0, settle=3.0)
    sys.stdout.write("--- scaled, %s:\n" % name + text)
    if not alive or rc != 0:
        failures.append("%s: scaled died or exited %s" % (name, rc))
    if any(s in text for s in secrets):
        failures.append("%s: a secret key is in scaled's log" % name)
    moto_fx.check_one_error(failures, text, "DescribeSpotFleetRequests", codes,
                            "%s: no line naming %s in the log" % (name, " / ".join(codes)))
    if records:
        failures.append("%s: %d decisions recorded" % (name, len(records)))
    if moto_fx.recorded(url, "ModifySpotFleetRequest") or target(ec2, fid) != before:
        failures.append("%s: the fleet was modified" % name)


def test(boto3, scaled, tmp, url, key_id, secret, failures):
    ec2 = boto3.client("ec2", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id=key_id, aws_secret_access_key=secret)
    fid = make_fleet(ec2)
    print("fleet:", fid, "target", target(ec2, fid))

    scale(scaled, tmp, url, ec2, fid, key_id, secret, failures, "up", 10, 2, 50, 6)
    scale(scaled, tmp, url, ec2, fid, key_id, secret, failures, "down", 4, 0, 0, 0)

    wrong = moto_fx.wrong_secret(secret)
    refused(scaled, tmp, url, ec2, fid, key_id, wrong, (wrong, secret), failures, "bad",
            ("AuthFailure", "SignatureDoesNotMatch"))

    ec2.cancel_spot_fleet_requests(SpotFleetRequestIds=[fid], TerminateInstances=False)
    print("cancelled:", fleet(ec2, fid)["SpotFleetRequestState"])
    refused(scaled, tmp, url, ec2, fid, key_id, secret, (secret,), failures, "cancelled",
            ("%s is cancelled_running" % fid,))


if __name__ == "__main__":
    sys.exit(moto_fx.main(__doc__, test))
