// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The usbfs front-end, held to the kernel's usbfs semantics with raw
 * ioctls: what libusb's Linux backend relies on, without libusb in between.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/usbdevice_fs.h>

#include "../tap.h"
#include "umd.h"
#include "usbfs-emu.h"

#define SETUP_SIZE 8
#define POLL_MS 30
#define SERIAL "UMD00001"
#define CLOSE_NOTICED_NS 1000000000ULL

struct fixture {
	struct emu_chip *chip;
	struct usbfs_bed *bed;
	struct usbfs_dev *dev;
	char devnode[32];
};

static int xioctl(int fd, unsigned long req, void *arg)
{
	int r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

static int open_node(struct fixture *f)
{
	if (usbfs_dev_devnode(f->dev, f->devnode, sizeof(f->devnode)) < 0)
		return -ENODEV;
	return open(f->devnode, O_RDWR | O_CLOEXEC);
}

/* A control URB whose buffer is setup + data, as libusb builds it. */
struct control {
	uint8_t buf[SETUP_SIZE + 64];
	struct usbdevfs_urb urb;
};

static int control_submit(int fd, struct control *c, uint8_t type, uint8_t request,
			  uint16_t value, uint16_t index, uint16_t length)
{
	const uint8_t setup[SETUP_SIZE] = {
		type, request, value & 0xff, value >> 8, index & 0xff, index >> 8,
		length & 0xff, length >> 8,
	};

	memset(c, 0, sizeof(*c));
	memcpy(c->buf, setup, sizeof(setup));
	c->urb.type = USBDEVFS_URB_TYPE_CONTROL;
	c->urb.buffer = c->buf;
	c->urb.buffer_length = SETUP_SIZE + length;
	return xioctl(fd, USBDEVFS_SUBMITURB, &c->urb);
}

static int bulk_submit(int fd, struct usbdevfs_urb *urb, uint8_t ep, uint8_t *buf, int len)
{
	memset(urb, 0, sizeof(*urb));
	urb->type = USBDEVFS_URB_TYPE_BULK;
	urb->endpoint = ep;
	urb->buffer = buf;
	urb->buffer_length = len;
	return xioctl(fd, USBDEVFS_SUBMITURB, urb);
}

/* The reaped URB, or NULL with *err set. */
static struct usbdevfs_urb *reap(int fd, unsigned long req, int *err)
{
	struct usbdevfs_urb *urb = NULL;

	*err = xioctl(fd, req, &urb);
	return *err < 0 ? NULL : urb;
}

static short poll_one(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	return poll(&p, 1, ms) == 1 ? p.revents : 0;
}

static void test_identity(struct fixture *f, int fd)
{
	struct usbdevfs_connectinfo ci = { 0 };
	struct usbdevfs_getdriver gd = { .interface = 0 };
	uint32_t caps = 0;
	int r;

	r = xioctl(fd, USBDEVFS_GET_CAPABILITIES, &caps);
	tap_ok(r == 0 && (caps & USBDEVFS_CAP_REAP_AFTER_DISCONNECT) &&
		       (caps & USBDEVFS_CAP_NO_PACKET_SIZE_LIM),
	       "capabilities offer reaping after disconnect and unlimited bulk URBs (%d, %#x)", r,
	       caps);
	r = xioctl(fd, USBDEVFS_CONNECTINFO, &ci);
	tap_ok(r == 0 && ci.devnum == usbfs_dev_devnum(f->dev) && ci.devnum == 2,
	       "CONNECTINFO gives the device number of %s (%u)", f->devnode, ci.devnum);
	r = xioctl(fd, USBDEVFS_GETDRIVER, &gd);
	tap_ok(r == -ENODATA, "no kernel driver is bound to interface 0 (%d)", r);
}

static void test_control(struct fixture *f, int fd)
{
	uint8_t desc[18];
	struct control c;
	struct usbdevfs_urb *urb;
	int r, err;

	emu_chip_descriptors(f->chip, desc, sizeof(desc));
	r = control_submit(fd, &c, 0x80, 0x06, 0x0100, 0, sizeof(desc));
	urb = reap(fd, USBDEVFS_REAPURBNDELAY, &err);
	tap_ok(r == 0 && urb == &c.urb && c.urb.status == 0 &&
		       c.urb.actual_length == sizeof(desc) &&
		       !memcmp(c.buf + SETUP_SIZE, desc, sizeof(desc)),
	       "GET_DESCRIPTOR(device) is answered with the chip's descriptor (%d %d %d %d)", r,
	       err, c.urb.status, c.urb.actual_length);
	urb = reap(fd, USBDEVFS_REAPURBNDELAY, &err);
	tap_ok(!urb && err == -EAGAIN, "REAPURBNDELAY with nothing to reap: EAGAIN (%d)", err);
	tap_ok(poll_one(fd, POLL_MS) == 0, "poll() reports nothing while nothing can be reaped");
	/* SET_BITMODE MPSSE on interface A (wIndex 1). */
	r = control_submit(fd, &c, 0x40, 0x0b, 0x0200, 1, 0);
	urb = reap(fd, USBDEVFS_REAPURBNDELAY, &err);
	tap_ok(r == 0 && urb && urb->status == 0 && emu_chip_mpsse_enabled(f->chip, 0),
	       "a vendor request reaches the chip (SET_BITMODE MPSSE)");
}

static void test_claims(struct fixture *f, int fd)
{
	struct usbdevfs_getdriver gd = { .interface = 0 };
	unsigned ifno = 0;
	int other = open_node(f);
	uint64_t start;
	int r1, r2, r3;

	r1 = xioctl(other, USBDEVFS_CLAIMINTERFACE, &ifno);
	r2 = xioctl(fd, USBDEVFS_CLAIMINTERFACE, &ifno);
	r3 = xioctl(fd, USBDEVFS_GETDRIVER, &gd);
	tap_ok(r1 == 0 && r2 == -EBUSY && r3 == 0 && !strcmp(gd.driver, "usbfs"),
	       "an interface claimed through one open file is busy for another (%d %d %d)", r1, r2,
	       r3);
	close(other);
	/* umockdev notices the close asynchronously (README.md). */
	start = umd_now_ns();
	while ((r1 = xioctl(fd, USBDEVFS_CLAIMINTERFACE, &ifno)) == -EBUSY &&
	       umd_now_ns() - start < CLOSE_NOTICED_NS)
		usleep(1000);
	tap_ok(r1 == 0, "closing the file releases its claim (%d, after %.1f ms)", r1,
	       (double)(umd_now_ns() - start) / 1e6);
}

/* 81 87 on interface A: the answer is one packet, status bytes first. */
static void test_bulk(struct fixture *f, int fd)
{
	uint8_t cmd[] = { 0x81, 0x87 }, in[512];
	struct usbdevfs_urb out_urb, in_urb, *a, *b;
	int r1, r2, e1, e2;
	short rev;

	r1 = bulk_submit(fd, &in_urb, 0x81, in, sizeof(in));
	r2 = bulk_submit(fd, &out_urb, 0x02, cmd, sizeof(cmd));
	rev = poll_one(fd, 1000);
	a = reap(fd, USBDEVFS_REAPURBNDELAY, &e1);
	b = a ? reap(fd, USBDEVFS_REAPURB, &e2) : NULL;
	tap_ok(r1 == 0 && r2 == 0 && (rev & POLLOUT) && a && b,
	       "bulk OUT and IN complete and poll() wakes for them (%d %d %#x %d)", r1, r2, rev,
	       e1);
	tap_ok(in_urb.status == 0 && in_urb.actual_length == 3 && in[0] == 0x32 && in[1] == 0x60 &&
		       in[2] == (emu_chip_pins(f->chip, 0) & 0xff),
	       "the IN answer is status bytes + the pin byte (%d, %d bytes)", in_urb.status,
	       in_urb.actual_length);
}

static void test_discard(struct fixture *f, int fd)
{
	const struct emu_fault timeout = { .kind = EMU_FAULT_TIMEOUT, .count = 1 };
	struct usbdevfs_urb urb, *reaped;
	uint8_t in[512];
	int r, err;
	short idle, rev;

	emu_chip_inject(f->chip, 0, &timeout);
	r = bulk_submit(fd, &urb, 0x81, in, sizeof(in));
	idle = poll_one(fd, POLL_MS);
	err = xioctl(fd, USBDEVFS_DISCARDURB, &urb);
	rev = poll_one(fd, 0);
	reaped = reap(fd, USBDEVFS_REAPURBNDELAY, &r);
	tap_ok(idle == 0 && err == 0 && (rev & POLLOUT) && reaped == &urb &&
		       urb.status == -ENOENT,
	       "a discarded URB is reapable at once, with -ENOENT (%#x %d %#x %d)", idle, err,
	       rev, urb.status);
	err = xioctl(fd, USBDEVFS_DISCARDURB, &urb);
	tap_ok(err == -EINVAL, "discarding a completed URB: EINVAL (%d)", err);
}

/* A chip that stopped answering leaves a vendor request pending. */
static void test_hung_control(struct fixture *f, int fd)
{
	const struct emu_fault stop = { .kind = EMU_FAULT_STOP_ANSWERING };
	struct control c;
	struct usbdevfs_urb *urb;
	int r, err, e2;

	emu_chip_inject(f->chip, 0, &stop);
	r = control_submit(fd, &c, 0x40, 0x09, 1, 1, 0); /* SET_LATENCY 1 ms */
	urb = reap(fd, USBDEVFS_REAPURBNDELAY, &err);
	e2 = xioctl(fd, USBDEVFS_DISCARDURB, &c.urb);
	emu_chip_clear_faults(f->chip);
	tap_ok(r == 0 && !urb && err == -EAGAIN && e2 == 0 &&
		       reap(fd, USBDEVFS_REAPURBNDELAY, &err) == &c.urb && c.urb.status == -ENOENT,
	       "an unanswered vendor request stays pending until discarded (%d %d %d)", r, err,
	       e2);
}

static void test_unplug(struct fixture *f, int fd)
{
	const struct emu_fault timeout = { .kind = EMU_FAULT_TIMEOUT, .count = 1 };
	struct usbdevfs_urb urb, *reaped;
	uint8_t in[512];
	unsigned ifno = 0;
	char old[32];
	int r, err;
	short rev;

	snprintf(old, sizeof(old), "%s", f->devnode);
	emu_chip_inject(f->chip, 0, &timeout);
	r = bulk_submit(fd, &urb, 0x81, in, sizeof(in));
	err = usbfs_dev_unplug(f->dev);
	rev = poll_one(fd, 1000);
	tap_ok(r == 0 && err == 0 && (rev & (POLLERR | POLLHUP)) == (POLLERR | POLLHUP) &&
		       (rev & POLLOUT),
	       "after unplug poll() reports POLLERR|POLLHUP, and POLLOUT for the killed URB (%#x)",
	       rev);
	reaped = reap(fd, USBDEVFS_REAPURBNDELAY, &err);
	tap_ok(reaped == &urb && urb.status == -ESHUTDOWN,
	       "the URB pending at unplug is reaped with -ESHUTDOWN (%d %d)", err, urb.status);
	reaped = reap(fd, USBDEVFS_REAPURBNDELAY, &err);
	tap_ok(!reaped && err == -ENODEV, "then reaping fails with ENODEV (%d)", err);
	r = xioctl(fd, USBDEVFS_CLAIMINTERFACE, &ifno);
	err = bulk_submit(fd, &urb, 0x81, in, sizeof(in));
	tap_ok(r == -ENODEV && err == -ENODEV, "other ioctls fail with ENODEV (%d %d)", r, err);
	r = open(old, O_RDWR | O_CLOEXEC);
	err = errno;
	tap_ok(r < 0 && err == ENOENT && usbfs_dev_devnum(f->dev) == 0,
	       "the device node is gone (%d %d)", r, err);
	if (r >= 0)
		close(r);
}

static void test_replug(struct fixture *f)
{
	struct usbdevfs_connectinfo ci = { 0 };
	struct control c;
	int r, err, fd;

	r = usbfs_dev_replug(f->dev);
	fd = open_node(f);
	err = xioctl(fd, USBDEVFS_CONNECTINFO, &ci);
	tap_ok(r == 0 && fd >= 0 && err == 0 && ci.devnum == 3 &&
		       !strcmp(f->devnode, "/dev/bus/usb/001/003"),
	       "replug: a new device node with the next device number (%s, %u)", f->devnode,
	       ci.devnum);
	r = control_submit(fd, &c, 0x80, 0x06, 0x0100, 0, 18);
	tap_ok(r == 0 && reap(fd, USBDEVFS_REAPURBNDELAY, &err) == &c.urb && c.urb.status == 0 &&
		       c.urb.actual_length == 18,
	       "the replugged device answers (%d %d)", r, c.urb.status);
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	struct fixture f = { 0 };
	int fd;

	umd_init(argv);
	tap_plan(22);
	f.chip = umd_chip(EMU_FT232H, SERIAL);
	f.bed = usbfs_bed_new();
	f.dev = f.bed ? usbfs_bed_plug(f.bed, f.chip, "1-2") : NULL;
	if (!f.dev)
		tap_bail("cannot plug the emulated chip: %s", strerror(errno));
	fd = open_node(&f);
	tap_ok(fd >= 0, "%s opens", f.devnode);
	if (fd < 0)
		tap_bail("cannot open %s: %s", f.devnode, strerror(errno));

	test_identity(&f, fd);
	test_control(&f, fd);
	test_claims(&f, fd);
	test_bulk(&f, fd);
	test_discard(&f, fd);
	test_hung_control(&f, fd);
	test_unplug(&f, fd);
	close(fd);
	test_replug(&f);

	usbfs_bed_free(f.bed);
	emu_chip_free(f.chip);
	return tap_done();
}
