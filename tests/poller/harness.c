// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>

#include "common/rcu.h"
#include "rcuwork/rcuwork.h"
#include "../tap.h"
#include "harness.h"

/* Per worker: what a sampler keeps between samples. */
struct tpriv {
	uint64_t magic; /* ATOMIC: 0 until the first sample, then LIVE, then STOPPED */
	void *buf;	/* stands for a transfer buffer: LSan reports it if stop() is skipped */
};

#define TPRIV_LIVE 0x4c4956454c495645ull
#define TPRIV_STOPPED 0x53544f5050454421ull

static pthread_t main_thread;

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void pause_us(unsigned int us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

unsigned long stress_iterations(unsigned long dflt)
{
	const char *s = getenv("MPSSED_STRESS_ITERATIONS");
	unsigned long n = s ? strtoul(s, NULL, 10) : 0;

	return n ? n : dflt;
}

struct rcuwork_queue *harness_init(void)
{
	struct rcuwork_queue *q;

	main_thread = pthread_self();
	rcu_register_thread();
	/* One worker: a release that blocks the queue shows up as a timeout. */
	q = rcuwork_queue_new("poller-test", 1);
	if (!q)
		tap_bail("rcuwork_queue_new: %d", errno);
	return q;
}

void harness_fini(struct rcuwork_queue *q)
{
	rcuwork_queue_free(q);
	rcu_unregister_thread();
}

static void device_enter(struct tdev *d)
{
	unsigned long now = __atomic_add_fetch(&d->in_device, 1, __ATOMIC_ACQ_REL);
	unsigned long max = load(&d->max_in_device);

	while (now > max && !__atomic_compare_exchange_n(&d->max_in_device, &max, now, false,
							 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		;
}

static void device_leave(struct tdev *d)
{
	__atomic_sub_fetch(&d->in_device, 1, __ATOMIC_ACQ_REL);
}

/* A USB read in flight: it ends when the test says, not on cancellation. */
static int gate_wait(struct tdev *d)
{
	struct timespec deadline;
	int err = 0, result;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 3 * WAIT_MS / 1000;
	pthread_mutex_lock(&d->gate_lock);
	__atomic_add_fetch(&d->blocked, 1, __ATOMIC_ACQ_REL);
	while (load(&d->block) && err != ETIMEDOUT)
		err = pthread_cond_timedwait(&d->gate_cond, &d->gate_lock, &deadline);
	__atomic_sub_fetch(&d->blocked, 1, __ATOMIC_ACQ_REL);
	result = err ? -ETIMEDOUT : d->gate_result;
	pthread_mutex_unlock(&d->gate_lock);
	return result;
}

static void tpriv_start(struct tdev *d, struct tpriv *p)
{
	p->buf = malloc(64);
	if (!p->buf)
		tap_bail("out of memory in the sampler");
	__atomic_add_fetch(&d->live, 1, __ATOMIC_ACQ_REL);
	store(&p->magic, TPRIV_LIVE);
}

static int tdev_sample(void *ctx, struct poller_worker *w)
{
	struct tdev *d = ctx;
	struct tpriv *p = poller_worker_priv(w);
	int err, fail = __atomic_exchange_n(&d->fail_next, 0, __ATOMIC_ACQ_REL);

	device_enter(d);
	if (!load(&p->magic))
		tpriv_start(d, p);
	/* A read fails as it succeeds: after the transfer time. */
	if (load(&d->block)) {
		err = gate_wait(d);
	} else {
		pause_us(d->sample_us);
		err = fail;
	}
	__atomic_add_fetch(&d->samples, 1, __ATOMIC_ACQ_REL);
	device_leave(d);
	return err;
}

static void tdev_stop(void *ctx, struct poller_worker *w)
{
	struct tdev *d = ctx;
	struct tpriv *p = poller_worker_priv(w);

	device_enter(d);
	if (load(&p->magic) == TPRIV_LIVE) {
		free(p->buf);
		p->buf = NULL;
		__atomic_sub_fetch(&d->live, 1, __ATOMIC_ACQ_REL);
	}
	store(&p->magic, TPRIV_STOPPED);
	__atomic_add_fetch(&d->stops, 1, __ATOMIC_ACQ_REL);
	device_leave(d);
}

static void tdev_gone(void *ctx, int err)
{
	struct tdev *d = ctx;

	d->gone_err = err;
	d->gone_on_main = pthread_equal(pthread_self(), main_thread);
	/* Deadlocks (and the test times out) if the set's mutex were held. */
	d->gone_enable = poller_set_enable(d->set);
	__atomic_add_fetch(&d->gone_calls, 1, __ATOMIC_ACQ_REL);
}

static void tdev_released(void *ctx)
{
	struct tdev *d = ctx;

	poller_set_stats(d->set, &d->final);
	if (d->on_released)
		d->on_released(d);
	else
		/* Last touch: the test thread may free d as soon as it sees this. */
		__atomic_add_fetch(&d->released, 1, __ATOMIC_ACQ_REL);
}

static const struct poller_ops tdev_ops = {
	.priv_size = sizeof(struct tpriv),
	.sample = tdev_sample,
	.stop = tdev_stop,
	.gone = tdev_gone,
	.released = tdev_released,
};

int tdev_new(struct tdev **out, struct rcuwork_queue *q, unsigned int sample_us)
{
	struct tdev *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -ENOMEM;
	d->sample_us = sample_us;
	pthread_mutex_init(&d->gate_lock, NULL);
	pthread_cond_init(&d->gate_cond, NULL);
	r = poller_set_new(&d->set, "tdev", &tdev_ops, d, q);
	if (r < 0) {
		tdev_free(d);
		return r;
	}
	*out = d;
	return 0;
}

void tdev_free(struct tdev *d)
{
	pthread_cond_destroy(&d->gate_cond);
	pthread_mutex_destroy(&d->gate_lock);
	free(d);
}

bool tdev_close(struct tdev *d)
{
	poller_set_free(d->set);
	return await(load(&d->released) > 0);
}

void tdev_open_gate(struct tdev *d, int result)
{
	pthread_mutex_lock(&d->gate_lock);
	d->gate_result = result;
	store(&d->block, false);
	pthread_cond_broadcast(&d->gate_cond);
	pthread_mutex_unlock(&d->gate_lock);
}

bool tworker_plausible(const struct poller_worker *w)
{
	const struct tpriv *p = poller_worker_priv(w);
	uint64_t magic = load(&p->magic);
	unsigned long id = poller_worker_id(w);

	return id >= 1 && id < (1ul << 40) &&
	       (magic == 0 || magic == TPRIV_LIVE || magic == TPRIV_STOPPED);
}

static void list_one(const struct poller_worker *w, void *data)
{
	struct listing *l = data;

	if (!tworker_plausible(w))
		l->implausible = true;
	if (l->n++)
		return;
	l->id = poller_worker_id(w);
	l->samples = poller_worker_samples(w);
	l->cancelled = poller_worker_cancelled(w);
}

void list_workers(struct poller_set *set, struct listing *out)
{
	*out = (struct listing){ 0 };
	poller_set_visit(set, list_one, out);
}

static bool advanced(struct poller_set *set, const struct listing *before)
{
	struct listing now;

	list_workers(set, &now);
	return now.n == 1 && now.id == before->id && now.samples >= before->samples + 2;
}

bool listed_worker_samples(struct poller_set *set)
{
	struct listing before;

	list_workers(set, &before);
	return before.n == 1 && !before.cancelled && await(advanced(set, &before));
}
