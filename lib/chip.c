// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * struct mpssed_chip: a connection to one chip socket of the daemon, the
 * analogue of an open /dev/gpiochipN.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"

struct mpssed_chip {
	struct conn conn;
	char *path;
	char name[MPSSED_CHIP_NAME_MAX];
};

/* The chip's own name, kept for its requests; proves the socket is a chip's. */
static int chip_fetch_name(struct mpssed_chip *chip)
{
	struct gpiochip_info info;

	if (conn_call(&chip->conn, MSG_CHIP_INFO, NULL, 0, &info, NULL) < 0) {
		/* Like a GPIO ioctl on another kind of file. */
		if (errno == EOPNOTSUPP)
			errno = ENOTTY;
		return -1;
	}
	copy_field(chip->name, info.name, sizeof(chip->name) - 1);
	return 0;
}

/* Takes path (freed on failure). */
static struct mpssed_chip *chip_open_take(char *path)
{
	struct mpssed_chip *chip;

	if (!path)
		return NULL;
	chip = calloc(1, sizeof(*chip));
	if (!chip) {
		free(path);
		return NULL;
	}
	chip->conn.fd = -1;
	chip->path = path;
	if (conn_open(&chip->conn, CONN_CHIP, chip->path) < 0 || chip_fetch_name(chip) < 0) {
		int err = errno;

		mpssed_chip_close(chip);
		errno = err;
		return NULL;
	}
	return chip;
}

struct mpssed_chip *chip_open_path(const char *path)
{
	return chip_open_take(strdup(path));
}

_public_ struct mpssed_chip *mpssed_chip_open(const char *path_or_name)
{
	if (!path_or_name || !*path_or_name) {
		errno = EINVAL;
		return NULL;
	}
	if (strchr(path_or_name, '/'))
		return chip_open_path(path_or_name);
	return chip_open_take(path_join(runtime_dir(), path_or_name));
}

_public_ void mpssed_chip_close(struct mpssed_chip *chip)
{
	if (!chip)
		return;
	if (chip->conn.fd >= 0)
		conn_close(&chip->conn);
	free(chip->path);
	free(chip);
}

_public_ const char *mpssed_chip_get_path(struct mpssed_chip *chip)
{
	return chip->path;
}

_public_ struct mpssed_chip_info *mpssed_chip_get_info(struct mpssed_chip *chip)
{
	struct gpiochip_info info;

	if (conn_call(&chip->conn, MSG_CHIP_INFO, NULL, 0, &info, NULL) < 0)
		return NULL;
	return chip_info_from_uapi(&info);
}

/* A call that sends an offset and gets a line's info back. */
static struct mpssed_line_info *chip_line_info_call(struct mpssed_chip *chip, uint16_t opcode,
						    unsigned int offset)
{
	struct mpssed_offset req = { .offset = offset };
	struct gpio_v2_line_info info;

	if (conn_call(&chip->conn, opcode, &req, sizeof(req), &info, NULL) < 0)
		return NULL;
	return line_info_from_uapi(&info);
}

_public_ struct mpssed_line_info *mpssed_chip_get_line_info(struct mpssed_chip *chip,
							    unsigned int offset)
{
	return chip_line_info_call(chip, MSG_LINE_INFO, offset);
}

_public_ struct mpssed_line_info *mpssed_chip_watch_line_info(struct mpssed_chip *chip,
							      unsigned int offset)
{
	return chip_line_info_call(chip, MSG_WATCH_LINE, offset);
}

_public_ int mpssed_chip_unwatch_line_info(struct mpssed_chip *chip, unsigned int offset)
{
	struct mpssed_offset req = { .offset = offset };

	return conn_call(&chip->conn, MSG_UNWATCH_LINE, &req, sizeof(req), NULL, NULL);
}

_public_ int mpssed_chip_get_fd(struct mpssed_chip *chip)
{
	return conn_get_fd(&chip->conn);
}

_public_ int mpssed_chip_wait_info_event(struct mpssed_chip *chip, int64_t timeout_ns)
{
	return conn_wait(&chip->conn, timeout_ns);
}

_public_ struct mpssed_info_event *mpssed_chip_read_info_event(struct mpssed_chip *chip)
{
	struct gpio_v2_line_info_changed chg;

	if (conn_read_records(&chip->conn, &chg, 1) < 0)
		return NULL;
	return info_event_from_uapi(&chg);
}

_public_ int mpssed_chip_get_line_offset_from_name(struct mpssed_chip *chip, const char *name)
{
	struct mpssed_line_name req = { 0 };
	struct mpssed_offset reply;

	/* No line can have a name longer than the field: it cannot be found. */
	if (!name || strlen(name) >= sizeof(req.name)) {
		errno = ENOENT;
		return -1;
	}
	strcpy(req.name, name);
	if (conn_call(&chip->conn, MSG_FIND_LINE, &req, sizeof(req), &reply, NULL) < 0)
		return -1;
	return (int)reply.offset;
}

_public_ struct mpssed_line_request *mpssed_chip_request_lines(struct mpssed_chip *chip,
							       struct mpssed_request_config *req_cfg,
							       struct mpssed_line_config *line_cfg)
{
	struct mpssed_request_lines req = { 0 };
	struct mpssed_request_reply reply;
	struct gpio_v2_line_request *ureq = &req.request;
	size_t num;
	int fd;

	if (!line_cfg) {
		errno = EINVAL;
		return NULL;
	}
	num = line_config_offsets(line_cfg, ureq->offsets);
	if (!num) {
		errno = EINVAL;
		return NULL;
	}
	ureq->num_lines = (uint32_t)num;
	if (line_config_to_uapi(line_cfg, ureq->offsets, num, &ureq->config) < 0)
		return NULL;
	request_config_to_uapi(req_cfg, &req);
	if (conn_call(&chip->conn, MSG_REQUEST_LINES, &req, sizeof(req), &reply, &fd) < 0)
		return NULL;
	if (fd < 0 || reply.num_lines != num) {
		if (fd >= 0)
			close(fd);
		errno = EPROTO;
		return NULL;
	}
	return line_request_new(fd, chip->name, ureq->offsets, num);
}
