/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The MPSSE protocol: build command streams, parse answers. Pure code: no
 * I/O, no allocation, no logging; every buffer belongs to the caller.
 *
 * Threads and locks: none inside. One struct mpsse_cmd or struct mpsse_rx
 * is used by one thread at a time (its owner serializes); nothing here is
 * RCU-protected; the caller may free the storage it lent once it stops using
 * the object.
 *
 * Answers: every bulk IN packet (packet_size bytes, 512 at high speed)
 * starts with 2 modem-status bytes, which are stripped by position. The
 * chip answers an invalid opcode with `FA <opcode>`. This tree frames every
 * answer it waits for: the commands that produce data are followed by the
 * invalid opcode MPSSE_MARKER, so a complete answer is its data bytes and
 * then `FA AB`. Pin bytes can take any value, 0xFA included, so only a
 * marker at a known position tells a good answer from a stale, shifted or
 * rejected one.
 */
#ifndef MPSSED_MPSSE_MPSSE_H
#define MPSSED_MPSSE_MPSSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	MPSSE_SET_LOW = 0x80,		/* val dir: ADBUS */
	MPSSE_READ_LOW = 0x81,		/* -> 1 byte */
	MPSSE_SET_HIGH = 0x82,		/* val dir: ACBUS */
	MPSSE_READ_HIGH = 0x83,		/* -> 1 byte */
	MPSSE_LOOPBACK_ON = 0x84,
	MPSSE_LOOPBACK_OFF = 0x85,
	MPSSE_SET_DIVISOR = 0x86,	/* lo hi */
	MPSSE_SEND_IMMEDIATE = 0x87,
	MPSSE_DIV5_OFF = 0x8A,
	MPSSE_DIV5_ON = 0x8B,
	MPSSE_CLOCK_BITS = 0x8E,	/* n: n + 1 clocks */
	MPSSE_CLOCK_BYTES = 0x8F,	/* lo hi: (n + 1) * 8 clocks */
	MPSSE_OPEN_DRAIN = 0x9E,	/* lo hi: FT232H only */
	MPSSE_BAD_COMMAND = 0xFA,	/* answer prefix for an invalid opcode */
	MPSSE_SYNC_FIRST = 0xAA,	/* invalid opcodes used to sync */
	MPSSE_SYNC_SECOND = 0xAB,
	MPSSE_MARKER = MPSSE_SYNC_SECOND, /* ends every framed answer */
};

/* Bytes a framed answer adds after its data: FA AB. */
#define MPSSE_MARKER_LEN 2
#define MPSSE_STATUS_LEN 2

/* --- Building commands ------------------------------------------------- */

/*
 * A command stream in a caller's buffer. The append functions never fail
 * on their own: the first error (-ENOSPC when the buffer is full, -EINVAL
 * for an argument out of range) sticks, later appends do nothing, and
 * mpsse_cmd_len() reports it once for the whole stream.
 */
struct mpsse_cmd {
	uint8_t *buf;
	size_t cap;
	size_t len;
	size_t answer;	/* bytes the chip will answer to the stream so far */
	int error;
};

void mpsse_cmd_init(struct mpsse_cmd *cmd, uint8_t *buf, size_t cap);
/* The stream's length in bytes, or its first error. */
int mpsse_cmd_len(const struct mpsse_cmd *cmd);

void mpsse_cmd_set_low(struct mpsse_cmd *cmd, uint8_t value, uint8_t dir);
void mpsse_cmd_set_high(struct mpsse_cmd *cmd, uint8_t value, uint8_t dir);
void mpsse_cmd_read_low(struct mpsse_cmd *cmd);
void mpsse_cmd_read_high(struct mpsse_cmd *cmd);
void mpsse_cmd_send_immediate(struct mpsse_cmd *cmd);
/* Bit n = line n drives only 0 and floats on 1. FT232H only: other chips reject it. */
void mpsse_cmd_open_drain(struct mpsse_cmd *cmd, uint16_t mask);
/* Any invalid opcode (bit 7 set): answered with FA <op>. */
void mpsse_cmd_bad_opcode(struct mpsse_cmd *cmd, uint8_t op);
/* Ends a framed answer: MPSSE_MARKER then send immediate. */
void mpsse_cmd_end_answer(struct mpsse_cmd *cmd);
/* Clock with no data: a delay inside the stream. bits 1-8, bytes 1-65536. */
void mpsse_cmd_clock_bits(struct mpsse_cmd *cmd, unsigned bits);
void mpsse_cmd_clock_bytes(struct mpsse_cmd *cmd, unsigned bytes);
/* TCK = 60 MHz / ((1 + divisor) * 2), or 12 MHz / ... with divide-by-5 on. */
void mpsse_cmd_divisor(struct mpsse_cmd *cmd, uint16_t divisor);
void mpsse_cmd_div5(struct mpsse_cmd *cmd, bool on);
void mpsse_cmd_loopback(struct mpsse_cmd *cmd, bool on);

/* --- Parsing answers ----------------------------------------------------- */

/*
 * Payload bytes in a raw IN buffer of len bytes read in packets of
 * packet_size: -EPROTO when a packet is shorter than its status bytes
 * (only the last packet of a transfer may be short), -EINVAL when
 * packet_size cannot hold status bytes and data.
 */
int mpsse_payload_len(size_t len, unsigned packet_size);

/*
 * Copy the payload of raw to out, which has room for mpsse_payload_len()
 * bytes and may be raw itself. Returns the payload length or -errno as
 * mpsse_payload_len(); out is untouched on error.
 */
int mpsse_strip_status(const uint8_t *raw, size_t len, unsigned packet_size, uint8_t *out);

/* Where `FA <op>` first occurs in buf (any op), or -ENOENT. */
int mpsse_find_bad_command(const uint8_t *buf, size_t len, uint8_t *op);

/* What the answer to a sync opcode says; every value but OK is a failure. */
enum mpsse_sync {
	MPSSE_SYNC_OK = 1,	/* exactly FA <op> */
	MPSSE_SYNC_INCOMPLETE,	/* nothing yet, or an echo cut short: read on */
	MPSSE_SYNC_STALE,	/* FA <op> after other bytes: stale RX FIFO */
	MPSSE_SYNC_EXTRA,	/* FA <op> followed by more bytes */
	MPSSE_SYNC_WRONG_ECHO,	/* FA <another op>: the chip rejected something else */
	MPSSE_SYNC_GARBAGE,	/* bytes with no echo */
};

enum mpsse_sync mpsse_sync_check(const uint8_t *payload, size_t len, uint8_t op);
const char *mpsse_sync_str(enum mpsse_sync result);

/*
 * An incremental answer accumulator: raw IN transfers in, framed answers
 * out, whatever way the chip split them over packets and transfers.
 */
struct mpsse_rx {
	uint8_t *buf;
	size_t cap;
	size_t head;	/* first pending byte */
	size_t len;	/* pending bytes */
	unsigned packet_size;
};

/* packet_size is the IN endpoint's (transport->packet_size). */
void mpsse_rx_init(struct mpsse_rx *rx, uint8_t *buf, size_t cap, unsigned packet_size);
/* Drop every pending byte. */
void mpsse_rx_reset(struct mpsse_rx *rx);
/*
 * Strip one raw transfer and append its payload. Returns the payload bytes
 * added, -EPROTO for a malformed transfer or -ENOSPC when the payload does
 * not fit beside the pending bytes (nothing is added on error).
 */
int mpsse_rx_feed(struct mpsse_rx *rx, const uint8_t *raw, size_t len);

static inline size_t mpsse_rx_pending(const struct mpsse_rx *rx)
{
	return rx->len;
}

/* The pending bytes, valid until the next feed, take or reset. */
static inline const uint8_t *mpsse_rx_peek(const struct mpsse_rx *rx)
{
	return rx->buf + rx->head;
}

/*
 * Take one framed answer of n data bytes: -EAGAIN while fewer than
 * n + MPSSE_MARKER_LEN bytes are pending; -EPROTO (nothing taken) when the
 * marker is not where it belongs; otherwise copy the data to out, consume
 * data and marker and return n.
 */
int mpsse_rx_take(struct mpsse_rx *rx, uint8_t *out, size_t n);

/* Format up to len bytes as "12 34 fa ab" (truncated with "..."), for logs. */
const char *mpsse_hex(const uint8_t *buf, size_t len, char *out, size_t out_len);

#endif
