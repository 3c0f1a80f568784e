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
	bool active_low;
	bool as_is;
	bool by_name;
	bool numeric;
	bool strict;
	bool unquoted;
	enum mpssed_line_bias bias;
	unsigned long long hold_period_us;
	const char *chip_id;
	const char *consumer;
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

static int parse_config(int argc, char **argv, struct config *cfg)
{
	static const struct option longopts[] = {
		{ "active-low", no_argument, NULL, 'l' },
		{ "as-is", no_argument, NULL, 'a' },
		{ "bias", required_argument, NULL, 'b' },
		{ "by-name", no_argument, NULL, 'B' },
		{ "chip", required_argument, NULL, 'c' },
		{ "consumer", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "hold-period", required_argument, NULL, 'p' },
		{ "numeric", no_argument, NULL, 'N' },
		{ "strict", no_argument, NULL, 's' },
		{ "unquoted", no_argument, NULL, 'Q' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(cfg, 0, sizeof(*cfg));
	cfg->consumer = "mpssectl-get";
	while ((c = getopt_long(argc, argv, "+ab:c:C:hlp:sv", longopts, NULL)) >= 0) {
		switch (c) {
		case 'a':
			cfg->as_is = true;
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
		case 'l':
			cfg->active_low = true;
			break;
		case 'N':
			cfg->numeric = true;
			break;
		case 'p':
			cfg->hold_period_us = parse_period_or_die(optarg);
			break;
		case 's':
			cfg->strict = true;
			break;
		case 'Q':
			cfg->unquoted = true;
			break;
		case 'h':
			print_help();
			exit(EXIT_SUCCESS);
		case 'v':
			print_version();
			exit(EXIT_SUCCESS);
		default:
			die_usage("get");
		}
	}
	return optind;
}

static struct mpssed_line_settings *settings_or_die(const struct config *cfg)
{
	struct mpssed_line_settings *s = mpssed_line_settings_new();

	if (!s)
		die("out of memory");
	if (!cfg->as_is)
		mpssed_line_settings_set_direction(s, MPSSED_LINE_DIRECTION_INPUT);
	if (cfg->bias)
		mpssed_line_settings_set_bias(s, cfg->bias);
	mpssed_line_settings_set_active_low(s, cfg->active_low);
	return s;
}

/* Request the chip's lines, read them into the resolver, release them. */
static void read_chip(struct line_resolver *r, size_t chip_num, const struct config *cfg,
		      struct mpssed_line_settings *settings)
{
	const struct request_options opts = { .consumer = cfg->consumer };
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
	if (argc < 1)
		die("at least one GPIO line must be specified");
	if (argc > MAX_LINES)
		die("too many lines given");
	settings = settings_or_die(&cfg);
	r = resolve_lines_or_die(argc, argv, cfg.chip_id, cfg.strict, cfg.by_name);
	for (size_t c = 0; c < r->num_chips; c++)
		read_chip(r, c, &cfg, settings);
	print_line_values(r, cfg.unquoted, cfg.numeric);
	free_line_resolver(r);
	mpssed_line_settings_free(settings);
	return EXIT_SUCCESS;
}
