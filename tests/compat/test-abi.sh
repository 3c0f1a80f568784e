#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# gpiod-program.c, a program written against gpiod.h 2.x, compiled against
# Debian's real libgpiod-dev 2.1 headers and linked against its real
# libgpiod.so.3, then run on the drop-in against the real daemon: ABI
# compatibility plus the behaviour and ownership rules it checks. In a
# sanitizer build the program is built with the same sanitizer.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/compat/common.sh"
compat_setup abi
trap stop_mpssed EXIT

# The compiler this tree was configured with, and its sanitizer if any.
cc=$(sed -n 's/^CC = //p' "$top_builddir/Makefile")
case $(sanitizer_runtime "$dropin/libgpiod.so.3") in
*asan*) san="-fsanitize=address,undefined -fno-sanitize-recover=undefined" ;;
*tsan*) san="-fsanitize=thread" ;;
*) san= ;;
esac
# shellcheck disable=SC2086
if ! ${cc:-cc} -std=gnu11 -g $san -I"$libgpiod_root/usr/include" -I"$top_srcdir" \
	-o "$run/gpiod-program" "$top_srcdir/tests/compat/gpiod-program.c" \
	"$libgpiod_libdir/libgpiod.so.3" 2>"$run/cc.log"; then
	echo "Bail out! cannot build gpiod-program against Debian's libgpiod"
	sed 's/^/# /' "$run/cc.log"
	exit 1
fi

start_mpssed ABI1
echo "# built against $libgpiod_root, run on $dropin"
LD_LIBRARY_PATH=$dropin "$run/gpiod-program" "$run/mpsse0" "$run/mpssed.sock"
