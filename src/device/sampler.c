// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The sampler: the poller_ops the worker list runs for one binding.
 *
 * Latency mode: `81 83 AB 87` sample commands (chip_sample_command) are
 * written ahead so that b->reads answers are always owed, and b->reads
 * one-packet IN transfers are always in flight. Each sample() waits for
 * the oldest transfer, takes the framed answers it carries, timestamps
 * them with the transfer's completion time, feeds every request's edge
 * detector inside one read-side section, signals each request that got
 * events once, then writes as many commands as answers it took and
 * resubmits the transfer. A sample is therefore taken when its command
 * reaches the chip: at most one sample interval after a pin changes.
 * With one read in flight every sample costs a round trip (one USB
 * microframe at best, 8,000/s); more reads raise the sample count, not
 * the number of distinct sampling instants (their commands are written
 * together, so their answers come in one packet).
 *
 * Threads: sample() and stop() run on the worker's thread, never two at
 * once for a device (worker list slot; a new binding waits for the old
 * one's release). The transfer callback, read_done(), runs on the
 * transport's event thread: it stores one flag and wakes the worker
 * through a futex word of the binding, which outlives every transfer
 * (transport_close reaps them before the binding is freed).
 *
 * Faults: an answer out of step (garbage, stale bytes: -EPROTO) or a
 * stall (no transfer, or no answer, for STALL_NS) is survived by
 * cancelling everything, resynchronizing the command processor and
 * filling the pipeline again; RECOVER_TRIES failures in a row, or
 * -ENODEV, end the worker and the device is torn down (ops->gone).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "common/log.h"
#include "device/internal.h"
#include "mpsse/mpsse.h"
#include "transport/transport.h"

/*
 * No transfer completing, or no answer in the transfers that do, for this
 * long is a stall: answers come within a microframe, and the latency timer
 * (1 ms) completes transfers even without data.
 */
#define STALL_NS (200 * 1000000ULL)
/* How long stop() collects answers still owed before it cancels. */
#define DRAIN_NS (50 * 1000000ULL)
/* How often a waiting worker looks at its cancellation flag. */
#define CANCEL_POLL_NS (5 * 1000000ULL)
#define RECOVER_TRIES 3
#define WINDOW_NS 1000000000ULL
#define CMD_MAX 8

/* Per worker (poller_worker_priv), zeroed at creation. */
struct sampler {
	bool started;
	bool gone;		/* a transfer said -ENODEV */
	unsigned failures;	/* recoveries since the last good sample */
	struct sample_sink sink;
	unsigned n;		/* reads in flight */
	unsigned next;		/* the oldest of them */
	unsigned cmds;		/* commands written whose answers are not taken yet */
	unsigned cmd_tail;
	uint64_t cmd_ns[READS_IN_FLIGHT_MAX]; /* when each was written, oldest at cmd_tail */
	uint8_t cmd[CMD_MAX];
	size_t cmd_len, sample_bytes;
	uint64_t last_ns;	/* samples never go back in time */
	uint64_t progress_ns;	/* the last answer taken (or the pipeline filled) */
	struct mpsse_rx rx;
	struct sample_read reads[READS_IN_FLIGHT_MAX];
	unsigned batch_len;
	uint64_t batch_cmd_ns;	/* the newest sample's command time */
	struct edge_sample batch[READS_IN_FLIGHT_MAX];
	uint8_t mem[];		/* one packet per read, then the rx store */
};

static const char *sampler_name(const struct binding *b)
{
	return b->chip->name;
}

/* --- Transfers ----------------------------------------------------------------- */

/* On the transport's event thread: no blocking, no allocation. */
static void read_done(struct transport_read *rd)
{
	struct sample_read *r = container_of(rd, struct sample_read, rd);
	struct binding *b = rd->user_data;

	/* The last touch of r: the worker may free it once it sees this. */
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&b->completions, 1, __ATOMIC_SEQ_CST);
	futex_wake_all(&b->completions);
}

void sample_read_init(struct binding *b, struct sample_read *r, uint8_t *buf, size_t len)
{
	r->rd = (struct transport_read){
		.buf = buf,
		.len = len,
		.cb = read_done,
		.user_data = b,
	};
}

int sample_read_submit(struct binding *b, struct sample_read *r)
{
	int err;

	__atomic_store_n(&r->done, 0, __ATOMIC_RELAXED);
	err = transport_submit_read(b->t, &r->rd);
	r->in_flight = err == 0;
	return err;
}

static int submit(struct binding *b, struct sampler *s, unsigned i)
{
	return sample_read_submit(b, &s->reads[i]);
}

int sample_read_wait(struct binding *b, struct sample_read *r, const struct poller_worker *w,
		     uint64_t timeout_ns)
{
	uint64_t deadline = now_ns() + timeout_ns;

	for (;;) {
		uint32_t seq = __atomic_load_n(&b->completions, __ATOMIC_SEQ_CST);
		uint64_t now;

		if (__atomic_load_n(&r->done, __ATOMIC_ACQUIRE))
			return 0;
		if (w && poller_worker_cancelled(w))
			return 1;
		now = now_ns();
		if (now >= deadline)
			return -ETIMEDOUT;
		futex_wait(&b->completions, seq,
			   deadline - now < CANCEL_POLL_NS ? deadline - now : CANCEL_POLL_NS);
	}
}

/* Keep s->n answers owed: one write for all the commands missing. */
static int refill(struct binding *b, struct sampler *s)
{
	uint8_t buf[READS_IN_FLIGHT_MAX * CMD_MAX];
	unsigned k = s->n - s->cmds;
	size_t len = 0;
	uint64_t t;
	int err;

	if (!k)
		return 0;
	for (unsigned i = 0; i < k; i++, len += s->cmd_len)
		memcpy(buf + len, s->cmd, s->cmd_len);
	/* Before the write: a sample is never older than its recorded time. */
	t = now_ns();
	err = chip_write(b->hw, buf, len);
	if (err < 0)
		return err;
	for (unsigned i = 0; i < k; i++)
		s->cmd_ns[(s->cmd_tail + s->cmds++) % READS_IN_FLIGHT_MAX] = t;
	return 0;
}

static void add_sample(struct binding *b, struct sampler *s, uint16_t raw, uint64_t done_ns)
{
	uint64_t cmd_ns = s->cmd_ns[s->cmd_tail];

	s->cmd_tail = (s->cmd_tail + 1) % READS_IN_FLIGHT_MAX;
	s->cmds--;
	if (done_ns > s->last_ns)
		s->last_ns = done_ns;
	s->batch[s->batch_len++] = (struct edge_sample){ .raw = raw, .mono_ns = s->last_ns };
	s->batch_cmd_ns = cmd_ns;
	gpio_chip_count_rtt(b->chip, done_ns - cmd_ns);
}

/* Take the answers a completed transfer carries into s->batch. */
static int take_answers(struct binding *b, struct sampler *s, struct sample_read *r)
{
	const struct transport_read *rd = &r->rd;
	uint8_t data[2];
	int err;

	r->in_flight = false;
	if (rd->status == -ENODEV)
		s->gone = true;
	/* A cancelled transfer may still have brought answers. */
	if (rd->status < 0 && rd->status != -ECANCELED)
		return rd->status;
	if (mpsse_rx_feed(&s->rx, rd->buf, rd->actual) < 0)
		return -EPROTO;
	while (s->cmds) {
		err = mpsse_rx_take(&s->rx, data, s->sample_bytes);
		if (err == -EAGAIN)
			break;
		if (err < 0)
			return -EPROTO;
		add_sample(b, s, chip_sample_levels(b->hw, data), rd->done_ns);
	}
	/* Bytes nobody asked for: the stream is out of step. */
	return !s->cmds && mpsse_rx_pending(&s->rx) ? -EPROTO : 0;
}

/* --- Fan-out (shared with paced.c) -------------------------------------------------- */

struct emit_ctx {
	struct line_request *req;
	unsigned pushed;
};

static void emit(void *ctx, const struct gpio_v2_line_event *ev)
{
	struct emit_ctx *e = ctx;

	event_queue_push(e->req->queue, ev);
	e->pushed++;
}

/* Inside the read-side section; req->det and det_* are this sampler's. */
static void feed_request(const struct sample_sink *k, struct line_request *req,
			 const struct edge_sample *batch, unsigned n)
{
	struct req_config *c = rcu_dereference(req->config);
	struct emit_ctx e = { .req = req };

	if (!c->watch || __atomic_load_n(&req->dead, __ATOMIC_ACQUIRE))
		return;
	if (req->det_gen != c->gen) {
		edge_detector_reconfigure(&req->det, &c->cfg);
		req->det_gen = c->gen;
		req->det_epoch = 0;
	}
	/* A new sampler, or a new configuration: the first sample is a baseline. */
	if (req->det_epoch != k->epoch) {
		edge_detector_rearm(&req->det);
		req->det_epoch = k->epoch;
	}
	for (unsigned i = 0; i < n; i++)
		edge_detector_feed(&req->det, &batch[i], emit, &e);
	/* One wake-up per request per batch, not per event. */
	if (e.pushed)
		signal_fd(req->efd);
}

static void fan_out(struct binding *b, const struct sample_sink *k, struct edge_sample *batch,
		    unsigned n)
{
	int64_t realtime = event_clock_realtime_offset();
	struct line_request *req;

	for (unsigned i = 0; i < n; i++)
		batch[i].realtime_offset_ns = realtime;
	rcu_read_lock();
	cds_list_for_each_entry_rcu(req, &b->chip->requests, node)
		feed_request(k, req, batch, n);
	rcu_read_unlock();
}

/* For get_values: the newest levels, and when they were taken at the earliest. */
static void publish(struct binding *b, uint16_t levels, uint64_t newest_ns)
{
	__atomic_store_n(&b->latest_levels, levels, __ATOMIC_RELEASE);
	__atomic_store_n(&b->latest_cmd_ns, newest_ns, __ATOMIC_RELEASE);
	__atomic_add_fetch(&b->sample_seq, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&b->sample_waiters, __ATOMIC_SEQ_CST))
		futex_wake_all(&b->sample_seq);
}

/* The rate over the last second; the first figure after a tenth, not to wait for it. */
static void count_samples(struct binding *b, struct sample_sink *k, unsigned n, uint64_t now)
{
	struct chip_counters *c = &b->chip->count;
	uint64_t elapsed;

	counter_add(&c->samples, n);
	if (!k->win_start_ns)
		k->win_start_ns = now;
	k->win_samples += n;
	elapsed = now - k->win_start_ns;
	if (elapsed < (k->windows ? WINDOW_NS : WINDOW_NS / 10))
		return;
	__atomic_store_n(&c->rate_mhz, k->win_samples * 1000000000000ULL / elapsed, __ATOMIC_RELAXED);
	__atomic_store_n(&c->interval_ns, k->resolution_ns ? k->resolution_ns : elapsed / k->win_samples,
			 __ATOMIC_RELAXED);
	k->win_start_ns = now;
	k->win_samples = 0;
	k->windows++;
}

void sink_deliver(struct binding *b, struct sample_sink *k, struct edge_sample *batch, unsigned n,
		  uint64_t newest_ns, uint64_t now)
{
	if (!n)
		return;
	publish(b, batch[n - 1].raw, newest_ns);
	fan_out(b, k, batch, n);
	count_samples(b, k, n, now);
}

void sink_start(struct binding *b, struct sample_sink *k)
{
	pthread_mutex_lock(&b->in_lock);
	__atomic_store_n(&b->sampling, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&b->in_lock);
	/* The requests' detectors take our first sample as their baseline. */
	k->epoch = __atomic_add_fetch(&b->chip->epoch, 1, __ATOMIC_RELAXED);
	if (k->resolution_ns)
		__atomic_store_n(&b->chip->count.interval_ns, k->resolution_ns, __ATOMIC_RELAXED);
}

void sink_stop(struct binding *b)
{
	pthread_mutex_lock(&b->in_lock);
	__atomic_store_n(&b->sampling, false, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&b->in_lock);
	/* Nobody samples now; the interval stays as the last resolution seen. */
	__atomic_store_n(&b->chip->count.rate_mhz, 0, __ATOMIC_RELAXED);
	/* get_values waiters read the pins themselves from now on. */
	__atomic_add_fetch(&b->sample_seq, 1, __ATOMIC_SEQ_CST);
	futex_wake_all(&b->sample_seq);
}

/* --- Start, stop, recover ----------------------------------------------------------- */

bool sample_reads_cancel(struct binding *b, struct sample_read *reads, unsigned n)
{
	bool gone = false;

	for (unsigned i = 0; i < n; i++)
		if (reads[i].in_flight)
			transport_cancel_read(b->t, &reads[i].rd);
	for (unsigned i = 0; i < n; i++) {
		struct sample_read *r = &reads[i];

		if (!r->in_flight)
			continue;
		/* Its memory is ours to free only after the callback: wait as long as it takes. */
		while (sample_read_wait(b, r, NULL, 1000000000ULL) < 0)
			log_warn("%s: a cancelled read is still in flight", sampler_name(b));
		r->in_flight = false;
		if (r->rd.status == -ENODEV)
			gone = true;
	}
	return gone;
}

static void cancel_all(struct binding *b, struct sampler *s)
{
	if (sample_reads_cancel(b, s->reads, s->n))
		s->gone = true;
}

/* Collect the answers still owed while their transfers are in flight anyway. */
static void drain(struct binding *b, struct sampler *s)
{
	uint64_t deadline = now_ns() + DRAIN_NS, now;

	while (s->cmds && s->reads[s->next].in_flight && (now = now_ns()) < deadline) {
		struct sample_read *r = &s->reads[s->next];

		if (sample_read_wait(b, r, NULL, deadline - now) < 0)
			return;
		s->batch_len = 0;
		if (take_answers(b, s, r) < 0)
			return;
		s->next = (s->next + 1) % s->n;
	}
}

/*
 * Answers may still be owed after a cancel: an empty framed exchange
 * fails on them, and chip_exchange() then purges the RX FIFO, so the next
 * reader of the endpoint starts clean.
 */
bool sample_endpoint_resync(struct binding *b, bool owed)
{
	uint8_t buf[4], answer[1];
	struct mpsse_cmd cmd;

	if (!owed || __atomic_load_n(&b->dead, __ATOMIC_ACQUIRE))
		return false;
	mpsse_cmd_init(&cmd, buf, sizeof(buf));
	return chip_exchange(b->hw, &cmd, answer) == -ENODEV;
}

static void resync(struct binding *b, struct sampler *s)
{
	mpsse_rx_reset(&s->rx);
	if (!s->gone && sample_endpoint_resync(b, s->cmds))
		s->gone = true;
	s->cmds = 0;
}

/* Fill the pipeline: every read in flight, every command written. */
static int sampler_begin(struct binding *b, struct sampler *s)
{
	s->cmd_tail = 0;
	for (unsigned i = 0; i < s->n; i++) {
		int err = submit(b, s, i);

		if (err < 0)
			return err;
	}
	s->next = 0;
	s->progress_ns = now_ns();
	return refill(b, s);
}

static int sampler_start(struct binding *b, struct sampler *s)
{
	unsigned ps = b->t->packet_size;
	int len;

	s->started = true;
	sink_start(b, &s->sink);
	s->n = b->reads;
	s->sample_bytes = chip_sample_bytes(b->hw);
	len = chip_sample_command(b->hw, s->cmd, sizeof(s->cmd));
	if (len < 0)
		return len;
	s->cmd_len = (size_t)len;
	for (unsigned i = 0; i < s->n; i++)
		sample_read_init(b, &s->reads[i], s->mem + (size_t)i * ps, ps);
	mpsse_rx_init(&s->rx, s->mem + (size_t)s->n * ps, 2 * (size_t)ps, ps);
	return sampler_begin(b, s);
}

/*
 * Survive a stream out of step or a stalled transfer, a few times in a
 * row. The detectors keep their baselines: the same device, powered all
 * along, so a change during the glitch is an edge at the first good
 * sample (late, but not lost).
 */
static int sampler_recover(struct binding *b, struct sampler *s, int err)
{
	if (s->gone || err == -ENODEV || ++s->failures > RECOVER_TRIES)
		return err;
	log_warn("%s: sampling: %s; resynchronizing", sampler_name(b), strerror(-err));
	cancel_all(b, s);
	resync(b, s);
	if (s->gone)
		return -ENODEV;
	return sampler_begin(b, s);
}

static int sample_once(struct binding *b, struct sampler *s, struct poller_worker *w)
{
	struct sample_read *r = &s->reads[s->next];
	uint64_t done_ns;
	int err;

	err = sample_read_wait(b, r, w, STALL_NS);
	if (err)
		return err;
	s->batch_len = 0;
	err = take_answers(b, s, r);
	if (err < 0)
		return err;
	/* r belongs to the transport again once resubmitted. */
	done_ns = r->rd.done_ns;
	/* Transfers come, answers do not: they were lost (garbage, a purge). */
	if (!s->batch_len && done_ns > s->progress_ns + STALL_NS)
		return -ETIMEDOUT;
	/*
	 * Events out first: the command write below is a round trip through
	 * the transport (measured: 40 us less edge latency this way, the same
	 * sample rate). Then the next command, and the transfer that brings
	 * its answer, which needs only be in flight by the next microframe.
	 */
	if (s->batch_len) {
		s->failures = 0;
		s->progress_ns = done_ns;
		sink_deliver(b, &s->sink, s->batch, s->batch_len, s->batch_cmd_ns, done_ns);
	}
	err = refill(b, s);
	if (err == 0)
		err = submit(b, s, s->next);
	if (err < 0)
		return err;
	s->next = (s->next + 1) % s->n;
	return 0;
}

/*
 * A worker's private area: the mode it chose at its first sample (the
 * chip's setting then), and that mode's state.
 */
struct sampler_priv {
	enum sample_mode mode;
	_Alignas(max_align_t) uint8_t state[];
};

static int latency_sample(struct binding *b, struct sampler *s, struct poller_worker *w)
{
	int err = 0;

	if (!s->started)
		err = sampler_start(b, s);
	if (err == 0)
		err = sample_once(b, s, w);
	if (err < 0 && !poller_worker_cancelled(w))
		err = sampler_recover(b, s, err);
	/* 1: cancelled while waiting, which is not an error. */
	return err > 0 ? 0 : err;
}

static void latency_stop(struct binding *b, struct sampler *s)
{
	if (!s->started)
		return;
	drain(b, s);
	cancel_all(b, s);
	resync(b, s);
	sink_stop(b);
}

static int sampler_sample(void *ctx, struct poller_worker *w)
{
	struct sampler_priv *p = poller_worker_priv(w);

	if (!p->mode)
		p->mode = chip_sampling_mode(((struct binding *)ctx)->chip);
	if (p->mode == SAMPLE_MODE_PACED)
		return paced_sample(ctx, p->state, w);
	return latency_sample(ctx, (struct sampler *)p->state, w);
}

static void sampler_stop(void *ctx, struct poller_worker *w)
{
	struct sampler_priv *p = poller_worker_priv(w);

	if (p->mode == SAMPLE_MODE_PACED)
		paced_stop(ctx, p->state);
	else if (p->mode)
		latency_stop(ctx, (struct sampler *)p->state);
}

void sampler_ops_init(struct binding *b)
{
	unsigned ps = b->t->packet_size;
	size_t latency = sizeof(struct sampler) + ((size_t)b->reads + 2) * ps;
	size_t paced = paced_priv_size(b);

	/* Either mode may run on this binding: the chip's setting decides per worker. */
	b->ops.priv_size = sizeof(struct sampler_priv) + (latency > paced ? latency : paced);
	b->ops.sample = sampler_sample;
	b->ops.stop = sampler_stop;
}
