// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Real FTDI devices as a source of chips: libusb hotplug (transport/usb.h)
 * reports arrivals and departures; the device-event thread reads the
 * serial number (retrying with backoff while udev has not applied its
 * rules), finds the chips that device had before (same serial; the same
 * USB port path when serials are blank or shared) or makes new ones, and
 * kicks them so core_reconcile() attaches them.
 *
 * Threads: the monitor callback runs on libusb's event thread; it only
 * copies the identity onto u->events (under u->lock) and wakes the
 * device-event thread. Everything else here (u->devs, each usb_chip, the
 * chip source ops) runs on the device-event thread, or in core_free()
 * after that thread and the monitor have stopped. Records are freed by
 * usb_source_free(), after every chip using them is gone.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "device/internal.h"
#include "transport/transport.h"
#include "transport/usb.h"

/* One USB port path (a device that arrives at the same port gets the same record). */
struct usb_dev {
	struct usb_dev *next;
	struct usb_identity id;
	const struct chipdb_entry *db;
	char serial[USB_SERIAL_MAX];
	bool present, probed;
	uint32_t gen;
	unsigned attempts;
	uint64_t retry_at_ns;
};

/* A chip's idea of its device: what it was first seen with, and where it is now. */
struct usb_chip {
	struct usb_chip *next;
	struct usb_dev *dev;
	struct gpio_chip *chip;	/* the registry's, which outlives this record's use */
	uint16_t vid, pid;
	char serial[USB_SERIAL_MAX];
	char port_path[USB_PORT_PATH_MAX];
};

struct usb_queued {
	struct usb_queued *next;
	enum usb_event event;
	struct usb_identity id;
};

struct usb_source {
	struct core *core;
	struct usb_monitor *monitor;
	pthread_mutex_t lock;	/* events */
	struct usb_queued *events, **tail;
	struct usb_dev *devs;
	struct usb_chip *chips;
};

/* c->dev and d->gen are also read by clients (__chip_binding): atomics. */
static struct usb_dev *dev_of(const struct gpio_chip *chip)
{
	return __atomic_load_n(&((const struct usb_chip *)chip->src)->dev, __ATOMIC_ACQUIRE);
}

static uint32_t usb_generation(const struct gpio_chip *chip)
{
	return __atomic_load_n(&dev_of(chip)->gen, __ATOMIC_ACQUIRE);
}

static bool usb_present(const struct gpio_chip *chip)
{
	const struct usb_dev *d = dev_of(chip);

	return d->present && d->probed;
}

static int usb_open(struct gpio_chip *chip, struct transport **out)
{
	const struct usb_dev *d = dev_of(chip);
	const struct transport_ftdi_match m = {
		.vid = d->id.vid,
		.pid = d->id.pid,
		.port_path = d->id.port_path,
	};

	return transport_ftdi_open(&m, chip->intf, out);
}

/*
 * udev rules not applied yet, another process holding it, a device libusb
 * does not list yet (or any more: its departure is on its way), a flaky
 * attach.
 */
static bool usb_retryable(int err)
{
	return err == -EACCES || err == -EBUSY || err == -ENOENT || err == -EPROTO ||
	       err == -ETIMEDOUT || err == -EIO;
}

static const struct chip_source_ops usb_source_ops = {
	.generation = usb_generation,
	.present = usb_present,
	.open = usb_open,
	.retryable = usb_retryable,
};

/* --- Events ------------------------------------------------------------------- */

/* libusb's event thread, monitor lock held: copy, queue, wake. */
static void usb_event_cb(enum usb_event event, const struct usb_identity *id, void *user_data)
{
	struct usb_source *u = user_data;
	struct usb_queued *q = malloc(sizeof(*q));

	if (!q) {
		log_err("usb %s: event lost: out of memory", id->port_path);
		return;
	}
	q->next = NULL;
	q->event = event;
	q->id = *id;
	pthread_mutex_lock(&u->lock);
	*u->tail = q;
	u->tail = &q->next;
	pthread_mutex_unlock(&u->lock);
	core_wake(u->core);
}

static struct usb_dev *dev_find(struct usb_source *u, const char *port_path)
{
	for (struct usb_dev *d = u->devs; d; d = d->next)
		if (!strcmp(d->id.port_path, port_path))
			return d;
	return NULL;
}

static void dev_kick(struct usb_source *u, struct usb_dev *d)
{
	for (struct usb_chip *c = u->chips; c; c = c->next)
		if (c->dev == d)
			core_kick(c->chip);
}

static void dev_arrived(struct usb_source *u, const struct usb_identity *id, uint64_t now)
{
	const struct chipdb_entry *db;
	struct usb_dev *d;
	char why[160];

	if (chipdb_lookup(id->vid, id->pid, id->bcd_device, &db, why, sizeof(why)) < 0) {
		log_warn("usb %s: %04x:%04x refused: %s", id->port_path, id->vid, id->pid, why);
		return;
	}
	d = dev_find(u, id->port_path);
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d) {
			log_err("usb %s: out of memory", id->port_path);
			return;
		}
		d->next = u->devs;
		u->devs = d;
	}
	d->id = *id;
	d->db = db;
	d->present = true;
	d->probed = false;
	__atomic_add_fetch(&d->gen, 1, __ATOMIC_ACQ_REL);
	d->attempts = 0;
	d->retry_at_ns = now;
	/* A binding to the device that was here before is stale now. */
	dev_kick(u, d);
}

static void dev_left(struct usb_source *u, const struct usb_identity *id)
{
	struct usb_dev *d = dev_find(u, id->port_path);

	if (!d || d->id.address != id->address)
		return;
	d->present = false;
	__atomic_add_fetch(&d->gen, 1, __ATOMIC_ACQ_REL);
	dev_kick(u, d);
}

static struct usb_queued *events_take(struct usb_source *u)
{
	struct usb_queued *q;

	pthread_mutex_lock(&u->lock);
	q = u->events;
	u->events = NULL;
	u->tail = &u->events;
	pthread_mutex_unlock(&u->lock);
	return q;
}

/* --- Probing ---------------------------------------------------------------------- */

/* A serial tells devices apart only if no other present device of that kind shares it. */
static bool serial_usable(struct usb_source *u, const struct usb_dev *d)
{
	if (!d->serial[0])
		return false;
	for (struct usb_dev *o = u->devs; o; o = o->next)
		if (o != d && o->present && o->id.vid == d->id.vid && o->id.pid == d->id.pid &&
		    !strcmp(o->serial, d->serial))
			return false;
	return true;
}

static bool chip_free_for(const struct usb_chip *c, const struct usb_dev *d, unsigned intf)
{
	return c->chip->intf == intf && c->vid == d->id.vid && c->pid == d->id.pid &&
	       (c->dev == d || !c->dev->present);
}

/* The chip this device's interface had before: by serial, else by port path. */
static struct usb_chip *chip_match(struct usb_source *u, struct usb_dev *d, unsigned intf)
{
	bool by_serial = serial_usable(u, d);

	for (struct usb_chip *c = u->chips; c; c = c->next) {
		if (!chip_free_for(c, d, intf))
			continue;
		if (by_serial ? !strcmp(c->serial, d->serial) :
				!strcmp(c->port_path, d->id.port_path) && !strcmp(c->serial, d->serial))
			return c;
	}
	return NULL;
}

static int chip_make(struct usb_source *u, struct usb_dev *d, unsigned intf, struct usb_chip **out)
{
	struct usb_chip *c = calloc(1, sizeof(*c));
	struct gpio_chip *chip;
	int r;

	if (!c)
		return -ENOMEM;
	r = gpio_chip_new(u->core, NULL, d->db, intf, &usb_source_ops, c, &chip);
	if (r == 0) {
		struct gpio_chip_identity id = { .vid = d->id.vid, .pid = d->id.pid, .intf = intf };

		snprintf(id.serial, sizeof(id.serial), "%s", d->serial);
		snprintf(id.usb_path, sizeof(id.usb_path), "%s", d->id.port_path);
		gpio_chip_describe(chip, &id);
		pthread_mutex_lock(&u->core->lock);
		r = __core_list_chips(u->core, &chip, 1);
		if (r == -EEXIST) {
			/* A configured name taken by another chip: serve the device anyway. */
			log_warn("usb %s: chip name %s is taken; using an automatic name",
				 d->id.port_path, chip->name);
			chip->name[0] = '\0';
			r = __core_list_chips(u->core, &chip, 1);
		}
		pthread_mutex_unlock(&u->core->lock);
		if (r < 0)
			gpio_chip_unref(chip);
	}
	if (r < 0) {
		free(c);
		return r;
	}
	c->chip = chip;
	c->vid = d->id.vid;
	c->pid = d->id.pid;
	strcpy(c->serial, d->serial);
	c->next = u->chips;
	u->chips = c;
	*out = c;
	return 0;
}

static int dev_bind_chips(struct usb_source *u, struct usb_dev *d)
{
	for (unsigned i = 0; i < d->db->interfaces; i++) {
		struct usb_chip *c = chip_match(u, d, i);
		int r = 0;

		if (!c)
			r = chip_make(u, d, i, &c);
		if (r < 0)
			return r;
		__atomic_store_n(&c->dev, d, __ATOMIC_RELEASE);
		strcpy(c->port_path, d->id.port_path);
		pthread_mutex_lock(&c->chip->lock);
		snprintf(c->chip->label, sizeof(c->chip->label), "%s %c serial=%.40s port=%s",
			 d->db->name, 'A' + i, d->serial, d->id.port_path);
		snprintf(c->chip->id.usb_path, sizeof(c->chip->id.usb_path), "%s", d->id.port_path);
		pthread_mutex_unlock(&c->chip->lock);
		core_kick(c->chip);
	}
	return 0;
}

static void dev_probe(struct usb_source *u, struct usb_dev *d, uint64_t now)
{
	int r = usb_read_serial(&d->id, d->serial, sizeof(d->serial));

	/* The chips' reconciliation runs after this pass: probed is set by then. */
	if (r >= 0)
		r = dev_bind_chips(u, d);
	d->probed = r >= 0;
	if (r >= 0 || r == -ENODEV)
		return;
	if (!usb_retryable(r) || d->attempts >= RETRY_MAX_ATTEMPTS) {
		log_err("usb %s: cannot probe: %s", d->id.port_path, strerror(-r));
		d->retry_at_ns = 0;
		return;
	}
	d->retry_at_ns = now + ((uint64_t)RETRY_FIRST_MS << d->attempts++) * 1000000ULL;
}

void usb_source_process(struct core *core, uint64_t now, uint64_t *next_ns)
{
	struct usb_source *u = __atomic_load_n(&core->usb, __ATOMIC_ACQUIRE);
	struct usb_queued *q;

	if (!u)
		return;
	q = events_take(u);
	while (q) {
		struct usb_queued *next = q->next;

		if (q->event == USB_EVENT_ARRIVED)
			dev_arrived(u, &q->id, now);
		else
			dev_left(u, &q->id);
		free(q);
		q = next;
	}
	for (struct usb_dev *d = u->devs; d; d = d->next) {
		if (!d->present || d->probed || !d->retry_at_ns)
			continue;
		if (d->retry_at_ns <= now)
			dev_probe(u, d, now);
		else if (d->retry_at_ns < *next_ns)
			*next_ns = d->retry_at_ns;
	}
}

/* --- Life ---------------------------------------------------------------------------- */

static struct usb_source *usb_source_new(struct core *core)
{
	struct usb_source *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->core = core;
	u->tail = &u->events;
	pthread_mutex_init(&u->lock, NULL);
	return u;
}

/*
 * The source stays published once made, also when the monitor fails: the
 * device-event thread may be reading it, and core_free() frees it.
 * Callers do not race each other here (one server, one call at start).
 */
int core_start_usb(struct core *core)
{
	struct usb_source *u;

	pthread_mutex_lock(&core->lock);
	u = core->usb;
	if (!u) {
		u = usb_source_new(core);
		/* Before the monitor: its first callbacks come from inside usb_monitor_new(). */
		__atomic_store_n(&core->usb, u, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&core->lock);
	if (!u)
		return -ENOMEM;
	if (u->monitor)
		return -EALREADY;
	u->monitor = usb_monitor_new(usb_event_cb, u, true);
	if (!u->monitor) {
		log_err("cannot watch USB: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

void usb_source_stop(struct usb_source *u)
{
	if (u)
		u->monitor = usb_monitor_free(u->monitor);
}

struct usb_source *usb_source_free(struct usb_source *u)
{
	if (!u)
		return NULL;
	usb_source_stop(u);
	for (struct usb_queued *q = events_take(u), *next; q; q = next) {
		next = q->next;
		free(q);
	}
	for (struct usb_dev *d = u->devs, *next; d; d = next) {
		next = d->next;
		free(d);
	}
	for (struct usb_chip *c = u->chips, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	pthread_mutex_destroy(&u->lock);
	free(u);
	return NULL;
}
