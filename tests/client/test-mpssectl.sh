#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mpssectl against the real daemon on an emulated FT232H with the demo pin
# world (line 15 carries a 2 Hz square wave, line 0 is wired to line 4):
# output formats checked exactly, set/get through the wire, mon on the
# square wave, emu driving an input, notify, stats, unplug under running
# commands, --wait-replug, --daemonize, --help and bad arguments. A TAP
# script; every wait is bounded.
set -u
top_builddir=${top_builddir:-.}
mpssed=$top_builddir/src/daemon/mpssed
mpssectl=$top_builddir/tools/mpssectl
# libtool's wrapper script costs a shell start per call, which dominates
# this test; run the uninstalled binary the way the wrapper would.
if [ -x "$top_builddir/tools/.libs/mpssectl" ] && [ -d "$top_builddir/lib/.libs" ]; then
	mpssectl=$top_builddir/tools/.libs/mpssectl
	export LD_LIBRARY_PATH="$top_builddir/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
run=$(mktemp -d /tmp/mpssectl-test-XXXXXX) || exit 1
daemon=
bg_pids=()
. "${top_srcdir:-.}/tests/tap.sh"

cleanup() {
	for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
	if [ -n "$daemon" ]; then
		kill "$daemon" 2>/dev/null
		wait "$daemon" 2>/dev/null
	fi
	# What the daemon logged (warnings, sanitizer reports) for whoever reads the log.
	sed 's/^/# mpssed: /' "$run/daemon.log" 2>/dev/null
	rm -rf "$run"
}
trap cleanup EXIT

m() { "$mpssectl" --runtime-dir "$run" "$@"; }

# Run mpssectl; its stdout, stderr and exit status go to out, err and $rc.
cap() {
	m "$@" >"$run/out" 2>"$run/err"
	rc=$?
}

# expect_err DESCRIPTION STDERR -- ARGS...: exit 1 with exactly that message, nothing on stdout.
expect_err() {
	local desc=$1 want_err=$2
	shift 3
	expect "$desc" 1 "" "$want_err" -- "$@"
}

# Start `mpssectl COMMAND ARGS...` in the background, output in COMMAND.out and
# COMMAND.err; its pid in $bg.
start_bg() {
	# Not through m(): $! must be mpssectl's own pid (libtool's wrapper execs it).
	"$mpssectl" --runtime-dir "$run" "$@" >"$run/$1.out" 2>"$run/$1.err" &
	bg=$!
	bg_pids+=("$bg")
}

# The pid of the process whose command line holds WORD (the daemonized set,
# which we started). The bracket keeps grep from finding its own command line.
find_pid() {
	local f
	f=$(grep -las -- "[${1:0:1}]${1:1}" /proc/[0-9]*/cmdline | head -n 1)
	[ -n "$f" ] || return 1
	f=${f#/proc/}
	echo "${f%/cmdline}"
}

"$mpssed" --emulate ft232h:serial=CLI1 --runtime-dir "$run" --no-usb --log-level warning \
	2>"$run/daemon.log" &
daemon=$!
for _ in $(seq 400); do
	[ -S "$run/mpssed.sock" ] && [ -S "$run/mpsse0" ] && break
	sleep 0.05
done
if ! [ -S "$run/mpsse0" ]; then
	echo "Bail out! mpssed did not start"
	cat "$run/daemon.log"
	exit 1
fi

detected="mpsse0 [FT232H A serial=CLI1] (16 lines)"

# --- detect -------------------------------------------------------------------
expect "detect" 0 "$detected" "" -- detect
MPSSED_RUNTIME_DIR=$run "$mpssectl" detect 0 "$run/mpsse0" >"$run/out" 2>"$run/err"
[ "$(cat "$run/out")" = "$detected"$'\n'"$detected" ]
ok $? "detect by number and by path, runtime dir from \$MPSSED_RUNTIME_DIR"
expect_err "detect an unknown chip" "mpssectl: cannot find GPIO chip 'nochip'" -- detect nochip

# --- info ---------------------------------------------------------------------
cap info -c mpsse0
[ "$rc" -eq 0 ] && [ "$(wc -l <"$run/out")" -eq 17 ] &&
	[ "$(sed -n 1p "$run/out")" = "mpsse0 - 16 lines:" ] &&
	[ "$(sed -n 2p "$run/out")" = $'\tline   0:\t"ADBUS0"        \tinput' ] &&
	[ "$(sed -n 17p "$run/out")" = $'\tline  15:\t"ACBUS7"        \tinput' ]
ok $? "info: gpioinfo's heading and columns"
expect "info one line by name" 0 $'mpsse0 15\t"ACBUS7"        \tinput' "" -- info ACBUS7
expect "info --unquoted by offset" 0 $'mpsse0 0\tADBUS0          \tinput' "" -- \
	info --unquoted -c 0 0

# --- get and set through the demo world's wire 0 -> 4 -----------------------------------
expect "get --numeric: line 4 low while nothing drives line 0" 0 "0" "" -- \
	get --numeric -c mpsse0 4
start_bg set --banner -c mpsse0 0=1
set_pid=$bg
wait_for "$run/set.out" "^Setting line '0'\.\.\.$"
ok $? "set prints its banner"
expect "get sees line 0's level on line 4" 0 "1" "" -- get --numeric -c mpsse0 4
expect "get by name: \"NAME\"=active" 0 '"ADBUS4"=active' "" -- get ADBUS4
expect "get --unquoted, ids as given" 0 "4=active ADBUS5=inactive" "" -- \
	get --unquoted -c mpsse0 4 ADBUS5
expect "info shows the held output and its consumer" 0 \
	$'mpsse0 0\t"ADBUS0"        \toutput consumer="mpssectl-set"' "" -- info -c mpsse0 0
expect_err "get of a held line fails with EBUSY" \
	"mpssectl: mpsse0: unable to request lines: Device or resource busy" -- get -c mpsse0 0
kill -TERM "$set_pid"
wait_exit "$set_pid"
[ "$rc" -eq 143 ]
ok $? "set holds until killed (SIGTERM: status 143)"
expect "get --active-low: the released output kept its level" 0 "0" "" -- \
	get --active-low --numeric -c mpsse0 4
expect "set -t0 sets and exits" 0 "" "" -- set -t0 -c mpsse0 0=off
expect "line 4 follows" 0 "0" "" -- get --numeric -c mpsse0 4
printf 'set 0=1\nget\nget 0\ntoggle\nget\nbogus\nexit\n' |
	m set -i -c mpsse0 0=0 >"$run/out" 2>"$run/err"
[ "$(cat "$run/out")" = $'"0"=active\n"0"=active\n"0"=inactive\nunknown command: \'bogus\'\nTry the \'help\' command' ]
ok $? "set -i: commands from stdin"

# --- mon on the demo square wave (line 15, 2 Hz) ---------------------------------------
cap mon -n 2 -F '%o %e' -c mpsse0 15
[ "$rc" -eq 0 ] && [ "$(sort "$run/out")" = $'15 1\n15 2' ]
ok $? "mon -n 2 -F '%o %e': one rising and one falling edge"
cap mon -n 1 ACBUS7
[ "$rc" -eq 0 ] && grep -qxE $'[0-9]+\\.[0-9]{9}\t(rising|falling)\t"ACBUS7"' "$run/out"
ok $? "mon's default format: seconds, edge, quoted name"
cap mon -n 1 -c mpsse0 15
[ "$rc" -eq 0 ] && grep -qxE $'[0-9]+\\.[0-9]{9}\t(rising|falling)\tmpsse0 15 "ACBUS7"' "$run/out"
ok $? "mon with a chip: chip and offset before the name"
expect "mon --idle-timeout exits quietly" 0 "" "" -- mon --idle-timeout 100ms -c mpsse0 3

# --- emu --------------------------------------------------------------------------------
m emu mpsse0 set ADBUS2=1 >"$run/out" 2>"$run/err"
ok $? "emu set drives an input"
expect "get sees the driven input" 0 "1" "" -- get --numeric -c mpsse0 2
m emu mpsse0 set 2=0 && m emu mpsse0 wire ADBUS1 5 && m set -t0 -c mpsse0 1=1 &&
	[ "$(m get --numeric -c mpsse0 2 5)" = "0 1" ]
ok $? "emu set by offset, emu wire"
m emu mpsse0 unwire 5
expect_err "emu with a bad value" "mpssectl: invalid line value: '2=5'" -- emu mpsse0 set 2=5

# --- notify -----------------------------------------------------------------------------
start_bg notify --banner -n 2 -c mpsse0 3
notify_pid=$bg
wait_for "$run/notify.out" "^Watching line '3'\.\.\.$" && m get -c mpsse0 3 >/dev/null &&
	wait_exit "$notify_pid" && [ "$rc" -eq 0 ] &&
	sed -n 2p "$run/notify.out" | grep -qxE $'[0-9]+\\.[0-9]{9}\trequested\tmpsse0 3 "ADBUS3"' &&
	sed -n 3p "$run/notify.out" | grep -qxE $'[0-9]+\\.[0-9]{9}\treleased\tmpsse0 3 "ADBUS3"'
ok $? "notify: requested and released"

# --- stats ------------------------------------------------------------------------------
cap stats
[ "$rc" -eq 0 ] && [ "$(sed -n 1p "$run/out")" = "mpsse0 [FT232H A serial=CLI1]:" ] &&
	grep -qx $'\tpresent:                yes' "$run/out" && grep -q $'\tsample rate: ' "$run/out"
ok $? "stats for people"
cap stats --prometheus mpsse0
[ "$rc" -eq 0 ] && grep -qx 'mpssed_chip_present{chip="mpsse0"} 1' "$run/out" &&
	grep -qx '# TYPE mpssed_samples_total counter' "$run/out" &&
	grep -qxE 'mpssed_sample_rtt_seconds\{chip="mpsse0",quantile="0.99"\} [0-9.e+-]+' "$run/out" &&
	! grep -vqE '^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[^}]*\})? [0-9.e+-]+)$' "$run/out"
ok $? "stats --prometheus: text exposition format"

# --- unplug under running commands -------------------------------------------------------
start_bg mon --banner -c mpsse0 15
mon_pid=$bg
start_bg set --banner -c mpsse0 1=1
set_pid=$bg
wait_for "$run/mon.out" "^Monitoring line" && wait_for "$run/set.out" "^Setting line"
m emu mpsse0 unplug
wait_exit "$mon_pid"
[ "$rc" -eq 1 ] && [ "$(cat "$run/mon.err")" = "mpssectl: mpsse0: device unplugged" ]
ok $? "unplug under mon: 'mpssectl: mpsse0: device unplugged', exit 1"
wait_exit "$set_pid"
[ "$rc" -eq 1 ] && [ "$(cat "$run/set.err")" = "mpssectl: mpsse0: device unplugged" ]
ok $? "unplug under set: the same (the kernel's gpioset exits 0 silently)"
expect "detect leaves out the unplugged chip" 0 "" "" -- detect
expect_err "get on the unplugged chip" "mpssectl: mpsse0: device unplugged" -- get -c mpsse0 0
m emu mpsse0 replug
for _ in $(seq 100); do [ "$(m detect)" = "$detected" ] && break; sleep 0.05; done
expect "detect after replug" 0 "$detected" "" -- detect

# The wave gives an edge every 250 ms: 6 edges cannot all come before the unplug.
start_bg mon --wait-replug --banner -n 6 -F '%o' -c mpsse0 15
mon_pid=$bg
wait_for "$run/mon.out" "^Monitoring line" && m emu mpsse0 unplug && sleep 0.5 &&
	kill -0 "$mon_pid" && m emu mpsse0 replug && wait_exit "$mon_pid" && [ "$rc" -eq 0 ] &&
	[ "$(sed 1d "$run/mon.out" | tr '\n' ' ')" = "15 15 15 15 15 15 " ] && [ ! -s "$run/mon.err" ]
ok $? "mon --wait-replug outlives the unplug and resumes after replug"

m set -z -C mpssectl-ztest -c mpsse0 6=1 >"$run/out" 2>"$run/err"
ok $? "set -z returns once the lines are set"
expect "the daemonized set holds the line" 0 \
	$'mpsse0 6\t"ADBUS6"        \toutput consumer="mpssectl-ztest"' "" -- info -c mpsse0 6
zpid=$(find_pid mpssectl-ztest)
m emu mpsse0 unplug
gone=1
for _ in $(seq 200); do
	if [ -z "$zpid" ] || ! kill -0 "$zpid" 2>/dev/null; then gone=0; break; fi
	sleep 0.05
done
[ -n "$zpid" ] && [ "$gone" -eq 0 ]
ok $? "the daemonized set ends when the device is unplugged"
[ -n "$zpid" ] && kill "$zpid" 2>/dev/null
m emu mpsse0 replug

# --- help and bad arguments ---------------------------------------------------------------
for cmd in detect info get set mon notify stats emu; do
	cap "$cmd" --help
	[ "$rc" -eq 0 ] && head -n 1 "$run/out" | grep -q "^Usage: mpssectl $cmd \[OPTIONS\]"
	ok $? "$cmd --help"
done
cap --help
[ "$rc" -eq 0 ] && grep -q "^Usage: mpssectl \[OPTIONS\] <command>" "$run/out"
ok $? "mpssectl --help"
expect_err "unknown command" "mpssectl: unknown command 'bogus'; try 'mpssectl --help'" -- bogus
expect_err "get without lines" "mpssectl: at least one GPIO line must be specified" -- get
expect_err "bad bias" "mpssectl: invalid bias: bad" -- get --bias=bad -c mpsse0 0
expect_err "bad period" "mpssectl: invalid period: bad" -- mon -p bad -c mpsse0 0
expect_err "bad toggle period" "mpssectl: invalid period: 1ns" -- set -t 1ns ADBUS0=1
expect_err "bad value" "mpssectl: invalid line value: '3'" -- set -c mpsse0 0=3
expect_err "interactive with toggle" "mpssectl: can't combine interactive with toggle" -- \
	set -i -t 1s -c mpsse0 0=1
expect_err "offset out of range" "mpssectl: offset 16 is out of range on chip 'mpsse0'" -- \
	get -c mpsse0 16
expect_err "unknown line" "mpssectl: cannot find line 'NOPE'" -- get NOPE
expect_err "the same line twice" "mpssectl: lines 'ADBUS0' and '0' are the same line" -- \
	get -c mpsse0 ADBUS0 0
cap get --nope
[ "$rc" -eq 1 ] && [ ! -s "$run/out" ] && ! grep -qv '^mpssectl: ' "$run/err"
ok $? "unknown option: exit 1, every message prefixed 'mpssectl: '"
"$mpssectl" --runtime-dir /nonexistent-mpssed detect >"$run/out" 2>"$run/err"
[ $? -eq 1 ] && [ "$(cat "$run/err")" = \
	"mpssectl: cannot connect to mpssed in '/nonexistent-mpssed': No such file or directory" ]
ok $? "no daemon: exit 1 and why"

echo "1..$n"
