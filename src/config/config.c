// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The parser. libinih splits the text into sections and key = value pairs;
 * it feeds on lines from our reader, which counts them, so every error is
 * reported at its own line, and which also sees the section headers (inih
 * only reports keys): a section with no keys, or one given twice, is
 * still noticed. The first error wins; everything after it is only read
 * through.
 */
#include <errno.h>
#include <grp.h>
#include <ini.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"

#define FILE_MAX (1024 * 1024)
#define LINE_NAME_MAX 32	/* as the uAPI's line name, with the NUL */

enum section_kind {
	SECTION_NONE = 1,	/* before the first header */
	SECTION_DAEMON,
	SECTION_ACCESS,
	SECTION_CHIP,
};

struct parser {
	/* The reader's side. */
	const char *pos, *end;
	unsigned line;
	/* The handler's side. */
	struct config *config;
	struct config_error *err;
	bool failed;
	int errno_fail;				/* -ENOMEM wins over a file error */
	enum section_kind kind;
	unsigned section_line;
	bool seen_daemon, seen_access;
	unsigned daemon_line, access_line;
	uint32_t keys;				/* bit per fixed key seen in this section */
	struct config_chip *chip;		/* SECTION_CHIP */
	unsigned line_lineno[CHIPDB_LINES_MAX];	/* where each line.N was */
	unsigned chip_lines;			/* known from vid-pid, else CHIPDB_LINES_MAX */
};

_printf_(2, 3) static void fail_at(struct parser *p, const char *fmt, ...);

_printf_(3, 0) static void fail_line(struct parser *p, unsigned line, const char *fmt, va_list ap)
{
	if (p->failed)
		return;
	p->failed = true;
	p->err->line = line;
	vsnprintf(p->err->reason, sizeof(p->err->reason), fmt, ap);
}

static void fail_at(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_line(p, p->line, fmt, ap);
	va_end(ap);
}

_printf_(3, 4) static void fail_at_line(struct parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_line(p, line, fmt, ap);
	va_end(ap);
}

static void fail_nomem(struct parser *p)
{
	p->errno_fail = -ENOMEM;
	fail_at(p, "out of memory");
}

/* --- Values ------------------------------------------------------------------- */

static int parse_uint(const char *text, int base, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long n;

	if (!*text || *text == '-' || *text == '+')
		return -EINVAL;
	errno = 0;
	n = strtoul(text, &end, base);
	if (*end || errno || n > max)
		return -EINVAL;
	*out = n;
	return 0;
}

int config_parse_group(const char *name, gid_t *gid)
{
	struct group *g;
	unsigned long n;

	if (parse_uint(name, 10, (gid_t)-1 - 1, &n) == 0) {
		*gid = (gid_t)n;
		return 0;
	}
	g = getgrnam(name);
	if (!g)
		return -ENOENT;
	*gid = g->gr_gid;
	return 0;
}

int config_parse_user(const char *name, uid_t *uid)
{
	struct passwd *pw;
	unsigned long n;

	if (parse_uint(name, 10, (uid_t)-1 - 1, &n) == 0) {
		*uid = (uid_t)n;
		return 0;
	}
	pw = getpwnam(name);
	if (!pw)
		return -ENOENT;
	*uid = pw->pw_uid;
	return 0;
}

int config_parse_mode(const char *text, mode_t *mode)
{
	unsigned long n;

	if (parse_uint(text, 8, 0777, &n) < 0)
		return -EINVAL;
	*mode = (mode_t)n;
	return 0;
}

static char *dup_value(struct parser *p, const char *value)
{
	char *s = strdup(value);

	if (!s)
		fail_nomem(p);
	return s;
}

/* --- Access rules -------------------------------------------------------------- */

static int acl_add(struct parser *p, struct config_acl *acl, const char *token)
{
	struct config_principal who = { .group = token[0] == '@' };
	struct config_principal *grown;
	int r;

	if (!strcmp(token, "*")) {
		acl->anyone = true;
		return 0;
	}
	if (who.group)
		r = config_parse_group(token + 1, &who.id);
	else
		r = config_parse_user(token, &who.id);
	if (r < 0) {
		fail_at(p, "unknown %s '%s'", who.group ? "group" : "user", token + who.group);
		return r;
	}
	grown = reallocarray(acl->who, acl->n + 1, sizeof(*grown));
	if (!grown) {
		fail_nomem(p);
		return -ENOMEM;
	}
	acl->who = grown;
	acl->who[acl->n++] = who;
	return 0;
}

/* "alice, @gpio, 1001 @20" or "*". */
static void parse_acl(struct parser *p, struct config_acl *acl, const char *key,
		      const char *value)
{
	_cleanup_free_ char *copy = dup_value(p, value);
	char *save = NULL;

	if (!copy)
		return;
	acl->set = true;
	for (char *t = strtok_r(copy, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save))
		if (acl_add(p, acl, t) < 0)
			return;
	if (!acl->anyone && !acl->n)
		fail_at(p, "%s: no user or group given (\"*\" allows everyone)", key);
	else if (acl->anyone && acl->n)
		fail_at(p, "%s: \"*\" allows everyone already; name nobody else", key);
}

static const char *const access_keys[CONFIG_ACCESS_CLASSES] = { "read", "write", "emu" };

/* One of read, write, emu: true when key was one. */
static bool parse_access_key(struct parser *p, struct config_acl *acls, const char *key,
			     const char *value)
{
	for (unsigned i = 0; i < CONFIG_ACCESS_CLASSES; i++) {
		if (strcmp(key, access_keys[i]))
			continue;
		if (acls[i].set)
			fail_at(p, "duplicate key '%s'", key);
		else
			parse_acl(p, &acls[i], key, value);
		return true;
	}
	return false;
}

/* --- Sections ------------------------------------------------------------------- */

/* Each fixed key once per section; bit is the key's index in its section's table. */
static bool key_once(struct parser *p, unsigned bit, const char *key)
{
	if (p->keys & (1u << bit)) {
		fail_at(p, "duplicate key '%s'", key);
		return false;
	}
	p->keys |= 1u << bit;
	return true;
}

enum daemon_key { DK_LOG_LEVEL, DK_SOCKET_GROUP, DK_SOCKET_MODE, DK_LATENCY, DK_READS };
static const char *const daemon_keys[] = {
	[DK_LOG_LEVEL] = "log-level",
	[DK_SOCKET_GROUP] = "socket-group",
	[DK_SOCKET_MODE] = "socket-mode",
	[DK_LATENCY] = "latency-timer",
	[DK_READS] = "reads-in-flight",
};

static int key_index(const char *const *keys, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(keys[i], key))
			return (int)i;
	return -1;
}

static void daemon_key(struct parser *p, const char *key, const char *value)
{
	struct config *c = p->config;
	int k = key_index(daemon_keys, ARRAY_SIZE(daemon_keys), key);
	unsigned long n;
	int level;

	if (k < 0) {
		fail_at(p, "unknown key '%s' in [daemon] (log-level, socket-group, socket-mode, "
			   "latency-timer, reads-in-flight)", key);
		return;
	}
	if (!key_once(p, (unsigned)k, key))
		return;
	switch (k) {
	case DK_LOG_LEVEL:
		level = log_level_from_string(value);
		if (level < 0)
			fail_at(p, "log-level: '%s' is not error, warning, info or debug", value);
		c->log_level = (enum log_level)level;
		c->has_log_level = true;
		break;
	case DK_SOCKET_GROUP:
		if (config_parse_group(value, &c->socket_gid) < 0)
			fail_at(p, "socket-group: unknown group '%s'", value);
		c->has_socket_group = true;
		break;
	case DK_SOCKET_MODE:
		if (config_parse_mode(value, &c->socket_mode) < 0)
			fail_at(p, "socket-mode: '%s' is not an octal mode up to 0777", value);
		c->has_socket_mode = true;
		break;
	case DK_LATENCY:
		if (parse_uint(value, 10, 255, &n) < 0 || !n)
			fail_at(p, "latency-timer: '%s' is not a number of milliseconds from 1 to 255",
				value);
		c->latency_ms = (uint8_t)n;
		break;
	case DK_READS:
		if (parse_uint(value, 10, 16, &n) < 0 || !n)
			fail_at(p, "reads-in-flight: '%s' is not a number from 1 to 16", value);
		c->reads_in_flight = (unsigned)n;
		break;
	}
}

static void access_key(struct parser *p, const char *key, const char *value)
{
	if (!parse_access_key(p, p->config->acl, key, value))
		fail_at(p, "unknown key '%s' in [access] (read, write, emu)", key);
}

/* --- [chip NAME] ------------------------------------------------------------------ */

enum chip_key { CK_SERIAL, CK_USB_PATH, CK_VID_PID, CK_INTERFACE, CK_EMULATE };
static const char *const chip_keys[] = {
	[CK_SERIAL] = "serial",
	[CK_USB_PATH] = "usb-path",
	[CK_VID_PID] = "vid-pid",
	[CK_INTERFACE] = "interface",
	[CK_EMULATE] = "emulate",
};
#define MATCH_KEYS (1u << CK_SERIAL | 1u << CK_USB_PATH | 1u << CK_VID_PID)

/* "0403:6014", a chip of the database: also tells how many lines it has. */
static void parse_vid_pid(struct parser *p, struct config_chip *chip, const char *value)
{
	unsigned long vid, pid;
	char hex[2][5];
	const struct chipdb_entry *e;

	if (strlen(value) != 9 || value[4] != ':' || sscanf(value, "%4[0-9a-fA-F]:%4[0-9a-fA-F]",
								hex[0], hex[1]) != 2 ||
	    strlen(hex[0]) != 4 || strlen(hex[1]) != 4) {
		fail_at(p, "vid-pid: '%s' is not VID:PID in hexadecimal (0403:6014)", value);
		return;
	}
	vid = strtoul(hex[0], NULL, 16);
	pid = strtoul(hex[1], NULL, 16);
	for (size_t i = 0; (e = chipdb_get(i)); i++)
		if (e->vid == vid && e->pid == pid)
			break;
	if (!e) {
		fail_at(p, "vid-pid: %s is not a supported MPSSE chip", value);
		return;
	}
	chip->has_vid_pid = true;
	chip->vid = (uint16_t)vid;
	chip->pid = (uint16_t)pid;
	p->chip_lines = e->lines;
}

static void parse_emulate(struct parser *p, struct config_chip *chip, const char *value)
{
	char why[200];

	chip->emulate_text = dup_value(p, value);
	if (!chip->emulate_text)
		return;
	if (emulate_spec_parse(chip->emulate_text, &chip->emulate, why, sizeof(why)) < 0) {
		fail_at(p, "emulate: %s", why);
		return;
	}
	if (chip->emulate.name[0] || chip->emulate.name_b[0]) {
		fail_at(p, "emulate: the section names the chip; drop name= and name-b=");
		return;
	}
	chip->has_emulate = true;
}

static void chip_fixed_key(struct parser *p, enum chip_key k, const char *value)
{
	struct config_chip *chip = p->chip;

	if ((k == CK_EMULATE && (p->keys & MATCH_KEYS)) ||
	    ((1u << k & MATCH_KEYS) && (p->keys & 1u << CK_EMULATE))) {
		fail_at(p, "%s: an emulated chip (emulate=) has no serial, usb-path or vid-pid to match",
			chip_keys[k]);
		return;
	}
	if (!*value) {
		fail_at(p, "%s: empty value", chip_keys[k]);
		return;
	}
	switch (k) {
	case CK_SERIAL:
		chip->serial = dup_value(p, value);
		break;
	case CK_USB_PATH:
		if (strspn(value, "0123456789.-") != strlen(value) || !strchr(value, '-'))
			fail_at(p, "usb-path: '%s' is not a bus-port path (1-2.3)", value);
		else
			chip->usb_path = dup_value(p, value);
		break;
	case CK_VID_PID:
		parse_vid_pid(p, chip, value);
		break;
	case CK_INTERFACE:
		if (strcmp(value, "A") && strcmp(value, "B"))
			fail_at(p, "interface: '%s' is not A or B", value);
		chip->intf = value[0] == 'B';
		break;
	case CK_EMULATE:
		parse_emulate(p, chip, value);
		break;
	}
}

/* line.N = NAME */
static void chip_line_key(struct parser *p, const char *key, const char *value)
{
	struct config_chip *chip = p->chip;
	unsigned long n;

	if (parse_uint(key + 5, 10, CHIPDB_LINES_MAX - 1, &n) < 0) {
		fail_at(p, "%s: no such line (line.0 to line.%d)", key, CHIPDB_LINES_MAX - 1);
		return;
	}
	if (chip->line_names[n]) {
		fail_at(p, "duplicate key '%s'", key);
		return;
	}
	if (!*value || strlen(value) >= LINE_NAME_MAX) {
		fail_at(p, "%s: a line name has 1 to %d characters", key, LINE_NAME_MAX - 1);
		return;
	}
	for (unsigned i = 0; i < CHIPDB_LINES_MAX; i++) {
		if (chip->line_names[i] && !strcmp(chip->line_names[i], value)) {
			fail_at(p, "%s: line.%u is called '%s' already", key, i, value);
			return;
		}
	}
	chip->line_names[n] = dup_value(p, value);
	p->line_lineno[n] = p->line;
}

static void chip_key(struct parser *p, const char *key, const char *value)
{
	int k = key_index(chip_keys, ARRAY_SIZE(chip_keys), key);

	if (k >= 0) {
		if (key_once(p, (unsigned)k, key))
			chip_fixed_key(p, (enum chip_key)k, value);
	} else if (!strncmp(key, "line.", 5)) {
		chip_line_key(p, key, value);
	} else if (!parse_access_key(p, p->chip->acl, key, value)) {
		fail_at(p, "unknown key '%s' in [chip %s] (serial, usb-path, vid-pid, interface, "
			   "emulate, line.N, read, write, emu)", key, p->chip->name);
	}
}

static bool same_string(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool same_match(const struct config_chip *a, const struct config_chip *b)
{
	return !a->has_emulate && !b->has_emulate && same_string(a->serial, b->serial) &&
	       same_string(a->usb_path, b->usb_path) && a->has_vid_pid == b->has_vid_pid &&
	       a->vid == b->vid && a->pid == b->pid && a->intf == b->intf;
}

/* What can only be judged once the whole section is read. */
static void chip_end(struct parser *p)
{
	struct config_chip *chip = p->chip;
	struct config *c = p->config;

	if (!(p->keys & (MATCH_KEYS | 1u << CK_EMULATE))) {
		fail_at_line(p, chip->lineno,
			     "[chip %s]: no serial, usb-path, vid-pid or emulate to find the chip by",
			     chip->name);
		return;
	}
	for (unsigned i = p->chip_lines; i < CHIPDB_LINES_MAX; i++) {
		if (chip->line_names[i]) {
			fail_at_line(p, p->line_lineno[i], "line.%u: out of range: %04x:%04x has %u lines",
				     i, chip->vid, chip->pid, p->chip_lines);
			return;
		}
	}
	for (unsigned i = 0; i + 1 < c->n_chips; i++) {
		if (same_match(c->chips[i], chip)) {
			fail_at_line(p, chip->lineno,
				     "[chip %s] matches the same chip as [chip %s] (line %u)",
				     chip->name, c->chips[i]->name, c->chips[i]->lineno);
			return;
		}
	}
}

static void section_end(struct parser *p)
{
	if (p->kind == SECTION_CHIP && !p->failed)
		chip_end(p);
	p->chip = NULL;
	p->keys = 0;
}

static void chip_begin(struct parser *p, const char *name)
{
	struct config *c = p->config;
	struct config_chip **grown;
	const struct config_chip *other;

	if (!mpssed_valid_chip_name(name)) {
		fail_at(p, "[chip %s]: not a chip name (1 to %d characters, no '/', not %s)", name,
			MPSSED_CHIP_NAME_MAX - 1, MPSSED_CONTROL_SOCKET);
		return;
	}
	other = config_find_chip(c, name);
	if (other) {
		fail_at(p, "duplicate section [chip %s] (first at line %u)", name, other->lineno);
		return;
	}
	grown = reallocarray(c->chips, c->n_chips + 1, sizeof(*grown));
	if (!grown) {
		fail_nomem(p);
		return;
	}
	c->chips = grown;
	p->chip = calloc(1, sizeof(*p->chip));
	if (!p->chip) {
		fail_nomem(p);
		return;
	}
	strcpy(p->chip->name, name);
	p->chip->lineno = p->line;
	c->chips[c->n_chips++] = p->chip;
	p->kind = SECTION_CHIP;
	p->chip_lines = CHIPDB_LINES_MAX;
	memset(p->line_lineno, 0, sizeof(p->line_lineno));
}

static void once_section(struct parser *p, bool *seen, unsigned *where, const char *name,
			 enum section_kind kind)
{
	if (*seen) {
		fail_at(p, "duplicate section [%s] (first at line %u)", name, *where);
		return;
	}
	*seen = true;
	*where = p->line;
	p->kind = kind;
}

/* A header line "[name]", as inih reads it (the text between '[' and the first ']'). */
static void section_begin(struct parser *p, const char *name, size_t len)
{
	char buf[64];

	section_end(p);
	if (p->failed)
		return;
	if (len >= sizeof(buf)) {
		fail_at(p, "unknown section [%.*s]", (int)len, name);
		return;
	}
	memcpy(buf, name, len);
	buf[len] = '\0';
	if (!strcmp(buf, "daemon"))
		once_section(p, &p->seen_daemon, &p->daemon_line, buf, SECTION_DAEMON);
	else if (!strcmp(buf, "access"))
		once_section(p, &p->seen_access, &p->access_line, buf, SECTION_ACCESS);
	else if (!strncmp(buf, "chip ", 5))
		chip_begin(p, buf + 5 + strspn(buf + 5, " \t"));
	else
		fail_at(p, "unknown section [%s] (daemon, access, chip NAME)", buf);
}

/* --- inih's callbacks ---------------------------------------------------------------- */

static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct parser *p = user;

	if (p->failed)
		return 1;
	switch (p->kind) {
	case SECTION_DAEMON:
		daemon_key(p, key, value);
		break;
	case SECTION_ACCESS:
		access_key(p, key, value);
		break;
	case SECTION_CHIP:
		chip_key(p, key, value);
		break;
	default:
		fail_at(p, "'%s' outside a section ([daemon], [access], [chip NAME])", key);
	}
	return 1;
}

static void look_for_header(struct parser *p, const char *line, size_t len)
{
	size_t skip = strspn(line, " \t");
	const char *close;

	if (skip >= len || line[skip] != '[')
		return;
	close = memchr(line + skip, ']', len - skip);
	/* No ']': inih reports the line as a syntax error. */
	if (close)
		section_begin(p, line + skip + 1, (size_t)(close - line - skip - 1));
}

/* inih's fgets(): the next line of the text, counted. */
static char *read_line(char *str, int num, void *stream)
{
	struct parser *p = stream;
	const char *nl;
	size_t len;

	if (p->pos >= p->end)
		return NULL;
	nl = memchr(p->pos, '\n', (size_t)(p->end - p->pos));
	len = nl ? (size_t)(nl - p->pos) + 1 : (size_t)(p->end - p->pos);
	p->line++;
	if (len >= (size_t)num) {
		fail_at(p, "line longer than %d characters", num - 2);
		len = 0;
	} else if (memchr(p->pos, '\0', len)) {
		fail_at(p, "NUL byte in the line");
		len = 0;
	}
	memcpy(str, p->pos, len);
	str[len] = '\0';
	p->pos += nl ? (size_t)(nl - p->pos) + 1 : (size_t)(p->end - p->pos);
	if (!p->failed)
		look_for_header(p, str, len);
	return str;
}

/* --- Entry points ----------------------------------------------------------------- */

static void acl_fini(struct config_acl *acl)
{
	free(acl->who);
}

static void chip_free(struct config_chip *chip)
{
	free(chip->serial);
	free(chip->usb_path);
	free(chip->emulate_text);
	for (unsigned i = 0; i < CHIPDB_LINES_MAX; i++)
		free(chip->line_names[i]);
	for (unsigned i = 0; i < CONFIG_ACCESS_CLASSES; i++)
		acl_fini(&chip->acl[i]);
	free(chip);
}

struct config *config_free(struct config *c)
{
	if (!c)
		return NULL;
	for (unsigned i = 0; i < c->n_chips; i++)
		chip_free(c->chips[i]);
	free(c->chips);
	for (unsigned i = 0; i < CONFIG_ACCESS_CLASSES; i++)
		acl_fini(&c->acl[i]);
	free(c);
	return NULL;
}

int config_parse(const char *text, size_t len, struct config **out, struct config_error *err)
{
	_cleanup_(config_freep) struct config *c = calloc(1, sizeof(*c));
	struct parser p = {
		.pos = text, .end = text + len, .config = c, .err = err, .kind = SECTION_NONE,
	};
	int bad_line;

	memset(err, 0, sizeof(*err));
	if (!c)
		return -ENOMEM;
	bad_line = ini_parse_stream(read_line, &p, on_key, &p);
	if (!p.failed)
		section_end(&p);
	if (bad_line > 0 && (!p.failed || (unsigned)bad_line < err->line)) {
		p.failed = false;
		fail_at_line(&p, (unsigned)bad_line, "syntax error: not [section] or key = value");
	}
	if (p.errno_fail)
		return p.errno_fail;
	if (p.failed || bad_line)
		return -EINVAL;
	*out = steal_ptr(c);
	return 0;
}

int config_load(const char *path, struct config **out, struct config_error *err)
{
	_cleanup_free_ char *text = malloc(FILE_MAX + 1);
	FILE *f;
	size_t len;
	int r = 0;

	memset(err, 0, sizeof(*err));
	if (!text)
		return -ENOMEM;
	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		snprintf(err->reason, sizeof(err->reason), "cannot read it: %s", strerror(-r));
		return r;
	}
	len = fread(text, 1, FILE_MAX + 1, f);
	if (ferror(f))
		r = -EIO;
	else if (len > FILE_MAX)
		r = -EFBIG;
	fclose(f);
	if (r < 0) {
		snprintf(err->reason, sizeof(err->reason), "cannot read it: %s", strerror(-r));
		return r;
	}
	return config_parse(text, len, out, err);
}

/* --- Queries ----------------------------------------------------------------------- */

const struct config_chip *config_find_chip(const struct config *c, const char *name)
{
	for (unsigned i = 0; c && i < c->n_chips; i++)
		if (!strcmp(c->chips[i]->name, name))
			return c->chips[i];
	return NULL;
}

static bool chip_matches(const struct config_chip *chip, const struct config_device *dev)
{
	return !chip->has_emulate && chip->intf == dev->intf &&
	       (!chip->serial || !strcmp(chip->serial, dev->serial)) &&
	       (!chip->usb_path || !strcmp(chip->usb_path, dev->usb_path)) &&
	       (!chip->has_vid_pid || (chip->vid == dev->vid && chip->pid == dev->pid));
}

const struct config_chip *config_match(const struct config *c, const struct config_device *dev)
{
	for (unsigned i = 0; c && i < c->n_chips; i++)
		if (chip_matches(c->chips[i], dev))
			return c->chips[i];
	return NULL;
}

static bool acl_admits(const struct config_acl *acl, const struct config_peer *peer)
{
	if (acl->anyone)
		return true;
	for (unsigned i = 0; i < acl->n; i++) {
		const struct config_principal *w = &acl->who[i];

		if (!w->group) {
			if (w->id == peer->uid)
				return true;
			continue;
		}
		if (w->id == peer->gid)
			return true;
		for (unsigned g = 0; g < peer->n_groups; g++)
			if (w->id == peer->groups[g])
				return true;
	}
	return false;
}

bool config_allows(const struct config *c, const char *chip_name, enum config_access what,
		   const struct config_peer *peer)
{
	const struct config_chip *chip = chip_name ? config_find_chip(c, chip_name) : NULL;
	const struct config_acl *acl;

	if (!c || peer->uid == 0)
		return true;
	acl = &c->acl[what - 1];
	if (chip && chip->acl[what - 1].set)
		acl = &chip->acl[what - 1];
	return !acl->set || acl_admits(acl, peer);
}
