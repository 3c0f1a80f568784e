// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The transport's ftdi backend and USB discovery through the real libusb
 * and libftdi1: finding devices by serial or port path (with a blank-serial
 * twin present), the attach sequence and GPIO, -EBUSY for an interface
 * already held, -ENODEV for reads in flight and every call after an
 * unplug, and the monitor's ARRIVED/LEFT reports across unplug and replug.
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
#define IO_MS 1000
#define EVENTS_MAX 16
#define PACKET 512

/* Filled on the libusb event thread, read by the test thread. */
struct recorder {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned n;
	enum usb_event event[EVENTS_MAX];
	struct usb_identity id[EVENTS_MAX];
	int status;		/* of the last read; 1 while none completed */
};

static struct recorder rec = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.status = 1,
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

static void on_read(struct transport_read *rd)
{
	pthread_mutex_lock(&rec.lock);
	rec.status = rd->status;
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

static int wait_read(void)
{
	struct timespec deadline;
	int status;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&rec.lock);
	while (rec.status == 1 && !pthread_cond_timedwait(&rec.cond, &rec.lock, &deadline))
		;
	status = rec.status;
	pthread_mutex_unlock(&rec.lock);
	return status;
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

/* Raw IN data starts with the two modem status bytes. */
static int query(struct transport *t, const uint8_t *cmd, size_t n, uint8_t *in)
{
	int r = transport_write(t, cmd, n, IO_MS);

	return r < 0 ? r : transport_read_raw(t, in, PACKET, IO_MS);
}

static int attach(struct transport *t)
{
	static const uint8_t sync[] = { 0xaa, 0x87 };
	uint8_t in[PACKET];
	int r;

	r = transport_reset(t);
	if (r == 0)
		r = transport_purge(t);
	if (r == 0)
		r = transport_set_latency(t, 1);
	if (r == 0)
		r = transport_set_bitmode(t, 0, 0x00);
	if (r == 0)
		r = transport_set_bitmode(t, 0, 0x02);
	if (r == 0)
		r = query(t, sync, sizeof(sync), in);
	if (r < 0)
		return r;
	return r == 4 && in[2] == 0xfa && in[3] == 0xaa ? 0 : -EPROTO;
}

static void test_gpio(struct emu_chip *chip)
{
	static const uint8_t cmd[] = { 0x80, 0x05, 0x0f, 0x82, 0x30, 0xf0, 0x81, 0x83, 0x87 };
	const struct transport_ftdi_match m = { .vid = 0x0403, .pid = 0x6014, .serial = "TR232H" };
	struct transport *t, *again;
	uint8_t in[PACKET] = { 0 };
	int r, r2 = -1, n = -1;

	t = open_match(&m, 0, &r);
	if (t)
		r = attach(t);
	tap_ok(r == 0 && emu_chip_mpsse_enabled(chip, 0),
	       "attach: reset, purge, latency, bitmode reset + MPSSE, AA 87 -> FA AA (%d)", r);
	emu_chip_set_input(chip, 0, 6, true);
	emu_chip_set_input(chip, 0, 9, true);
	if (r == 0)
		n = query(t, cmd, sizeof(cmd), in);
	tap_ok(n == 4 && in[0] == 0x32 && in[1] == 0x60 && in[2] == 0x45 && in[3] == 0x32 &&
		       emu_chip_directions(chip, 0) == 0xf00f,
	       "80/82 then 81 83 87: 32 60 %02x %02x (%d)", in[2], in[3], n);
	again = open_match(&m, 0, &r2);
	tap_ok(!again && r2 == -EBUSY, "a second open of the held interface: -EBUSY (%d)", r2);
	transport_close(again);
	transport_close(t);
}

static void test_unplug(struct emu_chip *chip, struct usbfs_dev *dev)
{
	const struct transport_ftdi_match m = { .serial = "TR2232H" };
	const struct emu_fault hang = { .kind = EMU_FAULT_TIMEOUT, .count = 1 };
	static const uint8_t cmd[] = { 0x81, 0x87 };
	uint8_t buf[PACKET], pins;
	struct transport_read rd = { .buf = buf, .len = sizeof(buf), .cb = on_read };
	struct transport *a, *b;
	int ra, rb, r, w, p;

	a = open_match(&m, 0, &ra);
	b = open_match(&m, 1, &rb);
	tap_ok(a && b && a->interface == 0 && b->interface == 1,
	       "both interfaces of one FT2232H open side by side (%d %d)", ra, rb);
	if (!a)
		tap_bail("cannot open the FT2232H: %d", ra);
	emu_chip_inject(chip, 0, &hang);
	r = transport_submit_read(a, &rd);
	usbfs_dev_unplug(dev);
	r = r < 0 ? r : wait_read();
	tap_ok(r == -ENODEV, "unplugged under a read in flight: it ends with -ENODEV (%d)", r);
	w = transport_write(a, cmd, sizeof(cmd), IO_MS);
	p = transport_read_pins(a, &pins);
	r = transport_read_raw(a, buf, sizeof(buf), IO_MS);
	tap_ok(w == -ENODEV && p == -ENODEV && r == -ENODEV,
	       "then write, read_pins and reads fail with -ENODEV (%d %d %d)", w, p, r);
	transport_close(a);
	transport_close(b);
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
	struct usbfs_dev *dual;
	struct usbfs_bed *bed;

	umd_init(argv);
	tap_plan(14);
	ft232h = umd_chip(EMU_FT232H, "TR232H");
	blank = umd_chip(EMU_FT232H, "");
	ft2232h = umd_chip(EMU_FT2232H, "TR2232H");
	sealevel = umd_chip(EMU_SEALEVEL, "TRSEAL");
	bed = usbfs_bed_new();
	if (!bed)
		tap_bail("cannot create the testbed");
	plug(bed, ft232h, "1-1");
	plug(bed, blank, "1-2");
	dual = plug(bed, ft2232h, "1-3");
	/* The shared libusb context must come after the testbed (README.md). */
	if (usb_start() < 0)
		tap_bail("usb_start failed");

	test_discovery();
	test_select();
	test_gpio(ft232h);
	test_unplug(ft2232h, dual);
	test_monitor(bed, sealevel);

	usb_stop();
	usbfs_bed_free(bed);
	emu_chip_free(ft232h);
	emu_chip_free(blank);
	emu_chip_free(ft2232h);
	emu_chip_free(sealevel);
	return tap_done();
}
