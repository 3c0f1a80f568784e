// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The server's end of a request socket: the analogue of the kernel's line
 * request fd. Value and reconfigure operations come in with a header and
 * are answered on the same socket; edge events go out as bare 48-byte
 * struct gpio_v2_line_event messages.
 *
 * Where pending events wait: the device layer's per-request queue (its
 * event_buffer_size, oldest dropped when full, so a loss shows as a seqno
 * gap) is the queue clients reason about. The server takes at most
 * EVENT_BATCH events out of it at a time and sends them without blocking;
 * when the client's socket is full the rest of that batch waits here, the
 * event fd is no longer watched, and the server waits for EPOLLOUT. The
 * socket's send buffer is kept small (REQ_SNDBUF) so that the request's
 * queue, not the socket, holds most of a backlog: 11 events fit in the
 * socket on Linux 6.18 (the kernel doubles SO_SNDBUF and charges each
 * message its buffer overhead; tests/daemon/test-daemon-events prints the
 * figure), so a client that stops reading finds at most
 * event_buffer_size + EVENT_BATCH + 11 events before the first gap.
 *
 * Lifecycle: the client closing its end (hang-up or end of file) releases
 * the lines. When the device is gone for good (the request fd reports
 * -ENODEV once its queue is empty) the events still held here are sent,
 * then the socket is shut down both ways and the lines released: the
 * client reads the last events, then sees end of file (POLLHUP).
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "common/log.h"
#include "device/device.h"
#include "server/internal.h"

#define EVENT_BATCH 8
/* The kernel doubles it and keeps a floor; see the comment at the top. */
#define REQ_SNDBUF 4096
/* Events per wake-up of one request, so a busy line does not starve the loop. */
#define EVENT_BUDGET 64

struct req_conn {
	struct conn conn;
	struct cds_list_head node;	/* listener->requests */
	struct line_request *req;
	struct loop_source *event_src;
	struct gpio_v2_line_event held[EVENT_BATCH];
	unsigned pos, len;		/* held[pos..len) still to send */
	bool gone;			/* the device is gone for good */
};

static struct req_conn *req_conn_of(struct conn *c)
{
	return container_of(c, struct req_conn, conn);
}

static struct line_request *conn_req(struct conn *c)
{
	return req_conn_of(c)->req;
}

/* --- Operations -------------------------------------------------------------- */

static int get_values(struct conn *c, const void *payload, void *reply, int *pass_fd)
{
	const struct gpio_v2_line_values *in = payload;
	struct gpio_v2_line_values *out = reply;
	uint64_t bits = 0;
	int r;

	r = line_request_get_values(conn_req(c), in->mask, &bits);
	if (r < 0)
		return r;
	out->bits = bits & in->mask;
	out->mask = in->mask;
	return 0;
}

static int set_values(struct conn *c, const void *payload, void *reply, int *pass_fd)
{
	const struct gpio_v2_line_values *in = payload;

	return line_request_set_values(conn_req(c), in->mask, in->bits);
}

static int reconfigure(struct conn *c, const void *payload, void *reply, int *pass_fd)
{
	return line_request_reconfigure(conn_req(c), payload);
}

static int request_stats(struct conn *c, const void *payload, void *reply, int *pass_fd)
{
	struct mpssed_request_stats *out = reply;
	struct line_request_stats st;

	line_request_stats(conn_req(c), &st);
	out->events = st.events;
	out->dropped = st.dropped;
	out->queued = st.queued;
	return 0;
}

/* --- Events -------------------------------------------------------------------- */

/* Everything went out and the device is gone: let the client see the end. */
static void req_conn_finish(struct req_conn *rc)
{
	log_info("%s: device gone; closing request socket %u", gpio_chip_name(rc->conn.listener->chip),
		 rc->conn.id);
	shutdown(rc->conn.fd, SHUT_RDWR);
	conn_kill(&rc->conn);
}

/* Take the next batch from the request's queue; false when there is none. */
static bool req_conn_refill(struct req_conn *rc, unsigned max)
{
	int r = line_request_read_events(rc->req, rc->held, max < EVENT_BATCH ? max : EVENT_BATCH);

	if (r == -ENODEV) {
		rc->gone = true;
		/* Its fd stays readable from now on: stop watching it. */
		loop_source_update(rc->event_src, 0);
		return false;
	}
	if (r < 0) {
		/* Not a state a request recovers from: end it rather than spin on its fd. */
		log_err("%s: reading events of request %u: %s; closing it",
			gpio_chip_name(rc->conn.listener->chip), rc->conn.id, strerror(-r));
		conn_kill(&rc->conn);
		return false;
	}
	rc->pos = 0;
	rc->len = (unsigned)r;
	return r > 0;
}

/* The client's socket is full: wait for room, leave new events in the request's queue. */
static void req_conn_block(struct req_conn *rc)
{
	if (!rc->gone)
		loop_source_update(rc->event_src, 0);
	conn_want_write(&rc->conn, true);
}

/*
 * Make sure an event is held: 1 when one is, 0 when there is none for now
 * (or the budget is spent: the event fd is still readable and the loop
 * comes back), -ENODEV when everything went out and the device is gone.
 */
static int req_conn_next(struct req_conn *rc, unsigned *budget)
{
	if (rc->pos < rc->len)
		return 1;
	if (!rc->gone && *budget && req_conn_refill(rc, *budget)) {
		*budget -= rc->len;
		return 1;
	}
	return rc->gone ? -ENODEV : 0;
}

/* Move events from the request's queue to the client while its socket takes them. */
static void req_conn_pump(struct req_conn *rc)
{
	struct conn *c = &rc->conn;
	unsigned budget = EVENT_BUDGET;

	while (!c->killed) {
		int r;

		if (!conn_idle(c)) {
			req_conn_block(rc);
			return;
		}
		r = req_conn_next(rc, &budget);
		if (r <= 0) {
			if (r < 0)
				req_conn_finish(rc);
			return;
		}
		r = unixsock_send(c->fd, &rc->held[rc->pos], sizeof(rc->held[0]), -1);
		if (r == -EAGAIN) {
			req_conn_block(rc);
			return;
		}
		if (r < 0) {
			conn_kill(c);
			return;
		}
		rc->pos++;
	}
}

static void req_conn_on_events(struct loop_source *src, uint32_t events, void *data)
{
	req_conn_pump(data);
}

static void req_conn_flushed(struct conn *c)
{
	struct req_conn *rc = req_conn_of(c);

	conn_want_write(c, false);
	if (!rc->gone)
		loop_source_update(rc->event_src, EPOLLIN);
	req_conn_pump(rc);
}

void req_conn_reap_closed(struct listener *l)
{
	struct req_conn *rc, *tmp;

	cds_list_for_each_entry_safe(rc, tmp, &l->requests, node)
		conn_check_hangup(&rc->conn);
}

void req_conn_chip_totals(struct listener *l, uint64_t *events, uint64_t *dropped)
{
	struct req_conn *rc;

	*events = l->past_events;
	*dropped = l->past_dropped;
	cds_list_for_each_entry(rc, &l->requests, node) {
		struct line_request_stats st;

		line_request_stats(rc->req, &st);
		*events += st.events;
		*dropped += st.dropped;
	}
}

/* --- Life ------------------------------------------------------------------------ */

static const struct conn_handler req_handlers[] = {
	{ MSG_GET_VALUES, get_values, CONFIG_ACCESS_READ },
	{ MSG_SET_VALUES, set_values, CONFIG_ACCESS_WRITE },
	{ MSG_RECONFIGURE, reconfigure, CONFIG_ACCESS_WRITE },
	{ MSG_REQUEST_STATS, request_stats, CONFIG_ACCESS_READ },
};

static void req_conn_destroy(struct conn *c)
{
	struct req_conn *rc = req_conn_of(c);

	struct listener *l = c->listener;
	struct line_request_stats st;

	rc->event_src = loop_source_remove(rc->event_src);
	cds_list_del(&rc->node);
	if (rc->req) {
		line_request_stats(rc->req, &st);
		l->past_events += st.events;
		l->past_dropped += st.dropped;
	}
	/* As closing a kernel request fd: the lines keep their configuration. */
	rc->req = line_request_release(rc->req);
}

static void req_conn_free(struct conn *c)
{
	free(req_conn_of(c));
}

static const struct conn_ops req_conn_ops = {
	.kind = "request",
	.hello_first = false,
	.handlers = req_handlers,
	.n_handlers = ARRAY_SIZE(req_handlers),
	.flushed = req_conn_flushed,
	.destroy = req_conn_destroy,
	.free = req_conn_free,
};

/* A small send buffer: the request's queue, not the socket, should hold a backlog. */
static void req_conn_small_sndbuf(int fd)
{
	int size = REQ_SNDBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)) < 0)
		log_warn("request socket: SO_SNDBUF: %s", strerror(errno));
}

int req_conn_new(struct server *s, struct listener *l, struct line_request *req, int fd,
		 const struct conn *parent)
{
	struct req_conn *rc = calloc(1, sizeof(*rc));
	int r;

	if (!rc)
		return -ENOMEM;
	req_conn_small_sndbuf(fd);
	r = unixsock_set_nonblock(fd);
	if (r == 0)
		r = conn_init(&rc->conn, s, l, &req_conn_ops, fd);
	if (r < 0) {
		free(rc);
		return r;
	}
	/* A socketpair's peer is the daemon itself: the client is the chip connection's. */
	rc->conn.pid = parent->pid;
	rc->conn.uid = parent->uid;
	rc->conn.gid = parent->gid;
	rc->conn.n_groups = parent->n_groups;
	memcpy(rc->conn.groups, parent->groups, sizeof(parent->groups));
	rc->req = req;
	cds_list_add_tail(&rc->node, &l->requests);
	r = loop_add_fd(s->loop, line_request_event_fd(req), EPOLLIN, req_conn_on_events, rc,
			&rc->event_src);
	if (r < 0) {
		/* Hand back req and fd: the caller releases and closes them. */
		rc->req = NULL;
		rc->conn.fd = -1;
		conn_kill(&rc->conn);
		return r;
	}
	return 0;
}
