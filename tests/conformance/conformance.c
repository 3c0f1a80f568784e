// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One conformance suite, built twice: against the emu transport (the
 * emulator in this process) and against the ftdi transport over umockdev
 * (the real libusb and libftdi1 talking to the same emulator served as a
 * usbfs device). The same assertions run on both, so the emulator's
 * in-process front-end cannot drift from what real libusb sees:
 *  - the attach sequence (reset, purge, latency, MPSSE, sync) and that it
 *    is glitch-free: an output a previous session left driven stays
 *    driven, because the pins are read before the first set command;
 *  - GPIO set and get on every MPSSE interface of every preset;
 *  - open-drain: native (9E) on FT232H, emulated by direction elsewhere;
 *  - unplug with a read in flight: it ends with -ENODEV, every later call
 *    fails with -ENODEV, also after a replug (a handle belongs to one
 *    plug), and a new open works again;
 *  - answer faults both front-ends can carry (garbage, stale bytes, short
 *    and status-only packets, a transfer that never completes, a chip that
 *    stops answering): a read of the pins gives the right levels or an
 *    error, never other levels, and the next one is right again.
 *
 * Built with CONFORMANCE_UMOCKDEV for the second run; backend_*() below
 * is all that differs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../tap.h"
#include "chip/chip.h"
#include "chip/chipdb.h"
#include "common/macros.h"
#include "emu/emu.h"
#include "transport/transport.h"

#ifdef CONFORMANCE_UMOCKDEV
#include "transport/usb.h"
#include "../umockdev/umd.h"
#include "../umockdev/usbfs-emu.h"
#endif

#define IO_MS 1000
#define REOPEN_MS 5000
#define PRESETS 6

struct dev {
	struct emu_chip *emu;
	char serial[16];
#ifdef CONFORMANCE_UMOCKDEV
	struct usbfs_dev *usbfs;
#endif
};

/* --- Backends ------------------------------------------------------------------ */

#ifdef CONFORMANCE_UMOCKDEV
static struct usbfs_bed *bed;
static unsigned next_port = 1;

static const char *backend_name(void)
{
	return "ftdi over umockdev";
}

static void backend_init(char **argv)
{
	umd_init(argv);
	bed = usbfs_bed_new();
	if (!bed)
		tap_bail("cannot create the testbed");
}

/* The shared libusb context must come after the testbed and its first devices. */
static void backend_start(void)
{
	if (usb_start() < 0)
		tap_bail("usb_start failed");
}

static void backend_fini(void)
{
	usb_stop();
	bed = usbfs_bed_free(bed);
}

static void backend_plug(struct dev *d)
{
	char port[16];

	snprintf(port, sizeof(port), "1-%u", next_port++);
	d->usbfs = usbfs_bed_plug(bed, d->emu, port);
	if (!d->usbfs)
		tap_bail("cannot plug %s at %s: %s", d->serial, port, strerror(errno));
}

static int backend_open(struct dev *d, unsigned intf, struct transport **out)
{
	const struct transport_ftdi_match m = { .serial = d->serial };

	return transport_ftdi_open(&m, intf, out);
}

static int backend_unplug(struct dev *d)
{
	return usbfs_dev_unplug(d->usbfs);
}

static int backend_replug(struct dev *d)
{
	return usbfs_dev_replug(d->usbfs);
}
#else
static const char *backend_name(void)
{
	return "emu in-process";
}

static void backend_init(char **argv)
{
}

static void backend_start(void)
{
}

static void backend_fini(void)
{
}

static void backend_plug(struct dev *d)
{
}

static int backend_open(struct dev *d, unsigned intf, struct transport **out)
{
	return transport_emu_open(d->emu, intf, out);
}

static int backend_unplug(struct dev *d)
{
	return emu_chip_unplug(d->emu);
}

static int backend_replug(struct dev *d)
{
	return emu_chip_replug(d->emu);
}
#endif

/* --- Helpers ------------------------------------------------------------------- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void dev_new(struct dev *d, enum emu_model model, const char *serial)
{
	const struct emu_config cfg = { .model = model, .serial = serial };

	snprintf(d->serial, sizeof(d->serial), "%s", serial);
	d->emu = emu_chip_new(&cfg);
	if (!d->emu)
		tap_bail("emu_chip_new %s: %s", serial, strerror(errno));
	backend_plug(d);
}

static const struct chipdb_entry *db_of(struct dev *d)
{
	const struct chipdb_entry *db = NULL;
	struct emu_identity id;

	emu_chip_identity(d->emu, &id);
	if (chipdb_lookup(id.vid, id.pid, id.bcd_device, &db, NULL, 0) < 0)
		tap_bail("no chip database entry for %s", d->serial);
	return db;
}

/* After a replug the device may take a moment to be found again (udev-like arrival). */
static int open_retry(struct dev *d, unsigned intf, struct transport **out)
{
	uint64_t deadline = now_ms() + REOPEN_MS;
	int r;

	while ((r = backend_open(d, intf, out)) < 0 && r != -EINVAL && now_ms() < deadline)
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	return r;
}

struct session {
	struct transport *t;
	struct chip *chip;
};

static int session_open(struct dev *d, unsigned intf, const struct chip_config *cfg,
			struct session *s)
{
	int r = open_retry(d, intf, &s->t);

	s->chip = NULL;
	if (r < 0)
		return r;
	r = chip_attach(s->t, db_of(d), cfg, &s->chip);
	if (r < 0) {
		transport_close(s->t);
		s->t = NULL;
	}
	return r;
}

static void session_close(struct session *s)
{
	s->chip = chip_free(s->chip);
	transport_close(s->t);
	s->t = NULL;
}

/* --- Attach ---------------------------------------------------------------------- */

static bool line_steady(struct dev *d, unsigned line)
{
	struct emu_pin_change h[64];
	size_t n = emu_chip_history(d->emu, 0, h, ARRAY_SIZE(h));
	uint16_t bit = (uint16_t)(1u << line);

	for (size_t i = 0; i < n; i++)
		if (!(h[i].levels & bit) || !(h[i].directions & bit))
			return false;
	return true;
}

static void test_attach(struct dev *d)
{
	const struct chip_config first = { .lines = { .output = 0x0003, .values = 0x0001 } };
	/* The next session keeps line 0 as it finds it and asks nothing of its value. */
	const struct chip_config again = { .lines = { .output = 0x0001 }, .as_is = 0x0001 };
	struct session s;
	struct emu_stats st;
	int r;

	r = session_open(d, 0, &first, &s);
	emu_chip_stats(d->emu, 0, &st);
	tap_ok(r == 0 && emu_chip_mpsse_enabled(d->emu, 0) && st.latency_ms == CHIP_LATENCY_MS_DEFAULT &&
		       st.bitmode == 0x02 && st.bad_commands >= 2,
	       "attach: MPSSE on, latency %u ms, synced with bad opcodes (%u answered FA) (%d)",
	       st.latency_ms, (unsigned)st.bad_commands, r);
	tap_ok(r == 0 && (emu_chip_pins(d->emu, 0) & 0x3) == 0x1 &&
		       (emu_chip_directions(d->emu, 0) & 0x3) == 0x3,
	       "then the configured outputs: line 0 high, line 1 low");
	session_close(&s);
	emu_chip_clear_history(d->emu, 0);
	r = session_open(d, 0, &again, &s);
	emu_chip_stats(d->emu, 0, &st);
	tap_ok(r == 0 && line_steady(d, 0) && (emu_chip_pins(d->emu, 0) & 1),
	       "a new session attaches glitch-free: line 0 stays a driven high output (%d)", r);
	session_close(&s);
}

/* --- GPIO on every preset ------------------------------------------------------------ */

static void test_gpio_interface(struct dev *d, unsigned intf)
{
	const struct chipdb_entry *db = db_of(d);
	uint16_t all = chipdb_lines_mask(db);
	/* Outputs where it can drive (every other line), inputs from the rest. */
	uint16_t out = db->output_mask & ~(db->input_mask & 0xaaaa) & all, values = out & 0x3333;
	uint16_t in = db->input_mask & ~out & all;
	const struct chip_config cfg = { .lines = { .output = out, .values = values } };
	uint16_t world = in & 0x6666, levels = 0;
	struct session s;
	int r, g = -1;

	r = session_open(d, intf, &cfg, &s);
	for (unsigned line = 0; line < 16; line++)
		if (in >> line & 1)
			emu_chip_set_input(d->emu, intf, line, world >> line & 1);
	if (r == 0)
		g = chip_get_levels(s.chip, &levels);
	tap_ok(r == 0 && g == 0 && (emu_chip_directions(d->emu, intf) & all) == out &&
		       (emu_chip_pins(d->emu, intf) & out) == values && (levels & out) == values &&
		       (levels & in) == world,
	       "%s %c: outputs %04x set to %04x, inputs read %04x (got %04x; %d %d)", d->serial,
	       'A' + intf, out, values, world, levels, r, g);
	if (r == 0 && out)
		r = chip_set_values(s.chip, out, (uint16_t)~values);
	if (r == 0)
		g = chip_get_levels(s.chip, &levels);
	tap_ok(r == 0 && g == 0 && (emu_chip_pins(d->emu, intf) & out) == (out & ~values) &&
		       (levels & out) == (out & ~values),
	       "%s %c: every output flipped, read back (%04x; %d %d)", d->serial, 'A' + intf,
	       levels, r, g);
	session_close(&s);
}

static void test_presets(struct dev *devs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct emu_identity id;

		emu_chip_identity(devs[i].emu, &id);
		for (unsigned intf = 0; intf < id.mpsse_interfaces; intf++)
			test_gpio_interface(&devs[i], intf);
	}
}

/* --- Open-drain ------------------------------------------------------------------------ */

static void test_open_drain(struct dev *d, bool native)
{
	const char *how = native ? "native" : "emulated";
	struct session s;
	int r, low, rel;
	bool low_ok, rel_ok;

	/* Nothing drives line 2 from outside: released, it shows the pull-up or the input default. */
	r = session_open(d, 0, NULL, &s);
	low = r ? r : chip_set_line(s.chip, 2, CHIP_LINE_OPEN_DRAIN, false);
	low_ok = low == 0 && (emu_chip_directions(d->emu, 0) & 0x04) &&
		 !(emu_chip_pins(d->emu, 0) & 0x04);
	emu_chip_set_input(d->emu, 0, 2, true);
	rel = r ? r : chip_set_value(s.chip, 2, true);
	/* Native: still an output for the chip, the pin floats high; emulated: an input. */
	rel_ok = rel == 0 && (emu_chip_pins(d->emu, 0) & 0x04) &&
		 !!(emu_chip_directions(d->emu, 0) & 0x04) == native;
	tap_ok(low_ok, "%s: open-drain (%s) 0 drives the pin low (%d)", d->serial, how, low);
	tap_ok(rel_ok, "%s: open-drain (%s) 1 releases it; it reads high (%d)", d->serial, how, rel);
	emu_chip_set_input(d->emu, 0, 2, false);
	session_close(&s);
}

/* --- Unplug ---------------------------------------------------------------------------------- */

struct waiter {
	uint64_t done;		/* ATOMIC */
};

static void on_read(struct transport_read *rd)
{
	__atomic_store_n(&((struct waiter *)rd->user_data)->done, 1, __ATOMIC_RELEASE);
}

static bool wait_done(struct waiter *w)
{
	uint64_t deadline = now_ms() + REOPEN_MS;

	while (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE) && now_ms() < deadline)
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	return __atomic_load_n(&w->done, __ATOMIC_ACQUIRE);
}

/* Every call on a dead handle: -ENODEV. */
static bool all_enodev(struct transport *t, int *why)
{
	static const uint8_t cmd[] = { 0x81, 0x87 };
	uint8_t buf[512], pins;
	int w = transport_write(t, cmd, sizeof(cmd), IO_MS);
	int p = transport_read_pins(t, &pins);
	int l = transport_set_latency(t, 2);
	int r = transport_read_raw(t, buf, sizeof(buf), IO_MS);

	*why = w != -ENODEV ? w : p != -ENODEV ? p : l != -ENODEV ? l : r;
	return w == -ENODEV && p == -ENODEV && l == -ENODEV && r == -ENODEV;
}

static void test_unplug(struct dev *d)
{
	const struct emu_fault hang = { .kind = EMU_FAULT_TIMEOUT, .count = 1 };
	uint8_t buf[512];
	struct waiter w = { 0 };
	struct transport_read rd = { .buf = buf, .len = sizeof(buf), .cb = on_read, .user_data = &w };
	struct session a, b, fresh;
	uint16_t levels;
	int ra, rb, r, why = 0;

	ra = session_open(d, 0, NULL, &a);
	rb = session_open(d, 1, NULL, &b);
	if (ra || rb)
		tap_bail("%s: cannot attach both interfaces (%d %d)", d->serial, ra, rb);
	emu_chip_inject(d->emu, 0, &hang);
	r = transport_submit_read(a.t, &rd);
	tap_ok(r == 0 && backend_unplug(d) == 0 && wait_done(&w) && rd.status == -ENODEV,
	       "unplug with a read in flight: it ends with -ENODEV (%d)", rd.status);
	tap_ok(all_enodev(a.t, &why) && chip_get_levels(b.chip, &levels) == -ENODEV,
	       "then write, vendor requests and reads fail with -ENODEV on both interfaces (%d)",
	       why);
	r = backend_replug(d);
	tap_ok(r == 0 && all_enodev(a.t, &why) && chip_set_line(b.chip, 0, CHIP_LINE_OUTPUT, true) ==
							       -ENODEV,
	       "after a replug the old handles stay dead: -ENODEV (%d %d)", r, why);
	r = session_open(d, 0, NULL, &fresh);
	tap_ok(r == 0 && chip_get_levels(fresh.chip, &levels) == 0,
	       "a new open attaches and reads the replugged chip (%d)", r);
	session_close(&fresh);
	session_close(&a);
	session_close(&b);
}

/* --- Answer faults ----------------------------------------------------------------------------- */

static int inject(struct dev *d, enum emu_fault_kind kind, unsigned count, const uint8_t *bytes,
		  size_t n)
{
	const struct emu_fault f = { .kind = kind, .count = count, .bytes = bytes, .n_bytes = n };

	return emu_chip_inject(d->emu, 0, &f);
}

static void test_faults(struct dev *d)
{
	static const uint8_t junk[] = { 0x5a, 0x5a, 0x5a };
	static const uint8_t stale[] = { 0x55 };
	static const uint8_t fa[] = { 0xfa, 0xaa };
	const struct {
		const char *what;
		enum emu_fault_kind kind;
		unsigned count;
		const uint8_t *bytes;
		size_t n;
	} faults[] = {
		{ "garbage", EMU_FAULT_GARBAGE, 1, junk, sizeof(junk) },
		{ "a stale byte ahead of the answer", EMU_FAULT_STALE_BYTES, 0, stale, sizeof(stale) },
		{ "a stale FA from an earlier sync (FA desync)", EMU_FAULT_STALE_BYTES, 0, fa,
		  sizeof(fa) },
		{ "short packets", EMU_FAULT_SHORT_PACKET, 4, NULL, 0 },
		{ "status-only packets", EMU_FAULT_STATUS_ONLY, 3, NULL, 0 },
		{ "a transfer that never completes", EMU_FAULT_TIMEOUT, 1, NULL, 0 },
	};
	const struct chip_config cfg = { .timeout_ms = 200 };
	struct session s;
	uint16_t levels, want;
	int r;

	if (session_open(d, 0, &cfg, &s) < 0)
		tap_bail("%s: cannot attach", d->serial);
	emu_chip_set_input(d->emu, 0, 0, true);
	emu_chip_set_input(d->emu, 0, 15, true);
	/* Every line an input: what the pin world drives. */
	want = emu_chip_pins(d->emu, 0);
	for (size_t i = 0; i < ARRAY_SIZE(faults); i++) {
		levels = 0;
		inject(d, faults[i].kind, faults[i].count, faults[i].bytes, faults[i].n);
		r = chip_get_levels(s.chip, &levels);
		tap_ok(r == 0 ? levels == want : r == -EPROTO || r == -ETIMEDOUT,
		       "%s: right levels or an error, never others (%d, %04x)", faults[i].what, r,
		       levels);
		emu_chip_clear_faults(d->emu);
		levels = 0;
		r = chip_get_levels(s.chip, &levels);
		tap_ok(r == 0 && levels == want, "%s: the next read is right (%d, %04x)",
		       faults[i].what, r, levels);
	}
	inject(d, EMU_FAULT_STOP_ANSWERING, 0, NULL, 0);
	r = transport_set_latency(s.t, 1);
	tap_ok(r == -ETIMEDOUT, "a chip that stops answering: a vendor request times out (%d)", r);
	r = chip_get_levels(s.chip, &levels);
	tap_ok(r == -ETIMEDOUT, "and a read of the pins too (%d)", r);
	emu_chip_clear_faults(d->emu);
	/* The read's command waited in the chip meanwhile: its late answer must be purged. */
	r = chip_resync(s.chip);
	tap_ok(r == 0 && chip_get_levels(s.chip, &levels) == 0 && levels == want,
	       "once it answers again, purge and sync bring the interface back (%d)", r);
	session_close(&s);
}

int main(int argc, char **argv)
{
	static const struct {
		enum emu_model model;
		const char *serial;
	} presets[PRESETS] = {
		{ EMU_FT232H, "CF232H" },     { EMU_FT2232H, "CF2232H" }, { EMU_FT4232H, "CF4232H" },
		{ EMU_FT4232HA, "CF4232HA" }, { EMU_SEALEVEL, "CFSEAL" }, { EMU_BRYX, "CFBRYX" },
	};
	struct dev devs[PRESETS];

	backend_init(argv);
	for (size_t i = 0; i < PRESETS; i++)
		dev_new(&devs[i], presets[i].model, presets[i].serial);
	backend_start();
	tap_diag("transport: %s", backend_name());

	test_attach(&devs[0]);
	test_presets(devs, PRESETS);
	test_open_drain(&devs[0], true);
	test_open_drain(&devs[1], false);
	test_faults(&devs[0]);
	test_unplug(&devs[1]);

	backend_fini();
	for (size_t i = 0; i < PRESETS; i++)
		emu_chip_free(devs[i].emu);
	tap_plan(tap_count);
	return tap_done();
}
