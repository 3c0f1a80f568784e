// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <time.h>

#include "transport/backend.h"

/* FTDI vendor requests (facts.md §2). */
#define FTDI_OUT 0x40
#define FTDI_IN 0xC0
#define FTDI_RESET 0x00
#define FTDI_RESET_SIO 0
/* Named from the chip's side (libftdi 1.5's SIO_TCOFLUSH and SIO_TCIFLUSH). */
#define FTDI_PURGE_FROM_HOST 1
#define FTDI_PURGE_TO_HOST 2
#define FTDI_SET_LATENCY 0x09
#define FTDI_SET_BITMODE 0x0B
#define FTDI_READ_PINS 0x0C

uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void transport_close(struct transport *t)
{
	if (t)
		t->ops->close(t);
}

/* --- Completion ------------------------------------------------------------ */

void completion_init(struct completion *c)
{
	pthread_condattr_t attr;

	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cond, &attr);
	pthread_condattr_destroy(&attr);
	c->done = false;
}

void completion_destroy(struct completion *c)
{
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
}

void completion_signal(struct completion *c)
{
	pthread_mutex_lock(&c->lock);
	c->done = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static struct timespec deadline_after(int timeout_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

bool completion_wait(struct completion *c, int timeout_ms)
{
	struct timespec deadline = deadline_after(timeout_ms < 0 ? 0 : timeout_ms);
	bool done;

	pthread_mutex_lock(&c->lock);
	while (!c->done) {
		if (timeout_ms < 0)
			pthread_cond_wait(&c->cond, &c->lock);
		else if (pthread_cond_timedwait(&c->cond, &c->lock, &deadline) == ETIMEDOUT)
			break;
	}
	done = c->done;
	pthread_mutex_unlock(&c->lock);
	return done;
}

/* --- Reads in flight --------------------------------------------------------- */

void read_tracker_init(struct read_tracker *tr, const struct read_tracker_ops *ops)
{
	tr->ops = ops;
	pthread_mutex_init(&tr->lock, NULL);
	pthread_cond_init(&tr->idle, NULL);
	tr->list.prev = tr->list.next = &tr->list;
	tr->callbacks = 0;
	tr->closing = false;
}

void read_tracker_destroy(struct read_tracker *tr)
{
	pthread_cond_destroy(&tr->idle);
	pthread_mutex_destroy(&tr->lock);
}

/* Called with tr->lock held. */
static void __unlink(struct pending_read *p)
{
	p->prev->next = p->next;
	p->next->prev = p->prev;
	p->prev = p->next = p;
	p->rd->priv = NULL;
}

/* Called with tr->lock held; true when the caller must free p. */
static bool __put(struct pending_read *p)
{
	return --p->refs == 0;
}

int read_tracker_add(struct read_tracker *tr, struct pending_read *p, struct transport_read *rd)
{
	int r = 0;

	p->rd = rd;
	p->refs = 1;
	p->drained = false;
	pthread_mutex_lock(&tr->lock);
	if (tr->closing) {
		r = -ESHUTDOWN;
	} else {
		p->prev = tr->list.prev;
		p->next = &tr->list;
		p->prev->next = p;
		tr->list.prev = p;
		rd->priv = p;
		tr->callbacks++;
	}
	pthread_mutex_unlock(&tr->lock);
	return r;
}

void read_tracker_undo(struct read_tracker *tr, struct pending_read *p)
{
	bool last;

	pthread_mutex_lock(&tr->lock);
	__unlink(p);
	/* A concurrent drain may hold p; then it frees it. */
	last = __put(p);
	if (--tr->callbacks == 0)
		pthread_cond_broadcast(&tr->idle);
	pthread_mutex_unlock(&tr->lock);
	if (last)
		tr->ops->free(p);
}

void read_tracker_complete(struct read_tracker *tr, struct pending_read *p, int status,
			   size_t actual)
{
	struct transport_read *rd = p->rd;
	bool last;

	rd->actual = actual;
	rd->status = status;
	rd->done_ns = monotonic_ns();
	pthread_mutex_lock(&tr->lock);
	__unlink(p);
	last = __put(p);
	pthread_mutex_unlock(&tr->lock);
	if (last)
		tr->ops->free(p);

	rd->cb(rd);

	/* The last touch of tr: close() may free it as soon as we unlock. */
	pthread_mutex_lock(&tr->lock);
	if (--tr->callbacks == 0)
		pthread_cond_broadcast(&tr->idle);
	pthread_mutex_unlock(&tr->lock);
}

/* Cancel p outside the lock while a reference keeps it alive; lock held on entry and exit. */
static int __cancel(struct read_tracker *tr, struct pending_read *p)
{
	bool last;
	int r;

	p->refs++;
	pthread_mutex_unlock(&tr->lock);
	r = tr->ops->cancel(p);
	pthread_mutex_lock(&tr->lock);
	last = __put(p);
	if (last) {
		pthread_mutex_unlock(&tr->lock);
		tr->ops->free(p);
		pthread_mutex_lock(&tr->lock);
	}
	return r;
}

int read_tracker_cancel(struct read_tracker *tr, struct transport_read *rd)
{
	struct pending_read *p;
	int r = -EALREADY;

	pthread_mutex_lock(&tr->lock);
	p = rd->priv;
	if (p)
		r = __cancel(tr, p);
	pthread_mutex_unlock(&tr->lock);
	return r;
}

/* Called with tr->lock held. */
static struct pending_read *__first_undrained(struct read_tracker *tr)
{
	for (struct pending_read *p = tr->list.next; p != &tr->list; p = p->next)
		if (!p->drained)
			return p;
	return NULL;
}

void read_tracker_drain(struct read_tracker *tr)
{
	struct pending_read *p;

	pthread_mutex_lock(&tr->lock);
	tr->closing = true;
	while ((p = __first_undrained(tr))) {
		p->drained = true;
		__cancel(tr, p);
	}
	while (tr->callbacks)
		pthread_cond_wait(&tr->idle, &tr->lock);
	pthread_mutex_unlock(&tr->lock);
}

/* --- Synchronous read ---------------------------------------------------------- */

static void raw_read_done(struct transport_read *rd)
{
	completion_signal(rd->user_data);
}

int transport_read_raw(struct transport *t, uint8_t *buf, size_t len, int timeout_ms)
{
	struct completion done;
	struct transport_read rd = {
		.buf = buf,
		.len = len,
		.cb = raw_read_done,
		.user_data = &done,
	};
	int r;

	completion_init(&done);
	r = transport_submit_read(t, &rd);
	if (r < 0)
		goto out;
	if (!completion_wait(&done, timeout_ms)) {
		transport_cancel_read(t, &rd);
		/* rd lives on this stack: never return before its callback ran. */
		completion_wait(&done, -1);
		if (rd.status == -ECANCELED)
			rd.status = -ETIMEDOUT;
	}
	r = rd.status < 0 ? rd.status : (int)rd.actual;
out:
	completion_destroy(&done);
	return r;
}

/* --- Vendor requests ------------------------------------------------------------ */

int vendor_reset(struct transport *t)
{
	return transport_control(t, FTDI_OUT, FTDI_RESET, FTDI_RESET_SIO, NULL, 0);
}

/* Pending commands first, then the answers they may already have queued. */
int vendor_purge(struct transport *t)
{
	int r = transport_control(t, FTDI_OUT, FTDI_RESET, FTDI_PURGE_FROM_HOST, NULL, 0);

	return r < 0 ? r : transport_control(t, FTDI_OUT, FTDI_RESET, FTDI_PURGE_TO_HOST, NULL, 0);
}

int vendor_set_latency(struct transport *t, uint8_t ms)
{
	return transport_control(t, FTDI_OUT, FTDI_SET_LATENCY, ms, NULL, 0);
}

int vendor_set_bitmode(struct transport *t, uint8_t mask, uint8_t mode)
{
	return transport_control(t, FTDI_OUT, FTDI_SET_BITMODE, (uint16_t)(mask | mode << 8), NULL, 0);
}

int vendor_read_pins(struct transport *t, uint8_t *pins)
{
	int r = transport_control(t, FTDI_IN, FTDI_READ_PINS, 0, pins, 1);

	if (r < 0)
		return r;
	return r == 1 ? 0 : -EIO;
}
