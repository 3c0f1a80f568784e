/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the transport backends share (private to src/transport): a one-shot
 * completion to wait on, the bookkeeping of reads in flight, and the FTDI
 * vendor requests written once on top of each backend's control op.
 *
 * Threads and locks: a completion is signalled from any thread and waited
 * on by one. A read tracker has one mutex; it is never held while calling
 * into a backend (emulator or libusb) nor while a read callback runs, so
 * backends may complete a read on the thread that cancels it.
 */
#ifndef MPSSED_TRANSPORT_BACKEND_H
#define MPSSED_TRANSPORT_BACKEND_H

#include <pthread.h>
#include <stdbool.h>

#include "transport/transport.h"

/* --- Completion ------------------------------------------------------------ */

struct completion {
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* CLOCK_MONOTONIC */
	bool done;
};

void completion_init(struct completion *c);
void completion_destroy(struct completion *c);
void completion_signal(struct completion *c);
/* Returns false when timeout_ms (< 0: no limit) passed first. */
bool completion_wait(struct completion *c, int timeout_ms);

/* --- Reads in flight --------------------------------------------------------- */

/* Embedded in each backend's per-read record (rd->priv points to it). */
struct pending_read {
	struct pending_read *prev, *next;
	struct transport_read *rd;
	unsigned refs;		/* 1 while in flight, +1 per canceller at work */
	bool drained;		/* close has cancelled it */
};

struct read_tracker_ops {
	/* Cancel the backend transfer: 0, -EALREADY or -ENODEV. */
	int (*cancel)(struct pending_read *p);
	/* Free the record and its backend transfer (it is no longer in use). */
	void (*free)(struct pending_read *p);
};

struct read_tracker {
	const struct read_tracker_ops *ops;
	pthread_mutex_t lock;
	pthread_cond_t idle;
	struct pending_read list;	/* sentinel of the reads in flight */
	unsigned callbacks;	/* submitted reads whose callback has not returned */
	bool closing;
};

void read_tracker_init(struct read_tracker *tr, const struct read_tracker_ops *ops);
/* Only after read_tracker_drain(). */
void read_tracker_destroy(struct read_tracker *tr);

/*
 * Before submitting p's transfer: links p to rd (its callback may run
 * before the submission returns). -ESHUTDOWN once draining began.
 */
int read_tracker_add(struct read_tracker *tr, struct pending_read *p, struct transport_read *rd);
/* The submission failed, so no completion follows: unlink and free p. */
void read_tracker_undo(struct read_tracker *tr, struct pending_read *p);
/*
 * From the backend's completion: fills rd (done_ns = now), frees p once no
 * canceller holds it, runs rd->cb, then lets close() go on. The tracker
 * must not be touched by the caller afterwards.
 */
void read_tracker_complete(struct read_tracker *tr, struct pending_read *p, int status,
			   size_t actual);
int read_tracker_cancel(struct read_tracker *tr, struct transport_read *rd);
/* Refuse new reads, cancel every read in flight, wait for their callbacks. */
void read_tracker_drain(struct read_tracker *tr);

/* --- FTDI vendor requests on top of ops->control ----------------------------- */

/* A chip that stopped answering must not hang its caller for long. */
#define CONTROL_TIMEOUT_MS 1000

int vendor_reset(struct transport *t);
int vendor_purge(struct transport *t);
int vendor_set_latency(struct transport *t, uint8_t ms);
int vendor_set_bitmode(struct transport *t, uint8_t mask, uint8_t mode);
int vendor_read_pins(struct transport *t, uint8_t *pins);

uint64_t monotonic_ns(void);

#endif
