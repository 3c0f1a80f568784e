/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The two pieces of systemd integration mpssed needs, without libsystemd:
 * readiness notification (sd_notify(3)'s datagram protocol) and socket
 * activation (sd_listen_fds(3)'s environment protocol).
 *
 * Threads and locks: called from the main thread only; listen_fds_take()
 * changes the environment, so it runs before any thread exists.
 */
#ifndef MPSSED_DAEMON_SYSTEMD_H
#define MPSSED_DAEMON_SYSTEMD_H

/*
 * Send state ("READY=1", "STOPPING=1") to $NOTIFY_SOCKET, if set (a path,
 * or an abstract name starting with '@'). 0 when sent or not asked for;
 * -errno otherwise (never fatal: the caller logs it).
 */
int notify_systemd(const char *state);

/*
 * The control socket systemd passed ($LISTEN_PID is us, $LISTEN_FDS >= 1):
 * *fd = 3, close-on-exec from now on; *fd = -1 when nothing was passed.
 * Unsets the variables so they are not inherited. -EINVAL when fd 3 is
 * not a listening SOCK_SEQPACKET Unix socket.
 */
int listen_fds_take(int *fd);

#endif
