// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Faults from the device (issue #9), through the emulator's fault
 * injection, against the device layer: what a client sees when the chip
 * answers garbage, leaves stale bytes (also a stray FA) in its RX FIFO,
 * sends short or status-only packets, stalls a transfer, stops answering,
 * or is pulled during an attach, during a set, or many times in a row.
 *
 * The promise under test: a value is right or the call fails (-EIO, or
 * -ENODEV once the device is dropped); edge detection makes no event out
 * of a fault; the daemon resynchronizes (purge + sync) or drops the
 * device with a log line, and attaches it again when it can.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../tap.h"
#include "common/log.h"
#include "common/rcu.h"
#include "helpers.h"

/* Dropping and re-attaching a chip that stopped answering takes seconds of timeouts. */
#define FAIL_MS 30000

static struct core *core;
static struct emu_chip *emu;
static struct gpio_chip *chip;

/* --- The log, captured to look for the lines a user would read ---------------- */

static int log_fd = -1, real_stderr = -1;

static void log_capture(void)
{
	/*
	 * A file, not memory: what a bail-out or a sanitizer's abort left
	 * unreplayed is still there to read (T_LOG picks another path).
	 */
	const char *path = getenv("T_LOG") ? getenv("T_LOG") : "test-device-faults.stderr";

	log_fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	real_stderr = dup(STDERR_FILENO);
	if (log_fd < 0 || real_stderr < 0 || dup2(log_fd, STDERR_FILENO) < 0)
		tap_bail("cannot capture the log");
}

static bool log_has(const char *what)
{
	off_t len = lseek(log_fd, 0, SEEK_END);
	char *buf = malloc((size_t)len + 1);
	bool found;

	if (!buf)
		return false;
	buf[pread(log_fd, buf, (size_t)len, 0) < 0 ? 0 : len] = '\0';
	found = strstr(buf, what) != NULL;
	free(buf);
	return found;
}

/* Hand the log back to stderr, for whoever reads the test's output. */
static void log_release(void)
{
	char buf[4096];
	ssize_t n;
	off_t off = 0;

	dup2(real_stderr, STDERR_FILENO);
	while ((n = pread(log_fd, buf, sizeof(buf), off)) > 0) {
		(void)!write(STDERR_FILENO, buf, (size_t)n);
		off += n;
	}
	close(log_fd);
	close(real_stderr);
}

/* --- Helpers ---------------------------------------------------------------------- */

static struct gpio_chip_stats stats(void)
{
	return t_stats(chip);
}

static struct line_request *request(unsigned line, uint64_t flags, bool value, bool persist)
{
	struct line_request *r = NULL;
	int err = t_request_line(chip, line, flags, value, persist, &r);

	if (err < 0)
		tap_bail("request line %u: %s", line, strerror(-err));
	return r;
}

static void wait_polling(void)
{
	if (!t_polling(chip))
		tap_bail("the poller does not sample");
}

static int get(struct line_request *r, uint64_t *bits)
{
	*bits = 0;
	return line_request_get_values(r, 1, bits);
}

static void inject(const struct emu_fault *f)
{
	if (emu_chip_inject(emu, 0, f) < 0)
		tap_bail("cannot inject fault %d", f->kind);
}

struct fault_case {
	const char *what;
	struct emu_fault fault;
	bool recovers;		/* the answer is put back together: no error at all */
};

static const uint8_t junk[] = { 0x5a, 0x5a, 0x5a };
static const uint8_t stale[] = { 0x55 };
static const uint8_t stray_fa[] = { 0xfa, 0xaa };

static const struct fault_case answer_faults[] = {
	{ "garbage", { .kind = EMU_FAULT_GARBAGE, .count = 1, .bytes = junk, .n_bytes = sizeof(junk) } },
	{ "a stale byte in the RX FIFO",
	  { .kind = EMU_FAULT_STALE_BYTES, .bytes = stale, .n_bytes = sizeof(stale) } },
	{ "a stray FA AA in the RX FIFO (FA desync)",
	  { .kind = EMU_FAULT_STALE_BYTES, .bytes = stray_fa, .n_bytes = sizeof(stray_fa) } },
	{ "short packets", { .kind = EMU_FAULT_SHORT_PACKET, .count = 4 }, true },
	{ "status-only packets", { .kind = EMU_FAULT_STATUS_ONLY, .count = 4 }, true },
	{ "a transfer that never completes", { .kind = EMU_FAULT_TIMEOUT, .count = 1 } },
};

/* --- Values under answer faults ------------------------------------------------------ */

/* No edges requested: nobody samples, so a get is one exchange of its own. */
static void test_get_faults(void)
{
	struct line_request *in = request(2, FLAG(INPUT), 0, false);
	uint64_t unplugs = stats().unplugs, bits;
	int r;

	emu_chip_set_input(emu, 0, 2, true);
	for (size_t i = 0; i < ARRAY_SIZE(answer_faults); i++) {
		const struct fault_case *c = &answer_faults[i];

		inject(&c->fault);
		r = get(in, &bits);
		if (c->recovers)
			tap_ok(r == 0 && bits == 1, "get after %s: put together, right value (%d)",
			       c->what, r);
		else
			tap_ok(r == -EIO, "get after %s: -EIO, not a guess (%d, %llu)", c->what, r,
			       (unsigned long long)bits);
		emu_chip_clear_faults(emu);
		r = get(in, &bits);
		tap_ok(r == 0 && bits == 1 && stats().unplugs == unplugs,
		       "then resynchronized: the next get is right, no teardown (%d)", r);
	}
	tap_ok(log_has("u0: Protocol error; resynchronized"), "the resync is in the log");
	line_request_release(in);
	emu_chip_set_input(emu, 0, 2, false);
}

/* Sampling: a fault is survived, and makes no edge out of garbage. */
static void test_edge_faults(void)
{
	struct line_request *in = request(5, FLAG(INPUT) | EDGE_BOTH, 0, false);
	uint64_t unplugs = stats().unplugs, bits;
	struct gpio_v2_line_event ev[4];
	int n;

	for (size_t i = 0; i < ARRAY_SIZE(answer_faults); i++) {
		const struct fault_case *c = &answer_faults[i];

		wait_polling();
		t_drain_events(in);
		inject(&c->fault);
		wait_polling();
		n = line_request_read_events(in, ev, 4);
		tap_ok(n == 0 && get(in, &bits) == 0 && bits == 0,
		       "sampling through %s: no event, the line still reads 0 (%d)", c->what, n);
		emu_chip_set_input(emu, 0, 5, true);
		n = t_read_events(in, ev, 1, WAIT_MS);
		emu_chip_set_input(emu, 0, 5, false);
		tap_ok(n == 1 && ev[0].id == GPIO_V2_LINE_EVENT_RISING_EDGE &&
			       stats().unplugs == unplugs,
		       "then a real edge is one rising event, no teardown (%d)", n);
		t_read_events(in, ev, 1, WAIT_MS);
	}
	line_request_release(in);
}

/* --- A chip that stops answering ------------------------------------------------------- */

static bool present_again(void)
{
	return WAIT_FOR(gpio_chip_present(chip), FAIL_MS);
}

static void test_stop_answering_get(void)
{
	const struct emu_fault stop = { .kind = EMU_FAULT_STOP_ANSWERING };
	struct line_request *in = request(2, FLAG(INPUT), 0, false);
	struct line_request *again = NULL;
	uint64_t bits;
	int r;

	emu_chip_set_input(emu, 0, 2, true);
	/* The last edge request is gone: wait until its sampler let go of the endpoint. */
	if (!WAIT_FOR(stats().sample_rate_hz == 0, WAIT_MS))
		tap_bail("the sampler does not stop");
	inject(&stop);
	r = get(in, &bits);
	tap_ok(r == -EIO || r == -ENODEV, "a get from a chip that stopped answering fails (%d)", r);
	tap_ok(log_has("u0: device failed"), "the log says the device failed");
	tap_ok(t_sees_enodev(in, FAIL_MS) && get(in, &bits) == -ENODEV,
	       "its request is told: -ENODEV");
	emu_chip_clear_faults(emu);
	tap_ok(present_again(), "once it answers again, it is attached afresh");
	line_request_release(in);
	r = t_request_line(chip, 2, FLAG(INPUT), 0, false, &again);
	tap_ok(r == 0 && get(again, &bits) == 0 && bits == 1, "and a new request reads it (%d)", r);
	line_request_release(again);
	emu_chip_set_input(emu, 0, 2, false);
}

static void test_stop_answering_sampling(void)
{
	const struct emu_fault stop = { .kind = EMU_FAULT_STOP_ANSWERING };
	struct line_request *in = request(5, FLAG(INPUT) | EDGE_BOTH, 0, false);
	struct line_request *out = request(4, FLAG(OUTPUT), 1, true);
	uint64_t bits;

	wait_polling();
	inject(&stop);
	tap_ok(t_sees_enodev(in, FAIL_MS), "sampling a chip that stopped answering: -ENODEV");
	tap_ok(log_has("u0: sampling: Connection timed out; resynchronizing"),
	       "the log shows the poller's resync attempts");
	tap_ok(line_request_set_values(out, 1, 1) == -ENODEV,
	       "a persistent request waits: -ENODEV meanwhile");
	emu_chip_clear_faults(emu);
	tap_ok(present_again() && WAIT_FOR(emu_chip_pins(emu, 0) >> 4 & 1, WAIT_MS),
	       "once it answers, it is attached again with the persistent output at 1");
	tap_ok(get(out, &bits) == 0 && bits == 1, "and the persistent request works");
	line_request_release(in);
	line_request_release(out);
}

/* --- Unplugs at awkward moments ---------------------------------------------------------- */

static void test_unplug_during_attach(void)
{
	struct line_request *out = request(4, FLAG(OUTPUT), 1, true);
	uint64_t bits, replugs;
	int hit = 0;

	/* Attach's bulk transfers: AA, its answer, AB, its answer, 81 83, its answer... */
	for (unsigned at = 1; at <= 6; at++) {
		const struct emu_fault f = { .kind = EMU_FAULT_UNPLUG_AT_XFER, .at = at };

		emu_chip_unplug(emu);
		if (!WAIT_FOR(!gpio_chip_present(chip) && t_released_all(chip), WAIT_MS))
			tap_bail("no teardown after an unplug");
		replugs = stats().replugs;
		emu_chip_replug(emu);
		/* Before the event thread's attach reaches its first bulk transfer. */
		if (emu_chip_inject(emu, 0, &f) < 0)
			continue;
		if (WAIT_FOR(!emu_chip_plugged(emu), WAIT_MS) && stats().replugs == replugs)
			hit++;
		/* A countdown the attach did not reach must not fire later. */
		emu_chip_clear_faults(emu);
	}
	tap_ok(hit > 0, "unplugged during attach at transfers 1-6 (%d of 6 hit the attach)", hit);
	if (emu_chip_plugged(emu))
		emu_chip_unplug(emu);
	tap_ok(WAIT_FOR(t_released_all(chip), WAIT_MS) && !gpio_chip_present(chip),
	       "no half-attached chip is left: not present, every binding released");
	tap_ok(log_has("u0: device left during attach"), "the log says it left during the attach");
	tap_ok(emu_chip_replug(emu) == 0 && present_again() &&
		       WAIT_FOR(emu_chip_pins(emu, 0) >> 4 & 1, WAIT_MS),
	       "replugged: attached, the persistent output at 1");
	tap_ok(get(out, &bits) == 0 && bits == 1, "its request reads 1");
	line_request_release(out);
}

static void test_unplug_during_set(void)
{
	const struct emu_fault f = { .kind = EMU_FAULT_UNPLUG_AT_XFER, .at = 1 };
	struct line_request *out = request(4, FLAG(OUTPUT), 1, true);
	uint64_t bits;
	int r;

	/* Nobody samples: the set's write is the next bulk transfer. */
	inject(&f);
	r = line_request_set_values(out, 1, 0);
	tap_ok(r == -ENODEV, "unplugged by the set's own write: -ENODEV (%d)", r);
	tap_ok(line_request_set_values(out, 1, 0) == -ENODEV && get(out, &bits) == -ENODEV,
	       "while unplugged, set and get on the persistent request: -ENODEV");
	tap_ok(emu_chip_replug(emu) == 0 && present_again() &&
		       WAIT_FOR(emu_chip_pins(emu, 0) >> 4 & 1, WAIT_MS),
	       "replugged: the output comes back at 1, the value no set managed to change");
	tap_ok(get(out, &bits) == 0 && bits == 1 && line_request_set_values(out, 1, 0) == 0 &&
		       !(emu_chip_pins(emu, 0) >> 4 & 1),
	       "and a set works again");
	line_request_release(out);
}

static void test_replug_storm(void)
{
	struct line_request *out = request(4, FLAG(OUTPUT), 1, true);
	struct line_request *in = request(5, FLAG(INPUT) | EDGE_BOTH, 0, true);
	struct gpio_v2_line_event ev[64];
	uint64_t bits;
	int n;

	for (unsigned i = 0; i < 50; i++) {
		emu_chip_unplug(emu);
		/* Sometimes mid-attach, sometimes after. */
		t_sleep_us((i * 37) % 500);
		emu_chip_replug(emu);
	}
	tap_ok(present_again() && WAIT_FOR(t_released_all(chip), WAIT_MS) &&
		       stats().unplugs == stats().releases,
	       "after 50 quick replugs: present, every old binding released (%llu)",
	       (unsigned long long)stats().unplugs);
	tap_ok(WAIT_FOR(emu_chip_pins(emu, 0) >> 4 & 1, WAIT_MS) && get(out, &bits) == 0 && bits == 1,
	       "the persistent output is at 1");
	wait_polling();
	n = line_request_read_events(in, ev, 64);
	tap_ok(n == 0, "the storm made no edge on a line that stayed low (%d)", n);
	emu_chip_set_input(emu, 0, 5, true);
	n = t_read_events(in, ev, 1, WAIT_MS);
	tap_ok(n == 1 && ev[0].id == GPIO_V2_LINE_EVENT_RISING_EDGE, "a real edge still comes");
	emu_chip_set_input(emu, 0, 5, false);
	line_request_release(in);
	line_request_release(out);
}

int main(void)
{
	const struct core_config cfg = { 0 };
	const struct emu_config ec = { .model = EMU_FT232H, .timing = true };
	const char *names[] = { "u0" };

	rcu_register_thread();
	log_capture();
	if (core_new(&core, &cfg) < 0 || core_add_emulator(core, &ec, names, &emu) < 0)
		tap_bail("setup");
	chip = core_find_chip(core, "u0");
	test_get_faults();
	test_edge_faults();
	test_stop_answering_get();
	test_stop_answering_sampling();
	test_unplug_during_attach();
	test_unplug_during_set();
	test_replug_storm();
	tap_ok(stats().max_samplers == 1, "never two samplers (%lu)", stats().max_samplers);
	gpio_chip_unref(chip);
	core_free(core);
	log_release();
	rcu_unregister_thread();
	tap_plan(tap_count);
	return tap_done();
}
