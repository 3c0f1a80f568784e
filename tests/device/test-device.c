// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The device layer against emulated chips, as the server uses it: the
 * registry and names, line requests with the kernel's errnos, values by
 * request position with active-low, reconfiguration, line info and
 * watcher records, edge events end to end (emulator pin -> poller ->
 * request queue -> eventfd), debounce, queue overflow, fresh values while
 * the poller owns the IN endpoint, and the single-sampler guarantee.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "../tap.h"
#include "common/rcu.h"
#include "helpers.h"

static struct core *new_core(unsigned reads)
{
	struct core_config cfg = { .reads_in_flight = reads };
	struct core *core = NULL;

	if (core_new(&core, &cfg) < 0)
		tap_bail("core_new failed");
	return core;
}

/* An emulated chip (timing model on) and its first interface's chip. */
static struct gpio_chip *add_emu(struct core *core, enum emu_model model, const char *name,
				 struct emu_chip **emu)
{
	const struct emu_config ec = { .model = model, .timing = true };
	const char *names[EMU_INTERFACES_MAX] = { name };
	struct gpio_chip *chip;
	unsigned intf = 99;
	int r;

	r = core_add_emulator(core, &ec, names, emu);
	if (r < 0)
		tap_bail("core_add_emulator: %s", strerror(-r));
	chip = core_find_chip(core, name);
	if (!chip || gpio_chip_emulator(chip, &intf) != *emu || intf != 0)
		tap_bail("chip %s not found", name);
	return chip;
}

static int request(struct gpio_chip *chip, const unsigned *offsets, unsigned n, uint64_t flags,
		   struct line_request **out)
{
	struct gpio_v2_line_request req;

	t_request(&req, offsets, n, flags, "test");
	return gpio_chip_request_lines(chip, &req, NULL, out);
}

static bool emu_pin(struct emu_chip *emu, unsigned line)
{
	return emu_chip_pins(emu, 0) >> line & 1;
}

/* --- Core and registry -------------------------------------------------------- */

static void test_config(void)
{
	struct core_config cfg = { .mode = SAMPLE_MODE_PACED };
	struct core *core = NULL;
	int r;

	tap_ok(core_new(&core, &cfg) == 0 && core, "paced sampling by default");
	core = core_free(core);
	cfg = (struct core_config){ .mode = SAMPLE_MODE_PACED, .period_ns = 4900 };
	tap_ok(core_new(&core, &cfg) == -EINVAL, "a period under 5 us: EINVAL");
	cfg = (struct core_config){ .mode = SAMPLE_MODE_PACED, .period_ns = 10050 };
	tap_ok(core_new(&core, &cfg) == -EINVAL, "a period not in 100 ns steps: EINVAL");
	cfg = (struct core_config){ .mode = 7 };
	tap_ok(core_new(&core, &cfg) == -EINVAL, "an unknown mode: EINVAL");
	cfg = (struct core_config){ .reads_in_flight = 17 };
	tap_ok(core_new(&core, &cfg) == -EINVAL, "more than 16 reads in flight: EINVAL");
	tap_ok(core_new(&core, NULL) == 0 && core, "defaults");
	r = core_start_usb(core);
	/* No USB here: a clean error or an empty bus, and a clean stop either way. */
	tap_ok(r == 0 || r == -EOPNOTSUPP || r == -EIO || r == -ENODEV || r == -EACCES,
	       "USB source: %s", r ? strerror(-r) : "started");
	tap_ok(r < 0 || core_start_usb(core) == -EALREADY, "started once only");
	core_free(core);
	tap_ok(core_free(NULL) == NULL, "core_free(NULL)");
}

struct order {
	char names[8][GPIO_MAX_NAME_SIZE];
	unsigned n;
};

static void note_name(struct gpio_chip *chip, void *data)
{
	struct order *o = data;

	if (o->n < 8)
		snprintf(o->names[o->n++], GPIO_MAX_NAME_SIZE, "%s", gpio_chip_name(chip));
}

static void test_registry(void)
{
	const struct emu_config dual = { .model = EMU_FT2232H }, quad = { .model = EMU_FT4232H };
	const char *left[] = { "left", NULL };
	struct core *core = new_core(0);
	struct gpio_chip *chip;
	struct gpiochip_info info;
	struct emu_chip *emu;
	struct order o = { .n = 0 };
	unsigned intf = 9;

	tap_ok(core_add_emulator(core, &dual, NULL, &emu) == 0, "FT2232H added");
	tap_ok(t_readable(core_changes_fd(core), 0), "the changes fd says so");
	core_ack_changes(core);
	tap_ok(!t_readable(core_changes_fd(core), 0), "ack clears it");
	tap_ok(core_add_emulator(core, &quad, left, NULL) == 0, "FT4232H added with a name");
	tap_ok(core_add_emulator(core, &quad, left, NULL) == -EEXIST, "a name in use: EEXIST");
	core_for_each_chip(core, note_name, &o);
	tap_ok(o.n == 4 && !strcmp(o.names[0], "mpsse0") && !strcmp(o.names[1], "mpsse1") &&
		       !strcmp(o.names[2], "left") && !strcmp(o.names[3], "mpsse2"),
	       "names in creation order: %s %s %s %s", o.names[0], o.names[1], o.names[2], o.names[3]);
	errno = 0;
	tap_ok(!core_find_chip(core, "nope") && errno == ENOENT, "unknown chip: ENOENT");
	chip = core_find_chip(core, "mpsse1");
	tap_ok(chip && gpio_chip_present(chip), "mpsse1 found and present");
	gpio_chip_info(chip, &info);
	tap_ok(!strcmp(info.name, "mpsse1") && info.lines == 16 &&
		       !strcmp(info.label, "FT2232H B serial=FT000002"),
	       "info: %s [%s] %u lines", info.name, info.label, info.lines);
	tap_ok(gpio_chip_emulator(chip, &intf) == emu && intf == 1, "emulator and interface B");
	tap_ok(gpio_chip_find_line(chip, "ACBUS2") == 10 && gpio_chip_find_line(chip, "x") == -ENOENT,
	       "lines by name");
	gpio_chip_unref(chip);
	chip = core_find_chip(core, "left");
	gpio_chip_info(chip, &info);
	tap_ok(info.lines == 8, "FT4232H: 8 lines");
	gpio_chip_unref(chip);
	core_free(core);
}

/* --- Requests ---------------------------------------------------------------- */

static void test_requests(struct gpio_chip *chip, struct emu_chip *emu)
{
	static const unsigned zero[] = { 0 }, twice[] = { 1, 1 }, past[] = { 16 };
	struct line_request *a = NULL, *b = NULL;
	struct gpio_v2_line_info info;

	tap_ok(request(chip, zero, 1, FLAG(OUTPUT), &a) == 0, "request line 0 as output");
	tap_ok(emu_chip_directions(emu, 0) & 1, "the chip drives it");
	tap_ok(request(chip, zero, 1, FLAG(INPUT), &b) == -EBUSY, "held line: EBUSY");
	tap_ok(request(chip, twice, 2, FLAG(INPUT), &b) == -EBUSY, "a line twice in one request: EBUSY");
	tap_ok(request(chip, past, 1, FLAG(INPUT), &b) == -EINVAL, "offset 16: EINVAL");
	tap_ok(request(chip, zero, 1, FLAG(INPUT) | FLAG(OUTPUT), &b) == -EINVAL,
	       "input and output: EINVAL");
	tap_ok(request(chip, zero, 0, FLAG(INPUT), &b) == -EINVAL, "no lines: EINVAL");
	gpio_chip_line_info(chip, 0, &info);
	tap_ok((info.flags & FLAG(USED)) && (info.flags & FLAG(OUTPUT)) &&
		       !strcmp(info.consumer, "test") && !strcmp(info.name, "ADBUS0"),
	       "line info of a held line: %s %s flags %llx", info.name, info.consumer,
	       (unsigned long long)info.flags);
	tap_ok(line_request_release(a) == NULL, "released");
	gpio_chip_line_info(chip, 0, &info);
	tap_ok(!(info.flags & FLAG(USED)) && !info.consumer[0] && (info.flags & FLAG(OUTPUT)),
	       "released: not used, still an output (configuration stays)");
	tap_ok(request(chip, zero, 1, FLAG(INPUT), &b) == 0 && !(emu_chip_directions(emu, 0) & 1),
	       "requested again, as input");
	line_request_release(b);
	tap_ok(gpio_chip_line_info(chip, 16, &info) == -EINVAL, "line info past the end: EINVAL");
}

static void test_values(struct gpio_chip *chip, struct emu_chip *emu)
{
	static const unsigned outs[] = { 3, 1 }, ins[] = { 5, 6 };
	const struct gpio_v2_line_attribute low = { .id = GPIO_V2_LINE_ATTR_ID_FLAGS,
						    .flags = FLAG(OUTPUT) | FLAG(ACTIVE_LOW) };
	const struct gpio_v2_line_attribute vals = { .id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES,
						     .values = 1 };
	const struct gpio_v2_line_attribute in_low = { .id = GPIO_V2_LINE_ATTR_ID_FLAGS,
						       .flags = FLAG(INPUT) | FLAG(ACTIVE_LOW) };
	struct gpio_v2_line_request ureq;
	struct line_request *o = NULL, *i = NULL;
	uint64_t bits = 99;

	t_request(&ureq, outs, 2, FLAG(OUTPUT), "values");
	t_attr(&ureq.config, 1, &low);
	t_attr(&ureq.config, 3, &vals);
	tap_ok(gpio_chip_request_lines(chip, &ureq, NULL, &o) == 0, "outputs 3 (active-low), 1");
	tap_ok(!emu_pin(emu, 3) && !emu_pin(emu, 1), "initial values: logical 1 on active-low is low");
	tap_ok(line_request_set_values(o, 3, 2) == 0 && emu_pin(emu, 3) && emu_pin(emu, 1),
	       "set by position: index 0 inactive (high), index 1 active");
	tap_ok(line_request_get_values(o, 3, &bits) == 0 && bits == 2, "get by position");
	tap_ok(line_request_set_values(o, 2, 0) == 0 && !emu_pin(emu, 1) && emu_pin(emu, 3),
	       "mask leaves the other line alone");
	tap_ok(line_request_set_values(o, 0, 0) == -EINVAL, "empty mask: EINVAL");

	t_request(&ureq, ins, 2, FLAG(INPUT), "values");
	t_attr(&ureq.config, 2, &in_low);
	tap_ok(gpio_chip_request_lines(chip, &ureq, NULL, &i) == 0, "inputs 5, 6 (active-low)");
	emu_chip_set_input(emu, 0, 5, true);
	emu_chip_set_input(emu, 0, 6, true);
	tap_ok(line_request_get_values(i, 3, &bits) == 0 && bits == 1,
	       "inputs high: 1 and (active-low) 0");
	emu_chip_set_input(emu, 0, 6, false);
	tap_ok(line_request_get_values(i, 2, &bits) == 0 && bits == 2, "only the masked line");
	tap_ok(line_request_set_values(i, 1, 1) == -EPERM, "setting an input: EPERM");
	line_request_release(i);
	line_request_release(o);
}

static void test_open_drain(struct gpio_chip *chip, struct emu_chip *emu)
{
	/* A line nothing outside drives, so the board's pull-up shows. */
	static const unsigned line[] = { 8 };
	struct line_request *r = NULL;

	tap_ok(request(chip, line, 1, FLAG(OUTPUT) | FLAG(OPEN_DRAIN), &r) == 0 && !emu_pin(emu, 8),
	       "open-drain output at 0 drives low");
	tap_ok(line_request_set_values(r, 1, 1) == 0 && emu_pin(emu, 8), "at 1 it lets go (pulled up)");
	line_request_release(r);
	tap_ok(request(chip, line, 1, FLAG(INPUT) | FLAG(OPEN_DRAIN), &r) == -EINVAL,
	       "open-drain on an input: EINVAL");
}

static bool next_change(struct line_watcher *w, uint32_t type, unsigned offset, uint64_t flag)
{
	struct gpio_v2_line_info_changed chg;

	if (!t_readable(gpio_chip_watcher_fd(w), WAIT_MS) || gpio_chip_watcher_read(w, &chg, 1) != 1)
		return false;
	return chg.event_type == type && chg.info.offset == offset && (chg.info.flags & flag) == flag &&
	       chg.timestamp_ns;
}

static void test_watch_reconfigure(struct gpio_chip *chip, struct emu_chip *emu)
{
	static const unsigned line[] = { 4 };
	struct gpio_v2_line_config out = { .flags = FLAG(OUTPUT) };
	const struct gpio_v2_line_attribute one = { .id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES,
						    .values = 1 };
	struct gpio_v2_line_config bad = { .flags = FLAG(OUTPUT) | FLAG(EDGE_RISING) };
	struct gpio_v2_line_info info;
	struct line_watcher *w = NULL;
	struct line_request *r = NULL;

	tap_ok(gpio_chip_watcher_new(chip, &w) == 0, "watcher");
	tap_ok(gpio_chip_watch(w, 4, true, &info) == 0 && info.offset == 4 && !(info.flags & FLAG(USED)),
	       "watch line 4, get its info");
	tap_ok(gpio_chip_watch(w, 4, true, &info) == -EBUSY, "watching twice: EBUSY");
	tap_ok(request(chip, line, 1, FLAG(INPUT), &r) == 0, "request line 4");
	tap_ok(next_change(w, GPIO_V2_LINE_CHANGED_REQUESTED, 4, FLAG(USED) | FLAG(INPUT)),
	       "watcher: requested");
	t_attr(&out, 1, &one);
	tap_ok(line_request_reconfigure(r, &bad) == -EINVAL,
	       "reconfigure with edges on an output: EINVAL");
	tap_ok(line_request_reconfigure(r, &out) == 0 && emu_pin(emu, 4) &&
		       (emu_chip_directions(emu, 0) >> 4 & 1),
	       "reconfigured as output at 1");
	tap_ok(next_change(w, GPIO_V2_LINE_CHANGED_CONFIG, 4, FLAG(USED) | FLAG(OUTPUT)),
	       "watcher: reconfigured");
	line_request_release(r);
	tap_ok(next_change(w, GPIO_V2_LINE_CHANGED_RELEASED, 4, FLAG(OUTPUT)), "watcher: released");
	tap_ok(!t_readable(gpio_chip_watcher_fd(w), 0), "nothing more queued");
	tap_ok(gpio_chip_watch(w, 4, false, NULL) == 0 && gpio_chip_watch(w, 4, false, NULL) == -EBUSY,
	       "unwatch; unwatching again: EBUSY");
	gpio_chip_watcher_free(w);
}

static void test_bryx(struct core *core)
{
	static const unsigned ptt[] = { 3 }, unusable[] = { 0 }, activity[] = { 5 };
	struct gpio_v2_line_info info;
	struct line_request *r = NULL;
	struct emu_chip *emu;
	struct gpio_chip *chip = add_emu(core, EMU_BRYX, "bryx", &emu);

	gpio_chip_line_info(chip, 3, &info);
	tap_ok(!strcmp(info.name, "Push to Talk") && !(info.flags & FLAG(USED)), "Bryx line 3: %s",
	       info.name);
	gpio_chip_line_info(chip, 0, &info);
	tap_ok(info.flags & FLAG(USED), "an unwired line shows as used");
	tap_ok(request(chip, unusable, 1, FLAG(INPUT), &r) == -EINVAL, "requesting it: EINVAL");
	tap_ok(request(chip, activity, 1, FLAG(OUTPUT), &r) == -EOPNOTSUPP,
	       "input-only line as output: EOPNOTSUPP");
	tap_ok(request(chip, ptt, 1, FLAG(OUTPUT), &r) == 0, "Push to Talk as output");
	line_request_release(r);
	gpio_chip_unref(chip);
}

/* --- Edge events ---------------------------------------------------------------- */

static uint64_t samples_of(struct gpio_chip *chip)
{
	struct gpio_chip_stats st;

	gpio_chip_stats(chip, &st);
	return st.samples;
}

/* Request line with flags and wait until the poller took a few samples (the baseline). */
static struct line_request *edge_request(struct gpio_chip *chip, unsigned line, uint64_t flags,
					 unsigned buffer, const struct gpio_v2_line_attribute *attr)
{
	const unsigned offsets[] = { line };
	struct gpio_v2_line_request ureq;
	struct line_request *r = NULL;
	uint64_t before = samples_of(chip);

	t_request(&ureq, offsets, 1, flags, "edges");
	ureq.event_buffer_size = buffer;
	if (attr)
		t_attr(&ureq.config, 1, attr);
	if (gpio_chip_request_lines(chip, &ureq, NULL, &r) < 0)
		tap_bail("edge request on line %u failed", line);
	/*
	 * A retired worker may still finish the batch it was in (up to 4
	 * samples): wait for a few more, which only the new one can take.
	 */
	if (!WAIT_FOR(samples_of(chip) > before + 16, WAIT_MS))
		tap_bail("the poller does not sample");
	return r;
}

/* When the emulator first or last changed line to level (history), 0 if never. */
static uint64_t edge_time_at(struct emu_chip *emu, unsigned line, bool level, bool first)
{
	static struct emu_pin_change h[EMU_HISTORY_MAX];
	size_t n = emu_chip_history(emu, 0, h, EMU_HISTORY_MAX);
	uint64_t found = 0;

	for (size_t i = 1; i < n; i++) {
		if ((h[i].levels >> line & 1) != level || (h[i - 1].levels >> line & 1) == level)
			continue;
		found = h[i].time_ns;
		if (first)
			break;
	}
	return found;
}

static uint64_t edge_time(struct emu_chip *emu, unsigned line, bool level)
{
	return edge_time_at(emu, line, level, false);
}

static uint64_t max_lag_ns;

/* The event's time is that of the first sample showing the level: after the edge, soon after. */
static bool timely(const struct gpio_v2_line_event *ev, uint64_t edge_ns)
{
	uint64_t lag = ev->timestamp_ns - edge_ns;

	if (ev->timestamp_ns < edge_ns)
		return false;
	if (lag > max_lag_ns)
		max_lag_ns = lag;
	/* A sample interval is ~125 us; sanitizers on a loaded machine stretch it. */
	return lag < 50 * 1000000ULL;
}

static void test_edges_both(struct gpio_chip *chip, struct emu_chip *emu)
{
	struct line_request *r = edge_request(chip, 2, FLAG(INPUT) | EDGE_BOTH, 0, NULL);
	struct gpio_v2_line_event ev[2];
	bool ok;

	emu_chip_set_input(emu, 0, 2, true);
	ok = t_read_events(r, ev, 1, WAIT_MS) == 1;
	tap_ok(ok && ev[0].id == GPIO_V2_LINE_EVENT_RISING_EDGE && ev[0].offset == 2 &&
		       ev[0].seqno == 1 && ev[0].line_seqno == 1,
	       "rising edge: id %u offset %u seqno %u/%u", ev[0].id, ev[0].offset, ev[0].seqno,
	       ev[0].line_seqno);
	tap_ok(ok && timely(&ev[0], edge_time(emu, 2, true)), "timestamped just after the pin changed");
	emu_chip_set_input(emu, 0, 2, false);
	ok = t_read_events(r, ev + 1, 1, WAIT_MS) == 1;
	tap_ok(ok && ev[1].id == GPIO_V2_LINE_EVENT_FALLING_EDGE && ev[1].seqno == 2 &&
		       ev[1].line_seqno == 2 && ev[1].timestamp_ns > ev[0].timestamp_ns,
	       "falling edge, seqno 2, later timestamp");
	tap_ok(ok && timely(&ev[1], edge_time(emu, 2, false)), "timestamped just after the pin changed");
	tap_ok(!memcmp((uint32_t[6]){ 0 }, ev[1].padding, sizeof(ev[1].padding)), "padding is zero");
	line_request_release(r);
}

static void test_edges_rising_active_low(struct gpio_chip *chip, struct emu_chip *emu)
{
	struct line_request *r = edge_request(chip, 2, FLAG(INPUT) | FLAG(EDGE_RISING) |
							       FLAG(ACTIVE_LOW), 0, NULL);
	struct gpio_v2_line_event ev;

	emu_chip_set_input(emu, 0, 2, true);
	tap_ok(t_read_events(r, &ev, 1, 300) == 0,
	       "active-low: a physical rise is a logical fall, not reported");
	emu_chip_set_input(emu, 0, 2, false);
	tap_ok(t_read_events(r, &ev, 1, WAIT_MS) == 1 && ev.id == GPIO_V2_LINE_EVENT_RISING_EDGE &&
		       ev.seqno == 1,
	       "a physical fall is the first (rising) event");
	line_request_release(r);
}

static void test_edges_wave(struct gpio_chip *chip, struct emu_chip *emu)
{
	struct line_request *r = edge_request(chip, 9, FLAG(INPUT) | EDGE_BOTH, 1024, NULL);
	struct gpio_v2_line_event ev[256];
	struct line_request_stats st;
	bool order = true;
	int n;

	emu_chip_square_wave(emu, 0, 9, 50.0);
	t_sleep_us(400000);
	emu_chip_square_wave(emu, 0, 9, 0);
	n = t_read_events(r, ev, 256, 200);
	for (int i = 0; i < n; i++)
		order = order && ev[i].seqno == (uint32_t)i + 1 && ev[i].line_seqno == ev[i].seqno &&
			ev[i].offset == 9 && (i == 0 || (ev[i].timestamp_ns >= ev[i - 1].timestamp_ns &&
							 ev[i].id != ev[i - 1].id));
	/*
	 * Edges 10 ms apart. A poller starved by a loaded machine misses whole
	 * periods (and sees no change across them), so only the upper bound,
	 * no invented edges, is exact; the lower one just says edges flowed.
	 */
	tap_ok(n >= 4 && n <= 44, "50 Hz for 400 ms: %d edges (40 expected, none invented)", n);
	tap_ok(order, "seqnos from 1 without gaps, rising and falling alternate, time goes forward");
	line_request_stats(r, &st);
	tap_ok(st.events == (uint64_t)n && st.dropped == 0 && st.queued == 0, "stats: %llu events",
	       (unsigned long long)st.events);
	line_request_release(r);
}

static void test_overflow(struct gpio_chip *chip, struct emu_chip *emu)
{
	struct line_request *r = edge_request(chip, 9, FLAG(INPUT) | EDGE_BOTH, 4, NULL);
	struct gpio_v2_line_event ev[8];
	struct line_request_stats st;
	int n;

	emu_chip_square_wave(emu, 0, 9, 500.0);
	WAIT_FOR((line_request_stats(r, &st), st.events >= 12), WAIT_MS);
	emu_chip_square_wave(emu, 0, 9, 0);
	t_sleep_us(20000);
	line_request_stats(r, &st);
	n = line_request_read_events(r, ev, 8);
	tap_ok(n == 4 && st.dropped >= 8, "a queue of 4 keeps the newest 4 (%llu dropped)",
	       (unsigned long long)st.dropped);
	tap_ok(n == 4 && ev[0].seqno > 1 && ev[3].seqno == ev[0].seqno + 3 &&
		       ev[3].seqno == (uint32_t)st.events,
	       "the loss shows as a seqno gap: first seqno %u of %llu", ev[0].seqno,
	       (unsigned long long)st.events);
	line_request_release(r);
}

static void test_debounce(struct gpio_chip *chip, struct emu_chip *emu)
{
	const struct gpio_v2_line_attribute db = { .id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE,
						   .debounce_period_us = 5000 };
	/* Bounces of 1 ms, then high for good. */
	const struct emu_step bounce[] = {
		{ 1000000, true }, { 1000000, false }, { 1000000, true }, { 1000000, false },
		{ 1000000, true },
	};
	struct line_request *r = edge_request(chip, 11, FLAG(INPUT) | EDGE_BOTH, 0, &db);
	struct gpio_v2_line_event ev[4];
	struct gpio_v2_line_info info;
	uint64_t first, settled;
	int n;

	gpio_chip_line_info(chip, 11, &info);
	tap_ok(info.num_attrs == 1 && info.attrs[0].id == GPIO_V2_LINE_ATTR_ID_DEBOUNCE &&
		       info.attrs[0].debounce_period_us == 5000,
	       "line info shows the debounce period");
	emu_chip_clear_history(emu, 0);
	emu_chip_script(emu, 0, 11, bounce, ARRAY_SIZE(bounce));
	n = t_read_events(r, ev, 2, 300);
	first = edge_time_at(emu, 11, true, true);
	settled = edge_time(emu, 11, true);
	tap_ok(n == 1 && ev[0].id == GPIO_V2_LINE_EVENT_RISING_EDGE,
	       "bounces give one rising event (%d)", n);
	/*
	 * At the period after the last change the poller saw: the last
	 * bounce if it saw them all; a slow poller may miss the short lows.
	 */
	tap_ok(n >= 1 && ev[0].timestamp_ns >= first + 5000000 &&
		       ev[0].timestamp_ns < settled + 5000000 + 50000000,
	       "timestamped when the period expired (+%lld us after the last bounce, +%lld after "
	       "the first)",
	       n >= 1 ? ((long long)ev[0].timestamp_ns - (long long)settled) / 1000 : -1LL,
	       n >= 1 ? ((long long)ev[0].timestamp_ns - (long long)first) / 1000 : -1LL);
	line_request_release(r);
	emu_chip_set_input(emu, 0, 11, false);
}

static void test_realtime_and_fanout(struct gpio_chip *chip, struct emu_chip *emu)
{
	struct line_request *a = edge_request(chip, 12, FLAG(INPUT) | EDGE_BOTH |
							       FLAG(EVENT_CLOCK_REALTIME), 0, NULL);
	struct line_request *b = edge_request(chip, 13, FLAG(INPUT) | FLAG(EDGE_RISING), 0, NULL);
	struct gpio_v2_line_event ea, eb;
	struct timespec now;
	int64_t skew;

	emu_chip_wire(emu, 0, 12, 13);
	emu_chip_set_input(emu, 0, 12, true);
	tap_ok(t_read_events(a, &ea, 1, WAIT_MS) == 1 && t_read_events(b, &eb, 1, WAIT_MS) == 1 &&
		       ea.offset == 12 && eb.offset == 13,
	       "two requests each get their own line's event");
	clock_gettime(CLOCK_REALTIME, &now);
	skew = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec - (int64_t)ea.timestamp_ns;
	tap_ok(skew >= 0 && skew < 2000000000LL, "EVENT_CLOCK_REALTIME stamps wall-clock time");
	emu_chip_unwire(emu, 0, 13);
	emu_chip_set_input(emu, 0, 12, false);
	line_request_release(a);
	line_request_release(b);
}

/* get_values while the poller owns the IN endpoint: always the level set before the call. */
static void test_fresh_values(struct gpio_chip *chip, struct emu_chip *emu)
{
	static const unsigned line[] = { 7 };
	struct line_request *e = edge_request(chip, 2, FLAG(INPUT) | EDGE_BOTH, 0, NULL);
	struct line_request *r = NULL;
	unsigned stale = 0;
	uint64_t bits;
	int err = 0;

	request(chip, line, 1, FLAG(INPUT), &r);
	for (unsigned i = 0; i < 100 && !err; i++) {
		emu_chip_set_input(emu, 0, 7, i & 1);
		err = line_request_get_values(r, 1, &bits);
		stale += bits != (i & 1);
	}
	tap_ok(!err && !stale, "100 reads while polling: none stale (%u), error %d", stale, err);
	line_request_release(e);
	line_request_release(r);
}

static void test_one_sampler(struct gpio_chip *chip, struct emu_chip *emu, unsigned reads)
{
	struct gpio_chip_stats st;
	struct emu_stats es;

	gpio_chip_stats(chip, &st);
	emu_chip_stats(emu, 0, &es);
	tap_ok(st.max_samplers == 1, "never more than one sampler (%lu)", st.max_samplers);
	tap_ok(es.in_flight_max <= reads, "IN transfers in flight never above %u (%u)", reads,
	       es.in_flight_max);
	tap_diag("%s: %llu samples at %.0f Hz, interval %llu ns, rtt p50 %u us p99 %u us",
		 gpio_chip_name(chip), (unsigned long long)st.samples, st.sample_rate_hz,
		 (unsigned long long)st.sample_interval_ns, st.rtt_p50_us, st.rtt_p99_us);
}

int main(void)
{
	struct core *core;
	struct gpio_chip *chip;
	struct emu_chip *emu;

	rcu_register_thread();
	test_config();
	test_registry();

	core = new_core(0);
	chip = add_emu(core, EMU_FT232H, "ft232h", &emu);
	test_requests(chip, emu);
	test_values(chip, emu);
	test_open_drain(chip, emu);
	test_watch_reconfigure(chip, emu);
	test_bryx(core);
	test_edges_both(chip, emu);
	test_edges_rising_active_low(chip, emu);
	test_edges_wave(chip, emu);
	test_overflow(chip, emu);
	test_debounce(chip, emu);
	test_realtime_and_fanout(chip, emu);
	test_fresh_values(chip, emu);
	tap_diag("largest edge timestamp lag: %llu us", (unsigned long long)max_lag_ns / 1000);
	test_one_sampler(chip, emu, 4);
	gpio_chip_unref(chip);
	core_free(core);

	rcu_unregister_thread();
	tap_plan(tap_count);
	return tap_done();
}
