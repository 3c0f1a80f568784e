// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * struct mpssed_line_config: the lines of a request and each one's
 * settings, and their translation into a gpio_v2_line_config.
 *
 * The uAPI carries one set of flags for the whole request plus at most
 * GPIO_V2_LINE_NUM_ATTRS_MAX attributes, each applying to a mask of lines
 * (by position in the request): per-line flags, output values, debounce
 * periods. As libgpiod does, the first line's flags become the request's
 * and every other distinct set of flags, every distinct debounce period
 * and the output values each take one attribute; more than fit is E2BIG.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"

struct config_line {
	unsigned int offset;
	struct mpssed_line_settings settings;
};

struct mpssed_line_config {
	size_t num;
	struct config_line lines[LINES_MAX];
};

static struct config_line *config_find(struct mpssed_line_config *config, unsigned int offset)
{
	for (size_t i = 0; i < config->num; i++)
		if (config->lines[i].offset == offset)
			return &config->lines[i];
	return NULL;
}

_public_ struct mpssed_line_config *mpssed_line_config_new(void)
{
	return calloc(1, sizeof(struct mpssed_line_config));
}

_public_ void mpssed_line_config_free(struct mpssed_line_config *config)
{
	free(config);
}

_public_ void mpssed_line_config_reset(struct mpssed_line_config *config)
{
	config->num = 0;
}

/* How many of offsets are not in config yet (each counted once). */
static size_t config_count_new(struct mpssed_line_config *config, const unsigned int *offsets,
			       size_t num)
{
	size_t fresh = 0;

	for (size_t i = 0; i < num; i++) {
		bool seen = config_find(config, offsets[i]) != NULL;

		for (size_t j = 0; j < i && !seen; j++)
			seen = offsets[j] == offsets[i];
		fresh += !seen;
	}
	return fresh;
}

_public_ int mpssed_line_config_add_line_settings(struct mpssed_line_config *config,
						  const unsigned int *offsets, size_t num_offsets,
						  struct mpssed_line_settings *settings)
{
	struct mpssed_line_settings defaults;

	if (!offsets || !num_offsets) {
		errno = EINVAL;
		return -1;
	}
	/* All or nothing: check the room before changing anything. */
	if (config_count_new(config, offsets, num_offsets) > LINES_MAX - config->num) {
		errno = E2BIG;
		return -1;
	}
	if (!settings) {
		line_settings_init(&defaults);
		settings = &defaults;
	}
	for (size_t i = 0; i < num_offsets; i++) {
		struct config_line *line = config_find(config, offsets[i]);

		if (!line) {
			line = &config->lines[config->num++];
			line->offset = offsets[i];
		}
		line->settings = *settings;
	}
	return 0;
}

_public_ struct mpssed_line_settings *
mpssed_line_config_get_line_settings(struct mpssed_line_config *config, unsigned int offset)
{
	struct config_line *line = config_find(config, offset);

	if (!line) {
		errno = ENOENT;
		return NULL;
	}
	return mpssed_line_settings_copy(&line->settings);
}

_public_ int mpssed_line_config_set_output_values(struct mpssed_line_config *config,
						  const enum mpssed_line_value *values,
						  size_t num_values)
{
	if (num_values > config->num) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < num_values; i++)
		if (values[i] != MPSSED_LINE_VALUE_ACTIVE && values[i] != MPSSED_LINE_VALUE_INACTIVE) {
			errno = EINVAL;
			return -1;
		}
	for (size_t i = 0; i < num_values; i++)
		config->lines[i].settings.output_value = values[i];
	return 0;
}

_public_ size_t mpssed_line_config_get_num_configured_offsets(struct mpssed_line_config *config)
{
	return config->num;
}

_public_ size_t mpssed_line_config_get_configured_offsets(struct mpssed_line_config *config,
							  unsigned int *offsets, size_t max_offsets)
{
	size_t n = config->num < max_offsets ? config->num : max_offsets;

	for (size_t i = 0; i < n; i++)
		offsets[i] = config->lines[i].offset;
	return n;
}

size_t line_config_offsets(struct mpssed_line_config *config, unsigned *offsets)
{
	return mpssed_line_config_get_configured_offsets(config, offsets, LINES_MAX);
}

/* --- To the uAPI ---------------------------------------------------------------- */

static struct gpio_v2_line_config_attribute *attr_add(struct gpio_v2_line_config *out, uint32_t id,
						       uint64_t mask)
{
	struct gpio_v2_line_config_attribute *a;

	if (out->num_attrs == GPIO_V2_LINE_NUM_ATTRS_MAX) {
		errno = E2BIG;
		return NULL;
	}
	a = &out->attrs[out->num_attrs++];
	a->attr.id = id;
	a->mask = mask;
	return a;
}

/* The request's flags are the first line's; other lines' flags go in attributes. */
static int uapi_flags(const struct mpssed_line_settings *const *s, size_t num,
		      struct gpio_v2_line_config *out)
{
	uint64_t done = 1;

	out->flags = line_settings_to_flags(s[0]);
	for (size_t i = 1; i < num; i++) {
		uint64_t flags = line_settings_to_flags(s[i]), mask = 0;
		struct gpio_v2_line_config_attribute *a;

		if (done & (1ULL << i))
			continue;
		for (size_t j = i; j < num; j++)
			if (!(done & (1ULL << j)) && line_settings_to_flags(s[j]) == flags)
				mask |= 1ULL << j;
		done |= mask;
		if (flags == out->flags)
			continue;
		a = attr_add(out, GPIO_V2_LINE_ATTR_ID_FLAGS, mask);
		if (!a)
			return -1;
		a->attr.flags = flags;
	}
	return 0;
}

/* One attribute for the values of every line requested as an output. */
static int uapi_output_values(const struct mpssed_line_settings *const *s, size_t num,
			      struct gpio_v2_line_config *out)
{
	struct gpio_v2_line_config_attribute *a;
	uint64_t mask = 0, values = 0;

	for (size_t i = 0; i < num; i++) {
		if (s[i]->direction != MPSSED_LINE_DIRECTION_OUTPUT ||
		    s[i]->edge != MPSSED_LINE_EDGE_NONE)
			continue;
		mask |= 1ULL << i;
		if (s[i]->output_value == MPSSED_LINE_VALUE_ACTIVE)
			values |= 1ULL << i;
	}
	if (!mask)
		return 0;
	a = attr_add(out, GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES, mask);
	if (!a)
		return -1;
	a->attr.values = values;
	return 0;
}

/* One attribute per distinct non-zero debounce period. */
static int uapi_debounce(const struct mpssed_line_settings *const *s, size_t num,
			 struct gpio_v2_line_config *out)
{
	uint64_t done = 0;

	for (size_t i = 0; i < num; i++) {
		unsigned long period = s[i]->debounce_period_us;
		struct gpio_v2_line_config_attribute *a;
		uint64_t mask = 0;

		if (!period || (done & (1ULL << i)))
			continue;
		if (period > UINT32_MAX) {
			errno = EINVAL;
			return -1;
		}
		for (size_t j = i; j < num; j++)
			if (s[j]->debounce_period_us == period)
				mask |= 1ULL << j;
		done |= mask;
		a = attr_add(out, GPIO_V2_LINE_ATTR_ID_DEBOUNCE, mask);
		if (!a)
			return -1;
		a->attr.debounce_period_us = (uint32_t)period;
	}
	return 0;
}

int line_config_to_uapi(struct mpssed_line_config *config, const unsigned *offsets, size_t num,
			struct gpio_v2_line_config *out)
{
	const struct mpssed_line_settings *s[LINES_MAX];

	memset(out, 0, sizeof(*out));
	if (!num || num > LINES_MAX || num != config->num) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < num; i++) {
		const struct config_line *line = config_find(config, offsets[i]);

		if (!line) {
			errno = EINVAL;
			return -1;
		}
		s[i] = &line->settings;
	}
	if (uapi_flags(s, num, out) < 0 || uapi_output_values(s, num, out) < 0 ||
	    uapi_debounce(s, num, out) < 0)
		return -1;
	return 0;
}
