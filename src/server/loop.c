// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The epoll loop. Each source lives on the loop's list until removed, then
 * on the dead list until the pass that removed it ends: epoll_wait() may
 * have returned an event for it in the same batch, and that event still
 * points at its memory.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common/log.h"
#include "server/loop.h"

#define LOOP_BATCH 32

struct loop_source {
	struct loop *loop;
	struct loop_source *next;	/* on loop->sources or loop->dead */
	int fd;
	uint32_t events;
	bool removed;
	loop_fd_fn fn;
	void *data;
};

struct loop {
	int epfd;
	bool dispatching;		/* inside a pass: removals wait for its end */
	bool quit;
	int exit_code;
	struct loop_source *sources;
	struct loop_source *dead;
	struct loop_defer *deferred;
};

int loop_new(struct loop **out)
{
	struct loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return -ENOMEM;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		int r = -errno;

		free(loop);
		return r;
	}
	*out = loop;
	return 0;
}

static void free_list(struct loop_source *s)
{
	while (s) {
		struct loop_source *next = s->next;

		free(s);
		s = next;
	}
}

/* End of a pass: deferred work first (it may remove sources), then the dead sources. */
static void loop_collect(struct loop *loop)
{
	while (loop->deferred) {
		struct loop_defer *d = loop->deferred;

		loop->deferred = d->next;
		d->fn(d);
	}
	free_list(loop->dead);
	loop->dead = NULL;
}

struct loop *loop_free(struct loop *loop)
{
	if (!loop)
		return NULL;
	loop_collect(loop);
	for (struct loop_source *s = loop->sources; s; s = s->next)
		log_warn("loop: fd %d still watched at exit", s->fd);
	free_list(loop->sources);
	close(loop->epfd);
	free(loop);
	return NULL;
}

int loop_add_fd(struct loop *loop, int fd, uint32_t events, loop_fd_fn fn, void *data,
		struct loop_source **out)
{
	struct loop_source *s = calloc(1, sizeof(*s));
	struct epoll_event ev = { .events = events };

	if (!s)
		return -ENOMEM;
	s->loop = loop;
	s->fd = fd;
	s->events = events;
	s->fn = fn;
	s->data = data;
	ev.data.ptr = s;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int r = -errno;

		free(s);
		return r;
	}
	s->next = loop->sources;
	loop->sources = s;
	*out = s;
	return 0;
}

int loop_source_update(struct loop_source *s, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = s };

	if (s->removed)
		return -ESTALE;
	if (s->events == events)
		return 0;
	if (epoll_ctl(s->loop->epfd, EPOLL_CTL_MOD, s->fd, &ev) < 0)
		return -errno;
	s->events = events;
	return 0;
}

uint32_t loop_source_events(const struct loop_source *s)
{
	return s->events;
}

struct loop_source *loop_source_remove(struct loop_source *s)
{
	struct loop *loop;
	struct loop_source **p;

	if (!s || s->removed)
		return NULL;
	loop = s->loop;
	s->removed = true;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_DEL, s->fd, NULL) < 0)
		log_warn("loop: cannot unwatch fd %d: %s", s->fd, strerror(errno));
	for (p = &loop->sources; *p != s; p = &(*p)->next)
		;
	*p = s->next;
	s->next = loop->dead;
	loop->dead = s;
	if (!loop->dispatching)
		loop_collect(loop);
	return NULL;
}

void loop_defer(struct loop *loop, struct loop_defer *d, void (*fn)(struct loop_defer *d))
{
	d->fn = fn;
	d->next = loop->deferred;
	loop->deferred = d;
	if (!loop->dispatching)
		loop_collect(loop);
}

void loop_exit(struct loop *loop, int code)
{
	loop->exit_code = code;
	loop->quit = true;
}

static void loop_dispatch(struct epoll_event *evs, int n)
{
	for (int i = 0; i < n; i++) {
		struct loop_source *s = evs[i].data.ptr;

		if (!s->removed)
			s->fn(s, evs[i].events, s->data);
	}
}

int loop_run(struct loop *loop)
{
	struct epoll_event evs[LOOP_BATCH];

	loop->quit = false;
	while (!loop->quit) {
		int n = epoll_wait(loop->epfd, evs, LOOP_BATCH, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		loop->dispatching = true;
		loop_dispatch(evs, n);
		loop_collect(loop);
		loop->dispatching = false;
	}
	return loop->exit_code;
}
