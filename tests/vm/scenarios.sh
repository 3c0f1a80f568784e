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

ok() { # ok STATUS DESCRIPTION; returns STATUS
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
	return "$1"
}
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
diag() { sed 's/^/# /'; }
m() { timeout 10 mpssectl --runtime-dir "$run" "$@"; }
# Monitors run in the background until they exit or are killed: no timeout.
mon() { mpssectl --runtime-dir "$run" mon "$@"; }
emu() { mpssed-usbip "$usbip_sock" "$@"; }

uptime_ds() { awk '{ printf "%d", $1 * 10 }' /proc/uptime; }
wait_until() { # wait_until TENTHS COMMAND...: poll every 0.1 s, bounded in time
	end=$(($(uptime_ds) + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(uptime_ds)" -ge "$end" ] && return 1
		sleep 0.1
	done
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
# Where the daemon's threads wait, and what it logged, for a failed step.
daemon_state() {
	for t in /proc/$daemon/task/*; do
		echo "thread $(cat "$t/comm" 2>/dev/null): $(cat "$t/wchan" 2>/dev/null) $(head -n 3 "$t/stack" 2>/dev/null | tr '\n' ' ')"
	done
	tail -n 20 /tmp/mpssed.log
	echo "detect: $(m detect 2>&1 | tr '\n' ' ')"
	echo "usb drivers: $(ls /sys/bus/usb/drivers/*/ 2>/dev/null | grep -E ':|/' | tr '\n' ' ')"
}
stop_daemon() {
	kill "$daemon" 2>/dev/null
	wait_until 100 sh -c "! kill -0 $daemon" || { daemon_state | diag; kill -9 "$daemon"; }
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

mon --banner -n 2 -F '%o %E' -c "$chip" 3 >/tmp/mon.out 2>/tmp/mon.err &
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
mon --banner -F '%o %E' -c "$chip" 3 >/tmp/mon1.out 2>/tmp/mon1.err &
mon1=$!
mon --banner --wait-replug -F '%o %E' -c "$chip" 5 >/tmp/mon2.out 2>/tmp/mon2.err &
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
# An edge before mon has its request back is not one it can see: pulse
# until one arrives (bounded).
resumed() {
	emu input 0 5 1 >/dev/null
	wait_until 10 has_line /tmp/mon2.out '^5 rising' && return 0
	emu input 0 5 0 >/dev/null
	return 1
}
wait_until 100 resumed
ok $? "the persistent mon resumes: it reports an edge after the replug" || {
	kill -0 "$mon2" 2>/dev/null && echo "mon --wait-replug is still running" || echo "mon --wait-replug exited"
	cat /tmp/mon2.out /tmp/mon2.err
	emu pins 0
	m get --numeric -c "$chip" 5
	tail -n 8 /tmp/mpssed.log
} 2>&1 | diag
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

# --- Scenarios 4 and 5: the kernel's gpio-mpsse and mpssed on one Sealevel ---------
EDGES=20
sl_sock=/run/usbip-sl.sock
sl() { mpssed-usbip "$sl_sock" "$@"; }
stat_field() { sed -n "s/.* $1 \([0-9]*\).*/\1/p"; }
kernel_chip() { gpiodetect 2>/dev/null | grep -m1 'MPSSE0c52:a064' | cut -d' ' -f1; }
mpssed_chip() { m detect | grep 'Sealevel' | grep -m1 ' A ' | cut -d' ' -f1; }
has_kernel_chip() { [ -n "$(kernel_chip)" ]; }
has_mpssed_chip() { [ -n "$(mpssed_chip)" ]; }
gpio_mpsse_bound() { ls /sys/bus/usb/drivers/gpio-mpsse/ 2>/dev/null | grep -q ':1\.0'; }
gpio_mpsse_unbound() { ! gpio_mpsse_bound; }

# measure NAME MONITOR-COMMAND...: EDGES alternating edges on interface A's
# line 3, 200 ms apart; the monitor prints "rising|falling SECONDS" and
# exits after EDGES events. Leaves "p50_ms matched" in /tmp/NAME.result.
measure() {
	name=$1
	shift
	timeout 60 "$@" >/tmp/$name.events 2>/tmp/$name.err &
	mp=$!
	wait_until 100 has_line /tmp/$name.events '^Monitoring'
	sleep 0.5
	sl stats 0 >/tmp/$name.stats0
	t0=$(cut -d' ' -f1 /proc/uptime)
	: >/tmp/$name.changes
	level=0 i=0
	while [ "$i" -lt "$EDGES" ]; do
		level=$((1 - level))
		echo "$(sl input 0 3 $level | cut -d' ' -f2) $level" >>/tmp/$name.changes
		sleep 0.2
		i=$((i + 1))
	done
	wait_until 100 sh -c "! kill -0 $mp"
	kill "$mp" 2>/dev/null
	wait "$mp" 2>/dev/null
	t1=$(cut -d' ' -f1 /proc/uptime)
	sl stats 0 >/tmp/$name.stats1
	grep -E '^(rising|falling) ' /tmp/$name.events >/tmp/$name.ev
	# Pairs the i-th change with the i-th event: latency in ms, and whether the kind matches.
	paste -d' ' /tmp/$name.changes /tmp/$name.ev | awk -v n="$EDGES" '
		NF == 4 { kind = ($2 == 1) ? "rising" : "falling"; if (kind == $3) match_++
			  print ($4 * 1000 - $1 / 1e6) > "/tmp/lat" }
		END { printf "%d\n", match_ + 0 > "/tmp/matched" }'
	p50=$(sort -n /tmp/lat | awk '{ v[NR] = $1 } END { if (NR) printf "%.2f", v[int((NR + 1) / 2)]; else print "nan" }')
	polls=$(awk -v a="$(stat_field bulk_in </tmp/$name.stats0)" -v b="$(stat_field bulk_in </tmp/$name.stats1)" \
		-v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.1f", (b - a) / (t1 - t0) }')
	echo "$p50 $(cat /tmp/matched) $(wc -l </tmp/$name.ev) $polls" >/tmp/$name.result
	echo "# $name: p50 ${p50} ms; $(cat /tmp/matched) of $EDGES edges matched, $(wc -l </tmp/$name.ev) events;" \
		"$polls bulk IN/s; emulator: $(cat /tmp/$name.stats1)"
	rm -f /tmp/lat /tmp/matched
}

if [ "$HAVE_GPIO_MPSSE" != 1 ]; then
	reason="$SUITE's kernel has no gpio-mpsse (Debian unstable's has)"
elif [ "$HAVE_GPIOMON" != 1 ]; then
	reason="no libgpiod 2.x gpiomon from $SUITE"
else
	reason=
fi
if [ -z "$reason" ]; then
	mpssed-usbip serve "$sl_sock" --model sealevel --serial SL0001 --timing 2>/tmp/usbip-sl.log &
	sl_pid=$!
	wait_until 50 test -S "$sl_sock" && sl plug >/dev/null && wait_until 150 has_kernel_chip
	ok $? "gpio-mpsse binds the emulated Sealevel 0c52:a064: $(gpiodetect 2>&1 | tr '\n' ' ')"
	kchip=$(kernel_chip)
	measure kernel gpiomon --banner -n "$EDGES" -F '%E %S' -c "$kchip" 3
	set -- $(cat /tmp/kernel.result)
	k_p50=$1
	[ "$2" = "$EDGES" ] && [ "$3" = "$EDGES" ]
	ok $? "gpiomon on the kernel's chip reports each of the $EDGES edges, in order"

	# Scenario 5 (CVE-2025-71158): unplug while the kernel driver polls for gpiomon.
	gpiomon --banner -c "$kchip" 3 >/tmp/gm5.out 2>/tmp/gm5.err &
	gm=$!
	wait_until 100 has_line /tmp/gm5.out '^Monitoring'
	sleep 0.5
	sl unplug >/dev/null
	wait_until 100 sh -c "! kill -0 $gm"
	wait "$gm"
	rc=$?
	sleep 1
	! dmesg | grep -qE 'Oops|BUG:|general protection|KASAN|refcount_t' && [ "$rc" -ne 0 ]
	ok $? "unplug under the kernel driver's gpiomon: no oops; gpiomon exits $rc ($(tr '\n' ' ' </tmp/gm5.err))"

	sl plug >/dev/null && wait_until 150 has_kernel_chip
	ok $? "replug: gpio-mpsse binds again"
	start_daemon
	wait_until 150 has_mpssed_chip && wait_until 50 gpio_mpsse_unbound
	ok $? "mpssed takes the Sealevel over: the kernel driver is detached, mpssed serves $(mpssed_chip)" ||
		daemon_state | diag
	measure mpssed mpssectl --runtime-dir "$run" mon --banner -n "$EDGES" -F '%E %S' -c "$(mpssed_chip)" 3
	set -- $(cat /tmp/mpssed.result)
	d_p50=$1
	[ "$2" = "$EDGES" ] && [ "$3" = "$EDGES" ]
	ok $? "mpssed reports each of the $EDGES edges, in order: none lost, none invented"
	echo "bench: vm_kernel_edge_latency_p50_ms $k_p50 ms"
	echo "bench: vm_mpssed_edge_latency_p50_ms $d_p50 ms"
	ratio=$(awk -v k="$k_p50" -v d="$d_p50" 'BEGIN { if (d > 0) printf "%.1f", k / d; else print "nan" }')
	echo "bench: vm_edge_latency_ratio $ratio x"
	echo "bench: vm_kernel_polls_per_s $(cut -d' ' -f4 /tmp/kernel.result) /s"
	echo "bench: vm_mpssed_bulk_in_per_s $(cut -d' ' -f4 /tmp/mpssed.result) /s"
	stop_daemon
	wait_until 100 gpio_mpsse_bound
	ok $? "mpssed gives interface A back to gpio-mpsse when it exits"
	sl unplug >/dev/null
	sl quit >/dev/null
	wait "$sl_pid"
else
	for i in 1 2 3 4 5 6 7; do skip "$reason"; done
fi
echo "1..$n"
