/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the long-running daemon tests (storm, stall, soak) measure and
 * share: the daemon's open fds and resident memory from /proc, a
 * reproducible random source, a test duration from the environment, and
 * a reader that checks an edge request's records as they come.
 *
 * Threads and locks: an event_log belongs to one thread.
 */
#ifndef MPSSED_TESTS_DAEMON_HEALTH_H
#define MPSSED_TESTS_DAEMON_HEALTH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Open file descriptors of pid, or -errno. */
int proc_fd_count(pid_t pid);
/* VmRSS of pid in KiB, or -errno. */
long proc_rss_kb(pid_t pid);
/* Wait up to timeout_ms for pid's fd count to come down to at most want; the last count. */
int proc_fd_count_settle(pid_t pid, int want, int timeout_ms);

/*
 * Whether this build's allocator keeps freed memory (ASan's quarantine,
 * TSan's shadow), which makes resident-size comparisons meaningless; leaks
 * are LSan's to find there.
 */
bool rss_is_meaningful(void);

/* Milliseconds from environment variable name, or def when unset or invalid. */
unsigned env_ms(const char *name, unsigned def);

/* xorshift64*: seeded from MPSSED_SEED when set, else from the clock (printed). */
void rng_seed(const char *test);
uint64_t rng_next(void);
static inline unsigned rng_below(unsigned n)
{
	return n ? (unsigned)(rng_next() % n) : 0;
}

/* The records of one edge request as it reads them. */
struct event_log {
	int fd;
	uint64_t count;		/* records read */
	uint32_t last_seqno;
	uint32_t last_id;
	uint64_t gaps;		/* records whose seqno was not last + 1 */
	uint64_t lost;		/* seqnos skipped over */
	uint64_t same_edge_twice; /* two rising (or falling) edges in a row on one line */
	bool eof;
};

/* Read what is there now without blocking (at most max records; 0: all). */
void event_log_drain(struct event_log *log, unsigned max);
/* Read until nothing came for quiet_ms. */
void event_log_drain_quiet(struct event_log *log, int quiet_ms);

#endif
