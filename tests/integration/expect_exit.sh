#!/bin/sh
# expect_exit.sh CODE PATTERN CMD... : run CMD; pass when it exits CODE and
# its output (stdout + stderr) matches the extended regex PATTERN.
code=$1; pattern=$2; shift 2
out=$("$@" 2>&1); rc=$?
printf '%s\n' "$out"
if [ "$rc" -ne "$code" ]; then
	echo "expect_exit: exit status $rc, expected $code" >&2
	exit 1
fi
if ! printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
	echo "expect_exit: output does not match /$pattern/" >&2
	exit 1
fi
echo "expect_exit: exit $rc and /$pattern/ as expected"
