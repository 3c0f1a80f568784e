/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A USB/IP front-end for the chip emulator: it plays the exporting side
 * (what the kernel's usbip-host stub does) for one emulated chip on one
 * connected stream socket, whose other end the kernel's vhci-hcd reads
 * after an attach. The kernel then enumerates the chip like any USB
 * device: real usbcore, usbfs, drivers and uevents.
 *
 * Wire format (kernel Documentation/usb/usbip_protocol.rst): a 48-byte
 * header, every field big-endian except the 8-byte setup packet, then
 * the OUT data of a CMD_SUBMIT or the IN data of a RET_SUBMIT.
 *
 * Threads and locks: a link has one reader thread (it parses commands and
 * answers control requests at once) and bulk transfers complete on the
 * emulator's bus thread; both write whole messages under the link's lock,
 * so a RET_SUBMIT always precedes the RET_UNLINK about the same URB.
 * usbip_link_close() may be called from any thread but a completion.
 */
#ifndef MPSSED_USBIP_USBIP_H
#define MPSSED_USBIP_USBIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/emu.h"

#define USBIP_HEADER_SIZE 48
/* The largest transfer we accept; the kernel's own stub allows more. */
#define USBIP_LENGTH_MAX (1u << 20)
#define USBIP_NON_ISO 0xffffffffu	/* number_of_packets of a non-ISO URB */
#define USBIP_SPEED_HIGH 3		/* enum usb_device_speed */

enum usbip_command {
	USBIP_CMD_SUBMIT = 1,
	USBIP_CMD_UNLINK,
	USBIP_RET_SUBMIT,
	USBIP_RET_UNLINK,
};

enum usbip_direction { USBIP_DIR_OUT = 0, USBIP_DIR_IN = 1 };

struct usbip_header {
	uint32_t command, seqnum, devid, direction, ep;
	union {
		struct {
			uint32_t flags, length;
			int32_t start_frame;
			uint32_t packets;
			int32_t interval;
			uint8_t setup[8];
		} submit;
		struct {
			int32_t status;
			uint32_t actual;
			int32_t start_frame;
			uint32_t packets;
			int32_t error_count;
		} ret_submit;
		struct {
			uint32_t seqnum;
		} unlink;
		struct {
			int32_t status;
		} ret_unlink;
	} u;
};

void usbip_header_pack(const struct usbip_header *h, uint8_t out[USBIP_HEADER_SIZE]);
/* -EPROTO for an unknown command or direction; the header is filled anyway. */
int usbip_header_unpack(const uint8_t in[USBIP_HEADER_SIZE], struct usbip_header *h);

/* --- Serving a chip ---------------------------------------------------- */

struct usbip_link;

struct usbip_link_stats {
	uint64_t submits;	/* CMD_SUBMIT received */
	uint64_t unlinks;	/* CMD_UNLINK received */
	uint64_t cancelled;	/* of which cancelled a pending URB */
};

/*
 * Serves chip on fd (a connected SOCK_STREAM socket; the link owns it from
 * now on, also on failure) with devid in every answer. The chip must
 * outlive the link. Returns 0 or -errno.
 */
int usbip_link_open(struct emu_chip *chip, int fd, uint32_t devid, struct usbip_link **out);
/*
 * Hangs up (the vhci side then disconnects the device), cancels what is
 * pending, waits for every completion and frees. Accepts NULL; returns NULL.
 */
struct usbip_link *usbip_link_close(struct usbip_link *link);
/* False once the peer hung up or broke the protocol. */
bool usbip_link_alive(struct usbip_link *link);
void usbip_link_stats(struct usbip_link *link, struct usbip_link_stats *stats);

/* --- The kernel's vhci-hcd --------------------------------------------- */

/*
 * Hands fd (one end of a socketpair) to vhci-hcd under sysfs_dir (normally
 * /sys/devices/platform/vhci_hcd.0) on its first free high-speed port.
 * Returns the port, or -errno (-EBUSY: no free port).
 */
int usbip_vhci_attach(const char *sysfs_dir, int fd, uint32_t devid);
int usbip_vhci_detach(const char *sysfs_dir, int port);

#endif
