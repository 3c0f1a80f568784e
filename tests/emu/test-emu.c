// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The emulator as a host sees it: descriptors, control requests, the MPSSE
 * command processor byte for byte, and the IN path's status bytes and
 * latency timer.
 */
#include <stdio.h>

#include "tap.h"
#include "helpers.h"

static struct emu_chip *chip_new(enum emu_model model, const char *serial, bool timing)
{
	struct emu_config cfg = { .model = model, .serial = serial, .timing = timing };
	struct emu_chip *chip = emu_chip_new(&cfg);

	if (!chip)
		tap_bail("emu_chip_new(%s): %s", emu_model_name(model), strerror(errno));
	return chip;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void test_models(void)
{
	static const char *const names[] = {
		"ft232h", "ft2232h", "ft4232h", "ft4232ha", "sealevel", "bryx",
	};
	bool ok = true;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int m = emu_model_from_name(names[i]);

		ok = ok && m > 0 && strcmp(emu_model_name(m), names[i]) == 0;
	}
	tap_ok(ok, "every model name maps to a model and back");
	tap_ok(emu_model_from_name("ft232r") == -EINVAL, "an unknown model name is -EINVAL");
	{
		struct emu_config cfg = { .model = 99 };

		errno = 0;
		tap_ok(!emu_chip_new(&cfg) && errno == EINVAL,
		       "emu_chip_new with a bad model: NULL, EINVAL");
	}
}

struct preset_expect {
	enum emu_model model;
	uint16_t vid, pid, bcd;
	unsigned interfaces, mpsse, lines;
	const char *manufacturer, *product;
};

static const struct preset_expect presets[] = {
	{ EMU_FT232H, 0x0403, 0x6014, 0x0900, 1, 1, 16, "FTDI", "Single RS232-HS" },
	{ EMU_FT2232H, 0x0403, 0x6010, 0x0700, 2, 2, 16, "FTDI", "Dual RS232-HS" },
	{ EMU_FT4232H, 0x0403, 0x6011, 0x0800, 4, 2, 8, "FTDI", "Quad RS232-HS" },
	{ EMU_FT4232HA, 0x0403, 0x6048, 0x3600, 4, 2, 8, "FTDI", "Quad RS232-HS" },
	{ EMU_SEALEVEL, 0x0c52, 0xa064, 0x0700, 2, 2, 16, "Sealevel", NULL },
	{ EMU_BRYX, 0x0403, 0x6988, 0x0900, 1, 1, 16, "Bryx", NULL },
};

/* Walks the configuration descriptor; true if every part is where USB wants it. */
static bool config_ok(const uint8_t *c, size_t len, unsigned interfaces)
{
	size_t off = 9;

	if (len != 9 + interfaces * 23 || c[0] != 9 || c[1] != 2 || le16(c + 2) != len ||
	    c[4] != interfaces || c[5] != 1 || !(c[7] & 0x80))
		return false;
	for (unsigned i = 0; i < interfaces; i++, off += 23) {
		const uint8_t *d = c + off, *e1 = d + 9, *e2 = d + 16;

		if (d[0] != 9 || d[1] != 4 || d[2] != i || d[4] != 2 || d[5] != 0xff)
			return false;
		if (e1[0] != 7 || e1[1] != 5 || e1[2] != 0x81 + 2 * i || e1[3] != 2 ||
		    le16(e1 + 4) != 512)
			return false;
		if (e2[0] != 7 || e2[1] != 5 || e2[2] != 0x02 + 2 * i || e2[3] != 2 ||
		    le16(e2 + 4) != 512)
			return false;
	}
	return true;
}

static void test_descriptors(void)
{
	for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
		const struct preset_expect *p = &presets[i];
		struct emu_chip *chip = chip_new(p->model, NULL, false);
		const char *name = emu_model_name(p->model);
		struct emu_identity id;
		uint8_t d[256];
		size_t len = emu_chip_descriptors(chip, d, sizeof(d));

		emu_chip_identity(chip, &id);
		tap_ok(id.vid == p->vid && id.pid == p->pid && id.bcd_device == p->bcd &&
			       id.interfaces == p->interfaces && id.mpsse_interfaces == p->mpsse &&
			       id.lines == p->lines &&
			       strcmp(id.manufacturer, p->manufacturer) == 0 &&
			       (!p->product || strcmp(id.product, p->product) == 0) && id.serial[0],
		       "%s: %04x:%04x bcd %04x, %u interfaces, %u lines, \"%s\" \"%s\" \"%s\"",
		       name, id.vid, id.pid, id.bcd_device, id.interfaces, id.lines,
		       id.manufacturer, id.product, id.serial);
		tap_ok(len == 18 + 9 + 23 * p->interfaces && d[0] == 18 && d[1] == 1 &&
			       le16(d + 2) == 0x0200 && d[4] == 0 && d[7] == 64 &&
			       le16(d + 8) == p->vid && le16(d + 10) == p->pid &&
			       le16(d + 12) == p->bcd && d[14] == 1 && d[15] == 2 && d[16] == 3 &&
			       d[17] == 1,
		       "%s: device descriptor", name);
		tap_ok(config_ok(d + 18, len - 18, p->interfaces),
		       "%s: configuration descriptor, %u interfaces", name, p->interfaces);
		emu_chip_free(chip);
	}
	{
		struct emu_chip *chip = chip_new(EMU_FT232H, "", false);
		uint8_t d[64], s[64];
		struct emu_setup get = { 0x80, 6, 0x0303, 0x0409, sizeof(s) };
		struct emu_identity id;

		emu_chip_descriptors(chip, d, sizeof(d));
		emu_chip_identity(chip, &id);
		tap_ok(d[16] == 0 && id.serial[0] == 0, "blank serial: iSerialNumber 0");
		tap_ok(emu_chip_control(chip, &get, s) == -EPIPE, "blank serial: string 3 stalls");
		emu_chip_free(chip);
	}
}

/* GET_DESCRIPTOR(string) as ASCII; -errno on stall. */
static int get_string(struct emu_chip *chip, unsigned index, char *out, size_t size)
{
	struct emu_setup s = { 0x80, 6, (uint16_t)(0x0300 | index), 0x0409, 255 };
	uint8_t d[255];
	int n = emu_chip_control(chip, &s, d);
	size_t k = 0;

	if (n < 0)
		return n;
	if (n < 2 || d[0] != n || d[1] != 3)
		return -EBADMSG;
	for (int i = 2; i + 1 < n && k + 1 < size; i += 2)
		out[k++] = d[i + 1] ? '?' : (char)d[i];
	out[k] = 0;
	return 0;
}

static void test_strings(void)
{
	struct emu_chip *a = chip_new(EMU_FT2232H, NULL, false);
	struct emu_chip *b = chip_new(EMU_FT2232H, "DUP1", false);
	struct emu_chip *c = chip_new(EMU_FT2232H, "DUP1", false);
	struct emu_setup lang = { 0x80, 6, 0x0300, 0, 255 };
	uint8_t d[255];
	char m[64], p[64], s[64], s2[64];
	int n = emu_chip_control(a, &lang, d);

	tap_ok(n == 4 && d[0] == 4 && d[1] == 3 && le16(d + 2) == 0x0409,
	       "string 0: language 0x0409");
	tap_ok(get_string(a, 1, m, sizeof(m)) == 0 && strcmp(m, "FTDI") == 0 &&
		       get_string(a, 2, p, sizeof(p)) == 0 && strcmp(p, "Dual RS232-HS") == 0 &&
		       get_string(a, 3, s, sizeof(s)) == 0 && strcmp(s, "FT000002") == 0,
	       "strings in UTF-16LE: \"%s\" \"%s\" \"%s\"", m, p, s);
	tap_ok(get_string(b, 3, s, sizeof(s)) == 0 && get_string(c, 3, s2, sizeof(s2)) == 0 &&
		       strcmp(s, "DUP1") == 0 && strcmp(s2, "DUP1") == 0,
	       "two chips may carry the same serial");
	tap_ok(get_string(a, 4, s, sizeof(s)) == -EPIPE, "a string index beyond 3 stalls");
	{
		struct emu_setup shortget = { 0x80, 6, 0x0100, 0, 8 };

		tap_ok(emu_chip_control(a, &shortget, d) == 8 && d[0] == 18,
		       "GET_DESCRIPTOR returns at most wLength bytes");
	}
	emu_chip_free(a);
	emu_chip_free(b);
	emu_chip_free(c);
}

static void test_standard_requests(void)
{
	struct emu_chip *chip = chip_new(EMU_FT2232H, NULL, false);
	struct emu_setup get_status = { 0x80, 0, 0, 0, 2 };
	struct emu_setup set_config = { 0x00, 9, 1, 0, 0 };
	struct emu_setup get_config = { 0x80, 8, 0, 0, 1 };
	struct emu_setup set_intf = { 0x01, 11, 0, 1, 0 };
	struct emu_setup set_intf_bad = { 0x01, 11, 0, 2, 0 };
	struct emu_setup clear_halt = { 0x02, 1, 0, 0x83, 0 };
	struct emu_setup clear_halt_bad = { 0x02, 1, 0, 0x85, 0 };
	uint8_t d[8] = { 0xff, 0xff };

	tap_ok(emu_chip_control(chip, &get_status, d) == 2 && d[0] == 0 && d[1] == 0,
	       "GET_STATUS: 2 bytes");
	tap_ok(emu_chip_control(chip, &set_config, NULL) == 0 &&
		       emu_chip_control(chip, &get_config, d) == 1 && d[0] == 1,
	       "SET_CONFIGURATION 1, GET_CONFIGURATION reads it back");
	tap_ok(emu_chip_control(chip, &set_intf, NULL) == 0 &&
		       emu_chip_control(chip, &set_intf_bad, NULL) == -EPIPE,
	       "SET_INTERFACE: interface 1 exists, 2 does not");
	tap_ok(emu_chip_control(chip, &clear_halt, NULL) == 0 &&
		       emu_chip_control(chip, &clear_halt_bad, NULL) == -EPIPE,
	       "CLEAR_FEATURE(ENDPOINT_HALT) on 0x83, not on the absent 0x85");
	emu_chip_free(chip);
}

static void test_vendor_requests(void)
{
	struct emu_chip *chip = chip_new(EMU_FT2232H, NULL, false);
	uint8_t d[4] = { 0 };
	struct emu_stats st;
	uint16_t w;
	int n;

	tap_ok(vendor_out(chip, 0x00, 0, 1) == 0 && vendor_out(chip, 0x00, 1, 1) == 0 &&
		       vendor_out(chip, 0x00, 2, 2) == 0,
	       "0x00 reset, purge from host, purge to host");
	tap_ok(vendor_out(chip, 0x01, 0x0303, 1) == 0 && vendor_out(chip, 0x02, 0, 1) == 0 &&
		       vendor_out(chip, 0x03, 0x4138, 1) == 0 &&
		       vendor_out(chip, 0x04, 8, 1) == 0 && vendor_out(chip, 0x06, 0, 1) == 0 &&
		       vendor_out(chip, 0x07, 0, 1) == 0,
	       "0x01 modem control, 0x02 flow control, 0x03 baud rate, 0x04 data format, 0x06/0x07 "
	       "chars accepted");
	tap_ok(vendor_in(chip, 0x05, 0, 1, d, 2) == 2 && d[0] == EMU_STATUS_BYTE0 &&
		       d[1] == EMU_STATUS_BYTE1,
	       "0x05 poll modem status: 2 bytes");
	tap_ok(vendor_in(chip, 0x0a, 0, 1, d, 1) == 1 && d[0] == 16,
	       "0x0A: latency timer 16 ms at power-on");
	tap_ok(vendor_out(chip, 0x09, 2, 2) == 0 && vendor_in(chip, 0x0a, 0, 2, d, 1) == 1 &&
		       d[0] == 2 && vendor_in(chip, 0x0a, 0, 1, d, 1) == 1 && d[0] == 16,
	       "0x09 sets the latency timer of its own interface only");
	tap_ok(vendor_out(chip, 0x09, 0, 1) == 0 && vendor_in(chip, 0x0a, 0, 1, d, 1) == 1 &&
		       d[0] == 0,
	       "latency timer 0 is accepted");
	tap_ok(vendor_out(chip, 0x0b, 0x0200, 1) == 0 && emu_chip_mpsse_enabled(chip, 0) &&
		       !emu_chip_mpsse_enabled(chip, 1),
	       "0x0B mode 2 turns MPSSE on for A only");
	emu_chip_stats(chip, 0, &st);
	tap_ok(st.bitmode == 2, "stats record the bitmode");
	tap_ok(vendor_out(chip, 0x0b, 0x01ff, 1) == 0 && !emu_chip_mpsse_enabled(chip, 0),
	       "0x0B another mode is accepted and turns MPSSE off");
	emu_chip_set_input(chip, 0, 0, true);
	emu_chip_set_input(chip, 0, 7, true);
	emu_chip_set_input(chip, 0, 9, true);
	n = vendor_in(chip, 0x0c, 0, 1, d, 1);
	tap_ok(n == 1 && d[0] == 0x81, "0x0C read pins: ADBUS levels (0x%02x)", d[0]);
	tap_ok(vendor_in(chip, 0x90, 0, 1, d, 2) == 2 && le16(d) == 0x0403 &&
		       vendor_in(chip, 0x90, 0, 2, d, 2) == 2 && le16(d) == 0x6010,
	       "0x90 EEPROM read: VID and PID words");
	tap_ok(vendor_out(chip, 0x91, 0xbeef, 0x40) == 0 &&
		       vendor_in(chip, 0x90, 0, 0x40, d, 2) == 2 && le16(d) == 0xbeef,
	       "0x91 EEPROM write, read back");
	tap_ok(vendor_out(chip, 0x92, 0, 0) == 0 && vendor_in(chip, 0x90, 0, 1, d, 2) == 2 &&
		       le16(d) == 0xffff,
	       "0x92 EEPROM erase");
	w = 0;
	tap_ok(vendor_out(chip, 0x42, 0, 1) == -EPIPE &&
		       vendor_in(chip, 0x0b, 0, 1, (uint8_t *)&w, 2) == -EPIPE,
	       "an unknown request, or a known one in the wrong direction, stalls");
	tap_ok(vendor_out(chip, 0x09, 1, 3) == -EPIPE, "wIndex naming an absent interface stalls");
	emu_chip_free(chip);
}

static void test_eeprom_image(void)
{
	struct emu_chip *chip = chip_new(EMU_FT232H, NULL, false);
	uint16_t w[128];
	uint16_t sum = 0xaaaa;
	bool ok = true;

	for (unsigned i = 0; i < 128 && ok; i++) {
		uint8_t d[2];

		ok = vendor_in(chip, 0x90, 0, (uint16_t)i, d, 2) == 2;
		w[i] = le16(d);
	}
	for (unsigned i = 0; i < 127; i++) {
		sum ^= w[i];
		sum = (uint16_t)((sum << 1) | (sum >> 15));
	}
	tap_ok(ok && sum == w[127], "EEPROM image carries a valid FTDI checksum");
	emu_chip_free(chip);
}

int main(void)
{
	test_models();
	test_descriptors();
	test_strings();
	test_standard_requests();
	test_vendor_requests();
	test_eeprom_image();
	tap_plan(tap_count);
	return tap_done();
}
