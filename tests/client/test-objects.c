// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libmpssed's plain-data objects, without a daemon: line settings, line
 * config, request config, edge event buffer, and the errors of opening
 * what is not there.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mpssed.h"
#include "tests/tap.h"

static void test_settings(void)
{
	struct mpssed_line_settings *s = mpssed_line_settings_new(), *copy;

	tap_ok(s && mpssed_line_settings_get_direction(s) == MPSSED_LINE_DIRECTION_AS_IS &&
		       mpssed_line_settings_get_edge_detection(s) == MPSSED_LINE_EDGE_NONE &&
		       mpssed_line_settings_get_bias(s) == MPSSED_LINE_BIAS_AS_IS &&
		       mpssed_line_settings_get_drive(s) == MPSSED_LINE_DRIVE_PUSH_PULL &&
		       !mpssed_line_settings_get_active_low(s) &&
		       mpssed_line_settings_get_debounce_period_us(s) == 0 &&
		       mpssed_line_settings_get_event_clock(s) == MPSSED_LINE_CLOCK_MONOTONIC &&
		       mpssed_line_settings_get_output_value(s) == MPSSED_LINE_VALUE_INACTIVE,
	       "line settings start with libgpiod's defaults");
	errno = 0;
	tap_ok(mpssed_line_settings_set_direction(s, (enum mpssed_line_direction)0) == -1 &&
		       errno == EINVAL &&
		       mpssed_line_settings_set_bias(s, MPSSED_LINE_BIAS_UNKNOWN) == -1 &&
		       mpssed_line_settings_set_edge_detection(s, (enum mpssed_line_edge)5) == -1 &&
		       mpssed_line_settings_set_output_value(s, MPSSED_LINE_VALUE_ERROR) == -1,
	       "setters refuse values outside their enum with EINVAL");
	mpssed_line_settings_set_direction(s, MPSSED_LINE_DIRECTION_OUTPUT);
	mpssed_line_settings_set_active_low(s, true);
	mpssed_line_settings_set_debounce_period_us(s, 1500);
	copy = mpssed_line_settings_copy(s);
	tap_ok(copy && mpssed_line_settings_get_direction(copy) == MPSSED_LINE_DIRECTION_OUTPUT &&
		       mpssed_line_settings_get_active_low(copy) &&
		       mpssed_line_settings_get_debounce_period_us(copy) == 1500,
	       "a copy keeps the settings");
	mpssed_line_settings_reset(copy);
	tap_ok(mpssed_line_settings_get_direction(copy) == MPSSED_LINE_DIRECTION_AS_IS &&
		       !mpssed_line_settings_get_active_low(copy),
	       "reset restores the defaults");
	mpssed_line_settings_free(copy);
	mpssed_line_settings_free(s);
}

static void test_line_config(void)
{
	struct mpssed_line_config *cfg = mpssed_line_config_new();
	struct mpssed_line_settings *s = mpssed_line_settings_new(), *got;
	const unsigned int first[] = { 7, 3 }, again[] = { 3, 9 };
	const enum mpssed_line_value values[] = { MPSSED_LINE_VALUE_ACTIVE,
						  MPSSED_LINE_VALUE_INACTIVE };
	unsigned int offsets[64], many[65];
	size_t n;

	mpssed_line_settings_set_direction(s, MPSSED_LINE_DIRECTION_INPUT);
	tap_ok(mpssed_line_config_add_line_settings(cfg, first, 2, s) == 0, "add two lines");
	mpssed_line_settings_set_direction(s, MPSSED_LINE_DIRECTION_OUTPUT);
	mpssed_line_config_add_line_settings(cfg, again, 2, s);
	n = mpssed_line_config_get_configured_offsets(cfg, offsets, 64);
	tap_ok(n == 3 && mpssed_line_config_get_num_configured_offsets(cfg) == 3 && offsets[0] == 7 &&
		       offsets[1] == 3 && offsets[2] == 9,
	       "a line added again keeps its place; order is first addition");
	got = mpssed_line_config_get_line_settings(cfg, 3);
	tap_ok(got && mpssed_line_settings_get_direction(got) == MPSSED_LINE_DIRECTION_OUTPUT,
	       "a line added again takes the new settings");
	mpssed_line_settings_free(got);
	errno = 0;
	tap_ok(!mpssed_line_config_get_line_settings(cfg, 5) && errno == ENOENT,
	       "settings of a line not in the config: ENOENT");
	tap_ok(mpssed_line_config_set_output_values(cfg, values, 2) == 0 &&
		       (got = mpssed_line_config_get_line_settings(cfg, 7)) &&
		       mpssed_line_settings_get_output_value(got) == MPSSED_LINE_VALUE_ACTIVE,
	       "output values apply in config order");
	mpssed_line_settings_free(got);
	errno = 0;
	tap_ok(mpssed_line_config_set_output_values(cfg, values, 4) == -1 && errno == EINVAL,
	       "more output values than lines: EINVAL");
	for (unsigned i = 0; i < 65; i++)
		many[i] = i;
	mpssed_line_config_reset(cfg);
	errno = 0;
	tap_ok(mpssed_line_config_get_num_configured_offsets(cfg) == 0 &&
		       mpssed_line_config_add_line_settings(cfg, many, 65, NULL) == -1 &&
		       errno == E2BIG && mpssed_line_config_get_num_configured_offsets(cfg) == 0 &&
		       mpssed_line_config_add_line_settings(cfg, many, 64, NULL) == 0,
	       "reset empties the config; 65 lines is E2BIG and changes nothing, 64 fit");
	mpssed_line_settings_free(s);
	mpssed_line_config_free(cfg);
}

static void test_request_config(void)
{
	struct mpssed_request_config *cfg = mpssed_request_config_new();
	const char *c;

	tap_ok(cfg && !mpssed_request_config_get_consumer(cfg) &&
		       !mpssed_request_config_get_persist(cfg) &&
		       mpssed_request_config_get_event_buffer_size(cfg) == 0,
	       "request config starts empty");
	mpssed_request_config_set_consumer(cfg, "a-consumer-name-longer-than-thirty-two-bytes");
	c = mpssed_request_config_get_consumer(cfg);
	tap_ok(c && strlen(c) == 31 && !strncmp(c, "a-consumer-name", 15),
	       "a long consumer is cut to 31 bytes, as the kernel does");
	mpssed_request_config_set_persist(cfg, true);
	mpssed_request_config_set_event_buffer_size(cfg, 100);
	tap_ok(mpssed_request_config_get_persist(cfg) &&
		       mpssed_request_config_get_event_buffer_size(cfg) == 100,
	       "persist and event buffer size are kept");
	mpssed_request_config_free(cfg);
}

static void test_buffer(void)
{
	struct mpssed_edge_event_buffer *b = mpssed_edge_event_buffer_new(0);
	struct mpssed_edge_event_buffer *big = mpssed_edge_event_buffer_new(5000);

	tap_ok(b && mpssed_edge_event_buffer_get_capacity(b) == 64 &&
		       mpssed_edge_event_buffer_get_num_events(b) == 0,
	       "a buffer of capacity 0 gets the default 64");
	tap_ok(big && mpssed_edge_event_buffer_get_capacity(big) == 1024,
	       "a buffer's capacity is clamped to 1024");
	errno = 0;
	tap_ok(!mpssed_edge_event_buffer_get_event(b, 0) && errno == EINVAL,
	       "no event past the end: EINVAL");
	mpssed_edge_event_buffer_free(big);
	mpssed_edge_event_buffer_free(b);
}

static void test_open_errors(void)
{
	errno = 0;
	tap_ok(!mpssed_chip_open("") && errno == EINVAL, "opening an empty name: EINVAL");
	setenv("MPSSED_RUNTIME_DIR", "/nonexistent-mpssed-dir", 1);
	errno = 0;
	tap_ok(!mpssed_chip_open("mpsse0") && errno == ENOENT,
	       "a chip name without a socket: ENOENT");
	errno = 0;
	tap_ok(!mpssed_ctl_open(NULL) && errno == ENOENT, "no control socket: ENOENT");
	tap_ok(mpssed_api_version() && *mpssed_api_version(), "the API version is %s",
	       mpssed_api_version());
	/* Destructors accept NULL: this must simply return. */
	mpssed_chip_close(NULL);
	mpssed_line_request_release(NULL);
	mpssed_ctl_close(NULL);
	mpssed_line_info_free(NULL);
	mpssed_info_event_free(NULL);
	mpssed_chip_info_free(NULL);
	mpssed_line_settings_free(NULL);
	mpssed_line_config_free(NULL);
	mpssed_request_config_free(NULL);
	mpssed_edge_event_free(NULL);
	mpssed_edge_event_buffer_free(NULL);
	mpssed_ctl_chip_list_free(NULL);
	mpssed_ctl_chip_stats_free(NULL);
	tap_ok(true, "every destructor accepts NULL");
}

int main(void)
{
	tap_plan(22);
	test_settings();
	test_line_config();
	test_request_config();
	test_buffer();
	test_open_errors();
	return tap_done();
}
