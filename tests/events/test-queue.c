// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The per-request event queue as a reader of the event fd relies on it:
 * capacity as the kernel sizes it, FIFO order, whole records, the oldest
 * dropped when full with the loss visible as a seqno gap, and, with a real
 * producer and consumer thread racing on a tiny queue, every delivered
 * record intact and in order and nothing counted twice or lost uncounted.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "common/macros.h"
#include "events/queue.h"
#include "../tap.h"

static struct gpio_v2_line_event make_event(uint32_t seqno)
{
	struct gpio_v2_line_event ev;

	/* Every field, padding included, derived from seqno: tears show. */
	ev.timestamp_ns = (uint64_t)seqno * 1000003u;
	ev.id = 1 + (seqno & 1);
	ev.offset = seqno % 16;
	ev.seqno = seqno;
	ev.line_seqno = seqno ^ 0xa5a5a5a5u;
	for (size_t i = 0; i < ARRAY_SIZE(ev.padding); i++)
		ev.padding[i] = seqno + (uint32_t)i;
	return ev;
}

static bool intact(const struct gpio_v2_line_event *ev)
{
	struct gpio_v2_line_event want = make_event(ev->seqno);

	return !memcmp(ev, &want, sizeof(want));
}

static void push_range(struct event_queue *q, uint32_t first, uint32_t last)
{
	for (uint32_t s = first; s <= last; s++) {
		struct gpio_v2_line_event ev = make_event(s);

		event_queue_push(q, &ev);
	}
}

static void test_capacity(void)
{
	static const struct {
		unsigned int size, cap;
	} sizes[] = { { 2, 2 }, { 3, 4 }, { 16, 16 }, { 48, 64 }, { 1000, 1024 }, { 1024, 1024 } };
	struct event_queue *q = NULL;
	bool all = true;

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (event_queue_new(&q, sizes[i].size)) {
			all = false;
			continue;
		}
		all &= event_queue_capacity(q) == sizes[i].cap;
		q = event_queue_free(q);
	}
	tap_ok(all, "capacity: event_buffer_size rounded up to a power of two (48 -> 64), as kfifo");
	tap_ok(event_queue_new(&q, 0) == -EINVAL && event_queue_new(&q, 1) == -EINVAL &&
	       event_queue_new(&q, 1025) == -EINVAL && !q,
	       "sizes 0, 1 and above 1024 refused");
	tap_ok(event_queue_free(NULL) == NULL, "free accepts NULL");
}

static void test_fifo(void)
{
	_cleanup_(event_queue_freep) struct event_queue *q = NULL;
	struct gpio_v2_line_event buf[8];
	struct event_queue_stats st;
	int a, b;

	if (event_queue_new(&q, 16))
		tap_bail("event_queue_new");
	tap_ok(event_queue_read(q, buf, 8) == 0 && event_queue_len(q) == 0, "empty: read returns 0");
	tap_ok(event_queue_read(q, buf, 0) == -EINVAL, "reading 0 records: EINVAL, as read() < 48 bytes");
	push_range(q, 1, 5);
	tap_ok(event_queue_len(q) == 5, "len counts what waits");

	/* A canary after the 2 records asked for: whole records only, no more. */
	memset(buf, 0xee, sizeof(buf));
	a = event_queue_read(q, buf, 2);
	tap_ok(a == 2 && buf[0].seqno == 1 && buf[1].seqno == 2 && intact(&buf[0]) && intact(&buf[1]) &&
	       buf[2].seqno == 0xeeeeeeee,
	       "read 2 of 5: the two oldest, whole, nothing past them written");
	b = event_queue_read(q, buf, 8);
	tap_ok(b == 3 && buf[0].seqno == 3 && buf[2].seqno == 5 && intact(&buf[2]),
	       "read up to 8: the remaining 3 in order");
	event_queue_stats(q, &st);
	tap_ok(st.pushed == 5 && st.dropped == 0 && event_queue_read(q, buf, 8) == 0,
	       "stats: 5 pushed, none dropped; empty again");
}

static void test_drop_oldest(void)
{
	_cleanup_(event_queue_freep) struct event_queue *q = NULL;
	struct gpio_v2_line_event buf[32];
	struct event_queue_stats st;
	bool in_order = true;
	int n;

	if (event_queue_new(&q, 16))
		tap_bail("event_queue_new");
	push_range(q, 1, 19);
	event_queue_stats(q, &st);
	tap_ok(event_queue_len(q) == 16 && st.pushed == 19 && st.dropped == 3,
	       "full: 19 pushed into 16, the 3 oldest dropped and counted");
	n = event_queue_read(q, buf, ARRAY_SIZE(buf));
	for (int i = 0; i < n; i++)
		in_order &= buf[i].seqno == (uint32_t)(4 + i) && intact(&buf[i]);
	tap_ok(n == 16 && in_order, "the reader gets 4..19: the gap before 4 shows the loss");

	push_range(q, 20, 21);
	n = event_queue_read(q, buf, 1);
	tap_ok(n == 1 && buf[0].seqno == 20, "after draining, no further loss");
}

struct stress {
	struct event_queue *q;
	uint32_t count;
	int started;			/* ATOMIC */
	int done;			/* ATOMIC */
	/* Consumer's findings. */
	uint64_t delivered, torn, disorder;
};

/*
 * Now and then give the CPU away, so the two threads interleave often even
 * when they share one core; on two cores they also truly race.
 */
static void maybe_yield(uint32_t *rng, uint32_t one_in)
{
	*rng = *rng * 1103515245u + 12345u;
	if ((*rng >> 16) % one_in == 0)
		sched_yield();
}

static void *producer(void *arg)
{
	struct stress *s = arg;
	uint32_t rng = 54321;

	while (!__atomic_load_n(&s->started, __ATOMIC_ACQUIRE))
		;
	for (uint32_t i = 1; i <= s->count; i++) {
		struct gpio_v2_line_event ev = make_event(i);

		event_queue_push(s->q, &ev);
		maybe_yield(&rng, 256);
	}
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void check_batch(struct stress *s, const struct gpio_v2_line_event *buf, int n,
			uint32_t *last)
{
	for (int i = 0; i < n; i++) {
		s->torn += !intact(&buf[i]);
		s->disorder += buf[i].seqno <= *last;
		*last = buf[i].seqno;
	}
	s->delivered += (uint64_t)n;
}

/* Reads in batches of 1 to 7; yields when it finds nothing. */
static void consume(struct stress *s)
{
	struct gpio_v2_line_event buf[8];
	uint32_t last = 0, rng = 12345;
	bool done;

	__atomic_store_n(&s->started, 1, __ATOMIC_RELEASE);
	do {
		int n;

		done = __atomic_load_n(&s->done, __ATOMIC_ACQUIRE);
		rng = rng * 1103515245u + 12345u;
		n = event_queue_read(s->q, buf, 1 + (rng >> 16) % 7);
		check_batch(s, buf, n, &last);
		if (n == 0)
			sched_yield();
	} while (!done || event_queue_len(s->q));
}

static void stress(unsigned int size, uint32_t count)
{
	struct stress s = { .count = count };
	struct event_queue_stats st;
	pthread_t t;

	if (event_queue_new(&s.q, size))
		tap_bail("event_queue_new");
	if (pthread_create(&t, NULL, producer, &s))
		tap_bail("pthread_create");
	consume(&s);
	pthread_join(t, NULL);
	event_queue_stats(s.q, &st);
	tap_ok(s.torn == 0 && s.disorder == 0,
	       "SPSC, capacity %u: %llu records delivered, none torn, seqnos strictly increasing",
	       event_queue_capacity(s.q), (unsigned long long)s.delivered);
	tap_ok(st.pushed == count && s.delivered + st.dropped == count,
	       "SPSC, capacity %u: delivered %llu + dropped %llu == generated %u",
	       event_queue_capacity(s.q), (unsigned long long)s.delivered,
	       (unsigned long long)st.dropped, count);
	s.q = event_queue_free(s.q);
}

/*
 * The race that matters, made frequent on any machine: a timer signal
 * interrupts the consumer at arbitrary points, inside event_queue_read()
 * too, and its handler plays the producer (push is lock-free, so it may run
 * in a handler). On a capacity-2 queue every push then drops, often the
 * very record the interrupted read is copying.
 */
#ifdef MPSSED_TSAN
/* TSan runs handlers only at its own safe points, never inside a read. */
#define HANDLERS_INTERRUPT_READS false
#else
#define HANDLERS_INTERRUPT_READS true
#endif

static struct event_queue *sig_q;
static uint32_t sig_pushed;	/* ATOMIC: written by the handler only */

static void push_from_handler(int sig)
{
	uint32_t next = __atomic_load_n(&sig_pushed, __ATOMIC_RELAXED);

	for (uint32_t i = 1; i <= 1 + next % 3; i++) {
		struct gpio_v2_line_event ev = make_event(next + i);

		event_queue_push(sig_q, &ev);
	}
	__atomic_store_n(&sig_pushed, next + 1 + next % 3, __ATOMIC_RELAXED);
}

static void set_timer(long usec)
{
	struct itimerval it = { { 0, usec }, { 0, usec } };

	if (setitimer(ITIMER_REAL, &it, NULL))
		tap_bail("setitimer");
}

static void handle_alarm(void (*handler)(int), int how)
{
	struct sigaction sa = { .sa_handler = handler, .sa_flags = SA_RESTART };
	sigset_t set;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigprocmask(how, &set, NULL);
}

static void test_interrupted_reads(uint32_t count)
{
	/* A handler pushes at most 3; at most one more runs after the loop. */
	_cleanup_free_ struct gpio_v2_line_event *got = calloc(count + 8, sizeof(*got));
	struct stress s = { .count = count };
	struct event_queue_stats st;
	uint32_t last = 0;
	int n = 0;

	if (!HANDLERS_INTERRUPT_READS) {
		tap_skip("interrupted reads: TSan defers signal handlers");
		return;
	}
	if (!got || event_queue_new(&sig_q, 2))
		tap_bail("out of memory");
	handle_alarm(push_from_handler, SIG_UNBLOCK);
	set_timer(20);
	/* Nothing but reads in this loop, so most signals land inside one. */
	while (__atomic_load_n(&sig_pushed, __ATOMIC_RELAXED) < count)
		n += event_queue_read(sig_q, got + n, 2);
	handle_alarm(push_from_handler, SIG_BLOCK);
	set_timer(0);
	handle_alarm(SIG_IGN, SIG_UNBLOCK);
	n += event_queue_read(sig_q, got + n, 2);
	check_batch(&s, got, n, &last);
	event_queue_stats(sig_q, &st);
	tap_ok(s.torn == 0 && s.disorder == 0 && st.pushed == sig_pushed &&
	       s.delivered + st.dropped == st.pushed,
	       "reads interrupted by pushes: %llu delivered whole and in order + %llu dropped == %llu",
	       (unsigned long long)s.delivered, (unsigned long long)st.dropped,
	       (unsigned long long)st.pushed);
	sig_q = event_queue_free(sig_q);
}

int main(void)
{
	tap_plan(3 + 6 + 3 + 4 + 1);
	test_capacity();
	test_fifo();
	test_drop_oldest();
	/* A tiny queue: the producer drops while the consumer copies. */
	stress(2, 200000);
	/* The default size for 4 lines: mostly whole batches. */
	stress(64, 200000);
	test_interrupted_reads(20000);
	return tap_done();
}
