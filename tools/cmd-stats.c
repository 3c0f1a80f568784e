// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mpssectl stats: the daemon's counters for each chip, for people (one
 * block per chip) or, with --prometheus, in the Prometheus text exposition
 * format (version 0.0.4) for a textfile collector or a scrape wrapper.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/tools-common.h"

struct chip_stats {
	const char *name;
	const char *label;
	bool present;
	bool emulated;
	struct mpssed_ctl_chip_stats *stats;
};

static void print_help(void)
{
	printf("Usage: %s stats [OPTIONS] [chip]...\n", PROG_NAME);
	printf("\n");
	printf("Print the daemon's counters for each chip: sample rate, sample round trip\n");
	printf("(p50/p99), edge events delivered and dropped over the open requests,\n");
	printf("unplugs and replugs, deferred frees pending and uptime.\n");
	printf("\n");
	printf("If no chips are specified then every chip the daemon knows is shown,\n");
	printf("unplugged ones included.\n");
	printf("\n");
	printf("Options:\n");
	printf("  -h, --help\t\tdisplay this help and exit\n");
	printf("  -P, --prometheus\tprint the Prometheus text exposition format\n");
	printf("  -v, --version\t\toutput version information and exit\n");
	print_chip_help();
}

static bool parse_option(int c, char *arg, void *data)
{
	bool *prometheus = data;

	if (c != 'P')
		return false;
	*prometheus = true;
	return true;
}

static int parse_config(int argc, char **argv, bool *prometheus)
{
	static const struct option longopts[] = {
		{ "prometheus", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command_options cmd = {
		.name = "stats",
		.shortopts = "P",
		.longopts = longopts,
		.help = print_help,
		.parse = parse_option,
		.data = prometheus,
	};
	struct common_options common;

	*prometheus = false;
	return parse_options_or_die(argc, argv, &cmd, &common);
}

/* --- Collecting ------------------------------------------------------------------ */

static size_t list_index_or_die(struct mpssed_ctl_chip_list *list, const char *name)
{
	for (size_t i = 0; i < mpssed_ctl_chip_list_get_num_chips(list); i++)
		if (!strcmp(mpssed_ctl_chip_list_get_name(list, i), name))
			return i;
	die("cannot find GPIO chip '%s'", name);
}

static void collect(struct mpssed_ctl *ctl, struct mpssed_ctl_chip_list *list, size_t index,
		    struct chip_stats *out)
{
	out->name = mpssed_ctl_chip_list_get_name(list, index);
	out->label = mpssed_ctl_chip_list_get_label(list, index);
	out->present = mpssed_ctl_chip_list_is_present(list, index);
	out->emulated = mpssed_ctl_chip_list_is_emulated(list, index);
	out->stats = mpssed_ctl_get_chip_stats(ctl, out->name);
	if (!out->stats)
		die_perror("unable to read the counters of '%s'", out->name);
}

/* The chips asked for (all when ids is empty), with their counters. */
static size_t collect_all(struct mpssed_ctl *ctl, struct mpssed_ctl_chip_list *list, int num_ids,
			  char **ids, struct chip_stats **out)
{
	size_t n = num_ids ? (size_t)num_ids : mpssed_ctl_chip_list_get_num_chips(list);

	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		size_t index = i;

		if (num_ids) {
			char *name = chip_name_or_die(ids[i]);

			index = list_index_or_die(list, name);
			free(name);
		}
		collect(ctl, list, index, &(*out)[i]);
	}
	return n;
}

/* --- For people ---------------------------------------------------------------------- */

static void print_human(const struct chip_stats *c)
{
	struct mpssed_ctl_chip_stats *s = c->stats;
	uint64_t events = mpssed_ctl_chip_stats_get_events(s);
	uint64_t dropped = mpssed_ctl_chip_stats_get_dropped(s);
	uint64_t uptime = mpssed_ctl_chip_stats_get_uptime_ns(s);

	printf("%s [%s]:\n", c->name, c->label);
	printf("\tpresent:                %s\n", c->present ? "yes" : "no");
	printf("\temulated:               %s\n", c->emulated ? "yes" : "no");
	printf("\tsample rate:            %.1f Hz\n", mpssed_ctl_chip_stats_get_sample_rate_hz(s));
	printf("\tsamples:                %llu\n",
	       (unsigned long long)mpssed_ctl_chip_stats_get_samples(s));
	printf("\trtt p50/p99:            %u/%u us\n", mpssed_ctl_chip_stats_get_rtt_p50_us(s),
	       mpssed_ctl_chip_stats_get_rtt_p99_us(s));
	printf("\trequests:               %u\n", mpssed_ctl_chip_stats_get_num_requests(s));
	printf("\tevents delivered:       %llu\n",
	       (unsigned long long)(events >= dropped ? events - dropped : 0));
	printf("\tevents dropped:         %llu\n", (unsigned long long)dropped);
	printf("\tunplugs/replugs:        %llu/%llu\n",
	       (unsigned long long)mpssed_ctl_chip_stats_get_unplugs(s),
	       (unsigned long long)mpssed_ctl_chip_stats_get_replugs(s));
	printf("\tdeferred frees pending: %llu\n",
	       (unsigned long long)mpssed_ctl_chip_stats_get_deferred_pending(s));
	printf("\tuptime:                 %llu.%03llu s\n", (unsigned long long)(uptime / 1000000000),
	       (unsigned long long)(uptime / 1000000 % 1000));
}

/* --- Prometheus ------------------------------------------------------------------------- */

struct metric {
	const char *name;
	const char *type;
	const char *help;
	const char *extra_label;	/* e.g. a quantile; NULL: none */
	bool daemon_wide;		/* one sample without a chip label */
	double (*get)(const struct chip_stats *c);
};

static double m_present(const struct chip_stats *c)
{
	return c->present;
}

static double m_samples(const struct chip_stats *c)
{
	return (double)mpssed_ctl_chip_stats_get_samples(c->stats);
}

static double m_rate(const struct chip_stats *c)
{
	return mpssed_ctl_chip_stats_get_sample_rate_hz(c->stats);
}

static double m_interval(const struct chip_stats *c)
{
	return (double)mpssed_ctl_chip_stats_get_sample_interval_ns(c->stats) / 1e9;
}

static double m_rtt_p50(const struct chip_stats *c)
{
	return mpssed_ctl_chip_stats_get_rtt_p50_us(c->stats) / 1e6;
}

static double m_rtt_p99(const struct chip_stats *c)
{
	return mpssed_ctl_chip_stats_get_rtt_p99_us(c->stats) / 1e6;
}

static double m_requests(const struct chip_stats *c)
{
	return mpssed_ctl_chip_stats_get_num_requests(c->stats);
}

static double m_delivered(const struct chip_stats *c)
{
	uint64_t events = mpssed_ctl_chip_stats_get_events(c->stats);
	uint64_t dropped = mpssed_ctl_chip_stats_get_dropped(c->stats);

	return (double)(events >= dropped ? events - dropped : 0);
}

static double m_dropped(const struct chip_stats *c)
{
	return (double)mpssed_ctl_chip_stats_get_dropped(c->stats);
}

static double m_unplugs(const struct chip_stats *c)
{
	return (double)mpssed_ctl_chip_stats_get_unplugs(c->stats);
}

static double m_replugs(const struct chip_stats *c)
{
	return (double)mpssed_ctl_chip_stats_get_replugs(c->stats);
}

static double m_deferred(const struct chip_stats *c)
{
	return (double)mpssed_ctl_chip_stats_get_deferred_pending(c->stats);
}

static double m_uptime(const struct chip_stats *c)
{
	return (double)mpssed_ctl_chip_stats_get_uptime_ns(c->stats) / 1e9;
}

/* Samples of one family are consecutive entries with the same name. */
static const struct metric metrics[] = {
	{ "mpssed_chip_present", "gauge", "Whether the chip's device is plugged in.", NULL, false,
	  m_present },
	{ "mpssed_samples_total", "counter", "Samples taken since the chip appeared.", NULL, false,
	  m_samples },
	{ "mpssed_sample_rate_hz", "gauge", "Samples per second over the last second.", NULL, false,
	  m_rate },
	{ "mpssed_sample_interval_seconds", "gauge", "Sampling interval the line info reports.", NULL,
	  false, m_interval },
	{ "mpssed_sample_rtt_seconds", "gauge", "Round trip of one sample, by quantile.",
	  "quantile=\"0.5\"", false, m_rtt_p50 },
	{ "mpssed_sample_rtt_seconds", NULL, NULL, "quantile=\"0.99\"", false, m_rtt_p99 },
	{ "mpssed_requests", "gauge", "Open line requests.", NULL, false, m_requests },
	{ "mpssed_events_delivered", "gauge",
	  "Edge events queued for the chip's open requests (dropped ones excluded).", NULL, false,
	  m_delivered },
	{ "mpssed_events_dropped", "gauge",
	  "Edge events the chip's open requests lost to a full queue.", NULL, false, m_dropped },
	{ "mpssed_unplugs_total", "counter", "Times the chip's device was unplugged.", NULL, false,
	  m_unplugs },
	{ "mpssed_replugs_total", "counter", "Times the chip's device came back.", NULL, false,
	  m_replugs },
	{ "mpssed_deferred_frees_pending", "gauge",
	  "Deferred frees (teardown after unplug) not yet run, daemon-wide.", NULL, true, m_deferred },
	{ "mpssed_uptime_seconds", "gauge", "Time since the daemon first saw the chip.", NULL, false,
	  m_uptime },
};

/* A label value with \, " and newline escaped, as the format requires. */
static void print_label_value(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			printf("\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", stdout);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_sample(const struct metric *m, const struct chip_stats *c)
{
	fputs(m->name, stdout);
	if (!m->daemon_wide || m->extra_label) {
		putchar('{');
		if (!m->daemon_wide) {
			fputs("chip=", stdout);
			print_label_value(c->name);
		}
		if (m->extra_label)
			printf("%s%s", m->daemon_wide ? "" : ",", m->extra_label);
		putchar('}');
	}
	printf(" %.15g\n", m->get(c));
}

static void print_prometheus(const struct chip_stats *chips, size_t n)
{
	if (!n)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(metrics); i++) {
		const struct metric *m = &metrics[i];

		if (m->help) {
			printf("# HELP %s %s\n", m->name, m->help);
			printf("# TYPE %s %s\n", m->name, m->type);
		}
		for (size_t j = 0; j < (m->daemon_wide ? 1 : n); j++)
			print_sample(m, &chips[j]);
	}
}

int cmd_stats(int argc, char **argv)
{
	struct mpssed_ctl_chip_list *list;
	struct chip_stats *chips;
	struct mpssed_ctl *ctl;
	bool prometheus;
	int i = parse_config(argc, argv, &prometheus);
	size_t n;

	ctl = ctl_open_or_die();
	list = mpssed_ctl_list_chips(ctl);
	if (!list)
		die_perror("cannot list chips");
	n = collect_all(ctl, list, argc - i, argv + i, &chips);
	if (prometheus)
		print_prometheus(chips, n);
	else
		for (size_t j = 0; j < n; j++)
			print_human(&chips[j]);
	for (size_t j = 0; j < n; j++)
		mpssed_ctl_chip_stats_free(chips[j].stats);
	free(chips);
	mpssed_ctl_chip_list_free(list);
	mpssed_ctl_close(ctl);
	return EXIT_SUCCESS;
}
