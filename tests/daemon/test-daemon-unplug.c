// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unplug and replug through the daemon (MSG_EMU on the control socket):
 * a request fd holding unread events gets them first, then POLLHUP and end
 * of file; the chip socket stays and still answers chip and line info,
 * while new requests get ENODEV; a persistent request survives (its value
 * operations fail with ENODEV meanwhile) and has its output back after the
 * replug; new requests and events work again.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"
#include "client.h"

#define CHIP "gpio0"
#define FLAG(x) GPIO_V2_LINE_FLAG_##x
#define EDGES (FLAG(INPUT) | FLAG(EDGE_RISING) | FLAG(EDGE_FALLING))

static struct daemon d;
static int ctl = -1, chip = -1;

/* Wait until the chip's requests generated n events in all. */
static int wait_events(uint64_t n)
{
	uint64_t deadline = now_ms() + GUARD_MS;
	struct mpssed_chip_stats st;

	while (now_ms() < deadline) {
		if (cl_chip_stats(ctl, CHIP, &st) == 0 && st.events >= n)
			return 0;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

static short revents(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, timeout_ms) == 1 ? p.revents : 0;
}

/* Two unread edges on fd, then the unplug: both come out before the end of file. */
static void test_unplug(int fd)
{
	struct gpio_v2_line_event ev[2] = { 0 };
	bool ok;

	ok = cl_emu(ctl, CHIP, MPSSED_EMU_SET, 1, 0, 1) == 0 && wait_events(1) == 0 &&
	     cl_emu(ctl, CHIP, MPSSED_EMU_SET, 1, 0, 0) == 0 && wait_events(2) == 0;
	tap_ok(ok, "two edges generated and left unread");
	tap_ok(cl_emu(ctl, CHIP, MPSSED_EMU_UNPLUG, 0, 0, 0) == 0, "EMU UNPLUG");
	ok = cl_read_event(fd, &ev[0], GUARD_MS) == 1 && cl_read_event(fd, &ev[1], GUARD_MS) == 1;
	tap_ok(ok && ev[0].seqno == 1 && ev[1].seqno == 2,
	       "the request fd still delivers the queued events (seqnos %u, %u)", ev[0].seqno,
	       ev[1].seqno);
	tap_ok(revents(fd, GUARD_MS) & POLLHUP, "then it reports POLLHUP");
	tap_ok(cl_read_event(fd, &ev[0], GUARD_MS) == 0, "and end of file");
}

static void test_unplugged(int persist_fd)
{
	struct gpiochip_info ci;
	struct gpio_v2_line_info li;
	struct mpssed_offset o = { .offset = 0 };
	uint64_t bits;
	unsigned two = 2;
	int fd = -1;

	tap_ok(cl_wait_present(ctl, CHIP, false) == 0, "LIST_CHIPS shows the chip not present");
	tap_ok(cl_call(chip, MSG_CHIP_INFO, NULL, 0, &ci, sizeof(ci), NULL) == 0 &&
		       !strcmp(ci.name, CHIP),
	       "the chip socket still answers CHIP_INFO");
	tap_ok(cl_call(chip, MSG_LINE_INFO, &o, sizeof(o), &li, sizeof(li), NULL) == 0 &&
		       (li.flags & FLAG(USED)),
	       "and LINE_INFO (line 0 still held by the persistent request)");
	tap_ok(cl_request(chip, &two, 1, FLAG(INPUT), 0, 0, &fd) == -ENODEV,
	       "a new request: ENODEV");
	tap_ok(cl_get(persist_fd, 1, &bits) == -ENODEV,
	       "GET_VALUES on the persistent request: ENODEV");
	tap_ok(!(revents(persist_fd, 50) & POLLHUP), "the persistent request's fd stays open");
	tap_ok(cl_emu(ctl, CHIP, MPSSED_EMU_UNPLUG, 0, 0, 0) == -ENODEV,
	       "EMU UNPLUG of an unplugged device: ENODEV");
}

static void test_replug(int persist_fd)
{
	struct gpio_v2_line_event ev = { 0 };
	struct mpssed_chip_stats st = { 0 };
	unsigned one = 1;
	uint64_t bits = 0;
	int fd = -1;
	bool ok;

	tap_ok(cl_emu(ctl, CHIP, MPSSED_EMU_REPLUG, 0, 0, 0) == 0 &&
		       cl_wait_present(ctl, CHIP, true) == 0,
	       "EMU REPLUG: the chip is present again");
	tap_ok(cl_get(persist_fd, 1, &bits) == 0 && bits == 1,
	       "the persistent request works again and its output is back at 1");
	tap_ok(cl_request(chip, &one, 1, EDGES, 0, 0, &fd) == 0 && cl_wait_samples(ctl, CHIP, 3) == 0,
	       "line 1 (released with the dead request) can be requested again");
	ok = cl_emu(ctl, CHIP, MPSSED_EMU_SET, 1, 0, 1) == 0 &&
	     cl_read_event(fd, &ev, GUARD_MS) == 1;
	tap_ok(ok && ev.id == GPIO_V2_LINE_EVENT_RISING_EDGE && ev.seqno == 1,
	       "and delivers edges, seqno from 1");
	ok = cl_chip_stats(ctl, CHIP, &st) == 0;
	tap_ok(ok && st.unplugs == 1 && st.replugs == 1, "CHIP_STATS: 1 unplug, 1 replug");
	close(fd);
}

int main(void)
{
	const char *args[] = { "--emulate", "ft232h:world=none,name=" CHIP, NULL };
	unsigned zero = 0, one = 1;
	int fd = -1, persist_fd = -1, ms;

	tap_plan(19);
	if (daemon_start(&d, false, args) < 0)
		tap_bail("mpssed did not start (%s)", daemon_binary());
	ctl = cl_open(daemon_path(&d, MPSSED_CONTROL_SOCKET));
	chip = cl_open(daemon_path(&d, CHIP));
	tap_ok(ctl >= 0 && chip >= 0 &&
		       cl_request(chip, &one, 1, EDGES, 0, 0, &fd) == 0 &&
		       cl_request(chip, &zero, 1, FLAG(OUTPUT), MPSSED_REQUEST_PERSIST, 0,
				  &persist_fd) == 0 &&
		       cl_set(persist_fd, 1, 1) == 0 && cl_wait_samples(ctl, CHIP, 3) == 0,
	       "an edge request on line 1, a persistent output request on line 0 set to 1");
	test_unplug(fd);
	close(fd);
	test_unplugged(persist_fd);
	test_replug(persist_fd);
	close(persist_fd);
	close(ctl);
	close(chip);
	ms = daemon_stop(&d, GUARD_MS);
	tap_ok(ms >= 0 && WIFEXITED(d.status) && WEXITSTATUS(d.status) == 0,
	       "SIGTERM: exit status 0 (%d ms)", ms);
	daemon_cleanup(&d);
	return tap_done();
}
