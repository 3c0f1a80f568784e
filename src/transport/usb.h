/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * USB host side of the ftdi backend: the one process-wide libusb context
 * and its event thread, discovery of the supported FTDI devices, their
 * serial numbers, and hotplug notifications. libusb stays behind this
 * header: callers see plain identities.
 *
 * Lifetime: usb_start() takes a reference on the shared context (the first
 * one creates it and starts the event thread), usb_stop() drops it (the
 * last one stops the thread and frees the context). Every ftdi transport
 * and every monitor holds its own reference, so the context outlives them;
 * a daemon or a test holds one more to keep it across opens. Under
 * umockdev the first usb_start() must come after the testbed exists: libusb
 * scans the (emulated) /sys and /dev when the context is created.
 *
 * Threads and locks: every function may be called from any thread except
 * the event thread itself. The event thread runs all libusb transfer
 * callbacks and hotplug callbacks; it starts with every signal blocked and
 * is registered with liburcu, so callbacks may take RCU read locks. A
 * static mutex guards the reference count; another serializes the monitor
 * callbacks (see usb_monitor_new()).
 *
 * Errors: -errno; -EACCES when a device node is not accessible (udev may
 * not have applied its rules yet: retry later), -ENODEV when the device is
 * gone.
 */
#ifndef MPSSED_TRANSPORT_USB_H
#define MPSSED_TRANSPORT_USB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "<bus>-<port>[.<port>...]" with up to 7 ports of up to 3 digits each. */
#define USB_PORT_PATH_MAX 32
/* A USB string descriptor holds at most 126 characters. */
#define USB_SERIAL_MAX 128

struct usb_identity {
	uint16_t vid, pid, bcd_device;
	uint8_t bus, address;
	char port_path[USB_PORT_PATH_MAX];	/* as in sysfs: "1-2.3" */
};

int usb_start(void);
void usb_stop(void);

/* "FT232H", "FT2232H", ... for a supported VID:PID; NULL for anything else. */
const char *usb_product_name(uint16_t vid, uint16_t pid);

/*
 * The supported devices present now: *out is a malloc()ed array the caller
 * frees. Returns their number. Needs no I/O and opens nothing.
 */
int usb_enumerate(struct usb_identity **out);

/*
 * Read the serial number of a present device (opens it briefly: one or two
 * control transfers). Returns its length ("" and 0 when the device has
 * none); -ENODEV when no device with that bus, address and port path is
 * present any more, -EACCES when it cannot be opened yet.
 */
int usb_read_serial(const struct usb_identity *id, char *buf, size_t len);

enum usb_event {
	USB_EVENT_ARRIVED = 1,
	USB_EVENT_LEFT,
};

/*
 * Runs on the event thread (or, for devices already present when
 * report_present is set, on the thread inside usb_monitor_new()), with the
 * monitor lock held. It must not block, do USB I/O, or call any function
 * of this header: copy the identity, queue it for a worker, wake the
 * worker. The same device may be reported ARRIVED twice (present at
 * registration and arriving meanwhile).
 */
typedef void (*usb_event_fn)(enum usb_event event, const struct usb_identity *id, void *user_data);

struct usb_monitor;

/*
 * Report supported devices arriving and leaving; with report_present,
 * first report those already present as ARRIVED. Returns NULL and sets
 * errno on failure (EOPNOTSUPP: libusb without hotplug).
 */
struct usb_monitor *usb_monitor_new(usb_event_fn fn, void *user_data, bool report_present);
/* After it returns, fn is not running and never runs again. Accepts NULL. */
struct usb_monitor *usb_monitor_free(struct usb_monitor *m);

#endif
