// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Soak: the emulated device is unplugged and replugged over and over at
 * random instants (MPSSED_SOAK_CYCLES times, default 300; `make soak` runs
 * thousands) while 8 clients, each in its own process, request lines
 * (inputs with edges or outputs, some persistent), set, get, read events,
 * release and request again. A client may see its device go (ENODEV, a
 * closed request socket, EIO); anything else, a timeout above all, is a
 * failure. Afterwards: the daemon runs and exits cleanly without a
 * sanitizer report, never ran two samplers on the chip at once, holds no
 * more fds than before, its memory did not grow (normal build), its
 * deferred teardown is drained, and the chip works: a level set on the
 * emulator reads back.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"
#include "client.h"
#include "health.h"

#define CHIP "gpio0"
#define FLAG(x) GPIO_V2_LINE_FLAG_##x
#define EDGES (FLAG(INPUT) | FLAG(EDGE_RISING) | FLAG(EDGE_FALLING))
#define CLIENTS 8		/* lines 2i and 2i + 1 each */
#define WAVE_HZ 50
#define RSS_SLACK_KB 4096

static struct daemon d;

struct tally {
	unsigned ops, device_gone, unexpected;
	int first_unexpected;
};

/* What a client may see while its device comes and goes. */
static bool expected_failure(int r)
{
	return r == -ENODEV || r == -EPIPE || r == -ECONNRESET || r == -EIO;
}

static bool note(struct tally *t, int r, const char *what)
{
	if (r >= 0) {
		t->ops++;
		return true;
	}
	if (expected_failure(r)) {
		t->device_gone++;
	} else if (!t->unexpected++) {
		t->first_unexpected = r;
		fprintf(stderr, "soak client %d: %s: %s\n", (int)getpid(), what, strerror(-r));
	}
	return false;
}

static bool stop_requested(int stop_fd)
{
	struct pollfd p = { .fd = stop_fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/* One client's life: until stop_fd hangs up, random operations on its own two lines. */
static void client_run(unsigned id, int stop_fd, struct tally *t)
{
	unsigned lines[2] = { 2 * id, 2 * id + 1 };
	int chip = -1, req = -1;
	bool outputs = false;

	while (!stop_requested(stop_fd)) {
		struct gpio_v2_line_event ev;
		uint64_t bits;
		int r;

		if (chip < 0) {
			chip = cl_open(daemon_path(&d, CHIP));
			if (!note(t, chip, "open chip socket"))
				continue;
		}
		if (req < 0) {
			outputs = rng_below(2);
			r = cl_request(chip, lines, 2, outputs ? FLAG(OUTPUT) : EDGES,
				       rng_below(2) ? MPSSED_REQUEST_PERSIST : 0, 0, &req);
			if (!note(t, r, "request lines")) {
				req = -1;
				usleep(1000);
			}
			continue;
		}
		switch (rng_below(8)) {
		case 0:
			close(req); /* release, request again next time */
			req = -1;
			t->ops++;
			continue;
		case 1:
		case 2:
			r = outputs ? cl_set(req, 3, rng_next() & 3) : cl_read_event(req, &ev, 0);
			if (r == -ETIMEDOUT || r == 0)
				r = r == 0 ? -EPIPE : 0; /* nothing pending / end of file */
			break;
		default:
			r = cl_get(req, 3, &bits);
			break;
		}
		if (!note(t, r, outputs ? "set or get" : "get or read event")) {
			close(req);
			req = -1;
		}
	}
	if (req >= 0)
		close(req);
	if (chip >= 0)
		close(chip);
}

/* A client process; it reads stop[0] (whose end is its stop signal) and reports on report_fd. */
static pid_t client_spawn(unsigned id, const int stop[2], int report_fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct tally t = { 0 };
		int stop_fd = stop[0];

		close(stop[1]);

		rng_next();
		for (unsigned i = 0; i <= id; i++)
			rng_next();
		client_run(id, stop_fd, &t);
		if (write(report_fd, &t, sizeof(t)) != sizeof(t))
			_exit(2);
		_exit(0);
	}
	return pid;
}

int main(void)
{
	const char *args[] = { "--emulate", "ft232h:world=none,name=" CHIP, NULL };
	unsigned cycles = env_ms("MPSSED_SOAK_CYCLES", 300), done = 0, emu_failed = 0;
	struct tally sum = { 0 }, t;
	struct mpssed_chip_stats st = { 0 };
	pid_t pids[CLIENTS];
	int ctl, stop[2], report[2], fds0, fds1, ms, first_unexpected = 0;
	unsigned fourteen = 14, reported = 0;
	long rss0, rss1;
	uint64_t bits = 0, t0;
	bool ok;
	int req = -1, chip;

	tap_plan(11);
	rng_seed("soak");
	signal(SIGPIPE, SIG_IGN);
	if (daemon_start(&d, true, args) < 0)
		tap_bail("mpssed did not start (%s)", daemon_binary());
	ctl = cl_open(daemon_path(&d, MPSSED_CONTROL_SOCKET));
	ok = ctl >= 0;
	for (unsigned line = 1; ok && line < 16; line += 4)
		ok = cl_emu(ctl, CHIP, MPSSED_EMU_WAVE, line, 0, WAVE_HZ) == 0;
	/* A few cycles first: what the first unplug allocates once is not growth. */
	for (unsigned i = 0; ok && i < 5; i++)
		ok = cl_emu(ctl, CHIP, MPSSED_EMU_UNPLUG, 0, 0, 0) == 0 &&
		     cl_emu(ctl, CHIP, MPSSED_EMU_REPLUG, 0, 0, 0) == 0;
	ok = ok && cl_wait_present(ctl, CHIP, true) == 0;
	usleep(300000);
	fds0 = proc_fd_count(d.pid);
	rss0 = proc_rss_kb(d.pid);
	tap_ok(ok && fds0 > 0, "waves on lines 1, 5, 9, 13; the daemon holds %d fds, %ld KiB",
	       fds0, rss0);

	if (pipe2(stop, O_CLOEXEC) < 0 || pipe2(report, O_CLOEXEC) < 0)
		tap_bail("pipe: %s", strerror(errno));
	for (unsigned i = 0; i < CLIENTS; i++)
		pids[i] = client_spawn(i, stop, report[1]);
	close(report[1]);

	t0 = now_ms();
	for (; done < cycles && waitpid(d.pid, &d.status, WNOHANG) == 0; done++) {
		if (cl_emu(ctl, CHIP, MPSSED_EMU_UNPLUG, 0, 0, 0) < 0)
			emu_failed++;
		usleep(rng_below(3000));
		if (cl_emu(ctl, CHIP, MPSSED_EMU_REPLUG, 0, 0, 0) < 0)
			emu_failed++;
		usleep(rng_below(6000));
	}
	tap_ok(done == cycles && emu_failed == 0,
	       "%u unplug/replug cycles at random instants in %llu ms, every command accepted",
	       done, (unsigned long long)(now_ms() - t0));

	close(stop[1]);
	for (unsigned i = 0; i < CLIENTS; i++) {
		if (read(report[0], &t, sizeof(t)) != sizeof(t))
			continue;
		reported++;
		sum.ops += t.ops;
		sum.device_gone += t.device_gone;
		sum.unexpected += t.unexpected;
		if (t.unexpected && !first_unexpected)
			first_unexpected = t.first_unexpected;
	}
	for (unsigned i = 0; i < CLIENTS; i++)
		waitpid(pids[i], NULL, 0);
	close(report[0]);
	close(stop[0]);
	tap_ok(reported == CLIENTS && sum.ops > cycles && sum.unexpected == 0,
	       "%u clients: %u operations done, %u failed because the device was gone, "
	       "%u failed otherwise%s%s",
	       reported, sum.ops, sum.device_gone, sum.unexpected,
	       first_unexpected ? ", first: " : "",
	       first_unexpected ? strerror(-first_unexpected) : "");

	ok = cl_wait_present(ctl, CHIP, true) == 0 && cl_chip_stats(ctl, CHIP, &st) == 0;
	tap_ok(ok && st.max_samplers == 1, "never two samplers on the chip: at most %u at once",
	       st.max_samplers);
	tap_ok(ok && st.unplugs >= 1 && st.replugs >= 1,
	       "the daemon saw %llu unplugs and %llu replugs", (unsigned long long)st.unplugs,
	       (unsigned long long)st.replugs);

	/* The chip still does its job: a level driven on the emulator reads back. */
	chip = cl_open(daemon_path(&d, CHIP));
	ok = chip >= 0 && cl_emu(ctl, CHIP, MPSSED_EMU_SET, 14, 0, 1) == 0 &&
	     cl_request(chip, &fourteen, 1, FLAG(INPUT), 0, 0, &req) == 0 &&
	     cl_get(req, 1, &bits) == 0;
	tap_ok(ok && bits == 1, "after the storm a line driven high reads 1");
	close(req);
	close(chip);

	for (uint64_t deadline = now_ms() + GUARD_MS;
	     cl_chip_stats(ctl, CHIP, &st) == 0 && st.deferred_pending && now_ms() < deadline;)
		usleep(10000);
	tap_ok(st.deferred_pending == 0, "the deferred teardown drained");

	fds1 = proc_fd_count_settle(d.pid, fds0, GUARD_MS);
	tap_ok(fds1 == fds0, "no fd leaked: %d before, %d after", fds0, fds1);
	rss1 = proc_rss_kb(d.pid);
	if (rss_is_meaningful())
		tap_ok(rss0 > 0 && rss1 <= rss0 + RSS_SLACK_KB,
		       "memory flat: VmRSS %ld KiB before, %ld KiB after", rss0, rss1);
	else
		tap_skip("VmRSS %ld -> %ld KiB not compared: the sanitizer's allocator keeps freed "
			 "memory (LSan checks leaks at exit)", rss0, rss1);

	close(ctl);
	ms = daemon_stop(&d, GUARD_MS * 2);
	tap_ok(ms >= 0 && WIFEXITED(d.status) && WEXITSTATUS(d.status) == 0,
	       "SIGTERM: exit status 0 (sanitizer builds: no report, no leak)");
	tap_ok(!daemon_log_has(&d, "Sanitizer") && !daemon_log_has(&d, "runtime error"),
	       "its log has no sanitizer report");
	daemon_cleanup(&d);
	return tap_done();
}
