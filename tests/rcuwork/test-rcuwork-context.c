// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Guarantee 2: fn runs on one of the queue's own workers, registered with
 * RCU, and may block (mutex, sleep, join) without stalling the GP thread or
 * the other workers. The queue's threads block every signal, so a program
 * that takes its signals through signalfd keeps them.
 */
#include <dirent.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>

#include "common/rcu.h"
#include "rcuwork/rcuwork.h"
#include "../tap.h"
#include "util.h"

#define QNAME "ctx"
#define N_WORKERS 2
#define N_PROBES 8

struct probe {
	struct rcuwork work;
	pthread_t thread;
	char name[16];
	struct flag ran;
};

static void probe_fn(struct rcuwork *work)
{
	struct probe *p = container_of(work, struct probe, work);

	p->thread = pthread_self();
	pthread_getname_np(pthread_self(), p->name, sizeof(p->name));
	flag_raise(&p->ran);
}

static bool is_worker_name(const char *name)
{
	char want[16];

	for (unsigned int i = 0; i < N_WORKERS; i++) {
		snprintf(want, sizeof(want), QNAME "-w%u", i);
		if (strcmp(name, want) == 0)
			return true;
	}
	return false;
}

/* Queued from main, which is not registered with RCU, like libusb's thread. */
static void test_runs_on_worker(struct rcuwork_queue *q)
{
	struct probe probes[N_PROBES] = { 0 };
	bool all_ran = true, on_worker = true;

	for (int i = 0; i < N_PROBES; i++)
		if (rcuwork_queue(q, &probes[i].work, probe_fn))
			tap_bail("rcuwork_queue");
	for (int i = 0; i < N_PROBES; i++) {
		all_ran &= flag_wait(&probes[i].ran);
		on_worker &= all_ran && is_worker_name(probes[i].name) &&
			     !pthread_equal(probes[i].thread, pthread_self());
	}
	tap_ok(all_ran, "items queued from an unregistered thread run");
	tap_ok(on_worker, "fn runs on the queue's workers (" QNAME "-w0/w1), not the caller's thread");
}

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;

struct blocker {
	struct rcuwork work;
	struct flag entered;
	struct flag done;
};

static void lock_fn(struct rcuwork *work)
{
	struct blocker *b = container_of(work, struct blocker, work);

	flag_raise(&b->entered);
	pthread_mutex_lock(&held);
	pthread_mutex_unlock(&held);
	flag_raise(&b->done);
}

static void test_blocking_fn(struct rcuwork_queue *q)
{
	struct blocker a = { 0 };
	struct probe b = { 0 };
	bool a_entered, b_ran;

	pthread_mutex_lock(&held);
	rcuwork_queue(q, &a.work, lock_fn);
	a_entered = flag_wait(&a.entered);
	rcuwork_queue(q, &b.work, probe_fn);
	b_ran = flag_wait(&b.ran);
	tap_ok(a_entered && b_ran && !flag_is_raised(&a.done),
	       "while fn blocks on a mutex, the next item gets its grace period and another worker");
	pthread_mutex_unlock(&held);
	tap_ok(flag_wait(&a.done), "the blocked fn finishes once the mutex is free");
}

struct sleeper {
	struct rcuwork work;
	bool joined;
	struct flag done;
};

static void *nothing(void *arg)
{
	return arg;
}

static void sleep_join_fn(struct rcuwork *work)
{
	struct sleeper *s = container_of(work, struct sleeper, work);
	pthread_t t;

	pause_us(1000);
	s->joined = pthread_create(&t, NULL, nothing, NULL) == 0 && pthread_join(t, NULL) == 0;
	flag_raise(&s->done);
}

static void test_sleep_and_join(struct rcuwork_queue *q)
{
	struct sleeper s = { 0 };

	rcuwork_queue(q, &s.work, sleep_join_fn);
	tap_ok(flag_wait(&s.done) && s.joined, "fn may sleep, start a thread and join it");
}

/* fn holds a read-side section open until the test has seen a grace period wait for it. */
struct reader_fn {
	struct rcuwork work;
	struct flag inside;
	struct flag go;
	bool gp_done_inside;
};

static struct flag gp_done;

static void read_fn(struct rcuwork *work)
{
	struct reader_fn *r = container_of(work, struct reader_fn, work);

	rcu_read_lock();
	flag_raise(&r->inside);
	flag_wait(&r->go);
	r->gp_done_inside = flag_is_raised(&gp_done);
	rcu_read_unlock();
}

static void *gp_thread(void *arg)
{
	synchronize_rcu();
	flag_raise(&gp_done);
	return arg;
}

static void test_registered(struct rcuwork_queue *q)
{
	struct reader_fn r = { 0 };
	bool gp_early;
	pthread_t t;

	rcuwork_queue(q, &r.work, read_fn);
	if (!flag_wait(&r.inside))
		tap_bail("read_fn did not start");
	pthread_create(&t, NULL, gp_thread, NULL);
	/* A worker unknown to liburcu would let the grace period end at once. */
	gp_early = await_ms(flag_is_raised(&gp_done), 50);
	flag_raise(&r.go);
	pthread_join(t, NULL);
	rcuwork_drain(q);
	tap_ok(!gp_early && !r.gp_done_inside,
	       "a read-side section in fn holds off synchronize_rcu(): workers are registered");
}

/* Signals 1-31 that can be blocked at all. */
static uint64_t blockable_mask(void)
{
	uint64_t mask = 0;

	for (int sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			mask |= 1ull << (sig - 1);
	return mask;
}

static bool read_task_file(const char *tid, const char *file, char *buf, size_t size)
{
	char path[64];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%s/%s", tid, file);
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n > 0;
}

static bool task_blocks_all(const char *tid)
{
	char status[4096];
	const char *line;
	uint64_t blocked;

	if (!read_task_file(tid, "status", status, sizeof(status)))
		return false;
	line = strstr(status, "\nSigBlk:");
	if (!line || sscanf(line, "\nSigBlk: %" SCNx64, &blocked) != 1)
		return false;
	return (blocked & blockable_mask()) == blockable_mask();
}

/* Counts this queue's threads (by name) and those that block every signal. */
static void count_queue_threads(int *total, int *blocking)
{
	DIR *dir = opendir("/proc/self/task");
	struct dirent *de;
	char comm[32];

	*total = *blocking = 0;
	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.' || !read_task_file(de->d_name, "comm", comm, sizeof(comm)))
			continue;
		if (strncmp(comm, QNAME "-", strlen(QNAME "-")) != 0)
			continue;
		(*total)++;
		*blocking += task_blocks_all(de->d_name);
	}
	if (dir)
		closedir(dir);
}

static void test_signal_masks(void)
{
	int total, blocking;

	count_queue_threads(&total, &blocking);
	tap_ok(total == N_WORKERS + 1 && blocking == total,
	       "all %d of the queue's threads (GP + workers) block every signal (%d do)",
	       total, blocking);
}

/* The daemon's pattern: block, then read signals from a signalfd. */
static void test_signalfd(void)
{
	struct signalfd_siginfo info = { 0 };
	struct pollfd pfd = { .events = POLLIN };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pfd.fd = signalfd(-1, &set, SFD_CLOEXEC);
	/* Any thread not blocking SIGUSR1 would now die of it, and this process with it. */
	kill(getpid(), SIGUSR1);
	tap_ok(pfd.fd >= 0 && poll(&pfd, 1, WAIT_MS) == 1 &&
	       read(pfd.fd, &info, sizeof(info)) == sizeof(info) && info.ssi_signo == SIGUSR1,
	       "a process-directed SIGUSR1 reaches the signalfd, not a queue thread");
	if (pfd.fd >= 0)
		close(pfd.fd);
}

int main(void)
{
	_cleanup_(rcuwork_queue_freep) struct rcuwork_queue *q = NULL;
	sigset_t before, after;
	bool same = true;

	tap_plan(9);
	pthread_sigmask(SIG_SETMASK, NULL, &before);
	q = rcuwork_queue_new(QNAME, N_WORKERS);
	if (!q)
		tap_bail("rcuwork_queue_new: %m");
	pthread_sigmask(SIG_SETMASK, NULL, &after);
	for (int sig = 1; sig < 32; sig++)
		same &= sigismember(&before, sig) == sigismember(&after, sig);
	tap_ok(same, "rcuwork_queue_new() leaves the caller's signal mask alone");

	test_runs_on_worker(q);
	test_blocking_fn(q);
	test_sleep_and_join(q);
	test_registered(q);
	test_signal_masks();
	test_signalfd();
	return tap_done();
}
