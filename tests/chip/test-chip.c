// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The chip model against the in-process emulator: the attach sequence byte
 * for byte, glitch-free re-attach proven with the emulator's pin history,
 * only changed banks written, open-drain command bytes, sync retry and
 * give-up. GPIO on every preset, answer faults and unplug are checked on
 * both transports by tests/conformance.
 *
 * A recording transport sits between the chip and the emulator's: it
 * forwards every call and keeps the vendor requests and the bytes written,
 * and can inject an emulator fault just before a given write.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "../tap.h"
#include "chip/chip.h"
#include "common/macros.h"
#include "emu/emu.h"
#include "mpsse/mpsse.h"
#include "transport/transport.h"

#define WRITES_MAX 64

struct rec {
	struct transport t;
	struct transport *inner;
	struct emu_chip *emu;
	char ops[32];		/* R reset, P purge, L latency, B bitmode, C control */
	size_t n_ops;
	uint8_t latency, bitmode_mode, bitmode_mask;
	uint8_t out[4096];
	size_t out_len;
	size_t write_at[WRITES_MAX + 1];
	unsigned writes;
	/* Inject fault just before write number fault_at (0 = the first). */
	const struct emu_fault *fault;
	unsigned fault_at;
	/* Forward write number fail_at, then report fail_error (a lost acknowledgement). */
	int fail_error;
	unsigned fail_at;
};

static struct rec *to_rec(struct transport *t)
{
	return container_of(t, struct rec, t);
}

static void rec_op(struct rec *r, char op)
{
	if (r->n_ops + 1 < sizeof(r->ops))
		r->ops[r->n_ops++] = op;
}

static int rec_reset(struct transport *t)
{
	rec_op(to_rec(t), 'R');
	return transport_reset(to_rec(t)->inner);
}

static int rec_purge(struct transport *t)
{
	rec_op(to_rec(t), 'P');
	return transport_purge(to_rec(t)->inner);
}

static int rec_set_latency(struct transport *t, uint8_t ms)
{
	rec_op(to_rec(t), 'L');
	to_rec(t)->latency = ms;
	return transport_set_latency(to_rec(t)->inner, ms);
}

static int rec_set_bitmode(struct transport *t, uint8_t mask, uint8_t mode)
{
	rec_op(to_rec(t), 'B');
	to_rec(t)->bitmode_mask = mask;
	to_rec(t)->bitmode_mode = mode;
	return transport_set_bitmode(to_rec(t)->inner, mask, mode);
}

static int rec_read_pins(struct transport *t, uint8_t *pins)
{
	return transport_read_pins(to_rec(t)->inner, pins);
}

static int rec_control(struct transport *t, uint8_t type, uint8_t request, uint16_t value,
		       uint8_t *data, uint16_t len)
{
	rec_op(to_rec(t), 'C');
	return transport_control(to_rec(t)->inner, type, request, value, data, len);
}

static int rec_write(struct transport *t, const uint8_t *buf, size_t len, int timeout_ms)
{
	struct rec *r = to_rec(t);

	if (r->fault && r->writes == r->fault_at)
		emu_chip_inject(r->emu, t->interface, r->fault);
	if (r->writes < WRITES_MAX && r->out_len + len <= sizeof(r->out)) {
		memcpy(r->out + r->out_len, buf, len);
		r->out_len += len;
		r->write_at[++r->writes] = r->out_len;
	}
	if (r->fail_error && r->writes == r->fail_at + 1) {
		transport_write(r->inner, buf, len, timeout_ms);
		return r->fail_error;
	}
	return transport_write(r->inner, buf, len, timeout_ms);
}

static int rec_submit_read(struct transport *t, struct transport_read *rd)
{
	return transport_submit_read(to_rec(t)->inner, rd);
}

static int rec_cancel_read(struct transport *t, struct transport_read *rd)
{
	return transport_cancel_read(to_rec(t)->inner, rd);
}

static void rec_close(struct transport *t)
{
	transport_close(to_rec(t)->inner);
	free(to_rec(t));
}

static const struct transport_ops rec_ops = {
	.name = "rec",
	.reset = rec_reset,
	.purge = rec_purge,
	.set_latency = rec_set_latency,
	.set_bitmode = rec_set_bitmode,
	.read_pins = rec_read_pins,
	.control = rec_control,
	.write = rec_write,
	.submit_read = rec_submit_read,
	.cancel_read = rec_cancel_read,
	.close = rec_close,
};

static struct rec *rec_open(struct emu_chip *emu, unsigned intf)
{
	struct transport *inner;
	struct rec *r;

	if (transport_emu_open(emu, intf, &inner) < 0)
		tap_bail("transport_emu_open(%u) failed", intf);
	r = calloc(1, sizeof(*r));
	if (!r)
		tap_bail("out of memory");
	r->inner = inner;
	r->emu = emu;
	r->t.ops = &rec_ops;
	r->t.packet_size = inner->packet_size;
	r->t.interface = inner->interface;
	memcpy(r->t.description, inner->description, sizeof(r->t.description));
	return r;
}

/* Write number i (0 = first) as recorded. */
static const uint8_t *rec_write_n(const struct rec *r, unsigned i, size_t *len)
{
	*len = i < r->writes ? r->write_at[i + 1] - r->write_at[i] : 0;
	return r->out + r->write_at[i];
}

static bool same(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len)
{
	char a[128], b[128];

	if (got_len == want_len && !memcmp(got, want, want_len))
		return true;
	tap_diag("got  [%zu] %s", got_len, mpsse_hex(got, got_len, a, sizeof(a)));
	tap_diag("want [%zu] %s", want_len, mpsse_hex(want, want_len, b, sizeof(b)));
	return false;
}

#define BYTES(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })

/* Write number i is exactly these bytes. */
#define WRITE_IS(rec, i, ...)                                         \
	({                                                            \
		size_t _len;                                          \
		const uint8_t *_p = rec_write_n(rec, i, &_len);       \
		same(_p, _len, BYTES(__VA_ARGS__));                   \
	})

/* The writes one call caused: exactly one, with these bytes. */
#define ONE_WRITE(rec, before, ...) \
	((rec)->writes == (before) + 1 && WRITE_IS(rec, before, __VA_ARGS__))

struct fx {
	struct emu_chip *emu;
	struct rec *rec;
	struct chip *chip;
	const struct chipdb_entry *db;
};

static struct emu_chip *emu_new(enum emu_model model)
{
	struct emu_config cfg = { .model = model };
	struct emu_chip *emu = emu_chip_new(&cfg);

	if (!emu)
		tap_bail("emu_chip_new(%s) failed", emu_model_name(model));
	return emu;
}

static const struct chipdb_entry *db_of(struct emu_chip *emu)
{
	const struct chipdb_entry *db = NULL;
	struct emu_identity id;
	char why[160];

	emu_chip_identity(emu, &id);
	if (chipdb_lookup(id.vid, id.pid, id.bcd_device, &db, why, sizeof(why)) < 0)
		tap_bail("%s", why);
	return db;
}

/* Open interface intf of fx->emu (made if NULL) and attach; returns chip_attach()'s result. */
static int fx_attach(struct fx *fx, enum emu_model model, unsigned intf,
		     const struct chip_config *cfg)
{
	if (!fx->emu)
		fx->emu = emu_new(model);
	fx->db = db_of(fx->emu);
	fx->rec = rec_open(fx->emu, intf);
	return chip_attach(&fx->rec->t, fx->db, cfg, &fx->chip);
}

/* Drop the chip and the transport, not the emulated chip: its pins stay. */
static void fx_detach(struct fx *fx)
{
	fx->chip = chip_free(fx->chip);
	if (fx->rec)
		transport_close(&fx->rec->t);
	fx->rec = NULL;
}

static void fx_free(struct fx *fx)
{
	fx_detach(fx);
	fx->emu = emu_chip_free(fx->emu);
}

static uint64_t bulk_out(struct fx *fx)
{
	struct emu_stats st;

	emu_chip_stats(fx->emu, fx->rec->t.interface, &st);
	return st.bulk_out;
}

/* --- The attach sequence ------------------------------------------------------ */

static void test_attach_sequence(void)
{
	struct fx fx = { 0 };
	struct emu_stats st;

	tap_ok(fx_attach(&fx, EMU_FT232H, 0, NULL) == 0, "FT232H: attach");
	tap_ok(!strcmp(fx.rec->ops, "RPLB"),
	       "vendor requests: SIO reset, purge, latency, bitmode; no bitmode reset (got %s)",
	       fx.rec->ops);
	tap_ok(fx.rec->latency == CHIP_LATENCY_MS_DEFAULT && fx.rec->bitmode_mode == 0x02,
	       "latency %u ms, bitmode mode 0x%02x (MPSSE)", fx.rec->latency, fx.rec->bitmode_mode);
	tap_ok(fx.rec->writes == 4 && WRITE_IS(fx.rec, 0, 0xaa, 0x87) &&
		       WRITE_IS(fx.rec, 1, 0xab, 0x87) && WRITE_IS(fx.rec, 2, 0x81, 0x83, 0xab, 0x87),
	       "sync AA, sync AB, then read both banks before any set command");
	tap_ok(WRITE_IS(fx.rec, 3, 0x80, 0x00, 0x00, 0x82, 0x00, 0x00, 0x9e, 0x00, 0x00),
	       "then both banks in one write, and FT232H's open-drain mask (a previous session's may linger)");
	emu_chip_stats(fx.emu, 0, &st);
	tap_ok(emu_chip_mpsse_enabled(fx.emu, 0) && st.latency_ms == 1 && st.bitmode == 0x02 &&
		       emu_chip_directions(fx.emu, 0) == 0,
	       "the emulated chip is in MPSSE, latency 1 ms, every line an input");
	fx_free(&fx);
}

static void test_attach_config(void)
{
	struct chip_config cfg = {
		.lines = { .output = 0x0f0f, .values = 0x0505 },
		.latency_ms = 4,
	};
	struct chip_lines lines;
	struct fx fx = { 0 };

	tap_ok(fx_attach(&fx, EMU_FT2232H, 1, &cfg) == 0, "FT2232H B: attach with 8 outputs");
	chip_get_lines(fx.chip, &lines);
	tap_ok(emu_chip_directions(fx.emu, 1) == 0x0f0f && (emu_chip_pins(fx.emu, 1) & 0x0f0f) == 0x0505,
	       "the chip drives exactly the requested outputs and levels (dir %04x pins %04x)",
	       emu_chip_directions(fx.emu, 1), emu_chip_pins(fx.emu, 1));
	tap_ok(lines.output == 0x0f0f && lines.values == 0x0505 && !lines.open_drain &&
		       fx.rec->latency == 4,
	       "the cached configuration matches; latency as configured");
	tap_ok(emu_chip_directions(fx.emu, 0) == 0, "interface A is untouched");
	fx_free(&fx);
}

/* --- Glitch-free re-attach ------------------------------------------------------ */

static void glitch_free_reattach(enum emu_model model)
{
	const uint16_t outs = 0x8181, high = 0x8080;
	struct chip_config first = { .lines = { .output = outs, .values = high } };
	struct chip_config again = { .lines = { .output = outs }, .as_is = outs };
	struct emu_pin_change hist[EMU_HISTORY_MAX];
	struct chip_lines lines;
	struct fx fx = { 0 };
	size_t n, i, bad = 0;

	if (fx_attach(&fx, model, 0, &first) < 0)
		tap_bail("%s: first attach failed", emu_model_name(model));
	fx_detach(&fx);
	tap_ok(emu_chip_mpsse_enabled(fx.emu, 0) && (emu_chip_pins(fx.emu, 0) & outs) == high,
	       "%s: after the first session the outputs still hold %04x", emu_model_name(model), high);

	emu_chip_clear_history(fx.emu, 0);
	tap_ok(fx_attach(&fx, model, 0, &again) == 0, "%s: re-attach with the same lines as-is",
	       emu_model_name(model));
	n = emu_chip_history(fx.emu, 0, hist, ARRAY_SIZE(hist));
	for (i = 0; i < n; i++)
		if ((hist[i].levels & outs) != high || (hist[i].directions & outs) != outs)
			bad++;
	tap_ok(bad == 0, "%s: no output changed level or direction during re-attach (%zu changes, %zu bad)",
	       emu_model_name(model), n, bad);
	chip_get_lines(fx.chip, &lines);
	tap_ok(lines.output == outs && lines.values == high,
	       "%s: the re-attached chip took the levels it found (%04x)", emu_model_name(model),
	       lines.values);

	/* The history does record a change: the check above can fail. */
	chip_set_values(fx.chip, 0x0080, 0);
	n = emu_chip_history(fx.emu, 0, hist, ARRAY_SIZE(hist));
	tap_ok(n > 0 && (hist[n - 1].levels & outs) == 0x8000,
	       "%s: a deliberate change shows in the history", emu_model_name(model));
	fx_free(&fx);
}

/* --- Writes ---------------------------------------------------------------------- */

static void test_changed_bank_only(void)
{
	struct fx fx = { 0 };
	unsigned w;
	uint64_t out;

	fx_attach(&fx, EMU_FT2232H, 0, NULL);
	w = fx.rec->writes;
	tap_ok(chip_set_line(fx.chip, 1, CHIP_LINE_OUTPUT, true) == 0 &&
		       ONE_WRITE(fx.rec, w, 0x80, 0x02, 0x02),
	       "a low-bank line: only 80 is written");
	w = fx.rec->writes;
	tap_ok(chip_set_line(fx.chip, 9, CHIP_LINE_OUTPUT, true) == 0 &&
		       ONE_WRITE(fx.rec, w, 0x82, 0x02, 0x02),
	       "a high-bank line: only 82 is written");
	w = fx.rec->writes;
	out = bulk_out(&fx);
	tap_ok(chip_set_values(fx.chip, 0x0202, 0) == 0 &&
		       ONE_WRITE(fx.rec, w, 0x80, 0x00, 0x02, 0x82, 0x00, 0x02) && bulk_out(&fx) == out + 1,
	       "both banks: one bulk OUT 80 .. .. 82 .. ..");
	w = fx.rec->writes;
	tap_ok(chip_set_values(fx.chip, 0x0202, 0) == 0 && fx.rec->writes == w,
	       "no change: nothing written");
	tap_ok(emu_chip_directions(fx.emu, 0) == 0x0202 && (emu_chip_pins(fx.emu, 0) & 0x0202) == 0,
	       "the emulated pins agree");
	fx_free(&fx);
}

static void test_failed_write(void)
{
	struct chip_lines lines;
	struct fx fx = { 0 };
	unsigned w;
	int r;

	fx_attach(&fx, EMU_FT2232H, 0, NULL);
	fx.rec->fail_error = -EIO;
	fx.rec->fail_at = fx.rec->writes;
	r = chip_set_line(fx.chip, 1, CHIP_LINE_OUTPUT, true);
	chip_get_lines(fx.chip, &lines);
	tap_ok(r == -EIO && !lines.output, "a write that fails: the error comes back, the cache is unchanged");
	w = fx.rec->writes;
	chip_set_line(fx.chip, 9, CHIP_LINE_OUTPUT, true);
	tap_ok(fx.rec->writes == w + 1 && WRITE_IS(fx.rec, w, 0x80, 0x00, 0x00, 0x82, 0x02, 0x02) &&
		       emu_chip_directions(fx.emu, 0) == 0x0200,
	       "the next write rewrites every bank: the chip matches the cache again");
	fx_free(&fx);
}

static void test_get_levels(void)
{
	struct emu_stats before, after;
	struct fx fx = { 0 };
	uint16_t levels = 0;
	unsigned w;

	fx_attach(&fx, EMU_FT2232H, 0, NULL);
	emu_chip_set_input(fx.emu, 0, 4, true);
	emu_chip_set_input(fx.emu, 0, 12, true);
	emu_chip_stats(fx.emu, 0, &before);
	w = fx.rec->writes;
	tap_ok(chip_get_levels(fx.chip, &levels) == 0 && levels == 0x1010,
	       "levels of all 16 pins: %04x", levels);
	emu_chip_stats(fx.emu, 0, &after);
	tap_ok(ONE_WRITE(fx.rec, w, 0x81, 0x83, 0xab, 0x87) && after.bulk_out == before.bulk_out + 1 &&
		       after.pin_reads == before.pin_reads + 2,
	       "one round trip: 81 83, marker, send immediate");
	fx_free(&fx);
}

/* --- Open-drain ------------------------------------------------------------------- */

static void test_open_drain_native(void)
{
	struct fx fx = { 0 };
	unsigned w;

	fx_attach(&fx, EMU_FT232H, 0, NULL);
	w = fx.rec->writes;
	tap_ok(chip_set_line(fx.chip, 2, CHIP_LINE_OPEN_DRAIN, false) == 0 &&
		       ONE_WRITE(fx.rec, w, 0x9e, 0x04, 0x00, 0x80, 0x00, 0x04),
	       "FT232H: a line becomes open-drain (9E) before its bank is set");
	tap_ok((emu_chip_directions(fx.emu, 0) & 0x04) && !(emu_chip_pins(fx.emu, 0) & 0x04),
	       "FT232H: open-drain 0 drives the pin low");
	w = fx.rec->writes;
	tap_ok(chip_set_value(fx.chip, 2, true) == 0 && ONE_WRITE(fx.rec, w, 0x80, 0x04, 0x04),
	       "FT232H: release = latch 1, still an output for the chip");
	w = fx.rec->writes;
	tap_ok(chip_set_line(fx.chip, 2, CHIP_LINE_OUTPUT, false) == 0 &&
		       ONE_WRITE(fx.rec, w, 0x80, 0x00, 0x04, 0x9e, 0x00, 0x00),
	       "FT232H: back to push-pull: latch first, open-drain mask last");
	tap_ok(chipdb_line_open_drain(chip_db(fx.chip), 2) == CHIPDB_OPEN_DRAIN_NATIVE,
	       "FT232H: line info says native");
	fx_free(&fx);
}

static void test_open_drain_emulated(void)
{
	struct chip_lines lines;
	struct fx fx = { 0 };
	unsigned w;

	fx_attach(&fx, EMU_FT2232H, 0, NULL);
	emu_chip_set_input(fx.emu, 0, 2, true);
	w = fx.rec->writes;
	tap_ok(chip_set_line(fx.chip, 2, CHIP_LINE_OPEN_DRAIN, false) == 0 &&
		       ONE_WRITE(fx.rec, w, 0x80, 0x00, 0x04) && !(emu_chip_pins(fx.emu, 0) & 0x04),
	       "FT2232H: open-drain 0 = output low (no 9E)");
	w = fx.rec->writes;
	tap_ok(chip_set_value(fx.chip, 2, true) == 0 && ONE_WRITE(fx.rec, w, 0x80, 0x00, 0x00) &&
		       !(emu_chip_directions(fx.emu, 0) & 0x04) && (emu_chip_pins(fx.emu, 0) & 0x04),
	       "FT2232H: release = input, the pin follows the outside world");
	chip_get_lines(fx.chip, &lines);
	tap_ok(lines.output == 0x04 && lines.open_drain == 0x04 && lines.values == 0x04 &&
		       chipdb_line_open_drain(chip_db(fx.chip), 2) == CHIPDB_OPEN_DRAIN_EMULATED,
	       "FT2232H: the line is still an open-drain output released, emulated");
	fx_free(&fx);
}

static void test_line_errors(void)
{
	struct fx fx = { 0 };
	struct chip_lines want = { .output = 0x0001 };
	unsigned w;

	fx_attach(&fx, EMU_FT2232H, 0, NULL);
	w = fx.rec->writes;
	tap_ok(chip_set_values(fx.chip, 0x0008, 0x0008) == -EPERM, "setting an input: -EPERM");
	tap_ok(chip_set_line(fx.chip, 16, CHIP_LINE_OUTPUT, true) == -EINVAL &&
		       chip_set_value(fx.chip, 16, true) == -EINVAL &&
		       chip_set_line(fx.chip, 0, (enum chip_line_mode)0, true) == -EINVAL,
	       "line 16 or no mode: -EINVAL");
	tap_ok(fx.rec->writes == w, "refused operations write nothing");
	chip_set_lines(fx.chip, 0x0001, &want);
	tap_ok(chip_set_values(fx.chip, 0x0009, 0x0009) == -EPERM && !(emu_chip_pins(fx.emu, 0) & 1),
	       "one non-output line in the mask refuses the whole set");
	fx_free(&fx);
}

/* --- FT4232H and Bryx ------------------------------------------------------------------------ */

static void test_ft4232h(void)
{
	struct fx fx = { 0 };
	uint8_t cmd[8];
	unsigned w;

	fx_attach(&fx, EMU_FT4232H, 1, NULL);
	tap_ok(fx.rec->writes == 4 && WRITE_IS(fx.rec, 2, 0x81, 0xab, 0x87) &&
		       WRITE_IS(fx.rec, 3, 0x80, 0x00, 0x00),
	       "FT4232H: attach reads and sets the low bank only (no ACBUS)");
	w = fx.rec->writes;
	tap_ok(chip_set_line(fx.chip, 8, CHIP_LINE_OUTPUT, true) == -EINVAL &&
		       chip_set_lines(fx.chip, 0x0100, &(struct chip_lines){ 0 }) == -EINVAL &&
		       fx.rec->writes == w,
	       "FT4232H: line 8 does not exist: -EINVAL");
	tap_ok(chip_sample_command(fx.chip, cmd, sizeof(cmd)) == 3 && same(cmd, 3, BYTES(0x81, 0xab, 0x87)) &&
		       chip_sample_bytes(fx.chip) == 1,
	       "FT4232H: a sample is 81, marker, send immediate -> 1 byte");
	fx_detach(&fx);
	fx.rec = rec_open(fx.emu, 2);
	tap_ok(chip_attach(&fx.rec->t, fx.db, NULL, &fx.chip) == -EINVAL && !fx.rec->n_ops,
	       "FT4232H: interface C has no MPSSE: -EINVAL before any request");
	fx_free(&fx);
}

static void test_bryx(void)
{
	struct chip_config ptt = { .lines = { .output = 1u << 3 } };
	struct chip_config bad = { .lines = { .output = 1u << 0 } };
	struct fx fx = { 0 };
	unsigned line;
	int refused = 0;

	fx_attach(&fx, EMU_BRYX, 0, &ptt);
	for (line = 0; line < 16; line++) {
		if (line == 3 || line == 5)
			continue;
		refused += chip_set_line(fx.chip, line, CHIP_LINE_INPUT, false) == -EINVAL &&
			   chip_set_line(fx.chip, line, CHIP_LINE_OUTPUT, false) == -EINVAL;
	}
	tap_ok(refused == 14, "Bryx: the 14 unwired lines are refused both ways with -EINVAL");
	tap_ok(chip_set_value(fx.chip, 3, true) == 0 && (emu_chip_pins(fx.emu, 0) & 1u << 3) &&
		       chip_set_line(fx.chip, 3, CHIP_LINE_INPUT, false) == -EINVAL,
	       "Bryx: Push to Talk drives, and cannot be an input");
	tap_ok(chip_set_line(fx.chip, 3, CHIP_LINE_OPEN_DRAIN, true) == 0,
	       "Bryx: Push to Talk can be open-drain (native on the FT232HL)");
	tap_ok(chip_set_line(fx.chip, 5, CHIP_LINE_INPUT, false) == 0 &&
		       chip_set_line(fx.chip, 5, CHIP_LINE_OUTPUT, true) == -EINVAL &&
		       chip_set_line(fx.chip, 5, CHIP_LINE_OPEN_DRAIN, true) == -EINVAL &&
		       chip_set_value(fx.chip, 5, true) == -EPERM,
	       "Bryx: Channel Activity is an input and nothing else");
	fx_detach(&fx);
	fx.rec = rec_open(fx.emu, 0);
	tap_ok(chip_attach(&fx.rec->t, fx.db, &bad, &fx.chip) == -EINVAL && !fx.rec->n_ops,
	       "Bryx: an initial configuration driving line 0 is refused before any request");
	fx_detach(&fx);
	fx.rec = rec_open(fx.emu, 0);
	fx.rec->t.interface = 1;
	tap_ok(chip_attach(&fx.rec->t, fx.db, NULL, &fx.chip) == -EINVAL,
	       "Bryx: interface B is refused");
	fx_free(&fx);
}

/* --- Sync ------------------------------------------------------------------------------ */

static unsigned count_ops(const struct rec *r, char op)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < r->n_ops; i++)
		n += r->ops[i] == op;
	return n;
}

static void test_sync_stale(void)
{
	static const uint8_t stale[] = { 0x12, 0x34 };
	const struct emu_fault fault = {
		.kind = EMU_FAULT_STALE_BYTES, .bytes = stale, .n_bytes = sizeof(stale),
	};
	struct fx fx = { .emu = emu_new(EMU_FT232H) };
	int r;

	fx.db = db_of(fx.emu);
	fx.rec = rec_open(fx.emu, 0);
	/* After the attach's purge, before the first sync: as if an old answer arrived late. */
	fx.rec->fault = &fault;
	fx.rec->fault_at = 0;
	r = chip_attach(&fx.rec->t, fx.db, NULL, &fx.chip);
	tap_ok(r == 0, "stale bytes before the sync: attach still succeeds (%d)", r);
	tap_ok(count_ops(fx.rec, 'P') == 2 && WRITE_IS(fx.rec, 0, 0xaa, 0x87) &&
		       WRITE_IS(fx.rec, 1, 0xaa, 0x87) && WRITE_IS(fx.rec, 2, 0xab, 0x87),
	       "one purge and one retry of the sync");
	fx_free(&fx);
}

static void test_sync_garbage(void)
{
	static const uint8_t junk[] = { 0x00, 0x11 };
	const struct emu_fault fault = {
		.kind = EMU_FAULT_GARBAGE, .count = 100, .bytes = junk, .n_bytes = sizeof(junk),
	};
	struct fx fx = { .emu = emu_new(EMU_FT2232H) };
	int r;

	emu_chip_inject(fx.emu, 0, &fault);
	r = fx_attach(&fx, EMU_FT2232H, 0, NULL);
	tap_ok(r == -EPROTO && !fx.chip, "a device answering garbage: attach gives up with -EPROTO (%d)", r);
	tap_ok(count_ops(fx.rec, 'P') == CHIP_SYNC_TRIES && fx.rec->writes == CHIP_SYNC_TRIES,
	       "after %d tries of AA, purging in between", CHIP_SYNC_TRIES);
	fx_detach(&fx);
	emu_chip_clear_faults(fx.emu);
	tap_ok(fx_attach(&fx, EMU_FT2232H, 0, NULL) == 0, "once the garbage stops, attach works");
	fx_free(&fx);
}

/* --- For the poller ------------------------------------------------------------------------ */

static void test_sample_pipeline(void)
{
	struct fx fx = { 0 };
	uint8_t cmd[3 * 8], raw[512], store[1024], data[2];
	struct mpsse_rx rx;
	int len, taken = 0, r = 0, tries = 0;
	uint16_t levels[3] = { 0 };

	fx_attach(&fx, EMU_FT2232H, 0, NULL);
	len = chip_sample_command(fx.chip, cmd, sizeof(cmd));
	tap_ok(len == 4 && same(cmd, 4, BYTES(0x81, 0x83, 0xab, 0x87)) && chip_sample_bytes(fx.chip) == 2,
	       "a sample is 81 83, marker, send immediate -> 2 bytes");
	memcpy(cmd + 4, cmd, 4);
	memcpy(cmd + 8, cmd, 4);
	emu_chip_set_input(fx.emu, 0, 9, true);
	tap_ok(chip_write(fx.chip, cmd, 12) == 0, "three samples in one write");

	mpsse_rx_init(&rx, store, sizeof(store), chip_transport(fx.chip)->packet_size);
	while (taken < 3 && r >= 0 && tries++ < 100) {
		r = transport_read_raw(chip_transport(fx.chip), raw, sizeof(raw), 1000);
		if (r >= 0)
			r = mpsse_rx_feed(&rx, raw, (size_t)r);
		while (r >= 0 && mpsse_rx_take(&rx, data, 2) == 2)
			levels[taken++] = chip_sample_levels(fx.chip, data);
	}
	tap_ok(taken == 3 && levels[0] == 0x0200 && levels[1] == 0x0200 && levels[2] == 0x0200,
	       "the accumulator yields 3 samples of %04x", levels[0]);
	fx_free(&fx);
}

/* --- Threads ------------------------------------------------------------------------------- */

#define ROUNDS 200

struct worker {
	struct chip *chip;
	unsigned line;
	int failures;
};

static void *toggle(void *arg)
{
	struct worker *w = arg;
	uint16_t levels;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		if (chip_set_value(w->chip, w->line, i & 1) < 0)
			w->failures++;
		if (chip_get_levels(w->chip, &levels) < 0 || !(levels >> w->line & 1) != !(i & 1))
			w->failures++;
	}
	return NULL;
}

static void test_threads(void)
{
	struct chip_config cfg = { .lines = { .output = 0x0101 } };
	struct worker w[2];
	pthread_t th[2];
	struct fx fx = { 0 };
	int i;

	fx_attach(&fx, EMU_FT2232H, 0, &cfg);
	for (i = 0; i < 2; i++) {
		w[i] = (struct worker){ .chip = fx.chip, .line = 8 * (unsigned)i };
		pthread_create(&th[i], NULL, toggle, &w[i]);
	}
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	tap_ok(!w[0].failures && !w[1].failures,
	       "two threads setting and reading their own lines: every level as set (%d, %d failures)",
	       w[0].failures, w[1].failures);
	tap_ok((emu_chip_pins(fx.emu, 0) & 0x0101) == 0x0101, "no update of the other thread was lost");
	fx_free(&fx);
}

int main(void)
{
	tap_plan(61);
	test_attach_sequence();
	test_attach_config();
	glitch_free_reattach(EMU_FT2232H);
	glitch_free_reattach(EMU_FT232H);
	test_changed_bank_only();
	test_failed_write();
	test_get_levels();
	test_open_drain_native();
	test_open_drain_emulated();
	test_line_errors();
	test_ft4232h();
	test_bryx();
	test_sync_stale();
	test_sync_garbage();
	test_sample_pipeline();
	test_threads();
	return tap_done();
}
