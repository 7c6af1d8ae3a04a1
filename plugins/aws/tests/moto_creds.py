#!/usr/bin/env python3
"""aws.sqs on credentials scaled fetches over the network, against moto with
signature checking on (../shared/TESTING.md; tests/moto_fx.py), with
loopback servers of the test's own (tests/creds_fx.py) where moto has none.

Each part runs the real scaled daemon on a farm whose source reads a queue
of its own through GetQueueAttributes and whose policy puts the depth in its
reason ("visible N in_flight 0"): a decision with the queue's depth proves
that scaled signed its requests with the credentials it fetched.

- IMDSv2: a fake IMDS checks the token dance (PUT /latest/api/token with a
  TTL header, then GETs carrying the token; a GET without it is 401, which
  the test checks on it first) and hands out credentials of 20 s, a fresh
  moto STS session of a role of its own per fetch. After the refresh (a
  second fetch) the first session's role loses its policy and the queue
  grows: the new depth can only have been read with the refreshed keys.
- ECS: a fake container endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI on
  loopback) that wants the Authorization header from
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (a GET without it is 401).
- AssumeRole against moto's STS: a profile with role_arn, source_profile,
  external_id, role_session_name and duration_seconds; the source profile's
  user may only call sts:AssumeRole (the test checks that SQS refuses it),
  so the depth can only come through the assumed role. moto's own record of
  the session (/moto-api/data.json) shows the session name and external id
  sent, and its key id ends as scaled's log says.
- AssumeRoleWithWebIdentity: moto cannot take it unsigned with auth on (it
  answers 500), so a fake STS checks the request against botocore's sts
  model and hands out a moto STS session.
- A fake IMDS answering HTML for the credentials: a clear error logged once
  per reason, retried after the backoff only, no decision, no crash.
- `scaled --once` on an aws.asg farm with ECS credentials: the target's
  poll, asked while the credentials are being fetched, is sent once they
  come, so the preview decides (it once waited for nothing and skipped).
No log holds a secret key, session token or container token.

usage: moto_creds.py SCALED_BINARY
Exits 77 (skipped) when moto or boto3 is not installed.
"""
import datetime
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import creds_fx  # noqa: E402
import moto_fx  # noqa: E402

ACCOUNT = "123456789012"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})
SQS_ALL = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]})

FARM = """plugin "aws"; plugin "sim"
source "jobs" { kind = "aws.sqs", endpoint = "%(url)s", region = "us-east-1",
  queue_url = "%(queue)s", every = "1s" }
target "t" { kind = "sim" }
group "g" { target = "t", min = 0, max = 100, every = "1s",
  policy = function(g, s)
    local v, f = s.jobs:last(), s["jobs.in_flight"]:last()
    if v == nil or f == nil then return g:hold("no depth yet") end
    return g:set(v + f, string.format("visible %%d in_flight %%d", v, f))
  end }
"""


class Aws:
    """boto3 clients with the IAM user's keys, and every secret handed out."""

    def __init__(self, boto3, url, key_id, secret):
        self.boto3, self.url = boto3, url
        self.kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id=key_id,
                       aws_secret_access_key=secret)
        self.iam = boto3.client("iam", **self.kw)
        self.sqs = boto3.client("sqs", **self.kw)
        self.secrets = [secret]

    def queue(self, name, n):
        q = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        self.send(q, n)
        return q

    def send(self, q, n):
        for i in range(n):
            self.sqs.send_message(QueueUrl=q, MessageBody="job %d" % i)

    def role(self, name):
        arn = self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        self.iam.put_role_policy(RoleName=name, PolicyName="sqs", PolicyDocument=SQS_ALL)
        return arn

    def session(self, role_name, session_name):
        """A fresh moto STS session of role_name (made if new)."""
        arn = "arn:aws:iam::%s:role/%s" % (ACCOUNT, role_name)
        try:
            self.iam.get_role(RoleName=role_name)
        except self.iam.exceptions.NoSuchEntityException:
            self.role(role_name)
        sts = self.boto3.client("sts", **self.kw)
        c = sts.assume_role(RoleArn=arn, RoleSessionName=session_name)["Credentials"]
        self.secrets += [c["SecretAccessKey"], c["SessionToken"]]
        return c

    def farm(self, q):
        return FARM % {"url": self.url, "queue": q}


def depth(n):
    return lambda run: "visible %d in_flight 0" % n in run.reasons()


def finish(run, name, aws, failures, extra_secrets=()):
    """Stop run; its log shown; a clean exit and no secret in it."""
    rc = run.stop()
    text = run.text()
    sys.stdout.write("--- scaled, %s:\n%s" % (name, text))
    if rc != 0:
        failures.append("%s: scaled exited %s" % (name, rc))
    for s in list(aws.secrets) + list(extra_secrets):
        if s and s in text:
            failures.append("%s: a secret or token is in scaled's log" % name)
            break
    return text


def http_status(url, method="GET", headers=None):
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def part_imds(aws, scaled, tmp, failures):
    q = aws.queue("jobs-imds", 2)
    fake = creds_fx.Fake("imds", lambda n: aws.session("fetch-%d" % n, "imds-%d" % n),
                         expiry_s=20)
    run = None
    try:
        # the fake's own checks, before scaled sees it
        if http_status(fake.url + creds_fx.CREDS_PATH) != 401:
            failures.append("imds: the fake answered a GET without a token")
        if http_status(fake.url + "/latest/api/token", "PUT") != 400:
            failures.append("imds: the fake gave a token without a TTL")
        refused = len(fake.refused)
        run = creds_fx.Run(scaled, tmp, "imds", aws.farm(q), creds_fx.scaled_env({
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": fake.url,
            "AWS_EC2_METADATA_DISABLED": "false"}))
        if not run.wait(depth(2)):
            failures.append("imds: no decision saw the depth 2 through IMDS credentials")
        elif not run.wait(lambda r: fake.fetches >= 2):
            failures.append("imds: the credentials of 20 s were not refreshed")
        else:
            # only the refreshed session may read the queue now
            aws.iam.delete_role_policy(RoleName="fetch-1", PolicyName="sqs")
            aws.send(q, 3)
            if not run.wait(depth(5)):
                failures.append("imds: no depth read with the refreshed credentials")
        alive = run.alive()
    finally:
        if run:
            text = finish(run, "imds", aws, failures)
        fake.stop()
    if not alive:
        failures.append("imds: scaled died")
    if fake.refused[refused:]:
        failures.append("imds: the fake refused scaled: %s" % fake.refused[refused:])
    if fake.token_puts < 1:
        failures.append("imds: no token was asked for")
    print("imds: %d fetches, %d token(s)" % (fake.fetches, fake.token_puts))
    if text.count("credentials from IMDSv2 (role 'worker')") < 2:
        failures.append("imds: the log does not show two fetches from IMDSv2")


def part_ecs(aws, scaled, tmp, failures):
    q = aws.queue("jobs-ecs", 3)
    token = "Bearer ecs-" + os.urandom(12).hex()
    path = os.path.join(tmp, "ecs-token")
    with open(path, "w") as f:
        f.write(token + "\n")
    fake = creds_fx.Fake("ecs", lambda n: aws.session("ecs-task", "ecs-%d" % n), auth=token)
    run = None
    try:
        if http_status(fake.url + "/v2/credentials/task-1") != 401:
            failures.append("ecs: the fake answered a GET without Authorization")
        refused = len(fake.refused)
        run = creds_fx.Run(scaled, tmp, "ecs", aws.farm(q), creds_fx.scaled_env({
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": fake.url + "/v2/credentials/task-1",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": path}))
        if not run.wait(depth(3)):
            failures.append("ecs: no decision saw the depth 3 through ECS credentials")
    finally:
        if run:
            text = finish(run, "ecs", aws, failures, (token,))
        fake.stop()
    if fake.refused[refused:] or fake.fetches < 1:
        failures.append("ecs: fetches %d, refused %s" % (fake.fetches, fake.refused[refused:]))
    if "credentials from ECS container credentials" not in text:
        failures.append("ecs: the log does not say the credentials came from ECS")


def part_assume_role(aws, scaled, tmp, failures):
    q = aws.queue("jobs-ar", 4)
    arn = aws.role("assumed")
    aws.iam.create_user(UserName="hopper")
    k = aws.iam.create_access_key(UserName="hopper")["AccessKey"]
    aws.secrets.append(k["SecretAccessKey"])
    aws.iam.put_user_policy(UserName="hopper", PolicyName="ar", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Resource": "*"}]}))
    hopper = aws.boto3.client("sqs", endpoint_url=aws.url, region_name="us-east-1",
                              aws_access_key_id=k["AccessKeyId"],
                              aws_secret_access_key=k["SecretAccessKey"])
    try:
        hopper.get_queue_attributes(QueueUrl=q, AttributeNames=["All"])
        failures.append("assume_role: moto let the user without SQS rights read the queue; "
                        "the test would prove nothing")
        return
    except Exception:
        pass
    config = os.path.join(tmp, "ar-config")
    creds = os.path.join(tmp, "ar-credentials")
    with open(config, "w") as f:
        f.write("[profile scaled]\nrole_arn = %s\nsource_profile = base\nexternal_id = ext-1\n"
                "role_session_name = scaled-test\nduration_seconds = 900\n" % arn)
    with open(creds, "w") as f:
        f.write("[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                % (k["AccessKeyId"], k["SecretAccessKey"]))
    run = creds_fx.Run(scaled, tmp, "assume_role", aws.farm(q), creds_fx.scaled_env({
        "AWS_PROFILE": "scaled", "AWS_CONFIG_FILE": config,
        "AWS_SHARED_CREDENTIALS_FILE": creds, "AWS_ENDPOINT_URL_STS": aws.url}))
    try:
        if not run.wait(depth(4)):
            failures.append("assume_role: no decision saw the depth 4 through the role")
    finally:
        text = finish(run, "assume_role", aws, failures)
    data = json.load(urllib.request.urlopen(aws.url + "/moto-api/data.json"))
    mine = [s for s in data.get("sts", {}).get("AssumedRole", [])
            if s.get("role_arn") == arn]
    print("assume_role: moto's sessions of the role:",
          [(s["session_name"], s["external_id"]) for s in mine])
    if not mine:
        failures.append("assume_role: moto has no session of %s" % arn)
    for s in mine:
        aws.secrets += [s["secret_access_key"], s["session_token"]]
        if s["session_name"] != "scaled-test" or s["external_id"] != "ext-1":
            failures.append("assume_role: session %s external id %s, want scaled-test, "
                            "ext-1" % (s["session_name"], s["external_id"]))
        if "access key id ...%s" % s["access_key_id"][-4:] not in text:
            failures.append("assume_role: scaled's log does not name the session's key")
    if "then STS AssumeRole %s" % arn not in text:
        failures.append("assume_role: the log does not say the role was assumed")
    # duration_seconds = 900 sent: moto's session ends 15 min after it began
    # (its default is an hour)
    m = re.search(r"access key id \.\.\.\w+, expire (\S+),", text)
    left = m and datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp() - time.time()
    if not m or not 0 < left <= 900:
        failures.append("assume_role: the session does not end within 900 s (%s)" % left)


def part_web_identity(aws, scaled, tmp, failures):
    q = aws.queue("jobs-web", 1)
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwb2QifQ." + os.urandom(16).hex()
    path = os.path.join(tmp, "web-token")
    with open(path, "w") as f:
        f.write(jwt)
    fake = creds_fx.Fake("sts", lambda n: aws.session("web", "web-%d" % n))
    run = creds_fx.Run(scaled, tmp, "web", aws.farm(q), creds_fx.scaled_env({
        "AWS_WEB_IDENTITY_TOKEN_FILE": path,
        "AWS_ROLE_ARN": "arn:aws:iam::%s:role/web" % ACCOUNT,
        "AWS_ROLE_SESSION_NAME": "pod-1", "AWS_ENDPOINT_URL_STS": fake.url}))
    try:
        if not run.wait(depth(1)):
            failures.append("web: no decision saw the depth 1 through web identity")
    finally:
        finish(run, "web", aws, failures, (jwt,))
        fake.stop()
    if fake.refused:
        failures.append("web: the fake STS refused: %s" % fake.refused)
    forms = fake.requests
    if not forms or forms[0].get("WebIdentityToken") != jwt or \
            forms[0].get("RoleSessionName") != "pod-1":
        failures.append("web: the request did not carry the file's token and pod-1")


def part_garbage(aws, scaled, tmp, failures):
    q = aws.queue("jobs-garbage", 1)
    fake = creds_fx.Fake("garbage", None)
    run = creds_fx.Run(scaled, tmp, "garbage", aws.farm(q), creds_fx.scaled_env({
        "AWS_EC2_METADATA_SERVICE_ENDPOINT": fake.url, "AWS_EC2_METADATA_DISABLED": "false"}))
    try:
        # a second fetch comes after the backoff (5 s)
        run.wait(lambda r: fake.fetches >= 2)
        alive = run.alive()
    finally:
        text = finish(run, "garbage", aws, failures)
        fake.stop()
    if not alive:
        failures.append("garbage: scaled died")
    if "recovered" in text:
        failures.append("garbage: the source was said to recover without credentials")
    why = "credentials: IMDS: the answer is not JSON (it starts with '<': HTML or XML?)"
    lines = [l for l in text.splitlines() if why in l and "next try in" in l]
    if len(lines) != 1:
        failures.append("garbage: the fetch's error logged %d times, want once" % len(lines))
    if fake.fetches < 2:
        failures.append("garbage: no second fetch after the backoff")
    if fake.fetches > 3:
        failures.append("garbage: %d fetches: the backoff was not kept" % fake.fetches)
    if run.reasons():
        failures.append("garbage: decisions recorded without credentials")


def part_once_asg(aws, scaled, tmp, failures):
    ec2 = aws.boto3.client("ec2", **aws.kw)
    asg = aws.boto3.client("autoscaling", **aws.kw)
    ec2.create_launch_template(LaunchTemplateName="once", LaunchTemplateData={
        "ImageId": "ami-12c6146b", "InstanceType": "t3.micro"})
    asg.create_auto_scaling_group(AutoScalingGroupName="once", MinSize=0, MaxSize=4,
                                  DesiredCapacity=1, AvailabilityZones=["us-east-1a"],
                                  LaunchTemplate={"LaunchTemplateName": "once"})
    aws.session("asg-task", "asg-setup")  # the role, then its policy
    aws.iam.put_role_policy(RoleName="asg-task", PolicyName="asg", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "autoscaling:*",
                                                "Resource": "*"}]}))
    token = "Bearer once-" + os.urandom(12).hex()
    path = os.path.join(tmp, "once-token")
    with open(path, "w") as f:
        f.write(token + "\n")
    fake = creds_fx.Fake("ecs", lambda n: aws.session("asg-task", "asg-%d" % n), auth=token)
    farm = os.path.join(tmp, "once.lua")
    with open(farm, "w") as f:
        f.write('plugin "aws"\ntarget "asg" { kind = "aws.asg", endpoint = "%s", '
                'region = "us-east-1", name = "once", poll = "1s" }\n'
                'group "g" { target = "asg", min = 0, max = 4, every = "1s",\n'
                '  policy = function(g) return g:set(3, "want 3") end }\n' % aws.url)
    try:
        r = subprocess.run([scaled, "--once", "-c", farm], env=creds_fx.scaled_env({
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": fake.url + "/v2/credentials/task-1",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": path}), capture_output=True, text=True,
            timeout=120, cwd=tmp)
    finally:
        fake.stop()
    out = r.stdout + r.stderr
    sys.stdout.write(out)
    if r.returncode != 0 or "group g: 1 -> 3 [dry_run]" not in out:
        failures.append("once_asg: --once on ECS credentials did not decide 1 -> 3 (exit %d)"
                        % r.returncode)
    if any(s in out for s in aws.secrets + [token]):
        failures.append("once_asg: a secret is in scaled's output")


def test(boto3, scaled, tmp, url, key_id, secret, failures):
    aws = Aws(boto3, url, key_id, secret)
    for part in (part_imds, part_ecs, part_assume_role, part_web_identity, part_garbage,
                 part_once_asg):
        print("=== %s" % part.__name__)
        part(aws, scaled, tmp, failures)


if __name__ == "__main__":
    sys.exit(moto_fx.main(__doc__, test))
