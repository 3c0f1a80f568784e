// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The MPSSE command processor byte for byte, the IN path (status bytes,
 * latency timer, send immediate) and the timing model.
 */
#include <stdio.h>

#include "tap.h"
#include "helpers.h"

static struct emu_chip *chip_open(enum emu_model model, bool timing, uint8_t latency)
{
	struct emu_config cfg = { .model = model, .timing = timing };
	struct emu_chip *chip = emu_chip_new(&cfg);

	if (!chip)
		tap_bail("emu_chip_new: %s", strerror(errno));
	if (mpsse_enter(chip, 0, latency) < 0)
		tap_bail("entering MPSSE failed");
	return chip;
}

static bool answer_is(struct emu_chip *chip, unsigned intf, const uint8_t *want, size_t n)
{
	uint8_t got[64] = { 0 };

	return n <= sizeof(got) && answer(chip, intf, got, n, 1000) == n &&
	       memcmp(got, want, n) == 0;
}

#define ANSWER_IS(chip, intf, ...)                           \
	({                                                   \
		static const uint8_t _w[] = { __VA_ARGS__ }; \
		answer_is(chip, intf, _w, sizeof(_w));       \
	})

/* Nothing more waits in the RX FIFO: a 0xAA sync comes straight back. */
static bool in_sync(struct emu_chip *chip, unsigned intf)
{
	return CMD(chip, intf, 0xaa, 0x87) == 0 && ANSWER_IS(chip, intf, 0xfa, 0xaa);
}

static void test_set_read(void)
{
	struct emu_chip *chip = chip_open(EMU_FT232H, false, 1);
	struct emu_stats st;

	tap_ok(CMD(chip, 0, 0x80, 0xa5, 0xff, 0x82, 0x3c, 0xff, 0x81, 0x83, 0x87) == 0 &&
		       ANSWER_IS(chip, 0, 0xa5, 0x3c),
	       "80/82 set both banks as outputs, 81/83 read them back");
	tap_ok(emu_chip_pins(chip, 0) == 0x3ca5 && emu_chip_directions(chip, 0) == 0xffff,
	       "the wire shows the latches (pins 0x%04x)", emu_chip_pins(chip, 0));
	emu_chip_set_input(chip, 0, 1, true);
	emu_chip_set_input(chip, 0, 9, true);
	tap_ok(CMD(chip, 0, 0x80, 0x01, 0x0f, 0x82, 0x00, 0xf0, 0x81, 0x83, 0x87) == 0 &&
		       ANSWER_IS(chip, 0, 0x01, 0x02),
	       "inputs read what the pin world drives, outputs their latch");
	tap_ok(emu_chip_set_input(chip, 0, 0, true) == 0 && emu_chip_pins(chip, 0) == 0x0201,
	       "driving an output from outside does not change the wire");
	emu_chip_stats(chip, 0, &st);
	tap_ok(st.pin_reads == 4 && st.send_immediate == 2 && st.commands == 10,
	       "stats count commands, pin reads and send-immediates");
	emu_chip_free(chip);
}

static void test_bad_opcodes(void)
{
	struct emu_chip *chip = chip_open(EMU_FT2232H, false, 1);
	struct emu_stats st;

	tap_ok(CMD(chip, 0, 0xaa, 0xab, 0x87) == 0 && ANSWER_IS(chip, 0, 0xfa, 0xaa, 0xfa, 0xab),
	       "AA and AB answer FA AA, FA AB");
	tap_ok(CMD(chip, 0, 0x9e, 0x87) == 0 && ANSWER_IS(chip, 0, 0xfa, 0x9e),
	       "9E is a bad opcode on the FT2232H");
	tap_ok(CMD(chip, 0, 0x90, 0x00, 0x87) == 0 && ANSWER_IS(chip, 0, 0xfa, 0x90, 0xfa, 0x00),
	       "a host-bus command and a data opcode with neither read nor write are bad");
	emu_chip_stats(chip, 0, &st);
	tap_ok(st.bad_commands == 5, "stats count %llu bad commands",
	       (unsigned long long)st.bad_commands);
	tap_ok(CMD(chip, 1, 0xaa, 0x87) == 0 && answer(chip, 1, (uint8_t[2]){ 0 }, 2, 30) == 0,
	       "interface B ignores bytes while MPSSE is off there");
	emu_chip_free(chip);
}

static void test_open_drain(void)
{
	struct emu_chip *chip = chip_open(EMU_FT232H, false, 1);

	tap_ok(CMD(chip, 0, 0x9e, 0x01, 0x00, 0x80, 0x01, 0x01, 0x81, 0x87) == 0 &&
		       ANSWER_IS(chip, 0, 0x01),
	       "FT232H 9E: an open-drain output at 1 floats up (pull-up)");
	tap_ok(emu_chip_set_input(chip, 0, 0, false) == 0 && CMD(chip, 0, 0x81, 0x87) == 0 &&
		       ANSWER_IS(chip, 0, 0x00),
	       "... and reads low when something outside pulls it down");
	tap_ok(CMD(chip, 0, 0x80, 0x00, 0x01, 0x81, 0x87) == 0 && ANSWER_IS(chip, 0, 0x00) &&
		       emu_chip_pins(chip, 0) == 0,
	       "an open-drain output at 0 drives low");
	emu_chip_free(chip);
}

static void test_split(void)
{
	struct emu_chip *chip = chip_open(EMU_FT2232H, false, 1);

	tap_ok(CMD(chip, 0, 0x80) == 0 && CMD(chip, 0, 0x5a) == 0 &&
		       emu_chip_directions(chip, 0) == 0 && CMD(chip, 0, 0xff, 0x81) == 0 &&
		       CMD(chip, 0, 0x87) == 0 && ANSWER_IS(chip, 0, 0x5a),
	       "a command split over three OUT transfers runs once complete");
	tap_ok(CMD(chip, 0, 0x11, 0x02) == 0 && CMD(chip, 0, 0x00, 0xaa, 0xab) == 0 &&
		       CMD(chip, 0, 0xac, 0xaa, 0x87) == 0 && ANSWER_IS(chip, 0, 0xfa, 0xaa),
	       "a data write swallows its data bytes across transfers; the stream stays in sync");
	emu_chip_free(chip);
}

static void test_data(void)
{
	struct emu_chip *chip = chip_open(EMU_FT232H, false, 1);
	static uint8_t big[3000];

	tap_ok(CMD(chip, 0, 0x84, 0x31, 0x02, 0x00, 0x11, 0x22, 0x33, 0x87) == 0 &&
		       ANSWER_IS(chip, 0, 0x11, 0x22, 0x33),
	       "loopback: a read-write byte command reads what it writes");
	tap_ok(CMD(chip, 0, 0x33, 0x03, 0xa0, 0x3b, 0x03, 0x05, 0x87) == 0 &&
		       ANSWER_IS(chip, 0, 0x0a, 0x50),
	       "loopback bit mode: MSB-first bits enter at bit 0, LSB-first at bit 7");
	emu_chip_set_input(chip, 0, 2, true);
	tap_ok(CMD(chip, 0, 0x85, 0x20, 0x01, 0x00, 0x22, 0x02, 0x87) == 0 &&
		       ANSWER_IS(chip, 0, 0xff, 0xff, 0x07),
	       "without loopback reads sample TDO/DI (ADBUS2)");
	tap_ok(CMD(chip, 0, 0x20, 0xb7, 0x0b, 0x87) == 0 &&
		       answer(chip, 0, big, sizeof(big), 2000) == sizeof(big) && big[0] == 0xff &&
		       big[2999] == 0xff && in_sync(chip, 0),
	       "a 3000-byte read through a 1 KiB RX FIFO arrives whole, in sync");
	tap_ok(CMD(chip, 0, 0x8e, 0x07, 0x8f, 0x01, 0x00, 0x86, 0x05, 0x00, 0x8a, 0x8b, 0x8c, 0x8d,
		   0x96, 0x97, 0x9c, 0x00, 0x00, 0x9d, 0x00, 0x00) == 0 &&
		       in_sync(chip, 0),
	       "clock and clock-setting commands take their arguments and answer nothing");
	emu_chip_free(chip);
}

static void test_ft4232h_high_bank(void)
{
	struct emu_chip *chip = chip_open(EMU_FT4232H, false, 1);

	tap_ok(CMD(chip, 0, 0x82, 0xff, 0xff, 0x80, 0x0f, 0x0f, 0x83, 0x81, 0x87) == 0 &&
		       ANSWER_IS(chip, 0, 0x00, 0x0f),
	       "FT4232H: 82 has no pins to drive, 83 reads 0, the stream stays in sync");
	tap_ok(emu_chip_directions(chip, 0) == 0x000f && emu_chip_pins(chip, 0) == 0x000f,
	       "FT4232H: only 8 lines");
	tap_ok(emu_chip_set_input(chip, 0, 8, true) == -EINVAL, "FT4232H: line 8 does not exist");
	tap_ok(mpsse_enter(chip, 2, 1) == 0 && !emu_chip_mpsse_enabled(chip, 2) &&
		       CMD(chip, 2, 0xaa, 0x87) == 0 &&
		       answer(chip, 2, (uint8_t[2]){ 0 }, 2, 30) == 0,
	       "FT4232H: interface C has endpoints but no MPSSE");
	emu_chip_free(chip);
}

static void test_wait(void)
{
	struct emu_chip *chip = chip_open(EMU_FT2232H, false, 1);
	uint8_t b[2];

	tap_ok(CMD(chip, 0, 0x88, 0x81, 0x87) == 0 && answer(chip, 0, b, 1, 50) == 0,
	       "88 holds the commands after it while GPIOL1 is low");
	emu_chip_set_input(chip, 0, 5, true);
	tap_ok(answer(chip, 0, b, 1, 1000) == 1 && b[0] == 0x20,
	       "... and runs them once it goes high");
	tap_ok(CMD(chip, 0, 0x89, 0x81, 0x87) == 0 && answer(chip, 0, b, 1, 50) == 0,
	       "89 holds the commands after it while GPIOL1 is high");
	emu_chip_set_input(chip, 0, 5, false);
	tap_ok(answer(chip, 0, b, 1, 1000) == 1 && b[0] == 0x00,
	       "... and runs them once it goes low");
	tap_ok(CMD(chip, 0, 0x89, 0x81, 0x87) == 0 && ANSWER_IS(chip, 0, 0x00),
	       "a wait already satisfied does not wait");
	tap_ok(CMD(chip, 0, 0x88) == 0 && vendor_out(chip, 0x00, 1, 1) == 0 && in_sync(chip, 0),
	       "purging the host's bytes ends a wait");
	emu_chip_free(chip);
}

static void test_out_backpressure(void)
{
	struct emu_chip *chip = chip_open(EMU_FT232H, false, 1);
	static uint8_t stream[4000];
	struct waiter w;
	struct emu_xfer x;

	stream[0] = 0x88;
	memset(stream + 1, 0x85, sizeof(stream) - 1);
	waiter_init(&w);
	xfer_prep(&x, &w, 0x02, stream, sizeof(stream));
	tap_ok(emu_chip_submit(chip, &x) == 0 && !waiter_wait(&w, 1, 50),
	       "an OUT transfer larger than the TX FIFO waits while the processor waits");
	emu_chip_set_input(chip, 0, 5, true);
	tap_ok(waiter_wait(&w, 1, WAIT_MS) && x.status == 0 && x.actual == sizeof(stream),
	       "... and completes once the processor drains the FIFO");
	waiter_deinit(&w);
	emu_chip_free(chip);
}

static void test_purge(void)
{
	struct emu_chip *chip = chip_open(EMU_FT2232H, false, 50);

	tap_ok(CMD(chip, 0, 0x81) == 0 && vendor_out(chip, 0x00, 2, 1) == 0 && in_sync(chip, 0),
	       "purge 2 drops the answers waiting for the host");
	tap_ok(CMD(chip, 0, 0x80) == 0 && vendor_out(chip, 0x00, 1, 1) == 0 && in_sync(chip, 0),
	       "purge 1 drops a half-received command");
	tap_ok(CMD(chip, 0, 0x81, 0x80) == 0 && vendor_out(chip, 0x00, 0, 1) == 0 &&
		       in_sync(chip, 0),
	       "SIO reset drops both");
	emu_chip_free(chip);
}

/* --- The IN path ----------------------------------------------------------- */

static void test_status_bytes(void)
{
	struct emu_chip *chip = chip_open(EMU_FT2232H, false, 16);
	static uint8_t cmds[601], buf[1024];
	size_t actual = 0;
	int r;

	memset(cmds, 0x81, 600);
	cmds[600] = 0x87;
	r = cmd(chip, 0, cmds, sizeof(cmds));
	if (r == 0)
		r = bulk(chip, 0x81, buf, sizeof(buf), &actual);
	tap_ok(r == 0 && actual == 512 + 2 + 90,
	       "600 answer bytes in a 1024-byte IN: 2 packets, %zu bytes", actual);
	tap_ok(buf[0] == EMU_STATUS_BYTE0 && buf[1] == EMU_STATUS_BYTE1 &&
		       buf[512] == EMU_STATUS_BYTE0 && buf[513] == EMU_STATUS_BYTE1,
	       "status bytes 32 60 at offsets 0 and 512");
	emu_chip_free(chip);
}

static void test_latency(void)
{
	struct emu_chip *chip = chip_open(EMU_FT2232H, false, 5);
	uint8_t buf[512];
	size_t actual = 0;
	uint64_t t0 = now_ns(), dt;
	int r = bulk(chip, 0x81, buf, sizeof(buf), &actual);

	dt = now_ns() - t0;
	tap_ok(r == 0 && actual == 2 && dt >= 5000000,
	       "no data: a status-only packet after the 5 ms latency timer (%.2f ms)",
	       (double)dt / 1e6);
	vendor_out(chip, 0x09, 16, 1);
	t0 = now_ns();
	r = CMD(chip, 0, 0x81);
	if (r == 0)
		r = bulk(chip, 0x81, buf, sizeof(buf), &actual);
	dt = now_ns() - t0;
	tap_ok(r == 0 && actual == 3 && dt >= 16000000,
	       "without 87 an answer waits for the 16 ms latency timer (%.2f ms)",
	       (double)dt / 1e6);
	/* A busy machine may stall the test thread: the best of 3 counts. */
	dt = UINT64_MAX;
	for (unsigned i = 0; i < 3 && r == 0; i++) {
		t0 = now_ns();
		r = CMD(chip, 0, 0x81, 0x87);
		if (r == 0)
			r = bulk(chip, 0x81, buf, sizeof(buf), &actual);
		if (r == 0 && actual != 3)
			r = -EBADMSG;
		if (now_ns() - t0 < dt)
			dt = now_ns() - t0;
	}
	tap_ok(r == 0 && dt < 16000000,
	       "87 sends the answer before the 16 ms latency timer (best of 3: %.3f ms)",
	       (double)dt / 1e6);
	emu_chip_free(chip);
}

static double round_trips(struct emu_chip *chip, unsigned n, uint64_t *elapsed)
{
	uint64_t t0 = now_ns();
	uint8_t b[2];
	unsigned ok = 0;

	for (unsigned i = 0; i < n; i++)
		if (CMD(chip, 0, 0x81, 0x83, 0x87) == 0 && answer(chip, 0, b, 2, 1000) == 2)
			ok++;
	*elapsed = now_ns() - t0;
	return ok == n ? (double)n * 1e9 / (double)*elapsed : -1;
}

static void test_timing(void)
{
	struct emu_chip *on = chip_open(EMU_FT232H, true, 16);
	struct emu_chip *off = chip_open(EMU_FT232H, false, 16);
	const unsigned n = 400;
	uint64_t t_on, t_off;
	double rate_on = round_trips(on, n, &t_on), rate_off = round_trips(off, n, &t_off);

	tap_diag("round trips/s: timing model %.0f, no timing model %.0f", rate_on, rate_off);
	tap_ok(rate_on > 0 && t_on >= n * 125000ULL,
	       "timing model: %u sequential 81 83 87 round trips take >= %u x 125 us", n, n);
	tap_ok(rate_off > 0, "no timing model: the same round trips complete");
	emu_chip_free(on);
	emu_chip_free(off);
}

/* With the timing model, an endpoint sends at most one packet per 125 us microframe. */
static void test_one_packet_per_uframe(void)
{
	/* The 255 ms latency timer holds the reads until the data comes. */
	struct emu_chip *chip = chip_open(EMU_FT2232H, true, 255);
	static uint8_t b[8][512], data[8 * 510];
	const struct emu_fault ready = { .kind = EMU_FAULT_STALE_BYTES,
					 .bytes = data,
					 .n_bytes = sizeof(data) };
	struct emu_stats st;
	struct waiter w;
	struct emu_xfer x[8];
	uint64_t t0, dt;
	bool ok = true;

	waiter_init(&w);
	for (unsigned i = 0; i < 8 && ok; i++) {
		xfer_prep(&x[i], &w, 0x81, b[i], 512);
		ok = emu_chip_submit(chip, &x[i]) == 0;
	}
	emu_chip_stats(chip, 0, &st);
	tap_ok(ok && st.in_flight_max == 8, "stats: %u IN transfers in flight at most",
	       st.in_flight_max);
	/* 8 full packets' worth of data waits at once */
	t0 = now_ns();
	ok = ok && emu_chip_inject(chip, 0, &ready) == 0 && waiter_wait(&w, 8, WAIT_MS);
	dt = now_ns() - t0;
	for (unsigned i = 0; i < 8 && ok; i++)
		ok = x[i].status == 0 && x[i].actual == 512;
	tap_ok(ok && dt >= 7 * 125000, "8 full packets in flight take >= 7 microframes (%.3f ms)",
	       (double)dt / 1e6);
	emu_chip_stats(chip, 0, &st);
	tap_ok(st.bulk_in == 8 && st.bytes_in == 8 * 512, "stats: %llu IN transfers completed, %llu bytes",
	       (unsigned long long)st.bulk_in, (unsigned long long)st.bytes_in);
	waiter_deinit(&w);
	emu_chip_free(chip);
}

/* With the timing model, clock commands take their time at the current TCK. */
static void test_clock_delay(void)
{
	struct emu_chip *chip = chip_open(EMU_FT232H, true, 1);
	static uint8_t stream[1000 + 12];
	uint8_t b[1];
	uint64_t t0 = now_ns(), dt;
	int r;

	/* TCK 1 MHz: 8F E7 03 clocks 1000 * 8 bits = 8 ms */
	r = CMD(chip, 0, 0x8a, 0x86, 0x1d, 0x00, 0x8f, 0xe7, 0x03, 0x81, 0x87);
	if (r == 0 && answer(chip, 0, b, 1, 2000) != 1)
		r = -ETIMEDOUT;
	dt = now_ns() - t0;
	tap_ok(r == 0 && dt >= 8000000,
	       "8F of 8000 bits at 1 MHz holds the answer >= 8 ms (%.2f ms)", (double)dt / 1e6);
	/* 11 E7 03 + 1000 data bytes: another 8 ms of clocking, x1.5 in three-phase */
	memcpy(stream, (const uint8_t[]){ 0x8c, 0x11, 0xe7, 0x03 }, 4);
	memcpy(stream + 4 + 1000, (const uint8_t[]){ 0x8d, 0x81, 0x87 }, 3);
	t0 = now_ns();
	r = cmd(chip, 0, stream, 4 + 1000 + 3);
	if (r == 0 && answer(chip, 0, b, 1, 2000) != 1)
		r = -ETIMEDOUT;
	dt = now_ns() - t0;
	tap_ok(r == 0 && dt >= 12000000,
	       "a 1000-byte write in three-phase mode takes >= 12 ms (%.2f ms)", (double)dt / 1e6);
	emu_chip_free(chip);
}

/*
 * With the timing model, 8F delays the commands after it by its modelled
 * time and 81 samples the pin world at that instant. The stream waits (88)
 * for the script's first edge, so every sample lands at a known offset from
 * it however late the threads run.
 */
static void test_precise_sampling(void)
{
	struct emu_chip *chip = chip_open(EMU_FT232H, true, 1);
	/* GPIOL1 (AD5): high at 5 ms, low at 7.5 ms, high again at 9.5 ms */
	const struct emu_step gpiol1[] = { { 5000000, true }, { 2500000, false }, { 2000000, true } };
	uint8_t got[7];
	bool ok;
	int r;

	/* TCK = 60 MHz / ((1 + 29) * 2) = 1 MHz; 8F 7C 00 clocks 125 * 8 bits = 1 ms */
	r = CMD(chip, 0, 0x8a, 0x86, 0x1d, 0x00, 0x88, 0x81, 0x8f, 0x7c, 0x00, 0x81, 0x8f, 0x7c,
		0x00, 0x81, 0x8f, 0x7c, 0x00, 0x81, 0x8f, 0x7c, 0x00, 0x81, 0x8f, 0x7c, 0x00, 0x81,
		0x8f, 0x7c, 0x00, 0x81, 0x87);
	ok = r == 0 && emu_chip_script(chip, 0, 5, gpiol1, 3) == 0 &&
	     answer(chip, 0, got, sizeof(got), 2000) == sizeof(got);
	for (size_t i = 0; ok && i < sizeof(got); i++)
		ok = ((got[i] >> 5) & 1) == !(i == 3 || i == 4);
	tap_ok(ok, "samples 1 ms apart after 88 see AD5 low from 2.5 to 4.5 ms after its edge: "
		   "%d%d%d%d%d%d%d",
	       (got[0] >> 5) & 1, (got[1] >> 5) & 1, (got[2] >> 5) & 1, (got[3] >> 5) & 1,
	       (got[4] >> 5) & 1, (got[5] >> 5) & 1, (got[6] >> 5) & 1);
	emu_chip_free(chip);
}

int main(void)
{
	test_set_read();
	test_bad_opcodes();
	test_open_drain();
	test_split();
	test_data();
	test_ft4232h_high_bank();
	test_wait();
	test_out_backpressure();
	test_purge();
	test_status_bytes();
	test_latency();
	test_timing();
	test_one_packet_per_uframe();
	test_clock_delay();
	test_precise_sampling();
	tap_plan(tap_count);
	return tap_done();
}
