// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "device/device.h"
#include "emu/emu.h"
#include "rig.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void sleep_us(uint64_t us)
{
	struct timespec ts = { .tv_sec = (time_t)(us / 1000000), .tv_nsec = (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void die(const char *what, int err)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

void rig_up_timed(struct rig *rig, unsigned reads, bool timing)
{
	const struct core_config cfg = { .reads_in_flight = reads };
	const struct emu_config ec = { .model = EMU_FT232H, .timing = timing };
	const char *names[] = { "bench" };
	int r;

	r = core_new(&rig->core, &cfg);
	if (r == 0)
		r = core_add_emulator(rig->core, &ec, names, &rig->emu);
	if (r < 0)
		die("setup", r);
	rig->chip = core_find_chip(rig->core, "bench");
	if (!rig->chip)
		die("find chip", ENOENT);
}

void rig_up(struct rig *rig, unsigned reads)
{
	rig_up_timed(rig, reads, true);
}

void rig_down(struct rig *rig)
{
	gpio_chip_unref(rig->chip);
	core_free(rig->core);
}

struct line_request *rig_request(struct gpio_chip *chip, unsigned line, uint64_t flags,
				 unsigned buffer)
{
	struct gpio_v2_line_request req = { .num_lines = 1, .event_buffer_size = buffer };
	struct line_request *r = NULL;
	int err;

	req.offsets[0] = line;
	req.config.flags = flags;
	strcpy(req.consumer, "bench");
	err = gpio_chip_request_lines(chip, &req, NULL, &r);
	if (err < 0)
		die("request", err);
	return r;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t percentile(uint64_t *v, size_t n, unsigned pct)
{
	size_t rank = (n * pct + 99) / 100;

	qsort(v, n, sizeof(*v), cmp_u64);
	return v[rank ? rank - 1 : 0];
}

uint64_t process_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000ULL +
	       ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000ULL;
}

/* The first number of a /proc/self/task/<tid>/<file>, or its first line. */
static int task_file(const char *tid, const char *file, char *buf, size_t len)
{
	char path[64];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/self/task/%s/%s", tid, file);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	return ok ? 0 : -EIO;
}

uint64_t emulator_cpu_ns(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	uint64_t sum = 0;
	char buf[128];

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || task_file(de->d_name, "comm", buf, sizeof(buf)) < 0 ||
		    strncmp(buf, "emu-", 4) != 0)
			continue;
		if (task_file(de->d_name, "schedstat", buf, sizeof(buf)) == 0)
			sum += strtoull(buf, NULL, 10);
	}
	closedir(d);
	return sum;
}
