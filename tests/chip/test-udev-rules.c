// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udev/60-mpssed.rules against the chip database: every supported VID:PID
 * gets the daemon's group, each exactly once, and no rule grants access to
 * anything the database does not list. A chip added to chipdb.c without
 * its rule (or a stale rule left behind) fails here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "chip/chipdb.h"

#define RULES "udev/60-mpssed.rules"
#define RULES_MAX 64

struct rule {
	unsigned vid, pid;
	int line;
	bool grants;	/* GROUP="mpssed", MODE="0660" */
	bool used;
};

static struct rule rules[RULES_MAX];
static size_t n_rules;
static bool guard_subsystem, guard_devtype, stray_grant;

static bool attr_hex(const char *line, const char *key, unsigned *out)
{
	const char *p = strstr(line, key);
	char *end;

	if (!p)
		return false;
	*out = (unsigned)strtoul(p + strlen(key), &end, 16);
	return end == p + strlen(key) + 4 && *end == '"';
}

static void parse_line(const char *line, int lineno)
{
	struct rule r = { .line = lineno };
	bool has_vid, has_pid;

	if (line[strspn(line, " \t")] == '#')
		return;
	if (strstr(line, "SUBSYSTEM!=\"usb\", GOTO=\"mpssed_end\""))
		guard_subsystem = true;
	if (strstr(line, "ENV{DEVTYPE}!=\"usb_device\", GOTO=\"mpssed_end\""))
		guard_devtype = true;
	has_vid = attr_hex(line, "ATTR{idVendor}==\"", &r.vid);
	has_pid = attr_hex(line, "ATTR{idProduct}==\"", &r.pid);
	r.grants = strstr(line, "GROUP=\"mpssed\"") && strstr(line, "MODE=\"0660\"");
	if ((strstr(line, "GROUP=") || strstr(line, "MODE=") || strstr(line, "OWNER=")) &&
	    !(has_vid && has_pid)) {
		tap_diag("line %d grants access without naming a VID:PID", lineno);
		stray_grant = true;
	}
	if ((has_vid || has_pid) && n_rules < RULES_MAX)
		rules[n_rules++] = r;
}

static bool load(void)
{
	const char *top = getenv("top_srcdir");
	char path[4096], buf[512];
	FILE *f;
	int lineno = 0;

	snprintf(path, sizeof(path), "%s/%s", top ? top : ".", RULES);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(buf, sizeof(buf), f))
		parse_line(buf, ++lineno);
	fclose(f);
	return true;
}

static struct rule *find(unsigned vid, unsigned pid)
{
	size_t i;

	for (i = 0; i < n_rules; i++)
		if (rules[i].vid == vid && rules[i].pid == pid && !rules[i].used)
			return &rules[i];
	return NULL;
}

int main(void)
{
	const struct chipdb_entry *e;
	size_t i, n = 0, extra = 0;

	while (chipdb_get(n))
		n++;
	tap_plan((int)n + 4);
	if (!load())
		tap_bail("cannot read %s under $top_srcdir", RULES);
	tap_ok(guard_subsystem && guard_devtype,
	       "the rules apply to usb_device nodes of the usb subsystem only");
	for (i = 0; (e = chipdb_get(i)); i++) {
		struct rule *r = find(e->vid, e->pid);

		tap_ok(r && r->grants, "%04x:%04x (%s) gets GROUP=\"mpssed\", MODE=\"0660\"%s",
		       e->vid, e->pid, e->name, r ? "" : ": no rule");
		if (r)
			r->used = true;
	}
	for (i = 0; i < n_rules; i++) {
		if (rules[i].used)
			continue;
		tap_diag("line %d: %04x:%04x is not in the chip database (or repeated)",
			 rules[i].line, rules[i].vid, rules[i].pid);
		extra++;
	}
	tap_ok(extra == 0, "every rule names a VID:PID of the chip database, once");
	tap_ok(n_rules == n, "%zu rules for %zu database entries", n_rules, n);
	tap_ok(!stray_grant, "no line grants access without naming a VID:PID");
	return tap_done();
}
