/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The FTDI MPSSE chip emulator: one chip-accurate model of FT232H, FT2232H,
 * FT4232H/HA and the Sealevel and Bryx boards, independent of how it is
 * attached. Front-ends (the in-process transport, the umockdev usbfs
 * handler, the USB/IP server) translate their transfers into the calls
 * below; tests drive the pin world and inject faults.
 *
 * Model (what a host sees on the wire):
 *  - Vendor control requests per facts.md §2 (wIndex = interface + 1).
 *  - Bulk OUT bytes go to the interface's MPSSE command interpreter once
 *    MPSSE mode is on (SET_BITMODE mode 0x02); before that they are dropped.
 *  - Answers collect in the interface's RX FIFO. A bulk IN transfer
 *    completes when data is waiting and either 0x87 was executed, the
 *    latency timer expired, or a whole packet is full; with no data it
 *    completes with a status-only packet (2 bytes) when the latency timer
 *    expires. Every 512-byte packet of an IN transfer starts with the two
 *    modem-status bytes 0x32 0x60.
 *  - With the timing model on, transfers complete on 125 us microframe
 *    boundaries, one packet per endpoint per microframe; off, as fast as
 *    the host asks.
 *  - Power-on and SET_BITMODE reset: every pin is an input, MPSSE off.
 *    Entering MPSSE keeps the current directions and output latches (so a
 *    host that re-attaches to a chip already in MPSSE sees no glitch).
 *    SIO reset (request 0, wValue 0) and purges touch only the FIFOs.
 *  - Pin levels: an output pin shows its latch; an input pin shows what the
 *    pin world drives (set_input, wires, waveforms), default low.
 *
 * Details a host may notice:
 *  - Purge values as the chip reads them (libftdi 1.5's ftdi.h): wValue 1
 *    empties the FIFO of command bytes from the host (and ends a command
 *    in progress, such as a 0x88 wait), wValue 2 the FIFO of answers for
 *    the host; 0 (SIO reset) both.
 *  - FIFOs have the chip's sizes (FT232H 1 KiB, FT2232H 4 KiB, FT4232H
 *    2 KiB per direction): a bulk OUT transfer completes only once all its
 *    bytes are in the TX FIFO (so it waits behind a 0x88 that waits), and
 *    the processor pauses while an answer does not fit in the RX FIFO.
 *  - The FT4232H has no ACBUS: 0x82 takes its two bytes and drives nothing,
 *    0x83 answers 0x00, lines 8-15 do not exist. Its interfaces C and D have
 *    endpoints but no MPSSE (their OUT bytes are dropped).
 *  - 0x9E (FT232H and Bryx only; FA 9E elsewhere): an open-drain output at 1
 *    lets go of the pin, which then reads high (the board's pull-up) unless
 *    the pin world drives it.
 *  - Bad opcodes (bit 7 set and unknown, or a data opcode that neither reads
 *    nor writes) answer FA <op> and take one byte.
 *  - Data commands (0x10-0x3F, 0x4A/0x4B/0x6A/0x6B/0x6E/0x6F) take their
 *    bytes and answer their read bytes: in loopback (0x84) what they shift
 *    out, otherwise the level of TDO/DI (ADBUS2). The pins they clock are
 *    not recorded in the history.
 *  - Timing model: at 60 MHz (12 MHz after 0x8B, the power-on state) TCK =
 *    base / ((1 + divisor) * 2); 0x8E, 0x8F, 0x9C/0x9D and data commands
 *    take that time (data commands 1.5 times longer in three-phase mode)
 *    and the commands after them run at the modelled time, sampling the pin
 *    world exactly then. Control requests take no modelled time.
 *  - The latency timer runs from the later of the last IN packet and the
 *    submission of the transfer that waits for the next one.
 *  - An IN transfer shorter than a packet gets packets that fit it (the chip
 *    never overflows the host's buffer).
 *
 * Threads and locks: each chip has one mutex over all its state and one bus
 * thread that completes IN transfers at their due time and runs waveforms.
 * Every function may be called from any thread. Transfer completion
 * callbacks and the listener run without the chip's lock held, on the bus
 * thread or on the caller's thread, so they may submit the next transfer;
 * they must not call emu_chip_free(). emu_chip_free() completes pending
 * transfers with -ESHUTDOWN and joins the bus thread before it returns.
 *
 * Errors: functions return 0 (or a count) on success and -errno on failure:
 * -ENODEV when unplugged, -EINVAL for bad arguments, -EPIPE for a control
 * request the chip stalls.
 */
#ifndef MPSSED_EMU_EMU_H
#define MPSSED_EMU_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum emu_model {
	EMU_FT232H = 1,
	EMU_FT2232H,
	EMU_FT4232H,
	EMU_FT4232HA,
	EMU_SEALEVEL, /* 0c52:a064, an FT2232H inside */
	EMU_BRYX,     /* 0403:6988, an FT232HL inside */
};

#define EMU_LINES_MAX 16	/* per interface: ADBUS0-7 = 0-7, ACBUS0-7 = 8-15 */
#define EMU_INTERFACES_MAX 4
#define EMU_PACKET_SIZE 512
#define EMU_STATUS_BYTE0 0x32
#define EMU_STATUS_BYTE1 0x60

/* "ft232h", "ft2232h", "ft4232h", "ft4232ha", "sealevel", "bryx" */
int emu_model_from_name(const char *name);
const char *emu_model_name(enum emu_model model);

struct emu_config {
	enum emu_model model;
	const char *serial;	/* NULL: the preset's default; "": blank */
	bool timing;		/* high-speed USB microframe timing model */
};

struct emu_chip;

/*
 * Returns NULL and sets errno on failure (EINVAL: bad model, or a serial of
 * 64 characters or more). Free with emu_chip_free(). The serial is copied.
 */
struct emu_chip *emu_chip_new(const struct emu_config *config);
/* Accepts NULL; always returns NULL. */
struct emu_chip *emu_chip_free(struct emu_chip *chip);

/* --- USB identity ------------------------------------------------------ */

struct emu_identity {
	uint16_t vid, pid, bcd_device;
	unsigned interfaces;	/* USB interfaces (FT4232H: 4) */
	unsigned mpsse_interfaces; /* of which MPSSE-capable (A, B ...) */
	unsigned lines;		/* GPIO lines per MPSSE interface: 16 or 8 */
	const char *manufacturer, *product, *serial;
};
void emu_chip_identity(const struct emu_chip *chip, struct emu_identity *id);

/*
 * Device descriptor followed by the whole configuration descriptor (with
 * interface and endpoint descriptors), as Linux's usbfs "descriptors" file
 * and USB/IP present them. Returns the total length (copies at most len).
 */
size_t emu_chip_descriptors(const struct emu_chip *chip, uint8_t *buf, size_t len);

/* --- Transfers ----------------------------------------------------------- */

struct emu_setup {
	uint8_t request_type;	/* bmRequestType */
	uint8_t request;	/* bRequest */
	uint16_t value, index, length;
	uint64_t generation;	/* 0: any; else see emu_chip_generation() */
};

/*
 * One control transfer, answered at once (standard GET_DESCRIPTOR for
 * device, configuration and string descriptors; GET_STATUS;
 * SET_CONFIGURATION; SET_INTERFACE; and the FTDI vendor requests).
 * data holds setup->length bytes. Returns the number of bytes of an IN
 * answer, 0 for OUT, or -errno.
 */
int emu_chip_control(struct emu_chip *chip, const struct emu_setup *setup, uint8_t *data);
/*
 * The same with a time limit, as a host's control transfer has: only a
 * chip that stopped answering (EMU_FAULT_STOP_ANSWERING) makes a request
 * wait, and after timeout_ms (< 0: forever) it fails with -ETIMEDOUT.
 */
int emu_chip_control_timeout(struct emu_chip *chip, const struct emu_setup *setup, uint8_t *data,
			     int timeout_ms);

struct emu_xfer;
typedef void (*emu_xfer_done_fn)(struct emu_xfer *xfer);

struct emu_xfer {
	/* Set by the submitter. */
	uint8_t endpoint;	/* bulk: 0x81/0x02 (A), 0x83/0x04 (B), 0x85/0x06, 0x87/0x08 */
	uint8_t *buffer;
	size_t length;
	emu_xfer_done_fn done;
	void *user_data;
	uint64_t generation;	/* 0: any; else see emu_chip_generation() */
	/* Set before done() is called. */
	size_t actual;
	int status;		/* 0, -ENODEV, -ENOENT (cancelled), -ESHUTDOWN (chip freed) */
	/* Private to the emulator. */
	struct emu_xfer *next;
	uint64_t due_ns;
	bool queued;
};

/*
 * Submit a bulk transfer. On 0, done() is called exactly once later (never
 * from inside emu_chip_submit()). An OUT transfer is executed by the command
 * interpreter before it completes.
 */
int emu_chip_submit(struct emu_chip *chip, struct emu_xfer *xfer);
/*
 * Cancel a submitted transfer: returns 0 and done() follows with -ENOENT,
 * or -EALREADY if it has completed or is completing (also after an unplug,
 * which completes every pending transfer). A cancelled IN transfer keeps
 * the packets it already received (actual may be > 0).
 */
int emu_chip_cancel(struct emu_chip *chip, struct emu_xfer *xfer);

/* --- Plugging -------------------------------------------------------------- */

/*
 * Unplug: pending transfers complete with -ENODEV, later calls fail with
 * -ENODEV. Replug: power-on state (pins inputs, MPSSE off, FIFOs empty,
 * latency 16 ms); the pin world stays as it was.
 *
 * Both return only after every done() they caused and the listener have
 * run (on the bus thread), unless called from a callback; so they must not
 * be called with a lock those callbacks take. The chip loses power at the
 * unplug: its outputs let go then (the history shows it), not at replug.
 * Unplug when unplugged: -ENODEV; replug when plugged: -EALREADY.
 */
int emu_chip_unplug(struct emu_chip *chip);
int emu_chip_replug(struct emu_chip *chip);
bool emu_chip_plugged(const struct emu_chip *chip);
/*
 * The plug generation: 1 at power-on, one more at every unplug (at once,
 * not when the listener hears of it). A host's handle belongs to the
 * device it was opened on, as a usbfs file does: transfers and control
 * requests that carry the generation of their open fail with -ENODEV once
 * the chip was unplugged, also after a replug. Read it before checking
 * that the chip is plugged: an unplug in between then leaves it stale.
 */
uint64_t emu_chip_generation(struct emu_chip *chip);

/*
 * The listener runs on the bus thread, after the done() calls of the
 * transfers the unplug completed. After emu_chip_set_listener() returns,
 * the previous listener is not running and will not be called again
 * (unless it is called from a callback).
 */
struct emu_listener {
	/* Called after the state changed, without the chip's lock. */
	void (*plugged)(struct emu_chip *chip, bool plugged, void *user_data);
	void *user_data;
};
void emu_chip_set_listener(struct emu_chip *chip, const struct emu_listener *listener);

/* --- The pin world -------------------------------------------------------- */

/* Drive an input pin from outside the chip (ignored while it is an output). */
int emu_chip_set_input(struct emu_chip *chip, unsigned intf, unsigned line, bool level);
/* Make in_line follow out_line's level (a wire); remove with emu_chip_unwire(). */
int emu_chip_wire(struct emu_chip *chip, unsigned intf, unsigned out_line, unsigned in_line);
int emu_chip_unwire(struct emu_chip *chip, unsigned intf, unsigned in_line);
/*
 * Drive line with a square wave of hz (0 stops it; the line keeps its level).
 * The first edge comes half a period after the call; up to 100 kHz.
 */
int emu_chip_square_wave(struct emu_chip *chip, unsigned intf, unsigned line, double hz);

struct emu_step {
	uint64_t after_ns;	/* relative to the previous step (first: to the call) */
	bool level;
};
/* Play a scripted sequence of levels on an input line. */
int emu_chip_script(struct emu_chip *chip, unsigned intf, unsigned line,
		    const struct emu_step *steps, size_t n);

/* Levels of all 16 pins as seen on the wire (bit n = line n). */
uint16_t emu_chip_pins(struct emu_chip *chip, unsigned intf);
/* Directions (bit set = output) and whether MPSSE mode is on. */
uint16_t emu_chip_directions(struct emu_chip *chip, unsigned intf);
bool emu_chip_mpsse_enabled(struct emu_chip *chip, unsigned intf);

/*
 * Every change of pin levels or directions, in order, with its time
 * (CLOCK_MONOTONIC), kept in a ring of the last EMU_HISTORY_MAX changes.
 * Tests use it to prove an attach did not glitch an output and to time
 * edges. Returns the number copied, oldest first.
 */
#define EMU_HISTORY_MAX 4096
struct emu_pin_change {
	uint64_t time_ns;
	uint16_t levels;
	uint16_t directions;
};
size_t emu_chip_history(struct emu_chip *chip, unsigned intf, struct emu_pin_change *out, size_t max);
void emu_chip_clear_history(struct emu_chip *chip, unsigned intf);

/* --- Fault injection ------------------------------------------------------- */

/*
 * Faults apply to one interface, except the unplugs, which unplug the whole
 * chip (UNPLUG_AT_XFER counts the bulk transfers of that interface; the
 * one that triggers it completes with -ENODEV). Answer faults hit only
 * answers that carry data, and SHORT_PACKET only those with 2 bytes or
 * more. A transfer stuck by TIMEOUT stays stuck until cancelled, and holds
 * the transfers behind it, as on a real endpoint. Injecting into an
 * unplugged chip fails with -ENODEV.
 */

enum emu_fault_kind {
	EMU_FAULT_UNPLUG_AT_XFER = 1, /* unplug when bulk transfer number `at` (counted from now) is submitted */
	EMU_FAULT_UNPLUG_AT_TIME,     /* unplug `at` ns from now */
	EMU_FAULT_TIMEOUT,	      /* the next `count` IN transfers never complete (until cancelled) */
	EMU_FAULT_SHORT_PACKET,	      /* the next `count` IN answers carry at most 1 data byte each */
	EMU_FAULT_STATUS_ONLY,	      /* the next `count` IN answers are status-only though data waits */
	EMU_FAULT_STALE_BYTES,	      /* put `bytes` into the RX FIFO now */
	EMU_FAULT_GARBAGE,	      /* the next `count` IN answers have their data bytes replaced with `bytes` */
	EMU_FAULT_STOP_ANSWERING,     /* the interpreter stops; IN transfers and vendor requests hang */
};

struct emu_fault {
	enum emu_fault_kind kind;
	uint64_t at;		/* transfer number or ns */
	unsigned count;
	const uint8_t *bytes;	/* copied */
	size_t n_bytes;
};
int emu_chip_inject(struct emu_chip *chip, unsigned intf, const struct emu_fault *fault);
void emu_chip_clear_faults(struct emu_chip *chip);

/* --- Counters ---------------------------------------------------------------- */

struct emu_stats {
	uint64_t control;	/* control transfers to the whole chip */
	uint64_t bulk_out, bulk_in; /* completed bulk transfers */
	uint64_t bytes_out, bytes_in;
	uint64_t commands;	/* MPSSE commands executed */
	uint64_t bad_commands;	/* answered with FA */
	uint64_t send_immediate; /* 0x87 executed */
	uint64_t pin_reads;	/* 0x81 + 0x83 executed */
	unsigned in_flight_max;	/* most IN transfers pending at once */
	uint8_t latency_ms;
	uint8_t bitmode;
};
void emu_chip_stats(struct emu_chip *chip, unsigned intf, struct emu_stats *stats);

#endif
