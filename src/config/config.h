/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The configuration file, mpssed.conf(5): an INI file read with libinih.
 *
 *	[daemon]	log-level, socket-group, socket-mode, latency-timer,
 *			reads-in-flight
 *	[access]	read, write, emu: who may do what on every chip
 *	[chip NAME]	one GPIO chip (one MPSSE interface): how to recognise
 *			it (serial, usb-path, vid-pid, interface) or an
 *			emulated device (emulate), its line names (line.N),
 *			and its own read, write, emu rules
 *
 * config_parse() works from memory and has no side effect but name lookups
 * (getpwnam, getgrnam) for the access rules: a fuzzer can drive it. A
 * struct config is immutable once parsed; a reload parses a new one.
 *
 * Threads and locks: none inside. A parsed config may be read from any
 * thread; its owner frees it when no reader is left.
 */
#ifndef MPSSED_CONFIG_CONFIG_H
#define MPSSED_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "chip/chipdb.h"
#include "common/log.h"
#include "common/macros.h"
#include "config/emuspec.h"
#include "protocol/protocol.h"

#define CONFIG_DEFAULT_PATH "/etc/mpssed.conf"

/* What an operation needs, as the access rules name it. */
enum config_access {
	CONFIG_ACCESS_READ = 1,		/* list, chip/line info, watch, get, input-only requests */
	CONFIG_ACCESS_WRITE,		/* requests with outputs, set, reconfigure */
	CONFIG_ACCESS_EMU,		/* the emulator's control commands */
};
#define CONFIG_ACCESS_CLASSES 3

struct config_principal {
	bool group;			/* id is a gid, else a uid */
	uint32_t id;
};

/* One rule: unset (no opinion), anyone ("*"), or a list of users and groups. */
struct config_acl {
	bool set;
	bool anyone;
	unsigned n;
	struct config_principal *who;
};

struct config_chip {
	char name[MPSSED_CHIP_NAME_MAX];	/* the section's NAME */
	unsigned lineno;			/* of the section header */
	/* How it is recognised: every key given must match. */
	char *serial;				/* NULL: any */
	char *usb_path;				/* NULL: any */
	bool has_vid_pid;
	uint16_t vid, pid;
	unsigned intf;				/* 0 = A, 1 = B */
	/* Or an emulated device the daemon adds (no match keys then). */
	bool has_emulate;
	struct emulate_spec emulate;		/* .text points to emulate_text */
	char *emulate_text;
	char *line_names[CHIPDB_LINES_MAX];	/* NULL: the chip database's */
	struct config_acl acl[CONFIG_ACCESS_CLASSES];
};

struct config {
	bool has_log_level;
	enum log_level log_level;
	bool has_socket_mode;
	mode_t socket_mode;
	bool has_socket_group;
	gid_t socket_gid;
	uint8_t latency_ms;			/* 0: unset */
	unsigned reads_in_flight;		/* 0: unset */
	struct config_acl acl[CONFIG_ACCESS_CLASSES];
	unsigned n_chips;
	struct config_chip **chips;		/* in file order */
};

/* Where and why a file was refused. */
struct config_error {
	unsigned line;				/* 0: not about one line (I/O, memory) */
	char reason[256];
};

/*
 * Parse len bytes of text (need not be NUL-terminated). On success *out
 * is a new config (free with config_free()). On failure, -EINVAL (the
 * file is wrong: err says where and why; the first error wins) or -ENOMEM,
 * and *out is untouched.
 */
int config_parse(const char *text, size_t len, struct config **out, struct config_error *err);

/*
 * Read and parse path. -ENOENT when the file does not exist (err says so
 * too, with line 0), other -errno for I/O errors, config_parse()'s errors.
 */
int config_load(const char *path, struct config **out, struct config_error *err);

/* Accepts NULL; returns NULL. */
struct config *config_free(struct config *config);
DEFINE_CLEANUP(struct config, config_free)

/*
 * Values the command line shares: a group or user by name or number
 * (-ENOENT: no such), an octal mode up to 0777 (-EINVAL).
 */
int config_parse_group(const char *name, gid_t *gid);
int config_parse_user(const char *name, uid_t *uid);
int config_parse_mode(const char *text, mode_t *mode);

/* A chip as the device layer knows it, for matching. */
struct config_device {
	uint16_t vid, pid;
	const char *serial;		/* "" when blank */
	const char *usb_path;		/* "" for emulated devices */
	unsigned intf;
};

/*
 * The section describing a device's chip: the first in file order whose
 * match keys all hold. Sections with emulate= never match here (the daemon
 * names those chips itself). NULL when none does.
 */
const struct config_chip *config_match(const struct config *config,
				       const struct config_device *dev);

/* The section named name, or NULL. */
const struct config_chip *config_find_chip(const struct config *config, const char *name);

struct config_peer {
	uid_t uid;
	gid_t gid;			/* primary */
	const gid_t *groups;		/* supplementary */
	unsigned n_groups;
};

/*
 * Whether peer may do what on the chip named chip (NULL: a daemon-wide
 * operation). The chip's own rule for that class applies if it has one,
 * else [access]'s; no rule at all allows everyone (the socket files' mode
 * and group are then the only gate). Root (uid 0) is always allowed, as
 * with file permissions. config NULL allows everything.
 */
bool config_allows(const struct config *config, const char *chip, enum config_access what,
		   const struct config_peer *peer);

#endif
