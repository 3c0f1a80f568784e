// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One client connection: whole messages in, one reply per request out.
 *
 * Validation happens here, once for every kind of connection, in the order
 * a client can act on: a message that cannot be framed (shorter than a
 * header, longer than MPSSED_MSG_MAX, or whose header's size disagrees
 * with the message) gets EBADMSG and the connection is closed, because
 * nothing after it can be trusted; then an opcode the socket does not
 * serve gets EOPNOTSUPP, passed file descriptors EINVAL (they are closed),
 * a payload of the wrong size EINVAL, a request before MSG_HELLO EPROTO.
 *
 * Back-pressure: a reply the socket cannot take is queued and the
 * connection stops reading requests until the queue has gone out, so a
 * client that sends without reading holds at most a few replies here. A
 * client that lets the queue reach CONN_OUTQ_MAX is disconnected.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "common/log.h"
#include "device/device.h"
#include "server/internal.h"

struct out_msg {
	struct out_msg *next;
	int fd;				/* passed along, owned until sent */
	size_t len;
	uint8_t data[];
};

/* Message buffers aligned for the structs read and written in place. */
union msg_buf {
	uint8_t bytes[MPSSED_MSG_MAX];
	uint64_t align;
};

static void close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

bool conn_idle(const struct conn *c)
{
	return !c->outq;
}

/* Read while nothing waits to go out; wait for EPOLLOUT while something does. */
static void conn_update_events(struct conn *c)
{
	uint32_t events = conn_idle(c) ? EPOLLIN : EPOLLOUT;
	int r;

	if (c->killed)
		return;
	if (c->want_write)
		events |= EPOLLOUT;
	r = loop_source_update(c->src, events);
	if (r < 0) {
		log_err("%s connection %u: cannot update its events: %s", c->ops->kind, c->id,
			strerror(-r));
		conn_kill(c);
	}
}

void conn_want_write(struct conn *c, bool on)
{
	if (c->killed || c->want_write == on)
		return;
	c->want_write = on;
	conn_update_events(c);
}

static void out_msg_free(struct out_msg *m)
{
	close_fd(m->fd);
	free(m);
}

static void conn_enqueue(struct conn *c, const void *buf, size_t len, int pass_fd)
{
	struct out_msg *m;

	if (c->outq_len >= CONN_OUTQ_MAX) {
		log_warn("%s connection %u (pid %d): does not read its replies; closing it",
			 c->ops->kind, c->id, (int)c->pid);
		close_fd(pass_fd);
		conn_kill(c);
		return;
	}
	m = malloc(sizeof(*m) + len);
	if (!m) {
		log_err("%s connection %u: out of memory queueing a reply; closing it",
			c->ops->kind, c->id);
		close_fd(pass_fd);
		conn_kill(c);
		return;
	}
	m->next = NULL;
	m->fd = pass_fd;
	m->len = len;
	memcpy(m->data, buf, len);
	*c->outq_tail = m;
	c->outq_tail = &m->next;
	c->outq_len++;
	if (c->outq_len == 1)
		conn_update_events(c);
}

/* Send now if nothing is queued before it; queue if the socket is full. */
static void conn_send_raw(struct conn *c, const void *buf, size_t len, int pass_fd)
{
	int r;

	if (c->killed) {
		close_fd(pass_fd);
		return;
	}
	if (conn_idle(c)) {
		r = unixsock_send(c->fd, buf, len, pass_fd);
		if (r == 0) {
			/* The client has its own copy now. */
			close_fd(pass_fd);
			return;
		}
		if (r != -EAGAIN) {
			log_debug("%s connection %u: send: %s; closing it", c->ops->kind, c->id,
				  strerror(-r));
			close_fd(pass_fd);
			conn_kill(c);
			return;
		}
	}
	conn_enqueue(c, buf, len, pass_fd);
}

void conn_send_msg(struct conn *c, uint16_t opcode, uint32_t serial, const void *payload,
		   size_t len, int pass_fd)
{
	union msg_buf buf;
	struct mpssed_hdr hdr = { .opcode = opcode, .size = (uint16_t)len, .serial = serial };

	memcpy(buf.bytes, &hdr, sizeof(hdr));
	if (len)
		memcpy(buf.bytes + sizeof(hdr), payload, len);
	conn_send_raw(c, buf.bytes, sizeof(hdr) + len, pass_fd);
}

static void conn_send_error(struct conn *c, uint32_t serial, int err)
{
	struct mpssed_error e = { .error = err };

	conn_send_msg(c, MSG_ERROR, serial, &e, sizeof(e), -1);
}

/* EPOLLOUT: send what waits, oldest first. */
static void conn_flush(struct conn *c)
{
	while (c->outq) {
		struct out_msg *m = c->outq;
		int r = unixsock_send(c->fd, m->data, m->len, m->fd);

		if (r == -EAGAIN)
			return;
		if (r < 0) {
			conn_kill(c);
			return;
		}
		c->outq = m->next;
		if (!c->outq)
			c->outq_tail = &c->outq;
		c->outq_len--;
		out_msg_free(m);
	}
	conn_update_events(c);
	if (!c->killed && c->ops->flushed)
		c->ops->flushed(c);
}

/* --- Requests ----------------------------------------------------------------- */

static int conn_hello(struct conn *c, const void *payload, void *reply, int *pass_fd)
{
	const struct mpssed_hello *in = payload;
	struct mpssed_hello *out = reply;

	/* The padding is left for a future minor version to use. */
	if (in->major != MPSSED_PROTOCOL_MAJOR) {
		log_info("%s connection %u (pid %d): refused protocol %u.%u", c->ops->kind, c->id,
			 (int)c->pid, in->major, in->minor);
		return -EPROTONOSUPPORT;
	}
	c->greeted = true;
	out->major = MPSSED_PROTOCOL_MAJOR;
	out->minor = MPSSED_PROTOCOL_MINOR;
	return 0;
}

static const struct conn_handler hello_handler = { MSG_HELLO, conn_hello };

static const struct conn_handler *conn_find_handler(const struct conn *c, uint16_t opcode)
{
	if (opcode == MSG_HELLO)
		return &hello_handler;
	for (size_t i = 0; i < c->ops->n_handlers; i++)
		if (c->ops->handlers[i].opcode == opcode)
			return &c->ops->handlers[i];
	return NULL;
}

/* The chip a chip or request connection is about; NULL on the control socket. */
static const char *conn_chip_name(const struct conn *c)
{
	return c->listener->chip ? gpio_chip_name(c->listener->chip) : NULL;
}

/* A request whose framing is sound: answer it. */
static void conn_dispatch(struct conn *c, const struct mpssed_hdr *hdr, const void *payload,
			  bool had_fds)
{
	const struct conn_handler *h = conn_find_handler(c, hdr->opcode);
	union msg_buf reply;
	int r, pass_fd = -1;

	if (!h)
		r = -EOPNOTSUPP;
	else if (had_fds || hdr->size != mpssed_request_size(hdr->opcode))
		r = -EINVAL;
	else if (c->ops->hello_first && !c->greeted && hdr->opcode != MSG_HELLO)
		r = -EPROTO;
	else if (h->access && !conn_allowed(c, conn_chip_name(c), h->access))
		r = -EACCES;
	else {
		memset(reply.bytes, 0, (size_t)mpssed_reply_size(hdr->opcode));
		r = h->fn(c, payload, reply.bytes, &pass_fd);
	}
	if (r < 0) {
		log_debug("%s connection %u: %s (0x%04x) serial %u: %s", c->ops->kind, c->id,
			  mpssed_opcode_name(hdr->opcode), hdr->opcode, hdr->serial, strerror(-r));
		close_fd(pass_fd);
		conn_send_error(c, hdr->serial, -r);
		return;
	}
	conn_send_msg(c, MSG_REPLY, hdr->serial, reply.bytes,
		      (size_t)mpssed_reply_size(hdr->opcode), pass_fd);
}

static void conn_handle(struct conn *c, const union msg_buf *buf, const struct unixsock_msg *m)
{
	struct mpssed_hdr hdr = { 0 };
	bool framed = false;

	/* Whatever the framing, a readable header's serial is echoed in the error. */
	if (m->len >= sizeof(hdr)) {
		memcpy(&hdr, buf->bytes, sizeof(hdr));
		framed = !m->truncated && hdr.size == m->len - sizeof(hdr);
	}
	if (!framed) {
		log_info("%s connection %u (pid %d): malformed message (%zu bytes%s); closing it",
			 c->ops->kind, c->id, (int)c->pid, m->len, m->truncated ? ", truncated" : "");
		conn_send_error(c, hdr.serial, EBADMSG);
		conn_kill(c);
		return;
	}
	conn_dispatch(c, &hdr, buf->bytes + sizeof(hdr), m->had_fds);
}

static void conn_read(struct conn *c)
{
	for (unsigned i = 0; i < CONN_READ_BUDGET && !c->killed && conn_idle(c); i++) {
		union msg_buf buf;
		struct unixsock_msg m;
		int r = unixsock_recv(c->fd, buf.bytes, sizeof(buf.bytes), &m);

		if (r == -EAGAIN)
			return;
		if (r <= 0) {
			if (r < 0)
				log_debug("%s connection %u: receive: %s", c->ops->kind, c->id,
					  strerror(-r));
			conn_kill(c);
			return;
		}
		conn_handle(c, &buf, &m);
	}
}

static void conn_on_io(struct loop_source *src, uint32_t events, void *data)
{
	struct conn *c = data;

	if (events & EPOLLERR) {
		conn_kill(c);
		return;
	}
	if (events & EPOLLOUT)
		conn_flush(c);
	/* A hang-up with data left comes with EPOLLIN: read up to the end of file first. */
	if (!c->killed && (events & EPOLLIN))
		conn_read(c);
	else if (!c->killed && (events & EPOLLHUP))
		conn_kill(c);
}

void conn_check_hangup(struct conn *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };

	if (c->killed || poll(&p, 1, 0) != 1 || !(p.revents & (POLLHUP | POLLERR)))
		return;
	/* What the client sent before it closed still counts, as an ioctl before close(). */
	conn_on_io(c->src, EPOLLIN | EPOLLHUP, c);
	conn_kill(c);
}

/* --- Access ------------------------------------------------------------------- */

static const char *const access_names[] = {
	[CONFIG_ACCESS_READ] = "read",
	[CONFIG_ACCESS_WRITE] = "write",
	[CONFIG_ACCESS_EMU] = "emu",
};

bool conn_allowed(struct conn *c, const char *chip, enum config_access what)
{
	struct config_peer peer = {
		.uid = c->uid, .gid = c->gid, .groups = c->groups, .n_groups = c->n_groups,
	};

	if (config_allows(c->server->config, chip, what, &peer))
		return true;
	if (c->denials_logged & 1u << what)
		return false;
	c->denials_logged |= 1u << what;
	log_info("%s connection %u (pid %d uid %u): %s access to %s denied", c->ops->kind, c->id,
		 (int)c->pid, (unsigned)c->uid, access_names[what], chip ? chip : "the daemon");
	return false;
}

/* Without the list, rules naming supplementary groups do not admit the peer. */
static void conn_peer_groups(struct conn *c)
{
	int n = unixsock_peer_groups(c->fd, c->groups, CONN_GROUPS_MAX);

	if (n < 0) {
		log_warn("%s connection %u (pid %d): cannot read its groups: %s; only its primary "
			 "group counts", c->ops->kind, c->id, (int)c->pid, strerror(-n));
		n = 0;
	}
	c->n_groups = (unsigned)n;
}

/* --- Life --------------------------------------------------------------------- */

int conn_init(struct conn *c, struct server *server, struct listener *l,
	      const struct conn_ops *ops, int fd)
{
	int r;

	c->server = server;
	c->ops = ops;
	c->listener = l;
	c->id = ++server->next_id;
	c->fd = fd;
	c->outq_tail = &c->outq;
	r = unixsock_peer(fd, &c->pid, &c->uid, &c->gid);
	if (r < 0)
		return r;
	conn_peer_groups(c);
	r = loop_add_fd(server->loop, fd, EPOLLIN, conn_on_io, c, &c->src);
	if (r < 0)
		return r;
	cds_list_add_tail(&c->node, &server->conns);
	log_debug("%s connection %u: pid %d uid %u gid %u", ops->kind, c->id, (int)c->pid,
		  (unsigned)c->uid, (unsigned)c->gid);
	return 0;
}

static void conn_deferred_free(struct loop_defer *d)
{
	struct conn *c = container_of(d, struct conn, defer);

	c->ops->free(c);
}

void conn_kill(struct conn *c)
{
	if (c->killed)
		return;
	c->killed = true;
	c->src = loop_source_remove(c->src);
	if (c->ops->destroy)
		c->ops->destroy(c);
	while (c->outq) {
		struct out_msg *m = c->outq;

		c->outq = m->next;
		out_msg_free(m);
	}
	c->outq_tail = &c->outq;
	c->outq_len = 0;
	close_fd(c->fd);
	c->fd = -1;
	cds_list_del(&c->node);
	log_debug("%s connection %u: closed", c->ops->kind, c->id);
	server_conn_closed(c->server);
	loop_defer(c->server->loop, &c->defer, conn_deferred_free);
}
