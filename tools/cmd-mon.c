// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mpssectl mon: gpiomon. Requests the lines with edge detection and prints
 * one line per edge event, by default `<seconds>\t<rising|falling>\t<line>`,
 * or as --format says.
 *
 * When the device is unplugged the request ends: "mpssectl: <chip>: device
 * unplugged", exit 1. With --wait-replug the request is persistent and the
 * events resume when the device is back.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools/tools-common.h"

#define EVENT_BUF_SIZE 32

struct config {
	struct common_options common;
	enum mpssed_line_edge edges;
	unsigned long long debounce_period_us;
	enum mpssed_line_clock event_clock;
};

static void print_help(void)
{
	printf("Usage: %s mon [OPTIONS] <line>...\n", PROG_NAME);
	printf("\n");
	printf("Wait for events on GPIO lines and print them to standard output.\n");
	printf("\n");
	printf("Lines are specified by name, or optionally by offset if the chip option\n");
	printf("is provided.\n");
	printf("\n");
	printf("Options:\n");
	printf("      --banner\t\tdisplay a banner on successful startup\n");
	print_bias_help();
	printf("      --by-name\t\ttreat lines as names even if they would parse as an offset\n");
	printf("  -c, --chip <chip>\trestrict scope to a particular chip\n");
	printf("  -C, --consumer <name>\tconsumer name applied to requested lines (default is 'mpssectl-mon')\n");
	printf("  -e, --edges <edges>\tspecify the edges to monitor\n");
	printf("\t\t\tPossible values: 'falling', 'rising', 'both'.\n");
	printf("\t\t\t(default is 'both')\n");
	printf("  -E, --event-clock <clock>\n");
	printf("\t\t\tspecify the source clock for event timestamps\n");
	printf("\t\t\tPossible values: 'monotonic', 'realtime', 'hte'.\n");
	printf("\t\t\t(default is 'monotonic')\n");
	printf("\t\t\tBy default 'realtime' is formatted as UTC, others as raw u64.\n");
	printf("  -h, --help\t\tdisplay this help and exit\n");
	printf("  -F, --format <fmt>\tspecify a custom output format\n");
	printf("      --idle-timeout <period>\n");
	printf("\t\t\texit gracefully if no events occur for the period specified\n");
	printf("  -l, --active-low\ttreat the line as active low, flipping the sense of\n");
	printf("\t\t\trising and falling edges\n");
	printf("      --localtime\tformat event timestamps as local time\n");
	printf("  -n, --num-events <num>\n");
	printf("\t\t\texit after processing num events\n");
	printf("  -p, --debounce-period <period>\n");
	printf("\t\t\tdebounce the line(s) with the specified period\n");
	printf("  -q, --quiet\t\tdon't generate any output\n");
	printf("  -s, --strict\t\tabort if requested line names are not unique\n");
	printf("      --unquoted\tdon't quote line or consumer names\n");
	printf("      --utc\t\tformat event timestamps as UTC (default for 'realtime')\n");
	printf("  -v, --version\t\toutput version information and exit\n");
	printf("      --wait-replug\tkeep monitoring across unplug and replug of the device\n");
	printf("\t\t\t(default: exit 1 when the device is unplugged)\n");
	print_chip_help();
	print_period_help();
	printf("\n");
	printf("Format specifiers:\n");
	printf("  %%o   GPIO line offset\n");
	printf("  %%l   GPIO line name\n");
	printf("  %%c   GPIO chip name\n");
	printf("  %%e   numeric edge event type ('1' - rising or '2' - falling)\n");
	printf("  %%E   edge event type ('rising' or 'falling')\n");
	printf("  %%S   event timestamp as seconds\n");
	printf("  %%U   event timestamp as UTC\n");
	printf("  %%L   event timestamp as local time\n");
}

static enum mpssed_line_edge parse_edges_or_die(const char *option)
{
	if (!strcmp(option, "rising"))
		return MPSSED_LINE_EDGE_RISING;
	if (!strcmp(option, "falling"))
		return MPSSED_LINE_EDGE_FALLING;
	if (!strcmp(option, "both"))
		return MPSSED_LINE_EDGE_BOTH;
	die("invalid edges: %s", option);
}

static enum mpssed_line_clock parse_event_clock_or_die(const char *option)
{
	if (!strcmp(option, "realtime"))
		return MPSSED_LINE_CLOCK_REALTIME;
	if (!strcmp(option, "hte"))
		return MPSSED_LINE_CLOCK_HTE;
	if (!strcmp(option, "monotonic"))
		return MPSSED_LINE_CLOCK_MONOTONIC;
	die("invalid event clock: %s", option);
}

static bool parse_option(int c, char *arg, void *data)
{
	struct config *cfg = data;

	switch (c) {
	case 'e':
		cfg->edges = parse_edges_or_die(arg);
		return true;
	case 'E':
		cfg->event_clock = parse_event_clock_or_die(arg);
		return true;
	case 'p':
		cfg->debounce_period_us = parse_period_or_die(arg);
		return true;
	default:
		return false;
	}
}

static int parse_config(int argc, char **argv, struct config *cfg)
{
	static const struct option longopts[] = {
		{ "debounce-period", required_argument, NULL, 'p' },
		{ "edges", required_argument, NULL, 'e' },
		{ "event-clock", required_argument, NULL, 'E' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command_options cmd = {
		.name = "mon",
		.groups = OPTS_LINES | OPTS_REQUEST | OPTS_BANNER | OPTS_WAIT_REPLUG | OPTS_EVENTS,
		.shortopts = "e:E:p:",
		.longopts = longopts,
		.help = print_help,
		.parse = parse_option,
		.data = cfg,
	};
	int i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->edges = MPSSED_LINE_EDGE_BOTH;
	i = parse_options_or_die(argc, argv, &cmd, &cfg->common);
	/* As gpiomon: asking for wall-clock output asks for wall-clock stamps, and back. */
	if (!cfg->event_clock)
		cfg->event_clock = cfg->common.timestamp_fmt ? MPSSED_LINE_CLOCK_REALTIME :
							MPSSED_LINE_CLOCK_MONOTONIC;
	else if (cfg->event_clock == MPSSED_LINE_CLOCK_REALTIME && !cfg->common.timestamp_fmt)
		cfg->common.timestamp_fmt = TS_UTC;
	return i;
}

static struct mpssed_line_settings *settings_or_die(const struct config *cfg)
{
	struct mpssed_line_settings *s = mpssed_line_settings_new();

	if (!s)
		die("out of memory");
	if (cfg->common.bias)
		mpssed_line_settings_set_bias(s, cfg->common.bias);
	mpssed_line_settings_set_active_low(s, cfg->common.active_low);
	if (cfg->debounce_period_us > UINT_MAX)
		die("maximum debounce period is %uus, got %lluus", UINT_MAX, cfg->debounce_period_us);
	mpssed_line_settings_set_debounce_period_us(s, (unsigned long)cfg->debounce_period_us);
	mpssed_line_settings_set_event_clock(s, cfg->event_clock);
	mpssed_line_settings_set_edge_detection(s, cfg->edges);
	return s;
}

/* --- Output ------------------------------------------------------------------------ */

struct format_ctx {
	struct mpssed_edge_event *event;
	struct line_resolver *r;
	size_t chip_num;
};

static bool print_specifier(char spec, void *data)
{
	struct format_ctx *f = data;
	unsigned int offset = mpssed_edge_event_get_line_offset(f->event);
	uint64_t ts = mpssed_edge_event_get_timestamp_ns(f->event);
	int type = mpssed_edge_event_get_event_type(f->event);
	const char *name = resolver_line_name(f->r, f->chip_num, offset);

	switch (spec) {
	case 'o':
		printf("%u", offset);
		return true;
	case 'l':
		fputs(name ? name : "unnamed", stdout);
		return true;
	case 'c':
		fputs(resolver_chip_name(f->r, f->chip_num), stdout);
		return true;
	case 'e':
		printf("%d", type);
		return true;
	case 'E':
		fputs(type == MPSSED_EDGE_EVENT_RISING_EDGE ? "rising" : "falling", stdout);
		return true;
	case 'S':
		print_event_time(ts, TS_SECONDS);
		return true;
	case 'U':
		print_event_time(ts, TS_UTC);
		return true;
	case 'L':
		print_event_time(ts, TS_LOCAL);
		return true;
	default:
		return false;
	}
}

static void print_event(struct mpssed_edge_event *event, struct line_resolver *r, size_t chip_num,
			const struct config *cfg)
{
	if (cfg->common.quiet)
		return;
	if (cfg->common.fmt) {
		struct format_ctx f = { .event = event, .r = r, .chip_num = chip_num };

		print_format(cfg->common.fmt, print_specifier, &f);
		return;
	}
	print_event_time(mpssed_edge_event_get_timestamp_ns(event), cfg->common.timestamp_fmt);
	fputs(mpssed_edge_event_get_event_type(event) == MPSSED_EDGE_EVENT_RISING_EDGE ?
		      "\trising\t" : "\tfalling\t",
	      stdout);
	print_line_id(r, chip_num, mpssed_edge_event_get_line_offset(event), cfg->common.chip_id != NULL,
		      cfg->common.unquoted);
	putchar('\n');
}

/* --- Main ------------------------------------------------------------------------------ */

struct monitor {
	const struct config *cfg;
	struct line_resolver *r;
	size_t num;				/* requests */
	struct mpssed_line_request *reqs[MAX_LINES];
	size_t chips[MAX_LINES];		/* chip_num of each request */
	struct pollfd pfds[MAX_LINES];
	struct mpssed_edge_event_buffer *buf;
	unsigned int done;			/* events printed */
};

static void request_all(struct monitor *m, struct mpssed_line_settings *settings)
{
	const struct request_options opts = { .consumer = m->cfg->common.consumer,
					       .persist = m->cfg->common.wait_replug };
	unsigned int offsets[MAX_LINES];

	for (size_t c = 0; c < m->r->num_chips; c++) {
		if (!resolver_chip_lines(m->r, c, offsets, NULL))
			continue;
		m->reqs[m->num] = request_lines_or_die(m->r, c, settings, &opts);
		m->chips[m->num] = c;
		m->pfds[m->num].fd = mpssed_line_request_get_fd(m->reqs[m->num]);
		if (m->pfds[m->num].fd < 0)
			die_perror("unable to poll the request");
		m->pfds[m->num].events = POLLIN;
		m->num++;
	}
}

/* Print what one request has; false once enough events were printed. */
static bool read_events(void *data, size_t i)
{
	struct monitor *m = data;
	const char *chip = resolver_chip_name(m->r, m->chips[i]);
	int n = mpssed_line_request_read_edge_events(m->reqs[i], m->buf, EVENT_BUF_SIZE);

	if (n < 0)
		die_device_error(chip, "error reading line events");
	for (int j = 0; j < n; j++) {
		print_event(mpssed_edge_event_buffer_get_event(m->buf, (unsigned long)j), m->r,
			    m->chips[i], m->cfg);
		m->done++;
		if (m->cfg->common.events_wanted && m->done >= m->cfg->common.events_wanted)
			return false;
	}
	return true;
}

int cmd_mon(int argc, char **argv)
{
	struct mpssed_line_settings *settings;
	struct monitor m = { 0 };
	struct config cfg;
	int i = parse_config(argc, argv, &cfg);

	argc -= i;
	argv += i;
	check_num_lines_or_die(argc);
	m.cfg = &cfg;
	settings = settings_or_die(&cfg);
	m.buf = mpssed_edge_event_buffer_new(EVENT_BUF_SIZE);
	if (!m.buf)
		die("out of memory");
	m.r = resolve_ids_or_die(argc, argv, &cfg.common);
	request_all(&m, settings);
	mpssed_line_settings_free(settings);
	if (cfg.common.banner)
		print_banner("Monitoring", argc, argv);
	poll_until_done(m.pfds, m.num, cfg.common.idle_timeout_us, read_events, &m);
	fflush(stdout);
	for (size_t j = 0; j < m.num; j++)
		mpssed_line_request_release(m.reqs[j]);
	mpssed_edge_event_buffer_free(m.buf);
	free_line_resolver(m.r);
	return EXIT_SUCCESS;
}
