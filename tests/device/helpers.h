/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers for the device layer's tests: building uAPI requests, bounded
 * waits on eventfds and conditions, reading events with a deadline.
 *
 * Threads: every helper runs on the calling thread; threads that call
 * core_find_chip() register with RCU themselves (the helpers do not).
 * Every wait is bounded and reports a timeout instead of hanging.
 */
#ifndef MPSSED_TESTS_DEVICE_HELPERS_H
#define MPSSED_TESTS_DEVICE_HELPERS_H

#include <errno.h>
#include <linux/gpio.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "device/device.h"
#include "emu/emu.h"

#define FLAG(x) GPIO_V2_LINE_FLAG_##x
#define EDGE_BOTH (FLAG(EDGE_RISING) | FLAG(EDGE_FALLING))
/* Generous: sanitizer builds on a loaded machine. */
#define WAIT_MS 5000

static inline uint64_t t_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline void t_sleep_us(uint64_t us)
{
	struct timespec ts = { .tv_sec = (time_t)(us / 1000000), .tv_nsec = (long)(us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/* Poll until cond is true or ms pass; evaluates to cond's last value. */
#define WAIT_FOR(cond, ms)                                                        \
	({                                                                        \
		uint64_t _end = t_now_ns() + (uint64_t)(ms) * 1000000ULL;         \
		bool _ok;                                                         \
		while (!(_ok = (cond)) && t_now_ns() < _end)                      \
			t_sleep_us(200);                                          \
		_ok;                                                              \
	})

static inline bool t_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* A request for n lines with the same flags (output lines start at 0). */
static inline void t_request(struct gpio_v2_line_request *req, const unsigned *offsets, unsigned n,
			     uint64_t flags, const char *consumer)
{
	memset(req, 0, sizeof(*req));
	for (unsigned i = 0; i < n; i++)
		req->offsets[i] = offsets[i];
	req->num_lines = n;
	req->config.flags = flags;
	strncpy(req->consumer, consumer, sizeof(req->consumer) - 1);
}

/* Add an attribute to a request's config. */
static inline void t_attr(struct gpio_v2_line_config *c, uint64_t mask,
			  const struct gpio_v2_line_attribute *a)
{
	c->attrs[c->num_attrs].attr = *a;
	c->attrs[c->num_attrs].mask = mask;
	c->num_attrs++;
}

/*
 * Read up to n events, waiting on the request's eventfd until n arrived
 * or ms passed. Returns the count, or -errno from the first read that
 * failed with nothing read before it.
 */
static inline int t_read_events(struct line_request *req, struct gpio_v2_line_event *buf,
				unsigned n, int ms)
{
	uint64_t end = t_now_ns() + (uint64_t)ms * 1000000ULL;
	unsigned got = 0;

	while (got < n) {
		int r = line_request_read_events(req, buf + got, n - got);
		int64_t left = (int64_t)(end - t_now_ns()) / 1000000;

		if (r < 0)
			return got ? (int)got : r;
		got += (unsigned)r;
		if (got == n || left <= 0)
			break;
		if (!r)
			t_readable(line_request_event_fd(req), (int)left);
	}
	return (int)got;
}

/* Drop whatever events are queued now. */
static inline void t_drain_events(struct line_request *req)
{
	struct gpio_v2_line_event ev[64];

	while (line_request_read_events(req, ev, 64) > 0)
		;
}

/* The chip's stats by value, for conditions in WAIT_FOR(). */
static inline struct gpio_chip_stats t_stats(struct gpio_chip *chip)
{
	struct gpio_chip_stats st;

	gpio_chip_stats(chip, &st);
	return st;
}

/* One line with flags, driven to value if an output; 1024 events of queue. */
static inline int t_request_line(struct gpio_chip *chip, unsigned line, uint64_t flags, bool value,
				 bool persist, struct line_request **out)
{
	const unsigned offsets[] = { line };
	const struct gpio_v2_line_attribute v = { .id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES,
						  .values = value };
	const struct line_request_options opts = { .persist = persist };
	struct gpio_v2_line_request ureq;

	t_request(&ureq, offsets, 1, flags, persist ? "persistent" : "plain");
	ureq.event_buffer_size = 1024;
	if (value)
		t_attr(&ureq.config, 1, &v);
	return gpio_chip_request_lines(chip, &ureq, &opts, out);
}

/* Every unplug's teardown has released the binding. */
static inline bool t_released_all(struct gpio_chip *chip)
{
	struct gpio_chip_stats st = t_stats(chip);

	return st.releases == st.unplugs;
}

/* The poller samples: more than the batch a retired worker may still finish. */
static inline bool t_polling(struct gpio_chip *chip)
{
	uint64_t before = t_stats(chip).samples;

	return WAIT_FOR(t_stats(chip).samples > before + 16, WAIT_MS);
}

/* Read r until it says -ENODEV (events queued before come first), for up to ms. */
static inline bool t_sees_enodev(struct line_request *r, int ms)
{
	struct gpio_v2_line_event ev[64];
	uint64_t end = t_now_ns() + (uint64_t)ms * 1000000ULL;
	int n;

	do {
		n = line_request_read_events(r, ev, 64);
		if (n == 0)
			t_readable(line_request_event_fd(r), 100);
	} while (n >= 0 && t_now_ns() < end);
	return n == -ENODEV;
}

#endif
