// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Line requests: the kernel's linereq with our device underneath.
 *
 * Who touches a struct line_request:
 *  - Its owner (the server, any thread, one call at a time per request)
 *    calls the line_request_* functions; they take chip->lock, except
 *    line_request_read_events(), which takes only req->read_lock (it is
 *    the event queue's single consumer).
 *  - The sampler finds it on chip->requests (RCU) and reads
 *    rcu_dereference(req->config), feeds req->det, pushes into req->queue
 *    and writes req->efd. Writers (request, reconfigure, release) hold
 *    chip->lock; a replaced config and a released request are freed by
 *    the core's rcuwork queue, after a grace period, so the sampler never
 *    sees freed memory (that also keeps req->efd open until then).
 *  - Teardown marks non-persistent requests dead (atomic) and signals
 *    their eventfd; the request memory stays until its owner releases it.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>

#include "common/log.h"
#include "device/internal.h"

#define FLAG(x) GPIO_V2_LINE_FLAG_##x
#define EDGE_FLAGS (FLAG(EDGE_RISING) | FLAG(EDGE_FALLING))

static uint16_t line_bit(const struct linecfg_line *l)
{
	return (uint16_t)(1u << l->offset);
}

static bool request_dead(const struct line_request *req)
{
	return __atomic_load_n(&req->dead, __ATOMIC_ACQUIRE);
}

/* The edge detector has work on some line (edge.h's rule). */
static bool cfg_watch(const struct linecfg *cfg)
{
	for (unsigned i = 0; i < cfg->num_lines; i++) {
		const struct linecfg_line *l = &cfg->lines[i];

		if ((l->flags & FLAG(INPUT)) && ((l->flags & EDGE_FLAGS) || l->debounce_us))
			return true;
	}
	return false;
}

/* Physical levels of the outputs' configured values (active-low applied). */
static uint16_t cfg_values(const struct linecfg *cfg)
{
	uint16_t values = 0;

	for (unsigned i = 0; i < cfg->num_lines; i++) {
		const struct linecfg_line *l = &cfg->lines[i];

		if ((l->flags & FLAG(OUTPUT)) && l->output_value != !!(l->flags & FLAG(ACTIVE_LOW)))
			values |= line_bit(l);
	}
	return values;
}

/* Lines whose direction the configuration sets (the rest are "as is"). */
static uint16_t cfg_directed(const struct linecfg *cfg)
{
	uint16_t mask = 0;

	for (unsigned i = 0; i < cfg->num_lines; i++)
		if (cfg->lines[i].flags & (FLAG(INPUT) | FLAG(OUTPUT)))
			mask |= line_bit(&cfg->lines[i]);
	return mask;
}

/*
 * What the chip must show for the request's lines with physical output
 * levels `values`. "As is" lines keep the mode they have now (`now`).
 * Open-source has no chip support: it is emulated as the kernel does,
 * driving a 1 and letting go (input) for a 0.
 */
static void cfg_want(const struct linecfg *cfg, const struct chip_lines *now, uint16_t values,
		     struct chip_lines *want)
{
	memset(want, 0, sizeof(*want));
	for (unsigned i = 0; i < cfg->num_lines; i++) {
		const struct linecfg_line *l = &cfg->lines[i];
		uint16_t b = line_bit(l);

		if (l->flags & FLAG(INPUT))
			continue;
		if (!(l->flags & FLAG(OUTPUT))) {
			want->output |= now->output & b;
			want->open_drain |= now->open_drain & b;
		} else if (l->flags & FLAG(OPEN_SOURCE)) {
			want->output |= values & b;
		} else {
			want->output |= b;
			if (l->flags & FLAG(OPEN_DRAIN))
				want->open_drain |= b;
		}
		want->values |= values & b;
	}
}

/*
 * Paced sampling clocks ADBUS0 (line 0): a configuration that leaves it an
 * output there is refused, -EBUSY as for a line in use (by the clock).
 * chip->lock held.
 */
static int __clock_pin_check(struct gpio_chip *chip, const struct linecfg *cfg)
{
	if (chip_sampling_mode(chip) != SAMPLE_MODE_PACED)
		return 0;
	for (unsigned i = 0; i < cfg->num_lines; i++) {
		const struct linecfg_line *l = &cfg->lines[i];

		if (l->offset != 0)
			continue;
		if (l->flags & FLAG(OUTPUT))
			return -EBUSY;
		if (!(l->flags & FLAG(INPUT)) && (chip->lines.output & 1))
			return -EBUSY;
	}
	return 0;
}

/*
 * An exchange or a write of ours failed (no answer, a garbled one): the
 * command stream may be out of step, so purge and sync before anyone
 * trusts the chip again. One that does not come back in step is failed:
 * the event thread tears it down (requests see -ENODEV) and attaches it
 * afresh if it is still there. Either way the caller's values are
 * unknown: -EIO. chip->lock held, bound.
 */
static int __resync(struct gpio_chip *chip, int err)
{
	struct binding *b = chip->binding;
	int r = chip_resync(b->hw);

	if (r == -ENODEV)
		return r;
	if (r < 0) {
		log_err("%s: device failed: %s, then no sync (%s); dropping it", chip->name,
			strerror(-err), strerror(-r));
		__atomic_store_n(&b->dead, true, __ATOMIC_RELEASE);
		core_kick(chip);
	} else {
		log_warn("%s: %s; resynchronized", chip->name, strerror(-err));
	}
	return -EIO;
}

/*
 * What a client hears of an I/O error. A failed transfer may be the first
 * sign of an unplug: let the event thread look. A timeout or a garbled
 * answer while the device left (and perhaps came back already) is that
 * departure, and says so. own_stream: the failed I/O was ours (not the
 * sampler's), so the resync is ours too.
 */
static int __io_result(struct gpio_chip *chip, int r, bool own_stream)
{
	if (r >= 0 || !chip->binding)
		return r;
	if (r == -ETIMEDOUT || r == -EPROTO || r == -EIO)
		r = own_stream ? __resync(chip, r) : -EIO;
	if (r == -ENODEV) {
		__atomic_store_n(&chip->binding->dead, true, __ATOMIC_RELEASE);
		core_kick(chip);
	}
	return __chip_binding(chip) ? r : -ENODEV;
}

/* Apply want to lines on the chip and refresh the cache; chip->lock held, bound. */
static int __apply(struct gpio_chip *chip, uint16_t lines, const struct chip_lines *want)
{
	struct binding *b = chip->binding;
	int r = chip_set_lines(b->hw, lines, want);

	chip_get_lines(b->hw, &chip->lines);
	if (r >= 0)
		return r;
	/* A resync reads answers: only while no sampler owns the IN endpoint (it recovers itself). */
	pthread_mutex_lock(&b->in_lock);
	r = __io_result(chip, r, !b->sampling);
	pthread_mutex_unlock(&b->in_lock);
	return r;
}

/* --- Hooks for the core ------------------------------------------------------ */

void __requests_persistent_lines(struct gpio_chip *chip, struct chip_lines *lines)
{
	static const struct chip_lines power_on;
	struct line_request *req;
	struct chip_lines want;

	memset(lines, 0, sizeof(*lines));
	cds_list_for_each_entry(req, &chip->requests, node) {
		if (!req->persist || request_dead(req))
			continue;
		/* "As is" outputs did not survive the power loss: they come back as inputs. */
		cfg_want(&req->config->cfg, &power_on, req->values, &want);
		lines->output |= want.output;
		lines->open_drain |= want.open_drain;
		lines->values |= want.values;
	}
}

void __requests_device_gone(struct gpio_chip *chip)
{
	struct line_request *req;

	cds_list_for_each_entry(req, &chip->requests, node) {
		if (req->persist || request_dead(req))
			continue;
		__atomic_store_n(&req->dead, true, __ATOMIC_RELEASE);
		signal_fd(req->efd);
	}
}

bool __requests_watching(struct gpio_chip *chip)
{
	struct line_request *req;

	cds_list_for_each_entry(req, &chip->requests, node)
		if (!request_dead(req) && req->config->watch)
			return true;
	return false;
}

/* --- Life ------------------------------------------------------------------------ */

static void request_destroy(struct line_request *req)
{
	event_queue_free(req->queue);
	if (req->efd >= 0)
		close(req->efd);
	free(req->config);
	pthread_mutex_destroy(&req->read_lock);
	gpio_chip_unref(req->chip);
	free(req);
}

/* For a request nobody else has seen. */
static struct line_request *request_free(struct line_request *req)
{
	if (req)
		request_destroy(req);
	return NULL;
}
DEFINE_CLEANUP(struct line_request, request_free)

static void request_free_work(struct rcuwork *work)
{
	request_destroy(container_of(work, struct line_request, release));
}

static void config_free_work(struct rcuwork *work)
{
	free(container_of(work, struct req_config, free));
}

/* Free through the core's queue: the sampler may still be reading it. */
static void retire(struct gpio_chip *chip, struct rcuwork *work, rcuwork_fn fn, const char *what)
{
	int r = rcuwork_queue(chip->core->queue, work, fn);

	if (r < 0)
		/* Only after core_free(), which the owner must not race: a leak beats a use after free. */
		log_err("%s: cannot queue the release of a %s (%s); leaking it", chip->name, what,
			strerror(-r));
}

/* Validated and allocated, not yet published; NULL and errno on failure. */
static struct line_request *request_new(struct gpio_chip *chip,
					const struct gpio_v2_line_request *ureq,
					const struct line_request_options *options)
{
	_cleanup_(request_freep) struct line_request *req = calloc(1, sizeof(*req));
	struct linecfg_chip lc;
	struct linecfg *cfg;
	int r;

	if (!req) {
		errno = ENOMEM;
		return NULL;
	}
	req->efd = -1;
	pthread_mutex_init(&req->read_lock, NULL);
	req->chip = gpio_chip_ref(chip);
	req->persist = options && options->persist;
	req->config = calloc(1, sizeof(*req->config));
	if (!req->config) {
		errno = ENOMEM;
		return NULL;
	}
	cfg = &req->config->cfg;
	gpio_chip_linecfg(chip, &lc);
	r = linecfg_from_request(cfg, ureq, &lc);
	/* Requests without edges may ask for 1; the queue needs 2 (and stays empty). */
	if (r == 0)
		r = event_queue_new(&req->queue,
				    cfg->event_buffer_size < 2 ? 2 : cfg->event_buffer_size);
	if (r == 0) {
		req->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		r = req->efd < 0 ? -errno : 0;
	}
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	req->config->gen = 1;
	req->config->watch = cfg_watch(cfg);
	for (unsigned i = 0; i < cfg->num_lines; i++)
		req->mask |= line_bit(&cfg->lines[i]);
	req->values = cfg_values(cfg);
	/* Before publication: from then on only the sampler touches it. */
	edge_detector_init(&req->det, cfg);
	req->det_gen = req->config->gen;
	return steal_ptr(req);
}

/*
 * Configure the lines and publish the request; chip->lock held. *listed
 * tells whether the sampler may have seen it (then it is freed through
 * the queue even on failure).
 */
static int __request_attach(struct gpio_chip *chip, struct line_request *req, bool *listed)
{
	const struct linecfg *cfg = &req->config->cfg;
	struct chip_lines want;
	int r;

	if (!__chip_binding(chip))
		return -ENODEV;
	if (chip->held & req->mask)
		return -EBUSY;
	r = __clock_pin_check(chip, cfg);
	if (r < 0)
		return r;
	cfg_want(cfg, &chip->lines, req->values, &want);
	r = __apply(chip, cfg_directed(cfg), &want);
	if (r < 0)
		return r;
	cds_list_add_tail_rcu(&req->node, &chip->requests);
	*listed = true;
	chip->held |= req->mask;
	r = __binding_sync_poller(chip);
	if (r < 0) {
		cds_list_del_rcu(&req->node);
		chip->held &= (uint16_t)~req->mask;
		return r;
	}
	__gpio_chip_notify(chip, req->mask, GPIO_V2_LINE_CHANGED_REQUESTED);
	return 0;
}

int gpio_chip_request_lines(struct gpio_chip *chip, const struct gpio_v2_line_request *ureq,
			    const struct line_request_options *options, struct line_request **out)
{
	struct line_request *req;
	bool listed = false;
	int r;

	/* As the kernel: a chip that is gone answers nothing else. */
	if (!gpio_chip_present(chip))
		return -ENODEV;
	req = request_new(chip, ureq, options);
	if (!req)
		return -errno;
	pthread_mutex_lock(&chip->lock);
	r = __request_attach(chip, req, &listed);
	pthread_mutex_unlock(&chip->lock);
	if (r == 0)
		*out = req;
	else if (listed)
		retire(chip, &req->release, request_free_work, "request");
	else
		request_destroy(req);
	return r;
}

struct line_request *line_request_release(struct line_request *req)
{
	struct gpio_chip *chip;

	if (!req)
		return NULL;
	chip = req->chip;
	pthread_mutex_lock(&chip->lock);
	cds_list_del_rcu(&req->node);
	chip->held &= (uint16_t)~req->mask;
	/* Disabling cannot fail while we hold an enable. */
	(void)__binding_sync_poller(chip);
	__gpio_chip_notify(chip, req->mask, GPIO_V2_LINE_CHANGED_RELEASED);
	pthread_mutex_unlock(&chip->lock);
	retire(chip, &req->release, request_free_work, "request");
	return NULL;
}

/* The binding to use for req; chip->lock held. */
static struct binding *__request_binding(struct line_request *req)
{
	return request_dead(req) ? NULL : __chip_binding(req->chip);
}

/* --- Values ----------------------------------------------------------------------- */

/*
 * The latest sample whose command was written at or after t0, so taken
 * after the caller asked. -EAGAIN when the sampler stopped meanwhile (the
 * endpoint is free again).
 */
static int wait_sample(struct binding *b, uint64_t t0, uint16_t *levels)
{
	uint64_t deadline = now_ns() + SAMPLE_WAIT_MS * 1000000ULL, now;
	int r;

	__atomic_add_fetch(&b->sample_waiters, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		uint32_t seq = __atomic_load_n(&b->sample_seq, __ATOMIC_SEQ_CST);

		if (__atomic_load_n(&b->latest_cmd_ns, __ATOMIC_ACQUIRE) >= t0) {
			*levels = (uint16_t)__atomic_load_n(&b->latest_levels, __ATOMIC_ACQUIRE);
			r = 0;
			break;
		}
		now = now_ns();
		if (__atomic_load_n(&b->dead, __ATOMIC_ACQUIRE))
			r = -ENODEV;
		else if (!__atomic_load_n(&b->sampling, __ATOMIC_ACQUIRE))
			r = -EAGAIN;
		else if (now >= deadline)
			r = -ETIMEDOUT;
		else
			r = 1;
		if (r <= 0)
			break;
		futex_wait(&b->sample_seq, seq, deadline - now);
	}
	__atomic_sub_fetch(&b->sample_waiters, 1, __ATOMIC_SEQ_CST);
	return r;
}

/* The pins, from the chip or from the poller that owns the IN endpoint; chip->lock held. */
static int __read_levels(struct gpio_chip *chip, struct binding *b, uint64_t t0, uint16_t *levels)
{
	int r;

	do {
		pthread_mutex_lock(&b->in_lock);
		if (!b->sampling) {
			r = chip_get_levels(b->hw, levels);
			/* The endpoint is still ours: so is the resync. */
			if (r < 0)
				r = __io_result(chip, r, true);
			pthread_mutex_unlock(&b->in_lock);
			return r;
		}
		pthread_mutex_unlock(&b->in_lock);
		r = wait_sample(b, t0, levels);
	} while (r == -EAGAIN);
	/* The sampler recovers its own stream. */
	return __io_result(chip, r, false);
}

int line_request_get_values(struct line_request *req, uint64_t mask, uint64_t *bits)
{
	struct gpio_chip *chip = req->chip;
	uint64_t t0 = now_ns();
	const struct linecfg *cfg;
	struct binding *b;
	uint16_t levels;
	int r;

	if (!mask)
		return -EINVAL;
	pthread_mutex_lock(&chip->lock);
	b = __request_binding(req);
	r = b ? __read_levels(chip, b, t0, &levels) : -ENODEV;
	cfg = &req->config->cfg;
	*bits = 0;
	for (unsigned i = 0; r == 0 && i < cfg->num_lines; i++) {
		const struct linecfg_line *l = &cfg->lines[i];
		int v;

		if (!(mask >> i & 1))
			continue;
		/* A debounced line reports its debounced value, as the kernel does. */
		v = edge_detector_debounced_value(&req->det, l->offset);
		if (v < 0)
			v = (levels >> l->offset & 1) != !!(l->flags & FLAG(ACTIVE_LOW));
		*bits |= (uint64_t)v << i;
	}
	pthread_mutex_unlock(&chip->lock);
	return r;
}

/* The kernel checks the line's direction flag, which emulated drives keep as "output". */
static bool __line_is_output(struct gpio_chip *chip, const struct linecfg_line *l)
{
	if (l->flags & (FLAG(INPUT) | FLAG(OUTPUT)))
		return l->flags & FLAG(OUTPUT);
	return chip->lines.output & line_bit(l);
}

int line_request_set_values(struct line_request *req, uint64_t mask, uint64_t bits)
{
	struct gpio_chip *chip = req->chip;
	const struct linecfg *cfg;
	struct chip_lines want;
	uint16_t lines = 0, values;
	int r = 0;

	if (!mask)
		return -EINVAL;
	pthread_mutex_lock(&chip->lock);
	cfg = &req->config->cfg;
	values = req->values;
	if (!__request_binding(req))
		r = -ENODEV;
	for (unsigned i = 0; r == 0 && i < cfg->num_lines; i++) {
		const struct linecfg_line *l = &cfg->lines[i];
		uint16_t b = line_bit(l);

		if (!(mask >> i & 1))
			continue;
		if (!__line_is_output(chip, l))
			r = -EPERM;
		lines |= b;
		if ((bits >> i & 1) != !!(l->flags & FLAG(ACTIVE_LOW)))
			values |= b;
		else
			values &= (uint16_t)~b;
	}
	if (r == 0) {
		cfg_want(cfg, &chip->lines, values, &want);
		r = __apply(chip, lines, &want);
	}
	if (r == 0)
		req->values = values;
	pthread_mutex_unlock(&chip->lock);
	return r;
}

/* --- Reconfigure -------------------------------------------------------------------- */

/* Apply cfg to the chip and publish it for the sampler; chip->lock held, bound. */
static int __request_commit(struct line_request *req, struct req_config *next)
{
	struct gpio_chip *chip = req->chip;
	struct req_config *prev = req->config;
	uint16_t values = cfg_values(&next->cfg);
	struct chip_lines want;
	int r = __clock_pin_check(chip, &next->cfg);

	if (r < 0)
		return r;
	cfg_want(&next->cfg, &chip->lines, values, &want);
	r = __apply(chip, cfg_directed(&next->cfg), &want);
	if (r < 0)
		return r;
	next->gen = prev->gen + 1;
	next->watch = cfg_watch(&next->cfg);
	/* The sampler sees the new generation and re-arms: its next sample is a baseline. */
	rcu_assign_pointer(req->config, next);
	req->values = values;
	retire(chip, &prev->free, config_free_work, "line configuration");
	r = __binding_sync_poller(chip);
	if (r < 0)
		log_err("%s: cannot start polling: %s", chip->name, strerror(-r));
	__gpio_chip_notify(chip, req->mask, GPIO_V2_LINE_CHANGED_CONFIG);
	return r;
}

int line_request_reconfigure(struct line_request *req, const struct gpio_v2_line_config *config)
{
	struct gpio_chip *chip = req->chip;
	_cleanup_free_ struct req_config *next = calloc(1, sizeof(*next));
	struct linecfg_chip lc;
	int r;

	if (!next)
		return -ENOMEM;
	gpio_chip_linecfg(chip, &lc);
	pthread_mutex_lock(&chip->lock);
	next->cfg = req->config->cfg;
	if (!__request_binding(req))
		r = -ENODEV;
	else
		r = linecfg_set_config(&next->cfg, config, &lc);
	if (r == 0)
		r = __request_commit(req, next);
	if (r == 0 || req->config == next)
		next = NULL;
	pthread_mutex_unlock(&chip->lock);
	return r;
}

/* --- Events -------------------------------------------------------------------------- */

int line_request_event_fd(const struct line_request *req)
{
	return req->efd;
}

int line_request_read_events(struct line_request *req, struct gpio_v2_line_event *buf, unsigned n)
{
	bool dead;
	int r;

	if (!n)
		return -EINVAL;
	pthread_mutex_lock(&req->read_lock);
	r = event_queue_read(req->queue, buf, n);
	/*
	 * Clear first, then look again: a push between our read and the
	 * clear is seen here, and one after it signals again itself.
	 */
	clear_fd(req->efd);
	dead = request_dead(req);
	if (dead || event_queue_len(req->queue))
		signal_fd(req->efd);
	pthread_mutex_unlock(&req->read_lock);
	return r == 0 && dead ? -ENODEV : r;
}

void line_request_stats(struct line_request *req, struct line_request_stats *stats)
{
	struct event_queue_stats st;

	event_queue_stats(req->queue, &st);
	stats->events = st.pushed;
	stats->dropped = st.dropped;
	stats->queued = event_queue_len(req->queue);
}
