// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the host sees on the control endpoint: presets, descriptors, the
 * standard requests a usbfs or USB/IP host sends, and the FTDI vendor
 * requests (facts.md §2).
 */
#include <errno.h>
#include <string.h>

#include "common/macros.h"
#include "emu/internal.h"

static const struct emu_preset presets[] = {
	{ EMU_FT232H, "ft232h", 0x0403, 0x6014, 0x0900, 1, 1, 16, true, 1024,
	  "FTDI", "Single RS232-HS", "FT000001" },
	{ EMU_FT2232H, "ft2232h", 0x0403, 0x6010, 0x0700, 2, 2, 16, false, 4096,
	  "FTDI", "Dual RS232-HS", "FT000002" },
	{ EMU_FT4232H, "ft4232h", 0x0403, 0x6011, 0x0800, 4, 2, 8, false, 2048,
	  "FTDI", "Quad RS232-HS", "FT000003" },
	{ EMU_FT4232HA, "ft4232ha", 0x0403, 0x6048, 0x3600, 4, 2, 8, false, 2048,
	  "FTDI", "Quad RS232-HS", "FT000004" },
	{ EMU_SEALEVEL, "sealevel", 0x0c52, 0xa064, 0x0700, 2, 2, 16, false, 4096,
	  "Sealevel", "USB GPIO", "SL000001" },
	{ EMU_BRYX, "bryx", 0x0403, 0x6988, 0x0900, 1, 1, 16, true, 1024,
	  "Bryx", "Bryx Radio Interface Kit", "BX000001" },
};

const struct emu_preset *emu_preset_get(enum emu_model model)
{
	for (size_t i = 0; i < ARRAY_SIZE(presets); i++)
		if (presets[i].model == model)
			return &presets[i];
	return NULL;
}

int emu_model_from_name(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(presets); i++)
		if (strcmp(presets[i].name, name) == 0)
			return (int)presets[i].model;
	return -EINVAL;
}

const char *emu_model_name(enum emu_model model)
{
	const struct emu_preset *p = emu_preset_get(model);

	return p ? p->name : NULL;
}

enum {
	REQ_GET_STATUS = 0,
	REQ_CLEAR_FEATURE = 1,
	REQ_SET_FEATURE = 3,
	REQ_SET_ADDRESS = 5,
	REQ_GET_DESCRIPTOR = 6,
	REQ_GET_CONFIGURATION = 8,
	REQ_SET_CONFIGURATION = 9,
	REQ_GET_INTERFACE = 10,
	REQ_SET_INTERFACE = 11,

	DT_DEVICE = 1,
	DT_CONFIG = 2,
	DT_STRING = 3,
	DT_INTERFACE = 4,
	DT_ENDPOINT = 5,
	DT_QUALIFIER = 6,

	SIO_RESET = 0x00,
	SIO_MODEM_CTRL = 0x01,
	SIO_FLOW_CTRL = 0x02,
	SIO_BAUD = 0x03,
	SIO_DATA = 0x04,
	SIO_POLL_MODEM = 0x05,
	SIO_EVENT_CHAR = 0x06,
	SIO_ERROR_CHAR = 0x07,
	SIO_SET_LATENCY = 0x09,
	SIO_GET_LATENCY = 0x0a,
	SIO_SET_BITMODE = 0x0b,
	SIO_READ_PINS = 0x0c,
	SIO_READ_EEPROM = 0x90,
	SIO_WRITE_EEPROM = 0x91,
	SIO_ERASE_EEPROM = 0x92,

	/*
	 * Purge values as the chip reads them (libftdi 1.5's ftdi.h history
	 * note, and its ftdi_tciflush() sending 2): 1 empties the FIFO of bytes
	 * from the host, 2 the FIFO of bytes for the host.
	 */
	SIO_PURGE_FROM_HOST = 1,
	SIO_PURGE_TO_HOST = 2,

	MODE_RESET = 0x00,
};

static size_t put16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
	return 2;
}

static size_t build_device(const struct emu_chip *chip, uint8_t *p)
{
	const struct emu_preset *ps = chip->preset;

	p[0] = 18;
	p[1] = DT_DEVICE;
	put16(p + 2, 0x0200);
	p[4] = p[5] = p[6] = 0;
	p[7] = 64;
	put16(p + 8, ps->vid);
	put16(p + 10, ps->pid);
	put16(p + 12, ps->bcd);
	p[14] = 1;
	p[15] = 2;
	p[16] = chip->serial[0] ? 3 : 0;
	p[17] = 1;
	return 18;
}

static size_t build_endpoint(uint8_t *p, uint8_t address)
{
	p[0] = 7;
	p[1] = DT_ENDPOINT;
	p[2] = address;
	p[3] = 0x02; /* bulk */
	put16(p + 4, EMU_PACKET_SIZE);
	p[6] = 0;
	return 7;
}

static size_t build_config(const struct emu_chip *chip, uint8_t *p)
{
	unsigned n = chip->preset->interfaces;
	size_t len = 9;

	p[0] = 9;
	p[1] = DT_CONFIG;
	p[4] = (uint8_t)n;
	p[5] = 1;
	p[6] = 0;
	p[7] = 0x80; /* bus-powered */
	p[8] = 45;   /* 90 mA, FTDI's default */
	for (unsigned i = 0; i < n; i++) {
		uint8_t *d = p + len;

		d[0] = 9;
		d[1] = DT_INTERFACE;
		d[2] = (uint8_t)i;
		d[3] = 0;
		d[4] = 2;
		d[5] = d[6] = d[7] = 0xff;
		d[8] = 2; /* FTDI names each interface after the product */
		len += 9;
		len += build_endpoint(p + len, (uint8_t)(0x81 + 2 * i));
		len += build_endpoint(p + len, (uint8_t)(0x02 + 2 * i));
	}
	put16(p + 2, (uint16_t)len);
	return len;
}

/* FTDI's EEPROM checksum over every word but the last. */
static uint16_t eeprom_checksum(const uint16_t *w, size_t words)
{
	uint16_t sum = 0xaaaa;

	for (size_t i = 0; i + 1 < words; i++) {
		sum ^= w[i];
		sum = (uint16_t)((sum << 1) | (sum >> 15));
	}
	return sum;
}

/* Stores s as a string descriptor at byte offset *off; 0 if it does not fit. */
static int eeprom_string(struct emu_chip *chip, size_t *off, const char *s, unsigned slot)
{
	uint8_t *b = (uint8_t *)chip->eeprom;
	size_t n = strlen(s), len = 2 + 2 * n, end = sizeof(chip->eeprom) - 2;

	if (*off + len > end)
		return -ENOSPC;
	b[*off] = (uint8_t)len;
	b[*off + 1] = DT_STRING;
	for (size_t i = 0; i < n; i++)
		put16(b + *off + 2 + 2 * i, (uint8_t)s[i]);
	b[0x0e + 2 * slot] = (uint8_t)(*off | 0x80);
	b[0x0f + 2 * slot] = (uint8_t)len;
	*off += len;
	return 0;
}

/*
 * A plausible factory image: ids, power, and the three strings as string
 * descriptors. Little-endian words, as the chip's 93C56 holds them.
 */
static void build_eeprom(struct emu_chip *chip)
{
	const struct emu_preset *ps = chip->preset;
	uint8_t *b = (uint8_t *)chip->eeprom;
	size_t off = 0xa0;

	memset(chip->eeprom, 0, sizeof(chip->eeprom));
	put16(b + 2, ps->vid);
	put16(b + 4, ps->pid);
	put16(b + 6, ps->bcd);
	b[8] = 0x80;
	b[9] = 45;
	if (eeprom_string(chip, &off, ps->manufacturer, 0) == 0 &&
	    eeprom_string(chip, &off, ps->product, 1) == 0)
		(void)eeprom_string(chip, &off, chip->serial, 2);
	chip->eeprom[ARRAY_SIZE(chip->eeprom) - 1] =
		eeprom_checksum(chip->eeprom, ARRAY_SIZE(chip->eeprom));
}

void emu_usb_build(struct emu_chip *chip)
{
	chip->desc_len = build_device(chip, chip->desc);
	chip->desc_len += build_config(chip, chip->desc + chip->desc_len);
	build_eeprom(chip);
}

size_t emu_chip_descriptors(const struct emu_chip *chip, uint8_t *buf, size_t len)
{
	if (buf)
		memcpy(buf, chip->desc, len < chip->desc_len ? len : chip->desc_len);
	return chip->desc_len;
}

static int answer(uint8_t *data, uint16_t length, const void *src, size_t n)
{
	if (n > length)
		n = length;
	if (n)
		memcpy(data, src, n);
	return (int)n;
}

static int get_string(const struct emu_chip *chip, unsigned index, uint8_t *data, uint16_t length)
{
	const struct emu_preset *ps = chip->preset;
	const char *strings[] = { NULL, ps->manufacturer, ps->product, chip->serial };
	uint8_t d[2 + 2 * 126];
	size_t n;

	if (index == 0) {
		static const uint8_t langs[] = { 4, DT_STRING, 0x09, 0x04 };

		return answer(data, length, langs, sizeof(langs));
	}
	if (index >= ARRAY_SIZE(strings) || !strings[index][0])
		return -EPIPE;
	n = strnlen(strings[index], 126);
	d[0] = (uint8_t)(2 + 2 * n);
	d[1] = DT_STRING;
	for (size_t i = 0; i < n; i++)
		put16(d + 2 + 2 * i, (uint8_t)strings[index][i]);
	return answer(data, length, d, d[0]);
}

static int get_descriptor(const struct emu_chip *chip, const struct emu_setup *s, uint8_t *data)
{
	unsigned type = s->value >> 8, index = s->value & 0xff;

	switch (type) {
	case DT_DEVICE:
		return answer(data, s->length, chip->desc, 18);
	case DT_CONFIG:
		if (index != 0)
			return -EPIPE;
		return answer(data, s->length, chip->desc + 18, chip->desc_len - 18);
	case DT_STRING:
		return get_string(chip, index, data, s->length);
	case DT_QUALIFIER: {
		const uint8_t q[10] = { 10, DT_QUALIFIER, 0x00, 0x02, 0, 0, 0, 64, 1, 0 };

		return answer(data, s->length, q, sizeof(q));
	}
	default:
		return -EPIPE;
	}
}

static bool endpoint_exists(const struct emu_chip *chip, unsigned ep)
{
	unsigned n = chip->preset->interfaces;

	if (ep == 0 || ep == 0x80)
		return true;
	if (ep & 0x80)
		return (ep & 1) && (ep & 0x7f) < 2 * n;
	return !(ep & 1) && ep >= 2 && ep <= 2 * n;
}

static int standard_request(struct emu_chip *chip, const struct emu_setup *s, uint8_t *data)
{
	static const uint8_t zero2[2];
	unsigned recipient = s->request_type & 0x1f;
	bool in = s->request_type & 0x80;

	if (recipient == 1 && s->index >= chip->preset->interfaces)
		return -EPIPE;
	if (recipient == 2 && !endpoint_exists(chip, s->index))
		return -EPIPE;
	if (recipient > 2)
		return -EPIPE;

	switch (s->request | (in ? 0x100 : 0)) {
	case REQ_GET_STATUS | 0x100:
		return answer(data, s->length, zero2, 2);
	case REQ_GET_DESCRIPTOR | 0x100:
		return recipient == 0 ? get_descriptor(chip, s, data) : -EPIPE;
	case REQ_GET_CONFIGURATION | 0x100:
		return recipient == 0 ? answer(data, s->length, &chip->configuration, 1) : -EPIPE;
	case REQ_GET_INTERFACE | 0x100:
		return recipient == 1 && chip->configuration ? answer(data, s->length, zero2, 1) : -EPIPE;
	case REQ_SET_CONFIGURATION:
		if (recipient != 0 || s->value > 1)
			return -EPIPE;
		chip->configuration = (uint8_t)s->value;
		return 0;
	case REQ_SET_INTERFACE:
		return recipient == 1 && s->value == 0 && chip->configuration ? 0 : -EPIPE;
	case REQ_SET_ADDRESS:
		return recipient == 0 ? 0 : -EPIPE;
	case REQ_CLEAR_FEATURE:
	case REQ_SET_FEATURE:
		/* ENDPOINT_HALT on an endpoint, DEVICE_REMOTE_WAKEUP on the device */
		return (recipient == 2 && s->value == 0) || (recipient == 0 && s->value == 1) ? 0 : -EPIPE;
	default:
		return -EPIPE;
	}
}

static void purge(struct emu_intf *intf, bool from_host, bool to_host, uint64_t now)
{
	if (from_host) {
		intf->tx.head = intf->tx.len = 0;
		emu_mpsse_abort(intf);
		intf->cp.t = now;
	}
	if (to_host) {
		intf->rx.head = intf->rx.len = 0;
		emu_mpsse_rx_freed(intf, now);
	}
}

static void set_bitmode(struct emu_intf *intf, uint16_t value, uint64_t now)
{
	uint8_t mode = value >> 8;

	intf->bitmode = mode;
	intf->bitmask = value & 0xff;
	intf->stats.bitmode = mode;
	emu_mpsse_reset(intf);
	intf->cp.t = now;
	/* The processor starts afresh; unexecuted command bytes are lost. */
	intf->tx.head = intf->tx.len = 0;
	if (mode == MODE_RESET) {
		intf->dir = 0;
		intf->open_drain = 0;
		emu_history_note(intf, now);
	}
}

static int vendor_intf_request(struct emu_intf *intf, const struct emu_setup *s, uint8_t *data,
			       uint64_t now)
{
	uint8_t b[2];

	switch (s->request) {
	case SIO_RESET:
		purge(intf, s->value == 0 || s->value == SIO_PURGE_FROM_HOST,
		      s->value == 0 || s->value == SIO_PURGE_TO_HOST, now);
		return 0;
	case SIO_MODEM_CTRL:
	case SIO_FLOW_CTRL:
	case SIO_BAUD:
	case SIO_DATA:
	case SIO_EVENT_CHAR:
	case SIO_ERROR_CHAR:
		return 0;
	case SIO_POLL_MODEM:
		b[0] = EMU_STATUS_BYTE0;
		b[1] = EMU_STATUS_BYTE1;
		return answer(data, s->length, b, 2);
	case SIO_SET_LATENCY:
		intf->latency = s->value & 0xff;
		intf->stats.latency_ms = intf->latency;
		return 0;
	case SIO_GET_LATENCY:
		return answer(data, s->length, &intf->latency, 1);
	case SIO_SET_BITMODE:
		set_bitmode(intf, s->value, now);
		return 0;
	case SIO_READ_PINS:
		b[0] = emu_pins_at(intf, now) & 0xff;
		return answer(data, s->length, b, 1);
	default:
		return -EPIPE;
	}
}

static int eeprom_request(struct emu_chip *chip, const struct emu_setup *s, uint8_t *data)
{
	/* A 93C56 decodes 7 address bits: larger addresses wrap. */
	unsigned addr = s->index & (ARRAY_SIZE(chip->eeprom) - 1);
	uint8_t b[2];

	switch (s->request) {
	case SIO_READ_EEPROM:
		put16(b, chip->eeprom[addr]);
		return answer(data, s->length, b, 2);
	case SIO_WRITE_EEPROM:
		chip->eeprom[addr] = s->value;
		return 0;
	default:
		memset(chip->eeprom, 0xff, sizeof(chip->eeprom));
		return 0;
	}
}

static bool request_is_in(uint8_t request)
{
	return request == SIO_POLL_MODEM || request == SIO_GET_LATENCY ||
	       request == SIO_READ_PINS || request == SIO_READ_EEPROM;
}

static int vendor_request(struct emu_chip *chip, const struct emu_setup *s, uint8_t *data,
			  struct emu_intf **stalled)
{
	bool in = s->request_type == 0xc0;
	unsigned port = s->index & 0xff;
	struct emu_intf *intf;
	uint64_t now;

	if (in != request_is_in(s->request))
		return -EPIPE;
	if (s->request >= SIO_READ_EEPROM && s->request <= SIO_ERASE_EEPROM)
		return eeprom_request(chip, s, data);
	/* wIndex = interface + 1; 0 also means A (single-interface habits). */
	if ((port ? port - 1 : 0) >= chip->preset->interfaces)
		return -EPIPE;
	intf = &chip->intf[port ? port - 1 : 0];
	if (intf->stopped) {
		*stalled = intf;
		return -EAGAIN;
	}
	now = emu_now();
	emu_intf_service(intf, now);
	return vendor_intf_request(intf, s, data, now);
}

int emu_usb_control(struct emu_chip *chip, const struct emu_setup *setup, uint8_t *data,
		    struct emu_intf **stalled)
{
	if (setup->length && !data)
		return -EINVAL;
	switch (setup->request_type & 0x60) {
	case 0x00:
		return standard_request(chip, setup, data);
	case 0x40:
		if ((setup->request_type & 0x1f) != 0)
			return -EPIPE;
		return vendor_request(chip, setup, data, stalled);
	default:
		return -EPIPE;
	}
}
