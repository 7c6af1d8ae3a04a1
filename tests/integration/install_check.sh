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
# Only the public API leaves the shared library.
extra=$(nm -D --defined-only "$tmp/prefix/lib/libscaled.so" | awk '$2 == "T" && $3 !~ /^scaled_/ { print $3 }')
if [ -n "$extra" ]; then
	echo "install_check: libscaled.so exports non-API symbols: $extra" >&2
	exit 1
fi
echo "install_check: ok"
