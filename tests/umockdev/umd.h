/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the umockdev tier's test programs share: running under umockdev's
 * preload, making chips, running libusb events with a bound, and talking
 * MPSSE through libftdi1. Single test thread; failures of setup steps
 * bail out of the TAP plan with the reason.
 */
#ifndef MPSSED_TESTS_UMOCKDEV_UMD_H
#define MPSSED_TESTS_UMOCKDEV_UMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/emu.h"

struct libusb_context;
struct ftdi_context;

/*
 * Call first in main(). Re-executes the program under umockdev-wrapper
 * unless umockdev's preload library is already loaded; prints a TAP
 * skip-all and exits when that is impossible.
 */
void umd_init(char **argv);

uint64_t umd_now_ns(void);

/* An emulated chip of the given model; serial NULL: the preset's. */
struct emu_chip *umd_chip(enum emu_model model, const char *serial);

/* Handles libusb events until *flag is non-zero or ms passed; returns *flag != 0. */
bool umd_pump(struct libusb_context *ctx, const int *flag, int ms);

/*
 * Opens MPSSE interface intf (0 = A) of the first vid:pid device, with
 * serial if not NULL, through libftdi1. NULL (reason printed as a TAP
 * diagnostic) on failure; free with ftdi_free().
 */
struct ftdi_context *umd_ftdi_open(uint16_t vid, uint16_t pid, const char *serial, unsigned intf);

/*
 * The attach sequence: SIO reset, purge, latency 1 ms, bitmode reset,
 * MPSSE, then AA must be answered FA AA. 0, or a negative libftdi code
 * (-1 for a failed sync).
 */
int umd_ftdi_mpsse(struct ftdi_context *ftdi);

/*
 * Writes cmd and reads until want answer bytes (status bytes stripped)
 * arrived or ms passed. Returns the bytes read or a negative libftdi code.
 */
int umd_ftdi_query(struct ftdi_context *ftdi, const uint8_t *cmd, size_t n, uint8_t *answer,
		   size_t want, int ms);

#endif
