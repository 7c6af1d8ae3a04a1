#!/bin/sh
# sim_series.sh SCALED FIXTURES CASE: series.csv, chart.png and the
# progress display of `scaled simulate`, on the real binary; the expected
# rows are worked out by hand below, not taken from a run.
set -u
scaled=$1; fx=$2; case=$3
out=$(mktemp -d "${TMPDIR:-/tmp}/sim_series.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT
fail() { echo "sim_series $case: $*" >&2; exit 1; }

# fixed.lua over load_6_per_min.csv: 2 on-demand instances from the start
# (the capacity's default mix), 6 jobs a minute of 10 s each (one every
# 10 s), 0.36 an hour on-demand, spot_flat.csv's spot price 0.1.
set -- -c "$fx/fixed.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_flat.csv" \
	--on-demand 0.36 --map pool=capacity --service-time 10s
# run ARGS...: into $out/o (stderr in $out/err), its status in rc.
run() {
	"$scaled" simulate --out "$out/o" "$@" 2>"$out/err"; rc=$?
}
# row N TEXT: line N of series.csv (1: the header) is TEXT.
row() {
	got=$(sed -n "$1p" "$out/o/series.csv")
	[ "$got" = "$2" ] || { cat "$out/o/series.csv" >&2; fail "series.csv line $1: '$got', expected '$2'"; }
}
lines() {
	n=$(wc -l < "$out/o/series.csv")
	[ "$n" -eq "$1" ] || fail "series.csv has $n lines, expected $1"
}
# refused PATTERN ARGS...: exit 2 and stderr matching PATTERN.
refused() {
	pat=$1; shift
	run "$@"
	[ "$rc" -eq 2 ] || fail "exit $rc, expected 2 for: $*"
	grep -Eq -- "$pat" "$out/err" || { cat "$out/err" >&2; fail "stderr does not match /$pat/"; }
}

case $case in
rows)
	# 10 minutes at 1 m: a row at the start, one each minute, the last at
	# the end: 00:00 .. 00:10, 11 rows under the header.
	run "$@" --quiet --no-chart --to 2024-01-01T00:10:00Z --series-every 1m
	[ "$rc" -eq 0 ] || { cat "$out/err" >&2; fail "exit $rc"; }
	lines 12
	# The header: time, the world's 7, the engine's series by name (the
	# wave "jobs"; the target "pool" and the two it publishes), then the
	# group "workers".
	row 1 'time,sim:queued,sim:in_flight,sim:spot,sim:on_demand,sim:spot_price,sim:on_demand_price,sim:cost,jobs,pool,pool.interruption_notice,pool.interruptions,workers:desired,workers:spot,workers:on_demand'
	# 00:05:00: nothing queued; the job that arrived at 00:04:50 ended at
	# 00:05:00 and the one arriving then started: 1 in flight; 0 spot, 2
	# on-demand; 2 x 300 s x 0.36 / 3600 = 0.06 so far. "jobs" is the
	# wave's 0, "pool" (the target's own name) never has a sample, no
	# notice, no interruption; the group holds 2, both on-demand.
	row 7 '2024-01-01T00:05:00Z,0,1,0,2,0.100000,0.360000,0.060000,0,,0,0,2,0,2'
	# 00:10:00, the end: the job of 00:09:50 has ended, none arrives at
	# the end (the span is [from, to)): 0 in flight; 2 x 600 s: 0.12.
	row 12 '2024-01-01T00:10:00Z,0,0,0,2,0.100000,0.360000,0.120000,0,,0,0,2,0,2'
	# A span that is not a whole number of intervals: the last row at its end.
	run "$@" --quiet --no-chart --to 2024-01-01T00:10:30Z --series-every 1m
	lines 13
	row 12 '2024-01-01T00:10:00Z,0,1,0,2,0.100000,0.360000,0.120000,0,,0,0,2,0,2'
	# 2 x 630 s x 0.36 / 3600 = 0.126
	row 13 '2024-01-01T00:10:30Z,0,0,0,2,0.100000,0.360000,0.126000,0,,0,0,2,0,2'
	# The default: the group's every (30 s): 00:00:00 .. 00:10:00, 21 rows.
	run "$@" --quiet --no-chart --to 2024-01-01T00:10:00Z
	lines 22
	row 3 '2024-01-01T00:00:30Z,0,1,0,2,0.100000,0.360000,0.006000,0,,0,0,2,0,2'
	# An interval longer than the span: the start and the end.
	run "$@" --quiet --no-chart --to 2024-01-01T00:10:00Z --series-every 1h
	lines 3
	# A policy's read of "jobs.later", which nothing publishes, makes an
	# empty series at the first tick, after the first row: not a column,
	# and nothing lost, so no warning.
	sed 's/policy = function(g) return/policy = function(g, s) local x = s["jobs.later"]; return/' \
		"$fx/fixed.lua" > "$out/later.lua"
	grep -q 'jobs.later' "$out/later.lua" || fail "later.lua not made"
	shift 2
	run -c "$out/later.lua" "$@" --quiet --no-chart --to 2024-01-01T00:10:00Z --series-every 1m
	[ "$rc" -eq 0 ] && [ ! -s "$out/err" ] || { cat "$out/err" >&2; fail "later.lua: exit $rc"; }
	row 1 'time,sim:queued,sim:in_flight,sim:spot,sim:on_demand,sim:spot_price,sim:on_demand_price,sim:cost,jobs,pool,pool.interruption_notice,pool.interruptions,workers:desired,workers:spot,workers:on_demand'
	lines 12
	;;
long)
	# The default is raised to 1 m past 100 000 rows: 35 days of hourly
	# bins at the group's 30 s would be 100 800; at 1 m, 50 400 intervals
	# and 50 401 rows. 34 days at 30 s, 97 920 intervals, stay at 30 s.
	# (January's 31 days, then February's first 4)
	{ echo "timestamp,count"; d=0; while [ $d -lt 35 ]; do
		if [ $d -lt 31 ]; then md="01-$((d + 1))"; else md="02-$((d - 30))"; fi
		md=$(echo "$md" | sed 's/-\([0-9]\)$/-0\1/')
		h=0; while [ $h -lt 24 ]; do printf '2024-%sT%02d:00:00Z,0\n' "$md" $h; h=$((h + 1)); done
		d=$((d + 1)); done; } > "$out/load35.csv"
	set -- -c "$fx/fixed.lua" --load "$out/load35.csv" --spot "$fx/spot_flat.csv" \
		--on-demand 0.36 --map pool=capacity --quiet --no-chart --decisions none
	run "$@"
	[ "$rc" -eq 0 ] || { cat "$out/err" >&2; fail "exit $rc"; }
	lines 50402
	row 3 '2024-01-01T00:01:00Z,0,0,0,2,0.100000,0.360000,0.012000,0,,0,0,2,0,2'
	run "$@" --to 2024-02-04T00:00:00Z
	lines 97922
	row 3 '2024-01-01T00:00:30Z,0,0,0,2,0.100000,0.360000,0.006000,0,,0,0,2,0,2'
	;;
same)
	# The same inputs and seed give the same series.csv, byte for byte:
	# exponential service times and random interruptions on a spot mix.
	set -- -c "$fx/fixed.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_flat.csv" \
		--on-demand 0.36 --map pool=capacity,on_demand_percent=50 --service-time 40s \
		--service-dist exponential --interrupt-rate 6 --series-every 10s --quiet --no-chart
	"$scaled" simulate --out "$out/a" "$@" --seed 3 || fail "first run"
	"$scaled" simulate --out "$out/b" "$@" --seed 3 || fail "second run"
	cmp "$out/a/series.csv" "$out/b/series.csv" || fail "series.csv differs"
	"$scaled" simulate --out "$out/c" "$@" --seed 4 || fail "third run"
	! cmp -s "$out/a/series.csv" "$out/c/series.csv" || fail "--seed changes nothing"
	# The rows stop the step loop at their instants (every 7 s here, never
	# on the minute's slices); the world and the engine are exact whatever
	# the step: the same summary and decisions as with a row an hour.
	set -- -c "$fx/failover.lua" --load "$fx/load_6_per_min.csv" --spot "$fx/spot_step.csv" \
		--on-demand 0.42 --map asg=capacity,on_demand_percent=0 --map spot=spot \
		--service-time 10s --quiet --no-chart
	"$scaled" simulate --out "$out/d" "$@" --series-every 7s || fail "7 s run"
	"$scaled" simulate --out "$out/e" "$@" --series-every 1h || fail "1 h run"
	cmp "$out/d/summary.json" "$out/e/summary.json" || fail "summary.json depends on the rows"
	cmp "$out/d/decisions.jsonl" "$out/e/decisions.jsonl" || fail "decisions depend on the rows"
	# an hour at 7 s: rows at 0, 7, .., 3598 s (515) and at the end: 516
	[ "$(wc -l < "$out/d/series.csv")" -eq 517 ] || fail "7 s: not a header and 516 rows"
	;;
chart)
	if command -v gnuplot >/dev/null 2>&1; then
		run "$@" --quiet --to 2024-01-01T00:10:00Z
		[ "$rc" -eq 0 ] || { cat "$out/err" >&2; fail "exit $rc"; }
		[ ! -s "$out/err" ] || { cat "$out/err" >&2; fail "gnuplot said something"; }
		magic=$(head -c 8 "$out/o/chart.png" | od -An -tx1 | tr -d ' \n')
		[ "$magic" = 89504e470d0a1a0a ] || fail "chart.png starts with $magic, not PNG's magic"
		[ -s "$out/o/chart.gp" ] || fail "no chart.gp"
	else
		echo "sim_series chart: no gnuplot on PATH: chart.png's bytes not checked"
	fi
	# --no-chart: none (an old one removed).
	run "$@" --quiet --to 2024-01-01T00:10:00Z --no-chart
	[ "$rc" -eq 0 ] || fail "--no-chart: exit $rc"
	[ ! -e "$out/o/chart.png" ] || fail "--no-chart left chart.png"
	[ ! -e "$out/o/chart.gp" ] || fail "--no-chart left chart.gp"
	# No gnuplot on PATH: one warning line, the run succeeds, the numbers
	# are there.
	PATH=/nonexistent run "$@" --quiet --to 2024-01-01T00:10:00Z
	[ "$rc" -eq 0 ] || fail "no gnuplot: exit $rc"
	[ "$(wc -l < "$out/err")" -eq 1 ] || { cat "$out/err" >&2; fail "no gnuplot: not one line"; }
	grep -q 'warning: .*/chart\.png not drawn: no gnuplot on PATH' "$out/err" ||
		{ cat "$out/err" >&2; fail "no gnuplot: no warning"; }
	[ -s "$out/o/summary.json" ] && [ -s "$out/o/series.csv" ] || fail "no gnuplot: no report"
	[ ! -e "$out/o/chart.png" ] || fail "no gnuplot: chart.png"
	# A gnuplot that fails: a warning naming its status, the run succeeds.
	mkdir "$out/bin"
	printf '#!/bin/sh\necho "gnuplot: broken" >&2\nexit 3\n' > "$out/bin/gnuplot"
	chmod +x "$out/bin/gnuplot"
	PATH="$out/bin:$PATH" run "$@" --quiet --to 2024-01-01T00:10:00Z
	[ "$rc" -eq 0 ] || fail "failing gnuplot: exit $rc"
	grep -q 'chart\.png not drawn: gnuplot failed (exit status 3)' "$out/err" ||
		{ cat "$out/err" >&2; fail "failing gnuplot: no warning"; }
	[ ! -e "$out/o/chart.png" ] || fail "failing gnuplot: chart.png"
	;;
progress)
	# A pipe: a line at each tenth of the 10 minutes, the simulated minute,
	# served/arrived (6 a minute: the one arriving on the minute is not
	# served yet), the cost (0.012 a minute).
	run "$@" --no-chart --to 2024-01-01T00:10:00Z
	[ "$rc" -eq 0 ] || fail "exit $rc"
	[ "$(wc -l < "$out/err")" -eq 10 ] || { cat "$out/err" >&2; fail "not 10 lines"; }
	grep -qx 'simulate:  50% 2024-01-01T00:05:00Z jobs 30/31 queued 0 cost 0.06' "$out/err" ||
		{ cat "$out/err" >&2; fail "no 50% line"; }
	grep -qx 'simulate: 100% 2024-01-01T00:10:00Z jobs 60/60 queued 0 cost 0.12' "$out/err" ||
		{ cat "$out/err" >&2; fail "no 100% line"; }
	run "$@" --no-chart --to 2024-01-01T00:10:00Z --quiet
	[ ! -s "$out/err" ] || fail "--quiet: stderr not empty"
	# A terminal (script(1) gives it one): one line redrawn with \r, a bar,
	# ended by a newline.
	command -v script >/dev/null 2>&1 || { echo "no script(1): the bar not checked"; exit 0; }
	# (120 columns: the line is cut to the terminal's width less one)
	cmd="stty cols 120 2>/dev/null; '$scaled' simulate --out '$out/o' --no-chart --to 2024-01-01T00:10:00Z"
	for a in "$@"; do cmd="$cmd '$a'"; done
	script -qec "$cmd" /dev/null > "$out/tty" </dev/null || fail "under script: failed"
	tr '\r' '\n' < "$out/tty" > "$out/tty.lines"
	grep -q '^simulate \[####################\] 100% 2024-01-01T00:10:00Z jobs 60/60 cost 0.12' \
		"$out/tty.lines" || { cat "$out/tty.lines" >&2; fail "no full bar"; }
	grep -q '^simulate \[##########----------\]  50% 2024-01-01T00:05:00Z jobs 30/31 cost 0.06' \
		"$out/tty.lines" || { cat "$out/tty.lines" >&2; fail "no half bar"; }
	[ "$(grep -c '%.*jobs' "$out/tty.lines")" -ge 10 ] || fail "the bar was not redrawn"
	[ "$(tr -cd '\n' < "$out/tty" | wc -c)" -eq 1 ] || fail "the bar is not one line"
	# 30 columns: 29 of the line ("simulate [" and 19 of the 20 #), then
	# the escape that clears the rest.
	script -qec "$(echo "$cmd" | sed 's/cols 120/cols 30/')" /dev/null > "$out/tty" </dev/null ||
		fail "under script, 30 columns: failed"
	tr '\r' '\n' < "$out/tty" | grep -q '^simulate \[###################.\[K$' ||
		{ cat -A "$out/tty" >&2; fail "30 columns: not cut to 29"; }
	;;
bad)
	refused '^scaled simulate: --series-every: "0" is not a whole number of seconds from 1s' \
		"$@" --series-every 0
	refused '^scaled simulate: --series-every: "often" is not a whole number of seconds' \
		"$@" --series-every often
	refused '^scaled simulate: --series-every: "1500ms" is not a whole number of seconds' \
		"$@" --series-every 1500ms
	refused '^scaled simulate: --series-every: needs a value' "$@" --series-every
	;;
*)
	fail "no such case"
	;;
esac
echo "sim_series $case: ok"
