// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Guarantee 4 (drain waits for exactly this queue's earlier items, and fn
 * may re-queue itself) and guarantee 5 (free closes the queue, lets every
 * queued item run, and returns only after the last one).
 */
#include <pthread.h>
#include <stdlib.h>

#include "common/rcu.h"
#include "rcuwork/rcuwork.h"
#include "../tap.h"
#include "util.h"

#define N_ITEMS 200

struct item {
	struct rcuwork work;
	unsigned int runs; /* ATOMIC */
};

static unsigned int runs(struct item *it)
{
	return __atomic_load_n(&it->runs, __ATOMIC_SEQ_CST);
}

/* Slow enough that items are still outstanding when drain or free start. */
static void slow_fn(struct rcuwork *work)
{
	pause_us(100);
	__atomic_add_fetch(&container_of(work, struct item, work)->runs, 1, __ATOMIC_SEQ_CST);
}

static bool all_ran_once(struct item *items, int n)
{
	for (int i = 0; i < n; i++)
		if (runs(&items[i]) != 1)
			return false;
	return true;
}

static void queue_items(struct rcuwork_queue *q, struct item *items, int n)
{
	for (int i = 0; i < n; i++)
		if (rcuwork_queue(q, &items[i].work, slow_fn))
			tap_bail("rcuwork_queue");
}

/* An item that blocks in fn until the test opens its gate. */
struct gated {
	struct rcuwork work;
	struct flag entered;
	struct flag gate;
	struct flag done;
};

static void gated_fn(struct rcuwork *work)
{
	struct gated *g = container_of(work, struct gated, work);

	flag_raise(&g->entered);
	flag_wait(&g->gate);
	flag_raise(&g->done);
}

/* rcuwork_drain() on its own thread, so the test can watch it wait. */
struct drainer {
	pthread_t thread;
	struct rcuwork_queue *q;
	struct gated *watched; /* may be NULL */
	bool watched_done_at_return;
	int ret;
	struct flag returned;
};

static void *drain_main(void *arg)
{
	struct drainer *d = arg;

	d->ret = rcuwork_drain(d->q);
	d->watched_done_at_return = d->watched && flag_is_raised(&d->watched->done);
	flag_raise(&d->returned);
	return NULL;
}

static void drainer_start(struct drainer *d, struct rcuwork_queue *q, struct gated *watched)
{
	*d = (struct drainer){ .q = q, .watched = watched };
	if (pthread_create(&d->thread, NULL, drain_main, d))
		tap_bail("pthread_create");
}

static void test_drain_waits(struct rcuwork_queue *q)
{
	struct item items[N_ITEMS] = { 0 };
	struct rcuwork_stats st;

	queue_items(q, items, N_ITEMS);
	tap_ok(rcuwork_drain(q) == 0 && all_ran_once(items, N_ITEMS),
	       "after drain returns, all %d items queued before it have run", N_ITEMS);
	rcuwork_queue_stats(q, &st);
	tap_ok(st.pending == 0 && st.run == st.queued, "stats agree: nothing pending");
	tap_ok(rcuwork_drain(q) == 0, "drain with nothing outstanding returns at once");
}

/*
 * Two items blocked in fn, two drains waiting for both. The newer item
 * finishing first must not release them: the older one is still in fn.
 */
static void test_drain_out_of_order(struct rcuwork_queue *q)
{
	struct gated x1 = { 0 }, x2 = { 0 };
	struct drainer d1, d2;
	bool early;

	rcuwork_queue(q, &x1.work, gated_fn);
	rcuwork_queue(q, &x2.work, gated_fn);
	if (!flag_wait(&x1.entered) || !flag_wait(&x2.entered))
		tap_bail("gated items did not start");
	drainer_start(&d1, q, &x1);
	drainer_start(&d2, q, &x1);

	flag_raise(&x2.gate);
	flag_wait(&x2.done);
	/* No condition shows that a drain is waiting; give a broken one time to return. */
	early = await_ms(flag_is_raised(&d1.returned) || flag_is_raised(&d2.returned), 20);
	tap_ok(!early, "drain keeps waiting while an older item is in fn, though a newer one finished");
	flag_raise(&x1.gate);
	tap_ok(flag_wait(&d1.returned) && flag_wait(&d2.returned) && d1.ret == 0 && d2.ret == 0,
	       "two concurrent drains both return once every item has run");
	tap_ok(d1.watched_done_at_return && d2.watched_done_at_return,
	       "neither returned before the older item was done");
	pthread_join(d1.thread, NULL);
	pthread_join(d2.thread, NULL);
}

static void test_drain_scoped(struct rcuwork_queue *q)
{
	_cleanup_(rcuwork_queue_freep) struct rcuwork_queue *other = rcuwork_queue_new("other", 1);
	struct item items[N_ITEMS] = { 0 };
	struct gated y = { 0 };
	bool returned, y_blocked;
	struct drainer d;

	if (!other)
		tap_bail("rcuwork_queue_new: %m");
	rcuwork_queue(other, &y.work, gated_fn);
	flag_wait(&y.entered);
	queue_items(q, items, N_ITEMS);
	drainer_start(&d, q, NULL);
	returned = flag_wait(&d.returned);
	y_blocked = !flag_is_raised(&y.done);
	flag_raise(&y.gate);
	tap_ok(returned && y_blocked && d.ret == 0 && all_ran_once(items, N_ITEMS),
	       "draining one queue does not wait for another queue's blocked item");
	pthread_join(d.thread, NULL);
}

#define REQUEUES 3

struct requeuer {
	struct rcuwork work;
	struct rcuwork_queue *q;
	unsigned int runs;   /* ATOMIC */
	int requeue_ret[REQUEUES];
};

static void requeue_fn(struct rcuwork *work)
{
	struct requeuer *r = container_of(work, struct requeuer, work);
	unsigned int n = __atomic_add_fetch(&r->runs, 1, __ATOMIC_SEQ_CST);

	if (n <= REQUEUES)
		r->requeue_ret[n - 1] = rcuwork_queue(r->q, work, requeue_fn);
}

static void test_requeue(struct rcuwork_queue *q)
{
	struct requeuer r = { .q = q };
	struct rcuwork_stats st;
	bool all_zero = true;

	rcuwork_queue(q, &r.work, requeue_fn);
	rcuwork_drain(q);
	tap_ok(__atomic_load_n(&r.runs, __ATOMIC_SEQ_CST) >= 1,
	       "drain covers the run queued before it");
	do {
		rcuwork_drain(q);
		rcuwork_queue_stats(q, &st);
	} while (st.pending);
	for (int i = 0; i < REQUEUES; i++)
		all_zero &= r.requeue_ret[i] == 0;
	tap_ok(all_zero && __atomic_load_n(&r.runs, __ATOMIC_SEQ_CST) == REQUEUES + 1,
	       "fn re-queues its own work (pending is clear in fn); draining until pending is 0 covers all %d runs",
	       REQUEUES + 1);
}

struct self_call {
	struct rcuwork work;
	struct rcuwork_queue *own, *other;
	int drain_own, free_own, drain_other;
};

static void self_call_fn(struct rcuwork *work)
{
	struct self_call *s = container_of(work, struct self_call, work);

	s->drain_own = rcuwork_drain(s->own);
	s->free_own = rcuwork_queue_free(s->own);
	s->drain_other = rcuwork_drain(s->other);
}

static void test_deadlock_detection(struct rcuwork_queue *q)
{
	_cleanup_(rcuwork_queue_freep) struct rcuwork_queue *other = rcuwork_queue_new("other", 1);
	struct self_call s = { .own = q, .other = other };

	if (!other)
		tap_bail("rcuwork_queue_new: %m");
	rcuwork_queue(q, &s.work, self_call_fn);
	rcuwork_drain(q);
	tap_ok(s.drain_own == -EDEADLK && s.free_own == -EDEADLK,
	       "drain and free from the queue's own fn return -EDEADLK");
	tap_ok(s.drain_other == 0, "fn may drain another queue");

	rcu_register_thread();
	rcu_read_lock();
	tap_ok(rcuwork_drain(q) == -EDEADLK && rcuwork_queue_free(q) == -EDEADLK,
	       "drain and free inside a read-side section return -EDEADLK");
	rcu_read_unlock();
	rcu_unregister_thread();
}

/*
 * An item that, once free has been called, keeps queueing (and waiting
 * for) another item until the queue refuses.
 */
struct closer {
	struct rcuwork work;
	struct rcuwork_queue *q;
	struct flag freeing;
	struct item late;
	unsigned int n_late;
	int last_ret;
};

static void closer_fn(struct rcuwork *work)
{
	struct closer *c = container_of(work, struct closer, work);

	flag_wait(&c->freeing);
	while ((c->last_ret = rcuwork_queue(c->q, &c->late.work, slow_fn)) == 0) {
		c->n_late++;
		if (!await(runs(&c->late) == c->n_late))
			break;
	}
}

static void test_free(void)
{
	struct rcuwork_queue *q = rcuwork_queue_new("free", 2);
	struct item items[N_ITEMS] = { 0 };
	struct closer c = { .q = q };

	if (!q)
		tap_bail("rcuwork_queue_new: %m");
	rcuwork_queue(q, &c.work, closer_fn);
	queue_items(q, items, N_ITEMS);
	flag_raise(&c.freeing);
	tap_ok(rcuwork_queue_free(q) == 0, "free returns 0");
	tap_ok(all_ran_once(items, N_ITEMS),
	       "every item queued before free ran before free returned");
	tap_ok(c.last_ret == -ESHUTDOWN && runs(&c.late) == c.n_late,
	       "during free, rcuwork_queue() returns -ESHUTDOWN; the %u it accepted first ran",
	       c.n_late);
	tap_ok(rcuwork_queue_free(NULL) == 0, "free accepts NULL");
}

static struct flag gp_done;

static void *gp_main(void *arg)
{
	synchronize_rcu();
	flag_raise(&gp_done);
	return arg;
}

/* A thread that exits registered makes every later grace period spin. */
static void test_unregistered(void)
{
	pthread_t t;

	pthread_create(&t, NULL, gp_main, NULL);
	if (!tap_ok(flag_wait(&gp_done),
		    "grace periods still end after queues are freed: their threads unregistered"))
		tap_bail("synchronize_rcu() does not return");
	pthread_join(t, NULL);
}

int main(void)
{
	_cleanup_(rcuwork_queue_freep) struct rcuwork_queue *q = NULL;

	tap_plan(17);
	q = rcuwork_queue_new("drain", 2);
	if (!q)
		tap_bail("rcuwork_queue_new: %m");

	test_drain_waits(q);
	test_drain_out_of_order(q);
	test_drain_scoped(q);
	test_requeue(q);
	test_deadlock_detection(q);
	test_free();
	test_unregistered();
	return tap_done();
}
