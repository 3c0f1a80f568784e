// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Connections on the control socket: the list of chips, per-chip counters,
 * and the emulator's pin world and plug (for `mpssectl emu` and tests).
 */
#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "device/device.h"
#include "emu/emu.h"
#include "server/internal.h"

static void copy_cut(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* --- LIST_CHIPS ------------------------------------------------------------------ */

static void list_one(struct gpio_chip *chip, void *data)
{
	struct mpssed_chip_list *list = data;
	struct mpssed_chip_entry *e;
	struct gpiochip_info info;

	/* The reply has a fixed size: chips beyond it are not listed (count says so). */
	if (list->count == MPSSED_CHIPS_MAX)
		return;
	if (gpio_chip_info(chip, &info) < 0)
		return;
	e = &list->chips[list->count++];
	copy_cut(e->name, sizeof(e->name), gpio_chip_name(chip));
	copy_cut(e->label, sizeof(e->label), info.label);
	e->lines = info.lines;
	e->present = gpio_chip_present(chip);
	e->emulated = gpio_chip_emulator(chip, NULL) != NULL;
}

static int list_chips(struct conn *c, const void *payload, void *reply, int *pass_fd)
{
	core_for_each_chip(c->server->core, list_one, reply);
	return 0;
}

/* --- CHIP_STATS ------------------------------------------------------------------- */

/* The chip a request names, with a reference; -EINVAL for a name without NUL. */
static int find_chip(struct server *s, const char *name, size_t size, struct gpio_chip **out)
{
	if (!memchr(name, '\0', size))
		return -EINVAL;
	*out = core_find_chip(s->core, name);
	return *out ? 0 : -ENOENT;
}

/*
 * Deferred teardown still to run, daemon-wide. The device layer does not
 * expose its queue's counters; a binding torn down but not yet released
 * is what that queue mostly holds after an unplug, so count those.
 */
static void add_pending(struct gpio_chip *chip, void *data)
{
	struct gpio_chip_stats st;

	gpio_chip_stats(chip, &st);
	*(uint64_t *)data += st.unplugs - st.releases;
}

static int chip_stats(struct conn *c, const void *payload, void *reply, int *pass_fd)
{
	const struct mpssed_chip_name *in = payload;
	struct mpssed_chip_stats *out = reply;
	_cleanup_(gpio_chip_unrefp) struct gpio_chip *chip = NULL;
	struct listener *l;
	struct gpio_chip_stats st;
	int r;

	r = find_chip(c->server, in->name, sizeof(in->name), &chip);
	if (r < 0)
		return r;
	if (!conn_allowed(c, in->name, CONFIG_ACCESS_READ))
		return -EACCES;
	gpio_chip_stats(chip, &st);
	out->samples = st.samples;
	out->sample_interval_ns = st.sample_interval_ns;
	out->unplugs = st.unplugs;
	out->replugs = st.replugs;
	out->sample_rate_hz = st.sample_rate_hz;
	out->rtt_p50_us = st.rtt_p50_us;
	out->rtt_p99_us = st.rtt_p99_us;
	out->requests = st.requests;
	out->max_samplers = (uint32_t)st.max_samplers;
	core_for_each_chip(c->server->core, add_pending, &out->deferred_pending);
	l = server_find_chip(c->server, in->name);
	if (l) {
		req_conn_chip_totals(l, &out->events, &out->dropped);
		out->uptime_ns = server_now_ns() - l->appeared_ns;
	}
	return 0;
}

/* --- EMU ------------------------------------------------------------------------- */

static bool emu_op_uses_lines(uint32_t op)
{
	return op == MPSSED_EMU_SET || op == MPSSED_EMU_WIRE || op == MPSSED_EMU_UNWIRE ||
	       op == MPSSED_EMU_WAVE;
}

static int emu_check(struct gpio_chip *chip, const struct mpssed_emu *in)
{
	struct gpiochip_info info;
	int r;

	if (!emu_op_uses_lines(in->op))
		return in->op == MPSSED_EMU_UNPLUG || in->op == MPSSED_EMU_REPLUG ? 0 : -EINVAL;
	r = gpio_chip_info(chip, &info);
	if (r < 0)
		return r;
	/* Only the lines each op reads: the rest of the struct is free for the client. */
	if ((in->op != MPSSED_EMU_UNWIRE && in->line >= info.lines) ||
	    ((in->op == MPSSED_EMU_WIRE || in->op == MPSSED_EMU_UNWIRE) && in->line2 >= info.lines))
		return -EINVAL;
	if (in->op == MPSSED_EMU_SET && in->value > 1)
		return -EINVAL;
	return 0;
}

/* The whole emulated device plugs and unplugs (every interface with it). */
static int emu_apply(struct emu_chip *emu, unsigned intf, const struct mpssed_emu *in)
{
	switch (in->op) {
	case MPSSED_EMU_UNPLUG:
		return emu_chip_unplug(emu);
	case MPSSED_EMU_REPLUG:
		return emu_chip_replug(emu);
	case MPSSED_EMU_SET:
		return emu_chip_set_input(emu, intf, in->line, in->value);
	case MPSSED_EMU_WIRE:
		return emu_chip_wire(emu, intf, in->line, in->line2);
	case MPSSED_EMU_UNWIRE:
		return emu_chip_unwire(emu, intf, in->line2);
	case MPSSED_EMU_WAVE:
		return emu_chip_square_wave(emu, intf, in->line, (double)in->millihertz / 1000.0);
	default:
		return -EINVAL;
	}
}

static int emu(struct conn *c, const void *payload, void *reply, int *pass_fd)
{
	const struct mpssed_emu *in = payload;
	_cleanup_(gpio_chip_unrefp) struct gpio_chip *chip = NULL;
	struct emu_chip *emu;
	unsigned intf;
	int r;

	r = find_chip(c->server, in->chip, sizeof(in->chip), &chip);
	if (r < 0)
		return r;
	if (!conn_allowed(c, in->chip, CONFIG_ACCESS_EMU))
		return -EACCES;
	emu = gpio_chip_emulator(chip, &intf);
	if (!emu) {
		log_info("%s: emulator command %u refused: not an emulated device (pid %d)",
			 in->chip, in->op, (int)c->pid);
		return -EOPNOTSUPP;
	}
	r = emu_check(chip, in);
	if (r == 0)
		r = emu_apply(emu, intf, in);
	if (r == 0)
		log_debug("%s: emulator command %u line %u line2 %u value %u", in->chip, in->op,
			  in->line, in->line2, in->value);
	return r;
}

/* --- Life ------------------------------------------------------------------------- */

static const struct conn_handler control_handlers[] = {
	{ MSG_LIST_CHIPS, list_chips, CONFIG_ACCESS_READ },
	{ MSG_CHIP_STATS, chip_stats },
	{ MSG_EMU, emu },
};

static void control_conn_free(struct conn *c)
{
	free(c);
}

static const struct conn_ops control_conn_ops = {
	.kind = "control",
	.hello_first = true,
	.handlers = control_handlers,
	.n_handlers = ARRAY_SIZE(control_handlers),
	.free = control_conn_free,
};

int control_conn_new(struct server *s, struct listener *l, int fd)
{
	struct conn *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	r = conn_init(c, s, l, &control_conn_ops, fd);
	if (r < 0)
		free(c);
	return r;
}
