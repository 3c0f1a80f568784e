#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Debian's own libgpiod 2.1 tools (gpiodetect, gpioinfo, gpioget, gpioset,
# gpiomon, gpionotify from bookworm-backports), unmodified, run through
# mpssed-gpiod on the drop-in library against the real daemon with an
# emulated FT232H in the demo world (line 15: 2 Hz square wave; line 0
# wired to line 4). Outputs are compared with what these tools print on a
# kernel gpiochip. A TAP script; every wait is bounded.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/compat/common.sh"
mpssectl=$top_builddir/tools/mpssectl
compat_setup tools
bg_pids=()
. "${top_srcdir:-.}/tests/tap.sh"

# The tools by their plain names (their messages start with argv[0]),
# through the wrapper users run, pointed at the uninstalled library.
PATH=$libgpiod_root/usr/bin:$PATH
export MPSSED_GPIOD_LIBDIR=$(cd "$dropin" && pwd)
wrapper=$top_builddir/compat/gpiod/mpssed-gpiod
san=$(sanitizer_runtime "$dropin/libgpiod.so.3")
case $san in
*tsan*)
	# Preloaded into uninstrumented programs, ThreadSanitizer's runtime crashes them.
	echo "1..0 # SKIP Debian's tools cannot load the ThreadSanitizer runtime; test-abi runs the library under TSan"
	rm -rf "$run"
	exit 0
	;;
esac
# Leaks of Debian's tools are theirs; test-abi holds our ownership rules.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

cleanup() {
	for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
	stop_mpssed
}
trap cleanup EXIT

g() { LD_PRELOAD=$san "$wrapper" "$@"; }

# Run a tool; its stdout, stderr and exit status go to out, err and $rc.
cap() {
	g "$@" >"$run/out" 2>"$run/err"
	rc=$?
}

start_bg() { # NAME TOOL ARGS...: output in NAME.out/NAME.err, pid in $bg
	local name=$1
	shift
	LD_PRELOAD=$san "$wrapper" "$@" >"$run/$name.out" 2>"$run/$name.err" &
	bg=$!
	bg_pids+=("$bg")
}

start_mpssed GPD1
chip=$run/mpsse0
ln -s "$chip" "$run/link"
echo "# libgpiod $(cat "$libgpiod_root/VERSION") from $libgpiod_root"

# --- detect and info -------------------------------------------------------------
detected="mpsse0 [FT232H A serial=GPD1] (16 lines)"
expect "gpiodetect by socket path" 0 "$detected" "" -- gpiodetect "$chip"
expect "gpiodetect through a symlink" 0 "$detected" "" -- gpiodetect "$run/link"
expect "gpiodetect of something that is not a chip" 1 "" \
	"gpiodetect: cannot find GPIO chip character device '$run/daemon.log'" \
	-- gpiodetect "$run/daemon.log"
expect "gpiodetect of the daemon's control socket" 1 "" \
	"gpiodetect: cannot find GPIO chip character device '$run/mpssed.sock'" \
	-- gpiodetect "$run/mpssed.sock"

info="mpsse0 - 16 lines:"
for i in $(seq 0 15); do
	if [ "$i" -lt 8 ]; then name=ADBUS$i; else name=ACBUS$((i - 8)); fi
	info+=$'\n'"$(printf '\tline %3d:\t%-16s\tinput' "$i" "\"$name\"")"
done
expect "gpioinfo -c: every line" 0 "$info" "" -- gpioinfo -c "$chip"
expect "gpioinfo of lines by name and offset" 0 \
	"$(printf 'mpsse0 4\t"ADBUS4"        \tinput\nmpsse0 15\t"ACBUS7"        \tinput')" "" \
	-- gpioinfo -c "$chip" ADBUS4 15
expect "gpioinfo of an unknown line" 1 "" "gpioinfo: cannot find line 'nosuch'" \
	-- gpioinfo -c "$chip" nosuch

# --- get and set ----------------------------------------------------------------------
expect "gpioget by offset and name" 0 '"0"=inactive "ADBUS4"=inactive' "" \
	-- gpioget -c "$chip" 0 ADBUS4
expect "gpioget --numeric" 0 "0 0" "" -- gpioget -c "$chip" --numeric 0 4
expect "gpioget of an unknown line" 1 "" "gpioget: cannot find line 'nosuch'" \
	-- gpioget -c "$chip" nosuch
expect "gpioget of an offset beyond the chip" 1 "" "gpioget: offset 16 is out of range on chip '$chip'" \
	-- gpioget -c "$chip" 16

start_bg set gpioset -c "$chip" --consumer holder ADBUS0=active
setpid=$bg
wait_for_used() {
	for _ in $(seq 200); do
		g gpioinfo -c "$chip" 0 2>/dev/null | grep -q 'consumer="holder"' && return 0
		sleep 0.05
	done
	return 1
}
wait_for_used
expect "gpioinfo shows gpioset's request" 0 \
	"$(printf 'mpsse0 0\t"ADBUS0"        \toutput consumer="holder"')" "" -- gpioinfo -c "$chip" 0
expect "the value gpioset holds reaches the wired input" 0 '"4"=active' "" -- gpioget -c "$chip" 4
expect "a held line is busy" 1 "" "gpioget: unable to request lines: Device or resource busy" \
	-- gpioget -c "$chip" 0
kill "$setpid"
wait_exit "$setpid"
# gpioset 2.1 does not catch SIGTERM, on a kernel chip neither.
[ "$rc" -eq 143 ] && [ ! -s "$run/set.err" ]
ok $? "gpioset holds until killed by SIGTERM"
cap gpioinfo -c "$chip" 0
[ "$rc" -eq 0 ] && ! grep -q consumer "$run/out"
ok $? "killing gpioset releases the line"

start_bg hold gpioset -c "$chip" --hold-period 500ms --toggle 0 0=1
holdpid=$bg
sleep 0.2
expect "--hold-period: the value is held" 0 '"4"=active' "" -- gpioget -c "$chip" 4
wait_exit "$holdpid"
[ "$rc" -eq 0 ]
ok $? "--hold-period with --toggle 0 exits 0 by itself"

# --- mon -----------------------------------------------------------------------------------
cap timeout 10 gpiomon -c "$chip" -n 2 15
[ "$rc" -eq 0 ] && [ "$(wc -l <"$run/out")" -eq 2 ] &&
	grep -qE $'^[0-9]+\\.[0-9]{9}\t(rising|falling)\tmpsse0 15 "ACBUS7"$' "$run/out" &&
	[ "$(cut -f2 "$run/out" | sort -u | wc -l)" -eq 2 ]
ok $? "gpiomon: default format, both edges of the square wave, -n"
for edge in rising falling; do
	expect "gpiomon -e $edge -F" 0 "15 $edge ACBUS7 mpsse0"$'\n'"15 $edge ACBUS7 mpsse0" "" \
		-- timeout 10 gpiomon -c "$chip" -e "$edge" -n 2 -F '%o %E %l %c' ACBUS7
done
cap timeout 10 gpiomon -c "$chip" -e both -n 2 -F '%e' 15
[ "$rc" -eq 0 ] && [ "$(sort "$run/out" | tr '\n' ' ')" = "1 2 " ]
ok $? "gpiomon -e both -F %e: 1 for rising, 2 for falling"
expect "gpiomon --banner, debounce, quiet" 0 "Monitoring line 'ACBUS7'..."$'\n'"15" "" \
	-- timeout 10 gpiomon -c "$chip" --banner -p 10ms -n 1 -F '%o' ACBUS7
expect "gpiomon --idle-timeout on a quiet line" 0 "" "" \
	-- timeout 10 gpiomon -c "$chip" --idle-timeout 300ms 3
cap timeout 10 gpiomon -c "$chip" -E realtime -n 1 -F '%U' 15
now=$(date -u +%Y-%m-%d)
[ "$rc" -eq 0 ] && grep -qE "^${now}T[0-9:]{8}\\.[0-9]{9}Z\$" "$run/out"
ok $? "gpiomon -E realtime -F %U prints today's UTC time"

start_bg mondebounce gpiomon -c "$chip" -p 10ms -F '%o' 15
wait_for_consumer() { # OFFSET WORD
	for _ in $(seq 200); do
		g gpioinfo -c "$chip" "$1" 2>/dev/null | grep -q "$2" && return 0
		sleep 0.05
	done
	return 1
}
wait_for_consumer 15 'debounce-period=10ms'
ok $? "gpiomon -p: the line shows debounce-period=10ms while monitored"
kill "$bg"
wait_exit "$bg"

# --- notify ------------------------------------------------------------------------------------
# gpionotify's watch starts at some point after it does: request and
# release line 2 until it has seen two changes, which must be one of each.
start_bg notify timeout 20 gpionotify -c "$chip" -n 2 -F '%o %E %l %C' 2
for _ in $(seq 40); do
	kill -0 "$bg" 2>/dev/null || break
	g gpioset -c "$chip" -C me -t 100ms,0 2=1 >"$run/out" 2>"$run/err"
done
wait_exit "$bg"
[ "$rc" -eq 0 ] && [ "$(sort "$run/notify.out")" = "2 released ADBUS2 unused"$'\n'"2 requested ADBUS2 me" ]
ok $? "gpionotify: line requested (with its consumer) and released"

# --- unplug ------------------------------------------------------------------------------------
start_bg mon gpiomon -c "$chip" -F '%o' 15
wait_for "$run/mon.out" '^15$'
"$mpssectl" --runtime-dir "$run" emu mpsse0 unplug
wait_exit "$bg"
[ "$rc" -eq 1 ] && [ "$(cat "$run/mon.err")" = "gpiomon: error reading line events: No such device" ]
ok $? "device unplugged under gpiomon: ENODEV, exit 1"
expect "gpioget on the unplugged chip" 1 "" "gpioget: unable to request lines: No such device" \
	-- gpioget -c "$chip" 0
"$mpssectl" --runtime-dir "$run" emu mpsse0 replug
for _ in $(seq 200); do g gpiodetect "$chip" >/dev/null 2>&1 && break; sleep 0.05; done
expect "after replug gpiodetect sees the chip again" 0 "$detected" "" -- gpiodetect "$chip"

echo "1..$n"
