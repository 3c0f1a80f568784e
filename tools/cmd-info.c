// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mpssectl info: gpioinfo. Without lines, every line of every chip under a
 * "chip - N lines:" heading; with lines, one "chip offset" row per line
 * found, printed as found, then the problems (exit 1 if any).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/tools-common.h"

static void print_help(void)
{
	printf("Usage: %s info [OPTIONS] [line]...\n", PROG_NAME);
	printf("\n");
	printf("Print information about GPIO lines.\n");
	printf("\n");
	printf("Lines are specified by name, or optionally by offset if the chip option\n");
	printf("is provided.\n");
	printf("\n");
	printf("If no lines are specified then all lines are displayed.\n");
	printf("\n");
	printf("Options:\n");
	printf("      --by-name\t\ttreat lines as names even if they would parse as an offset\n");
	printf("  -c, --chip <chip>\trestrict scope to a particular chip\n");
	printf("  -h, --help\t\tdisplay this help and exit\n");
	printf("  -s, --strict\t\tcheck all lines - don't assume line names are unique\n");
	printf("      --unquoted\tdon't quote line or consumer names\n");
	printf("  -v, --version\t\toutput version information and exit\n");
	print_chip_help();
}

static int parse_config(int argc, char **argv, struct common_options *cfg)
{
	const struct command_options cmd = {
		.name = "info",
		.groups = OPTS_LINES,
		.help = print_help,
	};

	return parse_options_or_die(argc, argv, &cmd, cfg);
}

/* The name column: quoted and padded to 16, as gpioinfo lays it out. */
static void print_name(const char *name, bool unquoted)
{
	char quoted[64];

	if (!name) {
		printf("%-16s\t", "unnamed");
	} else if (unquoted) {
		printf("%-16s\t", name);
	} else {
		snprintf(quoted, sizeof(quoted), "\"%s\"", name);
		printf("%-16s\t", quoted);
	}
}

static void print_line(struct mpssed_chip *chip, unsigned int offset, bool unquoted)
{
	struct mpssed_line_info *info = mpssed_chip_get_line_info(chip, offset);

	if (!info)
		die_perror("unable to read info for line %u from %s", offset,
			   mpssed_chip_get_path(chip));
	print_name(mpssed_line_info_get_name(info), unquoted);
	print_line_attributes(info, unquoted);
	putchar('\n');
	mpssed_line_info_free(info);
}

static void list_chip(const char *path, const struct common_options *cfg)
{
	struct mpssed_chip *chip = chip_open_or_die(path);
	struct mpssed_chip_info *info = mpssed_chip_get_info(chip);
	size_t n;

	if (!info)
		die_perror("unable to read info from chip %s", path);
	n = mpssed_chip_info_get_num_lines(info);
	printf("%s - %zu lines:\n", mpssed_chip_info_get_name(info), n);
	for (unsigned int offset = 0; offset < n; offset++) {
		printf("\tline %3u:\t", offset);
		print_line(chip, offset, cfg->unquoted);
	}
	mpssed_chip_info_free(info);
	mpssed_chip_close(chip);
}

static int list_all(const struct common_options *cfg)
{
	char **paths;
	size_t n = chip_paths_or_die(cfg->chip_id, &paths);

	for (size_t i = 0; i < n; i++)
		list_chip(paths[i], cfg);
	free_chip_paths(paths, n);
	return EXIT_SUCCESS;
}

/* Whether every id was printed (and, not strict, no other line can match). */
static bool all_found(const struct line_resolver *r, size_t found)
{
	return !r->strict && found >= r->num_lines;
}

/* Print the lines of one chip that the ids name, counting them in *found. */
static void list_matches(struct line_resolver *r, size_t chip_num, const struct common_options *cfg,
			 size_t *found)
{
	struct mpssed_chip *chip = chip_open_or_die(r->chips[chip_num].path);

	for (unsigned int offset = 0;
	     offset < resolver_chip_num_lines(r, chip_num) && !all_found(r, *found); offset++) {
		if (!resolve_line(r, chip_num, offset, false))
			continue;
		printf("%s %u\t", resolver_chip_name(r, chip_num), offset);
		print_line(chip, offset, cfg->unquoted);
		(*found)++;
	}
	mpssed_chip_close(chip);
}

static int list_lines(int num_ids, char **ids, struct common_options *cfg)
{
	struct line_resolver *r;
	size_t n, found = 0;
	char **paths;
	int ret;

	if (!cfg->chip_id)
		cfg->by_name = true;
	n = chip_paths_or_die(cfg->chip_id, &paths);
	r = resolver_new(num_ids, ids, n, cfg->strict, cfg->by_name);
	for (size_t c = 0; c < n; c++) {
		size_t chip_num;

		if (all_found(r, found)) {
			free(paths[c]);
			continue;
		}
		chip_num = resolver_add_chip(r, paths[c]);
		if (c == 0 && cfg->chip_id && !cfg->by_name)
			resolve_by_offset(r, chip_num);
		list_matches(r, chip_num, cfg, &found);
	}
	free(paths);
	fflush(stdout);
	/* As gpioinfo: strict and a name found twice is a failure too. */
	ret = resolver_validate(r, cfg->chip_id) && found == (size_t)num_ids ? EXIT_SUCCESS :
									   EXIT_FAILURE;
	free_line_resolver(r);
	return ret;
}

int cmd_info(int argc, char **argv)
{
	struct common_options cfg;
	int i = parse_config(argc, argv, &cfg);

	if (i == argc)
		return list_all(&cfg);
	return list_lines(argc - i, argv + i, &cfg);
}
