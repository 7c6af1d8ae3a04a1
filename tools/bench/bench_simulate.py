#!/usr/bin/env python3
"""bench_simulate.py - how long `scaled simulate` takes on a long trace.

Issue 13's figure: a 30-day trace at 1 s ticks with 10 groups (target:
under 10 s on a 2-core machine), memory bounded by the report. The load is
the NASA 1995 trace (14 days, per minute) repeated to the span; the spot
price is flat (one row); each group has its own simulated capacity and a
policy.queue over the shared simulated queue. Prints wall time, peak RSS
and the summary's job counts. A benchmark: it asserts nothing.

    tools/bench/bench_simulate.py [--scaled build/scaled] [--days 30]
        [--groups 10] [--every 1s] [--decisions acted] [--keep DIR]
"""
import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
NASA = os.path.join(ROOT, "..", "shared", "testdata", "load",
                    "nasa_http_1995-07-01_to_07-15_per_minute.csv")


def write_load(path, days):
    with open(NASA, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split(",") for line in f][1:]
    counts = [int(c) for _, c in rows]
    start = dt.datetime(1995, 7, 1, 4, 0, 0)  # 00:00 -04:00 as UTC
    with open(path, "w", encoding="utf-8") as f:
        f.write("timestamp,count\n")
        for i in range(days * 1440):
            t = start + dt.timedelta(minutes=i)
            f.write("%s,%d\n" % (t.strftime("%Y-%m-%dT%H:%M:%SZ"), counts[i % len(counts)]))
    return start


def write_spot(path, start):
    with open(path, "w", encoding="utf-8") as f:
        f.write("timestamp_iso8601,instance_type,availability_zone,product,price_usd\n")
        f.write("%s,c3.2xlarge,us-west-1a,Linux/UNIX,0.1166\n"
                % (start - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))


def write_farm(path, groups, every):
    with open(path, "w", encoding="utf-8") as f:
        f.write('local policy = require "policy"\nplugin "sim"\n'
                'source "jobs" { kind = "wave", value = 0, every = "%s" }\n'
                'source "spot" { kind = "wave", value = 0.1, every = "1m" }\n' % every)
        f.write('for i = 1, %d do\n'
                '  target("pool" .. i) { kind = "sim", start = 1, delay = "1m" }\n'
                '  group("g" .. i) { target = "pool" .. i, min = 0, max = 40, every = "%s",\n'
                '    policy = policy.queue { backlog = "jobs", jobs_per_worker = 20 } }\n'
                'end\n' % (groups, every))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scaled", default=os.path.join(ROOT, "build", "scaled"))
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--groups", type=int, default=10)
    ap.add_argument("--every", default="1s")
    ap.add_argument("--decisions", default="acted", choices=["all", "acted", "none"])
    ap.add_argument("--keep", help="write the inputs and the report here, and keep them")
    a = ap.parse_args()

    work = a.keep or tempfile.mkdtemp(prefix="bench_simulate.")
    os.makedirs(work, exist_ok=True)
    try:
        load, spot, farm = (os.path.join(work, n) for n in ("load.csv", "spot.csv", "farm.lua"))
        start = write_load(load, a.days)
        write_spot(spot, start)
        write_farm(farm, a.groups, a.every)
        cmd = [a.scaled, "simulate", "-c", farm, "--load", load, "--spot", spot,
               "--on-demand", "0.42", "--map", "sim=capacity", "--map", "jobs=queue",
               "--map", "spot=spot", "--service-time", "2s", "--decisions", a.decisions,
               "--quiet", "--out", os.path.join(work, "out")]
        t0 = time.monotonic()
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wall = time.monotonic() - t0
        if r.returncode != 0:
            sys.exit("bench_simulate: %s exited %d:\n%s" % (cmd[0], r.returncode, r.stderr))
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
        with open(os.path.join(work, "out", "summary.json"), encoding="utf-8") as f:
            summary = json.load(f)
        ticks = a.groups * a.days * 86400 // max(1, int(a.every.rstrip("s")))
        print("%d days, %d groups every %s (%d group ticks), --decisions %s"
              % (a.days, a.groups, a.every, ticks, a.decisions))
        print("  wall %.1f s (target: under 10 s for 30 days, 10 groups, 1 s)" % wall)
        print("  %.0f ns a group tick, all in" % (wall * 1e9 / ticks))
        print("  peak RSS %.1f MB" % rss)
        print("  jobs arrived %d, served %d, lost %d; decisions %d, actions %d"
              % (summary["jobs"]["arrived"], summary["jobs"]["served"], summary["jobs"]["lost"],
                 summary["decisions"], summary["actions"]))
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
