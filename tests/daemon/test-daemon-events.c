// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A client that stops reading its request fd: the daemon keeps serving
 * everyone (it never blocks on that socket), the request's own queue drops
 * its oldest events, and what the client reads afterwards is bounded by
 * event_buffer_size + the few events the server holds + what fits in the
 * socket, with seqnos that increase and end at the newest event, so the
 * loss shows as a gap. New events flow again once it reads.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"
#include "client.h"

#define CHIP "gpio0"
#define FLAG(x) GPIO_V2_LINE_FLAG_##x
#define QUEUE 16		/* event_buffer_size asked for */
#define SERVER_HELD 8		/* src/server/reqconn.c: EVENT_BATCH */
#define SNDBUF 4096		/* src/server/reqconn.c: REQ_SNDBUF */
#define WAVE_HZ 250

static struct daemon d;
static int ctl = -1, chip = -1;

/* How many 48-byte messages a SEQPACKET socket with the server's SO_SNDBUF takes. */
static unsigned socket_capacity(void)
{
	struct gpio_v2_line_event ev = { 0 };
	int sv[2], size = SNDBUF;
	unsigned n = 0;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv) < 0)
		return 0;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	while (n < 100000 && send(sv[0], &ev, sizeof(ev), MSG_NOSIGNAL) == sizeof(ev))
		n++;
	close(sv[0]);
	close(sv[1]);
	return n;
}

static int chip_stats(struct mpssed_chip_stats *st)
{
	return cl_chip_stats(ctl, CHIP, st);
}

/* Read every event until none comes for 200 ms; checks that seqnos increase. */
static unsigned drain(int fd, struct gpio_v2_line_event *last, bool *increasing)
{
	struct gpio_v2_line_event ev;
	unsigned n = 0;

	*increasing = true;
	while (cl_read_event(fd, &ev, 200) == 1) {
		if (ev.seqno <= last->seqno)
			*increasing = false;
		*last = ev;
		n++;
	}
	return n;
}

int main(void)
{
	const char *args[] = { "--emulate", "ft232h:world=none,name=" CHIP, NULL };
	struct mpssed_chip_stats st = { 0 };
	struct gpio_v2_line_event ev = { 0 }, last = { 0 };
	unsigned one = 1, cap = socket_capacity(), n;
	bool increasing = false, ok;
	int fd = -1, ms;

	tap_plan(7);
	tap_diag("a request socket with SO_SNDBUF %d holds %u events", SNDBUF, cap);
	if (daemon_start(&d, false, args) < 0)
		tap_bail("mpssed did not start (%s)", daemon_binary());
	ctl = cl_open(daemon_path(&d, MPSSED_CONTROL_SOCKET));
	chip = cl_open(daemon_path(&d, CHIP));
	tap_ok(ctl >= 0 && chip >= 0 &&
		       cl_request(chip, &one, 1,
				  FLAG(INPUT) | FLAG(EDGE_RISING) | FLAG(EDGE_FALLING), 0, QUEUE,
				  &fd) == 0 &&
		       cl_wait_samples(ctl, CHIP, 3) == 0,
	       "line 1 requested for both edges with a queue of %d", QUEUE);

	/* A square wave while the client does not read; the control socket keeps answering. */
	ok = cl_emu(ctl, CHIP, MPSSED_EMU_WAVE, 1, 0, WAVE_HZ) == 0;
	for (int i = 0; ok && i < 50; i++) {
		ok = chip_stats(&st) == 0;
		usleep(10000);
	}
	ok = ok && cl_emu(ctl, CHIP, MPSSED_EMU_WAVE, 1, 0, 0) == 0;
	usleep(50000);
	ok = ok && chip_stats(&st) == 0;
	tap_ok(ok && st.events > QUEUE + SERVER_HELD + cap && st.dropped > 0,
	       "the daemon served the control socket meanwhile: %llu events, %llu dropped",
	       (unsigned long long)st.events, (unsigned long long)st.dropped);

	n = drain(fd, &last, &increasing);
	tap_ok(n >= QUEUE && n <= QUEUE + SERVER_HELD + cap,
	       "the client reads %u events: at most queue + held + socket (%u)", n,
	       QUEUE + SERVER_HELD + cap);
	tap_ok(increasing, "their seqnos increase");
	tap_ok(last.seqno == st.events && n < last.seqno,
	       "the last is the newest (seqno %u of %llu): the loss is a gap", last.seqno,
	       (unsigned long long)st.events);

	/* Drive the line to the level opposite to the one its last edge left. */
	ok = cl_emu(ctl, CHIP, MPSSED_EMU_SET, 1, 0,
		    last.id == GPIO_V2_LINE_EVENT_RISING_EDGE ? 0 : 1) == 0 &&
	     cl_read_event(fd, &ev, GUARD_MS) == 1;
	tap_ok(ok && ev.seqno == last.seqno + 1, "events flow again once it reads (seqno %u)",
	       ev.seqno);

	close(fd);
	close(ctl);
	close(chip);
	ms = daemon_stop(&d, GUARD_MS);
	tap_ok(ms >= 0 && WIFEXITED(d.status) && WEXITSTATUS(d.status) == 0,
	       "SIGTERM: exit status 0");
	daemon_cleanup(&d);
	return tap_done();
}
