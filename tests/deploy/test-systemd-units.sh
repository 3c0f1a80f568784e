#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The systemd files as systemd reads them: the service (built from its
# template) and the socket pass `systemd-analyze verify`, the socket is the
# control socket mpssed itself would make, the sysusers.d entry creates the
# user and group that the units and the udev rules name. A TAP script.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
service=$top_builddir/systemd/mpssed.service
socket=$top_srcdir/systemd/mpssed.socket
sysusers=$(cd "$top_srcdir" && pwd)/systemd/sysusers.d/mpssed.conf
rules=$top_srcdir/udev/60-mpssed.rules
tmp=$(mktemp -d /tmp/mpssed-units-XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
. "${top_srcdir:-.}/tests/tap.sh"

# The value of KEY= in a unit file (the last one, as systemd would take it).
key() { sed -n "s/^$1=//p" "$2" | tail -n 1; }
# A #define'd string of src/protocol/protocol.h.
define() { sed -n "s/^#define $1 \"\\(.*\\)\"\$/\\1/p" "$top_srcdir/src/protocol/protocol.h"; }

echo "1..8"
if [ ! -f "$service" ]; then
	for i in 1 2 3 4 5 6 7 8; do skip "systemd/mpssed.service not built (configured --with-systemdsystemunitdir=no)"; done
	exit 0
fi

exec_start=$(key ExecStart "$service")
! grep -q '@[a-z_]*@' "$service" && [[ $exec_start == /*/mpssed ]]
ok $? "the service runs mpssed by its installed path ($exec_start), no @placeholder@ left"

[ "$(key Type "$service")" = notify ] && [ "$(key ExecReload "$service")" = '/bin/kill -HUP $MAINPID' ]
ok $? "Type=notify; reload sends SIGHUP"

want=$(define MPSSED_RUNTIME_DIR_DEFAULT)/$(define MPSSED_CONTROL_SOCKET)
got=$(key ListenSequentialPacket "$socket")
[ "$got" = "$want" ] && [ "$(key SocketMode "$socket")" = 0660 ] &&
	[ "$(key RuntimeDirectory "$service")" = "$(basename "$(dirname "$want")")" ]
ok $? "the socket is mpssed's own control socket: SOCK_SEQPACKET at $got (daemon: $want), mode 0660, in the service's RuntimeDirectory"

[ "$(key User "$service")" = mpssed ] && [ "$(key Group "$service")" = mpssed ] &&
	[ "$(key SocketGroup "$socket")" = mpssed ] &&
	[ -z "$(grep -v '^#' "$rules" | grep -o 'GROUP="[^"]*"' | grep -v 'GROUP="mpssed"')" ]
ok $? "service, socket and udev rules all name the user/group mpssed"

# The hardening the daemon depends on being right: USB nodes reachable,
# nothing but Unix and netlink sockets.
grep -qx 'DeviceAllow=char-usb_device rw' "$service" &&
	grep -qx 'RestrictAddressFamilies=AF_UNIX AF_NETLINK' "$service" &&
	! grep -q '^PrivateDevices=yes' "$service" && grep -qx 'ProtectSystem=strict' "$service" &&
	grep -qx 'NoNewPrivileges=yes' "$service"
ok $? "hardened: DeviceAllow=char-usb_device rw, AF_UNIX AF_NETLINK only, no PrivateDevices, ProtectSystem=strict, NoNewPrivileges"

if command -v systemd-analyze >/dev/null; then
	# verify wants ExecStart= to exist: point it at the binary just built.
	mpssed=$(cd "$top_builddir" && pwd)/src/daemon/mpssed
	sed "s|^ExecStart=.*|ExecStart=$mpssed|" "$service" >"$tmp/mpssed.service"
	cp "$socket" "$tmp/mpssed.socket"
	(cd "$tmp" && systemd-analyze verify --man=no ./mpssed.service ./mpssed.socket) >"$tmp/verify" 2>&1
	ok $? "systemd-analyze verify accepts mpssed.service and mpssed.socket"
	sed 's/^/# /' "$tmp/verify"
else
	skip "systemd-analyze not installed (Debian package systemd)"
fi

if command -v systemd-sysusers >/dev/null; then
	mkdir -p "$tmp/root/etc"
	systemd-sysusers --root="$tmp/root" "$sysusers" >"$tmp/sysusers" 2>&1
	ok $? "systemd-sysusers accepts the sysusers.d entry"
	grep -q '^mpssed:x:[0-9]*:[0-9]*:[^:]*:/:/usr/sbin/nologin$' "$tmp/root/etc/passwd" 2>/dev/null &&
		grep -q '^mpssed:x:[0-9]*:' "$tmp/root/etc/group" 2>/dev/null
	ok $? "it creates the system user mpssed (no login) and the group mpssed"
	sed 's/^/# /' "$tmp/sysusers"
else
	skip "systemd-sysusers not installed (Debian package systemd)"
	skip "systemd-sysusers not installed (Debian package systemd)"
fi
