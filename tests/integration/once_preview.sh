#!/bin/sh
# once_preview.sh SCALED SRCDIR: --once is a preview. It prints every group's
# decision, quiet ones included, and acts on none of them; --once --apply
# acts; --apply alone is refused. A procpool farm shows that no worker is
# started by a preview.
set -u
scaled=$1; it=$2/tests/integration
tmp=$(mktemp -d "${TMPDIR:-/tmp}/scaled-once.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "once_preview: $*" >&2; exit 1; }

out=$("$scaled" --once -c "$it/farms/once.lua" 2>&1) || fail "--once exited $?: $out"
printf '%s\n' "$out"
printf '%s\n' "$out" | grep -Eq '"group":"g".*"desired_before":1.*"desired":3.*"outcome":"dry_run".*"reason":"three"' ||
	fail "--once: no dry-run decision for g"
printf '%s\n' "$out" | grep -Eq '"group":"quiet".*"desired_before":2.*"desired":2.*"outcome":"none".*"reason":"nothing to do"' ||
	fail "--once: the quiet group's decision is missing"

out=$("$scaled" --once --apply -c "$it/farms/once.lua" 2>&1) || fail "--once --apply exited $?: $out"
printf '%s\n' "$out" | grep -Eq '"group":"g".*"desired":3.*"outcome":"ok"' ||
	fail "--once --apply: g was not applied: $out"

out=$("$scaled" --apply -c "$it/farms/once.lua" 2>&1); rc=$?
[ "$rc" -eq 2 ] || fail "--apply without --once: exit $rc, expected 2"
printf '%s\n' "$out" | grep -q -- "--apply goes with --once" || fail "--apply alone: $out"

# A preview of a procpool farm starts no worker (the worker would leave a mark).
cat > "$tmp/pool.lua" <<FARM
plugin "procpool"
target "pool" { kind = "procpool", command = "touch $tmp/started" }
group "g" { target = "pool", max = 3, policy = function(g) return g:set(2, "two") end }
FARM
out=$("$scaled" --once -c "$tmp/pool.lua" 2>&1) || fail "--once (procpool) exited $?: $out"
printf '%s\n' "$out" | grep -Eq '"desired":2.*"outcome":"dry_run"' || fail "--once (procpool): $out"
sleep 0.3
[ ! -e "$tmp/started" ] || fail "--once started a worker"
echo "once_preview: ok"
