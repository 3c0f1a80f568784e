// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ftdi backend: libftdi1 finds its way through opening (kernel driver
 * detach and reattach, claim), libusb moves everything else, on the shared
 * context of usb.c. Also the one place that maps libusb and libftdi codes
 * to errno.
 *
 * libftdi 1.5's ftdi_init() creates a libusb context of its own and
 * ftdi_deinit() calls libusb_exit() on whatever ftdi->usb_ctx holds. We
 * want every handle on the shared context (one event thread reaps all
 * transfers), so right after ftdi_new() that private context is exited and
 * replaced by the shared one, and before ftdi_free() the field is cleared
 * so libftdi leaves the shared context alone.
 *
 * Vendor requests and bulk OUT go through usb.c's helpers (libusb async
 * transfers on ftdi->usb_dev, waited for): libftdi's calls collapse every
 * libusb error into -1 or -666, these keep the exact errno.
 */
#include <errno.h>
#include <ftdi.h>
#include <libusb.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "common/macros.h"
#include "transport/backend.h"
#include "transport/usb-internal.h"

/* libftdi's "USB device unavailable" from its read and write calls. */
#define FTDI_DEVICE_UNAVAILABLE (-666)
/* ftdi_usb_open_dev(): claiming the interface / setting the configuration failed. */
#define FTDI_OPEN_CLAIM_FAILED (-5)
#define FTDI_OPEN_CONFIG_FAILED (-3)

/* --- errno mapping ----------------------------------------------------------------- */

struct code_map {
	int from, to;
};

static const struct code_map usb_errors[] = {
	{ LIBUSB_ERROR_NO_DEVICE, -ENODEV },
	{ LIBUSB_ERROR_ACCESS, -EACCES },
	{ LIBUSB_ERROR_BUSY, -EBUSY },
	{ LIBUSB_ERROR_NOT_FOUND, -ENOENT },
	{ LIBUSB_ERROR_TIMEOUT, -ETIMEDOUT },
	{ LIBUSB_ERROR_PIPE, -EPIPE },
	{ LIBUSB_ERROR_NO_MEM, -ENOMEM },
	{ LIBUSB_ERROR_INTERRUPTED, -EINTR },
	{ LIBUSB_ERROR_OVERFLOW, -EOVERFLOW },
	{ FTDI_DEVICE_UNAVAILABLE, -ENODEV },
};

static const struct code_map transfer_statuses[] = {
	{ LIBUSB_TRANSFER_COMPLETED, 0 },
	{ LIBUSB_TRANSFER_NO_DEVICE, -ENODEV },
	{ LIBUSB_TRANSFER_CANCELLED, -ECANCELED },
	{ LIBUSB_TRANSFER_TIMED_OUT, -ETIMEDOUT },
};

static int map_code(const struct code_map *map, size_t n, int code)
{
	for (size_t i = 0; i < n; i++)
		if (map[i].from == code)
			return map[i].to;
	return -EIO;
}

int usb_errno(int code)
{
	return code >= 0 ? code : map_code(usb_errors, ARRAY_SIZE(usb_errors), code);
}

int usb_status_errno(int status)
{
	return map_code(transfer_statuses, ARRAY_SIZE(transfer_statuses), status);
}

/* --- The backend -------------------------------------------------------------------- */

struct ftdi_transport {
	struct transport t;
	struct ftdi_context *ftdi;
	struct libusb_device_handle *handle;	/* ftdi->usb_dev */
	uint8_t ep_in, ep_out;
	uint16_t index;		/* wIndex of vendor requests */
	struct read_tracker reads;
};

struct ftdi_read {
	struct pending_read base;
	struct libusb_transfer *xfer;
	struct ftdi_transport *ft;
};

static struct ftdi_transport *to_ftdi(struct transport *t)
{
	return container_of(t, struct ftdi_transport, t);
}

static int ftdi_control(struct transport *t, uint8_t request_type, uint8_t request,
			uint16_t value, uint8_t *data, uint16_t len)
{
	struct ftdi_transport *ft = to_ftdi(t);

	return usb_control(ft->handle, request_type, request, value, ft->index, data, len,
			   CONTROL_TIMEOUT_MS);
}

static int ftdi_write(struct transport *t, const uint8_t *buf, size_t len, int timeout_ms)
{
	struct ftdi_transport *ft = to_ftdi(t);

	return usb_bulk_out(ft->handle, ft->ep_out, buf, len, timeout_ms);
}

static void LIBUSB_CALL ftdi_read_done(struct libusb_transfer *xfer)
{
	struct ftdi_read *fr = xfer->user_data;

	read_tracker_complete(&fr->ft->reads, &fr->base, usb_status_errno(xfer->status),
			      (size_t)xfer->actual_length);
}

static void ftdi_read_free(struct pending_read *p)
{
	struct ftdi_read *fr = container_of(p, struct ftdi_read, base);

	libusb_free_transfer(fr->xfer);
	free(fr);
}

static int ftdi_read_cancel(struct pending_read *p)
{
	struct ftdi_read *fr = container_of(p, struct ftdi_read, base);
	int r = libusb_cancel_transfer(fr->xfer);

	/* Not in flight any more: its completion is being handled. */
	return r == LIBUSB_ERROR_NOT_FOUND ? -EALREADY : usb_errno(r);
}

static const struct read_tracker_ops ftdi_read_ops = {
	.cancel = ftdi_read_cancel,
	.free = ftdi_read_free,
};

static int ftdi_submit_read(struct transport *t, struct transport_read *rd)
{
	struct ftdi_transport *ft = to_ftdi(t);
	struct ftdi_read *fr;
	int r;

	if (rd->len == 0 || rd->len % t->packet_size || rd->len > INT_MAX)
		return -EINVAL;
	fr = calloc(1, sizeof(*fr));
	if (!fr)
		return -ENOMEM;
	fr->ft = ft;
	fr->xfer = libusb_alloc_transfer(0);
	if (!fr->xfer) {
		free(fr);
		return -ENOMEM;
	}
	libusb_fill_bulk_transfer(fr->xfer, ft->handle, ft->ep_in, rd->buf, (int)rd->len,
				  ftdi_read_done, fr, 0);
	r = read_tracker_add(&ft->reads, &fr->base, rd);
	if (r < 0) {
		ftdi_read_free(&fr->base);
		return r;
	}
	r = libusb_submit_transfer(fr->xfer);
	if (r < 0) {
		read_tracker_undo(&ft->reads, &fr->base);
		return usb_errno(r);
	}
	return 0;
}

static int ftdi_cancel_read(struct transport *t, struct transport_read *rd)
{
	return read_tracker_cancel(&to_ftdi(t)->reads, rd);
}

static struct ftdi_context *ftdi_context_free(struct ftdi_context *ftdi)
{
	if (!ftdi)
		return NULL;
	/* The shared context is not libftdi's to exit. */
	ftdi->usb_ctx = NULL;
	ftdi_free(ftdi);
	return NULL;
}

static struct ftdi_transport *ftdi_transport_free(struct ftdi_transport *ft)
{
	if (!ft)
		return NULL;
	ftdi_context_free(ft->ftdi);
	read_tracker_destroy(&ft->reads);
	free(ft);
	return NULL;
}

DEFINE_CLEANUP(struct ftdi_transport, ftdi_transport_free)
DEFINE_CLEANUP(libusb_device, libusb_unref_device)

static void ftdi_close(struct transport *t)
{
	struct ftdi_transport *ft = to_ftdi(t);

	read_tracker_drain(&ft->reads);
	/* Releasing the interface reattaches its kernel driver (auto-detach mode). */
	if (ftdi_usb_close(ft->ftdi) < 0)
		log_debug("%s: releasing the interface failed: %s", t->description,
			  ftdi_get_error_string(ft->ftdi));
	log_debug("%s: closed", t->description);
	ftdi_transport_free(ft);
	usb_stop();
}

static const struct transport_ops ftdi_ops = {
	.name = "ftdi",
	.reset = vendor_reset,
	.purge = vendor_purge,
	.set_latency = vendor_set_latency,
	.set_bitmode = vendor_set_bitmode,
	.read_pins = vendor_read_pins,
	.control = ftdi_control,
	.write = ftdi_write,
	.submit_read = ftdi_submit_read,
	.cancel_read = ftdi_cancel_read,
	.close = ftdi_close,
};

static struct ftdi_context *ftdi_context_new(unsigned intf)
{
	struct ftdi_context *ftdi = ftdi_new();

	if (!ftdi)
		return NULL;
	libusb_exit(ftdi->usb_ctx);
	ftdi->usb_ctx = usb_context();
	ftdi_set_interface(ftdi, (enum ftdi_interface)(INTERFACE_A + intf));
	/* Detach ftdi_sio from this interface only; libusb reattaches it on release. */
	ftdi->module_detach_mode = AUTO_DETACH_REATACH_SIO_MODULE;
	return ftdi;
}

/*
 * ftdi_usb_open_dev() reports only which of its steps failed. Opening the
 * device again tells a vanished or inaccessible device apart; otherwise a
 * failed claim means someone else holds the interface.
 */
static int open_errno(struct libusb_device *dev, int code)
{
	struct libusb_device_handle *h;
	int r = libusb_open(dev, &h);

	if (r < 0)
		return usb_errno(r);
	libusb_close(h);
	return code == FTDI_OPEN_CLAIM_FAILED || code == FTDI_OPEN_CONFIG_FAILED ? -EBUSY : -EIO;
}

static void describe(struct ftdi_transport *ft, const struct usb_identity *id, const char *serial)
{
	char buf[USB_SERIAL_MAX] = "";

	if (!serial && usb_handle_serial(ft->handle, buf, sizeof(buf)) >= 0)
		serial = buf;
	snprintf(ft->t.description, sizeof(ft->t.description), "ftdi %s %s %c serial=%.32s",
		 id->port_path, usb_product_name(id->vid, id->pid), 'A' + ft->t.interface,
		 serial ? serial : "?");
}

static int ftdi_transport_new(struct libusb_device *dev, const struct usb_identity *id,
			      unsigned intf, const char *serial, struct transport **out)
{
	_cleanup_(ftdi_transport_freep) struct ftdi_transport *ft = NULL;
	uint8_t ep_in = (uint8_t)(0x81 + 2 * intf);
	int r;

	/* Also proves the interface exists; needs no I/O. */
	r = libusb_get_max_packet_size(dev, ep_in);
	if (r <= 0)
		return r == 0 || r == LIBUSB_ERROR_NOT_FOUND ? -ENOENT : usb_errno(r);
	ft = calloc(1, sizeof(*ft));
	if (!ft)
		return -ENOMEM;
	read_tracker_init(&ft->reads, &ftdi_read_ops);
	ft->t.ops = &ftdi_ops;
	ft->t.packet_size = (unsigned)r;
	ft->t.interface = intf;
	ft->ep_in = ep_in;
	ft->ep_out = (uint8_t)(0x02 + 2 * intf);
	ft->index = (uint16_t)(intf + 1);
	ft->ftdi = ftdi_context_new(intf);
	if (!ft->ftdi)
		return -ENOMEM;
	/* Detach, claim, SIO reset (FIFOs only) and a baud rate: no bitmode change. */
	r = ftdi_usb_open_dev(ft->ftdi, dev);
	if (r < 0) {
		log_debug("ftdi %s: open failed: %s", id->port_path, ftdi_get_error_string(ft->ftdi));
		return open_errno(dev, r);
	}
	ft->handle = ft->ftdi->usb_dev;
	describe(ft, id, serial);
	log_debug("%s: opened", ft->t.description);
	*out = &steal_ptr(ft)->t;
	return 0;
}

int transport_ftdi_open(const struct transport_ftdi_match *match, unsigned intf,
			struct transport **out)
{
	_cleanup_(libusb_unref_devicep) libusb_device *dev = NULL;
	struct usb_identity id;
	int r;

	if (intf > INTERFACE_D - INTERFACE_A)
		return -EINVAL;
	/* The transport keeps this reference until it is closed. */
	r = usb_start();
	if (r < 0)
		return r;
	r = usb_find(match, &dev, &id);
	if (r == 0)
		r = ftdi_transport_new(dev, &id, intf, match->serial, out);
	if (r < 0)
		usb_stop();
	return r;
}
