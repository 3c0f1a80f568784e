// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Hardware-paced sampling (doc/sampling.md) against the emulator with its
 * timing model on: the chip times the samples, so the emulator's pin
 * history gives the true edge instants to compare the events with.
 *
 *  - the clock pin: line 0 is "mpssed-clock" in paced mode, an output
 *    there is refused (EBUSY), an input is fine; the mode cannot change
 *    under a running sampler;
 *  - a pulse train of pulses two periods wide: every pulse seen, every
 *    timestamp within one period of the true edge;
 *  - the host falling behind (IN transfers stall): the gap is counted, a
 *    pulse during it yields no event (nothing invented), sampling resumes
 *    and the next pulse is timed as precisely.
 *
 * The host may fall behind on a loaded machine during the pulse train
 * too: then the gap counter says so, and the train is played again (ten
 * tries, each about 5 ms) rather than failing on a slow host.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../tap.h"
#include "common/rcu.h"
#include "helpers.h"

#define PERIOD_NS 10000u
#define PULSE_LINE 3
#define PULSES 60
#define PULSE_NS (2 * PERIOD_NS)
#define SPACE_NS (6 * PERIOD_NS)
#define TRIES 10

static struct gpio_chip *setup(struct core **core, struct emu_chip **emu)
{
	const struct emu_config ec = { .model = EMU_FT232H, .timing = true };
	const char *names[EMU_INTERFACES_MAX] = { "paced" };
	const struct sampling paced = { .mode = SAMPLE_MODE_PACED, .period_ns = PERIOD_NS };
	struct gpio_chip *chip;
	int r;

	if (core_new(core, NULL) < 0)
		tap_bail("core_new failed");
	r = core_add_emulator(*core, &ec, names, emu);
	if (r < 0)
		tap_bail("core_add_emulator: %s", strerror(-r));
	chip = core_find_chip(*core, "paced");
	if (!chip)
		tap_bail("chip not found");
	r = gpio_chip_set_sampling(chip, &paced);
	if (r < 0)
		tap_bail("gpio_chip_set_sampling: %s", strerror(-r));
	return chip;
}

static int request(struct gpio_chip *chip, unsigned offset, uint64_t flags, struct line_request **out)
{
	struct gpio_v2_line_request req;

	t_request(&req, &offset, 1, flags, "test");
	req.event_buffer_size = 1024;
	return gpio_chip_request_lines(chip, &req, NULL, out);
}

static void test_clock_pin(struct gpio_chip *chip, struct emu_chip *emu)
{
	const struct sampling latency = { .mode = SAMPLE_MODE_LATENCY };
	const struct sampling paced = { .mode = SAMPLE_MODE_PACED, .period_ns = PERIOD_NS };
	struct gpio_v2_line_config out = { .flags = FLAG(OUTPUT) };
	struct line_request *req = NULL, *edges = NULL;
	struct gpio_v2_line_info info;
	struct sampling s;

	gpio_chip_sampling(chip, &s);
	tap_ok(s.mode == SAMPLE_MODE_PACED && s.period_ns == PERIOD_NS, "paced, 10 us");
	gpio_chip_line_info(chip, 0, &info);
	tap_ok((info.flags & FLAG(USED)) && !strcmp(info.consumer, SAMPLING_CLOCK_CONSUMER),
	       "line 0 is used by \"%s\"", info.consumer);
	tap_ok(request(chip, 0, FLAG(OUTPUT), &req) == -EBUSY, "line 0 as an output: EBUSY");
	tap_ok(request(chip, 0, FLAG(INPUT), &req) == 0, "line 0 as an input: fine");
	gpio_chip_line_info(chip, 0, &info);
	tap_ok(!strcmp(info.consumer, "test") && (info.flags & FLAG(INPUT)),
	       "then it shows its consumer");
	tap_ok(line_request_reconfigure(req, &out) == -EBUSY, "reconfigured to an output: EBUSY");
	req = line_request_release(req);

	tap_ok(gpio_chip_set_sampling(chip, &latency) == 0, "latency mode again");
	gpio_chip_line_info(chip, 0, &info);
	tap_ok(!(info.flags & FLAG(USED)), "line 0 is free then");
	tap_ok(request(chip, 0, FLAG(OUTPUT), &req) == 0, "and may be an output");
	tap_ok(gpio_chip_set_sampling(chip, &paced) == -EBUSY, "paced while it is held as an output: EBUSY");
	req = line_request_release(req);
	tap_ok(emu_chip_directions(emu, 0) & 1, "released, it stays an output (as the kernel)");
	tap_ok(gpio_chip_set_sampling(chip, &paced) == 0, "paced mode");
	tap_ok(!(emu_chip_directions(emu, 0) & 1), "made line 0 an input");

	tap_ok(gpio_chip_set_sampling(chip, &(struct sampling){ SAMPLE_MODE_PACED, 4000 }) == -EINVAL,
	       "a 4 us period: EINVAL");
	tap_ok(request(chip, PULSE_LINE, FLAG(INPUT) | EDGE_BOTH, &edges) == 0, "an edge request");
	tap_ok(gpio_chip_set_sampling(chip, &latency) == -EBUSY, "no mode change while sampling");
	edges = line_request_release(edges);
}

/* The true edges of line `line` since the history was cleared. */
static unsigned true_edges(struct emu_chip *emu, unsigned line, uint64_t *t, bool *rising, unsigned max)
{
	static struct emu_pin_change h[EMU_HISTORY_MAX];
	size_t n = emu_chip_history(emu, 0, h, EMU_HISTORY_MAX);
	bool level = false;	/* the scripts start from low */
	unsigned k = 0;

	for (size_t i = 0; i < n && k < max; i++) {
		bool now = h[i].levels >> line & 1;

		if (now != level) {
			t[k] = h[i].time_ns;
			rising[k++] = now;
		}
		level = now;
	}
	return k;
}

static uint64_t gaps(struct gpio_chip *chip)
{
	struct gpio_chip_stats st;

	gpio_chip_stats(chip, &st);
	return st.gaps;
}

static void sampling_runs(struct gpio_chip *chip)
{
	struct gpio_chip_stats st;
	uint64_t first;

	gpio_chip_stats(chip, &st);
	first = st.samples;
	if (!WAIT_FOR((gpio_chip_stats(chip, &st), st.samples > first + 1000), WAIT_MS))
		tap_bail("paced sampling does not run");
}

struct train {
	uint64_t t[2 * PULSES + 2];
	bool rising[2 * PULSES + 2];
	unsigned edges, events, wrong_dir;
	uint64_t err_max;
};

/* Play the pulse train once; false if the host fell behind meanwhile. */
static bool play_train(struct gpio_chip *chip, struct emu_chip *emu, struct line_request *req,
		       struct train *tr)
{
	static struct gpio_v2_line_event ev[2 * PULSES + 8];
	struct emu_step steps[2 * PULSES];
	uint64_t g = gaps(chip);
	int got;

	for (unsigned i = 0; i < PULSES; i++) {
		steps[2 * i] = (struct emu_step){ .after_ns = SPACE_NS, .level = true };
		steps[2 * i + 1] = (struct emu_step){ .after_ns = PULSE_NS, .level = false };
	}
	t_drain_events(req);
	emu_chip_clear_history(emu, 0);
	emu_chip_script(emu, 0, PULSE_LINE, steps, 2 * PULSES);
	got = t_read_events(req, ev, 2 * PULSES, WAIT_MS);
	/* Anything more would be invented: give it a moment to show. */
	t_sleep_us(20000);
	if (got >= 0)
		got += line_request_read_events(req, ev + got, 8);
	tr->edges = true_edges(emu, PULSE_LINE, tr->t, tr->rising, 2 * PULSES + 2);
	tr->events = got < 0 ? 0 : (unsigned)got;
	tr->wrong_dir = 0;
	tr->err_max = 0;
	for (unsigned i = 0; i < tr->events && i < tr->edges; i++) {
		uint64_t ts = ev[i].timestamp_ns, e = tr->t[i];
		uint64_t err = ts > e ? ts - e : e - ts;

		if ((ev[i].id == GPIO_V2_LINE_EVENT_RISING_EDGE) != tr->rising[i])
			tr->wrong_dir++;
		if (err > tr->err_max)
			tr->err_max = err;
	}
	return gaps(chip) == g;
}

static void test_pulse_train(struct gpio_chip *chip, struct emu_chip *emu)
{
	struct line_request *req = NULL;
	struct train tr;
	unsigned tries = 0;
	bool clean = false;

	tap_ok(request(chip, PULSE_LINE, FLAG(INPUT) | EDGE_BOTH, &req) == 0, "edge request on line %u",
	       PULSE_LINE);
	sampling_runs(chip);
	while (!clean && tries++ < TRIES) {
		clean = play_train(chip, emu, req, &tr);
		if (!clean)
			tap_diag("try %u: the host fell behind (gap counted); again", tries);
	}
	tap_ok(tr.edges == 2 * PULSES, "the emulator played %u edges", tr.edges);
	if (!clean) {
		tap_skip("the host fell behind in every try: precision not measurable here");
		tap_skip("(see above)");
		tap_skip("(see above)");
	} else {
		tap_ok(tr.events == tr.edges, "every pulse of %u us seen: %u events for %u edges",
		       PULSE_NS / 1000, tr.events, tr.edges);
		tap_ok(tr.wrong_dir == 0, "each event in the direction of its edge");
		tap_ok(tr.err_max <= PERIOD_NS, "timestamp error at most one period: max %.2f us",
		       (double)tr.err_max / 1000.0);
	}
	req = line_request_release(req);
}

/* One pulse of 3 periods on a running sampler, in a try without a gap; false if none. */
static bool pulse_after(struct gpio_chip *chip, struct emu_chip *emu, struct line_request *req,
			int *got, uint64_t *err)
{
	const struct emu_step later[] = { { 1000000, true }, { 3 * PERIOD_NS, false } };
	struct gpio_v2_line_event ev[8];
	uint64_t t[4];
	bool rising[4];

	for (unsigned tries = 0; tries < TRIES; tries++) {
		uint64_t g = gaps(chip);

		t_drain_events(req);
		emu_chip_clear_history(emu, 0);
		emu_chip_script(emu, 0, PULSE_LINE, later, 2);
		*got = t_read_events(req, ev, 2, WAIT_MS);
		if (gaps(chip) != g) {
			tap_diag("try %u: the host fell behind (gap counted); again", tries + 1);
			continue;
		}
		if (*got != 2 || true_edges(emu, PULSE_LINE, t, rising, 4) != 2)
			*got = -1;
		*err = *got == 2 ? (ev[0].timestamp_ns > t[0] ? ev[0].timestamp_ns - t[0]
							 : t[0] - ev[0].timestamp_ns)
				 : UINT64_MAX;
		return true;
	}
	return false;
}

static void test_falling_behind(struct gpio_chip *chip, struct emu_chip *emu)
{
	const struct emu_fault stall = { .kind = EMU_FAULT_TIMEOUT, .count = 1 };
	const struct emu_step pulse[] = { { 30000000, true }, { 40000000, false } };
	struct gpio_v2_line_event ev[8];
	struct line_request *req = NULL;
	struct gpio_chip_stats st;
	struct emu_stats es;
	uint64_t g0, gap_ns0, err = UINT64_MAX;
	int got = -1;
	bool ok;

	tap_ok(request(chip, PULSE_LINE, FLAG(INPUT) | EDGE_BOTH, &req) == 0, "edge request");
	sampling_runs(chip);
	gpio_chip_stats(chip, &st);
	g0 = st.gaps;
	gap_ns0 = st.gap_ns;
	/* IN transfers stall: the host takes no answers and writes no commands. */
	tap_ok(emu_chip_inject(emu, 0, &stall) == 0, "IN transfers stall");
	emu_chip_script(emu, 0, PULSE_LINE, pulse, 2);
	t_drain_events(req);
	tap_ok(WAIT_FOR(gaps(chip) > g0, WAIT_MS), "the gap is counted");
	ok = WAIT_FOR((gpio_chip_stats(chip, &st), st.gap_ns - gap_ns0 >= 150000000ULL), WAIT_MS);
	tap_ok(ok, "with its length (the 200 ms stall): %.1f ms more", (double)(st.gap_ns - gap_ns0) / 1e6);
	sampling_runs(chip);
	got = line_request_read_events(req, ev, 8);
	tap_ok(got == 0, "the pulse inside the gap yields no event (%d)", got);
	if (pulse_after(chip, emu, req, &got, &err)) {
		tap_ok(got == 2, "a pulse after it: seen");
		tap_ok(err <= PERIOD_NS, "and timed within a period: %.2f us", (double)err / 1000.0);
	} else {
		tap_skip("the host fell behind in every try: the pulse after the gap not measurable");
		tap_skip("(see above)");
	}
	req = line_request_release(req);
	/* Samples the chip took but the host lost in the stall (cancelled) are not counted. */
	emu_chip_stats(emu, 0, &es);
	gpio_chip_stats(chip, &st);
	tap_ok(st.samples <= es.pin_reads / 2,
	       "samples delivered (%llu) <= samples the chip took (%llu): none invented",
	       (unsigned long long)st.samples, (unsigned long long)(es.pin_reads / 2));
}

int main(void)
{
	struct core *core = NULL;
	struct gpio_chip *chip;
	struct emu_chip *emu;

	rcu_register_thread();
	chip = setup(&core, &emu);
	test_clock_pin(chip, emu);
	test_pulse_train(chip, emu);
	test_falling_behind(chip, emu);
	gpio_chip_unref(chip);
	core_free(core);
	rcu_unregister_thread();
	tap_plan(tap_count);
	return tap_done();
}
