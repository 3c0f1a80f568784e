/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers for the rcuwork tests: a clock, a bounded wait for a
 * condition another thread makes true, and a flag built on it. Any thread.
 */
#ifndef MPSSED_TESTS_RCUWORK_UTIL_H
#define MPSSED_TESTS_RCUWORK_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Generous: sanitizer builds on a loaded 2-core machine are slow. */
#define WAIT_MS 10000

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void pause_us(unsigned int us)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)us * 1000 };

	nanosleep(&ts, NULL);
}

/*
 * Polls cond every 50 us until it holds or ms milliseconds passed; the
 * value is the final cond, so a timeout reads as a failed assertion.
 */
#define await_ms(cond, ms)                                             \
	({                                                             \
		uint64_t _deadline = now_ns() + (uint64_t)(ms) * 1000000u; \
		bool _ok;                                              \
		while (!(_ok = (cond)) && now_ns() < _deadline)        \
			pause_us(50);                                  \
		_ok;                                                   \
	})

#define await(cond) await_ms(cond, WAIT_MS)

/* A flag one thread raises and others wait for, with a bound. */
struct flag {
	bool raised; /* ATOMIC */
};

static inline void flag_raise(struct flag *f)
{
	__atomic_store_n(&f->raised, true, __ATOMIC_SEQ_CST);
}

static inline bool flag_is_raised(struct flag *f)
{
	return __atomic_load_n(&f->raised, __ATOMIC_SEQ_CST);
}

static inline bool flag_wait(struct flag *f)
{
	return await(flag_is_raised(f));
}

#endif
