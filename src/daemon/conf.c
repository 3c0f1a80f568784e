// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "daemon/conf.h"
#include "daemon/emulate.h"
#include "server/server.h"

/* NULL config: a default file that does not exist. */
static int conf_read(const struct conf *conf, struct config **out)
{
	struct config_error err;
	int r = config_load(conf->path, out, &err);

	if (r == -ENOENT && !conf->explicit) {
		log_debug("no configuration file %s; using the defaults", conf->path);
		*out = NULL;
		return 0;
	}
	if (r < 0 && err.line)
		log_err("%s:%u: %s", conf->path, err.line, err.reason);
	else if (r < 0)
		log_err("%s: %s", conf->path, err.reason[0] ? err.reason : strerror(-r));
	return r;
}

int conf_init(struct conf *conf, const struct options *opts)
{
	memset(conf, 0, sizeof(*conf));
	conf->opts = opts;
	conf->explicit = opts->config != NULL;
	conf->path = conf->explicit ? opts->config : CONFIG_DEFAULT_PATH;
	pthread_mutex_init(&conf->lock, NULL);
	return conf_read(conf, &conf->config);
}

void conf_fini(struct conf *conf)
{
	conf->config = config_free(conf->config);
	pthread_mutex_destroy(&conf->lock);
}

enum log_level conf_log_level(const struct conf *conf)
{
	if (conf->opts->has_log_level || !conf->config || !conf->config->has_log_level)
		return conf->opts->log_level;
	return conf->config->log_level;
}

void conf_core_config(struct conf *conf, struct core_config *cc)
{
	memset(cc, 0, sizeof(*cc));
	if (conf->config) {
		cc->latency_ms = conf->config->latency_ms;
		cc->reads_in_flight = conf->config->reads_in_flight;
	}
	cc->names = conf_names;
	cc->names_data = conf;
}

void conf_server_config(const struct conf *conf, struct server_config *sc)
{
	const struct options *o = conf->opts;
	const struct config *c = conf->config;

	sc->socket_mode = o->socket_mode;
	if (!o->has_socket_mode && c && c->has_socket_mode)
		sc->socket_mode = c->socket_mode;
	sc->socket_gid = o->socket_gid;
	if (o->socket_gid == (gid_t)-1 && c && c->has_socket_group)
		sc->socket_gid = c->socket_gid;
	sc->config = c;
}

static void names_from(const struct config_chip *section, struct gpio_chip_names *names)
{
	memset(names, 0, sizeof(*names));
	if (!section)
		return;
	snprintf(names->chip, sizeof(names->chip), "%s", section->name);
	for (unsigned i = 0; i < CHIPDB_LINES_MAX; i++)
		if (section->line_names[i])
			snprintf(names->lines[i], sizeof(names->lines[i]), "%s",
				 section->line_names[i]);
}

static const struct config_chip *section_of(const struct config *c, const char *chip_name,
					    const struct gpio_chip_identity *id)
{
	struct config_device dev = {
		.vid = id->vid, .pid = id->pid, .serial = id->serial, .usb_path = id->usb_path,
		.intf = id->intf,
	};
	const struct config_chip *section = chip_name ? config_find_chip(c, chip_name) : NULL;

	return section ? section : config_match(c, &dev);
}

void conf_names(void *data, const struct gpio_chip_identity *id, struct gpio_chip_names *names)
{
	struct conf *conf = data;

	pthread_mutex_lock(&conf->lock);
	names_from(section_of(conf->config, NULL, id), names);
	pthread_mutex_unlock(&conf->lock);
}

static void apply_line_names(struct gpio_chip *chip, void *data)
{
	const struct conf *conf = data;
	struct gpio_chip_identity id;
	struct gpio_chip_names names;

	gpio_chip_identity(chip, &id);
	names_from(section_of(conf->config, gpio_chip_name(chip), &id), &names);
	gpio_chip_set_line_names(chip, &names);
}

void conf_apply_line_names(struct conf *conf, struct core *core)
{
	core_for_each_chip(core, apply_line_names, conf);
}

int conf_add_emulators(struct conf *conf, struct core *core)
{
	for (unsigned i = 0; conf->config && i < conf->config->n_chips; i++) {
		const struct config_chip *section = conf->config->chips[i];
		const char *names[EMU_INTERFACES_MAX] = { NULL };
		int r;

		if (!section->has_emulate)
			continue;
		names[section->intf] = section->name;
		r = emulate_add(core, &section->emulate, names);
		if (r < 0) {
			log_err("%s:%u: [chip %s]: cannot add the emulated device", conf->path,
				section->lineno, section->name);
			return r;
		}
	}
	return 0;
}

static bool same_emulator(const struct config_chip *a, const struct config_chip *b)
{
	return b && b->has_emulate && a->intf == b->intf && !strcmp(a->emulate_text, b->emulate_text);
}

/* Settings a reload cannot apply: say so rather than ignore them silently. */
static void warn_start_only(const struct conf *conf, const struct config *was,
			    const struct config *now)
{
	static const struct config none;
	const struct config *a = was ? was : &none, *b = now ? now : &none;
	bool emulators = false;

	if (a->latency_ms != b->latency_ms || a->reads_in_flight != b->reads_in_flight)
		log_warn("%s: latency-timer and reads-in-flight change at the next start",
			 conf->path);
	for (unsigned i = 0; i < a->n_chips; i++)
		emulators |= a->chips[i]->has_emulate &&
			     !same_emulator(a->chips[i], config_find_chip(b, a->chips[i]->name));
	for (unsigned i = 0; i < b->n_chips; i++)
		emulators |= b->chips[i]->has_emulate &&
			     !same_emulator(b->chips[i], config_find_chip(a, b->chips[i]->name));
	if (emulators)
		log_warn("%s: emulated devices (emulate=) change at the next start", conf->path);
}

int conf_reload(struct conf *conf, struct config **old)
{
	struct config *fresh;
	int r = conf_read(conf, &fresh);

	if (r < 0) {
		log_err("reload refused: the configuration in use stays");
		return r;
	}
	warn_start_only(conf, conf->config, fresh);
	pthread_mutex_lock(&conf->lock);
	*old = conf->config;
	conf->config = fresh;
	pthread_mutex_unlock(&conf->lock);
	log_info("configuration %s reloaded", fresh ? conf->path : "defaults (no file)");
	return 0;
}
