// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The shared libusb context, its event thread, synchronous transfers that
 * complete on that thread, discovery and hotplug.
 *
 * Why our own synchronous transfers: libusb's sync API lets the waiting
 * thread run the event loop itself whenever the event thread is between
 * two rounds, so any transfer or hotplug callback could then run on a
 * caller's thread (unregistered with liburcu, holding the chip's I/O
 * mutex). Submitting asynchronously and waiting on a completion keeps every
 * callback on the event thread. (libftdi's open still uses libusb's sync
 * API for its SIO reset and baud rate requests; that is the one exception.)
 */
#include <errno.h>
#include <libusb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/macros.h"
#include "common/rcu.h"
#include "transport/backend.h"
#include "transport/usb-internal.h"

static const struct {
	uint16_t vid, pid;
	const char *name;
} products[] = {
	{ 0x0403, 0x6014, "FT232H" },
	{ 0x0403, 0x6010, "FT2232H" },
	{ 0x0403, 0x6011, "FT4232H" },
	{ 0x0403, 0x6048, "FT4232HA" },
	{ 0x0c52, 0xa064, "Sealevel" },
	{ 0x0403, 0x6988, "Bryx" },
};

static struct {
	pthread_mutex_t lock;	/* guards refs, ctx, thread */
	unsigned refs;
	libusb_context *ctx;
	pthread_t thread;
	bool stopping;		/* ATOMIC */
} usb = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

DEFINE_CLEANUP(struct libusb_transfer, libusb_free_transfer)
DEFINE_CLEANUP(libusb_device, libusb_unref_device)

const char *usb_product_name(uint16_t vid, uint16_t pid)
{
	for (size_t i = 0; i < ARRAY_SIZE(products); i++)
		if (products[i].vid == vid && products[i].pid == pid)
			return products[i].name;
	return NULL;
}

/* --- Context and event thread ---------------------------------------------------- */

static void LIBUSB_CALL usb_log(libusb_context *ctx, enum libusb_log_level level, const char *str)
{
	int n = (int)strcspn(str, "\r\n");

	log_debug("libusb: %.*s", n, str);
}

static void *event_thread(void *arg)
{
	libusb_context *ctx = arg;

	/* Callbacks run here and may read RCU-protected data. */
	rcu_register_thread();
	while (!__atomic_load_n(&usb.stopping, __ATOMIC_ACQUIRE)) {
		struct timeval tv = { .tv_sec = 60 };
		int r = libusb_handle_events_timeout_completed(ctx, &tv, NULL);

		if (r < 0 && r != LIBUSB_ERROR_INTERRUPTED) {
			log_err("libusb event handling failed: %s", libusb_error_name(r));
			/* Do not spin on a persistent failure. */
			nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
		}
	}
	rcu_unregister_thread();
	return NULL;
}

/* Called with usb.lock held and every signal blocked (libusb's own threads inherit the mask). */
static int __context_create(void)
{
	int r;

	libusb_set_log_cb(NULL, usb_log, LIBUSB_LOG_CB_GLOBAL);
	r = libusb_init(&usb.ctx);
	if (r < 0)
		return usb_errno(r);
	if (log_get_level() >= LOG_LEVEL_DEBUG)
		libusb_set_option(usb.ctx, LIBUSB_OPTION_LOG_LEVEL, LIBUSB_LOG_LEVEL_WARNING);
	__atomic_store_n(&usb.stopping, false, __ATOMIC_RELAXED);
	r = pthread_create(&usb.thread, NULL, event_thread, usb.ctx);
	if (r) {
		libusb_exit(usb.ctx);
		usb.ctx = NULL;
		return -r;
	}
	return 0;
}

int usb_start(void)
{
	sigset_t all, old;
	int r = 0;

	pthread_mutex_lock(&usb.lock);
	if (usb.refs == 0) {
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		r = __context_create();
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (r == 0)
		usb.refs++;
	pthread_mutex_unlock(&usb.lock);
	if (r < 0)
		log_err("cannot start libusb: %s", strerror(-r));
	return r;
}

void usb_stop(void)
{
	pthread_mutex_lock(&usb.lock);
	if (usb.refs && --usb.refs == 0) {
		__atomic_store_n(&usb.stopping, true, __ATOMIC_RELEASE);
		libusb_interrupt_event_handler(usb.ctx);
		pthread_join(usb.thread, NULL);
		libusb_exit(usb.ctx);
		usb.ctx = NULL;
	}
	pthread_mutex_unlock(&usb.lock);
}

struct libusb_context *usb_context(void)
{
	return usb.ctx;
}

/* --- Synchronous transfers completed by the event thread --------------------------- */

static void LIBUSB_CALL sync_done(struct libusb_transfer *xfer)
{
	completion_signal(xfer->user_data);
}

/* Submit xfer and wait until the event thread completed it: then see xfer->status. */
static int run_sync(struct libusb_transfer *xfer)
{
	struct completion done;
	int r;

	completion_init(&done);
	xfer->callback = sync_done;
	xfer->user_data = &done;
	r = libusb_submit_transfer(xfer);
	if (r == 0)
		completion_wait(&done, -1);
	completion_destroy(&done);
	return usb_errno(r);
}

int usb_control(struct libusb_device_handle *h, uint8_t request_type, uint8_t request,
		uint16_t value, uint16_t index, uint8_t *data, uint16_t len, unsigned timeout_ms)
{
	_cleanup_(libusb_free_transferp) struct libusb_transfer *xfer = libusb_alloc_transfer(0);
	_cleanup_free_ uint8_t *buf = malloc(LIBUSB_CONTROL_SETUP_SIZE + (size_t)len);
	bool in = request_type & LIBUSB_ENDPOINT_IN;
	int r;

	if (!xfer || !buf)
		return -ENOMEM;
	libusb_fill_control_setup(buf, request_type, request, value, index, len);
	if (!in && len)
		memcpy(buf + LIBUSB_CONTROL_SETUP_SIZE, data, len);
	libusb_fill_control_transfer(xfer, h, buf, NULL, NULL, timeout_ms);
	r = run_sync(xfer);
	if (r < 0)
		return r;
	if (xfer->status == LIBUSB_TRANSFER_STALL)
		return -EPIPE;
	r = usb_status_errno(xfer->status);
	if (r < 0 || !in)
		return r;
	memcpy(data, buf + LIBUSB_CONTROL_SETUP_SIZE, (size_t)xfer->actual_length);
	return xfer->actual_length;
}

int usb_bulk_out(struct libusb_device_handle *h, uint8_t endpoint, const uint8_t *data,
		 size_t len, int timeout_ms)
{
	_cleanup_(libusb_free_transferp) struct libusb_transfer *xfer = libusb_alloc_transfer(0);
	int r;

	if (len > INT32_MAX)
		return -EINVAL;
	if (!xfer)
		return -ENOMEM;
	/* libusb only reads an OUT buffer; 0 means no timeout, as for us. */
	libusb_fill_bulk_transfer(xfer, h, endpoint, (unsigned char *)data, (int)len, NULL, NULL,
				  timeout_ms > 0 ? (unsigned)timeout_ms : 0);
	r = run_sync(xfer);
	if (r == 0)
		r = usb_status_errno(xfer->status);
	if (r == 0 && (size_t)xfer->actual_length != len)
		r = -EIO;
	return r;
}

/* --- Identity and strings ---------------------------------------------------------- */

int usb_identity_of(struct libusb_device *dev, struct usb_identity *id)
{
	struct libusb_device_descriptor desc;
	uint8_t ports[7];
	int n, r, len;

	/* Cached at enumeration: no I/O, so hotplug callbacks may call it. */
	r = libusb_get_device_descriptor(dev, &desc);
	if (r < 0)
		return usb_errno(r);
	n = libusb_get_port_numbers(dev, ports, sizeof(ports));
	if (n < 0)
		return usb_errno(n);
	id->vid = desc.idVendor;
	id->pid = desc.idProduct;
	id->bcd_device = desc.bcdDevice;
	id->bus = libusb_get_bus_number(dev);
	id->address = libusb_get_device_address(dev);
	len = snprintf(id->port_path, sizeof(id->port_path), "%u", id->bus);
	for (int i = 0; i < n; i++)
		len += snprintf(id->port_path + len, sizeof(id->port_path) - (size_t)len, "%c%u",
				i ? '.' : '-', ports[i]);
	return 0;
}

/* String descriptor idx in the device's first language, as ASCII ('?' for the rest). */
static int read_string(struct libusb_device_handle *h, uint8_t idx, char *buf, size_t len)
{
	uint8_t d[255];
	uint16_t langid;
	size_t n = 0;
	int r;

	r = usb_control(h, LIBUSB_ENDPOINT_IN, LIBUSB_REQUEST_GET_DESCRIPTOR, LIBUSB_DT_STRING << 8,
			0, d, sizeof(d), CONTROL_TIMEOUT_MS);
	if (r < 4)
		return r < 0 ? r : -EIO;
	langid = (uint16_t)(d[2] | d[3] << 8);
	r = usb_control(h, LIBUSB_ENDPOINT_IN, LIBUSB_REQUEST_GET_DESCRIPTOR,
			(uint16_t)(LIBUSB_DT_STRING << 8 | idx), langid, d, sizeof(d), CONTROL_TIMEOUT_MS);
	if (r < 2)
		return r < 0 ? r : -EIO;
	if (d[1] != LIBUSB_DT_STRING || d[0] > r)
		return -EIO;
	for (int i = 2; i + 1 < d[0] && n + 1 < len; i += 2)
		buf[n++] = d[i + 1] || d[i] & 0x80 ? '?' : (char)d[i];
	buf[n] = '\0';
	return (int)n;
}

int usb_handle_serial(struct libusb_device_handle *h, char *buf, size_t len)
{
	struct libusb_device_descriptor desc;
	int r;

	if (len == 0)
		return -EINVAL;
	r = libusb_get_device_descriptor(libusb_get_device(h), &desc);
	if (r < 0)
		return usb_errno(r);
	if (desc.iSerialNumber == 0) {
		buf[0] = '\0';
		return 0;
	}
	return read_string(h, desc.iSerialNumber, buf, len);
}

static int device_serial(struct libusb_device *dev, char *buf, size_t len)
{
	struct libusb_device_handle *h;
	int r;

	r = libusb_open(dev, &h);
	if (r < 0)
		return usb_errno(r);
	r = usb_handle_serial(h, buf, len);
	libusb_close(h);
	return r;
}

/* --- Discovery ----------------------------------------------------------------------- */

static bool matches(const struct transport_ftdi_match *m, const struct usb_identity *id)
{
	return usb_product_name(id->vid, id->pid) &&
	       (!m->vid || m->vid == id->vid) &&
	       (!m->pid || m->pid == id->pid) &&
	       (!m->port_path || strcmp(m->port_path, id->port_path) == 0);
}

/* 0 when dev matches, -ENOENT when not, -errno when its serial cannot be read. */
static int match_device(const struct transport_ftdi_match *m, struct libusb_device *dev,
			struct usb_identity *id)
{
	char serial[USB_SERIAL_MAX];
	int r;

	r = usb_identity_of(dev, id);
	if (r < 0 || !matches(m, id))
		return -ENOENT;
	if (!m->serial)
		return 0;
	r = device_serial(dev, serial, sizeof(serial));
	if (r < 0)
		return r;
	return strcmp(serial, m->serial) == 0 ? 0 : -ENOENT;
}

int usb_find(const struct transport_ftdi_match *match, struct libusb_device **out,
	     struct usb_identity *id)
{
	libusb_device **list;
	ssize_t n;
	int r = -ENOENT;

	n = libusb_get_device_list(usb_context(), &list);
	if (n < 0)
		return usb_errno((int)n);
	for (ssize_t i = 0; i < n; i++) {
		int m = match_device(match, list[i], id);

		if (m == 0) {
			*out = libusb_ref_device(list[i]);
			r = 0;
			break;
		}
		/* Not yet accessible: better than "no such device" if nothing else matches. */
		if (m == -EACCES)
			r = m;
	}
	libusb_free_device_list(list, 1);
	return r;
}

static int enumerate(struct usb_identity **out)
{
	const struct transport_ftdi_match any = { 0 };
	struct usb_identity *ids;
	libusb_device **list;
	ssize_t n;
	int count = 0;

	n = libusb_get_device_list(usb_context(), &list);
	if (n < 0)
		return usb_errno((int)n);
	ids = calloc((size_t)n + 1, sizeof(*ids));
	if (!ids) {
		libusb_free_device_list(list, 1);
		return -ENOMEM;
	}
	for (ssize_t i = 0; i < n; i++)
		if (usb_identity_of(list[i], &ids[count]) == 0 && matches(&any, &ids[count]))
			count++;
	libusb_free_device_list(list, 1);
	*out = ids;
	return count;
}

int usb_enumerate(struct usb_identity **out)
{
	int r = usb_start();

	if (r < 0)
		return r;
	r = enumerate(out);
	usb_stop();
	return r;
}

static int read_serial(const struct usb_identity *id, char *buf, size_t len)
{
	const struct transport_ftdi_match m = {
		.vid = id->vid,
		.pid = id->pid,
		.port_path = id->port_path,
	};
	_cleanup_(libusb_unref_devicep) libusb_device *dev = NULL;
	struct usb_identity found;
	int r;

	r = usb_find(&m, &dev, &found);
	if (r == -ENOENT || (r == 0 && found.address != id->address))
		return -ENODEV;
	return r < 0 ? r : device_serial(dev, buf, len);
}

int usb_read_serial(const struct usb_identity *id, char *buf, size_t len)
{
	int r = usb_start();

	if (r < 0)
		return r;
	r = read_serial(id, buf, len);
	usb_stop();
	return r;
}

/* --- Hotplug ---------------------------------------------------------------------------- */

struct usb_monitor {
	struct usb_monitor *next;
	uintptr_t id;
	usb_event_fn fn;
	void *user_data;
	libusb_hotplug_callback_handle handle;
};

/*
 * libusb may still be inside a hotplug callback when deregistering
 * returns, so its user_data is a monitor id, looked up under this lock,
 * never a pointer to a monitor that may be gone.
 */
static pthread_mutex_t monitors_lock = PTHREAD_MUTEX_INITIALIZER;
static struct usb_monitor *monitors;
static uintptr_t last_monitor_id;

static int LIBUSB_CALL hotplug_cb(libusb_context *ctx, libusb_device *dev,
				  libusb_hotplug_event event, void *user_data)
{
	bool arrived = event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED;
	struct usb_identity id;

	if (usb_identity_of(dev, &id) < 0 || !usb_product_name(id.vid, id.pid))
		return 0;
	pthread_mutex_lock(&monitors_lock);
	for (struct usb_monitor *m = monitors; m; m = m->next)
		if (m->id == (uintptr_t)user_data)
			m->fn(arrived ? USB_EVENT_ARRIVED : USB_EVENT_LEFT, &id, m->user_data);
	pthread_mutex_unlock(&monitors_lock);
	return 0;
}

static void monitor_unlink(struct usb_monitor *m)
{
	pthread_mutex_lock(&monitors_lock);
	for (struct usb_monitor **p = &monitors; *p; p = &(*p)->next) {
		if (*p == m) {
			*p = m->next;
			break;
		}
	}
	pthread_mutex_unlock(&monitors_lock);
}

static int monitor_register(struct usb_monitor *m, bool report_present)
{
	int r;

	if (!libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG))
		return -EOPNOTSUPP;
	pthread_mutex_lock(&monitors_lock);
	m->id = ++last_monitor_id;
	m->next = monitors;
	monitors = m;
	pthread_mutex_unlock(&monitors_lock);
	/* With ENUMERATE, hotplug_cb runs right here for the present devices. */
	r = libusb_hotplug_register_callback(usb_context(),
					     LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
					     report_present ? LIBUSB_HOTPLUG_ENUMERATE : 0,
					     LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
					     LIBUSB_HOTPLUG_MATCH_ANY, hotplug_cb, (void *)m->id, &m->handle);
	if (r < 0) {
		monitor_unlink(m);
		return usb_errno(r);
	}
	return 0;
}

struct usb_monitor *usb_monitor_new(usb_event_fn fn, void *user_data, bool report_present)
{
	struct usb_monitor *m;
	int r;

	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->fn = fn;
	m->user_data = user_data;
	r = usb_start();
	if (r < 0)
		goto fail;
	r = monitor_register(m, report_present);
	if (r < 0) {
		usb_stop();
		goto fail;
	}
	return m;
fail:
	free(m);
	errno = -r;
	return NULL;
}

struct usb_monitor *usb_monitor_free(struct usb_monitor *m)
{
	if (!m)
		return NULL;
	/* Waits for a callback in progress; none can find m afterwards. */
	monitor_unlink(m);
	libusb_hotplug_deregister_callback(usb_context(), m->handle);
	free(m);
	usb_stop();
	return NULL;
}
