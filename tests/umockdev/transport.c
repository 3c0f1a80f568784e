// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The transport's ftdi backend and USB discovery through the real libusb
 * and libftdi1: finding devices by serial or port path (with a blank-serial
 * twin present), -EBUSY for an interface already held, and the monitor's
 * ARRIVED/LEFT reports across unplug and replug. Attach, GPIO, faults and
 * unplug of the transport itself: tests/conformance.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../tap.h"
#include "common/macros.h"
#include "transport/transport.h"
#include "transport/usb.h"
#include "umd.h"
#include "usbfs-emu.h"

#define WAIT_MS 5000
#define EVENTS_MAX 16
#define PACKET 512

/* Filled on the libusb event thread, read by the test thread. */
struct recorder {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned n;
	enum usb_event event[EVENTS_MAX];
	struct usb_identity id[EVENTS_MAX];
};

static struct recorder rec = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static void on_usb_event(enum usb_event event, const struct usb_identity *id, void *user_data)
{
	pthread_mutex_lock(&rec.lock);
	if (rec.n < EVENTS_MAX) {
		rec.event[rec.n] = event;
		rec.id[rec.n] = *id;
		rec.n++;
	}
	pthread_cond_broadcast(&rec.cond);
	pthread_mutex_unlock(&rec.lock);
}

/* Waits for an event of that kind at port; its index, or -1. */
static int wait_event(unsigned from, enum usb_event event, const char *port)
{
	struct timespec deadline;
	int found = -1;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&rec.lock);
	for (;;) {
		for (unsigned i = from; i < rec.n && found < 0; i++) {
			if (rec.event[i] == event && !strcmp(rec.id[i].port_path, port))
				found = (int)i;
		}
		if (found >= 0 || pthread_cond_timedwait(&rec.cond, &rec.lock, &deadline))
			break;
	}
	pthread_mutex_unlock(&rec.lock);
	return found;
}

static unsigned events_seen(void)
{
	unsigned n;

	pthread_mutex_lock(&rec.lock);
	n = rec.n;
	pthread_mutex_unlock(&rec.lock);
	return n;
}

static struct transport *open_match(const struct transport_ftdi_match *m, unsigned intf, int *r)
{
	struct transport *t = NULL;

	*r = transport_ftdi_open(m, intf, &t);
	return *r == 0 ? t : NULL;
}

static void test_discovery(void)
{
	struct usb_identity *ids = NULL;
	char serial[USB_SERIAL_MAX] = "?", blank[USB_SERIAL_MAX] = "?";
	int n = usb_enumerate(&ids), rs = -1, rb = -1;

	for (int i = 0; i < n; i++) {
		if (!strcmp(ids[i].port_path, "1-1"))
			rs = usb_read_serial(&ids[i], serial, sizeof(serial));
		if (!strcmp(ids[i].port_path, "1-2"))
			rb = usb_read_serial(&ids[i], blank, sizeof(blank));
	}
	tap_ok(n == 3, "usb_enumerate lists the three emulated devices (%d)", n);
	tap_ok(rs == 6 && !strcmp(serial, "TR232H") && rb == 0 && !*blank,
	       "usb_read_serial: \"%s\" (%d) and a blank one (%d)", serial, rs, rb);
	free(ids);
}

static void test_select(void)
{
	const struct transport_ftdi_match by_serial = { .serial = "TR232H" };
	const struct transport_ftdi_match by_port = { .port_path = "1-2" };
	const struct transport_ftdi_match nothing = { .serial = "NOPE" };
	struct transport *t;
	int r;

	t = open_match(&by_serial, 0, &r);
	tap_ok(t && strstr(t->description, " 1-1 ") && strstr(t->description, "serial=TR232H") &&
		       t->packet_size == PACKET,
	       "by serial, next to a blank-serial twin: \"%s\" (%d)", t ? t->description : "",
	       r);
	transport_close(t);
	t = open_match(&by_port, 0, &r);
	tap_ok(t && strstr(t->description, " 1-2 "), "by port path, blank serial: \"%s\" (%d)",
	       t ? t->description : "", r);
	transport_close(t);
	t = open_match(&nothing, 0, &r);
	tap_ok(!t && r == -ENOENT, "no match: -ENOENT (%d)", r);
	transport_close(t);
}

static void test_busy(void)
{
	const struct transport_ftdi_match m = { .vid = 0x0403, .pid = 0x6014, .serial = "TR232H" };
	struct transport *t, *again;
	int r, r2 = -1;

	t = open_match(&m, 0, &r);
	again = open_match(&m, 0, &r2);
	tap_ok(t && !again && r2 == -EBUSY, "a second open of a held interface: -EBUSY (%d %d)", r,
	       r2);
	transport_close(again);
	transport_close(t);
}

static void test_monitor(struct usbfs_bed *bed, struct emu_chip *chip)
{
	struct usb_monitor *m = usb_monitor_new(on_usb_event, NULL, true);
	struct usbfs_dev *dev;
	unsigned from = events_seen();
	int arrived, left, back;

	tap_ok(m && wait_event(0, USB_EVENT_ARRIVED, "1-1") >= 0,
	       "the monitor reports devices already present");
	dev = usbfs_bed_plug(bed, chip, "1-4");
	arrived = wait_event(from, USB_EVENT_ARRIVED, "1-4");
	tap_ok(dev && arrived >= 0 && rec.id[arrived].vid == 0x0c52 && rec.id[arrived].pid == 0xa064,
	       "a Sealevel board plugged in at 1-4: ARRIVED");
	usbfs_dev_unplug(dev);
	left = wait_event(from, USB_EVENT_LEFT, "1-4");
	usbfs_dev_replug(dev);
	back = arrived >= 0 ? wait_event((unsigned)arrived + 1, USB_EVENT_ARRIVED, "1-4") : -1;
	tap_ok(left >= 0 && back > left && rec.id[back].address != rec.id[arrived].address,
	       "unplug: LEFT; replug: ARRIVED at a new address (%d %d)", left, back);
	usb_monitor_free(m);
}

static struct usbfs_dev *plug(struct usbfs_bed *bed, struct emu_chip *chip, const char *port)
{
	struct usbfs_dev *dev = usbfs_bed_plug(bed, chip, port);

	if (!dev)
		tap_bail("cannot plug at %s: %s", port, strerror(errno));
	return dev;
}

int main(int argc, char **argv)
{
	struct emu_chip *ft232h, *blank, *ft2232h, *sealevel;
	struct usbfs_bed *bed;

	umd_init(argv);
	tap_plan(9);
	ft232h = umd_chip(EMU_FT232H, "TR232H");
	blank = umd_chip(EMU_FT232H, "");
	ft2232h = umd_chip(EMU_FT2232H, "TR2232H");
	sealevel = umd_chip(EMU_SEALEVEL, "TRSEAL");
	bed = usbfs_bed_new();
	if (!bed)
		tap_bail("cannot create the testbed");
	plug(bed, ft232h, "1-1");
	plug(bed, blank, "1-2");
	plug(bed, ft2232h, "1-3");
	/* The shared libusb context must come after the testbed (README.md). */
	if (usb_start() < 0)
		tap_bail("usb_start failed");

	test_discovery();
	test_select();
	test_busy();
	test_monitor(bed, sealevel);

	usb_stop();
	usbfs_bed_free(bed);
	emu_chip_free(ft232h);
	emu_chip_free(blank);
	emu_chip_free(ft2232h);
	emu_chip_free(sealevel);
	return tap_done();
}
