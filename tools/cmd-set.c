// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mpssectl set: gpioset. Requests the lines as outputs with the values
 * given and holds them until killed, toggling them (-t), taking commands
 * (-i) or in the background (-z) if asked.
 *
 * Unlike the kernel's gpioset, which exits 0 without a word when the
 * device is unplugged under it, losing the device is an error here:
 * "mpssectl: <chip>: device unplugged", exit 1. With --wait-replug the
 * request is made persistent and outlives the unplug instead: the lines
 * get their values back when the device returns.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tools/tools-common.h"

struct config {
	struct common_options common;
	bool daemonize;
	bool interactive;
	enum mpssed_line_drive drive;
	size_t toggles;
	unsigned long long *toggle_periods;
	unsigned long long hold_period_us;
};

/* The lines being held: one request per chip, and the resolver that knows the values. */
struct holding {
	const struct config *cfg;
	struct line_resolver *r;
	struct mpssed_line_request **reqs;	/* by chip_num; NULL for chips without lines */
};

static void print_help(void)
{
	printf("Usage: %s set [OPTIONS] <line=value>...\n", PROG_NAME);
	printf("\n");
	printf("Set values of GPIO lines.\n");
	printf("\n");
	printf("Lines are specified by name, or optionally by offset if the chip option\n");
	printf("is provided.\n");
	printf("Values may be '1' or '0', or equivalently 'active'/'inactive', 'on'/'off'\n");
	printf("or 'true'/'false'.\n");
	printf("\n");
	printf("The line output state is maintained until the process exits, but after that\n");
	printf("is not guaranteed.\n");
	printf("\n");
	printf("Options:\n");
	printf("      --banner\t\tdisplay a banner on successful startup\n");
	print_bias_help();
	printf("      --by-name\t\ttreat lines as names even if they would parse as an offset\n");
	printf("  -c, --chip <chip>\trestrict scope to a particular chip\n");
	printf("  -C, --consumer <name>\tconsumer name applied to requested lines (default is 'mpssectl-set')\n");
	printf("  -d, --drive <drive>\tspecify the line drive mode\n");
	printf("\t\t\tPossible values: 'push-pull', 'open-drain', 'open-source'.\n");
	printf("\t\t\t(default is 'push-pull')\n");
	printf("  -h, --help\t\tdisplay this help and exit\n");
	printf("  -i, --interactive\tset the lines then wait for additional set commands\n");
	printf("\t\t\tUse the 'help' command at the interactive prompt to get help\n");
	printf("\t\t\tfor the supported commands.\n");
	printf("  -l, --active-low\ttreat the line as active low\n");
	printf("  -p, --hold-period <period>\n");
	printf("\t\t\tthe minimum time period to hold lines at the requested values\n");
	printf("  -s, --strict\t\tabort if requested line names are not unique\n");
	printf("  -t, --toggle <period>[,period]...\n");
	printf("\t\t\ttoggle the line(s) after the specified period(s)\n");
	printf("\t\t\tIf the last period is 0 then the command exits else the sequence repeats.\n");
	printf("      --unquoted\tdon't quote line names\n");
	printf("  -v, --version\t\toutput version information and exit\n");
	printf("      --wait-replug\tkeep the lines across unplug and replug of the device\n");
	printf("\t\t\t(default: exit 1 when the device is unplugged)\n");
	printf("  -z, --daemonize\tset values then detach from the controlling terminal\n");
	print_chip_help();
	print_period_help();
	printf("\n");
	printf("*Note*\n");
	printf("    It should not be assumed that a line will retain its state after the command\n");
	printf("    exits. When it exits, the lines it requested are released; once released, the\n");
	printf("    state of a line may be changed by another process. To guarantee the requested\n");
	printf("    values, by default the command does not exit.\n");
}

static size_t parse_periods_or_die(char *option, unsigned long long **periods)
{
	size_t n = 1;
	char *p;

	for (p = option; *p; p++)
		n += *p == ',';
	*periods = calloc(n, sizeof(**periods));
	if (!*periods)
		die("out of memory");
	p = option;
	for (size_t i = 0; i < n; i++)
		(*periods)[i] = parse_period_or_die(strsep(&p, ","));
	return n;
}

static bool parse_option(int c, char *arg, void *data)
{
	struct config *cfg = data;

	switch (c) {
	case 'd':
		cfg->drive = parse_drive_or_die(arg);
		return true;
	case 'i':
		cfg->interactive = true;
		return true;
	case 'p':
		cfg->hold_period_us = parse_period_or_die(arg);
		return true;
	case 't':
		free(cfg->toggle_periods);
		cfg->toggles = parse_periods_or_die(arg, &cfg->toggle_periods);
		return true;
	case 'z':
		cfg->daemonize = true;
		return true;
	default:
		return false;
	}
}

static int parse_config(int argc, char **argv, struct config *cfg)
{
	static const struct option longopts[] = {
		{ "daemonize", no_argument, NULL, 'z' },
		{ "drive", required_argument, NULL, 'd' },
		{ "hold-period", required_argument, NULL, 'p' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "toggle", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command_options cmd = {
		.name = "set",
		.groups = OPTS_LINES | OPTS_REQUEST | OPTS_BANNER | OPTS_WAIT_REPLUG,
		.shortopts = "d:ip:t:z",
		.longopts = longopts,
		.help = print_help,
		.parse = parse_option,
		.data = cfg,
	};
	int i;

	memset(cfg, 0, sizeof(*cfg));
	i = parse_options_or_die(argc, argv, &cmd, &cfg->common);
	if (cfg->toggles && cfg->interactive)
		die("can't combine interactive with toggle");
	return i;
}

static enum mpssed_line_value parse_value(const char *s)
{
	static const char *const inactive[] = { "0", "inactive", "off", "false" };
	static const char *const active[] = { "1", "active", "on", "true" };

	for (size_t i = 0; i < ARRAY_SIZE(active); i++) {
		if (!strcmp(s, active[i]))
			return MPSSED_LINE_VALUE_ACTIVE;
		if (!strcmp(s, inactive[i]))
			return MPSSED_LINE_VALUE_INACTIVE;
	}
	return MPSSED_LINE_VALUE_ERROR;
}

/*
 * Split `line=value` (or `"line"=value`) in place into the id and its
 * value; prints why and returns false when it cannot. print is print_error
 * on the command line and printf in interactive mode, as gpioset does.
 */
static bool parse_line_value(char *lv, char **id, enum mpssed_line_value *value, bool interactive)
{
	char *eq;

	if (*lv == '"') {
		eq = strstr(lv + 1, "\"=");
		if (eq)
			*eq++ = '\0';
		lv++;
	} else {
		eq = strchr(lv, '=');
	}
	if (eq) {
		*eq = '\0';
		*value = parse_value(eq + 1);
	}
	if (!eq || *value == MPSSED_LINE_VALUE_ERROR) {
		const char *bad = eq ? eq + 1 : lv;

		if (interactive)
			printf("invalid line value: '%s'\n", bad);
		else
			print_error("invalid line value: '%s'", bad);
		return false;
	}
	*id = lv;
	return true;
}

static struct mpssed_line_settings *settings_or_die(const struct config *cfg)
{
	struct mpssed_line_settings *s = mpssed_line_settings_new();

	if (!s)
		die("out of memory");
	mpssed_line_settings_set_direction(s, MPSSED_LINE_DIRECTION_OUTPUT);
	if (cfg->common.bias)
		mpssed_line_settings_set_bias(s, cfg->common.bias);
	if (cfg->drive)
		mpssed_line_settings_set_drive(s, cfg->drive);
	mpssed_line_settings_set_active_low(s, cfg->common.active_low);
	return s;
}

/* --- Holding ---------------------------------------------------------------------- */

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* A request became readable: only the device going away does that to outputs. */
static void check_request(struct holding *h, size_t chip_num)
{
	struct mpssed_edge_event_buffer *buf = mpssed_edge_event_buffer_new(16);

	if (!buf)
		die("out of memory");
	if (mpssed_line_request_read_edge_events(h->reqs[chip_num], buf, 16) < 0)
		die_device_error(resolver_chip_name(h->r, chip_num), "error waiting on request");
	mpssed_edge_event_buffer_free(buf);
}

/* Fill pfds with the requests' fds (and stdin last if with_stdin); returns how many. */
static size_t holding_pollfds(struct holding *h, struct pollfd *pfds, size_t *chips,
			      bool with_stdin)
{
	size_t n = 0;

	for (size_t c = 0; c < h->r->num_chips; c++) {
		if (!h->reqs[c])
			continue;
		pfds[n].fd = mpssed_line_request_get_fd(h->reqs[c]);
		if (pfds[n].fd < 0)
			die_perror("unable to poll the request");
		pfds[n].events = POLLIN;
		chips[n++] = c;
	}
	if (with_stdin) {
		pfds[n].fd = STDIN_FILENO;
		pfds[n++].events = POLLIN;
	}
	return n;
}

/*
 * Hold the lines for period_us (negative: forever), or until stdin has
 * input when with_stdin (then returns true). Dies if the device goes.
 */
static bool hold(struct holding *h, long long period_us, bool with_stdin)
{
	struct pollfd pfds[MAX_LINES + 1];
	size_t chips[MAX_LINES + 1];
	size_t n = holding_pollfds(h, pfds, chips, with_stdin);
	uint64_t end = now_us() + (period_us > 0 ? (uint64_t)period_us : 0);

	for (;;) {
		uint64_t now = now_us();
		struct timespec ts;
		int r;

		if (period_us >= 0 && now >= end)
			return false;
		ts.tv_sec = (time_t)((end - now) / 1000000);
		ts.tv_nsec = (long)((end - now) % 1000000) * 1000;
		r = ppoll(pfds, n, period_us < 0 ? NULL : &ts, NULL);
		if (r < 0 && errno != EINTR)
			die_perror("error waiting on request");
		for (size_t i = 0; r > 0 && i < n; i++) {
			if (!pfds[i].revents)
				continue;
			if (with_stdin && i == n - 1)
				return true;
			check_request(h, chips[i]);
		}
	}
}

static void apply_values(struct holding *h)
{
	for (size_t c = 0; c < h->r->num_chips; c++) {
		unsigned int offsets[MAX_LINES];
		enum mpssed_line_value values[MAX_LINES];

		if (!h->reqs[c])
			continue;
		resolver_chip_lines(h->r, c, offsets, values);
		if (mpssed_line_request_set_values(h->reqs[c], values) < 0)
			die_device_error(resolver_chip_name(h->r, c), "unable to set values");
	}
	if (h->cfg->hold_period_us)
		hold(h, (long long)h->cfg->hold_period_us, false);
}

static void toggle_all(struct holding *h)
{
	for (size_t i = 0; i < h->r->num_lines; i++)
		h->r->lines[i].value = !h->r->lines[i].value;
}

/* As gpioset: toggle after each period in turn; a final 0 ends the sequence. */
static void toggle_sequence(struct holding *h)
{
	const struct config *cfg = h->cfg;
	size_t i = 0;

	if (cfg->toggles == 1 && cfg->toggle_periods[0] == 0)
		return;
	for (;;) {
		hold(h, (long long)cfg->toggle_periods[i], false);
		toggle_all(h);
		apply_values(h);
		i++;
		if (i == cfg->toggles - 1 && cfg->toggle_periods[i] == 0)
			return;
		if (i == cfg->toggles)
			i = 0;
	}
}

/* --- Interactive ------------------------------------------------------------------- */

static void print_interactive_help(void)
{
	printf("COMMANDS:\n\n");
	printf("    exit\n");
	printf("        Exit the program\n");
	printf("    get [line]...\n");
	printf("        Display the output values of the given requested lines\n\n");
	printf("        If no lines are specified then all requested lines are displayed\n\n");
	printf("    help\n");
	printf("        Print this help\n\n");
	printf("    set <line=value>...\n");
	printf("        Update the output values of the given requested lines\n\n");
	printf("    sleep <period>\n");
	printf("        Sleep for the specified period\n\n");
	printf("    toggle [line]...\n");
	printf("        Toggle the output values of the given requested lines\n\n");
	printf("        If no lines are specified then all requested lines are toggled\n\n");
}

/* Split on blanks, keeping "quoted words" whole; returns the number of words. */
static size_t split_words(char *line, char **words, size_t max)
{
	size_t n = 0;

	while (*line) {
		bool quoted;

		while (isspace((unsigned char)*line))
			line++;
		if (!*line)
			break;
		if (n == max)
			return max + 1;
		words[n++] = line;
		quoted = *line == '"';
		for (line++; *line && (quoted || !isspace((unsigned char)*line)); line++)
			if (*line == '"')
				quoted = false;
		if (*line)
			*line++ = '\0';
	}
	return n;
}

/* A requested line by its id as given (quotes stripped), or NULL after saying so. */
static struct resolved_line *find_line(struct holding *h, char *id)
{
	size_t len = strlen(id);

	if (len >= 2 && id[0] == '"' && id[len - 1] == '"') {
		id[len - 1] = '\0';
		id++;
	}
	for (size_t i = 0; i < h->r->num_lines; i++)
		if (!strcmp(h->r->lines[i].id, id))
			return &h->r->lines[i];
	printf("unknown line: '%s'\n", id);
	return NULL;
}

static void print_value(struct holding *h, const struct resolved_line *line, bool last)
{
	printf(h->cfg->common.unquoted ? "%s=%s%c" : "\"%s\"=%s%c", line->id,
	       line->value == MPSSED_LINE_VALUE_ACTIVE ? "active" : "inactive", last ? '\n' : ' ');
}

static void do_get(struct holding *h, char **args, size_t n)
{
	struct resolved_line *lines[MAX_LINES];

	if (!n) {
		for (size_t i = 0; i < h->r->num_lines; i++)
			print_value(h, &h->r->lines[i], i == h->r->num_lines - 1);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (!(lines[i] = find_line(h, args[i])))
			return;
	for (size_t i = 0; i < n; i++)
		print_value(h, lines[i], i == n - 1);
}

static void do_set(struct holding *h, char **args, size_t n)
{
	struct resolved_line *lines[MAX_LINES];
	enum mpssed_line_value values[MAX_LINES];

	if (!n) {
		printf("at least one GPIO line value must be specified\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char *id;

		if (!parse_line_value(args[i], &id, &values[i], true) || !(lines[i] = find_line(h, id)))
			return;
	}
	for (size_t i = 0; i < n; i++)
		lines[i]->value = values[i];
	apply_values(h);
}

static void do_toggle(struct holding *h, char **args, size_t n)
{
	struct resolved_line *lines[MAX_LINES];

	if (!n) {
		toggle_all(h);
		apply_values(h);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (!(lines[i] = find_line(h, args[i])))
			return;
	for (size_t i = 0; i < n; i++)
		lines[i]->value = !lines[i]->value;
	apply_values(h);
}

static void do_sleep(struct holding *h, char **args, size_t n)
{
	long long period = n == 1 ? parse_period(args[0]) : -1;

	if (period < 0) {
		printf("invalid period: '%s'\n", n ? args[0] : "");
		return;
	}
	hold(h, period, false);
}

/* One command line; false for exit. */
static bool run_command(struct holding *h, char *line)
{
	char *words[MAX_LINES + 1];
	size_t n = split_words(line, words, MAX_LINES + 1);

	if (!n)
		return true;
	if (n > MAX_LINES) {
		printf("too many command arguments\n");
		return true;
	}
	if (!strcmp(words[0], "exit"))
		return false;
	if (!strcmp(words[0], "help"))
		print_interactive_help();
	else if (!strcmp(words[0], "get"))
		do_get(h, words + 1, n - 1);
	else if (!strcmp(words[0], "set"))
		do_set(h, words + 1, n - 1);
	else if (!strcmp(words[0], "toggle"))
		do_toggle(h, words + 1, n - 1);
	else if (!strcmp(words[0], "sleep"))
		do_sleep(h, words + 1, n - 1);
	else
		printf("unknown command: '%s'\nTry the 'help' command\n", words[0]);
	return true;
}

static void prompt(void)
{
	/* A prompt is for people: scripts feeding stdin get only the answers. */
	if (isatty(STDIN_FILENO))
		printf("%s set> ", PROG_NAME);
	fflush(stdout);
}

/* Read commands from stdin (watching the device meanwhile) until exit or end of input. */
static void interact(struct holding *h)
{
	char buf[4096];
	size_t len = 0;

	prompt();
	for (;;) {
		char *nl;
		ssize_t r;

		hold(h, -1, true);
		r = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		len += (size_t)r;
		buf[len] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			if (!run_command(h, buf))
				return;
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len + 1);
			prompt();
		}
		/* A line longer than the buffer is not a command anybody typed. */
		if (len == sizeof(buf) - 1)
			len = 0;
	}
}

/* --- Main ---------------------------------------------------------------------------- */

/* Parse the line=value arguments into ids (pointing into argv) and find the lines. */
static struct line_resolver *resolve_or_die(int argc, char **argv, char **ids,
					    const struct config *cfg)
{
	enum mpssed_line_value values[MAX_LINES];
	struct line_resolver *r;

	for (int i = 0; i < argc; i++)
		if (!parse_line_value(argv[i], &ids[i], &values[i], false))
			exit(EXIT_FAILURE);
	r = resolve_ids_or_die(argc, ids, &cfg->common);
	for (int i = 0; i < argc; i++)
		r->lines[i].value = values[i];
	return r;
}

static void request_all(struct holding *h, struct mpssed_line_settings *settings)
{
	const struct request_options opts = {
		.consumer = h->cfg->common.consumer,
		.persist = h->cfg->common.wait_replug,
		.with_values = true,
	};
	unsigned int offsets[MAX_LINES];

	h->reqs = calloc(h->r->num_chips ? h->r->num_chips : 1, sizeof(*h->reqs));
	if (!h->reqs)
		die("out of memory");
	for (size_t c = 0; c < h->r->num_chips; c++)
		if (resolver_chip_lines(h->r, c, offsets, NULL))
			h->reqs[c] = request_lines_or_die(h->r, c, settings, &opts);
}

int cmd_set(int argc, char **argv)
{
	struct mpssed_line_settings *settings;
	struct holding h = { 0 };
	char *ids[MAX_LINES];
	struct config cfg;
	int i = parse_config(argc, argv, &cfg);

	argc -= i;
	argv += i;
	if (argc < 1)
		die("at least one GPIO line value must be specified");
	if (argc > MAX_LINES)
		die("too many lines given");
	h.cfg = &cfg;
	settings = settings_or_die(&cfg);
	h.r = resolve_or_die(argc, argv, ids, &cfg);
	request_all(&h, settings);
	mpssed_line_settings_free(settings);
	if (cfg.common.banner)
		print_banner("Setting", argc, ids);
	/* Fine here: the client has no threads and no RCU state to lose in the child. */
	if (cfg.daemonize && daemon(0, 0) < 0)
		die_perror("unable to daemonize");
	if (cfg.hold_period_us)
		hold(&h, (long long)cfg.hold_period_us, false);
	if (cfg.interactive)
		interact(&h);
	else if (cfg.toggles)
		toggle_sequence(&h);
	else
		hold(&h, -1, false);
	for (size_t c = 0; c < h.r->num_chips; c++)
		mpssed_line_request_release(h.reqs[c]);
	free(h.reqs);
	free_line_resolver(h.r);
	free(cfg.toggle_periods);
	return EXIT_SUCCESS;
}
