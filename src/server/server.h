/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The server: the daemon's sockets (control socket, one socket per chip,
 * request sockets) and the connections on them, speaking the protocol of
 * protocol/protocol.h on top of the device layer. See doc/protocol.md.
 *
 * Threads and locks: everything runs on the event loop's thread (the
 * daemon's main thread), which must be a registered RCU thread because the
 * server looks chips up in the device registry (an RCU list). The server
 * takes no lock of its own; the device layer's calls it makes block for at
 * most one USB round trip. The device layer reaches the server only through
 * eventfds (chip changes, request events, line-info watches), so no device
 * thread ever runs server code.
 *
 * Access control: the socket files' mode and group are the first gate;
 * then every operation is checked against the configuration's access rules
 * (config_allows()) with the peer's SO_PEERCRED credentials and
 * SO_PEERGROUPS supplementary groups, taken when it connected (a request
 * socket carries those of the chip connection that made it). A denied
 * operation gets EACCES and the connection stays usable. Rules are looked
 * up at every operation, so a reload applies to open connections too.
 */
#ifndef MPSSED_SERVER_SERVER_H
#define MPSSED_SERVER_SERVER_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/macros.h"

struct config;
struct core;
struct loop;
struct server;

struct server_config {
	const char *runtime_dir;	/* copied */
	mode_t socket_mode;		/* of every socket file */
	gid_t socket_gid;		/* (gid_t)-1: the daemon's group */
	int control_fd;			/* >= 0: a listening socket from systemd (taken over) */
	const struct config *config;	/* access rules (NULL: none); borrowed */
};

/*
 * Create the control socket (or take over control_fd) and one socket per
 * chip the core knows, and keep creating chip sockets as chips appear.
 * The loop and the core must outlive the server.
 */
int server_new(struct server **out, struct loop *loop, struct core *core,
	       const struct server_config *config);
/*
 * Close every connection (releasing their line requests; outputs keep
 * their levels), close and remove the socket files (not a socket systemd
 * passed). Call before core_free(). Accepts NULL; returns NULL.
 */
struct server *server_free(struct server *server);
DEFINE_CLEANUP(struct server, server_free)

/*
 * A reload: new access rules (borrowed until the next call or
 * server_free()) and new socket permissions, applied to the socket files
 * made so far with chown and chmod (a socket systemd passed is left
 * alone). runtime_dir and control_fd are ignored. Returns the first error
 * of chown or chmod after trying every file.
 */
int server_reconfigure(struct server *server, const struct server_config *config);

#endif
