// SPDX-License-Identifier: GPL-2.0-or-later
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/thread.h"
#include "common/rcu.h"
#include "rcuwork/rcuwork.h"

/* Singly linked FIFO: O(1) append and splice, in queueing order. */
struct fifo {
	struct rcuwork *head;
	struct rcuwork **tail;
	size_t n;
};

struct worker {
	struct rcuwork_queue *queue;
	pthread_t thread;
	bool started;
	unsigned int index;
	uint64_t running_seq; /* lowest seq of the chunk it runs, 0 when idle */
};

/* One rcuwork_drain() call, waiting on its caller's stack. */
struct drainer {
	struct drainer *next;
	uint64_t target;
	bool done;
};

/*
 * An item moves pending -> (the GP thread's batch) -> ready -> a worker,
 * each stage a FIFO fed in order from the previous one, so seqs leave
 * every stage in increasing order. Two locks that are never nested keep
 * rcuwork_queue() callers off the workers' lock: the GP thread is the
 * only thread that takes both, one after the other.
 */
struct rcuwork_queue {
	/* Queue side: rcuwork_queue() callers and the GP thread. */
	pthread_mutex_t lock;
	pthread_cond_t gp_cond; /* GP thread: something pending, or closed */
	struct fifo pending;	/* waiting for the next grace period */
	bool closed;
	bool gp_idle; /* GP thread waits on gp_cond */

	/* Run side: the GP thread, workers and drainers. */
	pthread_mutex_t run_lock;
	pthread_cond_t work_cond;  /* workers: something ready, or GP thread gone */
	pthread_cond_t drain_cond; /* drainers: some drainer is done */
	struct fifo ready;	   /* grace period over, waiting for a worker */
	uint64_t readied;	   /* seq of the last item moved to ready */
	struct drainer *drainers;
	bool gp_done; /* GP thread has moved its last batch to ready */

	bool gp_started;
	pthread_t gp_thread;
	uint64_t queued;	/* ATOMIC; also the last seq handed out */
	uint64_t run;		/* ATOMIC */
	uint64_t grace_periods; /* ATOMIC */
	char name[16];
	unsigned int n_workers;
	struct worker workers[];
};

/* The queue whose worker this thread is, for -EDEADLK. */
static __thread const struct rcuwork_queue *current_queue;

static void fifo_init(struct fifo *f)
{
	f->head = NULL;
	f->tail = &f->head;
	f->n = 0;
}

/* Moves all of src to the end of dst. */
static void fifo_splice(struct fifo *dst, struct fifo *src)
{
	if (!src->head)
		return;
	*dst->tail = src->head;
	dst->tail = src->tail;
	dst->n += src->n;
	fifo_init(src);
}

static void fifo_push(struct fifo *f, struct rcuwork *work)
{
	work->next = NULL;
	*f->tail = work;
	f->tail = &work->next;
	f->n++;
}

/* Moves the first n items (n <= src->n) of src to an empty dst. */
static void fifo_cut(struct fifo *dst, struct fifo *src, size_t n)
{
	struct rcuwork **link = &src->head;

	if (n == src->n) {
		fifo_init(dst);
		fifo_splice(dst, src);
		return;
	}
	for (size_t i = 0; i < n; i++)
		link = &(*link)->next;
	dst->head = src->head;
	dst->tail = link;
	dst->n = n;
	src->head = *link;
	src->n -= n;
	*link = NULL;
}

static struct rcuwork *fifo_last(const struct fifo *f)
{
	return container_of(f->tail, struct rcuwork, next);
}

/* Under run_lock: whether every item up to seq target has run. */
static bool drained(const struct rcuwork_queue *q, uint64_t target)
{
	if (q->readied < target || (q->ready.head && q->ready.head->seq <= target))
		return false;
	for (unsigned int i = 0; i < q->n_workers; i++) {
		uint64_t seq = q->workers[i].running_seq;

		if (seq && seq <= target)
			return false;
	}
	return true;
}

/* Under run_lock: releases every drainer whose items have all run. */
static void wake_drainers(struct rcuwork_queue *q)
{
	struct drainer **pp = &q->drainers;
	bool woke = false;

	while (*pp) {
		struct drainer *d = *pp;

		if (drained(q, d->target)) {
			d->done = true;
			*pp = d->next;
			woke = true;
		} else {
			pp = &d->next;
		}
	}
	if (woke)
		pthread_cond_broadcast(&q->drain_cond);
}

static bool must_not_block(const struct rcuwork_queue *q)
{
	return current_queue == q || rcu_read_ongoing();
}

/* Thread names show up in top -H, gdb and /proc; role is "gp" or "wN". */
static void name_thread(const struct rcuwork_queue *q, const char *role)
{
	char name[16];
	int room = (int)(sizeof(name) - 2 - strlen(role));

	snprintf(name, sizeof(name), "%.*s-%s", room, q->name, role);
	pthread_setname_np(pthread_self(), name);
}

/* Waits for pending items and takes them all; false once closed and empty. */
static bool gp_take(struct rcuwork_queue *q, struct fifo *batch)
{
	pthread_mutex_lock(&q->lock);
	while (!q->pending.head && !q->closed) {
		q->gp_idle = true;
		pthread_cond_wait(&q->gp_cond, &q->lock);
		q->gp_idle = false;
	}
	fifo_init(batch);
	fifo_splice(batch, &q->pending);
	pthread_mutex_unlock(&q->lock);
	return batch->head != NULL;
}

static void *gp_thread(void *arg)
{
	struct rcuwork_queue *q = arg;
	struct fifo batch;

	name_thread(q, "gp");
	rcu_register_thread();
	while (gp_take(q, &batch)) {
		bool one = batch.n == 1;

		synchronize_rcu();
		__atomic_add_fetch(&q->grace_periods, 1, __ATOMIC_RELAXED);
		pthread_mutex_lock(&q->run_lock);
		q->readied = fifo_last(&batch)->seq;
		fifo_splice(&q->ready, &batch);
		/* A single item needs one worker; waking the others only costs. */
		if (one)
			pthread_cond_signal(&q->work_cond);
		else
			pthread_cond_broadcast(&q->work_cond);
		pthread_mutex_unlock(&q->run_lock);
	}
	pthread_mutex_lock(&q->run_lock);
	q->gp_done = true;
	pthread_cond_broadcast(&q->work_cond);
	pthread_mutex_unlock(&q->run_lock);
	rcu_unregister_thread();
	return NULL;
}

/*
 * Under run_lock: takes this worker's share of the ready items (a 1/n_workers
 * part, at least one) into chunk, so that the lock and the wake-ups are paid
 * per chunk, not per item, while a blocking fn still delays only the items
 * of its own chunk. False once nothing more can come.
 */
static bool worker_take(struct rcuwork_queue *q, struct fifo *chunk)
{
	while (!q->ready.head) {
		if (q->gp_done)
			return false;
		pthread_cond_wait(&q->work_cond, &q->run_lock);
	}
	fifo_cut(chunk, &q->ready, (q->ready.n + q->n_workers - 1) / q->n_workers);
	return true;
}

/* No lock held. Each item belongs to its fn once its pending bit is clear. */
static void run_chunk(struct fifo *chunk)
{
	struct rcuwork *work = chunk->head, *next;

	for (; work; work = next) {
		rcuwork_fn fn = work->fn;

		/* Read before the bit clears: fn, or a re-queue, reuses next. */
		next = work->next;
		/* Items were last written on the caller's CPU: fetch the next
		 * one's line while fn runs, for its pending bit. */
		if (next)
			__builtin_prefetch(next, 1);
		__atomic_store_n(&work->pending, 0, __ATOMIC_RELEASE);
		fn(work);
	}
}

static void *worker_thread(void *arg)
{
	struct worker *w = arg;
	struct rcuwork_queue *q = w->queue;
	struct fifo chunk;
	char role[8];

	snprintf(role, sizeof(role), "w%u", w->index);
	name_thread(q, role);
	current_queue = q;
	rcu_register_thread();
	pthread_mutex_lock(&q->run_lock);
	while (worker_take(q, &chunk)) {
		/* Seqs in a chunk are consecutive: drained() needs only the lowest. */
		w->running_seq = chunk.head->seq;
		pthread_mutex_unlock(&q->run_lock);
		run_chunk(&chunk);
		pthread_mutex_lock(&q->run_lock);
		w->running_seq = 0;
		__atomic_add_fetch(&q->run, chunk.n, __ATOMIC_RELEASE);
		wake_drainers(q);
	}
	pthread_mutex_unlock(&q->run_lock);
	rcu_unregister_thread();
	return NULL;
}

/* Starts a thread with every signal blocked, whatever the caller's mask. */
static int start_thread(const struct rcuwork_queue *q, pthread_t *thread,
			void *(*fn)(void *), void *arg)
{
	int r = thread_start_unsignaled(thread, fn, arg);

	if (r)
		log_err("rcuwork %s: cannot start a thread: %s", q->name, strerror(-r));
	return r;
}

static int start_threads(struct rcuwork_queue *q)
{
	int r;

	r = start_thread(q, &q->gp_thread, gp_thread, q);
	if (r < 0)
		return r;
	q->gp_started = true;
	for (unsigned int i = 0; i < q->n_workers; i++) {
		struct worker *w = &q->workers[i];

		w->queue = q;
		w->index = i;
		r = start_thread(q, &w->thread, worker_thread, w);
		if (r < 0)
			return r;
		w->started = true;
	}
	return 0;
}

/* Closes, lets every queued item run, joins whatever threads started. */
static void destroy(struct rcuwork_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_signal(&q->gp_cond);
	pthread_mutex_unlock(&q->lock);

	/* The GP thread empties pending first; workers then empty ready. */
	if (q->gp_started)
		pthread_join(q->gp_thread, NULL);
	for (unsigned int i = 0; i < q->n_workers; i++)
		if (q->workers[i].started)
			pthread_join(q->workers[i].thread, NULL);

	pthread_cond_destroy(&q->drain_cond);
	pthread_cond_destroy(&q->work_cond);
	pthread_mutex_destroy(&q->run_lock);
	pthread_cond_destroy(&q->gp_cond);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

struct rcuwork_queue *rcuwork_queue_new(const char *name, unsigned int n_workers)
{
	struct rcuwork_queue *q;
	int r;

	if (!name || n_workers == 0 || n_workers > RCUWORK_MAX_WORKERS) {
		errno = EINVAL;
		return NULL;
	}
	q = calloc(1, sizeof(*q) + n_workers * sizeof(q->workers[0]));
	if (!q)
		return NULL;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->gp_cond, NULL);
	fifo_init(&q->pending);
	pthread_mutex_init(&q->run_lock, NULL);
	pthread_cond_init(&q->work_cond, NULL);
	pthread_cond_init(&q->drain_cond, NULL);
	fifo_init(&q->ready);
	snprintf(q->name, sizeof(q->name), "%s", name);
	q->n_workers = n_workers;

	r = start_threads(q);
	if (r < 0) {
		destroy(q);
		errno = -r;
		return NULL;
	}
	return q;
}

int rcuwork_queue_free(struct rcuwork_queue *q)
{
	if (!q)
		return 0;
	if (must_not_block(q))
		return -EDEADLK;
	destroy(q);
	return 0;
}

int rcuwork_queue(struct rcuwork_queue *q, struct rcuwork *work, rcuwork_fn fn)
{
	if (!q || !work || !fn)
		return -EINVAL;
	if (__atomic_exchange_n(&work->pending, 1, __ATOMIC_ACQUIRE))
		return -EBUSY;

	pthread_mutex_lock(&q->lock);
	if (q->closed) {
		pthread_mutex_unlock(&q->lock);
		__atomic_store_n(&work->pending, 0, __ATOMIC_RELEASE);
		return -ESHUTDOWN;
	}
	work->fn = fn;
	/* Only written under lock: a plain add, published for lock-free readers. */
	work->seq = q->queued + 1;
	__atomic_store_n(&q->queued, work->seq, __ATOMIC_RELAXED);
	fifo_push(&q->pending, work);
	if (q->gp_idle)
		pthread_cond_signal(&q->gp_cond);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

int rcuwork_drain(struct rcuwork_queue *q)
{
	struct drainer self = { 0 };

	if (!q)
		return -EINVAL;
	if (must_not_block(q))
		return -EDEADLK;

	/* Every item queued before this call has a seq up to here. */
	self.target = __atomic_load_n(&q->queued, __ATOMIC_RELAXED);
	pthread_mutex_lock(&q->run_lock);
	if (!drained(q, self.target)) {
		self.next = q->drainers;
		q->drainers = &self;
		while (!self.done)
			pthread_cond_wait(&q->drain_cond, &q->run_lock);
	}
	pthread_mutex_unlock(&q->run_lock);
	return 0;
}

int rcuwork_queue_stats(const struct rcuwork_queue *q, struct rcuwork_stats *stats)
{
	if (!q || !stats)
		return -EINVAL;
	/* run first: every item it counts was counted in queued before. */
	stats->run = __atomic_load_n(&q->run, __ATOMIC_ACQUIRE);
	stats->queued = __atomic_load_n(&q->queued, __ATOMIC_RELAXED);
	stats->pending = stats->queued - stats->run;
	stats->grace_periods = __atomic_load_n(&q->grace_periods, __ATOMIC_RELAXED);
	return 0;
}
