#!/usr/bin/env python3
"""The engine at scale, as a real daemon: a generated farm of N groups (a
sim target and a policy over a 120 s average each, ticking every second)
run by build/scaled on its libevent loop. Prints, for each size:

  - load: wall time of `scaled --check` on the farm (three runs, the best);
  - the daemon's CPU share of one core in steady state, from the kernel's
    /proc/PID/schedstat (time on CPU of every thread), over a measured
    window after a warm-up of 130 s (the first ticks make the views, the
    first polls the series, and the 120 s window the policy reads fills);
  - its peak RSS (VmHWM) and RSS per group.

    tools/bench/bench_daemon.py [--build DIR] [--groups 10000,100000]
        [--policy set|hold] [--warmup S] [--seconds S] [--check]

--policy set (the default) is an active policy: every tick it proposes a
count from the 120 s average (the wave source moves it, so groups act now
and then); hold only reads the average and holds. --check exits 1 when a
target of issue 14 is missed at 100 000 groups (load under 2 s, under 10 %
of a core, under 300 MB RSS) -- a gate for a person to run; CI runs no
timings. A benchmark, not a test: run it on a quiet machine.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

FARM = """plugin 'sim'
source 'cpu' { kind = 'wave', value = 50, amplitude = 20, period = '10m', every = '5s' }
local function set(g, s)
  local a = s.cpu:avg(120)
  if a == nil then return g:hold('no cpu yet') end
  return g:set(math.floor(a / 10), 'cpu avg')
end
local function hold(g, s)
  local a = s.cpu:avg(120)
  if a and a > 80 then return g:change(1, 'cpu above 80') end
  return g:hold('cpu fine')
end
local p = %(policy)s
for i = 1, %(groups)d do
  target('t' .. i) { kind = 'sim', start = 2, poll = '10s' }
  group('g' .. i) { target = 't' .. i, max = 10, every = '1s', policy = p }
end
"""

# issue 14's targets at 100 000 groups
TARGETS = {"load_s": 2.0, "cpu_pct": 10.0, "rss_mb": 300.0}


def cpu_s(pid):
    total = 0
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
                total += int(f.read().split()[0])
        except FileNotFoundError:
            pass  # a thread that ended
    return total / 1e9


def status_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        return int([l.split()[1] for l in f if l.startswith(key + ":")][0])


def measure(args, groups, tmp):
    farm = os.path.join(tmp, "farm%d.lua" % groups)
    with open(farm, "w") as f:
        f.write(FARM % {"groups": groups, "policy": args.policy})
    scaled = os.path.join(args.build, "scaled")
    plugins = os.path.join(args.build, "plugins")
    load = []
    for _ in range(3):
        t0 = time.monotonic()
        subprocess.run([scaled, "-c", farm, "--check", "--plugin-dir", plugins],
                       stdout=subprocess.DEVNULL, check=True)
        load.append(time.monotonic() - t0)
    p = subprocess.Popen([scaled, "-c", farm, "--plugin-dir", plugins, "--log-level", "warn"],
                         stdout=subprocess.DEVNULL)
    try:
        time.sleep(args.warmup)
        if p.poll() is not None:
            raise SystemExit("scaled exited with %d during the warm-up" % p.returncode)
        c0, t0 = cpu_s(p.pid), time.monotonic()
        time.sleep(args.seconds)
        c1, t1 = cpu_s(p.pid), time.monotonic()
        hwm = status_kib(p.pid, "VmHWM")
    finally:
        p.terminate()
        p.wait(timeout=30)
    return {"groups": groups, "load_s": min(load), "cpu_pct": 100 * (c1 - c0) / (t1 - t0),
            "rss_mb": hwm / 1024, "per_group_kb": hwm / groups}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--groups", default="10000,100000")
    ap.add_argument("--policy", choices=("set", "hold"), default="set")
    ap.add_argument("--warmup", type=float, default=130)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    sizes = [int(x) for x in args.groups.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="scaled-bench-") as tmp:
        for n in sizes:
            rows.append(measure(args, n, tmp))
    print("daemon, 1 s ticks, policy '%s' (120 s average), %g s measured after %g s:"
          % (args.policy, args.seconds, args.warmup))
    print("| groups | load (--check) | CPU, share of a core | peak RSS | RSS a group |")
    print("|---:|---:|---:|---:|---:|")
    for r in rows:
        print("| %d | %.2f s | %.1f %% | %.0f MB | %.2f KB |"
              % (r["groups"], r["load_s"], r["cpu_pct"], r["rss_mb"], r["per_group_kb"]))
    if not args.check:
        return 0
    big = [r for r in rows if r["groups"] >= 100000]
    if not big:
        print("--check: measure 100000 groups (--groups)")
        return 2
    missed = ["%s %.2f (target under %g)" % (k, big[0][k], v)
              for k, v in TARGETS.items() if big[0][k] >= v]
    for m in missed:
        print("missed: " + m)
    print("targets: " + ("missed" if missed else "met"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
