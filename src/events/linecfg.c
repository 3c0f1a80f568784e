// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>

#include "events/linecfg.h"

#define FLAG(x) GPIO_V2_LINE_FLAG_##x
#define DIRECTION_FLAGS (FLAG(INPUT) | FLAG(OUTPUT))
#define EDGE_FLAGS (FLAG(EDGE_RISING) | FLAG(EDGE_FALLING))
#define DRIVE_FLAGS (FLAG(OPEN_DRAIN) | FLAG(OPEN_SOURCE))
#define BIAS_FLAGS (FLAG(BIAS_PULL_UP) | FLAG(BIAS_PULL_DOWN) | FLAG(BIAS_DISABLED))
/* USED is reported in line info only; a request carrying it is refused. */
#define KNOWN_FLAGS                                                                 \
	(FLAG(ACTIVE_LOW) | DIRECTION_FLAGS | EDGE_FLAGS | DRIVE_FLAGS | BIAS_FLAGS | \
	 FLAG(EVENT_CLOCK_REALTIME) | FLAG(EVENT_CLOCK_HTE))

static bool mem_is_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* More than one bit of group set. */
static bool several(uint64_t flags, uint64_t group)
{
	return __builtin_popcountll(flags & group) > 1;
}

static int flags_validate(uint64_t flags)
{
	if (flags & ~KNOWN_FLAGS)
		return -EINVAL;
	/* We have no hardware timestamp engine: like a !CONFIG_HTE kernel. */
	if (flags & FLAG(EVENT_CLOCK_HTE))
		return -EOPNOTSUPP;
	if (several(flags, DIRECTION_FLAGS))
		return -EINVAL;
	if ((flags & EDGE_FLAGS) && !(flags & FLAG(INPUT)))
		return -EINVAL;
	if (several(flags, DRIVE_FLAGS))
		return -EINVAL;
	if ((flags & DRIVE_FLAGS) && !(flags & FLAG(OUTPUT)))
		return -EINVAL;
	if ((flags & BIAS_FLAGS) && !(flags & DIRECTION_FLAGS))
		return -EINVAL;
	if (several(flags, BIAS_FLAGS))
		return -EINVAL;
	return 0;
}

/* The first attribute of this id that covers line idx, as the kernel. */
static const struct gpio_v2_line_attribute *find_attr(const struct gpio_v2_line_config *lc,
						      uint32_t id, unsigned int idx)
{
	for (unsigned int i = 0; i < lc->num_attrs; i++)
		if (lc->attrs[i].attr.id == id && (lc->attrs[i].mask >> idx & 1))
			return &lc->attrs[i].attr;
	return NULL;
}

/* Returns whether a DEBOUNCE attribute covers the line, whatever its period. */
static bool resolve_line(struct linecfg_line *line, const struct gpio_v2_line_config *lc,
			 unsigned int idx)
{
	const struct gpio_v2_line_attribute *a, *debounce;

	a = find_attr(lc, GPIO_V2_LINE_ATTR_ID_FLAGS, idx);
	line->flags = a ? a->flags : lc->flags;
	a = find_attr(lc, GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES, idx);
	line->output_value = a && (a->values >> idx & 1);
	debounce = find_attr(lc, GPIO_V2_LINE_ATTR_ID_DEBOUNCE, idx);
	line->debounce_us = debounce ? debounce->debounce_period_us : 0;
	return debounce != NULL;
}

/* gpio_v2_line_config_validate(); fills lines[].flags/debounce/output. */
static int config_resolve(struct linecfg_line *lines, const struct gpio_v2_line_config *lc,
			  unsigned int num_lines)
{
	if (lc->num_attrs > GPIO_V2_LINE_NUM_ATTRS_MAX)
		return -EINVAL;
	if (!mem_is_zero(lc->padding, sizeof(lc->padding)))
		return -EINVAL;
	for (unsigned int i = 0; i < num_lines; i++) {
		bool debounce_attr = resolve_line(&lines[i], lc, i);
		int r = flags_validate(lines[i].flags);

		if (r)
			return r;
		/* On the attribute's presence, even with a period of 0. */
		if (debounce_attr && !(lines[i].flags & FLAG(INPUT)))
			return -EINVAL;
	}
	return 0;
}

/* What gpiod_direction_*() and edge_detector_setup() would refuse. */
static int line_check_use(const struct linecfg_line *line, const struct linecfg_chip *chip,
			  uint32_t event_buffer_size)
{
	uint32_t bit = 1u << line->offset;

	if ((line->flags & FLAG(OUTPUT)) && !(chip->output_mask & bit))
		return -EOPNOTSUPP;
	if ((line->flags & FLAG(INPUT)) && !(chip->input_mask & bit))
		return -EOPNOTSUPP;
	if ((line->flags & EDGE_FLAGS) && event_buffer_size < 2)
		return -EINVAL;
	return 0;
}

/* gpiochip_get_desc(), gpiod_request_user(), then the direction. */
static int line_claim(const struct linecfg_line *line, const struct linecfg_chip *chip,
		      uint32_t *claimed, uint32_t event_buffer_size)
{
	uint32_t bit;

	/* A chip described with more lines still has only 16 mask bits. */
	if (line->offset >= chip->lines || line->offset >= LINECFG_CHIP_LINES_MAX)
		return -EINVAL;
	bit = 1u << line->offset;
	if (*claimed & bit)
		return -EBUSY;
	*claimed |= bit;
	if (!((chip->input_mask | chip->output_mask) & bit))
		return -EINVAL;
	return line_check_use(line, chip, event_buffer_size);
}

static uint32_t event_buffer_size(const struct gpio_v2_line_request *req)
{
	if (req->event_buffer_size == 0)
		return req->num_lines * LINECFG_EVENTS_PER_LINE;
	if (req->event_buffer_size > LINECFG_EVENT_BUFFER_MAX)
		return LINECFG_EVENT_BUFFER_MAX;
	return req->event_buffer_size;
}

int linecfg_from_request(struct linecfg *cfg, const struct gpio_v2_line_request *req,
			 const struct linecfg_chip *chip)
{
	uint32_t claimed = 0;
	int r;

	if (req->num_lines == 0 || req->num_lines > GPIO_V2_LINES_MAX)
		return -EINVAL;
	if (!mem_is_zero(req->padding, sizeof(req->padding)))
		return -EINVAL;
	r = config_resolve(cfg->lines, &req->config, req->num_lines);
	if (r)
		return r;

	cfg->num_lines = req->num_lines;
	cfg->event_buffer_size = event_buffer_size(req);
	/* The kernel's kstrndup(consumer, 31): the label may lack its NUL. */
	memset(cfg->consumer, 0, sizeof(cfg->consumer));
	memcpy(cfg->consumer, req->consumer, strnlen(req->consumer, sizeof(req->consumer) - 1));

	for (unsigned int i = 0; i < cfg->num_lines; i++) {
		cfg->lines[i].offset = req->offsets[i];
		r = line_claim(&cfg->lines[i], chip, &claimed, cfg->event_buffer_size);
		if (r)
			return r;
	}
	return 0;
}

int linecfg_set_config(struct linecfg *cfg, const struct gpio_v2_line_config *lc,
		       const struct linecfg_chip *chip)
{
	struct linecfg_line lines[GPIO_V2_LINES_MAX];
	int r;

	r = config_resolve(lines, lc, cfg->num_lines);
	if (r)
		return r;
	for (unsigned int i = 0; i < cfg->num_lines; i++) {
		lines[i].offset = cfg->lines[i].offset;
		r = line_check_use(&lines[i], chip, cfg->event_buffer_size);
		if (r)
			return r;
	}
	memcpy(cfg->lines, lines, cfg->num_lines * sizeof(lines[0]));
	return 0;
}
