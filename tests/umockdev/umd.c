// SPDX-License-Identifier: GPL-2.0-or-later
#include "umd.h"

#include <errno.h>
#include <ftdi.h>
#include <libusb.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"

#define PRELOAD "libumockdev-preload.so"
/* Set across the re-exec so a wrapper that does not preload cannot loop. */
#define REEXEC_ENV "MPSSED_UMD_REEXEC"
/* Every program here takes seconds; a hang is a failure, not a wait. */
#define WATCHDOG_S 60

static void watchdog(int sig)
{
	static const char msg[] = "Bail out! watchdog: the test hung\n";

	(void)!write(STDOUT_FILENO, msg, sizeof(msg) - 1);
	_exit(1);
}

#ifdef MPSSED_TSAN
/*
 * Added to tests/tsan.supp for this tier's programs, for races inside the
 * libraries it runs (no code of ours runs under those frames):
 *  - libudev caches its random seed in globals without locking; here two
 *    users share it (libusb's hotplug monitor, umockdev's uevent sender);
 *  - libusb 1.0.26 reads a synchronous transfer's "completed" flag without
 *    a lock, so when another thread handles events (the transport's event
 *    thread while libftdi1 opens a device) libusb_free_transfer() destroys
 *    the transfer's mutex "racing" that thread's unlock.
 */
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
	return "race:libudev.so.1\n"
	       "race:libusb_free_transfer\n";
}
#endif

/* ASan refuses to start behind an LD_PRELOAD unless told not to check. */
static void allow_preload_before_asan(void)
{
	const char *opts = getenv("ASAN_OPTIONS");
	char buf[1024];

	if (opts && strstr(opts, "verify_asan_link_order"))
		return;
	snprintf(buf, sizeof(buf), "verify_asan_link_order=0%s%s", opts ? ":" : "",
		 opts ? opts : "");
	setenv("ASAN_OPTIONS", buf, 1);
}

void umd_init(char **argv)
{
	const char *preload = getenv("LD_PRELOAD");
	char self[PATH_MAX];
	char **args;
	ssize_t len;
	int argc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (preload && strstr(preload, PRELOAD)) {
		signal(SIGALRM, watchdog);
		alarm(WATCHDOG_S);
		return;
	}
	if (getenv(REEXEC_ENV))
		tap_bail("umockdev-wrapper did not preload %s", PRELOAD);
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0)
		tap_bail("cannot find this program: %s", strerror(errno));
	self[len] = '\0';
	for (argc = 0; argv[argc]; argc++)
		;
	args = calloc((size_t)argc + 2, sizeof(*args));
	if (!args)
		tap_bail("out of memory");
	args[0] = (char *)"umockdev-wrapper";
	args[1] = self;
	memcpy(args + 2, argv + 1, (size_t)argc * sizeof(*args));
	setenv(REEXEC_ENV, "1", 1);
	allow_preload_before_asan();
	execvp(args[0], args);
	printf("1..0 # SKIP cannot run umockdev-wrapper (package umockdev): %s\n", strerror(errno));
	exit(0);
}

uint64_t umd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

struct emu_chip *umd_chip(enum emu_model model, const char *serial)
{
	struct emu_config config = { .model = model, .serial = serial };
	struct emu_chip *chip = emu_chip_new(&config);

	if (!chip)
		tap_bail("cannot emulate a %s: %s", emu_model_name(model), strerror(errno));
	return chip;
}

bool umd_pump(struct libusb_context *ctx, const int *flag, int ms)
{
	uint64_t deadline = umd_now_ns() + (uint64_t)ms * 1000000ULL;

	while (!*flag && umd_now_ns() < deadline) {
		struct timeval tv = { .tv_usec = 10000 };

		libusb_handle_events_timeout_completed(ctx, &tv, NULL);
	}
	return *flag != 0;
}

struct ftdi_context *umd_ftdi_open(uint16_t vid, uint16_t pid, const char *serial, unsigned intf)
{
	struct ftdi_context *ftdi = ftdi_new();
	int r;

	if (!ftdi) {
		tap_diag("ftdi_new failed");
		return NULL;
	}
	r = ftdi_set_interface(ftdi, (enum ftdi_interface)(INTERFACE_A + intf));
	if (r == 0)
		r = ftdi_usb_open_desc(ftdi, vid, pid, NULL, serial);
	if (r < 0) {
		tap_diag("cannot open %04x:%04x %s interface %u: %d %s", vid, pid,
			 serial ? serial : "(any)", intf, r, ftdi_get_error_string(ftdi));
		ftdi_free(ftdi);
		return NULL;
	}
	return ftdi;
}

int umd_ftdi_query(struct ftdi_context *ftdi, const uint8_t *cmd, size_t n, uint8_t *answer,
		   size_t want, int ms)
{
	uint64_t deadline = umd_now_ns() + (uint64_t)ms * 1000000ULL;
	size_t got = 0;
	int r;

	r = ftdi_write_data(ftdi, cmd, (int)n);
	if (r < 0)
		return r;
	if ((size_t)r != n)
		return -1;
	while (got < want && umd_now_ns() < deadline) {
		r = ftdi_read_data(ftdi, answer + got, (int)(want - got));
		if (r < 0)
			return r;
		got += (size_t)r;
	}
	return (int)got;
}

int umd_ftdi_mpsse(struct ftdi_context *ftdi)
{
	static const uint8_t sync[] = { 0xaa };
	uint8_t answer[2];
	int r;

	r = ftdi_usb_reset(ftdi);
	if (r == 0)
		r = ftdi_tcioflush(ftdi);
	if (r == 0)
		r = ftdi_set_latency_timer(ftdi, 1);
	if (r == 0)
		r = ftdi_set_bitmode(ftdi, 0, BITMODE_RESET);
	if (r == 0)
		r = ftdi_set_bitmode(ftdi, 0, BITMODE_MPSSE);
	if (r < 0)
		return r;
	r = umd_ftdi_query(ftdi, sync, sizeof(sync), answer, sizeof(answer), 500);
	if (r != 2 || answer[0] != 0xfa || answer[1] != 0xaa)
		return -1;
	return 0;
}
