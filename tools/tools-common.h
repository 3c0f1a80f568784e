/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What mpssectl's commands share: error exits, option parsing, finding
 * chips and resolving line names or offsets to lines, and the output
 * formats libgpiod's tools use (line ids, attributes, timestamps).
 *
 * Chips are found through the daemon's runtime directory (--runtime-dir,
 * $MPSSED_RUNTIME_DIR, /run/mpssed): mpssectl.c exports the directory in
 * $MPSSED_RUNTIME_DIR so the library resolves bare chip names there too.
 */
#ifndef MPSSED_TOOLS_COMMON_H
#define MPSSED_TOOLS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <getopt.h>
#include <poll.h>

#include "common/macros.h"
#include "mpssed.h"

#define PROG_NAME "mpssectl"
/* Lines one request (and one command line) may hold, as the GPIO uAPI. */
#define MAX_LINES 64

#define _noreturn_ __attribute__((__noreturn__))

/* A subcommand: mpssectl.c's table and each command's file. */
struct command {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *description;
};

/* --- Errors: "mpssectl: message" on stderr ------------------------------------ */

_printf_(1, 2) void print_error(const char *fmt, ...);
_printf_(1, 2) void print_perror(const char *fmt, ...);
_printf_(1, 2) _noreturn_ void die(const char *fmt, ...);
/* die() with ": strerror(errno)" appended. */
_printf_(1, 2) _noreturn_ void die_perror(const char *fmt, ...);
/* For an error of a request or chip connection: ENODEV says the device left. */
_noreturn_ void die_device_error(const char *chip_name, const char *what);
/* getopt saw something it did not know: point at --help and exit 1. */
_noreturn_ void die_usage(const char *cmd);

/* How event timestamps are printed. */
enum time_format {
	TS_SECONDS = 0,	/* 10002.907638045 */
	TS_UTC,		/* 2024-01-01T12:00:00.123456789Z */
	TS_LOCAL,		/* 2024-01-01T13:00:00.123456789 */
};

/* --- Options -------------------------------------------------------------------- */

/* Periods: a number with us, ms or s (plain numbers are ms), in microseconds; -1 if invalid. */
long long parse_period(const char *option);
unsigned long long parse_period_or_die(const char *option);
/* A decimal number up to INT_MAX, or -1. */
int parse_uint(const char *option);
unsigned int parse_uint_or_die(const char *option);
enum mpssed_line_bias parse_bias_or_die(const char *option);
enum mpssed_line_drive parse_drive_or_die(const char *option);

/*
 * The options several commands share, parsed in one place so each command's
 * own parser handles only its own. A command names the groups it takes;
 * -h/--help and -v/--version come with every command.
 */
enum common_option_group {
	OPTS_BY_NAME = 1 << 0,		/* --by-name */
	OPTS_LINES = 1 << 1,		/* -c/--chip, -s/--strict, --unquoted (and --by-name) */
	OPTS_REQUEST = 1 << 2,		/* -C/--consumer, -b/--bias, -l/--active-low */
	OPTS_BANNER = 1 << 3,		/* --banner */
	OPTS_WAIT_REPLUG = 1 << 4,	/* --wait-replug */
	/* -F/--format, --idle-timeout, --localtime, -n/--num-events, -q/--quiet, --utc */
	OPTS_EVENTS = 1 << 5,
};

struct common_options {
	/* OPTS_BY_NAME, OPTS_LINES */
	bool by_name;
	bool strict;
	bool unquoted;
	const char *chip_id;
	/* OPTS_REQUEST */
	const char *consumer;		/* default: "mpssectl-<command>" */
	enum mpssed_line_bias bias;	/* 0: as is */
	bool active_low;
	bool banner;
	bool wait_replug;
	/* OPTS_EVENTS */
	const char *fmt;
	long long idle_timeout_us;	/* -1: none */
	enum time_format timestamp_fmt;
	unsigned int events_wanted;	/* 0: no limit */
	bool quiet;
};

struct command_options {
	const char *name;		/* "get": for the consumer and the usage hint */
	unsigned int groups;		/* enum common_option_group */
	const char *shortopts;		/* the command's own, without '+' */
	const struct option *longopts;	/* its own, ending with a zeroed entry; may be NULL */
	void (*help)(void);
	/* Take the command's own option c (argument arg); false if it is not one. */
	bool (*parse)(int c, char *arg, void *data);
	void *data;
};

/*
 * Parse a command's options into *common and, through cmd->parse, the
 * command's own; --help and --version print and exit, anything unknown
 * dies with the usage hint. Returns the index of the first argument.
 */
int parse_options_or_die(int argc, char **argv, const struct command_options *cmd,
			 struct common_options *common);

void print_version(void);
/* The help paragraphs every command with lines or periods repeats. */
void print_bias_help(void);
void print_chip_help(void);
void print_period_help(void);

/* Sleep, restarting after signals that were handled. */
void sleep_us(unsigned long long period_us);

/* --- Chips ------------------------------------------------------------------------ */

/* The runtime directory in use. */
const char *runtime_dir_get(void);

/*
 * Paths of chip sockets: of the chip named by chip_id (a number, i.e. its
 * index in the daemon's list, a name, or a path), or of every chip whose
 * device is present when chip_id is NULL. Dies when chip_id names nothing.
 * Free with free_chip_paths().
 */
size_t chip_paths_or_die(const char *chip_id, char ***paths);
void free_chip_paths(char **paths, size_t n);
/* Open a chip socket, or die saying why. */
struct mpssed_chip *chip_open_or_die(const char *path);
/* The daemon's control socket, or die. */
struct mpssed_ctl *ctl_open_or_die(void);
/* The daemon's name for a chip id (number, name or path); dies if there is none. */
char *chip_name_or_die(const char *chip_id);

/* --- Lines --------------------------------------------------------------------------- */

struct resolved_line {
	const char *id;			/* as the user gave it */
	int id_as_offset;		/* -1: not a number, or --by-name */
	bool resolved;
	size_t chip_num;		/* index into resolver->chips */
	unsigned int offset;
	enum mpssed_line_value value;	/* to set, or as read */
};

struct resolved_chip {
	char *path;
	struct mpssed_chip_info *info;
	char **names;			/* line names by offset (NULL: unnamed) */
};

struct line_resolver {
	size_t num_chips;
	struct resolved_chip *chips;	/* the chips searched, in order */
	size_t num_lines;
	size_t num_found;
	bool strict;
	struct resolved_line lines[];
};

/*
 * Find every id on the chips chip_paths_or_die(chip_id) names, as
 * libgpiod's tools do: with a chip, ids that are numbers below its line
 * count are offsets (unless by_name); otherwise ids are line names, the
 * first match wins (strict: a second match is an error). Dies with every
 * problem listed (unknown line, offset out of range, the same line twice).
 */
struct line_resolver *resolve_lines_or_die(int num_ids, char **ids, const char *chip_id,
					   bool strict, bool by_name);

/* The command's line ids: at least one, at most MAX_LINES; dies otherwise. */
void check_num_lines_or_die(int num_ids);
/* resolve_lines_or_die() with the --chip, --strict and --by-name given. */
struct line_resolver *resolve_ids_or_die(int num_ids, char **ids, const struct common_options *o);

/* The steps of resolve_lines_or_die(), for commands that print as they go (info). */
struct line_resolver *resolver_new(int num_ids, char **ids, size_t num_chips, bool strict,
				   bool by_name);
/* Load a chip (path is taken over) into the resolver; returns its chip_num. */
size_t resolver_add_chip(struct line_resolver *resolver, char *path);
/* Ids that are offsets of that chip resolve to them. */
void resolve_by_offset(struct line_resolver *resolver, size_t chip_num);
/*
 * Resolve ids naming this line; true when an id stands for it (by offset
 * or name). A second match of a strict id dies if die_not_unique, else
 * moves the id to this line.
 */
bool resolve_line(struct line_resolver *resolver, size_t chip_num, unsigned offset,
		  bool die_not_unique);
/* Whether searching can stop (never when strict). */
bool resolve_done(struct line_resolver *resolver);
/* Print every problem; false if there was one. */
bool resolver_validate(struct line_resolver *resolver, const char *chip_id);
size_t resolver_chip_num_lines(struct line_resolver *resolver, size_t chip_num);
void free_line_resolver(struct line_resolver *resolver);
/* The offsets (and values, if values is not NULL) of the lines on one chip, in id order. */
size_t resolver_chip_lines(struct line_resolver *resolver, size_t chip_num, unsigned int *offsets,
			   enum mpssed_line_value *values);
const char *resolver_chip_name(struct line_resolver *resolver, size_t chip_num);
/* The line's name, or NULL when it has none. */
const char *resolver_line_name(struct line_resolver *resolver, size_t chip_num,
			       unsigned int offset);

/* --- Requests ------------------------------------------------------------------------ */

struct request_options {
	const char *consumer;
	bool persist;		/* survive unplug (--wait-replug) */
	bool with_values;	/* output values from the resolver's lines */
};

/* Request the lines the ids resolved to on one chip (it must have some), or die. */
struct mpssed_line_request *request_lines_or_die(struct line_resolver *resolver, size_t chip_num,
						 struct mpssed_line_settings *settings,
						 const struct request_options *opts);

/*
 * Wait on the fds until handle(data, i) returns false for a ready fd i, or
 * until idle_timeout_us (when > 0) passes with nothing ready. Flushes stdout
 * before each wait; dies if polling fails.
 */
void poll_until_done(struct pollfd *pfds, size_t num, long long idle_timeout_us,
		     bool (*handle)(void *data, size_t i), void *data);

/* --- Output ----------------------------------------------------------------------------- */

/*
 * A line as libgpiod's tools name it: "NAME"; with a chip option
 * `chip offset "NAME"`; an unnamed line as `chip offset`.
 */
void print_line_id(struct line_resolver *resolver, size_t chip_num, unsigned int offset,
		   bool with_chip, bool unquoted);
/* input|output, active-low, drive=, bias=, edges=, event-clock=, debounce-period=, consumer=. */
void print_line_attributes(struct mpssed_line_info *info, bool unquoted);
void print_event_time(uint64_t ns, enum time_format format);
/* `"id"=active` pairs (or 1/0 with numeric), space-separated, one line. */
void print_line_values(struct line_resolver *resolver, bool unquoted, bool numeric);
/*
 * Print fmt and a newline, each %x replaced by what spec(x, data) prints;
 * spec returns false for an x it does not know, which is then printed as
 * written. %% is a %, and a lone % at the end stays.
 */
void print_format(const char *fmt, bool (*spec)(char c, void *data), void *data);
/* "<verb> line 'a'..." or "<verb> lines 'a', 'b' and 'c'..." */
void print_banner(const char *verb, int num, char **ids);

/* --- Commands --------------------------------------------------------------------------- */

int cmd_detect(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_mon(int argc, char **argv);
int cmd_notify(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_emu(int argc, char **argv);

#endif
