# SPDX-License-Identifier: GPL-2.0-or-later
#
# TAP for the shell tests, as tests/tap.h is for the C ones. Source it,
# then print the plan. A test that captures a command's output in
# $run/out and $run/err (see expect) gets them shown when a check fails.

n=0

ok() { # ok STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
		return
	fi
	echo "not ok $n - $2"
	[ -n "${run:-}" ] || return
	sed 's/^/# stdout: /' "$run/out" 2>/dev/null | head -n 20
	sed 's/^/# stderr: /' "$run/err" 2>/dev/null | head -n 20
}

skip() { # skip REASON
	n=$((n + 1))
	echo "ok $n # SKIP $1"
}

# expect DESCRIPTION RC STDOUT STDERR -- ARGS...: exact stdout, stderr and
# status of `cap ARGS...`, which the test defines (output to $run/out and
# $run/err, status to $rc).
expect() {
	local desc=$1 want_rc=$2 want_out=$3 want_err=$4
	shift 5
	cap "$@"
	[ "$rc" -eq "$want_rc" ] && [ "$(cat "$run/out")" = "$want_out" ] &&
		[ "$(cat "$run/err")" = "$want_err" ]
	ok $? "$desc"
}

# Wait (bounded, 10 s) until FILE holds a line matching REGEX.
wait_for() { # FILE REGEX
	for _ in $(seq 200); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# Wait (bounded, 10 s) for background PID to exit; its status in $rc
# (255: still running, killed).
wait_exit() { # PID
	for _ in $(seq 200); do
		if ! kill -0 "$1" 2>/dev/null; then
			wait "$1"
			rc=$?
			return 0
		fi
		sleep 0.05
	done
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	rc=255
	return 1
}
