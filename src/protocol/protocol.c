// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one table of message sizes. The server checks every request against
 * it and the client library checks every reply against it, so the two can
 * never disagree about what an opcode carries.
 */
#include <stddef.h>
#include <string.h>

#include "protocol/protocol.h"

struct op_sizes {
	uint16_t opcode;
	uint16_t request;		/* payload bytes after struct mpssed_hdr */
	uint16_t reply;			/* payload bytes of its MSG_REPLY */
	const char *name;
};

#define OP(op, req, rep) { op, req, rep, #op }

static const struct op_sizes ops[] = {
	OP(MSG_HELLO, sizeof(struct mpssed_hello), sizeof(struct mpssed_hello)),
	OP(MSG_CHIP_INFO, 0, sizeof(struct gpiochip_info)),
	OP(MSG_LINE_INFO, sizeof(struct mpssed_offset), sizeof(struct gpio_v2_line_info)),
	OP(MSG_REQUEST_LINES, sizeof(struct mpssed_request_lines),
	   sizeof(struct mpssed_request_reply)),
	OP(MSG_WATCH_LINE, sizeof(struct mpssed_offset), sizeof(struct gpio_v2_line_info)),
	OP(MSG_UNWATCH_LINE, sizeof(struct mpssed_offset), 0),
	OP(MSG_FIND_LINE, sizeof(struct mpssed_line_name), sizeof(struct mpssed_offset)),
	OP(MSG_GET_VALUES, sizeof(struct gpio_v2_line_values), sizeof(struct gpio_v2_line_values)),
	OP(MSG_SET_VALUES, sizeof(struct gpio_v2_line_values), 0),
	OP(MSG_RECONFIGURE, sizeof(struct gpio_v2_line_config), 0),
	OP(MSG_REQUEST_STATS, 0, sizeof(struct mpssed_request_stats)),
	OP(MSG_LIST_CHIPS, 0, sizeof(struct mpssed_chip_list)),
	OP(MSG_CHIP_STATS, sizeof(struct mpssed_chip_name), sizeof(struct mpssed_chip_stats)),
	OP(MSG_EMU, sizeof(struct mpssed_emu), 0),
};

/* A reply of 48 bytes would read as an event record on a request socket. */
#define REPLY_IS_NOT_EVENT(type) \
	_Static_assert(sizeof(struct mpssed_hdr) + sizeof(type) != 48, #type " reply is 48 bytes")
REPLY_IS_NOT_EVENT(struct mpssed_error);
REPLY_IS_NOT_EVENT(struct gpio_v2_line_values);
REPLY_IS_NOT_EVENT(struct mpssed_request_stats);
_Static_assert(sizeof(struct mpssed_hdr) + sizeof(struct mpssed_chip_list) <= MPSSED_MSG_MAX,
	       "chip list fits a message");
_Static_assert(sizeof(struct mpssed_hdr) + sizeof(struct mpssed_request_lines) <= MPSSED_MSG_MAX,
	       "line request fits a message");

static const struct op_sizes *op_find(uint16_t opcode)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].opcode == opcode)
			return &ops[i];
	return NULL;
}

int mpssed_request_size(uint16_t opcode)
{
	const struct op_sizes *op = op_find(opcode);

	return op ? op->request : -1;
}

int mpssed_reply_size(uint16_t opcode)
{
	const struct op_sizes *op = op_find(opcode);

	return op ? op->reply : -1;
}

const char *mpssed_opcode_name(uint16_t opcode)
{
	const struct op_sizes *op = op_find(opcode);

	switch (opcode) {
	case MSG_REPLY:
		return "MSG_REPLY";
	case MSG_ERROR:
		return "MSG_ERROR";
	case MSG_LINE_INFO_CHANGED:
		return "MSG_LINE_INFO_CHANGED";
	default:
		return op ? op->name : "?";
	}
}

bool mpssed_valid_chip_name(const char *name)
{
	size_t n = strnlen(name, MPSSED_CHIP_NAME_MAX);

	return n > 0 && n < MPSSED_CHIP_NAME_MAX && !strchr(name, '/') && strcmp(name, ".") &&
	       strcmp(name, "..") && strcmp(name, MPSSED_CONTROL_SOCKET);
}
