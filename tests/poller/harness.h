/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A pretend device for the worker-list tests: a sampler the test steers
 * (pace, block at a gate as a USB read in flight would, fail once) and its
 * own record of what happened (samples, time spent in the device, stop,
 * gone and released calls), so that the tests do not rely on the module's
 * counters alone.
 *
 * Threads: the callbacks run on poller threads and on the rcuwork queue's
 * thread; everything they record is atomic or published by an atomic that
 * the test thread waits for. Every thread that calls poller_set_stats or
 * poller_set_visit must be registered with RCU (harness_init does it for
 * the main thread).
 */
#ifndef MPSSED_TESTS_POLLER_HARNESS_H
#define MPSSED_TESTS_POLLER_HARNESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "poller/worker-list.h"

struct rcuwork_queue;

/* Generous: sanitizer builds on a loaded 2-core machine are slow. */
#define WAIT_MS 10000

struct tdev {
	struct poller_set *set;
	unsigned int sample_us; /* pace of a sample that neither blocks nor fails */
	int fail_next;		/* ATOMIC: the next sample returns this */
	bool block;		/* ATOMIC: samples wait at the gate */

	pthread_mutex_t gate_lock;
	pthread_cond_t gate_cond;
	int gate_result;	/* under gate_lock: what the blocked sample returns */
	unsigned int blocked;	/* ATOMIC: samples waiting at the gate */

	/* ATOMIC: what the device saw. "In the device" = in sample() or stop(). */
	unsigned long in_device, max_in_device;
	unsigned long samples, stops, live; /* live: sampled, not yet stopped */
	unsigned long gone_calls;
	unsigned long unplugged; /* for the test: unplug() calls that returned 1 */
	unsigned long released;

	/* Written by gone(), read after gone_calls is seen. */
	int gone_err;
	int gone_enable; /* what poller_set_enable said from inside gone() */
	bool gone_on_main;

	/* Written by released(), read after released is seen. */
	struct poller_stats final;
	/*
	 * If set, released() calls it instead of counting released, and it
	 * owns d from then on. Runs on the queue's thread.
	 */
	void (*on_released)(struct tdev *d);
	void *data;
};

/* Registers the main thread with RCU, makes the queue the tests share. */
struct rcuwork_queue *harness_init(void);
void harness_fini(struct rcuwork_queue *q);

/*
 * MPSSED_STRESS_ITERATIONS, if set, replaces the default iteration count of
 * every stress loop: set it high to run longer.
 */
unsigned long stress_iterations(unsigned long dflt);

uint64_t now_ns(void);
void pause_us(unsigned int us);

/* Polls cond until it holds or ms passed; the value is the final cond. */
#define await_ms(cond, ms)                                                 \
	({                                                                 \
		uint64_t _deadline = now_ns() + (uint64_t)(ms) * 1000000u; \
		bool _ok;                                                  \
		while (!(_ok = (cond)) && now_ns() < _deadline)            \
			pause_us(50);                                      \
		_ok;                                                       \
	})
#define await(cond) await_ms(cond, WAIT_MS)

#define load(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define store(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

/* A device with a set on q; 0 or -errno. */
int tdev_new(struct tdev **out, struct rcuwork_queue *q, unsigned int sample_us);
/* Frees the device; only after released (or if the set was never made). */
void tdev_free(struct tdev *d);
/* poller_set_free, then a bounded wait for released(). */
bool tdev_close(struct tdev *d);
/* Lets blocked samples return result; later samples do not block. */
void tdev_open_gate(struct tdev *d, int result);

/* What a reader may find in a listed worker; anything else is freed memory. */
bool tworker_plausible(const struct poller_worker *w);

/* The listed workers, as a reader sees them. */
struct listing {
	unsigned long n;
	unsigned long id, samples; /* of the first one */
	bool cancelled;
	bool implausible;
};
void list_workers(struct poller_set *set, struct listing *out);
/* Whether the one listed worker completes two more samples within WAIT_MS. */
bool listed_worker_samples(struct poller_set *set);

#endif
