// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libmpssed against the real daemon (emulated FT232H, demo world): opening
 * chips by name and path, chip and line info, line lookup by name, line
 * info watches and their events (requested, reconfigured, released), info
 * events that arrive while a call waits for its reply, and the control
 * socket (chip list, counters, emulator errors).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "mpssed.h"
#include "tests/client/daemon.h"
#include "tests/tap.h"

static struct test_daemon daemon_;

/* A request of one line with the given direction and consumer. */
static struct mpssed_line_request *request_line(struct mpssed_chip *chip, unsigned int offset,
						enum mpssed_line_direction dir, const char *consumer)
{
	struct mpssed_line_settings *s = mpssed_line_settings_new();
	struct mpssed_line_config *lc = mpssed_line_config_new();
	struct mpssed_request_config *rc = mpssed_request_config_new();
	struct mpssed_line_request *req;

	mpssed_line_settings_set_direction(s, dir);
	mpssed_line_config_add_line_settings(lc, &offset, 1, s);
	mpssed_request_config_set_consumer(rc, consumer);
	req = mpssed_chip_request_lines(chip, rc, lc);
	mpssed_request_config_free(rc);
	mpssed_line_config_free(lc);
	mpssed_line_settings_free(s);
	return req;
}

static void test_open(void)
{
	char path[128];
	struct mpssed_chip *chip;
	const char *p;

	chip = mpssed_chip_open("mpsse0");
	p = chip ? mpssed_chip_get_path(chip) : "";
	tap_ok(chip && strstr(p, daemon_.dir) == p && !strcmp(p + strlen(p) - 7, "/mpsse0"),
	       "open by name in $MPSSED_RUNTIME_DIR (%s)", p);
	mpssed_chip_close(chip);
	snprintf(path, sizeof(path), "%s/mpsse0", daemon_.dir);
	chip = mpssed_chip_open(path);
	tap_ok(chip != NULL, "open by path");
	mpssed_chip_close(chip);
	errno = 0;
	tap_ok(!mpssed_chip_open("nochip") && errno == ENOENT, "open an unknown chip: ENOENT");
	errno = 0;
	tap_ok(!mpssed_chip_open("mpssed.sock") && errno == ENOTTY,
	       "open the control socket as a chip: ENOTTY");
}

static void test_info(struct mpssed_chip *chip)
{
	struct mpssed_chip_info *ci = mpssed_chip_get_info(chip);
	struct mpssed_line_info *li;

	tap_ok(ci && !strcmp(mpssed_chip_info_get_name(ci), "mpsse0") &&
		       mpssed_chip_info_get_num_lines(ci) == 16 &&
		       !strncmp(mpssed_chip_info_get_label(ci), "FT232H", 6),
	       "chip info: mpsse0, 16 lines, label '%s'", ci ? mpssed_chip_info_get_label(ci) : "");
	mpssed_chip_info_free(ci);
	li = mpssed_chip_get_line_info(chip, 15);
	tap_ok(li && mpssed_line_info_get_offset(li) == 15 &&
		       !strcmp(mpssed_line_info_get_name(li), "ACBUS7") &&
		       !mpssed_line_info_is_used(li) && !mpssed_line_info_get_consumer(li) &&
		       mpssed_line_info_get_direction(li) == MPSSED_LINE_DIRECTION_INPUT &&
		       mpssed_line_info_get_edge_detection(li) == MPSSED_LINE_EDGE_NONE &&
		       !mpssed_line_info_is_active_low(li),
	       "line info of line 15: ACBUS7, unused input");
	mpssed_line_info_free(li);
	errno = 0;
	tap_ok(!mpssed_chip_get_line_info(chip, 16) && errno == EINVAL,
	       "line info past the last line: EINVAL from the daemon");
	tap_ok(mpssed_chip_get_line_offset_from_name(chip, "ACBUS7") == 15 &&
		       mpssed_chip_get_line_offset_from_name(chip, "ADBUS0") == 0,
	       "line offsets from names");
	errno = 0;
	tap_ok(mpssed_chip_get_line_offset_from_name(chip, "NOPE") == -1 && errno == ENOENT,
	       "an unknown line name: ENOENT");
}

/* The next info event, within a bounded wait. */
static struct mpssed_info_event *next_event(struct mpssed_chip *chip)
{
	if (mpssed_chip_wait_info_event(chip, 5000000000LL) != 1)
		return NULL;
	return mpssed_chip_read_info_event(chip);
}

static bool event_is(struct mpssed_info_event *ev, enum mpssed_info_event_type type,
		     unsigned int offset)
{
	return ev && mpssed_info_event_get_event_type(ev) == type &&
	       mpssed_line_info_get_offset(mpssed_info_event_get_line_info(ev)) == offset &&
	       mpssed_info_event_get_timestamp_ns(ev) > 0;
}

static void test_watch(struct mpssed_chip *chip)
{
	struct mpssed_line_info *li = mpssed_chip_watch_line_info(chip, 3);
	struct mpssed_line_config *lc = mpssed_line_config_new();
	struct mpssed_line_settings *s = mpssed_line_settings_new();
	struct mpssed_line_request *req;
	struct mpssed_info_event *ev;
	const char *consumer;

	tap_ok(li && mpssed_line_info_get_offset(li) == 3, "watch line 3 returns its info");
	mpssed_line_info_free(li);
	errno = 0;
	tap_ok(!mpssed_chip_watch_line_info(chip, 3) && errno == EBUSY, "watching twice: EBUSY");
	tap_ok(mpssed_chip_wait_info_event(chip, 0) == 0, "no info event before a change");

	req = request_line(chip, 3, MPSSED_LINE_DIRECTION_INPUT, "watcher-test");
	ev = next_event(chip);
	consumer = ev ? mpssed_line_info_get_consumer(mpssed_info_event_get_line_info(ev)) : NULL;
	tap_ok(event_is(ev, MPSSED_INFO_EVENT_LINE_REQUESTED, 3) &&
		       mpssed_line_info_is_used(mpssed_info_event_get_line_info(ev)) && consumer &&
		       !strcmp(consumer, "watcher-test"),
	       "requesting the line: a 'requested' event with the consumer");
	mpssed_info_event_free(ev);

	mpssed_line_settings_set_direction(s, MPSSED_LINE_DIRECTION_INPUT);
	mpssed_line_settings_set_active_low(s, true);
	mpssed_line_config_add_line_settings(lc, (unsigned int[]){ 3 }, 1, s);
	tap_ok(mpssed_line_request_reconfigure_lines(req, lc) == 0, "reconfigure the request");
	ev = next_event(chip);
	tap_ok(event_is(ev, MPSSED_INFO_EVENT_LINE_CONFIG_CHANGED, 3) &&
		       mpssed_line_info_is_active_low(mpssed_info_event_get_line_info(ev)),
	       "reconfiguring: a 'reconfigured' event with the new config");
	mpssed_info_event_free(ev);

	mpssed_line_request_release(req);
	ev = next_event(chip);
	tap_ok(event_is(ev, MPSSED_INFO_EVENT_LINE_RELEASED, 3) &&
		       !mpssed_line_info_is_used(mpssed_info_event_get_line_info(ev)),
	       "releasing: a 'released' event, line unused");
	mpssed_info_event_free(ev);
	mpssed_line_config_free(lc);
	mpssed_line_settings_free(s);
}

/*
 * Changes the daemon sent before the reply to a later call sit in the
 * socket ahead of that reply: the call must queue them, and the chip's fd
 * must still poll readable although the socket is empty.
 */
static void test_queued_while_calling(struct mpssed_chip *chip)
{
	struct mpssed_line_request *req = request_line(chip, 3, MPSSED_LINE_DIRECTION_INPUT, "q");
	struct pollfd pfd = { .fd = mpssed_chip_get_fd(chip), .events = POLLIN };
	struct mpssed_info_event *ev1, *ev2;

	mpssed_line_request_release(req);
	/* Let both changes reach the socket before the call's reply. */
	test_sleep_ms(200);
	mpssed_chip_info_free(mpssed_chip_get_info(chip));
	mpssed_line_info_free(mpssed_chip_get_line_info(chip, 0));
	tap_ok(pfd.fd >= 0 && poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN),
	       "after the calls the chip's fd polls readable");
	tap_ok(mpssed_chip_wait_info_event(chip, 0) == 1, "and an info event is waiting");
	ev1 = mpssed_chip_read_info_event(chip);
	ev2 = mpssed_chip_read_info_event(chip);
	tap_ok(event_is(ev1, MPSSED_INFO_EVENT_LINE_REQUESTED, 3) &&
		       event_is(ev2, MPSSED_INFO_EVENT_LINE_RELEASED, 3),
	       "both events that arrived during the calls were kept, in order");
	tap_ok(mpssed_chip_wait_info_event(chip, 0) == 0 && poll(&pfd, 1, 0) == 0,
	       "once read, nothing is left and the fd is quiet");
	mpssed_info_event_free(ev1);
	mpssed_info_event_free(ev2);
	tap_ok(mpssed_chip_unwatch_line_info(chip, 3) == 0, "unwatch line 3");
	errno = 0;
	tap_ok(mpssed_chip_unwatch_line_info(chip, 3) == -1 && errno == EBUSY,
	       "unwatching a line not watched: EBUSY");
}

static void test_ctl(void)
{
	struct mpssed_ctl *ctl = mpssed_ctl_open(NULL);
	struct mpssed_ctl_chip_list *list = ctl ? mpssed_ctl_list_chips(ctl) : NULL;
	struct mpssed_ctl_chip_stats *stats;

	tap_ok(list && mpssed_ctl_chip_list_get_num_chips(list) == 1 &&
		       !strcmp(mpssed_ctl_chip_list_get_name(list, 0), "mpsse0") &&
		       mpssed_ctl_chip_list_get_num_lines(list, 0) == 16 &&
		       mpssed_ctl_chip_list_is_present(list, 0) &&
		       mpssed_ctl_chip_list_is_emulated(list, 0) &&
		       !mpssed_ctl_chip_list_get_name(list, 1),
	       "the chip list holds mpsse0: 16 lines, present, emulated");
	mpssed_ctl_chip_list_free(list);
	stats = mpssed_ctl_get_chip_stats(ctl, "mpsse0");
	tap_ok(stats && mpssed_ctl_chip_stats_get_uptime_ns(stats) > 0 &&
		       mpssed_ctl_chip_stats_get_unplugs(stats) == 0,
	       "chip counters: uptime %llu ns",
	       stats ? (unsigned long long)mpssed_ctl_chip_stats_get_uptime_ns(stats) : 0ULL);
	mpssed_ctl_chip_stats_free(stats);
	errno = 0;
	tap_ok(!mpssed_ctl_get_chip_stats(ctl, "nochip") && errno == ENOENT,
	       "counters of an unknown chip: ENOENT");
	errno = 0;
	tap_ok(mpssed_ctl_emu_unplug(ctl, "nochip") == -1 && errno == ENOENT,
	       "emulator command for an unknown chip: ENOENT");
	errno = 0;
	tap_ok(mpssed_ctl_emu_set_input(ctl, "mpsse0", 16, 1) == -1 && errno == EINVAL,
	       "driving a line past the last: EINVAL from the daemon");
	mpssed_ctl_close(ctl);
}

int main(void)
{
	struct mpssed_chip *chip;

	tap_plan(27);
	test_daemon_start(&daemon_, "ft232h:serial=CHIPTEST", "mpsse0");
	test_open();
	chip = mpssed_chip_open("mpsse0");
	if (!chip)
		tap_bail("cannot open mpsse0: %s", strerror(errno));
	test_info(chip);
	test_watch(chip);
	test_queued_while_calling(chip);
	test_ctl();
	mpssed_chip_close(chip);
	test_daemon_stop(&daemon_);
	return tap_done();
}
