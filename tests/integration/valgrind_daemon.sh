#!/bin/sh
# valgrind_daemon.sh SCALED: the daemon's whole life under valgrind: load a
# farm, tick, scale a real pool, stop on SIGTERM, free everything. ASan
# cannot see inside libevent (not built with it); valgrind can, and a read
# of an event after its base was freed shows up as an invalid read.
set -u
scaled=$1
command -v valgrind >/dev/null || { echo "valgrind_daemon: no valgrind: skipped"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/scaled-vg.XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
cat > "$tmp/farm.lua" <<FARM
plugin "sim"; plugin "procpool"
source "load" { kind = "wave", value = 50, amplitude = 40, period = "4s", every = "200ms" }
target "t" { kind = "sim", start = 1, delay = "300ms" }
target "pool" { kind = "procpool", command = "sleep 30", stop_grace = "1s", poll = "200ms" }
group "g" { target = "t", max = 9, every = "200ms",
  policy = function(g, s) return g:set(math.floor(s.load:last() / 10), "load") end }
group "p" { target = "pool", max = 2, every = "200ms",
  policy = function(g) return g:set(2, "two") end }
FARM
valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	--log-file="$tmp/vg.log" "$scaled" -c "$tmp/farm.lua" --decision-log "$tmp/d.jsonl" \
	>"$tmp/out.log" 2>&1 &
pid=$!
# Wait (bounded) until the pool was applied, so every part has run.
i=0
while [ $i -lt 150 ] && ! grep -q '"group":"p"' "$tmp/d.jsonl" 2>/dev/null; do
	sleep 0.1; i=$((i + 1))
done
sleep 0.5
kill -TERM "$pid"
wait "$pid"; rc=$?
pid=
cat "$tmp/out.log"
grep -E "ERROR SUMMARY|Invalid|definitely" "$tmp/vg.log"
if [ "$rc" -ne 0 ]; then
	echo "valgrind_daemon: exit status $rc (99: valgrind found errors)" >&2
	sed -n '1,80p' "$tmp/vg.log" >&2
	exit 1
fi
grep -q '"group":"p"' "$tmp/d.jsonl" || { echo "valgrind_daemon: the pool was never applied" >&2; exit 1; }
grep -q "ERROR SUMMARY: 0 errors" "$tmp/vg.log" || { echo "valgrind_daemon: errors" >&2; exit 1; }
echo "valgrind_daemon: ok"
