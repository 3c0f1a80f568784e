// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>
#include <time.h>

#include "events/edge.h"

#define FLAG(x) GPIO_V2_LINE_FLAG_##x
#define EDGE_FLAGS (FLAG(EDGE_RISING) | FLAG(EDGE_FALLING))

static uint16_t bit(unsigned int off)
{
	return (uint16_t)(1u << off);
}

/* Remove the lowest line from *lines and return its offset. */
static unsigned int pop_line(uint16_t *lines)
{
	unsigned int off = (unsigned int)__builtin_ctz(*lines);

	*lines &= (uint16_t)(*lines - 1);
	return off;
}

static uint16_t with(uint16_t mask, bool on, uint16_t b)
{
	return on ? mask | b : mask;
}

/* Replace the bits of lines in dst by those of src. */
static uint16_t merge(uint16_t dst, uint16_t src, uint16_t lines)
{
	return (uint16_t)((dst & ~lines) | (src & lines));
}

static void publish(struct edge_detector *det)
{
	uint16_t known = det->debounced & det->armed;
	uint16_t values = (det->level ^ det->active_low) & known;

	__atomic_store_n(&det->published, (uint32_t)known << 16 | values, __ATOMIC_RELAXED);
}

static bool watched(const struct linecfg_line *l)
{
	return (l->flags & FLAG(INPUT)) && ((l->flags & EDGE_FLAGS) || l->debounce_us);
}

static void configure(struct edge_detector *det, const struct linecfg *cfg)
{
	det->watch = det->rising = det->falling = 0;
	det->active_low = det->debounced = det->realtime = 0;
	for (unsigned int i = 0; i < cfg->num_lines; i++) {
		const struct linecfg_line *l = &cfg->lines[i];
		uint16_t b;

		if (!watched(l))
			continue;
		b = bit(l->offset);
		det->watch |= b;
		det->rising = with(det->rising, l->flags & FLAG(EDGE_RISING), b);
		det->falling = with(det->falling, l->flags & FLAG(EDGE_FALLING), b);
		det->active_low = with(det->active_low, l->flags & FLAG(ACTIVE_LOW), b);
		det->realtime = with(det->realtime, l->flags & FLAG(EVENT_CLOCK_REALTIME), b);
		det->debounced = with(det->debounced, l->debounce_us, b);
		det->period_ns[l->offset] = (uint64_t)l->debounce_us * 1000;
	}
}

void edge_detector_init(struct edge_detector *det, const struct linecfg *cfg)
{
	memset(det, 0, sizeof(*det));
	edge_detector_reconfigure(det, cfg);
}

void edge_detector_reconfigure(struct edge_detector *det, const struct linecfg *cfg)
{
	uint16_t was_debounced = det->debounced;
	uint16_t starting;

	configure(det, cfg);
	det->armed &= det->watch;
	det->pending &= det->debounced;
	starting = det->debounced & ~was_debounced & det->armed;
	det->level = merge(det->level, det->raw, starting);
	publish(det);
}

void edge_detector_rearm(struct edge_detector *det)
{
	det->armed = 0;
	det->pending = 0;
}

/* Emit an event for line off if the logical edge to level is selected. */
static void report(struct edge_detector *det, unsigned int off, uint16_t physical,
		   uint64_t mono_ns, const struct edge_sample *s, edge_emit_fn emit, void *ctx)
{
	uint16_t b = bit(off);
	bool active = (physical ^ det->active_low) & b;
	struct gpio_v2_line_event ev;

	if (!((active ? det->rising : det->falling) & b))
		return;
	/* Zeroed whole: the padding goes to clients as is. */
	memset(&ev, 0, sizeof(ev));
	ev.timestamp_ns = (det->realtime & b) ?
		event_clock_to_realtime(mono_ns, s->realtime_offset_ns) : mono_ns;
	ev.id = active ? GPIO_V2_LINE_EVENT_RISING_EDGE : GPIO_V2_LINE_EVENT_FALLING_EDGE;
	ev.offset = off;
	ev.seqno = ++det->seqno;
	ev.line_seqno = ++det->line_seqno[off];
	emit(ctx, &ev);
}

static unsigned int earliest(const struct edge_detector *det, uint16_t lines)
{
	unsigned int best = pop_line(&lines);

	while (lines) {
		unsigned int off = pop_line(&lines);

		/* Strictly earlier: ties stay in offset order. */
		if (det->deadline_ns[off] < det->deadline_ns[best])
			best = off;
	}
	return best;
}

static uint16_t due_lines(const struct edge_detector *det, uint64_t now_ns)
{
	uint16_t pending = det->pending, due = 0;

	while (pending) {
		unsigned int off = pop_line(&pending);

		due = with(due, det->deadline_ns[off] <= now_ns, bit(off));
	}
	return due;
}

/* Pending changes whose deadline has passed become the debounced level. */
static void settle_due(struct edge_detector *det, const struct edge_sample *s,
		       edge_emit_fn emit, void *ctx)
{
	uint16_t due = due_lines(det, s->mono_ns);

	if (!due)
		return;
	while (due) {
		unsigned int off = earliest(det, due);

		due &= (uint16_t)~bit(off);
		det->pending &= (uint16_t)~bit(off);
		/* The pending level is the one the previous samples showed. */
		det->level = merge(det->level, det->raw, bit(off));
		report(det, off, det->level, det->deadline_ns[off], s, emit, ctx);
	}
	publish(det);
}

static void restart_debounce(struct edge_detector *det, uint16_t lines, const struct edge_sample *s)
{
	while (lines) {
		unsigned int off = pop_line(&lines);
		uint16_t b = bit(off);

		if ((s->raw ^ det->level) & b) {
			det->pending |= b;
			det->deadline_ns[off] = s->mono_ns + det->period_ns[off];
		} else {
			det->pending &= (uint16_t)~b;
		}
	}
}

static void take_baseline(struct edge_detector *det, uint16_t raw)
{
	uint16_t fresh = det->watch & ~det->armed;

	det->level = merge(det->level, raw, fresh);
	det->armed |= fresh;
	publish(det);
}

void edge_detector_feed(struct edge_detector *det, const struct edge_sample *s,
			edge_emit_fn emit, void *ctx)
{
	uint16_t changed, direct;

	if (det->pending)
		settle_due(det, s, emit, ctx);
	changed = (s->raw ^ det->raw) & det->armed;
	restart_debounce(det, changed & det->debounced, s);
	direct = changed & ~det->debounced;
	while (direct)
		report(det, pop_line(&direct), s->raw, s->mono_ns, s, emit, ctx);
	if (det->watch & ~det->armed)
		take_baseline(det, s->raw);
	det->raw = s->raw;
}

bool edge_detector_next_deadline(const struct edge_detector *det, uint64_t *deadline_ns)
{
	if (!det->pending)
		return false;
	*deadline_ns = det->deadline_ns[earliest(det, det->pending)];
	return true;
}

int edge_detector_debounced_value(const struct edge_detector *det, unsigned int offset)
{
	uint32_t word = __atomic_load_n(&det->published, __ATOMIC_RELAXED);

	if (offset >= LINECFG_CHIP_LINES_MAX || !(word >> 16 & bit(offset)))
		return -ENODATA;
	return (word & bit(offset)) ? 1 : 0;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	/* Cannot fail for MONOTONIC and REALTIME on Linux. */
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t event_clock_realtime_offset(void)
{
	uint64_t before = clock_ns(CLOCK_MONOTONIC);
	uint64_t real = clock_ns(CLOCK_REALTIME);
	uint64_t after = clock_ns(CLOCK_MONOTONIC);

	return (int64_t)(real - (before + (after - before) / 2));
}
