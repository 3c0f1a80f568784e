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
	bool active_low;
	bool banner;
	bool by_name;
	bool quiet;
	bool strict;
	bool unquoted;
	bool wait_replug;
	enum mpssed_line_bias bias;
	enum mpssed_line_edge edges;
	unsigned int events_wanted;
	unsigned long long debounce_period_us;
	const char *chip_id;
	const char *consumer;
	const char *fmt;
	enum mpssed_line_clock event_clock;
	enum time_format timestamp_fmt;
	long long idle_timeout_us;	/* -1: none */
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

static void parse_option(int c, struct config *cfg)
{
	switch (c) {
	case '-':
		cfg->banner = true;
		break;
	case 'b':
		cfg->bias = parse_bias_or_die(optarg);
		break;
	case 'B':
		cfg->by_name = true;
		break;
	case 'c':
		cfg->chip_id = optarg;
		break;
	case 'C':
		cfg->consumer = optarg;
		break;
	case 'e':
		cfg->edges = parse_edges_or_die(optarg);
		break;
	case 'E':
		cfg->event_clock = parse_event_clock_or_die(optarg);
		break;
	case 'F':
		cfg->fmt = optarg;
		break;
	case 'i':
		cfg->idle_timeout_us = (long long)parse_period_or_die(optarg);
		break;
	case 'l':
		cfg->active_low = true;
		break;
	case 'L':
		cfg->timestamp_fmt = TS_LOCAL;
		break;
	case 'n':
		cfg->events_wanted = parse_uint_or_die(optarg);
		break;
	case 'p':
		cfg->debounce_period_us = parse_period_or_die(optarg);
		break;
	case 'q':
		cfg->quiet = true;
		break;
	case 's':
		cfg->strict = true;
		break;
	case 'Q':
		cfg->unquoted = true;
		break;
	case 'U':
		cfg->timestamp_fmt = TS_UTC;
		break;
	case 'W':
		cfg->wait_replug = true;
		break;
	case 'h':
		print_help();
		exit(EXIT_SUCCESS);
	case 'v':
		print_version();
		exit(EXIT_SUCCESS);
	default:
		die_usage("mon");
	}
}

static int parse_config(int argc, char **argv, struct config *cfg)
{
	static const struct option longopts[] = {
		{ "active-low", no_argument, NULL, 'l' },
		{ "banner", no_argument, NULL, '-' },
		{ "bias", required_argument, NULL, 'b' },
		{ "by-name", no_argument, NULL, 'B' },
		{ "chip", required_argument, NULL, 'c' },
		{ "consumer", required_argument, NULL, 'C' },
		{ "debounce-period", required_argument, NULL, 'p' },
		{ "edges", required_argument, NULL, 'e' },
		{ "event-clock", required_argument, NULL, 'E' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "idle-timeout", required_argument, NULL, 'i' },
		{ "localtime", no_argument, NULL, 'L' },
		{ "num-events", required_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "silent", no_argument, NULL, 'q' },
		{ "strict", no_argument, NULL, 's' },
		{ "unquoted", no_argument, NULL, 'Q' },
		{ "utc", no_argument, NULL, 'U' },
		{ "version", no_argument, NULL, 'v' },
		{ "wait-replug", no_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(cfg, 0, sizeof(*cfg));
	cfg->edges = MPSSED_LINE_EDGE_BOTH;
	cfg->consumer = "mpssectl-mon";
	cfg->idle_timeout_us = -1;
	while ((c = getopt_long(argc, argv, "+b:c:C:e:E:hF:ln:p:qsv", longopts, NULL)) >= 0)
		parse_option(c, cfg);
	/* As gpiomon: asking for wall-clock output asks for wall-clock stamps, and back. */
	if (!cfg->event_clock)
		cfg->event_clock = cfg->timestamp_fmt ? MPSSED_LINE_CLOCK_REALTIME :
							MPSSED_LINE_CLOCK_MONOTONIC;
	else if (cfg->event_clock == MPSSED_LINE_CLOCK_REALTIME && !cfg->timestamp_fmt)
		cfg->timestamp_fmt = TS_UTC;
	return optind;
}

static struct mpssed_line_settings *settings_or_die(const struct config *cfg)
{
	struct mpssed_line_settings *s = mpssed_line_settings_new();

	if (!s)
		die("out of memory");
	if (cfg->bias)
		mpssed_line_settings_set_bias(s, cfg->bias);
	mpssed_line_settings_set_active_low(s, cfg->active_low);
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
	if (cfg->quiet)
		return;
	if (cfg->fmt) {
		struct format_ctx f = { .event = event, .r = r, .chip_num = chip_num };

		print_format(cfg->fmt, print_specifier, &f);
		return;
	}
	print_event_time(mpssed_edge_event_get_timestamp_ns(event), cfg->timestamp_fmt);
	fputs(mpssed_edge_event_get_event_type(event) == MPSSED_EDGE_EVENT_RISING_EDGE ?
		      "\trising\t" : "\tfalling\t",
	      stdout);
	print_line_id(r, chip_num, mpssed_edge_event_get_line_offset(event), cfg->chip_id != NULL,
		      cfg->unquoted);
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
	const struct request_options opts = { .consumer = m->cfg->consumer,
					       .persist = m->cfg->wait_replug };
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
static bool read_events(struct monitor *m, size_t i)
{
	const char *chip = resolver_chip_name(m->r, m->chips[i]);
	int n = mpssed_line_request_read_edge_events(m->reqs[i], m->buf, EVENT_BUF_SIZE);

	if (n < 0)
		die_device_error(chip, "error reading line events");
	for (int j = 0; j < n; j++) {
		print_event(mpssed_edge_event_buffer_get_event(m->buf, (unsigned long)j), m->r,
			    m->chips[i], m->cfg);
		m->done++;
		if (m->cfg->events_wanted && m->done >= m->cfg->events_wanted)
			return false;
	}
	return true;
}

static void monitor(struct monitor *m)
{
	struct timespec idle = {
		.tv_sec = (time_t)(m->cfg->idle_timeout_us / 1000000),
		.tv_nsec = (long)(m->cfg->idle_timeout_us % 1000000) * 1000,
	};

	for (;;) {
		int r;

		fflush(stdout);
		r = ppoll(m->pfds, m->num, m->cfg->idle_timeout_us > 0 ? &idle : NULL, NULL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die_perror("error polling for events");
		if (r == 0)
			return;
		for (size_t i = 0; i < m->num; i++)
			if (m->pfds[i].revents && !read_events(m, i))
				return;
	}
}

int cmd_mon(int argc, char **argv)
{
	struct mpssed_line_settings *settings;
	struct monitor m = { 0 };
	struct config cfg;
	int i = parse_config(argc, argv, &cfg);

	argc -= i;
	argv += i;
	if (argc < 1)
		die("at least one GPIO line must be specified");
	if (argc > MAX_LINES)
		die("too many lines given");
	m.cfg = &cfg;
	settings = settings_or_die(&cfg);
	m.buf = mpssed_edge_event_buffer_new(EVENT_BUF_SIZE);
	if (!m.buf)
		die("out of memory");
	m.r = resolve_lines_or_die(argc, argv, cfg.chip_id, cfg.strict, cfg.by_name);
	request_all(&m, settings);
	mpssed_line_settings_free(settings);
	if (cfg.banner)
		print_banner("Monitoring", argc, argv);
	monitor(&m);
	fflush(stdout);
	for (size_t j = 0; j < m.num; j++)
		mpssed_line_request_release(m.reqs[j]);
	mpssed_edge_event_buffer_free(m.buf);
	free_line_resolver(m.r);
	return EXIT_SUCCESS;
}
