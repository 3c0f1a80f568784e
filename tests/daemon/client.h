/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the daemon tests share: start the real mpssed binary on an emulated
 * chip with a temporary runtime directory, stop it, and a minimal raw
 * client of the socket protocol (deliberately not the client library, so
 * the server is tested against the wire format alone).
 *
 * Threads and locks: single-threaded test programs. Every wait is bounded
 * (GUARD_MS, or longer for the daemon's start under sanitizers) and a
 * timeout is reported as -ETIMEDOUT, never a hang.
 */
#ifndef MPSSED_TESTS_DAEMON_CLIENT_H
#define MPSSED_TESTS_DAEMON_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "protocol/protocol.h"

/* A guard against a hang, never a synchronization. */
#define GUARD_MS 5000
/* Starting under ASan or TSan takes a while on a loaded machine. */
#define START_GUARD_MS 20000

struct daemon {
	pid_t pid;
	char dir[64];			/* runtime directory (mkdtemp) */
	char log[96];			/* its stderr, when captured */
	int status;			/* waitpid status once it exited */
};

/* The mpssed binary: $top_builddir/src/daemon/mpssed. */
const char *daemon_binary(void);
uint64_t now_ms(void);

/*
 * Start mpssed --runtime-dir <tmp> --no-usb ARGS... (NULL-terminated) and
 * wait until its control socket accepts. stdout and stderr go to d->log
 * when capture is true, else stderr is ours. -errno, or -ECHILD if it
 * exited; on failure nothing is left running or on disk.
 */
int daemon_start(struct daemon *d, bool capture, const char *const *args);
/* The parts: a fresh runtime directory; spawn argv (envp NULL: ours; fd3 >= 0 becomes fd 3). */
int daemon_prepare(struct daemon *d);
int daemon_spawn(struct daemon *d, bool capture, const char *const *argv, char *const *envp,
		 int fd3);
/* Until the control socket answers hello (-ECHILD if the daemon exited). */
int daemon_wait_ready(struct daemon *d);
/* Wait until it exits (timeout_ms); -ETIMEDOUT if it does not. */
int daemon_wait(struct daemon *d, int timeout_ms);
/* SIGTERM, then wait; returns the milliseconds it took, or -ETIMEDOUT. */
int daemon_stop(struct daemon *d, int timeout_ms);
/* Kill it if still running, remove the runtime directory. */
void daemon_cleanup(struct daemon *d);
/* "<dir>/<name>" in a static buffer. */
const char *daemon_path(const struct daemon *d, const char *name);
/* Whether its captured stderr contains text. */
/* How often text shows in the daemon's log (its first 64 KiB). */
unsigned daemon_log_count(const struct daemon *d, const char *text);
bool daemon_log_has(const struct daemon *d, const char *text);

/* --- Raw client -------------------------------------------------------------- */

int cl_connect(const char *path);
/* One whole message, optionally passing fd. 0 or -errno. */
int cl_send_raw(int fd, const void *buf, size_t len, int pass_fd);
/* One message within timeout_ms: its length, 0 at end of file, -ETIMEDOUT or -errno. */
ssize_t cl_recv_raw(int fd, void *buf, size_t len, int *fd_out, int timeout_ms);
int cl_send(int fd, uint16_t opcode, uint32_t serial, const void *payload, size_t len);
/*
 * Wait for the reply to serial: 0 with exactly reply_len bytes of payload
 * copied (and *fd_out set if it passes one), -errno from MSG_ERROR,
 * -EBADMSG for a reply of the wrong size, -EPIPE at end of file,
 * -ETIMEDOUT. Unsolicited messages (serial 0, event records) are counted
 * in cl_unsolicited and dropped.
 */
int cl_wait_reply(int fd, uint32_t serial, void *reply, size_t reply_len, int *fd_out);
/* cl_send() + cl_wait_reply() with a fresh serial. */
int cl_call(int fd, uint16_t opcode, const void *req, size_t req_len, void *reply,
	    size_t reply_len, int *fd_out);
extern unsigned cl_unsolicited;

/* Connect and say hello; the fd or -errno. */
int cl_open(const char *path);
int cl_hello(int fd, uint32_t major);

/* Request lines; *req_fd the request socket. */
int cl_request(int chip_fd, const unsigned *offsets, unsigned n, uint64_t flags,
	       uint32_t mpssed_flags, uint32_t event_buffer_size, int *req_fd);
int cl_get(int req_fd, uint64_t mask, uint64_t *bits);
int cl_set(int req_fd, uint64_t mask, uint64_t bits);
int cl_emu(int ctl_fd, const char *chip, uint32_t op, uint32_t line, uint32_t line2,
	   uint32_t value);
int cl_chip_stats(int ctl_fd, const char *chip, struct mpssed_chip_stats *st);
int cl_list(int ctl_fd, struct mpssed_chip_list *list);
/* Wait until the chip took n more samples (so an edge request has its baseline). */
int cl_wait_samples(int ctl_fd, const char *chip, uint64_t n);
/* Wait until the chip's presence is as asked. */
int cl_wait_present(int ctl_fd, const char *chip, bool present);
/* One event record from a request socket: 1, 0 at end of file, -ETIMEDOUT, -errno. */
int cl_read_event(int req_fd, struct gpio_v2_line_event *ev, int timeout_ms);

#endif
