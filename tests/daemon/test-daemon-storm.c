// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A storm of bad clients against the real daemon while a well-behaved one
 * holds an edge request on a line carrying a square wave. Each round opens
 * many connections to the control and chip sockets and, chosen at random
 * (MPSSED_SEED reproduces a run): random bytes of random length, valid
 * headers with truncated or oversized payloads, size fields that lie,
 * unknown opcodes, file descriptors nobody asked for, requests abandoned
 * before their reply, garbage on request sockets, and disconnects with
 * replies unread. Afterwards: the daemon still runs and exits cleanly, it
 * holds no more fds than before, its memory did not grow (normal build),
 * and the good client got every edge of the wave: seqnos from 1 without a
 * gap, edges alternating, as many as the wave made over the interval, and
 * none counted as dropped.
 *
 * MPSSED_STORM_MS sets the storm's length (default 3000).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"
#include "common/macros.h"
#include "client.h"
#include "health.h"

#define CHIP "gpio0"
#define FLAG(x) GPIO_V2_LINE_FLAG_##x
#define GOOD_LINE 1
#define WAVE_HZ 20		/* 25 ms between edges: far slower than sampling, even under TSan */
#define CONNS_PER_ROUND 24
#define RSS_SLACK_KB 2048	/* allocator noise, not growth */

static struct daemon d;
static int ctl = -1;
static uint8_t junk[MPSSED_MSG_MAX + 256];

static void fill_random(uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)rng_next();
}

static size_t header(uint8_t *buf, uint16_t opcode, uint16_t size, size_t payload)
{
	struct mpssed_hdr h = { .opcode = opcode, .size = size, .serial = (uint32_t)rng_next() };

	memcpy(buf, &h, sizeof(h));
	fill_random(buf + sizeof(h), payload);
	return sizeof(h) + payload;
}

static uint16_t some_opcode(void)
{
	static const uint16_t known[] = {
		MSG_HELLO, MSG_CHIP_INFO, MSG_LINE_INFO, MSG_REQUEST_LINES, MSG_WATCH_LINE,
		MSG_UNWATCH_LINE, MSG_FIND_LINE, MSG_GET_VALUES, MSG_SET_VALUES,
		MSG_RECONFIGURE, MSG_REQUEST_STATS, MSG_LIST_CHIPS, MSG_CHIP_STATS, MSG_REPLY,
		MSG_ERROR, MSG_LINE_INFO_CHANGED,
	};

	return rng_below(4) ? known[rng_below(ARRAY_SIZE(known))] : (uint16_t)rng_next();
}

/* One abusive message: what it is, chosen at random. */
static size_t bad_message(uint8_t *buf)
{
	uint16_t op = some_opcode();
	int size = mpssed_request_size(op);
	size_t len;

	switch (rng_below(6)) {
	case 0: /* random bytes, any length up to past the server's buffer */
		len = rng_below(sizeof(junk));
		fill_random(buf, len);
		return len;
	case 1: /* cut short: fewer bytes than the header */
		return header(buf, op, 0, 0) - 1 - rng_below(7);
	case 2: /* a size field that promises more than comes */
		return header(buf, op, (uint16_t)(size > 0 ? size : 64), rng_below(size > 0 ? size : 64));
	case 3: /* oversized: the header agrees, but the message exceeds MPSSED_MSG_MAX */
		len = MPSSED_MSG_MAX + 1 + rng_below(200);
		return header(buf, op, (uint16_t)(len - sizeof(struct mpssed_hdr)),
			      len - sizeof(struct mpssed_hdr));
	case 4: /* framed, payload of the right size but random (or wrong size) */
		len = size >= 0 && rng_below(2) ? (size_t)size : rng_below(600);
		return header(buf, op, (uint16_t)len, len);
	default: /* an opcode nobody serves */
		return header(buf, (uint16_t)(0x4000 + rng_below(0x3000)), 0, 0);
	}
}

/* An edge request on a random line other than the good client's, then gone. */
static void abandoned_request(int fd)
{
	struct mpssed_request_lines rl = { 0 };

	rl.request.offsets[0] = (GOOD_LINE + 1 + rng_below(14)) % 16;
	rl.request.num_lines = 1;
	rl.request.config.flags = FLAG(INPUT) | (rng_below(2) ? FLAG(EDGE_RISING) : 0);
	cl_send(fd, MSG_REQUEST_LINES, 7, &rl, sizeof(rl));
}

/* A request socket that then gets garbage, or is simply dropped. */
static void garbage_on_request(int chip)
{
	unsigned line = (GOOD_LINE + 1 + rng_below(14)) % 16;
	int rfd = -1;
	size_t len;

	if (cl_request(chip, &line, 1, FLAG(INPUT) | FLAG(EDGE_FALLING), 0, 0, &rfd) < 0)
		return;
	len = bad_message(junk);
	cl_send_raw(rfd, junk, len, -1);
	close(rfd);
}

static void abuse(int fd, bool chip_socket, int pass_fd)
{
	size_t len;

	switch (rng_below(chip_socket ? 6 : 4)) {
	case 0: /* say nothing, leave */
		break;
	case 1:
		len = bad_message(junk);
		cl_send_raw(fd, junk, len, -1);
		break;
	case 2: /* a descriptor where none is expected */
		len = bad_message(junk);
		cl_send_raw(fd, junk, len, pass_fd);
		break;
	case 3: /* hello, then a burst of bad messages, replies unread */
		cl_hello(fd, MPSSED_PROTOCOL_MAJOR);
		for (unsigned i = rng_below(8); i; i--) {
			len = bad_message(junk);
			if (cl_send_raw(fd, junk, len, rng_below(4) ? -1 : pass_fd) < 0)
				break;
		}
		break;
	case 4:
		if (cl_hello(fd, MPSSED_PROTOCOL_MAJOR) == 0)
			abandoned_request(fd);
		break;
	default:
		if (cl_hello(fd, MPSSED_PROTOCOL_MAJOR) == 0)
			garbage_on_request(fd);
		break;
	}
}

static void storm_round(struct event_log *good, int pass_fd)
{
	int fds[CONNS_PER_ROUND];

	for (unsigned i = 0; i < CONNS_PER_ROUND; i++) {
		bool chip_socket = rng_below(3);

		fds[i] = cl_connect(daemon_path(&d, chip_socket ? CHIP : MPSSED_CONTROL_SOCKET));
		if (fds[i] >= 0) {
			fcntl(fds[i], F_SETFL, O_NONBLOCK);
			abuse(fds[i], chip_socket, pass_fd);
		}
		/* Some leave at once (mid-exchange), the others at the end of the round. */
		if (fds[i] >= 0 && rng_below(2)) {
			close(fds[i]);
			fds[i] = -1;
		}
		event_log_drain(good, 0);
	}
	for (unsigned i = 0; i < CONNS_PER_ROUND; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static bool alive_chip_info(int fd)
{
	struct gpiochip_info ci;

	return cl_call(fd, MSG_CHIP_INFO, NULL, 0, &ci, sizeof(ci), NULL) == 0;
}

static bool daemon_running(void)
{
	return waitpid(d.pid, &d.status, WNOHANG) == 0;
}

int main(void)
{
	const char *args[] = { "--emulate", "ft232h:world=none,name=" CHIP, NULL };
	unsigned storm_ms = env_ms("MPSSED_STORM_MS", 3000), line = GOOD_LINE, rounds = 0;
	struct event_log good = { .fd = -1 };
	struct mpssed_request_stats rst = { 0 };
	int chip, pipefd[2], fds0, fds1, ms;
	long rss0, rss1;
	uint64_t t0, t1, deadline;
	double want;
	bool ok;

	tap_plan(10);
	rng_seed("storm");
	signal(SIGPIPE, SIG_IGN);
	if (pipe2(pipefd, O_CLOEXEC) < 0 || daemon_start(&d, true, args) < 0)
		tap_bail("mpssed did not start (%s)", daemon_binary());
	ctl = cl_open(daemon_path(&d, MPSSED_CONTROL_SOCKET));
	chip = cl_open(daemon_path(&d, CHIP));
	ok = ctl >= 0 && chip >= 0 &&
	     cl_request(chip, &line, 1, FLAG(INPUT) | FLAG(EDGE_RISING) | FLAG(EDGE_FALLING), 0,
			GPIO_V2_LINES_MAX * 16, &good.fd) == 0 &&
	     cl_wait_samples(ctl, CHIP, 3) == 0;
	tap_ok(ok, "the good client holds an edge request on line %u", GOOD_LINE);

	/* A first round touches what every kind of connection allocates once. */
	storm_round(&good, pipefd[1]);
	usleep(300000);
	fds0 = proc_fd_count(d.pid);
	rss0 = proc_rss_kb(d.pid);

	t0 = now_ms();
	ok = cl_emu(ctl, CHIP, MPSSED_EMU_WAVE, GOOD_LINE, 0, WAVE_HZ) == 0;
	for (deadline = t0 + storm_ms; ok && now_ms() < deadline && daemon_running(); rounds++)
		storm_round(&good, pipefd[1]);
	ok = ok && cl_emu(ctl, CHIP, MPSSED_EMU_WAVE, GOOD_LINE, 0, 0) == 0;
	t1 = now_ms();
	tap_ok(ok && daemon_running(), "the daemon survived %u rounds of %d bad connections in %llu ms",
	       rounds, CONNS_PER_ROUND, (unsigned long long)(t1 - t0));

	event_log_drain_quiet(&good, 300);
	want = 2.0 * WAVE_HZ * (double)(t1 - t0) / 1000.0;
	tap_ok(good.count > 0 && good.gaps == 0 && good.same_edge_twice == 0 && !good.eof,
	       "the good client's %llu events: seqnos from 1 without a gap, edges alternating",
	       (unsigned long long)good.count);
	/* The wave's edges over the interval, give or take the commands' own latency. */
	tap_ok(good.count + 3 + want * 0.03 >= want && good.count <= want + 3 + want * 0.03,
	       "as many as the wave made: %llu for %.0f expected", (unsigned long long)good.count,
	       want);
	ok = cl_call(good.fd, MSG_REQUEST_STATS, NULL, 0, &rst, sizeof(rst), NULL) == 0;
	tap_ok(ok && rst.dropped == 0 && rst.events == good.count,
	       "its request counts %llu events and none dropped",
	       (unsigned long long)rst.events);

	fds1 = proc_fd_count_settle(d.pid, fds0, GUARD_MS);
	tap_ok(fds0 > 0 && fds1 == fds0, "no fd leaked: %d open before, %d after", fds0, fds1);
	rss1 = proc_rss_kb(d.pid);
	if (rss_is_meaningful())
		tap_ok(rss0 > 0 && rss1 > 0 && rss1 <= rss0 + RSS_SLACK_KB,
		       "memory flat: VmRSS %ld KiB before, %ld KiB after", rss0, rss1);
	else
		tap_skip("VmRSS %ld -> %ld KiB not compared: the sanitizer's allocator keeps freed "
			 "memory (LSan checks leaks at exit)", rss0, rss1);
	tap_ok(alive_chip_info(chip), "the good client's chip connection still answers");

	close(good.fd);
	close(chip);
	close(ctl);
	close(pipefd[0]);
	close(pipefd[1]);
	ms = daemon_stop(&d, GUARD_MS);
	tap_ok(ms >= 0 && WIFEXITED(d.status) && WEXITSTATUS(d.status) == 0,
	       "SIGTERM: exit status 0 (sanitizer builds: no report)");
	tap_ok(!daemon_log_has(&d, "Sanitizer") && !daemon_log_has(&d, "runtime error"),
	       "its log has no sanitizer report");
	daemon_cleanup(&d);
	return tap_done();
}
