// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * struct mpssed_info_event: one line-info change of a watched line. The
 * event owns the line info it carries.
 */
#include <errno.h>
#include <stdlib.h>

#include "lib/internal.h"

struct mpssed_info_event {
	enum mpssed_info_event_type type;
	uint64_t timestamp_ns;
	struct mpssed_line_info *info;
};

struct mpssed_info_event *info_event_from_uapi(const struct gpio_v2_line_info_changed *chg)
{
	struct mpssed_info_event *event;

	/* The uAPI's event ids are libgpiod's enum values; anything else is not ours. */
	if (chg->event_type < MPSSED_INFO_EVENT_LINE_REQUESTED ||
	    chg->event_type > MPSSED_INFO_EVENT_LINE_CONFIG_CHANGED) {
		errno = EPROTO;
		return NULL;
	}
	event = calloc(1, sizeof(*event));
	if (!event)
		return NULL;
	event->type = (enum mpssed_info_event_type)chg->event_type;
	event->timestamp_ns = chg->timestamp_ns;
	event->info = line_info_from_uapi(&chg->info);
	if (!event->info) {
		free(event);
		return NULL;
	}
	return event;
}

_public_ void mpssed_info_event_free(struct mpssed_info_event *event)
{
	if (!event)
		return;
	mpssed_line_info_free(event->info);
	free(event);
}

_public_ enum mpssed_info_event_type mpssed_info_event_get_event_type(struct mpssed_info_event *event)
{
	return event->type;
}

_public_ uint64_t mpssed_info_event_get_timestamp_ns(struct mpssed_info_event *event)
{
	return event->timestamp_ns;
}

_public_ struct mpssed_line_info *mpssed_info_event_get_line_info(struct mpssed_info_event *event)
{
	return event->info;
}
