/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The real daemon for the client tests: mpssed --emulate SPEC --no-usb in a
 * fresh runtime directory, which the test then reaches only through
 * libmpssed ($MPSSED_RUNTIME_DIR is set to it). The test process has no
 * liburcu state, so spawning from it is safe.
 */
#ifndef MPSSED_TESTS_CLIENT_DAEMON_H
#define MPSSED_TESTS_CLIENT_DAEMON_H

#include <sys/types.h>

struct test_daemon {
	pid_t pid;
	char dir[64];
};

/*
 * Start the daemon (bails out of the TAP plan if it does not come up
 * within a bounded time) and wait until its control socket and the chip
 * socket `chip` exist.
 */
void test_daemon_start(struct test_daemon *d, const char *spec, const char *chip);
/* SIGTERM, wait (bounded, then SIGKILL), remove the directory. */
void test_daemon_stop(struct test_daemon *d);
/* Sleep for ms milliseconds. */
void test_sleep_ms(unsigned ms);

#endif
