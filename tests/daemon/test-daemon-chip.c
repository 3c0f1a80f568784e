// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control and chip sockets end to end, against the real daemon on an
 * emulated FT232H with nothing driving its pins (world=none): the hello
 * handshake and its refusal, the chip list, chip and line info, lookup by
 * name, requests (an fd per request, EBUSY for a held line, EPERM for
 * setting an input), values, edge events read straight from the request
 * fd as 48-byte records with seqnos from 1, release on close (a new
 * request at once succeeds), line-info watches, counters, the emulator's
 * control errors, and a clean exit on SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"
#include "client.h"

#define CHIP "gpio0"
#define FLAG(x) GPIO_V2_LINE_FLAG_##x

static struct daemon d;
static int ctl = -1, chip = -1;

static void test_hello(void)
{
	struct mpssed_chip_list list;
	int fd = cl_connect(daemon_path(&d, MPSSED_CONTROL_SOCKET));

	tap_ok(cl_hello(fd, MPSSED_PROTOCOL_MAJOR + 1) == -EPROTONOSUPPORT,
	       "hello with another major version: EPROTONOSUPPORT");
	tap_ok(cl_list(fd, &list) == -EPROTO, "a request before a successful hello: EPROTO");
	tap_ok(cl_hello(fd, MPSSED_PROTOCOL_MAJOR) == 0, "hello with our major: the server's version");
	tap_ok(cl_list(fd, &list) == 0, "after hello, requests are served");
	close(fd);
}

static void test_list(void)
{
	struct mpssed_chip_list list = { 0 };
	const struct mpssed_chip_entry *e = &list.chips[0];
	bool ok = cl_list(ctl, &list) == 0;

	tap_ok(ok && list.count == 1 && !strcmp(e->name, CHIP) &&
		       e->lines == 16 && e->present && e->emulated &&
		       !strncmp(e->label, "FT232H A", 8),
	       "LIST_CHIPS: one present, emulated 16-line chip named " CHIP " (label '%s')",
	       e->label);
}

static int line_info(int fd, uint32_t offset, uint32_t padding, struct gpio_v2_line_info *info)
{
	struct mpssed_offset o = { .offset = offset, .padding = padding };

	return cl_call(fd, MSG_LINE_INFO, &o, sizeof(o), info, sizeof(*info), NULL);
}

static int find_line(const char *name, struct mpssed_offset *o)
{
	struct mpssed_line_name n = { { 0 } };

	strncpy(n.name, name, sizeof(n.name) - 1);
	return cl_call(chip, MSG_FIND_LINE, &n, sizeof(n), o, sizeof(*o), NULL);
}

static void test_info(void)
{
	struct gpiochip_info ci;
	struct gpio_v2_line_info li = { 0 };
	struct mpssed_offset o;
	bool ok;

	tap_ok(cl_call(chip, MSG_CHIP_INFO, NULL, 0, &ci, sizeof(ci), NULL) == 0 &&
		       !strcmp(ci.name, CHIP) && ci.lines == 16,
	       "CHIP_INFO: name and 16 lines");
	ok = line_info(chip, 3, 0, &li) == 0;
	tap_ok(ok && li.offset == 3 && !strcmp(li.name, "ADBUS3") &&
		       li.flags == FLAG(INPUT),
	       "LINE_INFO 3: ADBUS3, an unused input (flags 0x%llx)", (unsigned long long)li.flags);
	tap_ok(line_info(chip, 16, 0, &li) == -EINVAL, "LINE_INFO past the last line: EINVAL");
	tap_ok(line_info(chip, 3, 1, &li) == -EINVAL, "LINE_INFO with non-zero padding: EINVAL");
	tap_ok(find_line("ACBUS2", &o) == 0 && o.offset == 10, "FIND_LINE ACBUS2: offset 10");
	tap_ok(find_line("nope", &o) == -ENOENT, "FIND_LINE of an unknown name: ENOENT");
}

static void test_values(int *out_fd)
{
	unsigned zero = 0, two = 2;
	struct gpio_v2_line_info li;
	struct mpssed_request_stats st;
	uint64_t bits = 2;
	int other = cl_open(daemon_path(&d, CHIP)), fd2 = -1, in_fd = -1;
	bool ok;

	tap_ok(cl_request(chip, &zero, 1, FLAG(OUTPUT), 0, 0, out_fd) == 0,
	       "REQUEST_LINES: line 0 as output, a request fd comes with the reply");
	tap_ok(line_info(chip, 0, 0, &li) == 0 && (li.flags & FLAG(USED)) &&
		       (li.flags & FLAG(OUTPUT)) && !strcmp(li.consumer, "test"),
	       "LINE_INFO 0: used, output, consumer 'test'");
	tap_ok(cl_request(other, &zero, 1, FLAG(INPUT), 0, 0, &fd2) == -EBUSY,
	       "requesting a held line from another connection: EBUSY");
	ok = cl_set(*out_fd, 1, 1) == 0 && cl_get(*out_fd, 1, &bits) == 0 && bits == 1;
	ok = ok && cl_set(*out_fd, 1, 0) == 0 && cl_get(*out_fd, 1, &bits) == 0 && bits == 0;
	tap_ok(ok, "SET_VALUES then GET_VALUES on the request socket: 1, then 0");
	tap_ok(cl_request(chip, &two, 1, FLAG(INPUT), 0, 0, &in_fd) == 0 &&
		       cl_set(in_fd, 1, 1) == -EPERM,
	       "SET_VALUES on an input: EPERM");
	tap_ok(cl_call(*out_fd, MSG_REQUEST_STATS, NULL, 0, &st, sizeof(st), NULL) == 0 &&
		       st.events == 0 && st.dropped == 0,
	       "REQUEST_STATS of an output request: no events");
	close(in_fd);
	close(other);
}

static void test_events(void)
{
	unsigned one = 1;
	struct gpio_v2_line_event ev[2] = { 0 };
	struct mpssed_request_stats st;
	int fd = -1;
	bool ok;

	tap_ok(cl_request(chip, &one, 1, FLAG(INPUT) | FLAG(EDGE_RISING) | FLAG(EDGE_FALLING), 0,
			  0, &fd) == 0 &&
		       cl_wait_samples(ctl, CHIP, 3) == 0,
	       "line 1 requested for both edges; the poller samples it");
	ok = cl_emu(ctl, CHIP, MPSSED_EMU_SET, 1, 0, 1) == 0 &&
	     cl_read_event(fd, &ev[0], GUARD_MS) == 1;
	tap_ok(ok && ev[0].id == GPIO_V2_LINE_EVENT_RISING_EDGE && ev[0].offset == 1 &&
		       ev[0].seqno == 1 && ev[0].line_seqno == 1,
	       "input driven high: a rising-edge record, seqno 1 (id %u seqno %u line_seqno %u)",
	       ev[0].id, ev[0].seqno, ev[0].line_seqno);
	tap_ok(cl_emu(ctl, CHIP, MPSSED_EMU_SET, 1, 0, 0) == 0 &&
		       cl_read_event(fd, &ev[1], GUARD_MS) == 1 &&
		       ev[1].id == GPIO_V2_LINE_EVENT_FALLING_EDGE && ev[1].seqno == 2 &&
		       ev[1].line_seqno == 2,
	       "input driven low: a falling-edge record, seqno 2");
	tap_ok(ev[0].timestamp_ns && ev[1].timestamp_ns > ev[0].timestamp_ns,
	       "timestamps increase");
	tap_ok(cl_call(fd, MSG_REQUEST_STATS, NULL, 0, &st, sizeof(st), NULL) == 0 &&
		       st.events == 2 && st.dropped == 0 && st.queued == 0,
	       "REQUEST_STATS: 2 events, none dropped, none queued");
	close(fd);
}

static void test_release(int out_fd)
{
	unsigned zero = 0;
	int fd = -1;

	close(out_fd);
	tap_ok(cl_request(chip, &zero, 1, FLAG(OUTPUT), 0, 0, &fd) == 0,
	       "closing a request fd releases its lines: requesting them again at once works");
	close(fd);
}

static int watch(int fd, uint16_t opcode, uint32_t offset, struct gpio_v2_line_info *info)
{
	struct mpssed_offset o = { .offset = offset };

	return cl_call(fd, opcode, &o, sizeof(o), info, info ? sizeof(*info) : 0, NULL);
}

/* The next MSG_LINE_INFO_CHANGED on fd. */
static int next_change(int fd, struct gpio_v2_line_info_changed *chg)
{
	uint8_t buf[MPSSED_MSG_MAX];
	struct mpssed_hdr hdr;
	ssize_t n = cl_recv_raw(fd, buf, sizeof(buf), NULL, GUARD_MS);

	if (n < (ssize_t)(sizeof(hdr) + sizeof(*chg)))
		return n < 0 ? (int)n : -EBADMSG;
	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.opcode != MSG_LINE_INFO_CHANGED || hdr.serial != 0 || hdr.size != sizeof(*chg))
		return -EBADMSG;
	memcpy(chg, buf + sizeof(hdr), sizeof(*chg));
	return 0;
}

static void test_watch(void)
{
	struct gpio_v2_line_info li;
	struct gpio_v2_line_info_changed chg;
	int w = cl_open(daemon_path(&d, CHIP)), fd = -1;
	unsigned five = 5;

	tap_ok(watch(w, MSG_WATCH_LINE, 5, &li) == 0 && li.offset == 5,
	       "WATCH_LINE 5: its current info");
	tap_ok(watch(w, MSG_WATCH_LINE, 5, &li) == -EBUSY, "watching it twice: EBUSY");
	tap_ok(cl_request(chip, &five, 1, FLAG(INPUT), 0, 0, &fd) == 0 && next_change(w, &chg) == 0 &&
		       chg.event_type == GPIO_V2_LINE_CHANGED_REQUESTED && chg.info.offset == 5,
	       "another client requests line 5: the watcher gets REQUESTED (serial 0)");
	close(fd);
	tap_ok(next_change(w, &chg) == 0 && chg.event_type == GPIO_V2_LINE_CHANGED_RELEASED &&
		       chg.info.offset == 5,
	       "its request fd is closed: RELEASED");
	tap_ok(watch(w, MSG_UNWATCH_LINE, 5, NULL) == 0, "UNWATCH_LINE 5");
	tap_ok(watch(w, MSG_UNWATCH_LINE, 5, NULL) == -EBUSY, "unwatching it again: EBUSY");
	close(w);
}

static void test_control(void)
{
	struct mpssed_chip_stats st = { 0 };
	bool ok = cl_chip_stats(ctl, CHIP, &st) == 0;

	tap_ok(ok && st.samples > 0 && st.events >= 2 &&
		       st.unplugs == 0 && st.uptime_ns > 0,
	       "CHIP_STATS: samples %llu, events %llu, rtt p50 %u us",
	       (unsigned long long)st.samples, (unsigned long long)st.events, st.rtt_p50_us);
	tap_ok(cl_chip_stats(ctl, "nochip", &st) == -ENOENT, "CHIP_STATS of an unknown chip: ENOENT");
	tap_ok(cl_emu(ctl, "nochip", MPSSED_EMU_SET, 1, 0, 1) == -ENOENT,
	       "EMU on an unknown chip: ENOENT");
	tap_ok(cl_emu(ctl, CHIP, 99, 0, 0, 0) == -EINVAL, "EMU with an unknown op: EINVAL");
	tap_ok(cl_emu(ctl, CHIP, MPSSED_EMU_SET, 16, 0, 1) == -EINVAL,
	       "EMU SET past the last line: EINVAL");
}

static void test_exit(void)
{
	struct stat st;
	int ms;

	close(ctl);
	close(chip);
	ms = daemon_stop(&d, GUARD_MS);
	/* Typically tens of ms; the bound only catches a hang, not a slow machine. */
	tap_ok(ms >= 0 && ms < 5000, "SIGTERM: exits promptly (%d ms)", ms);
	tap_ok(ms >= 0 && WIFEXITED(d.status) && WEXITSTATUS(d.status) == 0, "with status 0");
	tap_ok(stat(daemon_path(&d, MPSSED_CONTROL_SOCKET), &st) < 0 &&
		       stat(daemon_path(&d, CHIP), &st) < 0,
	       "its socket files are gone");
}

int main(void)
{
	const char *args[] = { "--emulate", "ft232h:world=none,name=" CHIP, NULL };
	int out_fd = -1;

	tap_plan(37);
	if (daemon_start(&d, false, args) < 0)
		tap_bail("mpssed did not start (%s)", daemon_binary());
	ctl = cl_open(daemon_path(&d, MPSSED_CONTROL_SOCKET));
	chip = cl_open(daemon_path(&d, CHIP));
	if (ctl < 0 || chip < 0) {
		daemon_cleanup(&d);
		tap_bail("cannot connect to the daemon's sockets");
	}
	test_hello();
	test_list();
	test_info();
	test_values(&out_fd);
	test_events();
	test_release(out_fd);
	test_watch();
	test_control();
	test_exit();
	daemon_cleanup(&d);
	return tap_done();
}
