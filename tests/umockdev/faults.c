// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The emulator's faults as the real libusb sees them: a bulk IN that
 * never completes (LIBUSB_ERROR_TIMEOUT, then the chip works on), status
 * bytes without the data, short packets, stale bytes ahead of the answer,
 * garbage instead of it, and a chip that stops answering vendor requests.
 */
#include <libusb.h>
#include <stdio.h>
#include <string.h>

#include "../tap.h"
#include "umd.h"
#include "usbfs-emu.h"

#define PACKET 512
#define IO_MS 1000
#define SHORT_MS 100
#define PINS 0x45 /* ADBUS0 and 2 driven by us, ADBUS6 from outside */

struct fixture {
	struct emu_chip *chip;
	libusb_device_handle *h;
};

static const uint8_t read_low[] = { 0x81, 0x87 };

static int vendor(libusb_device_handle *h, uint8_t request, uint16_t value, unsigned ms)
{
	return libusb_control_transfer(h, 0x40, request, value, 1, NULL, 0, ms);
}

/* One bulk IN of a whole packet; the raw byte count or a libusb error. */
static int read_packet(libusb_device_handle *h, uint8_t *buf, unsigned ms)
{
	int got = 0, r = libusb_bulk_transfer(h, 0x81, buf, PACKET, &got, ms);

	return r < 0 ? r : got;
}

static int query(struct fixture *f, const uint8_t *cmd, int n, uint8_t *buf)
{
	int sent = 0, r = libusb_bulk_transfer(f->h, 0x02, (uint8_t *)cmd, n, &sent, IO_MS);

	return r < 0 ? r : read_packet(f->h, buf, IO_MS);
}

static bool answer_is(const uint8_t *buf, int n, const uint8_t *data, int len)
{
	return n == 2 + len && buf[0] == 0x32 && buf[1] == 0x60 && !memcmp(buf + 2, data, len);
}

static int inject(struct fixture *f, enum emu_fault_kind kind, unsigned count,
		  const uint8_t *bytes, size_t n)
{
	const struct emu_fault fault = { .kind = kind, .count = count, .bytes = bytes, .n_bytes = n };

	return emu_chip_inject(f->chip, 0, &fault);
}

static void test_timeout(struct fixture *f)
{
	uint8_t buf[PACKET];
	int r, n;

	inject(f, EMU_FAULT_TIMEOUT, 1, NULL, 0);
	r = read_packet(f->h, buf, SHORT_MS);
	n = query(f, read_low, sizeof(read_low), buf);
	tap_ok(r == LIBUSB_ERROR_TIMEOUT && answer_is(buf, n, (uint8_t[]){ PINS }, 1),
	       "an IN that never completes times out, and the next query works (%d %d)", r, n);
}

static void test_status_only(struct fixture *f)
{
	uint8_t buf[PACKET];
	int first, second;

	inject(f, EMU_FAULT_STATUS_ONLY, 1, NULL, 0);
	first = query(f, read_low, sizeof(read_low), buf);
	second = read_packet(f->h, buf, IO_MS);
	tap_ok(first == 2 && answer_is(buf, second, (uint8_t[]){ PINS }, 1),
	       "status-only packet first (%d bytes), then the answer (%d)", first, second);
}

static void test_short(struct fixture *f)
{
	static const uint8_t both[] = { 0x81, 0x83, 0x87 };
	uint8_t a[PACKET], b[PACKET];
	int first, second;

	inject(f, EMU_FAULT_SHORT_PACKET, 1, NULL, 0);
	first = query(f, both, sizeof(both), a);
	second = read_packet(f->h, b, IO_MS);
	tap_ok(answer_is(a, first, (uint8_t[]){ PINS }, 1) && answer_is(b, second, (uint8_t[]){ 0 }, 1),
	       "a short packet carries one byte, the next one the rest (%d %d)", first, second);
}

static void test_stale(struct fixture *f)
{
	static const uint8_t stale[] = { 0xde, 0xad };
	uint8_t buf[PACKET];
	int n;

	inject(f, EMU_FAULT_STALE_BYTES, 0, stale, sizeof(stale));
	n = query(f, read_low, sizeof(read_low), buf);
	tap_ok(answer_is(buf, n, (uint8_t[]){ 0xde, 0xad, PINS }, 3),
	       "stale bytes arrive ahead of the answer (%d bytes)", n);
}

static void test_garbage(struct fixture *f)
{
	static const uint8_t junk[] = { 0x5a };
	uint8_t buf[PACKET];
	int n;

	inject(f, EMU_FAULT_GARBAGE, 1, junk, sizeof(junk));
	n = query(f, read_low, sizeof(read_low), buf);
	tap_ok(answer_is(buf, n, junk, 1), "garbage replaces the answer's data (%d bytes, %02x)", n,
	       n > 2 ? buf[2] : 0);
}

static void test_stop_answering(struct fixture *f)
{
	uint8_t buf[PACKET];
	int ctl, in, after;

	inject(f, EMU_FAULT_STOP_ANSWERING, 0, NULL, 0);
	ctl = vendor(f->h, 0x09, 1, SHORT_MS);
	in = query(f, read_low, sizeof(read_low), buf);
	emu_chip_clear_faults(f->chip);
	after = vendor(f->h, 0x09, 1, IO_MS);
	tap_ok(ctl == LIBUSB_ERROR_TIMEOUT && in == LIBUSB_ERROR_TIMEOUT && after == 0,
	       "a chip that stops answering: vendor request and IN time out, then recover (%d %d %d)",
	       ctl, in, after);
}

/* Claim A, MPSSE, latency 1 ms, ADBUS0-3 outputs at 0101, ADBUS6 held high. */
static libusb_device_handle *open_chip(libusb_context *ctx, struct emu_chip *chip)
{
	static const uint8_t set[] = { 0x80, 0x05, 0x0f };
	libusb_device_handle *h = libusb_open_device_with_vid_pid(ctx, 0x0403, 0x6014);
	int sent;

	if (!h)
		return NULL;
	emu_chip_set_input(chip, 0, 6, true);
	if (libusb_claim_interface(h, 0) < 0 || vendor(h, 0x0b, 0x0200, IO_MS) < 0 ||
	    vendor(h, 0x09, 1, IO_MS) < 0 ||
	    libusb_bulk_transfer(h, 0x02, (uint8_t *)set, sizeof(set), &sent, IO_MS) < 0) {
		libusb_close(h);
		return NULL;
	}
	return h;
}

int main(int argc, char **argv)
{
	struct fixture f = { 0 };
	libusb_context *ctx = NULL;
	struct usbfs_bed *bed;

	umd_init(argv);
	tap_plan(6);
	f.chip = umd_chip(EMU_FT232H, "FLT232H");
	bed = usbfs_bed_new();
	if (!bed || !usbfs_bed_plug(bed, f.chip, "1-2") || libusb_init(&ctx) < 0)
		tap_bail("cannot set up the testbed and libusb");
	f.h = open_chip(ctx, f.chip);
	if (!f.h)
		tap_bail("cannot open the emulated FT232H");

	test_timeout(&f);
	test_status_only(&f);
	test_short(&f);
	test_stale(&f);
	test_garbage(&f);
	test_stop_answering(&f);

	libusb_release_interface(f.h, 0);
	libusb_close(f.h);
	libusb_exit(ctx);
	usbfs_bed_free(bed);
	emu_chip_free(f.chip);
	return tap_done();
}
