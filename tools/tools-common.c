// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Helpers shared by mpssectl's commands. Their behaviour follows libgpiod
 * v2's tools, so that `mpssectl get`, `set`, `mon`... take the same
 * arguments and print the same things as gpioget, gpioset, gpiomon...
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/macros.h"
#include "tools/tools-common.h"

/* --- Errors --------------------------------------------------------------------- */

_printf_(1, 0) static void vprint_error(const char *fmt, va_list ap, int err)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", PROG_NAME);
	vfprintf(stderr, fmt, ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
}

void print_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_error(fmt, ap, 0);
	va_end(ap);
}

void print_perror(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vprint_error(fmt, ap, err);
	va_end(ap);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_error(fmt, ap, 0);
	va_end(ap);
	exit(EXIT_FAILURE);
}

void die_perror(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vprint_error(fmt, ap, err);
	va_end(ap);
	exit(EXIT_FAILURE);
}

void die_device_error(const char *chip_name, const char *what)
{
	/* Where the kernel's tools stop silently or say "No such device", say what happened. */
	if (errno == ENODEV)
		die("%s: device unplugged", chip_name);
	if (errno == ECONNRESET)
		die("%s: connection to mpssed lost", chip_name);
	die_perror("%s: %s", chip_name, what);
}

void die_usage(const char *cmd)
{
	die("try '%s %s --help'", PROG_NAME, cmd);
}

/* --- Options ------------------------------------------------------------------- */

long long parse_period(const char *option)
{
	static const struct {
		const char *suffix;
		unsigned long long us;
	} units[] = { { "", 1000 }, { "us", 1 }, { "ms", 1000 }, { "s", 1000000 } };
	unsigned long long p;
	char *end;

	if (!isdigit((unsigned char)*option))
		return -1;
	errno = 0;
	p = strtoull(option, &end, 10);
	if (errno)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(end, units[i].suffix))
			continue;
		if (p > (unsigned long long)LLONG_MAX / units[i].us)
			return -1;
		return (long long)(p * units[i].us);
	}
	return -1;
}

unsigned long long parse_period_or_die(const char *option)
{
	long long period = parse_period(option);

	if (period < 0)
		die("invalid period: %s", option);
	return (unsigned long long)period;
}

int parse_uint(const char *option)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)*option))
		return -1;
	errno = 0;
	v = strtoul(option, &end, 10);
	if (errno || *end || v > INT_MAX)
		return -1;
	return (int)v;
}

unsigned int parse_uint_or_die(const char *option)
{
	int v = parse_uint(option);

	if (v < 0)
		die("invalid number: '%s'", option);
	return (unsigned int)v;
}

enum mpssed_line_bias parse_bias_or_die(const char *option)
{
	if (!strcmp(option, "pull-down"))
		return MPSSED_LINE_BIAS_PULL_DOWN;
	if (!strcmp(option, "pull-up"))
		return MPSSED_LINE_BIAS_PULL_UP;
	if (!strcmp(option, "disabled"))
		return MPSSED_LINE_BIAS_DISABLED;
	die("invalid bias: %s", option);
}

enum mpssed_line_drive parse_drive_or_die(const char *option)
{
	if (!strcmp(option, "open-drain"))
		return MPSSED_LINE_DRIVE_OPEN_DRAIN;
	if (!strcmp(option, "open-source"))
		return MPSSED_LINE_DRIVE_OPEN_SOURCE;
	if (!strcmp(option, "push-pull"))
		return MPSSED_LINE_DRIVE_PUSH_PULL;
	die("invalid drive: %s", option);
}

/* Codes of the shared long-only options: above any command's own letters. */
enum {
	OPT_BY_NAME = 0x100,
	OPT_UNQUOTED,
	OPT_BANNER,
	OPT_WAIT_REPLUG,
	OPT_IDLE_TIMEOUT,
	OPT_LOCALTIME,
	OPT_UTC,
};

/* The options of the groups; group 0 is every command's. */
static const struct {
	unsigned int groups;
	struct option opt;
} common_opts[] = {
	{ 0, { "help", no_argument, NULL, 'h' } },
	{ 0, { "version", no_argument, NULL, 'v' } },
	{ OPTS_BY_NAME | OPTS_LINES, { "by-name", no_argument, NULL, OPT_BY_NAME } },
	{ OPTS_LINES, { "chip", required_argument, NULL, 'c' } },
	{ OPTS_LINES, { "strict", no_argument, NULL, 's' } },
	{ OPTS_LINES, { "unquoted", no_argument, NULL, OPT_UNQUOTED } },
	{ OPTS_REQUEST, { "active-low", no_argument, NULL, 'l' } },
	{ OPTS_REQUEST, { "bias", required_argument, NULL, 'b' } },
	{ OPTS_REQUEST, { "consumer", required_argument, NULL, 'C' } },
	{ OPTS_BANNER, { "banner", no_argument, NULL, OPT_BANNER } },
	{ OPTS_WAIT_REPLUG, { "wait-replug", no_argument, NULL, OPT_WAIT_REPLUG } },
	{ OPTS_EVENTS, { "format", required_argument, NULL, 'F' } },
	{ OPTS_EVENTS, { "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT } },
	{ OPTS_EVENTS, { "localtime", no_argument, NULL, OPT_LOCALTIME } },
	{ OPTS_EVENTS, { "num-events", required_argument, NULL, 'n' } },
	{ OPTS_EVENTS, { "quiet", no_argument, NULL, 'q' } },
	{ OPTS_EVENTS, { "silent", no_argument, NULL, 'q' } },
	{ OPTS_EVENTS, { "utc", no_argument, NULL, OPT_UTC } },
};

#define LONGOPTS_MAX 40

static int option_cmp(const void *a, const void *b)
{
	return strcmp(((const struct option *)a)->name, ((const struct option *)b)->name);
}

static void add_option(struct option *longopts, size_t *n, char *shortopts,
		       const struct option *o)
{
	size_t len = strlen(shortopts);

	if (*n == LONGOPTS_MAX)
		die("internal error: too many options");
	longopts[(*n)++] = *o;
	if (o->val >= 0x100 || strchr(shortopts, o->val))
		return;
	shortopts[len++] = (char)o->val;
	if (o->has_arg == required_argument)
		shortopts[len++] = ':';
	shortopts[len] = '\0';
}

/*
 * The command's getopt tables: the groups' options and its own, long
 * options sorted by name as each command listed them (getopt names
 * ambiguous abbreviations in table order).
 */
static void build_tables(const struct command_options *cmd, struct option *longopts,
			 char *shortopts, size_t shortopts_size)
{
	size_t n = 0;

	snprintf(shortopts, shortopts_size, "+%s", cmd->shortopts ? cmd->shortopts : "");
	for (size_t i = 0; i < ARRAY_SIZE(common_opts); i++)
		if (!common_opts[i].groups || (common_opts[i].groups & cmd->groups))
			add_option(longopts, &n, shortopts, &common_opts[i].opt);
	for (const struct option *o = cmd->longopts; o && o->name; o++) {
		if (n == LONGOPTS_MAX)
			die("internal error: too many options");
		longopts[n++] = *o;
	}
	qsort(longopts, n, sizeof(*longopts), option_cmp);
	memset(&longopts[n], 0, sizeof(*longopts));
}

/* A shared option; false if c is none of them. */
static bool take_common(int c, const char *arg, const struct command_options *cmd,
			struct common_options *o)
{
	switch (c) {
	case 'h':
		cmd->help();
		exit(EXIT_SUCCESS);
	case 'v':
		print_version();
		exit(EXIT_SUCCESS);
	case OPT_BY_NAME:
		o->by_name = true;
		return true;
	case 'c':
		o->chip_id = arg;
		return true;
	case 's':
		o->strict = true;
		return true;
	case OPT_UNQUOTED:
		o->unquoted = true;
		return true;
	case 'l':
		o->active_low = true;
		return true;
	case 'b':
		o->bias = parse_bias_or_die(arg);
		return true;
	case 'C':
		o->consumer = arg;
		return true;
	case OPT_BANNER:
		o->banner = true;
		return true;
	case OPT_WAIT_REPLUG:
		o->wait_replug = true;
		return true;
	case 'F':
		o->fmt = arg;
		return true;
	case OPT_IDLE_TIMEOUT:
		o->idle_timeout_us = (long long)parse_period_or_die(arg);
		return true;
	case OPT_LOCALTIME:
		o->timestamp_fmt = TS_LOCAL;
		return true;
	case 'n':
		o->events_wanted = parse_uint_or_die(arg);
		return true;
	case 'q':
		o->quiet = true;
		return true;
	case OPT_UTC:
		o->timestamp_fmt = TS_UTC;
		return true;
	default:
		return false;
	}
}

int parse_options_or_die(int argc, char **argv, const struct command_options *cmd,
			 struct common_options *common)
{
	static char consumer[64];
	struct option longopts[LONGOPTS_MAX + 1];
	char shortopts[128];
	int c;

	memset(common, 0, sizeof(*common));
	snprintf(consumer, sizeof(consumer), "%s-%s", PROG_NAME, cmd->name);
	common->consumer = consumer;
	common->idle_timeout_us = -1;
	build_tables(cmd, longopts, shortopts, sizeof(shortopts));
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) >= 0) {
		if (take_common(c, optarg, cmd, common))
			continue;
		if (!cmd->parse || !cmd->parse(c, optarg, cmd->data))
			die_usage(cmd->name);
	}
	return optind;
}

void print_version(void)
{
	printf("%s (mpssed) v%s\n", PROG_NAME, mpssed_api_version());
	printf("License: GPL-2.0-or-later\n");
	printf("This is free software: you are free to change and redistribute it.\n");
	printf("There is NO WARRANTY, to the extent permitted by law.\n");
}

void print_bias_help(void)
{
	printf("  -b, --bias <bias>\tspecify the line bias\n");
	printf("\t\t\tPossible values: 'pull-down', 'pull-up', 'disabled'.\n");
	printf("\t\t\t(default is to leave bias unchanged)\n");
}

void print_chip_help(void)
{
	printf("\nChips:\n");
	printf("    A chip may be identified by number (its place in the daemon's list),\n");
	printf("    name, or path. e.g. '0', 'mpsse0', and '/run/mpssed/mpsse0' may all\n");
	printf("    refer to the same chip.\n");
}

void print_period_help(void)
{
	printf("\nPeriods:\n");
	printf("    Periods are taken as milliseconds unless units are specified. e.g. 10us.\n");
	printf("    Supported units are 's', 'ms', and 'us'.\n");
}

void sleep_us(unsigned long long period_us)
{
	struct timespec ts = {
		.tv_sec = (time_t)(period_us / 1000000),
		.tv_nsec = (long)(period_us % 1000000) * 1000,
	};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* --- Chips ---------------------------------------------------------------------- */

const char *runtime_dir_get(void)
{
	const char *dir = getenv("MPSSED_RUNTIME_DIR");

	return dir && *dir ? dir : "/run/mpssed";
}

struct mpssed_ctl *ctl_open_or_die(void)
{
	struct mpssed_ctl *ctl = mpssed_ctl_open(NULL);

	if (!ctl)
		die_perror("cannot connect to mpssed in '%s'", runtime_dir_get());
	return ctl;
}

static struct mpssed_ctl_chip_list *chip_list_or_die(void)
{
	struct mpssed_ctl *ctl = ctl_open_or_die();
	struct mpssed_ctl_chip_list *list = mpssed_ctl_list_chips(ctl);

	if (!list)
		die_perror("cannot list chips");
	mpssed_ctl_close(ctl);
	return list;
}

static bool is_uint(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static char *xstrdup(const char *s)
{
	char *copy = strdup(s);

	if (!copy)
		die("out of memory");
	return copy;
}

static char *chip_path_of(const char *name)
{
	char *path;

	if (asprintf(&path, "%s/%s", runtime_dir_get(), name) < 0)
		die("out of memory");
	return path;
}

char *chip_name_or_die(const char *chip_id)
{
	struct mpssed_ctl_chip_list *list;
	const char *slash = strrchr(chip_id, '/');
	char *name;
	int index;

	if (slash)
		return xstrdup(slash + 1);
	if (!is_uint(chip_id))
		return xstrdup(chip_id);
	list = chip_list_or_die();
	index = parse_uint(chip_id);
	if (index < 0 || (size_t)index >= mpssed_ctl_chip_list_get_num_chips(list))
		die("cannot find GPIO chip '%s'", chip_id);
	name = xstrdup(mpssed_ctl_chip_list_get_name(list, (size_t)index));
	mpssed_ctl_chip_list_free(list);
	return name;
}

/* The socket a chip id names, if there is one. */
static char *chip_path_lookup(const char *chip_id)
{
	_cleanup_free_ char *name = NULL;
	struct stat st;
	char *path;

	if (strchr(chip_id, '/'))
		path = xstrdup(chip_id);
	else {
		name = chip_name_or_die(chip_id);
		path = chip_path_of(name);
	}
	if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		return path;
	free(path);
	return NULL;
}

static size_t present_chip_paths(char ***paths)
{
	struct mpssed_ctl_chip_list *list = chip_list_or_die();
	size_t n = 0, count = mpssed_ctl_chip_list_get_num_chips(list);

	*paths = calloc(count ? count : 1, sizeof(**paths));
	if (!*paths)
		die("out of memory");
	/* As a kernel gpiochip vanishes with its device, an unplugged chip is not listed. */
	for (size_t i = 0; i < count; i++)
		if (mpssed_ctl_chip_list_is_present(list, i))
			(*paths)[n++] = chip_path_of(mpssed_ctl_chip_list_get_name(list, i));
	mpssed_ctl_chip_list_free(list);
	return n;
}

size_t chip_paths_or_die(const char *chip_id, char ***paths)
{
	char *path;

	if (!chip_id)
		return present_chip_paths(paths);
	path = chip_path_lookup(chip_id);
	if (!path)
		die("cannot find GPIO chip '%s'", chip_id);
	*paths = malloc(sizeof(**paths));
	if (!*paths)
		die("out of memory");
	(*paths)[0] = path;
	return 1;
}

void free_chip_paths(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

struct mpssed_chip *chip_open_or_die(const char *path)
{
	struct mpssed_chip *chip = mpssed_chip_open(path);

	if (!chip)
		die_perror("unable to open chip '%s'", path);
	return chip;
}

/* --- Line resolution --------------------------------------------------------------- */

/* Load a chip's info and every line's name, so that resolution is done in memory. */
size_t resolver_add_chip(struct line_resolver *r, char *path)
{
	struct resolved_chip *rc = &r->chips[r->num_chips];
	struct mpssed_chip *chip = chip_open_or_die(path);
	size_t n;

	rc->path = path;
	rc->info = mpssed_chip_get_info(chip);
	if (!rc->info)
		die_perror("unable to get info for '%s'", path);
	n = mpssed_chip_info_get_num_lines(rc->info);
	rc->names = calloc(n ? n : 1, sizeof(*rc->names));
	if (!rc->names)
		die("out of memory");
	for (size_t offset = 0; offset < n; offset++) {
		struct mpssed_line_info *info = mpssed_chip_get_line_info(chip, (unsigned)offset);
		const char *name;

		if (!info)
			die_perror("unable to read the info for line %zu from %s", offset,
				   mpssed_chip_info_get_name(rc->info));
		name = mpssed_line_info_get_name(info);
		rc->names[offset] = name ? xstrdup(name) : NULL;
		mpssed_line_info_free(info);
	}
	mpssed_chip_close(chip);
	return r->num_chips++;
}

bool resolve_done(struct line_resolver *r)
{
	if (r->strict)
		return false;
	for (size_t i = 0; i < r->num_lines; i++)
		if (!r->lines[i].resolved)
			return false;
	return true;
}

void resolve_by_offset(struct line_resolver *r, size_t chip_num)
{
	size_t n = mpssed_chip_info_get_num_lines(r->chips[chip_num].info);

	for (size_t i = 0; i < r->num_lines; i++) {
		struct resolved_line *line = &r->lines[i];

		if (line->id_as_offset < 0 || (size_t)line->id_as_offset >= n)
			continue;
		line->resolved = true;
		line->chip_num = chip_num;
		line->offset = (unsigned)line->id_as_offset;
	}
}

bool resolve_line(struct line_resolver *r, size_t chip_num, unsigned offset, bool die_not_unique)
{
	const char *name = resolver_line_name(r, chip_num, offset);
	bool matched = false;

	for (size_t i = 0; i < r->num_lines; i++) {
		struct resolved_line *line = &r->lines[i];
		bool here = line->resolved && line->chip_num == chip_num && line->offset == offset;

		matched |= here;
		if (here || (line->resolved && !r->strict) || !name || strcmp(line->id, name))
			continue;
		if (line->resolved && die_not_unique)
			die("line '%s' is not unique", line->id);
		line->resolved = true;
		line->chip_num = chip_num;
		line->offset = offset;
		matched = true;
	}
	return matched;
}

struct line_resolver *resolver_new(int num_ids, char **ids, size_t num_chips, bool strict,
				   bool by_name)
{
	struct line_resolver *r = calloc(1, sizeof(*r) + (size_t)num_ids * sizeof(r->lines[0]));

	if (!r)
		die("out of memory");
	r->chips = calloc(num_chips ? num_chips : 1, sizeof(*r->chips));
	if (!r->chips)
		die("out of memory");
	r->num_lines = (size_t)num_ids;
	r->strict = strict;
	for (int i = 0; i < num_ids; i++) {
		r->lines[i].id = ids[i];
		r->lines[i].id_as_offset = by_name ? -1 : parse_uint(ids[i]);
	}
	return r;
}

bool resolver_validate(struct line_resolver *r, const char *chip_id)
{
	bool valid = true;

	for (size_t i = 0; i < r->num_lines; i++) {
		struct resolved_line *line = &r->lines[i];

		if (!line->resolved) {
			valid = false;
			if (chip_id && line->id_as_offset >= 0)
				print_error("offset %s is out of range on chip '%s'", line->id, chip_id);
			else
				print_error("cannot find line '%s'", line->id);
			continue;
		}
		for (size_t j = 0; j < i; j++) {
			struct resolved_line *prev = &r->lines[j];

			if (prev->resolved && prev->chip_num == line->chip_num &&
			    prev->offset == line->offset) {
				print_error("lines '%s' and '%s' are the same line", prev->id, line->id);
				valid = false;
				break;
			}
		}
	}
	return valid;
}

struct line_resolver *resolve_lines_or_die(int num_ids, char **ids, const char *chip_id,
					   bool strict, bool by_name)
{
	struct line_resolver *r;
	char **paths;
	size_t n;

	/* Without a chip there is nothing an offset could be relative to. */
	if (!chip_id)
		by_name = true;
	n = chip_paths_or_die(chip_id, &paths);
	r = resolver_new(num_ids, ids, n, strict, by_name);
	for (size_t c = 0; c < n; c++) {
		size_t chip_num;

		if (resolve_done(r)) {
			free(paths[c]);
			continue;
		}
		chip_num = resolver_add_chip(r, paths[c]);
		if (c == 0 && chip_id && !by_name)
			resolve_by_offset(r, chip_num);
		for (unsigned off = 0; off < resolver_chip_num_lines(r, chip_num); off++)
			resolve_line(r, chip_num, off, true);
	}
	free(paths);
	if (!resolver_validate(r, chip_id))
		exit(EXIT_FAILURE);
	return r;
}

void check_num_lines_or_die(int num_ids)
{
	if (num_ids < 1)
		die("at least one GPIO line must be specified");
	if (num_ids > MAX_LINES)
		die("too many lines given");
}

struct line_resolver *resolve_ids_or_die(int num_ids, char **ids, const struct common_options *o)
{
	return resolve_lines_or_die(num_ids, ids, o->chip_id, o->strict, o->by_name);
}

size_t resolver_chip_num_lines(struct line_resolver *r, size_t chip_num)
{
	return mpssed_chip_info_get_num_lines(r->chips[chip_num].info);
}

void free_line_resolver(struct line_resolver *r)
{
	if (!r)
		return;
	for (size_t c = 0; c < r->num_chips; c++) {
		size_t n = mpssed_chip_info_get_num_lines(r->chips[c].info);

		for (size_t i = 0; i < n; i++)
			free(r->chips[c].names[i]);
		free(r->chips[c].names);
		mpssed_chip_info_free(r->chips[c].info);
		free(r->chips[c].path);
	}
	free(r->chips);
	free(r);
}

size_t resolver_chip_lines(struct line_resolver *r, size_t chip_num, unsigned int *offsets,
			   enum mpssed_line_value *values)
{
	size_t n = 0;

	for (size_t i = 0; i < r->num_lines; i++) {
		if (r->lines[i].chip_num != chip_num)
			continue;
		offsets[n] = r->lines[i].offset;
		if (values)
			values[n] = r->lines[i].value;
		n++;
	}
	return n;
}

const char *resolver_chip_name(struct line_resolver *r, size_t chip_num)
{
	return mpssed_chip_info_get_name(r->chips[chip_num].info);
}

const char *resolver_line_name(struct line_resolver *r, size_t chip_num, unsigned int offset)
{
	if (offset >= mpssed_chip_info_get_num_lines(r->chips[chip_num].info))
		return NULL;
	return r->chips[chip_num].names[offset];
}

void poll_until_done(struct pollfd *pfds, size_t num, long long idle_timeout_us,
		     bool (*handle)(void *data, size_t i), void *data)
{
	struct timespec idle = {
		.tv_sec = (time_t)(idle_timeout_us / 1000000),
		.tv_nsec = (long)(idle_timeout_us % 1000000) * 1000,
	};

	for (;;) {
		int r;

		fflush(stdout);
		r = ppoll(pfds, num, idle_timeout_us > 0 ? &idle : NULL, NULL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die_perror("error polling for events");
		if (r == 0)
			return;
		for (size_t i = 0; i < num; i++)
			if (pfds[i].revents && !handle(data, i))
				return;
	}
}

/* --- Output ----------------------------------------------------------------------- */

void print_line_id(struct line_resolver *r, size_t chip_num, unsigned int offset, bool with_chip,
		   bool unquoted)
{
	const char *name = resolver_line_name(r, chip_num, offset);

	if (!name) {
		printf("%s %u", resolver_chip_name(r, chip_num), offset);
		return;
	}
	if (with_chip)
		printf("%s %u ", resolver_chip_name(r, chip_num), offset);
	printf(unquoted ? "%s" : "\"%s\"", name);
}

static const char *bias_name(enum mpssed_line_bias bias)
{
	switch (bias) {
	case MPSSED_LINE_BIAS_PULL_UP:
		return "pull-up";
	case MPSSED_LINE_BIAS_PULL_DOWN:
		return "pull-down";
	case MPSSED_LINE_BIAS_DISABLED:
		return "disabled";
	default:
		return NULL;
	}
}

static const char *drive_name(enum mpssed_line_drive drive)
{
	switch (drive) {
	case MPSSED_LINE_DRIVE_OPEN_DRAIN:
		return "open-drain";
	case MPSSED_LINE_DRIVE_OPEN_SOURCE:
		return "open-source";
	default:
		return NULL;
	}
}

static const char *edge_name(enum mpssed_line_edge edge)
{
	switch (edge) {
	case MPSSED_LINE_EDGE_BOTH:
		return "both";
	case MPSSED_LINE_EDGE_RISING:
		return "rising";
	case MPSSED_LINE_EDGE_FALLING:
		return "falling";
	default:
		return NULL;
	}
}

static const char *clock_name(enum mpssed_line_clock clock)
{
	switch (clock) {
	case MPSSED_LINE_CLOCK_REALTIME:
		return "realtime";
	case MPSSED_LINE_CLOCK_HTE:
		return "hte";
	default:
		return NULL;
	}
}

static void print_attr(const char *key, const char *value)
{
	if (value)
		printf(" %s=%s", key, value);
}

static void print_debounce(unsigned long us)
{
	const char *unit = "us";

	if (!us)
		return;
	if (us % 1000000 == 0) {
		us /= 1000000;
		unit = "s";
	} else if (us % 1000 == 0) {
		us /= 1000;
		unit = "ms";
	}
	printf(" debounce-period=%lu%s", us, unit);
}

void print_line_attributes(struct mpssed_line_info *info, bool unquoted)
{
	const char *consumer = mpssed_line_info_get_consumer(info);

	printf("%s", mpssed_line_info_get_direction(info) == MPSSED_LINE_DIRECTION_INPUT ? "input" :
											   "output");
	if (mpssed_line_info_is_active_low(info))
		printf(" active-low");
	print_attr("drive", drive_name(mpssed_line_info_get_drive(info)));
	print_attr("bias", bias_name(mpssed_line_info_get_bias(info)));
	print_attr("edges", edge_name(mpssed_line_info_get_edge_detection(info)));
	print_attr("event-clock", clock_name(mpssed_line_info_get_event_clock(info)));
	print_debounce(mpssed_line_info_get_debounce_period_us(info));
	if (!mpssed_line_info_is_used(info))
		return;
	/* As gpioinfo: a line used without a consumer name is the kernel's. */
	printf(unquoted ? " consumer=%s" : " consumer=\"%s\"", consumer ? consumer : "kernel");
}

void print_event_time(uint64_t ns, enum time_format format)
{
	time_t sec = (time_t)(ns / 1000000000);
	char buf[32];
	struct tm tm;

	if (format == TS_SECONDS) {
		printf("%llu.%09llu", (unsigned long long)(ns / 1000000000),
		       (unsigned long long)(ns % 1000000000));
		return;
	}
	if (format == TS_LOCAL)
		localtime_r(&sec, &tm);
	else
		gmtime_r(&sec, &tm);
	strftime(buf, sizeof(buf), "%FT%T", &tm);
	printf("%s.%09llu%s", buf, (unsigned long long)(ns % 1000000000),
	       format == TS_UTC ? "Z" : "");
}

void print_line_values(struct line_resolver *r, bool unquoted, bool numeric)
{
	for (size_t i = 0; i < r->num_lines; i++) {
		const struct resolved_line *line = &r->lines[i];
		bool active = line->value == MPSSED_LINE_VALUE_ACTIVE;

		if (i)
			putchar(' ');
		if (numeric)
			printf("%d", active);
		else
			printf(unquoted ? "%s=%s" : "\"%s\"=%s", line->id, active ? "active" : "inactive");
	}
	putchar('\n');
}

void print_banner(const char *verb, int num, char **ids)
{
	if (num == 1) {
		printf("%s line '%s'...\n", verb, ids[0]);
	} else {
		printf("%s lines ", verb);
		for (int i = 0; i < num - 1; i++)
			printf("'%s', ", ids[i]);
		printf("and '%s'...\n", ids[num - 1]);
	}
	fflush(stdout);
}

/* --- Requests ---------------------------------------------------------------------- */

struct mpssed_line_request *request_lines_or_die(struct line_resolver *r, size_t chip_num,
						 struct mpssed_line_settings *settings,
						 const struct request_options *opts)
{
	unsigned int offsets[MAX_LINES];
	enum mpssed_line_value values[MAX_LINES];
	size_t n = resolver_chip_lines(r, chip_num, offsets, values);
	struct mpssed_request_config *req_cfg = mpssed_request_config_new();
	struct mpssed_line_config *line_cfg = mpssed_line_config_new();
	struct mpssed_line_request *req;
	struct mpssed_chip *chip;

	if (!req_cfg || !line_cfg || mpssed_line_config_add_line_settings(line_cfg, offsets, n, settings) ||
	    (opts->with_values && mpssed_line_config_set_output_values(line_cfg, values, n)))
		die_perror("unable to make the request's config");
	mpssed_request_config_set_consumer(req_cfg, opts->consumer);
	mpssed_request_config_set_persist(req_cfg, opts->persist);
	chip = chip_open_or_die(r->chips[chip_num].path);
	req = mpssed_chip_request_lines(chip, req_cfg, line_cfg);
	if (!req)
		die_device_error(resolver_chip_name(r, chip_num), "unable to request lines");
	mpssed_chip_close(chip);
	mpssed_line_config_free(line_cfg);
	mpssed_request_config_free(req_cfg);
	return req;
}

void print_format(const char *fmt, bool (*spec)(char c, void *data), void *data)
{
	for (const char *p = fmt; *p; p++) {
		if (*p != '%')
			putchar(*p);
		else if (!p[1])
			putchar('%');
		else if (*++p == '%')
			putchar('%');
		else if (!spec(*p, data))
			/* As libgpiod's tools: an unknown specifier is printed as written. */
			printf("%%%c", *p);
	}
	putchar('\n');
}
