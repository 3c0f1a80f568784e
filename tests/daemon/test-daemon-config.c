// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mpssed --config FILE end to end: a bad file refused at start with
 * file:line and exit 1; chip and line names from the file seen by clients
 * (the raw protocol and mpssectl); access rules enforced with EACCES on a
 * connection that stays usable (a child setuid()s to nobody: needs root,
 * skipped otherwise); SIGHUP reloads (new line names, new rules for open
 * connections, socket mode re-applied) while a request with edges keeps
 * its events (seqnos contiguous across the reload); a bad file on reload
 * is logged with file:line and the old configuration stays.
 */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"
#include "client.h"
#include "common/macros.h"

#define FLAG(x) GPIO_V2_LINE_FLAG_##x
#define NOBODY 65534
#define EDGE_PAIRS 3

static const char conf_v1[] =
	"[daemon]\n"
	"socket-mode = 0666\n"
	"\n"
	"[access]\n"
	"read = *\n"
	"write = root, " "65534\n"
	"emu = root\n"
	"\n"
	"[chip lab]\n"
	"emulate = ft232h:world=none\n"
	"line.0 = LED\n"
	"line.1 = BUTTON\n"
	"\n"
	"# interface B of the device --emulate adds, matched by serial\n"
	"[chip duo-b]\n"
	"serial = DUO\n"
	"interface = B\n"
	"line.3 = BLUE\n";

/* Line 0 renamed, nobody loses write, sockets narrowed, a start-only setting changed. */
static const char conf_v2[] =
	"[daemon]\n"
	"socket-mode = 0660\n"
	"latency-timer = 2\n"
	"[access]\n"
	"read = *\n"
	"write = root\n"
	"emu = root\n"
	"[chip lab]\n"
	"emulate = ft232h:world=none\n"
	"line.0 = LAMP\n"
	"line.1 = BUTTON\n";

static const char conf_bad[] =
	"[daemon]\n"
	"socket-mode = 0999\n";

static struct daemon d;
static char conf_path[128];
static int ctl = -1, lab = -1;

static int write_conf(const char *text)
{
	FILE *f = fopen(conf_path, "w");

	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -errno;
}

static int line_info(int fd, uint32_t offset, struct gpio_v2_line_info *info)
{
	struct mpssed_offset o = { .offset = offset };

	return cl_call(fd, MSG_LINE_INFO, &o, sizeof(o), info, sizeof(*info), NULL);
}

static bool line_named(int fd, uint32_t offset, const char *name)
{
	struct gpio_v2_line_info info;

	return line_info(fd, offset, &info) == 0 && !strcmp(info.name, name);
}

static int find_line(int fd, const char *name)
{
	struct mpssed_line_name n = { { 0 } };
	struct mpssed_offset o;
	int r;

	snprintf(n.name, sizeof(n.name), "%s", name);
	r = cl_call(fd, MSG_FIND_LINE, &n, sizeof(n), &o, sizeof(o), NULL);
	return r < 0 ? r : (int)o.offset;
}

static bool socket_mode_is(const char *name, mode_t mode)
{
	struct stat st;

	return stat(daemon_path(&d, name), &st) == 0 && (st.st_mode & 07777) == mode;
}

/* The daemon logs as it goes: wait (bounded) until text shows up. */
static bool log_shows(const char *text)
{
	uint64_t deadline = now_ms() + GUARD_MS;

	while (!daemon_log_has(&d, text)) {
		if (now_ms() >= deadline)
			return false;
		usleep(10000);
	}
	return true;
}

static bool reload(const char *text, const char *logged)
{
	return write_conf(text) == 0 && kill(d.pid, SIGHUP) == 0 && log_shows(logged);
}

static void test_bad_at_start(void)
{
	struct daemon bad;
	const char *argv[] = { daemon_binary(), "--runtime-dir", NULL, "--no-usb",
			       "--config", conf_path, NULL };
	char expect[160];
	bool ok;

	ok = daemon_prepare(&bad) == 0;
	argv[2] = bad.dir;
	ok = ok && write_conf("[daemon]\nlog-level = info\n\nbogus = 1\n") == 0 &&
	     daemon_spawn(&bad, true, argv, NULL, -1) == 0 && daemon_wait(&bad, START_GUARD_MS) == 0;
	snprintf(expect, sizeof(expect), "%s:4: unknown key 'bogus'", conf_path);
	tap_ok(ok && WIFEXITED(bad.status) && WEXITSTATUS(bad.status) == 1 &&
		       daemon_log_has(&bad, expect),
	       "a bad file at start: exit 1 and '%s' on stderr", expect);
	daemon_cleanup(&bad);
}

static void test_names(void)
{
	struct mpssed_chip_list list;
	bool has_lab = false, has_duo_b = false;
	int duo_b;

	tap_ok(cl_list(ctl, &list) == 0, "LIST_CHIPS");
	for (unsigned i = 0; i < list.count; i++) {
		has_lab |= !strcmp(list.chips[i].name, "lab");
		has_duo_b |= !strcmp(list.chips[i].name, "duo-b");
	}
	tap_ok(has_lab && has_duo_b,
	       "chips named by the file: an emulate= section and a serial match on interface B");
	tap_ok(line_named(lab, 0, "LED") && line_named(lab, 1, "BUTTON") &&
		       line_named(lab, 2, "ADBUS2"),
	       "line info: the file's names, the database's for the others");
	tap_ok(find_line(lab, "BUTTON") == 1 && find_line(lab, "ADBUS1") == -ENOENT,
	       "lines are found by their new names, not the old ones");
	duo_b = cl_open(daemon_path(&d, "duo-b"));
	tap_ok(duo_b >= 0 && line_named(duo_b, 3, "BLUE"), "the matched chip's line names too");
	if (duo_b >= 0)
		close(duo_b);
}

static void test_mpssectl(void)
{
	char cmd[512], out[4096] = "";
	size_t n = 0;
	FILE *p;
	int status;

	snprintf(cmd, sizeof(cmd), "%s/tools/mpssectl --runtime-dir %s info -c lab 2>&1",
		 getenv("top_builddir") ? getenv("top_builddir") : ".", d.dir);
	p = popen(cmd, "r");
	if (p) {
		n = fread(out, 1, sizeof(out) - 1, p);
		status = pclose(p);
	}
	out[n] = '\0';
	tap_ok(p && status == 0 && strstr(out, "\"LED\"") && strstr(out, "\"BUTTON\""),
	       "mpssectl info -c lab shows the names");
}

/* Toggle the input pairs times, letting the poller see each level. */
static int toggle(int pairs)
{
	int r = 0;

	for (int i = 0; i < pairs * 2 && r == 0; i++) {
		r = cl_emu(ctl, "lab", MPSSED_EMU_SET, 1, 0, (uint32_t)(i % 2 == 0));
		if (r == 0)
			r = cl_wait_samples(ctl, "lab", 3);
	}
	return r;
}

/* --- Access, as nobody ------------------------------------------------------ */

enum step {
	S_CHIP_INFO = 1 << 0,
	S_EMU_DENIED = 1 << 1,
	S_LIST = 1 << 2,
	S_REQUEST_OUTPUT = 1 << 3,
	S_SET = 1 << 4,
	/* After the reload took write away. */
	S_SET_DENIED = 1 << 5,
	S_GET_STILL = 1 << 6,
	S_OUTPUT_DENIED = 1 << 7,
	S_INPUT_OK = 1 << 8,
	S_INFO_STILL = 1 << 9,
};

static uint32_t child_phase1(int *chip, int *req)
{
	struct gpiochip_info info;
	struct mpssed_chip_list list;
	unsigned zero = 0;
	uint32_t done = 0;
	int c = cl_open(daemon_path(&d, MPSSED_CONTROL_SOCKET));

	*chip = cl_open(daemon_path(&d, "lab"));
	if (*chip >= 0 && cl_call(*chip, MSG_CHIP_INFO, NULL, 0, &info, sizeof(info), NULL) == 0)
		done |= S_CHIP_INFO;
	if (c >= 0 && cl_emu(c, "lab", MPSSED_EMU_SET, 2, 0, 1) == -EACCES)
		done |= S_EMU_DENIED;
	if (c >= 0 && cl_list(c, &list) == 0)
		done |= S_LIST;
	if (*chip >= 0 && cl_request(*chip, &zero, 1, FLAG(OUTPUT), 0, 0, req) == 0)
		done |= S_REQUEST_OUTPUT;
	if (*req >= 0 && cl_set(*req, 1, 1) == 0)
		done |= S_SET;
	return done;
}

static uint32_t child_phase2(int chip, int req)
{
	struct gpiochip_info info;
	unsigned three = 3, four = 4;
	uint64_t bits;
	uint32_t done = 0;
	int out = -1, in = -1;

	if (cl_set(req, 1, 0) == -EACCES && cl_set(req, 1, 0) == -EACCES)
		done |= S_SET_DENIED;
	if (cl_get(req, 1, &bits) == 0 && bits == 1)
		done |= S_GET_STILL;
	if (cl_request(chip, &three, 1, FLAG(OUTPUT), 0, 0, &out) == -EACCES)
		done |= S_OUTPUT_DENIED;
	if (cl_request(chip, &four, 1, FLAG(INPUT), 0, 0, &in) == 0)
		done |= S_INPUT_OK;
	if (cl_call(chip, MSG_CHIP_INFO, NULL, 0, &info, sizeof(info), NULL) == 0)
		done |= S_INFO_STILL;
	return done;
}

static void child(int report, int go)
{
	uint32_t done;
	int chip = -1, req = -1;
	char c;

	if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
		_exit(2);
	done = child_phase1(&chip, &req);
	if (write(report, &done, sizeof(done)) != sizeof(done) || read(go, &c, 1) != 1)
		_exit(3);
	done = child_phase2(chip, req);
	_exit(write(report, &done, sizeof(done)) == sizeof(done) ? 0 : 3);
}

static bool read_report(int fd, uint32_t *done)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, START_GUARD_MS) == 1 && read(fd, done, sizeof(*done)) == sizeof(*done);
}

/* The whole reload scenario, with a request holding edges throughout. */
static void test_reload(bool as_root)
{
	struct gpio_v2_line_event ev;
	int report[2] = { -1, -1 }, go[2] = { -1, -1 }, req = -1, status = -1;
	uint32_t p1 = 0, p2 = 0, seqno_ok = 1;
	unsigned one = 1, n = 0;
	pid_t pid = -1;

	tap_ok(cl_request(lab, &one, 1, FLAG(INPUT) | FLAG(EDGE_RISING) | FLAG(EDGE_FALLING), 0,
			  64, &req) == 0 && cl_wait_samples(ctl, "lab", 3) == 0 && toggle(EDGE_PAIRS) == 0,
	       "a request with edges on lab line 1 sees the input move");
	if (as_root && pipe(report) == 0 && pipe(go) == 0) {
		pid = fork();
		if (pid == 0)
			child(report[1], go[0]);
	}
	if (as_root) {
		bool got = pid > 0 && read_report(report[0], &p1);

		tap_ok(got && p1 == (S_CHIP_INFO | S_EMU_DENIED | S_LIST | S_REQUEST_OUTPUT | S_SET),
		       "as nobody: info and list allowed, emu EACCES, output request and set "
		       "allowed by 'write = root, 65534' (steps 0x%x)", p1);
	} else {
		tap_skip("access rules: the test must run as root to setuid() to nobody");
	}

	tap_ok(reload(conf_v2, "reloaded") &&
		       daemon_log_has(&d, "latency-timer and reads-in-flight change at the next start"),
	       "SIGHUP with a new good file: reloaded; a start-only setting is named in a warning");
	if (as_root) {
		bool got = write(go[1], "g", 1) == 1 && read_report(report[0], &p2);

		tap_ok(got && p2 == (S_SET_DENIED | S_GET_STILL | S_OUTPUT_DENIED | S_INPUT_OK |
				      S_INFO_STILL),
		       "after the reload took write away: set and output requests EACCES on the "
		       "open connections, get, input requests and info still work (steps 0x%x)", p2);
		waitpid(pid, &status, 0);
		tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child ran to the end");
		/* Denied twice on the request, once on the chip connection. */
		tap_ok(daemon_log_count(&d, "write access to lab denied") == 2,
		       "each connection's first write refusal is logged, not the repeat (%u lines)",
		       daemon_log_count(&d, "write access to lab denied"));
	} else {
		for (int i = 0; i < 3; i++)
			tap_skip("access rules: the test must run as root to setuid() to nobody");
	}
	tap_ok(line_named(lab, 0, "LAMP") && find_line(lab, "LAMP") == 0,
	       "the new line name shows in line info and lookups");
	tap_ok(socket_mode_is("lab", 0660) && socket_mode_is(MPSSED_CONTROL_SOCKET, 0660),
	       "the new socket mode is applied to the existing socket files");

	tap_ok(toggle(EDGE_PAIRS) == 0, "more edges after the reload");
	while (cl_read_event(req, &ev, 500) == 1) {
		n++;
		seqno_ok &= ev.seqno == n && ev.line_seqno == n && ev.offset == 1 &&
			    ev.id == (n % 2 ? GPIO_V2_LINE_EVENT_RISING_EDGE :
					      GPIO_V2_LINE_EVENT_FALLING_EDGE);
	}
	tap_ok(n == 4 * EDGE_PAIRS && seqno_ok,
	       "the request lived through the reload: %u of %u events, seqnos contiguous from 1",
	       n, 4 * EDGE_PAIRS);

	tap_ok(reload(conf_bad, ":2: socket-mode") && log_shows("reload refused"),
	       "SIGHUP with a bad file: file:line logged, reload refused");
	tap_ok(line_named(lab, 0, "LAMP") && socket_mode_is("lab", 0660) &&
		       cl_get(req, 1, &(uint64_t){ 0 }) == 0,
	       "the configuration in use stays; the request still answers");
	for (int i = 0; i < 2; i++) {
		if (report[i] >= 0)
			close(report[i]);
		if (go[i] >= 0)
			close(go[i]);
	}
	if (req >= 0)
		close(req);
}

int main(void)
{
	const char *args[] = { "--config", conf_path, "--emulate", "ft2232h:serial=DUO,world=none",
			       NULL };
	bool as_root = geteuid() == 0;

	tap_plan(21);
	snprintf(conf_path, sizeof(conf_path), "/tmp/mpssed-test-conf.%d", (int)getpid());
	test_bad_at_start();
	if (write_conf(conf_v1) < 0 || daemon_start(&d, true, args) < 0)
		tap_bail("mpssed did not start with %s (%s)", conf_path, daemon_binary());
	/* The child runs as nobody: it must reach the sockets. */
	chmod(d.dir, 0755);
	ctl = cl_open(daemon_path(&d, MPSSED_CONTROL_SOCKET));
	lab = cl_open(daemon_path(&d, "lab"));
	if (ctl < 0 || lab < 0)
		tap_bail("cannot open the control socket or lab");
	tap_ok(socket_mode_is("lab", 0666), "the file's socket mode");
	test_names();
	test_mpssectl();
	test_reload(as_root);
	close(lab);
	close(ctl);
	tap_ok(daemon_stop(&d, GUARD_MS) >= 0, "SIGTERM: exits");
	daemon_cleanup(&d);
	unlink(conf_path);
	return tap_done();
}
