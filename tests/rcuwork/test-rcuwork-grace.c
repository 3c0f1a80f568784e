// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Guarantee 1 (fn runs only after the readers of the moment are gone),
 * with a negative control proving the harness can fail, and guarantee 3
 * (back-to-back items share grace periods), counted exactly through
 * gp-hook.c.
 *
 * The object's fields are read and poisoned with relaxed atomics: in the
 * negative control the poisoning really does race with the reader, and
 * that must be a value the reader sees, not undefined behaviour. The free
 * in fn stays a plain free, so ASan reports a use after free and TSan an
 * unordered free if the grace period is ever missing.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>

#include "common/rcu.h"
#include "gp-hook.h"
#include "rcuwork/rcuwork.h"
#include "../tap.h"
#include "util.h"

#define MAGIC 0x600dcafe
#define POISON 0xdeaddead
#define N_FIELDS 4
#define N_READERS 3
#define N_STRESS 3000
#define N_BURST 10000

struct obj {
	unsigned int field[N_FIELDS]; /* ATOMIC */
	struct rcuwork work;
};

static struct obj *shared; /* RCU */
static unsigned long retired; /* ATOMIC */

static struct obj *obj_new(void)
{
	struct obj *o = calloc(1, sizeof(*o));

	if (!o)
		tap_bail("out of memory");
	for (int i = 0; i < N_FIELDS; i++)
		__atomic_store_n(&o->field[i], MAGIC, __ATOMIC_RELAXED);
	return o;
}

static bool obj_poisoned(struct obj *o)
{
	bool poisoned = false;

	for (int i = 0; i < N_FIELDS; i++)
		poisoned |= __atomic_load_n(&o->field[i], __ATOMIC_RELAXED) != MAGIC;
	return poisoned;
}

static void poison(struct rcuwork *work)
{
	struct obj *o = container_of(work, struct obj, work);

	for (int i = 0; i < N_FIELDS; i++)
		__atomic_store_n(&o->field[i], POISON, __ATOMIC_RELAXED);
	__atomic_add_fetch(&retired, 1, __ATOMIC_SEQ_CST);
}

static void poison_and_free(struct rcuwork *work)
{
	poison(work);
	free(container_of(work, struct obj, work));
}

static unsigned long n_retired(void)
{
	return __atomic_load_n(&retired, __ATOMIC_SEQ_CST);
}

/* A reader that holds one read-side section open until told to check. */
enum { HELD_START, HELD_INSIDE, HELD_CHECK, HELD_DONE };

struct held_reader {
	pthread_t thread;
	int step; /* ATOMIC */
	bool saw_poison;
};

static int held_step(struct held_reader *r)
{
	return __atomic_load_n(&r->step, __ATOMIC_SEQ_CST);
}

static void held_set(struct held_reader *r, int step)
{
	__atomic_store_n(&r->step, step, __ATOMIC_SEQ_CST);
}

static void *held_reader_main(void *arg)
{
	struct held_reader *r = arg;
	struct obj *o;

	rcu_register_thread();
	rcu_read_lock();
	o = rcu_dereference(shared);
	held_set(r, HELD_INSIDE);
	if (await(held_step(r) == HELD_CHECK))
		r->saw_poison = obj_poisoned(o);
	rcu_read_unlock();
	held_set(r, HELD_DONE);
	rcu_unregister_thread();
	return NULL;
}

/*
 * Retires an object that a reader holds, then lets the reader look at it
 * once fn has run or the GP thread is blocked in a real grace period,
 * whichever comes first. With a working grace period fn cannot have run;
 * with gp_hook_break() it has, and the reader must see the poison.
 * Returns whether the reader saw poison.
 */
static bool retire_under_reader(struct rcuwork_queue *q, bool broken)
{
	struct held_reader r = { 0 };
	struct obj *o = obj_new();
	unsigned long before = n_retired();
	bool saw;

	rcu_assign_pointer(shared, o);
	if (pthread_create(&r.thread, NULL, held_reader_main, &r))
		tap_bail("pthread_create");
	if (!await(held_step(&r) == HELD_INSIDE))
		tap_bail("reader did not start");
	rcu_assign_pointer(shared, NULL);

	gp_hook_break(broken);
	if (rcuwork_queue(q, &o->work, broken ? poison : poison_and_free))
		tap_bail("rcuwork_queue");
	if (!await(n_retired() > before || gp_hook_waiting() > 0))
		tap_bail("neither fn nor a grace period started");
	held_set(&r, HELD_CHECK);
	pthread_join(r.thread, NULL);
	saw = r.saw_poison;

	tap_ok(held_step(&r) == HELD_DONE, "%s: the reader checked the object in time",
	       broken ? "broken" : "working");
	tap_ok(rcuwork_drain(q) == 0 && n_retired() == before + 1,
	       "%s: fn ran exactly once", broken ? "broken" : "working");
	gp_hook_break(false);
	if (broken)
		free(o);
	return saw;
}

static void test_held_reader(struct rcuwork_queue *q)
{
	tap_ok(!retire_under_reader(q, false),
	       "fn does not run while a reader that saw the object is inside its section");
	tap_ok(retire_under_reader(q, true),
	       "negative control: with synchronize_rcu() skipped, the same harness sees poison");
}

struct stress {
	bool stop;		 /* ATOMIC */
	unsigned long sections;	 /* ATOMIC */
	unsigned long poisoned;	 /* ATOMIC */
};

static void *stress_reader(void *arg)
{
	struct stress *s = arg;

	rcu_register_thread();
	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		struct obj *o;

		rcu_read_lock();
		o = rcu_dereference(shared);
		if (o && obj_poisoned(o))
			__atomic_add_fetch(&s->poisoned, 1, __ATOMIC_RELAXED);
		rcu_read_unlock();
		__atomic_add_fetch(&s->sections, 1, __ATOMIC_RELAXED);
	}
	rcu_unregister_thread();
	return NULL;
}

static void test_stress(struct rcuwork_queue *q)
{
	struct stress s = { 0 };
	pthread_t readers[N_READERS];
	unsigned long before = n_retired();
	struct obj *o;

	rcu_assign_pointer(shared, obj_new());
	for (int i = 0; i < N_READERS; i++)
		if (pthread_create(&readers[i], NULL, stress_reader, &s))
			tap_bail("pthread_create");
	if (!await(__atomic_load_n(&s.sections, __ATOMIC_RELAXED) >= 100 * N_READERS))
		tap_bail("readers did not start");
	for (int i = 0; i < N_STRESS; i++) {
		o = rcu_xchg_pointer(&shared, obj_new());
		if (rcuwork_queue(q, &o->work, poison_and_free))
			tap_bail("rcuwork_queue");
	}
	o = rcu_xchg_pointer(&shared, NULL);
	if (rcuwork_queue(q, &o->work, poison_and_free))
		tap_bail("rcuwork_queue");
	rcuwork_drain(q);
	__atomic_store_n(&s.stop, true, __ATOMIC_RELAXED);
	for (int i = 0; i < N_READERS; i++)
		pthread_join(readers[i], NULL);

	tap_diag("%lu read-side sections during %d retirements", s.sections, N_STRESS + 1);
	tap_ok(s.sections > 0 && n_retired() == before + N_STRESS + 1,
	       "stress: %d objects retired under %d busy readers", N_STRESS + 1, N_READERS);
	tap_ok(s.poisoned == 0, "stress: no reader ever saw a poisoned object");
}

struct counted {
	struct rcuwork work;
	unsigned int runs; /* ATOMIC */
};

static void count_run(struct rcuwork *work)
{
	__atomic_add_fetch(&container_of(work, struct counted, work)->runs, 1, __ATOMIC_RELAXED);
}

static bool each_ran_once(const struct counted *items, int n)
{
	for (int i = 0; i < n; i++)
		if (__atomic_load_n(&items[i].runs, __ATOMIC_RELAXED) != 1)
			return false;
	return true;
}

/* Queues N_BURST items back to back, optionally under an open reader. */
static void burst(struct rcuwork_queue *q, bool hold_reader)
{
	const char *how = hold_reader ? "under an open reader" : "free-running";
	struct counted *items = calloc(N_BURST, sizeof(*items));
	struct rcuwork_stats st0, st1;
	unsigned long calls0, calls1;
	uint64_t gps;

	if (!items)
		tap_bail("out of memory");
	rcuwork_queue_stats(q, &st0);
	calls0 = gp_hook_calls();
	if (hold_reader)
		rcu_read_lock();
	for (int i = 0; i < N_BURST; i++)
		if (rcuwork_queue(q, &items[i].work, count_run))
			tap_bail("rcuwork_queue");
	if (hold_reader)
		rcu_read_unlock();
	rcuwork_drain(q);
	rcuwork_queue_stats(q, &st1);
	calls1 = gp_hook_calls();
	gps = st1.grace_periods - st0.grace_periods;

	tap_diag("%s: %d items, %" PRIu64 " grace periods", how, N_BURST, gps);
	tap_ok(each_ran_once(items, N_BURST) && st1.run - st0.run == N_BURST,
	       "%s: each of %d items ran exactly once", how, N_BURST);
	tap_ok(gps == calls1 - calls0,
	       "%s: the queue's grace-period counter matches synchronize_rcu() calls (%lu)",
	       how, calls1 - calls0);
	if (hold_reader)
		tap_ok(gps >= 1 && gps <= 2,
		       "%s: the burst shares at most 2 grace periods", how);
	else
		tap_ok(gps >= 1 && gps * 10 <= N_BURST,
		       "%s: at least 10 items per grace period", how);
	free(items);
}

int main(void)
{
	_cleanup_(rcuwork_queue_freep) struct rcuwork_queue *q = NULL;

	tap_plan(14);
	rcu_register_thread();
	q = rcuwork_queue_new("grace", 2);
	if (!q)
		tap_bail("rcuwork_queue_new: %m");

	test_held_reader(q);
	test_stress(q);
	burst(q, true);
	burst(q, false);

	rcu_unregister_thread();
	return tap_done();
}
