/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device layer's private state, shared by its files: core.c (registry,
 * device-event thread, bind and teardown), emu-source.c and usb-source.c
 * (where devices come from), gpiochip.c (chip references, info, watchers,
 * stats), request.c (line requests) and sampler.c (the poller's sample()).
 *
 * Objects and who may touch what:
 *
 *  struct core: config, queue and changes_fd are set once by core_new().
 *  core->lock guards the registry writers (core->chips is an RCU list whose
 *  readers are core_find_chip/core_for_each_chip), the sources and the
 *  automatic name counter. The device-event thread's queue has its own
 *  ev_lock, which listeners take for a few instructions only.
 *
 *  struct gpio_chip: name, db, intf, source and core are constant. Three
 *  locks, always taken in this order when nested:
 *   - bind_lock: serializes bind and teardown of this chip (the
 *     device-event thread, core_add_emulator(), core_free()). Held across
 *     USB I/O (attach) and while waiting for the previous binding's
 *     release; never taken by clients, the poller or release work.
 *   - lock: the configuration: the binding pointer, the request list
 *     (writers), held lines, the cached line state, watchers. Clients hold
 *     it for at most one USB round trip (or one bounded wait for a sample).
 *     The poller never takes it.
 *   - rel_lock: counts bindings whose release has not run yet; taken for a
 *     few instructions by release work (which may run on an rcuwork thread
 *     while bind_lock is held by a waiter).
 *  Inside chip->lock a client may also take its binding's in_lock (a
 *  direct pin read; the sampler takes in_lock alone), the chip model's
 *  I/O mutex (chip.h) and core->ev_lock (a kick). core->lock is never
 *  held together with a chip's locks.
 *  chip->requests is an RCU list: the poller walks it in one read-side
 *  section per batch of samples; writers hold chip->lock. A request leaves
 *  it only at release, and its memory goes through the core's rcuwork queue.
 *  A chip's memory is freed when its last reference goes; the registry's
 *  reference is dropped by core_free() only after unlinking it and a grace
 *  period, so a reader that found it in the registry may take a reference.
 *
 *  struct binding: one attach of the hardware behind a chip (transport,
 *  chip model, poller set). chip->binding points to it while bound (under
 *  chip->lock); the poller set's ctx points to it until released(), which
 *  runs on an rcuwork thread once no poller thread of that set exists, and
 *  frees it. Clients use a binding only under chip->lock, so once teardown
 *  cleared chip->binding (under that lock) only the poller can reach it.
 *  A new binding of the same chip is made only after the previous one was
 *  released: a retired poller can never talk to a replugged device.
 *
 *  struct line_request: see request.c; its edge detector and det_* fields
 *  belong to whichever sampler runs (samplers never overlap: the worker
 *  list's slot, then the binding's release, order them).
 */
#ifndef MPSSED_DEVICE_INTERNAL_H
#define MPSSED_DEVICE_INTERNAL_H

#include <linux/futex.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/rcu.h"
#include "chip/chip.h"
#include "device/device.h"
#include "events/edge.h"
#include "events/linecfg.h"
#include "events/queue.h"
#include "poller/worker-list.h"
#include "rcuwork/rcuwork.h"
#include "transport/transport.h"

#define READS_IN_FLIGHT_DEFAULT 4
#define READS_IN_FLIGHT_MAX 16
/* Bounded waits: a sample for get_values, a previous binding's release. */
#define SAMPLE_WAIT_MS 250
#define RELEASE_WAIT_MS 5000
/* Probe retries (udev rules, a busy interface, a flaky attach). */
#define RETRY_FIRST_MS 10
#define RETRY_MAX_ATTEMPTS 9	/* 10 ms doubling: about 5 s in all */
/* Log-linear RTT histogram: 4 buckets per power of two, up to ~1 s. */
#define RTT_BUCKETS 84
#define WATCH_QUEUE 32		/* the kernel's lineinfo kfifo */

struct transport;
struct usb_source;

/* Where a chip's device comes from. Called by the binder (bind_lock held). */
struct chip_source_ops {
	/*
	 * Changes whenever the device left (any thread may call it): a
	 * binding made under an older generation talks to a device that is
	 * gone, even if it is back by now.
	 */
	uint32_t (*generation)(const struct gpio_chip *chip);
	bool (*present)(const struct gpio_chip *chip);
	int (*open)(struct gpio_chip *chip, struct transport **out);
	/* Errors worth another try later (udev rules not applied yet...). */
	bool (*retryable)(int err);
};

struct core {
	struct core_config config;	/* defaults applied; constant */
	struct rcuwork_queue *queue;	/* device release: bindings, requests */
	int changes_fd;			/* eventfd */
	bool stopping;			/* ATOMIC: core_free() began */

	pthread_mutex_t lock;
	struct cds_list_head chips;	/* RCU; writers under lock */
	unsigned next_index;		/* under lock: next automatic name */
	struct cds_list_head emus;	/* struct emu_source, under lock */
	struct usb_source *usb;		/* under lock */

	/* The device-event thread: probes, binds, tears down. */
	pthread_t ev_thread;
	bool ev_started;
	pthread_mutex_t ev_lock;
	pthread_cond_t ev_cond;		/* CLOCK_MONOTONIC */
	bool ev_pending, ev_stop;	/* under ev_lock */
};

struct chip_counters {
	uint64_t samples;
	uint64_t unplugs, replugs, releases;
	uint64_t rate_mhz;		/* samples per 1000 s over the last window */
	uint64_t interval_ns;
	uint64_t rtt[RTT_BUCKETS];
	uint64_t max_samplers;		/* of the bindings released so far */
	uint64_t gaps, gap_ns;		/* paced mode: the chip ran out of commands */
};

struct gpio_chip {
	struct cds_list_head node;	/* core->chips */
	struct core *core;
	unsigned long refs;		/* ATOMIC */
	char name[GPIO_MAX_NAME_SIZE];
	char label[96];			/* under lock (a USB device may move); cut to 31 for clients */
	struct gpio_chip_identity id;	/* usb_path under lock, the rest constant */
	char line_names[CHIPDB_LINES_MAX][GPIO_MAX_NAME_SIZE]; /* under lock; "": the database's */
	const struct chipdb_entry *db;
	unsigned intf;
	const struct chip_source_ops *src_ops;
	void *src;			/* the source's record (emu_source, usb_dev) */
	bool present;			/* ATOMIC */
	bool kicked;			/* ATOMIC: the event thread should reconcile */
	uint64_t retry_at_ns;		/* ATOMIC: 0 = none */

	pthread_mutex_t bind_lock;
	unsigned attempts;		/* under bind_lock */
	bool ever_bound;		/* under bind_lock */

	pthread_mutex_t rel_lock;
	pthread_cond_t rel_cond;	/* CLOCK_MONOTONIC */
	unsigned releasing;		/* under rel_lock */

	pthread_mutex_t lock;
	struct binding *binding;
	struct cds_list_head requests;	/* RCU; writers under lock */
	struct cds_list_head watchers;
	uint16_t held;			/* lines held by requests */
	struct chip_lines lines;	/* last known configuration */

	uint32_t epoch;			/* ATOMIC: one per sampler start */
	/* ATOMIC each, written under lock: read by a sampler when it starts. */
	uint32_t sampling_mode;		/* enum sample_mode */
	uint32_t period_ns;
	struct chip_counters count;	/* ATOMIC each */
	struct rcuwork unlist;		/* core_free(): drops the registry's reference */
};

struct binding {
	struct gpio_chip *chip;		/* a reference */
	struct transport *t;
	struct chip *hw;
	struct poller_set *pollers;
	struct poller_ops ops;		/* priv_size depends on the transport */
	uint32_t gen;			/* the source's generation when bound */
	unsigned reads;			/* reads in flight while sampling */
	bool poll_on;			/* under chip->lock: we hold one enable */
	bool dead;			/* ATOMIC: the device failed or left */

	/*
	 * Who owns the IN endpoint: a sampler from its first sample until
	 * its stop() returns (sampling true), else whoever holds in_lock
	 * for a direct read. sampling is written under in_lock, read
	 * atomically.
	 */
	pthread_mutex_t in_lock;
	bool sampling;
	/* Futex words: read completions, and published samples. */
	uint32_t completions;		/* ATOMIC */
	uint32_t sample_seq;		/* ATOMIC */
	uint32_t sample_waiters;	/* ATOMIC */
	/* The latest sample: levels, and when its command was written. */
	uint32_t latest_levels;		/* ATOMIC */
	uint64_t latest_cmd_ns;		/* ATOMIC */
};

/* An immutable line configuration the poller applies (RCU-published). */
struct req_config {
	struct rcuwork free;
	uint32_t gen;
	bool watch;			/* some line needs the edge detector */
	struct linecfg cfg;
};

struct line_request {
	struct cds_list_head node;	/* chip->requests */
	struct gpio_chip *chip;		/* a reference */
	bool persist;			/* constant */
	uint16_t mask;			/* chip lines held; constant */
	struct req_config *config;	/* RCU; replaced under chip->lock */
	uint16_t values;		/* under chip->lock: physical output levels asked */
	bool dead;			/* ATOMIC: gone for good */
	int efd;			/* closed by the release work */
	struct event_queue *queue;	/* producer: the sampler */
	pthread_mutex_t read_lock;	/* one consumer at a time */

	/* The sampler's own. */
	struct edge_detector det;
	uint32_t det_gen, det_epoch;

	struct rcuwork release;
};

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline void futex_wake_all(uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
}

/* Sleeps while *word == val, at most timeout_ns; spurious returns are fine. */
static inline void futex_wait(uint32_t *word, uint32_t val, uint64_t timeout_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(timeout_ns / 1000000000ULL),
		.tv_nsec = (long)(timeout_ns % 1000000000ULL),
	};

	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, val, &ts, NULL, 0);
}

static inline void counter_add(uint64_t *c, uint64_t n)
{
	__atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

static inline uint64_t counter_get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* Non-blocking eventfd helpers: make readable, make not readable. */
void signal_fd(int fd);
void clear_fd(int fd);

/* core.c */
int cond_init_monotonic(pthread_cond_t *cond);
void core_changed(struct core *core);
/* Enable the poller while some request needs edges; chip->lock held. */
int __binding_sync_poller(struct gpio_chip *chip);
/*
 * The binding clients may use, NULL when there is none or it is stale (the
 * device failed, or left and perhaps came back: its transport is dead
 * either way, and the event thread may not have heard yet). chip->lock
 * held.
 */
struct binding *__chip_binding(struct gpio_chip *chip);
void gpio_chip_note_samplers(struct gpio_chip *chip, unsigned long max);
/* Wake the device-event thread; ask it to reconcile this chip with its device. */
void core_wake(struct core *core);
void core_kick(struct gpio_chip *chip);
/* Bind or tear down as the device's state says; bind_lock held inside. */
void core_reconcile(struct gpio_chip *chip);
/*
 * A new unlisted chip (one reference, the registry's once listed). name
 * NULL: automatic, given when listed.
 */
int gpio_chip_new(struct core *core, const char *name, const struct chipdb_entry *db,
		  unsigned intf, const struct chip_source_ops *ops, void *src,
		  struct gpio_chip **out);
/*
 * Record who an unlisted chip is and take its names from the core's
 * names callback (a name it already has wins).
 */
void gpio_chip_describe(struct gpio_chip *chip, const struct gpio_chip_identity *id);
/* List chips (core->lock held); -EEXIST when a name is taken. */
int __core_list_chips(struct core *core, struct gpio_chip **chips, unsigned n);

/* gpiochip.c */
struct gpio_chip *gpio_chip_free(struct gpio_chip *chip);
/* The kernel's line info; chip->lock held. */
void __gpio_chip_line_info(struct gpio_chip *chip, unsigned offset, struct gpio_v2_line_info *info);
/* Tell the watchers of these lines (chip->lock held). */
void __gpio_chip_notify(struct gpio_chip *chip, uint16_t lines, uint32_t type);
/* What the chip's lines allow, for linecfg. */
void gpio_chip_linecfg(const struct gpio_chip *chip, struct linecfg_chip *lc);
void gpio_chip_count_rtt(struct gpio_chip *chip, uint64_t rtt_ns);

/* request.c */
/* The chip lines persistent requests keep configured (chip->lock held). */
void __requests_persistent_lines(struct gpio_chip *chip, struct chip_lines *lines);
/* The device is gone: non-persistent requests die and are told (chip->lock held). */
void __requests_device_gone(struct gpio_chip *chip);
/* Whether some live request needs the edge detector (chip->lock held). */
bool __requests_watching(struct gpio_chip *chip);

/* sampler.c */
void sampler_ops_init(struct binding *b);

/* One IN transfer of a sampler; the callback only flags it and wakes the worker. */
struct sample_read {
	struct transport_read rd;
	uint32_t done;		/* ATOMIC: the callback ran */
	bool in_flight;
};
void sample_read_init(struct binding *b, struct sample_read *r, uint8_t *buf, size_t len);
int sample_read_submit(struct binding *b, struct sample_read *r);
/* 0 once r completed, 1 if w was cancelled first (w may be NULL), or -ETIMEDOUT. */
int sample_read_wait(struct binding *b, struct sample_read *r, const struct poller_worker *w,
		     uint64_t timeout_ns);
/* Cancel every read in flight and wait for each callback; true if one said -ENODEV. */
bool sample_reads_cancel(struct binding *b, struct sample_read *reads, unsigned n);
/* After a cancel with answers owed: get the endpoint clean again; true if the device is gone. */
bool sample_endpoint_resync(struct binding *b, bool owed);

static inline enum sample_mode chip_sampling_mode(const struct gpio_chip *chip)
{
	return (enum sample_mode)__atomic_load_n(&chip->sampling_mode, __ATOMIC_ACQUIRE);
}

/*
 * What both samplers do with their samples: the requests' edge detectors,
 * get_values, the counters. Owned by the worker (its private area).
 */
struct sample_sink {
	uint32_t epoch;			/* requests' detectors re-arm when it changes */
	uint64_t resolution_ns;		/* reported interval; 0: measured */
	uint64_t win_start_ns, win_samples, windows;
};
/* The sampler owns the IN endpoint from now on; a new epoch. */
void sink_start(struct binding *b, struct sample_sink *k);
/*
 * Feed n samples (oldest first) to every request, publish the newest for
 * get_values (taken no earlier than newest_ns), count them at now.
 */
void sink_deliver(struct binding *b, struct sample_sink *k, struct edge_sample *batch, unsigned n,
		  uint64_t newest_ns, uint64_t now);
/* The sampler gave the IN endpoint back. */
void sink_stop(struct binding *b);

/* paced.c: the hardware-paced sampler (doc/sampling.md) */
size_t paced_priv_size(const struct binding *b);
int paced_sample(struct binding *b, void *priv, struct poller_worker *w);
void paced_stop(struct binding *b, void *priv);

/* emu-source.c: stop listening (before the event thread stops), then free the emulators (last). */
void emu_sources_stop(struct core *core);
void emu_sources_free(struct core *core);

/* usb-source.c: stop the monitor (before the event thread stops), then free (last). */
void usb_source_stop(struct usb_source *u);
struct usb_source *usb_source_free(struct usb_source *u);
/* Device-event thread: handle queued hotplug events and due probes. */
void usb_source_process(struct core *core, uint64_t now, uint64_t *next_ns);

#endif
