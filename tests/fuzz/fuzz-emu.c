// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The emulator's MPSSE command interpreter (src/emu) against any command
 * stream a host could send: the input is written to interface A's bulk OUT
 * endpoint of an emulated FT232H in MPSSE mode while its answers are read
 * back. Promises: every IN packet starts with the two modem-status bytes
 * and no transfer returns more than it asked for; the chip never stops
 * answering (an IN transfer always completes, with data or a status-only
 * packet); an OUT transfer stuck behind a hardware wait (0x88/0x89) ends
 * when the TX FIFO is purged or it is cancelled. Between inputs the FIFOs
 * are purged, so each input starts from a chip in MPSSE mode with empty
 * FIFOs (pin latches and directions carry over, as on a real chip).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "emu/emu.h"
#include "fuzz.h"

#define INPUT_MAX 2048
#define IN_ROUNDS_MAX 64	/* IN transfers per input before a stuck OUT is given up on */
#define DONE_TIMEOUT_MS 5000	/* the bus thread completes an IN within the latency timer */

enum { EP_IN = 0x81, EP_OUT = 0x02, INTF_A = 1 };

static struct emu_chip *chip;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;

struct waiter {
	bool done;
};

static void xfer_done(struct emu_xfer *x)
{
	struct waiter *w = x->user_data;

	pthread_mutex_lock(&lock);
	w->done = true;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

/* Whether x completed within ms. */
static bool wait_done(struct waiter *w, int ms)
{
	struct timespec ts;
	bool done;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&lock);
	while (!w->done && pthread_cond_timedwait(&cond, &lock, &ts) == 0)
		;
	done = w->done;
	pthread_mutex_unlock(&lock);
	return done;
}

static void vendor(uint8_t request, uint16_t value)
{
	struct emu_setup s = { 0x40, request, value, INTF_A, 0 };

	if (emu_chip_control(chip, &s, NULL) < 0)
		fuzz_fail("vendor request 0x%02x refused", request);
}

/* One IN transfer; its payload bytes (0 for a status-only packet). */
static size_t read_answers(void)
{
	static uint8_t buf[4 * EMU_PACKET_SIZE];
	struct waiter w = { false };
	struct emu_xfer x = { .endpoint = EP_IN, .buffer = buf, .length = sizeof(buf),
			      .done = xfer_done, .user_data = &w };

	if (emu_chip_submit(chip, &x) < 0)
		fuzz_fail("IN transfer refused");
	fuzz_assert(wait_done(&w, DONE_TIMEOUT_MS), "the chip stopped answering");
	fuzz_assert(x.status == 0 && x.actual >= 2 && x.actual <= x.length,
		    "IN transfer: status %d, %zu bytes", x.status, x.actual);
	for (size_t off = 0; off < x.actual; off += EMU_PACKET_SIZE)
		fuzz_assert(x.actual - off >= 2 && buf[off] == EMU_STATUS_BYTE0 &&
				    buf[off + 1] == EMU_STATUS_BYTE1,
			    "packet at %zu without its status bytes", off);
	return x.actual - 2 * ((x.actual + EMU_PACKET_SIZE - 1) / EMU_PACKET_SIZE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t cmd[INPUT_MAX];
	struct waiter w = { false };
	struct emu_xfer out = { .endpoint = EP_OUT, .buffer = cmd, .done = xfer_done,
				.user_data = &w };
	unsigned rounds = 0;
	size_t got = 1;

	out.length = size < sizeof(cmd) ? size : sizeof(cmd);
	memcpy(cmd, data, out.length);
	if (emu_chip_submit(chip, &out) < 0)
		fuzz_fail("OUT transfer refused");
	/* Read while the OUT runs and until the answers run dry. */
	while (rounds++ < IN_ROUNDS_MAX && (!w.done || got))
		got = read_answers();
	if (!wait_done(&w, 0)) {
		/* A hardware wait that nothing satisfies: the purge ends it, or cancel. */
		vendor(0x00, 1);
		if (!wait_done(&w, 50))
			emu_chip_cancel(chip, &out);
		fuzz_assert(wait_done(&w, DONE_TIMEOUT_MS), "a cancelled OUT never completed");
	}
	fuzz_assert(out.status == 0 || out.status == -ENOENT, "OUT status %d", out.status);
	vendor(0x00, 1);
	vendor(0x00, 2);
	return 0;
}

static void teardown(void)
{
	chip = emu_chip_free(chip);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct emu_config config = { .model = EMU_FT232H, .timing = false };

	chip = emu_chip_new(&config);
	if (!chip)
		fuzz_fail("emu_chip_new: %s", strerror(errno));
	vendor(0x0b, 0x0000);	/* SET_BITMODE reset */
	vendor(0x0b, 0x0200);	/* MPSSE */
	vendor(0x09, 1);	/* latency 1 ms: a status-only packet comes quickly */
	vendor(0x00, 0);
	atexit(teardown);
	return 0;
}
