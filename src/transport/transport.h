/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Transport: one open MPSSE interface, behind a small vtable chosen at run
 * time. Backends: `ftdi` (libftdi1 opens and sets up, libusb moves the bulk
 * data asynchronously) and `emu` (the in-process emulator). This layer moves
 * raw bytes: bulk IN data still carries the 2 modem-status bytes at the
 * start of every packet; the MPSSE layer strips them.
 *
 * The ftdi backend is the only place in the tree that includes <ftdi.h> or
 * <libusb.h>, and the only place that maps their error codes to errno
 * (an unplugged device is always -ENODEV).
 *
 * Threads and locks: the synchronous operations (vendor requests, write)
 * are called by one thread at a time per transport; the chip model
 * serializes them with its I/O mutex. Asynchronous reads may be submitted
 * and cancelled from any thread; their callbacks run on the backend's event
 * thread (ftdi: the libusb event thread, see transport/usb.h; emu: the
 * emulator's bus thread, or the thread calling emu_chip_unplug() or
 * cancelling) and must not block: they may only record the result, submit
 * the next read and wake someone. transport_close() first cancels and reaps
 * every read in flight (each callback has run when it returns), so it blocks
 * and must not be called from a callback, nor concurrently with other calls
 * on the same transport (a callback resubmitting is fine: it gets
 * -ESHUTDOWN).
 *
 * Errors: 0 (or a byte count) on success, -errno on failure.
 */
#ifndef MPSSED_TRANSPORT_TRANSPORT_H
#define MPSSED_TRANSPORT_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct transport;
struct transport_read;

typedef void (*transport_read_cb)(struct transport_read *rd);

/* One asynchronous bulk IN transfer. The caller owns it and its buffer. */
struct transport_read {
	/* Set by the submitter. */
	uint8_t *buf;
	size_t len;		/* a multiple of transport->packet_size */
	transport_read_cb cb;
	void *user_data;
	/* Set before cb runs. */
	size_t actual;		/* raw bytes, status bytes included */
	int status;		/* 0, -ENODEV, -ECANCELED, -ETIMEDOUT, -EIO */
	uint64_t done_ns;	/* CLOCK_MONOTONIC when the transfer completed */
	/* Private to the backend. */
	void *priv;
};

struct transport_ops {
	const char *name;
	/*
	 * Vendor requests; each blocks for one control round trip, at most
	 * 1 s (then -ETIMEDOUT: the chip stopped answering).
	 */
	int (*reset)(struct transport *t);
	int (*purge)(struct transport *t);	/* RX and TX FIFOs */
	int (*set_latency)(struct transport *t, uint8_t ms);
	int (*set_bitmode)(struct transport *t, uint8_t mask, uint8_t mode);
	int (*read_pins)(struct transport *t, uint8_t *pins);
	/*
	 * Any other vendor request on this interface (the backend sets
	 * wIndex = interface + 1): request_type 0x40 (OUT) or 0xC0 (IN).
	 * Returns the length of an IN answer, 0 for OUT, -EPIPE when the chip
	 * stalls it.
	 */
	int (*control)(struct transport *t, uint8_t request_type, uint8_t request,
		       uint16_t value, uint8_t *data, uint16_t len);
	/*
	 * Bulk OUT: returns 0 once the device has taken all len bytes,
	 * -ETIMEDOUT after timeout_ms (<= 0: no limit).
	 */
	int (*write)(struct transport *t, const uint8_t *buf, size_t len, int timeout_ms);
	/*
	 * Bulk IN: on 0, rd->cb runs exactly once later on the event thread.
	 * -EINVAL when len is 0 or not a multiple of packet_size, -ESHUTDOWN
	 * once close has begun (a callback resubmitting during close gets it).
	 */
	int (*submit_read)(struct transport *t, struct transport_read *rd);
	/*
	 * rd must have been submitted on t. On 0, rd->cb follows with
	 * -ECANCELED (or with the real result if it won the race); -EALREADY
	 * when rd is not in flight (its callback has run or is running).
	 */
	int (*cancel_read)(struct transport *t, struct transport_read *rd);
	/* Cancel and reap every read in flight, release the interface, free t. */
	void (*close)(struct transport *t);
};

struct transport {
	const struct transport_ops *ops;
	unsigned packet_size;	/* wMaxPacketSize of the IN endpoint (512 at high speed) */
	unsigned interface;	/* 0 = A, 1 = B, ... */
	char description[96];	/* for logs: "ftdi 1-2.3 FT232H A serial=FT1234" */
};

static inline int transport_reset(struct transport *t)
{
	return t->ops->reset(t);
}

static inline int transport_purge(struct transport *t)
{
	return t->ops->purge(t);
}

static inline int transport_set_latency(struct transport *t, uint8_t ms)
{
	return t->ops->set_latency(t, ms);
}

static inline int transport_set_bitmode(struct transport *t, uint8_t mask, uint8_t mode)
{
	return t->ops->set_bitmode(t, mask, mode);
}

static inline int transport_read_pins(struct transport *t, uint8_t *pins)
{
	return t->ops->read_pins(t, pins);
}

static inline int transport_control(struct transport *t, uint8_t request_type, uint8_t request,
				    uint16_t value, uint8_t *data, uint16_t len)
{
	return t->ops->control(t, request_type, request, value, data, len);
}

static inline int transport_write(struct transport *t, const uint8_t *buf, size_t len, int timeout_ms)
{
	return t->ops->write(t, buf, len, timeout_ms);
}

static inline int transport_submit_read(struct transport *t, struct transport_read *rd)
{
	return t->ops->submit_read(t, rd);
}

static inline int transport_cancel_read(struct transport *t, struct transport_read *rd)
{
	return t->ops->cancel_read(t, rd);
}

/* Accepts NULL. */
void transport_close(struct transport *t);

/*
 * Synchronous read built on submit_read: waits up to timeout_ms (< 0: no
 * limit) for one transfer of len raw bytes and returns the raw byte count
 * or -errno (-ETIMEDOUT after cancelling it and reaping its callback).
 */
int transport_read_raw(struct transport *t, uint8_t *buf, size_t len, int timeout_ms);

/* --- Backends ------------------------------------------------------------ */

struct emu_chip;
/* Open MPSSE interface intf (0 = A) of an in-process emulated chip. */
int transport_emu_open(struct emu_chip *chip, unsigned intf, struct transport **out);

/* Which FTDI device to open; unset fields match anything. */
struct transport_ftdi_match {
	uint16_t vid, pid;	/* 0: any */
	const char *serial;	/* NULL: any */
	const char *port_path;	/* "<bus>-<port>[.<port>...]" as in sysfs, NULL: any */
};
/*
 * Open MPSSE interface intf (0 = A) of the first matching FTDI device:
 * detach a kernel driver from that interface only (reattached on close),
 * claim it, and leave it ready for the attach sequence: pins untouched
 * (libftdi's open sends an SIO reset, which only empties the FIFOs, and a
 * baud rate; never a bitmode change). Only supported VID:PIDs match
 * (transport/usb.h). -ENOENT when nothing matches (or the device has no
 * interface intf), -EACCES when the device node is not accessible (yet:
 * udev may not have applied its rules), -EBUSY when another process holds
 * the interface, -ENODEV when it went away meanwhile, -EINVAL for
 * intf > 3. The transport holds a reference on the shared libusb context
 * (usb_start()) until it is closed.
 */
int transport_ftdi_open(const struct transport_ftdi_match *match, unsigned intf,
			struct transport **out);

#endif
