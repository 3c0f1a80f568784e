# SPDX-License-Identifier: GPL-2.0-or-later
#
# The VM tier's scenarios, run by /init in the guest (busybox sh) with the
# real kernel USB stack: mpssed --usb against an emulated chip that
# mpssed-usbip plugs in through vhci-hcd. TAP on stdout (the host adds the
# plan); every wait is bounded. /vm/env says what the guest has
# (HAVE_FTDI_SIO, HAVE_GPIO_MPSSE).
set -u
. /vm/env
run=/run/mpssed
usbip_sock=/run/usbip.sock
n=0
chip=

ok() { # ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
diag() { sed 's/^/# /'; }
m() { mpssectl --runtime-dir "$run" "$@"; }
emu() { mpssed-usbip "$usbip_sock" "$@"; }

wait_until() { # wait_until TENTHS COMMAND...: poll every 0.1 s
	t=$1
	shift
	while [ "$t" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		t=$((t - 1))
	done
	return 1
}
has_line() { grep -qE "$2" "$1"; }
detected() { m detect | grep -q .; }
not_detected() { ! m detect | grep -q .; }

# The FTDI device in sysfs: "bus devnum" of the first one present.
usb_addr() {
	for d in /sys/bus/usb/devices/*; do
		[ -f "$d/idVendor" ] && [ "$(cat "$d/idVendor")" = "$1" ] &&
			echo "$(cat "$d/busnum") $(cat "$d/devnum")" && return 0
	done
	return 1
}
ftdi_gone() { ! usb_addr 0403; }
sio_bound() { ls /sys/bus/usb/drivers/ftdi_sio/ 2>/dev/null | grep -q ':'; }
sio_unbound() { ! sio_bound; }

start_daemon() {
	mpssed --usb --runtime-dir "$run" --log-level debug 2>>/tmp/mpssed.log &
	daemon=$!
	wait_until 100 test -S "$run/mpssed.sock"
}
stop_daemon() {
	kill "$daemon" 2>/dev/null
	wait "$daemon" 2>/dev/null
}

# --- Scenario 1: hotplug through udevd, glitch-free attach, get/set/mon ------------
mpssed-usbip serve "$usbip_sock" --model ft232h --serial VM0001 2>/tmp/usbip.log &
usbip_pid=$!
wait_until 50 test -S "$usbip_sock"
ok $? "mpssed-usbip serves its control socket"
start_daemon
ok $? "mpssed --usb starts with no device and listens"
not_detected
ok $? "detect lists no chip before the plug"

emu plug >/tmp/plug.out 2>&1
ok $? "the emulated FT232H is attached to vhci-hcd ($(cat /tmp/plug.out))"
wait_until 100 usb_addr 0403
ok $? "the kernel enumerates it: 0403 at bus/devnum $(usb_addr 0403)"
addr1=$(usb_addr 0403)
wait_until 150 detected
ok $? "hotplug: mpssed finds the chip plugged after it started"
chip=$(m detect | cut -d' ' -f1)
m detect | diag
emu pins 0 >/tmp/pins.out
grep -q 'directions 0x0000' /tmp/pins.out
ok $? "the attach drove no pin: every line still an input ($(cat /tmp/pins.out))"

emu wire 0 0 4 >/dev/null
m set -t0 -c "$chip" 0=1 >/tmp/out 2>&1
[ "$(m get --numeric -c "$chip" 4 2>&1)" = 1 ]
ok $? "set line 0 high through usbfs; get reads it back on line 4 (wired)"
m set -t0 -c "$chip" 0=0 >/dev/null 2>&1
[ "$(m get --numeric -c "$chip" 4 2>&1)" = 0 ]
ok $? "set line 0 low; line 4 follows"
emu input 0 2 1 >/dev/null
[ "$(m get --numeric -c "$chip" 2 2>&1)" = 1 ]
ok $? "get reads an input the emulator drives"

m mon --banner -n 2 -F '%o %E' -c "$chip" 3 >/tmp/mon.out 2>/tmp/mon.err &
mon=$!
wait_until 50 has_line /tmp/mon.out '^Monitoring'
emu input 0 3 1 >/dev/null
sleep 0.3
emu input 0 3 0 >/dev/null
wait_until 50 sh -c "! kill -0 $mon"
wait "$mon"
[ "$?" -eq 0 ] && grep -q '^3 rising' /tmp/mon.out && grep -q '^3 falling' /tmp/mon.out
ok $? "mon sees the rising and the falling edge the emulator makes"
diag </tmp/mon.out

# --- Scenario 2: unplug under mon; replug with a new device number ------------------
m mon --banner -F '%o %E' -c "$chip" 3 >/tmp/mon1.out 2>/tmp/mon1.err &
mon1=$!
m mon --banner --wait-replug -F '%o %E' -c "$chip" 5 >/tmp/mon2.out 2>/tmp/mon2.err &
mon2=$!
wait_until 50 has_line /tmp/mon1.out '^Monitoring' && wait_until 50 has_line /tmp/mon2.out '^Monitoring'
emu unplug >/dev/null
wait_until 100 sh -c "! kill -0 $mon1"
wait "$mon1"
rc=$?
[ "$rc" -eq 1 ] && grep -q 'unplugged' /tmp/mon1.err
ok $? "unplug under mon: the client is told ($(cat /tmp/mon1.err)), exit $rc"
wait_until 50 ftdi_gone
wait_until 50 has_line /tmp/mpssed.log '[Uu]nplug|gone|removed|LEFT'
ok $? "the daemon logs the unplug"
grep -iE 'unplug|gone|removed|left' /tmp/mpssed.log | tail -n 3 | diag
kill -0 "$daemon"
ok $? "the daemon survives the unplug"
kill -0 "$mon2"
ok $? "mon --wait-replug keeps waiting"

emu plug >/dev/null
wait_until 100 usb_addr 0403
addr2=$(usb_addr 0403)
[ -n "$addr2" ] && [ "$addr2" != "$addr1" ]
ok $? "replug enumerates with a new device number ($addr1 -> $addr2)"
wait_until 150 detected
[ "$(m detect | cut -d' ' -f1)" = "$chip" ]
ok $? "the same chip name comes back ($chip)"
sleep 0.5
emu input 0 5 1 >/dev/null
wait_until 50 has_line /tmp/mon2.out '^5 rising'
ok $? "the persistent mon resumes: it reports an edge after the replug"
kill "$mon2" 2>/dev/null
wait "$mon2" 2>/dev/null

# --- Scenario 3: ftdi_sio bound; mpssed detaches it and gives it back ----------------
if [ "$HAVE_FTDI_SIO" = 1 ]; then
	stop_daemon
	wait_until 50 sio_bound
	ok $? "mpssed lets go at exit: ftdi_sio binds the interface again"
	ls /sys/bus/usb/drivers/ftdi_sio/ | grep ':' | diag
	start_daemon
	wait_until 150 detected && wait_until 50 sio_unbound
	ok $? "mpssed, started with ftdi_sio bound, detaches it and serves the chip"
	[ "$(m get --numeric -c "$chip" 2 2>&1)" = 1 ]
	ok $? "and reads through its own claim"
	stop_daemon
	wait_until 50 sio_bound
	ok $? "mpssed reattaches ftdi_sio when it lets go"
else
	skip "ftdi_sio: the kernel package has no ftdi_sio module"
	skip "ftdi_sio: the kernel package has no ftdi_sio module"
	skip "ftdi_sio: the kernel package has no ftdi_sio module"
	skip "ftdi_sio: the kernel package has no ftdi_sio module"
	stop_daemon
fi

emu unplug >/dev/null
emu quit >/dev/null
wait "$usbip_pid"
ok $? "mpssed-usbip exits cleanly"
echo "# mpssed log (tail):"
tail -n 15 /tmp/mpssed.log | diag
echo "1..$n"
