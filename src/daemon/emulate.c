// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "daemon/emulate.h"
#include "device/device.h"

#define DEMO_WAVE_HZ 2.0
#define DEMO_WIRE_FROM 0
#define DEMO_WIRE_TO 4

/* Something visibly moves: a slow square wave, and a wire to see outputs on an input. */
static int demo_world(struct emu_chip *emu, unsigned intf, unsigned lines)
{
	int r;

	r = emu_chip_square_wave(emu, intf, lines - 1, DEMO_WAVE_HZ);
	if (r == 0)
		r = emu_chip_wire(emu, intf, DEMO_WIRE_FROM, DEMO_WIRE_TO);
	return r;
}

struct set_sampling {
	struct emu_chip *emu;
	const struct sampling *sampling;
	int r;
};

static void set_sampling(struct gpio_chip *chip, void *data)
{
	struct set_sampling *ss = data;
	unsigned intf;

	if (gpio_chip_emulator(chip, &intf) == ss->emu && ss->r == 0)
		ss->r = gpio_chip_set_sampling(chip, ss->sampling);
}

int emulate_add(struct core *core, const struct emulate_spec *spec, const char *const *given)
{
	const char *names[EMU_INTERFACES_MAX] = {
		spec->name[0] ? spec->name : NULL,
		spec->name_b[0] ? spec->name_b : NULL,
	};
	struct emu_identity id;
	struct emu_chip *emu;
	int r;

	for (unsigned i = 0; given && i < EMU_INTERFACES_MAX; i++)
		if (given[i])
			names[i] = given[i];
	r = core_add_emulator(core, &spec->config, names, &emu);
	if (r < 0) {
		log_err("--emulate %s: %s", spec->text,
			r == -EEXIST ? "a chip of that name exists already" : strerror(-r));
		return r;
	}
	if (spec->sampling.mode || spec->sampling.period_ns) {
		struct set_sampling ss = { .emu = emu, .sampling = &spec->sampling };

		core_for_each_chip(core, set_sampling, &ss);
		if (ss.r < 0) {
			log_err("--emulate %s: cannot set the sampling mode: %s", spec->text,
				strerror(-ss.r));
			return ss.r;
		}
	}
	emu_chip_identity(emu, &id);
	if (names[1] && id.mpsse_interfaces < 2) {
		log_err("--emulate %s: %s has no interface B", spec->text,
			emu_model_name(spec->config.model));
		return -EINVAL;
	}
	for (unsigned intf = 0; spec->demo_world && intf < id.mpsse_interfaces; intf++) {
		r = demo_world(emu, intf, id.lines);
		if (r < 0) {
			log_err("--emulate %s: cannot set up the demo world: %s", spec->text,
				strerror(-r));
			return r;
		}
	}
	log_info("emulated %s (serial %s)%s", emu_model_name(spec->config.model), id.serial,
		 spec->demo_world ? " with the demo pin world" : "");
	return 0;
}
