// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Paced (precision) against latency sampling, side by side in one run, on
 * an emulated FT232H with the USB timing model on (doc/sampling.md):
 *  - <mode>_samples_per_s: samples of all 16 lines per second while an
 *    edge request is active;
 *  - <mode>_min_pulse_us: the narrowest pulse width (from a fixed ladder,
 *    2 ms down to 10 us) at which every one of PULSES pulses gave its two
 *    events (0: not even the widest);
 *  - <mode>_timestamp_error_max_us: the largest difference between an
 *    event's timestamp and the nearest true edge of its direction (the
 *    emulator's pin history) over PULSES pulses of 1 ms;
 * and the ratios paced / latency. The latency mode is the baseline: four
 * `81 83 87` reads in flight, timestamps at transfer completion.
 *
 * These are emulator figures: the chip's timing is modelled (USB
 * microframes, clock commands), the host side is real. A paced round in
 * which the host fell behind (a gap was counted) is played again, up to
 * TRIES times; if every try had a gap the ladder stops there (counted in
 * paced_rounds_without_clean_try). The gaps are printed too (paced_gaps).
 */
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/rcu.h"
#include "device/device.h"
#include "emu/emu.h"

#define FLAG(x) GPIO_V2_LINE_FLAG_##x
#define LINE 3
#define PULSES 20
#define TRIES 5
#define PERIOD_NS 10000u
#define MEASURE_NS 400000000ULL
#define ERROR_PULSE_NS 1000000ULL
#define WAIT_MS 3000

static const uint64_t ladder_ns[] = { 2000000, 1000000, 500000, 250000, 125000, 60000,
				      40000,   30000,   20000,  15000,  10000 };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ULL), .tv_nsec = (long)(ns % 1000000000ULL) };

	nanosleep(&ts, NULL);
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench-paced: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

struct rig {
	struct core *core;
	struct emu_chip *emu;
	struct gpio_chip *chip;
	struct line_request *req;
};

static void rig_up(struct rig *r, enum sample_mode mode)
{
	const struct emu_config ec = { .model = EMU_FT232H, .timing = true };
	const struct sampling s = { .mode = mode, .period_ns = PERIOD_NS };
	const char *names[EMU_INTERFACES_MAX] = { "bench" };
	struct gpio_v2_line_request req = { .offsets = { LINE }, .num_lines = 1 };
	int err;

	req.config.flags = FLAG(INPUT) | FLAG(EDGE_RISING) | FLAG(EDGE_FALLING);
	req.event_buffer_size = 1024;
	strcpy(req.consumer, "bench");
	if ((err = core_new(&r->core, NULL)) < 0)
		die("core_new", err);
	if ((err = core_add_emulator(r->core, &ec, names, &r->emu)) < 0)
		die("core_add_emulator", err);
	r->chip = core_find_chip(r->core, "bench");
	if (!r->chip)
		die("core_find_chip", ENOENT);
	if ((err = gpio_chip_set_sampling(r->chip, &s)) < 0)
		die("gpio_chip_set_sampling", err);
	if ((err = gpio_chip_request_lines(r->chip, &req, NULL, &r->req)) < 0)
		die("request", err);
	sleep_ns(100000000ULL);
}

static void rig_down(struct rig *r)
{
	line_request_release(r->req);
	gpio_chip_unref(r->chip);
	core_free(r->core);
}

static struct gpio_chip_stats stats(struct rig *r)
{
	struct gpio_chip_stats st;

	gpio_chip_stats(r->chip, &st);
	return st;
}

static uint64_t samples_per_s(struct rig *r)
{
	uint64_t s0 = stats(r).samples, t0 = now_ns(), s1, t1;

	sleep_ns(MEASURE_NS);
	s1 = stats(r).samples;
	t1 = now_ns();
	return (s1 - s0) * 1000000000ULL / (t1 - t0);
}

/* Read n events or until WAIT_MS pass without one; returns the count. */
static unsigned read_events(struct rig *r, struct gpio_v2_line_event *ev, unsigned n)
{
	unsigned got = 0;

	while (got < n) {
		struct pollfd p = { .fd = line_request_event_fd(r->req), .events = POLLIN };
		int k = line_request_read_events(r->req, ev + got, n - got);

		if (k < 0)
			break;
		got += (unsigned)k;
		if (!k && poll(&p, 1, WAIT_MS) != 1)
			break;
	}
	return got;
}

struct round {
	unsigned edges, events;
	uint64_t err_max;
	bool gap;
};

/* PULSES pulses of width_ns, spaced 4 widths (at least 0.5 ms) apart. */
static void play(struct rig *r, uint64_t width_ns, struct round *rd)
{
	static struct emu_step steps[2 * PULSES];
	static struct gpio_v2_line_event ev[2 * PULSES + 8];
	static struct emu_pin_change h[EMU_HISTORY_MAX];
	uint64_t space = width_ns * 4 > 500000 ? width_ns * 4 : 500000, g = stats(r).gaps;
	uint64_t edge_t[2 * PULSES];
	bool level = false;
	size_t n;

	for (unsigned i = 0; i < PULSES; i++) {
		steps[2 * i] = (struct emu_step){ .after_ns = space, .level = true };
		steps[2 * i + 1] = (struct emu_step){ .after_ns = width_ns, .level = false };
	}
	while (line_request_read_events(r->req, ev, 8) > 0)
		;
	emu_chip_clear_history(r->emu, 0);
	emu_chip_script(r->emu, 0, LINE, steps, 2 * PULSES);
	rd->events = read_events(r, ev, 2 * PULSES);
	sleep_ns(20000000ULL);
	rd->events += (unsigned)line_request_read_events(r->req, ev + rd->events, 8);
	n = emu_chip_history(r->emu, 0, h, EMU_HISTORY_MAX);
	rd->edges = 0;
	for (size_t i = 0; i < n && rd->edges < 2 * PULSES; i++) {
		bool now = h[i].levels >> LINE & 1;

		if (now != level)
			edge_t[rd->edges++] = h[i].time_ns;
		level = now;
	}
	/* Each event against the nearest true edge of its direction (edges alternate from low). */
	rd->err_max = 0;
	for (unsigned i = 0; i < rd->events; i++) {
		bool rising = ev[i].id == GPIO_V2_LINE_EVENT_RISING_EDGE;
		uint64_t best = UINT64_MAX;

		for (unsigned k = rising ? 0 : 1; k < rd->edges; k += 2) {
			uint64_t ts = ev[i].timestamp_ns, e = edge_t[k], err = ts > e ? ts - e : e - ts;

			if (err < best)
				best = err;
		}
		if (best > rd->err_max)
			rd->err_max = best;
	}
	rd->gap = stats(r).gaps != g;
}

/* A round without a gap, if the host allows one in TRIES; false if not. */
static bool play_clean(struct rig *r, uint64_t width_ns, struct round *rd)
{
	for (unsigned t = 0; t < TRIES; t++) {
		play(r, width_ns, rd);
		if (!rd->gap)
			return true;
	}
	return false;
}

struct figures {
	uint64_t rate, min_pulse_ns, err_max_ns, gaps;
	unsigned dirty;		/* widths with a gap in every try: the ladder stopped there */
};

static void measure(enum sample_mode mode, struct figures *f)
{
	struct rig r;
	struct round rd;

	rig_up(&r, mode);
	f->rate = samples_per_s(&r);
	f->min_pulse_ns = 0;
	f->dirty = 0;
	for (size_t i = 0; i < sizeof(ladder_ns) / sizeof(ladder_ns[0]); i++) {
		if (!play_clean(&r, ladder_ns[i], &rd)) {
			f->dirty++;
			break;
		}
		if (rd.events != 2 * PULSES || rd.edges != 2 * PULSES)
			break;
		f->min_pulse_ns = ladder_ns[i];
	}
	if (!play_clean(&r, ERROR_PULSE_NS, &rd))
		f->dirty++;
	f->err_max_ns = rd.err_max;
	f->gaps = stats(&r).gaps;
	rig_down(&r);
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

int main(void)
{
	struct figures lat, paced;

	rcu_register_thread();
	measure(SAMPLE_MODE_LATENCY, &lat);
	measure(SAMPLE_MODE_PACED, &paced);
	printf("bench: latency_samples_per_s %" PRIu64 " Hz\n", lat.rate);
	printf("bench: latency_min_pulse_us %.1f us\n", (double)lat.min_pulse_ns / 1e3);
	printf("bench: latency_timestamp_error_max_us %.1f us\n", (double)lat.err_max_ns / 1e3);
	printf("bench: paced_samples_per_s %" PRIu64 " Hz\n", paced.rate);
	printf("bench: paced_min_pulse_us %.1f us\n", (double)paced.min_pulse_ns / 1e3);
	printf("bench: paced_timestamp_error_max_us %.1f us\n", (double)paced.err_max_ns / 1e3);
	printf("bench: paced_gaps %" PRIu64 " gaps\n", paced.gaps);
	/* Rounds are played again when the host fell behind; these never got a clean one. */
	printf("bench: paced_rounds_without_clean_try %u rounds\n", paced.dirty);
	printf("bench: paced_samples_ratio_vs_latency %.2f x\n",
	       ratio((double)paced.rate, (double)lat.rate));
	printf("bench: paced_min_pulse_ratio_vs_latency %.3f x\n",
	       ratio((double)paced.min_pulse_ns, (double)lat.min_pulse_ns));
	printf("bench: paced_timestamp_error_ratio_vs_latency %.3f x\n",
	       ratio((double)paced.err_max_ns, (double)lat.err_max_ns));
	rcu_unregister_thread();
	return 0;
}
