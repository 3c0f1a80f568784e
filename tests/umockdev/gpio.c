// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * GPIO through libftdi1 and the real libusb on every preset: the attach
 * sequence (reset, purge, latency, MPSSE, sync), setting both banks with
 * 80/82 and reading them back with 81 83 87, and how many such round
 * trips per second this tier manages.
 */
#include <errno.h>
#include <ftdi.h>
#include <stdio.h>
#include <string.h>

#include "../tap.h"
#include "common/macros.h"
#include "umd.h"
#include "usbfs-emu.h"

#define BENCH_NS 300000000ULL
#define QUERY_MS 500

struct preset {
	enum emu_model model;
	const char *serial;
	const char *port;
};

static const struct preset presets[] = {
	{ EMU_FT232H, "GP232H", "1-1" },
	{ EMU_FT2232H, "GP2232H", "1-2" },
	{ EMU_FT4232H, "GP4232H", "1-3" },
	{ EMU_FT4232HA, "GP4232HA", "1-4" },
	{ EMU_SEALEVEL, "GPSEAL", "1-5" },
	{ EMU_BRYX, "GPBRYX", "1-6" },
};

/* ADBUS0-3 and ACBUS4-7 outputs; ADBUS6 and ACBUS1 driven high from outside. */
static const uint8_t set_cmd[] = { 0x80, 0x05, 0x0f, 0x82, 0x30, 0xf0 };
static const uint8_t read_cmd[] = { 0x81, 0x83, 0x87 };
#define IN_LOW 6
#define IN_HIGH 9

static void test_interface(struct emu_chip *chip, const struct preset *p, unsigned intf,
			   unsigned lines)
{
	/* An 8-line interface has no ACBUS: 82 is ignored, 83 reads 0. */
	uint8_t want_high = lines > 8 ? 0x32 : 0x00;
	uint16_t want_dir = lines > 8 ? 0xf00f : 0x000f;
	const char *name = emu_model_name(p->model);
	struct emu_identity id;
	struct ftdi_context *ftdi;
	struct emu_stats stats;
	uint8_t pins[2] = { 0 };
	int r = -1, n = -1;

	emu_chip_identity(chip, &id);
	ftdi = umd_ftdi_open(id.vid, id.pid, p->serial, intf);
	if (ftdi)
		r = umd_ftdi_mpsse(ftdi);
	emu_chip_stats(chip, intf, &stats);
	tap_ok(r == 0 && emu_chip_mpsse_enabled(chip, intf) && stats.latency_ms == 1,
	       "%s %c: reset, purge, latency 1 ms, MPSSE, AA answered FA AA (%d)", name, 'A' + intf,
	       r);
	emu_chip_set_input(chip, intf, IN_LOW, true);
	emu_chip_set_input(chip, intf, IN_HIGH, true);
	if (r == 0 && ftdi_write_data(ftdi, set_cmd, sizeof(set_cmd)) == sizeof(set_cmd))
		n = umd_ftdi_query(ftdi, read_cmd, sizeof(read_cmd), pins, sizeof(pins), QUERY_MS);
	tap_ok(n == 2 && pins[0] == 0x45 && pins[1] == want_high &&
		       emu_chip_directions(chip, intf) == want_dir,
	       "%s %c: 80/82 set the outputs, 81 83 87 reads %02x %02x (%d)", name, 'A' + intf,
	       pins[0], pins[1], n);
	if (ftdi)
		ftdi_usb_close(ftdi);
	ftdi_free(ftdi);
}

/* Round trips of 81 83 87 through libftdi1, libusb, umockdev and the emulator. */
static void bench(struct emu_chip *chip, const struct preset *p)
{
	struct emu_identity id;
	struct ftdi_context *ftdi;
	uint64_t start, elapsed = 0;
	unsigned trips = 0, right = 0;

	emu_chip_identity(chip, &id);
	ftdi = umd_ftdi_open(id.vid, id.pid, p->serial, 0);
	if (ftdi && umd_ftdi_mpsse(ftdi) == 0 &&
	    ftdi_write_data(ftdi, set_cmd, sizeof(set_cmd)) == sizeof(set_cmd)) {
		start = umd_now_ns();
		while ((elapsed = umd_now_ns() - start) < BENCH_NS) {
			uint8_t pins[2] = { 0 };

			trips++;
			if (umd_ftdi_query(ftdi, read_cmd, sizeof(read_cmd), pins, sizeof(pins),
					   QUERY_MS) == 2 &&
			    pins[0] == 0x45 && pins[1] == 0x32)
				right++;
		}
	}
	tap_ok(trips > 0 && right == trips, "%u of %u round trips read the right pins", right,
	       trips);
	tap_diag("umockdev round trips (81 83 87, libftdi1 + libusb): %.0f per second",
		 elapsed ? trips * 1e9 / (double)elapsed : 0.0);
	if (ftdi)
		ftdi_usb_close(ftdi);
	ftdi_free(ftdi);
}

int main(int argc, char **argv)
{
	struct emu_chip *chips[ARRAY_SIZE(presets)];
	struct usbfs_bed *bed;
	int plan = 1;

	umd_init(argv);
	bed = usbfs_bed_new();
	if (!bed)
		tap_bail("cannot create the testbed");
	for (size_t i = 0; i < ARRAY_SIZE(presets); i++) {
		struct emu_identity id;

		chips[i] = umd_chip(presets[i].model, presets[i].serial);
		if (!usbfs_bed_plug(bed, chips[i], presets[i].port))
			tap_bail("cannot plug %s: %s", presets[i].port, strerror(errno));
		emu_chip_identity(chips[i], &id);
		plan += 2 * (int)id.mpsse_interfaces;
	}
	tap_plan(plan);
	for (size_t i = 0; i < ARRAY_SIZE(presets); i++) {
		struct emu_identity id;

		emu_chip_identity(chips[i], &id);
		for (unsigned intf = 0; intf < id.mpsse_interfaces; intf++)
			test_interface(chips[i], &presets[i], intf, id.lines);
	}
	bench(chips[0], &presets[0]);

	usbfs_bed_free(bed);
	for (size_t i = 0; i < ARRAY_SIZE(presets); i++)
		emu_chip_free(chips[i]);
	return tap_done();
}
