#!/bin/sh
# demo_build.sh SOURCE_DIR: `make demo` builds what the demo runs and
# nothing else, and says one line while it does: in a fresh build dir, the
# daemon, its plugins, the worker and the load generator exist afterwards,
# and no test, fuzzer or benchmark was built.
set -u
src=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/scaled-demo-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "demo_build: $*" >&2; exit 1; }
out=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$src" demo-build BUILD="$tmp/b" JOBS=2 2>&1) || fail "make demo-build failed: $out"
printf '%s\n' "$out"
[ "$(printf '%s\n' "$out" | wc -l)" -le 2 ] || fail "more than the one progress line"
for f in scaled plugins/cpu.so plugins/dirqueue.so plugins/procpool.so tools/scaled-worker tools/scaled-loadgen; do
	[ -e "$tmp/b/$f" ] || fail "$f was not built"
done
extra=$(find "$tmp/b" -type f -perm -u+x \( -name 'test_*' -o -name 'fuzz_*' -o -name 'bench_*' -o -name 'scaled-infer' \) | head -5)
[ -z "$extra" ] || fail "built more than the demo needs: $extra"
echo "demo_build: ok"
