/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Deferred work after an RCU grace period: the userspace counterpart of the
 * kernel's queue_rcu_work() on a dedicated workqueue. The daemon retires
 * objects that readers may still hold (pollers, devices, subscriber lists)
 * by queueing a struct rcuwork embedded in them; the function runs later,
 * on one of the queue's own threads, where it may block (join a thread,
 * reap USB transfers, libusb_close) and finally free the object.
 *
 * Threads and locks: every queue owns one grace-period (GP) thread and
 * n_workers worker threads. rcuwork_queue() is called from any thread,
 * including libusb callbacks, inside or outside a read-side critical
 * section, and from a work function; it takes the queue's mutex for a
 * few instructions and never waits for anything else. The GP thread takes
 * everything pending in one go, calls synchronize_rcu() once for that
 * batch, then hands the batch to the workers under a second mutex (never
 * nested with the first). A worker takes its share of the ready items
 * (1/n_workers of them, at least one) under that mutex and runs them with
 * no lock held. rcuwork_drain() and rcuwork_queue_free() block; they must not be
 * called from a work function of the same queue nor inside a read-side
 * critical section (both return -EDEADLK). A work function may drain or
 * free another queue, but two queues whose work functions drain each
 * other deadlock; keep queues layered. Nothing here is RCU-protected;
 * the queue's memory is freed by rcuwork_queue_free() after its threads
 * are joined. The memory holding a struct rcuwork belongs to the caller:
 * it must stay valid from rcuwork_queue() until the work function is
 * called, which may then free it.
 *
 * Mechanism, and why not call_rcu(): liburcu 0.13's call_rcu worker sleeps
 * 10 ms before each batch, so queue-to-run would be >= 10 ms on the unplug
 * path (20 ms p99 budget) and a blocking callback would stall every other
 * call_rcu() user in the process. A per-queue GP thread gives queue-to-run
 * in tens of microseconds, exact grace-period counts and a drain scoped to
 * one queue. Consequence: rcuwork_drain() needs no rcu_barrier(), because
 * no item ever passes through call_rcu(). A caller that mixes call_rcu()
 * into the same teardown (a callback that queues rcuwork) must call
 * rcu_barrier() first and rcuwork_drain() second, in pipeline order.
 *
 * Guarantees:
 *  1. Grace period: fn runs only after every read-side critical section
 *     that was running when rcuwork_queue() was called has ended.
 *  2. Process context: fn runs on one of the queue's worker threads (never
 *     on the caller's, the GP thread or liburcu's call_rcu thread), which
 *     is registered with RCU, may take rcu_read_lock(), and may block.
 *     A blocking fn occupies one worker: it delays the items taken in
 *     the same chunk (with one worker, the queue's later items), never
 *     another queue's.
 *  3. Batching: items queued while a grace period is running share the
 *     next one.
 *  4. Drain: when rcuwork_drain() returns, every item queued on that queue
 *     before the call has returned from fn. The pending bit is cleared
 *     just before fn is called (as in the kernel), so fn may queue its own
 *     work again; such a re-queue, and any item queued after drain began,
 *     is not covered: drain again, or until stats.pending is 0.
 *  5. Destroy: rcuwork_queue_free() closes the queue (rcuwork_queue() then
 *     returns -ESHUTDOWN, also from a work function), waits for every item
 *     already queued to run, joins its threads. No fn runs after it
 *     returns.
 *
 * Synchronization table (one queue; "yes" = may run concurrently):
 *
 *                 queue  drain  stats  free
 *   queue         yes    yes    yes    yes (1)
 *   drain                yes    yes    no
 *   stats                       yes    no
 *   free                               no
 *
 * (1) rcuwork_queue() racing with rcuwork_queue_free() either returns 0,
 * and the item runs before free returns, or -ESHUTDOWN. As for any
 * destructor, no call on the queue may start once free may have returned.
 *
 * Signals: the queue's threads start with every signal blocked, whatever
 * the creator's mask, so a daemon that handles signals with signalfd (or
 * in one chosen thread) never has them delivered to these threads.
 */
#ifndef MPSSED_RCUWORK_RCUWORK_H
#define MPSSED_RCUWORK_RCUWORK_H

#include <stdint.h>

#include "common/macros.h"

#define RCUWORK_MAX_WORKERS 64

struct rcuwork;
typedef void (*rcuwork_fn)(struct rcuwork *work);

/*
 * Embed one in each object to retire and get the object back in fn with
 * container_of(). Zero-filled (calloc, memset) means idle. The fields are
 * private to rcuwork.c.
 */
struct rcuwork {
	struct rcuwork *next;
	rcuwork_fn fn;
	uint64_t seq;
	int pending; /* ATOMIC */
};

struct rcuwork_queue;

/* Counters since the queue was made; each read atomically, so at any time. */
struct rcuwork_stats {
	uint64_t queued;
	uint64_t run;		/* fn returned */
	uint64_t pending;	/* queued - run */
	uint64_t grace_periods; /* = batches */
};

/*
 * Starts a queue with its GP thread and n_workers (1..RCUWORK_MAX_WORKERS)
 * workers. Threads are named "<name>-gp" and "<name>-w<N>" (name cut to
 * fit the 15 characters Linux keeps). Returns NULL with errno EINVAL,
 * ENOMEM, or EAGAIN (thread limit). Free with rcuwork_queue_free().
 */
struct rcuwork_queue *rcuwork_queue_new(const char *name, unsigned int n_workers);

/*
 * Closes, waits for every queued item to run, joins the threads, frees.
 * Accepts NULL. Returns 0, or -EDEADLK (and does nothing) when called from
 * one of this queue's workers or inside a read-side critical section.
 * Returns int, not NULL, so that misuse is reported.
 */
int rcuwork_queue_free(struct rcuwork_queue *queue);
DEFINE_CLEANUP(struct rcuwork_queue, rcuwork_queue_free)

/*
 * Runs fn(work) on a worker after a grace period. Returns 0; -EBUSY when
 * work is already pending (queued, fn not yet called); -ESHUTDOWN when the
 * queue is being freed; -EINVAL for a NULL argument.
 */
int rcuwork_queue(struct rcuwork_queue *queue, struct rcuwork *work, rcuwork_fn fn);

/*
 * Waits until every item queued on this queue before the call has run.
 * Returns 0, -EINVAL for NULL, or -EDEADLK as rcuwork_queue_free().
 */
int rcuwork_drain(struct rcuwork_queue *queue);

/* Fills *stats; -EINVAL for a NULL argument. */
int rcuwork_queue_stats(const struct rcuwork_queue *queue, struct rcuwork_stats *stats);

#endif
