/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The configuration file as the daemon applies it: loaded at start (a
 * missing default file is fine, a missing --config file is not), merged
 * with the command line (which wins), loaded again on SIGHUP. A file that
 * does not parse is refused with file:line and the reason; on a reload the
 * old configuration then stays.
 *
 * What a reload changes: access rules, line names (of every chip), socket
 * mode and group (the files are chmod/chown'ed), log level, and the names
 * of chips first seen from then on (a chip keeps its name for life).
 * Emulated devices, latency-timer and reads-in-flight are read at start
 * only. Open requests are not touched.
 *
 * Threads and locks: everything runs on the main thread except
 * conf_names(), the device layer's names callback, which may run on its
 * device-event thread; lock guards the config pointer for it. The main
 * thread is the only writer, so it reads the pointer without the lock.
 */
#ifndef MPSSED_DAEMON_CONF_H
#define MPSSED_DAEMON_CONF_H

#include <pthread.h>
#include <stdbool.h>

#include "config/config.h"
#include "daemon/options.h"
#include "device/device.h"

struct server_config;

struct conf {
	const char *path;
	bool explicit;			/* --config: the file must exist */
	const struct options *opts;	/* the command line, which wins */
	pthread_mutex_t lock;
	struct config *config;		/* NULL: no file */
};

/* Load the file; -errno after logging file:line and why. */
int conf_init(struct conf *conf, const struct options *opts);
void conf_fini(struct conf *conf);

/* The log level the command line or the file asks for. */
enum log_level conf_log_level(const struct conf *conf);
/* The device layer's settings: the file's sampling settings, conf_names(). */
void conf_core_config(struct conf *conf, struct core_config *cc);
/* Socket mode, group and access rules for the server (runtime_dir and control_fd untouched). */
void conf_server_config(const struct conf *conf, struct server_config *sc);
/* The core_names_fn: chip and line names of the [chip] section matching id. */
void conf_names(void *data, const struct gpio_chip_identity *id, struct gpio_chip_names *names);
/* Give every chip the line names of its section (by chip name, else by match). */
void conf_apply_line_names(struct conf *conf, struct core *core);
/* Add the [chip] sections' emulated devices; -errno after logging. */
int conf_add_emulators(struct conf *conf, struct core *core);

/*
 * Read the file again. On success the new config is in place and *old is
 * the previous one, to free once every user has switched; on failure
 * (logged with file:line) nothing changed.
 */
int conf_reload(struct conf *conf, struct config **old);

#endif
