// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * struct mpssed_line_settings: how one or more lines should be configured.
 * Plain data; turned into uAPI flags only when a request is made.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"

#define FLAG(x) GPIO_V2_LINE_FLAG_##x

void line_settings_init(struct mpssed_line_settings *settings)
{
	settings->direction = MPSSED_LINE_DIRECTION_AS_IS;
	settings->edge = MPSSED_LINE_EDGE_NONE;
	settings->bias = MPSSED_LINE_BIAS_AS_IS;
	settings->drive = MPSSED_LINE_DRIVE_PUSH_PULL;
	settings->active_low = false;
	settings->debounce_period_us = 0;
	settings->event_clock = MPSSED_LINE_CLOCK_MONOTONIC;
	settings->output_value = MPSSED_LINE_VALUE_INACTIVE;
}

static uint64_t direction_flags(const struct mpssed_line_settings *s)
{
	/* As libgpiod: asking for edges makes the line an input. */
	if (s->edge != MPSSED_LINE_EDGE_NONE)
		return FLAG(INPUT);
	switch (s->direction) {
	case MPSSED_LINE_DIRECTION_INPUT:
		return FLAG(INPUT);
	case MPSSED_LINE_DIRECTION_OUTPUT:
		return FLAG(OUTPUT);
	default:
		return 0;
	}
}

static uint64_t edge_flags(const struct mpssed_line_settings *s)
{
	switch (s->edge) {
	case MPSSED_LINE_EDGE_RISING:
		return FLAG(EDGE_RISING);
	case MPSSED_LINE_EDGE_FALLING:
		return FLAG(EDGE_FALLING);
	case MPSSED_LINE_EDGE_BOTH:
		return FLAG(EDGE_RISING) | FLAG(EDGE_FALLING);
	default:
		return 0;
	}
}

static uint64_t bias_flags(const struct mpssed_line_settings *s)
{
	switch (s->bias) {
	case MPSSED_LINE_BIAS_DISABLED:
		return FLAG(BIAS_DISABLED);
	case MPSSED_LINE_BIAS_PULL_UP:
		return FLAG(BIAS_PULL_UP);
	case MPSSED_LINE_BIAS_PULL_DOWN:
		return FLAG(BIAS_PULL_DOWN);
	default:
		return 0;
	}
}

static uint64_t drive_flags(const struct mpssed_line_settings *s)
{
	switch (s->drive) {
	case MPSSED_LINE_DRIVE_OPEN_DRAIN:
		return FLAG(OPEN_DRAIN);
	case MPSSED_LINE_DRIVE_OPEN_SOURCE:
		return FLAG(OPEN_SOURCE);
	default:
		return 0;
	}
}

static uint64_t clock_flags(const struct mpssed_line_settings *s)
{
	switch (s->event_clock) {
	case MPSSED_LINE_CLOCK_REALTIME:
		return FLAG(EVENT_CLOCK_REALTIME);
	case MPSSED_LINE_CLOCK_HTE:
		return FLAG(EVENT_CLOCK_HTE);
	default:
		return 0;
	}
}

uint64_t line_settings_to_flags(const struct mpssed_line_settings *s)
{
	return direction_flags(s) | edge_flags(s) | bias_flags(s) | drive_flags(s) |
	       clock_flags(s) | (s->active_low ? FLAG(ACTIVE_LOW) : 0);
}

_public_ struct mpssed_line_settings *mpssed_line_settings_new(void)
{
	struct mpssed_line_settings *settings = malloc(sizeof(*settings));

	if (settings)
		line_settings_init(settings);
	return settings;
}

_public_ void mpssed_line_settings_free(struct mpssed_line_settings *settings)
{
	free(settings);
}

_public_ void mpssed_line_settings_reset(struct mpssed_line_settings *settings)
{
	line_settings_init(settings);
}

_public_ struct mpssed_line_settings *mpssed_line_settings_copy(struct mpssed_line_settings *settings)
{
	struct mpssed_line_settings *copy = malloc(sizeof(*copy));

	if (copy)
		memcpy(copy, settings, sizeof(*copy));
	return copy;
}

/* Store v in *field when it lies in [lo, hi]; EINVAL otherwise. */
#define SET_CHECKED(field, v, lo, hi)          \
	({                                     \
		int _r = 0;                    \
		if ((v) < (lo) || (v) > (hi)) { \
			errno = EINVAL;        \
			_r = -1;               \
		} else {                       \
			(field) = (v);         \
		}                              \
		_r;                            \
	})

_public_ int mpssed_line_settings_set_direction(struct mpssed_line_settings *settings,
						enum mpssed_line_direction direction)
{
	return SET_CHECKED(settings->direction, direction, MPSSED_LINE_DIRECTION_AS_IS,
			   MPSSED_LINE_DIRECTION_OUTPUT);
}

_public_ enum mpssed_line_direction
mpssed_line_settings_get_direction(struct mpssed_line_settings *settings)
{
	return settings->direction;
}

_public_ int mpssed_line_settings_set_edge_detection(struct mpssed_line_settings *settings,
						     enum mpssed_line_edge edge)
{
	return SET_CHECKED(settings->edge, edge, MPSSED_LINE_EDGE_NONE, MPSSED_LINE_EDGE_BOTH);
}

_public_ enum mpssed_line_edge
mpssed_line_settings_get_edge_detection(struct mpssed_line_settings *settings)
{
	return settings->edge;
}

_public_ int mpssed_line_settings_set_bias(struct mpssed_line_settings *settings,
					   enum mpssed_line_bias bias)
{
	/* "Unknown" describes a line, it is not something to ask for. */
	if (bias == MPSSED_LINE_BIAS_UNKNOWN) {
		errno = EINVAL;
		return -1;
	}
	return SET_CHECKED(settings->bias, bias, MPSSED_LINE_BIAS_AS_IS, MPSSED_LINE_BIAS_PULL_DOWN);
}

_public_ enum mpssed_line_bias mpssed_line_settings_get_bias(struct mpssed_line_settings *settings)
{
	return settings->bias;
}

_public_ int mpssed_line_settings_set_drive(struct mpssed_line_settings *settings,
					    enum mpssed_line_drive drive)
{
	return SET_CHECKED(settings->drive, drive, MPSSED_LINE_DRIVE_PUSH_PULL,
			   MPSSED_LINE_DRIVE_OPEN_SOURCE);
}

_public_ enum mpssed_line_drive mpssed_line_settings_get_drive(struct mpssed_line_settings *settings)
{
	return settings->drive;
}

_public_ void mpssed_line_settings_set_active_low(struct mpssed_line_settings *settings,
						  bool active_low)
{
	settings->active_low = active_low;
}

_public_ bool mpssed_line_settings_get_active_low(struct mpssed_line_settings *settings)
{
	return settings->active_low;
}

_public_ void mpssed_line_settings_set_debounce_period_us(struct mpssed_line_settings *settings,
							  unsigned long period)
{
	settings->debounce_period_us = period;
}

_public_ unsigned long
mpssed_line_settings_get_debounce_period_us(struct mpssed_line_settings *settings)
{
	return settings->debounce_period_us;
}

_public_ int mpssed_line_settings_set_event_clock(struct mpssed_line_settings *settings,
						  enum mpssed_line_clock event_clock)
{
	return SET_CHECKED(settings->event_clock, event_clock, MPSSED_LINE_CLOCK_MONOTONIC,
			   MPSSED_LINE_CLOCK_HTE);
}

_public_ enum mpssed_line_clock
mpssed_line_settings_get_event_clock(struct mpssed_line_settings *settings)
{
	return settings->event_clock;
}

_public_ int mpssed_line_settings_set_output_value(struct mpssed_line_settings *settings,
						   enum mpssed_line_value value)
{
	return SET_CHECKED(settings->output_value, value, MPSSED_LINE_VALUE_INACTIVE,
			   MPSSED_LINE_VALUE_ACTIVE);
}

_public_ enum mpssed_line_value
mpssed_line_settings_get_output_value(struct mpssed_line_settings *settings)
{
	return settings->output_value;
}
