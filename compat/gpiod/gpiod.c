// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The libgpiod functions whose meaning differs from their libmpssed twins:
 * a "gpiochip device" here is a chip socket of mpssed, reached by path only
 * (libgpiod never looks chips up by name), and the API version names the
 * libgpiod level implemented.
 */
#include <errno.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "lib/internal.h"

/* 0 when path resolves to a socket, else -1 with libgpiod's errno (ENOTTY: not a chip). */
static int check_socket(const char *path)
{
	struct stat st;

	if (!path) {
		errno = EINVAL;
		return -1;
	}
	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = ENOTTY;
		return -1;
	}
	return 0;
}

_public_ struct mpssed_chip *gpiod_chip_open(const char *path)
{
	if (check_socket(path) < 0)
		return NULL;
	return chip_open_path(path);
}

/*
 * A socket alone could be the daemon's control socket or anybody's, so ask
 * it for its chip info as gpiod_chip_open() would: the tools call this on
 * every candidate before opening it.
 */
_public_ bool gpiod_is_gpiochip_device(const char *path)
{
	int err = errno;
	struct mpssed_chip *chip = check_socket(path) < 0 ? NULL : chip_open_path(path);

	gpiod_chip_close(chip);
	errno = err;
	return chip != NULL;
}

_public_ const char *gpiod_api_version(void)
{
	return "2.1.3+mpssed" PACKAGE_VERSION;
}
