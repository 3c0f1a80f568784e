// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pin world: inputs, wires, square waves and scripts, and the history
 * that records every change at its exact time.
 */
#include <stdio.h>
#include <unistd.h>

#include "tap.h"
#include "helpers.h"

static struct emu_chip *chip_open(enum emu_model model)
{
	struct emu_config cfg = { .model = model };
	struct emu_chip *chip = emu_chip_new(&cfg);

	if (!chip)
		tap_bail("emu_chip_new: %s", strerror(errno));
	if (mpsse_enter(chip, 0, 1) < 0)
		tap_bail("entering MPSSE failed");
	return chip;
}

static void test_inputs(void)
{
	struct emu_chip *chip = chip_open(EMU_FT2232H);

	tap_ok(emu_chip_pins(chip, 0) == 0 && emu_chip_directions(chip, 0) == 0,
	       "power-on: all inputs, all low");
	tap_ok(emu_chip_set_input(chip, 0, 3, true) == 0 &&
		       emu_chip_set_input(chip, 0, 15, true) == 0 &&
		       emu_chip_pins(chip, 0) == 0x8008 && emu_chip_pins(chip, 1) == 0,
	       "set_input drives one interface's pins only");
	tap_ok(emu_chip_set_input(chip, 0, 16, true) == -EINVAL &&
		       emu_chip_set_input(chip, 2, 0, true) == -EINVAL,
	       "set_input refuses a line or interface that does not exist");
	tap_ok(CMD(chip, 0, 0x80, 0x00, 0x08) == 0 && emu_chip_pins(chip, 0) == 0x8000,
	       "an output overrides what the world drives");
	tap_ok(CMD(chip, 0, 0x80, 0x00, 0x00) == 0 && emu_chip_pins(chip, 0) == 0x8008,
	       "back to input, the pin shows the world's level again");
	emu_chip_free(chip);
}

static void test_wire(void)
{
	struct emu_chip *chip = chip_open(EMU_FT232H);

	tap_ok(emu_chip_wire(chip, 0, 0, 4) == 0 && CMD(chip, 0, 0x80, 0x01, 0x01) == 0 &&
		       emu_chip_pins(chip, 0) == 0x0011,
	       "a wire: AD4 follows the output AD0 (high)");
	tap_ok(CMD(chip, 0, 0x80, 0x00, 0x01, 0x81, 0x87) == 0 && emu_chip_pins(chip, 0) == 0x0000,
	       "... and low, at once");
	tap_ok(emu_chip_wire(chip, 0, 8, 9) == 0 && emu_chip_wire(chip, 0, 9, 8) == -EINVAL &&
		       emu_chip_wire(chip, 0, 3, 3) == -EINVAL,
	       "wires may not form a loop");
	tap_ok(emu_chip_unwire(chip, 0, 4) == 0 && CMD(chip, 0, 0x80, 0x01, 0x01) == 0 &&
		       emu_chip_pins(chip, 0) == 0x0001 && emu_chip_unwire(chip, 0, 4) == -ENOENT,
	       "unwired, AD4 keeps its last level and no longer follows");
	emu_chip_free(chip);
}

static void test_square_wave(void)
{
	struct emu_chip *chip = chip_open(EMU_FT2232H);
	struct emu_pin_change h[64];
	const double hz = 500; /* edges every 1 ms */
	uint64_t t0;
	size_t n;
	bool ok = true;

	emu_chip_clear_history(chip, 0);
	t0 = now_ns();
	tap_ok(emu_chip_square_wave(chip, 0, 2, hz) == 0, "a 500 Hz square wave on AD2");
	usleep(30000);
	tap_ok(emu_chip_square_wave(chip, 0, 2, 0) == 0, "stopped after 30 ms");
	n = emu_chip_history(chip, 0, h, 64);
	/* Edge k is at start + k ms, start being within the call. */
	for (size_t i = 0; i < n && ok; i++) {
		uint64_t since = h[i].time_ns - t0, k = i + 1;

		ok = since >= k * 1000000 && since - k * 1000000 < 1000000 &&
		     ((h[i].levels >> 2) & 1) == (k & 1);
		if (i)
			ok = ok && h[i].time_ns - h[i - 1].time_ns == 1000000;
	}
	tap_ok(ok && n >= 25, "the history holds %zu edges exactly 1 ms apart, alternating", n);
	usleep(5000);
	tap_ok(emu_chip_history(chip, 0, h, 64) == n, "no edges after the wave stopped");
	tap_ok(emu_chip_square_wave(chip, 0, 2, -1) == -EINVAL &&
		       emu_chip_square_wave(chip, 0, 2, 1e9) == -EINVAL,
	       "negative or absurd frequencies are refused");
	emu_chip_free(chip);
}

static void test_wave_through_wire(void)
{
	struct emu_chip *chip = chip_open(EMU_FT232H);
	struct emu_pin_change h[16];
	size_t n;
	bool ok = true;

	emu_chip_wire(chip, 0, 0, 9);
	emu_chip_clear_history(chip, 0);
	emu_chip_square_wave(chip, 0, 0, 1000);
	usleep(5000);
	emu_chip_square_wave(chip, 0, 0, 0);
	n = emu_chip_history(chip, 0, h, 16);
	for (size_t i = 0; i < n && ok; i++)
		ok = h[i].levels == ((i & 1) ? 0 : 0x0201);
	tap_ok(ok && n >= 4, "a wave on AD0 reaches AC1 through a wire: %zu edges, both at once", n);
	emu_chip_free(chip);
}

static void test_script(void)
{
	struct emu_chip *chip = chip_open(EMU_FT2232H);
	const struct emu_step steps[] = { { 2000000, true },
					  { 3000000, false },
					  { 1000000, true } };
	struct emu_pin_change h[8];
	uint64_t t0 = now_ns();
	size_t n;

	emu_chip_clear_history(chip, 0);
	tap_ok(emu_chip_script(chip, 0, 6, steps, 3) == 0, "a script of 3 steps on AD6");
	usleep(10000);
	n = emu_chip_history(chip, 0, h, 8);
	tap_ok(n == 3 && h[0].levels == 0x40 && h[1].levels == 0 && h[2].levels == 0x40 &&
		       h[1].time_ns - h[0].time_ns == 3000000 &&
		       h[2].time_ns - h[1].time_ns == 1000000 && h[0].time_ns - t0 >= 2000000,
	       "its steps are in the history at their exact times");
	tap_ok(emu_chip_pins(chip, 0) == 0x40, "after the script the line keeps its last level");
	tap_ok(emu_chip_script(chip, 0, 6, NULL, 1) == -EINVAL &&
		       emu_chip_script(chip, 0, 6, steps, 0) == -EINVAL,
	       "an empty script is refused");
	emu_chip_free(chip);
}

static void test_history(void)
{
	struct emu_chip *chip = chip_open(EMU_FT232H);
	struct emu_pin_change h[8];
	size_t n;

	emu_chip_clear_history(chip, 0);
	CMD(chip, 0, 0x80, 0x01, 0x01, 0x80, 0x01, 0x01, 0x82, 0x80, 0x80);
	n = emu_chip_history(chip, 0, h, 8);
	tap_ok(n == 2 && h[0].levels == 0x0001 && h[0].directions == 0x0001 &&
		       h[1].levels == 0x8001 && h[1].directions == 0x8001 &&
		       h[1].time_ns >= h[0].time_ns,
	       "each change once, in order; rewriting the same state adds nothing");
	tap_ok(emu_chip_history(chip, 0, h, 1) == 1 && h[0].levels == 0x0001,
	       "history copies at most max, oldest first");
	for (unsigned i = 0; i < EMU_HISTORY_MAX + 10; i++)
		emu_chip_set_input(chip, 0, 4, i & 1);
	{
		static struct emu_pin_change all[EMU_HISTORY_MAX];

		n = emu_chip_history(chip, 0, all, EMU_HISTORY_MAX);
		tap_ok(n == EMU_HISTORY_MAX &&
			       ((all[n - 1].levels >> 4) & 1) == ((EMU_HISTORY_MAX + 9) & 1),
		       "the ring keeps the last %d changes", EMU_HISTORY_MAX);
	}
	emu_chip_clear_history(chip, 0);
	tap_ok(emu_chip_history(chip, 0, h, 8) == 0, "clear_history empties it");
	emu_chip_free(chip);
}

/* A host that attaches to a chip already in MPSSE sees no glitch on its outputs. */
static void test_no_glitch(void)
{
	struct emu_chip *chip = chip_open(EMU_FT232H);
	struct emu_pin_change h[8];

	CMD(chip, 0, 0x80, 0x05, 0x0f);
	emu_chip_clear_history(chip, 0);
	vendor_out(chip, 0x0b, 0x0200, 1);
	vendor_out(chip, 0x00, 0, 1);
	tap_ok(emu_chip_history(chip, 0, h, 8) == 0 && emu_chip_pins(chip, 0) == 0x05,
	       "re-entering MPSSE and purging keep outputs as they are");
	vendor_out(chip, 0x0b, 0x0000, 1);
	tap_ok(emu_chip_history(chip, 0, h, 8) == 1 && h[0].directions == 0 &&
		       emu_chip_pins(chip, 0) == 0,
	       "bitmode reset makes every pin an input");
	emu_chip_free(chip);
}

int main(void)
{
	test_inputs();
	test_wire();
	test_square_wave();
	test_wave_through_wire();
	test_script();
	test_history();
	test_no_glitch();
	tap_plan(tap_count);
	return tap_done();
}
