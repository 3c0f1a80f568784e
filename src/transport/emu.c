// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The emu backend: the transport vtable mapped onto the in-process
 * emulator's USB-level calls, with the same endpoints and wIndex a real
 * chip uses, so every layer above runs unchanged against it. Like a usbfs
 * handle, an open transport belongs to one plug of the chip: after an
 * unplug it fails with -ENODEV for good, also once the chip is back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "emu/emu.h"
#include "transport/backend.h"
#include "transport/usb.h"

struct emu_transport {
	struct transport t;
	struct emu_chip *chip;
	uint8_t ep_in, ep_out;
	uint16_t index;		/* wIndex of vendor requests */
	uint64_t generation;	/* the chip's plug generation at open */
	struct read_tracker reads;
};

struct emu_read {
	struct pending_read base;
	struct emu_xfer xfer;
	struct emu_transport *et;
};

static struct emu_transport *to_emu(struct transport *t)
{
	return container_of(t, struct emu_transport, t);
}

/* The emulator's transfer statuses as transport errnos. */
static int emu_status(int status)
{
	switch (status) {
	case 0:
		return 0;
	case -ENOENT:
		return -ECANCELED;
	case -ENODEV:
	case -ESHUTDOWN:
		return -ENODEV;
	default:
		return status < 0 ? status : -EIO;
	}
}

static int emu_control(struct transport *t, uint8_t request_type, uint8_t request,
		       uint16_t value, uint8_t *data, uint16_t len)
{
	struct emu_transport *et = to_emu(t);
	struct emu_setup setup = {
		.request_type = request_type,
		.request = request,
		.value = value,
		.index = et->index,
		.length = len,
		.generation = et->generation,
	};
	int r = emu_chip_control_timeout(et->chip, &setup, data, CONTROL_TIMEOUT_MS);

	return r == -ESHUTDOWN ? -ENODEV : r;
}

static void emu_write_done(struct emu_xfer *xfer)
{
	completion_signal(xfer->user_data);
}

static int emu_write(struct transport *t, const uint8_t *buf, size_t len, int timeout_ms)
{
	struct emu_transport *et = to_emu(t);
	struct completion done;
	struct emu_xfer xfer = {
		.endpoint = et->ep_out,
		/* The emulator only reads an OUT buffer. */
		.buffer = (uint8_t *)buf,
		.length = len,
		.done = emu_write_done,
		.user_data = &done,
		.generation = et->generation,
	};
	int r;

	completion_init(&done);
	r = emu_chip_submit(et->chip, &xfer);
	if (r < 0) {
		r = emu_status(r);
		goto out;
	}
	if (!completion_wait(&done, timeout_ms)) {
		emu_chip_cancel(et->chip, &xfer);
		completion_wait(&done, -1);
		if (xfer.status == -ENOENT)
			xfer.status = -ETIMEDOUT;
	}
	r = emu_status(xfer.status);
	if (r == 0 && xfer.actual != len)
		r = -EIO;
out:
	completion_destroy(&done);
	return r;
}

static void emu_read_done(struct emu_xfer *xfer)
{
	struct emu_read *er = xfer->user_data;

	read_tracker_complete(&er->et->reads, &er->base, emu_status(xfer->status), xfer->actual);
}

static int emu_submit_read(struct transport *t, struct transport_read *rd)
{
	struct emu_transport *et = to_emu(t);
	struct emu_read *er;
	int r;

	if (rd->len == 0 || rd->len % t->packet_size)
		return -EINVAL;
	er = calloc(1, sizeof(*er));
	if (!er)
		return -ENOMEM;
	er->et = et;
	er->xfer = (struct emu_xfer){
		.endpoint = et->ep_in,
		.buffer = rd->buf,
		.length = rd->len,
		.done = emu_read_done,
		.user_data = er,
		.generation = et->generation,
	};
	r = read_tracker_add(&et->reads, &er->base, rd);
	if (r < 0) {
		free(er);
		return r;
	}
	r = emu_chip_submit(et->chip, &er->xfer);
	if (r < 0) {
		read_tracker_undo(&et->reads, &er->base);
		return emu_status(r);
	}
	return 0;
}

static int emu_read_cancel(struct pending_read *p)
{
	struct emu_read *er = container_of(p, struct emu_read, base);

	return emu_chip_cancel(er->et->chip, &er->xfer);
}

static void emu_read_free(struct pending_read *p)
{
	free(container_of(p, struct emu_read, base));
}

static const struct read_tracker_ops emu_read_ops = {
	.cancel = emu_read_cancel,
	.free = emu_read_free,
};

static int emu_cancel_read(struct transport *t, struct transport_read *rd)
{
	return read_tracker_cancel(&to_emu(t)->reads, rd);
}

static void emu_close(struct transport *t)
{
	struct emu_transport *et = to_emu(t);

	read_tracker_drain(&et->reads);
	read_tracker_destroy(&et->reads);
	log_debug("%s: closed", t->description);
	free(et);
}

static const struct transport_ops emu_ops = {
	.name = "emu",
	.reset = vendor_reset,
	.purge = vendor_purge,
	.set_latency = vendor_set_latency,
	.set_bitmode = vendor_set_bitmode,
	.read_pins = vendor_read_pins,
	.control = emu_control,
	.write = emu_write,
	.submit_read = emu_submit_read,
	.cancel_read = emu_cancel_read,
	.close = emu_close,
};

int transport_emu_open(struct emu_chip *chip, unsigned intf, struct transport **out)
{
	struct emu_identity id;
	struct emu_transport *et;
	const char *product;
	uint64_t generation;

	emu_chip_identity(chip, &id);
	if (intf >= id.interfaces)
		return -ENOENT;
	/* First: an unplug after it leaves this handle dead, as it should be. */
	generation = emu_chip_generation(chip);
	if (!emu_chip_plugged(chip))
		return -ENODEV;
	et = calloc(1, sizeof(*et));
	if (!et)
		return -ENOMEM;
	et->t.ops = &emu_ops;
	et->t.packet_size = EMU_PACKET_SIZE;
	et->t.interface = intf;
	et->chip = chip;
	et->generation = generation;
	et->ep_in = (uint8_t)(0x81 + 2 * intf);
	et->ep_out = (uint8_t)(0x02 + 2 * intf);
	et->index = (uint16_t)(intf + 1);
	read_tracker_init(&et->reads, &emu_read_ops);
	product = usb_product_name(id.vid, id.pid);
	snprintf(et->t.description, sizeof(et->t.description), "emu %s %c serial=%.32s",
		 product ? product : "?", 'A' + intf, id.serial ? id.serial : "");
	log_debug("%s: opened", et->t.description);
	*out = &et->t;
	return 0;
}
