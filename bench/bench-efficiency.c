// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What sampling costs and how it holds up, on an emulated FT232H with the
 * USB timing model on, through the device layer's real delivery path
 * (sampler, edge detectors, event queues, request eventfds, client reads):
 *  - idle_sampling_cpu_percent: one edge request, no edges, latency mode;
 *    getrusage() over IDLE_S seconds, minus the emulator's bus thread
 *    (it stands in for the chip). The emulator's command interpreter still
 *    runs on the sampler's thread when it writes, so this is an upper
 *    bound for the daemon on real hardware.
 *  - fanout_events_per_s: 16 requests, one per line, every line a square
 *    wave of FANOUT_HZ, one client thread per request reading its events;
 *    the whole process (emulator included) pinned to one CPU. On the
 *    model a chip gives at most 8,000 distinct sampling instants per
 *    second (one per microframe), so a line can give one event per
 *    microframe at best; at 3.2 kHz every change is 156 us after the
 *    previous one, so each is caught once while the sampler keeps up:
 *    102,400 events/s to be had. Events delivered to clients per second,
 *    with what the detectors generated and dropped (a client that falls
 *    behind loses the oldest). The timing model stays on: with it off,
 *    the sampler holds the chip's I/O mutex back to back and starves the
 *    clients' request calls (seen: minutes for 16 requests on one CPU).
 *  - sample jitter while clients churn: a square wave on one line gives an
 *    event at every change; the gaps between event timestamps (sample
 *    times) show any stall of the sampler. Windows without churn alternate
 *    with windows where CHURNERS threads request, read, reconfigure and
 *    release other lines (allocation and the chip's mutex on their side);
 *    p99 and max gap of each kind, the median over windows, and the ratio
 *    churn/idle of the p99s.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/rcu.h"
#include "device/device.h"
#include "emu/emu.h"
#include "rig.h"

#define IDLE_S 3
#define FANOUT_CLIENTS 16
#define FANOUT_S 2
#define FANOUT_HZ 3200.0
#define JITTER_LINE 0
#define JITTER_HZ 1000.0
#define JITTER_WINDOWS 4
#define JITTER_WINDOW_MS 1000
#define MAX_GAPS 8192
#define CHURNERS 3
#define CHURN_PER_S 500 /* operations per churner */

static uint64_t samples(struct gpio_chip *chip)
{
	struct gpio_chip_stats st;

	gpio_chip_stats(chip, &st);
	return st.samples;
}

/* --- Idle sampling CPU ------------------------------------------------------------- */

static void idle_cpu(void)
{
	struct rig rig;
	struct line_request *r;
	uint64_t t0, c0, e0, s0, t1, c1, e1, s1;
	double pct, total;

	rig_up(&rig, 0);
	r = rig_request(rig.chip, 2, EDGES_BOTH, 16);
	sleep_us(200000);
	t0 = now_ns();
	c0 = process_cpu_ns();
	e0 = emulator_cpu_ns();
	s0 = samples(rig.chip);
	sleep_us(IDLE_S * 1000000ULL);
	t1 = now_ns();
	c1 = process_cpu_ns();
	e1 = emulator_cpu_ns();
	s1 = samples(rig.chip);
	line_request_release(r);
	rig_down(&rig);

	total = 100.0 * (double)(c1 - c0) / (double)(t1 - t0);
	pct = 100.0 * (double)((c1 - c0) - (e1 - e0)) / (double)(t1 - t0);
	printf("bench: idle_sampling_cpu_percent %.2f %%\n", pct);
	printf("bench: daemon_cpu_idle_pct %.2f %%\n", pct);
	printf("bench: idle_sampling_cpu_percent_with_emulator %.2f %%\n", total);
	printf("bench: idle_sampling_samples_per_s %.0f Hz\n",
	       (double)(s1 - s0) * 1e9 / (double)(t1 - t0));
	printf("bench: idle_sampling_cpu_ns_per_sample %.0f ns\n",
	       (double)((c1 - c0) - (e1 - e0)) / (double)(s1 - s0 ? s1 - s0 : 1));
}

/* --- Fan-out ------------------------------------------------------------------------ */

struct client {
	struct line_request *req;
	uint64_t delivered; /* ATOMIC */
	bool *stop;
};

static void *client_main(void *arg)
{
	struct client *c = arg;
	struct pollfd p = { .fd = line_request_event_fd(c->req), .events = POLLIN };
	struct gpio_v2_line_event ev[64];

	while (!__atomic_load_n(c->stop, __ATOMIC_ACQUIRE)) {
		int n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = line_request_read_events(c->req, ev, 64);
		if (n > 0)
			__atomic_add_fetch(&c->delivered, (uint64_t)n, __ATOMIC_RELAXED);
	}
	return NULL;
}

static uint64_t delivered(struct client *c)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < FANOUT_CLIENTS; i++)
		sum += __atomic_load_n(&c[i].delivered, __ATOMIC_RELAXED);
	return sum;
}

static void fanout(void)
{
	static struct client c[FANOUT_CLIENTS];
	pthread_t threads[FANOUT_CLIENTS];
	struct line_request_stats st;
	uint64_t t0, d0, c0, e0, t1, d1, c1, e1, generated = 0, dropped = 0;
	bool stop = false;
	cpu_set_t one, old;
	struct rig rig;

	/* Every thread started from here on inherits the single CPU. */
	sched_getaffinity(0, sizeof(old), &old);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	sched_setaffinity(0, sizeof(one), &one);
	rig_up(&rig, 0);
	for (unsigned i = 0; i < FANOUT_CLIENTS; i++) {
		c[i] = (struct client){ .req = rig_request(rig.chip, i, EDGES_BOTH, 1024), .stop = &stop };
		pthread_create(&threads[i], NULL, client_main, &c[i]);
		emu_chip_square_wave(rig.emu, 0, i, FANOUT_HZ);
	}
	sleep_us(200000);
	t0 = now_ns();
	d0 = delivered(c);
	c0 = process_cpu_ns();
	e0 = emulator_cpu_ns();
	sleep_us(FANOUT_S * 1000000ULL);
	t1 = now_ns();
	d1 = delivered(c);
	c1 = process_cpu_ns();
	e1 = emulator_cpu_ns();
	__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < FANOUT_CLIENTS; i++) {
		pthread_join(threads[i], NULL);
		line_request_stats(c[i].req, &st);
		generated += st.events;
		dropped += st.dropped;
		emu_chip_square_wave(rig.emu, 0, i, 0);
		line_request_release(c[i].req);
	}
	rig_down(&rig);
	sched_setaffinity(0, sizeof(old), &old);

	printf("bench: fanout_events_per_s %.0f events/s\n", (double)(d1 - d0) * 1e9 / (double)(t1 - t0));
	printf("bench: fanout_events_offered_per_s %.0f events/s\n", 2 * FANOUT_HZ * FANOUT_CLIENTS);
	printf("bench: fanout_clients %u clients\n", FANOUT_CLIENTS);
	printf("bench: fanout_cpu_percent_of_one_core %.1f %%\n",
	       100.0 * (double)((c1 - c0) - (e1 - e0)) / (double)(t1 - t0));
	printf("bench: fanout_cpu_ns_per_event %.0f ns\n",
	       (double)((c1 - c0) - (e1 - e0)) / (double)(d1 - d0 ? d1 - d0 : 1));
	printf("bench: fanout_dropped_events %" PRIu64 " events (of %" PRIu64 ")\n", dropped, generated);
}

/* --- Sample jitter while clients churn -------------------------------------------- */

struct gaps {
	struct line_request *req;
	uint64_t gap_ns[MAX_GAPS];
	uint32_t n;		/* ATOMIC: recorded in this window */
	bool reset;		/* ATOMIC: start a new window */
	bool stop;		/* ATOMIC */
};

static void *gap_client(void *arg)
{
	struct gaps *g = arg;
	struct pollfd p = { .fd = line_request_event_fd(g->req), .events = POLLIN };
	struct gpio_v2_line_event ev[64];
	uint64_t last = 0;

	while (!__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE)) {
		int n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = line_request_read_events(g->req, ev, 64);
		if (__atomic_exchange_n(&g->reset, false, __ATOMIC_ACQ_REL)) {
			__atomic_store_n(&g->n, 0, __ATOMIC_RELEASE);
			last = 0;
		}
		for (int i = 0; i < n; i++) {
			uint32_t k = __atomic_load_n(&g->n, __ATOMIC_RELAXED);

			if (last && k < MAX_GAPS) {
				g->gap_ns[k] = ev[i].timestamp_ns - last;
				__atomic_store_n(&g->n, k + 1, __ATOMIC_RELEASE);
			}
			last = ev[i].timestamp_ns;
		}
	}
	return NULL;
}

struct churner {
	struct gpio_chip *chip;
	unsigned line;
	bool *stop;
	unsigned long ops;
};

/* What a busy client does: allocate a request, read it, reconfigure it, release it. */
static void *churn_main(void *arg)
{
	struct churner *c = arg;
	uint64_t tick = now_ns(), bits;
	struct gpio_v2_line_config cfg = { .flags = FLAG(INPUT) | FLAG(EDGE_RISING) };

	while (!__atomic_load_n(c->stop, __ATOMIC_ACQUIRE)) {
		struct line_request *r = rig_request(c->chip, c->line, EDGES_BOTH, 64);

		line_request_get_values(r, 1, &bits);
		line_request_reconfigure(r, &cfg);
		line_request_release(r);
		c->ops++;
		tick += 1000000000ULL / CHURN_PER_S;
		if (tick > now_ns())
			sleep_us((tick - now_ns()) / 1000);
	}
	return NULL;
}

/* p99 and max of one window's gaps. */
static void window(struct gaps *g, uint64_t *p99, uint64_t *max)
{
	static uint64_t copy[MAX_GAPS];
	uint32_t n;

	__atomic_store_n(&g->reset, true, __ATOMIC_RELEASE);
	sleep_us(JITTER_WINDOW_MS * 1000ULL);
	n = __atomic_load_n(&g->n, __ATOMIC_ACQUIRE);
	if (n < 10)
		die("jitter: too few events", EIO);
	/* The client goes on writing after n: sort a copy. */
	memcpy(copy, g->gap_ns, n * sizeof(copy[0]));
	*p99 = percentile(copy, n, 99);
	*max = copy[n - 1];
}

static void churn_jitter(void)
{
	static struct gaps g;
	uint64_t idle_p99[JITTER_WINDOWS], idle_max[JITTER_WINDOWS];
	uint64_t churn_p99[JITTER_WINDOWS], churn_max[JITTER_WINDOWS];
	struct churner ch[CHURNERS];
	pthread_t client, threads[CHURNERS];
	unsigned long ops = 0;
	struct rig rig;
	bool stop;

	rig_up(&rig, 0);
	g.req = rig_request(rig.chip, JITTER_LINE, EDGES_BOTH, 1024);
	emu_chip_square_wave(rig.emu, 0, JITTER_LINE, JITTER_HZ);
	pthread_create(&client, NULL, gap_client, &g);
	sleep_us(200000);
	for (unsigned w = 0; w < JITTER_WINDOWS; w++) {
		window(&g, &idle_p99[w], &idle_max[w]);
		stop = false;
		for (unsigned i = 0; i < CHURNERS; i++) {
			ch[i] = (struct churner){ .chip = rig.chip, .line = 4 + i, .stop = &stop };
			pthread_create(&threads[i], NULL, churn_main, &ch[i]);
		}
		window(&g, &churn_p99[w], &churn_max[w]);
		__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
		for (unsigned i = 0; i < CHURNERS; i++) {
			pthread_join(threads[i], NULL);
			ops += ch[i].ops;
		}
	}
	__atomic_store_n(&g.stop, true, __ATOMIC_RELEASE);
	pthread_join(client, NULL);
	emu_chip_square_wave(rig.emu, 0, JITTER_LINE, 0);
	line_request_release(g.req);
	rig_down(&rig);

	printf("bench: jitter_nominal_gap_us %.0f us\n", 1e6 / JITTER_HZ / 2);
	printf("bench: jitter_gap_p99_idle_us %.0f us\n", (double)percentile(idle_p99, JITTER_WINDOWS, 50) / 1e3);
	printf("bench: jitter_gap_p99_churn_us %.0f us\n", (double)percentile(churn_p99, JITTER_WINDOWS, 50) / 1e3);
	printf("bench: jitter_gap_max_idle_us %.0f us\n", (double)percentile(idle_max, JITTER_WINDOWS, 50) / 1e3);
	printf("bench: jitter_gap_max_churn_us %.0f us\n", (double)percentile(churn_max, JITTER_WINDOWS, 50) / 1e3);
	printf("bench: jitter_churn_ops_per_s %.0f ops/s\n",
	       (double)ops / (JITTER_WINDOWS * JITTER_WINDOW_MS / 1e3));
	printf("bench: jitter_gap_p99_churn_vs_idle %.2f x\n",
	       (double)percentile(churn_p99, JITTER_WINDOWS, 50) /
		       (double)percentile(idle_p99, JITTER_WINDOWS, 50));
}

int main(void)
{
	rcu_register_thread();
	log_set_level(LOG_LEVEL_WARNING);
	idle_cpu();
	fanout();
	churn_jitter();
	rcu_unregister_thread();
	return 0;
}
