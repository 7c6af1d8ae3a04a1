#!/bin/sh
# demo_check.sh SOURCE_DIR BUILD_DIR: what `make demo` shows, checked. The
# pool reaches the farm's max (6), returns to 0, and every one of the 80
# jobs is done exactly once, none left in the spool or stranded in .work.
# docs/examples/farm.lua names build/ itself, so this runs only there.
set -u
src=$1; build=$2
if [ "$(cd "$build" && pwd -P)" != "$(cd "$src/build" 2>/dev/null && pwd -P)" ]; then
	echo "demo_check: the demo farm uses $src/build, not $build: skipped"
	exit 77
fi
cd "$src" || exit 1
out=$(DEMO_SECONDS=${DEMO_SECONDS:-45} BUILD=build tools/demo 2>&1); rc=$?
printf '%s\n' "$out"
fail() { echo "demo_check: $*" >&2; exit 1; }
[ "$rc" -eq 0 ] || fail "tools/demo exited $rc"
printf '%s\n' "$out" | grep -q "largest pool 6, last desired 0" ||
	fail "the pool did not reach its max of 6 and return to 0"
printf '%s\n' "$out" | grep -q "jobs done 80 (done twice: 0), left in the spool 0, stranded in .work 0" ||
	fail "a job was lost, left or done twice"
printf '%s\n' "$out" | grep -q "killed by signal" && fail "a worker was killed"
echo "demo_check: ok"
