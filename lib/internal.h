/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmpssed's private interfaces, shared by its files (one per public
 * object, plus conn.c for the sockets). Nothing here is exported: the
 * library is built with -fvisibility=hidden and only _public_ functions
 * (all declared in include/mpssed.h) leave it.
 *
 * Threads and locks: none. Each object is used by one thread at a time
 * (the public header's rule), so nothing here locks.
 */
#ifndef MPSSED_LIB_INTERNAL_H
#define MPSSED_LIB_INTERNAL_H

#include <linux/gpio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/macros.h"
#include "mpssed.h"
#include "protocol/protocol.h"

/* Unsolicited records a connection keeps while nobody reads them (kernel's max queue). */
#define CONN_QUEUE_MAX 1024

#define LINES_MAX GPIO_V2_LINES_MAX

/* --- conn.c: one socket to the daemon ------------------------------------------ */

/*
 * What a socket carries besides replies, which decides how received
 * messages are told apart and what end of file means.
 */
enum conn_kind {
	CONN_CONTROL = 1,	/* replies only; EOF: ECONNRESET */
	CONN_CHIP,		/* + MSG_LINE_INFO_CHANGED (serial 0); EOF: ECONNRESET */
	CONN_REQUEST,		/* + bare 48-byte edge events; EOF: ENODEV */
};

/* A ring of fixed-size records (edge events or line-info changes). */
struct conn_queue {
	uint8_t *recs;
	size_t rec_size, cap, head, len;
};

struct conn {
	enum conn_kind kind;
	int fd;			/* the socket */
	int epfd;		/* what get_fd() hands out; -1 until asked for */
	int efd;		/* eventfd in epfd: readable while the queue is not empty */
	bool efd_signalled;
	bool eof;		/* the daemon closed its end */
	uint32_t serial;	/* of the last request */
	struct conn_queue queue;
};

/* Connect to the socket at path and say hello; 0 or -1 + errno. */
int conn_open(struct conn *c, enum conn_kind kind, const char *path);
/* Take over a connected socket (a request socket needs no hello). */
void conn_init_fd(struct conn *c, enum conn_kind kind, int fd);
void conn_close(struct conn *c);
/*
 * Send a request and wait for its reply, queueing the unsolicited messages
 * that come first. reply receives mpssed_reply_size(opcode) bytes; *fd_out
 * (may be NULL) a passed file descriptor or -1. 0, or -1 + errno (the
 * daemon's, from MSG_ERROR).
 */
int conn_call(struct conn *c, uint16_t opcode, const void *payload, size_t len, void *reply,
	      int *fd_out);
/* The pollable descriptor (made on first use); -1 + errno. */
int conn_get_fd(struct conn *c);
/* 1: a record can be read (or the connection ended), 0: timeout, -1 + errno. */
int conn_wait(struct conn *c, int64_t timeout_ns);
/*
 * Take up to max records (queue first, then the socket) into buf (max
 * records of the kind's record size); waits for the first if none is
 * there. Returns how many, or -1 + errno (the end-of-file errno once the
 * queue is empty and the daemon closed its end).
 */
int conn_read_records(struct conn *c, void *buf, size_t max);

/* --- misc.c ----------------------------------------------------------------------- */

/* $MPSSED_RUNTIME_DIR, or the default. Never NULL. */
const char *runtime_dir(void);
/* dir/name, or NULL + ENOMEM. */
char *path_join(const char *dir, const char *name);
/* Copy a NUL-terminated string into a fixed field, cutting it; the field ends with a NUL. */
void copy_cut(char *dst, size_t size, const char *src);
/* The C string in a fixed field that may lack its NUL, copied into dst[size + 1]. */
void copy_field(char *dst, const char *field, size_t size);

/* --- chip.c ------------------------------------------------------------------------ */

/* Open the chip socket at path exactly as given (no runtime-dir lookup); NULL + errno. */
struct mpssed_chip *chip_open_path(const char *path);

/* --- chip-info.c ------------------------------------------------------------------ */

struct mpssed_chip_info *chip_info_from_uapi(const struct gpiochip_info *uinfo);

/* --- line-info.c ------------------------------------------------------------------ */

struct mpssed_line_info *line_info_from_uapi(const struct gpio_v2_line_info *uinfo);

/* --- line-settings.c ---------------------------------------------------------------- */

struct mpssed_line_settings {
	enum mpssed_line_direction direction;
	enum mpssed_line_edge edge;
	enum mpssed_line_bias bias;
	enum mpssed_line_drive drive;
	bool active_low;
	unsigned long debounce_period_us;
	enum mpssed_line_clock event_clock;
	enum mpssed_line_value output_value;
};

void line_settings_init(struct mpssed_line_settings *settings);
/* The uAPI flags the settings stand for (edge detection implies input). */
uint64_t line_settings_to_flags(const struct mpssed_line_settings *settings);

/* --- line-config.c ------------------------------------------------------------------ */

/*
 * The uAPI config of a request whose lines are offsets[0..num) in that
 * order (attribute masks index that order). Every line of config must be
 * among them and the reverse: EINVAL otherwise; E2BIG when the settings
 * need more attributes than a request carries.
 */
int line_config_to_uapi(struct mpssed_line_config *config, const unsigned *offsets, size_t num,
			struct gpio_v2_line_config *out);
/* The config's lines in order; returns how many. */
size_t line_config_offsets(struct mpssed_line_config *config, unsigned *offsets);

/* --- request-config.c ------------------------------------------------------------------- */

/* Fill the request-config parts of a MSG_REQUEST_LINES payload (config may be NULL). */
void request_config_to_uapi(struct mpssed_request_config *config,
			    struct mpssed_request_lines *out);

/* --- line-request.c -------------------------------------------------------------------- */

/* A request over its socket fd (taken over); NULL + errno (fd closed then). */
struct mpssed_line_request *line_request_new(int fd, const char *chip_name,
					     const unsigned *offsets, size_t num);

/* --- edge-event.c ----------------------------------------------------------------------- */

/* Convert n raw records into the buffer's events, replacing its contents. */
void edge_event_buffer_fill(struct mpssed_edge_event_buffer *buffer,
			    const struct gpio_v2_line_event *raw, size_t n);

/* --- info-event.c ------------------------------------------------------------------------ */

struct mpssed_info_event *info_event_from_uapi(const struct gpio_v2_line_info_changed *chg);

#endif
