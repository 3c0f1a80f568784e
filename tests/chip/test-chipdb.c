// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The chip database: every preset found by its USB identity with the right
 * interfaces, lines, names and open-drain kind; unknown silicon behind a
 * known ID refused with a message that names both bcdDevice values.
 */
#include <errno.h>
#include <string.h>

#include "../tap.h"
#include "chip/chipdb.h"

struct preset {
	uint16_t vid, pid, bcd;
	unsigned interfaces, lines;
	enum chipdb_open_drain od;	/* of line 0 */
};

static const struct preset presets[] = {
	{ 0x0403, 0x6014, 0x0900, 1, 16, CHIPDB_OPEN_DRAIN_NATIVE },	/* FT232H */
	{ 0x0403, 0x6010, 0x0700, 2, 16, CHIPDB_OPEN_DRAIN_EMULATED },	/* FT2232H */
	{ 0x0403, 0x6011, 0x0800, 2, 8, CHIPDB_OPEN_DRAIN_EMULATED },	/* FT4232H */
	{ 0x0403, 0x6048, 0x3600, 2, 8, CHIPDB_OPEN_DRAIN_EMULATED },	/* FT4232HA */
	{ 0x0c52, 0xa064, 0x0700, 2, 16, CHIPDB_OPEN_DRAIN_EMULATED },	/* Sealevel */
	{ 0x0403, 0x6988, 0x0900, 1, 16, CHIPDB_OPEN_DRAIN_NONE },	/* Bryx */
};

static void test_presets(void)
{
	const struct chipdb_entry *e;
	size_t i, n = 0;

	for (i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
		const struct preset *p = &presets[i];
		int r;

		e = NULL;
		r = chipdb_lookup(p->vid, p->pid, p->bcd, &e, NULL, 0);
		tap_ok(r == 0 && e && e->interfaces == p->interfaces && e->lines == p->lines &&
			       chipdb_line_open_drain(e, 0) == p->od,
		       "%04x:%04x bcdDevice %04x: %s, %u interface(s), %u lines", p->vid, p->pid,
		       p->bcd, e ? e->name : "not found", p->interfaces, p->lines);
	}
	while (chipdb_get(n))
		n++;
	tap_ok(n == sizeof(presets) / sizeof(presets[0]), "the database holds exactly these %zu presets",
	       n);
}

static void test_refusals(void)
{
	const struct chipdb_entry *e = NULL;
	char why[160] = "";
	int r;

	r = chipdb_lookup(0x0403, 0x6010, 0x0500, &e, why, sizeof(why));
	tap_ok(r == -EOPNOTSUPP && !e, "0403:6010 with bcdDevice 0x0500 (FT2232D) is refused");
	tap_ok(strstr(why, "0x0500") && strstr(why, "0x0700"),
	       "the message names the bcdDevice seen and expected: \"%s\"", why);
	tap_ok(chipdb_lookup(0x0403, 0x6048, 0x0800, &e, NULL, 0) == -EOPNOTSUPP,
	       "FT4232HA's ID with FT4232H's bcdDevice is refused");
	tap_ok(chipdb_lookup(0x0c52, 0xa064, 0x0900, &e, NULL, 0) == -EOPNOTSUPP,
	       "Sealevel accepts only the bcdDevice of its FT2232H");
	tap_ok(chipdb_lookup(0x0403, 0x6988, 0x0700, &e, NULL, 0) == -EOPNOTSUPP,
	       "Bryx accepts only the bcdDevice of its FT232HL");
	r = chipdb_lookup(0x0403, 0x6001, 0x0600, &e, why, sizeof(why));
	tap_ok(r == -ENOENT && strstr(why, "0403:6001"), "FT232R (0403:6001) is unknown: \"%s\"", why);
}

static void test_names(void)
{
	const struct chipdb_entry *ft232h = chipdb_get(0), *ft4232h = NULL, *bryx = NULL;

	chipdb_lookup(0x0403, 0x6011, 0x0800, &ft4232h, NULL, 0);
	chipdb_lookup(0x0403, 0x6988, 0x0900, &bryx, NULL, 0);
	tap_ok(!strcmp(chipdb_line_name(ft232h, 0), "ADBUS0") &&
		       !strcmp(chipdb_line_name(ft232h, 7), "ADBUS7") &&
		       !strcmp(chipdb_line_name(ft232h, 8), "ACBUS0") &&
		       !strcmp(chipdb_line_name(ft232h, 15), "ACBUS7") &&
		       !chipdb_line_name(ft232h, 16),
	       "default names ADBUS0-7, ACBUS0-7; none past line 15");
	tap_ok(!strcmp(chipdb_line_name(ft4232h, 7), "ADBUS7") && !chipdb_line_name(ft4232h, 8) &&
		       !chipdb_line_valid(ft4232h, 8) && chipdb_lines_mask(ft4232h) == 0x00ff,
	       "FT4232H has no ACBUS: no line 8");
	tap_ok(!strcmp(chipdb_line_name(bryx, 3), "Push to Talk") &&
		       !strcmp(chipdb_line_name(bryx, 5), "Channel Activity") &&
		       !strcmp(chipdb_line_name(bryx, 4), "ADBUS4"),
	       "Bryx names lines 3 and 5, the others keep default names");
}

static void test_bryx_lines(void)
{
	const struct chipdb_entry *bryx = NULL;
	unsigned line, valid = 0;

	chipdb_lookup(0x0403, 0x6988, 0x0900, &bryx, NULL, 0);
	for (line = 0; line < 16; line++)
		valid |= chipdb_line_valid(bryx, line) << line;
	tap_ok(valid == (1u << 3 | 1u << 5), "Bryx: only lines 3 and 5 are usable (mask %04x)", valid);
	tap_ok(bryx->output_mask == 1u << 3 && !(bryx->input_mask & 1u << 3),
	       "Bryx line 3 (Push to Talk) is output-only");
	tap_ok(bryx->input_mask == 1u << 5 && !(bryx->output_mask & 1u << 5),
	       "Bryx line 5 (Channel Activity) is input-only");
	tap_ok(chipdb_line_open_drain(bryx, 3) == CHIPDB_OPEN_DRAIN_NATIVE &&
		       chipdb_line_open_drain(bryx, 5) == CHIPDB_OPEN_DRAIN_NONE,
	       "Bryx: PTT can be open-drain (FT232HL's 9E), the input-only line cannot");
}

int main(void)
{
	tap_plan(20);
	test_presets();
	test_refusals();
	test_names();
	test_bryx_lines();
	return tap_done();
}
