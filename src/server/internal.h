/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The server's private objects, shared by its files: server.c (sockets,
 * accept, chip sockets), conn.c (messages, replies, connection life),
 * control.c, chipconn.c and reqconn.c (the operations of each socket).
 *
 * Threads and locks: all of it lives on the loop's thread; no locks.
 *
 * Ownership:
 *  - struct server owns its listening sockets (struct listener: the
 *    control socket and one per chip) and every connection (server->conns).
 *  - struct conn is embedded in a kind-specific object (chip_conn,
 *    req_conn, or a bare conn for the control socket). conn_kill() releases
 *    what it holds at once (device objects, fds, sources) and leaves its
 *    memory to loop_defer(), so a handler that kills its own connection,
 *    or another one, keeps valid pointers until the pass ends.
 *  - A chip listener holds a reference to its gpio_chip and lives until
 *    server_free(): chip names are stable across unplug and replug, and so
 *    are their sockets. Connections point at their listener.
 */
#ifndef MPSSED_SERVER_INTERNAL_H
#define MPSSED_SERVER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/rcu.h"
#include "config/config.h"
#include "protocol/protocol.h"
#include "server/loop.h"
#include "server/server.h"
#include "server/unixsock.h"

struct gpio_chip;
struct line_request;
struct conn;

/* Messages a connection could not send yet; beyond this the client is not reading. */
#define CONN_OUTQ_MAX 64
/* Supplementary groups of a peer the access rules look at; beyond these, the primary only. */
#define CONN_GROUPS_MAX 64
/* Messages handled per wake-up of one connection, so no client starves the others. */
#define CONN_READ_BUDGET 16

struct listener {
	struct cds_list_head node;	/* server->chips (chip sockets only) */
	struct server *server;
	int fd;				/* -1: no socket (the name cannot be a file) */
	struct loop_source *src;
	char *path;			/* NULL: not ours to remove (socket activation) */
	/* Make the connection for an accepted fd (which it owns on success). */
	int (*new_conn)(struct server *s, struct listener *l, int fd);
	/* Chip sockets. */
	struct gpio_chip *chip;		/* a reference */
	uint64_t appeared_ns;		/* CLOCK_MONOTONIC, when the server first saw it */
	struct cds_list_head requests;	/* struct req_conn on this chip */
	uint64_t past_events, past_dropped; /* of its requests that are gone */
};

struct server {
	struct loop *loop;
	struct core *core;
	struct unixsock_perm perm;
	const struct config *config;	/* access rules; borrowed, NULL: none */
	char *runtime_dir;
	struct listener control;
	struct loop_source *changes_src;
	struct cds_list_head chips;	/* struct listener */
	struct cds_list_head conns;	/* struct conn */
	unsigned next_id;
	bool accept_paused;		/* out of file descriptors */
};

/*
 * An operation: fn gets the request payload (its size already checked) and
 * writes the reply payload (mpssed_reply_size(opcode) bytes, zeroed) to
 * reply. It returns 0, or -errno for a MSG_ERROR. *pass_fd (initially -1)
 * may be set to an fd the reply carries; the reply then owns it. access:
 * what the operation needs on the connection's chip (checked before fn);
 * 0 when fn checks for itself.
 */
struct conn_handler {
	uint16_t opcode;
	int (*fn)(struct conn *c, const void *payload, void *reply, int *pass_fd);
	enum config_access access;
};

struct conn_ops {
	const char *kind;		/* for logs */
	bool hello_first;		/* MSG_HELLO must come before anything else */
	const struct conn_handler *handlers;
	size_t n_handlers;
	/* The socket took everything queued: resume what waited for it. May be NULL. */
	void (*flushed)(struct conn *c);
	/* Release what the kind holds (called once, from conn_kill()). May be NULL. */
	void (*destroy)(struct conn *c);
	/* Free the kind's memory (at the end of the loop pass). */
	void (*free)(struct conn *c);
};

struct out_msg;

struct conn {
	struct cds_list_head node;	/* server->conns */
	struct server *server;
	const struct conn_ops *ops;
	struct listener *listener;	/* where it came from */
	unsigned id;			/* for logs */
	int fd;
	struct loop_source *src;
	pid_t pid;			/* SO_PEERCRED, for the access rules */
	uid_t uid;
	gid_t gid;
	unsigned n_groups;		/* SO_PEERGROUPS */
	gid_t groups[CONN_GROUPS_MAX];
	unsigned denials_logged;	/* bit per enum config_access: a refusal is logged once */
	bool greeted;
	bool want_write;		/* the kind waits for EPOLLOUT */
	bool killed;
	struct out_msg *outq, **outq_tail;
	unsigned outq_len;
	struct loop_defer defer;
};

/* conn.c */
/* Set up c (embedded in its kind's object) on fd, which it then owns, and start reading. */
int conn_init(struct conn *c, struct server *server, struct listener *l,
	      const struct conn_ops *ops, int fd);
/*
 * Whether the peer may do what on the chip named chip (NULL: daemon-wide);
 * the first refusal of each kind on a connection is logged, so that a
 * client retrying in a loop cannot flood the log.
 */
bool conn_allowed(struct conn *c, const char *chip, enum config_access what);
/* Close now, free after the loop pass. Safe to call more than once and from any callback. */
void conn_kill(struct conn *c);
/* Whether everything queued went out (a kind may then send its own messages). */
bool conn_idle(const struct conn *c);
/* Ask for (or stop asking for) EPOLLOUT on behalf of the kind; ops->flushed() follows. */
void conn_want_write(struct conn *c, bool on);
/*
 * If the client has closed its end, handle what it sent before and close
 * now rather than at the next loop pass (the kernel's close() is
 * synchronous; a client that closes a request and requests again must not
 * find the lines still held).
 */
void conn_check_hangup(struct conn *c);
/* Send a server message with a header; queued if the socket is full. */
void conn_send_msg(struct conn *c, uint16_t opcode, uint32_t serial, const void *payload,
		   size_t len, int pass_fd);

/* server.c */
uint64_t server_now_ns(void);
/* The chip listener of a name, or NULL. */
struct listener *server_find_chip(struct server *s, const char *name);
/* A connection is gone: accepting may resume if it was paused for lack of fds. */
void server_conn_closed(struct server *s);

/* chipconn.c: a connection accepted on a chip socket. */
int chip_conn_new(struct server *s, struct listener *l, int fd);

/* control.c */
int control_conn_new(struct server *s, struct listener *l, int fd);

/* reqconn.c: the server's end of a request socket, which it now owns. */
int req_conn_new(struct server *s, struct listener *l, struct line_request *req, int fd,
		 const struct conn *parent);
/* Close the chip's request sockets whose client end is closed already. */
void req_conn_reap_closed(struct listener *l);
/* Events and drops over every request the chip has had. */
void req_conn_chip_totals(struct listener *l, uint64_t *events, uint64_t *dropped);

#endif
