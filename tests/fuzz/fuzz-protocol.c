// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The server's message handling, in process: the same code path a client's
 * bytes take in the daemon (src/server/conn.c framing and validation, then
 * the control, chip and request-socket operations on an emulated FT232H),
 * driven from the client side of socketpairs by the server's own loop.
 *
 * Input: byte 0 picks the socket (bit 0: chip socket, else the control
 * socket); then records of [flags][u16 length][bytes]: flags bit 0 sends
 * to the newest request socket the server handed out (if any), bit 1
 * passes a file descriptor along. Lengths up to MPSSED_MSG_MAX + 64, so
 * messages too long for the server's buffer are sent too.
 *
 * Promises checked on every message: the server answers each one it
 * accepts with exactly one MSG_REPLY of the size the table gives, or
 * MSG_ERROR with a positive errno; after EBADMSG it closes the connection;
 * it never sends a message whose header disagrees with its length.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/rcu.h"
#include "device/device.h"
#include "emu/emu.h"
#include "protocol/protocol.h"
#include "server/internal.h"
#include "server/loop.h"
#include "server/server.h"
#include "fuzz.h"

#define CHIP "fuzz0"
#define RECORDS_MAX 32
#define CLIENTS_MAX 9		/* the first connection and up to 8 request sockets */
#define ANSWER_TIMEOUT_S 30	/* generous: sanitizer builds on a loaded machine */

struct client {
	int fd;
	struct loop_source *src;
	unsigned outstanding;	/* requests sent, not answered yet */
	uint16_t last_opcode;	/* of the newest request sent */
	bool closed;		/* the server closed its end */
	bool bad_msg_seen;	/* an EBADMSG came: the server must close next */
};

static struct {
	char dir[64];
	struct loop *loop;
	struct core *core;
	struct server *server;
	struct emu_chip *emu;
	int devnull;
	struct client clients[CLIENTS_MAX];
	unsigned n_clients;
} w;

/* What the server's loop runs for: on_client() ends the run once it holds. */
static bool (*loop_cond)(void);

static bool client_settled(const struct client *cl)
{
	return cl->closed || !cl->outstanding;
}

static void client_close(struct client *cl)
{
	cl->src = loop_source_remove(cl->src);
	if (cl->fd >= 0)
		close(cl->fd);
	cl->fd = -1;
	cl->closed = true;
}

static void on_client(struct loop_source *src, uint32_t events, void *data);

/* A request socket the server passed: watch it like the first connection. */
static void client_add(int fd)
{
	struct client *cl;

	if (w.n_clients == CLIENTS_MAX) {
		close(fd);
		return;
	}
	cl = &w.clients[w.n_clients++];
	*cl = (struct client){ .fd = fd };
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (loop_add_fd(w.loop, fd, EPOLLIN, on_client, cl, &cl->src) < 0)
		fuzz_fail("cannot watch a request socket");
}

static void check_reply(struct client *cl, const uint8_t *buf, size_t len)
{
	struct mpssed_hdr hdr;
	struct mpssed_error err;

	fuzz_assert(len >= sizeof(hdr), "a %zu-byte server message", len);
	memcpy(&hdr, buf, sizeof(hdr));
	fuzz_assert(hdr.size == len - sizeof(hdr), "header size %u in a %zu-byte message",
		    hdr.size, len);
	fuzz_assert(!cl->bad_msg_seen, "a message after EBADMSG");
	if (hdr.opcode == MSG_LINE_INFO_CHANGED) {
		fuzz_assert(hdr.serial == 0 && hdr.size == sizeof(struct gpio_v2_line_info_changed),
			    "a malformed line-info change");
		return;
	}
	fuzz_assert(cl->outstanding, "a reply nobody asked for (opcode 0x%04x)", hdr.opcode);
	cl->outstanding--;
	if (hdr.opcode == MSG_ERROR) {
		fuzz_assert(hdr.size == sizeof(err), "MSG_ERROR of %u bytes", hdr.size);
		memcpy(&err, buf + sizeof(hdr), sizeof(err));
		fuzz_assert(err.error > 0 && err.error < 4096, "error %d is no errno", err.error);
		cl->bad_msg_seen = err.error == EBADMSG;
		return;
	}
	fuzz_assert(hdr.opcode == MSG_REPLY, "unknown server opcode 0x%04x", hdr.opcode);
	fuzz_assert(hdr.size == mpssed_reply_size(cl->last_opcode),
		    "reply of %u bytes to %s", hdr.size, mpssed_opcode_name(cl->last_opcode));
}

static void client_recv(struct client *cl)
{
	uint8_t buf[MPSSED_MSG_MAX];
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl,
			     .msg_controllen = sizeof(ctl) };
	ssize_t n = recvmsg(cl->fd, &mh, MSG_CMSG_CLOEXEC);
	struct cmsghdr *c;

	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		client_close(cl);
		return;
	}
	fuzz_assert(!(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)), "a server message too long");
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		int fd;

		fuzz_assert(c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)),
			    "more than one fd in a reply");
		memcpy(&fd, CMSG_DATA(c), sizeof(fd));
		fuzz_assert(cl->last_opcode == MSG_REQUEST_LINES, "an fd in a reply to %s",
			    mpssed_opcode_name(cl->last_opcode));
		client_add(fd);
	}
	/* Edge events on a request socket: 48 bytes, no header. */
	if (n == sizeof(struct gpio_v2_line_event) && cl != &w.clients[0])
		return;
	check_reply(cl, buf, (size_t)n);
}

static void on_client(struct loop_source *src, uint32_t events, void *data)
{
	struct client *cl = data;

	/* After a hang-up the messages sent before it still come first. */
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		client_recv(cl);
	if (loop_cond && loop_cond())
		loop_exit(w.loop, 0);
}

static bool all_settled(void)
{
	for (unsigned i = 0; i < w.n_clients; i++)
		if (!client_settled(&w.clients[i]))
			return false;
	return true;
}

static bool all_closed(void)
{
	for (unsigned i = 0; i < w.n_clients; i++)
		if (!w.clients[i].closed)
			return false;
	return true;
}

/* Run the server's loop until cond holds (on_client() checks it after each message). */
static void run_until(bool (*cond)(void))
{
	loop_cond = cond;
	/* A server that never answers is a bug too: SIGALRM ends the run as a crash. */
	alarm(ANSWER_TIMEOUT_S);
	if (!cond())
		loop_run(w.loop);
	alarm(0);
	loop_cond = NULL;
}

static void send_record(struct client *cl, uint8_t flags, const uint8_t *msg, size_t len)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl = { 0 };
	struct iovec iov = { (void *)msg, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct mpssed_hdr hdr = { 0 };

	if (flags & 2) {
		mh.msg_control = &ctl;
		mh.msg_controllen = sizeof(ctl);
		ctl.h.cmsg_level = SOL_SOCKET;
		ctl.h.cmsg_type = SCM_RIGHTS;
		ctl.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&ctl.h), &w.devnull, sizeof(int));
	}
	if (sendmsg(cl->fd, &mh, MSG_NOSIGNAL) < 0)
		return;
	/* An empty message reads as end of file (no answer, the server closes), unless an fd came. */
	if (!len && !(flags & 2))
		return;
	if (len >= sizeof(hdr))
		memcpy(&hdr, msg, sizeof(hdr));
	cl->last_opcode = hdr.opcode;
	cl->outstanding++;
	run_until(all_settled);
}

/* The world stays between inputs: put back what an input may have unplugged. */
static void world_restore(void)
{
	emu_chip_replug(w.emu);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size, 0 };
	bool chip_socket = fuzz_u8(&in) & 1;
	struct listener *l = chip_socket ? server_find_chip(w.server, CHIP) : &w.server->control;
	int sv[2];

	if (!l)
		fuzz_fail("no listener for " CHIP);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		fuzz_fail("socketpair: %s", strerror(errno));
	/* Accepted as the listener would: the connection owns sv[0]. */
	if (l->new_conn(w.server, l, sv[0]) < 0)
		fuzz_fail("the server refused a connection");
	w.n_clients = 0;
	client_add(sv[1]);
	for (unsigned i = 0; i < RECORDS_MAX && fuzz_left(&in); i++) {
		uint8_t flags = fuzz_u8(&in);
		size_t want = fuzz_u16(&in) % (MPSSED_MSG_MAX + 64), len;
		const uint8_t *msg = fuzz_bytes(&in, want, &len);
		struct client *cl = &w.clients[flags & 1 ? w.n_clients - 1 : 0];

		if (!cl->closed)
			send_record(cl, flags, msg, len);
	}
	/* Hang up everywhere and let the server see it: it must close every socket. */
	for (unsigned i = 0; i < w.n_clients; i++)
		if (!w.clients[i].closed)
			shutdown(w.clients[i].fd, SHUT_WR);
	run_until(all_closed);
	world_restore();
	return 0;
}

static void teardown(void)
{
	w.server = server_free(w.server);
	w.core = core_free(w.core);
	w.loop = loop_free(w.loop);
	rmdir(w.dir);
	rcu_unregister_thread();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *names[] = { CHIP };
	struct emu_config emu = { .model = EMU_FT232H, .serial = "FUZZ1" };
	struct server_config config = {
		.socket_mode = 0600,
		.socket_gid = (gid_t)-1,
		.control_fd = -1,
	};

	/* Clients doing wrong is what this is about: not worth a log line each. */
	log_set_level(getenv("FUZZ_DEBUG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_ERROR);
	rcu_register_thread();
	snprintf(w.dir, sizeof(w.dir), "/tmp/mpssed-fuzz-XXXXXX");
	config.runtime_dir = w.dir;
	w.devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (!mkdtemp(w.dir) || w.devnull < 0 || core_new(&w.core, NULL) < 0 ||
	    core_add_emulator(w.core, &emu, names, &w.emu) < 0 || loop_new(&w.loop) < 0 ||
	    server_new(&w.server, w.loop, w.core, &config) < 0)
		fuzz_fail("cannot set up the server: %s", strerror(errno));
	atexit(teardown);
	return 0;
}
