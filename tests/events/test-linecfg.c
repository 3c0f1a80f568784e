// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Request validation as a client of the kernel's GPIO uAPI knows it: every
 * rule of gpiolib-cdev with the errno the kernel returns, requests that
 * must pass, how attributes resolve per line, and reconfiguration.
 */
#include <errno.h>
#include <string.h>

#include "common/macros.h"
#include "events/linecfg.h"
#include "../tap.h"

#define F(x) GPIO_V2_LINE_FLAG_##x
#define IN F(INPUT)
#define OUT F(OUTPUT)
#define BOTH (F(EDGE_RISING) | F(EDGE_FALLING))

static const struct linecfg_chip ft232h = {
	.lines = 16, .input_mask = 0xffff, .output_mask = 0xffff,
};
static const struct linecfg_chip ft4232h = {
	.lines = 8, .input_mask = 0x00ff, .output_mask = 0x00ff,
};
/* Bryx: line 3 output only, line 5 input only, the rest unusable. */
static const struct linecfg_chip bryx = {
	.lines = 16, .input_mask = 1u << 5, .output_mask = 1u << 3,
};

static void base(struct gpio_v2_line_request *r, unsigned int n, uint64_t flags)
{
	memset(r, 0, sizeof(*r));
	r->num_lines = n;
	for (unsigned int i = 0; i < n && i < GPIO_V2_LINES_MAX; i++)
		r->offsets[i] = i;
	r->config.flags = flags;
}

static void add_attr(struct gpio_v2_line_config *lc, uint32_t id, uint64_t mask, uint64_t value)
{
	struct gpio_v2_line_config_attribute *a = &lc->attrs[lc->num_attrs++];

	a->attr.id = id;
	a->mask = mask;
	if (id == GPIO_V2_LINE_ATTR_ID_DEBOUNCE)
		a->attr.debounce_period_us = (uint32_t)value;
	else
		a->attr.flags = value;	/* same storage as .values */
}

static int check(const struct gpio_v2_line_request *r, const struct linecfg_chip *chip)
{
	struct linecfg cfg;

	return linecfg_from_request(&cfg, r, chip);
}

/* One line (offset 0 of an FT232H) with these flags. */
static const struct {
	uint64_t flags;
	int expect;
	const char *what;
} flag_cases[] = {
	{ 0, 0, "as-is" },
	{ IN, 0, "input" },
	{ OUT, 0, "output" },
	{ F(ACTIVE_LOW), 0, "as-is active-low" },
	{ IN | OUT, -EINVAL, "input+output" },
	{ F(EDGE_RISING), -EINVAL, "rising edge without input" },
	{ OUT | F(EDGE_FALLING), -EINVAL, "falling edge on an output" },
	{ IN | F(EDGE_RISING), 0, "input, rising" },
	{ IN | F(EDGE_FALLING), 0, "input, falling" },
	{ IN | BOTH | F(ACTIVE_LOW), 0, "input, both edges, active-low" },
	{ F(OPEN_DRAIN), -EINVAL, "open-drain without output" },
	{ IN | F(OPEN_SOURCE), -EINVAL, "open-source on an input" },
	{ OUT | F(OPEN_DRAIN), 0, "output open-drain" },
	{ OUT | F(OPEN_SOURCE), 0, "output open-source" },
	{ OUT | F(OPEN_DRAIN) | F(OPEN_SOURCE), -EINVAL, "open-drain+open-source" },
	{ F(BIAS_PULL_UP), -EINVAL, "bias without direction" },
	{ F(BIAS_DISABLED), -EINVAL, "bias-disabled without direction" },
	{ IN | F(BIAS_PULL_UP), 0, "input pull-up" },
	{ OUT | F(BIAS_PULL_DOWN), 0, "output pull-down" },
	{ IN | F(BIAS_DISABLED), 0, "input bias disabled" },
	{ IN | F(BIAS_PULL_UP) | F(BIAS_PULL_DOWN), -EINVAL, "pull-up+pull-down" },
	{ IN | F(BIAS_PULL_UP) | F(BIAS_DISABLED), -EINVAL, "pull-up+bias-disabled" },
	{ OUT | F(BIAS_PULL_DOWN) | F(BIAS_DISABLED), -EINVAL, "pull-down+bias-disabled" },
	{ IN | BOTH | F(EVENT_CLOCK_REALTIME), 0, "realtime clock" },
	{ IN | BOTH | F(EVENT_CLOCK_HTE), -EOPNOTSUPP, "HTE: no timestamp engine" },
	{ IN | F(EVENT_CLOCK_REALTIME) | F(EVENT_CLOCK_HTE), -EOPNOTSUPP,
	  "realtime+HTE: the HTE check comes first without HTE" },
	{ IN | OUT | F(EVENT_CLOCK_HTE), -EOPNOTSUPP, "HTE before input+output" },
	{ F(USED), -EINVAL, "USED is not a request flag" },
	{ IN | (1ull << 13), -EINVAL, "unknown flag bit 13" },
	{ IN | (1ull << 63), -EINVAL, "unknown flag bit 63" },
	{ (1ull << 40) | F(EVENT_CLOCK_HTE), -EINVAL, "unknown flag before HTE" },
};

static void test_flag_table(void)
{
	struct gpio_v2_line_request r;

	for (size_t i = 0; i < ARRAY_SIZE(flag_cases); i++) {
		int got;

		base(&r, 1, flag_cases[i].flags);
		got = check(&r, &ft232h);
		tap_ok(got == flag_cases[i].expect, "flags: %s -> %d (got %d)", flag_cases[i].what,
		       flag_cases[i].expect, got);
	}
}

static bool at_most_one(uint64_t f, uint64_t group)
{
	return __builtin_popcountll(f & group) <= 1;
}

/* Every accepted combination obeys every rule. */
static bool obeys_rules(uint64_t f)
{
	return at_most_one(f, IN | OUT) &&
	       at_most_one(f, F(OPEN_DRAIN) | F(OPEN_SOURCE)) &&
	       at_most_one(f, F(BIAS_PULL_UP) | F(BIAS_PULL_DOWN) | F(BIAS_DISABLED)) &&
	       (!(f & BOTH) || (f & IN)) &&
	       (!(f & (F(OPEN_DRAIN) | F(OPEN_SOURCE))) || (f & OUT)) &&
	       (!(f & (F(BIAS_PULL_UP) | F(BIAS_PULL_DOWN) | F(BIAS_DISABLED))) || (f & (IN | OUT)));
}

/*
 * All 2^13 combinations of the defined flag bits. Counted independently:
 * per (active-low, realtime) pair, as-is allows nothing else (1), input
 * allows 4 edge choices x 4 bias choices (16), output 3 drive x 4 bias
 * (12): 4 x 29 = 116 accepted. Without USED, HTE is -EOPNOTSUPP: 2^11.
 */
static void test_flag_sweep(void)
{
	struct gpio_v2_line_request r;
	unsigned int ok = 0, notsup = 0, inval = 0, other = 0, broken = 0;

	for (uint64_t f = 0; f < (1u << 13); f++) {
		base(&r, 1, f);
		switch (check(&r, &ft232h)) {
		case 0:
			ok++;
			broken += !obeys_rules(f) || (f & (F(USED) | F(EVENT_CLOCK_HTE)));
			break;
		case -EOPNOTSUPP:
			notsup++;
			broken += !(f & F(EVENT_CLOCK_HTE)) || (f & F(USED));
			break;
		case -EINVAL:
			inval++;
			break;
		default:
			other++;
		}
	}
	tap_ok(ok == 116 && broken == 0,
	       "sweep: 116 of 8192 flag sets accepted, all lawful (got %u, %u broken)", ok, broken);
	tap_ok(notsup == 2048 && inval == 8192 - 116 - 2048 && other == 0,
	       "sweep: every HTE set without USED is EOPNOTSUPP, the rest EINVAL (%u, %u, %u)", notsup,
	       inval, other);
}

#define MAKE(fn) static void fn(struct gpio_v2_line_request *r)

MAKE(lines_0)
{
	base(r, 0, IN);
}

MAKE(lines_1)
{
	base(r, 1, IN);
}

MAKE(lines_16)
{
	base(r, 16, IN | BOTH);
}

/* 64 lines pass the count rule; on 16 lines offset 16 repeats offset 0. */
MAKE(lines_64)
{
	base(r, 64, IN);
	for (unsigned int i = 0; i < 64; i++)
		r->offsets[i] = i % 16;
}

MAKE(lines_65)
{
	lines_64(r);
	r->num_lines = 65;
}

MAKE(req_padding)
{
	base(r, 1, IN);
	r->padding[4] = 1;
}

MAKE(cfg_padding)
{
	base(r, 1, IN);
	r->config.padding[0] = 1;
}

MAKE(attrs_10)
{
	base(r, 1, IN);
	for (unsigned int i = 0; i < 10; i++)
		add_attr(&r->config, GPIO_V2_LINE_ATTR_ID_FLAGS, 1, IN);
}

MAKE(attrs_11)
{
	attrs_10(r);
	r->config.num_attrs = 11;
}

MAKE(offset_last)
{
	base(r, 1, IN);
	r->offsets[0] = 15;
}

MAKE(offset_past)
{
	base(r, 1, IN);
	r->offsets[0] = 16;
}

MAKE(offset_past_8)
{
	base(r, 1, IN);
	r->offsets[0] = 8;
}

MAKE(offset_huge)
{
	base(r, 1, IN);
	r->offsets[0] = 0xffffffff;
}

MAKE(duplicate)
{
	base(r, 3, IN);
	r->offsets[2] = 1;
}

MAKE(attr_bad_line1)
{
	base(r, 2, IN);
	add_attr(&r->config, GPIO_V2_LINE_ATTR_ID_FLAGS, 2, IN | OUT);
}

MAKE(attr_past_lines)
{
	base(r, 2, IN);
	add_attr(&r->config, GPIO_V2_LINE_ATTR_ID_FLAGS, 4, IN | OUT);
}

MAKE(attr_first_wins)
{
	base(r, 1, IN);
	add_attr(&r->config, GPIO_V2_LINE_ATTR_ID_FLAGS, 1, OUT);
	add_attr(&r->config, GPIO_V2_LINE_ATTR_ID_FLAGS, 1, IN | OUT);
}

MAKE(attr_first_bad)
{
	base(r, 1, IN);
	add_attr(&r->config, GPIO_V2_LINE_ATTR_ID_FLAGS, 1, IN | OUT);
	add_attr(&r->config, GPIO_V2_LINE_ATTR_ID_FLAGS, 1, OUT);
}

MAKE(attr_unknown_id)
{
	base(r, 1, IN);
	add_attr(&r->config, 7, 1, IN | OUT);
}

MAKE(debounce_input)
{
	base(r, 1, IN | BOTH);
	add_attr(&r->config, GPIO_V2_LINE_ATTR_ID_DEBOUNCE, 1, 1000);
}

MAKE(debounce_output)
{
	base(r, 1, OUT);
	add_attr(&r->config, GPIO_V2_LINE_ATTR_ID_DEBOUNCE, 1, 1000);
}

MAKE(debounce_as_is)
{
	base(r, 1, 0);
	add_attr(&r->config, GPIO_V2_LINE_ATTR_ID_DEBOUNCE, 1, 1000);
}

MAKE(debounce_0_output)
{
	base(r, 1, OUT);
	add_attr(&r->config, GPIO_V2_LINE_ATTR_ID_DEBOUNCE, 1, 0);
}

MAKE(bryx_in_5)
{
	base(r, 1, IN | BOTH);
	r->offsets[0] = 5;
}

MAKE(bryx_out_5)
{
	base(r, 1, OUT);
	r->offsets[0] = 5;
}

MAKE(bryx_out_3)
{
	base(r, 1, OUT);
	r->offsets[0] = 3;
}

MAKE(bryx_in_3)
{
	base(r, 1, IN);
	r->offsets[0] = 3;
}

MAKE(bryx_edges_3)
{
	base(r, 1, IN | F(EDGE_RISING));
	r->offsets[0] = 3;
}

MAKE(bryx_as_is_3)
{
	base(r, 1, 0);
	r->offsets[0] = 3;
}

MAKE(bryx_invalid_0)
{
	base(r, 1, 0);
	r->offsets[0] = 0;
}

MAKE(bryx_both_ok)
{
	base(r, 2, 0);
	r->offsets[0] = 5;
	r->offsets[1] = 3;
	add_attr(&r->config, GPIO_V2_LINE_ATTR_ID_FLAGS, 1, IN | BOTH);
	add_attr(&r->config, GPIO_V2_LINE_ATTR_ID_FLAGS, 2, OUT);
}

MAKE(buf_1_edges)
{
	base(r, 1, IN | BOTH);
	r->event_buffer_size = 1;
}

MAKE(buf_1_no_edges)
{
	base(r, 1, IN);
	r->event_buffer_size = 1;
}

MAKE(buf_2_edges)
{
	base(r, 1, IN | BOTH);
	r->event_buffer_size = 2;
}

MAKE(buf_huge_edges)
{
	base(r, 1, IN | BOTH);
	r->event_buffer_size = 0xffffffff;
}

/* Several faults: the kernel's order decides the errno. */
MAKE(order_cfg_before_lines)
{
	base(r, 2, IN | F(EVENT_CLOCK_HTE));
	r->offsets[1] = 0;
}

MAKE(order_line0_first)
{
	base(r, 2, OUT);
	r->offsets[0] = 5;
	r->offsets[1] = 99;
}

MAKE(order_padding_before_flags)
{
	base(r, 1, IN | OUT);
	r->padding[0] = 1;
	r->config.flags = F(EVENT_CLOCK_HTE) | IN;
}

static const struct {
	const char *what;
	const struct linecfg_chip *chip;
	void (*make)(struct gpio_v2_line_request *r);
	int expect;
} req_cases[] = {
	{ "0 lines", &ft232h, lines_0, -EINVAL },
	{ "1 line", &ft232h, lines_1, 0 },
	{ "16 lines, both edges", &ft232h, lines_16, 0 },
	{ "64 lines pass the count; offset 16 repeats: EBUSY", &ft232h, lines_64, -EBUSY },
	{ "65 lines", &ft232h, lines_65, -EINVAL },
	{ "request padding", &ft232h, req_padding, -EINVAL },
	{ "config padding", &ft232h, cfg_padding, -EINVAL },
	{ "10 attributes", &ft232h, attrs_10, 0 },
	{ "11 attributes", &ft232h, attrs_11, -EINVAL },
	{ "offset 15 of 16", &ft232h, offset_last, 0 },
	{ "offset 16 of 16", &ft232h, offset_past, -EINVAL },
	{ "offset 8 of 8 (FT4232H)", &ft4232h, offset_past_8, -EINVAL },
	{ "offset 2^32-1", &ft232h, offset_huge, -EINVAL },
	{ "duplicate offset", &ft232h, duplicate, -EBUSY },
	{ "FLAGS attribute makes line 1 input+output", &ft232h, attr_bad_line1, -EINVAL },
	{ "attribute mask past num_lines ignored", &ft232h, attr_past_lines, 0 },
	{ "first FLAGS attribute wins (valid first)", &ft232h, attr_first_wins, 0 },
	{ "first FLAGS attribute wins (invalid first)", &ft232h, attr_first_bad, -EINVAL },
	{ "unknown attribute id ignored", &ft232h, attr_unknown_id, 0 },
	{ "debounce on an input", &ft232h, debounce_input, 0 },
	{ "debounce on an output", &ft232h, debounce_output, -EINVAL },
	{ "debounce on an as-is line", &ft232h, debounce_as_is, -EINVAL },
	{ "debounce 0 on an output (the attribute counts)", &ft232h, debounce_0_output, -EINVAL },
	{ "Bryx: input-only line 5 as input with edges", &bryx, bryx_in_5, 0 },
	{ "Bryx: input-only line 5 as output", &bryx, bryx_out_5, -EOPNOTSUPP },
	{ "Bryx: output-only line 3 as output", &bryx, bryx_out_3, 0 },
	{ "Bryx: output-only line 3 as input", &bryx, bryx_in_3, -EOPNOTSUPP },
	{ "Bryx: output-only line 3 with edges", &bryx, bryx_edges_3, -EOPNOTSUPP },
	{ "Bryx: output-only line 3 as-is", &bryx, bryx_as_is_3, 0 },
	{ "Bryx: unusable line 0", &bryx, bryx_invalid_0, -EINVAL },
	{ "Bryx: 5 input and 3 output in one request", &bryx, bryx_both_ok, 0 },
	{ "event_buffer_size 1 with edges (kfifo of 1)", &ft232h, buf_1_edges, -EINVAL },
	{ "event_buffer_size 1 without edges", &ft232h, buf_1_no_edges, 0 },
	{ "event_buffer_size 2 with edges", &ft232h, buf_2_edges, 0 },
	{ "event_buffer_size 2^32-1 is clamped, not refused", &ft232h, buf_huge_edges, 0 },
	{ "order: config (HTE) before lines (duplicate)", &ft232h, order_cfg_before_lines, -EOPNOTSUPP },
	{ "order: line 0's direction before line 1's range", &bryx, order_line0_first, -EOPNOTSUPP },
	{ "order: request padding before flags (HTE)", &ft232h, order_padding_before_flags, -EINVAL },
};

static void test_request_table(void)
{
	struct gpio_v2_line_request r;

	for (size_t i = 0; i < ARRAY_SIZE(req_cases); i++) {
		int got;

		req_cases[i].make(&r);
		got = check(&r, req_cases[i].chip);
		tap_ok(got == req_cases[i].expect, "request: %s -> %d (got %d)", req_cases[i].what,
		       req_cases[i].expect, got);
	}
}

/* Per-line values come from attributes by request index, not by offset. */
static void test_resolution(void)
{
	struct gpio_v2_line_request r;
	struct linecfg cfg;
	int ret;

	base(&r, 3, OUT);
	r.offsets[0] = 9;
	r.offsets[1] = 2;
	r.offsets[2] = 12;
	add_attr(&r.config, GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES, 0x3, 0x6);
	add_attr(&r.config, GPIO_V2_LINE_ATTR_ID_FLAGS, 0x4, IN | BOTH | F(ACTIVE_LOW));
	add_attr(&r.config, GPIO_V2_LINE_ATTR_ID_DEBOUNCE, 0x4, 2500);
	ret = linecfg_from_request(&cfg, &r, &ft232h);
	tap_ok(ret == 0 && cfg.num_lines == 3 && cfg.lines[0].offset == 9 && cfg.lines[1].offset == 2 &&
	       cfg.lines[2].offset == 12, "resolve: offsets kept in request order");
	tap_ok(cfg.lines[0].flags == OUT && cfg.lines[1].flags == OUT &&
	       cfg.lines[2].flags == (IN | BOTH | F(ACTIVE_LOW)),
	       "resolve: FLAGS attribute for line 2, config flags for the others");
	tap_ok(!cfg.lines[0].output_value && cfg.lines[1].output_value,
	       "resolve: output values by request index (bit 1 = second line)");
	tap_ok(cfg.lines[2].debounce_us == 2500 && cfg.lines[0].debounce_us == 0,
	       "resolve: debounce period only where the attribute covers the line");
}

static void test_buffer_and_label(void)
{
	static const struct {
		unsigned int lines;
		uint32_t asked, want;
	} sizes[] = { { 3, 0, 48 }, { 16, 0, 256 }, { 1, 7, 7 }, { 1, 1024, 1024 }, { 1, 1025, 1024 },
		      { 2, 5000, 1024 } };
	struct gpio_v2_line_request r;
	struct linecfg cfg;
	bool all = true;

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		base(&r, sizes[i].lines, IN | BOTH);
		r.event_buffer_size = sizes[i].asked;
		all &= linecfg_from_request(&cfg, &r, &ft232h) == 0 &&
		       cfg.event_buffer_size == sizes[i].want;
	}
	tap_ok(all, "event_buffer_size: 0 -> 16 x lines, above 1024 -> 1024, else kept");

	base(&r, 1, IN);
	memcpy(r.consumer, "mpssectl", 9);
	tap_ok(linecfg_from_request(&cfg, &r, &ft232h) == 0 && !strcmp(cfg.consumer, "mpssectl"),
	       "consumer label kept");
	memset(r.consumer, 'x', sizeof(r.consumer));	/* 32 bytes, no NUL */
	tap_ok(linecfg_from_request(&cfg, &r, &ft232h) == 0 && strlen(cfg.consumer) == 31,
	       "a label without NUL is cut to 31 bytes");
}

static void test_set_config(void)
{
	struct gpio_v2_line_request r;
	struct gpio_v2_line_config lc;
	struct linecfg cfg, before;

	base(&r, 2, IN | BOTH);
	r.offsets[0] = 5;
	r.offsets[1] = 3;
	memcpy(r.consumer, "x", 2);
	r.config.flags = 0;
	add_attr(&r.config, GPIO_V2_LINE_ATTR_ID_FLAGS, 1, IN | BOTH);
	add_attr(&r.config, GPIO_V2_LINE_ATTR_ID_FLAGS, 2, OUT);
	if (linecfg_from_request(&cfg, &r, &bryx))
		tap_bail("Bryx request refused");

	memset(&lc, 0, sizeof(lc));
	lc.flags = IN | F(EDGE_FALLING);
	add_attr(&lc, GPIO_V2_LINE_ATTR_ID_FLAGS, 2, OUT);
	add_attr(&lc, GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES, 2, 2);
	before = cfg;
	tap_ok(linecfg_set_config(&cfg, &lc, &bryx) == 0 && cfg.lines[0].flags == (IN | F(EDGE_FALLING)) &&
	       cfg.lines[1].flags == OUT && cfg.lines[1].output_value && cfg.lines[0].offset == 5 &&
	       cfg.lines[1].offset == 3 && !strcmp(cfg.consumer, "x") &&
	       cfg.event_buffer_size == before.event_buffer_size,
	       "set_config: new flags and values; offsets, label, buffer size kept");

	before = cfg;
	lc.attrs[0].attr.flags = IN;	/* output-only line 3 as input */
	tap_ok(linecfg_set_config(&cfg, &lc, &bryx) == -EOPNOTSUPP && !memcmp(&cfg, &before, sizeof(cfg)),
	       "set_config: direction the line cannot take -> EOPNOTSUPP, nothing changed");
	lc.attrs[0].attr.flags = IN | OUT;
	tap_ok(linecfg_set_config(&cfg, &lc, &bryx) == -EINVAL && !memcmp(&cfg, &before, sizeof(cfg)),
	       "set_config: input+output -> EINVAL, nothing changed");
	lc.attrs[0].attr.flags = OUT;
	lc.flags = IN | F(EVENT_CLOCK_HTE);
	tap_ok(linecfg_set_config(&cfg, &lc, &bryx) == -EOPNOTSUPP, "set_config: HTE -> EOPNOTSUPP");
	lc.flags = IN;
	lc.padding[2] = 1;
	tap_ok(linecfg_set_config(&cfg, &lc, &bryx) == -EINVAL, "set_config: padding -> EINVAL");

	base(&r, 1, IN);
	r.event_buffer_size = 1;
	if (linecfg_from_request(&cfg, &r, &ft232h))
		tap_bail("edgeless request with a buffer of 1 refused");
	memset(&lc, 0, sizeof(lc));
	lc.flags = IN | F(EDGE_RISING);
	tap_ok(linecfg_set_config(&cfg, &lc, &ft232h) == -EINVAL,
	       "set_config: edges on a request whose buffer holds 1 -> EINVAL");
}

int main(void)
{
	tap_plan((int)(ARRAY_SIZE(flag_cases) + 2 + ARRAY_SIZE(req_cases) + 4 + 3 + 6));
	test_flag_table();
	test_flag_sweep();
	test_request_table();
	test_resolution();
	test_buffer_and_label();
	test_set_config();
	return tap_done();
}
