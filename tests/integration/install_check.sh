#!/bin/sh
# install_check.sh BUILD_DIR SOURCE_DIR: install into a temporary prefix,
# build docs/examples/embed.c against it with pkg-config alone, and run it
# with the installed plugins. Checks the install rules, the relocatable .pc
# file and the exported symbols of libscaled.so together.
set -eu
build=$1; src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
# shellcheck disable=SC2046
cc "$src/docs/examples/embed.c" $(pkg-config --cflags --libs libscaled) -o "$tmp/embed"
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/embed" "$tmp/prefix/lib/scaled/plugins" | tail -n 1
# An installed scaled finds the plugins of its own prefix, never the build
# tree's (the prefix is not the configured one: it is found from where the
# binary lies).
cat > "$tmp/farm.lua" <<'FARM'
local policy = require "policy"
plugin "sim"
target "t" { kind = "sim" }
group "g" { target = "t", max = 2, policy = policy.queue_step { series = "t.x", steps = { {0, 0} } } }
FARM
out=$(env -u SCALED_PLUGIN_PATH -u SCALED_POLICY_DIR "$tmp/prefix/bin/scaled" --check -c "$tmp/farm.lua" 2>&1) || {
	echo "install_check: installed scaled --check failed: $out" >&2; exit 1; }
if ! printf '%s\n' "$out" | grep -q "plugin sim .*($tmp/prefix/"; then
	echo "install_check: installed scaled loads plugins from outside its prefix:" >&2
	printf '%s\n' "$out" >&2
	exit 1
fi
# Only the public API leaves the shared library.
extra=$(nm -D --defined-only "$tmp/prefix/lib/libscaled.so" | awk '$2 == "T" && $3 !~ /^scaled_/ { print $3 }')
if [ -n "$extra" ]; then
	echo "install_check: libscaled.so exports non-API symbols: $extra" >&2
	exit 1
fi
echo "install_check: ok"
