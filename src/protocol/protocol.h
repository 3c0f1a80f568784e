/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mpssed socket protocol: the wire format shared by the daemon's server
 * and the client library. Fixed-size little-endian (host order: the socket
 * is local) structs, no pointers. Documented for users in doc/protocol.md.
 *
 * Sockets (all SOCK_SEQPACKET, one message per send, whole messages only):
 *  - RUNTIME_DIR/mpssed.sock: the control socket (list chips, stats,
 *    emulator control).
 *  - RUNTIME_DIR/<chip>: one per chip, the analogue of /dev/gpiochipN (chip
 *    info, line info, line requests, line-info watches). Its name stays the
 *    same across unplug and replug.
 *  - The request socket: MSG_REQUEST_LINES answers with one end of a new
 *    socketpair passed with SCM_RIGHTS, the analogue of the kernel's line
 *    request fd. The server sends each edge event on it as one 48-byte
 *    message holding exactly a struct gpio_v2_line_event (so read() on it
 *    yields whole records, one per read); the client sends value and
 *    reconfigure operations on it, whose replies come on it too. Replies
 *    are never 48 bytes long, so a reader tells events from replies by size.
 *    Closing it releases the lines. When the device is gone for good the
 *    server shuts its end down (POLLHUP, then end of file once the queued
 *    events are read), which the client library reports as ENODEV.
 *
 * Every message other than an event starts with struct mpssed_hdr. Client
 * requests use opcodes below 0x8000, server messages 0x8000 and up. Each
 * request gets exactly one reply with the same serial: MSG_REPLY (with the
 * operation's reply payload) or MSG_ERROR (with a kernel errno). A request
 * whose size is not exactly what its opcode requires gets EINVAL (EBADMSG
 * for a header that cannot be parsed, after which the server closes the
 * connection); an unknown opcode gets EOPNOTSUPP. Unsolicited server
 * messages (line-info changes) have serial 0 and may arrive between a
 * request and its reply: clients queue them.
 *
 * The first message on a chip or control connection must be MSG_HELLO; the
 * server answers with its own version and refuses other major versions
 * with EPROTONOSUPPORT.
 */
#ifndef MPSSED_PROTOCOL_PROTOCOL_H
#define MPSSED_PROTOCOL_PROTOCOL_H

#include <linux/gpio.h>
#include <stdbool.h>
#include <stdint.h>

#define MPSSED_PROTOCOL_MAJOR 1
#define MPSSED_PROTOCOL_MINOR 0

#define MPSSED_CONTROL_SOCKET "mpssed.sock"
#define MPSSED_RUNTIME_DIR_DEFAULT "/run/mpssed"
#define MPSSED_CHIP_NAME_MAX 32		/* including the NUL, as gpiochip_info.name */
#define MPSSED_MSG_MAX 4096		/* no message is larger */

enum mpssed_opcode {
	/* Any connection. */
	MSG_HELLO = 0x0001,		/* struct mpssed_hello -> struct mpssed_hello */

	/* Chip socket. */
	MSG_CHIP_INFO = 0x0101,		/* - -> struct gpiochip_info */
	MSG_LINE_INFO = 0x0102,		/* struct mpssed_offset -> struct gpio_v2_line_info */
	MSG_REQUEST_LINES = 0x0103,	/* struct mpssed_request_lines -> struct mpssed_request_reply + fd */
	MSG_WATCH_LINE = 0x0104,	/* struct mpssed_offset -> struct gpio_v2_line_info */
	MSG_UNWATCH_LINE = 0x0105,	/* struct mpssed_offset -> - */
	MSG_FIND_LINE = 0x0106,		/* struct mpssed_line_name -> struct mpssed_offset */

	/* Request socket. */
	MSG_GET_VALUES = 0x0201,	/* struct gpio_v2_line_values (mask) -> struct gpio_v2_line_values */
	MSG_SET_VALUES = 0x0202,	/* struct gpio_v2_line_values -> - */
	MSG_RECONFIGURE = 0x0203,	/* struct gpio_v2_line_config -> - */
	MSG_REQUEST_STATS = 0x0204,	/* - -> struct mpssed_request_stats */

	/* Control socket. */
	MSG_LIST_CHIPS = 0x0301,	/* - -> struct mpssed_chip_list */
	MSG_CHIP_STATS = 0x0302,	/* struct mpssed_chip_name -> struct mpssed_chip_stats */
	MSG_EMU = 0x0303,		/* struct mpssed_emu -> - (EOPNOTSUPP for real devices) */

	/* Server messages. */
	MSG_REPLY = 0x8001,		/* payload: the operation's reply */
	MSG_ERROR = 0x8002,		/* struct mpssed_error */
	MSG_LINE_INFO_CHANGED = 0x8003,	/* struct gpio_v2_line_info_changed, serial 0 */
};

struct mpssed_hdr {
	uint16_t opcode;
	uint16_t size;			/* of the payload after this header */
	uint32_t serial;		/* chosen by the client, echoed in the reply */
};

struct mpssed_hello {
	uint32_t major, minor;
	uint32_t padding[2];
};

struct mpssed_error {
	int32_t error;			/* a positive errno value */
	uint32_t padding;
};

struct mpssed_offset {
	uint32_t offset;
	uint32_t padding;
};

struct mpssed_line_name {
	char name[GPIO_MAX_NAME_SIZE];
};

struct mpssed_chip_name {
	char name[MPSSED_CHIP_NAME_MAX];
};

#define MPSSED_REQUEST_PERSIST (1u << 0) /* keep the lines configured across unplug */

struct mpssed_request_lines {
	struct gpio_v2_line_request request; /* .fd is ignored */
	uint32_t flags;			/* MPSSED_REQUEST_* */
	uint32_t padding;
};

struct mpssed_request_reply {
	uint32_t num_lines;
	uint32_t padding;
};

struct mpssed_request_stats {
	uint64_t events;		/* generated for this request */
	uint64_t dropped;		/* lost because its queue was full */
	uint32_t queued;
	uint32_t padding;
};

struct mpssed_chip_entry {
	char name[MPSSED_CHIP_NAME_MAX];
	char label[GPIO_MAX_NAME_SIZE];
	uint32_t lines;
	uint32_t present;		/* 0 while unplugged */
	uint32_t emulated;
	uint32_t padding;
};

#define MPSSED_CHIPS_MAX 32
struct mpssed_chip_list {
	uint32_t count;
	uint32_t padding;
	struct mpssed_chip_entry chips[MPSSED_CHIPS_MAX];
};

struct mpssed_chip_stats {
	uint64_t samples;
	uint64_t sample_interval_ns;
	uint64_t unplugs, replugs;
	uint64_t events, dropped;	/* over its requests */
	uint64_t deferred_pending;	/* deferred frees not yet run (daemon-wide) */
	uint64_t uptime_ns;
	double sample_rate_hz;
	uint32_t rtt_p50_us, rtt_p99_us;
	uint32_t requests;
	uint32_t max_samplers;		/* most sample() calls ever running at once: 1 */
};

enum mpssed_emu_op {
	MPSSED_EMU_UNPLUG = 1,
	MPSSED_EMU_REPLUG,
	MPSSED_EMU_SET,			/* line = value (drive an input from outside) */
	MPSSED_EMU_WIRE,		/* line (output) -> line2 (input) */
	MPSSED_EMU_UNWIRE,		/* line2 */
	MPSSED_EMU_WAVE,		/* square wave on line at millihertz */
};

struct mpssed_emu {
	char chip[MPSSED_CHIP_NAME_MAX];
	uint32_t op;			/* enum mpssed_emu_op */
	uint32_t line, line2;
	uint32_t value;
	uint64_t millihertz;
};

/*
 * Helpers both ends share (protocol.c, libprotocol.la). The exact payload
 * size of a client request and of its MSG_REPLY, or -1 for an opcode that
 * is not a client request; the opcode's name for logs ("?" if unknown).
 */
int mpssed_request_size(uint16_t opcode);
int mpssed_reply_size(uint16_t opcode);
const char *mpssed_opcode_name(uint16_t opcode);

/*
 * Whether name can be a chip's name, that is its socket file in the
 * runtime directory: not empty, shorter than MPSSED_CHIP_NAME_MAX, no '/',
 * not "." or "..", not the control socket's name. (Not mpssed_chip_*:
 * libmpssed.sym exports that prefix.)
 */
bool mpssed_valid_chip_name(const char *name);

/* Sizes are part of the protocol: check them at compile time. */
_Static_assert(sizeof(struct mpssed_hdr) == 8, "header size");
_Static_assert(sizeof(struct gpio_v2_line_event) == 48, "event record size");
_Static_assert(sizeof(struct mpssed_hdr) + sizeof(struct gpio_v2_line_values) != 48,
	       "replies must never be mistaken for events");

#endif
