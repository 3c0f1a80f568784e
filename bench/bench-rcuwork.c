// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What rcuwork buys on the retire path. While a few poller-like readers
 * run (read-side section, then ~100 us waiting as for a USB round trip),
 * retire OBJECTS objects two ways, in the same run:
 *   baseline: unpublish, synchronize_rcu(), free, one object at a time;
 *   rcuwork:  unpublish, rcuwork_queue() a freeing fn, all of them, then
 *             one rcuwork_drain().
 * Both run ROUNDS times, alternating, and the medians are compared, so
 * that a burst of load from elsewhere on the machine skews one round, not
 * the figure. Two costs matter to a user: the time until every object is
 * freed (the speedup uses this one: queueing plus drain, the stricter
 * side for rcuwork), and the time the retiring thread itself is held
 * (printed as rcuwork_caller_ns_per_object and its own ratio).
 *
 * What is timed is retiring: the replacement objects are built before
 * the clock starts, on both sides. Each pair is also run with the
 * replacement allocated inside the loop (the _with_alloc figures): there
 * rcuwork pays extra, because its workers free on another thread and the
 * caller's calloc() then contends with them for the same malloc arena,
 * while the baseline's free/calloc pair stays in the thread's cache. Prints the speedup and the baselines it divided by, items
 * per grace period for the burst, the queue-to-run latency of single
 * items (the unplug path's figure), and the cost of one poller-like read
 * section.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/rcu.h"
#include "rcuwork/rcuwork.h"

#define OBJECTS 10000
#define ROUNDS 7
#define READERS 3
#define READER_WAIT_US 100
#define LATENCY_SAMPLES 1000
#define READ_LOOPS 20000000

struct obj {
	unsigned int a, b, c;
	struct rcuwork work;
	uint64_t queued_ns;
};

static struct obj *shared; /* RCU */
static bool stop;	   /* ATOMIC */
static volatile unsigned int sink;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct obj *obj_new(void)
{
	struct obj *o = calloc(1, sizeof(*o));

	if (!o) {
		perror("calloc");
		exit(1);
	}
	o->a = 1;
	o->b = 2;
	o->c = 3;
	return o;
}

/* The poller's shape: one short section per sample. */
static unsigned int read_section(void)
{
	unsigned int v = 0;
	struct obj *o;

	rcu_read_lock();
	o = rcu_dereference(shared);
	if (o)
		v = o->a + o->b + o->c;
	rcu_read_unlock();
	return v;
}

static void *reader_main(void *arg)
{
	const struct timespec wait = { .tv_nsec = READER_WAIT_US * 1000 };

	rcu_register_thread();
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		sink = read_section();
		nanosleep(&wait, NULL);
	}
	rcu_unregister_thread();
	return arg;
}

static void free_fn(struct rcuwork *work)
{
	free(container_of(work, struct obj, work));
}

static struct obj *fresh[OBJECTS];

/* Builds the replacements ahead of the clock, or leaves them to the loop. */
static void prepare(bool alloc_in_loop)
{
	for (int i = 0; i < OBJECTS; i++)
		fresh[i] = alloc_in_loop ? NULL : obj_new();
}

static struct obj *replacement(int i)
{
	return fresh[i] ? fresh[i] : obj_new();
}

static double retire_with_sync(bool alloc_in_loop)
{
	uint64_t t0;

	prepare(alloc_in_loop);
	t0 = now_ns();
	for (int i = 0; i < OBJECTS; i++) {
		struct obj *old = rcu_xchg_pointer(&shared, replacement(i));

		synchronize_rcu();
		free(old);
	}
	return (double)(now_ns() - t0);
}

/* Returns the total; *caller_ns is the part until the last queue returned. */
static double retire_with_rcuwork(struct rcuwork_queue *q, bool alloc_in_loop,
				  double *caller_ns)
{
	uint64_t t0;

	prepare(alloc_in_loop);
	t0 = now_ns();
	for (int i = 0; i < OBJECTS; i++) {
		struct obj *old = rcu_xchg_pointer(&shared, replacement(i));

		if (rcuwork_queue(q, &old->work, free_fn)) {
			fprintf(stderr, "rcuwork_queue failed\n");
			exit(1);
		}
	}
	*caller_ns = (double)(now_ns() - t0);
	rcuwork_drain(q);
	return (double)(now_ns() - t0);
}

static uint64_t latency_ns[LATENCY_SAMPLES];

static void latency_fn(struct rcuwork *work)
{
	struct obj *o = container_of(work, struct obj, work);
	static int n;

	latency_ns[n++] = now_ns() - o->queued_ns;
	free(o);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	return v[n / 2];
}

/* One item at a time, as on unplug: queue, then wait until it has run. */
static void measure_latency(struct rcuwork_queue *q)
{
	for (int i = 0; i < LATENCY_SAMPLES; i++) {
		struct obj *old = rcu_xchg_pointer(&shared, obj_new());

		old->queued_ns = now_ns();
		rcuwork_queue(q, &old->work, latency_fn);
		rcuwork_drain(q);
	}
	qsort(latency_ns, LATENCY_SAMPLES, sizeof(latency_ns[0]), cmp_u64);
	printf("bench: rcuwork_queue_to_run_p50_us %.1f us\n",
	       (double)latency_ns[LATENCY_SAMPLES / 2] / 1e3);
	printf("bench: rcuwork_queue_to_run_p99_us %.1f us\n",
	       (double)latency_ns[LATENCY_SAMPLES * 99 / 100] / 1e3);
}

/* Same thread, no contention: the fixed cost a poller pays per sample. */
static double measure_reader_ns(void)
{
	unsigned int v = 0;
	uint64_t t0 = now_ns();

	for (int i = 0; i < READ_LOOPS; i++)
		v += read_section();
	sink = v;
	return (double)(now_ns() - t0) / READ_LOOPS;
}

int main(void)
{
	double sync_ns[ROUNDS], rcuwork_ns[ROUNDS], caller_ns[ROUNDS], per_gp[ROUNDS];
	double sync_alloc_ns[ROUNDS], rcuwork_alloc_ns[ROUNDS], caller_alloc_ns[ROUNDS];
	struct rcuwork_stats st0, st1;
	struct rcuwork_queue *q;
	pthread_t readers[READERS];
	double sync_med, rcuwork_med, caller_med;

	rcu_register_thread();
	q = rcuwork_queue_new("bench", 2);
	if (!q) {
		perror("rcuwork_queue_new");
		return 1;
	}
	rcu_assign_pointer(shared, obj_new());
	for (int i = 0; i < READERS; i++)
		pthread_create(&readers[i], NULL, reader_main, NULL);

	for (int r = 0; r < ROUNDS; r++) {
		sync_ns[r] = retire_with_sync(false);
		rcuwork_queue_stats(q, &st0);
		rcuwork_ns[r] = retire_with_rcuwork(q, false, &caller_ns[r]);
		rcuwork_queue_stats(q, &st1);
		per_gp[r] = (double)OBJECTS / (double)(st1.grace_periods - st0.grace_periods);
		sync_alloc_ns[r] = retire_with_sync(true);
		rcuwork_alloc_ns[r] = retire_with_rcuwork(q, true, &caller_alloc_ns[r]);
	}
	measure_latency(q);

	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	for (int i = 0; i < READERS; i++)
		pthread_join(readers[i], NULL);

	sync_med = median(sync_ns, ROUNDS);
	rcuwork_med = median(rcuwork_ns, ROUNDS);
	caller_med = median(caller_ns, ROUNDS);
	printf("bench: rcuwork_sync_per_object_us %.2f us\n", sync_med / OBJECTS / 1e3);
	printf("bench: rcuwork_sync_total_ms %.1f ms\n", sync_med / 1e6);
	printf("bench: rcuwork_burst_total_ms %.2f ms\n", rcuwork_med / 1e6);
	printf("bench: rcuwork_burst_per_object_ns %.0f ns\n", rcuwork_med / OBJECTS);
	printf("bench: rcuwork_caller_ns_per_object %.0f ns\n", caller_med / OBJECTS);
	printf("bench: rcuwork_caller_speedup_vs_sync %.1f x\n", sync_med / caller_med);
	/* The headline: every object freed, not just handed off. */
	printf("bench: rcuwork_speedup_vs_sync %.1f x\n", sync_med / rcuwork_med);
	printf("bench: rcuwork_caller_ns_per_object_with_alloc %.0f ns\n",
	       median(caller_alloc_ns, ROUNDS) / OBJECTS);
	printf("bench: rcuwork_speedup_vs_sync_with_alloc %.1f x\n",
	       median(sync_alloc_ns, ROUNDS) / median(rcuwork_alloc_ns, ROUNDS));
	printf("bench: rcuwork_items_per_grace_period %.0f items\n", median(per_gp, ROUNDS));
	printf("bench: rcuwork_reader_ns %.2f ns\n", measure_reader_ns());

	free(rcu_xchg_pointer(&shared, NULL));
	rcuwork_queue_free(q);
	rcu_unregister_thread();
	return 0;
}
