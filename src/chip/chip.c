// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chip/chip.h"
#include "common/log.h"
#include "common/macros.h"
#include "mpsse/mpsse.h"
#include "transport/transport.h"

#define BITMODE_MPSSE 0x02
#define HEX_MAX 64

/* What the chip holds: the bytes last written to it. */
struct chip_hw {
	uint16_t dir;	/* 1 = output */
	uint16_t latch;
	uint16_t od;	/* 9E mask; FT232H only */
};

struct chip {
	struct transport *t;
	const struct chipdb_entry *db;
	int timeout_ms;
	uint16_t lines_mask;
	uint16_t od_capable;

	pthread_mutex_t lock;	/* the I/O mutex; guards everything below */
	struct chip_lines lines;
	struct chip_hw hw;
	bool hw_known;		/* false until every bank is written, and after a failed write */
	struct mpsse_rx rx;
	uint8_t *raw;		/* one IN packet */
	uint8_t mem[];		/* raw, then the rx store */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *desc(const struct chip *c)
{
	return c->t->description;
}

struct chip *chip_free(struct chip *chip)
{
	if (!chip)
		return NULL;
	pthread_mutex_destroy(&chip->lock);
	free(chip);
	return NULL;
}

DEFINE_CLEANUP(struct chip, chip_free)

static struct chip *chip_new(struct transport *t, const struct chipdb_entry *db, int timeout_ms)
{
	unsigned ps = t->packet_size;
	/* Room for a packet's payload beside a partial answer. */
	size_t rx_cap = 2 * (size_t)ps;
	struct chip *c = calloc(1, sizeof(*c) + ps + rx_cap);
	unsigned line;

	if (!c)
		return NULL;
	c->t = t;
	c->db = db;
	c->timeout_ms = timeout_ms ? timeout_ms : CHIP_TIMEOUT_MS_DEFAULT;
	c->lines_mask = chipdb_lines_mask(db);
	for (line = 0; line < db->lines; line++)
		if (chipdb_line_open_drain(db, line) != CHIPDB_OPEN_DRAIN_NONE)
			c->od_capable |= 1u << line;
	pthread_mutex_init(&c->lock, NULL);
	c->raw = c->mem;
	mpsse_rx_init(&c->rx, c->mem + ps, rx_cap, ps);
	return c;
}

const struct chipdb_entry *chip_db(const struct chip *chip)
{
	return chip->db;
}

struct transport *chip_transport(const struct chip *chip)
{
	return chip->t;
}

/* --- Answers ---------------------------------------------------------------- */

/* Read one transfer into the accumulator, waiting at most until deadline. */
static int chip_read_until(struct chip *c, int64_t deadline)
{
	int64_t left = deadline - now_ms();
	int r;

	if (left <= 0)
		return -ETIMEDOUT;
	r = transport_read_raw(c->t, c->raw, c->t->packet_size, (int)left);
	if (r < 0)
		return r;
	r = mpsse_rx_feed(&c->rx, c->raw, (size_t)r);
	/* A flood that does not fit is as wrong as a malformed packet. */
	return r == -ENOSPC ? -EPROTO : r;
}

/* The bytes received so far, for a log line. */
static const char *chip_pending_hex(const struct chip *c, char *buf, size_t len)
{
	return mpsse_hex(mpsse_rx_peek(&c->rx), mpsse_rx_pending(&c->rx), buf, len);
}

static int chip_exchange_locked(struct chip *c, struct mpsse_cmd *cmd, uint8_t *answer)
{
	size_t n = cmd->answer;
	char hex[HEX_MAX];
	int64_t deadline;
	int r;

	mpsse_cmd_end_answer(cmd);
	r = mpsse_cmd_len(cmd);
	if (r < 0)
		return r;
	mpsse_rx_reset(&c->rx);
	r = transport_write(c->t, cmd->buf, (size_t)r, c->timeout_ms);
	if (r < 0)
		return r;
	deadline = now_ms() + c->timeout_ms;
	do {
		r = mpsse_rx_take(&c->rx, answer, n);
		if (r != -EAGAIN)
			break;
		r = chip_read_until(c, deadline);
	} while (r >= 0);
	/* We are the only reader: anything after our answer means we lost sync. */
	if (r >= 0 && mpsse_rx_pending(&c->rx))
		r = -EPROTO;
	if (r >= 0)
		return 0;
	if (r == -ENODEV)
		return r;
	log_warn("%s: no valid answer: %s; received [%s]", desc(c), strerror(-r),
		 chip_pending_hex(c, hex, sizeof(hex)));
	/* A late or shifted answer must not become the next exchange's. */
	mpsse_rx_reset(&c->rx);
	if (transport_purge(c->t) == -ENODEV)
		return -ENODEV;
	return r;
}

int chip_exchange(struct chip *chip, struct mpsse_cmd *cmd, uint8_t *answer)
{
	int r;

	pthread_mutex_lock(&chip->lock);
	r = chip_exchange_locked(chip, cmd, answer);
	pthread_mutex_unlock(&chip->lock);
	return r;
}

static void chip_put_sample_reads(const struct chip *c, struct mpsse_cmd *cmd)
{
	mpsse_cmd_read_low(cmd);
	/* FT4232H has no ACBUS: its high-byte commands are never sent. */
	if (c->db->lines > 8)
		mpsse_cmd_read_high(cmd);
}

int chip_sample_command(const struct chip *chip, uint8_t *buf, size_t cap)
{
	struct mpsse_cmd cmd;

	mpsse_cmd_init(&cmd, buf, cap);
	chip_put_sample_reads(chip, &cmd);
	mpsse_cmd_end_answer(&cmd);
	return mpsse_cmd_len(&cmd);
}

size_t chip_sample_bytes(const struct chip *chip)
{
	return chip->db->lines > 8 ? 2 : 1;
}

uint16_t chip_sample_levels(const struct chip *chip, const uint8_t *data)
{
	return chip->db->lines > 8 ? (uint16_t)(data[0] | data[1] << 8) : data[0];
}

static int chip_get_levels_locked(struct chip *c, uint16_t *levels)
{
	uint8_t buf[8], data[2];
	struct mpsse_cmd cmd;
	int r;

	mpsse_cmd_init(&cmd, buf, sizeof(buf));
	chip_put_sample_reads(c, &cmd);
	r = chip_exchange_locked(c, &cmd, data);
	if (r < 0)
		return r;
	*levels = chip_sample_levels(c, data);
	return 0;
}

int chip_get_levels(struct chip *chip, uint16_t *levels)
{
	int r;

	pthread_mutex_lock(&chip->lock);
	r = chip_get_levels_locked(chip, levels);
	pthread_mutex_unlock(&chip->lock);
	return r;
}

int chip_write(struct chip *chip, const uint8_t *buf, size_t len)
{
	int r;

	pthread_mutex_lock(&chip->lock);
	r = transport_write(chip->t, buf, len, chip->timeout_ms);
	pthread_mutex_unlock(&chip->lock);
	return r < 0 ? r : 0;
}

/* --- Lines ------------------------------------------------------------------ */

static struct chip_hw chip_hw_for(const struct chip *c, const struct chip_lines *l)
{
	uint16_t od = l->open_drain & l->output;
	/* An input's latch drives nothing: keep it, so no bank changes for it. */
	struct chip_hw hw = { .latch = c->hw.latch & ~l->output };

	if (c->db->native_open_drain) {
		hw.dir = l->output;
		hw.latch |= l->values & l->output;
		hw.od = od;
	} else {
		/* The latch of an emulated open-drain line stays 0: driving low is a direction change. */
		hw.dir = l->output & ~(od & l->values);
		hw.latch |= l->values & l->output & ~od;
	}
	return hw;
}

static bool bank_changed(const struct chip_hw *a, const struct chip_hw *b, unsigned shift)
{
	return ((a->dir ^ b->dir) | (a->latch ^ b->latch)) >> shift & 0xff;
}

/*
 * One bulk OUT with every bank that changes. On FT232H, lines become
 * open-drain before their latch changes and stop being open-drain after
 * it: in between they either drive low or float, never drive a level that
 * is neither the old one nor the new one. At attach the old mask is
 * unknown, so it goes last, after the banks have set every output's latch
 * to the level its pin shows (as-is) or is asked to show.
 */
static int chip_write_hw_locked(struct chip *c, const struct chip_hw *hw)
{
	uint8_t buf[12];
	struct mpsse_cmd cmd;
	bool all = !c->hw_known, native = c->db->native_open_drain;
	uint16_t od_first = c->hw.od | hw->od;
	int r;

	mpsse_cmd_init(&cmd, buf, sizeof(buf));
	if (native && !all && od_first != c->hw.od)
		mpsse_cmd_open_drain(&cmd, od_first);
	if (all || bank_changed(hw, &c->hw, 0))
		mpsse_cmd_set_low(&cmd, hw->latch & 0xff, hw->dir & 0xff);
	if (c->db->lines > 8 && (all || bank_changed(hw, &c->hw, 8)))
		mpsse_cmd_set_high(&cmd, hw->latch >> 8, hw->dir >> 8);
	if (native && (all || od_first != hw->od))
		mpsse_cmd_open_drain(&cmd, hw->od);
	r = mpsse_cmd_len(&cmd);
	if (r <= 0)
		return r;
	r = transport_write(c->t, buf, (size_t)r, c->timeout_ms);
	if (r < 0) {
		/* The chip may have taken part of it: rewrite everything next time. */
		c->hw_known = false;
		return r;
	}
	c->hw = *hw;
	c->hw_known = true;
	return 0;
}

static int chip_apply_locked(struct chip *c, const struct chip_lines *next)
{
	struct chip_hw hw = chip_hw_for(c, next);
	int r = chip_write_hw_locked(c, &hw);

	if (r < 0)
		return r;
	c->lines = *next;
	return 0;
}

/* Lines in mask that want asks to be inputs must be inputs, and so on. */
static int chip_check(const struct chip *c, uint16_t mask, const struct chip_lines *want)
{
	const struct chipdb_entry *db = c->db;
	uint16_t out = want->output & mask;

	if (mask & ~c->lines_mask)
		return -EINVAL;
	if (mask & ~out & ~db->input_mask)
		return -EINVAL;
	if (out & ~db->output_mask)
		return -EINVAL;
	if (want->open_drain & out & ~c->od_capable)
		return -EINVAL;
	return 0;
}

static uint16_t merge(uint16_t old, uint16_t new, uint16_t mask)
{
	return (old & ~mask) | (new & mask);
}

int chip_set_lines(struct chip *chip, uint16_t mask, const struct chip_lines *want)
{
	struct chip_lines next;
	int r;

	pthread_mutex_lock(&chip->lock);
	r = chip_check(chip, mask, want);
	if (!r) {
		next.output = merge(chip->lines.output, want->output, mask);
		next.open_drain = merge(chip->lines.open_drain, want->open_drain, mask) & next.output;
		next.values = merge(chip->lines.values, want->values, mask) & next.output;
		r = chip_apply_locked(chip, &next);
	}
	pthread_mutex_unlock(&chip->lock);
	return r;
}

int chip_set_values(struct chip *chip, uint16_t mask, uint16_t values)
{
	struct chip_lines next;
	int r = 0;

	pthread_mutex_lock(&chip->lock);
	if (mask & ~chip->lines_mask)
		r = -EINVAL;
	else if (mask & ~chip->lines.output)
		r = -EPERM;
	if (!r) {
		next = chip->lines;
		next.values = merge(next.values, values, mask);
		r = chip_apply_locked(chip, &next);
	}
	pthread_mutex_unlock(&chip->lock);
	return r;
}

void chip_get_lines(struct chip *chip, struct chip_lines *lines)
{
	pthread_mutex_lock(&chip->lock);
	*lines = chip->lines;
	pthread_mutex_unlock(&chip->lock);
}

int chip_set_line(struct chip *chip, unsigned line, enum chip_line_mode mode, bool value)
{
	struct chip_lines want = { 0 };
	uint16_t bit;

	if (line >= chip->db->lines)
		return -EINVAL;
	bit = (uint16_t)(1u << line);
	switch (mode) {
	case CHIP_LINE_INPUT:
		break;
	case CHIP_LINE_OUTPUT:
		want.output = bit;
		break;
	case CHIP_LINE_OPEN_DRAIN:
		want.output = want.open_drain = bit;
		break;
	default:
		return -EINVAL;
	}
	want.values = value ? bit : 0;
	return chip_set_lines(chip, bit, &want);
}

int chip_set_value(struct chip *chip, unsigned line, bool value)
{
	if (line >= chip->db->lines)
		return -EINVAL;
	return chip_set_values(chip, (uint16_t)(1u << line), value ? 0xffff : 0);
}

/* --- Attach ------------------------------------------------------------------ */

/*
 * No SET_BITMODE reset before MPSSE: a bitmode reset turns every pin into
 * an input, so outputs a previous session left driven would drop for as
 * long as the attach takes. Entering MPSSE directly keeps the chip's
 * directions and latches; the pins are read before the first set command.
 */
static int chip_enter_mpsse(struct chip *c, uint8_t latency_ms)
{
	int r;

	r = transport_reset(c->t);
	if (r < 0)
		return r;
	r = transport_purge(c->t);
	if (r < 0)
		return r;
	r = transport_set_latency(c->t, latency_ms);
	if (r < 0)
		return r;
	/* In MPSSE mode the bitmode's pin mask means nothing: 80/82 set directions. */
	return transport_set_bitmode(c->t, 0, BITMODE_MPSSE);
}

/* Returns an enum mpsse_sync, or -errno when the transport fails. */
static int chip_sync_once(struct chip *c, uint8_t op)
{
	uint8_t buf[2];
	struct mpsse_cmd cmd;
	int64_t deadline;
	int r;

	mpsse_cmd_init(&cmd, buf, sizeof(buf));
	mpsse_cmd_bad_opcode(&cmd, op);
	mpsse_cmd_send_immediate(&cmd);
	mpsse_rx_reset(&c->rx);
	r = transport_write(c->t, buf, (size_t)mpsse_cmd_len(&cmd), c->timeout_ms);
	if (r < 0)
		return r;
	deadline = now_ms() + c->timeout_ms;
	for (;;) {
		enum mpsse_sync s = mpsse_sync_check(mpsse_rx_peek(&c->rx),
						     mpsse_rx_pending(&c->rx), op);

		if (s != MPSSE_SYNC_INCOMPLETE)
			return s;
		r = chip_read_until(c, deadline);
		if (r == -ETIMEDOUT || r == -EPROTO)
			return r == -EPROTO ? MPSSE_SYNC_GARBAGE : MPSSE_SYNC_INCOMPLETE;
		if (r < 0)
			return r;
	}
}

/* Both sync opcodes in turn; *op is the one that failed. */
static int chip_sync_try(struct chip *c, uint8_t *op)
{
	static const uint8_t ops[] = { MPSSE_SYNC_FIRST, MPSSE_SYNC_SECOND };
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		*op = ops[i];
		r = chip_sync_once(c, ops[i]);
		if (r != MPSSE_SYNC_OK)
			return r;
	}
	return MPSSE_SYNC_OK;
}

static int chip_sync(struct chip *c)
{
	char hex[HEX_MAX];
	uint8_t op;
	int r, try;

	for (try = 1;; try++) {
		r = chip_sync_try(c, &op);
		if (r == MPSSE_SYNC_OK)
			return 0;
		if (r < 0)
			return r;
		log_warn("%s: sync %02x, try %d of %d: %s; received [%s]", desc(c), op, try,
			 CHIP_SYNC_TRIES, mpsse_sync_str(r), chip_pending_hex(c, hex, sizeof(hex)));
		if (try == CHIP_SYNC_TRIES)
			break;
		/* Whatever sits in the RX FIFO is not ours: drop it and start over. */
		mpsse_rx_reset(&c->rx);
		r = transport_purge(c->t);
		if (r < 0)
			return r;
	}
	log_err("%s: MPSSE command processor not in sync after %d tries, giving up", desc(c),
		CHIP_SYNC_TRIES);
	return r == MPSSE_SYNC_INCOMPLETE ? -EIO : -EPROTO;
}

int chip_resync(struct chip *chip)
{
	int r;

	pthread_mutex_lock(&chip->lock);
	mpsse_rx_reset(&chip->rx);
	r = transport_purge(chip->t);
	if (r == 0)
		r = chip_sync(chip);
	pthread_mutex_unlock(&chip->lock);
	/* A request or a write that times out: the chip is not answering either. */
	return r == -ETIMEDOUT ? -EIO : r;
}

static int chip_apply_initial(struct chip *c, const struct chip_config *cfg, uint16_t levels)
{
	struct chip_lines lines = cfg->lines;

	lines.open_drain &= lines.output;
	/* The reason for reading first: an as-is output is entered at its level. */
	lines.values = merge(lines.values, levels, cfg->as_is) & lines.output;
	return chip_apply_locked(c, &lines);
}

static int chip_attach_locked(struct chip *c, const struct chip_config *cfg)
{
	uint16_t levels;
	int r;

	r = chip_enter_mpsse(c, cfg->latency_ms ? cfg->latency_ms : CHIP_LATENCY_MS_DEFAULT);
	if (r < 0)
		return r;
	r = chip_sync(c);
	if (r < 0)
		return r;
	r = chip_get_levels_locked(c, &levels);
	if (r < 0)
		return r;
	r = chip_apply_initial(c, cfg, levels);
	if (r < 0)
		return r;
	log_info("%s: attached %s interface %c, %u lines, levels %04x, outputs %04x", desc(c),
		 c->db->name, 'A' + c->t->interface, c->db->lines, levels, c->lines.output);
	return 0;
}

int chip_attach(struct transport *t, const struct chipdb_entry *db,
		const struct chip_config *config, struct chip **out)
{
	static const struct chip_config all_inputs;
	const struct chip_config *cfg = config ? config : &all_inputs;
	_cleanup_(chip_freep) struct chip *c = NULL;
	int r;

	if (t->interface >= db->interfaces) {
		log_err("%s: interface %c of %s has no MPSSE", t->description, 'A' + t->interface,
			db->name);
		return -EINVAL;
	}
	c = chip_new(t, db, cfg->timeout_ms);
	if (!c)
		return -ENOMEM;
	/* Lines left out become inputs whatever they allow: that is the power-on state. */
	r = chip_check(c, cfg->lines.output, &cfg->lines);
	if (r < 0) {
		log_err("%s: %s cannot drive lines %04x (open-drain %04x)", desc(c), db->name,
			cfg->lines.output, cfg->lines.open_drain & cfg->lines.output);
		return r;
	}
	pthread_mutex_lock(&c->lock);
	r = chip_attach_locked(c, cfg);
	pthread_mutex_unlock(&c->lock);
	if (r < 0) {
		/* A device pulled while it is being attached is routine, not an error. */
		log_printf(r == -ENODEV ? LOG_LEVEL_INFO : LOG_LEVEL_ERROR, "%s: attach failed: %s",
			   desc(c), strerror(-r));
		return r;
	}
	*out = steal_ptr(c);
	return 0;
}
