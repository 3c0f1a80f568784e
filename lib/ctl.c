// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * struct mpssed_ctl: the daemon's control socket, with the chip list, the
 * per-chip counters and the emulator's controls. The list and the counters
 * are snapshots, copied out of one reply each.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"

struct mpssed_ctl {
	struct conn conn;
};

struct mpssed_ctl_chip_list {
	struct mpssed_chip_list list;
};

struct mpssed_ctl_chip_stats {
	struct mpssed_chip_stats stats;
};

_public_ struct mpssed_ctl *mpssed_ctl_open(const char *dir)
{
	_cleanup_free_ char *path = path_join(dir ? dir : runtime_dir(), MPSSED_CONTROL_SOCKET);
	struct mpssed_ctl *ctl;

	if (!path)
		return NULL;
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return NULL;
	if (conn_open(&ctl->conn, CONN_CONTROL, path) < 0) {
		free(ctl);
		return NULL;
	}
	return ctl;
}

_public_ void mpssed_ctl_close(struct mpssed_ctl *ctl)
{
	if (!ctl)
		return;
	conn_close(&ctl->conn);
	free(ctl);
}

/* --- Chip list ------------------------------------------------------------------------ */

_public_ struct mpssed_ctl_chip_list *mpssed_ctl_list_chips(struct mpssed_ctl *ctl)
{
	struct mpssed_ctl_chip_list *list = malloc(sizeof(*list));

	if (!list)
		return NULL;
	if (conn_call(&ctl->conn, MSG_LIST_CHIPS, NULL, 0, &list->list, NULL) < 0) {
		free(list);
		return NULL;
	}
	if (list->list.count > MPSSED_CHIPS_MAX)
		list->list.count = MPSSED_CHIPS_MAX;
	/* The strings are handed out as they are: make sure they end. */
	for (size_t i = 0; i < list->list.count; i++) {
		struct mpssed_chip_entry *e = &list->list.chips[i];

		e->name[sizeof(e->name) - 1] = '\0';
		e->label[sizeof(e->label) - 1] = '\0';
	}
	return list;
}

_public_ void mpssed_ctl_chip_list_free(struct mpssed_ctl_chip_list *list)
{
	free(list);
}

_public_ size_t mpssed_ctl_chip_list_get_num_chips(struct mpssed_ctl_chip_list *list)
{
	return list->list.count;
}

/* The entry at index, or NULL + EINVAL past the end. */
static struct mpssed_chip_entry *list_entry(struct mpssed_ctl_chip_list *list, size_t index)
{
	if (index >= list->list.count) {
		errno = EINVAL;
		return NULL;
	}
	return &list->list.chips[index];
}

_public_ const char *mpssed_ctl_chip_list_get_name(struct mpssed_ctl_chip_list *list, size_t index)
{
	struct mpssed_chip_entry *e = list_entry(list, index);

	return e ? e->name : NULL;
}

_public_ const char *mpssed_ctl_chip_list_get_label(struct mpssed_ctl_chip_list *list, size_t index)
{
	struct mpssed_chip_entry *e = list_entry(list, index);

	return e ? e->label : NULL;
}

_public_ size_t mpssed_ctl_chip_list_get_num_lines(struct mpssed_ctl_chip_list *list, size_t index)
{
	struct mpssed_chip_entry *e = list_entry(list, index);

	return e ? e->lines : 0;
}

_public_ bool mpssed_ctl_chip_list_is_present(struct mpssed_ctl_chip_list *list, size_t index)
{
	struct mpssed_chip_entry *e = list_entry(list, index);

	return e && e->present;
}

_public_ bool mpssed_ctl_chip_list_is_emulated(struct mpssed_ctl_chip_list *list, size_t index)
{
	struct mpssed_chip_entry *e = list_entry(list, index);

	return e && e->emulated;
}

/* --- Chip stats ------------------------------------------------------------------------ */

/* A chip name for a request field; ENOENT for one no chip can have. */
static int chip_name_field(char *field, size_t size, const char *chip)
{
	if (!chip || !*chip || strlen(chip) >= size) {
		errno = ENOENT;
		return -1;
	}
	strcpy(field, chip);
	return 0;
}

_public_ struct mpssed_ctl_chip_stats *mpssed_ctl_get_chip_stats(struct mpssed_ctl *ctl,
								 const char *chip)
{
	struct mpssed_chip_name req = { 0 };
	struct mpssed_ctl_chip_stats *stats;

	if (chip_name_field(req.name, sizeof(req.name), chip) < 0)
		return NULL;
	stats = malloc(sizeof(*stats));
	if (!stats)
		return NULL;
	if (conn_call(&ctl->conn, MSG_CHIP_STATS, &req, sizeof(req), &stats->stats, NULL) < 0) {
		free(stats);
		return NULL;
	}
	return stats;
}

_public_ void mpssed_ctl_chip_stats_free(struct mpssed_ctl_chip_stats *stats)
{
	free(stats);
}

#define STATS_GETTER(type, name, field)                                               \
	_public_ type mpssed_ctl_chip_stats_get_##name(struct mpssed_ctl_chip_stats *stats) \
	{                                                                             \
		return stats->stats.field;                                            \
	}

STATS_GETTER(uint64_t, samples, samples)
STATS_GETTER(double, sample_rate_hz, sample_rate_hz)
STATS_GETTER(uint64_t, sample_interval_ns, sample_interval_ns)
STATS_GETTER(unsigned int, rtt_p50_us, rtt_p50_us)
STATS_GETTER(unsigned int, rtt_p99_us, rtt_p99_us)
STATS_GETTER(uint64_t, events, events)
STATS_GETTER(uint64_t, dropped, dropped)
STATS_GETTER(unsigned int, num_requests, requests)
STATS_GETTER(uint64_t, unplugs, unplugs)
STATS_GETTER(uint64_t, replugs, replugs)
STATS_GETTER(uint64_t, deferred_pending, deferred_pending)
STATS_GETTER(uint64_t, uptime_ns, uptime_ns)

/* --- Emulator ----------------------------------------------------------------------------- */

static int ctl_emu(struct mpssed_ctl *ctl, const char *chip, struct mpssed_emu *req)
{
	if (chip_name_field(req->chip, sizeof(req->chip), chip) < 0)
		return -1;
	return conn_call(&ctl->conn, MSG_EMU, req, sizeof(*req), NULL, NULL);
}

_public_ int mpssed_ctl_emu_unplug(struct mpssed_ctl *ctl, const char *chip)
{
	struct mpssed_emu req = { .op = MPSSED_EMU_UNPLUG };

	return ctl_emu(ctl, chip, &req);
}

_public_ int mpssed_ctl_emu_replug(struct mpssed_ctl *ctl, const char *chip)
{
	struct mpssed_emu req = { .op = MPSSED_EMU_REPLUG };

	return ctl_emu(ctl, chip, &req);
}

_public_ int mpssed_ctl_emu_set_input(struct mpssed_ctl *ctl, const char *chip, unsigned int offset,
				      int value)
{
	struct mpssed_emu req = { .op = MPSSED_EMU_SET, .line = offset, .value = (uint32_t)value };

	if (value != 0 && value != 1) {
		errno = EINVAL;
		return -1;
	}
	return ctl_emu(ctl, chip, &req);
}

_public_ int mpssed_ctl_emu_wire(struct mpssed_ctl *ctl, const char *chip, unsigned int out_offset,
				 unsigned int in_offset)
{
	struct mpssed_emu req = { .op = MPSSED_EMU_WIRE, .line = out_offset, .line2 = in_offset };

	return ctl_emu(ctl, chip, &req);
}

_public_ int mpssed_ctl_emu_unwire(struct mpssed_ctl *ctl, const char *chip, unsigned int in_offset)
{
	struct mpssed_emu req = { .op = MPSSED_EMU_UNWIRE, .line2 = in_offset };

	return ctl_emu(ctl, chip, &req);
}

_public_ int mpssed_ctl_emu_square_wave(struct mpssed_ctl *ctl, const char *chip,
					unsigned int offset, double hz)
{
	struct mpssed_emu req = { .op = MPSSED_EMU_WAVE, .line = offset };

	/* The wire carries millihertz; the emulator's ceiling is far below this bound. */
	if (!(hz >= 0.0 && hz <= 1e9)) {
		errno = EINVAL;
		return -1;
	}
	req.millihertz = (uint64_t)(hz * 1000.0 + 0.5);
	return ctl_emu(ctl, chip, &req);
}
