/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A request's event queue: a bounded ring of struct gpio_v2_line_event that
 * drops the OLDEST record when full, like the kernel's linereq_put_event()
 * (kfifo_skip() then kfifo_in()). The loss shows to the reader only as a
 * gap in seqno, which the producer assigned (edge.h) before pushing.
 *
 * Capacity: the request's event_buffer_size (linecfg.h: default 16 x lines,
 * clamped to 1024) rounded up to a power of two, because the kernel's
 * kfifo_alloc() does exactly that (3 lines -> 48 -> 64 records held).
 *
 * Threads and locks: single producer, single consumer, no lock.
 *  - One producer thread (the poller) calls event_queue_push(). It never
 *    waits: at most one compare-and-swap, whose failure means the consumer
 *    made room, so the push is wait-free.
 *  - One consumer thread (the one that moves records to the client's fd)
 *    calls event_queue_read(). It is lock-free: it retries only when the
 *    producer dropped every record it had just copied.
 *  - event_queue_len(), event_queue_stats() and event_queue_capacity() may
 *    be called from any thread; they return snapshots.
 *  - new and free: by the owner, with no producer or consumer running.
 *
 * How drop-oldest stays safe without a lock. head (written by the producer
 * only) and tail (moved by compare-and-swap by both sides) count positions
 * and never wrap in practice (64 bits); slot = position & (capacity - 1).
 *  - The producer writes position h only after it has seen tail > h -
 *    capacity: either the consumer's CAS freed the slot (acquire) or its
 *    own CAS moved tail past the oldest record (that record is dropped and
 *    counted). Then it stores the record, each 8-byte word with release,
 *    and publishes head = h + 1 with release.
 *  - The consumer copies records [t, h) with acquire loads and claims them
 *    with CAS(tail: t -> t + n). The producer may be overwriting the oldest
 *    of those slots while it copies. It cannot tell a torn copy by looking
 *    at it, but it does not need to: the producer moved tail before its
 *    first store into that slot, so a copy that saw any new word also sees
 *    the new tail (release store / acquire load) and its CAS fails. On
 *    failure the consumer keeps the copies at positions >= the tail it
 *    found (those slots were not reused: reuse needs tail past them) and
 *    claims just those; records below it were dropped and are discarded.
 *  - So every record is either delivered whole exactly once or counted as
 *    dropped exactly once: pushed == delivered + dropped + event_queue_len.
 * Every shared word is accessed atomically, so the C11 model (and TSan)
 * see no data race. On x86-64 the acquire loads and release stores are
 * plain moves.
 */
#ifndef MPSSED_EVENTS_QUEUE_H
#define MPSSED_EVENTS_QUEUE_H

#include <linux/gpio.h>
#include <stdint.h>

#include "common/macros.h"

_Static_assert(sizeof(struct gpio_v2_line_event) == 48, "uAPI event record is 48 bytes");

struct event_queue;

struct event_queue_stats {
	uint64_t pushed;	/* every record ever pushed */
	uint64_t dropped;	/* the oldest, overwritten while unread */
};

/*
 * Make a queue for a request's event_buffer_size (2 .. 1024: linecfg
 * refuses 1 for a request with edges, as the kernel does). Returns 0 and
 * *out, which the caller frees with event_queue_free(); -EINVAL for a size
 * out of range; -ENOMEM.
 */
int event_queue_new(struct event_queue **out, unsigned int event_buffer_size);

/* Accepts NULL; returns NULL. No producer or consumer may be running. */
struct event_queue *event_queue_free(struct event_queue *q);
DEFINE_CLEANUP(struct event_queue, event_queue_free)

/* Records it holds before it drops: a power of two. */
unsigned int event_queue_capacity(const struct event_queue *q);

/* Producer only. Never blocks; drops the oldest record if full. */
void event_queue_push(struct event_queue *q, const struct gpio_v2_line_event *ev);

/*
 * Consumer only. Moves up to n whole records, oldest first, into buf.
 * Returns how many (0 when empty), or -EINVAL for n == 0 (the kernel's
 * read() of less than one record). Never blocks.
 */
int event_queue_read(struct event_queue *q, struct gpio_v2_line_event *buf, unsigned int n);

/* Records waiting now (a snapshot, at most the capacity). Any thread. */
unsigned int event_queue_len(const struct event_queue *q);

/* Counters (a snapshot). Any thread. */
void event_queue_stats(const struct event_queue *q, struct event_queue_stats *st);

#endif
