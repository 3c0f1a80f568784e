// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macros.h"
#include "config/emuspec.h"

static int parse_on_off(const char *value, bool *out)
{
	if (!strcmp(value, "on"))
		*out = true;
	else if (!strcmp(value, "off"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

static int parse_name(const char *value, char *out, size_t size)
{
	if (!mpssed_valid_chip_name(value) || strlen(value) >= size)
		return -EINVAL;
	strcpy(out, value);
	return 0;
}

static int parse_sampling(const char *value, struct sampling *s)
{
	if (!strcmp(value, "latency"))
		s->mode = SAMPLE_MODE_LATENCY;
	else if (!strcmp(value, "paced"))
		s->mode = SAMPLE_MODE_PACED;
	else
		return -EINVAL;
	return 0;
}

/* Microseconds, to 100 ns. */
static int parse_period_us(const char *value, struct sampling *s)
{
	char *end;
	double us = strtod(value, &end);

	if (end == value || *end || !(us > 0) || us > 1e6)
		return -EINVAL;
	s->period_ns = (uint32_t)(us * 1000.0 + 0.5);
	return sampling_check(&(struct sampling){ SAMPLE_MODE_PACED, s->period_ns });
}

/* One key=value; -EINVAL with why filled. */
static int parse_option(struct emulate_spec *spec, const char *key, const char *value, char *why,
			size_t why_len)
{
	int r = -EINVAL;

	if (!strcmp(key, "serial")) {
		if (strlen(value) < sizeof(spec->serial)) {
			strcpy(spec->serial, value);
			spec->config.serial = spec->serial;
			return 0;
		}
		snprintf(why, why_len, "serial '%s' is longer than %zu characters", value,
			 sizeof(spec->serial) - 1);
		return r;
	}
	if (!strcmp(key, "timing"))
		r = parse_on_off(value, &spec->config.timing);
	else if (!strcmp(key, "world")) {
		r = strcmp(value, "demo") && strcmp(value, "none") ? -EINVAL : 0;
		spec->demo_world = !strcmp(value, "demo");
	} else if (!strcmp(key, "sampling"))
		r = parse_sampling(value, &spec->sampling);
	else if (!strcmp(key, "period-us"))
		r = parse_period_us(value, &spec->sampling);
	else if (!strcmp(key, "name"))
		r = parse_name(value, spec->name, sizeof(spec->name));
	else if (!strcmp(key, "name-b"))
		r = parse_name(value, spec->name_b, sizeof(spec->name_b));
	else {
		snprintf(why, why_len,
			 "unknown key '%s' (serial=, timing=on|off, world=demo|none, name=, name-b=, "
			 "sampling=latency|paced, period-us=)",
			 key);
		return -EINVAL;
	}
	if (r < 0)
		snprintf(why, why_len, "bad value '%s' for %s", value, key);
	return r;
}

static int parse_options(struct emulate_spec *spec, char *list, char *why, size_t why_len)
{
	char *save = NULL;

	for (char *item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		int r;

		if (!eq) {
			snprintf(why, why_len, "'%s' is not key=value", item);
			return -EINVAL;
		}
		*eq = '\0';
		r = parse_option(spec, item, eq + 1, why, why_len);
		if (r < 0)
			return r;
	}
	return 0;
}

int emulate_spec_parse(const char *text, struct emulate_spec *spec, char *why, size_t why_len)
{
	_cleanup_free_ char *copy = strdup(text);
	char *colon;
	int model;

	if (!copy) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	memset(spec, 0, sizeof(*spec));
	spec->text = text;
	spec->config.timing = true;
	spec->demo_world = true;
	colon = strchr(copy, ':');
	if (colon)
		*colon = '\0';
	model = emu_model_from_name(copy);
	if (model < 0) {
		snprintf(why, why_len,
			 "unknown preset '%s' (ft232h, ft2232h, ft4232h, ft4232ha, sealevel, bryx)",
			 copy);
		return -EINVAL;
	}
	spec->config.model = (enum emu_model)model;
	return colon ? parse_options(spec, colon + 1, why, why_len) : 0;
}
