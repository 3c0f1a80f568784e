/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The emulator's private state, shared by its files: emu.c (chip, bus
 * thread, transfers, IN packets, plugging, faults), usb.c (presets,
 * descriptors, control requests, EEPROM), mpsse.c (the command processor)
 * and pins.c (the pin world and its history).
 *
 * Threads and locks: everything below is guarded by emu_chip.lock, except
 * what emu_chip_new() sets once (preset, timing, serial, descriptors), which
 * is read without it, and emu_chip.plugged, which is also read atomically.
 * Every function declared here expects the lock held.
 *
 * Time: all times are CLOCK_MONOTONIC nanoseconds. The command processor
 * runs on its own modelled clock (emu_mpsse.t), which never runs ahead of
 * the real clock: a command that would end in the future leaves the
 * processor busy until then, and the bus thread resumes it on time. Per
 * interface every event (command, pin edge, IN packet) is handled in time
 * order, so the history is ordered and a sample taken at modelled time t
 * sees the pin world exactly as it was at t.
 */
#ifndef MPSSED_EMU_INTERNAL_H
#define MPSSED_EMU_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "emu/emu.h"

#define EMU_NEVER UINT64_MAX
#define EMU_UFRAME_NS 125000ULL
#define EMU_LATENCY_DEFAULT 16
/* Far beyond what a host can sample; bounds the work per edge. */
#define EMU_WAVE_HZ_MAX 1e5

struct emu_preset {
	enum emu_model model;
	const char *name;
	uint16_t vid, pid, bcd;
	unsigned interfaces, mpsse_interfaces, lines;
	bool open_drain_cmd;	/* 0x9E */
	unsigned fifo_size;	/* per channel and direction */
	const char *manufacturer, *product, *serial;
};

const struct emu_preset *emu_preset_get(enum emu_model model);

/* A chip-side byte FIFO; each byte keeps when it arrived and, once a 0x87
 * covered it, by when it must be sent. */
struct emu_fifo {
	uint8_t *data;
	uint64_t *ts, *due;
	size_t head, len, cap;
};

int emu_fifo_init(struct emu_fifo *f, size_t cap);
void emu_fifo_deinit(struct emu_fifo *f);
void emu_fifo_push(struct emu_fifo *f, uint8_t byte, uint64_t ts);
uint8_t emu_fifo_pop(struct emu_fifo *f);
/* i-th waiting byte (0 = oldest) */
size_t emu_fifo_index(const struct emu_fifo *f, size_t i);
static inline size_t emu_fifo_space(const struct emu_fifo *f)
{
	return f->cap - f->len;
}

enum emu_drive {
	EMU_DRIVE_STATIC,	/* set_input or nothing */
	EMU_DRIVE_WIRE,
	EMU_DRIVE_WAVE,
	EMU_DRIVE_SCRIPT,
};

struct emu_script_step {
	uint64_t t;
	bool level;
};

/* What the world outside the chip does to one pin. */
struct emu_line {
	enum emu_drive drive;
	bool level;		/* static level; a wave's or script's level before it began */
	bool driven;		/* something outside drives it (else open-drain pulls up) */
	uint8_t wire_src;
	uint64_t wave_start;
	double wave_half_ns;
	struct emu_script_step *steps;
	size_t n_steps;
};

enum emu_cp_state {
	EMU_CP_RUN,		/* executing, or waiting for more command bytes */
	EMU_CP_BUSY,		/* clocking until t */
	EMU_CP_WAIT,		/* waiting for GPIOL1 (until wait_until) */
	EMU_CP_FULL,		/* the answer does not fit in the RX FIFO */
};

/* The MPSSE command processor of one interface. */
struct emu_mpsse {
	enum emu_cp_state state;
	uint64_t t;		/* modelled time of the next command */
	bool wait_high;
	uint64_t wait_until;
	/* a byte-mode data command in progress */
	uint8_t data_op;
	uint32_t data_left;
	bool loopback, div5, three_phase, adaptive;
	uint16_t divisor;
};

struct emu_xfer_list {
	struct emu_xfer *head, **tail;
	unsigned count;
};

struct emu_chip;

struct emu_intf {
	struct emu_chip *chip;
	unsigned lines;
	bool mpsse_capable;

	/* Chip state, back to power-on by emu_intf_power_on(). */
	uint8_t bitmode, bitmask, latency;
	uint16_t latch, dir, open_drain;
	struct emu_mpsse cp;
	struct emu_fifo tx;	/* host -> chip: command bytes */
	struct emu_fifo rx;	/* chip -> host: answers */

	/* Endpoints */
	struct emu_xfer_list in, out;
	uint64_t last_packet_ns;

	/* The pin world and its history */
	struct emu_line line[EMU_LINES_MAX];
	uint64_t world_ns;	/* history is complete up to here */
	struct emu_pin_change *hist;
	size_t hist_start, hist_len;
	uint16_t hist_levels, hist_dirs;

	/* Faults */
	unsigned timeouts, shorts, status_only, garbage;
	uint8_t *garbage_bytes;
	size_t n_garbage;
	bool stopped;
	uint64_t unplug_countdown; /* bulk transfers until unplug, 0: none */

	struct emu_stats stats;
};

#define EMU_MODE_MPSSE 0x02

static inline bool emu_intf_mpsse_on(const struct emu_intf *intf)
{
	return intf->bitmode == EMU_MODE_MPSSE && intf->mpsse_capable;
}

struct emu_chip {
	pthread_mutex_t lock;
	pthread_cond_t wake;		/* the bus thread's */
	pthread_cond_t delivered;	/* a delivery pass finished */
	pthread_cond_t answer;		/* a stopped interface may answer again */
	pthread_t thread;
	bool stopping;

	/* Set once by emu_chip_new() */
	const struct emu_preset *preset;
	bool timing;
	char serial[64];
	uint8_t desc[18 + 9 + EMU_INTERFACES_MAX * (9 + 7 + 7)];
	size_t desc_len;

	bool plugged;		/* also read atomically */
	uint8_t configuration;
	uint16_t eeprom[128];
	uint64_t control;
	uint64_t unplug_at_ns;

	struct emu_intf intf[EMU_INTERFACES_MAX];

	/* Completed transfers and plug changes waiting for the bus thread. */
	struct emu_xfer_list done;
	uint64_t plug_events, plug_events_told;
	uint64_t queued_seq, delivered_seq;
	bool delivering;	/* the bus thread runs callbacks right now */
	struct emu_listener listener;
};

/* emu.c */
static inline void emu_lock(struct emu_chip *chip)
{
	pthread_mutex_lock(&chip->lock);
}

static inline void emu_unlock(struct emu_chip *chip)
{
	pthread_mutex_unlock(&chip->lock);
}

uint64_t emu_now(void);
void emu_complete(struct emu_chip *chip, struct emu_xfer *xfer, int status);
void emu_chip_wake(struct emu_chip *chip);
/* Bring the interface up to now: commands, IN packets and edges in time
 * order. Returns when the next event is due (EMU_NEVER: none). */
uint64_t emu_intf_service(struct emu_intf *intf, uint64_t now);
void emu_intf_power_on(struct emu_intf *intf, uint64_t now);
int emu_unplug_locked(struct emu_chip *chip);

/* usb.c */
void emu_usb_build(struct emu_chip *chip);
int emu_usb_control(struct emu_chip *chip, const struct emu_setup *setup, uint8_t *data,
		    struct emu_intf **stalled);

/* mpsse.c */
/* Drop the command in progress (and any wait); keep the settings. */
void emu_mpsse_abort(struct emu_intf *intf);
/* Abort, and the settings as at power-on. */
void emu_mpsse_reset(struct emu_intf *intf);
/* New command bytes arrive at now: an idle processor starts then. Call
 * before emu_out_pump(). */
void emu_mpsse_arrived(struct emu_intf *intf, uint64_t now);
/* When the processor can make progress next, EMU_NEVER if it cannot alone. */
uint64_t emu_mpsse_next(struct emu_intf *intf);
/*
 * Handle the processor's event at `at` (from emu_mpsse_next()) and run on
 * while its modelled time stays at or before limit (<= now). False if it
 * could not make progress.
 */
bool emu_mpsse_run(struct emu_intf *intf, uint64_t at, uint64_t limit, uint64_t now);
/* RX FIFO space was freed at time t. */
void emu_mpsse_rx_freed(struct emu_intf *intf, uint64_t t);
/* Move queued OUT bytes into the TX FIFO at t; complete OUT transfers. */
void emu_out_pump(struct emu_intf *intf, uint64_t t);

/* pins.c */
/* Levels on the wire at t (bit n = line n). */
uint16_t emu_pins_at(const struct emu_intf *intf, uint64_t t);
/* The level of one line as the chip's inputs see it. */
bool emu_line_at(const struct emu_intf *intf, unsigned line, uint64_t t);
/* Next time after t at which the line's level may change by itself. */
uint64_t emu_line_next_change(const struct emu_intf *intf, unsigned line, uint64_t t);
/* Record edges of waveforms and scripts up to t. */
void emu_world_advance(struct emu_intf *intf, uint64_t t);
/* Record the state at t if it changed. */
void emu_history_note(struct emu_intf *intf, uint64_t t);
/* When the world next changes by itself (waveforms, scripts). */
uint64_t emu_world_next(const struct emu_intf *intf);
int emu_pins_init(struct emu_intf *intf);
void emu_pins_deinit(struct emu_intf *intf);

#endif
