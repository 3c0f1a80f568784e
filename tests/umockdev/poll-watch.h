/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * poll() with usbfs semantics for emulated device nodes.
 *
 * umockdev backs /dev/bus/usb/BBB/DDD with a regular file, and poll()
 * reports a regular file ready at once: libusb would spin while a transfer
 * is pending and never see a disconnect. This file defines poll() and
 * ppoll() in the test program (they take precedence over libc's for every
 * library in the process) and gives each watched file what the kernel's
 * usbfs reports: POLLOUT | POLLWRNORM while a URB can be reaped,
 * POLLERR | POLLHUP once the device is gone. Every other fd is passed to
 * the real poll untouched.
 *
 * A watched file is recognised by its device and inode, so it does not matter
 * which path or fd libusb opened it with. While a poll() sleeps, a watched
 * entry is replaced by the watch's wake fd, which the front-end keeps
 * readable exactly while revents() may report something; that is what
 * wakes a poller when a URB completes on another thread.
 *
 * Limits: the state is per device file, not per open fd, so two handles on
 * one device each see the other's completed URBs as POLLOUT (libusb then
 * reaps nothing and polls again). Callers are expected to ask for POLLOUT,
 * as libusb does. epoll is not covered: libusb 1.0.26 waits with poll().
 *
 * Threads and locks: every function may be called from any thread. One
 * registry mutex, held only to look watches up and to call revents()
 * (which may take the front-end's own lock), never across the wait.
 * A poll() that wakes after its watch was removed reports POLLERR|POLLHUP
 * for it and never touches the removed watch.
 */
#ifndef MPSSED_TESTS_UMOCKDEV_POLL_WATCH_H
#define MPSSED_TESTS_UMOCKDEV_POLL_WATCH_H

#include <sys/types.h>

struct poll_watch {
	dev_t dev;		/* st_dev and st_ino of the watched file */
	ino_t ino;
	int wake_fd;		/* readable while revents() may be non-zero */
	/* POLLOUT/POLLWRNORM/POLLERR/POLLHUP as usbfs would report them now. */
	short (*revents)(struct poll_watch *w);
	struct poll_watch *next; /* private to the registry */
};

/* The most recently added watch wins when two share an inode. */
void poll_watch_add(struct poll_watch *w);
void poll_watch_remove(struct poll_watch *w);

#endif
