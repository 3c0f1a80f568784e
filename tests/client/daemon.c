// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Starting and stopping the real daemon for the client tests. Timeouts are
 * generous because sanitizer builds of the daemon start slowly, but every
 * wait is bounded so a broken daemon fails the test instead of hanging it.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/client/daemon.h"
#include "tests/tap.h"

#define START_TIMEOUT_MS 20000
#define STOP_TIMEOUT_MS 20000

extern char **environ;

void test_sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool is_socket(const char *dir, const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

static void daemon_path(char *buf, size_t size)
{
	const char *top = getenv("top_builddir");

	snprintf(buf, size, "%s/src/daemon/mpssed", top && *top ? top : ".");
	if (access(buf, X_OK) < 0)
		tap_bail("the daemon is not built: %s", buf);
}

void test_daemon_start(struct test_daemon *d, const char *spec, const char *chip)
{
	char bin[256];
	char *argv[] = { bin, "--emulate", (char *)spec, "--runtime-dir", d->dir, "--no-usb",
			 "--log-level", "warning", NULL };
	int status;

	daemon_path(bin, sizeof(bin));
	snprintf(d->dir, sizeof(d->dir), "/tmp/mpssed-client-XXXXXX");
	if (!mkdtemp(d->dir))
		tap_bail("mkdtemp: %s", strerror(errno));
	setenv("MPSSED_RUNTIME_DIR", d->dir, 1);
	if (posix_spawn(&d->pid, bin, NULL, NULL, argv, environ) != 0)
		tap_bail("cannot start %s", bin);
	for (unsigned waited = 0; waited < START_TIMEOUT_MS; waited += 10) {
		if (is_socket(d->dir, "mpssed.sock") && is_socket(d->dir, chip))
			return;
		if (waitpid(d->pid, &status, WNOHANG) == d->pid)
			tap_bail("mpssed exited during startup (status %d)", status);
		test_sleep_ms(10);
	}
	kill(d->pid, SIGKILL);
	waitpid(d->pid, &status, 0);
	tap_bail("mpssed did not create its sockets in %d ms", START_TIMEOUT_MS);
}

/* The runtime directory holds only sockets, left behind if the daemon was killed. */
static void remove_dir(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;

	while (dp && (de = readdir(dp))) {
		char path[512];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (dp)
		closedir(dp);
	if (rmdir(dir) < 0)
		tap_diag("could not remove %s: %s", dir, strerror(errno));
}

void test_daemon_stop(struct test_daemon *d)
{
	int status = 0;
	unsigned waited;

	kill(d->pid, SIGTERM);
	for (waited = 0; waited < STOP_TIMEOUT_MS; waited += 10) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid)
			break;
		test_sleep_ms(10);
	}
	if (waited >= STOP_TIMEOUT_MS) {
		tap_diag("mpssed did not stop in %d ms; killing it", STOP_TIMEOUT_MS);
		kill(d->pid, SIGKILL);
		waitpid(d->pid, &status, 0);
	}
	/* The daemon's own exit is its tests' business; note it for whoever reads the log. */
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		tap_diag("mpssed ended with status 0x%x", status);
	remove_dir(d->dir);
}
