#!/bin/sh
# overload_stop.sh SCALED: a daemon with more work than a core can do (a
# thousand groups whose policies each burn a few ms, every second) still
# sees SIGTERM and stops, cleanly, within a bound: one timer callback runs
# due tasks for 100 ms at most, then gives the loop back (engine_loop.c).
# Before, an engine that could not keep up ran tasks for ever.
set -u
scaled=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/scaled-ov.XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cat > "$tmp/farm.lua" <<FARM
plugin "sim"
local function busy(g)
  local t = 0
  for i = 1, 300000 do t = t + i end
  return g:set(2 + t % 2, "busy")
end
for i = 1, 1000 do
  target("t" .. i) { kind = "sim", start = 1, poll = "1s" }
  group("g" .. i) { target = "t" .. i, max = 4, every = "1s", policy = busy }
end
FARM
"$scaled" -c "$tmp/farm.lua" --decision-log "$tmp/d.jsonl" --log-level warn \
	>"$tmp/out.log" 2>&1 &
pid=$!
# Bounded wait until it decides, then a few seconds of falling behind.
i=0
while [ $i -lt 300 ] && ! [ -s "$tmp/d.jsonl" ]; do
	sleep 0.1; i=$((i + 1))
done
[ -s "$tmp/d.jsonl" ] || { echo "overload_stop: no decision in 30 s" >&2; cat "$tmp/out.log" >&2; exit 1; }
sleep 3
kill -TERM "$pid"
# It must be gone within 15 s (it takes about one slice plus a tick).
i=0
while [ $i -lt 150 ] && kill -0 "$pid" 2>/dev/null; do
	sleep 0.1; i=$((i + 1))
done
if kill -0 "$pid" 2>/dev/null; then
	echo "overload_stop: still running 15 s after SIGTERM" >&2
	exit 1
fi
wait "$pid"; rc=$?
pid=
if [ "$rc" -ne 0 ]; then
	echo "overload_stop: exit status $rc after SIGTERM" >&2
	cat "$tmp/out.log" >&2
	exit 1
fi
echo "overload_stop: stopped $((i / 10)).$((i % 10)) s after SIGTERM, status 0"
