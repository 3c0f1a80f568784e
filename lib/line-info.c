// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * struct mpssed_line_info: a snapshot of one line's info, decoded from the
 * uAPI's flags and attributes into libgpiod's enums once, when it arrives.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"

#define FLAG(x) GPIO_V2_LINE_FLAG_##x

struct mpssed_line_info {
	unsigned int offset;
	char name[GPIO_MAX_NAME_SIZE + 1];
	char consumer[GPIO_MAX_NAME_SIZE + 1];
	bool used;
	bool active_low;
	enum mpssed_line_direction direction;
	enum mpssed_line_bias bias;
	enum mpssed_line_drive drive;
	enum mpssed_line_edge edge;
	enum mpssed_line_clock clock;
	bool debounced;
	unsigned long debounce_period_us;
};

static enum mpssed_line_bias bias_from_flags(uint64_t flags)
{
	if (flags & FLAG(BIAS_PULL_UP))
		return MPSSED_LINE_BIAS_PULL_UP;
	if (flags & FLAG(BIAS_PULL_DOWN))
		return MPSSED_LINE_BIAS_PULL_DOWN;
	if (flags & FLAG(BIAS_DISABLED))
		return MPSSED_LINE_BIAS_DISABLED;
	return MPSSED_LINE_BIAS_UNKNOWN;
}

static enum mpssed_line_drive drive_from_flags(uint64_t flags)
{
	if (flags & FLAG(OPEN_DRAIN))
		return MPSSED_LINE_DRIVE_OPEN_DRAIN;
	if (flags & FLAG(OPEN_SOURCE))
		return MPSSED_LINE_DRIVE_OPEN_SOURCE;
	return MPSSED_LINE_DRIVE_PUSH_PULL;
}

static enum mpssed_line_edge edge_from_flags(uint64_t flags)
{
	bool rising = flags & FLAG(EDGE_RISING), falling = flags & FLAG(EDGE_FALLING);

	if (rising && falling)
		return MPSSED_LINE_EDGE_BOTH;
	if (rising)
		return MPSSED_LINE_EDGE_RISING;
	if (falling)
		return MPSSED_LINE_EDGE_FALLING;
	return MPSSED_LINE_EDGE_NONE;
}

static enum mpssed_line_clock clock_from_flags(uint64_t flags)
{
	if (flags & FLAG(EVENT_CLOCK_REALTIME))
		return MPSSED_LINE_CLOCK_REALTIME;
	if (flags & FLAG(EVENT_CLOCK_HTE))
		return MPSSED_LINE_CLOCK_HTE;
	return MPSSED_LINE_CLOCK_MONOTONIC;
}

struct mpssed_line_info *line_info_from_uapi(const struct gpio_v2_line_info *uinfo)
{
	struct mpssed_line_info *info = calloc(1, sizeof(*info));
	uint64_t flags = uinfo->flags;

	if (!info)
		return NULL;
	info->offset = uinfo->offset;
	copy_field(info->name, uinfo->name, sizeof(uinfo->name));
	copy_field(info->consumer, uinfo->consumer, sizeof(uinfo->consumer));
	info->used = flags & FLAG(USED);
	info->active_low = flags & FLAG(ACTIVE_LOW);
	info->direction = flags & FLAG(OUTPUT) ? MPSSED_LINE_DIRECTION_OUTPUT :
						 MPSSED_LINE_DIRECTION_INPUT;
	info->bias = bias_from_flags(flags);
	info->drive = drive_from_flags(flags);
	info->edge = edge_from_flags(flags);
	info->clock = clock_from_flags(flags);
	for (unsigned i = 0; i < uinfo->num_attrs && i < GPIO_V2_LINE_NUM_ATTRS_MAX; i++) {
		if (uinfo->attrs[i].id != GPIO_V2_LINE_ATTR_ID_DEBOUNCE)
			continue;
		info->debounced = true;
		info->debounce_period_us = uinfo->attrs[i].debounce_period_us;
	}
	return info;
}

_public_ void mpssed_line_info_free(struct mpssed_line_info *info)
{
	free(info);
}

_public_ struct mpssed_line_info *mpssed_line_info_copy(struct mpssed_line_info *info)
{
	struct mpssed_line_info *copy = malloc(sizeof(*copy));

	if (copy)
		memcpy(copy, info, sizeof(*copy));
	return copy;
}

_public_ unsigned int mpssed_line_info_get_offset(struct mpssed_line_info *info)
{
	return info->offset;
}

_public_ const char *mpssed_line_info_get_name(struct mpssed_line_info *info)
{
	return info->name[0] ? info->name : NULL;
}

_public_ bool mpssed_line_info_is_used(struct mpssed_line_info *info)
{
	return info->used;
}

_public_ const char *mpssed_line_info_get_consumer(struct mpssed_line_info *info)
{
	return info->consumer[0] ? info->consumer : NULL;
}

_public_ enum mpssed_line_direction mpssed_line_info_get_direction(struct mpssed_line_info *info)
{
	return info->direction;
}

_public_ bool mpssed_line_info_is_active_low(struct mpssed_line_info *info)
{
	return info->active_low;
}

_public_ enum mpssed_line_bias mpssed_line_info_get_bias(struct mpssed_line_info *info)
{
	return info->bias;
}

_public_ enum mpssed_line_drive mpssed_line_info_get_drive(struct mpssed_line_info *info)
{
	return info->drive;
}

_public_ enum mpssed_line_edge mpssed_line_info_get_edge_detection(struct mpssed_line_info *info)
{
	return info->edge;
}

_public_ enum mpssed_line_clock mpssed_line_info_get_event_clock(struct mpssed_line_info *info)
{
	return info->clock;
}

_public_ bool mpssed_line_info_is_debounced(struct mpssed_line_info *info)
{
	return info->debounced;
}

_public_ unsigned long mpssed_line_info_get_debounce_period_us(struct mpssed_line_info *info)
{
	return info->debounce_period_us;
}
