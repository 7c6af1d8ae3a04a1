#!/usr/bin/env python3
"""aws.sqs against moto with signature checking on (../shared/TESTING.md).

moto starts on a free loopback port with INITIAL_NO_AUTH_ACTION_COUNT=3; the
three unsigned calls make an IAM user, its access key and an allow-all
policy. boto3 (signed with that key) creates the queue "jobs", sends 3
messages and receives 1 without deleting it, so that SQS counts 2 visible
and 1 in flight. Then the real scaled daemon runs a farm whose source `jobs`
reads GetQueueAttributes (SQS's JSON protocol) from moto and whose policy
sets the group to visible + in flight with both in its reason; the decision
log must show "visible 2 in_flight 1". Then the same farm with a wrong
secret: one clear error line in scaled's log, no decision, no secret, a clean
exit on SIGTERM.

usage: moto_sqs.py SCALED_BINARY
Exits 77 (skipped) when moto or boto3 is not installed.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

SKIP = 77


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto(tmp):
    port = free_port()
    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="3")
    log = open(os.path.join(tmp, "moto.log"), "w")
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                             "-p", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT,
                            cwd=tmp)
    url = "http://127.0.0.1:%d" % port
    for _ in range(150):
        if proc.poll() is not None:
            raise RuntimeError("moto exited at start; see %s/moto.log" % tmp)
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            return proc, url
        except Exception:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("moto did not answer on %s" % url)


def make_user(boto3, url):
    """The three unsigned calls: user, key, inline allow-all policy."""
    iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1",
                       aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
    iam.create_user(UserName="scaled")
    key = iam.create_access_key(UserName="scaled")["AccessKey"]
    iam.put_user_policy(UserName="scaled", PolicyName="all", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    return key["AccessKeyId"], key["SecretAccessKey"]


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


def run_scaled(scaled, tmp, name, url, queue, key_id, secret, seconds=5.0):
    farm = os.path.join(tmp, name + ".lua")
    with open(farm, "w") as f:
        f.write(FARM % {"url": url, "queue": queue})
    dlog = os.path.join(tmp, name + ".jsonl")
    log = os.path.join(tmp, name + ".log")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret,
               AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    with open(log, "w") as out:
        p = subprocess.Popen([scaled, "-c", farm, "--decision-log", dlog,
                              "--log-level", "debug"], env=env, stdout=out,
                             stderr=subprocess.STDOUT, cwd=tmp)
        time.sleep(seconds)
        alive = p.poll() is None
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = p.wait()
    text = open(log).read()
    records = []
    if os.path.exists(dlog):
        records = [json.loads(l) for l in open(dlog) if l.strip()]
    return alive, rc, text, records


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


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    scaled = os.path.abspath(sys.argv[1])
    try:
        import boto3  # noqa: F401
        import moto.server  # noqa: F401
    except ImportError as e:
        print("skipped: moto or boto3 is not installed (%s); pip install 'moto[server]'" % e)
        return SKIP
    import boto3

    failures = []
    with tempfile.TemporaryDirectory(prefix="scaled-moto-") as tmp:
        proc, url = start_moto(tmp)
        try:
            key_id, secret = make_user(boto3, url)
            queue = make_queue(boto3, url, key_id, secret)
            print("queue:", queue)

            alive, rc, text, records = run_scaled(scaled, tmp, "good", url, queue, key_id,
                                                  secret)
            sys.stdout.write("--- scaled, right key:\n" + text)
            if not alive or rc != 0:
                failures.append("good: scaled died or exited %s" % rc)
            if secret in text:
                failures.append("good: the secret key is in scaled's log")
            reasons = [pr["reason"] for r in records for pr in r.get("proposals", [])]
            print("decisions:", reasons)
            if not any(r == "visible 2 in_flight 1" for r in reasons):
                failures.append("good: no decision saw 2 visible and 1 in flight")

            wrong = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
            alive, rc, text, records = run_scaled(scaled, tmp, "bad", url, queue, key_id,
                                                  wrong, 4.0)
            sys.stdout.write("--- scaled, wrong secret:\n" + text)
            if not alive or rc != 0:
                failures.append("bad: scaled died or exited %s" % rc)
            if wrong in text or secret in text:
                failures.append("bad: a secret key is in scaled's log")
            errs = [l for l in text.splitlines() if "GetQueueAttributes:" in l]
            if not any(("SignatureDoesNotMatch" in l or "AuthFailure" in l or
                        "InvalidClientTokenId" in l) for l in errs):
                failures.append("bad: no SignatureDoesNotMatch / AuthFailure in the log")
            if len(errs) != 1:
                failures.append("bad: the AWS error logged %d times, want once" % len(errs))
            if records:
                failures.append("bad: %d decisions recorded without a depth" % len(records))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
