// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>

#include "events/lineinfo.h"

int line_info_changed_init(struct gpio_v2_line_info_changed *chg,
			   const struct gpio_v2_line_info *info, uint32_t event_type,
			   uint64_t timestamp_ns)
{
	if (event_type < GPIO_V2_LINE_CHANGED_REQUESTED || event_type > GPIO_V2_LINE_CHANGED_CONFIG)
		return -EINVAL;
	/* Zeroed whole: the padding goes to clients as is. */
	memset(chg, 0, sizeof(*chg));
	chg->info = *info;
	chg->timestamp_ns = timestamp_ns;
	chg->event_type = event_type;
	return 0;
}
