// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Line requests against the real daemon (emulated FT232H, demo world: line
 * 0 wired to line 4): exclusive ownership (EBUSY), values indexed by
 * request position with active-low applied, setting inputs (EPERM),
 * reconfiguration, and the daemon's errnos reaching the caller.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mpssed.h"
#include "tests/client/daemon.h"
#include "tests/tap.h"

#define ACTIVE MPSSED_LINE_VALUE_ACTIVE
#define INACTIVE MPSSED_LINE_VALUE_INACTIVE

static struct mpssed_line_settings *settings(enum mpssed_line_direction dir, bool active_low,
					     enum mpssed_line_value value)
{
	struct mpssed_line_settings *s = mpssed_line_settings_new();

	mpssed_line_settings_set_direction(s, dir);
	mpssed_line_settings_set_active_low(s, active_low);
	mpssed_line_settings_set_output_value(s, value);
	return s;
}

/* Line 4 an input, line 0 an output at value0, in that order: positions 0 and 1. */
static struct mpssed_line_config *wire_config(bool in_active_low, enum mpssed_line_value value0)
{
	struct mpssed_line_config *lc = mpssed_line_config_new();
	struct mpssed_line_settings *in = settings(MPSSED_LINE_DIRECTION_INPUT, in_active_low, INACTIVE);
	struct mpssed_line_settings *out = settings(MPSSED_LINE_DIRECTION_OUTPUT, false, value0);

	mpssed_line_config_add_line_settings(lc, (unsigned int[]){ 4 }, 1, in);
	mpssed_line_config_add_line_settings(lc, (unsigned int[]){ 0 }, 1, out);
	mpssed_line_settings_free(in);
	mpssed_line_settings_free(out);
	return lc;
}

static struct mpssed_line_request *request(struct mpssed_chip *chip, struct mpssed_line_config *lc)
{
	struct mpssed_request_config *rc = mpssed_request_config_new();
	struct mpssed_line_request *req;

	mpssed_request_config_set_consumer(rc, "request-test");
	req = mpssed_chip_request_lines(chip, rc, lc);
	mpssed_request_config_free(rc);
	return req;
}

static void test_values(struct mpssed_line_request *req)
{
	enum mpssed_line_value values[2] = { MPSSED_LINE_VALUE_ERROR, MPSSED_LINE_VALUE_ERROR };
	unsigned int offsets[4];

	tap_ok(mpssed_line_request_get_num_requested_lines(req) == 2 &&
		       mpssed_line_request_get_requested_offsets(req, offsets, 4) == 2 &&
		       offsets[0] == 4 && offsets[1] == 0 &&
		       !strcmp(mpssed_line_request_get_chip_name(req), "mpsse0"),
	       "the request holds lines 4 and 0, in config order, on mpsse0");
	tap_ok(mpssed_line_request_get_values(req, values) == 0 && values[0] == ACTIVE &&
		       values[1] == ACTIVE,
	       "values by position: line 4 follows line 0 (driven active) through the wire");
	tap_ok(mpssed_line_request_set_value(req, 0, INACTIVE) == 0 &&
		       mpssed_line_request_get_value(req, 4) == INACTIVE,
	       "setting line 0 inactive shows on line 4");
	errno = 0;
	tap_ok(mpssed_line_request_set_value(req, 4, ACTIVE) == -1 && errno == EPERM,
	       "setting an input: EPERM from the daemon");
	errno = 0;
	tap_ok(mpssed_line_request_get_value(req, 7) == MPSSED_LINE_VALUE_ERROR && errno == EINVAL,
	       "a line not in the request: EINVAL");
	tap_ok(mpssed_line_request_set_values_subset(req, 1, (unsigned int[]){ 0 },
						     (enum mpssed_line_value[]){ ACTIVE }) == 0 &&
		       mpssed_line_request_get_values_subset(req, 2, (unsigned int[]){ 0, 4 },
							     values) == 0 &&
		       values[0] == ACTIVE && values[1] == ACTIVE,
	       "subsets are indexed like the offsets given with them");
}

static void test_busy(struct mpssed_chip *chip)
{
	struct mpssed_line_config *lc = mpssed_line_config_new();

	mpssed_line_config_add_line_settings(lc, (unsigned int[]){ 4 }, 1, NULL);
	errno = 0;
	tap_ok(!request(chip, lc) && errno == EBUSY, "requesting a held line: EBUSY");
	mpssed_line_config_free(lc);
}

static void test_reconfigure(struct mpssed_chip *chip, struct mpssed_line_request *req)
{
	struct mpssed_line_config *lc = wire_config(true, ACTIVE);
	struct mpssed_line_config *wrong = mpssed_line_config_new();
	struct mpssed_line_info *li;

	tap_ok(mpssed_line_request_reconfigure_lines(req, lc) == 0, "reconfigure line 4 active-low");
	li = mpssed_chip_get_line_info(chip, 4);
	tap_ok(li && mpssed_line_info_is_active_low(li) && mpssed_line_info_is_used(li) &&
		       !strcmp(mpssed_line_info_get_consumer(li), "request-test"),
	       "line info shows active-low and the consumer");
	mpssed_line_info_free(li);
	tap_ok(mpssed_line_request_get_value(req, 4) == INACTIVE &&
		       mpssed_line_request_set_value(req, 0, INACTIVE) == 0 &&
		       mpssed_line_request_get_value(req, 4) == ACTIVE,
	       "values are logical: a high active-low line reads inactive, a low one active");
	mpssed_line_config_add_line_settings(wrong, (unsigned int[]){ 4 }, 1, NULL);
	errno = 0;
	tap_ok(mpssed_line_request_reconfigure_lines(req, wrong) == -1 && errno == EINVAL,
	       "reconfiguring with other lines than requested: EINVAL");
	mpssed_line_config_free(wrong);
	mpssed_line_config_free(lc);
}

static void test_errors(struct mpssed_chip *chip)
{
	struct mpssed_line_config *lc = mpssed_line_config_new();
	struct mpssed_line_settings *s = settings(MPSSED_LINE_DIRECTION_INPUT, false, INACTIVE);

	/* Drive flags on an input: the daemon validates as the kernel does. */
	mpssed_line_settings_set_drive(s, MPSSED_LINE_DRIVE_OPEN_DRAIN);
	mpssed_line_config_add_line_settings(lc, (unsigned int[]){ 5 }, 1, s);
	errno = 0;
	tap_ok(!request(chip, lc) && errno == EINVAL, "open-drain input: EINVAL from the daemon");
	mpssed_line_config_reset(lc);
	mpssed_line_config_add_line_settings(lc, (unsigned int[]){ 99 }, 1, NULL);
	errno = 0;
	tap_ok(!request(chip, lc) && errno == EINVAL, "a line past the last: EINVAL");
	mpssed_line_config_reset(lc);
	errno = 0;
	tap_ok(!request(chip, lc) && errno == EINVAL, "an empty line config: EINVAL");
	mpssed_line_settings_free(s);
	mpssed_line_config_free(lc);
}

static void test_output_value_at_request(struct mpssed_chip *chip)
{
	struct mpssed_line_config *lc = mpssed_line_config_new();
	struct mpssed_line_settings *s = settings(MPSSED_LINE_DIRECTION_OUTPUT, false, ACTIVE);
	struct mpssed_line_request *req;

	mpssed_line_config_add_line_settings(lc, (unsigned int[]){ 1, 2 }, 2, s);
	mpssed_line_config_set_output_values(lc, (enum mpssed_line_value[]){ INACTIVE }, 1);
	req = request(chip, lc);
	tap_ok(req && mpssed_line_request_get_value(req, 1) == INACTIVE &&
		       mpssed_line_request_get_value(req, 2) == ACTIVE,
	       "outputs start at their configured values");
	mpssed_line_request_release(req);
	mpssed_line_settings_free(s);
	mpssed_line_config_free(lc);
}

int main(void)
{
	struct test_daemon d;
	struct mpssed_chip *chip;
	struct mpssed_line_config *lc;
	struct mpssed_line_request *req;

	tap_plan(16);
	test_daemon_start(&d, "ft232h:serial=REQTEST", "mpsse0");
	chip = mpssed_chip_open("mpsse0");
	if (!chip)
		tap_bail("cannot open mpsse0: %s", strerror(errno));
	lc = wire_config(false, ACTIVE);
	req = request(chip, lc);
	if (!req)
		tap_bail("cannot request lines 4 and 0: %s", strerror(errno));
	test_values(req);
	test_busy(chip);
	test_reconfigure(chip, req);
	mpssed_line_request_release(req);
	req = request(chip, lc);
	tap_ok(req != NULL, "released lines can be requested again");
	mpssed_line_request_release(req);
	test_errors(chip);
	test_output_value_at_request(chip);
	mpssed_line_config_free(lc);
	mpssed_chip_close(chip);
	test_daemon_stop(&d);
	return tap_done();
}
