// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stalled and slow clients while the emulator makes edges fast, on three
 * lines with square waves: a good client reads line 1 as fast as events
 * come, a stalled client holds line 2 with edges and never reads, a slow
 * one reads line 3 a few records at a time. The poller's sample rate with
 * them is compared with its rate before they came (same waves, only the
 * good client): it must not drop. The good client loses nothing; the
 * others' queues stay bounded, and every event they lost is both counted
 * in the request's stats and missing from the seqnos they read, one for
 * one. The daemon's memory stays flat over the run (normal build).
 * The rates are compared in pairs of short windows without and with a
 * stalled client, up to RATE_PAIRS times, since a loaded machine can make
 * any one window slow.
 *
 * MPSSED_STALL_MS sets the stalled phase (default 3000; ten minutes is
 * MPSSED_STALL_MS=600000).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"
#include "client.h"
#include "health.h"

#define CHIP "gpio0"
#define FLAG(x) GPIO_V2_LINE_FLAG_##x
#define EDGES (FLAG(INPUT) | FLAG(EDGE_RISING) | FLAG(EDGE_FALLING))
#define WAVE_HZ 200		/* 400 edges/s per line */
#define QUEUE 64		/* the stalled and slow clients' event_buffer_size */
#define GOOD_QUEUE 1024
#define RATE_RATIO_MIN 0.7	/* generous: the machine is shared */
#define RATE_PAIRS 5
#define RSS_SLACK_KB 2048

static struct daemon d;
static int ctl = -1;

static double sample_rate(unsigned ms)
{
	struct mpssed_chip_stats a, b;
	uint64_t t0, t1;

	if (cl_chip_stats(ctl, CHIP, &a) < 0)
		return -1;
	t0 = now_ms();
	usleep(ms * 1000);
	if (cl_chip_stats(ctl, CHIP, &b) < 0)
		return -1;
	t1 = now_ms();
	return (double)(b.samples - a.samples) * 1000.0 / (double)(t1 - t0);
}

/* Read for ms while the good and slow clients do what they do. */
static void run(struct event_log *good, struct event_log *slow, unsigned ms, long *rss_max)
{
	uint64_t deadline = now_ms() + ms, next_slow = 0, next_rss = 0;

	while (now_ms() < deadline) {
		event_log_drain_quiet(good, 2);
		if (slow && now_ms() >= next_slow) {
			event_log_drain(slow, 2);
			next_slow = now_ms() + 20;
		}
		if (rss_max && now_ms() >= next_rss) {
			long kb = proc_rss_kb(d.pid);

			if (kb > *rss_max)
				*rss_max = kb;
			next_rss = now_ms() + 1000;
		}
	}
}

static int request_stats(int fd, struct mpssed_request_stats *st)
{
	return cl_call(fd, MSG_REQUEST_STATS, NULL, 0, st, sizeof(*st), NULL);
}

/*
 * After the waves stop: whatever a client did not read is counted dropped,
 * one for one, but for the eaten records a stats call read and discarded
 * while it waited for its reply.
 */
static void check_losses(const char *who, struct event_log *log, unsigned eaten)
{
	struct mpssed_request_stats st = { 0 };
	int r;

	event_log_drain_quiet(log, 300);
	r = request_stats(log->fd, &st);
	tap_ok(r == 0 && st.dropped > 0 && st.dropped + eaten == log->lost &&
		       log->count + eaten + st.dropped == st.events && log->last_seqno == st.events,
	       "%s client: %llu events, %llu dropped + %u read by a stats call = %llu missing "
	       "from the %llu seqnos it read",
	       who, (unsigned long long)st.events, (unsigned long long)st.dropped, eaten,
	       (unsigned long long)log->lost, (unsigned long long)log->count);
}

int main(void)
{
	const char *args[] = { "--emulate", "ft232h:world=none,name=" CHIP, NULL };
	unsigned stall_ms = env_ms("MPSSED_STALL_MS", 3000), one = 1, two = 2, three = 3;
	struct event_log good = { .fd = -1 }, stalled = { .fd = -1 }, slow = { .fd = -1 };
	struct mpssed_request_stats st = { 0 };
	double rate0 = 0, rate1 = 0;
	bool rate_ok = false;
	unsigned eaten;
	long rss0, rss1, rss_max = 0;
	int chip, ms;
	bool ok;

	tap_plan(10);
	signal(SIGPIPE, SIG_IGN);
	if (daemon_start(&d, true, args) < 0)
		tap_bail("mpssed did not start (%s)", daemon_binary());
	ctl = cl_open(daemon_path(&d, MPSSED_CONTROL_SOCKET));
	chip = cl_open(daemon_path(&d, CHIP));
	ok = ctl >= 0 && chip >= 0 &&
	     cl_request(chip, &one, 1, EDGES, 0, GOOD_QUEUE, &good.fd) == 0 &&
	     cl_wait_samples(ctl, CHIP, 3) == 0;
	for (unsigned line = 1; ok && line <= 3; line++)
		ok = cl_emu(ctl, CHIP, MPSSED_EMU_WAVE, line, 0, WAVE_HZ) == 0;
	tap_ok(ok, "square waves of %d Hz on lines 1-3; the good client reads line 1", WAVE_HZ);

	/*
	 * The rate with a stalled client against the rate without, in pairs:
	 * the machine is shared, so one pair may be unlucky, but a staller that
	 * slowed the poller would lower every pair.
	 */
	for (unsigned pair = 0; pair < RATE_PAIRS && !rate_ok; pair++) {
		int fd = -1;

		run(&good, NULL, 200, NULL);
		rate0 = sample_rate(500);
		if (cl_request(chip, &two, 1, EDGES, 0, QUEUE, &fd) < 0)
			break;
		run(&good, NULL, 300, NULL);
		rate1 = sample_rate(500);
		close(fd);
		tap_diag("sample rate %.0f/s without a stalled client, %.0f/s with it", rate0, rate1);
		rate_ok = rate0 > 0 && rate1 >= rate0 * RATE_RATIO_MIN;
	}
	tap_ok(rate_ok, "a stalled client does not slow the poller: %.0f/s with, %.0f/s without",
	       rate1, rate0);

	ok = cl_request(chip, &two, 1, EDGES, 0, QUEUE, &stalled.fd) == 0 &&
	     cl_request(chip, &three, 1, EDGES, 0, QUEUE, &slow.fd) == 0;
	tap_ok(ok, "a client requests line 2 and never reads; another reads line 3 slowly");
	run(&good, &slow, 500, NULL);
	rss0 = proc_rss_kb(d.pid);
	run(&good, &slow, stall_ms, &rss_max);
	rss1 = proc_rss_kb(d.pid);

	/* The reply waits behind the records the socket holds: cl_call() reads and drops them. */
	eaten = cl_unsolicited;
	ok = request_stats(stalled.fd, &st) == 0;
	eaten = cl_unsolicited - eaten;
	tap_ok(ok && st.queued <= QUEUE && st.dropped > 0,
	       "the stalled client's queue is bounded: %u queued (of %d), %llu dropped so far",
	       st.queued, QUEUE, (unsigned long long)st.dropped);

	for (unsigned line = 1; line <= 3; line++)
		cl_emu(ctl, CHIP, MPSSED_EMU_WAVE, line, 0, 0);
	event_log_drain_quiet(&good, 300);
	ok = request_stats(good.fd, &st) == 0;
	tap_ok(ok && good.count > 0 && good.gaps == 0 && good.same_edge_twice == 0 &&
		       st.dropped == 0 && st.events == good.count,
	       "the good client saw every event: %llu, seqnos without a gap, none dropped",
	       (unsigned long long)good.count);
	check_losses("the stalled", &stalled, eaten);
	check_losses("the slow", &slow, 0);

	if (rss_is_meaningful())
		tap_ok(rss0 > 0 && rss_max <= rss0 + RSS_SLACK_KB && rss1 <= rss0 + RSS_SLACK_KB,
		       "memory flat over %u ms: VmRSS %ld KiB at the start, at most %ld, %ld at the end",
		       stall_ms, rss0, rss_max, rss1);
	else
		tap_skip("VmRSS %ld -> %ld KiB (max %ld) not compared: the sanitizer's allocator keeps "
			 "freed memory (LSan checks leaks at exit)", rss0, rss1, rss_max);

	close(stalled.fd);
	close(slow.fd);
	close(good.fd);
	close(chip);
	close(ctl);
	ms = daemon_stop(&d, GUARD_MS);
	tap_ok(ms >= 0 && WIFEXITED(d.status) && WEXITSTATUS(d.status) == 0,
	       "SIGTERM: exit status 0 (sanitizer builds: no report)");
	tap_ok(!daemon_log_has(&d, "Sanitizer") && !daemon_log_has(&d, "runtime error"),
	       "its log has no sanitizer report");
	daemon_cleanup(&d);
	return tap_done();
}
