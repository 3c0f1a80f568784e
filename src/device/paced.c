// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The hardware-paced sampler (precision mode, doc/sampling.md).
 *
 * The chip times its own samples: the sampler streams chunks of
 *
 *	81 [83] 8F lo hi [8E n]   (one sample, then period_ns of clocking)
 *	... chunk_len times ...
 *	AB 87                     (a marker, and flush the answers now)
 *
 * at TCK = 60 MHz / ((1 + 2) * 2) = 10 MHz, so a clock bit is exactly
 * 100 ns and samples are exactly period_ns apart on the chip's clock. Each
 * chunk's answers (chunk_len samples, then FA AB) fit in one IN packet and
 * are flushed by its 87, about every half millisecond.
 *
 * Timestamps: sample i of a chunk was taken at chunk.first_ns + i * period.
 * chunk.first_ns follows on from the previous chunk while the chip never
 * ran dry; a chunk written when the previous one had already ended by our
 * estimate cannot have started before its write began, so a new run starts
 * there (a gap, below). Every completed transfer re-anchors: no sample can
 * have been taken after the transfer that brought it completed, so if the
 * estimate says otherwise (a chip clock a little faster than ours), the
 * chunks in flight move earlier. An event's timestamp is the middle of the
 * period in which its edge happened: at most half a period (plus the
 * anchor's error, microseconds on the emulator) from the true edge.
 *
 * Flow control: no more answer bytes are owed at once than the smallest
 * RX FIFO of the H chips holds (1 KiB), so the chip never stalls on a full
 * FIFO whatever the host does; the writes block while the chip's TX FIFO
 * is full, which keeps the command stream ahead of the chip.
 *
 * Host falling behind: if the host does not write the next chunk before
 * the chip ran out of commands, the chip idles. A write is known to have
 * been in time when it returned (all its bytes in the chip) before the
 * estimated end of the chunks before it; one that returned later may have
 * let the chip idle up to that long: counted as a gap
 * (gpio_chip_stats.gaps, gap_ns; a slow wake-up of ours after the write
 * counts too, the chip cannot tell us), and the chunk starts a new run at
 * the earliest it can have started. Nothing is invented for the time the
 * chip idled: an edge in it shows at the first sample after it. A stall of
 * the IN transfers is survived by resynchronizing (as the latency
 * sampler), counted as a gap from the last sample delivered.
 *
 * Lookahead: the writes are synchronous, so once one returns only the
 * chip's TX FIFO is ahead of it (1 KiB: 146 samples, 1.4 ms at 10 us):
 * the worker must write again within that, or a gap is counted. An
 * asynchronous OUT path in the transport would allow more.
 *
 * Not modelled: the execution time of 81/83 themselves on a real chip
 * (the re-anchoring absorbs a period that is slightly longer than asked
 * only as far as its lower bound allows; the emulator takes them as
 * instantaneous).
 *
 * Threads: as sampler.c; everything here runs on the worker's thread.
 */
#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "device/internal.h"
#include "mpsse/mpsse.h"

#define TCK_DIVISOR 2			/* 60 MHz / 6 = 10 MHz */
#define TCK_NS 100			/* one clock bit */
#define CHUNK_NS 500000ULL		/* answers flushed about this often */
#define CHUNK_SAMPLES_MAX 250		/* answers fit in one packet */
#define CHUNKS_MAX 16
#define RX_FIFO_BYTES 1024		/* FT232H; FT2232H and FT4232H have more */
/*
 * At most half the smallest TX FIFO (FT232H: 1 KiB) per write: a write
 * whose bytes all got in then found the chip still busy with the chunks
 * before it, unless we learnt of it late (see chunk_start()).
 */
#define WRITE_BYTES_MAX 512
/* One sample: 81 83 8F lo hi 8E n. */
#define SAMPLE_CMD_MAX 7
#define CHUNK_CMD_MAX (CHUNK_SAMPLES_MAX * SAMPLE_CMD_MAX + 2)
#define WRITE_BUF_MAX (WRITE_BYTES_MAX > CHUNK_CMD_MAX ? WRITE_BYTES_MAX : CHUNK_CMD_MAX)
/* As the latency sampler: a stall, how long stop() collects what is owed. */
#define STALL_NS (200 * 1000000ULL)
#define DRAIN_NS (50 * 1000000ULL)
#define RECOVER_TRIES 3

struct chunk {
	uint64_t first_ns;	/* estimated time of its first sample */
	uint64_t write_ns;	/* its write began: no sample of it is older */
};

struct paced {
	bool started, gone;
	unsigned failures;
	struct sample_sink sink;
	uint64_t period_ns;
	size_t sample_bytes;	/* 1 (8 lines) or 2 */
	unsigned chunk_len;	/* samples per chunk */
	size_t chunk_cmd_len, chunk_answer;
	unsigned n;		/* reads in flight, = chunks owed at most */
	unsigned next;		/* the oldest read */
	struct chunk chunks[CHUNKS_MAX]; /* written, answers not taken: a ring */
	unsigned c_tail, c_count;
	bool run;		/* a chunk was written and the chip has not idled since */
	uint64_t run_end_ns;	/* estimated end of the last chunk written */
	uint64_t last_ns;	/* event timestamps never go back */
	uint64_t delivered_end_ns; /* estimated end of the last chunk delivered */
	uint64_t progress_ns;
	struct mpsse_rx rx;
	struct sample_read reads[CHUNKS_MAX];
	uint8_t chunk_cmd[CHUNK_CMD_MAX];
	uint8_t wbuf[WRITE_BUF_MAX];
	uint8_t answer[CHUNK_SAMPLES_MAX * 2];
	struct edge_sample batch[CHUNK_SAMPLES_MAX];
	uint8_t mem[];		/* one packet per read, then the rx store */
};

size_t paced_priv_size(const struct binding *b)
{
	unsigned ps = b->t->packet_size;

	return sizeof(struct paced) + (CHUNKS_MAX + 2) * (size_t)ps;
}

/* --- The command stream ------------------------------------------------------ */

/* period_ns of clocking with no data: whole bytes (8F), then the bits left (8E). */
static void put_delay(struct mpsse_cmd *cmd, uint64_t period_ns)
{
	unsigned bits = (unsigned)(period_ns / TCK_NS);

	if (bits >= 8)
		mpsse_cmd_clock_bytes(cmd, bits / 8);
	if (bits % 8)
		mpsse_cmd_clock_bits(cmd, bits % 8);
}

static int build_chunk(struct paced *p)
{
	struct mpsse_cmd cmd;
	int len;

	mpsse_cmd_init(&cmd, p->chunk_cmd, sizeof(p->chunk_cmd));
	for (unsigned i = 0; i < p->chunk_len; i++) {
		mpsse_cmd_read_low(&cmd);
		if (p->sample_bytes > 1)
			mpsse_cmd_read_high(&cmd);
		put_delay(&cmd, p->period_ns);
	}
	mpsse_cmd_end_answer(&cmd);
	len = mpsse_cmd_len(&cmd);
	if (len < 0)
		return len;
	p->chunk_cmd_len = (size_t)len;
	p->chunk_answer = cmd.answer;
	return 0;
}

/* TCK at 10 MHz: no divide-by-5 and our divisor (data commands set theirs again). */
static int set_clock(struct binding *b)
{
	uint8_t buf[8];
	struct mpsse_cmd cmd;
	int len;

	mpsse_cmd_init(&cmd, buf, sizeof(buf));
	mpsse_cmd_div5(&cmd, false);
	mpsse_cmd_divisor(&cmd, TCK_DIVISOR);
	len = mpsse_cmd_len(&cmd);
	return len < 0 ? len : chip_write(b->hw, buf, (size_t)len);
}

static void note_gap(struct binding *b, uint64_t idle_ns)
{
	uint64_t gaps = __atomic_add_fetch(&b->chip->count.gaps, 1, __ATOMIC_RELAXED);

	counter_add(&b->chip->count.gap_ns, idle_ns);
	/* The first few, then every thousandth: a loaded host should not flood the log. */
	if (gaps <= 3 || gaps % 1000 == 0)
		log_warn("%s: paced sampling fell behind: the chip idled %llu us (gap %llu)",
			 b->chip->name, (unsigned long long)(idle_ns / 1000),
			 (unsigned long long)gaps);
}

/*
 * Where a chunk written from t to t_ret starts. It continues the run if it
 * was all in the chip before the run's previous chunks ended (t_ret before
 * their estimated end); otherwise the chip may have run dry and idled for
 * up to t_ret - end: a gap, and the chunk starts at the earliest it can
 * have (never before its write began).
 */
static uint64_t chunk_start(struct binding *b, struct paced *p, uint64_t t, uint64_t t_ret)
{
	uint64_t end = p->run_end_ns;

	if (!p->run)
		return t;
	if (t_ret <= end)
		return end;
	note_gap(b, t_ret - end);
	return end > t ? end : t;
}

/* One write of up to WRITE_BYTES_MAX (at least one chunk); may block while the TX FIFO is full. */
static int write_chunks(struct binding *b, struct paced *p)
{
	unsigned k = p->n - p->c_count, fit = (unsigned)(WRITE_BYTES_MAX / p->chunk_cmd_len);
	uint64_t t, first;
	int err;

	if (!fit)
		fit = 1;
	if (k > fit)
		k = fit;
	for (unsigned i = 0; i < k; i++)
		memcpy(p->wbuf + i * p->chunk_cmd_len, p->chunk_cmd, p->chunk_cmd_len);
	t = now_ns();
	err = chip_write(b->hw, p->wbuf, k * p->chunk_cmd_len);
	if (err < 0) {
		p->run = false;
		return err;
	}
	first = chunk_start(b, p, t, now_ns());
	for (unsigned i = 0; i < k; i++) {
		struct chunk *c = &p->chunks[(p->c_tail + p->c_count++) % CHUNKS_MAX];

		c->first_ns = first + i * p->chunk_len * p->period_ns;
		c->write_ns = t;
	}
	p->run = true;
	p->run_end_ns = first + k * p->chunk_len * p->period_ns;
	return 0;
}

/* Write chunks until as many are owed as may be: the stream stays ahead of the chip. */
static int fill(struct binding *b, struct paced *p)
{
	while (p->c_count < p->n) {
		int err = write_chunks(b, p);

		if (err < 0)
			return err;
	}
	return 0;
}

/* --- Answers --------------------------------------------------------------- */

/* No sample was taken after done_ns: pull the estimates in flight back if they say so. */
static void reanchor(struct paced *p, uint64_t newest_ns, uint64_t done_ns)
{
	uint64_t shift;

	if (newest_ns <= done_ns)
		return;
	shift = newest_ns - done_ns;
	for (unsigned i = 0; i < p->c_count; i++) {
		struct chunk *c = &p->chunks[(p->c_tail + i) % CHUNKS_MAX];
		uint64_t floor = c->write_ns;

		c->first_ns = c->first_ns > floor + shift ? c->first_ns - shift : floor;
	}
	p->run_end_ns -= shift;
}

/* The oldest chunk's samples into p->batch, timed; then it is done. */
static void take_chunk(struct binding *b, struct paced *p, uint64_t done_ns)
{
	struct chunk *c = &p->chunks[p->c_tail];
	uint64_t half = p->period_ns / 2, first = c->first_ns, newest;

	newest = first + (p->chunk_len - 1) * p->period_ns;
	if (newest > done_ns) {
		reanchor(p, newest, done_ns);
		first = c->first_ns;
		newest = first + (p->chunk_len - 1) * p->period_ns;
	}
	for (unsigned i = 0; i < p->chunk_len; i++) {
		/* An edge seen here happened during the period before this sample. */
		uint64_t t = first + i * p->period_ns - half;

		if (t < p->last_ns)
			t = p->last_ns;
		p->last_ns = t;
		p->batch[i] = (struct edge_sample){
			.raw = chip_sample_levels(b->hw, p->answer + i * p->sample_bytes),
			.mono_ns = t,
		};
	}
	p->delivered_end_ns = first + p->chunk_len * p->period_ns;
	p->c_tail = (p->c_tail + 1) % CHUNKS_MAX;
	p->c_count--;
	sink_deliver(b, &p->sink, p->batch, p->chunk_len, newest, done_ns);
}

static int take_answers(struct binding *b, struct paced *p, struct sample_read *r)
{
	const struct transport_read *rd = &r->rd;
	size_t want = p->chunk_len * p->sample_bytes;
	int err;

	r->in_flight = false;
	if (rd->status == -ENODEV)
		p->gone = true;
	if (rd->status < 0 && rd->status != -ECANCELED)
		return rd->status;
	if (mpsse_rx_feed(&p->rx, rd->buf, rd->actual) < 0)
		return -EPROTO;
	while (p->c_count) {
		err = mpsse_rx_take(&p->rx, p->answer, want);
		if (err == -EAGAIN)
			break;
		if (err < 0)
			return -EPROTO;
		p->progress_ns = rd->done_ns;
		take_chunk(b, p, rd->done_ns);
	}
	return !p->c_count && mpsse_rx_pending(&p->rx) ? -EPROTO : 0;
}

/* --- Start, stop, recover ------------------------------------------------------ */

static int begin(struct binding *b, struct paced *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		int err = sample_read_submit(b, &p->reads[i]);

		if (err < 0)
			return err;
	}
	p->next = 0;
	p->c_tail = p->c_count = 0;
	p->run = false;
	p->progress_ns = now_ns();
	return fill(b, p);
}

static int start(struct binding *b, struct paced *p)
{
	unsigned ps = b->t->packet_size;
	int err;

	p->started = true;
	p->period_ns = __atomic_load_n(&b->chip->period_ns, __ATOMIC_ACQUIRE);
	p->sample_bytes = chip_sample_bytes(b->hw);
	p->chunk_len = (unsigned)(CHUNK_NS / p->period_ns);
	if (!p->chunk_len)
		p->chunk_len = 1;
	if (p->chunk_len > CHUNK_SAMPLES_MAX)
		p->chunk_len = CHUNK_SAMPLES_MAX;
	p->sink.resolution_ns = p->period_ns;
	sink_start(b, &p->sink);
	err = build_chunk(p);
	if (err < 0)
		return err;
	p->n = (unsigned)(RX_FIFO_BYTES / p->chunk_answer);
	if (p->n > CHUNKS_MAX)
		p->n = CHUNKS_MAX;
	for (unsigned i = 0; i < p->n; i++)
		sample_read_init(b, &p->reads[i], p->mem + (size_t)i * ps, ps);
	mpsse_rx_init(&p->rx, p->mem + (size_t)CHUNKS_MAX * ps, 2 * (size_t)ps, ps);
	err = set_clock(b);
	return err < 0 ? err : begin(b, p);
}

/* Collect the chunks still owed: they all end within a few milliseconds. */
static void drain(struct binding *b, struct paced *p)
{
	uint64_t deadline = now_ns() + DRAIN_NS, now;

	while (p->c_count && p->reads[p->next].in_flight && (now = now_ns()) < deadline) {
		struct sample_read *r = &p->reads[p->next];

		if (sample_read_wait(b, r, NULL, deadline - now) < 0)
			return;
		if (take_answers(b, p, r) < 0)
			return;
		/* A chunk's answers may come in two transfers (the latency timer). */
		if (p->c_count && sample_read_submit(b, r) < 0)
			return;
		p->next = (p->next + 1) % p->n;
	}
}

static void resync(struct binding *b, struct paced *p)
{
	mpsse_rx_reset(&p->rx);
	if (!p->gone && sample_endpoint_resync(b, p->c_count))
		p->gone = true;
	p->c_count = 0;
}

static void cancel_all(struct binding *b, struct paced *p)
{
	if (sample_reads_cancel(b, p->reads, p->n))
		p->gone = true;
}

/* A stream out of step or a stall: start a new run, a few times in a row. */
static int recover(struct binding *b, struct paced *p, int err)
{
	if (p->gone || err == -ENODEV || ++p->failures > RECOVER_TRIES)
		return err;
	log_warn("%s: paced sampling: %s; resynchronizing", b->chip->name, strerror(-err));
	cancel_all(b, p);
	resync(b, p);
	if (p->gone)
		return -ENODEV;
	/* From the last sample delivered to the new run, nothing: a gap. */
	if (p->delivered_end_ns)
		note_gap(b, now_ns() - p->delivered_end_ns);
	return begin(b, p);
}

static int sample_once(struct binding *b, struct paced *p, struct poller_worker *w)
{
	struct sample_read *r = &p->reads[p->next];
	unsigned owed = p->c_count;
	int err;

	err = sample_read_wait(b, r, w, STALL_NS);
	if (err)
		return err;
	err = take_answers(b, p, r);
	if (err < 0)
		return err;
	if (p->c_count < owed)
		p->failures = 0;
	else if (r->rd.done_ns > p->progress_ns + STALL_NS)
		return -ETIMEDOUT;
	err = sample_read_submit(b, r);
	if (err == 0)
		err = fill(b, p);
	if (err < 0)
		return err;
	p->next = (p->next + 1) % p->n;
	return 0;
}

int paced_sample(struct binding *b, void *priv, struct poller_worker *w)
{
	struct paced *p = priv;
	int err = 0;

	if (!p->started)
		err = start(b, p);
	if (err == 0)
		err = sample_once(b, p, w);
	if (err < 0 && !poller_worker_cancelled(w))
		err = recover(b, p, err);
	return err > 0 ? 0 : err;
}

void paced_stop(struct binding *b, void *priv)
{
	struct paced *p = priv;

	if (!p->started)
		return;
	drain(b, p);
	cancel_all(b, p);
	resync(b, p);
	sink_stop(b);
}
