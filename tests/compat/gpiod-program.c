// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A program written against libgpiod 2.x's gpiod.h. test-abi.sh compiles it
 * against Debian's real libgpiod-dev headers, links it against the real
 * libgpiod.so.3 and runs it on the drop-in, against a daemon serving an
 * emulated FT232H in the demo world (line 0 wired to line 4, a square wave
 * on line 15). So it checks the ABI (enum values, signatures, the symbols a
 * real build binds to) as well as the behaviour a libgpiod user relies on:
 * defaults, errno values and who frees what. In the sanitizer builds it is
 * built with the sanitizer, whose leak check then holds the ownership rules.
 *
 * Usage: gpiod-program CHIP-SOCKET OTHER-SOCKET, OTHER-SOCKET being a socket
 * that is not a chip (the daemon's control socket). Prints TAP.
 */
#include <errno.h>
#include <gpiod.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/tap.h"

static const char *chip_path, *other_socket;

static void check_chip_open(void)
{
	char link[PATH_MAX];
	struct gpiod_chip *chip;

	tap_ok(strncmp(gpiod_api_version(), "2.1", 3) == 0, "api version 2.1 (%s)",
	       gpiod_api_version());
	tap_ok(gpiod_is_gpiochip_device(chip_path), "a chip socket is a gpiochip device");
	tap_ok(!gpiod_is_gpiochip_device(other_socket), "another socket is not");
	tap_ok(!gpiod_is_gpiochip_device("/dev/null"), "a character device is not");

	errno = 0;
	chip = gpiod_chip_open("/nonexistent/chip");
	tap_ok(!chip && errno == ENOENT, "open of a missing path: ENOENT");
	errno = 0;
	chip = gpiod_chip_open("/dev/null");
	tap_ok(!chip && errno == ENOTTY, "open of a non-chip file: ENOTTY");

	snprintf(link, sizeof(link), "%s.link", chip_path);
	unlink(link);
	if (symlink(chip_path, link) < 0)
		tap_bail("symlink: %s", strerror(errno));
	chip = gpiod_chip_open(link);
	tap_ok(chip && strcmp(gpiod_chip_get_path(chip), link) == 0,
	       "a symlink opens; get_path gives the path as opened");
	gpiod_chip_close(chip);
	unlink(link);
	gpiod_chip_close(NULL);
}

static void check_chip_and_line_info(struct gpiod_chip *chip)
{
	struct gpiod_chip_info *cinfo = gpiod_chip_get_info(chip);
	struct gpiod_line_info *info, *copy;

	tap_ok(cinfo && strcmp(gpiod_chip_info_get_name(cinfo), "mpsse0") == 0 &&
		       gpiod_chip_info_get_num_lines(cinfo) == 16,
	       "chip info: name and 16 lines");
	gpiod_chip_info_free(cinfo);

	info = gpiod_chip_get_line_info(chip, 4);
	copy = info ? gpiod_line_info_copy(info) : NULL;
	gpiod_line_info_free(info);
	/* The copy is the caller's, independent of the original. */
	tap_ok(copy && gpiod_line_info_get_offset(copy) == 4 &&
		       strcmp(gpiod_line_info_get_name(copy), "ADBUS4") == 0 &&
		       gpiod_line_info_get_direction(copy) == GPIOD_LINE_DIRECTION_INPUT &&
		       !gpiod_line_info_is_used(copy) && !gpiod_line_info_get_consumer(copy) &&
		       gpiod_line_info_get_edge_detection(copy) == GPIOD_LINE_EDGE_NONE &&
		       !gpiod_line_info_is_active_low(copy),
	       "line info, read from a copy that outlives the original");
	gpiod_line_info_free(copy);

	errno = 0;
	tap_ok(!gpiod_chip_get_line_info(chip, 16) && errno == EINVAL,
	       "line info beyond the chip: EINVAL");
	tap_ok(gpiod_chip_get_line_offset_from_name(chip, "ACBUS7") == 15, "offset from name");
	errno = 0;
	tap_ok(gpiod_chip_get_line_offset_from_name(chip, "nosuch") == -1 && errno == ENOENT,
	       "unknown name: ENOENT");
}

static void check_settings(void)
{
	struct gpiod_line_settings *s = gpiod_line_settings_new(), *copy;

	tap_ok(s && gpiod_line_settings_get_direction(s) == GPIOD_LINE_DIRECTION_AS_IS &&
		       gpiod_line_settings_get_edge_detection(s) == GPIOD_LINE_EDGE_NONE &&
		       gpiod_line_settings_get_bias(s) == GPIOD_LINE_BIAS_AS_IS &&
		       gpiod_line_settings_get_drive(s) == GPIOD_LINE_DRIVE_PUSH_PULL &&
		       !gpiod_line_settings_get_active_low(s) &&
		       gpiod_line_settings_get_debounce_period_us(s) == 0 &&
		       gpiod_line_settings_get_event_clock(s) == GPIOD_LINE_CLOCK_MONOTONIC &&
		       gpiod_line_settings_get_output_value(s) == GPIOD_LINE_VALUE_INACTIVE,
	       "line settings defaults");
	errno = 0;
	tap_ok(gpiod_line_settings_set_direction(s, 42) == -1 && errno == EINVAL,
	       "an out-of-range direction: -1, EINVAL");
	errno = 0;
	tap_ok(gpiod_line_settings_set_bias(s, GPIOD_LINE_BIAS_UNKNOWN) == -1 && errno == EINVAL,
	       "bias UNKNOWN cannot be requested: EINVAL");
	gpiod_line_settings_set_direction(s, GPIOD_LINE_DIRECTION_OUTPUT);
	copy = gpiod_line_settings_copy(s);
	gpiod_line_settings_reset(s);
	tap_ok(copy && gpiod_line_settings_get_direction(copy) == GPIOD_LINE_DIRECTION_OUTPUT &&
		       gpiod_line_settings_get_direction(s) == GPIOD_LINE_DIRECTION_AS_IS,
	       "copy is independent; reset restores the defaults");
	gpiod_line_settings_free(copy);
	gpiod_line_settings_free(s);
	gpiod_line_settings_free(NULL);
}

/* A request of offsets[0..num) with one direction (and edge), consumer "abi". */
static struct gpiod_line_request *request(struct gpiod_chip *chip, const unsigned int *offsets,
					  size_t num, enum gpiod_line_direction dir,
					  enum gpiod_line_edge edge)
{
	struct gpiod_line_settings *s = gpiod_line_settings_new();
	struct gpiod_line_config *cfg = gpiod_line_config_new();
	struct gpiod_request_config *rcfg = gpiod_request_config_new();
	struct gpiod_line_request *req = NULL;

	if (s && cfg && rcfg && gpiod_line_settings_set_direction(s, dir) == 0 &&
	    gpiod_line_settings_set_edge_detection(s, edge) == 0 &&
	    gpiod_line_config_add_line_settings(cfg, offsets, num, s) == 0) {
		/* The config keeps its own copy: the settings may go first. */
		gpiod_line_settings_free(s);
		s = NULL;
		gpiod_request_config_set_consumer(rcfg, "abi");
		req = gpiod_chip_request_lines(chip, rcfg, cfg);
	}
	gpiod_line_settings_free(s);
	gpiod_line_config_free(cfg);
	gpiod_request_config_free(rcfg);
	return req;
}

static void check_values(struct gpiod_chip *chip)
{
	static const unsigned int out = 0, in = 4;
	struct gpiod_line_request *o = request(chip, &out, 1, GPIOD_LINE_DIRECTION_OUTPUT,
					       GPIOD_LINE_EDGE_NONE);
	struct gpiod_line_request *i = request(chip, &in, 1, GPIOD_LINE_DIRECTION_INPUT,
					       GPIOD_LINE_EDGE_NONE);
	struct gpiod_line_info *info;
	enum gpiod_line_value v = GPIOD_LINE_VALUE_ERROR;
	unsigned int got = 99;

	if (!tap_ok(o && i, "request an output and an input"))
		tap_bail("cannot go on without requests: %s", strerror(errno));
	tap_ok(gpiod_line_request_get_num_requested_lines(o) == 1 &&
		       gpiod_line_request_get_requested_offsets(o, &got, 1) == 1 && got == 0 &&
		       strcmp(gpiod_line_request_get_chip_name(o), "mpsse0") == 0,
	       "the request's lines and chip name");
	tap_ok(gpiod_line_request_set_value(o, 0, GPIOD_LINE_VALUE_ACTIVE) == 0 &&
		       gpiod_line_request_get_value(i, 4) == GPIOD_LINE_VALUE_ACTIVE,
	       "set 1 on line 0 reads 1 on the wired line 4");
	tap_ok(gpiod_line_request_set_values(o, &(enum gpiod_line_value){ 0 }) == 0 &&
		       gpiod_line_request_get_values(i, &v) == 0 && v == GPIOD_LINE_VALUE_INACTIVE,
	       "set_values/get_values");
	errno = 0;
	tap_ok(gpiod_line_request_get_value(i, 5) == GPIOD_LINE_VALUE_ERROR && errno == EINVAL,
	       "value of a line not in the request: ERROR, EINVAL");

	info = gpiod_chip_get_line_info(chip, 0);
	tap_ok(info && gpiod_line_info_is_used(info) &&
		       strcmp(gpiod_line_info_get_consumer(info), "abi") == 0 &&
		       gpiod_line_info_get_direction(info) == GPIOD_LINE_DIRECTION_OUTPUT,
	       "line info shows the request and its consumer");
	gpiod_line_info_free(info);

	errno = 0;
	tap_ok(!request(chip, &out, 1, GPIOD_LINE_DIRECTION_INPUT, GPIOD_LINE_EDGE_NONE) &&
		       errno == EBUSY,
	       "a requested line again: EBUSY");
	gpiod_line_request_release(o);
	gpiod_line_request_release(i);
	gpiod_line_request_release(NULL);
}

static void check_edge_events(struct gpiod_chip *chip)
{
	static const unsigned int wave = 15;
	struct gpiod_line_request *req = request(chip, &wave, 1, GPIOD_LINE_DIRECTION_INPUT,
						 GPIOD_LINE_EDGE_BOTH);
	struct gpiod_edge_event_buffer *buf = gpiod_edge_event_buffer_new(4);
	struct gpiod_edge_event *ev, *copy = NULL;
	struct pollfd pfd = { .events = POLLIN };
	int n = -1;

	if (!tap_ok(req && buf, "request the square-wave line with both edges"))
		tap_bail("cannot go on: %s", strerror(errno));
	tap_ok(gpiod_edge_event_buffer_get_capacity(buf) == 4, "buffer capacity");
	/* What gpiomon and Python's select do: poll the fd, then read. */
	pfd.fd = gpiod_line_request_get_fd(req);
	if (tap_ok(poll(&pfd, 1, 10000) == 1 && (pfd.revents & POLLIN),
		   "the request fd polls readable when an edge comes"))
		n = gpiod_line_request_read_edge_events(req, buf, 4);
	ev = n > 0 ? gpiod_edge_event_buffer_get_event(buf, 0) : NULL;
	tap_ok(ev && gpiod_edge_event_buffer_get_num_events(buf) == (size_t)n &&
		       gpiod_edge_event_get_line_offset(ev) == 15 &&
		       gpiod_edge_event_get_line_seqno(ev) >= 1 &&
		       gpiod_edge_event_get_global_seqno(ev) >= 1 &&
		       gpiod_edge_event_get_timestamp_ns(ev) > 0 &&
		       (gpiod_edge_event_get_event_type(ev) == GPIOD_EDGE_EVENT_RISING_EDGE ||
			gpiod_edge_event_get_event_type(ev) == GPIOD_EDGE_EVENT_FALLING_EDGE),
	       "read_edge_events after poll: %d event(s) of line 15", n);
	errno = 0;
	tap_ok(!gpiod_edge_event_buffer_get_event(buf, 4) && errno == EINVAL,
	       "an event past the end: NULL, EINVAL");
	if (ev)
		copy = gpiod_edge_event_copy(ev);
	/* Events in a buffer belong to it; a copy is the caller's and outlives it. */
	gpiod_edge_event_buffer_free(buf);
	tap_ok(copy && gpiod_edge_event_get_line_offset(copy) == 15,
	       "an event copy outlives its buffer");
	gpiod_edge_event_free(copy);
	tap_ok(gpiod_line_request_wait_edge_events(req, 10000000000LL) == 1,
	       "wait_edge_events: the next edge");
	gpiod_line_request_release(req);
}

static void check_info_events(struct gpiod_chip *chip)
{
	static const unsigned int line = 2;
	struct gpiod_line_info *info = gpiod_chip_watch_line_info(chip, line);
	struct gpiod_line_request *req;
	struct gpiod_info_event *ev = NULL;
	struct gpiod_line_info *evinfo;

	tap_ok(info && !gpiod_line_info_is_used(info), "watch returns the line's info");
	gpiod_line_info_free(info);
	req = request(chip, &line, 1, GPIOD_LINE_DIRECTION_OUTPUT, GPIOD_LINE_EDGE_NONE);
	if (gpiod_chip_wait_info_event(chip, 10000000000LL) == 1)
		ev = gpiod_chip_read_info_event(chip);
	/* The event's line info is borrowed: it goes with the event. */
	evinfo = ev ? gpiod_info_event_get_line_info(ev) : NULL;
	tap_ok(ev && gpiod_info_event_get_event_type(ev) == GPIOD_INFO_EVENT_LINE_REQUESTED &&
		       gpiod_info_event_get_timestamp_ns(ev) > 0 && evinfo &&
		       gpiod_line_info_get_offset(evinfo) == line && gpiod_line_info_is_used(evinfo),
	       "a request of a watched line: LINE_REQUESTED with the new info");
	gpiod_info_event_free(ev);
	gpiod_line_request_release(req);
	tap_ok(gpiod_chip_unwatch_line_info(chip, line) == 0, "unwatch");
}

int main(int argc, char **argv)
{
	struct gpiod_chip *chip;

	if (argc != 3)
		tap_bail("usage: gpiod-program CHIP-SOCKET OTHER-SOCKET");
	chip_path = argv[1];
	other_socket = argv[2];

	check_chip_open();
	chip = gpiod_chip_open(chip_path);
	if (!chip)
		tap_bail("cannot open %s: %s", chip_path, strerror(errno));
	check_chip_and_line_info(chip);
	check_settings();
	check_values(chip);
	check_edge_events(chip);
	check_info_events(chip);
	gpiod_chip_close(chip);
	tap_plan(tap_count);
	return tap_done();
}
