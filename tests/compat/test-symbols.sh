#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The drop-in's ABI is the real libgpiod 2.1's: same SONAME, exactly the
# same exported functions, and like it no symbol versions, so a binary
# linked against Debian's libgpiod.so.3 binds to ours.
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/compat/common.sh"
ours=$top_builddir/compat/gpiod/.libs/libgpiod.so.3

if [ ! -f "$ours" ]; then
	echo "1..0 # SKIP no shared drop-in library at $ours"
	exit 0
fi
if ! libgpiod_fetch; then
	echo "1..0 # SKIP $libgpiod_skip"
	exit 0
fi
real=$libgpiod_libdir/libgpiod.so.3
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

exports() { nm -D --defined-only "$1" | awk '$2 == "T" { print $3 }' | sort; }
soname() { objdump -p "$1" | awk '$1 == "SONAME" { print $2 }'; }
exports "$real" >"$tmp/real"
exports "$ours" >"$tmp/ours"

echo "1..4"
if [ "$(soname "$ours")" = "$(soname "$real")" ] && [ "$(soname "$ours")" = libgpiod.so.3 ]; then
	echo "ok 1 - SONAME libgpiod.so.3, as the real one"
else
	echo "not ok 1 - SONAME $(soname "$ours"), the real one's $(soname "$real")"
fi
missing=$(comm -23 "$tmp/real" "$tmp/ours")
extra=$(comm -13 "$tmp/real" "$tmp/ours")
if [ -n "$(cat "$tmp/real")" ] && [ -z "$missing" ]; then
	echo "ok 2 - all $(wc -l <"$tmp/real") functions of the real libgpiod are exported"
else
	echo "not ok 2 - missing:" $missing
fi
if [ -z "$extra" ]; then
	echo "ok 3 - nothing else is exported"
else
	echo "not ok 3 - exported, not in the real libgpiod:" $extra
fi
if grep -q @ "$tmp/ours" || objdump -p "$ours" | grep -q 'Version definitions'; then
	echo "not ok 4 - the drop-in defines symbol versions; the real libgpiod has none"
elif objdump -p "$real" | grep -q 'Version definitions'; then
	echo "not ok 4 - the real libgpiod now has symbol versions; the drop-in none"
else
	echo "ok 4 - no symbol versions, as the real libgpiod"
fi
