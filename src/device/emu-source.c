// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * In-process emulated devices as a source of chips. The emulator's plug
 * listener runs on its bus thread (or on the thread that unplugs): it only
 * counts the event and kicks the chips, so the device-event thread does
 * the teardown and the rebinding.
 *
 * An emu_source lives from core_add_emulator() to core_free() on
 * core->emus (under core->lock); its chips[] are the registry's chips,
 * which also live until core_free(). The generation is the emulator's
 * own, which changes the moment the chip is unplugged: a binder that
 * reads it while the listener's news is still on its way cannot bind
 * under a generation that is already over.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "device/internal.h"
#include "emu/emu.h"
#include "transport/transport.h"

struct emu_source {
	struct cds_list_head node;	/* core->emus */
	struct emu_chip *emu;
	unsigned n;
	struct gpio_chip *chips[EMU_INTERFACES_MAX];
};

static struct emu_source *source_of(const struct gpio_chip *chip)
{
	return chip->src;
}

/* Only departures count: a binding made after an unplug is good for the replug that follows. */
static uint32_t emu_generation(const struct gpio_chip *chip)
{
	return (uint32_t)emu_chip_generation(source_of(chip)->emu);
}

static bool emu_present(const struct gpio_chip *chip)
{
	return emu_chip_plugged(source_of(chip)->emu);
}

static int emu_open(struct gpio_chip *chip, struct transport **out)
{
	return transport_emu_open(source_of(chip)->emu, chip->intf, out);
}

/* An attach that met a flaky answer may well work the next time. */
static bool emu_retryable(int err)
{
	return err == -EPROTO || err == -ETIMEDOUT || err == -EIO;
}

static const struct chip_source_ops emu_source_ops = {
	.generation = emu_generation,
	.present = emu_present,
	.open = emu_open,
	.retryable = emu_retryable,
};

struct emu_chip *gpio_chip_emulator(const struct gpio_chip *chip, unsigned *intf)
{
	if (chip->src_ops != &emu_source_ops)
		return NULL;
	if (intf)
		*intf = chip->intf;
	return source_of(chip)->emu;
}

/* On the emulator's bus thread: kick, return. */
static void emu_plugged(struct emu_chip *emu, bool plugged, void *user_data)
{
	struct emu_source *src = user_data;

	for (unsigned i = 0; i < src->n; i++)
		core_kick(src->chips[i]);
}

static void chips_unref(struct gpio_chip **chips, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		gpio_chip_unref(chips[i]);
}

static int source_make_chips(struct core *core, struct emu_source *src,
			     const struct chipdb_entry *db, const char *const *names)
{
	struct emu_identity id;
	int r;

	emu_chip_identity(src->emu, &id);
	src->n = id.mpsse_interfaces < db->interfaces ? id.mpsse_interfaces : db->interfaces;
	for (unsigned i = 0; i < src->n; i++) {
		const char *name = names ? names[i] : NULL;

		struct gpio_chip_identity gid = { .vid = id.vid, .pid = id.pid, .intf = i };

		r = gpio_chip_new(core, name, db, i, &emu_source_ops, src, &src->chips[i]);
		if (r < 0) {
			chips_unref(src->chips, i);
			return r;
		}
		snprintf(gid.serial, sizeof(gid.serial), "%s", id.serial);
		gpio_chip_describe(src->chips[i], &gid);
		snprintf(src->chips[i]->label, sizeof(src->chips[i]->label), "%s %c serial=%.40s",
			 db->name, 'A' + i, id.serial);
	}
	return 0;
}

static struct emu_source *source_free(struct emu_source *src)
{
	if (src) {
		emu_chip_free(src->emu);
		free(src);
	}
	return NULL;
}
DEFINE_CLEANUP(struct emu_source, source_free)

/* The emulator and its database entry; NULL and errno on failure. */
static struct emu_source *source_new(const struct emu_config *config,
				     const struct chipdb_entry **db)
{
	_cleanup_(source_freep) struct emu_source *src = calloc(1, sizeof(*src));
	struct emu_identity id;
	char why[160];
	int r;

	if (!src) {
		errno = ENOMEM;
		return NULL;
	}
	src->emu = emu_chip_new(config);
	if (!src->emu)
		return NULL;
	emu_chip_identity(src->emu, &id);
	r = chipdb_lookup(id.vid, id.pid, id.bcd_device, db, why, sizeof(why));
	if (r < 0) {
		log_err("emulator: %s", why);
		errno = -r;
		return NULL;
	}
	return steal_ptr(src);
}

/* List the source's chips and the source itself; -EEXIST for a name in use. */
static int source_list(struct core *core, struct emu_source *src)
{
	int r;

	pthread_mutex_lock(&core->lock);
	r = __core_list_chips(core, src->chips, src->n);
	if (r == 0)
		cds_list_add_tail(&src->node, &core->emus);
	pthread_mutex_unlock(&core->lock);
	if (r < 0)
		chips_unref(src->chips, src->n);
	return r;
}

int core_add_emulator(struct core *core, const struct emu_config *config,
		      const char *const *names, struct emu_chip **out_emu)
{
	_cleanup_(source_freep) struct emu_source *src = NULL;
	const struct chipdb_entry *db;
	struct emu_listener listener;
	struct emu_source *listed;
	int r;

	if (!config)
		return -EINVAL;
	src = source_new(config, &db);
	if (!src)
		return -errno;
	r = source_make_chips(core, src, db, names);
	if (r == 0)
		r = source_list(core, src);
	if (r < 0)
		return r;
	/* core->emus owns it now; core_free() frees it. */
	listed = steal_ptr(src);
	listener = (struct emu_listener){ .plugged = emu_plugged, .user_data = listed };
	emu_chip_set_listener(listed->emu, &listener);
	/* Bound before we return, so the caller can request lines at once. */
	for (unsigned i = 0; i < listed->n; i++)
		core_reconcile(listed->chips[i]);
	core_changed(core);
	if (out_emu)
		*out_emu = listed->emu;
	return 0;
}

void emu_sources_stop(struct core *core)
{
	struct emu_source *src;

	/* core->emus changes only under core_add_emulator(), which may not race core_free(). */
	cds_list_for_each_entry(src, &core->emus, node)
		emu_chip_set_listener(src->emu, NULL);
}

void emu_sources_free(struct core *core)
{
	struct emu_source *src, *tmp;

	cds_list_for_each_entry_safe(src, tmp, &core->emus, node) {
		cds_list_del(&src->node);
		source_free(src);
	}
}
