// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Finding emulated chips with the real libusb and libftdi1: descriptors,
 * strings, chip type detection, and choosing one device among several by
 * serial or, when serials are blank or duplicated, by USB port path.
 */
#include <errno.h>
#include <ftdi.h>
#include <libusb.h>
#include <stdio.h>
#include <string.h>

#include "../tap.h"
#include "common/macros.h"
#include "umd.h"
#include "usbfs-emu.h"

#define PORT_PATH_MAX 32

struct preset {
	enum emu_model model;
	const char *serial;
	const char *port;
	enum ftdi_chip_type type;	/* what libftdi1 1.5 detects */
};

/* FT4232HA's bcdDevice 0x3600 is unknown to libftdi1 1.5: it stays TYPE_BM. */
static const struct preset presets[] = {
	{ EMU_FT232H, "UMD232H", "1-1", TYPE_232H },
	{ EMU_FT2232H, "UMD2232H", "1-2", TYPE_2232H },
	{ EMU_FT4232H, "UMD4232H", "1-3", TYPE_4232H },
	{ EMU_FT4232HA, "UMD4232HA", "1-4", TYPE_BM },
	{ EMU_SEALEVEL, "UMDSEAL", "1-5", TYPE_2232H },
	{ EMU_BRYX, "UMDBRYX", "1-6", TYPE_232H },
};

/* On a second bus: no serial, twice, and the same serial twice. */
static const struct preset anonymous[] = {
	{ EMU_FT232H, "", "2-1", TYPE_232H },
	{ EMU_FT232H, "", "2-2", TYPE_232H },
	{ EMU_FT232H, "DUP", "2-3", TYPE_232H },
	{ EMU_FT232H, "DUP", "2-4", TYPE_232H },
};

/* "<bus>-<port>[.<port>...]" as sysfs names it, from libusb's view. */
static void port_path(libusb_device *dev, char *buf, size_t len)
{
	uint8_t ports[7];
	int n = libusb_get_port_numbers(dev, ports, sizeof(ports));
	size_t at = (size_t)snprintf(buf, len, "%u", libusb_get_bus_number(dev));

	for (int i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%c%u", i ? '.' : '-', ports[i]);
}

static libusb_device *find_by_port(libusb_device **list, const char *port)
{
	char path[PORT_PATH_MAX];

	for (; *list; list++) {
		port_path(*list, path, sizeof(path));
		if (!strcmp(path, port))
			return *list;
	}
	return NULL;
}

static void test_descriptors(struct emu_chip *chip, const char *port, size_t plugged)
{
	struct libusb_config_descriptor *config = NULL;
	const struct libusb_interface_descriptor *alt;
	struct libusb_device_descriptor desc;
	libusb_context *ctx = NULL;
	libusb_device **list = NULL;
	libusb_device *dev;
	struct emu_identity id;
	ssize_t n;

	emu_chip_identity(chip, &id);
	if (libusb_init(&ctx) < 0)
		tap_bail("libusb_init failed");
	n = libusb_get_device_list(ctx, &list);
	dev = n > 0 ? find_by_port(list, port) : NULL;
	tap_ok(n == (ssize_t)plugged && dev,
	       "libusb lists every emulated device (%zd), one at port %s", n, port);
	if (!dev)
		tap_bail("the FT232H is not enumerated");
	libusb_get_device_descriptor(dev, &desc);
	tap_ok(desc.idVendor == id.vid && desc.idProduct == id.pid && desc.bcdDevice == id.bcd_device &&
		       libusb_get_device_speed(dev) == LIBUSB_SPEED_HIGH,
	       "device descriptor %04x:%04x bcdDevice %04x, high speed", desc.idVendor,
	       desc.idProduct, desc.bcdDevice);
	libusb_get_active_config_descriptor(dev, &config);
	alt = config && config->bNumInterfaces == 1 ? config->interface[0].altsetting : NULL;
	tap_ok(alt && alt->bNumEndpoints == 2 && alt->endpoint[0].bEndpointAddress == 0x81 &&
		       alt->endpoint[0].wMaxPacketSize == 512 &&
		       alt->endpoint[1].bEndpointAddress == 0x02,
	       "the active configuration has one interface with bulk 0x81/0x02 of 512 bytes");
	libusb_free_config_descriptor(config);
	libusb_free_device_list(list, 1);
	libusb_exit(ctx);
}

static void test_strings(struct emu_chip *chip, const struct preset *p)
{
	unsigned char manufacturer[64] = "", product[64] = "", serial[64] = "";
	libusb_device_handle *h = NULL;
	struct libusb_device_descriptor desc;
	libusb_context *ctx = NULL;
	libusb_device **list = NULL;
	libusb_device *dev;
	struct emu_identity id;

	emu_chip_identity(chip, &id);
	libusb_init(&ctx);
	libusb_get_device_list(ctx, &list);
	dev = find_by_port(list, p->port);
	if (dev && libusb_open(dev, &h) == 0) {
		libusb_get_device_descriptor(dev, &desc);
		libusb_get_string_descriptor_ascii(h, desc.iManufacturer, manufacturer,
						   sizeof(manufacturer));
		libusb_get_string_descriptor_ascii(h, desc.iProduct, product, sizeof(product));
		libusb_get_string_descriptor_ascii(h, desc.iSerialNumber, serial, sizeof(serial));
		libusb_close(h);
	}
	tap_ok(!strcmp((char *)manufacturer, id.manufacturer) &&
		       !strcmp((char *)product, id.product) && !strcmp((char *)serial, p->serial),
	       "string descriptors through control transfers: \"%s\" \"%s\" \"%s\"", manufacturer,
	       product, serial);
	libusb_free_device_list(list, 1);
	libusb_exit(ctx);
}

/* libftdi1 opens each preset by VID:PID and serial and knows what it is. */
static void test_ftdi_types(struct emu_chip **chips)
{
	for (size_t i = 0; i < ARRAY_SIZE(presets); i++) {
		const struct preset *p = &presets[i];
		struct emu_identity id;
		struct ftdi_context *ftdi;

		emu_chip_identity(chips[i], &id);
		ftdi = umd_ftdi_open(id.vid, id.pid, p->serial, 0);
		tap_ok(ftdi && ftdi->type == p->type && ftdi->max_packet_size == 512,
		       "libftdi1 opens %s by %04x:%04x + serial and detects type %d (%d)",
		       emu_model_name(p->model), id.vid, id.pid, p->type, ftdi ? (int)ftdi->type : -1);
		if (ftdi)
			ftdi_usb_close(ftdi);
		ftdi_free(ftdi);
	}
}

/* The address libusb gave the device an ftdi context has open. */
static int ftdi_port(struct ftdi_context *ftdi, char *buf, size_t len)
{
	if (!ftdi || !ftdi->usb_dev)
		return -ENODEV;
	port_path(libusb_get_device(ftdi->usb_dev), buf, len);
	return 0;
}

static void test_select_serial(void)
{
	struct ftdi_context *ftdi = umd_ftdi_open(0x0403, 0x6010, "UMD2232H", 1);
	char path[PORT_PATH_MAX] = "";

	/* libftdi1 names endpoints from the chip's side: out_ep is bulk IN. */
	tap_ok(ftdi_port(ftdi, path, sizeof(path)) == 0 && !strcmp(path, "1-2") &&
		       ftdi->interface == 1 && ftdi->out_ep == 0x83,
	       "by serial among several devices: FT2232H interface B at %s", path);
	if (ftdi)
		ftdi_usb_close(ftdi);
	ftdi_free(ftdi);
}

/* FT232Hs without a usable serial: only the port path tells them apart. */
static void test_select_port(void)
{
	struct ftdi_context *ftdi = ftdi_new();
	libusb_device **list = NULL;
	char path[PORT_PATH_MAX] = "";
	int opened = 0, r;

	/* Pick from libftdi1's own libusb context by port, then open that one. */
	if (ftdi && libusb_get_device_list(ftdi->usb_ctx, &list) > 0) {
		for (size_t i = 0; i < ARRAY_SIZE(anonymous); i++) {
			libusb_device *dev = find_by_port(list, anonymous[i].port);

			if (dev && ftdi_usb_open_dev(ftdi, dev) == 0 &&
			    ftdi_port(ftdi, path, sizeof(path)) == 0 &&
			    !strcmp(path, anonymous[i].port))
				opened++;
			ftdi_usb_close(ftdi);
		}
		libusb_free_device_list(list, 1);
	}
	tap_ok(opened == (int)ARRAY_SIZE(anonymous),
	       "blank and duplicate serials: each device opens by its port path (%d of %zu)",
	       opened, ARRAY_SIZE(anonymous));
	ftdi_free(ftdi);
	/*
	 * libftdi1 1.5 gives up at the first same-VID:PID device without a
	 * serial string instead of skipping it: one blank clone plugged in
	 * and opening by serial fails. (libusb lists the newest devices
	 * first: bus 2's blank ones come before UMD232H on bus 1.)
	 */
	ftdi = ftdi_new();
	r = ftdi ? ftdi_usb_open_desc(ftdi, 0x0403, 0x6014, NULL, "UMD232H") : 0;
	tap_ok(r == -9, "libftdi1 1.5 cannot open by serial once a blank-serial twin is present (%d %s)",
	       r, ftdi ? ftdi_get_error_string(ftdi) : "");
	ftdi_free(ftdi);
}

static struct emu_chip *plug(struct usbfs_bed *bed, enum emu_model model, const char *serial,
			     const char *port)
{
	struct emu_chip *chip = umd_chip(model, serial);

	if (!usbfs_bed_plug(bed, chip, port))
		tap_bail("cannot plug at %s: %s", port, strerror(errno));
	return chip;
}

int main(int argc, char **argv)
{
	struct emu_chip *chips[ARRAY_SIZE(presets)], *others[ARRAY_SIZE(anonymous)];
	struct usbfs_bed *bed;

	umd_init(argv);
	tap_plan(13);
	bed = usbfs_bed_new();
	if (!bed)
		tap_bail("cannot create the testbed");
	for (size_t i = 0; i < ARRAY_SIZE(presets); i++)
		chips[i] = plug(bed, presets[i].model, presets[i].serial, presets[i].port);
	test_descriptors(chips[0], presets[0].port, ARRAY_SIZE(presets));
	test_strings(chips[0], &presets[0]);
	test_ftdi_types(chips);
	test_select_serial();

	for (size_t i = 0; i < ARRAY_SIZE(anonymous); i++)
		others[i] = plug(bed, anonymous[i].model, anonymous[i].serial, anonymous[i].port);
	test_select_port();

	usbfs_bed_free(bed);
	for (size_t i = 0; i < ARRAY_SIZE(presets); i++)
		emu_chip_free(chips[i]);
	for (size_t i = 0; i < ARRAY_SIZE(anonymous); i++)
		emu_chip_free(others[i]);
	return tap_done();
}
