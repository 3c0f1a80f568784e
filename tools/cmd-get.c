// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mpssectl get: gpioget. Requests the lines (as inputs unless --as-is),
 * reads them, prints `"id"=active|inactive` (or 1/0 with --numeric) in the
 * order given, and releases them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/tools-common.h"

struct config {
	struct common_options common;
	bool as_is;
	bool numeric;
	unsigned long long hold_period_us;
};

static void print_help(void)
{
	printf("Usage: %s get [OPTIONS] <line>...\n", PROG_NAME);
	printf("\n");
	printf("Read values of GPIO lines.\n");
	printf("\n");
	printf("Lines are specified by name, or optionally by offset if the chip option\n");
	printf("is provided.\n");
	printf("\n");
	printf("Options:\n");
	printf("  -a, --as-is\t\tleave the line direction unchanged, not forced to input\n");
	print_bias_help();
	printf("      --by-name\t\ttreat lines as names even if they would parse as an offset\n");
	printf("  -c, --chip <chip>\trestrict scope to a particular chip\n");
	printf("  -C, --consumer <name>\tconsumer name applied to requested lines (default is 'mpssectl-get')\n");
	printf("  -h, --help\t\tdisplay this help and exit\n");
	printf("  -l, --active-low\ttreat the line as active low\n");
	printf("  -p, --hold-period <period>\n");
	printf("\t\t\twait between requesting the lines and reading the values\n");
	printf("      --numeric\t\tdisplay line values as '0' (inactive) or '1' (active)\n");
	printf("  -s, --strict\t\tabort if requested line names are not unique\n");
	printf("      --unquoted\tdon't quote line names\n");
	printf("  -v, --version\t\toutput version information and exit\n");
	print_chip_help();
	print_period_help();
}

static bool parse_option(int c, char *arg, void *data)
{
	struct config *cfg = data;

	switch (c) {
	case 'a':
		cfg->as_is = true;
		return true;
	case 'N':
		cfg->numeric = true;
		return true;
	case 'p':
		cfg->hold_period_us = parse_period_or_die(arg);
		return true;
	default:
		return false;
	}
}

static int parse_config(int argc, char **argv, struct config *cfg)
{
	static const struct option longopts[] = {
		{ "as-is", no_argument, NULL, 'a' },
		{ "hold-period", required_argument, NULL, 'p' },
		{ "numeric", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command_options cmd = {
		.name = "get",
		.groups = OPTS_LINES | OPTS_REQUEST,
		.shortopts = "ap:",
		.longopts = longopts,
		.help = print_help,
		.parse = parse_option,
		.data = cfg,
	};

	memset(cfg, 0, sizeof(*cfg));
	return parse_options_or_die(argc, argv, &cmd, &cfg->common);
}

static struct mpssed_line_settings *settings_or_die(const struct config *cfg)
{
	struct mpssed_line_settings *s = mpssed_line_settings_new();

	if (!s)
		die("out of memory");
	if (!cfg->as_is)
		mpssed_line_settings_set_direction(s, MPSSED_LINE_DIRECTION_INPUT);
	if (cfg->common.bias)
		mpssed_line_settings_set_bias(s, cfg->common.bias);
	mpssed_line_settings_set_active_low(s, cfg->common.active_low);
	return s;
}

/* Request the chip's lines, read them into the resolver, release them. */
static void read_chip(struct line_resolver *r, size_t chip_num, const struct config *cfg,
		      struct mpssed_line_settings *settings)
{
	const struct request_options opts = { .consumer = cfg->common.consumer };
	unsigned int offsets[MAX_LINES];
	enum mpssed_line_value values[MAX_LINES];
	struct mpssed_line_request *req;
	size_t k = 0;

	if (!resolver_chip_lines(r, chip_num, offsets, NULL))
		return;
	req = request_lines_or_die(r, chip_num, settings, &opts);
	if (cfg->hold_period_us)
		sleep_us(cfg->hold_period_us);
	if (mpssed_line_request_get_values(req, values) < 0)
		die_device_error(resolver_chip_name(r, chip_num), "unable to read GPIO line values");
	for (size_t i = 0; i < r->num_lines; i++)
		if (r->lines[i].chip_num == chip_num)
			r->lines[i].value = values[k++];
	mpssed_line_request_release(req);
}

int cmd_get(int argc, char **argv)
{
	struct mpssed_line_settings *settings;
	struct line_resolver *r;
	struct config cfg;
	int i = parse_config(argc, argv, &cfg);

	argc -= i;
	argv += i;
	check_num_lines_or_die(argc);
	settings = settings_or_die(&cfg);
	r = resolve_ids_or_die(argc, argv, &cfg.common);
	for (size_t c = 0; c < r->num_chips; c++)
		read_chip(r, c, &cfg, settings);
	print_line_values(r, cfg.common.unquoted, cfg.numeric);
	free_line_resolver(r);
	mpssed_line_settings_free(settings);
	return EXIT_SUCCESS;
}
