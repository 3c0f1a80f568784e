// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Edge events and the buffer that holds them. As in libgpiod the caller
 * owns the buffer and the buffer owns the events in it; an event taken out
 * of a buffer is borrowed until the next read into that buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"

#define BUFFER_DEFAULT_CAPACITY 64
#define BUFFER_MAX_CAPACITY 1024

struct mpssed_edge_event {
	enum mpssed_edge_event_type type;
	uint64_t timestamp_ns;
	unsigned int offset;
	unsigned long global_seqno;
	unsigned long line_seqno;
};

struct mpssed_edge_event_buffer {
	size_t capacity;
	size_t num_events;
	struct mpssed_edge_event events[];
};

_public_ void mpssed_edge_event_free(struct mpssed_edge_event *event)
{
	free(event);
}

_public_ struct mpssed_edge_event *mpssed_edge_event_copy(struct mpssed_edge_event *event)
{
	struct mpssed_edge_event *copy = malloc(sizeof(*copy));

	if (copy)
		memcpy(copy, event, sizeof(*copy));
	return copy;
}

_public_ enum mpssed_edge_event_type mpssed_edge_event_get_event_type(struct mpssed_edge_event *event)
{
	return event->type;
}

_public_ uint64_t mpssed_edge_event_get_timestamp_ns(struct mpssed_edge_event *event)
{
	return event->timestamp_ns;
}

_public_ unsigned int mpssed_edge_event_get_line_offset(struct mpssed_edge_event *event)
{
	return event->offset;
}

_public_ unsigned long mpssed_edge_event_get_global_seqno(struct mpssed_edge_event *event)
{
	return event->global_seqno;
}

_public_ unsigned long mpssed_edge_event_get_line_seqno(struct mpssed_edge_event *event)
{
	return event->line_seqno;
}

_public_ struct mpssed_edge_event_buffer *mpssed_edge_event_buffer_new(size_t capacity)
{
	struct mpssed_edge_event_buffer *buffer;

	/* As libgpiod: 0 picks the default and too much is clamped, not refused. */
	if (!capacity)
		capacity = BUFFER_DEFAULT_CAPACITY;
	if (capacity > BUFFER_MAX_CAPACITY)
		capacity = BUFFER_MAX_CAPACITY;
	buffer = calloc(1, sizeof(*buffer) + capacity * sizeof(buffer->events[0]));
	if (buffer)
		buffer->capacity = capacity;
	return buffer;
}

_public_ size_t mpssed_edge_event_buffer_get_capacity(struct mpssed_edge_event_buffer *buffer)
{
	return buffer->capacity;
}

_public_ void mpssed_edge_event_buffer_free(struct mpssed_edge_event_buffer *buffer)
{
	free(buffer);
}

_public_ struct mpssed_edge_event *
mpssed_edge_event_buffer_get_event(struct mpssed_edge_event_buffer *buffer, unsigned long index)
{
	if (index >= buffer->num_events) {
		errno = EINVAL;
		return NULL;
	}
	return &buffer->events[index];
}

_public_ size_t mpssed_edge_event_buffer_get_num_events(struct mpssed_edge_event_buffer *buffer)
{
	return buffer->num_events;
}

void edge_event_buffer_fill(struct mpssed_edge_event_buffer *buffer,
			    const struct gpio_v2_line_event *raw, size_t n)
{
	for (size_t i = 0; i < n && i < buffer->capacity; i++) {
		struct mpssed_edge_event *e = &buffer->events[i];

		e->type = raw[i].id == GPIO_V2_LINE_EVENT_RISING_EDGE ? MPSSED_EDGE_EVENT_RISING_EDGE :
									 MPSSED_EDGE_EVENT_FALLING_EDGE;
		e->timestamp_ns = raw[i].timestamp_ns;
		e->offset = raw[i].offset;
		e->global_seqno = raw[i].seqno;
		e->line_seqno = raw[i].line_seqno;
	}
	buffer->num_events = n < buffer->capacity ? n : buffer->capacity;
}
