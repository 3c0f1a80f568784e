// SPDX-License-Identifier: GPL-2.0-or-later
/* Fortified <poll.h> would define poll() inline, clashing with ours. */
#undef _FORTIFY_SOURCE
#include "poll-watch.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "common/macros.h"

#define NSEC_PER_SEC 1000000000LL

typedef int (*poll_fn)(struct pollfd *fds, nfds_t n, int timeout_ms);
typedef int (*ppoll_fn)(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
			const sigset_t *mask);

static poll_fn real_poll;
static ppoll_fn real_ppoll;
static pthread_once_t real_once = PTHREAD_ONCE_INIT;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct poll_watch *registry;
/* Lets poll() skip its fstat() calls while nothing is watched. */
static atomic_uint registry_size;

/* One pollfd entry that refers to a watched file. */
struct entry {
	bool watched;
	dev_t dev;
	ino_t ino;
	int wake_fd;
};

static void resolve_real(void)
{
	real_poll = (poll_fn)dlsym(RTLD_NEXT, "poll");
	real_ppoll = (ppoll_fn)dlsym(RTLD_NEXT, "ppoll");
	if (!real_poll || !real_ppoll) {
		fprintf(stderr, "poll-watch: cannot find libc's poll(): %s\n", dlerror());
		abort();
	}
}

void poll_watch_add(struct poll_watch *w)
{
	pthread_mutex_lock(&registry_lock);
	w->next = registry;
	registry = w;
	atomic_fetch_add(&registry_size, 1);
	pthread_mutex_unlock(&registry_lock);
}

void poll_watch_remove(struct poll_watch *w)
{
	struct poll_watch **p;

	pthread_mutex_lock(&registry_lock);
	for (p = &registry; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			atomic_fetch_sub(&registry_size, 1);
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);
}

/* Caller holds registry_lock. */
static struct poll_watch *find_watch(dev_t dev, ino_t ino)
{
	struct poll_watch *w;

	for (w = registry; w; w = w->next) {
		if (w->dev == dev && w->ino == ino)
			return w;
	}
	return NULL;
}

/*
 * The identity of a regular file behind fd. A raw syscall: this is a probe,
 * not a use of the fd, and TSan would count an fstat() as one, racing the
 * fds that GLib's loops in umockdev's worker close behind its back.
 */
static bool file_identity(int fd, dev_t *dev, ino_t *ino)
{
	struct statx stx;

	if (fd < 0 || syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_INO, &stx) < 0 ||
	    !S_ISREG(stx.stx_mode))
		return false;
	*dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	*ino = stx.stx_ino;
	return true;
}

/* Fills e[] for the watched entries; false when there is none. */
static bool classify(const struct pollfd *fds, nfds_t n, struct entry *e)
{
	bool any = false;
	nfds_t i;

	for (i = 0; i < n; i++) {
		struct poll_watch *w;
		dev_t dev;
		ino_t ino;

		if (!file_identity(fds[i].fd, &dev, &ino))
			continue;
		pthread_mutex_lock(&registry_lock);
		w = find_watch(dev, ino);
		if (w) {
			e[i] = (struct entry){ true, dev, ino, w->wake_fd };
			any = true;
		}
		pthread_mutex_unlock(&registry_lock);
	}
	return any;
}

/* Everything the watched file reports now, whatever the caller asked for. */
static short watched_state(const struct entry *e)
{
	struct poll_watch *w;
	short mask = POLLERR | POLLHUP; /* the watch went away with its device */

	pthread_mutex_lock(&registry_lock);
	w = find_watch(e->dev, e->ino);
	if (w)
		mask = w->revents(w);
	pthread_mutex_unlock(&registry_lock);
	return mask;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* Translates the wake-ups in copy[] into fds[]; returns the ready count. */
static int translate(struct pollfd *fds, struct pollfd *copy, nfds_t n, const struct entry *e)
{
	int ready = 0;
	nfds_t i;

	for (i = 0; i < n; i++) {
		short rev = copy[i].revents;

		if (e[i].watched && rev) {
			short state = watched_state(&e[i]);

			rev = state & (fds[i].events | POLLERR | POLLHUP);
			/*
			 * Ready with something the caller did not ask for: the
			 * wake fd stays readable, so stop listening to it for
			 * the rest of this call instead of spinning.
			 */
			if (state && !rev)
				copy[i].fd = -1;
		}
		fds[i].revents = rev;
		ready += rev != 0;
	}
	return ready;
}

static int wait_watched(struct pollfd *fds, nfds_t n, const struct entry *e,
			const struct timespec *timeout, const sigset_t *mask)
{
	_cleanup_free_ struct pollfd *copy = calloc(n, sizeof(*copy));
	int64_t deadline = 0;
	nfds_t i;

	if (!copy) {
		errno = ENOMEM;
		return -1;
	}
	if (timeout)
		deadline = now_ns() + timeout->tv_sec * NSEC_PER_SEC + timeout->tv_nsec;
	for (i = 0; i < n; i++)
		copy[i] = e[i].watched ? (struct pollfd){ e[i].wake_fd, POLLIN, 0 } : fds[i];

	for (;;) {
		struct timespec left, *leftp = NULL;
		int r, ready;

		if (timeout) {
			int64_t ns = deadline - now_ns();

			if (ns < 0)
				ns = 0;
			left.tv_sec = ns / NSEC_PER_SEC;
			left.tv_nsec = ns % NSEC_PER_SEC;
			leftp = &left;
		}
		r = real_ppoll(copy, n, leftp, mask);
		if (r < 0)
			return r;
		ready = translate(fds, copy, n, e);
		/* A wake-up whose URB another thread reaped first: wait on. */
		if (ready || r == 0 || (timeout && now_ns() >= deadline))
			return ready;
	}
}

static int watched_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
			 const sigset_t *mask)
{
	_cleanup_free_ struct entry *e = NULL;

	if (n == 0 || !atomic_load(&registry_size))
		return real_ppoll(fds, n, timeout, mask);
	e = calloc(n, sizeof(*e));
	if (!e) {
		errno = ENOMEM;
		return -1;
	}
	if (!classify(fds, n, e))
		return real_ppoll(fds, n, timeout, mask);
	return wait_watched(fds, n, e, timeout, mask);
}

int poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	struct timespec ts;

	pthread_once(&real_once, resolve_real);
	if (!atomic_load(&registry_size))
		return real_poll(fds, n, timeout_ms);
	if (timeout_ms < 0)
		return watched_ppoll(fds, n, NULL, NULL);
	ts.tv_sec = timeout_ms / 1000;
	ts.tv_nsec = (timeout_ms % 1000) * 1000000L;
	return watched_ppoll(fds, n, &ts, NULL);
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout, const sigset_t *mask)
{
	pthread_once(&real_once, resolve_real);
	return watched_ppoll(fds, n, timeout, mask);
}
