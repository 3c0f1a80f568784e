/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SPEC of --emulate SPEC and of the configuration's emulate= key:
 *
 *	<preset>[:key=value[,key=value...]]
 *
 * preset: ft232h, ft2232h, ft4232h, ft4232ha, sealevel, bryx. Keys:
 * serial=STRING (empty: blank serial), timing=on|off (USB microframe
 * timing, default on), world=demo|none (default demo), name=NAME and
 * name-b=NAME (chip names of interfaces A and B; default mpsseN),
 * sampling=latency|paced and period-us=US (paced sampling period, 5-10000
 * in steps of 0.1; default 10): see doc/sampling.md.
 * What the demo world is: src/daemon/emulate.h.
 *
 * Threads and locks: pure parsing, no shared state.
 */
#ifndef MPSSED_CONFIG_EMUSPEC_H
#define MPSSED_CONFIG_EMUSPEC_H

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

#endif
