// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <linux/gpio.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "health.h"

int proc_fd_count(pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

long proc_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

int proc_fd_count_settle(pid_t pid, int want, int timeout_ms)
{
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
	int n;

	/* The daemon closes a hung-up client's socket on its next loop pass. */
	while ((n = proc_fd_count(pid)) > want && now_ms() < deadline)
		usleep(10000);
	return n;
}

bool rss_is_meaningful(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return false;
#else
	return true;
#endif
}

unsigned env_ms(const char *name, unsigned def)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return def;
	v = strtoul(s, &end, 10);
	return *end || !v || v > 24ul * 3600 * 1000 ? def : (unsigned)v;
}

static uint64_t rng_state;

void rng_seed(const char *test)
{
	const char *s = getenv("MPSSED_SEED");
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	rng_state = s ? strtoull(s, NULL, 0) : (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec;
	if (!rng_state)
		rng_state = 1;
	printf("# %s: MPSSED_SEED=%llu reproduces this run's choices\n", test,
	       (unsigned long long)rng_state);
}

uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static void event_log_add(struct event_log *log, const struct gpio_v2_line_event *ev)
{
	if (log->count && ev->seqno != log->last_seqno + 1) {
		log->gaps++;
		if (ev->seqno > log->last_seqno)
			log->lost += ev->seqno - log->last_seqno - 1;
	} else if (!log->count && ev->seqno != 1) {
		log->gaps++;
		log->lost += ev->seqno - 1;
	}
	if (log->count && ev->id == log->last_id)
		log->same_edge_twice++;
	log->count++;
	log->last_seqno = ev->seqno;
	log->last_id = ev->id;
}

static int event_log_read(struct event_log *log, int timeout_ms)
{
	struct gpio_v2_line_event ev;
	struct pollfd p = { .fd = log->fd, .events = POLLIN };
	ssize_t n;

	if (log->eof || poll(&p, 1, timeout_ms) != 1)
		return 0;
	n = recv(log->fd, &ev, sizeof(ev), MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN)) {
		log->eof = true;
		return 0;
	}
	/* Replies to requests on this socket are never 48 bytes long. */
	if (n == (ssize_t)sizeof(ev))
		event_log_add(log, &ev);
	return n > 0;
}

void event_log_drain(struct event_log *log, unsigned max)
{
	for (unsigned i = 0; (!max || i < max) && event_log_read(log, 0); i++)
		;
}

void event_log_drain_quiet(struct event_log *log, int quiet_ms)
{
	while (event_log_read(log, quiet_ms))
		;
}
