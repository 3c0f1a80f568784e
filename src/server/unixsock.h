/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unix socket plumbing for the server: listening sockets created with
 * their final mode and group, and whole-message send and receive on
 * SOCK_SEQPACKET with file descriptor passing. No state; all calls are
 * non-blocking on the fds the server owns.
 *
 * Threads and locks: none; plain system calls. unixsock_listen() changes
 * the process umask for the duration of bind(), which is safe because no
 * other thread of the daemon creates files.
 */
#ifndef MPSSED_SERVER_UNIXSOCK_H
#define MPSSED_SERVER_UNIXSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* How sockets are published: mode and group of the file (gid (gid_t)-1: keep ours). */
struct unixsock_perm {
	mode_t mode;
	gid_t gid;
};

/*
 * Bind and listen on path (SOCK_SEQPACKET, non-blocking, close-on-exec).
 * The file is created 0600 and only then given its group and mode, so it
 * is never more accessible than asked. A stale file (nobody accepts on it)
 * is replaced; one a live server accepts on gives -EADDRINUSE.
 */
int unixsock_listen(const char *path, const struct unixsock_perm *perm, int *out_fd);

/*
 * Give the file at path (0600 now) its group and mode, in that order, so
 * it is never more accessible than asked.
 */
int unixsock_publish(const char *path, const struct unixsock_perm *perm);

/* Whether fd is a listening AF_UNIX SOCK_SEQPACKET socket (socket activation). */
bool unixsock_is_seqpacket_listener(int fd);

struct unixsock_msg {
	size_t len;		/* bytes received */
	bool truncated;		/* larger than the buffer (MSG_TRUNC) */
	bool had_fds;		/* file descriptors came along (now closed) */
};

/*
 * Receive one message without blocking. Returns 1 with *msg filled, 0 at
 * end of file (or an empty message, which SOCK_SEQPACKET cannot tell
 * apart), or -errno (-EAGAIN: nothing to read). Passed fds are closed:
 * no request of this protocol carries one.
 */
int unixsock_recv(int fd, void *buf, size_t size, struct unixsock_msg *msg);

/* Send one whole message without blocking, passing pass_fd (>= 0) along. 0 or -errno. */
int unixsock_send(int fd, const void *buf, size_t len, int pass_fd);

/* O_NONBLOCK on fd (one end of a socketpair made blocking for the client). */
int unixsock_set_nonblock(int fd);

/* The peer's credentials; -errno if the socket has none. */
int unixsock_peer(int fd, pid_t *pid, uid_t *uid, gid_t *gid);
/*
 * The peer's supplementary groups (SO_PEERGROUPS), at most max of them:
 * the count, or -errno (-ERANGE: it has more than max).
 */
int unixsock_peer_groups(int fd, gid_t *groups, unsigned max);

#endif
