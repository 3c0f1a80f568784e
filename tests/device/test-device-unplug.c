// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unplug and replug under the device layer (architecture §5): an unplug
 * while reads are in flight, and one in the middle of a transfer
 * (EMU_FAULT_UNPLUG_AT_XFER), both seen by the poller (-ENODEV) and the
 * emulator's listener, end in exactly one teardown and one release;
 * requests see -ENODEV; the chip keeps its name; persistent requests get
 * their outputs back without a glitch (emulator history) and their event
 * streams go on with the next seqnos. Faults that are not an unplug:
 * test-device-faults.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../tap.h"
#include "common/log.h"
#include "common/rcu.h"
#include "helpers.h"

static struct core *core;
static struct emu_chip *emu;
static struct gpio_chip *chip;

static struct gpio_chip_stats stats(void)
{
	return t_stats(chip);
}

static struct line_request *request(unsigned line, uint64_t flags, bool value, bool persist)
{
	struct line_request *r = NULL;
	int err = t_request_line(chip, line, flags, value, persist, &r);

	if (err < 0)
		tap_bail("request line %u: %s", line, strerror(-err));
	return r;
}

static void wait_polling(void)
{
	if (!t_polling(chip))
		tap_bail("the poller does not sample");
}

static void check_gone(struct line_request *in, struct line_request *out, unsigned unplugs)
{
	uint64_t bits;

	tap_ok(t_sees_enodev(in, WAIT_MS), "the edge request reads -ENODEV once its queue is empty");
	tap_ok(t_readable(line_request_event_fd(in), 0), "and its eventfd stays readable");
	tap_ok(line_request_get_values(out, 1, &bits) == -ENODEV &&
		       line_request_set_values(out, 1, 1) == -ENODEV,
	       "get/set values: -ENODEV");
	tap_ok(WAIT_FOR(!gpio_chip_present(chip), WAIT_MS), "the chip is not present");
	tap_ok(WAIT_FOR(t_released_all(chip), WAIT_MS),
	       "its binding was released (pollers joined, transport closed)");
	/* Both the poller and the listener noticed: still one teardown. */
	t_sleep_us(50000);
	tap_ok(stats().unplugs == unplugs && stats().releases == unplugs,
	       "torn down exactly once (%llu unplugs, %llu releases)",
	       (unsigned long long)stats().unplugs, (unsigned long long)stats().releases);
}

static void replug(unsigned n)
{
	struct gpio_chip *again;

	tap_ok(emu_chip_replug(emu) == 0 && WAIT_FOR(gpio_chip_present(chip), WAIT_MS),
	       "replugged: present again");
	again = core_find_chip(core, "u0");
	tap_ok(again == chip && stats().replugs == n, "same chip, same name (%llu replugs)",
	       (unsigned long long)stats().replugs);
	gpio_chip_unref(again);
}

static void test_unplug_while_polling(void)
{
	struct line_request *in = request(2, FLAG(INPUT) | EDGE_BOTH, 0, false);
	struct line_request *out = request(3, FLAG(OUTPUT), 1, false);
	const unsigned offsets[] = { 2 };
	struct gpio_v2_line_request ureq;
	struct line_request *r = NULL;

	emu_chip_square_wave(emu, 0, 2, 1000.0);
	wait_polling();
	tap_ok(emu_chip_unplug(emu) == 0, "unplug with reads in flight");
	check_gone(in, out, 1);
	t_request(&ureq, offsets, 1, FLAG(INPUT), "late");
	tap_ok(gpio_chip_request_lines(chip, &ureq, NULL, &r) == -ENODEV,
	       "requesting while gone: -ENODEV");
	line_request_release(in);
	line_request_release(out);
	replug(1);
	in = request(2, FLAG(INPUT) | EDGE_BOTH, 0, false);
	tap_ok(t_readable(line_request_event_fd(in), WAIT_MS), "a new request gets events again");
	line_request_release(in);
	emu_chip_square_wave(emu, 0, 2, 0);
}

static void test_unplug_mid_transfer(void)
{
	struct line_request *in = request(2, FLAG(INPUT) | EDGE_BOTH, 0, false);
	struct line_request *out = request(3, FLAG(OUTPUT), 1, false);
	const struct emu_fault f = { .kind = EMU_FAULT_UNPLUG_AT_XFER, .at = 7 };

	emu_chip_square_wave(emu, 0, 2, 1000.0);
	wait_polling();
	tap_ok(emu_chip_inject(emu, 0, &f) == 0, "unplug at the 7th transfer from now");
	check_gone(in, out, 2);
	line_request_release(in);
	line_request_release(out);
	emu_chip_square_wave(emu, 0, 2, 0);
	replug(2);
}

/* Since the replug, line 4 was only ever driven at 1. */
static bool no_glitch(unsigned line)
{
	static struct emu_pin_change h[EMU_HISTORY_MAX];
	size_t n = emu_chip_history(emu, 0, h, EMU_HISTORY_MAX);
	bool driven = false;

	for (size_t i = 0; i < n; i++) {
		if (!(h[i].directions >> line & 1))
			continue;
		driven = true;
		if (!(h[i].levels >> line & 1))
			return false;
	}
	return driven;
}

static void toggle(unsigned line, bool level)
{
	emu_chip_set_input(emu, 0, line, level);
}

static void test_persistent(void)
{
	struct line_request *out = request(4, FLAG(OUTPUT), 1, true);
	struct line_request *in = request(5, FLAG(INPUT) | EDGE_BOTH, 0, true);
	struct line_request *plain = request(6, FLAG(INPUT) | EDGE_BOTH, 0, false);
	struct gpio_v2_line_event ev[4];
	uint64_t bits;
	int n;

	wait_polling();
	toggle(5, true);
	tap_ok(t_read_events(in, ev, 1, WAIT_MS) == 1 && ev[0].seqno == 1, "persistent: first event");
	tap_ok(emu_chip_pins(emu, 0) >> 4 & 1, "persistent output drives 1");
	emu_chip_unplug(emu);
	tap_ok(t_sees_enodev(plain, WAIT_MS), "a plain request dies with the device");
	tap_ok(WAIT_FOR(t_released_all(chip), WAIT_MS), "released");
	tap_ok(line_request_read_events(in, ev, 4) == 0, "a persistent one does not: no events, no error");
	tap_ok(line_request_get_values(out, 1, &bits) == -ENODEV, "its values: -ENODEV while unplugged");
	tap_ok(line_request_set_values(out, 1, 0) == -ENODEV,
	       "setting them too (and the failed set is not what the replug restores)");
	tap_ok(!(emu_chip_pins(emu, 0) >> 4 & 1), "the unpowered chip lets the output go");
	toggle(5, false);
	emu_chip_clear_history(emu, 0);
	replug(3);
	tap_ok(WAIT_FOR(emu_chip_pins(emu, 0) >> 4 & 1, WAIT_MS), "the output is driven at 1 again");
	tap_ok(no_glitch(4), "the emulator's history shows no other level on it since the replug");
	tap_ok(line_request_get_values(out, 1, &bits) == 0 && bits == 1, "its request reads 1");
	wait_polling();
	toggle(5, true);
	n = t_read_events(in, ev, 1, WAIT_MS);
	tap_ok(n == 1 && ev[0].id == GPIO_V2_LINE_EVENT_RISING_EDGE && ev[0].seqno == 2 &&
		       ev[0].line_seqno == 2,
	       "its event stream goes on: the change while unplugged is a baseline, next seqno %u",
	       n == 1 ? ev[0].seqno : 0);
	tap_ok(line_request_read_events(plain, ev, 1) == -ENODEV, "the plain one stays dead");
	line_request_release(plain);
	line_request_release(in);
	line_request_release(out);
	toggle(5, false);
}

int main(void)
{
	const struct core_config cfg = { 0 };
	const struct emu_config ec = { .model = EMU_FT232H, .timing = true };
	const char *names[] = { "u0" };
	struct emu_stats es;

	rcu_register_thread();
	if (getenv("MPSSED_DEBUG"))
		log_set_level(LOG_LEVEL_DEBUG);
	if (core_new(&core, &cfg) < 0 || core_add_emulator(core, &ec, names, &emu) < 0)
		tap_bail("setup");
	chip = core_find_chip(core, "u0");
	test_unplug_while_polling();
	test_unplug_mid_transfer();
	test_persistent();
	tap_ok(stats().max_samplers == 1, "never two samplers (%lu)", stats().max_samplers);
	emu_chip_stats(emu, 0, &es);
	tap_ok(es.in_flight_max <= 4, "IN transfers in flight never above 4 (%u)", es.in_flight_max);
	gpio_chip_unref(chip);
	core_free(core);
	rcu_unregister_thread();
	tap_plan(tap_count);
	return tap_done();
}
