#!/usr/bin/env python3
"""scaled's client cost per poll-decide-act cycle against moto, beside the
same cycle written as the seeds' Python + boto3 script. Prints figures;
asserts nothing.

    tools/bench/aws_cycle.py BUILD_DIR [SECONDS]

It also prints the floor: the client CPU of one request from a bare socket
client (build/tools/bench/bench_http_floor: connect, write, read to the
end, close) against the same moto, times the script's three requests: the
least any client can spend a cycle here, since moto closes every
connection, and so the largest ratio any client could show; and the RSS
floor: the peak RSS of a bare libcurl client (build/tools/bench/
bench_curl_floor), the least any client on the project's HTTP library holds.

A cycle: read an SQS queue's depth (GetQueueAttributes), read an Auto
Scaling group (DescribeAutoScalingGroups), set its desired capacity
(SetDesiredCapacity). moto runs on loopback with signature checking on
(plugins/aws/tests/moto_fx.py); its own CPU is not counted. scaled runs a
farm that does the cycle every 100 ms (its policy flips the group between
1 and 2 so that every tick acts); the script does it in a loop as fast as it
can. Both are measured in steady state, after a warm-up: CPU time (user +
system) per cycle, peak RSS (VmHWM), and USS (private pages: RSS counts
the shared libraries' text whole, ~38 of them for scaled with libcurl).
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "plugins", "aws", "tests"))
import moto_fx  # noqa: E402

FARM = """plugin "aws"
source "jobs" { kind = "aws.sqs", endpoint = "%(url)s", region = "us-east-1",
  queue_url = "%(queue)s", every = "100ms" }
target "asg" { kind = "aws.asg", endpoint = "%(url)s", region = "us-east-1",
  name = "bench", poll = "100ms" }
group "g" { target = "asg", min = 0, max = 4, every = "100ms", stabilization = 0,
  policy = function(g, s)
    local v = s.jobs:last()
    if v == nil then return g:hold("no depth") end
    return g:set(g.desired == 1 and 2 or 1, "depth " .. v)
  end }
"""

SCRIPT = r"""
import resource, sys, time, boto3
url, queue, key, secret, n = sys.argv[1:6]
kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id=key,
          aws_secret_access_key=secret)
sqs, asg = boto3.client("sqs", **kw), boto3.client("autoscaling", **kw)
def cycle(want):
    a = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])
    int(a["Attributes"]["ApproximateNumberOfMessages"])
    asg.describe_auto_scaling_groups(AutoScalingGroupNames=["bench"])
    asg.set_desired_capacity(AutoScalingGroupName="bench", DesiredCapacity=want)
for i in range(5):
    cycle(1 + i % 2)
r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
for i in range(int(n)):
    cycle(1 + i % 2)
r1, t1 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
hwm = [l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:")][0]
uss = sum(int(l.split()[1]) for l in open("/proc/self/smaps_rollup")
          if l.startswith(("Private_Clean:", "Private_Dirty:")))
print(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime, t1 - t0, hwm, uss)
"""


def cpu_s(pid):
    """Time on CPU of every thread of pid, in ns from schedstat (the tick
    counts of /proc/PID/stat are too coarse for a few hundred cycles)."""
    total = 0
    for t in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
            total += int(f.read().split()[0])
    return total / 1e9


def hwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int([l.split()[1] for l in f if l.startswith("VmHWM:")][0])


def uss_kib(pid):
    """Unique set size: the pages only this process holds (its private
    clean and dirty pages), without the shared libraries' text that RSS
    counts whole."""
    with open("/proc/%d/smaps_rollup" % pid) as f:
        return sum(int(l.split()[1]) for l in f
                   if l.startswith(("Private_Clean:", "Private_Dirty:")))


def setup(boto3, url, key, secret):
    kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id=key,
              aws_secret_access_key=secret)
    sqs = boto3.client("sqs", **kw)
    queue = sqs.create_queue(QueueName="bench")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="job")
    ec2 = boto3.client("ec2", **kw)
    ec2.create_launch_template(LaunchTemplateName="bench", LaunchTemplateData={
        "ImageId": "ami-12c6146b", "InstanceType": "t3.micro"})
    boto3.client("autoscaling", **kw).create_auto_scaling_group(
        AutoScalingGroupName="bench", MinSize=0, MaxSize=4, DesiredCapacity=1,
        LaunchTemplate={"LaunchTemplateName": "bench"}, AvailabilityZones=["us-east-1a"])
    return queue


def run_scaled(build, tmp, url, queue, key, secret, seconds):
    farm = os.path.join(tmp, "bench.lua")
    with open(farm, "w") as f:
        f.write(FARM % {"url": url, "queue": queue})
    dlog = os.path.join(tmp, "d.jsonl")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret,
               AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    p = subprocess.Popen([os.path.join(build, "scaled"), "-c", farm, "--decision-log", dlog,
                          "--log-level", "warn", "--plugin-dir",
                          os.path.join(build, "plugins")], env=env)
    time.sleep(3)  # start, the first reads, warm-up

    def acted():
        if not os.path.exists(dlog):
            return 0
        return sum(1 for l in open(dlog) if json.loads(l).get("outcome") == "ok")
    c0, a0 = cpu_s(p.pid), acted()
    time.sleep(seconds)
    c1, a1 = cpu_s(p.pid), acted()
    hwm, uss = hwm_kib(p.pid), uss_kib(p.pid)
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=20)
    return (c1 - c0), a1 - a0, hwm, uss


def http_floor(build, url):
    """Client CPU (us) of one bare request on a fresh connection to this
    moto (bench_http_floor), or None where it is not built."""
    tool = os.path.join(build, "tools", "bench", "bench_http_floor")
    if not os.path.exists(tool):
        return None
    port = url.rsplit(":", 1)[1].strip("/")
    out = subprocess.run([tool, port, "300"], capture_output=True, text=True)
    return float(out.stdout) if out.returncode == 0 else None


def curl_floor(build, url):
    """(peak RSS, of it the libraries' pages, its own) in KiB of a bare
    libcurl client (bench_curl_floor), or None where it is not built."""
    tool = os.path.join(build, "tools", "bench", "bench_curl_floor")
    if not os.path.exists(tool):
        return None
    out = subprocess.run([tool, url], capture_output=True, text=True)
    return [int(x) for x in out.stdout.split()] if out.returncode == 0 else None


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    build = os.path.abspath(sys.argv[1])
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
    import boto3
    with tempfile.TemporaryDirectory(prefix="scaled-bench-") as tmp:
        proc, url = moto_fx.start_moto(tmp)
        try:
            key, secret = moto_fx.make_user(boto3, url)
            queue = setup(boto3, url, key, secret)
            cpu, cycles, hwm, uss = run_scaled(build, tmp, url, queue, key, secret, seconds)
            n = max(cycles, 20)
            out = subprocess.run([sys.executable, "-c", SCRIPT, url, queue, key, secret,
                                  str(n)], capture_output=True, text=True, check=True)
            py_cpu, py_wall, py_hwm, py_uss = out.stdout.split()
            floor = http_floor(build, url)
            curl_rss = curl_floor(build, url)
        finally:
            moto_fx.stop(proc, 10)
    py_cpu, py_hwm, py_uss = float(py_cpu), int(py_hwm), int(py_uss)
    if cycles == 0:
        print("scaled acted 0 times in %.0f s: see its log" % seconds)
        return 1
    per, py_per = cpu * 1000 / cycles, py_cpu * 1000 / n
    print("poll-decide-act cycles against moto (SQS depth, describe ASG, set desired):")
    print("  scaled:         %4d cycles, %7.3f ms CPU a cycle, peak RSS %6d KiB, USS %6d KiB"
          % (cycles, per, hwm, uss))
    print("  python+boto3:   %4d cycles, %7.3f ms CPU a cycle, peak RSS %6d KiB, USS %6d KiB"
          % (n, py_per, py_hwm, py_uss))
    print("  ratio:          %.1fx less CPU a cycle, %.1fx less RSS, %.1fx less USS "
          "(targets: 50x CPU, 10x RSS)"
          % (py_per / per if per > 0 else float("inf"), py_hwm / hwm, py_uss / uss))
    if floor is not None:
        # the script's cycle is 3 requests; moto closes every connection
        print("  floor:          %.1f us of client CPU a request for a bare socket client "
              "(bench_http_floor: fresh connection, no signing, no parsing)" % floor)
        print("                  3 such requests: %.3f ms a cycle, so no client can be more "
              "than %.1fx below the script here" % (3 * floor / 1000, py_per * 1000 / (3 * floor)))
    if curl_rss is not None:
        print("  RSS floor:      %d KiB peak for a bare libcurl client (bench_curl_floor: %d KiB "
              "of it the shared libraries' pages, %d its own),"
              % (curl_rss[0], curl_rss[1], curl_rss[2]))
        print("                  so no client on libcurl can hold less than %.1fx below the "
              "script's RSS here" % (py_hwm / curl_rss[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
