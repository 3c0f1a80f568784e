/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers for the emulator's tests: synchronous bulk transfers and vendor
 * requests on top of the asynchronous emu API, as a host would do them.
 *
 * Threads and locks: a struct waiter is filled by done() on the emulator's
 * bus thread and read by the test thread under the waiter's mutex. Every
 * wait is bounded (WAIT_MS) and reports a timeout instead of hanging.
 */
#ifndef MPSSED_TESTS_EMU_HELPERS_H
#define MPSSED_TESTS_EMU_HELPERS_H

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "emu/emu.h"

#define WAIT_MS 5000

struct waiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned done;		/* completions seen */
	unsigned by_status[5];	/* 0, ENODEV, ENOENT, ESHUTDOWN, other */
	uint64_t done_ns;	/* time of the last completion */
};

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline void waiter_init(struct waiter *w)
{
	pthread_condattr_t attr;

	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &attr);
	pthread_condattr_destroy(&attr);
}

static inline void waiter_deinit(struct waiter *w)
{
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
}

static inline unsigned status_slot(int status)
{
	switch (status) {
	case 0:
		return 0;
	case -ENODEV:
		return 1;
	case -ENOENT:
		return 2;
	case -ESHUTDOWN:
		return 3;
	default:
		return 4;
	}
}

static inline void waiter_done(struct emu_xfer *x)
{
	struct waiter *w = x->user_data;

	pthread_mutex_lock(&w->lock);
	w->done++;
	w->by_status[status_slot(x->status)]++;
	w->done_ns = now_ns();
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

/* Wait until `count` completions were seen; false after ms. */
static inline bool waiter_wait(struct waiter *w, unsigned count, int ms)
{
	uint64_t deadline = now_ns() + (uint64_t)ms * 1000000ULL;
	struct timespec ts = { (time_t)(deadline / 1000000000ULL), (long)(deadline % 1000000000ULL) };
	bool ok;

	pthread_mutex_lock(&w->lock);
	while (w->done < count && pthread_cond_timedwait(&w->cond, &w->lock, &ts) == 0)
		;
	ok = w->done >= count;
	pthread_mutex_unlock(&w->lock);
	return ok;
}

static inline unsigned waiter_count(struct waiter *w, int status)
{
	unsigned n;

	pthread_mutex_lock(&w->lock);
	n = status == 1 ? w->done : w->by_status[status_slot(status)];
	pthread_mutex_unlock(&w->lock);
	return n;
}

static inline void xfer_prep(struct emu_xfer *x, struct waiter *w, uint8_t ep, uint8_t *buf,
			     size_t len)
{
	memset(x, 0, sizeof(*x));
	x->endpoint = ep;
	x->buffer = buf;
	x->length = len;
	x->done = waiter_done;
	x->user_data = w;
}

/* One bulk transfer, waited for: its status (or -ETIMEDOUT); *actual set. */
static inline int bulk(struct emu_chip *chip, uint8_t ep, uint8_t *buf, size_t len, size_t *actual)
{
	struct waiter w;
	struct emu_xfer x;
	int r;

	waiter_init(&w);
	xfer_prep(&x, &w, ep, buf, len);
	r = emu_chip_submit(chip, &x);
	if (r == 0 && !waiter_wait(&w, 1, WAIT_MS)) {
		emu_chip_cancel(chip, &x);
		waiter_wait(&w, 1, WAIT_MS);
		r = -ETIMEDOUT;
	} else if (r == 0) {
		r = x.status;
	}
	if (actual)
		*actual = x.actual;
	waiter_deinit(&w);
	return r;
}

static inline uint8_t ep_in(unsigned intf)
{
	return (uint8_t)(0x81 + 2 * intf);
}

static inline uint8_t ep_out(unsigned intf)
{
	return (uint8_t)(0x02 + 2 * intf);
}

/* Write command bytes to interface intf. */
static inline int cmd(struct emu_chip *chip, unsigned intf, const uint8_t *bytes, size_t n)
{
	return bulk(chip, ep_out(intf), (uint8_t *)bytes, n, NULL);
}

#define CMD(chip, intf, ...)                                                           \
	({                                                                             \
		static const uint8_t _b[] = { __VA_ARGS__ };                           \
		cmd(chip, intf, _b, sizeof(_b));                                       \
	})

/*
 * Read n answer bytes from interface intf, stripping the status bytes of
 * every packet; returns the count read (less on timeout or error).
 */
static inline size_t answer(struct emu_chip *chip, unsigned intf, uint8_t *out, size_t n, int ms)
{
	uint8_t buf[2048];
	size_t got = 0;
	uint64_t deadline = now_ns() + (uint64_t)ms * 1000000ULL;

	while (got < n && now_ns() < deadline) {
		size_t actual;

		if (bulk(chip, ep_in(intf), buf, sizeof(buf), &actual) != 0)
			break;
		for (size_t p = 0; p < actual; p += 512) {
			size_t end = p + 512 < actual ? p + 512 : actual;

			for (size_t i = p + 2; i < end && got < n; i++)
				out[got++] = buf[i];
		}
	}
	return got;
}

static inline int vendor_out(struct emu_chip *chip, uint8_t req, uint16_t value, uint16_t index)
{
	struct emu_setup s = { 0x40, req, value, index, 0 };

	return emu_chip_control(chip, &s, NULL);
}

static inline int vendor_in(struct emu_chip *chip, uint8_t req, uint16_t value, uint16_t index,
			    uint8_t *data, uint16_t len)
{
	struct emu_setup s = { 0xc0, req, value, index, len };

	return emu_chip_control(chip, &s, data);
}

/* The usual attach: bitmode reset, MPSSE, purge, latency. */
static inline int mpsse_enter(struct emu_chip *chip, unsigned intf, uint8_t latency)
{
	uint16_t port = (uint16_t)(intf + 1);
	int r;

	r = vendor_out(chip, 0x0b, 0x0000, port);
	if (r == 0)
		r = vendor_out(chip, 0x0b, 0x0200, port);
	if (r == 0)
		r = vendor_out(chip, 0x00, 0, port);
	if (r == 0)
		r = vendor_out(chip, 0x09, latency, port);
	return r;
}

#endif
