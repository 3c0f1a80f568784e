// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The configuration parser from memory: a good file gives the struct its
 * text says; every class of error is refused at its own line with a
 * reason a user can act on; the shipped example parses; matching and the
 * access rules decide as mpssed.conf(5) says.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../tap.h"
#include "config/config.h"

static int parse(const char *text, struct config **out, struct config_error *err)
{
	return config_parse(text, strlen(text), out, err);
}

static const char good[] =
	"# comment\n"
	"[daemon]\n"
	"log-level = debug\n"
	"socket-group = nogroup\n"
	"socket-mode = 0640\n"
	"latency-timer = 2\n"
	"reads-in-flight = 8\n"
	"\n"
	"[access]\n"
	"read = *\n"
	"write = root, @nogroup 1234\n"
	"\n"
	"[chip lab]\n"
	"serial = FT1234\n"
	"interface = B\n"
	"line.0 = LED ; inline comment\n"
	"line.15 = BUTTON\n"
	"emu = nobody\n"
	"\n"
	"[chip demo]\n"
	"emulate = ft232h:serial=DEMO,world=none\n"
	"\n"
	"[chip quad]\n"
	"vid-pid = 0403:6011\n"
	"usb-path = 1-2.3\n"
	"line.7 = LAST\n";

static void test_good(void)
{
	_cleanup_(config_freep) struct config *c = NULL;
	struct config_error err;
	const struct config_chip *lab, *demo, *quad;
	int r = parse(good, &c, &err);

	tap_ok(r == 0, "a good file parses (%d: line %u: %s)", r, err.line, err.reason);
	if (r < 0)
		return;
	tap_ok(c->has_log_level && c->log_level == LOG_LEVEL_DEBUG && c->has_socket_group &&
		       c->socket_gid == 65534 && c->has_socket_mode && c->socket_mode == 0640 &&
		       c->latency_ms == 2 && c->reads_in_flight == 8,
	       "[daemon] values");
	tap_ok(c->acl[CONFIG_ACCESS_READ - 1].set && c->acl[CONFIG_ACCESS_READ - 1].anyone &&
		       c->acl[CONFIG_ACCESS_WRITE - 1].n == 3 &&
		       !c->acl[CONFIG_ACCESS_WRITE - 1].who[0].group &&
		       c->acl[CONFIG_ACCESS_WRITE - 1].who[0].id == 0 &&
		       c->acl[CONFIG_ACCESS_WRITE - 1].who[1].group &&
		       c->acl[CONFIG_ACCESS_WRITE - 1].who[1].id == 65534 &&
		       c->acl[CONFIG_ACCESS_WRITE - 1].who[2].id == 1234 &&
		       !c->acl[CONFIG_ACCESS_EMU - 1].set,
	       "[access] rules with users, groups and numbers");
	tap_ok(c->n_chips == 3, "three chip sections (%u)", c->n_chips);
	lab = config_find_chip(c, "lab");
	demo = config_find_chip(c, "demo");
	quad = config_find_chip(c, "quad");
	tap_ok(lab && lab->serial && !strcmp(lab->serial, "FT1234") && lab->intf == 1 &&
		       !lab->usb_path && !lab->has_vid_pid && lab->line_names[0] &&
		       !strcmp(lab->line_names[0], "LED") && !strcmp(lab->line_names[15], "BUTTON") &&
		       !lab->line_names[1] && lab->lineno == 13,
	       "[chip lab]: serial, interface B, line names (inline comment cut)");
	tap_ok(lab && lab->acl[CONFIG_ACCESS_EMU - 1].n == 1 &&
		       lab->acl[CONFIG_ACCESS_EMU - 1].who[0].id == 65534,
	       "[chip lab]: its own emu rule");
	tap_ok(demo && demo->has_emulate && demo->emulate.config.model == EMU_FT232H &&
		       !strcmp(demo->emulate.config.serial, "DEMO") && !demo->emulate.demo_world,
	       "[chip demo]: the emulate spec");
	tap_ok(quad && quad->has_vid_pid && quad->vid == 0x0403 && quad->pid == 0x6011 &&
		       !strcmp(quad->usb_path, "1-2.3") && !strcmp(quad->line_names[7], "LAST"),
	       "[chip quad]: vid-pid and usb-path");
}

struct bad_case {
	const char *what;
	const char *text;
	unsigned line;
	const char *reason;	/* a substring of the reason */
};

static const struct bad_case bad[] = {
	{ "unknown section", "[daemon]\n\n[deamon]\n", 3, "unknown section [deamon]" },
	{ "unknown key", "[daemon]\nlog-level = info\nsocket-grp = x\n", 3, "unknown key 'socket-grp'" },
	{ "bad log level", "[daemon]\nlog-level = loud\n", 2, "log-level: 'loud'" },
	{ "bad socket mode", "[daemon]\nsocket-mode = 0999\n", 2, "socket-mode" },
	{ "mode above 0777", "[daemon]\nsocket-mode = 01777\n", 2, "socket-mode" },
	{ "latency out of range", "[daemon]\nlatency-timer = 256\n", 2, "latency-timer" },
	{ "reads in flight zero", "[daemon]\nreads-in-flight = 0\n", 2, "reads-in-flight" },
	{ "duplicate key", "[daemon]\nlog-level = info\n\nlog-level = debug\n", 4,
	  "duplicate key 'log-level'" },
	{ "duplicate section", "[daemon]\n[access]\n[daemon]\n", 3,
	  "duplicate section [daemon] (first at line 1)" },
	{ "duplicate chip section", "[chip a]\nserial = 1\n[chip a]\nserial = 2\n", 3,
	  "duplicate section [chip a]" },
	{ "key outside a section", "log-level = info\n", 1, "outside a section" },
	{ "syntax error", "[daemon]\nlog-level info\n", 2, "syntax error" },
	{ "unclosed header", "[daemon\n", 1, "syntax error" },
	{ "unknown user", "[access]\nread = root, no-such-user-xyz\n", 2,
	  "unknown user 'no-such-user-xyz'" },
	{ "unknown group", "[chip a]\nserial = 1\nwrite = @no-such-group-xyz\n", 3,
	  "unknown group 'no-such-group-xyz'" },
	{ "unknown socket group", "[daemon]\nsocket-group = no-such-group-xyz\n", 2,
	  "unknown group" },
	{ "empty rule", "[access]\nemu = ,\n", 2, "no user or group" },
	{ "star with names", "[access]\nread = *, root\n", 2, "allows everyone already" },
	{ "offset past the database", "[chip a]\nserial = 1\nline.16 = X\n", 3, "line.16: no such line" },
	{ "offset past the chip", "[chip a]\nline.8 = X\nvid-pid = 0403:6011\n", 2,
	  "line.8: out of range: 0403:6011 has 8 lines" },
	{ "not an offset", "[chip a]\nserial = 1\nline.x = X\n", 3, "no such line" },
	{ "duplicate line name", "[chip a]\nserial = 1\nline.1 = A\nline.2 = A\n", 4,
	  "line.1 is called 'A' already" },
	{ "duplicate line key", "[chip a]\nserial = 1\nline.1 = A\nline.1 = B\n", 4,
	  "duplicate key 'line.1'" },
	{ "nothing to match", "[daemon]\n[chip lonely]\nline.0 = X\n[access]\n", 2,
	  "[chip lonely]: no serial" },
	{ "nothing to match at the end", "[chip lonely]\n", 1, "no serial" },
	{ "conflicting matches", "[chip a]\nserial = S\n\n[chip b]\nserial = S\n", 4,
	  "[chip b] matches the same chip as [chip a] (line 1)" },
	{ "emulate and a match key", "[chip a]\nemulate = ft232h\nserial = S\n", 3,
	  "an emulated chip" },
	{ "match key and emulate", "[chip a]\nvid-pid = 0403:6014\nemulate = ft232h\n", 3,
	  "an emulated chip" },
	{ "bad emulate spec", "[chip a]\nemulate = ft9999\n", 2, "emulate: unknown preset 'ft9999'" },
	{ "emulate names the chip", "[chip a]\nemulate = ft2232h:name-b=x\n", 2, "drop name=" },
	{ "bad vid-pid", "[chip a]\nvid-pid = 403:6014\n", 2, "not VID:PID" },
	{ "unsupported vid-pid", "[chip a]\nvid-pid = 1234:5678\n", 2, "not a supported MPSSE chip" },
	{ "bad interface", "[chip a]\nserial = 1\ninterface = C\n", 3, "not A or B" },
	{ "bad usb path", "[chip a]\nusb-path = /dev/bus/usb/001\n", 2, "not a bus-port path" },
	{ "bad chip name", "[chip a/b]\nserial = 1\n", 1, "not a chip name" },
	{ "control socket name", "[chip mpssed.sock]\nserial = 1\n", 1, "not a chip name" },
	{ "empty serial", "[chip a]\nserial =\n", 2, "serial: empty value" },
	{ "first error wins", "[daemon]\nlog-level = x\n[nope]\n", 2, "log-level" },
	{ "syntax error before a later error", "[daemon]\njunk\n[nope]\n", 2, "syntax error" },
};

static void test_bad(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct config *c = NULL;
		struct config_error err;
		int r = parse(bad[i].text, &c, &err);

		tap_ok(r == -EINVAL && !c && err.line == bad[i].line &&
			       strstr(err.reason, bad[i].reason),
		       "%s: refused at line %u (%d: line %u: %s)", bad[i].what, bad[i].line, r,
		       err.line, err.reason);
		config_free(c);
	}
}

static void test_long_line_and_nul(void)
{
	char text[400];
	struct config *c = NULL;
	struct config_error err;
	int r;

	snprintf(text, sizeof(text), "[daemon]\nlog-level = info ; %0300d\n", 0);
	r = parse(text, &c, &err);
	tap_ok(r == -EINVAL && err.line == 2 && strstr(err.reason, "longer"),
	       "an overlong line is refused at its line (%d: %u: %s)", r, err.line, err.reason);
	r = config_parse("[daemon]\nlog-level = info\0x\n", 28, &c, &err);
	tap_ok(r == -EINVAL && err.line == 2 && strstr(err.reason, "NUL"),
	       "a NUL byte is refused at its line (%d: %u: %s)", r, err.line, err.reason);
	r = config_parse("", 0, &c, &err);
	tap_ok(r == 0 && c && !c->n_chips && !c->has_log_level, "an empty file is a valid config");
	c = config_free(c);
	/* Not NUL-terminated: len bounds the text. */
	r = config_parse("[daemon]\nlog-level = debugXXXX", 26, &c, &err);
	tap_ok(r == 0 && c && c->log_level == LOG_LEVEL_DEBUG, "len bounds the text, no NUL needed");
	config_free(c);
}

static void test_example(void)
{
	const char *srcdir = getenv("top_srcdir");
	char path[4096];
	struct config *c = NULL;
	struct config_error err;
	int r;

	snprintf(path, sizeof(path), "%s/doc/mpssed.conf.example", srcdir ? srcdir : ".");
	r = config_load(path, &c, &err);
	tap_ok(r == 0 && c && c->n_chips >= 2,
	       "the shipped example parses (%d: line %u: %s)", r, err.line, err.reason);
	config_free(c);
	r = config_load("/nonexistent/mpssed.conf", &c, &err);
	tap_ok(r == -ENOENT && err.line == 0 && strstr(err.reason, "No such file"),
	       "a missing file is -ENOENT (%s)", err.reason);
}

static void test_match(void)
{
	_cleanup_(config_freep) struct config *c = NULL;
	struct config_error err;
	struct config_device dev = { .vid = 0x0403, .pid = 0x6010, .serial = "FT1234",
				     .usb_path = "1-1", .intf = 1 };
	const struct config_chip *m;

	if (parse("[chip first]\nserial = S\n[chip second]\nvid-pid = 0403:6014\n"
		  "[chip emu]\nemulate = ft232h:serial=S\n", &c, &err) < 0)
		tap_bail("cannot parse the match configs: %s", err.reason);
	m = config_match(c, &(struct config_device){ .vid = 0x0403, .pid = 0x6014,
						     .serial = "S", .usb_path = "", .intf = 0 });
	tap_ok(m && !strcmp(m->name, "first"), "the first matching section wins; emulate= never matches");
	m = config_match(c, &(struct config_device){ .vid = 0x0403, .pid = 0x6014,
						     .serial = "T", .usb_path = "", .intf = 0 });
	tap_ok(m && !strcmp(m->name, "second"), "vid-pid matches any serial");
	m = config_match(c, &(struct config_device){ .vid = 0x0403, .pid = 0x6014,
						     .serial = "T", .usb_path = "", .intf = 1 });
	tap_ok(!m, "interface B does not match a section for interface A");
	c = config_free(c);
	if (parse(good, &c, &err) < 0)
		tap_bail("%s", err.reason);
	m = config_match(c, &dev);
	tap_ok(m && !strcmp(m->name, "lab"), "serial and interface B match [chip lab]");
	dev.intf = 0;
	tap_ok(!config_match(c, &dev), "interface A of the same device does not");
	m = config_match(c, &(struct config_device){ .vid = 0x0403, .pid = 0x6011,
						     .serial = "", .usb_path = "1-2.3" });
	tap_ok(m && !strcmp(m->name, "quad"), "vid-pid and usb-path together match");
	tap_ok(!config_match(c, &(struct config_device){ .vid = 0x0403, .pid = 0x6011,
							 .serial = "", .usb_path = "1-2.4" }),
	       "every key must match: another port does not");
}

static void test_access(void)
{
	_cleanup_(config_freep) struct config *c = NULL;
	struct config_error err;
	const gid_t groups[] = { 20, 4242 };
	struct config_peer alice = { .uid = 1000, .gid = 1000 };
	struct config_peer member = { .uid = 1001, .gid = 1001, .groups = groups, .n_groups = 2 };
	struct config_peer root = { .uid = 0, .gid = 0 };

	tap_ok(config_allows(NULL, "x", CONFIG_ACCESS_WRITE, &alice),
	       "no configuration allows everything");
	if (parse("[chip open]\nserial = 1\n", &c, &err) < 0)
		tap_bail("%s", err.reason);
	tap_ok(config_allows(c, "open", CONFIG_ACCESS_WRITE, &alice) &&
		       config_allows(c, NULL, CONFIG_ACCESS_READ, &alice) &&
		       config_allows(c, "open", CONFIG_ACCESS_EMU, &alice),
	       "no rules: whoever can connect may do everything");
	c = config_free(c);
	if (parse("[access]\nread = 1000, @4242\nwrite = @4242\n"
		  "[chip mine]\nserial = 1\nwrite = 1000\nemu = 1000\n", &c, &err) < 0)
		tap_bail("%s", err.reason);
	tap_ok(config_allows(c, "other", CONFIG_ACCESS_READ, &alice) &&
		       !config_allows(c, "other", CONFIG_ACCESS_WRITE, &alice),
	       "[access] rules apply to chips without their own");
	tap_ok(config_allows(c, "other", CONFIG_ACCESS_WRITE, &member),
	       "a supplementary group counts");
	tap_ok(config_allows(c, "mine", CONFIG_ACCESS_WRITE, &alice) &&
		       !config_allows(c, "mine", CONFIG_ACCESS_WRITE, &member),
	       "a chip's own rule replaces [access]'s for that class");
	tap_ok(config_allows(c, "mine", CONFIG_ACCESS_READ, &member),
	       "classes the chip has no rule for fall back to [access]");
	tap_ok(config_allows(c, "other", CONFIG_ACCESS_EMU, &alice),
	       "a class with no rule anywhere is open");
	tap_ok(!config_allows(c, NULL, CONFIG_ACCESS_READ,
			      &(struct config_peer){ .uid = 5, .gid = 5 }),
	       "daemon-wide operations follow [access]");
	tap_ok(config_allows(c, "mine", CONFIG_ACCESS_WRITE, &root), "root is always allowed");
}

int main(void)
{
	tap_plan(8 + (int)ARRAY_SIZE(bad) + 4 + 2 + 7 + 9);
	test_good();
	test_bad();
	test_long_line_and_nul();
	test_example();
	test_match();
	test_access();
	return tap_done();
}
