// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The sanitizer recipe for RCU still catches what it must. In a TSan build
 * the annotations of common/rcu.h must give no report when an object is
 * retired after a grace period (synchronize_rcu() or rcuwork), and must
 * still report a data race when the grace period is missing; in an ASan
 * build the missing grace period must show as a use after free. Each
 * scenario runs in a fresh process, rcu-sanitizer-helper, started with
 * posix_spawn (liburcu forbids fork without exec), under the sanitizer
 * options `make check` passes (TSAN_OPTIONS with tests/tsan.supp). Other
 * builds skip.
 */
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "common/macros.h"
#include "../tap.h"

#if defined(MPSSED_TSAN)
#define SANITIZER "TSan"
#define REPORT "WARNING: ThreadSanitizer: data race"
#elif defined(__SANITIZE_ADDRESS__)
#define SANITIZER "ASan"
#define REPORT "ERROR: AddressSanitizer: heap-use-after-free"
#endif

#ifdef SANITIZER
extern char **environ;

struct run {
	int status;
	char err[1 << 16];
};

static void read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while ((n = read(fd, buf + len, size - 1 - len)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && (len += (size_t)n) == size - 1)
			break;
	buf[len] = '\0';
}

/* Runs the helper next to this program with one mode; collects its stderr. */
static void run_helper(const char *mode, struct run *run)
{
	char self[PATH_MAX] = { 0 }, helper[PATH_MAX + 32];
	char *argv[] = { helper, (char *)mode, NULL };
	posix_spawn_file_actions_t actions;
	_cleanup_close_ int out = -1;
	int pipefd[2];
	pid_t pid;

	if (readlink("/proc/self/exe", self, sizeof(self) - 1) < 0 || pipe(pipefd) < 0)
		tap_bail("cannot find or pipe to the helper: %m");
	snprintf(helper, sizeof(helper), "%s/rcu-sanitizer-helper", dirname(self));
	out = pipefd[0];
	posix_spawn_file_actions_init(&actions);
	/* stdout is the TAP stream: keep the helper off it. */
	posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDERR_FILENO);
	posix_spawn_file_actions_addclose(&actions, pipefd[0]);
	if (posix_spawn(&pid, helper, &actions, NULL, argv, environ))
		tap_bail("posix_spawn %s: %m", helper);
	posix_spawn_file_actions_destroy(&actions);
	close(pipefd[1]);
	read_all(out, run->err, sizeof(run->err));
	if (waitpid(pid, &run->status, 0) != pid)
		tap_bail("waitpid: %m");
}

static bool exited_ok(const struct run *run)
{
	return WIFEXITED(run->status) && WEXITSTATUS(run->status) == 0;
}

static void expect_clean(const char *mode, const char *what)
{
	static struct run run;

	run_helper(mode, &run);
	if (!tap_ok(exited_ok(&run) && !strstr(run.err, "Sanitizer"),
		    SANITIZER ": no report when %s", what))
		tap_diag("helper %s said:\n%s", mode, run.err);
}

static void expect_report(const char *mode, const char *what)
{
	static struct run run;

	run_helper(mode, &run);
	if (!tap_ok(!exited_ok(&run) && strstr(run.err, REPORT) && strstr(run.err, "reader_main"),
		    SANITIZER ": reports the reader's access when %s", what))
		tap_diag("helper %s said:\n%s", mode, run.err);
}
#endif

int main(void)
{
	tap_plan(4);
#ifdef SANITIZER
	expect_clean("sync", "freed after synchronize_rcu()");
	expect_clean("rcuwork", "freed by an rcuwork fn");
	expect_report("nogp", "freed without a grace period");
	expect_report("rcuwork-nogp", "rcuwork's grace period is skipped");
#else
	for (int i = 0; i < 4; i++)
		tap_skip("needs --enable-sanitizer=thread or =address");
#endif
	return tap_done();
}
