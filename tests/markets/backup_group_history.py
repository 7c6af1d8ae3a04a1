#!/usr/bin/env python3
"""The seed's second setup on real spot price history: a spot group that
stays on spot, and an on-demand group (policy.backup_group) covering what
it fails to deliver, through replay + sim.

    backup_group_history.py FARM_RUN TESTDATA_DIR

The trace is ../shared/testdata/spot/c3.2xlarge (us-west-1a, Feb-Apr 2014).
The spot group holds 4 units with a maximum spot price of 1.0: when the
price passes it, its units get the 2-minute notice and go, and their
replacements wait until the price is back at or below 1.0. The backup
group (on-demand units booting in 60 s) covers the shortfall once the spot
group has been short for the grace period (120 s), and gives it back once
the spot group is whole again. Checked every second of the two months:

  - the spot group is short at least once (the price passes 1.0: worked
    out from the CSV), and every stretch of it ends;
  - while short for longer than grace + one backup tick + the on-demand
    boot + one poll, spot + backup running units are at least 4;
  - the backup's units are back to 0 within two ticks and a poll of the
    spot group being whole, so the cover is given back;
  - at the end, spot 4, backup 0.
Exit 0 pass, 1 fail, 77 skip (no test data).
"""
import csv
import datetime
import os
import subprocess
import sys
import tempfile

POOL = "c3.2xlarge_us-west-1a_2014-02-16_2014-04-18.csv"
START, END = "2014-02-16T06:00:00Z", "2014-04-18T00:35:00Z"
SIZE, MAX_PRICE = 4, 1.0
GRACE, TICK, BOOT, POLL = 120, 60, 60, 5
COVER_AFTER = GRACE + TICK + BOOT + POLL + 5     # seconds short before cover is due
RELEASE_AFTER = 2 * TICK + POLL + 5              # seconds whole before cover is gone


def ms(iso):
    d = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")
    return int(d.replace(tzinfo=datetime.timezone.utc).timestamp()) * 1000


def iso(t_ms):
    return datetime.datetime.fromtimestamp(t_ms / 1000, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


FARM = """
local policy = require "policy"
plugin "sim"
plugin "replay"
source "spot" {{ kind = "replay", format = "spot", align = "absolute", every = "1m",
                 path = "{path}" }}
target "spot_asg" {{ kind = "sim", start = {size}, on_demand_percent = 0, spot_delay = "2m",
                    spot_price = "spot", max_spot_price = {max_price}, notice = "2m" }}
target "od_asg" {{ kind = "sim", start = 0, on_demand_delay = "{boot}s" }}
group "spot" {{ target = "spot_asg", min = {size}, max = {size}, every = "1m" }}
group "backup" {{ target = "od_asg", min = 0, max = {size}, every = "{tick}s",
                 stabilization = {{ down = "0s" }},
                 policy = policy.backup_group {{ primary = "spot", grace = "{grace}s" }} }}
"""


def main():
    farm_run, folder = sys.argv[1], sys.argv[2]
    trace = os.path.join(folder, "spot", POOL)
    if not os.path.exists(trace):
        print(f"skip: no test data at {trace}")
        return 77
    with open(trace) as f:
        above = sum(1 for r in csv.DictReader(f) if float(r["price_usd"]) > MAX_PRICE)
    start, end = ms(START), ms(END)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "farm.lua")
        with open(path, "w") as f:
            f.write(FARM.format(path=trace, size=SIZE, max_price=MAX_PRICE, boot=BOOT,
                                tick=TICK, grace=GRACE))
        p = subprocess.run([farm_run, path, str(start), str(end), "1000", "spot,backup"],
                           capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        print(f"farm_run failed ({p.returncode}): {p.stderr}")
        return 1
    # the running units of each group, second by second, from the changes
    changes = {"spot": [], "backup": []}
    for line in p.stdout.splitlines():
        if line.startswith("S "):
            f = line.split()
            changes[f[8]].append((int(f[1]), int(f[2])))
    failures = []
    short_since = whole_since = None
    episodes, longest, covered = 0, 0, 0
    spot_at = backup_at = None
    events = sorted([(t, "spot", c) for t, c in changes["spot"]] +
                    [(t, "backup", c) for t, c in changes["backup"]])
    i = 0
    t = start
    while t <= end:
        while i < len(events) and events[i][0] <= t:
            if events[i][1] == "spot":
                spot_at = events[i][2]
            else:
                backup_at = events[i][2]
            i += 1
        if spot_at is not None and spot_at < SIZE:
            if short_since is None:
                short_since, episodes = t, episodes + 1
            whole_since = None
            if (t - short_since) / 1000 > COVER_AFTER:
                covered += 1
                if spot_at + (backup_at or 0) < SIZE:
                    failures.append(f"{iso(t)}: spot {spot_at} + backup {backup_at} < {SIZE}, "
                                    f"short since {iso(short_since)}")
                    break
        else:
            if short_since is not None:
                longest = max(longest, t - short_since)
                short_since = None
                whole_since = t
            if whole_since is not None and (t - whole_since) / 1000 > RELEASE_AFTER:
                if backup_at:
                    failures.append(f"{iso(t)}: spot whole since {iso(whole_since)}, backup "
                                    f"still runs {backup_at}")
                    break
                whole_since = None
        t += 1000
    print(f"price above {MAX_PRICE} in {above} rows; spot short {episodes} times, longest "
          f"{longest // 1000} s; {covered} seconds covered by the backup, checked")
    if not episodes:
        failures.append("the spot group was never short")
    if short_since is not None:
        failures.append(f"the spot group is still short at the end (since {iso(short_since)})")
    if spot_at != SIZE or backup_at != 0:
        failures.append(f"ends with spot {spot_at}, backup {backup_at}")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
