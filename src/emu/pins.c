// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pin world: what drives each pin from outside the chip (a static
 * level, a wire from another pin, a square wave, a script), the levels on
 * the wire as a function of time, and the history of every change.
 *
 * Waveforms are functions of time, not of when a thread woke up: edge k of
 * a square wave started at s is at s + ceil(k * half_period), and a script
 * step at the sum of the delays before it. The history records those exact
 * times; the bus thread only has to visit often enough to keep each batch
 * of edges small.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/macros.h"
#include "emu/internal.h"

static uint64_t wave_edge(const struct emu_line *l, uint64_t k)
{
	double x = (double)k * l->wave_half_ns;
	uint64_t c = (uint64_t)x;

	return l->wave_start + c + ((double)c < x);
}

/* Number of edges at or before t. */
static uint64_t wave_edges(const struct emu_line *l, uint64_t t)
{
	uint64_t k;

	if (t <= l->wave_start)
		return 0;
	k = (uint64_t)((double)(t - l->wave_start) / l->wave_half_ns);
	while (wave_edge(l, k + 1) <= t)
		k++;
	while (k > 0 && wave_edge(l, k) > t)
		k--;
	return k;
}

/* Index of the first step after t. */
static size_t script_after(const struct emu_line *l, uint64_t t)
{
	size_t lo = 0, hi = l->n_steps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->steps[mid].t <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool pin_level(const struct emu_intf *intf, unsigned i, uint64_t t, unsigned depth);

static bool world_level(const struct emu_intf *intf, unsigned i, uint64_t t, unsigned depth)
{
	const struct emu_line *l = &intf->line[i];
	size_t k;

	switch (l->drive) {
	case EMU_DRIVE_WIRE:
		/* emu_chip_wire() refuses loops; the bound is belt and braces */
		return depth < EMU_LINES_MAX && pin_level(intf, l->wire_src, t, depth + 1);
	case EMU_DRIVE_WAVE:
		return l->level ^ (wave_edges(l, t) & 1);
	case EMU_DRIVE_SCRIPT:
		k = script_after(l, t);
		return k ? l->steps[k - 1].level : l->level;
	default:
		return l->level;
	}
}

static bool driving(const struct emu_intf *intf, unsigned i)
{
	uint16_t bit = 1u << i;

	return (intf->dir & bit) && !((intf->open_drain & bit) && (intf->latch & bit));
}

static bool pin_level(const struct emu_intf *intf, unsigned i, uint64_t t, unsigned depth)
{
	const struct emu_line *l = &intf->line[i];

	if (driving(intf, i))
		return intf->latch & (1u << i);
	/* A released open-drain output: the board's pull-up, unless driven */
	if ((intf->dir & (1u << i)) && l->drive == EMU_DRIVE_STATIC && !l->driven)
		return true;
	return world_level(intf, i, t, depth);
}

uint16_t emu_pins_at(const struct emu_intf *intf, uint64_t t)
{
	uint16_t v = 0;

	for (unsigned i = 0; i < intf->lines; i++)
		if (pin_level(intf, i, t, 0))
			v |= 1u << i;
	return v;
}

bool emu_line_at(const struct emu_intf *intf, unsigned line, uint64_t t)
{
	/* Loopback ties TDI/DO (ADBUS1) to TDO/DI (ADBUS2) inside the chip. */
	if (line == 2 && intf->cp.loopback)
		line = 1;
	return pin_level(intf, line, t, 0);
}

static uint64_t line_next(const struct emu_line *l, uint64_t t)
{
	size_t k;

	switch (l->drive) {
	case EMU_DRIVE_WAVE:
		return wave_edge(l, wave_edges(l, t) + 1);
	case EMU_DRIVE_SCRIPT:
		k = script_after(l, t);
		return k < l->n_steps ? l->steps[k].t : EMU_NEVER;
	default:
		return EMU_NEVER;
	}
}

uint64_t emu_line_next_change(const struct emu_intf *intf, unsigned line, uint64_t t)
{
	if (line == 2 && intf->cp.loopback)
		line = 1;
	for (unsigned depth = 0; depth < EMU_LINES_MAX; depth++) {
		const struct emu_line *l = &intf->line[line];

		if (driving(intf, line))
			return EMU_NEVER;
		if (l->drive != EMU_DRIVE_WIRE)
			return line_next(l, t);
		line = l->wire_src;
	}
	return EMU_NEVER;
}

uint64_t emu_world_next(const struct emu_intf *intf)
{
	uint64_t next = EMU_NEVER;

	for (unsigned i = 0; i < intf->lines; i++) {
		uint64_t t = line_next(&intf->line[i], intf->world_ns);

		if (t < next)
			next = t;
	}
	return next;
}

static void script_end(struct emu_line *l)
{
	l->level = l->steps[l->n_steps - 1].level;
	free(l->steps);
	l->steps = NULL;
	l->n_steps = 0;
	l->drive = EMU_DRIVE_STATIC;
}

void emu_world_advance(struct emu_intf *intf, uint64_t t)
{
	for (;;) {
		uint64_t te = emu_world_next(intf);

		if (te > t)
			break;
		intf->world_ns = te;
		emu_history_note(intf, te);
		for (unsigned i = 0; i < intf->lines; i++) {
			struct emu_line *l = &intf->line[i];

			if (l->drive == EMU_DRIVE_SCRIPT && l->steps[l->n_steps - 1].t <= te)
				script_end(l);
		}
	}
	if (t > intf->world_ns)
		intf->world_ns = t;
}

void emu_history_note(struct emu_intf *intf, uint64_t t)
{
	uint16_t levels = emu_pins_at(intf, t),
		 dirs = intf->dir & (uint16_t)((1u << intf->lines) - 1);
	size_t i;

	if (levels == intf->hist_levels && dirs == intf->hist_dirs)
		return;
	intf->hist_levels = levels;
	intf->hist_dirs = dirs;
	i = (intf->hist_start + intf->hist_len) % EMU_HISTORY_MAX;
	if (intf->hist_len == EMU_HISTORY_MAX)
		intf->hist_start = (intf->hist_start + 1) % EMU_HISTORY_MAX;
	else
		intf->hist_len++;
	intf->hist[i] = (struct emu_pin_change){ t, levels, dirs };
}

int emu_pins_init(struct emu_intf *intf)
{
	intf->hist = calloc(EMU_HISTORY_MAX, sizeof(*intf->hist));
	return intf->hist ? 0 : -ENOMEM;
}

void emu_pins_deinit(struct emu_intf *intf)
{
	for (unsigned i = 0; i < EMU_LINES_MAX; i++)
		free(intf->line[i].steps);
	free(intf->hist);
}

/* --- The public pin-world calls ------------------------------------------ */

/* Lock the chip and bring the interface up to now; NULL if out of range. */
static struct emu_intf *world_begin(struct emu_chip *chip, unsigned intf_no, uint64_t *now)
{
	struct emu_intf *intf;

	if (!chip || intf_no >= chip->preset->interfaces)
		return NULL;
	intf = &chip->intf[intf_no];
	emu_lock(chip);
	*now = emu_now();
	emu_intf_service(intf, *now);
	return intf;
}

/* The world changed at now: record it, let a waiting processor see it. */
static void world_end(struct emu_chip *chip, struct emu_intf *intf, uint64_t now)
{
	emu_history_note(intf, now);
	emu_intf_service(intf, now);
	emu_chip_wake(chip);
	emu_unlock(chip);
}

/* Stop what drives the line; it keeps the level it has now. */
static void line_release(struct emu_intf *intf, unsigned line, uint64_t now)
{
	struct emu_line *l = &intf->line[line];

	l->level = world_level(intf, line, now, 0);
	free(l->steps);
	l->steps = NULL;
	l->n_steps = 0;
	l->drive = EMU_DRIVE_STATIC;
}

int emu_chip_set_input(struct emu_chip *chip, unsigned intf_no, unsigned line, bool level)
{
	struct emu_intf *intf;
	uint64_t now;

	intf = world_begin(chip, intf_no, &now);
	if (!intf)
		return -EINVAL;
	if (line >= intf->lines) {
		emu_unlock(chip);
		return -EINVAL;
	}
	line_release(intf, line, now);
	intf->line[line].level = level;
	intf->line[line].driven = true;
	world_end(chip, intf, now);
	return 0;
}

static bool wire_loops(const struct emu_intf *intf, unsigned from, unsigned to)
{
	for (unsigned depth = 0; depth < EMU_LINES_MAX; depth++) {
		if (from == to)
			return true;
		if (intf->line[from].drive != EMU_DRIVE_WIRE)
			return false;
		from = intf->line[from].wire_src;
	}
	return true;
}

int emu_chip_wire(struct emu_chip *chip, unsigned intf_no, unsigned out_line, unsigned in_line)
{
	struct emu_intf *intf;
	uint64_t now;

	intf = world_begin(chip, intf_no, &now);
	if (!intf)
		return -EINVAL;
	if (out_line >= intf->lines || in_line >= intf->lines ||
	    wire_loops(intf, out_line, in_line)) {
		emu_unlock(chip);
		return -EINVAL;
	}
	line_release(intf, in_line, now);
	intf->line[in_line].drive = EMU_DRIVE_WIRE;
	intf->line[in_line].wire_src = (uint8_t)out_line;
	intf->line[in_line].driven = true;
	world_end(chip, intf, now);
	return 0;
}

int emu_chip_unwire(struct emu_chip *chip, unsigned intf_no, unsigned in_line)
{
	struct emu_intf *intf;
	uint64_t now;

	intf = world_begin(chip, intf_no, &now);
	if (!intf)
		return -EINVAL;
	if (in_line >= intf->lines || intf->line[in_line].drive != EMU_DRIVE_WIRE) {
		emu_unlock(chip);
		return in_line >= intf->lines ? -EINVAL : -ENOENT;
	}
	line_release(intf, in_line, now);
	world_end(chip, intf, now);
	return 0;
}

int emu_chip_square_wave(struct emu_chip *chip, unsigned intf_no, unsigned line, double hz)
{
	struct emu_intf *intf;
	struct emu_line *l;
	uint64_t now;

	if (!(hz >= 0 && hz <= EMU_WAVE_HZ_MAX))
		return -EINVAL;
	intf = world_begin(chip, intf_no, &now);
	if (!intf)
		return -EINVAL;
	if (line >= intf->lines) {
		emu_unlock(chip);
		return -EINVAL;
	}
	l = &intf->line[line];
	if (hz > 0 || l->drive == EMU_DRIVE_WAVE)
		line_release(intf, line, now);
	if (hz > 0) {
		l->drive = EMU_DRIVE_WAVE;
		l->driven = true;
		l->wave_start = now;
		l->wave_half_ns = 5e8 / hz;
	}
	world_end(chip, intf, now);
	return 0;
}

int emu_chip_script(struct emu_chip *chip, unsigned intf_no, unsigned line,
		    const struct emu_step *steps, size_t n)
{
	_cleanup_free_ struct emu_script_step *abs = NULL;
	struct emu_intf *intf;
	struct emu_line *l;
	uint64_t now, t;

	if (!steps || n == 0)
		return -EINVAL;
	abs = calloc(n, sizeof(*abs));
	if (!abs)
		return -ENOMEM;
	intf = world_begin(chip, intf_no, &now);
	if (!intf)
		return -EINVAL;
	if (line >= intf->lines) {
		emu_unlock(chip);
		return -EINVAL;
	}
	t = now;
	for (size_t i = 0; i < n; i++) {
		t = steps[i].after_ns > EMU_NEVER - 1 - t ? EMU_NEVER - 1 : t + steps[i].after_ns;
		abs[i] = (struct emu_script_step){ t, steps[i].level };
	}
	line_release(intf, line, now);
	l = &intf->line[line];
	l->drive = EMU_DRIVE_SCRIPT;
	l->driven = true;
	l->steps = steal_ptr(abs);
	l->n_steps = n;
	world_end(chip, intf, now);
	return 0;
}

uint16_t emu_chip_pins(struct emu_chip *chip, unsigned intf_no)
{
	struct emu_intf *intf;
	uint64_t now;
	uint16_t v;

	intf = world_begin(chip, intf_no, &now);
	if (!intf)
		return 0;
	v = emu_pins_at(intf, now);
	emu_unlock(chip);
	return v;
}

uint16_t emu_chip_directions(struct emu_chip *chip, unsigned intf_no)
{
	struct emu_intf *intf;
	uint64_t now;
	uint16_t v;

	intf = world_begin(chip, intf_no, &now);
	if (!intf)
		return 0;
	v = intf->dir & (uint16_t)((1u << intf->lines) - 1);
	emu_unlock(chip);
	return v;
}

bool emu_chip_mpsse_enabled(struct emu_chip *chip, unsigned intf_no)
{
	struct emu_intf *intf;
	uint64_t now;
	bool on;

	intf = world_begin(chip, intf_no, &now);
	if (!intf)
		return false;
	on = emu_intf_mpsse_on(intf);
	emu_unlock(chip);
	return on;
}

size_t emu_chip_history(struct emu_chip *chip, unsigned intf_no, struct emu_pin_change *out,
			size_t max)
{
	struct emu_intf *intf;
	uint64_t now;
	size_t n;

	intf = world_begin(chip, intf_no, &now);
	if (!intf)
		return 0;
	n = intf->hist_len < max ? intf->hist_len : max;
	for (size_t i = 0; i < n; i++)
		out[i] = intf->hist[(intf->hist_start + i) % EMU_HISTORY_MAX];
	emu_unlock(chip);
	return n;
}

void emu_chip_clear_history(struct emu_chip *chip, unsigned intf_no)
{
	struct emu_intf *intf;
	uint64_t now;

	intf = world_begin(chip, intf_no, &now);
	if (!intf)
		return;
	intf->hist_start = intf->hist_len = 0;
	emu_unlock(chip);
}
