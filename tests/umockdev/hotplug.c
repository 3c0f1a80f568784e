// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Plugging through the real libusb: hotplug ARRIVED and LEFT callbacks,
 * the cable pulled while a bulk IN is in flight (the transfer ends with
 * LIBUSB_TRANSFER_NO_DEVICE, later calls fail with LIBUSB_ERROR_NO_DEVICE,
 * for libftdi1 too), the replugged chip under a new address, and unplugs
 * injected by the emulator itself.
 */
#include <errno.h>
#include <ftdi.h>
#include <libusb.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../tap.h"
#include "umd.h"
#include "usbfs-emu.h"

#define VID 0x0403
#define PID 0x6014
#define SERIAL "HP232H"
#define WAIT_MS 5000
#define IDLE_MS 300

struct events {
	int arrived, left;
	uint8_t address;	/* of the last event */
};

struct read {
	struct libusb_transfer *xfer;
	uint8_t buf[512];
	int done;
};

/* libusb's event thread is ours (umd_pump): no locking needed. */
static int on_hotplug(libusb_context *ctx, libusb_device *dev, libusb_hotplug_event event,
		      void *user_data)
{
	struct events *ev = user_data;

	ev->address = libusb_get_device_address(dev);
	if (event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED)
		ev->arrived++;
	else
		ev->left++;
	return 0;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void on_read(struct libusb_transfer *xfer)
{
	struct read *rd = xfer->user_data;

	rd->done = 1;
}

static int read_submit(struct read *rd, libusb_device_handle *h)
{
	rd->done = 0;
	rd->xfer = libusb_alloc_transfer(0);
	if (!rd->xfer)
		return LIBUSB_ERROR_NO_MEM;
	libusb_fill_bulk_transfer(rd->xfer, h, 0x81, rd->buf, sizeof(rd->buf), on_read, rd, 0);
	return libusb_submit_transfer(rd->xfer);
}

static libusb_device_handle *open_address(libusb_context *ctx, uint8_t address)
{
	libusb_device_handle *h = NULL;
	libusb_device **list;
	ssize_t n = libusb_get_device_list(ctx, &list);

	for (ssize_t i = 0; i < n; i++) {
		if (libusb_get_device_address(list[i]) == address && libusb_open(list[i], &h) < 0)
			h = NULL;
	}
	if (n >= 0)
		libusb_free_device_list(list, 1);
	return h;
}

/* Claim interface A and turn MPSSE on, as the transport would. */
static libusb_device_handle *open_mpsse(libusb_context *ctx, uint8_t address)
{
	libusb_device_handle *h = open_address(ctx, address);

	if (!h)
		return NULL;
	if (libusb_claim_interface(h, 0) < 0 ||
	    libusb_control_transfer(h, 0x40, 0x0b, 0x0200, 1, NULL, 0, 1000) < 0) {
		libusb_close(h);
		return NULL;
	}
	return h;
}

static void test_arrival(libusb_context *ctx, struct events *ev, struct usbfs_dev *dev)
{
	bool arrived = umd_pump(ctx, &ev->arrived, WAIT_MS);

	tap_ok(arrived && ev->address == usbfs_dev_devnum(dev),
	       "plugging in: hotplug ARRIVED for address %u", ev->address);
}

static void test_unplug_in_flight(libusb_context *ctx, struct events *ev, struct emu_chip *chip,
				  struct usbfs_dev *dev)
{
	const struct emu_fault hang = { .kind = EMU_FAULT_TIMEOUT, .count = 1 };
	libusb_device_handle *h = open_mpsse(ctx, ev->address);
	uint8_t cmd[] = { 0x81, 0x87 };
	struct read rd = { 0 };
	int r, sent = 0;
	uint64_t cpu;

	emu_chip_inject(chip, 0, &hang);
	r = h ? read_submit(&rd, h) : LIBUSB_ERROR_NO_DEVICE;
	cpu = cpu_ns();
	umd_pump(ctx, &rd.done, IDLE_MS);
	cpu = cpu_ns() - cpu;
	/* A usbfs node that poll() always reports ready makes libusb spin. */
	tap_ok(r == 0 && !rd.done && cpu < IDLE_MS * 1000000ULL / 5,
	       "a bulk IN is in flight, and waiting for it %u ms costs %.1f ms of CPU", IDLE_MS,
	       (double)cpu / 1e6);
	ev->left = 0;
	usbfs_dev_unplug(dev);
	umd_pump(ctx, &rd.done, WAIT_MS);
	tap_ok(rd.done && rd.xfer->status == LIBUSB_TRANSFER_NO_DEVICE,
	       "unplugged: the in-flight transfer ends with LIBUSB_TRANSFER_NO_DEVICE (%d)",
	       rd.done ? (int)rd.xfer->status : -1);
	tap_ok(umd_pump(ctx, &ev->left, WAIT_MS), "hotplug LEFT follows");
	if (h) {
		int out = libusb_bulk_transfer(h, 0x02, cmd, sizeof(cmd), &sent, 1000);
		int ctl = libusb_control_transfer(h, 0x40, 0x09, 1, 1, NULL, 0, 1000);
		int rel = libusb_release_interface(h, 0);

		tap_ok(out == LIBUSB_ERROR_NO_DEVICE && ctl == LIBUSB_ERROR_NO_DEVICE &&
			       rel == LIBUSB_ERROR_NO_DEVICE,
		       "later calls fail with LIBUSB_ERROR_NO_DEVICE (%d %d %d)", out, ctl, rel);
		libusb_close(h);
	} else {
		tap_ok(false, "later calls fail with LIBUSB_ERROR_NO_DEVICE (not opened)");
	}
	libusb_free_transfer(rd.xfer);
}

static void test_replug(libusb_context *ctx, struct events *ev, struct usbfs_dev *dev)
{
	struct libusb_device_descriptor desc;
	unsigned char serial[32] = "";
	libusb_device_handle *h;
	uint8_t old = ev->address;

	ev->arrived = 0;
	usbfs_dev_replug(dev);
	umd_pump(ctx, &ev->arrived, WAIT_MS);
	h = ev->arrived ? open_address(ctx, ev->address) : NULL;
	if (h && libusb_get_device_descriptor(libusb_get_device(h), &desc) == 0)
		libusb_get_string_descriptor_ascii(h, desc.iSerialNumber, serial, sizeof(serial));
	tap_ok(h && ev->address != old && ev->address == usbfs_dev_devnum(dev) &&
		       !strcmp((char *)serial, SERIAL),
	       "replugged: ARRIVED under a new address (%u, was %u) and it answers", ev->address,
	       old);
	libusb_close(h);
}

/* The emulator pulls the cable when a transfer is submitted. */
static void test_fault_unplug(libusb_context *ctx, struct events *ev, struct emu_chip *chip)
{
	const struct emu_fault at_xfer = { .kind = EMU_FAULT_UNPLUG_AT_XFER, .at = 1 };
	libusb_device_handle *h = open_mpsse(ctx, ev->address);
	struct read rd = { 0 };
	int r;

	ev->left = 0;
	emu_chip_inject(chip, 0, &at_xfer);
	r = h ? read_submit(&rd, h) : LIBUSB_ERROR_NO_DEVICE;
	umd_pump(ctx, &rd.done, WAIT_MS);
	umd_pump(ctx, &ev->left, WAIT_MS);
	tap_ok(r == 0 && rd.done && rd.xfer->status == LIBUSB_TRANSFER_NO_DEVICE && ev->left,
	       "unplug injected at a transfer: NO_DEVICE and LEFT (%d %d %d)", r,
	       rd.done ? (int)rd.xfer->status : -1, ev->left);
	libusb_close(h);
	libusb_free_transfer(rd.xfer);
}

/* libftdi1 on the same path: its calls fail once the chip is gone. */
static void test_ftdi_unplug(libusb_context *ctx, struct events *ev, struct usbfs_dev *dev)
{
	static const uint8_t cmd[] = { 0x81, 0x87 };
	struct ftdi_context *ftdi;
	uint8_t buf[8];
	int w, r, pins = 0;

	usbfs_dev_replug(dev);
	ftdi = umd_ftdi_open(VID, PID, SERIAL, 0);
	if (!ftdi || umd_ftdi_mpsse(ftdi) < 0)
		tap_bail("libftdi1 cannot open the replugged chip");
	usbfs_dev_unplug(dev);
	w = ftdi_write_data(ftdi, cmd, sizeof(cmd));
	r = ftdi_read_data(ftdi, buf, sizeof(buf));
	tap_ok(w < 0 && r == LIBUSB_ERROR_NO_DEVICE && ftdi_read_pins(ftdi, (uint8_t *)&pins) < 0,
	       "libftdi1 after unplug: write %d, read %d (LIBUSB_ERROR_NO_DEVICE), read_pins fails",
	       w, r);
	ftdi_usb_close(ftdi);
	ftdi_free(ftdi);
}

int main(int argc, char **argv)
{
	libusb_hotplug_callback_handle cb;
	struct events ev = { 0 };
	libusb_context *ctx = NULL;
	struct usbfs_bed *bed;
	struct usbfs_dev *dev;
	struct emu_chip *chip;

	umd_init(argv);
	tap_plan(8);
	chip = umd_chip(EMU_FT232H, SERIAL);
	/* The testbed must exist before libusb_init() (README.md). */
	bed = usbfs_bed_new();
	if (!bed || libusb_init(&ctx) < 0)
		tap_bail("cannot set up the testbed and libusb");
	if (libusb_hotplug_register_callback(ctx,
					     LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED |
						     LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
					     0, VID, PID, LIBUSB_HOTPLUG_MATCH_ANY, on_hotplug, &ev,
					     &cb) < 0)
		tap_bail("no hotplug support in libusb");
	dev = usbfs_bed_plug(bed, chip, "1-2");
	if (!dev)
		tap_bail("cannot plug: %s", strerror(errno));

	test_arrival(ctx, &ev, dev);
	test_unplug_in_flight(ctx, &ev, chip, dev);
	test_replug(ctx, &ev, dev);
	test_fault_unplug(ctx, &ev, chip);
	test_ftdi_unplug(ctx, &ev, dev);

	libusb_hotplug_deregister_callback(ctx, cb);
	libusb_exit(ctx);
	usbfs_bed_free(bed);
	emu_chip_free(chip);
	return tap_done();
}
