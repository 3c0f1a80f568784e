// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mpssectl notify: gpionotify. Watches the lines' info and prints one line
 * per change: `<seconds>\t<requested|released|reconfigured>\t<line>`, or as
 * --format says.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools/tools-common.h"

struct config {
	struct common_options common;
	enum mpssed_info_event_type event_type;	/* 0: all */
};

static void print_help(void)
{
	printf("Usage: %s notify [OPTIONS] <line>...\n", PROG_NAME);
	printf("\n");
	printf("Wait for changes to info on GPIO lines and print them to standard output.\n");
	printf("\n");
	printf("Lines are specified by name, or optionally by offset if the chip option\n");
	printf("is provided.\n");
	printf("\n");
	printf("Options:\n");
	printf("      --banner\t\tdisplay a banner on successful startup\n");
	printf("      --by-name\t\ttreat lines as names even if they would parse as an offset\n");
	printf("  -c, --chip <chip>\trestrict scope to a particular chip\n");
	printf("  -e, --event <event>\tspecify the events to monitor\n");
	printf("\t\t\tPossible values: 'requested', 'released', 'reconfigured'.\n");
	printf("\t\t\t(default is all events)\n");
	printf("  -h, --help\t\tdisplay this help and exit\n");
	printf("  -F, --format <fmt>\tspecify a custom output format\n");
	printf("      --idle-timeout <period>\n");
	printf("\t\t\texit gracefully if no events occur for the period specified\n");
	printf("      --localtime\tconvert event timestamps to local time\n");
	printf("  -n, --num-events <num>\n");
	printf("\t\t\texit after processing num events\n");
	printf("  -q, --quiet\t\tdon't generate any output\n");
	printf("  -s, --strict\t\tabort if requested line names are not unique\n");
	printf("      --unquoted\tdon't quote line or consumer names\n");
	printf("      --utc\t\tconvert event timestamps to UTC\n");
	printf("  -v, --version\t\toutput version information and exit\n");
	print_chip_help();
	print_period_help();
	printf("\n");
	printf("Format specifiers:\n");
	printf("  %%o   GPIO line offset\n");
	printf("  %%l   GPIO line name\n");
	printf("  %%c   GPIO chip name\n");
	printf("  %%e   numeric info event type ('1' - requested, '2' - released or '3' - reconfigured)\n");
	printf("  %%E   info event type ('requested', 'released' or 'reconfigured')\n");
	printf("  %%a   line attributes\n");
	printf("  %%C   consumer\n");
	printf("  %%S   event timestamp as seconds\n");
	printf("  %%U   event timestamp as UTC\n");
	printf("  %%L   event timestamp as local time\n");
}

static enum mpssed_info_event_type parse_event_type_or_die(const char *option)
{
	if (!strcmp(option, "requested"))
		return MPSSED_INFO_EVENT_LINE_REQUESTED;
	if (!strcmp(option, "released"))
		return MPSSED_INFO_EVENT_LINE_RELEASED;
	if (!strcmp(option, "reconfigured"))
		return MPSSED_INFO_EVENT_LINE_CONFIG_CHANGED;
	die("invalid event: %s", option);
}

static bool parse_option(int c, char *arg, void *data)
{
	struct config *cfg = data;

	if (c != 'e')
		return false;
	cfg->event_type = parse_event_type_or_die(arg);
	return true;
}

static int parse_config(int argc, char **argv, struct config *cfg)
{
	static const struct option longopts[] = {
		{ "event", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command_options cmd = {
		.name = "notify",
		.groups = OPTS_LINES | OPTS_BANNER | OPTS_EVENTS,
		.shortopts = "e:",
		.longopts = longopts,
		.help = print_help,
		.parse = parse_option,
		.data = cfg,
	};

	memset(cfg, 0, sizeof(*cfg));
	return parse_options_or_die(argc, argv, &cmd, &cfg->common);
}

/* --- Output ---------------------------------------------------------------------- */

/*
 * Info events carry CLOCK_MONOTONIC stamps: shift them by the current
 * offset between the clocks to show wall-clock time, as gpionotify does.
 */
static uint64_t monotonic_to_realtime(uint64_t ns)
{
	struct timespec rt1, mono, rt2;

	clock_gettime(CLOCK_REALTIME, &rt1);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &rt2);
	return ns + ((uint64_t)rt1.tv_sec * 1000000000 + (uint64_t)rt1.tv_nsec) / 2 +
	       ((uint64_t)rt2.tv_sec * 1000000000 + (uint64_t)rt2.tv_nsec) / 2 -
	       ((uint64_t)mono.tv_sec * 1000000000 + (uint64_t)mono.tv_nsec);
}

static const char *event_name(enum mpssed_info_event_type type)
{
	switch (type) {
	case MPSSED_INFO_EVENT_LINE_REQUESTED:
		return "requested";
	case MPSSED_INFO_EVENT_LINE_RELEASED:
		return "released";
	case MPSSED_INFO_EVENT_LINE_CONFIG_CHANGED:
		return "reconfigured";
	default:
		return "unknown";
	}
}

static const char *consumer_of(struct mpssed_line_info *info)
{
	const char *consumer = mpssed_line_info_get_consumer(info);

	if (!mpssed_line_info_is_used(info))
		return "unused";
	return consumer ? consumer : "kernel";
}

struct format_ctx {
	struct mpssed_info_event *event;
	const char *chip;
	const struct config *cfg;
};

static bool print_specifier(char spec, void *data)
{
	struct format_ctx *f = data;
	struct mpssed_line_info *info = mpssed_info_event_get_line_info(f->event);
	uint64_t ts = mpssed_info_event_get_timestamp_ns(f->event);
	const char *name = mpssed_line_info_get_name(info);

	switch (spec) {
	case 'a':
		print_line_attributes(info, f->cfg->common.unquoted);
		return true;
	case 'c':
		fputs(f->chip, stdout);
		return true;
	case 'C':
		fputs(consumer_of(info), stdout);
		return true;
	case 'e':
		printf("%d", mpssed_info_event_get_event_type(f->event));
		return true;
	case 'E':
		fputs(event_name(mpssed_info_event_get_event_type(f->event)), stdout);
		return true;
	case 'l':
		fputs(name ? name : "unnamed", stdout);
		return true;
	case 'L':
		print_event_time(monotonic_to_realtime(ts), TS_LOCAL);
		return true;
	case 'o':
		printf("%u", mpssed_line_info_get_offset(info));
		return true;
	case 'S':
		print_event_time(ts, TS_SECONDS);
		return true;
	case 'U':
		print_event_time(monotonic_to_realtime(ts), TS_UTC);
		return true;
	default:
		return false;
	}
}

static void print_event(struct mpssed_info_event *event, struct line_resolver *r, size_t chip_num,
			const struct config *cfg)
{
	uint64_t ts = mpssed_info_event_get_timestamp_ns(event);

	if (cfg->common.quiet)
		return;
	if (cfg->common.fmt) {
		struct format_ctx f = { event, resolver_chip_name(r, chip_num), cfg };

		print_format(cfg->common.fmt, print_specifier, &f);
		return;
	}
	if (cfg->common.timestamp_fmt)
		ts = monotonic_to_realtime(ts);
	print_event_time(ts, cfg->common.timestamp_fmt);
	printf("\t%s\t", event_name(mpssed_info_event_get_event_type(event)));
	print_line_id(r, chip_num,
		      mpssed_line_info_get_offset(mpssed_info_event_get_line_info(event)),
		      cfg->common.chip_id != NULL, cfg->common.unquoted);
	putchar('\n');
}

/* --- Main -------------------------------------------------------------------------- */

struct watcher {
	const struct config *cfg;
	struct line_resolver *r;
	size_t num;
	struct mpssed_chip *chips[MAX_LINES];
	size_t chip_nums[MAX_LINES];
	struct pollfd pfds[MAX_LINES];
	unsigned int done;
};

static void watch_all(struct watcher *w)
{
	unsigned int offsets[MAX_LINES];

	for (size_t c = 0; c < w->r->num_chips; c++) {
		size_t n = resolver_chip_lines(w->r, c, offsets, NULL);
		struct mpssed_chip *chip;

		if (!n)
			continue;
		chip = chip_open_or_die(w->r->chips[c].path);
		for (size_t j = 0; j < n; j++) {
			struct mpssed_line_info *info = mpssed_chip_watch_line_info(chip, offsets[j]);

			if (!info)
				die_perror("unable to watch line on chip '%s'", w->r->chips[c].path);
			mpssed_line_info_free(info);
		}
		w->pfds[w->num].fd = mpssed_chip_get_fd(chip);
		if (w->pfds[w->num].fd < 0)
			die_perror("unable to poll chip '%s'", w->r->chips[c].path);
		w->pfds[w->num].events = POLLIN;
		w->chips[w->num] = chip;
		w->chip_nums[w->num++] = c;
	}
}

/* Print one event of chip i; false once enough were printed. */
static bool read_event(void *data, size_t i)
{
	struct watcher *w = data;
	struct mpssed_info_event *event = mpssed_chip_read_info_event(w->chips[i]);
	enum mpssed_info_event_type type;

	if (!event)
		die_device_error(resolver_chip_name(w->r, w->chip_nums[i]),
				 "unable to retrieve chip event");
	type = mpssed_info_event_get_event_type(event);
	if (w->cfg->event_type && type != w->cfg->event_type) {
		mpssed_info_event_free(event);
		return true;
	}
	print_event(event, w->r, w->chip_nums[i], w->cfg);
	mpssed_info_event_free(event);
	w->done++;
	return !w->cfg->common.events_wanted || w->done < w->cfg->common.events_wanted;
}

int cmd_notify(int argc, char **argv)
{
	struct watcher w = { 0 };
	struct config cfg;
	int i = parse_config(argc, argv, &cfg);

	argc -= i;
	argv += i;
	check_num_lines_or_die(argc);
	w.cfg = &cfg;
	w.r = resolve_ids_or_die(argc, argv, &cfg.common);
	watch_all(&w);
	if (cfg.common.banner)
		print_banner("Watching", argc, argv);
	poll_until_done(w.pfds, w.num, cfg.common.idle_timeout_us, read_event, &w);
	fflush(stdout);
	for (size_t j = 0; j < w.num; j++)
		mpssed_chip_close(w.chips[j]);
	free_line_resolver(w.r);
	return EXIT_SUCCESS;
}
