// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Misbehaving clients affect nobody else. While a well-behaved client
 * holds an edge request, others send messages that cannot be framed
 * (EBADMSG, then the server closes them), payloads of the wrong size
 * (EINVAL, the connection stays), unknown or misplaced opcodes
 * (EOPNOTSUPP), file descriptors nobody asked for (EINVAL, and the server
 * closes its copy), garbage on a request socket (closed, lines released),
 * a request whose client leaves before the reply (the passed fd is closed,
 * the lines come free), and a flood of requests never read. Afterwards
 * the well-behaved client still has its request, its events arrive with
 * seqnos from 1, and the daemon exits cleanly.
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

#define CHIP "gpio0"
#define FLAG(x) GPIO_V2_LINE_FLAG_##x

static struct daemon d;
static int ctl = -1, chip = -1;

static int open_chip(void)
{
	return cl_open(daemon_path(&d, CHIP));
}

/* The reply to serial is MSG_ERROR with err. */
static bool got_error(int fd, uint32_t serial, int err)
{
	return cl_wait_reply(fd, serial, NULL, 0, NULL) == -err;
}

/* The server closed fd: end of file comes (after whatever it sent before). */
static bool closed_by_server(int fd)
{
	uint8_t buf[MPSSED_MSG_MAX];

	for (int i = 0; i < 4; i++) {
		ssize_t n = cl_recv_raw(fd, buf, sizeof(buf), NULL, GUARD_MS);

		if (n <= 0)
			return n == 0;
	}
	return false;
}

static bool alive(int fd)
{
	struct gpiochip_info ci;

	return cl_call(fd, MSG_CHIP_INFO, NULL, 0, &ci, sizeof(ci), NULL) == 0;
}

static void test_framing(void)
{
	struct mpssed_hdr hdr = { .opcode = MSG_CHIP_INFO, .size = 100, .serial = 5 };
	static uint8_t big[MPSSED_MSG_MAX + 904];
	uint8_t buf[12] = { 0 };
	int fd;

	fd = open_chip();
	tap_ok(cl_send_raw(fd, "abc", 3, -1) == 0 && got_error(fd, 0, EBADMSG) &&
		       closed_by_server(fd),
	       "a 3-byte message: EBADMSG, then the server closes the connection");
	close(fd);

	fd = open_chip();
	memcpy(buf, &hdr, sizeof(hdr));
	tap_ok(cl_send_raw(fd, buf, sizeof(buf), -1) == 0 && got_error(fd, 5, EBADMSG) &&
		       closed_by_server(fd),
	       "a header whose size disagrees with the message: EBADMSG, closed");
	close(fd);

	fd = open_chip();
	hdr.size = sizeof(big) - sizeof(hdr);
	memcpy(big, &hdr, sizeof(hdr));
	tap_ok(cl_send_raw(fd, big, sizeof(big), -1) == 0 && got_error(fd, 5, EBADMSG) &&
		       closed_by_server(fd),
	       "a message larger than MPSSED_MSG_MAX: EBADMSG, closed");
	close(fd);
}

static void test_requests(void)
{
	uint32_t word = 3;
	int fd = open_chip();

	tap_ok(cl_send(fd, MSG_LINE_INFO, 21, &word, sizeof(word)) == 0 &&
		       got_error(fd, 21, EINVAL) && alive(fd),
	       "LINE_INFO with a 4-byte payload: EINVAL, and the connection stays");
	tap_ok(cl_send(fd, MSG_CHIP_INFO, 22, &word, sizeof(word)) == 0 &&
		       got_error(fd, 22, EINVAL),
	       "CHIP_INFO with a payload: EINVAL");
	tap_ok(cl_send(fd, 0x7777, 23, NULL, 0) == 0 && got_error(fd, 23, EOPNOTSUPP),
	       "an unknown opcode: EOPNOTSUPP");
	tap_ok(cl_send(fd, MSG_REPLY, 24, NULL, 0) == 0 && got_error(fd, 24, EOPNOTSUPP),
	       "a server opcode sent by a client: EOPNOTSUPP");
	tap_ok(cl_send(fd, MSG_LIST_CHIPS, 25, NULL, 0) == 0 && got_error(fd, 25, EOPNOTSUPP),
	       "a control-socket opcode on a chip socket: EOPNOTSUPP");
	tap_ok(cl_send(ctl, MSG_EMU, 26, &word, sizeof(word)) == 0 && got_error(ctl, 26, EINVAL),
	       "EMU with a short payload on the control socket: EINVAL");
	close(fd);
}

static void test_fd_passing(void)
{
	struct mpssed_hdr hdr = { .opcode = MSG_CHIP_INFO, .serial = 31 };
	struct pollfd p;
	int fd = open_chip(), pipefd[2];

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		tap_bail("pipe: %s", strerror(errno));
	tap_ok(cl_send_raw(fd, &hdr, sizeof(hdr), pipefd[1]) == 0 && got_error(fd, 31, EINVAL) &&
		       alive(fd),
	       "CHIP_INFO carrying a file descriptor: EINVAL, the connection stays");
	close(pipefd[1]);
	p = (struct pollfd){ .fd = pipefd[0], .events = POLLIN };
	tap_ok(poll(&p, 1, GUARD_MS) == 1 && (p.revents & POLLHUP),
	       "the server closed the descriptor it was sent");
	close(pipefd[0]);
	close(fd);
}

static void test_request_socket(void)
{
	unsigned seven = 7, six = 6;
	struct mpssed_request_lines rl = { 0 };
	uint32_t small[2] = { 0 };
	int fd = -1, again = -1, c2;

	tap_ok(cl_request(chip, &seven, 1, FLAG(INPUT), 0, 0, &fd) == 0 &&
		       cl_send(fd, MSG_GET_VALUES, 41, small, sizeof(small)) == 0 &&
		       got_error(fd, 41, EINVAL),
	       "GET_VALUES with an 8-byte payload on a request socket: EINVAL");
	tap_ok(cl_send(fd, MSG_CHIP_INFO, 42, NULL, 0) == 0 && got_error(fd, 42, EOPNOTSUPP),
	       "CHIP_INFO on a request socket: EOPNOTSUPP");
	tap_ok(cl_send_raw(fd, "xyz", 3, -1) == 0 && got_error(fd, 0, EBADMSG) &&
		       closed_by_server(fd),
	       "garbage on a request socket: EBADMSG, then it is closed");
	tap_ok(cl_request(chip, &seven, 1, FLAG(INPUT), 0, 0, &again) == 0,
	       "which released its line");
	close(fd);
	close(again);

	/* A client that leaves before the reply with its request fd. */
	c2 = open_chip();
	rl.request.offsets[0] = six;
	rl.request.num_lines = 1;
	rl.request.config.flags = FLAG(INPUT);
	cl_send(c2, MSG_REQUEST_LINES, 51, &rl, sizeof(rl));
	close(c2);
	tap_ok(alive(chip) && cl_request(chip, &six, 1, FLAG(INPUT), 0, 0, &again) == 0,
	       "a client gone before its REQUEST_LINES reply leaves the line free");
	close(again);
}

/* Requests sent as fast as the socket takes them, replies never read. */
static void test_flood(void)
{
	int fd = open_chip(), sent = 0;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (; sent < 5000; sent++) {
		struct mpssed_hdr hdr = { .opcode = MSG_CHIP_INFO, .serial = (uint32_t)sent + 1 };

		if (send(fd, &hdr, sizeof(hdr), MSG_NOSIGNAL) < 0)
			break;
	}
	tap_ok(sent > 0 && alive(chip), "a client flooding %d unread requests: others are served",
	       sent);
	close(fd);
}

int main(void)
{
	const char *args[] = { "--emulate", "ft232h:world=none,name=" CHIP, NULL };
	struct gpio_v2_line_event ev[2] = { 0 };
	unsigned one = 1;
	int fd = -1, ms;
	bool ok;

	tap_plan(20);
	if (daemon_start(&d, false, args) < 0)
		tap_bail("mpssed did not start (%s)", daemon_binary());
	ctl = cl_open(daemon_path(&d, MPSSED_CONTROL_SOCKET));
	chip = open_chip();
	tap_ok(ctl >= 0 && chip >= 0 &&
		       cl_request(chip, &one, 1,
				  FLAG(INPUT) | FLAG(EDGE_RISING) | FLAG(EDGE_FALLING), 0, 0,
				  &fd) == 0 &&
		       cl_wait_samples(ctl, CHIP, 3) == 0,
	       "the well-behaved client holds an edge request on line 1");
	test_framing();
	test_requests();
	test_fd_passing();
	test_request_socket();
	test_flood();
	ok = cl_emu(ctl, CHIP, MPSSED_EMU_SET, 1, 0, 1) == 0 &&
	     cl_read_event(fd, &ev[0], GUARD_MS) == 1 &&
	     cl_emu(ctl, CHIP, MPSSED_EMU_SET, 1, 0, 0) == 0 &&
	     cl_read_event(fd, &ev[1], GUARD_MS) == 1;
	tap_ok(ok && ev[0].seqno == 1 && ev[0].id == GPIO_V2_LINE_EVENT_RISING_EDGE &&
		       ev[1].seqno == 2 && ev[1].id == GPIO_V2_LINE_EVENT_FALLING_EDGE,
	       "the well-behaved client still gets its events, seqnos 1 and 2");
	close(fd);
	close(ctl);
	close(chip);
	ms = daemon_stop(&d, GUARD_MS);
	tap_ok(ms >= 0 && WIFEXITED(d.status) && WEXITSTATUS(d.status) == 0,
	       "the daemon exits with status 0 on SIGTERM");
	daemon_cleanup(&d);
	return tap_done();
}
