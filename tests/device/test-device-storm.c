// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The hotplug storm of issue #4: 8 client threads request, reconfigure,
 * read and write lines with edge detection and read their events, while a
 * chaos thread unplugs and replugs the emulator at random instants (also
 * in the middle of a transfer, by fault injection) and square waves keep
 * the inputs moving. Runs MPSSED_STRESS_SECONDS (default 12 s: the CI
 * budget; longer runs by setting it).
 *
 * What must hold: no crash and no sanitizer report; never two samplers;
 * every unplug torn down and released exactly once; clients only ever see
 * -ENODEV (or a seqno gap) from the chaos, and every one of them gets its
 * lines back after the last replug.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "../tap.h"
#include "common/log.h"
#include "common/rcu.h"
#include "helpers.h"

#define CLIENTS 8

struct client {
	pthread_t thread;
	unsigned id;
	unsigned seed;
	bool persist;
	unsigned long requests, ops, events, gone, gaps, transient, unexpected;
	int last_unexpected;
	bool recovered;
};

static struct core *core;
static struct emu_chip *emu;
static struct gpio_chip *chip;
static bool stopping; /* ATOMIC */

static bool stop_now(void)
{
	return __atomic_load_n(&stopping, __ATOMIC_ACQUIRE);
}

/* -ENODEV is the chaos; a timeout or protocol error may hit an I/O racing an unplug. */
static void note(struct client *c, int err)
{
	c->ops++;
	if (err >= 0 || err == -ENODEV)
		return;
	if (err == -ETIMEDOUT || err == -EPROTO || err == -EIO) {
		c->transient++;
		return;
	}
	c->unexpected++;
	c->last_unexpected = err;
}

static int client_request(struct client *c, struct line_request **out)
{
	const unsigned offsets[] = { c->id, 8 + c->id };
	const struct gpio_v2_line_attribute in = { .id = GPIO_V2_LINE_ATTR_ID_FLAGS,
						   .flags = FLAG(INPUT) | EDGE_BOTH };
	const struct line_request_options opts = { .persist = c->persist };
	struct gpio_v2_line_request ureq;

	t_request(&ureq, offsets, 2, FLAG(OUTPUT), "storm");
	t_attr(&ureq.config, 1, &in);
	ureq.event_buffer_size = 64;
	return gpio_chip_request_lines(chip, &ureq, &opts, out);
}

static void client_reconfigure(struct client *c, struct line_request *r)
{
	struct gpio_v2_line_config cfg = { .flags = FLAG(OUTPUT) };
	struct gpio_v2_line_attribute in = { .id = GPIO_V2_LINE_ATTR_ID_FLAGS,
					     .flags = FLAG(INPUT) | EDGE_BOTH };
	const struct gpio_v2_line_attribute db = { .id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE,
						   .debounce_period_us = 100 };

	switch (rand_r(&c->seed) % 3) {
	case 0:
		in.flags = FLAG(INPUT) | FLAG(EDGE_RISING);
		break;
	case 1:
		t_attr(&cfg, 1, &db);
		break;
	default:
		in.flags = FLAG(INPUT);
	}
	t_attr(&cfg, 1, &in);
	note(c, line_request_reconfigure(r, &cfg));
}

/* Returns false once the request is dead (a plain one after an unplug). */
static bool client_read(struct client *c, struct line_request *r, uint32_t *seqno)
{
	struct gpio_v2_line_event ev[16];
	int n;

	t_readable(line_request_event_fd(r), 5);
	n = line_request_read_events(r, ev, 16);
	note(c, n);
	if (n == -ENODEV) {
		c->gone++;
		return false;
	}
	for (int i = 0; i < n; i++) {
		if (ev[i].seqno != *seqno + 1)
			c->gaps++;
		*seqno = ev[i].seqno;
	}
	c->events += n > 0 ? (unsigned)n : 0;
	return true;
}

static bool client_step(struct client *c, struct line_request *r, uint32_t *seqno)
{
	uint64_t bits = 0;
	int err;

	switch (rand_r(&c->seed) % 5) {
	case 0:
		err = line_request_set_values(r, 2, rand_r(&c->seed) & 2);
		break;
	case 1:
		err = line_request_get_values(r, 3, &bits);
		break;
	case 2:
		client_reconfigure(c, r);
		return true;
	default:
		return client_read(c, r, seqno);
	}
	note(c, err);
	/* A persistent request waits for the replug; a plain one learns from read_events. */
	if (err == -ENODEV && c->persist)
		c->gone++;
	return true;
}

static void client_session(struct client *c)
{
	struct line_request *r = NULL;
	uint32_t seqno = 0;
	unsigned steps = 5 + rand_r(&c->seed) % 50;
	int err = client_request(c, &r);

	note(c, err);
	if (err < 0) {
		t_sleep_us(1000);
		return;
	}
	c->requests++;
	while (steps-- && !stop_now() && client_step(c, r, &seqno))
		;
	line_request_release(r);
}

/* After the storm: the lines come back to every client. */
static void client_recover(struct client *c)
{
	struct line_request *r = NULL;
	uint64_t bits;

	c->recovered = WAIT_FOR(client_request(c, &r) == 0, WAIT_MS) &&
		       line_request_get_values(r, 3, &bits) == 0;
	line_request_release(r);
}

static void *client_main(void *arg)
{
	struct client *c = arg;

	rcu_register_thread();
	while (!stop_now())
		client_session(c);
	client_recover(c);
	rcu_unregister_thread();
	return NULL;
}

struct chaos {
	unsigned long unplugs, at_xfer, back_to_back;
	unsigned seed;
};

static void chaos_unplug(struct chaos *ch)
{
	const struct emu_fault f = { .kind = EMU_FAULT_UNPLUG_AT_XFER,
				     .at = 1 + rand_r(&ch->seed) % 20 };

	switch (rand_r(&ch->seed) % 3) {
	case 0:
		/* Mid-transfer; with no traffic it may never fire: then unplug ourselves. */
		if (emu_chip_inject(emu, 0, &f) == 0 && WAIT_FOR(!emu_chip_plugged(emu), 50)) {
			ch->at_xfer++;
			break;
		}
		emu_chip_clear_faults(emu);
		/* fall through */
	case 1:
		emu_chip_unplug(emu);
		t_sleep_us(rand_r(&ch->seed) % 30000);
		break;
	default:
		/* Faster than the device-event thread can look. */
		emu_chip_unplug(emu);
		ch->back_to_back++;
	}
	ch->unplugs++;
	emu_chip_replug(emu);
}

static void *chaos_main(void *arg)
{
	struct chaos *ch = arg;
	const char *s = getenv("MPSSED_STRESS_SECONDS");
	uint64_t end = t_now_ns() + (uint64_t)(s ? atof(s) : 12.0) * 1000000000ULL;

	while (t_now_ns() < end) {
		t_sleep_us(rand_r(&ch->seed) % 60000);
		chaos_unplug(ch);
	}
	emu_chip_clear_faults(emu);
	return NULL;
}

static bool all_released(void)
{
	struct gpio_chip_stats st;

	gpio_chip_stats(chip, &st);
	return st.unplugs == st.releases;
}

int main(void)
{
	const struct emu_config ec = { .model = EMU_FT232H, .timing = true };
	const char *names[] = { "storm" };
	struct client clients[CLIENTS];
	struct chaos ch = { .seed = 42 };
	unsigned long unexpected = 0, transient = 0, ops = 0, events = 0, disrupted = 0, back = 0;
	struct gpio_chip_stats st;
	struct emu_stats es;
	pthread_t chaos;

	rcu_register_thread();
	/* Hundreds of unplugs: their info lines would bury anything that matters. */
	log_set_level(LOG_LEVEL_WARNING);
	if (core_new(&core, NULL) < 0 || core_add_emulator(core, &ec, names, &emu) < 0)
		tap_bail("setup");
	chip = core_find_chip(core, "storm");
	for (unsigned i = 0; i < CLIENTS; i++)
		emu_chip_square_wave(emu, 0, i, 100.0 * (i + 1));
	for (unsigned i = 0; i < CLIENTS; i++) {
		clients[i] = (struct client){ .id = i, .seed = i + 1, .persist = i % 2 };
		pthread_create(&clients[i].thread, NULL, client_main, &clients[i]);
	}
	pthread_create(&chaos, NULL, chaos_main, &ch);
	pthread_join(chaos, NULL);
	__atomic_store_n(&stopping, true, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < CLIENTS; i++) {
		struct client *c = &clients[i];

		pthread_join(c->thread, NULL);
		unexpected += c->unexpected;
		transient += c->transient;
		ops += c->ops;
		events += c->events;
		disrupted += c->gone + c->gaps > 0;
		back += c->recovered;
		tap_diag("client %u (%s): %lu requests, %lu ops, %lu events, %lu gone, %lu gaps, "
			 "%lu transient, %lu unexpected (last %d)",
			 i, c->persist ? "persistent" : "plain", c->requests, c->ops, c->events,
			 c->gone, c->gaps, c->transient, c->unexpected, c->last_unexpected);
	}
	tap_diag("chaos: %lu unplugs (%lu mid-transfer, %lu back to back)", ch.unplugs, ch.at_xfer,
		 ch.back_to_back);
	tap_ok(ch.unplugs > 10, "the chaos unplugged %lu times", ch.unplugs);
	tap_ok(events > 0 && ops > 1000, "clients worked: %lu ops, %lu events", ops, events);
	tap_ok(unexpected == 0, "no error but -ENODEV (and %lu timeouts of I/O racing an unplug)",
	       transient);
	tap_ok(transient * 100 <= ops, "such timeouts are rare (%lu of %lu)", transient, ops);
	tap_ok(disrupted == CLIENTS, "every client saw the device go (-ENODEV or a gap): %lu",
	       disrupted);
	tap_ok(back == CLIENTS, "every client got its lines back after the storm: %lu", back);
	tap_ok(WAIT_FOR(all_released(), WAIT_MS), "every unplug was released");
	gpio_chip_stats(chip, &st);
	tap_ok(st.unplugs == st.releases && st.unplugs >= st.replugs && st.unplugs <= ch.unplugs,
	       "at most one teardown per unplug (%llu teardowns, %llu rebinds)",
	       (unsigned long long)st.unplugs, (unsigned long long)st.replugs);
	tap_ok(st.max_samplers == 1, "never two samplers (%lu)", st.max_samplers);
	emu_chip_stats(emu, 0, &es);
	tap_ok(es.in_flight_max <= 4, "IN transfers in flight never above 4 (%u)", es.in_flight_max);
	gpio_chip_unref(chip);
	core_free(core);
	rcu_unregister_thread();
	tap_plan(tap_count);
	return tap_done();
}
