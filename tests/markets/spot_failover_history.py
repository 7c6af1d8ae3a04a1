#!/usr/bin/env python3
"""spot_failover on real spot price history, through replay + sim.

    spot_failover_history.py FARM_RUN TESTDATA_DIR

The traces are ../shared/testdata/spot/c3.8xlarge and c3.2xlarge (us-west-1a,
Feb-Apr 2014, 1620 and 7299 price changes), each against the us-west-1
on-demand price of its type in the same folder's table. The switch times are worked out here from the CSV
with the rule as docs/policies/spot_failover.md states it, independently of
the Lua, and compared with what the engine did:

  - the group ticks every minute from START (first tick START + 1 min); the
    replay source collects every minute before the tick (sched.c runs tasks
    due together in the order they were armed), so a tick at T sees the
    price of the last row at or before T;
  - it leaves spot at the first tick where the price has been >= on-demand at
    every tick for LEAVE s, and returns at the first tick where it has been
    below on-demand x (1 - margin) at every tick for BACK s.

Run A (max spot price above every price: no interruptions): the switches
happen exactly at those ticks, none inside the band, and a fixed group of 4
never has fewer than 4 units running once up, through every switch.
Run B (max spot price 3.0, 1.0): spot units are interrupted (2-minute notice)
when the price passes it, and every interruption is replaced: each dip ends,
and the group ends whole. Exit 0 pass, 1 fail, 77 skip (no test data).
"""
import csv
import datetime
import os
import subprocess
import sys
import tempfile

# (file, instance type, margin, run B's max spot price, start, end). The
# margins are wide enough that real prices fall inside the band (none of
# these traces has a price within 10 % below on-demand).
POOLS = [
    ("c3.8xlarge_us-west-1a_2014-02-16_2014-04-17.csv", "c3.8xlarge", 0.5, 3.0,
     "2014-02-16T01:00:00Z", "2014-04-17T08:05:00Z"),
    ("c3.2xlarge_us-west-1a_2014-02-16_2014-04-18.csv", "c3.2xlarge", 0.3, 1.0,
     "2014-02-16T06:00:00Z", "2014-04-18T00:35:00Z"),
]
LEAVE, BACK = 600, 1800
GROUP_SIZE = 4


def ms(iso):
    d = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")
    return int(d.replace(tzinfo=datetime.timezone.utc).timestamp()) * 1000


def iso(t_ms):
    d = datetime.datetime.fromtimestamp(t_ms / 1000, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def on_demand_price(folder, itype):
    with open(os.path.join(folder, "ondemand_prices_2016-12.csv")) as f:
        for row in csv.DictReader(f):
            if row["region"] == "us-west-1" and row["instance_type"] == itype:
                return float(row["ondemand_usd_per_hour"])
    raise SystemExit(f"no on-demand price for {itype} in us-west-1")


def expected_switches(rows, od, margin, start, end):
    """[(t_ms, 'on_demand' | 'spot')] from the CSV and the rule."""
    band = od * (1 - margin)
    out, side, i, price = [], "spot", 0, None
    leave_since = back_since = None
    t = start + 60000
    while t <= end:
        while i < len(rows) and rows[i][0] <= t:
            price = rows[i][1]
            i += 1
        leave_since = (leave_since or t) if price >= od else None
        back_since = (back_since or t) if price < band else None
        if side == "spot" and leave_since is not None and t - leave_since >= LEAVE * 1000:
            side = "on_demand"
            out.append((t, side))
        elif side == "on_demand" and back_since is not None and t - back_since >= BACK * 1000:
            side = "spot"
            out.append((t, side))
        t += 60000
    return out


def farm(path, od, margin, max_price):
    return f"""
local policy = require "policy"
plugin "sim"
plugin "replay"
source "spot" {{ kind = "replay", format = "spot", align = "absolute", every = "1m",
                 path = "{path}" }}
target "asg" {{ kind = "sim", start = {GROUP_SIZE}, on_demand_percent = 0,
               spot_delay = "2m", on_demand_delay = "1m",
               spot_price = "spot", max_spot_price = {max_price}, notice = "2m" }}
group "g" {{ target = "asg", min = {GROUP_SIZE}, max = {GROUP_SIZE}, every = "1m",
            on_demand_base = 0, on_demand_percent = 0, mix_dwell = "1m",
            policy = policy.spot_failover {{ spot = "spot", on_demand = {od},
              leave_after = "{LEAVE}s", return_after = "{BACK}s", margin = {margin} }} }}
"""


def run(farm_run, text, start, end):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "farm.lua")
        with open(path, "w") as f:
            f.write(text)
        p = subprocess.run([farm_run, path, str(start), str(end), "1000", "g"],
                           capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise SystemExit(f"farm_run failed ({p.returncode}): {p.stderr}")
    status, decisions = [], []
    import json
    for line in p.stdout.splitlines():
        if line.startswith("S "):
            status.append(tuple(int(x) for x in line.split()[1:8]))
        elif line.startswith("D "):
            decisions.append(json.loads(line[2:]))
    return status, decisions


def switches_done(decisions):
    out = []
    for d in decisions:
        m = d.get("markets")
        if not m or m["before"] == m["after"] or d["outcome"] != "ok":
            continue
        if m["before"]["on_demand_percent"] is None:
            continue  # the farm's mix, sent with the first decision
        side = "on_demand" if m["after"]["on_demand_percent"] == 100 else "spot"
        out.append((d["time"], side, m["reason"]))
    return out


def band_ticks(rows, od, margin, start, end):
    """Ticks with the price inside the band [od (1 - margin), od), and how
    many separate stretches of them: where hysteresis must hold."""
    band = od * (1 - margin)
    n = runs = 0
    inside = False
    i, price, t = 0, None, start + 60000
    while t <= end:
        while i < len(rows) and rows[i][0] <= t:
            price = rows[i][1]
            i += 1
        now = band <= price < od
        n += now
        runs += now and not inside
        inside = now
        t += 60000
    return n, runs


def check_pool(farm_run, folder, pool, itype, margin, max_b, start_iso, end_iso):
    trace = os.path.join(folder, "spot", pool)
    od = on_demand_price(os.path.join(folder, "spot"), itype)
    with open(trace) as f:
        rows = [(ms(r["timestamp_iso8601"]), float(r["price_usd"])) for r in csv.DictReader(f)]
    band = od * (1 - margin)
    # no price sits on a line, where float rounding could decide
    assert all(abs(p - od) > 1e-6 and abs(p - band) > 1e-6 for _, p in rows)
    start, end = ms(start_iso), ms(end_iso)
    want = expected_switches(rows, od, margin, start, end)
    failures = []
    n_band, runs_band = band_ticks(rows, od, margin, start, end)
    print(f"{itype}: {n_band} ticks in {runs_band} stretches inside the band "
          f"[{band:.4f}, {od}), no switch there")
    if not n_band:
        failures.append("the price never enters the band: hysteresis untested")

    # Run A: no interruptions.
    status, decisions = run(farm_run, farm(trace, od, margin, 1000), start, end)
    got = switches_done(decisions)
    print(f"{itype} on-demand {od}, band {band:.4f}: {len(want)} switches expected, "
          f"{len(got)} made")
    for (tw, sw), (tg, sg, reason) in zip(want, got):
        mark = "" if (tw, sw) == (tg, sg) else "   <-- differs"
        print(f"  {iso(tw)} {sw:9}  engine: {iso(tg)} {sg:9} {reason}{mark}")
    if [(t, s) for t, s, _ in got] != want:
        failures.append("the switch times differ from the CSV's")
    price_at = {}
    i, p = 0, None
    for t, side, _ in got:
        while i < len(rows) and rows[i][0] <= t:
            p = rows[i][1]
            i += 1
        price_at[t] = p
        if side == "on_demand" and not p >= od:
            failures.append(f"{iso(t)}: left spot at {p}, below on-demand {od}")
        if side == "spot" and not p < band:
            failures.append(f"{iso(t)}: back to spot at {p}, inside the band [{band}, {od})")
    up = [s for s in status if s[1] >= GROUP_SIZE]
    if not up:
        failures.append("the group never came up")
    else:
        dips = [s for s in status if s[0] >= up[0][0] and s[1] < GROUP_SIZE]
        if dips:
            failures.append(f"capacity dipped without interruptions: {dips[:3]}")
    print(f"run A: {len(status)} changes of state, capacity never below {GROUP_SIZE}"
          if not any("dipped" in x for x in failures) else "run A: capacity dipped")

    # Run B: interruptions above 3.0, replaced.
    status, decisions = run(farm_run, farm(trace, od, margin, max_b), start, end)
    up = next(s[0] for s in status if s[1] >= GROUP_SIZE)
    dips, open_dip = [], None
    for s in status:
        if s[0] < up:
            continue
        if s[1] < GROUP_SIZE and open_dip is None:
            open_dip = s
        elif s[1] >= GROUP_SIZE and open_dip is not None:
            dips.append((open_dip[0], s[0]))
            open_dip = None
    print(f"run B (max {max_b}): {len(dips)} interruptions, each replaced; longest "
          f"{max((b - a for a, b in dips), default=0) // 1000} s")
    if not dips:
        failures.append(f"no spot interruption happened above {max_b}")
    if open_dip is not None:
        failures.append(f"an interruption at {iso(open_dip[0])} was never replaced")
    if status[-1][1] != GROUP_SIZE:
        failures.append(f"the group ends at {status[-1][1]}, not {GROUP_SIZE}")

    return failures


def main():
    farm_run, folder = sys.argv[1], sys.argv[2]
    if not os.path.isdir(os.path.join(folder, "spot")):
        print(f"skip: no test data at {folder}/spot")
        return 77
    failures = []
    for pool in POOLS:
        failures += check_pool(farm_run, folder, *pool)
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
