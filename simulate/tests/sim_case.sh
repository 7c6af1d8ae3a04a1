#!/bin/sh
# sim_case.sh SCALED FIXTURES TESTDATA CASE: one test of `scaled simulate`
# on the real binary; the expected answers are worked out by hand in the
# fixtures' farm files (fixtures/*.lua), not taken from a run.
set -u
scaled=$1; fx=$2; data=$3; case=$4
me=sim_case
. "$(dirname "$0")/sim_lib.sh"

case $case in
fixed)
	run -c "$fx/fixed.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_flat.csv" \
		--on-demand 0.36 --map pool=capacity --service-time 10s
	[ "$rc" -eq 0 ] || fail "exit $rc"
	has '"cost": {"total": 0.720000, "spot": 0.000000, "on_demand": 0.720000}'
	has '"instance_seconds": {"spot": 0, "on_demand": 7200}'
	has '"jobs": {"arrived": 360, "served": 360, "requeued": 0, "queued_at_end": 0, "in_flight_at_end": 0, "lost": 0}'
	has '"wait_seconds": {"p50": 0.000, "p95": 0.000, "p99": 0.000, "max": 0.000}'
	has '"busy_share": 0.500000'
	has '"span": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-01T01:00:00Z", "seconds": 3600}'
	# a wave source named like a refused kind ("cpu") runs as it is
	run -c "$fx/wave_named_cpu.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_flat.csv" \
		--on-demand 0.36 --map pool=capacity --service-time 10s
	[ "$rc" -eq 0 ] || fail "wave_named_cpu.lua: exit $rc"
	has '"cost": {"total": 0.720000, "spot": 0.000000, "on_demand": 0.720000}'
	;;
switch)
	# a switch of markets never dips the capacity (fixtures/switch.lua)
	run -c "$fx/switch.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_flat.csv" \
		--on-demand 0.36 --map pool=capacity --service-time 10s
	[ "$rc" -eq 0 ] || fail "exit $rc"
	has '"cost": {"total": 0.216333, "spot": 0.198333, "on_demand": 0.018000}'
	has '"instance_seconds": {"spot": 7140, "on_demand": 180}'
	has '"wait_seconds": {"p50": 0.000, "p95": 0.000, "p99": 0.000, "max": 0.000}'
	has '"jobs": {"arrived": 360, "served": 360, "requeued": 0, "queued_at_end": 0, "in_flight_at_end": 0, "lost": 0}'
	;;
failover)
	run -c "$fx/failover.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_step.csv" \
		--on-demand 0.42 --map asg=capacity,on_demand_percent=0 --map spot=spot \
		--service-time 10s
	[ "$rc" -eq 0 ] || fail "exit $rc"
	has '"cost": {"total": 0.590000, "spot": 0.100000, "on_demand": 0.490000}'
	has '"instance_seconds": {"spot": 2640, "on_demand": 4200}'
	has '"jobs": {"arrived": 360, "served": 360, "requeued": 0, "queued_at_end": 0, "in_flight_at_end": 0, "lost": 0}'
	has '"max": 360.000}'
	has '"interruptions": 2'
	# The switch: 2024-01-01T00:25:00Z is 1704068700000 ms.
	grep -q '"time":1704068700000,.*"after":{"on_demand_base":0,"on_demand_percent":100}.*spot 0.5 (spot) >= on-demand 0.42 for 5m: to on-demand' \
		"$out/o/decisions.jsonl" || { cat "$out/o/decisions.jsonl" >&2; fail "no switch at 00:25:00"; }
	[ "$(grep -c 'on_demand_percent":100}' "$out/o/decisions.jsonl")" -eq 1 ] || fail "more than one switch"
	# The capacity publishes its interruptions as the sim target does: 0
	# at the first decision (00:00:30), 2 at the switch (00:25:00).
	grep -q '"time":1704067230000,.*"reason":"interruptions 0.0"' "$out/o/decisions.jsonl" ||
		fail "asg.interruptions not 0 at 00:00:30"
	grep -q '"time":1704068700000,.*"reason":"interruptions 2.0"' "$out/o/decisions.jsonl" ||
		fail "asg.interruptions not 2 at 00:25:00"
	# Both decisions acted (the farm's mix at the first tick, the switch):
	# --decisions acted keeps both, none writes no file.
	run -c "$fx/failover.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_step.csv" \
		--on-demand 0.42 --map asg=capacity,on_demand_percent=0 --map spot=spot \
		--service-time 10s --decisions acted
	[ "$(wc -l < "$out/o/decisions.jsonl")" -eq 2 ] || fail "--decisions acted: not 2 lines"
	run -c "$fx/failover.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_step.csv" \
		--on-demand 0.42 --map asg=capacity,on_demand_percent=0 --map spot=spot \
		--service-time 10s --decisions none
	[ ! -e "$out/o/decisions.jsonl" ] || fail "--decisions none wrote decisions.jsonl"
	has '"decisions": 2,'
	;;
requeue)
	# As failover, with 15-minute jobs: at 00:22:00 both spot units are in
	# the middle of one (started 00:15:00 and 00:15:10), which goes back
	# to the queue: 2 requeued, nothing lost.
	run -c "$fx/failover.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_step.csv" \
		--on-demand 0.42 --map asg=capacity,on_demand_percent=0 --map spot=spot \
		--service-time 15m
	[ "$rc" -eq 0 ] || fail "exit $rc"
	has '"requeued": 2,'
	has '"lost": 0}'
	has '"interruptions": 2'
	;;
idle)
	run -c "$fx/idle.lua" --load "$fx/load_zero.csv" --spot "$fx/spot_flat.csv" \
		--on-demand 0.36 --map gpus=capacity --map jobs=queue
	[ "$rc" -eq 0 ] || fail "exit $rc"
	# 9 holds bound by the stabilization (00:10:00 - 00:14:00), then the
	# scale-in: 10 recorded, 1 acted.
	has '"decisions": 10,'
	has '"actions": 1,'
	has '"cost": {"total": 0.174000, "spot": 0.000000, "on_demand": 0.174000}'
	has '"instance_seconds": {"spot": 0, "on_demand": 1740}'
	# 2024-01-01T00:14:30Z is 1704068070000 ms.
	grep -q '"time":1704068070000,.*"desired":0,' "$out/o/decisions.jsonl" ||
		fail "no scale to zero at 00:14:30"
	;;
same)
	# The same inputs and seed give the same bytes: the shipped
	# spot-failover farm, unchanged, on two weeks of NASA 1995 load (half
	# of it) and the c3.2xlarge price history, exponential service times;
	# a maximum spot price of 0.2 makes spot interruptions happen.
	set -- -c "$fx/../../../docs/examples/spot_failover.lua" \
		--load "$data/load/nasa_http_1995-07-01_to_07-15_per_minute.csv" --load-scale 0.5 \
		--spot "$data/spot/c3.2xlarge_us-west-1a_2014-02-16_2014-04-18.csv" --on-demand 0.42 \
		--map asg=capacity,max_spot_price=0.2 --map spot=spot --map cpu=cpu \
		--service-time 20s --service-dist exponential --seed 7
	[ -d "$data/load" ] || { echo "no $data: skipped"; exit 77; }
	"$scaled" simulate --quiet --out "$out/a" "$@" || fail "first run"
	"$scaled" simulate --quiet --out "$out/b" "$@" || fail "second run"
	cmp "$out/a/summary.json" "$out/b/summary.json" || fail "summary.json differs"
	cmp "$out/a/decisions.jsonl" "$out/b/decisions.jsonl" || fail "decisions.jsonl differs"
	cmp "$out/a/series.csv" "$out/b/series.csv" || fail "series.csv differs"
	grep -q '"lost": 0}' "$out/a/summary.json" || fail "jobs lost"
	grep -q '"interruptions": [1-9]' "$out/a/summary.json" || fail "no interruption"
	"$scaled" simulate --quiet --out "$out/c" "$@" --seed 8 || fail "third run"
	! cmp -s "$out/a/summary.json" "$out/c/summary.json" || fail "--seed changes nothing"
	;;
interrupt)
	# Random interruptions: 2 spot units (the mix 0 %) held at 2, each
	# spot instance noticed at a rate of 6 an hour (a mean life of 10
	# min); 0.3 jobs a minute (18 in the hour) of 3 minutes each, and 30
	# minutes more for the backlog. Every notice asks for a replacement,
	# so the work goes on: all 18 served, none lost; a 3-minute job
	# noticed in its first minute is still in hand at the end of the
	# 2-minute notice and goes back to the queue (requeued). The same seed
	# gives the same bytes, another seed another run; the capacity's
	# interrupt_rate key does what the flag does.
	set -- -c "$fx/fixed.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_flat.csv" \
		--on-demand 0.36 --load-scale 0.05 --service-time 3m --to 2024-01-01T01:30:00Z
	run "$@" --map pool=capacity,on_demand_percent=0 --interrupt-rate 6 --seed 1
	[ "$rc" -eq 0 ] || fail "exit $rc"
	has '"arrived": 18, "served": 18,'
	has '"queued_at_end": 0, "in_flight_at_end": 0, "lost": 0}'
	grep -q '"requeued": [1-9]' "$out/o/summary.json" || fail "nothing requeued"
	grep -q '"interruptions": [1-9]' "$out/o/summary.json" || fail "no interruption"
	grep -q '"spot": [1-9][0-9]*, "on_demand": 0}' "$out/o/summary.json" || fail "no launch"
	cp "$out/o/summary.json" "$out/first.json"
	run "$@" --map pool=capacity,on_demand_percent=0,interrupt_rate=6 --seed 1
	cmp "$out/first.json" "$out/o/summary.json" || fail "interrupt_rate=6 is not --interrupt-rate 6"
	run "$@" --map pool=capacity,on_demand_percent=0 --interrupt-rate 6 --seed 2
	! cmp -s "$out/first.json" "$out/o/summary.json" || fail "--seed changes nothing"
	has '"lost": 0}'
	# Rate 0 (the default): no interruption at all.
	run "$@" --map pool=capacity,on_demand_percent=0 --seed 1
	has '"interruptions": 0'
	;;
farm)
	# The farm's own simulate table (farm_table.lua): no --map, no
	# --on-demand, no --service-time; the answer of fixed.lua.
	run -c "$fx/farm_table.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_flat.csv"
	[ "$rc" -eq 0 ] || fail "exit $rc"
	has '"on_demand_price": 0.360000,'
	has '"cost": {"total": 0.720000, "spot": 0.000000, "on_demand": 0.720000}'
	has '"max": 0.000}'
	# The flags win: a price (twice the cost), a table row of another
	# instance type, a --map of the same name (all spot: 0.10 an hour).
	run -c "$fx/farm_table.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_flat.csv" \
		--on-demand 0.72
	has '"cost": {"total": 1.440000, "spot": 0.000000, "on_demand": 1.440000}'
	run -c "$fx/farm_table.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_flat.csv" \
		--instance-type c3.xlarge
	has '"on_demand_price": 0.720000,'
	run -c "$fx/farm_table.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_flat.csv" \
		--map pool=capacity,on_demand_percent=0
	has '"cost": {"total": 0.200000, "spot": 0.200000, "on_demand": 0.000000}'
	# The daemon accepts the table and ignores it.
	"$scaled" --check -c "$fx/farm_table.lua" >/dev/null 2>"$out/err" ||
		{ cat "$out/err" >&2; fail "scaled --check refuses the simulate table"; }
	;;
shipped)
	# The shipped spot-failover farm as docs/simulate.md runs it: only the
	# traces and the on-demand table on the command line (its simulate
	# table maps the rest), on either price history with no edit. Six hours
	# of NASA load; spot starts above on-demand in both (c3.8xlarge 2.732
	# against 1.912, c3.2xlarge 0.6831 against 0.478): the capacity's
	# maximum is the on-demand price (the farm sets none), so no spot
	# instance is launched; the first tick (04:00:30) applies the farm's
	# all-spot mix, and spot_failover, reading the on-demand price from
	# the series "od", moves it to on-demand when mix_dwell (15 min) lets
	# it, at 04:15:30 (804572130000 ms).
	[ -d "$data/load" ] || { echo "no $data: skipped"; exit 77; }
	for pair in c3.8xlarge_us-west-1a_2014-02-16_2014-04-17:1.912 \
		c3.2xlarge_us-west-1a_2014-02-16_2014-04-18:0.478; do
		od=${pair#*:}
		run -c "$fx/../../../docs/examples/spot_failover.lua" \
			--load "$data/load/nasa_http_1995-07-01_to_07-15_per_minute.csv" \
			--to 1995-07-01T10:00:00Z --spot "$data/spot/${pair%%:*}.csv" \
			--on-demand "$data/spot/ondemand_prices_2016-12.csv" --service-time 2s
		[ "$rc" -eq 0 ] || fail "exit $rc"
		has "\"on_demand_price\": ${od}000,"
		has '"launched": {"spot": 0,'
		has '"failovers": 1,'
		grep -q "\"time\":804572130000,.*>= on-demand $od for 15m: to on-demand" \
			"$out/o/decisions.jsonl" || fail "no failover at 04:15:30 (on-demand $od)"
	done
	;;
ondemand)
	# The on-demand table: us-west-1 (from the zone us-west-1a) c3.large
	# (the spot rows' type) is 0.36 in fixtures/ondemand.csv, as fixed.
	run -c "$fx/fixed.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_flat.csv" \
		--on-demand "$fx/ondemand.csv" --map pool=capacity --service-time 10s
	[ "$rc" -eq 0 ] || fail "exit $rc"
	has '"cost": {"total": 0.720000, "spot": 0.000000, "on_demand": 0.720000}'
	run -c "$fx/fixed.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_flat.csv" \
		--on-demand "$fx/ondemand.csv" --region us-east-1 --map pool=capacity
	has '"on_demand_price": 0.105000,'
	# The shipped table: us-west-1 c3.2xlarge is 0.478.
	[ -d "$data/spot" ] || { echo "no $data: skipped"; exit 77; }
	run -c "$fx/fixed.lua" --load "$fx/load_6_per_min.csv" \
		--spot "$data/spot/c3.2xlarge_us-west-1a_2014-02-16_2014-04-18.csv" \
		--on-demand "$data/spot/ondemand_prices_2016-12.csv" --map pool=capacity
	has '"on_demand_price": 0.478000,'
	;;
loads)
	# Both shipped load traces have no gap: they load (a short span each).
	[ -d "$data/load" ] || { echo "no $data: skipped"; exit 77; }
	run -c "$fx/fixed.lua" --load "$data/load/nasa_http_1995-07-01_to_07-15_per_minute.csv" \
		--spot "$fx/spot_flat.csv" --on-demand 0.36 --map pool=capacity \
		--to 1995-07-01T05:00:00Z
	[ "$rc" -eq 0 ] || fail "nasa: exit $rc"
	run -c "$fx/fixed.lua" --load "$data/load/azure_llm_conv_2023-11-16_per_second.csv" \
		--spot "$fx/spot_flat.csv" --on-demand 0.36 --map pool=capacity
	[ "$rc" -eq 0 ] || fail "azure: exit $rc"
	;;
burst)
	# A burst: 1000 jobs in one 1-second bin, at 00:00:00.000, .001, ...,
	# .999 (job j at j ms), onto fixed.lua's 2 instances (no scaling),
	# 10 s each, the span to 02:00:00 (the last ends at 5000 s). Instance A
	# takes jobs 0, 2, 4, ... at 0, 10 s, 20 s, ..., B jobs 1, 3, ... at
	# 1 ms, 10.001 s, ...: job j starts at floor(j / 2) x 10 s + (j mod 2)
	# ms and waits floor(j / 2) x (10 s - 2 ms) = floor(j / 2) x 9.998 s.
	# The p-th percentile is the wait of job ceil(p % x 1000) - 1, read as
	# its histogram bucket's top (sim_hist.c: 32 buckets to each power of
	# two, so at most v / 32 above the wait v, and at most max):
	#  p50: job 499, 249 x 9.998 = 2489.502 s
	#  p95: job 949, 474 x 9.998 = 4739.052 s
	#  p99: job 989, 494 x 9.998 = 4939.012 s
	#  max: job 999, 499 x 9.998 = 4989.002 s (exact)
	printf 'timestamp,count\n2024-01-01T00:00:00Z,1000\n2024-01-01T00:00:01Z,0\n' \
		> "$out/burst.csv"
	run -c "$fx/fixed.lua" --load "$out/burst.csv" --spot "$fx/spot_flat.csv" \
		--on-demand 0.36 --map pool=capacity --service-time 10s --to 2024-01-01T02:00:00Z
	[ "$rc" -eq 0 ] || fail "exit $rc"
	has '"jobs": {"arrived": 1000, "served": 1000, "requeued": 0, "queued_at_end": 0,'
	has '"max": 4989.002}'
	# within WANT KEY: the percentile KEY (seconds) lies in [WANT, WANT x 33 / 32].
	within() {
		got=$(sed -n "s/.*\"wait_seconds\": {.*\"$2\": \([0-9.]*\).*/\1/p" \
			"$out/o/summary.json")
		[ -n "$got" ] || fail "no wait_seconds.$2"
		awk -v g="$got" -v w="$1" 'BEGIN { exit !(g >= w && g <= w * 33 / 32) }' ||
			fail "wait_seconds.$2 $got is not within [$1, $1 x 33 / 32]"
	}
	within 2489.502 p50
	within 4739.052 p95
	within 4939.012 p99
	;;
bad)
	f="$fx/fixed.lua"; a="--spot $fx/spot_flat.csv --on-demand 0.36 --map pool=capacity"
	# shellcheck disable=SC2086
	refused 'bad_unsorted\.csv:3: timestamp 2024-01-01T00:00:00Z is not after the previous row' \
		-c "$f" --load "$fx/bad_unsorted.csv" $a
	# shellcheck disable=SC2086
	refused 'bad_negative\.csv:2: count -3 is negative' -c "$f" --load "$fx/bad_negative.csv" $a
	# shellcheck disable=SC2086
	refused 'bad_utf8\.csv:2: not UTF-8' -c "$f" --load "$fx/bad_utf8.csv" $a
	# shellcheck disable=SC2086
	refused 'bad_missing_column\.csv:2: 1 fields, expected 2' -c "$f" \
		--load "$fx/bad_missing_column.csv" $a
	refused 'fixed\.lua:17: target "pool": kind "sim" has no mapping \(a cloud target: map it with --map NAME=capacity\)' \
		-c "$f" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_flat.csv" --on-demand 0.36
	refused '--map pool=nope: unknown kind "nope"' -c "$f" --load "$fx/load_6_per_min.csv" \
		--spot "$fx/spot_flat.csv" --on-demand 0.36 --map pool=nope
	# A spot mapping takes no key: the world bills --spot's rows as they
	# are, so the policies must see them so (speed=60 would run the price
	# 60 times as fast as the bill).
	refused '--map spot=spot,speed=60: key "speed": set to 1, as the world bills$' -c "$f" \
		--load "$fx/load_6_per_min.csv" --spot "$fx/spot_flat.csv" --on-demand 0.36 \
		--map pool=capacity --map spot=spot,speed=60
	for kv in align=absolute path=x.csv format=load instance_type=c9.huge; do
		refused "--map spot=replay,$kv: key \"${kv%%=*}\": set " -c "$f" \
			--load "$fx/load_6_per_min.csv" --spot "$fx/spot_flat.csv" --on-demand 0.36 \
			--map pool=capacity --map "spot=replay,$kv"
	done
	refused '--map s=spot,loop=1: key "loop": not a key of a spot mapping$' -c "$f" \
		--load "$fx/load_6_per_min.csv" --spot "$fx/spot_flat.csv" --on-demand 0.36 \
		--map pool=capacity --map s=spot,loop=1
	refused '--on-demand: "-1" is not a price' -c "$f" --on-demand -1
	refused '--bogus: unknown flag' --bogus
	refused '--service-dist: "normal" is not fixed, exponential or lognormal' --service-dist normal
	refused 'nothing\.csv: No such file' -c "$f" --load "$fx/nothing.csv" --spot "$fx/spot_flat.csv" \
		--on-demand 0.36
	# shellcheck disable=SC2086
	refused 'bad_gap\.csv:4: gap of 120 s after the previous row \(bin is 60 s\)$' -c "$f" \
		--load "$fx/bad_gap.csv" $a
	# shellcheck disable=SC2086
	refused 'bad_step\.csv:4: step of 60 s after the previous row is shorter than the bin \(120 s, the first step\)$' \
		-c "$f" --load "$fx/bad_step.csv" $a
	l="--load $fx/load_6_per_min.csv"
	# shellcheck disable=SC2086
	refused 'spot_flat\.csv: none of the 1 rows has instance_type c9\.huge' -c "$f" $l \
		--spot "$fx/spot_flat.csv" --spot-type c9.huge --on-demand 0.36 --map pool=capacity
	# shellcheck disable=SC2086
	refused 'ondemand\.csv: no row for us-west-1 c9\.huge$' -c "$f" $l --spot "$fx/spot_flat.csv" \
		--on-demand "$fx/ondemand.csv" --instance-type c9.huge --map pool=capacity
	# shellcheck disable=SC2086
	refused 'ondemand\.csv: no row for eu-north-9 c3\.large$' -c "$f" $l --spot "$fx/spot_flat.csv" \
		--on-demand "$fx/ondemand.csv" --region eu-north-9 --map pool=capacity
	# A bad row anywhere in the table refuses it, naming file:line.
	printf 'region,instance_type,ondemand_usd_per_hour\nus-west-1,c3.large,0.36\nus-west-1,c3.large,0.4\n' \
		> "$out/od_dup.csv"
	# shellcheck disable=SC2086
	refused 'od_dup\.csv:3: us-west-1 c3\.large again \(line 2 has it\)$' -c "$f" $l \
		--spot "$fx/spot_flat.csv" --on-demand "$out/od_dup.csv" --map pool=capacity
	printf 'region,instance_type,ondemand_usd_per_hour\nus-east-1,c3.large,-1\nus-west-1,c3.large,0.4\n' \
		> "$out/od_neg.csv"
	# shellcheck disable=SC2086
	refused 'od_neg\.csv:2: ondemand_usd_per_hour -1 is negative$' -c "$f" $l \
		--spot "$fx/spot_flat.csv" --on-demand "$out/od_neg.csv" --map pool=capacity
	printf 'region,instance_type,ondemand_usd_per_hour\nus-west-1,c3.large\n' > "$out/od_short.csv"
	# shellcheck disable=SC2086
	refused 'od_short\.csv:2: 2 fields, expected 3' -c "$f" $l \
		--spot "$fx/spot_flat.csv" --on-demand "$out/od_short.csv" --map pool=capacity
	# shellcheck disable=SC2086
	refused 'cheap: No such file or directory' -c "$f" $l --spot "$fx/spot_flat.csv" \
		--on-demand cheap --map pool=capacity
	# shellcheck disable=SC2086
	refused '--region: only with an on-demand table' -c "$f" $l --spot "$fx/spot_flat.csv" \
		--on-demand 0.36 --region us-west-1
	# shellcheck disable=SC2086
	refused '--on-demand: no on-demand price or table given' -c "$f" $l --spot "$fx/spot_flat.csv"
	refused '--interrupt-rate: "-1" is not a rate' --interrupt-rate -1
	refused '--service-sigma: "9" is not a number from 0 to 5' --service-sigma 9
	# The farm's simulate table: its errors name farm.lua and the line
	# (fixed.lua has 21 lines: the table is on line 22).
	bad_farm() { { cat "$f"; echo "$1"; } > "$out/farm.lua"; }
	bad_farm 'simulate { servce_time = "10s" }'
	# shellcheck disable=SC2086
	refused 'farm\.lua:22: simulate: unknown key "servce_time"' -c "$out/farm.lua" $l \
		--spot "$fx/spot_flat.csv"
	bad_farm 'simulate { service_time = "soon" }'
	# shellcheck disable=SC2086
	refused 'farm\.lua:22: simulate: service_time: "soon" is not a duration' -c "$out/farm.lua" \
		$l --spot "$fx/spot_flat.csv"
	bad_farm 'simulate { map = { pool = "nope" } }'
	# shellcheck disable=SC2086
	refused 'farm\.lua:22: simulate: map\.pool: unknown kind "nope"' -c "$out/farm.lua" $l \
		--spot "$fx/spot_flat.csv" --on-demand 0.36
	bad_farm 'simulate { map = { spot = "spot,speed=60" } }'
	# shellcheck disable=SC2086
	refused 'farm\.lua:22: simulate: map\.spot: spot: key "speed": set to 1, as the world bills$' \
		-c "$out/farm.lua" $l --spot "$fx/spot_flat.csv" --on-demand 0.36
	bad_farm 'simulate { map = { pool = { on_demand_percent = 0 } } }'
	# shellcheck disable=SC2086
	refused 'farm\.lua:22: simulate: map\.pool: no kind' -c "$out/farm.lua" $l \
		--spot "$fx/spot_flat.csv" --on-demand 0.36
	bad_farm 'simulate { on_demand = print }'
	# shellcheck disable=SC2086
	refused 'farm\.lua:22: simulate: key "on_demand": a function' -c "$out/farm.lua" $l \
		--spot "$fx/spot_flat.csv"
	bad_farm 'simulate { on_demand = 1 } simulate { on_demand = 2 }'
	# shellcheck disable=SC2086
	refused 'farm\.lua:22: simulate: declared already \(line 22\)' -c "$out/farm.lua" $l \
		--spot "$fx/spot_flat.csv"
	# The daemon refuses the same shapes, and only those.
	"$scaled" --check -c "$out/farm.lua" >/dev/null 2>"$out/err"; rc=$?
	[ "$rc" -eq 2 ] && grep -q 'farm\.lua:22: simulate: declared already' "$out/err" ||
		fail "scaled --check: exit $rc for a second simulate table"
	;;
*)
	fail "no such case"
	;;
esac
echo "sim_case $case: ok"
