// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Edge detection and software debounce as a client sees the records:
 * which edges come out, their ids (logical, so active-low flips them),
 * offsets, seqnos, line_seqnos and timestamps, sample by sample.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "common/macros.h"
#include "events/edge.h"
#include "../tap.h"

#define F(x) GPIO_V2_LINE_FLAG_##x
#define IN F(INPUT)
#define BOTH (F(EDGE_RISING) | F(EDGE_FALLING))
#define RISE GPIO_V2_LINE_EVENT_RISING_EDGE
#define FALL GPIO_V2_LINE_EVENT_FALLING_EDGE
#define US 1000ull
#define MS 1000000ull
/* A realtime offset no test timestamp can be confused with. */
#define RT_OFFSET 1700000000000000000ll

static const struct linecfg_chip ft232h = {
	.lines = 16, .input_mask = 0xffff, .output_mask = 0xffff,
};

struct rec {
	struct gpio_v2_line_event ev[32];
	unsigned int n;
};

static void collect(void *ctx, const struct gpio_v2_line_event *ev)
{
	struct rec *r = ctx;

	if (r->n < ARRAY_SIZE(r->ev))
		r->ev[r->n] = *ev;
	r->n++;
}

struct line_spec {
	uint32_t offset;
	uint64_t flags;
	uint32_t debounce_us;
};

/* Build the request a client would send and validate it. */
static void make_cfg(struct linecfg *cfg, const struct line_spec *spec, unsigned int n)
{
	struct gpio_v2_line_request req;

	memset(&req, 0, sizeof(req));
	req.num_lines = n;
	for (unsigned int i = 0; i < n; i++) {
		struct gpio_v2_line_config_attribute *a = &req.config.attrs[req.config.num_attrs++];

		req.offsets[i] = spec[i].offset;
		a->attr.id = GPIO_V2_LINE_ATTR_ID_FLAGS;
		a->attr.flags = spec[i].flags;
		a->mask = 1ull << i;
		if (!spec[i].debounce_us)
			continue;
		a = &req.config.attrs[req.config.num_attrs++];
		a->attr.id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE;
		a->attr.debounce_period_us = spec[i].debounce_us;
		a->mask = 1ull << i;
	}
	if (linecfg_from_request(cfg, &req, &ft232h))
		tap_bail("test request refused");
}

static void setup_lines(struct edge_detector *det, const struct line_spec *spec, unsigned int n)
{
	struct linecfg cfg;

	make_cfg(&cfg, spec, n);
	edge_detector_init(det, &cfg);
}

static void reconfigure(struct edge_detector *det, const struct line_spec *spec, unsigned int n)
{
	struct linecfg cfg;

	make_cfg(&cfg, spec, n);
	edge_detector_reconfigure(det, &cfg);
}

static void setup_one(struct edge_detector *det, uint64_t flags, uint32_t debounce_us)
{
	struct line_spec spec = { 0, flags, debounce_us };

	setup_lines(det, &spec, 1);
}

static void feed(struct edge_detector *det, struct rec *r, uint16_t raw, uint64_t t_ns)
{
	struct edge_sample s = { .raw = raw, .mono_ns = t_ns, .realtime_offset_ns = RT_OFFSET };

	r->n = 0;
	edge_detector_feed(det, &s, collect, r);
}

static bool padding_zero(const struct gpio_v2_line_event *e)
{
	for (size_t i = 0; i < ARRAY_SIZE(e->padding); i++)
		if (e->padding[i])
			return false;
	return true;
}

static bool ev_is(const struct gpio_v2_line_event *e, uint32_t id, uint32_t offset, uint32_t seqno,
		  uint32_t line_seqno, uint64_t ts)
{
	if (e->id == id && e->offset == offset && e->seqno == seqno && e->line_seqno == line_seqno &&
	    e->timestamp_ns == ts && padding_zero(e))
		return true;
	tap_diag("got id %u offset %u seqno %u line_seqno %u ts %llu", e->id, e->offset, e->seqno,
		 e->line_seqno, (unsigned long long)e->timestamp_ns);
	tap_diag("want id %u offset %u seqno %u line_seqno %u ts %llu", id, offset, seqno, line_seqno,
		 (unsigned long long)ts);
	return false;
}

static bool one(const struct rec *r, uint32_t id, uint32_t offset, uint32_t seqno,
		uint32_t line_seqno, uint64_t ts)
{
	if (r->n != 1) {
		tap_diag("%u events, want 1", r->n);
		return false;
	}
	return ev_is(&r->ev[0], id, offset, seqno, line_seqno, ts);
}

static void test_both_edges_and_baseline(void)
{
	struct edge_detector det;
	struct rec r;

	setup_one(&det, IN | BOTH, 0);
	feed(&det, &r, 1, 1000);
	tap_ok(r.n == 0, "the first sample is a baseline, even with the line high");
	feed(&det, &r, 0, 2000);
	tap_ok(one(&r, FALL, 0, 1, 1, 2000), "high -> low: falling, seqno 1, stamped with its sample");
	feed(&det, &r, 0, 3000);
	tap_ok(r.n == 0, "no change, no event");
	feed(&det, &r, 1, 4000);
	tap_ok(one(&r, RISE, 0, 2, 2, 4000), "low -> high: rising; one line: seqno == line_seqno");
}

static void test_one_edge_kind(void)
{
	struct edge_detector det;
	struct rec r;
	bool quiet;

	setup_one(&det, IN | F(EDGE_RISING), 0);
	feed(&det, &r, 0, 0);
	feed(&det, &r, 1, 10);
	tap_ok(one(&r, RISE, 0, 1, 1, 10), "rising only: a rise is reported");
	feed(&det, &r, 0, 20);
	quiet = r.n == 0;
	feed(&det, &r, 1, 30);
	tap_ok(quiet && one(&r, RISE, 0, 2, 2, 30), "rising only: a fall is not, and uses no seqno");

	setup_one(&det, IN | F(EDGE_FALLING), 0);
	feed(&det, &r, 0, 0);
	feed(&det, &r, 1, 10);
	quiet = r.n == 0;
	feed(&det, &r, 0, 20);
	tap_ok(quiet && one(&r, FALL, 0, 1, 1, 20), "falling only: only the fall is reported");
}

static void test_active_low(void)
{
	struct edge_detector det;
	struct rec r;

	setup_one(&det, IN | BOTH | F(ACTIVE_LOW), 0);
	feed(&det, &r, 0, 0);
	feed(&det, &r, 1, 10);
	tap_ok(one(&r, FALL, 0, 1, 1, 10), "active-low: a physical rise is a falling event");
	feed(&det, &r, 0, 20);
	tap_ok(one(&r, RISE, 0, 2, 2, 20), "active-low: a physical fall is a rising event");

	setup_one(&det, IN | F(EDGE_RISING) | F(ACTIVE_LOW), 0);
	feed(&det, &r, 1, 0);
	feed(&det, &r, 0, 10);
	tap_ok(one(&r, RISE, 0, 1, 1, 10), "active-low, rising only: the physical fall is reported");
	feed(&det, &r, 1, 20);
	tap_ok(r.n == 0, "active-low, rising only: the physical rise is not");
}

static void test_many_lines(void)
{
	static const struct line_spec spec[] = {
		{ 11, IN | BOTH, 0 }, { 2, IN | BOTH, 0 }, { 7, IN | BOTH, 0 },
	};
	struct edge_detector det;
	struct rec r;

	setup_lines(&det, spec, ARRAY_SIZE(spec));
	feed(&det, &r, 0, 0);
	feed(&det, &r, 1u << 2 | 1u << 7 | 1u << 11, 50);
	tap_ok(r.n == 3 && ev_is(&r.ev[0], RISE, 2, 1, 1, 50) && ev_is(&r.ev[1], RISE, 7, 2, 1, 50) &&
	       ev_is(&r.ev[2], RISE, 11, 3, 1, 50),
	       "three lines in one sample: three events in offset order, seqnos 1 2 3");
	feed(&det, &r, 1u << 2 | 1u << 11, 60);
	tap_ok(one(&r, FALL, 7, 4, 2, 60), "seqno counts the request, line_seqno the line");
	feed(&det, &r, 1u << 7, 70);
	tap_ok(r.n == 3 && ev_is(&r.ev[0], FALL, 2, 5, 2, 70) && ev_is(&r.ev[1], RISE, 7, 6, 3, 70) &&
	       ev_is(&r.ev[2], FALL, 11, 7, 2, 70),
	       "mixed directions in one sample: offset order, consecutive seqnos");
}

static void test_unwatched_lines(void)
{
	static const struct line_spec spec[] = {
		{ 0, IN | BOTH, 0 }, { 1, F(OUTPUT), 0 }, { 2, IN, 0 }, { 3, 0, 0 },
	};
	struct edge_detector det;
	struct rec r;
	unsigned int events = 0;

	setup_lines(&det, spec, ARRAY_SIZE(spec));
	feed(&det, &r, 0, 0);
	/* Toggle lines 1-3 (output, input without edges, as-is) and 9 (not requested). */
	for (unsigned int i = 1; i < 20; i++) {
		feed(&det, &r, (i & 1) ? 0x020e : 0, i);
		events += r.n;
	}
	tap_ok(events == 0, "outputs, edgeless inputs, as-is and unrequested lines give no events");
}

static void test_realtime(void)
{
	static const struct line_spec spec[] = { { 0, IN | BOTH | F(EVENT_CLOCK_REALTIME), 0 },
						 { 1, IN | BOTH, 0 } };
	struct edge_detector det;
	struct rec r;

	setup_lines(&det, spec, ARRAY_SIZE(spec));
	feed(&det, &r, 0, 0);
	feed(&det, &r, 3, 5 * MS);
	tap_ok(r.n == 2 && ev_is(&r.ev[0], RISE, 0, 1, 1, 5 * MS + RT_OFFSET) &&
	       ev_is(&r.ev[1], RISE, 1, 2, 1, 5 * MS),
	       "EVENT_CLOCK_REALTIME line: monotonic + the sample's offset; other lines monotonic");
}

static void test_rearm(void)
{
	struct edge_detector det;
	struct rec r;
	bool quiet;

	setup_one(&det, IN | BOTH, 0);
	feed(&det, &r, 0, 0);
	feed(&det, &r, 1, 10);
	edge_detector_rearm(&det);
	feed(&det, &r, 0, 20);
	quiet = r.n == 0;
	feed(&det, &r, 1, 30);
	tap_ok(quiet && one(&r, RISE, 0, 2, 2, 30),
	       "rearm: the next sample is a baseline; seqnos continue");
}

static void test_reconfigure(void)
{
	static const struct line_spec before[] = { { 0, IN | BOTH, 0 }, { 1, IN, 0 } };
	static const struct line_spec after[] = { { 0, IN | F(EDGE_RISING), 0 }, { 1, IN | BOTH, 0 } };
	struct edge_detector det;
	struct rec r;
	bool quiet;

	setup_lines(&det, before, ARRAY_SIZE(before));
	feed(&det, &r, 0, 0);
	feed(&det, &r, 1, 10);
	reconfigure(&det, after, ARRAY_SIZE(after));
	feed(&det, &r, 0x2, 20);
	quiet = r.n == 0;
	feed(&det, &r, 0x3, 30);
	tap_ok(quiet && one(&r, RISE, 0, 2, 2, 30),
	       "reconfigure: a kept line keeps its baseline and seqnos, takes the new edges");
	feed(&det, &r, 0x1, 40);
	tap_ok(one(&r, FALL, 1, 3, 1, 40), "reconfigure: a newly watched line starts from a baseline");
}

/* Debounce: 1 ms period, the change first seen at 1 ms. */
static void test_debounce_stable(void)
{
	struct edge_detector det;
	struct rec r;
	uint64_t deadline = 0;
	unsigned int early = 0;

	setup_one(&det, IN | BOTH, 1000);
	feed(&det, &r, 0, 0);
	tap_ok(!edge_detector_next_deadline(&det, &deadline),
	       "debounce: nothing pending after the baseline");
	for (uint64_t t = 1 * MS; t < 2 * MS; t += 100 * US) {
		feed(&det, &r, 1, t);
		early += r.n;
	}
	tap_ok(early == 0 && edge_detector_next_deadline(&det, &deadline) && deadline == 2 * MS,
	       "debounce: no event before the period; deadline = first seen + period");
	feed(&det, &r, 1, 2 * MS + 50 * US);
	tap_ok(one(&r, RISE, 0, 1, 1, 2 * MS) && !edge_detector_next_deadline(&det, &deadline),
	       "debounce: one event at the next sample, stamped with the deadline, not the sample");

	feed(&det, &r, 0, 3 * MS);
	feed(&det, &r, 0, 4 * MS);
	tap_ok(one(&r, FALL, 0, 2, 2, 4 * MS), "debounce: a sample exactly at the deadline settles it");
}

static void test_debounce_bounce(void)
{
	struct edge_detector det;
	struct rec r;
	uint64_t deadline;
	unsigned int events = 0;

	setup_one(&det, IN | BOTH, 1000);
	feed(&det, &r, 0, 0);
	feed(&det, &r, 1, 1 * MS);
	events += r.n;
	feed(&det, &r, 0, 1 * MS + 500 * US);
	events += r.n;
	tap_ok(!edge_detector_next_deadline(&det, &deadline),
	       "bounce: returning within the period cancels");
	for (uint64_t t = 2 * MS; t < 5 * MS; t += 100 * US) {
		feed(&det, &r, 0, t);
		events += r.n;
	}
	tap_ok(events == 0, "bounce: a pulse shorter than the period gives nothing");

	feed(&det, &r, 1, 6 * MS);
	feed(&det, &r, 0, 6 * MS + 300 * US);
	feed(&det, &r, 1, 6 * MS + 600 * US);
	feed(&det, &r, 1, 7 * MS + 500 * US);
	events = r.n;
	feed(&det, &r, 1, 7 * MS + 600 * US);
	tap_ok(events == 0 && one(&r, RISE, 0, 1, 1, 7 * MS + 600 * US),
	       "bounce then stable: the period counts from the last change seen");
}

/* The deadline passes and the sample after it already shows the next change. */
static void test_debounce_change_at_deadline(void)
{
	struct edge_detector det;
	struct rec r;
	uint64_t deadline = 0;
	bool pending;

	setup_one(&det, IN | BOTH, 1000);
	feed(&det, &r, 0, 0);
	feed(&det, &r, 1, 1 * MS);
	feed(&det, &r, 1, 1 * MS + 900 * US);
	feed(&det, &r, 0, 2 * MS + 100 * US);
	pending = edge_detector_next_deadline(&det, &deadline);
	tap_ok(one(&r, RISE, 0, 1, 1, 2 * MS) && pending && deadline == 3 * MS + 100 * US,
	       "level seen for the whole period: event at the deadline, the new change pending");
	feed(&det, &r, 0, 3 * MS + 100 * US);
	tap_ok(one(&r, FALL, 0, 2, 2, 3 * MS + 100 * US), "and the new change settles in turn");
}

static void test_debounce_active_low_and_one_edge(void)
{
	struct edge_detector det;
	struct rec r;
	bool quiet;

	setup_one(&det, IN | BOTH | F(ACTIVE_LOW), 1000);
	feed(&det, &r, 1, 0);
	feed(&det, &r, 0, 1 * MS);
	feed(&det, &r, 0, 2 * MS);
	tap_ok(one(&r, RISE, 0, 1, 1, 2 * MS), "debounce + active-low: a stable physical fall is rising");

	/* Rising only: the debounced level still follows falls. */
	setup_one(&det, IN | F(EDGE_RISING), 1000);
	feed(&det, &r, 0, 0);
	feed(&det, &r, 1, 1 * MS);
	feed(&det, &r, 1, 2 * MS);
	tap_ok(one(&r, RISE, 0, 1, 1, 2 * MS), "debounce, rising only: the rise");
	feed(&det, &r, 0, 3 * MS);
	feed(&det, &r, 0, 4 * MS);
	quiet = r.n == 0;
	feed(&det, &r, 1, 5 * MS);
	feed(&det, &r, 1, 6 * MS);
	tap_ok(quiet && one(&r, RISE, 0, 2, 2, 6 * MS),
	       "debounce, rising only: the fall is silent but tracked, so the next rise counts");
}

/* Expired debounces come first in deadline order, then the sample's edges. */
static void test_debounce_order(void)
{
	static const struct line_spec spec[] = {
		{ 0, IN | BOTH, 0 }, { 1, IN | BOTH, 500 }, { 4, IN | BOTH, 600 },
	};
	struct edge_detector det;
	struct rec r;
	uint64_t deadline = 0;
	bool earliest;

	setup_lines(&det, spec, ARRAY_SIZE(spec));
	feed(&det, &r, 0, 0);
	feed(&det, &r, 1u << 4, 1 * MS);		/* deadline 1.6 ms */
	feed(&det, &r, 1u << 4 | 1u << 1, 1 * MS + 200 * US);	/* deadline 1.7 ms */
	earliest = edge_detector_next_deadline(&det, &deadline) && deadline == 1 * MS + 600 * US;
	feed(&det, &r, 1u << 4 | 1u << 1 | 1u << 0, 1 * MS + 800 * US);
	tap_ok(earliest, "next deadline: the earliest of several pending");
	tap_ok(r.n == 3 && ev_is(&r.ev[0], RISE, 4, 1, 1, 1 * MS + 600 * US) &&
	       ev_is(&r.ev[1], RISE, 1, 2, 1, 1 * MS + 700 * US) &&
	       ev_is(&r.ev[2], RISE, 0, 3, 1, 1 * MS + 800 * US),
	       "one sample: debounced events by deadline, then direct edges; timestamps rise with seqno");
}

static void test_debounced_value(void)
{
	static const struct line_spec spec[] = {
		{ 0, IN, 1000 }, { 1, IN | F(ACTIVE_LOW), 1000 }, { 2, IN | BOTH, 0 },
	};
	struct edge_detector det;
	struct rec r;
	unsigned int events = 0;
	bool held;

	setup_lines(&det, spec, ARRAY_SIZE(spec));
	tap_ok(edge_detector_debounced_value(&det, 0) == -ENODATA,
	       "debounced value: none before a sample");
	feed(&det, &r, 0x3, 0);
	tap_ok(edge_detector_debounced_value(&det, 0) == 1 && edge_detector_debounced_value(&det, 1) == 0,
	       "debounced value: logical (active-low applied) after the baseline");
	feed(&det, &r, 0x0, 1 * MS);
	events += r.n;
	held = edge_detector_debounced_value(&det, 0) == 1;
	feed(&det, &r, 0x0, 2 * MS);
	events += r.n;
	tap_ok(held && edge_detector_debounced_value(&det, 0) == 0 &&
	       edge_detector_debounced_value(&det, 1) == 1 && events == 0,
	       "debounced value: changes at the deadline; debounce without edges emits nothing");
	tap_ok(edge_detector_debounced_value(&det, 2) == -ENODATA &&
	       edge_detector_debounced_value(&det, 9) == -ENODATA &&
	       edge_detector_debounced_value(&det, 99) == -ENODATA,
	       "debounced value: none for undebounced, unrequested or impossible lines");
}

static void test_debounce_dropped(void)
{
	static const struct line_spec deb[] = { { 0, IN | BOTH, 1000 } };
	static const struct line_spec direct[] = { { 0, IN | BOTH, 0 } };
	struct edge_detector det;
	struct rec r;
	uint64_t deadline;
	bool dropped;

	setup_lines(&det, deb, 1);
	feed(&det, &r, 0, 0);
	feed(&det, &r, 1, 1 * MS);
	reconfigure(&det, direct, 1);
	dropped = !edge_detector_next_deadline(&det, &deadline);
	feed(&det, &r, 1, 3 * MS);
	tap_ok(dropped && r.n == 0, "debounce switched off: the pending change is dropped");
	feed(&det, &r, 0, 4 * MS);
	tap_ok(one(&r, FALL, 0, 1, 1, 4 * MS), "and the line then reports edges directly");

	setup_lines(&det, deb, 1);
	feed(&det, &r, 0, 0);
	feed(&det, &r, 1, 1 * MS);
	edge_detector_rearm(&det);
	dropped = !edge_detector_next_deadline(&det, &deadline);
	feed(&det, &r, 1, 3 * MS);
	tap_ok(dropped && r.n == 0, "rearm drops a pending change");
}

static uint64_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void test_clock(void)
{
	int64_t off = event_clock_realtime_offset();
	uint64_t mono = now_ns(CLOCK_MONOTONIC);
	uint64_t real = now_ns(CLOCK_REALTIME);
	uint64_t conv = event_clock_to_realtime(mono, off);
	uint64_t err = conv > real ? conv - real : real - conv;

	tap_ok(err < 50 * MS, "realtime offset converts a monotonic time to within 50 ms (%llu ns)",
	       (unsigned long long)err);
	tap_ok(event_clock_to_realtime(5000, -2000) == 3000, "negative offsets convert too");
}

int main(void)
{
	tap_plan(42);
	test_both_edges_and_baseline();
	test_one_edge_kind();
	test_active_low();
	test_many_lines();
	test_unwatched_lines();
	test_realtime();
	test_rearm();
	test_reconfigure();
	test_debounce_stable();
	test_debounce_bounce();
	test_debounce_change_at_deadline();
	test_debounce_active_low_and_one_edge();
	test_debounce_order();
	test_debounced_value();
	test_debounce_dropped();
	test_clock();
	return tap_done();
}
