// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mpssed: parse the command line, start the device layer and the server,
 * run the event loop on this (the main) thread until SIGTERM or SIGINT.
 *
 * Order matters at both ends:
 *  - The signals the loop handles are blocked before anything creates a
 *    thread: liburcu's and our threads inherit the mask (facts.md §9), and
 *    a thread with SIGTERM unblocked would die of it instead of the loop
 *    reading it from the signalfd. No fork either (systemd supervises).
 *  - At exit the server goes first (its connections release their line
 *    requests; outputs keep their levels), then the core (teardown and the
 *    deferred-free drain), then the loop.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/rcu.h"
#include "daemon/conf.h"
#include "daemon/options.h"
#include "daemon/systemd.h"
#include "device/device.h"
#include "server/loop.h"
#include "server/server.h"

struct daemon {
	struct options opts;
	struct conf conf;
	const char *runtime_dir;
	int control_fd;			/* from systemd, until the server takes it */
	sigset_t signals;
	int signal_fd;
	struct loop *loop;
	struct loop_source *signal_src;
	struct core *core;
	struct server *server;
};

static int signals_block(struct daemon *d)
{
	sigemptyset(&d->signals);
	sigaddset(&d->signals, SIGTERM);
	sigaddset(&d->signals, SIGINT);
	sigaddset(&d->signals, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &d->signals, NULL) < 0)
		return -errno;
	/* Sends use MSG_NOSIGNAL; this covers stderr on a closed pipe. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/*
 * SIGHUP: the new file's settings reach everyone who reads them (the
 * names callback, the server, the log) before the old file's are freed.
 */
static void reload(struct daemon *d)
{
	_cleanup_(config_freep) struct config *old = NULL;
	struct server_config sc = { 0 };

	if (conf_reload(&d->conf, &old) < 0)
		return;
	log_set_level(conf_log_level(&d->conf));
	conf_server_config(&d->conf, &sc);
	server_reconfigure(d->server, &sc);
	conf_apply_line_names(&d->conf, d->core);
}

static void on_signal(struct loop_source *src, uint32_t events, void *data)
{
	struct daemon *d = data;
	struct signalfd_siginfo si;

	while (read(d->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP received: reloading %s", d->conf.path);
			reload(d);
			continue;
		}
		log_info("SIG%s received: exiting", sigabbrev_np((int)si.ssi_signo));
		loop_exit(d->loop, 0);
	}
}

/* Where the sockets go: --runtime-dir, systemd's RuntimeDirectory=, or the default. */
static int runtime_dir_pick(struct daemon *d)
{
	static char from_env[4096];
	const char *env = getenv("RUNTIME_DIRECTORY");
	size_t n;

	if (d->opts.runtime_dir) {
		d->runtime_dir = d->opts.runtime_dir;
	} else if (env && *env) {
		/* systemd lists several directories separated by ':'; ours is the first. */
		n = strcspn(env, ":");
		if (n >= sizeof(from_env))
			return -ENAMETOOLONG;
		memcpy(from_env, env, n);
		from_env[n] = '\0';
		d->runtime_dir = from_env;
	} else {
		d->runtime_dir = MPSSED_RUNTIME_DIR_DEFAULT;
	}
	if (mkdir(d->runtime_dir, 0755) < 0 && errno != EEXIST) {
		log_err("cannot create the runtime directory %s: %s", d->runtime_dir,
			strerror(errno));
		return -errno;
	}
	return 0;
}

static int devices_start(struct daemon *d)
{
	struct core_config cc;
	int r;

	conf_core_config(&d->conf, &cc);
	r = core_new(&d->core, &cc);
	if (r < 0) {
		log_err("cannot start the device layer: %s", strerror(-r));
		return r;
	}
	for (unsigned i = 0; i < d->opts.n_emulate; i++) {
		r = emulate_add(d->core, &d->opts.emulate[i], NULL);
		if (r < 0)
			return r;
	}
	r = conf_add_emulators(&d->conf, d->core);
	if (r < 0)
		return r;
	/* Chips named on the command line may have a section too. */
	conf_apply_line_names(&d->conf, d->core);
	if (!options_want_usb(&d->opts))
		return 0;
	r = core_start_usb(d->core);
	if (r < 0)
		log_err("cannot watch USB: %s (--no-usb runs without it)", strerror(-r));
	return r;
}

static int server_start(struct daemon *d)
{
	struct server_config config = { .runtime_dir = d->runtime_dir };
	int r;

	conf_server_config(&d->conf, &config);

	r = loop_new(&d->loop);
	if (r < 0)
		return r;
	d->signal_fd = signalfd(-1, &d->signals, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->signal_fd < 0)
		return -errno;
	r = loop_add_fd(d->loop, d->signal_fd, EPOLLIN, on_signal, d, &d->signal_src);
	if (r < 0)
		return r;
	/* The server owns the activated socket from here on, even if it fails. */
	config.control_fd = steal_fd(d->control_fd);
	r = server_new(&d->server, d->loop, d->core, &config);
	if (r < 0)
		log_err("cannot start the server: %s", strerror(-r));
	return r;
}

static void daemon_fini(struct daemon *d)
{
	d->server = server_free(d->server);
	d->core = core_free(d->core);
	d->signal_src = loop_source_remove(d->signal_src);
	if (d->signal_fd >= 0)
		close(d->signal_fd);
	if (d->control_fd >= 0)
		close(d->control_fd);
	d->loop = loop_free(d->loop);
	conf_fini(&d->conf);
}

static void notify(const char *state)
{
	int r = notify_systemd(state);

	if (r < 0)
		log_warn("cannot notify systemd (%s): %s", state, strerror(-r));
}

static int daemon_run(struct daemon *d)
{
	int r;

	r = listen_fds_take(&d->control_fd);
	if (r == 0)
		r = runtime_dir_pick(d);
	if (r == 0)
		r = devices_start(d);
	if (r == 0)
		r = server_start(d);
	if (r < 0)
		return r;
	log_info("ready; sockets in %s", d->runtime_dir);
	notify("READY=1");
	r = loop_run(d->loop);
	notify("STOPPING=1");
	if (r < 0)
		log_err("event loop failed: %s", strerror(-r));
	return r;
}

int main(int argc, char **argv)
{
	struct daemon d = { .control_fd = -1, .signal_fd = -1 };
	int r;

	r = options_parse(&d.opts, argc, argv);
	if (r)
		return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	log_set_level(d.opts.log_level);
	if (conf_init(&d.conf, &d.opts) < 0) {
		conf_fini(&d.conf);
		return EXIT_FAILURE;
	}
	log_set_level(conf_log_level(&d.conf));
	r = signals_block(&d);
	if (r < 0) {
		log_err("cannot block signals: %s", strerror(-r));
		conf_fini(&d.conf);
		return EXIT_FAILURE;
	}
	/* The loop's thread reads the device registry (an RCU list). */
	rcu_register_thread();
	r = daemon_run(&d);
	daemon_fini(&d);
	rcu_unregister_thread();
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
