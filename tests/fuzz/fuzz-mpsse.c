// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The MPSSE answer parser (src/mpsse) against whatever a device, a broken
 * cable or a clone chip may send: raw IN transfers of any length, cut into
 * packets of any size, fed to the answer accumulator, answers taken with
 * any data length. Checked against a plain re-statement of the rules in
 * mpsse.h: status bytes stripped by position, a framed answer only with its
 * FA AB marker where it belongs, pending bytes never beyond the buffer.
 *
 * Input: packet-size selector, buffer-size selector, then operations
 * (op byte, length byte, data).
 */
#include <errno.h>
#include <string.h>

#include "common/macros.h"
#include "mpsse/mpsse.h"
#include "fuzz.h"

static const unsigned packet_sizes[] = { 512, 64, 8, 4, 3, 2, 1, 0 };
static const size_t caps[] = { 4096, 600, 64, 16, 3, 0 };

/* Payload length as mpsse.h states it, or -1 for a malformed transfer. */
static long expected_payload(size_t len, unsigned packet_size)
{
	size_t off, payload = 0;

	if (packet_size <= MPSSE_STATUS_LEN)
		return -2;
	for (off = 0; off < len; off += packet_size) {
		size_t chunk = len - off < packet_size ? len - off : packet_size;

		if (chunk < MPSSE_STATUS_LEN)
			return -1;
		payload += chunk - MPSSE_STATUS_LEN;
	}
	return (long)payload;
}

static void check_strip(const uint8_t *raw, size_t len, unsigned packet_size)
{
	uint8_t out[256 + 1];
	long want = expected_payload(len, packet_size);
	int r = mpsse_payload_len(len, packet_size);

	fuzz_assert(want == -2 ? r == -EINVAL : want == -1 ? r == -EPROTO : r == want,
		    "payload_len(%zu, %u) = %d, expected %ld", len, packet_size, r, want);
	out[sizeof(out) - 1] = 0x5a;
	r = mpsse_strip_status(raw, len, packet_size, out);
	fuzz_assert(want < 0 ? r < 0 : r == want, "strip_status = %d, expected %ld", r, want);
	fuzz_assert(out[sizeof(out) - 1] == 0x5a, "strip_status wrote past its payload");
	for (size_t off = 0, n = 0; r > 0 && off < len; off += packet_size) {
		size_t chunk = len - off < packet_size ? len - off : packet_size;

		fuzz_assert(!memcmp(out + n, raw + off + MPSSE_STATUS_LEN, chunk - MPSSE_STATUS_LEN),
			    "payload bytes moved");
		n += chunk - MPSSE_STATUS_LEN;
	}
}

static void check_sync(const uint8_t *p, size_t len, uint8_t op)
{
	enum mpsse_sync s = mpsse_sync_check(p, len, op);
	bool exact = len == 2 && p[0] == MPSSE_BAD_COMMAND && p[1] == op;

	fuzz_assert((s == MPSSE_SYNC_OK) == exact, "sync_check says %s", mpsse_sync_str(s));
	fuzz_assert(strcmp(mpsse_sync_str(s), "unknown"), "sync_check result %d has no name", s);
}

static void take(struct mpsse_rx *rx, size_t n)
{
	uint8_t out[8], before[8 + MPSSE_MARKER_LEN];
	size_t pending = mpsse_rx_pending(rx);
	bool whole = pending >= n + MPSSE_MARKER_LEN;
	int r;

	if (whole)
		memcpy(before, mpsse_rx_peek(rx), n + MPSSE_MARKER_LEN);
	r = mpsse_rx_take(rx, out, n);
	if (!whole) {
		fuzz_assert(r == -EAGAIN && mpsse_rx_pending(rx) == pending, "short take = %d", r);
		return;
	}
	if (before[n] != MPSSE_BAD_COMMAND || before[n + 1] != MPSSE_MARKER) {
		fuzz_assert(r == -EPROTO && mpsse_rx_pending(rx) == pending,
			    "unframed take = %d", r);
		return;
	}
	fuzz_assert(r == (int)n && !memcmp(out, before, n) &&
			    mpsse_rx_pending(rx) == pending - n - MPSSE_MARKER_LEN,
		    "framed take = %d", r);
}

static void feed(struct mpsse_rx *rx, const uint8_t *raw, size_t len)
{
	size_t pending = mpsse_rx_pending(rx);
	long want = expected_payload(len, rx->packet_size);
	int r = mpsse_rx_feed(rx, raw, len);

	if (want < 0 || (size_t)want > rx->cap - pending) {
		fuzz_assert(r < 0 && mpsse_rx_pending(rx) == pending, "bad feed = %d", r);
		return;
	}
	fuzz_assert(r == want && mpsse_rx_pending(rx) == pending + (size_t)want,
		    "feed = %d, expected %ld", r, want);
	fuzz_assert(rx->head + rx->len <= rx->cap, "pending bytes beyond the buffer");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size, 0 };
	unsigned packet_size = packet_sizes[fuzz_u8(&in) % ARRAY_SIZE(packet_sizes)];
	size_t cap = caps[fuzz_u8(&in) % ARRAY_SIZE(caps)];
	uint8_t *buf = malloc(cap ? cap : 1);
	struct mpsse_rx rx;
	char hex[64];

	mpsse_rx_init(&rx, buf, cap, packet_size);
	while (fuzz_left(&in)) {
		uint8_t op = fuzz_u8(&in), arg = fuzz_u8(&in);
		const uint8_t *raw;
		size_t len;

		switch (op % 5) {
		case 0:
			raw = fuzz_bytes(&in, arg, &len);
			check_strip(raw, len, packet_size);
			feed(&rx, raw, len);
			break;
		case 1:
			take(&rx, arg % 8);
			break;
		case 2:
			mpsse_rx_reset(&rx);
			fuzz_assert(!mpsse_rx_pending(&rx), "reset left bytes");
			break;
		case 3:
			check_sync(mpsse_rx_peek(&rx), mpsse_rx_pending(&rx), arg);
			break;
		default:
			mpsse_hex(mpsse_rx_peek(&rx), mpsse_rx_pending(&rx), hex,
				  arg % sizeof(hex));
			fuzz_assert(!(arg % sizeof(hex)) || strlen(hex) < arg % sizeof(hex),
				    "hex overran its buffer");
			break;
		}
	}
	free(buf);
	return 0;
}
