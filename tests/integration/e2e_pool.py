#!/usr/bin/env python3
"""End to end: the real scaled binary scales a real procpool on a real spool.

Fill the spool, see the pool grow within its bounds, let it drain, see the
pool return to its minimum, and check that no worker was killed with a job
in hand (no claimed job left in .work/, none put back by dirqueue's claims
recovery, every job done exactly once). The worker command is written the
way a user writes it (no `exec`), and each job (600 ms) is longer than a
tick, so the pool scales in while its workers are busy.
Everything is bounded in time; every process and file started here is
stopped or removed here, also on failure.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from procs import wait_for

BUILD = sys.argv[1]
JOBS = 40
MAX = 4


def decisions(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    tmp = tempfile.mkdtemp(prefix="scaled-e2e-")
    try:
        run(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(tmp):
    spool = os.path.join(tmp, "spool")
    os.makedirs(spool)
    dlog = os.path.join(tmp, "decisions.jsonl")
    worker = os.path.join(BUILD, "tools", "scaled-worker")
    farm = os.path.join(tmp, "farm.lua")
    with open(farm, "w") as f:
        f.write(f"""
local policy = require "policy"
plugin "dirqueue"; plugin "procpool"
source "backlog" {{ kind = "dirqueue", path = "{spool}", every = "300ms", claims = ".work" }}
target "pool" {{ kind = "procpool", command = "{worker} --spool {spool} --ms 600",
                 stop_grace = "10s", poll = "300ms" }}
group "workers" {{
  target = "pool", min = 0, max = {MAX}, every = "500ms",
  cooldown = {{ down = "1s" }}, stabilization = {{ down = "2s" }},
  policy = policy.queue_step {{ series = "backlog",
                                steps = {{ {{0, 0}}, {{1, 1}}, {{5, 2}}, {{10, {MAX}}} }} }},
}}
""")
    proc = subprocess.Popen([os.path.join(BUILD, "scaled"), "-c", farm,
                             "--decision-log", dlog, "--log-level", "debug"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # Let the target report before the backlog arrives.
        time.sleep(1.0)
        for i in range(JOBS):
            p = os.path.join(spool, f".tmp{i}")
            with open(p, "w"):
                pass  # no number in it: the worker's --ms 600
            os.rename(p, os.path.join(spool, f"job{i:03d}"))

        wait_for("the pool to grow to its max",
                 lambda: any(d["desired"] == MAX for d in decisions(dlog)), 30)
        done_log = os.path.join(spool, ".done.log")

        def done_count():
            if not os.path.exists(done_log):
                return 0
            with open(done_log) as f:
                return sum(1 for line in f if line.startswith("done "))

        wait_for(f"{JOBS} jobs done", lambda: done_count() >= JOBS, 60)
        wait_for("the pool to return to min",
                 lambda: (decisions(dlog) and decisions(dlog)[-1]["desired"] == 0
                          and decisions(dlog)[-1]["outcome"] == "ok"), 30)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        print(out)
        # Whatever is left (only after a failure): stop it by its command.
        left = subprocess.run(["pgrep", "-f", f"scaled-worker --spool {spool} "],
                              capture_output=True, text=True).stdout.split()
        for pid in left:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass

    assert proc.returncode == 0, f"scaled exited {proc.returncode}"
    ds = decisions(dlog)
    for d in ds:
        assert 0 <= d["desired"] <= MAX, f"desired out of bounds: {d}"
        assert d["outcome"] in ("ok", "none"), f"action failed: {d}"
    assert max(d["desired"] for d in ds) == MAX
    assert ds[-1]["desired"] == 0
    with open(os.path.join(spool, ".done.log")) as f:
        names = [line.split()[1] for line in f if line.startswith("done ")]
    assert sorted(names) == [f"job{i:03d}" for i in range(JOBS)], \
        f"each job done exactly once; got {len(names)} lines"
    work = os.path.join(spool, ".work")
    left = os.listdir(work) if os.path.isdir(work) else []
    assert not left, f"jobs claimed but never finished (a worker was killed): {left}"
    assert "requeued" not in out, "a worker died with a job in hand (dirqueue requeued it)"
    assert "killed by signal" not in out, "a worker was killed"
    # No worker outlives the daemon.
    ps = subprocess.run(["pgrep", "-f", f"scaled-worker --spool {spool} "],
                        capture_output=True, text=True)
    assert ps.stdout.strip() == "", f"workers left running: {ps.stdout}"
    print(f"e2e: {len(ds)} decisions, pool 0 -> {MAX} -> 0, {JOBS} jobs done, none lost")
    print("1 passed, 0 failed")


if __name__ == "__main__":
    main()
