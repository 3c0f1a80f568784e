// SPDX-License-Identifier: GPL-2.0-or-later
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "common/rcu.h"
#include "common/log.h"
#include "common/thread.h"
#include "poller/worker-list.h"
#include "rcuwork/rcuwork.h"

/*
 * Freed workers are overwritten with this, so that a reader that skipped
 * the grace period finds garbage rather than plausible data, also in
 * builds without ASan.
 */
#define WORKER_POISON 0x6b

struct poller_worker {
	struct cds_list_head node; /* in set->workers; RCU */
	struct poller_set *set;
	unsigned long id;
	pthread_t thread;
	bool started;		 /* set under set->lock before the release is queued */
	bool cancelled;		 /* ATOMIC */
	unsigned long samples;	 /* ATOMIC */
	struct rcuwork release;
	max_align_t priv[];
};

struct poller_set {
	const struct poller_ops *ops;
	void *ctx;
	struct rcuwork_queue *queue;

	pthread_mutex_t lock;	       /* writers: workers, enabled, gone, next_id */
	struct cds_list_head workers;  /* RCU; at most one entry */
	unsigned long enabled;	       /* under lock; ATOMIC for stats */
	bool gone;		       /* under lock; ATOMIC for stats */
	unsigned long next_id;	       /* under lock */

	/* The sampling slot: only workers take slot_lock. */
	pthread_mutex_t slot_lock;
	pthread_cond_t slot_free;
	struct poller_worker *sampler; /* under slot_lock */

	unsigned long refs; /* ATOMIC: the owner's, plus one per unfreed worker */
	struct {
		unsigned long started, retired, freed, threads;
		unsigned long samplers, max_samplers;
	} count; /* ATOMIC */

	struct rcuwork release;
	char name[];
};

static void count_inc(unsigned long *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

static void count_dec(unsigned long *c)
{
	__atomic_sub_fetch(c, 1, __ATOMIC_RELAXED);
}

static unsigned long count_get(const unsigned long *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static void set_release(struct rcuwork *work)
{
	struct poller_set *set = container_of(work, struct poller_set, release);

	set->ops->released(set->ctx);
	pthread_cond_destroy(&set->slot_free);
	pthread_mutex_destroy(&set->slot_lock);
	pthread_mutex_destroy(&set->lock);
	free(set);
}

static void set_put(struct poller_set *set)
{
	int r;

	if (__atomic_sub_fetch(&set->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	/*
	 * Readers may still hold the set through the device they looked up
	 * before it was unlinked: free it only after a grace period that
	 * began after its last reference went.
	 */
	r = rcuwork_queue(set->queue, &set->release, set_release);
	if (r < 0)
		log_err("poller %s: cannot queue the set's release (%s); leaking it",
			set->name, strerror(-r));
}

/* Runs on a thread of the rcuwork queue, after a grace period. */
static void worker_release(struct rcuwork *work)
{
	struct poller_worker *w = container_of(work, struct poller_worker, release);
	struct poller_set *set = w->set;

	if (w->started)
		pthread_join(w->thread, NULL);
	memset(w, WORKER_POISON, sizeof(*w) + set->ops->priv_size);
	free(w);
	count_inc(&set->count.freed);
	set_put(set);
}

/* Caller holds set->lock. Never blocks: the release runs later. */
static void __worker_retire(struct poller_worker *w)
{
	struct poller_set *set = w->set;
	int r;

	__atomic_store_n(&w->cancelled, true, __ATOMIC_RELEASE);
	cds_list_del_rcu(&w->node);
	count_inc(&set->count.retired);
	r = rcuwork_queue(set->queue, &w->release, worker_release);
	if (r < 0)
		/* Only if the queue was closed under a live set: a leak beats a use after free. */
		log_err("poller %s: cannot queue the release of worker %lu (%s); leaking it",
			set->name, w->id, strerror(-r));
}

static void __set_retire_all(struct poller_set *set)
{
	struct poller_worker *w, *tmp;

	/* _safe: retiring unlinks the cursor (the first finding on seed 002). */
	cds_list_for_each_entry_safe(w, tmp, &set->workers, node)
		__worker_retire(w);
}

/* Returns true if this call made the set gone. */
static bool __set_unplug(struct poller_set *set)
{
	if (set->gone)
		return false;
	__atomic_store_n(&set->gone, true, __ATOMIC_RELAXED);
	__set_retire_all(set);
	return true;
}

/*
 * Wait until no other worker holds the slot. A cancelled worker gives up
 * instead: its successor may hold the slot for as long as the device is
 * polled, and a queue thread is waiting to join this one.
 */
static bool slot_take(struct poller_worker *w)
{
	struct poller_set *set = w->set;
	bool ok;

	pthread_mutex_lock(&set->slot_lock);
	while (set->sampler && !poller_worker_cancelled(w))
		pthread_cond_wait(&set->slot_free, &set->slot_lock);
	ok = !poller_worker_cancelled(w);
	if (ok)
		set->sampler = w;
	pthread_mutex_unlock(&set->slot_lock);
	return ok;
}

static void slot_give(struct poller_set *set)
{
	pthread_mutex_lock(&set->slot_lock);
	set->sampler = NULL;
	pthread_cond_broadcast(&set->slot_free);
	pthread_mutex_unlock(&set->slot_lock);
}

static void samplers_enter(struct poller_set *set)
{
	unsigned long now = __atomic_add_fetch(&set->count.samplers, 1, __ATOMIC_RELAXED);
	unsigned long max = count_get(&set->count.max_samplers);

	while (now > max && !__atomic_compare_exchange_n(&set->count.max_samplers, &max, now, true,
							 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* Caller holds the slot. Returns the sampler's error, or 0 once cancelled. */
static int worker_sample_loop(struct poller_worker *w)
{
	struct poller_set *set = w->set;
	int err = 0;

	while (!err && !poller_worker_cancelled(w)) {
		samplers_enter(set);
		err = set->ops->sample(set->ctx, w);
		count_dec(&set->count.samplers);
		if (!err)
			count_inc(&w->samples);
	}
	return err;
}

/* The sampler failed: the device is unusable, whoever else noticed. */
static void worker_report(struct poller_worker *w, int err)
{
	struct poller_set *set = w->set;
	bool first;

	if (err == -ENODEV)
		log_debug("poller %s: device gone", set->name);
	else
		log_err("poller %s: sampling failed: %s", set->name, strerror(-err));

	pthread_mutex_lock(&set->lock);
	first = __set_unplug(set);
	pthread_mutex_unlock(&set->lock);
	if (first)
		set->ops->gone(set->ctx, err);
}

static void *worker_main(void *arg)
{
	struct poller_worker *w = arg;
	struct poller_set *set = w->set;
	int err = 0;

	/* For the sampler, which reads the line configuration under RCU. */
	rcu_register_thread();
	if (slot_take(w)) {
		err = worker_sample_loop(w);
		if (set->ops->stop)
			set->ops->stop(set->ctx, w);
		slot_give(set);
	}
	if (err < 0)
		worker_report(w, err);
	rcu_unregister_thread();
	/* Last touch of w or set: the release joins this thread before it frees them. */
	count_dec(&set->count.threads);
	return NULL;
}

/* Caller holds set->lock. */
static int __set_start_worker(struct poller_set *set)
{
	struct poller_worker *w;
	int r;

	w = calloc(1, sizeof(*w) + set->ops->priv_size);
	if (!w)
		return -ENOMEM;
	w->set = set;
	w->id = ++set->next_id;
	__atomic_add_fetch(&set->refs, 1, __ATOMIC_RELAXED);
	/*
	 * Listed before its thread exists, and both under the lock that
	 * unplug takes: no thread ever runs that unplug could miss (the
	 * second finding on seed 002).
	 */
	cds_list_add_rcu(&w->node, &set->workers);
	count_inc(&set->count.threads);
	r = thread_start_unsignaled(&w->thread, worker_main, w);
	if (r < 0) {
		count_dec(&set->count.threads);
		/* Readers may have seen it: free it after a grace period like any other. */
		__worker_retire(w);
		return r;
	}
	w->started = true;
	count_inc(&set->count.started);
	return 0;
}

int poller_set_enable(struct poller_set *set)
{
	int r = 0;

	pthread_mutex_lock(&set->lock);
	if (set->gone)
		r = -ENODEV;
	else if (set->enabled == 0)
		r = __set_start_worker(set);
	/* Counted only once someone polls (the fourth finding on seed 002). */
	if (r == 0)
		__atomic_store_n(&set->enabled, set->enabled + 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&set->lock);
	return r;
}

int poller_set_disable(struct poller_set *set)
{
	int r = 0;

	pthread_mutex_lock(&set->lock);
	if (set->enabled == 0) {
		r = -EALREADY;
	} else {
		__atomic_store_n(&set->enabled, set->enabled - 1, __ATOMIC_RELAXED);
		/*
		 * Retire now, not "when the worker notices": a fast enable
		 * then lists a fresh worker instead of counting on one that
		 * is about to exit (the third finding on seed 002).
		 */
		if (set->enabled == 0)
			__set_retire_all(set);
	}
	pthread_mutex_unlock(&set->lock);
	return r;
}

int poller_set_unplug(struct poller_set *set)
{
	bool first;

	pthread_mutex_lock(&set->lock);
	first = __set_unplug(set);
	pthread_mutex_unlock(&set->lock);
	return first ? 1 : 0;
}

int poller_set_new(struct poller_set **out, const char *name, const struct poller_ops *ops,
		   void *ctx, struct rcuwork_queue *queue)
{
	struct poller_set *set;
	size_t len = strlen(name) + 1;

	if (!ops->sample || !ops->gone || !ops->released || !queue)
		return -EINVAL;
	set = calloc(1, sizeof(*set) + len);
	if (!set)
		return -ENOMEM;
	set->ops = ops;
	set->ctx = ctx;
	set->queue = queue;
	pthread_mutex_init(&set->lock, NULL);
	pthread_mutex_init(&set->slot_lock, NULL);
	pthread_cond_init(&set->slot_free, NULL);
	CDS_INIT_LIST_HEAD(&set->workers);
	set->refs = 1;
	memcpy(set->name, name, len);
	*out = set;
	return 0;
}

struct poller_set *poller_set_free(struct poller_set *set)
{
	if (!set)
		return NULL;
	poller_set_unplug(set);
	set_put(set);
	return NULL;
}

void poller_set_visit(struct poller_set *set, poller_visit_fn fn, void *data)
{
	struct poller_worker *w;

	rcu_read_lock();
	cds_list_for_each_entry_rcu(w, &set->workers, node)
		fn(w, data);
	rcu_read_unlock();
}

static void count_listed(const struct poller_worker *w, void *data)
{
	(*(unsigned long *)data)++;
}

void poller_set_stats(struct poller_set *set, struct poller_stats *out)
{
	*out = (struct poller_stats){
		.started = count_get(&set->count.started),
		.retired = count_get(&set->count.retired),
		.freed = count_get(&set->count.freed),
		.threads = count_get(&set->count.threads),
		.max_samplers = count_get(&set->count.max_samplers),
		.enabled = __atomic_load_n(&set->enabled, __ATOMIC_RELAXED),
		.gone = __atomic_load_n(&set->gone, __ATOMIC_RELAXED),
	};
	poller_set_visit(set, count_listed, &out->listed);
}

bool poller_worker_cancelled(const struct poller_worker *w)
{
	return __atomic_load_n(&w->cancelled, __ATOMIC_ACQUIRE);
}

unsigned long poller_worker_id(const struct poller_worker *w)
{
	return w->id;
}

unsigned long poller_worker_samples(const struct poller_worker *w)
{
	return count_get(&w->samples);
}

void *poller_worker_priv(const struct poller_worker *w)
{
	return (void *)w->priv;
}
