// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The chip: creation, the bus thread, bulk transfers and the IN packet
 * schedule, plugging, faults and counters.
 *
 * Every completion goes through one list (chip->done) that only the bus
 * thread empties, with the lock dropped, so done() and the listener never
 * run under the lock nor inside a call that queued them.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/macros.h"
#include "emu/internal.h"

/* How often the bus thread visits a pin world with waveforms at least. */
#define WORLD_BATCH_NS 2000000ULL

uint64_t emu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* --- FIFOs ---------------------------------------------------------------- */

int emu_fifo_init(struct emu_fifo *f, size_t cap)
{
	f->data = malloc(cap);
	f->ts = calloc(cap, sizeof(*f->ts));
	f->due = calloc(cap, sizeof(*f->due));
	f->head = f->len = 0;
	f->cap = cap;
	return f->data && f->ts && f->due ? 0 : -ENOMEM;
}

void emu_fifo_deinit(struct emu_fifo *f)
{
	free(f->data);
	free(f->ts);
	free(f->due);
}

size_t emu_fifo_index(const struct emu_fifo *f, size_t i)
{
	return (f->head + i) % f->cap;
}

void emu_fifo_push(struct emu_fifo *f, uint8_t byte, uint64_t ts)
{
	size_t i = emu_fifo_index(f, f->len);

	f->data[i] = byte;
	f->ts[i] = ts;
	f->due[i] = EMU_NEVER;
	f->len++;
}

uint8_t emu_fifo_pop(struct emu_fifo *f)
{
	uint8_t b = f->data[f->head];

	f->head = (f->head + 1) % f->cap;
	f->len--;
	return b;
}

/* --- Transfer lists ------------------------------------------------------- */

static void list_init(struct emu_xfer_list *l)
{
	l->head = NULL;
	l->tail = &l->head;
	l->count = 0;
}

static void list_append(struct emu_xfer_list *l, struct emu_xfer *x)
{
	x->next = NULL;
	*l->tail = x;
	l->tail = &x->next;
	l->count++;
}

static struct emu_xfer *list_pop(struct emu_xfer_list *l)
{
	struct emu_xfer *x = l->head;

	if (!x)
		return NULL;
	l->head = x->next;
	if (!l->head)
		l->tail = &l->head;
	l->count--;
	x->next = NULL;
	return x;
}

static bool list_remove(struct emu_xfer_list *l, struct emu_xfer *x)
{
	for (struct emu_xfer **p = &l->head; *p; p = &(*p)->next) {
		if (*p != x)
			continue;
		*p = x->next;
		if (l->tail == &x->next)
			l->tail = p;
		l->count--;
		x->next = NULL;
		return true;
	}
	return false;
}

/* Interface of a bulk endpoint: IN 0x81 + 2i, OUT 0x02 + 2i. */
static struct emu_intf *endpoint_intf(struct emu_chip *chip, uint8_t ep, bool *in)
{
	unsigned num = ep & 0x7f, i = (num - 1) / 2;

	*in = ep & 0x80;
	if (num == 0 || num > 8 || (num & 1) != *in || i >= chip->preset->interfaces)
		return NULL;
	return &chip->intf[i];
}

void emu_chip_wake(struct emu_chip *chip)
{
	pthread_cond_signal(&chip->wake);
}

void emu_complete(struct emu_chip *chip, struct emu_xfer *xfer, int status)
{
	bool in;
	struct emu_intf *intf = endpoint_intf(chip, xfer->endpoint, &in);

	xfer->status = status;
	xfer->queued = false;
	if (status == 0 && in) {
		intf->stats.bulk_in++;
		intf->stats.bytes_in += xfer->actual;
	} else if (status == 0) {
		intf->stats.bulk_out++;
		intf->stats.bytes_out += xfer->actual;
	}
	list_append(&chip->done, xfer);
	chip->queued_seq++;
}

/* --- The IN packet schedule -------------------------------------------- */

/* Data bytes the next packet of x can carry (each packet starts with 2 status bytes). */
static size_t packet_room(const struct emu_xfer *x)
{
	size_t left = x->length - x->actual;
	size_t pkt = left < EMU_PACKET_SIZE ? left : EMU_PACKET_SIZE;

	return pkt > 2 ? pkt - 2 : 0;
}

static uint64_t latency_ns(const struct emu_intf *intf)
{
	return (uint64_t)(intf->latency ? intf->latency : 1) * 1000000ULL;
}

/* The first microframe boundary after t. */
static uint64_t uframe_after(uint64_t t)
{
	return (t / EMU_UFRAME_NS + 1) * EMU_UFRAME_NS;
}

/*
 * When the head IN transfer gets its next packet: at the first 0x87 that
 * covers the oldest byte, when a packet's worth of data is waiting, or when
 * the latency timer (restarted by every packet) expires. With the timing
 * model, on a later microframe boundary than the previous packet.
 */
static uint64_t in_next_packet(const struct emu_intf *intf)
{
	const struct emu_xfer *x = intf->in.head;
	const struct emu_fifo *rx = &intf->rx;
	size_t room;
	uint64_t when;

	if (!x || x->due_ns == EMU_NEVER || intf->stopped)
		return EMU_NEVER;
	when = max_u64(x->due_ns, intf->last_packet_ns) + latency_ns(intf);
	room = packet_room(x);
	if (rx->len && room) {
		when = min_u64(when, rx->due[emu_fifo_index(rx, 0)]);
		if (rx->len >= room)
			when = min_u64(when, rx->ts[emu_fifo_index(rx, room - 1)]);
	}
	/* Never before what this interface already lived through. */
	when = max_u64(max_u64(when, x->due_ns), intf->world_ns);
	if (intf->chip->timing)
		when = max_u64(uframe_after(when), intf->last_packet_ns + EMU_UFRAME_NS);
	return when;
}

/* Apply the answer faults to a packet that would carry n data bytes. */
static size_t packet_faults(struct emu_intf *intf, size_t n, bool *garbage)
{
	*garbage = false;
	if (n && intf->status_only) {
		intf->status_only--;
		return 0;
	}
	if (n > 1 && intf->shorts) {
		intf->shorts--;
		return 1;
	}
	if (n && intf->garbage) {
		intf->garbage--;
		*garbage = true;
	}
	return n;
}

static void in_send_packet(struct emu_intf *intf, uint64_t p)
{
	struct emu_xfer *x = intf->in.head;
	struct emu_fifo *rx = &intf->rx;
	uint8_t *pkt = x->buffer + x->actual;
	size_t room = packet_room(x), n = 0, sent;
	bool garbage, last;

	while (n < room && n < rx->len && rx->ts[emu_fifo_index(rx, n)] <= p)
		n++;
	n = packet_faults(intf, n, &garbage);
	pkt[0] = EMU_STATUS_BYTE0;
	pkt[1] = EMU_STATUS_BYTE1;
	for (size_t i = 0; i < n; i++)
		pkt[2 + i] = emu_fifo_pop(rx);
	sent = n;
	if (garbage) {
		sent = min_u64(intf->n_garbage, room);
		memcpy(pkt + 2, intf->garbage_bytes, sent);
	}
	x->actual += 2 + sent;
	intf->last_packet_ns = p;
	if (n)
		emu_mpsse_rx_freed(intf, p);
	/* A short packet ends the transfer, as does a full buffer. */
	last = 2 + sent < EMU_PACKET_SIZE || garbage || x->length - x->actual < 3;
	if (last)
		emu_complete(intf->chip, list_pop(&intf->in), 0);
}

/* --- Time-ordered service of one interface ------------------------------ */

uint64_t emu_intf_service(struct emu_intf *intf, uint64_t now)
{
	uint64_t tc, tp, tw;

	emu_mpsse_arrived(intf, now);
	emu_out_pump(intf, now);
	for (;;) {
		tc = emu_mpsse_next(intf);
		tp = in_next_packet(intf);
		if (tc <= now && tc <= tp) {
			emu_world_advance(intf, tc);
			if (!emu_mpsse_run(intf, tc, min_u64(now, tp), now))
				break;
		} else if (tp <= now) {
			emu_world_advance(intf, tp);
			in_send_packet(intf, tp);
		} else {
			break;
		}
	}
	emu_world_advance(intf, now);
	/* The wait held until now: a change of the world from now on ends it now. */
	if (intf->cp.state == EMU_CP_WAIT && intf->cp.t < now)
		intf->cp.t = now;
	tw = emu_world_next(intf);
	if (tw != EMU_NEVER)
		tw = max_u64(tw, now + WORLD_BATCH_NS);
	return min_u64(min_u64(tc, tp), tw);
}

void emu_intf_power_on(struct emu_intf *intf, uint64_t now)
{
	emu_world_advance(intf, now);
	intf->bitmode = 0;
	intf->bitmask = 0;
	intf->latency = EMU_LATENCY_DEFAULT;
	intf->latch = 0;
	intf->dir = 0;
	intf->open_drain = 0;
	intf->tx.head = intf->tx.len = 0;
	intf->rx.head = intf->rx.len = 0;
	emu_mpsse_reset(intf);
	intf->cp.t = now;
	intf->last_packet_ns = 0;
	intf->stopped = false;
	intf->unplug_countdown = 0;
	intf->stats.latency_ms = intf->latency;
	intf->stats.bitmode = 0;
	emu_history_note(intf, now);
}

/* --- The bus thread ---------------------------------------------------------- */

static void fail_pending(struct emu_chip *chip, int status)
{
	for (unsigned i = 0; i < chip->preset->interfaces; i++) {
		struct emu_intf *intf = &chip->intf[i];
		struct emu_xfer *x;

		while ((x = list_pop(&intf->in)))
			emu_complete(chip, x, status);
		while ((x = list_pop(&intf->out)))
			emu_complete(chip, x, status);
	}
}

static bool pending_delivery(const struct emu_chip *chip)
{
	return chip->done.head || chip->plug_events_told != chip->plug_events;
}

/* Run the queued completions and listener calls with the lock dropped. */
static void deliver(struct emu_chip *chip)
{
	struct emu_xfer *x = chip->done.head;
	uint64_t seq = chip->queued_seq;
	uint64_t from = chip->plug_events_told, to = chip->plug_events;
	struct emu_listener l = chip->listener;

	list_init(&chip->done);
	chip->plug_events_told = to;
	chip->delivering = true;
	emu_unlock(chip);
	while (x) {
		struct emu_xfer *next = x->next;

		x->next = NULL;
		x->done(x);
		x = next;
	}
	/* Plug events alternate, starting from plugged: odd ones unplug. */
	for (uint64_t k = from + 1; k <= to && l.plugged; k++)
		l.plugged(chip, k % 2 == 0, l.user_data);
	emu_lock(chip);
	chip->delivering = false;
	chip->delivered_seq = seq;
	pthread_cond_broadcast(&chip->delivered);
}

static void wait_until(struct emu_chip *chip, pthread_cond_t *cond, uint64_t when)
{
	struct timespec ts;

	if (when == EMU_NEVER) {
		pthread_cond_wait(cond, &chip->lock);
		return;
	}
	ts.tv_sec = (time_t)(when / 1000000000ULL);
	ts.tv_nsec = (long)(when % 1000000000ULL);
	pthread_cond_timedwait(cond, &chip->lock, &ts);
}

static void *bus_thread(void *arg)
{
	struct emu_chip *chip = arg;

	emu_lock(chip);
	for (;;) {
		uint64_t now = emu_now(), next;

		if (chip->unplug_at_ns <= now) {
			chip->unplug_at_ns = EMU_NEVER;
			(void)emu_unplug_locked(chip);
		}
		next = chip->unplug_at_ns;
		for (unsigned i = 0; i < chip->preset->interfaces; i++)
			next = min_u64(next, emu_intf_service(&chip->intf[i], now));
		if (chip->stopping)
			fail_pending(chip, -ESHUTDOWN);
		if (pending_delivery(chip)) {
			deliver(chip);
			continue;
		}
		if (chip->stopping)
			break;
		wait_until(chip, &chip->wake, next);
	}
	emu_unlock(chip);
	return NULL;
}

static bool on_bus_thread(const struct emu_chip *chip)
{
	return pthread_equal(pthread_self(), chip->thread);
}

/* Wait until everything queued so far was delivered (not on the bus thread). */
static void wait_delivered(struct emu_chip *chip)
{
	uint64_t seq = chip->queued_seq;

	if (on_bus_thread(chip))
		return;
	emu_chip_wake(chip);
	while (chip->delivered_seq < seq)
		pthread_cond_wait(&chip->delivered, &chip->lock);
}

/* --- Creation ------------------------------------------------------------- */

static int cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;
	int r;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	r = pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
	return -r;
}

static int intf_init(struct emu_chip *chip, unsigned i, uint64_t now)
{
	const struct emu_preset *ps = chip->preset;
	struct emu_intf *intf = &chip->intf[i];
	int r;

	intf->chip = chip;
	intf->lines = ps->lines;
	intf->mpsse_capable = i < ps->mpsse_interfaces;
	list_init(&intf->in);
	list_init(&intf->out);
	r = emu_fifo_init(&intf->tx, ps->fifo_size);
	if (r == 0)
		r = emu_fifo_init(&intf->rx, ps->fifo_size);
	if (r == 0)
		r = emu_pins_init(intf);
	if (r < 0)
		return r;
	intf->world_ns = now;
	emu_intf_power_on(intf, now);
	return 0;
}

static void chip_release(struct emu_chip *chip)
{
	for (unsigned i = 0; i < EMU_INTERFACES_MAX; i++) {
		emu_fifo_deinit(&chip->intf[i].tx);
		emu_fifo_deinit(&chip->intf[i].rx);
		emu_pins_deinit(&chip->intf[i]);
		free(chip->intf[i].garbage_bytes);
	}
	pthread_cond_destroy(&chip->answer);
	pthread_cond_destroy(&chip->delivered);
	pthread_cond_destroy(&chip->wake);
	pthread_mutex_destroy(&chip->lock);
	free(chip);
}

static int chip_init(struct emu_chip *chip, const struct emu_config *config)
{
	uint64_t now = emu_now();
	int r;

	chip->preset = emu_preset_get(config->model);
	if (!chip->preset)
		return -EINVAL;
	if (config->serial && strlen(config->serial) >= sizeof(chip->serial))
		return -EINVAL;
	strcpy(chip->serial, config->serial ? config->serial : chip->preset->serial);
	chip->timing = config->timing;
	chip->plugged = true;
	chip->configuration = 1; /* as the kernel leaves an enumerated device */
	chip->unplug_at_ns = EMU_NEVER;
	list_init(&chip->done);
	emu_usb_build(chip);
	for (unsigned i = 0; i < chip->preset->interfaces; i++) {
		r = intf_init(chip, i, now);
		if (r < 0)
			return r;
	}
	return 0;
}

static int start_thread(struct emu_chip *chip)
{
	sigset_t all, old;
	int r;

	/* The bus thread must never take a signal meant for the daemon's signalfd. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&chip->thread, NULL, bus_thread, chip);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* Benchmarks tell the stand-in hardware's CPU time from the daemon's by this name. */
	if (r == 0)
		pthread_setname_np(chip->thread, "emu-bus");
	return -r;
}

struct emu_chip *emu_chip_new(const struct emu_config *config)
{
	struct emu_chip *chip;
	int r;

	if (!config) {
		errno = EINVAL;
		return NULL;
	}
	chip = calloc(1, sizeof(*chip));
	if (!chip) {
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&chip->lock, NULL);
	r = cond_init(&chip->wake);
	if (r == 0)
		r = cond_init(&chip->answer);
	if (r == 0)
		r = pthread_cond_init(&chip->delivered, NULL);
	if (r == 0)
		r = chip_init(chip, config);
	if (r == 0)
		r = start_thread(chip);
	if (r < 0) {
		chip_release(chip);
		errno = -r;
		return NULL;
	}
	return chip;
}

struct emu_chip *emu_chip_free(struct emu_chip *chip)
{
	if (!chip)
		return NULL;
	emu_lock(chip);
	chip->stopping = true;
	pthread_cond_broadcast(&chip->answer);
	emu_chip_wake(chip);
	emu_unlock(chip);
	pthread_join(chip->thread, NULL);
	chip_release(chip);
	return NULL;
}

void emu_chip_identity(const struct emu_chip *chip, struct emu_identity *id)
{
	const struct emu_preset *ps = chip->preset;

	*id = (struct emu_identity){
		.vid = ps->vid,
		.pid = ps->pid,
		.bcd_device = ps->bcd,
		.interfaces = ps->interfaces,
		.mpsse_interfaces = ps->mpsse_interfaces,
		.lines = ps->lines,
		.manufacturer = ps->manufacturer,
		.product = ps->product,
		.serial = chip->serial,
	};
}

/* --- Transfers ---------------------------------------------------------------- */

/* Plug events alternate, starting from plugged: odd ones are the unplugs. */
static uint64_t generation_locked(const struct emu_chip *chip)
{
	return (chip->plug_events + 1) / 2 + 1;
}

/* A handle opened before the last unplug talks to a device that is gone. */
static bool stale_handle(const struct emu_chip *chip, uint64_t generation)
{
	return generation && generation != generation_locked(chip);
}

uint64_t emu_chip_generation(struct emu_chip *chip)
{
	uint64_t g;

	emu_lock(chip);
	g = generation_locked(chip);
	emu_unlock(chip);
	return g;
}

int emu_chip_control_timeout(struct emu_chip *chip, const struct emu_setup *setup, uint8_t *data,
			     int timeout_ms)
{
	uint64_t deadline =
		timeout_ms < 0 ? EMU_NEVER : emu_now() + (uint64_t)timeout_ms * 1000000ULL;
	int r;

	if (!chip || !setup)
		return -EINVAL;
	emu_lock(chip);
	chip->control++;
	for (;;) {
		struct emu_intf *stalled = NULL;

		if (chip->stopping)
			r = -ESHUTDOWN;
		else if (!chip->plugged || stale_handle(chip, setup->generation))
			r = -ENODEV;
		else
			r = emu_usb_control(chip, setup, data, &stalled);
		if (!stalled)
			break;
		if (emu_now() >= deadline) {
			r = -ETIMEDOUT;
			break;
		}
		wait_until(chip, &chip->answer, deadline);
	}
	emu_chip_wake(chip);
	emu_unlock(chip);
	return r;
}

int emu_chip_control(struct emu_chip *chip, const struct emu_setup *setup, uint8_t *data)
{
	return emu_chip_control_timeout(chip, setup, data, -1);
}

static int submit_check(struct emu_chip *chip, struct emu_xfer *xfer, struct emu_intf **intf,
			bool *in)
{
	if (!chip || !xfer || !xfer->done || (xfer->length && !xfer->buffer))
		return -EINVAL;
	*intf = endpoint_intf(chip, xfer->endpoint, in);
	if (!*intf || (*in && xfer->length < 2))
		return -EINVAL;
	return 0;
}

int emu_chip_submit(struct emu_chip *chip, struct emu_xfer *xfer)
{
	struct emu_intf *intf;
	uint64_t now;
	bool in;
	int r;

	r = submit_check(chip, xfer, &intf, &in);
	if (r < 0)
		return r;
	emu_lock(chip);
	if (chip->stopping || !chip->plugged || stale_handle(chip, xfer->generation)) {
		r = chip->stopping ? -ESHUTDOWN : -ENODEV;
		emu_unlock(chip);
		return r;
	}
	now = emu_now();
	emu_intf_service(intf, now);
	xfer->actual = 0;
	xfer->status = 0;
	xfer->queued = true;
	xfer->due_ns = now;
	if (in && intf->timeouts) {
		intf->timeouts--;
		xfer->due_ns = EMU_NEVER;
	}
	list_append(in ? &intf->in : &intf->out, xfer);
	if (in && intf->in.count > intf->stats.in_flight_max)
		intf->stats.in_flight_max = intf->in.count;
	if (intf->unplug_countdown && --intf->unplug_countdown == 0) {
		(void)emu_unplug_locked(chip);
	} else if (!in) {
		emu_intf_service(intf, now);
	}
	emu_chip_wake(chip);
	emu_unlock(chip);
	return 0;
}

int emu_chip_cancel(struct emu_chip *chip, struct emu_xfer *xfer)
{
	struct emu_intf *intf;
	bool in;
	int r = -EALREADY;

	if (!chip || !xfer)
		return -EINVAL;
	intf = endpoint_intf(chip, xfer->endpoint, &in);
	if (!intf)
		return -EINVAL;
	emu_lock(chip);
	if (list_remove(in ? &intf->in : &intf->out, xfer)) {
		emu_complete(chip, xfer, -ENOENT);
		emu_chip_wake(chip);
		r = 0;
	}
	emu_unlock(chip);
	return r;
}

/* --- Plugging ------------------------------------------------------------- */

int emu_unplug_locked(struct emu_chip *chip)
{
	uint64_t now = emu_now();

	if (!chip->plugged)
		return -ENODEV;
	__atomic_store_n(&chip->plugged, false, __ATOMIC_RELEASE);
	chip->unplug_at_ns = EMU_NEVER;
	fail_pending(chip, -ENODEV);
	/* The chip loses power: its outputs let go. */
	for (unsigned i = 0; i < chip->preset->interfaces; i++) {
		emu_intf_service(&chip->intf[i], now);
		emu_intf_power_on(&chip->intf[i], now);
	}
	chip->plug_events++;
	chip->queued_seq++;
	pthread_cond_broadcast(&chip->answer);
	emu_chip_wake(chip);
	return 0;
}

int emu_chip_unplug(struct emu_chip *chip)
{
	int r;

	if (!chip)
		return -EINVAL;
	emu_lock(chip);
	r = emu_unplug_locked(chip);
	if (r == 0)
		wait_delivered(chip);
	emu_unlock(chip);
	return r;
}

int emu_chip_replug(struct emu_chip *chip)
{
	uint64_t now;

	if (!chip)
		return -EINVAL;
	emu_lock(chip);
	if (chip->plugged) {
		emu_unlock(chip);
		return -EALREADY;
	}
	now = emu_now();
	for (unsigned i = 0; i < chip->preset->interfaces; i++) {
		emu_intf_service(&chip->intf[i], now);
		emu_intf_power_on(&chip->intf[i], now);
	}
	chip->configuration = 1;
	__atomic_store_n(&chip->plugged, true, __ATOMIC_RELEASE);
	chip->plug_events++;
	chip->queued_seq++;
	wait_delivered(chip);
	emu_unlock(chip);
	return 0;
}

bool emu_chip_plugged(const struct emu_chip *chip)
{
	return chip && __atomic_load_n(&chip->plugged, __ATOMIC_ACQUIRE);
}

void emu_chip_set_listener(struct emu_chip *chip, const struct emu_listener *listener)
{
	if (!chip)
		return;
	emu_lock(chip);
	if (listener)
		chip->listener = *listener;
	else
		chip->listener = (struct emu_listener){ 0 };
	/* A delivery pass holds a copy of the old listener: let it finish. */
	while (chip->delivering && !on_bus_thread(chip))
		pthread_cond_wait(&chip->delivered, &chip->lock);
	emu_unlock(chip);
}

/* --- Faults ------------------------------------------------------------------- */

static int set_garbage(struct emu_intf *intf, const struct emu_fault *f)
{
	uint8_t *copy;

	if (!f->bytes || !f->n_bytes)
		return -EINVAL;
	copy = malloc(f->n_bytes);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, f->bytes, f->n_bytes);
	free(intf->garbage_bytes);
	intf->garbage_bytes = copy;
	intf->n_garbage = f->n_bytes;
	intf->garbage += f->count;
	return 0;
}

static int stale_bytes(struct emu_intf *intf, const struct emu_fault *f, uint64_t now)
{
	if ((f->n_bytes && !f->bytes) || f->n_bytes > emu_fifo_space(&intf->rx))
		return -EINVAL;
	for (size_t i = 0; i < f->n_bytes; i++)
		emu_fifo_push(&intf->rx, f->bytes[i], now);
	return 0;
}

static int inject(struct emu_chip *chip, struct emu_intf *intf, const struct emu_fault *f,
		  uint64_t now)
{
	switch (f->kind) {
	case EMU_FAULT_UNPLUG_AT_XFER:
		if (!f->at)
			return -EINVAL;
		intf->unplug_countdown = f->at;
		return 0;
	case EMU_FAULT_UNPLUG_AT_TIME:
		chip->unplug_at_ns = f->at > EMU_NEVER - 1 - now ? EMU_NEVER - 1 : now + f->at;
		return 0;
	case EMU_FAULT_TIMEOUT:
		intf->timeouts += f->count;
		return 0;
	case EMU_FAULT_SHORT_PACKET:
		intf->shorts += f->count;
		return 0;
	case EMU_FAULT_STATUS_ONLY:
		intf->status_only += f->count;
		return 0;
	case EMU_FAULT_STALE_BYTES:
		return stale_bytes(intf, f, now);
	case EMU_FAULT_GARBAGE:
		return set_garbage(intf, f);
	case EMU_FAULT_STOP_ANSWERING:
		intf->stopped = true;
		return 0;
	default:
		return -EINVAL;
	}
}

int emu_chip_inject(struct emu_chip *chip, unsigned intf_no, const struct emu_fault *fault)
{
	struct emu_intf *intf;
	uint64_t now;
	int r;

	if (!chip || !fault || intf_no >= chip->preset->interfaces)
		return -EINVAL;
	intf = &chip->intf[intf_no];
	emu_lock(chip);
	if (!chip->plugged) {
		emu_unlock(chip);
		return -ENODEV;
	}
	now = emu_now();
	emu_intf_service(intf, now);
	r = inject(chip, intf, fault, now);
	emu_intf_service(intf, now);
	emu_chip_wake(chip);
	emu_unlock(chip);
	return r;
}

void emu_chip_clear_faults(struct emu_chip *chip)
{
	uint64_t now;

	if (!chip)
		return;
	emu_lock(chip);
	now = emu_now();
	chip->unplug_at_ns = EMU_NEVER;
	for (unsigned i = 0; i < chip->preset->interfaces; i++) {
		struct emu_intf *intf = &chip->intf[i];

		intf->timeouts = intf->shorts = intf->status_only = intf->garbage = 0;
		intf->unplug_countdown = 0;
		if (intf->stopped) {
			/* Nothing ran meanwhile, not even the latency timer: all resume now. */
			intf->stopped = false;
			intf->last_packet_ns = max_u64(intf->last_packet_ns, now);
			intf->cp.t = max_u64(intf->cp.t, now);
		}
		emu_intf_service(intf, now);
	}
	pthread_cond_broadcast(&chip->answer);
	emu_chip_wake(chip);
	emu_unlock(chip);
}

/* --- Counters ---------------------------------------------------------------- */

void emu_chip_stats(struct emu_chip *chip, unsigned intf_no, struct emu_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	if (!chip || intf_no >= chip->preset->interfaces)
		return;
	emu_lock(chip);
	*stats = chip->intf[intf_no].stats;
	stats->control = chip->control;
	emu_unlock(chip);
}
