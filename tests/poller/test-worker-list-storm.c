// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A bounded storm over the worker list: user threads enable, disable,
 * unplug, make samplers fail and replace ("replug") the sets of a few
 * devices at random, while a reader walks every set under RCU. Every set,
 * once released, must show the invariants the device layer relies on: one
 * sampler at a time, every worker joined and freed, every sampler stopped,
 * and exactly one teardown (gone() or an unplug that returned 1).
 * Sanitizer builds add: no use after free, no leak, no data race.
 * MPSSED_STRESS_ITERATIONS sets the operations per user thread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "common/rcu.h"
#include "poller/worker-list.h"
#include "rcuwork/rcuwork.h"
#include "../tap.h"
#include "harness.h"

#define N_SLOTS 3
#define N_USERS 4

/* One device position; replacing its set is a replug. */
struct slot {
	pthread_rwlock_t lock;	  /* read: use the set; write: replace it */
	struct tdev *dev;	  /* RCU for the reader; under lock for users */
	unsigned long generation; /* under lock */
};

struct user {
	unsigned int seed;
	unsigned long ops;
	unsigned int held[N_SLOTS];	    /* enables this thread owes to the set... */
	unsigned long generation[N_SLOTS]; /* ...of this generation */
	unsigned long errors;
};

static struct rcuwork_queue *queue;
static struct slot slots[N_SLOTS];
static bool reader_stop; /* ATOMIC */

/* ATOMIC: filled by released() on the queue's thread. */
static struct {
	unsigned long sets, workers, samples, gone_calls, unplugged;
	unsigned long bad_sampler, bad_release, bad_teardown;
} seen;

static void count(unsigned long *c, unsigned long n)
{
	__atomic_add_fetch(c, n, __ATOMIC_ACQ_REL);
}

/* The set is gone and every worker freed: check, account, free. */
static void storm_released(struct tdev *d)
{
	const struct poller_stats *f = &d->final;
	unsigned long teardowns = load(&d->gone_calls) + load(&d->unplugged);

	count(&seen.bad_sampler, f->max_samplers > 1 || load(&d->max_in_device) > 1);
	count(&seen.bad_release, f->listed || f->threads || f->freed != f->retired ||
					 load(&d->live) || load(&d->stops) > f->started);
	count(&seen.bad_teardown, teardowns != 1 || (load(&d->gone_calls) && d->gone_enable != -ENODEV));
	count(&seen.workers, f->started);
	count(&seen.samples, load(&d->samples));
	count(&seen.gone_calls, load(&d->gone_calls));
	count(&seen.unplugged, load(&d->unplugged));
	tdev_free(d);
	count(&seen.sets, 1);
}

static struct tdev *new_dev(unsigned int seed)
{
	struct tdev *d;
	int r = tdev_new(&d, queue, seed % 50);

	if (r < 0)
		tap_bail("tdev_new: %d", r);
	d->on_released = storm_released;
	return d;
}

static void unplug(struct tdev *d)
{
	if (poller_set_unplug(d->set) == 1)
		count(&d->unplugged, 1);
}

/* Caller holds the slot's write lock. */
static void replace(struct slot *s, unsigned int seed)
{
	struct tdev *old = s->dev;

	unplug(old);
	rcu_assign_pointer(s->dev, new_dev(seed));
	s->generation++;
	poller_set_free(old->set);
}

/* Caller holds the slot's read lock. */
static void use(struct user *u, struct slot *s, unsigned int k, unsigned int op)
{
	struct tdev *d = s->dev;
	int r;

	if (u->generation[k] != s->generation) {
		u->generation[k] = s->generation;
		u->held[k] = 0;
	}
	if (op < 35) {
		r = poller_set_enable(d->set);
		u->held[k] += r == 0;
		u->errors += r != 0 && r != -ENODEV;
	} else if (op < 97) {
		if (!u->held[k])
			return;
		u->errors += poller_set_disable(d->set) != 0;
		u->held[k]--;
	} else if (op < 98) {
		unplug(d);
	} else {
		store(&d->fail_next, -ENODEV);
	}
}

static void *user_thread(void *arg)
{
	struct user *u = arg;

	for (unsigned long i = 0; i < u->ops; i++) {
		unsigned int k = (unsigned int)rand_r(&u->seed) % N_SLOTS;
		unsigned int op = (unsigned int)rand_r(&u->seed) % 100;
		struct slot *s = &slots[k];

		if (op < 2) {
			pthread_rwlock_wrlock(&s->lock);
			replace(s, u->seed);
		} else {
			pthread_rwlock_rdlock(&s->lock);
			use(u, s, k, op);
		}
		pthread_rwlock_unlock(&s->lock);
		if (op % 8 == 0)
			pause_us(op);
	}
	return NULL;
}

static void check_worker(const struct poller_worker *w, void *data)
{
	if (!tworker_plausible(w))
		(*(unsigned long *)data)++;
}

static void *reader_thread(void *arg)
{
	unsigned long *bad = arg;
	struct poller_stats st;
	struct tdev *d;

	rcu_register_thread();
	while (!load(&reader_stop)) {
		for (unsigned int k = 0; k < N_SLOTS; k++) {
			rcu_read_lock();
			d = rcu_dereference(slots[k].dev);
			poller_set_visit(d->set, check_worker, bad);
			poller_set_stats(d->set, &st);
			*bad += st.listed > 1;
			rcu_read_unlock();
		}
	}
	rcu_unregister_thread();
	return NULL;
}

/*
 * After the storm: the enable count is what the users hold, and a set that
 * is not gone polls exactly when that count is not zero.
 */
static bool quiescent_ok(struct slot *s, unsigned int k, const struct user *users)
{
	struct poller_stats st;
	unsigned long held = 0;

	for (unsigned int i = 0; i < N_USERS; i++)
		if (users[i].generation[k] == s->generation)
			held += users[i].held[k];
	/*
	 * A user's last operation may have left a failure injected for the
	 * next sample: stop injecting, and let one that already fired make
	 * the set gone. A set that is not gone must still be polling.
	 */
	store(&s->dev->fail_next, 0);
	poller_set_stats(s->dev->set, &st);
	if (st.enabled != held)
		return false;
	if (st.gone || !held)
		return st.listed == 0;
	if (listed_worker_samples(s->dev->set))
		return true;
	poller_set_stats(s->dev->set, &st);
	return st.gone && st.listed == 0;
}

int main(void)
{
	unsigned long ops = stress_iterations(5000), errors = 0, made, bad_reads = 0;
	unsigned int quiet_ok = 0;
	bool released;
	struct user users[N_USERS];
	pthread_t t[N_USERS], reader;
	uint64_t t0;

	queue = harness_init();
	tap_plan(6);
	for (unsigned int k = 0; k < N_SLOTS; k++) {
		pthread_rwlock_init(&slots[k].lock, NULL);
		slots[k].dev = new_dev(k);
	}
	t0 = now_ns();
	pthread_create(&reader, NULL, reader_thread, &bad_reads);
	for (unsigned int i = 0; i < N_USERS; i++) {
		users[i] = (struct user){ .seed = i + 1, .ops = ops };
		pthread_create(&t[i], NULL, user_thread, &users[i]);
	}
	for (unsigned int i = 0; i < N_USERS; i++) {
		pthread_join(t[i], NULL);
		errors += users[i].errors;
	}
	store(&reader_stop, true);
	pthread_join(reader, NULL);
	for (unsigned int k = 0; k < N_SLOTS; k++)
		quiet_ok += quiescent_ok(&slots[k], k, users);
	for (unsigned int k = 0; k < N_SLOTS; k++) {
		unplug(slots[k].dev);
		poller_set_free(slots[k].dev->set);
	}
	/* Every replace made one set, plus the first per slot. */
	made = N_SLOTS;
	for (unsigned int k = 0; k < N_SLOTS; k++)
		made += slots[k].generation;

	released = await(load(&seen.sets) == made);
	tap_diag("%u users x %lu ops in %.2f s: %lu sets, %lu workers, %lu samples, %lu gone() calls, "
		 "%lu unplugs",
		 N_USERS, ops, (double)(now_ns() - t0) / 1e9, made, load(&seen.workers),
		 load(&seen.samples), load(&seen.gone_calls), load(&seen.unplugged));
	tap_ok(released && errors == 0,
	       "storm: every set released, every enable/disable answered as documented");
	tap_ok(load(&seen.bad_sampler) == 0, "storm: never two samplers on one device");
	tap_ok(load(&seen.bad_release) == 0, "storm: every worker joined and freed, every sampler stopped");
	tap_ok(load(&seen.bad_teardown) == 0, "storm: exactly one teardown per set");
	tap_ok(bad_reads == 0, "storm: readers never saw a freed worker nor two listed");
	tap_ok(quiet_ok == N_SLOTS,
	       "storm: afterwards, each present set polls if and only if something is enabled");
	for (unsigned int k = 0; k < N_SLOTS; k++)
		pthread_rwlock_destroy(&slots[k].lock);
	harness_fini(queue);
	return tap_done();
}
