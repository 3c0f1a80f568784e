#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# libmpssed's ABI is exactly its public header: every function declared in
# include/mpssed.h is exported under version MPSSED_1, and nothing else is
# (the protocol helpers linked into the library stay local).
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
lib=$top_builddir/lib/.libs/libmpssed.so
header=$top_srcdir/include/mpssed.h
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

echo "1..3"
if [ ! -f "$lib" ]; then
	for i in 1 2 3; do echo "ok $i # SKIP no shared library at $lib"; done
	exit 0
fi

# Declarations start in column 0 with their return type; comments never do.
grep -E '^[a-z]' "$header" | grep -oE '\bmpssed_[a-z0-9_]+\(' | tr -d '(' | sort -u >"$tmp/declared"
nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' >"$tmp/versioned"
sed 's/@.*//' "$tmp/versioned" | sort -u >"$tmp/exported"

missing=$(comm -23 "$tmp/declared" "$tmp/exported")
extra=$(comm -13 "$tmp/declared" "$tmp/exported")
unversioned=$(grep -v '@@MPSSED_1$' "$tmp/versioned")

if [ -z "$missing" ]; then
	echo "ok 1 - all $(wc -l <"$tmp/declared") functions of mpssed.h are exported"
else
	echo "not ok 1 - declared but not exported:" $missing
fi
if [ -z "$extra" ]; then
	echo "ok 2 - nothing else is exported"
else
	echo "not ok 2 - exported but not declared:" $extra
fi
if [ -z "$unversioned" ]; then
	echo "ok 3 - every export is in version node MPSSED_1"
else
	echo "not ok 3 - outside MPSSED_1:" $unversioned
fi
