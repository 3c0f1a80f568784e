/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The chip model: one object per open MPSSE interface. It brings the
 * interface into MPSSE mode without touching the pins (glitch-free attach),
 * caches the directions and output latches of both banks, and turns line
 * configurations into the fewest MPSSE commands (only the banks whose bytes
 * change are written).
 *
 * Threads and locks: every function may be called from any thread. The
 * chip's I/O mutex serializes the synchronous operations on the interface
 * (vendor requests, writes, the exchanges that wait for an answer) and
 * guards the cached line state. Nothing here is RCU-protected. The
 * functions that do I/O block, so a transport callback must not call
 * them. The chip borrows
 * its transport: free the chip first, then close the transport. Freeing
 * the chip does no I/O, so the pins keep their levels.
 *
 * The poller owns the IN endpoint while it samples: while reads of its own
 * are in flight, synchronous answers (chip_get_levels) would land in them,
 * so it reads levels from its samples instead. It sends its sample commands
 * with chip_write() and parses answers with an mpsse_rx of its own (see
 * chip_sample_command()).
 *
 * Errors: -EINVAL for a line the chip lacks or cannot use that way, -EPERM
 * for setting a line that is not an output, -ENODEV when the device is gone,
 * -ETIMEDOUT when it does not answer, -EPROTO when its answer is wrong.
 */
#ifndef MPSSED_CHIP_CHIP_H
#define MPSSED_CHIP_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip/chipdb.h"

struct transport;
struct mpsse_cmd;
struct chip;

/* The configuration of an interface's lines, one bit per line. */
struct chip_lines {
	uint16_t output;	/* driven by the chip; clear = input */
	uint16_t open_drain;	/* outputs that drive only 0 and release on 1 */
	uint16_t values;	/* levels asked of the outputs */
};

#define CHIP_LATENCY_MS_DEFAULT 1
#define CHIP_TIMEOUT_MS_DEFAULT 1000
#define CHIP_SYNC_TRIES 3

struct chip_config {
	uint8_t latency_ms;	/* latency timer; 0: CHIP_LATENCY_MS_DEFAULT */
	int timeout_ms;		/* per write or answer; 0: CHIP_TIMEOUT_MS_DEFAULT */
	struct chip_lines lines; /* lines not in lines.output become inputs */
	/*
	 * Outputs that keep the level they have now (their values ignored). An
	 * open-drain line found low is then driven low: the pins do not tell
	 * a released line pulled low from a driven one.
	 */
	uint16_t as_is;
};

/*
 * Attach to the MPSSE interface behind t (t->interface picks A, B) of a
 * chip described by db: reset and purge the FIFOs, set the latency timer,
 * enter MPSSE, check that the command processor is in sync, read the pins
 * and only then apply config (NULL: every line an input). Returns 0 and
 * *out, which the caller frees with chip_free(); -EINVAL when t's interface
 * has no MPSSE or config asks for lines db does not allow.
 */
int chip_attach(struct transport *t, const struct chipdb_entry *db,
		const struct chip_config *config, struct chip **out);

/* Accepts NULL; returns NULL. No I/O: the pins stay as they are. */
struct chip *chip_free(struct chip *chip);

const struct chipdb_entry *chip_db(const struct chip *chip);
struct transport *chip_transport(const struct chip *chip);

/*
 * Reconfigure the lines in mask as `want` says (input, output push-pull or
 * open-drain, and the outputs' values); other lines stay as they are. One
 * bulk OUT carries every bank that changes; nothing is written when
 * nothing changes. On error the cached configuration is unchanged.
 */
int chip_set_lines(struct chip *chip, uint16_t mask, const struct chip_lines *want);
/* Set the values of output lines (open-drain: 0 drives low, 1 releases). */
int chip_set_values(struct chip *chip, uint16_t mask, uint16_t values);
/* The configuration now in force. */
void chip_get_lines(struct chip *chip, struct chip_lines *lines);

enum chip_line_mode {
	CHIP_LINE_INPUT = 1,
	CHIP_LINE_OUTPUT,
	CHIP_LINE_OPEN_DRAIN,
};

/* One line at a time: chip_set_lines()/chip_set_values() for a single line. */
int chip_set_line(struct chip *chip, unsigned line, enum chip_line_mode mode, bool value);
int chip_set_value(struct chip *chip, unsigned line, bool value);

/* The levels of all pins (bit n = line n) in one round trip. */
int chip_get_levels(struct chip *chip, uint16_t *levels);

/*
 * Send the commands in cmd and wait for their answer: cmd->answer bytes,
 * copied to answer. The exchange frames it (it appends the marker and send
 * immediate to cmd, which needs room for 2 more bytes). -EPROTO when the
 * answer is not exactly that many bytes followed by the marker, -ETIMEDOUT
 * when it does not come in time; after either the RX FIFO is purged, so
 * the next exchange starts clean.
 */
int chip_exchange(struct chip *chip, struct mpsse_cmd *cmd, uint8_t *answer);

/*
 * After a failed exchange or write: purge both FIFOs and check with the
 * sync opcodes that the command processor is in step again (a few tries,
 * as at attach). 0 when it is; otherwise the device cannot be trusted:
 * -EIO (it does not answer), -EPROTO (it answers garbage), -ENODEV. The
 * cached configuration is kept; the next set rewrites every bank if a
 * write failed.
 */
int chip_resync(struct chip *chip);

/* --- For the poller ----------------------------------------------------- */

/*
 * The commands of one sample (read every bank, marker, send immediate).
 * Returns their length, or -ENOSPC when cap is too small. Each sample's
 * answer is chip_sample_bytes() data bytes, framed: take it with
 * mpsse_rx_take() and decode it with chip_sample_levels().
 */
int chip_sample_command(const struct chip *chip, uint8_t *buf, size_t cap);
size_t chip_sample_bytes(const struct chip *chip);
uint16_t chip_sample_levels(const struct chip *chip, const uint8_t *data);

/* Write raw commands under the I/O mutex. */
int chip_write(struct chip *chip, const uint8_t *buf, size_t len);

#endif
