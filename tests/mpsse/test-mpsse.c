// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The MPSSE protocol module, byte for byte: command streams as the chip
 * must see them, status bytes stripped at every packet boundary, framed
 * answers split any way over transfers, sync answers classified.
 */
#include <errno.h>
#include <string.h>

#include "common/macros.h"
#include "mpsse/mpsse.h"
#include "../tap.h"

#define PS 512

static bool same(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len)
{
	char a[128], b[128];

	if (got_len == want_len && !memcmp(got, want, want_len))
		return true;
	tap_diag("got  [%zu] %s", got_len, mpsse_hex(got, got_len, a, sizeof(a)));
	tap_diag("want [%zu] %s", want_len, mpsse_hex(want, want_len, b, sizeof(b)));
	return false;
}

#define SAME(got, got_len, ...)                                                      \
	same(got, got_len, (const uint8_t[]){ __VA_ARGS__ },                          \
	     sizeof((const uint8_t[]){ __VA_ARGS__ }))

static void test_builder(void)
{
	uint8_t buf[64];
	struct mpsse_cmd cmd;

	mpsse_cmd_init(&cmd, buf, sizeof(buf));
	mpsse_cmd_set_low(&cmd, 0x12, 0xf0);
	mpsse_cmd_set_high(&cmd, 0x34, 0x0f);
	mpsse_cmd_read_low(&cmd);
	mpsse_cmd_read_high(&cmd);
	mpsse_cmd_send_immediate(&cmd);
	tap_ok(SAME(buf, mpsse_cmd_len(&cmd), 0x80, 0x12, 0xf0, 0x82, 0x34, 0x0f, 0x81, 0x83, 0x87),
	       "set low/high, read low/high, send immediate");
	tap_ok(cmd.answer == 2, "two reads: the chip answers 2 bytes");

	mpsse_cmd_init(&cmd, buf, sizeof(buf));
	mpsse_cmd_open_drain(&cmd, 0x8001);
	mpsse_cmd_bad_opcode(&cmd, MPSSE_SYNC_FIRST);
	mpsse_cmd_bad_opcode(&cmd, MPSSE_SYNC_SECOND);
	mpsse_cmd_divisor(&cmd, 0x1234);
	mpsse_cmd_div5(&cmd, false);
	mpsse_cmd_div5(&cmd, true);
	mpsse_cmd_loopback(&cmd, true);
	mpsse_cmd_loopback(&cmd, false);
	tap_ok(SAME(buf, mpsse_cmd_len(&cmd), 0x9e, 0x01, 0x80, 0xaa, 0xab, 0x86, 0x34, 0x12, 0x8a,
		    0x8b, 0x84, 0x85),
	       "open-drain mask lo hi, sync opcodes, divisor lo hi, div5 off/on, loopback on/off");
	tap_ok(cmd.answer == 4, "each bad opcode is answered with 2 bytes");

	mpsse_cmd_init(&cmd, buf, sizeof(buf));
	mpsse_cmd_clock_bits(&cmd, 1);
	mpsse_cmd_clock_bits(&cmd, 8);
	mpsse_cmd_clock_bytes(&cmd, 1);
	mpsse_cmd_clock_bytes(&cmd, 0x201);
	mpsse_cmd_clock_bytes(&cmd, 65536);
	tap_ok(SAME(buf, mpsse_cmd_len(&cmd), 0x8e, 0x00, 0x8e, 0x07, 0x8f, 0x00, 0x00, 0x8f, 0x00,
		    0x02, 0x8f, 0xff, 0xff),
	       "clock-only delays encode n - 1");
	tap_ok(cmd.answer == 0, "delays produce no answer");

	mpsse_cmd_init(&cmd, buf, sizeof(buf));
	mpsse_cmd_read_low(&cmd);
	mpsse_cmd_end_answer(&cmd);
	tap_ok(SAME(buf, mpsse_cmd_len(&cmd), 0x81, 0xab, 0x87) && cmd.answer == 3,
	       "a framed answer ends with the marker and send immediate: 81 AB 87 -> 3 bytes");
}

static void test_builder_errors(void)
{
	uint8_t buf[5] = { 0 };
	struct mpsse_cmd cmd;
	unsigned bad_bits[] = { 0, 9 }, bad_bytes[] = { 0, 65537 };
	size_t i;

	mpsse_cmd_init(&cmd, buf, sizeof(buf));
	mpsse_cmd_set_low(&cmd, 1, 2);
	mpsse_cmd_set_high(&cmd, 3, 4);
	tap_ok(mpsse_cmd_len(&cmd) == -ENOSPC, "a command that does not fit: -ENOSPC");
	tap_ok(cmd.len == 3 && buf[3] == 0 && buf[4] == 0,
	       "no half command is left in the buffer");
	mpsse_cmd_read_low(&cmd);
	tap_ok(mpsse_cmd_len(&cmd) == -ENOSPC && cmd.len == 3 && cmd.answer == 0,
	       "the first error sticks: a later command that would fit is not added");

	for (i = 0; i < ARRAY_SIZE(bad_bits); i++) {
		mpsse_cmd_init(&cmd, buf, sizeof(buf));
		mpsse_cmd_clock_bits(&cmd, bad_bits[i]);
		tap_ok(mpsse_cmd_len(&cmd) == -EINVAL && cmd.len == 0, "clock %u bits: -EINVAL",
		       bad_bits[i]);
	}
	for (i = 0; i < ARRAY_SIZE(bad_bytes); i++) {
		mpsse_cmd_init(&cmd, buf, sizeof(buf));
		mpsse_cmd_clock_bytes(&cmd, bad_bytes[i]);
		tap_ok(mpsse_cmd_len(&cmd) == -EINVAL && cmd.len == 0, "clock %u bytes: -EINVAL",
		       bad_bytes[i]);
	}
	mpsse_cmd_init(&cmd, buf, sizeof(buf));
	mpsse_cmd_bad_opcode(&cmd, 0x10);
	tap_ok(mpsse_cmd_len(&cmd) == -EINVAL, "a data-shifting opcode is not a sync opcode: -EINVAL");
}

/* A raw transfer of len bytes: status at every packet start, data counting up. */
static void fill_raw(uint8_t *raw, size_t len, unsigned ps, uint8_t first)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (i % ps < MPSSE_STATUS_LEN)
			raw[i] = i % ps ? 0x60 : 0x32;
		else
			raw[i] = first++;
	}
}

static bool counts_up(const uint8_t *p, size_t len, uint8_t first)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] != (uint8_t)(first + i)) {
			tap_diag("byte %zu is %02x, want %02x", i, p[i], (uint8_t)(first + i));
			return false;
		}
	}
	return true;
}

static void test_strip(void)
{
	static uint8_t raw[2 * PS + 8], out[2 * PS + 8];
	int n;

	n = mpsse_strip_status((const uint8_t[]){ 0x32, 0x60, 0x12, 0x34 }, 4, PS, out);
	tap_ok(SAME(out, n, 0x12, 0x34), "one short packet: the 2 status bytes go");

	n = mpsse_strip_status((const uint8_t[]){ 0x32, 0x60 }, 2, PS, out);
	tap_ok(n == 0, "a status-only packet carries no data");
	tap_ok(mpsse_strip_status(raw, 0, PS, out) == 0, "an empty transfer carries no data");

	fill_raw(raw, 2 * PS, PS, 0);
	n = mpsse_strip_status(raw, 2 * PS, PS, out);
	tap_ok(n == 2 * PS - 4 && counts_up(out, n, 0),
	       "1024-byte transfer: status bytes at 0 and 512 stripped, 1020 data bytes in order");

	fill_raw(raw, PS + 5, PS, 7);
	n = mpsse_strip_status(raw, PS + 5, PS, out);
	tap_ok(n == PS - 2 + 3 && counts_up(out, n, 7), "a full packet then a short last packet");

	fill_raw(raw, PS + 2, PS, 0);
	tap_ok(mpsse_strip_status(raw, PS + 2, PS, out) == PS - 2,
	       "a full packet then a status-only packet");

	memset(out, 0xee, 4);
	tap_ok(mpsse_strip_status(raw, 1, PS, out) == -EPROTO && out[0] == 0xee,
	       "a 1-byte transfer is cut inside the status: -EPROTO, out untouched");
	fill_raw(raw, PS + 1, PS, 0);
	tap_ok(mpsse_payload_len(PS + 1, PS) == -EPROTO &&
		       mpsse_strip_status(raw, PS + 1, PS, out) == -EPROTO,
	       "a last packet of 1 byte: -EPROTO");
	tap_ok(mpsse_payload_len(10, 2) == -EINVAL && mpsse_payload_len(10, 0) == -EINVAL,
	       "a packet size with no room for data: -EINVAL");

	fill_raw(raw, 3 * 64 + 10, 64, 0);
	n = mpsse_strip_status(raw, 3 * 64 + 10, 64, out);
	tap_ok(n == 3 * 62 + 8 && counts_up(out, n, 0), "full-speed 64-byte packets");

	fill_raw(raw, 2 * PS, PS, 3);
	n = mpsse_strip_status(raw, 2 * PS, PS, raw);
	tap_ok(n == 2 * PS - 4 && counts_up(raw, n, 3), "stripping in place");
}

static void test_find_bad_command(void)
{
	uint8_t op = 0;

	tap_ok(mpsse_find_bad_command((const uint8_t[]){ 0x12, 0x34, 0xfa, 0x9e, 0x56 }, 5, &op) == 2 &&
		       op == 0x9e,
	       "FA 9E in the middle of data: found at 2 with its opcode");
	tap_ok(mpsse_find_bad_command((const uint8_t[]){ 0x12, 0x34, 0xfa }, 3, &op) == -ENOENT,
	       "a trailing FA alone is no echo yet");
}

static void test_sync_check(void)
{
	const struct {
		uint8_t bytes[6];
		size_t len;
		enum mpsse_sync want;
		const char *what;
	} cases[] = {
		{ { 0xfa, 0xaa }, 2, MPSSE_SYNC_OK, "FA AA" },
		{ { 0 }, 0, MPSSE_SYNC_INCOMPLETE, "nothing yet" },
		{ { 0xfa }, 1, MPSSE_SYNC_INCOMPLETE, "FA, echo cut short" },
		{ { 0x55, 0xfa }, 2, MPSSE_SYNC_INCOMPLETE, "a byte then FA" },
		{ { 0x55, 0x66, 0xfa, 0xaa }, 4, MPSSE_SYNC_STALE, "stale bytes then FA AA" },
		{ { 0xfa, 0xaa, 0x55 }, 3, MPSSE_SYNC_EXTRA, "FA AA then a byte" },
		{ { 0xfa, 0xab }, 2, MPSSE_SYNC_WRONG_ECHO, "FA AB when AA was sent" },
		{ { 0x00, 0x11 }, 2, MPSSE_SYNC_GARBAGE, "00 11" },
		{ { 0xaa }, 1, MPSSE_SYNC_GARBAGE, "AA without FA" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		enum mpsse_sync got = mpsse_sync_check(cases[i].bytes, cases[i].len, 0xaa);

		tap_ok(got == cases[i].want, "sync AA, answer %s: %s (got: %s)", cases[i].what,
		       mpsse_sync_str(cases[i].want), mpsse_sync_str(got));
	}
}

/* Feed one raw transfer built from payload bytes split into packets of ps. */
static int feed(struct mpsse_rx *rx, const uint8_t *payload, size_t n)
{
	uint8_t raw[4 * PS];
	size_t len = 0, i = 0;
	unsigned ps = rx->packet_size;

	do {
		size_t chunk = n - i < ps - 2 ? n - i : ps - 2;

		raw[len++] = 0x32;
		raw[len++] = 0x60;
		memcpy(raw + len, payload + i, chunk);
		len += chunk;
		i += chunk;
	} while (i < n);
	return mpsse_rx_feed(rx, raw, len);
}

#define FEED(rx, ...) \
	feed(rx, (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

static void test_rx(void)
{
	uint8_t store[64], data[8];
	struct mpsse_rx rx;

	mpsse_rx_init(&rx, store, sizeof(store), PS);
	tap_ok(FEED(&rx, 0x12) == 1 && mpsse_rx_take(&rx, data, 2) == -EAGAIN,
	       "answer split over transfers: 1 byte is not an answer yet");
	tap_ok(FEED(&rx, 0x34, 0xfa) == 2 && mpsse_rx_take(&rx, data, 2) == -EAGAIN,
	       "3 bytes: still waiting for the marker's second byte");
	tap_ok(mpsse_rx_feed(&rx, (const uint8_t[]){ 0x32, 0x60 }, 2) == 0 &&
		       mpsse_rx_take(&rx, data, 2) == -EAGAIN,
	       "a status-only transfer adds nothing");
	tap_ok(FEED(&rx, 0xab) == 1 && mpsse_rx_take(&rx, data, 2) == 2 && SAME(data, 2, 0x12, 0x34),
	       "the marker completes the answer: data 12 34");
	tap_ok(mpsse_rx_pending(&rx) == 0, "the answer and its marker are consumed");

	FEED(&rx, 0x01, 0x02, 0xfa, 0xab, 0x03, 0x04, 0xfa, 0xab);
	tap_ok(mpsse_rx_take(&rx, data, 2) == 2 && SAME(data, 2, 0x01, 0x02) &&
		       mpsse_rx_take(&rx, data, 2) == 2 && SAME(data, 2, 0x03, 0x04),
	       "two answers in one transfer come out in order");

	FEED(&rx, 0xfa, 0xab, 0xfa, 0xab);
	tap_ok(mpsse_rx_take(&rx, data, 2) == 2 && SAME(data, 2, 0xfa, 0xab),
	       "pins that read FA AB are data: the marker is found by position");

	mpsse_rx_reset(&rx);
	FEED(&rx, 0x12, 0xfa, 0x9e, 0x34, 0xfa, 0xab);
	tap_ok(mpsse_rx_take(&rx, data, 2) == -EPROTO, "FA 9E in the middle of the data: -EPROTO");
	tap_ok(mpsse_rx_pending(&rx) == 6, "nothing is consumed on -EPROTO");

	mpsse_rx_reset(&rx);
	FEED(&rx, 0x77, 0x01, 0x02, 0xfa, 0xab);
	tap_ok(mpsse_rx_take(&rx, data, 2) == -EPROTO, "a stale byte before the answer: -EPROTO");

	mpsse_rx_reset(&rx);
	FEED(&rx, 0x5a, 0xfa, 0xab);
	tap_ok(mpsse_rx_take(&rx, data, 1) == 1 && data[0] == 0x5a, "an 8-line answer: 1 data byte");

	tap_ok(mpsse_rx_feed(&rx, (const uint8_t[]){ 0x32 }, 1) == -EPROTO,
	       "a transfer cut inside the status bytes: -EPROTO");
}

static void test_rx_capacity(void)
{
	uint8_t store[8], data[8];
	struct mpsse_rx rx;
	int i, ok = 1;

	mpsse_rx_init(&rx, store, sizeof(store), PS);
	FEED(&rx, 1, 2, 3, 4, 5, 6);
	tap_ok(FEED(&rx, 7, 8, 9) == -ENOSPC && mpsse_rx_pending(&rx) == 6,
	       "more than fits: -ENOSPC, nothing added");

	/* Answers that never line up with the store's end force compaction. */
	mpsse_rx_init(&rx, store, sizeof(store), PS);
	FEED(&rx, 0x00);
	for (i = 0; i < 50 && ok; i++) {
		uint8_t lo = (uint8_t)(2 * i + 1), next = (uint8_t)(2 * i + 2);

		ok = FEED(&rx, lo, 0xfa, 0xab, next) == 4 && mpsse_rx_take(&rx, data, 2) == 2 &&
		     data[0] == (uint8_t)(2 * i) && data[1] == lo;
	}
	tap_ok(ok, "answers straddling transfers survive compaction of the store (%d rounds)", i);
}

static void test_rx_packets(void)
{
	static uint8_t raw[2 * PS];
	uint8_t store[2 * PS], data[4];
	struct mpsse_rx rx;
	size_t i, n = 0;
	bool ok = true;

	/*
	 * 255 answers of 2 data bytes, 4 bytes each: the answer at payload
	 * offset 508 straddles the status bytes at raw offset 512.
	 */
	for (i = 0; i < 2 * PS; i++) {
		if (i % PS < 2)
			raw[i] = i % PS ? 0x60 : 0x32;
		else
			raw[i] = n % 4 == 2 ? 0xfa : n % 4 == 3 ? 0xab : (uint8_t)(n / 4);
		n += i % PS >= 2;
	}
	mpsse_rx_init(&rx, store, sizeof(store), PS);
	tap_ok(mpsse_rx_feed(&rx, raw, sizeof(raw)) == 2 * PS - 4, "a 1024-byte transfer: 1020 data bytes");
	for (i = 0; i < 255 && ok; i++)
		ok = mpsse_rx_take(&rx, data, 2) == 2 && data[0] == (uint8_t)i && data[1] == (uint8_t)i;
	tap_ok(ok && mpsse_rx_pending(&rx) == 0,
	       "255 framed answers, one across the packet boundary, all intact");
}

static void test_hex(void)
{
	char out[16];

	tap_ok(!strcmp(mpsse_hex((const uint8_t[]){ 0xfa, 0xaa, 0x01 }, 3, out, sizeof(out)),
		       "fa aa 01"),
	       "hex for logs");
	tap_ok(!strcmp(mpsse_hex((const uint8_t[]){ 1, 2, 3, 4, 5, 6, 7 }, 7, out, sizeof(out)),
		       "01 02 03 04 ..."),
	       "a long dump ends with ... (got \"%s\")", out);
}

int main(void)
{
	tap_plan(55);
	test_builder();
	test_builder_errors();
	test_strip();
	test_find_bad_command();
	test_sync_check();
	test_rx();
	test_rx_capacity();
	test_rx_packets();
	test_hex();
	return tap_done();
}
