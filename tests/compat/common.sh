# SPDX-License-Identifier: GPL-2.0-or-later
#
# Sourced by the drop-in's tests: starting the daemon, and Debian's own
# libgpiod 2.1 (packages gpiod, libgpiod3 and libgpiod-dev from
# bookworm-backports, built for Debian 12), fetched with apt-get download in
# a private apt state and unpacked with dpkg-deb -x. The mirror is the one this machine's apt already uses;
# the unpacked tree is cached in the build tree, or in
# $MPSSED_LIBGPIOD_CACHE, and reused. Several tests may ask at once: a
# lock serialises them.
#
# libgpiod_fetch: 0 with $libgpiod_root set (usr/bin/gpio*, usr/include/gpiod.h,
# usr/lib/<triplet>/libgpiod.so.3 under it), or 1 with $libgpiod_skip saying why.

libgpiod_mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk '/^URIs:/ { print $2; exit }' "$f"
	done | head -n 1
	[ -r /etc/apt/sources.list ] &&
		awk '$1 == "deb" && $2 !~ /^\[/ { print $2; exit }' /etc/apt/sources.list
}

libgpiod_download() { # DIR
	local d=$1 uri apt
	uri=$(libgpiod_mirror | grep -v security | head -n 1)
	if [ -z "$uri" ]; then
		libgpiod_skip="no Debian mirror in this machine's apt sources"
		return 1
	fi
	rm -rf "$d/apt" "$d/root.tmp"
	mkdir -p "$d/apt/state/lists/partial" "$d/apt/cache/archives/partial" "$d/apt/debs" || return 1
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri bookworm-backports main" \
		>"$d/apt/sources.list"
	apt="apt-get -q -o Dir::State=$d/apt/state -o Dir::Cache=$d/apt/cache
		-o Dir::Etc::SourceList=$d/apt/sources.list -o Dir::Etc::SourceParts=/dev/null"
	if ! $apt update >"$d/apt/log" 2>&1 ||
		! (cd "$d/apt/debs" && $apt download gpiod libgpiod3 libgpiod-dev) >>"$d/apt/log" 2>&1; then
		libgpiod_skip="cannot download libgpiod from bookworm-backports (no network?): $(grep -m1 -E '^(E|Err):' "$d/apt/log")"
		return 1
	fi
	mkdir "$d/root.tmp"
	for deb in "$d"/apt/debs/*.deb; do
		dpkg-deb -x "$deb" "$d/root.tmp" || return 1
	done
	dpkg-deb -f "$d"/apt/debs/libgpiod3_*.deb Version >"$d/root.tmp/VERSION"
	mv "$d/root.tmp" "$d/root"
	rm -rf "$d/apt"
}

libgpiod_fetch() {
	local d=${MPSSED_LIBGPIOD_CACHE:-${top_builddir:-.}/tests/compat/libgpiod-bpo}
	libgpiod_skip=
	for tool in apt-get dpkg-deb flock; do
		if ! command -v $tool >/dev/null; then
			libgpiod_skip="no $tool here (not Debian?)"
			return 1
		fi
	done
	mkdir -p "$d" || return 1
	d=$(cd "$d" && pwd)
	(
		flock 9
		[ -f "$d/root/VERSION" ] || libgpiod_download "$d" || { echo "$libgpiod_skip" >"$d/skip"; exit 1; }
		rm -f "$d/skip"
	) 9>"$d/lock"
	if [ ! -f "$d/root/VERSION" ]; then
		libgpiod_skip=$(cat "$d/skip" 2>/dev/null)
		return 1
	fi
	case $(cat "$d/root/VERSION") in
	2.1.*) ;;
	*)
		libgpiod_skip="bookworm-backports has libgpiod $(cat "$d/root/VERSION"), these tests expect 2.1"
		return 1
		;;
	esac
	libgpiod_root=$d/root
	libgpiod_libdir=$(dirname "$(find "$d/root/usr/lib" -name libgpiod.so.3 | head -n 1)")
}

# The sanitizer runtime our libraries were built with, to preload into
# Debian's unsanitized programs (it must be loaded first); empty if none.
sanitizer_runtime() { # LIBRARY
	ldd "$1" 2>/dev/null | awk '$1 ~ /^lib[at]san\.so/ { print $3; exit }'
}

# compat_setup NAME: the uninstalled drop-in in $dropin and Debian's libgpiod,
# or a TAP skip and exit; then a fresh runtime directory $run.
compat_setup() {
	mpssed=$top_builddir/src/daemon/mpssed
	dropin=$top_builddir/compat/gpiod/.libs
	if [ ! -f "$dropin/libgpiod.so.3" ]; then
		echo "1..0 # SKIP no shared drop-in library at $dropin"
		exit 0
	fi
	if ! libgpiod_fetch; then
		echo "1..0 # SKIP $libgpiod_skip"
		exit 0
	fi
	run=$(mktemp -d "/tmp/gpiod-$1-XXXXXX") || exit 1
	daemon=
}

# start_mpssed SERIAL: the daemon on an emulated FT232H (demo world), chip
# socket $run/mpsse0, pid in $daemon; bail out if it does not come up.
start_mpssed() {
	"$mpssed" --emulate "ft232h:serial=$1" --runtime-dir "$run" --no-usb --log-level warning \
		2>"$run/daemon.log" &
	daemon=$!
	for _ in $(seq 400); do
		[ -S "$run/mpsse0" ] && [ -S "$run/mpssed.sock" ] && return 0
		sleep 0.05
	done
	echo "Bail out! mpssed did not start"
	exit 1
}

# Stop the daemon, show what it logged (sanitizer reports too), remove $run.
stop_mpssed() {
	if [ -n "$daemon" ]; then
		kill "$daemon" 2>/dev/null
		wait "$daemon" 2>/dev/null
	fi
	sed 's/^/# mpssed: /' "$run/daemon.log" 2>/dev/null
	rm -rf "$run"
}
