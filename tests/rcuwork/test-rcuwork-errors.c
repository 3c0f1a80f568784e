// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Misuse and failure give an error, never a crash or a leak: bad
 * arguments, a work queued twice, a thread that cannot be started (this
 * program defines pthread_create() to make the Nth call fail). And the
 * counters: exact while a reader holds the grace period back, consistent
 * when read concurrently.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>

#include "common/rcu.h"
#include "rcuwork/rcuwork.h"
#include "../tap.h"
#include "util.h"

typedef int (*pthread_create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

static int create_countdown; /* ATOMIC: the call that brings it to 0 fails */

int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
		   void *(*start)(void *), void *arg)
{
	static pthread_create_fn real;

	if (!real)
		real = (pthread_create_fn)dlsym(RTLD_NEXT, "pthread_create");
	if (__atomic_load_n(&create_countdown, __ATOMIC_SEQ_CST) > 0 &&
	    __atomic_sub_fetch(&create_countdown, 1, __ATOMIC_SEQ_CST) == 0)
		return EAGAIN;
	return real(thread, attr, start, arg);
}

static void nop_fn(struct rcuwork *work)
{
}

static void test_bad_arguments(void)
{
	struct rcuwork_queue *q = rcuwork_queue_new("args", 1);
	struct rcuwork_stats st;
	struct rcuwork w = { 0 };

	if (!q)
		tap_bail("rcuwork_queue_new: %m");
	errno = 0;
	tap_ok(!rcuwork_queue_new(NULL, 1) && errno == EINVAL, "new without a name: EINVAL");
	errno = 0;
	tap_ok(!rcuwork_queue_new("x", 0) && errno == EINVAL &&
	       !rcuwork_queue_new("x", RCUWORK_MAX_WORKERS + 1) && errno == EINVAL,
	       "new with 0 or more than %d workers: EINVAL", RCUWORK_MAX_WORKERS);
	tap_ok(rcuwork_queue(NULL, &w, nop_fn) == -EINVAL && rcuwork_queue(q, NULL, nop_fn) == -EINVAL &&
	       rcuwork_queue(q, &w, NULL) == -EINVAL,
	       "queue with a NULL queue, work or fn: -EINVAL");
	tap_ok(rcuwork_drain(NULL) == -EINVAL && rcuwork_queue_stats(NULL, &st) == -EINVAL &&
	       rcuwork_queue_stats(q, NULL) == -EINVAL,
	       "drain and stats with NULL: -EINVAL");
	rcuwork_queue_stats(q, &st);
	tap_ok(st.queued == 0 && st.run == 0 && st.grace_periods == 0,
	       "rejected calls count nothing");
	rcuwork_queue_free(q);
}

/* A reader in main holds the grace period, so the work stays pending. */
static void test_busy_and_counters(void)
{
	struct rcuwork_queue *q = rcuwork_queue_new("busy", 1);
	struct rcuwork w = { 0 };
	struct rcuwork_stats st;
	int first, second;

	if (!q)
		tap_bail("rcuwork_queue_new: %m");
	rcu_register_thread();
	rcu_read_lock();
	first = rcuwork_queue(q, &w, nop_fn);
	second = rcuwork_queue(q, &w, nop_fn);
	rcuwork_queue_stats(q, &st);
	rcu_read_unlock();
	tap_ok(first == 0 && second == -EBUSY, "queueing a work that is still pending: -EBUSY");
	tap_ok(st.queued == 1 && st.pending == 1 && st.run == 0,
	       "while pending: queued 1, pending 1, run 0");
	rcuwork_drain(q);
	rcuwork_queue_stats(q, &st);
	tap_ok(st.queued == 1 && st.pending == 0 && st.run == 1 && st.grace_periods >= 1,
	       "after drain: run 1, pending 0, grace periods %" PRIu64, st.grace_periods);
	tap_ok(rcuwork_queue(q, &w, nop_fn) == 0 && rcuwork_drain(q) == 0,
	       "the same work may be queued again once fn was called");
	rcu_unregister_thread();
	rcuwork_queue_free(q);
}

struct watcher {
	struct rcuwork_queue *q;
	struct flag stop;
	unsigned long reads; /* ATOMIC */
	unsigned long bad;
};

static void *watch_stats(void *arg)
{
	struct watcher *w = arg;
	struct rcuwork_stats prev = { 0 }, st;

	while (!flag_is_raised(&w->stop)) {
		rcuwork_queue_stats(w->q, &st);
		w->bad += st.run > st.queued || st.pending != st.queued - st.run ||
			  st.queued < prev.queued || st.run < prev.run ||
			  st.grace_periods < prev.grace_periods;
		prev = st;
		__atomic_add_fetch(&w->reads, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static void test_concurrent_stats(void)
{
	struct watcher w = { .q = rcuwork_queue_new("stats", 2) };
	struct rcuwork works[2000] = { 0 };
	pthread_t t;

	if (!w.q)
		tap_bail("rcuwork_queue_new: %m");
	pthread_create(&t, NULL, watch_stats, &w);
	if (!await(__atomic_load_n(&w.reads, __ATOMIC_SEQ_CST) > 0))
		tap_bail("the stats reader did not start");
	for (size_t i = 0; i < ARRAY_SIZE(works); i++)
		rcuwork_queue(w.q, &works[i], nop_fn);
	rcuwork_drain(w.q);
	flag_raise(&w.stop);
	pthread_join(t, NULL);
	tap_ok(w.reads > 0 && w.bad == 0,
	       "stats read during a burst are always consistent (%lu reads)", w.reads);
	rcuwork_queue_free(w.q);
}

static int count_threads(void)
{
	DIR *dir = opendir("/proc/self/task");
	int n = 0;

	if (!dir)
		tap_bail("/proc/self/task: %m");
	while (readdir(dir))
		n++;
	closedir(dir);
	return n;
}

/* The nth thread the queue starts (1 = the GP thread) cannot be created. */
static void test_thread_failure(int nth, const char *which)
{
	int before = count_threads();
	struct rcuwork_queue *q;

	__atomic_store_n(&create_countdown, nth, __ATOMIC_SEQ_CST);
	errno = 0;
	q = rcuwork_queue_new("fail", 3);
	__atomic_store_n(&create_countdown, 0, __ATOMIC_SEQ_CST);
	tap_ok(!q && errno == EAGAIN, "%s cannot start: new fails with EAGAIN", which);
	tap_ok(await(count_threads() == before),
	       "%s cannot start: the threads already started are joined", which);
}

int main(void)
{
	struct rcuwork_queue *q;

	tap_plan(15);
	test_bad_arguments();
	test_busy_and_counters();
	test_concurrent_stats();
	test_thread_failure(1, "the GP thread");
	test_thread_failure(3, "the second worker");

	q = rcuwork_queue_new("after", 3);
	tap_ok(q && rcuwork_queue_free(q) == 0, "a queue starts normally after those failures");
	return tap_done();
}
