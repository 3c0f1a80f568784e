// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/macros.h"
#include "mpsse/mpsse.h"

void mpsse_cmd_init(struct mpsse_cmd *cmd, uint8_t *buf, size_t cap)
{
	*cmd = (struct mpsse_cmd){ .buf = buf, .cap = cap };
}

int mpsse_cmd_len(const struct mpsse_cmd *cmd)
{
	return cmd->error ? cmd->error : (int)cmd->len;
}

static void cmd_fail(struct mpsse_cmd *cmd, int error)
{
	if (!cmd->error)
		cmd->error = error;
}

/* Appends all n bytes or none, so a full buffer never holds half a command. */
static void cmd_put(struct mpsse_cmd *cmd, const uint8_t *bytes, size_t n, size_t answer)
{
	if (cmd->error)
		return;
	if (cmd->cap - cmd->len < n) {
		cmd_fail(cmd, -ENOSPC);
		return;
	}
	memcpy(cmd->buf + cmd->len, bytes, n);
	cmd->len += n;
	cmd->answer += answer;
}

static void cmd_put3(struct mpsse_cmd *cmd, uint8_t op, uint8_t a, uint8_t b)
{
	cmd_put(cmd, (const uint8_t[]){ op, a, b }, 3, 0);
}

static void cmd_put1(struct mpsse_cmd *cmd, uint8_t op, size_t answer)
{
	cmd_put(cmd, &op, 1, answer);
}

void mpsse_cmd_set_low(struct mpsse_cmd *cmd, uint8_t value, uint8_t dir)
{
	cmd_put3(cmd, MPSSE_SET_LOW, value, dir);
}

void mpsse_cmd_set_high(struct mpsse_cmd *cmd, uint8_t value, uint8_t dir)
{
	cmd_put3(cmd, MPSSE_SET_HIGH, value, dir);
}

void mpsse_cmd_read_low(struct mpsse_cmd *cmd)
{
	cmd_put1(cmd, MPSSE_READ_LOW, 1);
}

void mpsse_cmd_read_high(struct mpsse_cmd *cmd)
{
	cmd_put1(cmd, MPSSE_READ_HIGH, 1);
}

void mpsse_cmd_send_immediate(struct mpsse_cmd *cmd)
{
	cmd_put1(cmd, MPSSE_SEND_IMMEDIATE, 0);
}

void mpsse_cmd_open_drain(struct mpsse_cmd *cmd, uint16_t mask)
{
	cmd_put3(cmd, MPSSE_OPEN_DRAIN, mask & 0xff, mask >> 8);
}

void mpsse_cmd_bad_opcode(struct mpsse_cmd *cmd, uint8_t op)
{
	if (!(op & 0x80)) {
		/* Below 0x80 lie the data-shifting opcodes, which take arguments. */
		cmd_fail(cmd, -EINVAL);
		return;
	}
	cmd_put1(cmd, op, 2);
}

void mpsse_cmd_end_answer(struct mpsse_cmd *cmd)
{
	mpsse_cmd_bad_opcode(cmd, MPSSE_MARKER);
	mpsse_cmd_send_immediate(cmd);
}

void mpsse_cmd_clock_bits(struct mpsse_cmd *cmd, unsigned bits)
{
	if (bits < 1 || bits > 8) {
		cmd_fail(cmd, -EINVAL);
		return;
	}
	cmd_put(cmd, (const uint8_t[]){ MPSSE_CLOCK_BITS, (uint8_t)(bits - 1) }, 2, 0);
}

void mpsse_cmd_clock_bytes(struct mpsse_cmd *cmd, unsigned bytes)
{
	if (bytes < 1 || bytes > 65536) {
		cmd_fail(cmd, -EINVAL);
		return;
	}
	cmd_put3(cmd, MPSSE_CLOCK_BYTES, (uint8_t)(bytes - 1), (uint8_t)((bytes - 1) >> 8));
}

void mpsse_cmd_divisor(struct mpsse_cmd *cmd, uint16_t divisor)
{
	cmd_put3(cmd, MPSSE_SET_DIVISOR, divisor & 0xff, divisor >> 8);
}

void mpsse_cmd_div5(struct mpsse_cmd *cmd, bool on)
{
	cmd_put1(cmd, on ? MPSSE_DIV5_ON : MPSSE_DIV5_OFF, 0);
}

void mpsse_cmd_loopback(struct mpsse_cmd *cmd, bool on)
{
	cmd_put1(cmd, on ? MPSSE_LOOPBACK_ON : MPSSE_LOOPBACK_OFF, 0);
}

int mpsse_payload_len(size_t len, unsigned packet_size)
{
	size_t packets, last;

	if (packet_size <= MPSSE_STATUS_LEN)
		return -EINVAL;
	packets = (len + packet_size - 1) / packet_size;
	last = len - (packets ? packets - 1 : 0) * packet_size;
	if (packets && last < MPSSE_STATUS_LEN)
		return -EPROTO;
	return (int)(len - packets * MPSSE_STATUS_LEN);
}

int mpsse_strip_status(const uint8_t *raw, size_t len, unsigned packet_size, uint8_t *out)
{
	int payload = mpsse_payload_len(len, packet_size);
	size_t off, n = 0;

	if (payload < 0)
		return payload;
	for (off = 0; off < len; off += packet_size) {
		size_t chunk = len - off < packet_size ? len - off : packet_size;

		/* memmove: out may be raw, and payload never runs ahead of raw. */
		memmove(out + n, raw + off + MPSSE_STATUS_LEN, chunk - MPSSE_STATUS_LEN);
		n += chunk - MPSSE_STATUS_LEN;
	}
	return payload;
}

int mpsse_find_bad_command(const uint8_t *buf, size_t len, uint8_t *op)
{
	size_t i;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] == MPSSE_BAD_COMMAND) {
			*op = buf[i + 1];
			return (int)i;
		}
	}
	return -ENOENT;
}

static int find_echo(const uint8_t *p, size_t len, uint8_t op)
{
	size_t i;

	for (i = 0; i + 1 < len; i++)
		if (p[i] == MPSSE_BAD_COMMAND && p[i + 1] == op)
			return (int)i;
	return -ENOENT;
}

enum mpsse_sync mpsse_sync_check(const uint8_t *payload, size_t len, uint8_t op)
{
	int pos = find_echo(payload, len, op);
	uint8_t other;

	if (pos == 0)
		return len == 2 ? MPSSE_SYNC_OK : MPSSE_SYNC_EXTRA;
	if (pos > 0)
		return MPSSE_SYNC_STALE;
	/* A trailing FA may be the first half of the echo. */
	if (len == 0 || payload[len - 1] == MPSSE_BAD_COMMAND)
		return MPSSE_SYNC_INCOMPLETE;
	if (mpsse_find_bad_command(payload, len, &other) >= 0)
		return MPSSE_SYNC_WRONG_ECHO;
	return MPSSE_SYNC_GARBAGE;
}

const char *mpsse_sync_str(enum mpsse_sync result)
{
	switch (result) {
	case MPSSE_SYNC_OK:
		return "in sync";
	case MPSSE_SYNC_INCOMPLETE:
		return "no complete echo";
	case MPSSE_SYNC_STALE:
		return "stale bytes before the echo";
	case MPSSE_SYNC_EXTRA:
		return "extra bytes after the echo";
	case MPSSE_SYNC_WRONG_ECHO:
		return "echo of another opcode";
	case MPSSE_SYNC_GARBAGE:
		return "garbage instead of an echo";
	}
	return "unknown";
}

void mpsse_rx_init(struct mpsse_rx *rx, uint8_t *buf, size_t cap, unsigned packet_size)
{
	*rx = (struct mpsse_rx){ .buf = buf, .cap = cap, .packet_size = packet_size };
}

void mpsse_rx_reset(struct mpsse_rx *rx)
{
	rx->head = 0;
	rx->len = 0;
}

int mpsse_rx_feed(struct mpsse_rx *rx, const uint8_t *raw, size_t len)
{
	int payload = mpsse_payload_len(len, rx->packet_size);

	if (payload < 0)
		return payload;
	if ((size_t)payload > rx->cap - rx->len)
		return -ENOSPC;
	/* Compact only when the tail has no room: the pending part is short. */
	if ((size_t)payload > rx->cap - rx->head - rx->len) {
		memmove(rx->buf, rx->buf + rx->head, rx->len);
		rx->head = 0;
	}
	mpsse_strip_status(raw, len, rx->packet_size, rx->buf + rx->head + rx->len);
	rx->len += payload;
	return payload;
}

int mpsse_rx_take(struct mpsse_rx *rx, uint8_t *out, size_t n)
{
	const uint8_t *p = mpsse_rx_peek(rx);

	if (rx->len < n + MPSSE_MARKER_LEN)
		return -EAGAIN;
	if (p[n] != MPSSE_BAD_COMMAND || p[n + 1] != MPSSE_MARKER)
		return -EPROTO;
	if (n)
		memcpy(out, p, n);
	rx->head += n + MPSSE_MARKER_LEN;
	rx->len -= n + MPSSE_MARKER_LEN;
	return (int)n;
}

const char *mpsse_hex(const uint8_t *buf, size_t len, char *out, size_t out_len)
{
	size_t i, pos = 0;

	if (!out_len)
		return out;
	out[0] = '\0';
	for (i = 0; i < len; i++) {
		const char *sep = i ? " " : "";
		/* This byte, room for a later " ...", the NUL. */
		size_t need = strlen(sep) + 2 + (i + 1 < len ? 4 : 0) + 1;

		if (pos + need > out_len) {
			snprintf(out + pos, out_len - pos, "%s...", sep);
			break;
		}
		pos += snprintf(out + pos, out_len - pos, "%s%02x", sep, buf[i]);
	}
	return out;
}
