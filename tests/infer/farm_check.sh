#!/bin/sh
# farm_check.sh SCALED PLUGIN_DIR MODEL MODE [KEYS]
#
# The real `scaled` with the real `infer` plugin on a farm of one
# infer_pool target on MODEL (KEYS: more Lua fields for the target, e.g.
# 'backend = "cuda"'), in a directory of its own that it removes.
#
#   MODE refused:PATTERN   `scaled --check` exits 2 (a configuration error,
#                          not a signal) and says PATTERN (extended regex)
#   MODE loads:PATTERN     `scaled --check` exits 0 and says PATTERN
#   MODE runs:N            MODEL is tests/infer_io/make_model.py: it makes
#                          a model, N raw jobs and their top-1 classes; the
#                          daemon, with a policy that wants 1 worker,
#                          answers every job with its class; then SIGTERM,
#                          and it exits 0
#
# Exit 77 (skipped) for a mode that needs no GPU on a machine with one.
scaled=$1 plugins=$2 model=$3 mode=$4 keys=${5:-}
dir=$(mktemp -d /tmp/scaled-farm-check.XXXXXX) || exit 1
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "farm_check: $*" >&2; exit 1; }

case $keys in
*cuda*) command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1 &&
	{ echo "farm_check: a GPU is here: nothing to refuse"; exit 77; } ;;
esac
mkdir "$dir/spool" || exit 1
case $mode in
runs:*) /usr/bin/python3 "$model" "$dir" "${mode#runs:}" > /dev/null || fail "$model failed"
	model=$dir/model.onnx ;;
esac
cat > "$dir/farm.lua" <<EOF
plugin "infer"
target "t" { kind = "infer_pool", model = "$model", input = "$dir/spool",
             out = "$dir/answers.jsonl", batch = 4, ${keys} }
group "g" { target = "t", max = 1, every = "1s",
            policy = function(g, s) return g:set(1, "one worker") end }
EOF

check() {
	want=$1 pattern=$2
	"$scaled" --plugin-dir "$plugins" --check -c "$dir/farm.lua" > "$dir/log" 2>&1
	rc=$?
	cat "$dir/log"
	[ "$rc" -eq "$want" ] || fail "exit status $rc, expected $want"
	grep -Eq -- "$pattern" "$dir/log" || fail "output does not match /$pattern/"
	echo "farm_check: exit $rc and /$pattern/ as expected"
}

case $mode in
refused:*) check 2 "${mode#refused:}" ;;
loads:*) check 0 "${mode#loads:}" ;;
runs:*)
	n=${mode#runs:}
	"$scaled" --plugin-dir "$plugins" -c "$dir/farm.lua" > "$dir/log" 2>&1 &
	pid=$!
	# Bounded: 600 looks of 0.1 s, whatever the machine's load.
	tries=0
	while [ "$(cat "$dir/answers.jsonl" 2>/dev/null | wc -l)" -lt "$n" ]; do
		tries=$((tries + 1))
		[ "$tries" -le 600 ] || { cat "$dir/log"; fail "fewer than $n answers"; }
		kill -0 "$pid" 2>/dev/null || { cat "$dir/log"; fail "scaled exited"; }
		sleep 0.1
	done
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	pid=
	cat "$dir/log"
	[ "$rc" -eq 0 ] || fail "scaled exited $rc after SIGTERM"
	grep -q '"error"' "$dir/answers.jsonl" && fail "an error answer: $(cat "$dir/answers.jsonl")"
	while read -r job class; do
		grep -q "{\"job\":\"$job\",\"top\":\[{\"class\":$class," "$dir/answers.jsonl" ||
			fail "$job: no answer with class $class"
	done < "$dir/expected.txt"
	[ "$(wc -l < "$dir/answers.jsonl")" -eq "$n" ] || fail "not $n answers"
	echo "farm_check: $n jobs answered with their classes" ;;
*) fail "unknown mode $mode" ;;
esac
