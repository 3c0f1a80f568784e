// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "events/linecfg.h"
#include "events/queue.h"

#define WORDS (sizeof(struct gpio_v2_line_event) / sizeof(uint64_t))
/* Producer, consumer and read-only fields on lines of their own. */
#define CACHELINE 64

struct event_queue {
	uint64_t mask;				/* capacity - 1; read-only */
	_Alignas(CACHELINE) uint64_t head;	/* ATOMIC: next position pushed; producer writes */
	uint64_t dropped;			/* ATOMIC: producer writes */
	_Alignas(CACHELINE) uint64_t tail;	/* ATOMIC: oldest unread position; CAS by both */
	_Alignas(CACHELINE) uint64_t slots[][WORDS];	/* ATOMIC words */
};

static unsigned int roundup_pow2(unsigned int n)
{
	return 1u << (32 - __builtin_clz(n - 1));
}

int event_queue_new(struct event_queue **out, unsigned int event_buffer_size)
{
	struct event_queue *q;
	unsigned int cap;
	size_t size;

	if (event_buffer_size < 2 || event_buffer_size > LINECFG_EVENT_BUFFER_MAX)
		return -EINVAL;
	cap = roundup_pow2(event_buffer_size);
	size = sizeof(*q) + cap * sizeof(q->slots[0]);
	if (posix_memalign((void **)&q, CACHELINE, size))
		return -ENOMEM;
	memset(q, 0, size);
	q->mask = cap - 1;
	*out = q;
	return 0;
}

struct event_queue *event_queue_free(struct event_queue *q)
{
	free(q);
	return NULL;
}

unsigned int event_queue_capacity(const struct event_queue *q)
{
	return (unsigned int)q->mask + 1;
}

static void store_record(uint64_t *slot, const struct gpio_v2_line_event *ev)
{
	uint64_t w[WORDS];

	memcpy(w, ev, sizeof(w));
	/* Release: a reader that sees any of these also sees the tail we moved. */
	for (size_t i = 0; i < WORDS; i++)
		__atomic_store_n(&slot[i], w[i], __ATOMIC_RELEASE);
}

static void load_record(struct gpio_v2_line_event *ev, const uint64_t *slot)
{
	uint64_t w[WORDS];

	for (size_t i = 0; i < WORDS; i++)
		w[i] = __atomic_load_n(&slot[i], __ATOMIC_ACQUIRE);
	memcpy(ev, w, sizeof(w));
}

/* Full: move tail past the oldest record, unless the consumer just did. */
static void drop_oldest(struct event_queue *q, uint64_t tail)
{
	uint64_t dropped;

	if (!__atomic_compare_exchange_n(&q->tail, &tail, tail + 1, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return;
	dropped = __atomic_load_n(&q->dropped, __ATOMIC_RELAXED);
	__atomic_store_n(&q->dropped, dropped + 1, __ATOMIC_RELAXED);
}

void event_queue_push(struct event_queue *q, const struct gpio_v2_line_event *ev)
{
	uint64_t head = __atomic_load_n(&q->head, __ATOMIC_RELAXED);
	uint64_t tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);

	if (head - tail > q->mask)
		drop_oldest(q, tail);
	store_record(q->slots[head & q->mask], ev);
	__atomic_store_n(&q->head, head + 1, __ATOMIC_RELEASE);
}

/*
 * Claim positions [first, end) whose records are copied in buf. Returns
 * how many of the newest ones are ours, moved to the front of buf; 0 when
 * the producer dropped them all while we copied.
 */
static unsigned int claim(struct event_queue *q, struct gpio_v2_line_event *buf,
			  uint64_t first, uint64_t end)
{
	uint64_t tail = first;

	while (!__atomic_compare_exchange_n(&q->tail, &tail, end, false, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE)) {
		if (tail >= end)
			return 0;
	}
	if (tail != first)
		memmove(buf, buf + (tail - first), (end - tail) * sizeof(*buf));
	return (unsigned int)(end - tail);
}

int event_queue_read(struct event_queue *q, struct gpio_v2_line_event *buf, unsigned int n)
{
	if (n == 0)
		return -EINVAL;
	for (;;) {
		/* tail first: head only grows, so head - tail cannot go negative. */
		uint64_t tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
		uint64_t head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
		uint64_t count = head - tail;
		unsigned int got;

		if (count == 0)
			return 0;
		if (count > n)
			count = n;
		if (count > q->mask + 1)
			count = q->mask + 1;
		for (uint64_t i = 0; i < count; i++)
			load_record(&buf[i], q->slots[(tail + i) & q->mask]);
		got = claim(q, buf, tail, tail + count);
		if (got)
			return (int)got;
	}
}

unsigned int event_queue_len(const struct event_queue *q)
{
	uint64_t tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
	uint64_t head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
	uint64_t len = head - tail;

	return (unsigned int)(len > q->mask ? q->mask + 1 : len);
}

void event_queue_stats(const struct event_queue *q, struct event_queue_stats *st)
{
	st->pushed = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
	st->dropped = __atomic_load_n(&q->dropped, __ATOMIC_RELAXED);
}
