/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the sampling benchmarks share: a core with one emulated FT232H
 * (USB timing model on), line requests on it, clocks, percentiles, and
 * the CPU time of this process without the emulator's threads (which
 * stand in for hardware, not for the daemon).
 */
#ifndef MPSSED_BENCH_RIG_H
#define MPSSED_BENCH_RIG_H

#include <linux/gpio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FLAG(x) GPIO_V2_LINE_FLAG_##x
#define EDGES_BOTH (FLAG(INPUT) | FLAG(EDGE_RISING) | FLAG(EDGE_FALLING))

struct rig {
	struct core *core;
	struct emu_chip *emu;
	struct gpio_chip *chip;
};

uint64_t now_ns(void);
void sleep_us(uint64_t us);
void die(const char *what, int err);

/* reads: reads in flight (0: the default); timing: the USB timing model. */
void rig_up_timed(struct rig *rig, unsigned reads, bool timing);
/* With the timing model on. */
void rig_up(struct rig *rig, unsigned reads);
void rig_down(struct rig *rig);
/* One line, the given flags, a queue of buffer events; dies on failure. */
struct line_request *rig_request(struct gpio_chip *chip, unsigned line, uint64_t flags,
				 unsigned buffer);

/* Nearest rank; sorts v. */
uint64_t percentile(uint64_t *v, size_t n, unsigned pct);

/*
 * CPU time (ns) used by this process so far, from getrusage(), and the
 * part of it used by the emulator's own threads (named "emu-*"), from
 * /proc/self/task/<tid>/schedstat.
 */
uint64_t process_cpu_ns(void);
uint64_t emulator_cpu_ns(void);

#endif
