/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Line request configuration: checks a struct gpio_v2_line_request (or, to
 * reconfigure a request, a struct gpio_v2_line_config) exactly as the
 * kernel's gpiolib-cdev does, and resolves it into one flat record per line
 * (flags, debounce period, output value) for the edge detector and the
 * request layer.
 *
 * Threads and locks: pure functions on caller-owned memory. No locks, no
 * allocation, no I/O; any thread may call them. A struct linecfg has no
 * internal synchronization: whoever shares one between threads publishes
 * it (e.g. by RCU) and does not change it afterwards.
 *
 * Errors, checked in the kernel's order (linereq_create(), then per line
 * gpiod_request_user(), gpiod_direction_*() and edge_detector_setup()), so
 * a request with several faults fails with the errno the kernel returns:
 *  1. num_lines 0 or > 64, non-zero request padding: -EINVAL.
 *  2. The configuration (gpio_v2_line_config_validate()): more than 10
 *     attributes or non-zero config padding: -EINVAL; then for each line in
 *     request order, on the flags that apply to it (the first FLAGS
 *     attribute whose mask has the line's bit, else config.flags): an
 *     unknown flag (USED included) -EINVAL; EVENT_CLOCK_HTE -EOPNOTSUPP
 *     (like a kernel without CONFIG_HTE: that check comes first, so
 *     REALTIME+HTE is -EOPNOTSUPP too); input+output, edges without input,
 *     open-drain+open-source, drive without output, bias without a
 *     direction, two bias flags: -EINVAL; a DEBOUNCE attribute on a line
 *     without INPUT: -EINVAL (even with a period of 0).
 *  3. Then line by line, in request order: offset >= chip lines -EINVAL;
 *     an offset already in this request -EBUSY (the kernel's second
 *     gpiod_request() of the same line finds it held); a line that is
 *     neither input- nor output-capable -EINVAL (the chip's valid mask);
 *     INPUT on a line that cannot be an input, or OUTPUT on one that cannot
 *     be an output, -EOPNOTSUPP (what gpio-mpsse's mpsse_ensure_supported()
 *     returns from direction_input/output); an input with edges when the
 *     event queue would hold fewer than 2 events (event_buffer_size 1) ->
 *     -EINVAL (kfifo_alloc() rounds up to a power of two and refuses a
 *     fifo of 1).
 *
 * Not errors, as in the kernel: event_buffer_size 0 means 16 x num_lines,
 * anything above 1024 is clamped to 1024; a consumer label longer than 31
 * bytes is cut to 31; attributes with unknown ids and mask bits past
 * num_lines are ignored; attribute padding is not checked.
 */
#ifndef MPSSED_EVENTS_LINECFG_H
#define MPSSED_EVENTS_LINECFG_H

#include <linux/gpio.h>
#include <stdbool.h>
#include <stdint.h>

/* The kernel's default and cap (linereq_create()). */
#define LINECFG_EVENTS_PER_LINE 16
#define LINECFG_EVENT_BUFFER_MAX (GPIO_V2_LINES_MAX * LINECFG_EVENTS_PER_LINE)

/* Lines per chip: the poller samples 16 pins at once. */
#define LINECFG_CHIP_LINES_MAX 16

/* What one chip offers, bit n = line offset n (chip/chipdb.h's masks). */
struct linecfg_chip {
	unsigned int lines;	/* offsets 0 .. lines-1 exist; at most 16 */
	uint16_t input_mask;	/* lines that may be inputs */
	uint16_t output_mask;	/* lines that may be outputs */
};

struct linecfg_line {
	uint32_t offset;	/* chip line offset, < 16 once validated */
	uint64_t flags;		/* GPIO_V2_LINE_FLAG_*, validated */
	uint32_t debounce_us;	/* 0: not debounced */
	bool output_value;	/* logical; used when flags has OUTPUT */
};

struct linecfg {
	unsigned int num_lines;
	uint32_t event_buffer_size;	/* default applied and clamped */
	char consumer[GPIO_MAX_NAME_SIZE];	/* NUL-terminated */
	struct linecfg_line lines[GPIO_V2_LINES_MAX];	/* request order */
};

/*
 * Validate req for chip and fill *cfg. Returns 0, or -EINVAL, -EBUSY,
 * -EOPNOTSUPP as listed above; *cfg is unspecified on error.
 */
int linecfg_from_request(struct linecfg *cfg, const struct gpio_v2_line_request *req,
			 const struct linecfg_chip *chip);

/*
 * Reconfigure an existing request (GPIO_V2_LINE_SET_CONFIG_IOCTL): lc is
 * checked as in step 2 and the lines' directions and edges as in step 3.
 * Offsets, label and buffer size stay. On error *cfg is unchanged (the
 * kernel may leave earlier lines reconfigured; we change all or nothing).
 */
int linecfg_set_config(struct linecfg *cfg, const struct gpio_v2_line_config *lc,
		       const struct linecfg_chip *chip);

#endif
