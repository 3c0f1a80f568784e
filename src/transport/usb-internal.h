/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to usb.c and ftdi.c, the two files that include <libusb.h>: the
 * shared context, the errno mapping (ftdi.c), and synchronous transfers
 * that still complete on the event thread (usb.c). libusb's types are only
 * forward-declared here.
 *
 * Threads and locks: as usb.h. The synchronous helpers block their caller
 * until the event thread completes the transfer, so they must never be
 * called from the event thread (a transfer or hotplug callback).
 */
#ifndef MPSSED_TRANSPORT_USB_INTERNAL_H
#define MPSSED_TRANSPORT_USB_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "transport/transport.h"
#include "transport/usb.h"

struct libusb_context;
struct libusb_device;
struct libusb_device_handle;

/* Valid while the caller holds a usb_start() reference. */
struct libusb_context *usb_context(void);

/*
 * The one mapping to errno (ftdi.c). usb_errno() takes a libusb_error (or
 * libftdi's -666 "device unavailable") and passes counts >= 0 through;
 * usb_status_errno() takes an enum libusb_transfer_status.
 */
int usb_errno(int code);
int usb_status_errno(int status);

/*
 * One control transfer: the length of an IN answer, 0 for OUT, -EPIPE on
 * a stall (as libusb_control_transfer() reports it), -errno.
 */
int usb_control(struct libusb_device_handle *h, uint8_t request_type, uint8_t request,
		uint16_t value, uint16_t index, uint8_t *data, uint16_t len, unsigned timeout_ms);
/* One bulk OUT transfer of all len bytes: 0 or -errno (timeout_ms <= 0: no limit). */
int usb_bulk_out(struct libusb_device_handle *h, uint8_t endpoint, const uint8_t *data,
		 size_t len, int timeout_ms);

int usb_identity_of(struct libusb_device *dev, struct usb_identity *id);
/* The serial number through an open handle; its length or -errno. */
int usb_handle_serial(struct libusb_device_handle *h, char *buf, size_t len);
/*
 * The first present supported device that matches, as a new reference in
 * *out (libusb_unref_device() it) with its identity in *id. -ENOENT when
 * none matches, -EACCES when a candidate's serial could not be read
 * because it cannot be opened yet. Opens candidates only to compare serials.
 */
int usb_find(const struct transport_ftdi_match *match, struct libusb_device **out,
	     struct usb_identity *id);

#endif
