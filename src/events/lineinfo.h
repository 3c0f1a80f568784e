/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Line-info change records for watchers (GPIO_V2_GET_LINEINFO_WATCH_IOCTL):
 * a struct gpio_v2_line_info_changed built the way the kernel's
 * lineinfo_changed_notify() builds it: zeroed whole, the line's info,
 * the event type and a CLOCK_MONOTONIC timestamp (the kernel uses
 * ktime_get_ns() whatever the line's event clock).
 *
 * Threads and locks: a pure function on caller-owned memory; any thread.
 */
#ifndef MPSSED_EVENTS_LINEINFO_H
#define MPSSED_EVENTS_LINEINFO_H

#include <linux/gpio.h>
#include <stdint.h>

_Static_assert(sizeof(struct gpio_v2_line_info_changed) == 288,
	       "uAPI line-info change record is 288 bytes");

/*
 * Fill *chg for a change of type event_type (GPIO_V2_LINE_CHANGED_REQUESTED,
 * _RELEASED or _CONFIG) that happened at timestamp_ns. Returns 0, or
 * -EINVAL for another type (chg is then untouched).
 */
int line_info_changed_init(struct gpio_v2_line_info_changed *chg,
			   const struct gpio_v2_line_info *info, uint32_t event_type,
			   uint64_t timestamp_ns);

#endif
