// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The MPSSE command processor of one interface (AN_108, facts.md §3).
 *
 * Bytes from bulk OUT transfers wait in the TX FIFO; a command runs once
 * all its fixed bytes are there, so commands split across transfers work.
 * Answers go to the RX FIFO stamped with the modelled time they were made.
 * The processor stops, as the chip does, when an answer does not fit in
 * the RX FIFO (until the host reads), when it waits for GPIOL1 (0x88,
 * 0x89, 0x94, 0x95, 0x9C, 0x9D) and, with the timing model, while it clocks
 * (0x8E, 0x8F, data commands) at the current TCK.
 *
 * Not modelled: the pins a data command toggles (TCK, DO, TMS) are not
 * recorded in the pin world; adaptive clocking only records its setting.
 */
#include <errno.h>

#include "common/macros.h"
#include "emu/internal.h"

enum {
	OP_SET_LOW = 0x80,
	OP_READ_LOW = 0x81,
	OP_SET_HIGH = 0x82,
	OP_READ_HIGH = 0x83,
	OP_LOOPBACK_ON = 0x84,
	OP_LOOPBACK_OFF = 0x85,
	OP_DIVISOR = 0x86,
	OP_SEND_IMMEDIATE = 0x87,
	OP_WAIT_HIGH = 0x88,
	OP_WAIT_LOW = 0x89,
	OP_DIV5_OFF = 0x8a,
	OP_DIV5_ON = 0x8b,
	OP_3PHASE_ON = 0x8c,
	OP_3PHASE_OFF = 0x8d,
	OP_CLOCK_BITS = 0x8e,
	OP_CLOCK_BYTES = 0x8f,
	OP_CLOCK_UNTIL_HIGH = 0x94,
	OP_CLOCK_UNTIL_LOW = 0x95,
	OP_ADAPTIVE_ON = 0x96,
	OP_ADAPTIVE_OFF = 0x97,
	OP_CLOCK_BYTES_OR_HIGH = 0x9c,
	OP_CLOCK_BYTES_OR_LOW = 0x9d,
	OP_OPEN_DRAIN = 0x9e,
	OP_BAD_ANSWER = 0xfa,

	/* Data command bits (opcodes 0x00-0x7f) */
	DATA_BITS = 0x02,
	DATA_LSB = 0x08,
	DATA_WRITE = 0x10,
	DATA_READ = 0x20,
	DATA_TMS = 0x40,

	GPIOL1 = 5,
};

void emu_mpsse_abort(struct emu_intf *intf)
{
	struct emu_mpsse *cp = &intf->cp;

	cp->state = EMU_CP_RUN;
	cp->wait_until = EMU_NEVER;
	cp->data_op = 0;
	cp->data_left = 0;
}

void emu_mpsse_reset(struct emu_intf *intf)
{
	struct emu_mpsse *cp = &intf->cp;

	emu_mpsse_abort(intf);
	cp->loopback = false;
	/* H chips power up dividing by 5, for FT2232D compatibility. */
	cp->div5 = true;
	cp->three_phase = false;
	cp->adaptive = false;
	cp->divisor = 0;
}

static bool runnable(const struct emu_intf *intf);

void emu_mpsse_arrived(struct emu_intf *intf, uint64_t now)
{
	if (intf->cp.state == EMU_CP_RUN && !runnable(intf) && intf->cp.t < now)
		intf->cp.t = now;
}

void emu_mpsse_rx_freed(struct emu_intf *intf, uint64_t t)
{
	if (intf->cp.state != EMU_CP_FULL)
		return;
	intf->cp.state = EMU_CP_RUN;
	if (intf->cp.t < t)
		intf->cp.t = t;
}

static bool data_valid(uint8_t op)
{
	if (op & DATA_TMS)
		return (op & DATA_BITS) && !(op & DATA_WRITE);
	return op & (DATA_WRITE | DATA_READ);
}

/* Bytes a command needs in the TX FIFO before it starts. */
static size_t cmd_len(const struct emu_intf *intf, uint8_t op)
{
	if (!(op & 0x80)) {
		if (!data_valid(op))
			return 1;
		if (op & DATA_BITS)
			return op & (DATA_WRITE | DATA_TMS) ? 3 : 2;
		return 3; /* the data bytes stream after the header */
	}
	switch (op) {
	case OP_SET_LOW:
	case OP_SET_HIGH:
	case OP_DIVISOR:
	case OP_CLOCK_BYTES:
	case OP_CLOCK_BYTES_OR_HIGH:
	case OP_CLOCK_BYTES_OR_LOW:
		return 3;
	case OP_OPEN_DRAIN:
		return intf->chip->preset->open_drain_cmd ? 3 : 1;
	case OP_CLOCK_BITS:
		return 2;
	default:
		return 1;
	}
}

static uint8_t peek(const struct emu_intf *intf, size_t i)
{
	return intf->tx.data[emu_fifo_index(&intf->tx, i)];
}

static void consume(struct emu_intf *intf, size_t n)
{
	while (n--)
		(void)emu_fifo_pop(&intf->tx);
}

/* Nanoseconds for `bits` clock periods at the current TCK. */
static uint64_t clock_ns(const struct emu_intf *intf, uint64_t bits, bool data)
{
	const struct emu_mpsse *cp = &intf->cp;
	double base = cp->div5 ? 12e6 : 60e6;
	double ns = (double)bits * 1e9 * 2.0 * (1.0 + cp->divisor) / base;

	if (!intf->chip->timing)
		return 0;
	/* Three-phase clocking spends 1.5 periods per data bit. */
	if (data && cp->three_phase)
		ns *= 1.5;
	return (uint64_t)(ns + 0.5);
}

/* Time passes; past now, the processor is busy until then. */
static void clock_for(struct emu_intf *intf, uint64_t ns, uint64_t now)
{
	intf->cp.t += ns;
	if (intf->cp.t > now)
		intf->cp.state = EMU_CP_BUSY;
}

/* Room for n answer bytes, or the processor stops until the host reads. */
static bool answer_fits(struct emu_intf *intf, size_t n)
{
	if (emu_fifo_space(&intf->rx) >= n)
		return true;
	intf->cp.state = EMU_CP_FULL;
	return false;
}

static void answer(struct emu_intf *intf, uint8_t byte, uint64_t t)
{
	emu_fifo_push(&intf->rx, byte, t);
}

static uint8_t bank_at(const struct emu_intf *intf, bool high, uint64_t t)
{
	uint8_t v = 0;

	/* The FT4232H has no ACBUS: its high bank reads as 0. */
	if (high && intf->lines <= 8)
		return 0;
	for (unsigned i = 0; i < 8; i++)
		if (emu_line_at(intf, (high ? 8 : 0) + i, t))
			v |= 1u << i;
	return v;
}

static void set_bank(struct emu_intf *intf, bool high, uint8_t val, uint8_t dir)
{
	unsigned shift = high ? 8 : 0;
	uint16_t mask = (uint16_t)(0xff << shift);

	/* The FT4232H accepts 0x82 and has no pins to drive with it. */
	if (high && intf->lines <= 8)
		return;
	emu_world_advance(intf, intf->cp.t);
	intf->latch = (uint16_t)((intf->latch & ~mask) | (val << shift));
	intf->dir = (uint16_t)((intf->dir & ~mask) | (dir << shift));
	emu_history_note(intf, intf->cp.t);
}

static void set_open_drain(struct emu_intf *intf, uint16_t mask)
{
	emu_world_advance(intf, intf->cp.t);
	intf->open_drain = mask;
	emu_history_note(intf, intf->cp.t);
}

/* 0x87: every byte waiting now must go to the host now. */
static void send_immediate(struct emu_intf *intf)
{
	struct emu_fifo *rx = &intf->rx;

	for (size_t i = rx->len; i > 0; i--) {
		size_t k = emu_fifo_index(rx, i - 1);

		if (rx->due[k] != EMU_NEVER)
			break;
		rx->due[k] = intf->cp.t;
	}
	intf->stats.send_immediate++;
}

static void wait_gpiol1(struct emu_intf *intf, bool high, uint64_t until)
{
	intf->cp.state = EMU_CP_WAIT;
	intf->cp.wait_high = high;
	intf->cp.wait_until = until;
}

/* The bits a data command reads back: TDO/DI, or what it shifts out in loopback. */
static uint8_t shift_in(const struct emu_intf *intf, uint8_t op, unsigned bits, uint8_t out)
{
	bool lsb = op & DATA_LSB;
	bool di = emu_line_at(intf, 2, intf->cp.t);
	uint8_t v = 0;

	for (unsigned i = 0; i < bits; i++) {
		bool b = di;

		if (intf->cp.loopback && (op & DATA_TMS))
			b = out & 0x80; /* TMS commands hold TDI at data bit 7 */
		else if (intf->cp.loopback && (op & DATA_WRITE))
			b = lsb ? (out >> i) & 1 : (out >> (7 - i)) & 1;
		/* Bits enter at one end and move along: the first ends furthest in. */
		if (b)
			v |= lsb ? 1u << (8 - bits + i) : 1u << (bits - 1 - i);
	}
	return v;
}

/* A bit-mode or TMS command: [op, n, (data)], n + 1 bits. */
static void data_bits(struct emu_intf *intf, uint8_t op, uint64_t now)
{
	unsigned bits = (peek(intf, 1) & 7) + 1;
	uint8_t out = op & (DATA_WRITE | DATA_TMS) ? peek(intf, 2) : 0;
	uint8_t in;

	if ((op & DATA_READ) && !answer_fits(intf, 1))
		return;
	in = shift_in(intf, op, bits, out);
	consume(intf, cmd_len(intf, op));
	clock_for(intf, clock_ns(intf, bits, true), now);
	if (op & DATA_READ)
		answer(intf, in, intf->cp.t);
	intf->stats.commands++;
}

/* The next run of a byte-mode data command: as many bytes as the FIFOs allow. */
static bool data_bytes(struct emu_intf *intf, uint64_t now)
{
	struct emu_mpsse *cp = &intf->cp;
	bool write = cp->data_op & DATA_WRITE, read = cp->data_op & DATA_READ;
	size_t n = cp->data_left;

	if (write && intf->tx.len < n)
		n = intf->tx.len;
	if (read && emu_fifo_space(&intf->rx) < n)
		n = emu_fifo_space(&intf->rx);
	if (n == 0) {
		if (read && !emu_fifo_space(&intf->rx)) {
			cp->state = EMU_CP_FULL;
			return true;
		}
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t out = write ? emu_fifo_pop(&intf->tx) : 0;
		uint8_t in = shift_in(intf, cp->data_op, 8, out);

		cp->t += clock_ns(intf, 8, true);
		if (read)
			answer(intf, in, cp->t);
	}
	cp->data_left -= (uint32_t)n;
	clock_for(intf, 0, now);
	return true;
}

static void data_start(struct emu_intf *intf, uint8_t op, uint64_t now)
{
	if (op & DATA_BITS) {
		data_bits(intf, op, now);
		return;
	}
	intf->cp.data_op = op;
	intf->cp.data_left = (uint32_t)(peek(intf, 1) | peek(intf, 2) << 8) + 1;
	consume(intf, 3);
	intf->stats.commands++;
}

static void bad_command(struct emu_intf *intf, uint8_t op)
{
	if (!answer_fits(intf, 2))
		return;
	consume(intf, 1);
	answer(intf, OP_BAD_ANSWER, intf->cp.t);
	answer(intf, op, intf->cp.t);
	intf->stats.bad_commands++;
	intf->stats.commands++;
}

static void read_bank(struct emu_intf *intf, bool high)
{
	if (!answer_fits(intf, 1))
		return;
	consume(intf, 1);
	answer(intf, bank_at(intf, high, intf->cp.t), intf->cp.t);
	intf->stats.pin_reads++;
	intf->stats.commands++;
}

/* Commands with bit 7 set that answer nothing; false if op is not one. */
static bool quiet_command(struct emu_intf *intf, uint8_t op, uint64_t now)
{
	struct emu_mpsse *cp = &intf->cp;
	size_t len = cmd_len(intf, op);
	uint16_t arg = len > 1 ? (uint16_t)(peek(intf, 1) | (len > 2 ? peek(intf, 2) << 8 : 0)) : 0;

	switch (op) {
	case OP_SET_LOW:
	case OP_SET_HIGH:
		set_bank(intf, op == OP_SET_HIGH, arg & 0xff, arg >> 8);
		break;
	case OP_LOOPBACK_ON:
	case OP_LOOPBACK_OFF:
		cp->loopback = op == OP_LOOPBACK_ON;
		break;
	case OP_DIVISOR:
		cp->divisor = arg;
		break;
	case OP_SEND_IMMEDIATE:
		send_immediate(intf);
		break;
	case OP_WAIT_HIGH:
	case OP_WAIT_LOW:
	case OP_CLOCK_UNTIL_HIGH:
	case OP_CLOCK_UNTIL_LOW:
		wait_gpiol1(intf, op == OP_WAIT_HIGH || op == OP_CLOCK_UNTIL_HIGH, EMU_NEVER);
		break;
	case OP_DIV5_OFF:
	case OP_DIV5_ON:
		cp->div5 = op == OP_DIV5_ON;
		break;
	case OP_3PHASE_ON:
	case OP_3PHASE_OFF:
		cp->three_phase = op == OP_3PHASE_ON;
		break;
	case OP_CLOCK_BITS:
		clock_for(intf, clock_ns(intf, (arg & 0xff) + 1u, false), now);
		break;
	case OP_CLOCK_BYTES:
		clock_for(intf, clock_ns(intf, ((uint64_t)arg + 1) * 8, false), now);
		break;
	case OP_CLOCK_BYTES_OR_HIGH:
	case OP_CLOCK_BYTES_OR_LOW:
		wait_gpiol1(intf, op == OP_CLOCK_BYTES_OR_HIGH,
			    cp->t + clock_ns(intf, ((uint64_t)arg + 1) * 8, false));
		break;
	case OP_ADAPTIVE_ON:
	case OP_ADAPTIVE_OFF:
		cp->adaptive = op == OP_ADAPTIVE_ON;
		break;
	case OP_OPEN_DRAIN:
		if (!intf->chip->preset->open_drain_cmd)
			return false;
		set_open_drain(intf, arg);
		break;
	default:
		return false;
	}
	consume(intf, len);
	intf->stats.commands++;
	return true;
}

/* Execute one command (or one run of a data command); false if none can run. */
static bool step(struct emu_intf *intf, uint64_t now)
{
	uint8_t op;

	if (intf->cp.data_left)
		return data_bytes(intf, now);
	if (intf->tx.len == 0)
		return false;
	op = peek(intf, 0);
	if (intf->tx.len < cmd_len(intf, op))
		return false;
	if (!(op & 0x80) && data_valid(op))
		data_start(intf, op, now);
	else if (op == OP_READ_LOW || op == OP_READ_HIGH)
		read_bank(intf, op == OP_READ_HIGH);
	else if (!quiet_command(intf, op, now))
		bad_command(intf, op);
	return true;
}

static bool runnable(const struct emu_intf *intf)
{
	if (intf->cp.data_left)
		return !(intf->cp.data_op & DATA_WRITE) || intf->tx.len;
	return intf->tx.len && intf->tx.len >= cmd_len(intf, peek(intf, 0));
}

/* First time at or after t at which GPIOL1 shows the level the wait wants. */
static uint64_t wait_done_at(const struct emu_intf *intf)
{
	const struct emu_mpsse *cp = &intf->cp;
	uint64_t t = cp->t;

	/* Scripts may repeat a level; each pass moves t on to the next change. */
	for (unsigned i = 0; i < 1024 && t < cp->wait_until; i++) {
		if (emu_line_at(intf, GPIOL1, t) == cp->wait_high)
			return t;
		t = emu_line_next_change(intf, GPIOL1, t);
	}
	return t < cp->wait_until ? t : cp->wait_until;
}

uint64_t emu_mpsse_next(struct emu_intf *intf)
{
	if (!emu_intf_mpsse_on(intf) || intf->stopped)
		return EMU_NEVER;
	switch (intf->cp.state) {
	case EMU_CP_BUSY:
		return intf->cp.t;
	case EMU_CP_WAIT:
		return wait_done_at(intf);
	case EMU_CP_FULL:
		return EMU_NEVER;
	default:
		return runnable(intf) ? intf->cp.t : EMU_NEVER;
	}
}

bool emu_mpsse_run(struct emu_intf *intf, uint64_t at, uint64_t limit, uint64_t now)
{
	struct emu_mpsse *cp = &intf->cp;
	bool progress = false;

	if (cp->t < at)
		cp->t = at;
	if (cp->state == EMU_CP_BUSY) {
		cp->state = EMU_CP_RUN;
		progress = true;
	} else if (cp->state == EMU_CP_WAIT) {
		/* wait_done_at() may stop short on a script that repeats a level */
		if (emu_line_at(intf, GPIOL1, cp->t) == cp->wait_high || cp->t >= cp->wait_until)
			cp->state = EMU_CP_RUN;
		progress = true;
	}
	while (cp->state == EMU_CP_RUN && cp->t <= limit) {
		emu_out_pump(intf, cp->t);
		if (!step(intf, now))
			break;
		progress = true;
	}
	emu_out_pump(intf, cp->t);
	return progress;
}

void emu_out_pump(struct emu_intf *intf, uint64_t t)
{
	struct emu_xfer *x;
	bool on = emu_intf_mpsse_on(intf);

	/* Outside MPSSE mode the bytes go nowhere. */
	if (!on)
		intf->tx.head = intf->tx.len = 0;
	while ((x = intf->out.head)) {
		size_t n = x->length - x->actual;

		if (on && n > emu_fifo_space(&intf->tx))
			n = emu_fifo_space(&intf->tx);
		for (size_t i = 0; on && i < n; i++)
			emu_fifo_push(&intf->tx, x->buffer[x->actual + i], t);
		x->actual += n;
		if (x->actual < x->length)
			break;
		intf->out.head = x->next;
		if (!intf->out.head)
			intf->out.tail = &intf->out.head;
		intf->out.count--;
		emu_complete(intf->chip, x, 0);
	}
}
