// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * struct mpssed_chip_info: a chip's name, label and number of lines, as
 * the daemon reported them.
 */
#include <stdlib.h>

#include "lib/internal.h"

struct mpssed_chip_info {
	size_t num_lines;
	char name[GPIO_MAX_NAME_SIZE + 1];
	char label[GPIO_MAX_NAME_SIZE + 1];
};

struct mpssed_chip_info *chip_info_from_uapi(const struct gpiochip_info *uinfo)
{
	struct mpssed_chip_info *info = calloc(1, sizeof(*info));

	if (!info)
		return NULL;
	info->num_lines = uinfo->lines;
	copy_field(info->name, uinfo->name, sizeof(uinfo->name));
	copy_field(info->label, uinfo->label, sizeof(uinfo->label));
	return info;
}

_public_ void mpssed_chip_info_free(struct mpssed_chip_info *info)
{
	free(info);
}

_public_ const char *mpssed_chip_info_get_name(struct mpssed_chip_info *info)
{
	return info->name;
}

_public_ const char *mpssed_chip_info_get_label(struct mpssed_chip_info *info)
{
	return info->label;
}

_public_ size_t mpssed_chip_info_get_num_lines(struct mpssed_chip_info *info)
{
	return info->num_lines;
}
