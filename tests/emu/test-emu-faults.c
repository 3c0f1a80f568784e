// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Faults, unplug and replug, cancel, free with transfers pending, and the
 * callback contract (never inside submit, never under the chip's lock).
 */
#include <stdio.h>
#include <unistd.h>

#include "tap.h"
#include "helpers.h"

static struct emu_chip *chip_open(enum emu_model model, uint8_t latency)
{
	struct emu_config cfg = { .model = model };
	struct emu_chip *chip = emu_chip_new(&cfg);

	if (!chip)
		tap_bail("emu_chip_new: %s", strerror(errno));
	if (mpsse_enter(chip, 0, latency) < 0)
		tap_bail("entering MPSSE failed");
	return chip;
}

struct plug_log {
	pthread_mutex_t lock;
	unsigned unplugged, replugged;
	bool saw_state; /* emu_chip_plugged() agreed inside the listener */
};

static void on_plug(struct emu_chip *chip, bool plugged, void *user_data)
{
	struct plug_log *log = user_data;
	bool state = emu_chip_plugged(chip);

	pthread_mutex_lock(&log->lock);
	if (plugged)
		log->replugged++;
	else
		log->unplugged++;
	log->saw_state = state == plugged;
	pthread_mutex_unlock(&log->lock);
}

static void plug_log_attach(struct emu_chip *chip, struct plug_log *log)
{
	const struct emu_listener l = { on_plug, log };

	memset(log, 0, sizeof(*log));
	pthread_mutex_init(&log->lock, NULL);
	emu_chip_set_listener(chip, &l);
}

static unsigned plug_count(struct plug_log *log, bool plugged)
{
	unsigned n;

	pthread_mutex_lock(&log->lock);
	n = plugged ? log->replugged : log->unplugged;
	pthread_mutex_unlock(&log->lock);
	return n;
}

static bool wait_unplugged(struct plug_log *log, unsigned count, int ms)
{
	for (int i = 0; i < ms && plug_count(log, false) < count; i++)
		usleep(1000);
	return plug_count(log, false) >= count;
}

static void test_unplug_at_xfer(void)
{
	struct emu_chip *chip = chip_open(EMU_FT2232H, 1);
	const struct emu_fault f = { .kind = EMU_FAULT_UNPLUG_AT_XFER, .at = 3 };
	struct emu_setup s = { 0x40, 0x09, 1, 1, 0 };
	struct plug_log log;
	uint8_t b[512];

	plug_log_attach(chip, &log);
	tap_ok(emu_chip_inject(chip, 0, &f) == 0, "inject: unplug at the 3rd bulk transfer");
	tap_ok(CMD(chip, 0, 0x81, 0x87) == 0 && bulk(chip, 0x81, b, sizeof(b), NULL) == 0,
	       "transfers 1 and 2 work");
	tap_ok(CMD(chip, 0, 0x81) == -ENODEV && wait_unplugged(&log, 1, 1000) &&
		       !emu_chip_plugged(chip),
	       "transfer 3 completes with -ENODEV, the chip is gone, the listener heard it");
	tap_ok(emu_chip_submit(chip, &(struct emu_xfer){ .endpoint = 0x81,
							 .buffer = b,
							 .length = 512,
							 .done = waiter_done }) == -ENODEV &&
		       emu_chip_control(chip, &s, NULL) == -ENODEV &&
		       emu_chip_unplug(chip) == -ENODEV,
	       "later submit, control and unplug fail with -ENODEV");
	tap_ok(log.saw_state, "inside the listener, emu_chip_plugged() already says so");
	emu_chip_free(chip);
	pthread_mutex_destroy(&log.lock);
}

static void test_unplug_at_time(void)
{
	struct emu_chip *chip = chip_open(EMU_FT2232H, 255);
	const struct emu_fault f = { .kind = EMU_FAULT_UNPLUG_AT_TIME, .at = 20000000 };
	struct plug_log log;
	struct waiter w;
	struct emu_xfer x;
	uint8_t b[512];
	uint64_t t0 = now_ns();

	plug_log_attach(chip, &log);
	waiter_init(&w);
	xfer_prep(&x, &w, 0x81, b, sizeof(b));
	tap_ok(emu_chip_inject(chip, 0, &f) == 0 && emu_chip_submit(chip, &x) == 0,
	       "inject: unplug in 20 ms; a read waits");
	tap_ok(waiter_wait(&w, 1, WAIT_MS) && x.status == -ENODEV && now_ns() - t0 >= 20000000 &&
		       wait_unplugged(&log, 1, 1000),
	       "after 20 ms the read fails with -ENODEV and the listener hears the unplug");
	waiter_deinit(&w);
	emu_chip_free(chip);
	pthread_mutex_destroy(&log.lock);
}

static void test_timeout(void)
{
	struct emu_chip *chip = chip_open(EMU_FT2232H, 1);
	const struct emu_fault f = { .kind = EMU_FAULT_TIMEOUT, .count = 1 };
	struct waiter w;
	struct emu_xfer x;
	uint8_t b[512];

	waiter_init(&w);
	xfer_prep(&x, &w, 0x81, b, sizeof(b));
	tap_ok(emu_chip_inject(chip, 0, &f) == 0 && emu_chip_submit(chip, &x) == 0 &&
		       !waiter_wait(&w, 1, 60),
	       "timeout: a read with a 1 ms latency timer does not complete in 60 ms");
	tap_ok(emu_chip_cancel(chip, &x) == 0 && waiter_wait(&w, 1, WAIT_MS) && x.status == -ENOENT,
	       "... until cancelled (-ENOENT)");
	tap_ok(CMD(chip, 0, 0xaa, 0x87) == 0 && bulk(chip, 0x81, b, sizeof(b), NULL) == 0 &&
		       b[2] == 0xfa,
	       "the next read works");
	waiter_deinit(&w);
	emu_chip_free(chip);
}

static void test_answer_faults(void)
{
	struct emu_chip *chip = chip_open(EMU_FT2232H, 1);
	const struct emu_fault shrt = { .kind = EMU_FAULT_SHORT_PACKET, .count = 1 };
	const struct emu_fault status = { .kind = EMU_FAULT_STATUS_ONLY, .count = 1 };
	const uint8_t stale_bytes[] = { 0x12, 0x34 }, junk[] = { 0xde, 0xad, 0xbe };
	const struct emu_fault stale = { .kind = EMU_FAULT_STALE_BYTES,
					 .bytes = stale_bytes,
					 .n_bytes = 2 };
	const struct emu_fault garbage = {
		.kind = EMU_FAULT_GARBAGE, .count = 1, .bytes = junk, .n_bytes = 3
	};
	uint8_t b[512];
	size_t actual = 0;

	tap_ok(emu_chip_inject(chip, 0, &shrt) == 0 && CMD(chip, 0, 0xaa, 0xab, 0x87) == 0 &&
		       bulk(chip, 0x81, b, sizeof(b), &actual) == 0 && actual == 3 && b[2] == 0xfa,
	       "short packet: the answer carries 1 data byte");
	tap_ok(bulk(chip, 0x81, b, sizeof(b), &actual) == 0 && actual == 5 && b[2] == 0xaa &&
		       b[3] == 0xfa && b[4] == 0xab,
	       "... the rest follows in the next one");
	tap_ok(emu_chip_inject(chip, 0, &status) == 0 && CMD(chip, 0, 0x81, 0x87) == 0 &&
		       bulk(chip, 0x81, b, sizeof(b), &actual) == 0 && actual == 2 &&
		       bulk(chip, 0x81, b, sizeof(b), &actual) == 0 && actual == 3,
	       "status only: one answer without its waiting byte, which comes next");
	tap_ok(emu_chip_inject(chip, 0, &stale) == 0 && CMD(chip, 0, 0xaa, 0x87) == 0 &&
		       bulk(chip, 0x81, b, sizeof(b), &actual) == 0 && actual == 6 &&
		       b[2] == 0x12 && b[3] == 0x34 && b[4] == 0xfa && b[5] == 0xaa,
	       "stale bytes come before the answer");
	tap_ok(emu_chip_inject(chip, 0, &garbage) == 0 && CMD(chip, 0, 0x81, 0x87) == 0 &&
		       bulk(chip, 0x81, b, sizeof(b), &actual) == 0 && actual == 5 &&
		       b[2] == 0xde && b[4] == 0xbe,
	       "garbage replaces an answer's data");
	tap_ok(CMD(chip, 0, 0xaa, 0x87) == 0 && bulk(chip, 0x81, b, sizeof(b), &actual) == 0 &&
		       actual == 4 && b[2] == 0xfa,
	       "each fault hits only `count` answers");
	tap_ok(emu_chip_inject(chip, 0, &(struct emu_fault){ .kind = 99 }) == -EINVAL &&
		       emu_chip_inject(chip, 2, &shrt) == -EINVAL,
	       "an unknown fault or interface is -EINVAL");
	emu_chip_free(chip);
}

static void test_stop_answering(void)
{
	struct emu_chip *chip = chip_open(EMU_FT2232H, 1);
	const struct emu_fault f = { .kind = EMU_FAULT_STOP_ANSWERING };
	struct emu_setup s = { 0xc0, 0x0a, 0, 1, 1 };
	struct waiter w;
	struct emu_xfer x;
	uint8_t b[512], lat;

	waiter_init(&w);
	xfer_prep(&x, &w, 0x81, b, sizeof(b));
	tap_ok(emu_chip_inject(chip, 0, &f) == 0 && CMD(chip, 0, 0x81, 0x87) == 0 &&
		       emu_chip_submit(chip, &x) == 0 && !waiter_wait(&w, 1, 60),
	       "stopped: a read gets nothing, not even status");
	tap_ok(emu_chip_control_timeout(chip, &s, &lat, 30) == -ETIMEDOUT,
	       "stopped: a vendor request times out");
	emu_chip_clear_faults(chip);
	tap_ok(waiter_wait(&w, 1, WAIT_MS) && x.status == 0 && x.actual == 3 &&
		       emu_chip_control(chip, &s, &lat) == 1,
	       "cleared: the held commands run and the chip answers again");
	waiter_deinit(&w);
	emu_chip_free(chip);
}

/* --- Unplug, replug, cancel, free --------------------------------------- */

static void test_unplug_pending(void)
{
	struct emu_chip *chip = chip_open(EMU_FT2232H, 255);
	struct plug_log log;
	struct waiter w;
	struct emu_xfer x[7];
	static uint8_t bufs[6][512], stream[5000];
	unsigned n = 0;
	bool ok = true;

	mpsse_enter(chip, 1, 255);
	plug_log_attach(chip, &log);
	waiter_init(&w);
	for (unsigned i = 0; i < 6; i++) {
		xfer_prep(&x[n], &w, i < 4 ? 0x81 : 0x83, bufs[i], 512);
		ok = ok && emu_chip_submit(chip, &x[n++]) == 0;
	}
	/* An OUT stuck behind a wait in a full TX FIFO */
	stream[0] = 0x88;
	memset(stream + 1, 0x85, sizeof(stream) - 1);
	xfer_prep(&x[n], &w, 0x04, stream, sizeof(stream));
	ok = ok && emu_chip_submit(chip, &x[n++]) == 0;
	tap_ok(ok && !waiter_wait(&w, 1, 20), "6 reads on A and B and a blocked write pending");
	tap_ok(emu_chip_unplug(chip) == 0 && waiter_count(&w, -ENODEV) == n &&
		       waiter_count(&w, 1) == n && plug_count(&log, false) == 1,
	       "unplug returns after all %u completed with -ENODEV and the listener ran", n);
	usleep(20000);
	tap_ok(waiter_count(&w, 1) == n && plug_count(&log, false) == 1,
	       "each completed exactly once");
	tap_ok(emu_chip_cancel(chip, &x[0]) == -EALREADY, "cancel after unplug: -EALREADY");
	tap_ok(emu_chip_set_input(chip, 0, 1, true) == 0 && emu_chip_pins(chip, 0) == 0x0002,
	       "the pin world goes on while the chip is unplugged");
	waiter_deinit(&w);
	emu_chip_free(chip);
	pthread_mutex_destroy(&log.lock);
}

static void test_replug(void)
{
	struct emu_chip *chip = chip_open(EMU_FT232H, 2);
	struct plug_log log;
	struct emu_stats st;
	uint8_t lat = 0;

	plug_log_attach(chip, &log);
	CMD(chip, 0, 0x80, 0xff, 0xff, 0x82, 0xff, 0xff);
	emu_chip_set_input(chip, 0, 5, true);
	tap_ok(emu_chip_replug(chip) == -EALREADY, "replug while plugged: -EALREADY");
	emu_chip_unplug(chip);
	tap_ok(emu_chip_replug(chip) == 0 && emu_chip_plugged(chip) && plug_count(&log, true) == 1,
	       "replug: plugged again, the listener heard it");
	emu_chip_stats(chip, 0, &st);
	tap_ok(!emu_chip_mpsse_enabled(chip, 0) && emu_chip_directions(chip, 0) == 0 &&
		       vendor_in(chip, 0x0a, 0, 1, &lat, 1) == 1 && lat == 16 &&
		       st.latency_ms == 16 && st.bitmode == 0,
	       "power-on state: MPSSE off, all inputs, latency 16 ms");
	tap_ok(emu_chip_pins(chip, 0) == 0x0020, "the pin world stayed as it was");
	tap_ok(mpsse_enter(chip, 0, 1) == 0 && CMD(chip, 0, 0xaa, 0x87) == 0 &&
		       answer(chip, 0, (uint8_t[2]){ 0 }, 2, 1000) == 2,
	       "the replugged chip works");
	emu_chip_free(chip);
	pthread_mutex_destroy(&log.lock);
}

static void test_cancel(void)
{
	struct emu_chip *chip = chip_open(EMU_FT2232H, 255);
	struct waiter w;
	struct emu_xfer a, b;
	uint8_t ba[512], bb[512];

	waiter_init(&w);
	xfer_prep(&a, &w, 0x81, ba, sizeof(ba));
	xfer_prep(&b, &w, 0x81, bb, sizeof(bb));
	tap_ok(emu_chip_submit(chip, &a) == 0 && emu_chip_submit(chip, &b) == 0 &&
		       emu_chip_cancel(chip, &b) == 0 && waiter_wait(&w, 1, WAIT_MS) &&
		       b.status == -ENOENT && waiter_count(&w, 1) == 1,
	       "cancelling the second of two reads completes it alone with -ENOENT");
	tap_ok(emu_chip_cancel(chip, &b) == -EALREADY, "cancelling it again: -EALREADY");
	tap_ok(CMD(chip, 0, 0xaa, 0x87) == 0 && waiter_wait(&w, 2, WAIT_MS) && a.status == 0 &&
		       a.actual == 4,
	       "the first read still gets its answer");
	tap_ok(emu_chip_cancel(chip, &a) == -EALREADY, "cancelling a completed read: -EALREADY");
	waiter_deinit(&w);
	emu_chip_free(chip);
}

static void test_free_pending(void)
{
	struct emu_chip *chip = chip_open(EMU_FT4232H, 255);
	struct waiter w;
	struct emu_xfer x[4];
	uint8_t b[4][512];
	bool ok = true;

	waiter_init(&w);
	for (unsigned i = 0; i < 4; i++) {
		xfer_prep(&x[i], &w, (uint8_t)(0x81 + 2 * i), b[i], 512);
		ok = ok && emu_chip_submit(chip, &x[i]) == 0;
	}
	emu_chip_free(chip);
	tap_ok(ok && waiter_count(&w, -ESHUTDOWN) == 4 && waiter_count(&w, 1) == 4,
	       "free completes 4 pending reads with -ESHUTDOWN before it returns");
	tap_ok(emu_chip_free(NULL) == NULL, "free accepts NULL");
	waiter_deinit(&w);
}

/* --- The callback contract ----------------------------------------------- */

struct chain {
	struct emu_chip *chip;
	struct emu_xfer x;
	uint8_t buf[512];
	pthread_t submitter;
	unsigned left;
	bool on_submitter;
	struct waiter w;
};

static void chain_done(struct emu_xfer *x)
{
	struct chain *c = x->user_data;

	if (pthread_equal(pthread_self(), c->submitter))
		c->on_submitter = true;
	if (--c->left && x->status == 0 && emu_chip_submit(c->chip, x) == 0)
		return;
	pthread_mutex_lock(&c->w.lock);
	c->w.done++;
	pthread_cond_broadcast(&c->w.cond);
	pthread_mutex_unlock(&c->w.lock);
}

static void test_callbacks(void)
{
	struct chain c = { .left = 200 };

	c.chip = chip_open(EMU_FT232H, 1);
	c.submitter = pthread_self();
	waiter_init(&c.w);
	xfer_prep(&c.x, &c.w, 0x81, c.buf, sizeof(c.buf));
	c.x.done = chain_done;
	c.x.user_data = &c;
	tap_ok(emu_chip_submit(c.chip, &c.x) == 0 && waiter_wait(&c.w, 1, WAIT_MS) && c.left == 0,
	       "a done() callback may submit the next transfer (200 chained reads)");
	tap_ok(!c.on_submitter, "done() never runs on the submitting thread");
	emu_chip_free(c.chip);
	waiter_deinit(&c.w);
}

struct storm {
	struct emu_chip *chip;
	bool stop;
};

static void *storm_pins(void *arg)
{
	struct storm *s = arg;

	for (unsigned i = 0; !__atomic_load_n(&s->stop, __ATOMIC_RELAXED); i++) {
		emu_chip_set_input(s->chip, 0, 5, i & 1);
		(void)emu_chip_pins(s->chip, 0);
	}
	return NULL;
}

static void *storm_io(void *arg)
{
	struct storm *s = arg;
	uint8_t b[512];

	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		if (CMD(s->chip, 0, 0x88, 0x81, 0x83, 0x87) == -ENODEV)
			break;
		(void)bulk(s->chip, 0x81, b, sizeof(b), NULL);
	}
	return NULL;
}

static void test_storm(void)
{
	struct storm s = { .chip = chip_open(EMU_FT232H, 1) };
	pthread_t t[3];

	pthread_create(&t[0], NULL, storm_pins, &s);
	pthread_create(&t[1], NULL, storm_io, &s);
	pthread_create(&t[2], NULL, storm_io, &s);
	usleep(100000);
	emu_chip_unplug(s.chip);
	usleep(10000);
	emu_chip_replug(s.chip);
	mpsse_enter(s.chip, 0, 1);
	usleep(50000);
	__atomic_store_n(&s.stop, true, __ATOMIC_RELAXED);
	emu_chip_set_input(s.chip, 0, 5, true);
	for (unsigned i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	tap_ok(emu_chip_plugged(s.chip),
	       "pins, I/O and unplug/replug from several threads at once");
	emu_chip_free(s.chip);
}

int main(void)
{
	test_unplug_at_xfer();
	test_unplug_at_time();
	test_timeout();
	test_answer_faults();
	test_stop_answering();
	test_unplug_pending();
	test_replug();
	test_cancel();
	test_free_pending();
	test_callbacks();
	test_storm();
	tap_plan(tap_count);
	return tap_done();
}
