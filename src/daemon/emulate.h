/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --emulate SPEC: an in-process emulated FTDI device served like a real
 * one, with an optional demo pin world. SPEC is
 *
 *	<preset>[:key=value[,key=value...]]
 *
 * preset: ft232h, ft2232h, ft4232h, ft4232ha, sealevel, bryx. Keys:
 * serial=STRING (empty: blank serial), timing=on|off (USB microframe
 * timing, default on), world=demo|none (default demo), name=NAME and
 * name-b=NAME (chip names of interfaces A and B; default mpsseN),
 * sampling=latency|paced and period-us=US (paced sampling period, 5-10000
 * in steps of 0.1; default 10): see doc/sampling.md.
 *
 * The demo world, on every MPSSE interface: the highest line (ACBUS7, line
 * 15; line 7 on 8-line chips) carries a 2 Hz square wave, and line 0
 * (ADBUS0) is wired to line 4 (ADBUS4), so setting line 0 as an output
 * shows on line 4. world=none drives nothing: every input reads low.
 *
 * Threads and locks: called from main() before the server starts; no
 * shared state.
 */
#ifndef MPSSED_DAEMON_EMULATE_H
#define MPSSED_DAEMON_EMULATE_H

#include <stdbool.h>
#include <stddef.h>

#include "device/device.h"
#include "emu/emu.h"
#include "protocol/protocol.h"

#define EMULATE_SERIAL_MAX 64	/* the emulator's limit, with the NUL */

struct emulate_spec {
	const char *text;		/* as given, for messages */
	struct emu_config config;	/* .serial points into serial[] when set */
	char serial[EMULATE_SERIAL_MAX];
	bool demo_world;
	char name[MPSSED_CHIP_NAME_MAX];	/* "": automatic */
	char name_b[MPSSED_CHIP_NAME_MAX];
	struct sampling sampling;	/* for every chip of the device */
};

/* Parse text (kept by pointer); -EINVAL with the reason in why. */
int emulate_spec_parse(const char *text, struct emulate_spec *spec, char *why, size_t why_len);

struct core;
/* Add the device to the core (its chips become ready) and set up its pin world. Logs failures. */
int emulate_add(struct core *core, const struct emulate_spec *spec);

#endif
