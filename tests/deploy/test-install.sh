#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# `make install DESTDIR=...` from this build directory puts every piece
# where the configured directories say (on Debian with prefix=/usr:
# /usr/sbin/mpssed, /usr/bin/mpssectl, the library, header and .pc file,
# man pages, /lib/udev/rules.d, /lib/systemd/system, /usr/lib/sysusers.d),
# installs nothing outside them, and what is installed works: the binaries
# run from there, and a program builds against the installed library with
# pkg-config alone. It reads the directories from this build's Makefile,
# so it holds for any prefix, including `make distcheck`'s. A TAP script.
set -u
top_builddir=${top_builddir:-.}
build=$(cd "$top_builddir" && pwd)
tmp=$(mktemp -d /tmp/mpssed-install-XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
. "${top_srcdir:-.}/tests/tap.sh"

# A make of our own, not a part of the `make check` that runs us.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
mk() { make -C "$build" --no-print-directory "$@"; }

echo "1..9"

# The configured directories, fully expanded by make itself.
dirs="bindir sbindir libdir pkglibdir includedir pkgconfigdir mandir udevrulesdir systemdsystemunitdir
      sysusersdir sysconfdir docdir CC SANITIZER_LDFLAGS"
for d in $dirs; do echo "	@echo \"$d='\$($d)'\""; done | sed '1i mpssed-test-dirs:' >"$tmp/dirs.mk"
eval "$(mk -s -f Makefile -f "$tmp/dirs.mk" mpssed-test-dirs)"

mk -s install DESTDIR="$dest" >"$tmp/install.log" 2>&1
ok $? "make install DESTDIR=... succeeds"
sed 's/^/# /' "$tmp/install.log" | grep -v 'libtool: warning' | head -n 40

# want DIR NAME...: files that must be there; the rest of the list is checked below.
wanted=()
want() {
	local dir=$1 f
	shift
	[ "$dir" = no ] && return
	for f in "$@"; do wanted+=("$dir/$f"); done
}
want "$sbindir" mpssed
want "$bindir" mpssectl mpssed-gpiod
want "$libdir" libmpssed.so libmpssed.so.0 libmpssed.la
want "$pkglibdir" gpiod/libgpiod.so.3
want "$includedir" mpssed.h
want "$pkgconfigdir" libmpssed.pc
want "$mandir" man1/mpssectl.1 man1/mpssed-gpiod.1 man3/libmpssed.3 man5/mpssed.conf.5 man8/mpssed.8
want "$docdir" mpssed.conf.example
want "$udevrulesdir" 60-mpssed.rules
want "$systemdsystemunitdir" mpssed.service mpssed.socket
want "$sysusersdir" mpssed.conf

missing=()
for f in "${wanted[@]}"; do [ -e "$dest$f" ] || missing+=("$f"); done
[ ${#missing[@]} -eq 0 ]
ok $? "installed: ${#wanted[@]} files (binaries, libraries, header, .pc, man pages, udev rules, units, sysusers)${missing:+; missing: ${missing[*]}}"

# Everything installed lies in one of the configured directories (those
# for configuration examples and documentation included).
(cd "$dest" && find . ! -type d | sed 's/^\.//') | sort >"$tmp/list"
sed 's/^/# installed: /' "$tmp/list"
stray=$(grep -v -e "^$bindir/[^/]*\$" -e "^$sbindir/[^/]*\$" -e "^$libdir/[^/]*\$" -e "^$pkglibdir/gpiod/[^/]*\$" \
	-e "^$includedir/" -e "^$sysconfdir/" -e "^$docdir/" -e "^$pkgconfigdir/[^/]*\$" -e "^$mandir/man[0-9]/[^/]*\$" \
	-e "^$udevrulesdir/[^/]*\$" -e "^$systemdsystemunitdir/[^/]*\$" -e "^$sysusersdir/[^/]*\$" \
	"$tmp/list")
[ -z "$stray" ]
ok $? "nothing outside the configured directories${stray:+: $stray}"

! grep -q -e '\.a$' -e '/test-' -e '/lt-' "$tmp/list"
ok $? "no static library, test program or libtool wrapper installed"

file_is_elf() { [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }
file_is_elf "$dest$sbindir/mpssed" && file_is_elf "$dest$bindir/mpssectl"
ok $? "mpssed and mpssectl are installed as executables, not libtool scripts"

export LD_LIBRARY_PATH="$dest$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
"$dest$sbindir/mpssed" --version >"$tmp/v" 2>&1 && grep -q '^mpssed ' "$tmp/v" &&
	"$dest$bindir/mpssectl" --help >"$tmp/h" 2>&1 && grep -q 'mpssectl' "$tmp/h"
ok $? "the installed mpssed --version and mpssectl --help run"

if [ "$systemdsystemunitdir" != no ]; then
	grep -qx "ExecStart=$sbindir/mpssed" "$dest$systemdsystemunitdir/mpssed.service"
	ok $? "the installed service starts $sbindir/mpssed"
else
	skip "configured --with-systemdsystemunitdir=no"
fi

# A user's program, built against the installed files only.
cat >"$tmp/user.c" <<'C'
#include <mpssed.h>
#include <stdio.h>
int main(void)
{
	struct mpssed_chip *chip = mpssed_chip_open("no-such-chip");

	printf("%s\n", chip ? "opened" : "refused");
	return 0;
}
C
pc=$dest$pkgconfigdir
flags=$(PKG_CONFIG_PATH=$pc PKG_CONFIG_SYSROOT_DIR=$dest pkg-config --cflags --libs libmpssed 2>"$tmp/pc")
ok $? "pkg-config finds the installed libmpssed.pc: $flags"
# shellcheck disable=SC2086
$CC $SANITIZER_LDFLAGS -o "$tmp/user" "$tmp/user.c" $flags >"$tmp/cc" 2>&1 &&
	MPSSED_RUNTIME_DIR=$tmp/run "$tmp/user" | grep -qx refused
ok $? "a program compiles and links with those flags alone, and runs"
sed 's/^/# /' "$tmp/pc" "$tmp/cc"
