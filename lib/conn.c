// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One socket to the daemon, in the style of seatd's client: a request is
 * sent and its reply awaited on the same socket, and whatever else arrives
 * meanwhile (edge events on a request socket, line-info changes on a chip
 * socket) goes into a queue the object's _read function empties first, so
 * nothing is lost to a call that happened to be waiting.
 *
 * Because the queue lives in memory, the socket alone cannot tell a poller
 * that something is ready. get_fd() therefore hands out an epoll fd that
 * watches the socket and an eventfd kept readable while the queue holds
 * records: polling it is right whether the next record is still in the
 * socket or already in the queue.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "lib/internal.h"

/* Room for any message, aligned for the structs read in place. */
union msg_buf {
	uint8_t bytes[MPSSED_MSG_MAX];
	uint64_t align;
};

struct msg {
	union msg_buf buf;
	size_t len;		/* 0: end of file */
	int fd;			/* passed with it, or -1 */
};

static int eof_errno(const struct conn *c)
{
	return c->kind == CONN_REQUEST ? ENODEV : ECONNRESET;
}

static size_t record_size(enum conn_kind kind)
{
	switch (kind) {
	case CONN_CHIP:
		return sizeof(struct gpio_v2_line_info_changed);
	case CONN_REQUEST:
		return sizeof(struct gpio_v2_line_event);
	default:
		return 0;
	}
}

/* --- The queue ------------------------------------------------------------------ */

/* Keep the eventfd readable exactly while records are queued. */
static void queue_sync_signal(struct conn *c)
{
	bool want = c->queue.len > 0;
	uint64_t v = 1;

	if (c->efd < 0 || want == c->efd_signalled)
		return;
	/* Neither can block nor fail on a valid non-blocking eventfd. */
	if (want)
		(void)!write(c->efd, &v, sizeof(v));
	else
		(void)!read(c->efd, &v, sizeof(v));
	c->efd_signalled = want;
}

static uint8_t *queue_slot(struct conn_queue *q, size_t i)
{
	return q->recs + ((q->head + i) % q->cap) * q->rec_size;
}

static int queue_grow(struct conn_queue *q)
{
	size_t cap = q->cap ? q->cap * 2 : 16;
	uint8_t *recs;

	if (cap > CONN_QUEUE_MAX)
		cap = CONN_QUEUE_MAX;
	recs = malloc(cap * q->rec_size);
	if (!recs)
		return -1;
	/* Unwrap into the new ring so the oldest record is at index 0. */
	for (size_t i = 0; i < q->len; i++)
		memcpy(recs + i * q->rec_size, queue_slot(q, i), q->rec_size);
	free(q->recs);
	q->recs = recs;
	q->cap = cap;
	q->head = 0;
	return 0;
}

/* As the kernel's queue: when it is full the oldest record goes (a seqno gap shows it). */
static void queue_push(struct conn *c, const void *rec)
{
	struct conn_queue *q = &c->queue;

	if (q->len == q->cap && (q->cap == CONN_QUEUE_MAX || queue_grow(q) < 0)) {
		if (!q->len)
			return;
		q->head = (q->head + 1) % q->cap;
		q->len--;
	}
	memcpy(queue_slot(q, q->len), rec, q->rec_size);
	q->len++;
	queue_sync_signal(c);
}

static bool queue_pop(struct conn *c, void *rec)
{
	struct conn_queue *q = &c->queue;

	if (!q->len)
		return false;
	memcpy(rec, queue_slot(q, 0), q->rec_size);
	q->head = (q->head + 1) % q->cap;
	q->len--;
	queue_sync_signal(c);
	return true;
}

/* --- Messages ------------------------------------------------------------------- */

static void close_passed_fds(struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t n;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
	}
}

/* The one fd a well-formed message may carry, or -1. */
static int take_passed_fd(struct msghdr *mh)
{
	struct cmsghdr *cm = CMSG_FIRSTHDR(mh);
	int fd = -1;

	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
	    cm->cmsg_len == CMSG_LEN(sizeof(int)) && !CMSG_NXTHDR(mh, cm))
		memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	else
		close_passed_fds(mh);
	return fd;
}

/* Receive one whole message; 0 (m->len 0 at end of file) or -1 + errno. */
static int conn_recv(struct conn *c, struct msg *m, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = m->buf.bytes, .iov_len = sizeof(m->buf.bytes) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n;

	do
		n = recvmsg(c->fd, &mh, flags | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		/* A reset connection is an ended one: report it the same way. */
		if (errno == ECONNRESET)
			n = 0;
		else
			return -1;
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		close_passed_fds(&mh);
		errno = EPROTO;
		return -1;
	}
	m->len = (size_t)n;
	m->fd = n ? take_passed_fd(&mh) : -1;
	if (!n)
		c->eof = true;
	return 0;
}

/* The record of an unsolicited message, or NULL for anything else. */
static const void *unsolicited_record(const struct conn *c, const struct msg *m)
{
	struct mpssed_hdr hdr;

	switch (c->kind) {
	case CONN_REQUEST:
		/* Replies are never 48 bytes long (protocol.h checks it). */
		return m->len == sizeof(struct gpio_v2_line_event) ? m->buf.bytes : NULL;
	case CONN_CHIP:
		if (m->len != sizeof(hdr) + sizeof(struct gpio_v2_line_info_changed))
			return NULL;
		memcpy(&hdr, m->buf.bytes, sizeof(hdr));
		if (hdr.opcode != MSG_LINE_INFO_CHANGED || hdr.serial)
			return NULL;
		return m->buf.bytes + sizeof(hdr);
	default:
		return NULL;
	}
}

static int fail(int err)
{
	errno = err;
	return -1;
}

static int ended(const struct conn *c)
{
	return fail(eof_errno(c));
}

/* The daemon's errno, if it is one. */
static int reply_error(const struct msg *m, const struct mpssed_hdr *hdr)
{
	struct mpssed_error e;

	if (hdr->size != sizeof(e))
		return fail(EPROTO);
	memcpy(&e, m->buf.bytes + sizeof(*hdr), sizeof(e));
	return fail(e.error > 0 && e.error < 4096 ? e.error : EPROTO);
}

/* Check the reply to opcode and copy it out; takes m->fd either way. */
static int take_reply(struct conn *c, struct msg *m, uint16_t opcode, void *reply, int *fd_out)
{
	struct mpssed_hdr hdr = { 0 };
	int size = mpssed_reply_size(opcode), r;

	if (m->len >= sizeof(hdr))
		memcpy(&hdr, m->buf.bytes, sizeof(hdr));
	if (m->len < sizeof(hdr) || hdr.size != m->len - sizeof(hdr) || hdr.serial != c->serial)
		r = fail(EPROTO);
	else if (hdr.opcode == MSG_ERROR)
		r = reply_error(m, &hdr);
	else if (hdr.opcode != MSG_REPLY || size < 0 || hdr.size != (unsigned)size)
		r = fail(EPROTO);
	else {
		if (size)
			memcpy(reply, m->buf.bytes + sizeof(hdr), (size_t)size);
		r = 0;
	}
	if (r == 0 && fd_out)
		*fd_out = steal_fd(m->fd);
	if (m->fd >= 0)
		close(m->fd);
	return r;
}

static int conn_send(struct conn *c, uint16_t opcode, const void *payload, size_t len)
{
	union msg_buf buf;
	struct mpssed_hdr hdr = { .opcode = opcode, .size = (uint16_t)len };
	ssize_t n;

	if (len > sizeof(buf.bytes) - sizeof(hdr))
		return fail(EINVAL);
	/* Serial 0 is the server's, for unsolicited messages. */
	if (++c->serial == 0)
		c->serial = 1;
	hdr.serial = c->serial;
	memcpy(buf.bytes, &hdr, sizeof(hdr));
	if (len)
		memcpy(buf.bytes + sizeof(hdr), payload, len);
	do
		n = send(c->fd, buf.bytes, sizeof(hdr) + len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
		c->eof = true;
		return ended(c);
	}
	return n < 0 ? -1 : 0;
}

int conn_call(struct conn *c, uint16_t opcode, const void *payload, size_t len, void *reply,
	      int *fd_out)
{
	struct msg m;

	if (fd_out)
		*fd_out = -1;
	if (c->eof)
		return ended(c);
	if (conn_send(c, opcode, payload, len) < 0)
		return -1;
	for (;;) {
		const void *rec;

		if (conn_recv(c, &m, 0) < 0)
			return -1;
		if (!m.len)
			return ended(c);
		rec = unsolicited_record(c, &m);
		if (!rec)
			return take_reply(c, &m, opcode, reply, fd_out);
		if (m.fd >= 0)
			close(m.fd);
		queue_push(c, rec);
	}
}

int conn_read_records(struct conn *c, void *buf, size_t max)
{
	size_t rec_size = c->queue.rec_size, n = 0;
	uint8_t *out = buf;

	while (n < max && queue_pop(c, out + n * rec_size))
		n++;
	while (n < max && !c->eof) {
		const void *rec;
		struct msg m;

		/* Wait for the first record only: then take what is already there. */
		if (conn_recv(c, &m, n ? MSG_DONTWAIT : 0) < 0) {
			if (n && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			return n ? (int)n : -1;
		}
		if (!m.len)
			break;
		if (m.fd >= 0)
			close(m.fd);
		rec = unsolicited_record(c, &m);
		/* Nothing was asked: anything but an event breaks the protocol. */
		if (!rec)
			return n ? (int)n : fail(EPROTO);
		memcpy(out + n * rec_size, rec, rec_size);
		n++;
	}
	if (!n && c->eof)
		return ended(c);
	return (int)n;
}

/* --- Waiting ------------------------------------------------------------------- */

int conn_get_fd(struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (c->epfd >= 0)
		return c->epfd;
	c->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->efd < 0)
		return -1;
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd < 0 || epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0 ||
	    epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->efd, &ev) < 0) {
		int err = errno;

		if (c->epfd >= 0)
			close(c->epfd);
		close(c->efd);
		c->epfd = c->efd = -1;
		return fail(err);
	}
	c->efd_signalled = false;
	queue_sync_signal(c);
	return c->epfd;
}

int conn_wait(struct conn *c, int64_t timeout_ns)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	struct timespec ts = {
		.tv_sec = timeout_ns / 1000000000,
		.tv_nsec = timeout_ns % 1000000000,
	};
	int r;

	if (c->queue.len || c->eof)
		return 1;
	r = ppoll(&pfd, 1, timeout_ns < 0 ? NULL : &ts, NULL);
	if (r < 0)
		return -1;
	return r > 0 ? 1 : 0;
}

/* --- Life ----------------------------------------------------------------------- */

void conn_init_fd(struct conn *c, enum conn_kind kind, int fd)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->fd = fd;
	c->epfd = c->efd = -1;
	c->queue.rec_size = record_size(kind);
}

static int conn_hello(struct conn *c)
{
	struct mpssed_hello hello = { .major = MPSSED_PROTOCOL_MAJOR, .minor = MPSSED_PROTOCOL_MINOR };
	struct mpssed_hello reply;

	if (conn_call(c, MSG_HELLO, &hello, sizeof(hello), &reply, NULL) < 0)
		return -1;
	return reply.major == MPSSED_PROTOCOL_MAJOR ? 0 : fail(EPROTONOSUPPORT);
}

int conn_open(struct conn *c, enum conn_kind kind, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return fail(ENAMETOOLONG);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	conn_init_fd(c, kind, fd);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && conn_hello(c) == 0)
		return 0;
	err = errno;
	conn_close(c);
	return fail(err);
}

void conn_close(struct conn *c)
{
	if (c->epfd >= 0)
		close(c->epfd);
	if (c->efd >= 0)
		close(c->efd);
	if (c->fd >= 0)
		close(c->fd);
	free(c->queue.recs);
	c->queue.recs = NULL;
	c->queue.len = c->queue.cap = 0;
	c->fd = c->epfd = c->efd = -1;
}
