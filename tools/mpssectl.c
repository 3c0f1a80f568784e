// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mpssectl: the command-line client of mpssed. libgpiod v2's tools become
 * subcommands (detect, info, get, set, mon, notify) with their options and
 * output formats; stats and emu are mpssed's own. This file only picks the
 * runtime directory and dispatches; each command lives in its own file.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macros.h"
#include "tools/tools-common.h"

static const struct command commands[] = {
	{ "detect", cmd_detect, "list GPIO chips, their labels and number of lines" },
	{ "info", cmd_info, "print information about GPIO lines" },
	{ "get", cmd_get, "read values of GPIO lines" },
	{ "set", cmd_set, "set values of GPIO lines and hold them" },
	{ "mon", cmd_mon, "wait for edge events on GPIO lines and print them" },
	{ "notify", cmd_notify, "wait for changes to info on GPIO lines and print them" },
	{ "stats", cmd_stats, "print the daemon's per-chip counters" },
	{ "emu", cmd_emu, "control an emulated device (unplug, replug, pin world)" },
};

static void print_help(void)
{
	printf("Usage: %s [OPTIONS] <command> [ARGS]...\n", PROG_NAME);
	printf("\n");
	printf("Control the GPIO lines that mpssed serves from FTDI MPSSE chips.\n");
	printf("\n");
	printf("Options:\n");
	printf("  -r, --runtime-dir <dir>\twhere mpssed's sockets are\n");
	printf("\t\t\t\t(default: $MPSSED_RUNTIME_DIR, else /run/mpssed)\n");
	printf("  -h, --help\t\t\tdisplay this help and exit\n");
	printf("  -v, --version\t\t\toutput version information and exit\n");
	printf("\n");
	printf("Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		printf("  %-8s  %s\n", commands[i].name, commands[i].description);
	printf("\n");
	printf("Run '%s <command> --help' for the options of a command.\n", PROG_NAME);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* Global options, up to the command's name. */
static void parse_global_options(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "runtime-dir", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+r:hv", longopts, NULL)) >= 0) {
		switch (c) {
		case 'r':
			/* The library resolves chip names and the control socket there. */
			if (!*optarg || setenv("MPSSED_RUNTIME_DIR", optarg, 1) < 0)
				die("invalid runtime directory: '%s'", optarg);
			break;
		case 'h':
			print_help();
			exit(EXIT_SUCCESS);
		case 'v':
			print_version();
			exit(EXIT_SUCCESS);
		default:
			die("try '%s --help'", PROG_NAME);
		}
	}
}

int main(int argc, char **argv)
{
	const struct command *cmd;

	/* getopt names the program from argv[0]: make its messages "mpssectl: ...". */
	argv[0] = (char *)PROG_NAME;
	parse_global_options(argc, argv);
	if (optind >= argc)
		die("no command given; try '%s --help'", PROG_NAME);
	cmd = find_command(argv[optind]);
	if (!cmd)
		die("unknown command '%s'; try '%s --help'", argv[optind], PROG_NAME);
	argc -= optind;
	argv += optind;
	argv[0] = (char *)PROG_NAME;
	/* Each command parses its own options from a fresh getopt state. */
	optind = 0;
	return cmd->main(argc, argv);
}
