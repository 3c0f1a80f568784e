/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Edge detection with software debounce, one detector per line request.
 * The poller feeds it every 16-bit sample of a chip's pins; it turns level
 * changes of the request's edge-enabled input lines into struct
 * gpio_v2_line_event records (id, offset, seqno, line_seqno, timestamp,
 * zero padding) and hands each to a callback, typically event_queue_push().
 *
 * Threads and locks: a detector has no lock and no thread. Every function
 * but edge_detector_debounced_value() must be called by one thread at a
 * time, in practice the poller thread that owns it (to reconfigure, hand
 * the new struct linecfg to that thread). edge_detector_debounced_value()
 * may be called from any thread at any time: it reads one atomic word.
 * Nothing here allocates, blocks or does I/O; the callback runs on the
 * caller's thread, inside edge_detector_feed().
 *
 * Which lines: those with INPUT and an edge flag or a debounce period
 * (debounced lines without edges produce no events, but their debounced
 * value is tracked, as the kernel's linereq_get_values() reports it).
 * Output and "as is" lines are ignored.
 *
 * Semantics (the kernel's gpiolib-cdev, at the resolution of sampling):
 *  - Values and edge ids are logical: with ACTIVE_LOW a physical falling
 *    edge is a rising event. EDGE_RISING/EDGE_FALLING select which logical
 *    edges are reported; both flags mean both.
 *  - The first sample after init, rearm, or a reconfiguration that starts
 *    watching a line is that line's baseline: no event.
 *  - Without debounce, every change of a line between two consecutive
 *    samples is one edge, timestamped with the sample that shows it. A
 *    pulse that begins and ends between two samples is invisible, and a
 *    line that changes twice between samples shows no change at all: the
 *    sampling interval is the shortest pulse this can see.
 *  - A level is "seen" at the timestamp of the first sample that shows it:
 *    the change happened somewhere in the interval before that sample, and
 *    we cannot know where. With a debounce period P, a change first seen at
 *    t becomes pending with deadline t + P. Every further change restarts
 *    the wait (as the kernel's mod_delayed_work() on each interrupt): a
 *    return to the debounced level cancels the pending change, a new change
 *    away from it waits P from when it was seen. The pending level becomes
 *    the debounced level at the first sample whose timestamp is >= the
 *    deadline, and the event (if its edge is selected) is timestamped with
 *    the deadline itself: the moment the kernel's timer would have fired.
 *    That sample's own value is applied afterwards, so a change it shows
 *    counts from its timestamp: the old level was seen for at least P.
 *    Deadlines are checked only when a sample arrives (the poller samples
 *    continuously): with no samples (device gone) nothing expires, as the
 *    kernel's debouncer emits nothing when it cannot read the line.
 *  - Edges are reported on the debounced value: a bounce shorter than P
 *    produces nothing; a rising-only line still tracks falling changes of
 *    its debounced level.
 *  - Order within one sample: expired debounce events first, earliest
 *    deadline first (ties in offset order), then the sample's own edges in
 *    offset order. Each event takes the next request seqno and the line's
 *    next line_seqno; both start at 1 and never reset (not by rearm nor
 *    reconfiguration, as the kernel keeps them across SET_CONFIG), and wrap
 *    at 2^32 like the kernel's u32. Timestamps never decrease along seqno.
 *  - Clocks: all times given to the detector are CLOCK_MONOTONIC (so a
 *    wall-clock step cannot stretch a debounce). A line with
 *    EVENT_CLOCK_REALTIME gets its event timestamps converted with the
 *    realtime offset the sample carries (see event_clock_realtime_offset()).
 */
#ifndef MPSSED_EVENTS_EDGE_H
#define MPSSED_EVENTS_EDGE_H

#include <linux/gpio.h>
#include <stdbool.h>
#include <stdint.h>

#include "events/linecfg.h"

_Static_assert(sizeof(struct gpio_v2_line_event) == 48, "uAPI event record is 48 bytes");

struct edge_sample {
	uint16_t raw;			/* physical levels, bit n = line n */
	uint64_t mono_ns;		/* CLOCK_MONOTONIC when the sample arrived */
	int64_t realtime_offset_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
};

/* Called once per event; ev lives until the callback returns. */
typedef void (*edge_emit_fn)(void *ctx, const struct gpio_v2_line_event *ev);

/* Embed it; its fields are private to edge.c. */
struct edge_detector {
	/* Configuration, bit n = line offset n. */
	uint16_t watch;		/* lines detected at all */
	uint16_t rising;	/* report logical rising edges */
	uint16_t falling;	/* report logical falling edges */
	uint16_t active_low;
	uint16_t debounced;	/* lines with a debounce period */
	uint16_t realtime;	/* timestamps on CLOCK_REALTIME */
	uint64_t period_ns[LINECFG_CHIP_LINES_MAX];
	/* State. */
	uint16_t armed;		/* lines with a baseline */
	uint16_t raw;		/* the last sample */
	uint16_t level;		/* debounced physical level */
	uint16_t pending;	/* debounced lines waiting for their deadline */
	uint64_t deadline_ns[LINECFG_CHIP_LINES_MAX];
	uint32_t seqno;
	uint32_t line_seqno[LINECFG_CHIP_LINES_MAX];
	/* ATOMIC: logical debounced values (low half), known lines (high). */
	uint32_t published;
};

/* Configure from a validated cfg; seqnos start at 1; next sample is a baseline. */
void edge_detector_init(struct edge_detector *det, const struct linecfg *cfg);

/*
 * Apply a new configuration of the same request. Lines watched before and
 * after keep their baseline and debounced level, so no change is lost
 * across it; new edge and active-low flags apply from the next sample. A
 * line that stops being debounced drops its pending change (as the
 * kernel's edge_detector_stop()); one that starts takes its last sampled
 * level as debounced level; a pending change keeps its deadline. Newly
 * watched lines take the next sample as baseline. Seqnos continue.
 */
void edge_detector_reconfigure(struct edge_detector *det, const struct linecfg *cfg);

/*
 * Forget the baselines and pending changes: the next sample is a baseline
 * for every line (e.g. sampling resumed after a gap, or a replug). Seqnos
 * continue; edge_detector_debounced_value() keeps the last known levels
 * until then, as the kernel keeps a stopped debouncer's level.
 */
void edge_detector_rearm(struct edge_detector *det);

/* Process one sample. Samples must come in non-decreasing mono_ns order. */
void edge_detector_feed(struct edge_detector *det, const struct edge_sample *s,
			edge_emit_fn emit, void *ctx);

/*
 * The earliest pending debounce deadline (CLOCK_MONOTONIC ns): the poller
 * must deliver a sample at or after it for the event to come out. Returns
 * false when nothing is pending.
 */
bool edge_detector_next_deadline(const struct edge_detector *det, uint64_t *deadline_ns);

/*
 * The logical debounced value of a debounced line (0 or 1), for GET_VALUES.
 * -ENODATA when the line is not debounced or has not been sampled since
 * the detector was set up. Any thread.
 */
int edge_detector_debounced_value(const struct edge_detector *det, unsigned int offset);

/*
 * CLOCK_REALTIME - CLOCK_MONOTONIC now, read between two MONOTONIC reads
 * to halve the error. Capture it once per batch of samples: a wall-clock
 * step then shows from the next batch on.
 */
int64_t event_clock_realtime_offset(void);

static inline uint64_t event_clock_to_realtime(uint64_t mono_ns, int64_t realtime_offset_ns)
{
	return (uint64_t)((int64_t)mono_ns + realtime_offset_ns);
}

#endif
