// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Small helpers shared by the library's objects: where the sockets are,
 * and copying strings in and out of the protocol's fixed-size fields.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"

_public_ const char *mpssed_api_version(void)
{
	return PACKAGE_VERSION;
}

const char *runtime_dir(void)
{
	const char *dir = getenv("MPSSED_RUNTIME_DIR");

	return dir && *dir ? dir : MPSSED_RUNTIME_DIR_DEFAULT;
}

char *path_join(const char *dir, const char *name)
{
	char *path;

	if (asprintf(&path, "%s/%s", dir, name) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	return path;
}

void copy_cut(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

void copy_field(char *dst, const char *field, size_t size)
{
	size_t n = strnlen(field, size);

	memcpy(dst, field, n);
	dst[n] = '\0';
}
