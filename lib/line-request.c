// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * struct mpssed_line_request: the lines a request holds, over its own
 * request socket (the analogue of the kernel's line request fd). Values
 * and reconfiguration are calls on that socket; edge events arrive on it
 * as bare 48-byte records, and those that arrive while a call waits are
 * queued by conn.c. Releasing closes the socket, which releases the lines.
 *
 * Values cross the socket as bitmaps by position in the request; this
 * file maps chip offsets to positions and back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"

struct mpssed_line_request {
	struct conn conn;
	char chip_name[MPSSED_CHIP_NAME_MAX];
	size_t num_lines;
	unsigned int offsets[LINES_MAX];
};

struct mpssed_line_request *line_request_new(int fd, const char *chip_name,
					     const unsigned *offsets, size_t num)
{
	struct mpssed_line_request *req = calloc(1, sizeof(*req));

	if (!req) {
		close(fd);
		return NULL;
	}
	conn_init_fd(&req->conn, CONN_REQUEST, fd);
	copy_cut(req->chip_name, sizeof(req->chip_name), chip_name);
	req->num_lines = num;
	memcpy(req->offsets, offsets, num * sizeof(offsets[0]));
	return req;
}

_public_ void mpssed_line_request_release(struct mpssed_line_request *request)
{
	if (!request)
		return;
	conn_close(&request->conn);
	free(request);
}

_public_ const char *mpssed_line_request_get_chip_name(struct mpssed_line_request *request)
{
	return request->chip_name;
}

_public_ size_t mpssed_line_request_get_num_requested_lines(struct mpssed_line_request *request)
{
	return request->num_lines;
}

_public_ size_t mpssed_line_request_get_requested_offsets(struct mpssed_line_request *request,
							  unsigned int *offsets, size_t max_offsets)
{
	size_t n = request->num_lines < max_offsets ? request->num_lines : max_offsets;

	memcpy(offsets, request->offsets, n * sizeof(offsets[0]));
	return n;
}

/* --- Values ------------------------------------------------------------------------- */

/* The position of each offset in the request, as a bit each; EINVAL for a line not held. */
static int offsets_to_bits(struct mpssed_line_request *req, size_t num, const unsigned int *offsets,
			   uint64_t *bits)
{
	if (!num || num > req->num_lines || !offsets) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < num; i++) {
		size_t pos = 0;

		while (pos < req->num_lines && req->offsets[pos] != offsets[i])
			pos++;
		if (pos == req->num_lines) {
			errno = EINVAL;
			return -1;
		}
		bits[i] = 1ULL << pos;
	}
	return 0;
}

_public_ int mpssed_line_request_get_values_subset(struct mpssed_line_request *request,
						   size_t num_values, const unsigned int *offsets,
						   enum mpssed_line_value *values)
{
	struct gpio_v2_line_values req = { 0 }, reply;
	uint64_t bits[LINES_MAX];

	if (offsets_to_bits(request, num_values, offsets, bits) < 0)
		return -1;
	for (size_t i = 0; i < num_values; i++)
		req.mask |= bits[i];
	if (conn_call(&request->conn, MSG_GET_VALUES, &req, sizeof(req), &reply, NULL) < 0)
		return -1;
	for (size_t i = 0; i < num_values; i++)
		values[i] = reply.bits & bits[i] ? MPSSED_LINE_VALUE_ACTIVE : MPSSED_LINE_VALUE_INACTIVE;
	return 0;
}

_public_ int mpssed_line_request_get_values(struct mpssed_line_request *request,
					    enum mpssed_line_value *values)
{
	return mpssed_line_request_get_values_subset(request, request->num_lines, request->offsets,
						     values);
}

_public_ enum mpssed_line_value mpssed_line_request_get_value(struct mpssed_line_request *request,
							      unsigned int offset)
{
	enum mpssed_line_value value;

	if (mpssed_line_request_get_values_subset(request, 1, &offset, &value) < 0)
		return MPSSED_LINE_VALUE_ERROR;
	return value;
}

_public_ int mpssed_line_request_set_values_subset(struct mpssed_line_request *request,
						   size_t num_values, const unsigned int *offsets,
						   const enum mpssed_line_value *values)
{
	struct gpio_v2_line_values req = { 0 };
	uint64_t bits[LINES_MAX];

	if (offsets_to_bits(request, num_values, offsets, bits) < 0)
		return -1;
	for (size_t i = 0; i < num_values; i++) {
		if (values[i] != MPSSED_LINE_VALUE_ACTIVE && values[i] != MPSSED_LINE_VALUE_INACTIVE) {
			errno = EINVAL;
			return -1;
		}
		req.mask |= bits[i];
		if (values[i] == MPSSED_LINE_VALUE_ACTIVE)
			req.bits |= bits[i];
	}
	return conn_call(&request->conn, MSG_SET_VALUES, &req, sizeof(req), NULL, NULL);
}

_public_ int mpssed_line_request_set_values(struct mpssed_line_request *request,
					    const enum mpssed_line_value *values)
{
	return mpssed_line_request_set_values_subset(request, request->num_lines, request->offsets,
						     values);
}

_public_ int mpssed_line_request_set_value(struct mpssed_line_request *request, unsigned int offset,
					   enum mpssed_line_value value)
{
	return mpssed_line_request_set_values_subset(request, 1, &offset, &value);
}

_public_ int mpssed_line_request_reconfigure_lines(struct mpssed_line_request *request,
						   struct mpssed_line_config *config)
{
	struct gpio_v2_line_config ucfg;

	if (!config) {
		errno = EINVAL;
		return -1;
	}
	if (line_config_to_uapi(config, request->offsets, request->num_lines, &ucfg) < 0)
		return -1;
	return conn_call(&request->conn, MSG_RECONFIGURE, &ucfg, sizeof(ucfg), NULL, NULL);
}

/* --- Edge events --------------------------------------------------------------------- */

_public_ int mpssed_line_request_get_fd(struct mpssed_line_request *request)
{
	return conn_get_fd(&request->conn);
}

_public_ int mpssed_line_request_wait_edge_events(struct mpssed_line_request *request,
						  int64_t timeout_ns)
{
	return conn_wait(&request->conn, timeout_ns);
}

_public_ int mpssed_line_request_read_edge_events(struct mpssed_line_request *request,
						  struct mpssed_edge_event_buffer *buffer,
						  size_t max_events)
{
	size_t capacity = mpssed_edge_event_buffer_get_capacity(buffer);
	_cleanup_free_ struct gpio_v2_line_event *raw = NULL;
	int n;

	if (max_events > capacity)
		max_events = capacity;
	raw = calloc(max_events ? max_events : 1, sizeof(*raw));
	if (!raw)
		return -1;
	n = conn_read_records(&request->conn, raw, max_events);
	if (n < 0)
		return -1;
	edge_event_buffer_fill(buffer, raw, (size_t)n);
	return n;
}
