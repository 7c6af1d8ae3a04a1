#!/usr/bin/env python3
"""aws.ecs against moto with signature checking on (../shared/TESTING.md).

moto starts on a free loopback port with INITIAL_NO_AUTH_ACTION_COUNT=3; the
three unsigned calls make an IAM user, its access key and an allow-all
policy. boto3 (signed with that key) creates the cluster "gpu", a task
definition and the service "infer" with desiredCount 1. Then:

- keys: `scaled --check` refuses a cluster and a service that are neither a
  name nor an ARN, naming the key;
- the real scaled daemon runs a farm whose target `svc` is the service
  (DescribeServices, ECS's JSON 1.1 protocol) and whose policy wants 3 with
  the count it read in its reason; it runs until boto3 reads desiredCount 3
  back and the decision log holds the action 1 -> 3 as ok (a bounded wait);
- a service that does not exist and one deleted (INACTIVE): one clear
  DescribeServices error each, no decision;
- a wrong secret: one SignatureDoesNotMatch line, no decision, desiredCount
  untouched, no secret in the log, a clean exit on SIGTERM.

usage: moto_ecs.py SCALED_BINARY
Exits 77 (skipped) when moto or boto3 is not installed.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import moto_fx  # noqa: E402


FARM = """plugin "aws"
target "svc" { kind = "aws.ecs", endpoint = "%(url)s", region = "us-east-1",
  cluster = "%(cluster)s", service = "%(service)s", poll = "1s" }
group "g" { target = "svc", min = 0, max = 10, every = "1s",
  policy = function(g, s)
    return g:set(3, string.format("want 3, desired %%d running %%d", g.desired, g.current))
  end }
"""


def farm(url, service, cluster="gpu"):
    return FARM % {"url": url, "cluster": cluster, "service": service}


def make_service(ecs, name, count):
    ecs.create_service(cluster="gpu", serviceName=name, taskDefinition="infer",
                       desiredCount=count)


def desired(ecs, name):
    return ecs.describe_services(cluster="gpu", services=[name])["services"][0]["desiredCount"]


def check_keys(scaled, tmp, url, key_id, secret, failures):
    """Bad cluster and service keys: --check fails, naming the key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret,
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    for service, cluster, want in (("infer", "my cluster", "cluster: \"my cluster\" is neither"),
                                   ("", "gpu", "service: \"\" is neither"),
                                   ("arn:aws:ecs:x y", "gpu", "service: \"arn:aws:ecs:x y\"")):
        path = os.path.join(tmp, "keys.lua")
        with open(path, "w") as f:
            f.write(farm(url, service, cluster))
        p = subprocess.run([scaled, "--check", "-c", path], env=env, capture_output=True,
                           text=True, timeout=30)
        out = p.stdout + p.stderr
        print("--- scaled --check, cluster %r service %r: rc %d\n%s" % (cluster, service,
                                                                      p.returncode, out))
        if p.returncode == 0 or want not in out or "keys.lua:2" not in out:
            failures.append("keys: cluster %r service %r not refused with %r"
                            % (cluster, service, want))


def test(boto3, scaled, tmp, url, key_id, secret, failures):
    ecs = boto3.client("ecs", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id=key_id, aws_secret_access_key=secret)
    ecs.create_cluster(clusterName="gpu")
    ecs.register_task_definition(family="infer", containerDefinitions=[
        {"name": "worker", "image": "infer:latest", "memory": 512}])
    make_service(ecs, "infer", 1)
    make_service(ecs, "old", 2)
    ecs.delete_service(cluster="gpu", service="old", force=True)

    check_keys(scaled, tmp, url, key_id, secret, failures)

    def scaled_to_3(records):
        return (any(r.get("outcome") == "ok" and r.get("desired") == 3 for r in records)
                and desired(ecs, "infer") == 3)

    alive, rc, text, records, done = moto_fx.run_until_records(
        scaled, tmp, "good", farm(url, "infer"), key_id, secret, scaled_to_3)
    sys.stdout.write("--- scaled, right key:\n" + text)
    print("decisions:", [(r["desired_before"], r["desired"], r["outcome"], r["outcome_msg"],
                          [p["reason"] for p in r["proposals"]]) for r in records])
    if not alive or rc != 0:
        failures.append("good: scaled died or exited %s" % rc)
    if secret in text:
        failures.append("good: the secret key is in scaled's log")
    if not done:
        failures.append("good: desiredCount not 3 with an ok decision within the deadline")
    acts = [r for r in records if r["desired"] != r["desired_before"]]
    if not acts or acts[0]["desired_before"] != 1 or acts[0]["outcome"] != "ok" or \
            not acts[0]["proposals"][0]["reason"].startswith("want 3, desired 1 running "):
        failures.append("good: the first action is not 1 -> 3, ok, from desired 1 as read")
    if len(acts) != 1:
        failures.append("good: %d actions, want 1" % len(acts))
    # the poll and the tick fall due together: the apply usually finds the
    # poll in flight and cancels it (the path is shown, not required)
    print("an apply found a poll in flight:", "in flight cancelled" in text)
    print("desiredCount read back:", desired(ecs, "infer"))
    if desired(ecs, "infer") != 3:
        failures.append("good: boto3 reads desiredCount %d, want 3" % desired(ecs, "infer"))

    for name, want in (("nope", "MISSING (no such service in this cluster)"),
                       ("old", "the service is INACTIVE (deleted), not ACTIVE")):
        text, records = moto_fx.run_checked(scaled, tmp, name, "service " + name,
                                            farm(url, name), key_id, secret, (secret,),
                                            name + ": the secret key is in scaled's log",
                                            failures, 3.0)
        moto_fx.check_one_error(failures, text, "DescribeServices", (want,),
                                "%s: no DescribeServices error saying %r" % (name, want))
        if records:
            failures.append("%s: %d decisions recorded for a service not there"
                            % (name, len(records)))

    ecs.update_service(cluster="gpu", service="infer", desiredCount=1)
    wrong = moto_fx.wrong_secret(secret)
    text, records = moto_fx.run_checked(scaled, tmp, "bad", "wrong secret", farm(url, "infer"),
                                        key_id, wrong, (wrong, secret),
                                        "bad: a secret key is in scaled's log", failures, 4.0)
    moto_fx.check_one_error(failures, text, "DescribeServices",
                            ("SignatureDoesNotMatch", "InvalidClientTokenId"),
                            "bad: no SignatureDoesNotMatch in the log")
    if records:
        failures.append("bad: %d decisions recorded without the service's state" % len(records))
    if desired(ecs, "infer") != 1:
        failures.append("bad: desiredCount changed to %d with a wrong secret"
                        % desired(ecs, "infer"))


if __name__ == "__main__":
    sys.exit(moto_fx.main(__doc__, test))
