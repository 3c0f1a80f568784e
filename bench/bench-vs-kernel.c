// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mpssed's pipelined sampler against what the kernel's gpio-mpsse driver
 * does (facts.md §5), both on an emulated FT232H with the USB timing
 * model on, in one run:
 *  - kernel style: SET_BITMODE reset, then MPSSE; latency timer left at
 *    its 16 ms, no 87, no purge; per sample `81` then a blocking bulk IN
 *    (so the answer waits for the latency timer), edge = this sample
 *    differs from the previous one, then a 1-2 ms sleep. It reads only
 *    the bank holding the line (the kernel reads each bank with a
 *    requested line), and an edge counts as seen when its sampler
 *    notices it, not when a client would hold it: both favour the
 *    baseline;
 *  - mpssed: the device layer's sampler (latency mode, default reads in
 *    flight), an edge counts when a client thread woken by the request's
 *    eventfd holds the event.
 * Figures per side: edge latency p50/p99 (emulator's time of the change
 * to detection) and the shortest pulse seen PULSES times out of PULSES
 * at random phases. Ratios: kernel style / mpssed, p99 for latency.
 * Rounds alternate the two sides and the median round is printed.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/rcu.h"
#include "device/device.h"
#include "emu/emu.h"
#include "transport/transport.h"
#include "rig.h"

#define LINE 2
#define ROUNDS 3
#define PULSES 20
#define MAX_DETECTIONS 4096
#define WAIT_NS 5000000000ULL
#define KERNEL_TIMEOUT_MS 5000

/* Widths tried for the shortest pulse, in us. */
static const unsigned widths_us[] = {
	50, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500,
	10000, 15000, 20000, 25000, 30000, 40000, 50000, 75000, 100000,
};
#define N_WIDTHS (sizeof(widths_us) / sizeof(widths_us[0]))

/* Edges noticed by one side, written by a single thread. */
struct detections {
	uint64_t at_ns[MAX_DETECTIONS];
	uint32_t n; /* ATOMIC */
};

static void detected(struct detections *d, uint64_t t)
{
	uint32_t k = __atomic_load_n(&d->n, __ATOMIC_RELAXED);

	d->at_ns[k % MAX_DETECTIONS] = t;
	__atomic_store_n(&d->n, k + 1, __ATOMIC_RELEASE);
}

static uint32_t n_detected(struct detections *d)
{
	return __atomic_load_n(&d->n, __ATOMIC_ACQUIRE);
}

/* One sampler under test, driving LINE of interface 0 of emu. */
struct side {
	const char *name;
	struct emu_chip *emu;
	struct detections det;
	unsigned edges;		/* per round for the latency */
	unsigned phase_us;	/* random delay before each edge or pulse, up to this */
	unsigned settle_us;	/* after a pulse, until both edges must have been seen */
	bool stop;		/* ATOMIC */
	pthread_t thread;
	/* mpssed */
	struct rig rig;
	struct line_request *req;
	/* kernel style */
	struct transport *t;
};

/* --- mpssed: a client reading the request's events ----------------------------- */

static void *mpssed_client(void *arg)
{
	struct side *s = arg;
	struct pollfd p = { .fd = line_request_event_fd(s->req), .events = POLLIN };
	struct gpio_v2_line_event ev[16];

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		int n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = line_request_read_events(s->req, ev, 16);
		for (int i = 0; i < n; i++)
			detected(&s->det, now_ns());
	}
	return NULL;
}

static void mpssed_up(struct side *s)
{
	s->name = "mpssed";
	s->edges = 400;
	s->phase_us = 1000;
	s->settle_us = 5000;
	rig_up(&s->rig, 0);
	s->emu = s->rig.emu;
	s->req = rig_request(s->rig.chip, LINE, EDGES_BOTH, 1024);
	sleep_us(50000);
	pthread_create(&s->thread, NULL, mpssed_client, s);
}

static void mpssed_down(struct side *s)
{
	__atomic_store_n(&s->stop, true, __ATOMIC_RELEASE);
	pthread_join(s->thread, NULL);
	line_request_release(s->req);
	rig_down(&s->rig);
}

/* --- Kernel style: blocking reads, no 87, 16 ms latency timer, 1-2 ms sleeps ------ */

/* One `81` and the blocking read of its answer; the level of LINE, or -errno. */
static int kernel_read_bank(struct transport *t)
{
	static const uint8_t cmd[] = { 0x81 };
	uint8_t buf[512];
	int r;

	r = transport_write(t, cmd, sizeof(cmd), KERNEL_TIMEOUT_MS);
	if (r < 0)
		return r;
	/* A status-only packet carries no answer yet: read again, as usb_bulk_msg's caller would. */
	do
		r = transport_read_raw(t, buf, t->packet_size, KERNEL_TIMEOUT_MS);
	while (r == 2);
	if (r < 0)
		return r;
	return r > 2 ? buf[2] >> LINE & 1 : -EPROTO;
}

static void *kernel_poller(void *arg)
{
	struct side *s = arg;
	unsigned seed = 7;
	int prev = -1;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		int level = kernel_read_bank(s->t);

		if (level < 0)
			die("kernel-style read", level);
		if (prev >= 0 && level != prev)
			detected(&s->det, now_ns());
		prev = level;
		/* usleep_range(1000, 2000) */
		sleep_us(1000 + (unsigned)rand_r(&seed) % 1001);
	}
	return NULL;
}

static void kernel_up(struct side *s)
{
	const struct emu_config ec = { .model = EMU_FT232H, .timing = true };
	int r;

	s->name = "kernel-style";
	s->edges = 60;
	s->phase_us = 20000;
	s->settle_us = 80000;
	s->emu = emu_chip_new(&ec);
	if (!s->emu)
		die("emu_chip_new", errno);
	r = transport_emu_open(s->emu, 0, &s->t);
	/* The probe's two vendor requests: bitmode reset, then MPSSE. */
	if (r == 0)
		r = transport_set_bitmode(s->t, 0, 0x00);
	if (r == 0)
		r = transport_set_bitmode(s->t, 0, 0x02);
	if (r < 0)
		die("kernel-style setup", r);
	pthread_create(&s->thread, NULL, kernel_poller, s);
	sleep_us(100000);
}

static void kernel_down(struct side *s)
{
	__atomic_store_n(&s->stop, true, __ATOMIC_RELEASE);
	pthread_join(s->thread, NULL);
	transport_close(s->t);
	emu_chip_free(s->emu);
}

/* --- What is measured, the same way for both ------------------------------------- */

static uint64_t last_change(struct emu_chip *emu)
{
	struct emu_pin_change h[8];
	size_t n = emu_chip_history(emu, 0, h, 8);

	return n ? h[n - 1].time_ns : now_ns();
}

static bool wait_detections(struct side *s, uint32_t want, uint64_t deadline)
{
	while (n_detected(&s->det) < want && now_ns() < deadline)
		sleep_us(50);
	return n_detected(&s->det) >= want;
}

static void edge_latency(struct side *s, unsigned *seed, uint64_t *p50, uint64_t *p99)
{
	uint64_t lat[512];
	unsigned n = s->edges < 512 ? s->edges : 512;

	for (unsigned k = 0; k < n; k++) {
		bool level = !(emu_chip_pins(s->emu, 0) >> LINE & 1);
		uint32_t base = n_detected(&s->det);
		uint64_t edge;

		sleep_us((unsigned)rand_r(seed) % s->phase_us);
		emu_chip_clear_history(s->emu, 0);
		emu_chip_set_input(s->emu, 0, LINE, level);
		edge = last_change(s->emu);
		if (!wait_detections(s, base + 1, now_ns() + WAIT_NS))
			die("an edge was never seen", ETIMEDOUT);
		lat[k] = s->det.at_ns[base % MAX_DETECTIONS] - edge;
	}
	*p50 = percentile(lat, n, 50);
	*p99 = percentile(lat, n, 99);
}

/* Whether all PULSES high pulses of width_us, at random phases, are seen. */
static bool pulses_seen(struct side *s, unsigned width_us, unsigned *seed)
{
	emu_chip_set_input(s->emu, 0, LINE, false);
	sleep_us(s->settle_us);
	for (unsigned i = 0; i < PULSES; i++) {
		unsigned phase = (unsigned)rand_r(seed) % s->phase_us;
		const struct emu_step steps[] = {
			{ .after_ns = (uint64_t)phase * 1000, .level = true },
			{ .after_ns = (uint64_t)width_us * 1000, .level = false },
		};
		uint32_t base = n_detected(&s->det);

		emu_chip_script(s->emu, 0, LINE, steps, 2);
		sleep_us(phase + width_us + s->settle_us);
		if (n_detected(&s->det) == base)
			return false;
		/* Seen high: its falling edge must follow before the next pulse. */
		wait_detections(s, base + 2, now_ns() + WAIT_NS);
	}
	return true;
}

static uint64_t min_pulse_us(struct side *s, unsigned *seed)
{
	for (unsigned i = 0; i < N_WIDTHS; i++)
		if (pulses_seen(s, widths_us[i], seed))
			return widths_us[i];
	return 0;
}

struct figures {
	uint64_t p50[ROUNDS], p99[ROUNDS], pulse[ROUNDS];
};

static void measure(struct side *s, struct figures *f, unsigned round, unsigned *seed)
{
	edge_latency(s, seed, &f->p50[round], &f->p99[round]);
	f->pulse[round] = min_pulse_us(s, seed);
	emu_chip_set_input(s->emu, 0, LINE, false);
}

static uint64_t median(uint64_t *v)
{
	return percentile(v, ROUNDS, 50);
}

static void print_side(const char *prefix, struct figures *f)
{
	printf("bench: %sedge_latency_p50_us %.0f us\n", prefix, (double)median(f->p50) / 1e3);
	printf("bench: %sedge_latency_p99_us %.0f us\n", prefix, (double)median(f->p99) / 1e3);
	printf("bench: %smin_pulse_seen_us %" PRIu64 " us\n", prefix, median(f->pulse));
}

int main(void)
{
	static struct side mpssed, kernel;
	static struct figures fm, fk;
	unsigned seed = 1;

	rcu_register_thread();
	log_set_level(LOG_LEVEL_WARNING);
	mpssed_up(&mpssed);
	kernel_up(&kernel);
	for (unsigned r = 0; r < ROUNDS; r++) {
		measure(&kernel, &fk, r, &seed);
		measure(&mpssed, &fm, r, &seed);
	}
	kernel_down(&kernel);
	mpssed_down(&mpssed);

	print_side("kernel_style_", &fk);
	print_side("mpssed_", &fm);
	printf("bench: min_pulse_seen_us %" PRIu64 " us\n", median(fm.pulse));
	if (!median(fm.pulse) || !median(fk.pulse))
		printf("bench: min_pulse_ratio_vs_kernel_style unmeasured (a side saw no width reliably)\n");
	else
		printf("bench: min_pulse_ratio_vs_kernel_style %.1f x\n",
		       (double)median(fk.pulse) / (double)median(fm.pulse));
	printf("bench: edge_latency_ratio_vs_kernel_style %.1f x\n",
	       (double)median(fk.p99) / (double)median(fm.p99));
	rcu_unregister_thread();
	return 0;
}
