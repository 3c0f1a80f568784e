/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The single-poller worker list: per device, the set of threads that sample
 * its pins. MPSSE has no interrupts, so edges exist only while a poller
 * samples; this module decides when one runs and guarantees that at most
 * one samples a device at any instant, that none outlives the device, and
 * that none is freed while anything can still see it. What a sample is
 * (USB reads, edge detection) comes from the caller's struct poller_ops.
 *
 * Threads and locks:
 *  - Writers (poller_set_enable/disable/unplug/free, and a worker whose
 *    sampler failed) hold the set's mutex for bookkeeping only: list
 *    changes, counts, flags, queueing a release, and starting a thread
 *    (pthread_create: tens of microseconds, waits for no other thread; it
 *    runs under the mutex so that a thread exists only while its worker
 *    is listed or retired). Nothing under it joins, waits for a grace
 *    period, calls back into the caller or does USB I/O. The set's mutex
 *    and the slot's (below) are never held together, and no callback runs
 *    with either held.
 *  - Readers (poller_set_visit, poller_set_stats) walk the RCU list inside
 *    a read-side section and never block. They must be registered RCU
 *    threads (common/rcu.h).
 *  - Sampling: a worker thread takes the set's sampling slot (a mutex
 *    and a holder that only workers touch) before its first sample and
 *    gives it back after its sampler has stopped. A worker is cancelled
 *    before its successor is even created; it checks cancellation when it
 *    takes the slot (a cancelled one gives up rather than wait) and before
 *    each sample. So a retired worker finishes at most its current sample
 *    and stops before the next one may start: at most one worker samples
 *    a device at any instant, by construction rather than by timing.
 *  - Retiring a worker: mark it cancelled, unlink it (cds_list_del_rcu),
 *    hand it to the rcuwork queue, all under the set's mutex. After a grace
 *    period a thread of that queue joins the worker's thread (waiting, at
 *    worst, for the sample in progress), frees it and drops the worker's
 *    reference on the set. A worker's memory (and its private area)
 *    therefore lives until every reader that could see it has left its
 *    read-side section and its thread has exited.
 *  - The set holds one reference for its owner (dropped by
 *    poller_set_free) and one per worker not yet freed. The last one queues
 *    the set's own release: after another grace period, ops->released(ctx)
 *    runs on a thread of the rcuwork queue and the set is freed. That is
 *    the point after which no poller thread of this set exists and the
 *    device may close its transport.
 *
 * The rcuwork queue must outlive every set that uses it.
 */
#ifndef MPSSED_POLLER_WORKER_LIST_H
#define MPSSED_POLLER_WORKER_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "common/macros.h"

struct poller_set;
struct poller_worker;
struct rcuwork_queue;

/*
 * What a poller does. Every callback gets the ctx given to poller_set_new.
 * ctx must stay valid until released() has been called.
 */
struct poller_ops {
	/*
	 * Bytes of zeroed private memory allocated with each worker (see
	 * poller_worker_priv): the sampler's per-worker state, e.g. the
	 * previous sample (a new worker's first sample is a baseline) and
	 * its reads in flight.
	 */
	size_t priv_size;
	/*
	 * Take one sample. Runs on the worker's thread, never concurrently
	 * with any other sample() or stop() of the same set. May block (a
	 * USB round trip) and may loop over several reads in flight, but
	 * must check poller_worker_cancelled() at least once per sample and
	 * return soon after it turns true. Returns 0 to go on (also when it
	 * stopped early because of cancellation), -ENODEV when the device is
	 * gone, or another -errno for a failure it could not recover from.
	 * Any error stops the worker and unplugs the set (see gone()).
	 * Required.
	 */
	int (*sample)(void *ctx, struct poller_worker *w);
	/*
	 * The worker has taken its last sample: cancel and reap its reads in
	 * flight and release what its private area holds. Still exclusive,
	 * like sample(): the next worker cannot start before this returns.
	 * Called once by every worker that got the sampling slot (it may have
	 * been cancelled before its first sample; a worker cancelled before
	 * it got the slot never touched the device and skips this).
	 * Optional.
	 */
	void (*stop)(void *ctx, struct poller_worker *w);
	/*
	 * A sampler failed with err and the set was not gone yet: it is gone
	 * now. Called once per set at most, on the failing worker's thread,
	 * without the set's mutex: it may call poller_set_* functions, but
	 * must not wait for released() (that worker holds a reference) nor
	 * block for long (a queue thread may be joining it). Exactly one of
	 * "gone() was called" and "poller_set_unplug() returned 1" happens
	 * per set, so the device layer tears down once. Required.
	 */
	void (*gone)(void *ctx, int err);
	/*
	 * Every worker of the set has been joined and freed, and the set is
	 * being freed: no poller thread of it exists any more. Runs once, on
	 * a thread of the rcuwork queue, after poller_set_free; the set may
	 * still be read (poller_set_stats) during the call, not after.
	 * Required.
	 */
	void (*released)(void *ctx);
};

struct poller_stats {
	unsigned long started;	    /* worker threads started */
	unsigned long retired;	    /* workers cancelled and unlinked */
	unsigned long freed;	    /* workers joined and freed */
	unsigned long listed;	    /* workers on the list now */
	unsigned long threads;	    /* worker threads that have not exited */
	unsigned long max_samplers; /* most sample() calls ever running at once */
	unsigned long enabled;	    /* enable count */
	bool gone;
};

/*
 * Make a set for one device. ops and ctx are borrowed until released();
 * name (copied) appears in log lines. Returns 0 and *out, -EINVAL for
 * missing required callbacks, or -ENOMEM.
 */
int poller_set_new(struct poller_set **out, const char *name, const struct poller_ops *ops,
		   void *ctx, struct rcuwork_queue *queue);

/*
 * Unplug the set (as poller_set_unplug) and drop the owner's reference.
 * Never blocks: the memory goes later, and ops->released() says when.
 * Accepts NULL; returns NULL.
 */
struct poller_set *poller_set_free(struct poller_set *set);
DEFINE_CLEANUP(struct poller_set, poller_set_free)

/*
 * Count one user of edge detection. The first one lists a new worker and
 * starts its thread. Each successful call needs one poller_set_disable().
 * Returns 0, -ENODEV when the set is gone, -ENOMEM or -EAGAIN when the
 * worker or its thread could not be made (the count is then unchanged and
 * nothing polls).
 */
int poller_set_enable(struct poller_set *set);

/*
 * Drop one user; the last one retires the worker. Never waits for it.
 * Returns 0, or -EALREADY (and changes nothing) when nothing is enabled.
 * Works on a gone set too, so callers keep their counts balanced.
 */
int poller_set_disable(struct poller_set *set);

/*
 * The device is gone: no new worker (enable fails with -ENODEV), and every
 * listed worker is retired. Does not wait for a sample in progress.
 * Idempotent: returns 1 if this call made the set gone, 0 if it already
 * was (see ops->gone for the other path).
 */
int poller_set_unplug(struct poller_set *set);

/*
 * Counters, each read on its own (not a snapshot). A reader: never blocks;
 * the calling thread must be registered with RCU.
 */
void poller_set_stats(struct poller_set *set, struct poller_stats *out);

/*
 * Call fn for every listed worker, in a read-side section: fn must not
 * block, and w is valid only during the call. Never blocks; the calling
 * thread must be registered with RCU.
 */
typedef void (*poller_visit_fn)(const struct poller_worker *w, void *data);
void poller_set_visit(struct poller_set *set, poller_visit_fn fn, void *data);

/* For samplers and visitors. */
bool poller_worker_cancelled(const struct poller_worker *w);
/* Per set, from 1, in creation order. */
unsigned long poller_worker_id(const struct poller_worker *w);
/* Samples this worker has completed. */
unsigned long poller_worker_samples(const struct poller_worker *w);
/*
 * ops->priv_size bytes, zeroed at creation, aligned for any type. Written
 * by sample() and stop() only; visitors may read it.
 */
void *poller_worker_priv(const struct poller_worker *w);

#endif
