// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The single-poller worker list: what the device layer relies on, then one
 * regression test per bug that review found in the kernel gpio-mpsse
 * driver's worker list (seed 002, facts.md §5). Each one says how it fails
 * on the buggy variant. Stress loops run MPSSED_STRESS_ITERATIONS times
 * when that is set.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "common/rcu.h"
#include "poller/worker-list.h"
#include "rcuwork/rcuwork.h"
#include "../tap.h"
#include "fault.h"
#include "harness.h"

static struct rcuwork_queue *queue;

static struct tdev *new_dev(unsigned int sample_us)
{
	struct tdev *d;
	int r = tdev_new(&d, queue, sample_us);

	if (r < 0)
		tap_bail("tdev_new: %d", r);
	return d;
}

/* What the last close_dev() saw of its device before freeing it. */
static struct {
	struct poller_stats final;
	unsigned long gone_calls, max_in_device, live;
} closed;

/*
 * Frees the set, waits for released(), frees the device. True when it
 * came, with every worker joined and freed and every sampler stopped.
 * Without released() the device is leaked: a worker may still use it.
 */
static bool close_dev(struct tdev *d)
{
	if (!tdev_close(d))
		return false;
	closed.final = d->final;
	closed.gone_calls = load(&d->gone_calls);
	closed.max_in_device = load(&d->max_in_device);
	closed.live = load(&d->live);
	tdev_free(d);
	return closed.final.listed == 0 && closed.final.threads == 0 &&
	       closed.final.freed == closed.final.retired && closed.live == 0;
}

static unsigned long listed(struct poller_set *set)
{
	struct listing l;

	list_workers(set, &l);
	return l.n;
}

static void test_enable_disable(void)
{
	struct tdev *d = new_dev(50);
	struct poller_stats st;
	bool ok;

	ok = poller_set_enable(d->set) == 0;
	tap_ok(ok && listed_worker_samples(d->set), "enable lists one worker, and it samples");

	ok = poller_set_enable(d->set) == 0 && poller_set_disable(d->set) == 0;
	poller_set_stats(d->set, &st);
	tap_ok(ok && st.started == 1 && st.enabled == 1 && listed_worker_samples(d->set),
	       "enable is counted: a second enable and one disable keep the same worker");

	ok = poller_set_disable(d->set) == 0;
	tap_ok(ok && listed(d->set) == 0 && await(load(&d->stops) == 1 && load(&d->live) == 0),
	       "the last disable unlists the worker, and its sampler stops");
	tap_ok(poller_set_disable(d->set) == -EALREADY, "disable with nothing enabled: -EALREADY");

	tap_ok(close_dev(d) && closed.final.started == 1 && closed.final.max_samplers == 1,
	       "free: released() once every worker is joined and freed");
}

static void test_unplug(void)
{
	struct tdev *d = new_dev(50);
	bool ok;

	ok = poller_set_enable(d->set) == 0 && poller_set_unplug(d->set) == 1;
	tap_ok(ok && listed(d->set) == 0, "unplug unlists the worker");
	tap_ok(poller_set_enable(d->set) == -ENODEV, "enable after unplug: -ENODEV");
	tap_ok(poller_set_unplug(d->set) == 0, "unplug again: 0, it was gone already");
	tap_ok(poller_set_disable(d->set) == 0 && poller_set_disable(d->set) == -EALREADY,
	       "disable after unplug balances the count");
	ok = close_dev(d);
	tap_ok(ok && closed.gone_calls == 0, "an external unplug does not call gone()");
}

/*
 * 1. Iterating the list while freeing the cursor (seed 002, first review
 * finding: the teardown freed each worker while list_for_each_entry still
 * had to read its next pointer). A reader walks the list and reads every
 * worker without pause while the writer retires workers (disable, unplug)
 * and replaces whole sets. A variant that frees a worker or a set before a
 * grace period, or frees its cursor, makes the reader touch freed memory:
 * ASan reports heap-use-after-free; without ASan the reader finds the
 * poison the release writes (tworker_plausible fails) or crashes on a
 * poisoned next pointer.
 */
static struct tdev *walk_dev; /* RCU */
static bool walk_stop;	      /* ATOMIC */

struct walk {
	unsigned long walks, seen, bad;
};

static void walk_check(const struct poller_worker *w, void *data)
{
	struct walk *r = data;

	r->seen++;
	if (!tworker_plausible(w))
		r->bad++;
}

static void *walker(void *arg)
{
	struct walk *r = arg;
	struct poller_stats st;
	struct tdev *d;

	rcu_register_thread();
	while (!load(&walk_stop)) {
		rcu_read_lock();
		d = rcu_dereference(walk_dev);
		if (d) {
			poller_set_visit(d->set, walk_check, r);
			poller_set_stats(d->set, &st);
			if (st.listed > 1)
				r->bad++;
		}
		rcu_read_unlock();
		r->walks++;
	}
	rcu_unregister_thread();
	return NULL;
}

/*
 * Odd cycles drain the queue before unpublishing the set, so that its last
 * reference goes in poller_set_free rather than in a worker's release:
 * then only the set's own grace period keeps it for the readers.
 */
static bool walk_cycle(unsigned long cycle)
{
	struct tdev *d = new_dev(10);
	bool ok = true;

	rcu_assign_pointer(walk_dev, d);
	for (int i = 0; i < 4 && ok; i++)
		ok = poller_set_enable(d->set) == 0 && poller_set_disable(d->set) == 0;
	ok = ok && poller_set_enable(d->set) == 0 && poller_set_unplug(d->set) == 1;
	if (cycle % 2)
		ok = ok && rcuwork_drain(queue) == 0;
	rcu_assign_pointer(walk_dev, NULL);
	return close_dev(d) && ok;
}

static void test_list_walk_frees_cursor(void)
{
	unsigned long n = stress_iterations(200), i;
	struct walk r = { 0 };
	pthread_t t;
	bool ok = true;

	/* One reader: a second one on two cores only starves the writer. */
	pthread_create(&t, NULL, walker, &r);
	for (i = 0; i < n && ok; i++)
		ok = walk_cycle(i);
	store(&walk_stop, true);
	pthread_join(t, NULL);
	tap_diag("%lu sets, %lu workers retired; the reader walked %lu times, read %lu workers", i,
		 i * 5, r.walks, r.seen);
	tap_ok(ok && r.bad == 0 && r.seen > 0,
	       "list_walk_frees_cursor: readers never see a freed worker while workers retire");
}

/*
 * 2. A worker started before it is listed (facts.md §5: the merged fix
 * schedules the work, then adds it to the list). A disconnect that runs in
 * between finds an empty list, and the worker polls a device that is gone.
 * Here enable and unplug race from two threads; after both returned and
 * the queue drained, no poller thread of the set may exist and none may be
 * listed. A variant that starts the thread outside the lock unplug takes,
 * or lists after unplug looked, leaves stats.threads or stats.listed at 1.
 */
struct race {
	pthread_barrier_t start, done;
	struct tdev *d;
	int enable_ret;
	bool stop;
};

static void *race_enabler(void *arg)
{
	struct race *r = arg;

	for (;;) {
		pthread_barrier_wait(&r->start);
		if (r->stop)
			return NULL;
		r->enable_ret = poller_set_enable(r->d->set);
		pthread_barrier_wait(&r->done);
	}
}

static void test_worker_started_before_listed(void)
{
	unsigned long n = stress_iterations(300), won = 0, bad = 0, i;
	struct tdev **devs = calloc(n, sizeof(*devs));
	struct race r = { .d = NULL };
	struct poller_stats st;
	pthread_t t;
	bool ok = true;

	if (!devs)
		tap_bail("out of memory");
	pthread_barrier_init(&r.start, NULL, 2);
	pthread_barrier_init(&r.done, NULL, 2);
	pthread_create(&t, NULL, race_enabler, &r);
	for (i = 0; i < n; i++) {
		devs[i] = r.d = new_dev(10);
		pthread_barrier_wait(&r.start);
		poller_set_unplug(r.d->set);
		pthread_barrier_wait(&r.done);
		won += r.enable_ret == 0;
		if ((r.enable_ret != 0 && r.enable_ret != -ENODEV) || listed(r.d->set) != 0)
			bad++;
	}
	r.stop = true;
	pthread_barrier_wait(&r.start);
	pthread_join(t, NULL);

	ok = rcuwork_drain(queue) == 0;
	for (i = 0; i < n; i++) {
		poller_set_stats(devs[i]->set, &st);
		if (st.threads || st.listed || load(&devs[i]->live))
			bad++;
	}
	tap_diag("%lu races, enable first in %lu", n, won);
	/* A surviving poller keeps its set: don't wait WAIT_MS for each. */
	if (!tap_ok(ok && bad == 0, "worker_started_before_listed: no poller thread survives unplug"))
		n = 0;
	for (i = 0; i < n; i++)
		ok = close_dev(devs[i]) && ok;
	tap_ok(ok && n, "every raced set is released");
	pthread_barrier_destroy(&r.start);
	pthread_barrier_destroy(&r.done);
	free(devs);
}

/*
 * 3. A fast disable then enable leaves edges enabled with nobody polling
 * (facts.md §5): in the kernel, disable only flagged the worker, which
 * exited later, while enable saw "already enabled" or reused a work item
 * still running. Threads hammer enable/disable; at each quiescent point
 * the count must match and, if anything is enabled, exactly one listed,
 * uncancelled worker must be sampling, with every older sampler stopped.
 * A variant where disable only flags, or enable trusts a worker on its way
 * out, fails with no listed worker, a cancelled one, or samples that do
 * not advance.
 */
struct hammer {
	struct poller_set *set;
	unsigned long ops;
	unsigned int seed;
	unsigned int held;
	bool drop_all;
	unsigned long errors;
};

static void *hammer(void *arg)
{
	struct hammer *h = arg;

	for (unsigned long i = 0; i < h->ops; i++) {
		bool up = h->held == 0 || (h->held < 3 && rand_r(&h->seed) % 2);

		if (up && poller_set_enable(h->set) == 0)
			h->held++;
		else if (!up && poller_set_disable(h->set) == 0)
			h->held--;
		else
			h->errors++;
	}
	for (; h->drop_all && h->held; h->held--)
		h->errors += poller_set_disable(h->set) != 0;
	return NULL;
}

/* One round; true when the quiescent state is right. */
static bool hammer_round(struct tdev *d, unsigned long ops, unsigned int round)
{
	struct hammer h[3];
	pthread_t t[3];
	struct poller_stats st;
	unsigned long held = 0, errors = 0;

	for (unsigned int k = 0; k < 3; k++) {
		h[k] = (struct hammer){ .set = d->set, .ops = ops, .seed = round * 3 + k,
					.drop_all = round % 2 };
		pthread_create(&t[k], NULL, hammer, &h[k]);
	}
	for (unsigned int k = 0; k < 3; k++) {
		pthread_join(t[k], NULL);
		held += h[k].held;
		errors += h[k].errors;
	}
	poller_set_stats(d->set, &st);
	if (errors || st.enabled != held)
		return false;
	if (!held)
		return listed(d->set) == 0 && await(load(&d->live) == 0);
	if (!listed_worker_samples(d->set) || !await(load(&d->live) == 1))
		return false;
	for (; held; held--)
		poller_set_disable(d->set);
	return true;
}

static void test_fast_disable_enable_leaves_no_poller(void)
{
	unsigned long ops = stress_iterations(300);
	struct tdev *d = new_dev(20);
	unsigned int round, rounds = 10;
	bool ok = true;

	for (round = 0; round < rounds && ok; round++)
		ok = hammer_round(d, ops, round);
	if (!ok)
		tap_diag("round %u went wrong", round - 1);
	tap_ok(ok, "fast_disable_enable_leaves_no_poller: enabled <=> one live worker sampling");
	tap_ok(close_dev(d) && closed.final.max_samplers == 1 && closed.max_in_device == 1,
	       "hammered set: one sampler at a time, everything freed");
}

/*
 * 4. An allocation failure leaves "enabled" set with no poller (facts.md
 * §5: the kernel set its enabled bit, then returned quietly when kzalloc
 * failed). Here the worker's calloc, and then its thread's creation, fail
 * on demand: enable must report it, count nothing and list nothing, and a
 * later enable must work. A variant that counts before allocating leaves
 * stats.enabled at 1, and the next enable then starts no worker.
 */
static void test_allocation_failure_leaves_enabled(void)
{
	struct tdev *d = new_dev(20);
	struct poller_stats st;
	int r;

	fault_fail_next_calloc();
	r = poller_set_enable(d->set);
	poller_set_stats(d->set, &st);
	tap_ok(r == -ENOMEM && st.enabled == 0 && st.listed == 0 && st.started == 0,
	       "allocation_failure_leaves_enabled: enable says -ENOMEM, nothing counted");
	tap_ok(poller_set_enable(d->set) == 0 && listed_worker_samples(d->set),
	       "after -ENOMEM, enable starts a sampling worker");
	poller_set_disable(d->set);
	if (!await((poller_set_stats(d->set, &st), st.threads == 0)))
		tap_bail("the disabled worker's thread never exited");

	fault_fail_next_thread(EAGAIN);
	r = poller_set_enable(d->set);
	poller_set_stats(d->set, &st);
	tap_ok(r == -EAGAIN && st.enabled == 0 && st.listed == 0 && st.threads == 0,
	       "thread creation failure: enable says -EAGAIN, nothing counted or listed");
	tap_ok(poller_set_enable(d->set) == 0 && listed_worker_samples(d->set),
	       "after -EAGAIN, enable starts a sampling worker");
	poller_set_disable(d->set);

	/* The worker whose thread never started is freed like the others. */
	tap_ok(close_dev(d) && closed.final.started == 2 && closed.final.freed == 3,
	       "the worker without a thread is freed too");
}

/*
 * 5. Never two samplers. The kernel relied on the newest worker tearing
 * the others down (and on a mutex_trylock that let it skip that). Under
 * enable/disable churn from three threads and an unplug in the middle of
 * it, repeated over several "replugged" sets, the device must never see
 * two samplers (counted by the pretend device itself, sample() and stop()
 * included). A variant where a new worker starts sampling without waiting
 * for its cancelled predecessor's sample (100 us here) to end sees 2.
 */
struct churn {
	struct poller_set *set;
	unsigned long ops;
	unsigned int seed;
	unsigned long *progress; /* ATOMIC, shared */
};

static void *churner(void *arg)
{
	struct churn *c = arg;

	for (unsigned long i = 0; i < c->ops; i++) {
		__atomic_add_fetch(c->progress, 1, __ATOMIC_ACQ_REL);
		if (poller_set_enable(c->set) == 0) {
			pause_us(rand_r(&c->seed) % 100);
			poller_set_disable(c->set);
		}
		pause_us(rand_r(&c->seed) % 200);
	}
	return NULL;
}

static bool churn_phase(unsigned long ops, unsigned int phase, unsigned long *workers)
{
	struct tdev *d = new_dev(100);
	unsigned long progress = 0;
	struct churn c[3];
	pthread_t t[3];
	bool ok;

	for (unsigned int k = 0; k < 3; k++) {
		c[k] = (struct churn){ .set = d->set, .ops = ops, .seed = phase * 3 + k,
				       .progress = &progress };
		pthread_create(&t[k], NULL, churner, &c[k]);
	}
	/* Unplug halfway through the churn. */
	ok = await(load(&progress) >= 3 * ops / 2);
	poller_set_unplug(d->set);
	for (unsigned int k = 0; k < 3; k++)
		pthread_join(t[k], NULL);
	ok = close_dev(d) && ok;
	*workers += closed.final.started;
	return ok && closed.final.max_samplers == 1 && closed.max_in_device == 1;
}

static void test_never_two_samplers(void)
{
	unsigned long ops = stress_iterations(100), workers = 0;
	unsigned int phase, phases = 8;
	bool ok = true;

	for (phase = 0; phase < phases && ok; phase++)
		ok = churn_phase(ops, phase, &workers);
	tap_diag("%u sets, %lu workers", phase, workers);
	tap_ok(ok, "never_two_samplers: at most one sample() or stop() at a time under churn");
}

/*
 * 6. Unplug during a sample (the crash behind CVE-2025-71158: the device
 * went away under a running poller). The sample blocks as a USB read in
 * flight does. Unplug must return without waiting for it, the set must not
 * be released while the sample runs, and once the read ends (with -ENODEV,
 * or normally) the worker must stop and be freed; ASan and LSan check the
 * memory. A variant that joins under the mutex hangs unplug (the time
 * check fails); one that frees without joining is a use after free.
 */
static struct tdev *blocked_dev(void)
{
	struct tdev *d = new_dev(0);

	store(&d->block, true);
	if (poller_set_enable(d->set) < 0 || !await(load(&d->blocked) == 1))
		tap_bail("the sampler never blocked");
	return d;
}

struct unplugger {
	struct poller_set *set;
	int r;
	uint64_t took_ns;
	bool done; /* ATOMIC */
};

static void *unplug_and_free(void *arg)
{
	struct unplugger *u = arg;
	uint64_t t0 = now_ns();

	u->r = poller_set_unplug(u->set);
	poller_set_free(u->set);
	u->took_ns = now_ns() - t0;
	store(&u->done, true);
	return NULL;
}

static void test_unplug_during_sample(int read_result, const char *how)
{
	struct tdev *d = blocked_dev();
	struct unplugger u = { .set = d->set };
	pthread_t t;
	bool ok;

	/* On another thread, so that an unplug stuck behind the sample fails rather than hangs. */
	pthread_create(&t, NULL, unplug_and_free, &u);
	ok = await_ms(load(&u.done), 1000);
	if (!tap_ok(ok && u.r == 1, "unplug_during_sample (%s): unplug and free return at once", how))
		tap_bail("unplug waits for the sample in progress");
	pthread_join(t, NULL);
	tap_diag("unplug + free took %.3f ms with a sample in progress", (double)u.took_ns / 1e6);
	pause_us(20000); /* a non-event: nothing to await */
	tap_ok(load(&d->blocked) == 1 && load(&d->released) == 0,
	       "unplug_during_sample (%s): the set is not released while the sample runs", how);
	tdev_open_gate(d, read_result);
	tap_ok(await(load(&d->released) == 1) && load(&d->stops) == 1 && load(&d->live) == 0 &&
		       load(&d->gone_calls) == 0 && d->final.freed == 1,
	       "unplug_during_sample (%s): the worker stops once its read ends, then is freed", how);
	tdev_free(d);
}

static void test_sampler_fails(void)
{
	struct tdev *d = blocked_dev();

	tdev_open_gate(d, -EIO);
	tap_ok(await(load(&d->gone_calls) == 1) && d->gone_err == -EIO && !d->gone_on_main &&
		       d->gone_enable == -ENODEV,
	       "a failed sample: gone(-EIO) on the poller thread, without the mutex, set gone");
	tap_ok(poller_set_unplug(d->set) == 0 && listed(d->set) == 0,
	       "after gone(), unplug finds the set gone already");
	tap_ok(close_dev(d) && closed.gone_calls == 1, "the failed set is released");
}

/*
 * 7. A sampler that finds the device gone and an external unplug (hotplug
 * LEFT) at the same moment: teardown must happen exactly once, counted as
 * gone() calls plus unplug() calls that returned 1. A variant that
 * notifies from each path without deciding under one lock tears down twice
 * (or never, if each path assumes the other will).
 */
static void spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		;
}

struct gone_race {
	pthread_barrier_t start, done;
	struct tdev *d;
	bool stop;
};

static void *gone_racer(void *arg)
{
	struct gone_race *g = arg;

	for (;;) {
		pthread_barrier_wait(&g->start);
		if (g->stop)
			return NULL;
		store(&g->d->fail_next, -ENODEV);
		pthread_barrier_wait(&g->done);
	}
}

static void test_gone_and_unplug_race(void)
{
	unsigned long n = stress_iterations(200), by_gone = 0, by_unplug = 0, bad = 0;
	struct gone_race g = { .d = NULL };
	pthread_t t;
	int r;

	pthread_barrier_init(&g.start, NULL, 2);
	pthread_barrier_init(&g.done, NULL, 2);
	pthread_create(&t, NULL, gone_racer, &g);
	for (unsigned long i = 0; i < n; i++) {
		struct tdev *d = g.d = new_dev(2);

		if (poller_set_enable(d->set) < 0 || !await(load(&d->samples) > 0))
			tap_bail("no sample");
		pthread_barrier_wait(&g.start);
		spin_ns(i % 64 * 5000); /* let either path win */
		r = poller_set_unplug(d->set);
		pthread_barrier_wait(&g.done);
		if (!tdev_close(d))
			tap_bail("set not released");
		by_gone += load(&d->gone_calls);
		by_unplug += r == 1;
		if (load(&d->gone_calls) + (r == 1) != 1 ||
		    (load(&d->gone_calls) && d->gone_enable != -ENODEV))
			bad++;
		tdev_free(d);
	}
	g.stop = true;
	pthread_barrier_wait(&g.start);
	pthread_join(t, NULL);
	pthread_barrier_destroy(&g.start);
	pthread_barrier_destroy(&g.done);
	tap_diag("%lu races: the sampler noticed first %lu times, unplug %lu times", n, by_gone,
		 by_unplug);
	tap_ok(bad == 0, "gone_and_unplug_race: teardown exactly once per set");
}

int main(void)
{
	queue = harness_init();
	tap_plan(31);
	test_enable_disable();
	test_unplug();
	test_list_walk_frees_cursor();
	test_worker_started_before_listed();
	test_fast_disable_enable_leaves_no_poller();
	test_allocation_failure_leaves_enabled();
	test_never_two_samplers();
	test_unplug_during_sample(-ENODEV, "read fails with -ENODEV");
	test_unplug_during_sample(0, "read completes, worker sees cancellation");
	test_sampler_fails();
	test_gone_and_unplug_race();
	harness_fini(queue);
	return tap_done();
}
