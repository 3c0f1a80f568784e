/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device layer: the registry of GPIO chips (one per MPSSE interface of
 * every FTDI device, real or emulated), their life from arrival to teardown,
 * the poller that samples them, and the line requests clients hold on them.
 * The server (src/server) is its only user; it speaks the GPIO uAPI v2's
 * data model, so the structs of <linux/gpio.h> cross this boundary as they
 * are.
 *
 * Threads and locks:
 *  - The registry is an RCU list. core_find_chip() and core_for_each_chip()
 *    are readers (callers must be registered RCU threads); arrival, unplug
 *    and teardown are writers under the core's mutex.
 *  - A struct gpio_chip is reference-counted: core_find_chip() returns a
 *    reference, gpio_chip_unref() drops it. A reference keeps the memory and
 *    the chip's name valid, not the hardware: after unplug, operations fail
 *    with -ENODEV until the same device comes back (same serial, or same
 *    USB port path when serials are blank or duplicated), when the same
 *    struct gpio_chip is bound to it again (stable names across replug).
 *  - Each chip has one mutex for its configuration (requests, line info,
 *    watchers); calls on chips and requests may come from any thread and
 *    block for at most a USB round trip. The poller never takes it: it reads
 *    the chip's subscribers through an RCU list.
 *  - Notifications (events pending, line info changed, device gone/back)
 *    reach the server only through file descriptors (eventfds) it polls:
 *    the device layer never calls into the server, so no server lock can
 *    stall a poller.
 *
 * Errors: 0 or a count on success, -errno on failure with the kernel's
 * GPIO errnos: -EINVAL (bad request), -EBUSY (line held), -EPERM (setting a
 * non-output), -ENODEV (device gone), -ENOENT (no such chip), -ENOMEM,
 * -EIO (the device did not answer, or answered out of step: the values
 * are unknown, never guessed; it is resynchronized, or dropped as failed
 * and attached afresh, when its requests see -ENODEV).
 */
#ifndef MPSSED_DEVICE_DEVICE_H
#define MPSSED_DEVICE_DEVICE_H

#include <errno.h>
#include <linux/gpio.h>
#include <stdbool.h>
#include <stdint.h>

#include "chip/chipdb.h"
#include "common/macros.h"

struct core;
struct gpio_chip;
struct line_request;
struct emu_chip;
struct emu_config;

/* --- The core: registry and device sources ------------------------------- */

enum sample_mode {
	SAMPLE_MODE_LATENCY = 1,	/* several `81 83 87` reads in flight (default) */
	SAMPLE_MODE_PACED,		/* hardware-paced sampling, see doc/sampling.md */
};

/* Who a chip is: what the configuration's [chip] sections match. */
struct gpio_chip_identity {
	uint16_t vid, pid;
	char serial[128];		/* "" when blank */
	char usb_path[32];		/* bus-port path "1-2.3"; "" for emulated devices */
	unsigned intf;			/* 0 = A */
};

/* Names the configuration gives a chip and its lines; "" keeps the default. */
struct gpio_chip_names {
	char chip[GPIO_MAX_NAME_SIZE];
	char lines[CHIPDB_LINES_MAX][GPIO_MAX_NAME_SIZE];
};

/*
 * Asked once for every chip when it is first made, before anyone can see
 * it (on the device-event thread for USB devices, in core_add_emulator()
 * for emulated ones): fill names (zeroed) for id. A name passed to
 * core_add_emulator() wins over names->chip. Must not call into the core.
 */
typedef void (*core_names_fn)(void *data, const struct gpio_chip_identity *id,
			      struct gpio_chip_names *names);

/*
 * How a chip is sampled while some request watches edges.
 *
 * Paced mode (precision): the chip times its own samples. The sampler
 * streams `81 83` reads separated by clock-only delays (8E/8F at a 10 MHz
 * TCK), so samples are exactly period_ns apart on the chip's clock; their
 * times are rebuilt from their index (see src/device/paced.c). Costs and
 * constraints:
 *  - ADBUS0 (line 0, TCK) toggles during clock commands when it is an
 *    output, so in paced mode it may only be an input or unused: a request
 *    that makes it an output fails with -EBUSY (it is busy being the
 *    clock), and while no request holds it, its line info says used, with
 *    consumer "mpssed-clock".
 *  - Events come in batches (about every half millisecond), not at once.
 *  - When the host does not keep the command stream ahead of the chip, the
 *    chip idles: the samples it did not take are not invented; the gap is
 *    counted (gpio_chip_stats.gaps, gap_ns) and sampling resumes.
 */
struct sampling {
	enum sample_mode mode;		/* 0: SAMPLE_MODE_LATENCY */
	uint32_t period_ns;		/* paced: 5 us - 10 ms, a multiple of 100 ns; 0: 10 us */
};

#define SAMPLING_PERIOD_DEFAULT_NS 10000u
#define SAMPLING_PERIOD_MIN_NS 5000u
#define SAMPLING_PERIOD_MAX_NS 10000000u
#define SAMPLING_PERIOD_STEP_NS 100u
#define SAMPLING_CLOCK_CONSUMER "mpssed-clock"

/*
 * 0, or -EINVAL for a bad mode or period; fills in the defaults. Inline so
 * that parsers (src/config) check settings without linking the device layer.
 */
static inline int sampling_check(struct sampling *s)
{
	if (!s->mode)
		s->mode = SAMPLE_MODE_LATENCY;
	if (s->mode != SAMPLE_MODE_LATENCY && s->mode != SAMPLE_MODE_PACED)
		return -EINVAL;
	if (!s->period_ns)
		s->period_ns = SAMPLING_PERIOD_DEFAULT_NS;
	if (s->period_ns < SAMPLING_PERIOD_MIN_NS || s->period_ns > SAMPLING_PERIOD_MAX_NS ||
	    s->period_ns % SAMPLING_PERIOD_STEP_NS)
		return -EINVAL;
	return 0;
}

struct core_config {
	uint8_t latency_ms;		/* FTDI latency timer; 0: 1 ms */
	unsigned reads_in_flight;	/* poller pipelining depth; 0: default (4) */
	enum sample_mode mode;		/* every chip's initial mode; 0: SAMPLE_MODE_LATENCY */
	uint32_t period_ns;		/* with SAMPLE_MODE_PACED; 0: 10 us */
	core_names_fn names;		/* NULL: automatic chip names, the database's line names */
	void *names_data;
};

/*
 * config may be NULL (all defaults). -EINVAL for more than 16 reads in
 * flight, an unknown mode or a period out of range.
 */
int core_new(struct core **out, const struct core_config *config);
/*
 * Stop every source, tear every device down (outputs keep their levels),
 * drain the deferred-free queue, free. Blocks until no poller thread is
 * left. Release every request and watcher and drop every chip reference
 * first: they use the core. Must not race any other call on the core.
 * Accepts NULL; returns NULL.
 */
struct core *core_free(struct core *core);
DEFINE_CLEANUP(struct core, core_free)

/*
 * Add an in-process emulated device; each of its MPSSE interfaces becomes a
 * chip. names (may be NULL) gives the chip names in interface order (NULL
 * entries: automatic "mpsseN"). *out_emu (may be NULL) borrows the emulator
 * for the control commands of `mpssectl emu` (unplug, replug, set, wire,
 * wave); it lives until core_free().
 */
int core_add_emulator(struct core *core, const struct emu_config *config,
		      const char *const *names, struct emu_chip **out_emu);

/*
 * Start watching USB (libusb hotplug) for supported FTDI devices; those
 * present now are reported too. Chips appear once their serial number is
 * read and they are attached (in the background: watch core_changes_fd()).
 * A device with a known VID:PID but another bcdDevice is refused with a
 * log line. -EALREADY when already watching. Call it once, not
 * concurrently with itself or core_free().
 */
int core_start_usb(struct core *core);

/*
 * A file descriptor that becomes readable when chips appear, vanish or come
 * back; core_ack_changes() clears it. The server re-lists chips then.
 */
int core_changes_fd(struct core *core);
void core_ack_changes(struct core *core);

/* Returns a reference (drop it with gpio_chip_unref()) or NULL + errno ENOENT. */
struct gpio_chip *core_find_chip(struct core *core, const char *name);

/* Calls fn for every known chip (also while unplugged), in creation order. */
typedef void (*core_chip_fn)(struct gpio_chip *chip, void *data);
void core_for_each_chip(struct core *core, core_chip_fn fn, void *data);

/* --- Chips -------------------------------------------------------------- */

struct gpio_chip *gpio_chip_ref(struct gpio_chip *chip);
/* Accepts NULL; returns NULL. */
struct gpio_chip *gpio_chip_unref(struct gpio_chip *chip);
DEFINE_CLEANUP(struct gpio_chip, gpio_chip_unref)

const char *gpio_chip_name(const struct gpio_chip *chip);
bool gpio_chip_present(const struct gpio_chip *chip);
/* The emulator behind the chip and its interface, or NULL for real hardware. */
struct emu_chip *gpio_chip_emulator(const struct gpio_chip *chip, unsigned *intf);

/* The identity the chip was matched by (usb_path: where it was last seen). */
void gpio_chip_identity(struct gpio_chip *chip, struct gpio_chip_identity *id);
/*
 * Rename the lines (names->chip is ignored: a chip keeps its name for
 * life). Takes effect for line info and lookups from now on; watchers
 * get no record, as the kernel has no rename event.
 */
void gpio_chip_set_line_names(struct gpio_chip *chip, const struct gpio_chip_names *names);

/*
 * Choose how this chip is sampled (per chip; the core's config gives the
 * initial mode). Takes effect when sampling next starts: -EBUSY while the
 * chip is being sampled (release the edge requests first), and -EBUSY for
 * paced mode while a request holds line 0 as an output. Going paced turns
 * a line 0 that no request holds but is still an output (left so by a
 * released request) into an input. -EINVAL for a bad mode or period.
 */
int gpio_chip_set_sampling(struct gpio_chip *chip, const struct sampling *sampling);
void gpio_chip_sampling(struct gpio_chip *chip, struct sampling *sampling);

/* name, label ("FT232H A serial=FT1234 port=1-2"), lines. */
int gpio_chip_info(struct gpio_chip *chip, struct gpiochip_info *info);
/* The kernel's line info: name, consumer, flags, attributes (debounce). */
int gpio_chip_line_info(struct gpio_chip *chip, unsigned offset, struct gpio_v2_line_info *info);
/* Line name to offset; -ENOENT when no line has that name. */
int gpio_chip_find_line(struct gpio_chip *chip, const char *name);

/*
 * Line-info watches. A watcher owns an eventfd (its fd) that is readable
 * while changes are queued; gpio_chip_watcher_read() takes them as the
 * kernel's 288-byte records. One watcher per client connection.
 */
struct line_watcher;
int gpio_chip_watcher_new(struct gpio_chip *chip, struct line_watcher **out);
struct line_watcher *gpio_chip_watcher_free(struct line_watcher *w);
DEFINE_CLEANUP(struct line_watcher, gpio_chip_watcher_free)
int gpio_chip_watcher_fd(const struct line_watcher *w);
/* Watch (true) or unwatch (false) one line; -EBUSY watching twice, as the kernel. */
int gpio_chip_watch(struct line_watcher *w, unsigned offset, bool on, struct gpio_v2_line_info *info);
int gpio_chip_watcher_read(struct line_watcher *w, struct gpio_v2_line_info_changed *buf, unsigned n);

/* --- Line requests ------------------------------------------------------- */

/*
 * What a client sees when the device is unplugged:
 *  - A plain request is gone for good: its eventfd becomes readable,
 *    line_request_read_events() returns the events queued before the
 *    unplug and then -ENODEV; every other call returns -ENODEV. Its lines
 *    stay held until it is released (as a kernel request fd until closed).
 *  - A persistent request (persist) lives on: while the device is away,
 *    values and reconfiguration fail with -ENODEV and no events come (the
 *    eventfd is not signalled). When the same device comes back (same
 *    serial, or same USB port path when serials are blank or shared) the
 *    chip is bound again with the persistent requests' directions and
 *    output values applied in the attach itself (no glitch: the outputs go
 *    from released straight to their value), and events resume: the first
 *    sample after the replug is a baseline, so a change that happened
 *    while unplugged is not reported; seqno and line_seqno continue where
 *    they stopped, so the outage shows as a gap in seqnos only if events
 *    were dropped for a full queue, never for the time away. "As is"
 *    lines (neither input nor output) come back as inputs.
 */
struct line_request_options {
	/* Keep the lines configured across unplug and restore them on replug. */
	bool persist;
};

/*
 * Request lines with the kernel's semantics (gpio_v2_line_request: offsets,
 * consumer, config, event_buffer_size). Lines are held exclusively.
 */
int gpio_chip_request_lines(struct gpio_chip *chip, const struct gpio_v2_line_request *req,
			    const struct line_request_options *options, struct line_request **out);
/* Release the lines (configuration stays on the pins). Accepts NULL; returns NULL. */
struct line_request *line_request_release(struct line_request *req);
DEFINE_CLEANUP(struct line_request, line_request_release)

/*
 * Values by position in the request (bit i = offsets[i]), logical (active-low applied).
 * get: while the poller samples the chip, the first sample taken after the
 * call began (it waits up to a few sample intervals, -EIO after
 * 250 ms); a debounced line reports its debounced value. mask 0: -EINVAL.
 */
int line_request_get_values(struct line_request *req, uint64_t mask, uint64_t *bits);
int line_request_set_values(struct line_request *req, uint64_t mask, uint64_t bits);
/*
 * The kernel's SET_CONFIG: the line configuration only (offsets, consumer
 * and buffer size stay), validated again; all or nothing. Edge detection
 * re-arms: the first sample after it is a baseline. Watchers get a
 * "reconfigured" record per line.
 */
int line_request_reconfigure(struct line_request *req, const struct gpio_v2_line_config *config);

/*
 * Edge events: an eventfd readable while events are queued, or when the
 * device is gone for good (then read returns -ENODEV once the queue is
 * empty). Reading takes whole records, oldest first.
 */
int line_request_event_fd(const struct line_request *req);
int line_request_read_events(struct line_request *req, struct gpio_v2_line_event *buf, unsigned n);

struct line_request_stats {
	uint64_t events;	/* generated */
	uint64_t dropped;	/* lost because the queue was full */
	unsigned queued;
};
void line_request_stats(struct line_request *req, struct line_request_stats *stats);

/* --- Telemetry ------------------------------------------------------------ */

struct gpio_chip_stats {
	uint64_t samples;		/* taken since arrival */
	double sample_rate_hz;		/* over the last second (the first tenth at start); 0 idle */
	uint32_t rtt_p50_us, rtt_p99_us; /* sample round trips */
	unsigned requests;
	uint64_t unplugs, replugs;
	/*
	 * The timestamp resolution: latency mode, the measured interval
	 * between samples; paced mode, the sample period.
	 */
	uint64_t sample_interval_ns;
	enum sample_mode mode;		/* as set; applies from the next start */
	/* Paced mode: times the chip ran out of commands, and their total length. */
	uint64_t gaps, gap_ns;
	/*
	 * Bindings whose hardware was released after an unplug: their
	 * pollers joined, their transport closed (unplugs - releases are
	 * still on their way out).
	 */
	uint64_t releases;
	/* Most sample() calls ever running at once on this chip (1 by design). */
	unsigned long max_samplers;
};
void gpio_chip_stats(struct gpio_chip *chip, struct gpio_chip_stats *stats);

#endif
