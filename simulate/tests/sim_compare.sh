#!/bin/sh
# sim_compare.sh SCALED FIXTURES TESTDATA CASE: the summary keys that
# compare (the SLO, the fixed-peak reference, the lower bound, the
# baselines) on the real binary; every expected number worked out by hand
# here or in the fixture's farm file (as sim_case.sh does).
set -u
scaled=$1; fx=$2; data=$3; case=$4
me=sim_compare
. "$(dirname "$0")/sim_lib.sh"

case $case in
bound)
	# fixed.lua (2 on-demand units for the hour at 0.42: 0.84) on
	# spot_down.csv:
	# spot 0.50 (above on-demand 0.42) until 00:20:00, then 0.10. 360
	# jobs of 10 s, one every 10 s from 00:00:00. The bound buys the part
	# of each job's 10 s that must fall before the end (01:00:00),
	# clamp(01:00:00 - a - SLO, 0, 10 s), at the least price in
	# [a, min(a + SLO + 10 s, 01:00:00)):
	#  --slo 5m: the window reaches 00:20:00 from a = 00:15:00 on: the 90
	#   jobs of 00:00:00 - 00:14:50 at 0.42, 90 x 10 / 3600 x 0.42 = 0.105;
	#   the 240 of 00:15:00 - 00:54:50 at 0.10, 240 x 10 / 3600 x 0.10 =
	#   0.0666667; the 30 from 00:55:00 on start after the end (nothing);
	#   0.171667. ratio 0.84 / 0.171667 = 4.893204.
	#  --slo 0: every job ends by the end; from a = 00:20:00 on: 120 x 10
	#   / 3600 x 0.42 = 0.14, and 240 x 10 / 3600 x 0.10 = 0.0666667;
	#   0.206667.
	# Fixed peak: each minute's bin holds 60 s of work: 1 instance for the
	# hour at 0.42 = 0.42; savings 1 - 0.84 / 0.42 = -1. Cost per million
	# jobs: 0.84 / 360 x 1e6 = 2333.333333.
	set -- -c "$fx/fixed.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_down.csv" \
		--on-demand 0.42 --map pool=capacity --service-time 10s
	run "$@"
	[ "$rc" -eq 0 ] || fail "exit $rc"
	has '"cost": {"total": 0.840000,'
	has '"wait_slo_seconds": 300.000,'
	has '"minutes_over_slo": 0.000,'
	has '"lower_bound": 0.171667,'
	has '"ratio_to_bound": 4.893204'
	has '"fixed_peak_instances": 1,'
	has '"on_demand_fixed_peak": 0.420000,'
	has '"savings": -1.000000,'
	has '"cost_per_million_jobs": 2333.333333,'
	has '"peak_instances": 2,'
	has '"failovers": 0,'
	run "$@" --slo 0
	has '"wait_slo_seconds": 0.000,'
	has '"lower_bound": 0.206667,'
	# A step above on-demand and back under spot_failover (failover.lua,
	# its numbers by hand there): cost 0.59; the switch to on-demand at
	# 00:25:00 is the one failover. The job of 00:20:00 waits until
	# 00:26:00; the front job's wait is past 300 s from 00:25:00 until
	# 00:26:50 (2 jobs taken every 10 s against 1 arriving: the front's
	# wait falls 10 s each 10 s from 340 s at 00:26:00, and rises back
	# between: past 300 s until the dispatch of 00:26:50): 110 s, 1.833
	# minutes. Bound (spot_step.csv, 0.10 then 0.50 from 00:20:00): the
	# 120 jobs before 00:20:00 at 0.10, 0.0333333, the 210 of 00:20:00 -
	# 00:54:50 at 0.42 (on-demand, under 0.50), 0.245, the 30 from 00:55:00
	# nothing (as above); 0.278333.
	run -c "$fx/failover.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_step.csv" \
		--on-demand 0.42 --map asg=capacity,on_demand_percent=0 --map spot=spot \
		--service-time 10s
	[ "$rc" -eq 0 ] || fail "failover: exit $rc"
	has '"cost": {"total": 0.590000, "spot": 0.100000, "on_demand": 0.490000}'
	has '"failovers": 1,'
	has '"minutes_over_slo": 1.833,'
	has '"lower_bound": 0.278333,'
	has '"peak_instances": 2,'
	# Billing stops at the end, so does the bound: one job of an hour at
	# 00:01:00, the span 00:00:00 - 00:02:00, --slo 0: fixed.lua's 2
	# on-demand units for 2 minutes cost 2 x 120 / 3600 x 0.36 = 0.024, the
	# job runs past the end (in flight); the bound buys the minute before
	# the end at spot 0.10: 60 / 3600 x 0.10 = 0.001667, ratio 14.4 (the
	# whole hour, 0.10, was above the cost: ratio 0.24).
	printf 'timestamp,count\n2024-01-01T00:00:00Z,0\n2024-01-01T00:01:00Z,1\n' > "$out/end.csv"
	run -c "$fx/fixed.lua" --load "$out/end.csv" --spot "$fx/spot_flat.csv" \
		--on-demand 0.36 --map pool=capacity --service-time 1h --slo 0
	[ "$rc" -eq 0 ] || fail "end: exit $rc"
	has '"cost": {"total": 0.024000,'
	has '"queued_at_end": 0, "in_flight_at_end": 1'
	has '"lower_bound": 0.001667,'
	has '"ratio_to_bound": 14.400000'
	# A failover to part on-demand and back: failover.lua with
	# on_demand_mix 50 % on spot_down.csv (0.50 until 00:20:00, then
	# 0.10). The first tick (00:00:30) reads 0.50 >= 0.42: 5 minutes on,
	# 00:05:30, the mix goes 0 -> 50 %; from 00:20:00 0.10 < 0.378
	# (on-demand less 10 %): 15 minutes on, 00:35:00, back 50 -> 0 %: 2
	# failovers (the farm's mix at the first tick, none -> 0 %, is none).
	sed 's/leave_after = "5m" }/leave_after = "5m", on_demand_mix = { on_demand_percent = 50 } }/' \
		"$fx/failover.lua" > "$out/half.lua"
	grep -q 'on_demand_percent = 50 } }' "$out/half.lua" || fail "half.lua: no on_demand_mix"
	run -c "$out/half.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_down.csv" \
		--on-demand 0.42 --map asg=capacity,on_demand_percent=0 --map spot=spot \
		--service-time 10s
	[ "$rc" -eq 0 ] || fail "half: exit $rc"
	has '"failovers": 2,'
	grep -q '"time":1704067530000,.*"after":{"on_demand_base":0,"on_demand_percent":50}' \
		"$out/o/decisions.jsonl" || fail "half: no 0 -> 50 % at 00:05:30"
	grep -q '"time":1704069300000,.*"after":{"on_demand_base":0,"on_demand_percent":0}' \
		"$out/o/decisions.jsonl" || fail "half: no 50 -> 0 % at 00:35:00"
	# The farm's simulate table sets the SLO; the flag wins.
	{ cat "$fx/fixed.lua"; echo 'simulate { slo = "10m" }'; } > "$out/farm.lua"
	set -- -c "$out/farm.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_down.csv" \
		--on-demand 0.42 --map pool=capacity --service-time 10s
	run "$@"
	has '"wait_slo_seconds": 600.000,'
	run "$@" --slo 1m
	has '"wait_slo_seconds": 60.000,'
	;;
baselines)
	# baseline.lua under load_zero.csv: both baselines' costs by hand
	# there: sqs_step 0.006, cpu_80_20 0.108. No job: no bound (0), no
	# ratio, no cost per job.
	run -c "$fx/baseline.lua" --load "$fx/load_zero.csv" --spot "$fx/spot_flat.csv" \
		--on-demand 0.36 --map pool=capacity --baselines
	[ "$rc" -eq 0 ] || fail "exit $rc"
	has '"cost": {"total": 0.720000, "spot": 0.000000, "on_demand": 0.720000}'
	has '"lower_bound": 0.000000,'
	has '"ratio_to_bound": null'
	has '"cost_per_million_jobs": null,'
	has '"cpu_80_20": {"cost": {"total": 0.108000, "spot": 0.000000, "on_demand": 0.108000}, "wait_p95_seconds": 0.000, "minutes_over_slo": 0.000, "jobs": {"served": 0, "queued_at_end": 0, "in_flight_at_end": 0}, "ratio_to_bound": null}'
	has '"sqs_step": {"cost": {"total": 0.006000,'
	# The farm's own decisions only: it holds at 2 with nothing to do.
	! grep -q 'pool.cpu\|pool.backlog' "$out/o/decisions.jsonl" ||
		fail "decisions.jsonl has a baseline's decisions"
	# Without the flag: no baselines key.
	run -c "$fx/baseline.lua" --load "$fx/load_zero.csv" --spot "$fx/spot_flat.csv" \
		--on-demand 0.36 --map pool=capacity
	! grep -q '"baselines"' "$out/o/summary.json" || fail "baselines without --baselines"
	# With load (fixed.lua's, 10 s jobs): each baseline serves it; the
	# ratios are the costs over the bound of 0.0916667 (the 330 jobs
	# before 00:55:00, 330 x 10 s of work at spot 0.10; the 30 after start
	# after the end under the 5-minute SLO): the farm's 0.72 is 7.854545.
	run -c "$fx/fixed.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_flat.csv" \
		--on-demand 0.36 --map pool=capacity --service-time 10s --baselines
	has '"ratio_to_bound": 7.854545,'
	has '"lower_bound": 0.091667,'
	grep -q '"sqs_step": {.*"served": 360,' "$out/o/summary.json" || fail "sqs_step served"
	;;
same)
	# --baselines keeps the bytes: two runs of the shipped farm on a day
	# of NASA 1995 load, exponential service times, give the same
	# summary.json and decisions.jsonl.
	[ -d "$data/load" ] || { echo "no $data: skipped"; exit 77; }
	set -- -c "$fx/../../../docs/examples/spot_failover.lua" \
		--load "$data/load/nasa_http_1995-07-01_to_07-15_per_minute.csv" \
		--to 1995-07-02T04:00:00Z \
		--spot "$data/spot/c3.2xlarge_us-west-1a_2014-02-16_2014-04-18.csv" --on-demand 0.42 \
		--map asg=capacity,max_spot_price=0.2 --map spot=spot --map cpu=cpu \
		--service-time 20s --service-dist exponential --seed 7 --baselines
	"$scaled" simulate --quiet --out "$out/a" "$@" || fail "first run"
	"$scaled" simulate --quiet --out "$out/b" "$@" || fail "second run"
	cmp "$out/a/summary.json" "$out/b/summary.json" || fail "summary.json differs"
	cmp "$out/a/decisions.jsonl" "$out/b/decisions.jsonl" || fail "decisions.jsonl differs"
	grep -q '"cpu_80_20": {"cost": {"total": [0-9]' "$out/a/summary.json" || fail "no cpu_80_20"
	grep -q '"sqs_step": {"cost": {"total": [0-9]' "$out/a/summary.json" || fail "no sqs_step"
	# The farm's own run is the same without --baselines: the same
	# decisions.jsonl, the same summary but for the baselines key.
	set -- "$@" --no-such-flag
	while [ "$1" != --no-such-flag ]; do
		[ "$1" = --baselines ] || set -- "$@" "$1"
		shift
	done
	shift
	"$scaled" simulate --quiet --out "$out/c" "$@" || fail "run without --baselines"
	cmp "$out/a/decisions.jsonl" "$out/c/decisions.jsonl" ||
		fail "--baselines changed decisions.jsonl"
	sed -n '/"baselines"/q;p' "$out/a/summary.json" | sed '$s/,$//' > "$out/a.farm"
	sed '$d' "$out/c/summary.json" > "$out/c.farm"
	cmp "$out/a.farm" "$out/c.farm" || fail "--baselines changed the farm's summary"
	;;
bad)
	f="$fx/fixed.lua"
	refused '^scaled simulate: --slo: "-1" is not a duration from 0' -c "$f" --slo -1
	refused '^scaled simulate: --slo: "soon" is not a duration from 0' -c "$f" --slo soon
	refused '^scaled simulate: --baselines: takes no value \("--baselines=yes"\)' -c "$f" \
		--baselines=yes
	refused '^scaled simulate: --slo: needs a value' \
		-c "$f" --slo
	{ cat "$f"; echo 'simulate { slo = "soon" }'; } > "$out/farm.lua"
	refused 'farm\.lua:22: simulate: slo: "soon" is not a duration from 0' -c "$out/farm.lua" \
		--load "$fx/load_6_per_min.csv" --spot "$fx/spot_flat.csv" --on-demand 0.36
	;;
*)
	fail "no such case"
	;;
esac
echo "sim_compare $case: ok"
