// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mpssectl emu: the controls of an emulated device (mpssed --emulate):
 * unplug and replug it, drive inputs, wire an output to an input, put a
 * square wave on a line. The daemon refuses them for real hardware.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/tools-common.h"

struct emu_cmd {
	const char *chip_id;
	char *chip;			/* the daemon's name for it */
	bool by_name;
	struct mpssed_ctl *ctl;
};

static void print_help(void)
{
	printf("Usage: %s emu [OPTIONS] <chip> <command> [ARGS]...\n", PROG_NAME);
	printf("\n");
	printf("Control an emulated device (one served by 'mpssed --emulate').\n");
	printf("\n");
	printf("Commands:\n");
	printf("  unplug\t\t\tunplug the device (every chip of it)\n");
	printf("  replug\t\t\tplug it back in\n");
	printf("  set <line>=<0|1>...\t\tdrive input lines from outside the chip\n");
	printf("  wire <out-line> <in-line>\tmake in-line follow out-line's level\n");
	printf("  unwire <in-line>\t\tremove the wire into in-line\n");
	printf("  wave <line> <hz>\t\ta square wave of hz on line (0 stops it;\n");
	printf("\t\t\t\tthe line keeps its level)\n");
	printf("\n");
	printf("Lines are specified by name or offset.\n");
	printf("\n");
	printf("Options:\n");
	printf("      --by-name\t\ttreat lines as names even if they would parse as an offset\n");
	printf("  -h, --help\t\tdisplay this help and exit\n");
	printf("  -v, --version\t\toutput version information and exit\n");
	print_chip_help();
}

static int parse_config(int argc, char **argv, struct emu_cmd *e)
{
	const struct command_options cmd = {
		.name = "emu",
		.groups = OPTS_BY_NAME,
		.help = print_help,
	};
	struct common_options common;
	int i = parse_options_or_die(argc, argv, &cmd, &common);

	e->by_name = common.by_name;
	return i;
}

/* The offset of one line of the chip, by name or offset. */
static unsigned int line_or_die(struct emu_cmd *e, char *id)
{
	struct line_resolver *r = resolve_lines_or_die(1, &id, e->chip_id, false, e->by_name);
	unsigned int offset = r->lines[0].offset;

	free_line_resolver(r);
	return offset;
}

static void check(struct emu_cmd *e, int ret, const char *what)
{
	if (ret == 0)
		return;
	if (errno == EOPNOTSUPP)
		die("%s: not an emulated device: emulator commands are refused for real hardware",
		    e->chip);
	if (errno == ENOENT)
		die("cannot find GPIO chip '%s'", e->chip_id);
	die_perror("%s: %s", e->chip, what);
}

static void need_args(int argc, int n, const char *usage)
{
	if (argc != n)
		die("usage: %s emu <chip> %s", PROG_NAME, usage);
}

static void emu_set(struct emu_cmd *e, int argc, char **argv)
{
	if (argc < 1)
		die("usage: %s emu <chip> set <line>=<0|1>...", PROG_NAME);
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		int value = eq ? parse_uint(eq + 1) : -1;

		if (!eq || value < 0 || value > 1)
			die("invalid line value: '%s'", argv[i]);
		*eq = '\0';
		check(e, mpssed_ctl_emu_set_input(e->ctl, e->chip, line_or_die(e, argv[i]), value),
		      "unable to set the input");
	}
}

static double parse_hz_or_die(const char *s)
{
	char *end;
	double hz = strtod(s, &end);

	if (end == s || *end || !isfinite(hz) || hz < 0)
		die("invalid frequency: '%s'", s);
	return hz;
}

static void run(struct emu_cmd *e, const char *cmd, int argc, char **argv)
{
	if (!strcmp(cmd, "unplug")) {
		need_args(argc, 0, "unplug");
		check(e, mpssed_ctl_emu_unplug(e->ctl, e->chip), "unable to unplug");
	} else if (!strcmp(cmd, "replug")) {
		need_args(argc, 0, "replug");
		check(e, mpssed_ctl_emu_replug(e->ctl, e->chip), "unable to replug");
	} else if (!strcmp(cmd, "set")) {
		emu_set(e, argc, argv);
	} else if (!strcmp(cmd, "wire")) {
		need_args(argc, 2, "wire <out-line> <in-line>");
		check(e, mpssed_ctl_emu_wire(e->ctl, e->chip, line_or_die(e, argv[0]),
					     line_or_die(e, argv[1])),
		      "unable to wire");
	} else if (!strcmp(cmd, "unwire")) {
		need_args(argc, 1, "unwire <in-line>");
		check(e, mpssed_ctl_emu_unwire(e->ctl, e->chip, line_or_die(e, argv[0])),
		      "unable to unwire");
	} else if (!strcmp(cmd, "wave")) {
		need_args(argc, 2, "wave <line> <hz>");
		check(e, mpssed_ctl_emu_square_wave(e->ctl, e->chip, line_or_die(e, argv[0]),
						    parse_hz_or_die(argv[1])),
		      "unable to start the wave");
	} else {
		die("unknown emu command '%s'; try '%s emu --help'", cmd, PROG_NAME);
	}
}

int cmd_emu(int argc, char **argv)
{
	struct emu_cmd e = { 0 };
	int i = parse_config(argc, argv, &e);

	argc -= i;
	argv += i;
	if (argc < 2)
		die("a chip and a command must be specified; try '%s emu --help'", PROG_NAME);
	e.chip_id = argv[0];
	e.chip = chip_name_or_die(e.chip_id);
	e.ctl = ctl_open_or_die();
	run(&e, argv[1], argc - 2, argv + 2);
	mpssed_ctl_close(e.ctl);
	free(e.chip);
	return EXIT_SUCCESS;
}
