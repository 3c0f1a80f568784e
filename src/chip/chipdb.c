// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>

#include "chip/chipdb.h"
#include "common/macros.h"

#define VID_FTDI 0x0403
#define VID_SEALEVEL 0x0c52

#define BCD_FT2232H 0x0700
#define BCD_FT4232H 0x0800
#define BCD_FT232H 0x0900
#define BCD_FT4232HA 0x3600

#define ALL16 0xffff
#define ALL8 0x00ff

/* As the kernel's gpio-mpsse quirk: only Push to Talk and Channel Activity are wired. */
#define BRYX_PTT 3
#define BRYX_CHANNEL_ACTIVITY 5

static const char *const bryx_names[CHIPDB_LINES_MAX] = {
	[BRYX_PTT] = "Push to Talk",
	[BRYX_CHANNEL_ACTIVITY] = "Channel Activity",
};

static const struct chipdb_entry chipdb[] = {
	{
		.name = "FT232H",
		.vid = VID_FTDI, .pid = 0x6014, .bcd_device = BCD_FT232H,
		.interfaces = 1, .lines = 16,
		.input_mask = ALL16, .output_mask = ALL16,
		.native_open_drain = true,
	},
	{
		.name = "FT2232H",
		.vid = VID_FTDI, .pid = 0x6010, .bcd_device = BCD_FT2232H,
		.interfaces = 2, .lines = 16,
		.input_mask = ALL16, .output_mask = ALL16,
	},
	{
		/* C and D have no MPSSE; A and B have no ACBUS. */
		.name = "FT4232H",
		.vid = VID_FTDI, .pid = 0x6011, .bcd_device = BCD_FT4232H,
		.interfaces = 2, .lines = 8,
		.input_mask = ALL8, .output_mask = ALL8,
	},
	{
		.name = "FT4232HA",
		.vid = VID_FTDI, .pid = 0x6048, .bcd_device = BCD_FT4232HA,
		.interfaces = 2, .lines = 8,
		.input_mask = ALL8, .output_mask = ALL8,
	},
	{
		.name = "Sealevel (FT2232H)",
		.vid = VID_SEALEVEL, .pid = 0xa064, .bcd_device = BCD_FT2232H,
		.interfaces = 2, .lines = 16,
		.input_mask = ALL16, .output_mask = ALL16,
	},
	{
		.name = "Bryx Radio Interface Kit (FT232HL)",
		.vid = VID_FTDI, .pid = 0x6988, .bcd_device = BCD_FT232H,
		.interfaces = 1, .lines = 16,
		.input_mask = 1u << BRYX_CHANNEL_ACTIVITY,
		.output_mask = 1u << BRYX_PTT,
		.native_open_drain = true,
		.names = bryx_names,
	},
};

static const char *const default_names[CHIPDB_LINES_MAX] = {
	"ADBUS0", "ADBUS1", "ADBUS2", "ADBUS3", "ADBUS4", "ADBUS5", "ADBUS6", "ADBUS7",
	"ACBUS0", "ACBUS1", "ACBUS2", "ACBUS3", "ACBUS4", "ACBUS5", "ACBUS6", "ACBUS7",
};

int chipdb_lookup(uint16_t vid, uint16_t pid, uint16_t bcd_device,
		  const struct chipdb_entry **out, char *why, size_t why_len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(chipdb); i++) {
		const struct chipdb_entry *e = &chipdb[i];

		if (e->vid != vid || e->pid != pid)
			continue;
		if (e->bcd_device != bcd_device) {
			if (why)
				snprintf(why, why_len,
					 "%04x:%04x has bcdDevice 0x%04x, expected 0x%04x for %s: another chip shares this ID, not used",
					 vid, pid, bcd_device, e->bcd_device, e->name);
			return -EOPNOTSUPP;
		}
		*out = e;
		return 0;
	}
	if (why)
		snprintf(why, why_len, "%04x:%04x is not a supported MPSSE chip", vid, pid);
	return -ENOENT;
}

const struct chipdb_entry *chipdb_get(size_t i)
{
	return i < ARRAY_SIZE(chipdb) ? &chipdb[i] : NULL;
}

const char *chipdb_line_name(const struct chipdb_entry *e, unsigned line)
{
	if (line >= e->lines)
		return NULL;
	if (e->names && e->names[line])
		return e->names[line];
	return default_names[line];
}

enum chipdb_open_drain chipdb_line_open_drain(const struct chipdb_entry *e, unsigned line)
{
	bool in, out;

	if (line >= e->lines)
		return CHIPDB_OPEN_DRAIN_NONE;
	in = e->input_mask >> line & 1;
	out = e->output_mask >> line & 1;
	if (e->native_open_drain && out)
		return CHIPDB_OPEN_DRAIN_NATIVE;
	if (in && out)
		return CHIPDB_OPEN_DRAIN_EMULATED;
	return CHIPDB_OPEN_DRAIN_NONE;
}
