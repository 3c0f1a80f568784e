// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mpssectl detect: gpiodetect. One line per chip: name [label] (N lines).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "tools/tools-common.h"

static void print_help(void)
{
	printf("Usage: %s detect [OPTIONS] [chip]...\n", PROG_NAME);
	printf("\n");
	printf("List GPIO chips, print their labels and number of GPIO lines.\n");
	printf("\n");
	printf("Chips may be identified by number, name, or path.\n");
	printf("e.g. '0', 'mpsse0', and '/run/mpssed/mpsse0' may refer to the same chip.\n");
	printf("\n");
	printf("If no chips are specified then every chip whose device is present is listed.\n");
	printf("\n");
	printf("Options:\n");
	printf("  -h, --help\t\tdisplay this help and exit\n");
	printf("  -v, --version\t\toutput version information and exit\n");
}

static int parse_config(int argc, char **argv)
{
	const struct command_options cmd = { .name = "detect", .help = print_help };
	struct common_options common;

	return parse_options_or_die(argc, argv, &cmd, &common);
}

static void print_chip(const char *path)
{
	struct mpssed_chip *chip = chip_open_or_die(path);
	struct mpssed_chip_info *info = mpssed_chip_get_info(chip);

	if (!info)
		die_perror("unable to read info for '%s'", path);
	printf("%s [%s] (%zu lines)\n", mpssed_chip_info_get_name(info),
	       mpssed_chip_info_get_label(info), mpssed_chip_info_get_num_lines(info));
	mpssed_chip_info_free(info);
	mpssed_chip_close(chip);
}

/* Every chip one id (or, with NULL, the whole daemon) names. */
static void print_chips(const char *chip_id)
{
	char **paths;
	size_t n = chip_paths_or_die(chip_id, &paths);

	for (size_t i = 0; i < n; i++)
		print_chip(paths[i]);
	free_chip_paths(paths, n);
}

int cmd_detect(int argc, char **argv)
{
	int i = parse_config(argc, argv);

	if (i == argc)
		print_chips(NULL);
	for (; i < argc; i++)
		print_chips(argv[i]);
	return EXIT_SUCCESS;
}
