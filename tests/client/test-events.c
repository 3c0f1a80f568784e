// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Edge events against the real daemon (emulated FT232H with no demo world;
 * the emulator's square wave, set over the control socket, makes the
 * edges): events in a buffer with their seqnos, events that arrive while a
 * call waits for its reply (queued, none lost), the end of a request when
 * the device is unplugged (ENODEV), and a persistent request that lives
 * through unplug and replug.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "mpssed.h"
#include "tests/client/daemon.h"
#include "tests/tap.h"

#define WAVE_LINE 15
#define SECOND_NS 1000000000LL

static struct mpssed_ctl *ctl;

static struct mpssed_line_request *request_edges(struct mpssed_chip *chip, bool with_output,
						 bool persist)
{
	struct mpssed_line_settings *s = mpssed_line_settings_new();
	struct mpssed_line_config *lc = mpssed_line_config_new();
	struct mpssed_request_config *rc = mpssed_request_config_new();
	struct mpssed_line_request *req;

	mpssed_line_settings_set_edge_detection(s, MPSSED_LINE_EDGE_BOTH);
	mpssed_line_config_add_line_settings(lc, (unsigned int[]){ WAVE_LINE }, 1, s);
	if (with_output) {
		mpssed_line_settings_reset(s);
		mpssed_line_settings_set_direction(s, MPSSED_LINE_DIRECTION_OUTPUT);
		mpssed_line_config_add_line_settings(lc, (unsigned int[]){ 0 }, 1, s);
	}
	/* Room for every edge of the tests: a drop would look like a loss in the library. */
	mpssed_request_config_set_event_buffer_size(rc, 1024);
	mpssed_request_config_set_persist(rc, persist);
	req = mpssed_chip_request_lines(chip, rc, lc);
	mpssed_request_config_free(rc);
	mpssed_line_config_free(lc);
	mpssed_line_settings_free(s);
	return req;
}

/* Events read so far, checked as they come. */
struct tally {
	unsigned long count;
	bool seqnos_ok;		/* 1, 2, 3... on both counters, as for a single line */
	bool offsets_ok;
	bool alternate_ok;	/* rising and falling take turns */
	bool time_ok;		/* timestamps never go back */
	int last_type;
	uint64_t last_ns;
};

static void tally_init(struct tally *t)
{
	memset(t, 0, sizeof(*t));
	t->seqnos_ok = t->offsets_ok = t->alternate_ok = t->time_ok = true;
}

static void tally_add(struct tally *t, struct mpssed_edge_event *ev)
{
	int type = mpssed_edge_event_get_event_type(ev);
	uint64_t ns = mpssed_edge_event_get_timestamp_ns(ev);

	t->count++;
	t->seqnos_ok &= mpssed_edge_event_get_global_seqno(ev) == t->count &&
			mpssed_edge_event_get_line_seqno(ev) == t->count;
	t->offsets_ok &= mpssed_edge_event_get_line_offset(ev) == WAVE_LINE;
	t->alternate_ok &= type != t->last_type;
	t->time_ok &= ns >= t->last_ns;
	t->last_type = type;
	t->last_ns = ns;
}

/* Read into buf until at least want events were seen or a read fails; returns the last read. */
static int read_until(struct mpssed_line_request *req, struct mpssed_edge_event_buffer *buf,
		      size_t max, struct tally *t, unsigned long want)
{
	int n = 0;

	while (t->count < want) {
		if (mpssed_line_request_wait_edge_events(req, 5 * SECOND_NS) != 1)
			return 0;
		n = mpssed_line_request_read_edge_events(req, buf, max);
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++)
			tally_add(t, mpssed_edge_event_buffer_get_event(buf, (unsigned long)i));
	}
	return n;
}

static void test_events(struct mpssed_chip *chip)
{
	struct mpssed_line_request *req = request_edges(chip, false, false);
	struct mpssed_edge_event_buffer *buf = mpssed_edge_event_buffer_new(4);
	struct mpssed_edge_event *copy;
	struct tally t;
	int n;

	tally_init(&t);
	tap_ok(req && mpssed_line_request_wait_edge_events(req, 0) == 0,
	       "request line %d with both edges; no event yet", WAVE_LINE);
	mpssed_ctl_emu_square_wave(ctl, "mpsse0", WAVE_LINE, 50.0);
	n = read_until(req, buf, 10, &t, 8);
	tap_ok(n > 0 && n <= 4 && mpssed_edge_event_buffer_get_num_events(buf) == (size_t)n,
	       "a read fills at most the buffer's capacity (got %d)", n);
	tap_ok(t.count >= 8 && t.seqnos_ok && t.offsets_ok,
	       "%lu events on line %d, global and line seqnos 1, 2, 3...", t.count, WAVE_LINE);
	tap_ok(t.alternate_ok && t.time_ok, "edges alternate, timestamps never go back");
	copy = mpssed_edge_event_copy(mpssed_edge_event_buffer_get_event(buf, 0));
	tap_ok(copy && mpssed_edge_event_get_line_offset(copy) == WAVE_LINE,
	       "an event copied out of the buffer");
	mpssed_edge_event_free(copy);
	mpssed_ctl_emu_square_wave(ctl, "mpsse0", WAVE_LINE, 0.0);
	mpssed_line_request_release(req);
	mpssed_edge_event_buffer_free(buf);
}

/*
 * Edges keep coming while the test makes calls on the same request socket;
 * every one that arrived before a reply must be kept for the next read,
 * with no seqno missing, and the request's fd must say so.
 */
static void test_queued_while_calling(struct mpssed_chip *chip)
{
	struct mpssed_line_request *req = request_edges(chip, true, false);
	struct mpssed_edge_event_buffer *buf = mpssed_edge_event_buffer_new(1024);
	enum mpssed_line_value values[2];
	struct pollfd pfd = { .fd = req ? mpssed_line_request_get_fd(req) : -1, .events = POLLIN };
	bool calls_ok = true;
	struct tally t;

	tally_init(&t);
	mpssed_ctl_emu_square_wave(ctl, "mpsse0", WAVE_LINE, 100.0);
	for (int i = 0; i < 20; i++) {
		test_sleep_ms(10);
		calls_ok &= mpssed_line_request_get_values(req, values) == 0 &&
			    mpssed_line_request_set_value(req, 0, i & 1 ? MPSSED_LINE_VALUE_ACTIVE :
									  MPSSED_LINE_VALUE_INACTIVE) == 0;
	}
	mpssed_ctl_emu_square_wave(ctl, "mpsse0", WAVE_LINE, 0.0);
	tap_ok(calls_ok, "40 calls on the request while its line toggles at 100 Hz");
	tap_ok(pfd.fd >= 0 && poll(&pfd, 1, 0) == 1 && mpssed_line_request_wait_edge_events(req, 0) == 1,
	       "the events that came with the replies are waiting, and the fd polls readable");
	/* Take the rest: whatever came after the last reply is still in the socket. */
	while (mpssed_line_request_wait_edge_events(req, 300000000LL) == 1) {
		int n = mpssed_line_request_read_edge_events(req, buf, 1024);

		for (int i = 0; i < n; i++)
			tally_add(&t, mpssed_edge_event_buffer_get_event(buf, (unsigned long)i));
		if (n <= 0)
			break;
	}
	tap_ok(t.count >= 20 && t.seqnos_ok && t.alternate_ok,
	       "%lu events, seqnos 1..%lu without a gap: none was lost to the calls", t.count,
	       t.count);
	tap_ok(poll(&pfd, 1, 0) == 0, "once everything is read the fd is quiet");
	mpssed_line_request_release(req);
	mpssed_edge_event_buffer_free(buf);
}

static struct mpssed_line_request *request_output(struct mpssed_chip *chip, unsigned int offset,
						  bool persist)
{
	struct mpssed_line_settings *s = mpssed_line_settings_new();
	struct mpssed_line_config *lc = mpssed_line_config_new();
	struct mpssed_request_config *rc = mpssed_request_config_new();
	struct mpssed_line_request *req;

	mpssed_line_settings_set_direction(s, MPSSED_LINE_DIRECTION_OUTPUT);
	mpssed_line_settings_set_output_value(s, MPSSED_LINE_VALUE_ACTIVE);
	mpssed_line_config_add_line_settings(lc, &offset, 1, s);
	mpssed_request_config_set_persist(rc, persist);
	req = mpssed_chip_request_lines(chip, rc, lc);
	mpssed_request_config_free(rc);
	mpssed_line_config_free(lc);
	mpssed_line_settings_free(s);
	return req;
}

/* After replug, poll until the persistent request answers again (bounded). */
static enum mpssed_line_value value_after_replug(struct mpssed_line_request *req)
{
	enum mpssed_line_value v = MPSSED_LINE_VALUE_ERROR;

	for (int i = 0; i < 500 && v == MPSSED_LINE_VALUE_ERROR; i++) {
		v = mpssed_line_request_get_value(req, 2);
		if (v == MPSSED_LINE_VALUE_ERROR)
			test_sleep_ms(10);
	}
	return v;
}

static void test_unplug(struct mpssed_chip *chip)
{
	struct mpssed_line_request *req = request_edges(chip, false, false);
	struct mpssed_line_request *kept = request_output(chip, 2, true);
	struct mpssed_edge_event_buffer *buf = mpssed_edge_event_buffer_new(64);
	struct pollfd pfd = { .fd = req ? mpssed_line_request_get_fd(req) : -1, .events = POLLIN };
	int n = 0;

	tap_ok(req && kept && mpssed_ctl_emu_unplug(ctl, "mpsse0") == 0,
	       "unplug the device under a request and a persistent request");
	tap_ok(poll(&pfd, 1, 5000) == 1, "the request's fd polls readable");
	for (int i = 0; i < 100 && n >= 0; i++)
		n = mpssed_line_request_read_edge_events(req, buf, 64);
	tap_ok(n == -1 && errno == ENODEV, "reading its events ends with ENODEV");
	errno = 0;
	tap_ok(mpssed_line_request_get_value(req, WAVE_LINE) == MPSSED_LINE_VALUE_ERROR &&
		       errno == ENODEV,
	       "and so does every call on it");
	errno = 0;
	tap_ok(mpssed_line_request_get_value(kept, 2) == MPSSED_LINE_VALUE_ERROR && errno == ENODEV,
	       "the persistent request answers ENODEV while the device is away");
	tap_ok(mpssed_ctl_emu_replug(ctl, "mpsse0") == 0 &&
		       value_after_replug(kept) == MPSSED_LINE_VALUE_ACTIVE,
	       "after replug the persistent request works again, its output restored");
	mpssed_line_request_release(req);
	req = request_edges(chip, false, false);
	tap_ok(req != NULL, "the unplugged request's line can be requested after replug");
	mpssed_line_request_release(req);
	mpssed_line_request_release(kept);
	mpssed_edge_event_buffer_free(buf);
}

int main(void)
{
	struct test_daemon d;
	struct mpssed_chip *chip;

	tap_plan(16);
	test_daemon_start(&d, "ft232h:world=none,serial=EVTEST", "mpsse0");
	ctl = mpssed_ctl_open(NULL);
	chip = mpssed_chip_open("mpsse0");
	if (!ctl || !chip)
		tap_bail("cannot open the daemon's sockets: %s", strerror(errno));
	test_events(chip);
	test_queued_while_calling(chip);
	test_unplug(chip);
	mpssed_chip_close(chip);
	mpssed_ctl_close(ctl);
	test_daemon_stop(&d);
	return tap_done();
}
