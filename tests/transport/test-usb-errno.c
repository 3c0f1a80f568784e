// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The one mapping from libusb and libftdi codes to errno: the device layer
 * decides between retrying, waiting for replug and giving up on these
 * values, so each one is pinned here.
 */
#include <errno.h>
#include <libusb.h>

#include "common/macros.h"
#include "../tap.h"
#include "transport/usb-internal.h"

static const struct {
	int code, expected;
	const char *name;
} errors[] = {
	{ LIBUSB_SUCCESS, 0, "SUCCESS" },
	{ 7, 7, "a byte count" },
	{ LIBUSB_ERROR_NO_DEVICE, -ENODEV, "NO_DEVICE" },
	{ LIBUSB_ERROR_ACCESS, -EACCES, "ACCESS" },
	{ LIBUSB_ERROR_BUSY, -EBUSY, "BUSY" },
	{ LIBUSB_ERROR_NOT_FOUND, -ENOENT, "NOT_FOUND" },
	{ LIBUSB_ERROR_TIMEOUT, -ETIMEDOUT, "TIMEOUT" },
	{ LIBUSB_ERROR_PIPE, -EPIPE, "PIPE" },
	{ LIBUSB_ERROR_NO_MEM, -ENOMEM, "NO_MEM" },
	{ LIBUSB_ERROR_INTERRUPTED, -EINTR, "INTERRUPTED" },
	{ LIBUSB_ERROR_OVERFLOW, -EOVERFLOW, "OVERFLOW" },
	{ LIBUSB_ERROR_IO, -EIO, "IO" },
	{ LIBUSB_ERROR_INVALID_PARAM, -EIO, "INVALID_PARAM" },
	{ LIBUSB_ERROR_NOT_SUPPORTED, -EIO, "NOT_SUPPORTED" },
	{ LIBUSB_ERROR_OTHER, -EIO, "OTHER" },
	{ -666, -ENODEV, "libftdi's device unavailable" },
};

static const struct {
	int status, expected;
	const char *name;
} statuses[] = {
	{ LIBUSB_TRANSFER_COMPLETED, 0, "COMPLETED" },
	{ LIBUSB_TRANSFER_NO_DEVICE, -ENODEV, "NO_DEVICE" },
	{ LIBUSB_TRANSFER_CANCELLED, -ECANCELED, "CANCELLED" },
	{ LIBUSB_TRANSFER_TIMED_OUT, -ETIMEDOUT, "TIMED_OUT" },
	{ LIBUSB_TRANSFER_ERROR, -EIO, "ERROR" },
	{ LIBUSB_TRANSFER_STALL, -EIO, "STALL" },
	{ LIBUSB_TRANSFER_OVERFLOW, -EIO, "OVERFLOW" },
};

int main(void)
{
	tap_plan((int)(ARRAY_SIZE(errors) + ARRAY_SIZE(statuses)));
	for (size_t i = 0; i < ARRAY_SIZE(errors); i++) {
		int r = usb_errno(errors[i].code);

		tap_ok(r == errors[i].expected, "error %s -> %d (got %d)", errors[i].name,
		       errors[i].expected, r);
	}
	for (size_t i = 0; i < ARRAY_SIZE(statuses); i++) {
		int r = usb_status_errno(statuses[i].status);

		tap_ok(r == statuses[i].expected, "transfer %s -> %d (got %d)", statuses[i].name,
		       statuses[i].expected, r);
	}
	return tap_done();
}
