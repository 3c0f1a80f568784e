// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mpssed as a program: --help and --version, command-line errors (exit 1
 * with a clear message), socket files with their mode and group, a stale
 * socket file replaced, a second daemon on the same directory refused,
 * $RUNTIME_DIRECTORY, SIGHUP (logged, keeps running; what a reload does:
 * test-daemon-config), SIGINT, sd_notify
 * (READY=1, STOPPING=1 on $NOTIFY_SOCKET, abstract name) and socket
 * activation ($LISTEN_FDS: the passed socket is the control socket, and
 * the daemon does not remove it).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"
#include "client.h"
#include "common/macros.h"

#define EMULATE "ft232h:world=none,name=gpio0"

extern char **environ;

static bool exit_status(const struct daemon *d, int code)
{
	return WIFEXITED(d->status) && WEXITSTATUS(d->status) == code;
}

/* Run mpssed with args (NULL-terminated), wait for its exit; output captured. */
static bool run(struct daemon *d, const char *const *args, int code, const char *says)
{
	const char *argv[16] = { daemon_binary() };
	unsigned n = 1;
	bool ok;

	if (daemon_prepare(d) < 0)
		return false;
	for (unsigned i = 0; args[i] && n < ARRAY_SIZE(argv) - 1; i++)
		argv[n++] = args[i];
	ok = daemon_spawn(d, true, argv, NULL, -1) == 0 && daemon_wait(d, GUARD_MS) == 0 &&
	     exit_status(d, code) && daemon_log_has(d, says);
	daemon_cleanup(d);
	return ok;
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_usage(void)
{
	struct daemon d;

	tap_ok(run(&d, ARGS("--version"), 0, "mpssed " PACKAGE_VERSION), "--version: exit 0");
	tap_ok(run(&d, ARGS("--help"), 0, "--emulate SPEC"), "--help: exit 0, describes --emulate");
	tap_ok(run(&d, ARGS("--no-usb", "--emulate", "ft9999"), 1, "unknown preset 'ft9999'"),
	       "--emulate with an unknown preset: exit 1, says so");
	tap_ok(run(&d, ARGS("--no-usb", "--emulate", "ft232h:colour=red"), 1,
		   "unknown key 'colour'"),
	       "--emulate with an unknown key: exit 1, says so");
	tap_ok(run(&d, ARGS("--no-usb", "--emulate", "ft232h:timing=maybe"), 1,
		   "bad value 'maybe' for timing"),
	       "--emulate with a bad value: exit 1, says so");
	tap_ok(run(&d, ARGS("--no-usb", "--emulate", "ft232h:sampling=fast"), 1,
		   "bad value 'fast' for sampling"),
	       "--emulate with an unknown sampling mode: exit 1, says so");
	tap_ok(run(&d, ARGS("--no-usb", "--emulate", "ft232h:sampling=paced,period-us=3"), 1,
		   "bad value '3' for period-us"),
	       "--emulate with a paced period under 5 us: exit 1, says so");
	tap_ok(run(&d, ARGS("--no-usb", "--emulate", "ft232h:name=a/b"), 1, "bad value 'a/b'"),
	       "--emulate with a chip name that cannot be a file: exit 1");
	tap_ok(run(&d, ARGS("--no-usb", "--emulate", "ft232h:name-b=x", "--runtime-dir", "/tmp"),
		   1, "has no interface B"),
	       "--emulate name-b= on a one-interface chip: exit 1, says so");
	tap_ok(run(&d, ARGS("--config", "/nonexistent/mpssed.conf"), 1,
		   "/nonexistent/mpssed.conf: cannot read it"),
	       "--config naming a missing file: exit 1, says so");
	tap_ok(run(&d, ARGS("--log-level", "loud"), 1, "'loud' is not"),
	       "--log-level with a bad level: exit 1");
	tap_ok(run(&d, ARGS("surplus"), 1, "unexpected argument 'surplus'"),
	       "a stray argument: exit 1");
}

static bool socket_perm(const char *path, mode_t mode, gid_t gid)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 07777) == mode &&
	       (gid == (gid_t)-1 || st.st_gid == gid);
}

static void test_sockets(void)
{
	struct daemon d, second;
	const char *argv[] = { daemon_binary(), "--runtime-dir", NULL, "--no-usb", "--emulate",
			       EMULATE, NULL };
	int ms;

	/* Bail rather than go on: signals to pid 0 would hit this whole process group. */
	if (daemon_start(&d, true, ARGS("--emulate", EMULATE)) < 0)
		tap_bail("mpssed did not start (%s)", daemon_binary());
	tap_ok(socket_perm(daemon_path(&d, MPSSED_CONTROL_SOCKET), 0660, getgid()) &&
		       socket_perm(daemon_path(&d, "gpio0"), 0660, getgid()),
	       "socket files are 0660 with the daemon's group by default");

	/* A second daemon on the same directory must not steal the sockets. */
	argv[2] = d.dir;
	tap_ok(daemon_prepare(&second) == 0 && daemon_spawn(&second, true, argv, NULL, -1) == 0 &&
		       daemon_wait(&second, START_GUARD_MS) == 0 && exit_status(&second, 1) &&
		       daemon_log_has(&second, "cannot listen"),
	       "a second daemon on the same runtime directory: exit 1");
	daemon_cleanup(&second);

	kill(d.pid, SIGHUP);
	usleep(100000);
	tap_ok(daemon_wait(&d, 0) == -ETIMEDOUT && daemon_log_has(&d, "SIGHUP received: reloading"),
	       "SIGHUP: logs the reload and keeps running");
	kill(d.pid, SIGINT);
	ms = daemon_wait(&d, GUARD_MS);
	tap_ok(ms == 0 && exit_status(&d, 0), "SIGINT: exit 0");
	daemon_cleanup(&d);

	tap_ok(daemon_start(&d, true,
			    ARGS("--emulate", EMULATE, "--socket-mode", "600", "--socket-group",
				 "4242")) == 0 &&
		       socket_perm(daemon_path(&d, MPSSED_CONTROL_SOCKET), 0600, 4242) &&
		       socket_perm(daemon_path(&d, "gpio0"), 0600, 4242),
	       "--socket-mode 600 --socket-group 4242: both applied to every socket");
	daemon_stop(&d, GUARD_MS);
	daemon_cleanup(&d);
}

/* A socket file nobody listens on, as a crashed daemon leaves behind. */
static int make_stale(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0), r;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return r;
}

/* environ plus extra ("NAME=value", NULL-terminated), in a static array. */
static char **env_with(const char *const *extra)
{
	static char *env[512];
	unsigned n = 0;

	for (unsigned i = 0; environ[i] && n < ARRAY_SIZE(env) - 8; i++)
		env[n++] = environ[i];
	for (unsigned i = 0; extra[i] && n < ARRAY_SIZE(env) - 1; i++)
		env[n++] = (char *)extra[i];
	env[n] = NULL;
	return env;
}

static void test_runtime_dir(void)
{
	const char *argv[] = { daemon_binary(), "--no-usb", "--emulate", EMULATE, NULL };
	char var[128];
	struct daemon d;
	bool ok;

	ok = daemon_prepare(&d) == 0 &&
	     make_stale(daemon_path(&d, MPSSED_CONTROL_SOCKET)) == 0 &&
	     make_stale(daemon_path(&d, "gpio0")) == 0;
	snprintf(var, sizeof(var), "RUNTIME_DIRECTORY=%s", d.dir);
	ok = ok && daemon_spawn(&d, true, argv, env_with(ARGS(var)), -1) == 0 &&
	     daemon_wait_ready(&d) == 0;
	tap_ok(ok, "$RUNTIME_DIRECTORY is used; stale socket files there are replaced");
	daemon_stop(&d, GUARD_MS);
	daemon_cleanup(&d);
}

/* A datagram socket with an abstract name, as systemd's notify socket. */
static int notify_socket(char *name, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	size_t n;

	snprintf(name, size, "@mpssed-test-notify-%d", (int)getpid());
	n = strlen(name);
	memcpy(sa.sun_path, name, n);
	sa.sun_path[0] = '\0';
	if (bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) <
	    0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool notified(int fd, const char *state)
{
	char buf[256];
	ssize_t n = cl_recv_raw(fd, buf, sizeof(buf) - 1, NULL, START_GUARD_MS);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, state) != NULL;
}

static void test_notify(void)
{
	const char *argv[] = { daemon_binary(), "--runtime-dir", NULL, "--no-usb", "--emulate",
			       EMULATE, NULL };
	char name[64], var[96];
	int fd = notify_socket(name, sizeof(name));
	struct daemon d;

	if (fd < 0 || daemon_prepare(&d) < 0)
		tap_bail("cannot set up the notify test: %s", strerror(errno));
	argv[2] = d.dir;
	snprintf(var, sizeof(var), "NOTIFY_SOCKET=%s", name);
	tap_ok(daemon_spawn(&d, true, argv, env_with(ARGS(var)), -1) == 0 &&
		       notified(fd, "READY=1") && daemon_wait_ready(&d) == 0,
	       "sd_notify: READY=1 on $NOTIFY_SOCKET (an abstract name)");
	tap_ok(daemon_stop(&d, GUARD_MS) >= 0 && notified(fd, "STOPPING=1"),
	       "and STOPPING=1 at exit");
	daemon_cleanup(&d);
	close(fd);
}

static int listen_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void test_activation(void)
{
	/* LISTEN_PID must be the daemon's pid: the shell's, which exec keeps. */
	const char *argv[] = { "/bin/sh", "-c", "LISTEN_PID=$$ LISTEN_FDS=1 exec \"$0\" \"$@\"",
			       daemon_binary(), "--runtime-dir", NULL, "--no-usb", "--emulate",
			       EMULATE, NULL };
	char path[128];
	struct daemon d;
	struct stat st;
	int lfd, c = -1;

	if (daemon_prepare(&d) < 0)
		tap_bail("mkdtemp: %s", strerror(errno));
	argv[5] = d.dir;
	snprintf(path, sizeof(path), "%s.activated", d.dir);
	lfd = listen_socket(path);
	tap_ok(lfd >= 0 && daemon_spawn(&d, true, argv, NULL, lfd) == 0 &&
		       (c = cl_open(path)) >= 0 && cl_wait_present(c, "gpio0", true) == 0,
	       "socket activation: the passed socket serves as the control socket");
	tap_ok(stat(daemon_path(&d, MPSSED_CONTROL_SOCKET), &st) < 0 &&
		       stat(daemon_path(&d, "gpio0"), &st) == 0,
	       "no control socket file of its own; chip sockets as usual");
	close(c);
	close(lfd);
	tap_ok(daemon_stop(&d, GUARD_MS) >= 0 && exit_status(&d, 0) && stat(path, &st) == 0,
	       "at exit the passed socket's file is left to systemd");
	unlink(path);
	daemon_cleanup(&d);
}

int main(void)
{
	tap_plan(23);
	test_usage();
	test_sockets();
	test_runtime_dir();
	test_notify();
	test_activation();
	return tap_done();
}
