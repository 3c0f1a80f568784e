/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mpssed's command line. See `mpssed --help` and man/mpssed.8.
 *
 * Threads and locks: parsed once in main() before any thread exists.
 */
#ifndef MPSSED_DAEMON_OPTIONS_H
#define MPSSED_DAEMON_OPTIONS_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/log.h"
#include "daemon/emulate.h"

#define OPTIONS_EMULATE_MAX 8
#define OPTIONS_SOCKET_MODE_DEFAULT 0660

enum usb_mode {
	USB_AUTO = 1,		/* on unless --emulate was given */
	USB_ON,
	USB_OFF,
};

struct options {
	enum log_level log_level;
	bool has_log_level;		/* given: it wins over the file's */
	const char *runtime_dir;	/* NULL: $RUNTIME_DIRECTORY, else the default */
	const char *config;		/* NULL: the default file, if it exists */
	mode_t socket_mode;
	bool has_socket_mode;
	gid_t socket_gid;		/* (gid_t)-1: the file's, else the daemon's group */
	enum usb_mode usb;
	unsigned n_emulate;
	struct emulate_spec emulate[OPTIONS_EMULATE_MAX];
};

/*
 * Returns 0 to run, 1 when done (--help, --version printed), -EINVAL
 * after printing why the command line is wrong.
 */
int options_parse(struct options *o, int argc, char **argv);

/*
 * Whether the daemon should watch USB, as --usb, --no-usb and --emulate
 * say. Emulated devices of the configuration file do not count: a file
 * is for the long run, next to real devices.
 */
bool options_want_usb(const struct options *o);

#endif
