// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Does a device's poller stall while writers churn other devices' sets?
 * One poller samples device A every 125 us (a microframe-paced round
 * trip) and records the longest gap between two samples. Windows without
 * churn alternate with windows where a writer runs 1,000 enable/disable
 * operations per second on the sets of devices B and C (each disable
 * retires a worker through the rcuwork queue: grace period, join, free;
 * each enable starts a thread). The ratio of the longest gaps is the
 * figure: near 1 means writers never hold up a poller. Both are measured
 * in the same run, on the same machine load.
 *
 *	bench: poller_gap_under_churn_ratio <x> x
 *
 * The longest gap is one event; the 99th percentile of the gaps, idle and
 * under churn, says how often the poller is held up at all.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/rcu.h"
#include "poller/worker-list.h"
#include "rcuwork/rcuwork.h"

#define WINDOWS 3
#define WINDOW_MS 1000
#define SAMPLE_US 125
#define CHURN_PER_S 1000
/* Gaps in 1 us buckets; longer ones count in the last. */
#define GAP_BUCKETS 20000

enum phase { PHASE_IDLE, PHASE_CHURN, PHASES };

struct gap_hist {
	unsigned long count[GAP_BUCKETS]; /* ATOMIC each */
};

struct dev {
	struct poller_set *set;
	enum phase phase;	      /* ATOMIC: which histogram gaps go to */
	struct gap_hist gaps[PHASES];
	uint64_t last_ns, max_gap_ns; /* ATOMIC */
	unsigned long samples;	      /* ATOMIC */
	bool released;		      /* ATOMIC */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void gap_record(struct dev *d, uint64_t gap_ns)
{
	uint64_t us = gap_ns / 1000;
	enum phase p = __atomic_load_n(&d->phase, __ATOMIC_RELAXED);

	__atomic_add_fetch(&d->gaps[p].count[us < GAP_BUCKETS ? us : GAP_BUCKETS - 1], 1,
			   __ATOMIC_RELAXED);
}

/* The gap that 99% of the gaps do not exceed, in us (the upper edge of its bucket). */
static double gap_p99_us(const struct gap_hist *h)
{
	unsigned long total = 0, seen = 0;

	for (unsigned i = 0; i < GAP_BUCKETS; i++)
		total += __atomic_load_n(&h->count[i], __ATOMIC_RELAXED);
	for (unsigned i = 0; i < GAP_BUCKETS; i++) {
		seen += __atomic_load_n(&h->count[i], __ATOMIC_RELAXED);
		if (total && seen * 100 >= total * 99)
			return i + 1.0;
	}
	return 0;
}

static void print_gap_p99(const struct dev *d)
{
	printf("bench: poller_gap_p99_idle_us %.0f us\n", gap_p99_us(&d->gaps[PHASE_IDLE]));
	printf("bench: poller_gap_p99_churn_us %.0f us\n", gap_p99_us(&d->gaps[PHASE_CHURN]));
}

static int dev_sample(void *ctx, struct poller_worker *w)
{
	struct dev *d = ctx;
	uint64_t now = now_ns(), last = __atomic_exchange_n(&d->last_ns, now, __ATOMIC_RELAXED);

	if (last && now - last > __atomic_load_n(&d->max_gap_ns, __ATOMIC_RELAXED))
		__atomic_store_n(&d->max_gap_ns, now - last, __ATOMIC_RELAXED);
	if (last)
		gap_record(d, now - last);
	__atomic_add_fetch(&d->samples, 1, __ATOMIC_RELAXED);
	sleep_until(now + SAMPLE_US * 1000);
	return 0;
}

static void dev_gone(void *ctx, int err)
{
	fprintf(stderr, "bench-poller: a sampler failed: %d\n", err);
	exit(1);
}

static void dev_released(void *ctx)
{
	struct dev *d = ctx;

	__atomic_store_n(&d->released, true, __ATOMIC_RELEASE);
}

static const struct poller_ops dev_ops = {
	.sample = dev_sample,
	.gone = dev_gone,
	.released = dev_released,
};

static void dev_init(struct dev *d, const char *name, struct rcuwork_queue *q)
{
	int r = poller_set_new(&d->set, name, &dev_ops, d, q);

	if (r < 0) {
		fprintf(stderr, "bench-poller: poller_set_new: %d\n", r);
		exit(1);
	}
}

/* Longest gap on a over one window; the first gap of a window is not its own. */
static uint64_t window_gap(struct dev *a, enum phase phase)
{
	__atomic_store_n(&a->phase, phase, __ATOMIC_RELAXED);
	__atomic_store_n(&a->last_ns, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&a->max_gap_ns, 0, __ATOMIC_RELAXED);
	sleep_until(now_ns() + WINDOW_MS * 1000000ull);
	return __atomic_load_n(&a->max_gap_ns, __ATOMIC_RELAXED);
}

struct churn {
	struct dev *others;
	bool stop; /* ATOMIC */
	unsigned long ops;
	uint64_t op_ns;
};

/*
 * One writer operation per millisecond: enable B, disable B, enable C,
 * disable C... It stops after a disable, so idle windows poll A alone.
 */
static void *churn_thread(void *arg)
{
	struct churn *c = arg;
	uint64_t tick = now_ns(), t0;

	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED) || c->ops % 2) {
		struct poller_set *set = c->others[(c->ops / 2) % 2].set;

		t0 = now_ns();
		if (c->ops % 2 ? poller_set_disable(set) : poller_set_enable(set)) {
			fprintf(stderr, "bench-poller: enable/disable failed\n");
			exit(1);
		}
		c->op_ns += now_ns() - t0;
		c->ops++;
		tick += 1000000000u / CHURN_PER_S;
		sleep_until(tick);
	}
	return NULL;
}

static void wait_released(struct dev *d)
{
	uint64_t deadline = now_ns() + 10000000000ull;

	while (!__atomic_load_n(&d->released, __ATOMIC_ACQUIRE) && now_ns() < deadline)
		sleep_until(now_ns() + 1000000);
}

int main(void)
{
	struct rcuwork_queue *q = rcuwork_queue_new("bench-poller", 1);
	static struct dev a, others[2];
	uint64_t idle = 0, busy = 0, churn_ns = 0, gap, t0;
	struct churn c = { .others = others };
	pthread_t t;

	if (!q) {
		perror("bench-poller: rcuwork_queue_new");
		return 1;
	}
	dev_init(&a, "A", q);
	dev_init(&others[0], "B", q);
	dev_init(&others[1], "C", q);
	if (poller_set_enable(a.set) < 0)
		return 1;
	for (int i = 0; i < WINDOWS; i++) {
		gap = window_gap(&a, PHASE_IDLE);
		idle = gap > idle ? gap : idle;

		c.stop = false;
		t0 = now_ns();
		pthread_create(&t, NULL, churn_thread, &c);
		gap = window_gap(&a, PHASE_CHURN);
		busy = gap > busy ? gap : busy;
		__atomic_store_n(&c.stop, true, __ATOMIC_RELAXED);
		pthread_join(t, NULL);
		churn_ns += now_ns() - t0;
	}
	printf("bench: poller_gap_max_idle_us %.1f us\n", (double)idle / 1e3);
	printf("bench: poller_gap_max_churn_us %.1f us\n", (double)busy / 1e3);
	print_gap_p99(&a);
	printf("bench: poller_churn_ops_per_s %.0f ops/s\n", (double)c.ops / ((double)churn_ns / 1e9));
	printf("bench: poller_enable_disable_op_us %.1f us\n", (double)c.op_ns / 1e3 / (double)c.ops);
	printf("bench: poller_samples_per_s %.0f samples/s\n",
	       (double)a.samples / (2.0 * WINDOWS * WINDOW_MS / 1e3));
	printf("bench: poller_gap_under_churn_ratio %.2f x\n", (double)busy / (double)idle);

	poller_set_free(a.set);
	poller_set_free(others[0].set);
	poller_set_free(others[1].set);
	wait_released(&a);
	wait_released(&others[0]);
	wait_released(&others[1]);
	return rcuwork_queue_free(q) < 0;
}
