// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Line-info change records as a watcher reads them: the 288-byte layout,
 * the line's info copied whole, the event type and timestamp, zeroed
 * padding, and only the three types the uAPI defines.
 */
#include <errno.h>
#include <string.h>

#include "common/macros.h"
#include "events/lineinfo.h"
#include "../tap.h"

static struct gpio_v2_line_info sample_info(void)
{
	struct gpio_v2_line_info info;

	memset(&info, 0, sizeof(info));
	memcpy(info.name, "ADBUS3", 7);
	memcpy(info.consumer, "gpioset", 8);
	info.offset = 3;
	info.flags = GPIO_V2_LINE_FLAG_USED | GPIO_V2_LINE_FLAG_OUTPUT;
	info.num_attrs = 1;
	info.attrs[0].id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE;
	info.attrs[0].debounce_period_us = 10000;
	return info;
}

static bool zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

int main(void)
{
	struct gpio_v2_line_info info = sample_info();
	struct gpio_v2_line_info_changed chg;
	bool all = true;

	tap_plan(4);
	tap_ok(sizeof(chg) == 288 && offsetof(struct gpio_v2_line_info_changed, timestamp_ns) == 256 &&
	       offsetof(struct gpio_v2_line_info_changed, event_type) == 264,
	       "layout: 288 bytes, info then timestamp_ns at 256 and event_type at 264");

	memset(&chg, 0xee, sizeof(chg));
	tap_ok(line_info_changed_init(&chg, &info, GPIO_V2_LINE_CHANGED_CONFIG, 123456789) == 0 &&
	       !memcmp(&chg.info, &info, sizeof(info)) && chg.timestamp_ns == 123456789 &&
	       chg.event_type == GPIO_V2_LINE_CHANGED_CONFIG && zero(chg.padding, sizeof(chg.padding)),
	       "reconfigured: info copied whole, type 3, timestamp, zero padding over garbage");

	for (uint32_t type = GPIO_V2_LINE_CHANGED_REQUESTED; type <= GPIO_V2_LINE_CHANGED_CONFIG; type++)
		all &= line_info_changed_init(&chg, &info, type, 1) == 0 && chg.event_type == type;
	tap_ok(all, "types 1 requested, 2 released, 3 reconfigured accepted");

	memset(&chg, 0xee, sizeof(chg));
	tap_ok(line_info_changed_init(&chg, &info, 0, 1) == -EINVAL &&
	       line_info_changed_init(&chg, &info, 4, 1) == -EINVAL && chg.event_type == 0xeeeeeeee,
	       "types 0 and 4: EINVAL, record untouched");
	return tap_done();
}
