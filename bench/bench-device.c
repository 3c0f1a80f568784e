// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The device layer against an emulated FT232H with the USB timing model
 * on (125 us microframes, one IN packet per microframe), measuring what
 * issue #4 sets targets for:
 *  - poll_samples_per_s (1 read in flight) and _inflight4: samples the
 *    poller takes per second with an edge request active; baseline in the
 *    same run: a synchronous loop of get_values (one `81 83 87` round trip
 *    per sample, what a poller without pipelining gets);
 *  - edge_latency_p50/p99: from the emulator changing a pin (its history
 *    time) to a client thread, woken by the request's eventfd, holding the
 *    event;
 *  - unplug_teardown_p99: from emu_chip_unplug() to the binding released
 *    (poller joined, transport closed; requests were told before);
 *  - replug_ready_p99: from emu_chip_replug() to a persistent request
 *    reading values again.
 * Each figure is measured in ROUNDS rounds and the median round is
 * printed (its percentiles computed within the round), so that a burst
 * of load from elsewhere on the machine skews one round, not the figure.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/rcu.h"
#include "device/device.h"
#include "emu/emu.h"
#include "rig.h"

#define ROUNDS 5
#define MEASURE_NS 400000000ULL
#define EDGES 400		/* per round */
#define CYCLES 20		/* per round */
#define WAIT_NS 5000000000ULL

static struct line_request *request(struct gpio_chip *chip, unsigned line, uint64_t flags,
				    bool persist)
{
	const struct line_request_options opts = { .persist = persist };
	struct gpio_v2_line_request req = { .num_lines = 1, .event_buffer_size = 1024 };
	struct line_request *r = NULL;
	int err;

	req.offsets[0] = line;
	req.config.flags = flags;
	strcpy(req.consumer, "bench");
	err = gpio_chip_request_lines(chip, &req, &opts, &r);
	if (err < 0)
		die("request", err);
	return r;
}

static uint64_t samples(struct gpio_chip *chip)
{
	struct gpio_chip_stats st;

	gpio_chip_stats(chip, &st);
	return st.samples;
}

static uint64_t median_round(uint64_t *rounds)
{
	return percentile(rounds, ROUNDS, 50);
}

/* --- Sample rate ----------------------------------------------------------- */

static uint64_t poll_rate(unsigned reads)
{
	struct rig rig;
	struct line_request *r;
	uint64_t s0, t0, s1, t1;

	rig_up(&rig, reads);
	r = request(rig.chip, 2, FLAG(INPUT) | FLAG(EDGE_RISING) | FLAG(EDGE_FALLING), false);
	sleep_us(100000);
	s0 = samples(rig.chip);
	t0 = now_ns();
	sleep_us(MEASURE_NS / 1000);
	s1 = samples(rig.chip);
	t1 = now_ns();
	line_request_release(r);
	rig_down(&rig);
	return (s1 - s0) * 1000000000ULL / (t1 - t0);
}

static uint64_t sync_rate(void)
{
	struct rig rig;
	struct line_request *r;
	uint64_t t0, n = 0, bits;

	rig_up(&rig, 0);
	r = request(rig.chip, 2, FLAG(INPUT), false);
	t0 = now_ns();
	while (now_ns() - t0 < MEASURE_NS) {
		if (line_request_get_values(r, 1, &bits) < 0)
			die("get_values", -EIO);
		n++;
	}
	line_request_release(r);
	rig_down(&rig);
	return n * 1000000000ULL / (now_ns() - t0);
}

/* --- Edge latency ------------------------------------------------------------ */

struct latency {
	struct line_request *req;
	uint64_t edge_ns[EDGES];	/* main thread */
	uint64_t read_ns[EDGES];	/* client thread; main reads them after the join */
	uint32_t seen;			/* ATOMIC: events read */
};

static void *latency_client(void *arg)
{
	struct latency *l = arg;
	struct pollfd p = { .fd = line_request_event_fd(l->req), .events = POLLIN };
	struct gpio_v2_line_event ev[16];

	while (__atomic_load_n(&l->seen, __ATOMIC_ACQUIRE) < EDGES) {
		int n;

		if (poll(&p, 1, 1000) <= 0)
			continue;
		n = line_request_read_events(l->req, ev, 16);
		for (int i = 0; i < n; i++) {
			uint32_t k = ev[i].seqno - 1;

			if (k < EDGES)
				l->read_ns[k] = now_ns();
			__atomic_add_fetch(&l->seen, 1, __ATOMIC_RELEASE);
		}
	}
	return NULL;
}

/* The emulator's time of the change just made (history cleared before it). */
static uint64_t last_change(struct emu_chip *emu)
{
	struct emu_pin_change h[8];
	size_t n = emu_chip_history(emu, 0, h, 8);

	return n ? h[n - 1].time_ns : now_ns();
}

static void edge_latency(struct rig *rig, uint64_t *p50, uint64_t *p99)
{
	static struct latency l;
	pthread_t client;
	unsigned seed = 1;

	memset(&l, 0, sizeof(l));
	l.req = request(rig->chip, 2, FLAG(INPUT) | FLAG(EDGE_RISING) | FLAG(EDGE_FALLING), false);
	sleep_us(50000);
	pthread_create(&client, NULL, latency_client, &l);
	for (unsigned k = 0; k < EDGES; k++) {
		uint64_t deadline = now_ns() + WAIT_NS;

		bool level = !(emu_chip_pins(rig->emu, 0) >> 2 & 1);

		emu_chip_clear_history(rig->emu, 0);
		emu_chip_set_input(rig->emu, 0, 2, level);
		l.edge_ns[k] = last_change(rig->emu);
		while (__atomic_load_n(&l.seen, __ATOMIC_ACQUIRE) <= k && now_ns() < deadline)
			sleep_us(50);
		if (now_ns() >= deadline)
			die("edge event never came", ETIMEDOUT);
		/* Land the next edge at a random phase of the sampling. */
		sleep_us(200 + rand_r(&seed) % 800);
	}
	pthread_join(client, NULL);
	line_request_release(l.req);
	for (unsigned k = 0; k < EDGES; k++)
		l.read_ns[k] -= l.edge_ns[k];
	*p50 = percentile(l.read_ns, EDGES, 50);
	*p99 = percentile(l.read_ns, EDGES, 99);
}

/* --- Unplug and replug ------------------------------------------------------------ */

static uint64_t releases(struct gpio_chip *chip)
{
	struct gpio_chip_stats st;

	gpio_chip_stats(chip, &st);
	return st.releases;
}

static void plug_cycles(struct rig *rig, uint64_t *teardown_p99, uint64_t *ready_p99)
{
	uint64_t down[CYCLES], up[CYCLES], bits;
	struct line_request *keep, *plain;

	keep = request(rig->chip, 3, FLAG(INPUT) | FLAG(EDGE_RISING), true);
	for (unsigned i = 0; i < CYCLES; i++) {
		uint64_t before = releases(rig->chip), t0, deadline;
		struct pollfd p;

		plain = request(rig->chip, 2, FLAG(INPUT) | FLAG(EDGE_RISING), false);
		p = (struct pollfd){ .fd = line_request_event_fd(plain), .events = POLLIN };
		sleep_us(20000);
		t0 = now_ns();
		deadline = t0 + WAIT_NS;
		emu_chip_unplug(rig->emu);
		while (releases(rig->chip) == before && now_ns() < deadline)
			sleep_us(20);
		down[i] = now_ns() - t0;
		if (releases(rig->chip) == before || poll(&p, 1, 0) != 1)
			die("teardown incomplete", ETIMEDOUT);
		line_request_release(plain);
		t0 = now_ns();
		emu_chip_replug(rig->emu);
		while (line_request_get_values(keep, 1, &bits) < 0 && now_ns() < t0 + WAIT_NS)
			sleep_us(20);
		up[i] = now_ns() - t0;
	}
	line_request_release(keep);
	*teardown_p99 = percentile(down, CYCLES, 99);
	*ready_p99 = percentile(up, CYCLES, 99);
}

int main(void)
{
	uint64_t sync[ROUNDS], one[ROUNDS], four[ROUNDS], p50[ROUNDS], p99[ROUNDS];
	uint64_t down[ROUNDS], up[ROUNDS];
	struct rig rig;

	rcu_register_thread();
	log_set_level(LOG_LEVEL_WARNING);
	/* Interleaved, so that each kind meets the same background load. */
	for (unsigned i = 0; i < ROUNDS; i++) {
		sync[i] = sync_rate();
		one[i] = poll_rate(1);
		four[i] = poll_rate(4);
	}
	rig_up(&rig, 0);
	for (unsigned i = 0; i < ROUNDS; i++) {
		edge_latency(&rig, &p50[i], &p99[i]);
		plug_cycles(&rig, &down[i], &up[i]);
	}
	rig_down(&rig);
	printf("bench: poll_samples_per_s_sync_baseline %" PRIu64 " Hz\n", median_round(sync));
	printf("bench: poll_samples_per_s %" PRIu64 " Hz\n", median_round(one));
	printf("bench: poll_samples_per_s_inflight4 %" PRIu64 " Hz\n", median_round(four));
	printf("bench: edge_latency_p50_us %.0f us\n", (double)median_round(p50) / 1e3);
	printf("bench: edge_latency_p99_us %.0f us\n", (double)median_round(p99) / 1e3);
	printf("bench: unplug_teardown_p99_ms %.2f ms\n", (double)median_round(down) / 1e6);
	printf("bench: replug_ready_p99_ms %.2f ms\n", (double)median_round(up) / 1e6);
	rcu_unregister_thread();
	return 0;
}
