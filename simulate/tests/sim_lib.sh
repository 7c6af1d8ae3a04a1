# sim_lib.sh: what sim_case.sh and sim_compare.sh share, sourced after they
# set scaled, case and me (the script's name): a scratch folder removed
# on exit, and the helpers below.
out=$(mktemp -d "${TMPDIR:-/tmp}/$me.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT
fail() { echo "$me $case: $*" >&2; exit 1; }

# run ARGS...: scaled simulate into $out/o, stderr in $out/err; its status in rc.
run() {
	"$scaled" simulate --quiet --out "$out/o" "$@" 2>"$out/err"; rc=$?
	cat "$out/err" >&2
}
# has TEXT: summary.json holds the line fragment TEXT exactly.
has() {
	grep -qF -- "$1" "$out/o/summary.json" || {
		cat "$out/o/summary.json" >&2; fail "summary.json lacks: $1"; }
}
# refused PATTERN ARGS...: exit 2 and stderr matching PATTERN.
refused() {
	pat=$1; shift
	run "$@"
	[ "$rc" -eq 2 ] || fail "exit $rc, expected 2 for: $*"
	grep -Eq -- "$pat" "$out/err" || fail "stderr does not match /$pat/"
}
