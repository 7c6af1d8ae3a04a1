"""What the moto tests share (moto_spot_price.py, moto_sqs.py;
../shared/TESTING.md): moto on a free loopback port with
INITIAL_NO_AUTH_ACTION_COUNT=3, whose three unsigned calls make an IAM user,
its access key and an allow-all policy; a farm written and the real scaled
daemon run on it for some seconds with a decision log, then stopped with
SIGTERM; its log and decisions returned. main() runs one test around all
that: usage, the skip (77) without moto or boto3, moto started and stopped,
the failures printed.
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


def stop(proc, timeout):
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


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


def run_scaled(scaled, tmp, name, farm_text, key_id, secret, seconds=5.0):
    """farm_text as <name>.lua, run with these keys only for seconds:
    (alive at the end, exit status, its log, the decision records)."""
    farm = os.path.join(tmp, name + ".lua")
    with open(farm, "w") as f:
        f.write(farm_text)
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


def run_checked(scaled, tmp, name, heading, farm_text, key_id, secret, secrets, leaked,
                failures, seconds=5.0):
    """run_scaled, its log shown under heading; "<name>: scaled died" when
    it did not live and exit 0, leaked when one of secrets is in its log.
    (its log, the decision records)."""
    alive, rc, text, records = run_scaled(scaled, tmp, name, farm_text, key_id, secret,
                                          seconds)
    sys.stdout.write("--- scaled, %s:\n" % heading + text)
    if not alive or rc != 0:
        failures.append("%s: scaled died or exited %s" % (name, rc))
    if any(s in text for s in secrets):
        failures.append(leaked)
    return text, records


def wrong_secret(secret):
    return secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")


def check_one_error(failures, text, action, codes, missing):
    """The wrong secret's run: exactly one "<action>:" line, naming one of
    codes; missing is the failure when none does."""
    errs = [l for l in text.splitlines() if action + ":" in l]
    if not any(any(c in l for c in codes) for l in errs):
        failures.append(missing)
    if len(errs) != 1:
        failures.append("bad: the AWS error logged %d times, want once" % len(errs))


def main(doc, test):
    """Run test(boto3, scaled, tmp, url, key_id, secret, failures) against a
    fresh moto; the exit status."""
    if len(sys.argv) != 2:
        print(doc)
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
            test(boto3, scaled, tmp, url, key_id, secret, failures)
        finally:
            stop(proc, 10)
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("ok")
    return 1 if failures else 0


def run_until(scaled, tmp, name, farm_text, key_id, secret, done, timeout=60.0,
              settle=0.0, env_extra=None):
    """farm_text as <name>.lua, run with these keys until done(log_text,
    records) is true (polled every 0.25 s) or timeout seconds pass, then
    for settle seconds more, then stopped with SIGTERM: (whether done came
    true, alive at the end, exit status, its log, the decision records).
    A bounded wait, not a fixed sleep: the normal path ends in seconds."""
    farm = os.path.join(tmp, name + ".lua")
    with open(farm, "w") as f:
        f.write(farm_text)
    dlog = os.path.join(tmp, name + ".jsonl")
    log = os.path.join(tmp, name + ".log")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret,
               AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    env.update(env_extra or {})

    def read():
        text = open(log).read() if os.path.exists(log) else ""
        records = []
        if os.path.exists(dlog):
            for line in open(dlog):
                try:
                    records.append(json.loads(line))
                except ValueError:
                    pass  # a line still being written
        return text, records

    ok = False
    with open(log, "w") as out:
        p = subprocess.Popen([scaled, "-c", farm, "--decision-log", dlog,
                              "--log-level", "debug"], env=env, stdout=out,
                             stderr=subprocess.STDOUT, cwd=tmp)
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and p.poll() is None:
                if done(*read()):
                    ok = True
                    break
                time.sleep(0.25)
            if settle:
                time.sleep(settle)
            alive = p.poll() is None
        finally:
            p.send_signal(signal.SIGTERM)
            try:
                rc = p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                rc = p.wait()
    text, records = read()
    return ok, alive, rc, text, records
