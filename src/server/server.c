// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The server object: its listening sockets and the connections they
 * accept. The control socket exists from the start (or comes from
 * systemd); a chip socket is made the first time the device layer's
 * registry shows a chip, and stays until exit, so its path is as stable
 * as the chip's name.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "common/log.h"
#include "device/device.h"
#include "server/internal.h"

#define ACCEPT_BUDGET 16

uint64_t server_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* --- Accepting ------------------------------------------------------------------ */

static void listener_each(struct server *s, uint32_t events)
{
	struct listener *l;

	if (s->control.src)
		loop_source_update(s->control.src, events);
	cds_list_for_each_entry(l, &s->chips, node)
		if (l->src)
			loop_source_update(l->src, events);
}

/*
 * Out of file descriptors: the pending connection stays in the backlog and
 * would wake the loop forever, so stop accepting until a connection closes.
 */
static void server_pause_accept(struct server *s, int err)
{
	log_warn("cannot accept connections: %s; waiting for one to close", strerror(err));
	s->accept_paused = true;
	listener_each(s, 0);
}

void server_conn_closed(struct server *s)
{
	if (!s->accept_paused)
		return;
	s->accept_paused = false;
	listener_each(s, EPOLLIN);
}

static void listener_on_accept(struct loop_source *src, uint32_t events, void *data)
{
	struct listener *l = data;
	struct server *s = l->server;

	for (unsigned i = 0; i < ACCEPT_BUDGET && !s->accept_paused; i++) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int r;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				server_pause_accept(s, errno);
			else if (errno != EAGAIN && errno != ECONNABORTED && errno != EINTR)
				log_err("accept: %s", strerror(errno));
			return;
		}
		r = l->new_conn(s, l, fd);
		if (r < 0) {
			log_err("cannot set up a connection: %s", strerror(-r));
			close(fd);
		}
	}
}

static int listener_watch(struct server *s, struct listener *l)
{
	return loop_add_fd(s->loop, l->fd, s->accept_paused ? 0 : EPOLLIN, listener_on_accept, l,
			   &l->src);
}

static void listener_close(struct listener *l)
{
	l->src = loop_source_remove(l->src);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	if (l->path && unlink(l->path) < 0 && errno != ENOENT)
		log_warn("cannot remove %s: %s", l->path, strerror(errno));
	free(l->path);
	l->path = NULL;
}

static char *server_path(const struct server *s, const char *name)
{
	char *path;

	if (asprintf(&path, "%s/%s", s->runtime_dir, name) < 0)
		return NULL;
	return path;
}

/* --- Chip sockets ------------------------------------------------------------------- */

struct listener *server_find_chip(struct server *s, const char *name)
{
	struct listener *l;

	cds_list_for_each_entry(l, &s->chips, node)
		if (!strcmp(gpio_chip_name(l->chip), name))
			return l;
	return NULL;
}

static int chip_listener_open(struct server *s, struct listener *l)
{
	const char *name = gpio_chip_name(l->chip);
	int r;

	if (!mpssed_valid_chip_name(name)) {
		log_err("%s: not usable as a socket name in %s; the chip is not served", name,
			s->runtime_dir);
		return 0;
	}
	l->path = server_path(s, name);
	if (!l->path)
		return -ENOMEM;
	r = unixsock_listen(l->path, &s->perm, &l->fd);
	if (r < 0) {
		log_err("%s: cannot listen on %s: %s", name, l->path, strerror(-r));
		free(l->path);
		l->path = NULL;
		return r;
	}
	r = listener_watch(s, l);
	if (r < 0)
		return r;
	log_info("%s: serving %s", name, l->path);
	return 0;
}

static void chip_listener_free(struct listener *l)
{
	listener_close(l);
	gpio_chip_unref(l->chip);
	free(l);
}

/*
 * A listener is made (and kept, even without a socket) for every chip, so
 * a failure is reported once, not at every registry change.
 */
static void server_add_chip(struct gpio_chip *chip, void *data)
{
	struct server *s = data;
	struct listener *l;
	int r;

	if (server_find_chip(s, gpio_chip_name(chip)))
		return;
	l = calloc(1, sizeof(*l));
	if (!l) {
		log_err("%s: out of memory for its socket", gpio_chip_name(chip));
		return;
	}
	l->server = s;
	l->fd = -1;
	l->new_conn = chip_conn_new;
	l->chip = gpio_chip_ref(chip);
	l->appeared_ns = server_now_ns();
	CDS_INIT_LIST_HEAD(&l->requests);
	cds_list_add_tail(&l->node, &s->chips);
	r = chip_listener_open(s, l);
	if (r < 0)
		listener_close(l);
}

static void server_on_changes(struct loop_source *src, uint32_t events, void *data)
{
	struct server *s = data;

	/* Acknowledge first: a change during the walk makes the fd readable again. */
	core_ack_changes(s->core);
	core_for_each_chip(s->core, server_add_chip, s);
}

/* --- Life -------------------------------------------------------------------------- */

static int server_open_control(struct server *s, int activated_fd)
{
	struct listener *l = &s->control;
	int r;

	l->server = s;
	l->new_conn = control_conn_new;
	CDS_INIT_LIST_HEAD(&l->requests);
	if (activated_fd >= 0) {
		/* systemd made the file and removes it: not ours. */
		l->fd = activated_fd;
		r = unixsock_set_nonblock(l->fd);
		if (r < 0)
			return r;
		log_info("control socket passed by systemd");
	} else {
		l->path = server_path(s, MPSSED_CONTROL_SOCKET);
		if (!l->path)
			return -ENOMEM;
		r = unixsock_listen(l->path, &s->perm, &l->fd);
		if (r < 0) {
			log_err("cannot listen on %s: %s", l->path, strerror(-r));
			free(l->path);
			l->path = NULL;
			return r;
		}
	}
	return listener_watch(s, l);
}

int server_new(struct server **out, struct loop *loop, struct core *core,
	       const struct server_config *config)
{
	_cleanup_(server_freep) struct server *s = calloc(1, sizeof(*s));
	int r;

	if (!s) {
		if (config->control_fd >= 0)
			close(config->control_fd);
		return -ENOMEM;
	}
	s->loop = loop;
	s->core = core;
	s->perm.mode = config->socket_mode;
	s->perm.gid = config->socket_gid;
	s->config = config->config;
	s->control.fd = -1;
	CDS_INIT_LIST_HEAD(&s->chips);
	CDS_INIT_LIST_HEAD(&s->conns);
	s->runtime_dir = strdup(config->runtime_dir);
	if (!s->runtime_dir) {
		if (config->control_fd >= 0)
			close(config->control_fd);
		return -ENOMEM;
	}
	r = server_open_control(s, config->control_fd);
	if (r < 0)
		return r;
	r = loop_add_fd(loop, core_changes_fd(core), EPOLLIN, server_on_changes, s,
			&s->changes_src);
	if (r < 0)
		return r;
	/* The chips that exist already; later ones arrive through the changes fd. */
	server_on_changes(s->changes_src, EPOLLIN, s);
	*out = steal_ptr(s);
	return 0;
}

/* Through 0600, so no one the old or the new rules exclude gets a moment of access. */
static int listener_set_perm(const struct listener *l, const struct unixsock_perm *perm)
{
	if (!l->path)
		return 0;
	if (chmod(l->path, 0600) < 0)
		return -errno;
	return unixsock_publish(l->path, perm);
}

int server_reconfigure(struct server *s, const struct server_config *config)
{
	struct listener *l;
	int r, first = 0;

	s->config = config->config;
	s->perm.mode = config->socket_mode;
	s->perm.gid = config->socket_gid;
	r = listener_set_perm(&s->control, &s->perm);
	if (r < 0) {
		log_err("cannot set the permissions of %s: %s", s->control.path, strerror(-r));
		first = r;
	}
	cds_list_for_each_entry(l, &s->chips, node) {
		r = listener_set_perm(l, &s->perm);
		if (r < 0) {
			log_err("cannot set the permissions of %s: %s", l->path, strerror(-r));
			first = first ? first : r;
		}
	}
	return first;
}

struct server *server_free(struct server *s)
{
	struct listener *l, *tmp;
	struct conn *c, *ctmp;

	if (!s)
		return NULL;
	cds_list_for_each_entry_safe(c, ctmp, &s->conns, node)
		conn_kill(c);
	s->changes_src = loop_source_remove(s->changes_src);
	cds_list_for_each_entry_safe(l, tmp, &s->chips, node) {
		cds_list_del(&l->node);
		chip_listener_free(l);
	}
	listener_close(&s->control);
	free(s->runtime_dir);
	free(s);
	return NULL;
}
