// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The emu backend end to end against the real emulator: what the chip
 * model and the poller rely on from any transport. Vendor requests reach
 * the chip; `81 83 87` comes back with its status bytes; several reads in
 * flight complete in order; a cancelled read calls back exactly once with
 * -ECANCELED; a chip that stopped answering fails vendor requests with
 * -ETIMEDOUT; a timed-out synchronous read cancels its transfer; closing
 * reaps every read (also one that keeps resubmitting itself). Unplug and
 * replug are checked on both transports by tests/conformance.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "../tap.h"
#include "common/macros.h"
#include "emu/emu.h"
#include "transport/transport.h"

/* A guard against a hang, never a synchronization. */
#define GUARD_MS 5000
#define MAX_READS 4

struct recorder {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned calls;
	int order[16];
};

struct test_read {
	struct transport_read rd;
	uint8_t buf[EMU_PACKET_SIZE];
	struct recorder *rec;
	int id;
	unsigned calls;
	/* For a read that resubmits itself from its callback, like a poller. */
	struct transport *t;
	unsigned submits;
	int last_resubmit;
};

static struct recorder rec = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void record(struct test_read *tr)
{
	pthread_mutex_lock(&rec.lock);
	tr->calls++;
	if (rec.calls < ARRAY_SIZE(rec.order))
		rec.order[rec.calls] = tr->id;
	rec.calls++;
	pthread_cond_broadcast(&rec.cond);
	pthread_mutex_unlock(&rec.lock);
}

static void on_read(struct transport_read *rd)
{
	record(container_of(rd, struct test_read, rd));
}

/* Resubmits until a submission fails; the poller's pattern. */
static void on_chain(struct transport_read *rd)
{
	struct test_read *tr = container_of(rd, struct test_read, rd);

	if (rd->status == 0) {
		tr->last_resubmit = transport_submit_read(tr->t, rd);
		if (tr->last_resubmit == 0)
			tr->submits++;
	}
	record(tr);
}

static void recorder_reset(void)
{
	pthread_mutex_lock(&rec.lock);
	rec.calls = 0;
	pthread_mutex_unlock(&rec.lock);
}

static bool wait_calls(unsigned n)
{
	struct timespec deadline;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += GUARD_MS / 1000;
	pthread_mutex_lock(&rec.lock);
	while (rec.calls < n && pthread_cond_timedwait(&rec.cond, &rec.lock, &deadline) == 0)
		;
	ok = rec.calls >= n;
	pthread_mutex_unlock(&rec.lock);
	return ok;
}

static unsigned calls_of(struct test_read *tr)
{
	unsigned n;

	pthread_mutex_lock(&rec.lock);
	n = tr->calls;
	pthread_mutex_unlock(&rec.lock);
	return n;
}

static void read_init(struct test_read *tr, int id, transport_read_cb cb)
{
	memset(tr, 0, sizeof(*tr));
	tr->rd.buf = tr->buf;
	tr->rd.len = sizeof(tr->buf);
	tr->rd.cb = cb;
	tr->rec = &rec;
	tr->id = id;
}

static void inject(struct emu_chip *chip, enum emu_fault_kind kind, unsigned count,
		   const uint8_t *bytes, size_t n)
{
	const struct emu_fault f = { .kind = kind, .count = count, .bytes = bytes, .n_bytes = n };

	if (emu_chip_inject(chip, 0, &f) < 0)
		tap_bail("cannot inject fault %d", kind);
}

static int write_cmd(struct transport *t, const uint8_t *cmd, size_t n)
{
	return transport_write(t, cmd, n, GUARD_MS);
}

static void test_open(struct emu_chip *chip, struct transport **t)
{
	struct transport *none = NULL;

	tap_ok(transport_emu_open(chip, 1, &none) == -ENOENT && !none,
	       "an FT232H has no interface B");
	tap_ok(transport_emu_open(chip, 0, t) == 0, "open interface A");
	if (!*t)
		tap_bail("no transport");
	tap_ok((*t)->packet_size == EMU_PACKET_SIZE && (*t)->interface == 0,
	       "packet size 512, interface A");
	tap_ok(strstr((*t)->description, "emu FT232H A") != NULL, "description \"%s\"",
	       (*t)->description);
}

static void test_vendor(struct emu_chip *chip, struct transport *t)
{
	static const uint8_t stale[] = { 0xAA, 0xBB, 0xCC };
	struct emu_stats st;
	uint8_t buf[EMU_PACKET_SIZE], pins = 0, latency = 0;
	uint64_t start;
	bool ok;
	int r;

	tap_ok(transport_set_bitmode(t, 0, 0x00) == 0 && transport_set_bitmode(t, 0, 0x02) == 0 &&
	       emu_chip_mpsse_enabled(chip, 0), "SET_BITMODE reset then MPSSE reaches the chip");
	emu_chip_stats(chip, 0, &st);
	tap_ok(transport_set_latency(t, 2) == 0 && (emu_chip_stats(chip, 0, &st), st.latency_ms == 2),
	       "SET_LATENCY_TIMER reaches interface A");
	tap_ok(transport_control(t, 0xC0, 0x0A, 0, &latency, 1) == 1 && latency == 2,
	       "a raw vendor request (GET_LATENCY_TIMER) answers 1 byte");
	tap_ok(transport_control(t, 0x40, 0x55, 0, NULL, 0) == -EPIPE,
	       "an unknown vendor request is stalled: -EPIPE");
	emu_chip_set_input(chip, 0, 3, true);
	ok = transport_read_pins(t, &pins) == 0;
	tap_ok(ok && pins == (emu_chip_pins(chip, 0) & 0xff) && (pins & 0x08),
	       "READ_PINS returns the low byte (0x%02x)", pins);
	tap_ok(transport_reset(t) == 0, "SIO reset");
	inject(chip, EMU_FAULT_STALE_BYTES, 0, stale, sizeof(stale));
	tap_ok(transport_purge(t) == 0 && transport_read_raw(t, buf, sizeof(buf), GUARD_MS) == 2,
	       "purge drops stale answers: the next read is status-only");
	inject(chip, EMU_FAULT_STOP_ANSWERING, 0, NULL, 0);
	start = now_ns();
	r = transport_set_latency(t, 2);
	tap_ok(r == -ETIMEDOUT && now_ns() - start >= 900000000u,
	       "a chip that stopped answering: a vendor request fails with -ETIMEDOUT (%d)", r);
	emu_chip_clear_faults(chip);
}

static void test_sample(struct emu_chip *chip, struct transport *t)
{
	static const uint8_t cmd[] = { 0x81, 0x83, 0x87 };
	struct test_read tr;
	uint16_t pins;
	uint64_t before, after;

	emu_chip_set_input(chip, 0, 1, true);
	emu_chip_set_input(chip, 0, 9, true);
	pins = emu_chip_pins(chip, 0);
	recorder_reset();
	read_init(&tr, 0, on_read);
	before = now_ns();
	tap_ok(write_cmd(t, cmd, sizeof(cmd)) == 0, "write 81 83 87");
	tap_ok(transport_submit_read(t, &tr.rd) == 0 && wait_calls(1) && calls_of(&tr) == 1,
	       "the read calls back once");
	after = now_ns();
	tap_ok(tr.rd.status == 0 && tr.rd.actual == 4 && tr.buf[0] == EMU_STATUS_BYTE0 &&
	       tr.buf[1] == EMU_STATUS_BYTE1, "4 raw bytes, status bytes first (status %d, %zu bytes)",
	       tr.rd.status, tr.rd.actual);
	tap_ok(tr.buf[2] == (pins & 0xff) && tr.buf[3] == pins >> 8 && (pins & 0x0202) == 0x0202,
	       "both banks as the chip sees them (%02x %02x)", tr.buf[2], tr.buf[3]);
	tap_ok(tr.rd.done_ns >= before && tr.rd.done_ns <= after, "done_ns is the completion time");
}

static void test_in_order(struct emu_chip *chip, struct transport *t)
{
	static const uint8_t cmds[][2] = { { 0x81, 0x87 }, { 0x83, 0x87 }, { 0x81, 0x87 } };
	struct test_read tr[3];
	struct emu_stats st;
	bool ok = true;

	/* No status-only answers while the test writes. */
	transport_set_latency(t, 255);
	recorder_reset();
	for (int i = 0; i < 3; i++) {
		read_init(&tr[i], i, on_read);
		ok &= transport_submit_read(t, &tr[i].rd) == 0;
	}
	emu_chip_stats(chip, 0, &st);
	tap_ok(ok && st.in_flight_max >= 3, "three reads in flight at once (chip saw %u)",
	       st.in_flight_max);
	for (unsigned i = 0; i < 3; i++) {
		ok = write_cmd(t, cmds[i], 2) == 0 && wait_calls(i + 1);
		tap_ok(ok && rec.order[i] == (int)i && tr[i].rd.status == 0 && tr[i].rd.actual == 3,
		       "answer %u completes read %u", i, i);
	}
	tap_ok(tr[0].rd.done_ns <= tr[1].rd.done_ns && tr[1].rd.done_ns <= tr[2].rd.done_ns,
	       "completion times follow the order");
}

static void test_cancel(struct emu_chip *chip, struct transport *t, struct test_read *tr)
{
	bool ok;

	recorder_reset();
	read_init(tr, 0, on_read);
	inject(chip, EMU_FAULT_TIMEOUT, 1, NULL, 0);
	tap_ok(transport_submit_read(t, &tr->rd) == 0 && transport_cancel_read(t, &tr->rd) == 0,
	       "cancel a read that would never complete");
	ok = wait_calls(1);
	tap_ok(ok && tr->rd.status == -ECANCELED && calls_of(tr) == 1,
	       "its callback runs once with -ECANCELED (%d)", tr->rd.status);
	tap_ok(transport_cancel_read(t, &tr->rd) == -EALREADY, "cancelling it again: -EALREADY");
	emu_chip_clear_faults(chip);
}

static void test_read_raw(struct emu_chip *chip, struct transport *t)
{
	static const uint8_t cmd[] = { 0x81, 0x87 };
	uint8_t buf[2 * EMU_PACKET_SIZE];
	uint64_t start;
	int r;

	inject(chip, EMU_FAULT_TIMEOUT, 1, NULL, 0);
	start = now_ns();
	r = transport_read_raw(t, buf, EMU_PACKET_SIZE, 50);
	tap_ok(r == -ETIMEDOUT, "transport_read_raw gives up with -ETIMEDOUT (%d)", r);
	tap_ok(now_ns() - start >= 50000000u, "after its timeout");
	emu_chip_clear_faults(chip);
	r = write_cmd(t, cmd, sizeof(cmd));
	tap_ok(r == 0 && transport_read_raw(t, buf, sizeof(buf), GUARD_MS) == 3,
	       "the next synchronous read gets its answer");
	tap_ok(transport_read_raw(t, buf, 100, GUARD_MS) == -EINVAL,
	       "a length that is not a multiple of the packet size: -EINVAL");
}

static void test_close(struct emu_chip *chip)
{
	struct transport *t = NULL;
	struct test_read tr[2], chain;
	bool ok;

	ok = transport_emu_open(chip, 0, &t) == 0;
	recorder_reset();
	inject(chip, EMU_FAULT_TIMEOUT, 2, NULL, 0);
	for (int i = 0; i < 2; i++) {
		read_init(&tr[i], i, on_read);
		ok &= transport_submit_read(t, &tr[i].rd) == 0;
	}
	transport_close(t);
	tap_ok(ok && calls_of(&tr[0]) == 1 && calls_of(&tr[1]) == 1 &&
	       tr[0].rd.status == -ECANCELED && tr[1].rd.status == -ECANCELED,
	       "close with two reads in flight: both called back with -ECANCELED before it returns");
	emu_chip_clear_faults(chip);

	ok = transport_emu_open(chip, 0, &t) == 0 && transport_set_latency(t, 1) == 0;
	recorder_reset();
	read_init(&chain, 0, on_chain);
	chain.t = t;
	chain.submits = 1;
	ok &= transport_submit_read(t, &chain.rd) == 0 && wait_calls(3);
	transport_close(t);
	tap_ok(ok && calls_of(&chain) == chain.submits,
	       "close stops a self-resubmitting read: one callback per submission (%u)", chain.submits);
	tap_ok(chain.rd.status == -ECANCELED || chain.last_resubmit == -ESHUTDOWN,
	       "its last resubmission is refused with -ESHUTDOWN, or it was cancelled");
}

int main(void)
{
	const struct emu_config config = { .model = EMU_FT232H };
	struct emu_chip *chip;
	struct transport *t = NULL;
	struct test_read cancelled;

	tap_plan(33);
	chip = emu_chip_new(&config);
	if (!chip)
		tap_bail("emu_chip_new: %s", strerror(errno));

	test_open(chip, &t);
	test_vendor(chip, t);
	test_sample(chip, t);
	test_in_order(chip, t);
	test_cancel(chip, t, &cancelled);
	test_read_raw(chip, t);
	test_close(chip);

	transport_close(t);
	tap_ok(calls_of(&cancelled) == 1, "the cancelled read was called back exactly once in all");
	transport_close(NULL);
	emu_chip_free(chip);
	return tap_done();
}
