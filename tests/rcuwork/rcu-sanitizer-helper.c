// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Run by test-rcu-sanitizer in a fresh process (posix_spawn, so no fork
 * with liburcu threads alive): one reader holds a read-side section on an
 * object while main retires it, by one of four paths given as argv[1]:
 *
 *   sync          synchronize_rcu(), then free          (correct)
 *   rcuwork       rcuwork_queue() with a freeing fn     (correct)
 *   nogp          free at once                          (broken)
 *   rcuwork-nogp  rcuwork with the grace period skipped (broken)
 *
 * Reader and main signal each other only through relaxed atomics, which
 * order nothing for TSan: the only happens-before edge that can cover the
 * reader's accesses is the one the RCU annotations in common/rcu.h make.
 * The reader reads the object once before and once after main retired
 * it, both inside its section, so a missing grace period is a data race
 * for TSan and a use after free for ASan.
 */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/rcu.h"
#include "gp-hook.h"
#include "rcuwork/rcuwork.h"

struct obj {
	int value;
	struct rcuwork work;
};

enum { STEP_START, STEP_READ, STEP_RETIRED };

static struct obj *shared; /* RCU */
static int step;	   /* ATOMIC, relaxed only */
static int freed;	   /* ATOMIC, relaxed only */
static int sum;

static void set_step(int value)
{
	__atomic_store_n(&step, value, __ATOMIC_RELAXED);
}

static void await_step(int value)
{
	while (__atomic_load_n(&step, __ATOMIC_RELAXED) != value)
		sched_yield();
}

static void *reader_main(void *arg)
{
	struct obj *o;

	rcu_register_thread();
	rcu_read_lock();
	o = rcu_dereference(shared);
	sum += o->value;
	set_step(STEP_READ);
	await_step(STEP_RETIRED);
	sum += o->value;
	rcu_read_unlock();
	rcu_unregister_thread();
	return arg;
}

static void free_fn(struct rcuwork *work)
{
	free(container_of(work, struct obj, work));
	__atomic_store_n(&freed, 1, __ATOMIC_RELAXED);
}

/* Retires o through a queue; with broken, waits until fn has freed it. */
static int retire_rcuwork(struct obj *o, bool broken)
{
	struct rcuwork_queue *q = rcuwork_queue_new("helper", 1);

	if (!q)
		return -errno;
	gp_hook_break(broken);
	rcuwork_queue(q, &o->work, free_fn);
	while (broken && !__atomic_load_n(&freed, __ATOMIC_RELAXED))
		sched_yield();
	set_step(STEP_RETIRED);
	return rcuwork_queue_free(q);
}

static int retire(const char *mode, struct obj *o)
{
	if (strcmp(mode, "sync") == 0) {
		set_step(STEP_RETIRED);
		synchronize_rcu();
		free(o);
		return 0;
	}
	if (strcmp(mode, "nogp") == 0) {
		free(o);
		set_step(STEP_RETIRED);
		return 0;
	}
	if (strcmp(mode, "rcuwork") == 0 || strcmp(mode, "rcuwork-nogp") == 0)
		return retire_rcuwork(o, strcmp(mode, "rcuwork-nogp") == 0);
	return -EINVAL;
}

int main(int argc, char **argv)
{
	struct obj *o = calloc(1, sizeof(*o));
	pthread_t reader;
	int r;

	if (argc != 2 || !o) {
		fprintf(stderr, "usage: %s sync|rcuwork|nogp|rcuwork-nogp\n", argv[0]);
		return 2;
	}
	o->value = 42;
	rcu_assign_pointer(shared, o);
	if (pthread_create(&reader, NULL, reader_main, NULL))
		return 1;
	await_step(STEP_READ);
	rcu_assign_pointer(shared, NULL);
	r = retire(argv[1], o);
	pthread_join(reader, NULL);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	return sum == 84 ? 0 : 1;
}
