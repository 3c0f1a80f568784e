// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "daemon/options.h"
#include "protocol/protocol.h"

enum {
	OPT_USB = 0x100,
	OPT_NO_USB,
};

static const struct option long_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "log-level", required_argument, NULL, 'l' },
	{ "runtime-dir", required_argument, NULL, 'r' },
	{ "config", required_argument, NULL, 'c' },
	{ "emulate", required_argument, NULL, 'e' },
	{ "usb", no_argument, NULL, OPT_USB },
	{ "no-usb", no_argument, NULL, OPT_NO_USB },
	{ "socket-group", required_argument, NULL, 'g' },
	{ "socket-mode", required_argument, NULL, 'm' },
	{ 0 },
};

static void usage(void)
{
	printf("Usage: mpssed [OPTION]...\n"
	       "GPIO daemon for FTDI MPSSE chips (FT232H, FT2232H, FT4232H/HA, Sealevel, Bryx):\n"
	       "serves every MPSSE interface as a GPIO chip with the Linux GPIO uAPI v2's\n"
	       "semantics over Unix sockets. Runs in the foreground and logs to stderr.\n"
	       "\n"
	       "Options:\n"
	       "  -h, --help               show this help and exit\n"
	       "  -V, --version            show the version and exit\n"
	       "  -l, --log-level LEVEL    error, warning, info (default) or debug\n"
	       "  -r, --runtime-dir DIR    where the sockets go (default: $RUNTIME_DIRECTORY\n"
	       "                           when systemd sets it, else %s)\n"
	       "  -c, --config FILE        configuration file, see mpssed.conf(5) (default\n"
	       "                           %s if it exists); options given here win\n"
	       "  -e, --emulate SPEC       serve an emulated device (repeatable, up to %d);\n"
	       "                           SPEC is PRESET[:KEY=VALUE,...], see below\n"
	       "      --usb                watch USB for devices even with --emulate\n"
	       "      --no-usb             do not watch USB\n"
	       "  -g, --socket-group NAME  group of the socket files (default: the daemon's)\n"
	       "  -m, --socket-mode MODE   mode of the socket files, octal (default 0%o)\n"
	       "\n"
	       "USB is watched unless --no-usb is given, or --emulate is given without --usb.\n"
	       "\n"
	       "Emulated devices (--emulate SPEC):\n"
	       "  PRESET                   ft232h, ft2232h, ft4232h, ft4232ha, sealevel, bryx\n"
	       "  serial=STRING            USB serial number (empty: blank)\n"
	       "  timing=on|off            USB microframe timing model (default on)\n"
	       "  world=demo|none          demo (default): the highest line carries a 2 Hz\n"
	       "                           square wave and line 0 is wired to line 4;\n"
	       "                           none: nothing drives the inputs (they read low)\n"
	       "  name=NAME, name-b=NAME   chip names of interfaces A and B (default mpsseN)\n"
	       "\n"
	       "Example: mpssed --emulate ft232h:serial=DEMO1,name=demo --runtime-dir /tmp/m\n"
	       "\n"
	       "Signals: SIGTERM and SIGINT stop the daemon (outputs keep their levels);\n"
	       "SIGHUP reloads the configuration file (a bad one is refused and logged;\n"
	       "the old one stays).\n",
	       MPSSED_RUNTIME_DIR_DEFAULT, CONFIG_DEFAULT_PATH, OPTIONS_EMULATE_MAX,
	       OPTIONS_SOCKET_MODE_DEFAULT);
}

static void usage_hint(void)
{
	fprintf(stderr, "Try 'mpssed --help' for more information.\n");
}

/* Report a usage error; evaluates to -EINVAL. */
#define bad(...) (log_err(__VA_ARGS__), usage_hint(), -EINVAL)

static int add_emulate(struct options *o, const char *spec)
{
	char why[160];

	if (o->n_emulate == OPTIONS_EMULATE_MAX)
		return bad("too many --emulate options (at most %d)", OPTIONS_EMULATE_MAX);
	if (emulate_spec_parse(spec, &o->emulate[o->n_emulate], why, sizeof(why)) < 0)
		return bad("--emulate %s: %s", spec, why);
	o->n_emulate++;
	return 0;
}

/* One option; 1 when the program is done, 0 to go on, -EINVAL on error. */
static int parse_one(struct options *o, int c, const char *arg)
{
	int level;

	switch (c) {
	case 'h':
		usage();
		return 1;
	case 'V':
		printf("mpssed %s (protocol %d.%d)\n", PACKAGE_VERSION, MPSSED_PROTOCOL_MAJOR,
		       MPSSED_PROTOCOL_MINOR);
		return 1;
	case 'l':
		level = log_level_from_string(arg);
		if (level < 0)
			return bad("--log-level: '%s' is not error, warning, info or debug", arg);
		o->log_level = (enum log_level)level;
		o->has_log_level = true;
		return 0;
	case 'r':
		o->runtime_dir = arg;
		return 0;
	case 'c':
		o->config = arg;
		return 0;
	case 'e':
		return add_emulate(o, arg);
	case OPT_USB:
		o->usb = USB_ON;
		return 0;
	case OPT_NO_USB:
		o->usb = USB_OFF;
		return 0;
	case 'g':
		if (config_parse_group(arg, &o->socket_gid) < 0)
			return bad("--socket-group: no group '%s'", arg);
		return 0;
	case 'm':
		if (config_parse_mode(arg, &o->socket_mode) < 0)
			return bad("--socket-mode: '%s' is not an octal mode", arg);
		o->has_socket_mode = true;
		return 0;
	default:
		/* getopt printed what was wrong. */
		usage_hint();
		return -EINVAL;
	}
}

int options_parse(struct options *o, int argc, char **argv)
{
	int c, r;

	memset(o, 0, sizeof(*o));
	o->log_level = LOG_LEVEL_INFO;
	o->socket_mode = OPTIONS_SOCKET_MODE_DEFAULT;
	o->socket_gid = (gid_t)-1;
	o->usb = USB_AUTO;
	while ((c = getopt_long(argc, argv, "hVl:r:c:e:g:m:", long_options, NULL)) != -1) {
		r = parse_one(o, c, optarg);
		if (r)
			return r;
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	return 0;
}

bool options_want_usb(const struct options *o)
{
	return o->usb == USB_ON || (o->usb == USB_AUTO && !o->n_emulate);
}
