/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The chip database: what every supported FTDI chip and board offers per
 * MPSSE interface (line count, lines valid as input or output, line names,
 * open-drain), found by USB identity.
 *
 * Threads and locks: the database is constant data; every function may be
 * called from any thread without a lock. Entries and names live for the
 * whole program and are never freed.
 */
#ifndef MPSSED_CHIP_CHIPDB_H
#define MPSSED_CHIP_CHIPDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHIPDB_LINES_MAX 16	/* ADBUS0-7 = 0-7, ACBUS0-7 = 8-15 */

enum chipdb_open_drain {
	CHIPDB_OPEN_DRAIN_NONE = 1,	/* the line cannot be open-drain */
	CHIPDB_OPEN_DRAIN_NATIVE,	/* FT232H: the chip floats a 1 (9E mask) */
	CHIPDB_OPEN_DRAIN_EMULATED,	/* 0 = output low, 1 = input */
};

struct chipdb_entry {
	const char *name;	/* "FT232H", "Sealevel (FT2232H)" ... */
	uint16_t vid, pid;
	uint16_t bcd_device;	/* of the FTDI silicon, also inside a board */
	unsigned interfaces;	/* MPSSE interfaces: 1 = A, 2 = A and B */
	unsigned lines;		/* per interface: 16, or 8 without ACBUS */
	uint16_t input_mask;	/* lines usable as inputs */
	uint16_t output_mask;	/* lines usable as outputs */
	bool native_open_drain;	/* the silicon has the 9E command (FT232H) */
	/* Board names for some lines, NULL where the default name applies. */
	const char *const *names;
};

/*
 * Find the entry for a USB identity. Returns 0 and sets *out; -ENOENT when
 * vid:pid is no chip of ours; -EOPNOTSUPP when vid:pid is ours but
 * bcd_device is not the silicon we know (another chip shares the ID:
 * refused, never guessed). On error, why (if not NULL) gets a sentence for
 * the log naming the bcdDevice seen and the one expected.
 */
int chipdb_lookup(uint16_t vid, uint16_t pid, uint16_t bcd_device,
		  const struct chipdb_entry **out, char *why, size_t why_len);

/* Entry i of the database (for hotplug filters), NULL past the end. */
const struct chipdb_entry *chipdb_get(size_t i);

/* The line's name (board name, else ADBUSn/ACBUSn); NULL past e->lines. */
const char *chipdb_line_name(const struct chipdb_entry *e, unsigned line);

static inline uint16_t chipdb_lines_mask(const struct chipdb_entry *e)
{
	return (uint16_t)((1u << e->lines) - 1);
}

/* Usable at all: as an input, an output or both. */
static inline bool chipdb_line_valid(const struct chipdb_entry *e, unsigned line)
{
	return line < e->lines && ((e->input_mask | e->output_mask) >> line & 1);
}

/*
 * How the line does open-drain: natively where the silicon can (the line
 * must be an output), emulated by switching direction where it is both an
 * input and an output, else not at all.
 */
enum chipdb_open_drain chipdb_line_open_drain(const struct chipdb_entry *e, unsigned line);

#endif
