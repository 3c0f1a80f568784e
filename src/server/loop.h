/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's event loop: one epoll instance, level-triggered, and two
 * kinds of entries: file descriptor sources, and deferred work that runs
 * once the current dispatch pass is over.
 *
 * Threads and locks: single-threaded. Every function is called on the
 * loop's thread (the daemon's main thread); nothing here locks. A callback
 * may remove any source, its own included, and destroy the object that
 * owns it: a removed source is taken out of epoll at once, is never called
 * again (not even for events already fetched in the same pass), and its
 * memory is freed after the pass, as seatd and dbus-broker do. Objects
 * that a callback must not free under its own feet (a connection) hand
 * their memory to loop_defer(), which frees it at the same point.
 */
#ifndef MPSSED_SERVER_LOOP_H
#define MPSSED_SERVER_LOOP_H

#include <stdint.h>

#include "common/macros.h"

struct loop;
struct loop_source;

/* events: the EPOLL* bits that fired (EPOLLHUP and EPOLLERR are always reported). */
typedef void (*loop_fd_fn)(struct loop_source *src, uint32_t events, void *data);

/* Embed one in an object whose destruction must wait for the end of the pass. */
struct loop_defer {
	struct loop_defer *next;
	void (*fn)(struct loop_defer *d);
};

int loop_new(struct loop **out);
/* Frees whatever is left (sources the owners forgot are logged). Accepts NULL; returns NULL. */
struct loop *loop_free(struct loop *loop);
DEFINE_CLEANUP(struct loop, loop_free)

/* Watch fd for events (the loop does not own fd: closing it is the caller's job). */
int loop_add_fd(struct loop *loop, int fd, uint32_t events, loop_fd_fn fn, void *data,
		struct loop_source **out);
/* Change the events watched (0: only EPOLLHUP/EPOLLERR). No system call when unchanged. */
int loop_source_update(struct loop_source *src, uint32_t events);
uint32_t loop_source_events(const struct loop_source *src);
/* Stop watching; freed after the pass. Accepts NULL; returns NULL. Call before close(fd). */
struct loop_source *loop_source_remove(struct loop_source *src);

/* Run fn(d) after the current pass (at once when no pass is running: from loop_free). */
void loop_defer(struct loop *loop, struct loop_defer *d, void (*fn)(struct loop_defer *d));

/* Dispatch until loop_exit(); returns its code, or -errno if epoll fails. */
int loop_run(struct loop *loop);
void loop_exit(struct loop *loop, int code);

#endif
