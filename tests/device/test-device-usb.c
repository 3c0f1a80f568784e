// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The device layer's USB source through the real libusb and libftdi1
 * (umockdev tier: emulated chips served as usbfs devices): hotplug finds
 * the chips, the sampler runs on libusb's asynchronous reads, an unplug
 * tears down once and requests see -ENODEV, and a replug binds the same
 * chip again: by serial number, or by USB port path for a chip whose
 * serial is blank. The names callback (the configuration's) sees each
 * chip's USB identity and names it and its lines; a configured name that
 * is taken falls back to an automatic one.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "../umockdev/umd.h"
#include "../umockdev/usbfs-emu.h"
#include "common/rcu.h"
#include "helpers.h"

static struct core *core;

/* What the names callback saw, on the device-event thread. */
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static struct gpio_chip_identity seen[2];
static unsigned n_seen;

/* Every chip is offered the same name: the second must fall back. */
static void names(void *data, const struct gpio_chip_identity *id, struct gpio_chip_names *out)
{
	pthread_mutex_lock(&seen_lock);
	if (n_seen < 2)
		seen[n_seen++] = *id;
	pthread_mutex_unlock(&seen_lock);
	snprintf(out->chip, sizeof(out->chip), "usbchip");
	snprintf(out->lines[2], sizeof(out->lines[2]), "SENSE");
}

static bool saw(const char *serial, const char *path)
{
	bool found = false;

	pthread_mutex_lock(&seen_lock);
	for (unsigned i = 0; i < n_seen; i++)
		found |= seen[i].vid == 0x0403 && seen[i].pid == 0x6014 && seen[i].intf == 0 &&
			 !strcmp(seen[i].serial, serial) && !strcmp(seen[i].usb_path, path);
	pthread_mutex_unlock(&seen_lock);
	return found;
}

static void test_names(struct gpio_chip *a, struct gpio_chip *b)
{
	bool a_named = !strcmp(gpio_chip_name(a), "usbchip");
	bool b_named = !strcmp(gpio_chip_name(b), "usbchip");
	struct gpio_v2_line_info info;

	tap_ok(saw("USB1", "1-2") && saw("", "1-3"),
	       "the names callback saw each chip's VID:PID, serial, port path and interface");
	tap_ok(a_named != b_named && !strncmp(gpio_chip_name(a_named ? b : a), "mpsse", 5),
	       "one chip got the configured name, the other an automatic one (%s, %s)",
	       gpio_chip_name(a), gpio_chip_name(b));
	tap_ok(gpio_chip_line_info(a, 2, &info) == 0 && !strcmp(info.name, "SENSE") &&
		       gpio_chip_find_line(a, "SENSE") == 2,
	       "the configured line name shows in line info and lookups");
}

static struct emu_chip *emulate(const char *serial)
{
	const struct emu_config ec = { .model = EMU_FT232H, .serial = serial, .timing = true };
	struct emu_chip *emu = emu_chip_new(&ec);

	if (!emu)
		tap_bail("cannot emulate an FT232H");
	return emu;
}

/* The chip whose label mentions this port, with a reference; NULL if none yet. */
struct find {
	const char *port;
	struct gpio_chip *found;
};

static void match_port(struct gpio_chip *chip, void *data)
{
	struct find *f = data;
	struct gpiochip_info info;
	char want[32];

	gpio_chip_info(chip, &info);
	snprintf(want, sizeof(want), "port=%s", f->port);
	if (!f->found && strstr(info.label, want) && gpio_chip_present(chip))
		f->found = gpio_chip_ref(chip);
}

static struct gpio_chip *chip_at(const char *port)
{
	struct find f = { .port = port };

	core_for_each_chip(core, match_port, &f);
	return f.found;
}

static struct line_request *request(struct gpio_chip *chip, unsigned line, uint64_t flags)
{
	const unsigned offsets[] = { line };
	struct gpio_v2_line_request ureq;
	struct line_request *r = NULL;

	t_request(&ureq, offsets, 1, flags, "usb");
	if (gpio_chip_request_lines(chip, &ureq, NULL, &r) < 0)
		tap_bail("request on line %u", line);
	return r;
}

static uint64_t samples(struct gpio_chip *chip)
{
	struct gpio_chip_stats st;

	gpio_chip_stats(chip, &st);
	return st.samples;
}

/* A few samples after a request: the baseline is taken. */
static void wait_sampling(struct gpio_chip *chip)
{
	uint64_t before = samples(chip);

	/* More than the batch a retired worker may still finish. */
	if (!WAIT_FOR(samples(chip) > before + 16, WAIT_MS))
		tap_bail("the poller does not sample");
}

static bool gone_for_good(struct line_request *r)
{
	struct gpio_v2_line_event ev[16];

	return WAIT_FOR(line_request_read_events(r, ev, 16) == -ENODEV, WAIT_MS);
}

static void test_serial(struct emu_chip *emu, struct usbfs_dev *dev)
{
	struct gpio_chip *chip = NULL, *again;
	struct line_request *in, *out;
	struct gpio_v2_line_event ev;
	struct gpio_chip_stats st;
	char name[GPIO_MAX_NAME_SIZE];

	tap_ok(WAIT_FOR((chip = chip_at("1-2")), WAIT_MS), "hotplug found the FT232H at 1-2");
	if (!chip)
		tap_bail("no chip");
	snprintf(name, sizeof(name), "%s", gpio_chip_name(chip));
	out = request(chip, 0, FLAG(OUTPUT) | FLAG(ACTIVE_LOW));
	tap_ok((emu_chip_pins(emu, 0) & 1) && line_request_set_values(out, 1, 1) == 0 &&
		       !(emu_chip_pins(emu, 0) & 1),
	       "outputs through libftdi1 and libusb (active-low: 0 is high, 1 low)");
	in = request(chip, 2, FLAG(INPUT) | EDGE_BOTH);
	wait_sampling(chip);
	emu_chip_set_input(emu, 0, 2, true);
	tap_ok(t_read_events(in, &ev, 1, WAIT_MS) == 1 && ev.id == GPIO_V2_LINE_EVENT_RISING_EDGE,
	       "edge events from the sampler on libusb's asynchronous reads");
	tap_ok(usbfs_dev_unplug(dev) == 0 && gone_for_good(in), "unplug: the edge request sees -ENODEV");
	tap_ok(WAIT_FOR((gpio_chip_stats(chip, &st), st.releases == 1), WAIT_MS) && st.unplugs == 1,
	       "torn down once, released");
	line_request_release(in);
	line_request_release(out);
	tap_ok(usbfs_dev_replug(dev) == 0 && WAIT_FOR(gpio_chip_present(chip), WAIT_MS),
	       "replug: bound again");
	again = core_find_chip(core, name);
	tap_ok(again == chip, "the same chip, %s, by serial number", name);
	in = request(chip, 2, FLAG(INPUT) | EDGE_BOTH);
	wait_sampling(chip);
	emu_chip_set_input(emu, 0, 2, false);
	tap_ok(t_read_events(in, &ev, 1, WAIT_MS) == 1, "and it samples again");
	line_request_release(in);
	gpio_chip_unref(again);
	gpio_chip_unref(chip);
}

static void test_blank_serial(struct usbfs_dev *dev)
{
	struct gpio_chip *chip = NULL, *again = NULL;

	tap_ok(WAIT_FOR((chip = chip_at("1-3")), WAIT_MS), "a blank-serial FT232H at 1-3");
	if (!chip)
		tap_bail("no chip");
	tap_ok(usbfs_dev_unplug(dev) == 0 && WAIT_FOR(!gpio_chip_present(chip), WAIT_MS), "unplugged");
	tap_ok(usbfs_dev_replug(dev) == 0 && WAIT_FOR((again = chip_at("1-3")), WAIT_MS) && again == chip,
	       "back as the same chip, by port path");
	gpio_chip_unref(again);
	gpio_chip_unref(chip);
}

static void names_check(void)
{
	struct gpio_chip *a = NULL, *b = NULL;

	/* Each reference is taken once: the loop keeps what it found. */
	if (!WAIT_FOR((a = a ? a : chip_at("1-2")) && (b = b ? b : chip_at("1-3")), WAIT_MS))
		tap_bail("hotplug did not find both chips");
	test_names(a, b);
	gpio_chip_unref(a);
	gpio_chip_unref(b);
}

int main(int argc, char **argv)
{
	struct emu_chip *named, *blank;
	struct usbfs_dev *dev_named, *dev_blank;
	struct usbfs_bed *bed;
	struct gpio_chip_stats st;
	struct gpio_chip *chip;

	umd_init(argv);
	named = emulate("USB1");
	blank = emulate("");
	bed = usbfs_bed_new();
	if (!bed)
		tap_bail("cannot create the testbed");
	dev_named = usbfs_bed_plug(bed, named, "1-2");
	dev_blank = usbfs_bed_plug(bed, blank, "1-3");
	if (!dev_named || !dev_blank)
		tap_bail("cannot plug the chips");
	rcu_register_thread();
	/* libusb scans the emulated /sys when the core starts it: after the bed (README.md). */
	if (core_new(&core, &(struct core_config){ .names = names }) < 0)
		tap_bail("core_new");
	tap_ok(core_start_usb(core) == 0, "USB source started");
	names_check();
	test_serial(named, dev_named);
	test_blank_serial(dev_blank);
	chip = chip_at("1-2");
	if (chip)
		gpio_chip_stats(chip, &st);
	tap_ok(chip && st.max_samplers == 1, "never two samplers");
	gpio_chip_unref(chip);
	core_free(core);
	rcu_unregister_thread();
	usbfs_bed_free(bed);
	emu_chip_free(named);
	emu_chip_free(blank);
	tap_plan(tap_count);
	return tap_done();
}
