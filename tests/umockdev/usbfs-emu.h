/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The emulator as Linux usbfs devices: a umockdev testbed in which each
 * emulated chip (src/emu) appears as /sys/bus/usb/devices/B-P and
 * /dev/bus/usb/BBB/DDD, so the real libusb and libftdi1 find, open and
 * drive it. The sysfs records come from the chip's identity and
 * descriptors; an ioctl handler answers usbfs requests with the kernel's
 * semantics (URBs per open file, -ENOENT for a discarded URB, -ESHUTDOWN
 * for URBs pending at unplug, ENODEV for everything but reaping after
 * it); uevents announce plugging; poll-watch.h makes poll() behave.
 *
 * The bed follows each chip's plug state (it owns the chip's listener):
 * emu_chip_unplug(), emu_chip_replug() and unplug faults remove the device
 * ("remove" uevent) or add it back under a new device number ("add").
 *
 * Order of use (libusb reads sysfs and binds its uevent socket in
 * libusb_init(), so the testbed must exist first):
 *	bed = usbfs_bed_new();		before any libusb_init()/ftdi_new()
 *	dev = usbfs_bed_plug(bed, chip, "1-2");
 *	... libusb, libftdi1, the transport ...
 *	libusb_exit()/ftdi_free()	every context, before the bed
 *	usbfs_bed_free(bed);		no plug change may still be in flight
 *	emu_chip_free(chip);
 * The program must run under umockdev's preload (umd_init() in umd.h).
 *
 * Threads and locks: the ioctl handler runs on umockdev's worker thread
 * (one for the whole testbed), URB completions and plug changes on the
 * emulator's bus thread (its listener). One bed mutex covers the testbed
 * and the device list; each plugged instance of a device has its own mutex
 * for its URBs and claims (taken inside the bed mutex, never around a call
 * into the emulator). The functions below are for one test thread.
 */
#ifndef MPSSED_TESTS_UMOCKDEV_USBFS_EMU_H
#define MPSSED_TESTS_UMOCKDEV_USBFS_EMU_H

#include <stddef.h>

struct emu_chip;
struct usbfs_bed;
struct usbfs_dev;

/* Creates the testbed and sets $UMOCKDEV_DIR; NULL on failure. */
struct usbfs_bed *usbfs_bed_new(void);
/* Accepts NULL; always returns NULL. Leaves the chips alone. */
struct usbfs_bed *usbfs_bed_free(struct usbfs_bed *bed);

/*
 * Connect chip at port "<bus>-<port>" (e.g. "1-2"; one level, no hubs).
 * The chip must outlive the bed. NULL with errno set on failure. The
 * device is owned by the bed.
 */
struct usbfs_dev *usbfs_bed_plug(struct usbfs_bed *bed, struct emu_chip *chip, const char *port);

/*
 * Unplug/replug the chip and wait (bounded) until the usbfs side has
 * followed: 0, or -ETIMEDOUT, or the emulator's error.
 */
int usbfs_dev_unplug(struct usbfs_dev *dev);
int usbfs_dev_replug(struct usbfs_dev *dev);

/* The current device number, 0 while unplugged. */
unsigned usbfs_dev_devnum(struct usbfs_dev *dev);
/* "/dev/bus/usb/BBB/DDD" of the current instance; -ENODEV while unplugged. */
int usbfs_dev_devnode(struct usbfs_dev *dev, char *buf, size_t len);

#endif
