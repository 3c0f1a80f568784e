// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Connections on a chip socket: the analogue of an open /dev/gpiochipN.
 * Chip and line info, line lookup by name, line requests (each answered
 * with a new request socket), and line-info watches.
 *
 * A connection has at most one line watcher, made at its first watch. Its
 * changes go out as MSG_LINE_INFO_CHANGED (serial 0) one at a time, and
 * only while the connection's reply queue is empty: otherwise the watcher
 * stays unread and its own bounded queue (the kernel's: newest dropped)
 * holds what the client has not taken.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "common/log.h"
#include "device/device.h"
#include "server/internal.h"

#define WATCH_BUDGET 32

struct chip_conn {
	struct conn conn;
	struct line_watcher *watcher;
	struct loop_source *watch_src;
};

static struct chip_conn *chip_conn_of(struct conn *c)
{
	return container_of(c, struct chip_conn, conn);
}

static struct gpio_chip *conn_chip(const struct conn *c)
{
	return c->listener->chip;
}

static int chip_info(struct conn *c, const void *payload, void *reply, int *pass_fd)
{
	return gpio_chip_info(conn_chip(c), reply);
}

static int parse_offset(const void *payload, unsigned *offset)
{
	const struct mpssed_offset *o = payload;

	if (o->padding)
		return -EINVAL;
	*offset = o->offset;
	return 0;
}

static int line_info(struct conn *c, const void *payload, void *reply, int *pass_fd)
{
	unsigned offset;
	int r = parse_offset(payload, &offset);

	return r < 0 ? r : gpio_chip_line_info(conn_chip(c), offset, reply);
}

static int find_line(struct conn *c, const void *payload, void *reply, int *pass_fd)
{
	const struct mpssed_line_name *n = payload;
	struct mpssed_offset *out = reply;
	int r;

	if (!memchr(n->name, '\0', sizeof(n->name)))
		return -EINVAL;
	r = gpio_chip_find_line(conn_chip(c), n->name);
	if (r < 0)
		return r;
	out->offset = (uint32_t)r;
	return 0;
}

/* Whether some line would be an output: that needs write access, inputs only read. */
static bool requests_outputs(const struct gpio_v2_line_config *cfg)
{
	if (cfg->flags & GPIO_V2_LINE_FLAG_OUTPUT)
		return true;
	for (unsigned i = 0; i < cfg->num_attrs && i < GPIO_V2_LINE_NUM_ATTRS_MAX; i++)
		if (cfg->attrs[i].attr.id == GPIO_V2_LINE_ATTR_ID_FLAGS &&
		    (cfg->attrs[i].attr.flags & GPIO_V2_LINE_FLAG_OUTPUT))
			return true;
	return false;
}

static int request_lines(struct conn *c, const void *payload, void *reply, int *pass_fd)
{
	const struct mpssed_request_lines *in = payload;
	struct mpssed_request_reply *out = reply;
	struct gpio_v2_line_request ureq = in->request;
	struct line_request_options options = { .persist = in->flags & MPSSED_REQUEST_PERSIST };
	struct line_request *req;
	int sv[2], r;

	if ((in->flags & ~MPSSED_REQUEST_PERSIST) || in->padding)
		return -EINVAL;
	if (requests_outputs(&in->request.config) &&
	    !conn_allowed(c, gpio_chip_name(conn_chip(c)), CONFIG_ACCESS_WRITE))
		return -EACCES;
	/* As the kernel: a consumer name that fills the field is cut, not refused. */
	ureq.consumer[sizeof(ureq.consumer) - 1] = '\0';
	ureq.fd = 0;
	/* The socket first: undoing it is silent, undoing a request is not (watchers see it). */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	req_conn_reap_closed(c->listener);
	r = gpio_chip_request_lines(conn_chip(c), &ureq, &options, &req);
	if (r == 0) {
		r = req_conn_new(c->server, c->listener, req, sv[0], c);
		if (r < 0)
			line_request_release(req);
	}
	if (r < 0) {
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	out->num_lines = ureq.num_lines;
	*pass_fd = sv[1];
	return 0;
}

/* --- Watches -------------------------------------------------------------- */

/* Forward queued line-info changes while the socket takes them. */
static void chip_conn_pump_watch(struct chip_conn *cc)
{
	struct conn *c = &cc->conn;

	for (unsigned i = 0; i < WATCH_BUDGET && !c->killed; i++) {
		struct gpio_v2_line_info_changed chg;

		if (!conn_idle(c)) {
			/* Leave the rest in the watcher until the client reads. */
			loop_source_update(cc->watch_src, 0);
			return;
		}
		if (gpio_chip_watcher_read(cc->watcher, &chg, 1) <= 0)
			return;
		conn_send_msg(c, MSG_LINE_INFO_CHANGED, 0, &chg, sizeof(chg), -1);
	}
}

static void chip_conn_on_watch(struct loop_source *src, uint32_t events, void *data)
{
	chip_conn_pump_watch(data);
}

static void chip_conn_flushed(struct conn *c)
{
	struct chip_conn *cc = chip_conn_of(c);

	if (!cc->watch_src)
		return;
	loop_source_update(cc->watch_src, EPOLLIN);
	chip_conn_pump_watch(cc);
}

static int chip_conn_watcher(struct chip_conn *cc)
{
	struct line_watcher *w;
	int r;

	if (cc->watcher)
		return 0;
	r = gpio_chip_watcher_new(conn_chip(&cc->conn), &w);
	if (r < 0)
		return r;
	r = loop_add_fd(cc->conn.server->loop, gpio_chip_watcher_fd(w), EPOLLIN,
			chip_conn_on_watch, cc, &cc->watch_src);
	if (r < 0) {
		gpio_chip_watcher_free(w);
		return r;
	}
	cc->watcher = w;
	return 0;
}

static int watch_line(struct conn *c, const void *payload, void *reply, int *pass_fd)
{
	struct chip_conn *cc = chip_conn_of(c);
	unsigned offset;
	int r = parse_offset(payload, &offset);

	if (r == 0)
		r = chip_conn_watcher(cc);
	return r < 0 ? r : gpio_chip_watch(cc->watcher, offset, true, reply);
}

static int unwatch_line(struct conn *c, const void *payload, void *reply, int *pass_fd)
{
	struct chip_conn *cc = chip_conn_of(c);
	unsigned offset;
	int r = parse_offset(payload, &offset);

	if (r < 0)
		return r;
	/* As the kernel: unwatching a line that is not watched is EBUSY. */
	if (!cc->watcher)
		return -EBUSY;
	return gpio_chip_watch(cc->watcher, offset, false, NULL);
}

/* --- Life ------------------------------------------------------------------ */

static const struct conn_handler chip_handlers[] = {
	{ MSG_CHIP_INFO, chip_info, CONFIG_ACCESS_READ },
	{ MSG_LINE_INFO, line_info, CONFIG_ACCESS_READ },
	{ MSG_REQUEST_LINES, request_lines, CONFIG_ACCESS_READ },
	{ MSG_WATCH_LINE, watch_line, CONFIG_ACCESS_READ },
	{ MSG_UNWATCH_LINE, unwatch_line, CONFIG_ACCESS_READ },
	{ MSG_FIND_LINE, find_line, CONFIG_ACCESS_READ },
};

static void chip_conn_destroy(struct conn *c)
{
	struct chip_conn *cc = chip_conn_of(c);

	cc->watch_src = loop_source_remove(cc->watch_src);
	cc->watcher = gpio_chip_watcher_free(cc->watcher);
}

static void chip_conn_free(struct conn *c)
{
	free(chip_conn_of(c));
}

static const struct conn_ops chip_conn_ops = {
	.kind = "chip",
	.hello_first = true,
	.handlers = chip_handlers,
	.n_handlers = ARRAY_SIZE(chip_handlers),
	.flushed = chip_conn_flushed,
	.destroy = chip_conn_destroy,
	.free = chip_conn_free,
};

int chip_conn_new(struct server *s, struct listener *l, int fd)
{
	struct chip_conn *cc = calloc(1, sizeof(*cc));
	int r;

	if (!cc)
		return -ENOMEM;
	r = conn_init(&cc->conn, s, l, &chip_conn_ops, fd);
	if (r < 0)
		free(cc);
	return r;
}
