#!/usr/bin/env python3
"""Workers die with the daemon: SIGKILL a real scaled with 3 procpool
workers, see the workers go, restart it, see the pool settle at 3 (not 6).

Run once per form of the command: `sleep N` (exec'd directly), `exec sleep
N` (through /bin/sh, which execs in place) and `sleep N; true` (/bin/sh
forks sleep: the shell dies with the daemon, its sleep lives on until the
restarted daemon finds it by its SCALED_POOL_OWNER and SIGTERMs it). N is
unique to the run, so the workers are told apart from any other process. Everything is
bounded in time; every process and file started here is stopped or removed
here, also on failure.
"""
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from procs import wait_for

BUILD = sys.argv[1]
WORKERS = 3


def workers(token):
    """pid -> ppid of every live `sleep TOKEN` process."""
    found = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if argv[:2] == [b"sleep", token.encode()] and state != "Z":
            found[int(d)] = int(ppid)
    return found


def descends(pid, ancestor):
    for _ in range(64):
        if pid == ancestor:
            return True
        try:
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            return False
        if pid <= 1:
            return False
    return False


def settled(token, daemon):
    now = workers(token)
    return len(now) == WORKERS and all(descends(p, daemon) for p in now)


def start(farm):
    return subprocess.Popen([os.path.join(BUILD, "scaled"), "-c", farm,
                             "--log-level", "info"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        try:
            out, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:  # its stdout held open by others
            proc.wait()
            out = ""
    return out


def one_form(tmp, command, token, dies_with_daemon):
    ctl = os.path.join(tmp, "ctl")
    os.makedirs(ctl, exist_ok=True)
    for n in "abc":
        open(os.path.join(ctl, n), "w").close()
    farm = os.path.join(tmp, "farm.lua")
    with open(farm, "w") as f:
        f.write(f"""
plugin "dirqueue"; plugin "procpool"
source "ctl" {{ kind = "dirqueue", path = "{ctl}", every = "250ms" }}
target "pool" {{ kind = "procpool", command = "{command}", poll = "500ms" }}
group "g" {{ target = "pool", max = 10, every = "500ms", cooldown = {{ up = "60s" }},
  policy = function(g, s) local n = s.ctl:last(); if not n then return g:hold("no data") end
                          return g:set(math.floor(n), "ctl") end }}
""")
    procs = []
    try:
        first = start(farm)
        procs.append(first)
        wait_for(f"{WORKERS} workers", lambda: len(workers(token)) == WORKERS, 30)
        first.kill()
        first.wait()
        if dies_with_daemon:
            # PR_SET_PDEATHSIG: they get SIGTERM with the daemon's death.
            wait_for("the first daemon's workers to die with it",
                     lambda: not workers(token), 10)
        second = start(farm)
        procs.append(second)
        wait_for(f"{WORKERS} workers, all of the new daemon",
                 lambda: settled(token, second.pid), 30)
        # Settled: a few polls and ticks later, still exactly 3.
        time.sleep(2.0)
        assert settled(token, second.pid), \
            f"pool did not settle at {WORKERS}: {workers(token)}"
        out = stop(second)
        assert second.returncode == 0, f"scaled exited {second.returncode}:\n{out}"
        wait_for("no worker left after a clean stop", lambda: not workers(token), 10)
        print(f"{command!r}: {WORKERS} workers, SIGKILL, "
              f"{'none left' if dies_with_daemon else 'leftovers SIGTERMed at restart'}, "
              f"restart: {WORKERS}")
    finally:
        # Only after a failure: workers (and their groups) first, as they
        # hold the daemon's stdout open.
        for pid in workers(token):
            try:
                pgid = os.getpgid(pid)
                if pgid != os.getpgrp():
                    os.killpg(pgid, signal.SIGKILL)
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for p in procs:
            stop(p)


def alive(proc):
    """Running, not a zombie (proc is our child: poll() reaps it)."""
    return proc.poll() is None


def planted_leftovers(tmp):
    """A farm load (--check, a --once preview) signals nothing; the first
    apply that starts a worker SIGTERMs the groups of workers left by a
    scaled that is gone, but not a process such a worker detached into a
    session of its own with setsid."""
    token = f"3600.{random.randrange(10**5, 10**6)}"
    ctl = os.path.join(tmp, "ctl-planted")
    os.makedirs(ctl, exist_ok=True)
    open(os.path.join(ctl, "a"), "w").close()
    farm = os.path.join(tmp, "planted.lua")
    with open(farm, "w") as f:
        f.write(f"""
plugin "dirqueue"; plugin "procpool"
source "ctl" {{ kind = "dirqueue", path = "{ctl}", every = "250ms" }}
target "pool" {{ kind = "procpool", command = "sleep {token}", poll = "500ms" }}
group "g" {{ target = "pool", max = 10, every = "500ms",
  policy = function(g, s) local n = s.ctl:last(); if not n then return g:hold("no data") end
                          return g:set(math.floor(n), "ctl") end }}
""")
    # No process has pid 4194304 (past the largest pid_max): a stale owner.
    env = dict(os.environ, SCALED_POOL_OWNER="4194304:1")
    procs, daemons = [], []
    try:
        # A leftover worker: the leader of its own group, in our session.
        group = subprocess.Popen(["sleep", "3601"], env=env, process_group=0,
                                 stdout=subprocess.DEVNULL)
        procs.append(group)
        # A daemon a worker detached on purpose: a session of its own.
        detached = subprocess.Popen(["sleep", "3602"], env=env, start_new_session=True,
                                    stdout=subprocess.DEVNULL)
        procs.append(detached)
        for args in (["--check"], ["--once"]):
            r = subprocess.run([os.path.join(BUILD, "scaled"), "-c", farm] + args,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, timeout=30)
            time.sleep(0.3)
            assert alive(group), f"scaled {args[0]} signalled a leftover:\n{r.stdout}"
            assert alive(detached), f"scaled {args[0]} signalled a setsid process"
        daemon = start(farm)
        daemons.append(daemon)
        wait_for("1 worker", lambda: len(workers(token)) == 1, 30)
        wait_for("the leftover group to be SIGTERMed at the first apply",
                 lambda: not alive(group), 10)
        assert group.returncode == -signal.SIGTERM, group.returncode
        time.sleep(0.3)
        assert alive(detached), "the first apply signalled a setsid process"
        out = stop(daemon)
        assert daemon.returncode == 0, f"scaled exited {daemon.returncode}:\n{out}"
        assert "process group" in out and "SIGTERM" in out, out
        print("planted leftovers: --check and --once leave them, "
              "the first apply SIGTERMs the worker group, not the setsid one")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait()
        for pid in workers(token):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for d in daemons:
            stop(d)


def main():
    tmp = tempfile.mkdtemp(prefix="scaled-orphans-")
    try:
        planted_leftovers(tmp)
        for form, dies in (("sleep {}", True), ("exec sleep {}", True),
                           ("sleep {}; true", False)):
            token = f"3600.{random.randrange(10**5, 10**6)}"
            one_form(tmp, form.format(token), token, dies)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("4 passed, 0 failed")


if __name__ == "__main__":
    main()
