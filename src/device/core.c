// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The core: the registry of chips, the device-event thread, and the life
 * of a binding (attach, teardown, release).
 *
 * Every change of a device's state converges on core_reconcile(), which
 * compares what the chip is bound to with what its source says (present?
 * which generation?) and binds or tears down. Listeners (emulator plug
 * events, USB hotplug, a poller that found the device gone) only mark the
 * chip and wake the device-event thread: they may run on a bus or event
 * thread, where blocking or tearing down is not allowed. Because the
 * reconciliation looks at state, not at a queue of events, an unplug seen
 * twice (poller and listener) or an unplug+replug coalesced into one wake
 * both end in exactly one teardown per binding.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>

#include "common/log.h"
#include "common/thread.h"
#include "device/internal.h"
#include "transport/transport.h"

void signal_fd(int fd)
{
	uint64_t one = 1;

	/* EAGAIN only if the counter would overflow: readable already. */
	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_err("eventfd write: %s", strerror(errno));
}

void clear_fd(int fd)
{
	uint64_t n;

	/* Non-blocking: EAGAIN just means it was clear. */
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_err("eventfd read: %s", strerror(errno));
}

void core_changed(struct core *core)
{
	signal_fd(core->changes_fd);
}

void core_wake(struct core *core)
{
	pthread_mutex_lock(&core->ev_lock);
	core->ev_pending = true;
	pthread_cond_signal(&core->ev_cond);
	pthread_mutex_unlock(&core->ev_lock);
}

void core_kick(struct gpio_chip *chip)
{
	__atomic_store_n(&chip->kicked, true, __ATOMIC_RELEASE);
	core_wake(chip->core);
}

static bool core_stopping(const struct core *core)
{
	return __atomic_load_n(&core->stopping, __ATOMIC_ACQUIRE);
}

/* --- Bindings ------------------------------------------------------------- */

static void binding_destroy(struct binding *b)
{
	gpio_chip_unref(b->chip);
	pthread_mutex_destroy(&b->in_lock);
	free(b);
}

/* For a binding that never got its poller set: undo what it holds. */
static struct binding *binding_free(struct binding *b)
{
	if (!b)
		return NULL;
	chip_free(b->hw);
	transport_close(b->t);
	binding_destroy(b);
	return NULL;
}
DEFINE_CLEANUP(struct binding, binding_free)

static int binding_new(struct gpio_chip *chip, uint32_t gen, struct binding **out)
{
	struct binding *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->chip = gpio_chip_ref(chip);
	b->gen = gen;
	b->reads = chip->core->config.reads_in_flight;
	pthread_mutex_init(&b->in_lock, NULL);
	*out = b;
	return 0;
}

/*
 * Poller set callback, on an rcuwork thread: no poller thread of this
 * binding exists any more and clients cannot reach it (teardown unlinked
 * it under chip->lock before freeing the set), so the hardware can go.
 */
static void binding_released(void *ctx)
{
	struct binding *b = ctx;
	struct gpio_chip *chip = b->chip;
	struct poller_stats st;

	/* The set may still be read during this call, not after. */
	poller_set_stats(b->pollers, &st);
	gpio_chip_note_samplers(chip, st.max_samplers);
	chip_free(b->hw);
	transport_close(b->t);
	pthread_mutex_lock(&chip->rel_lock);
	chip->releasing--;
	counter_add(&chip->count.releases, 1);
	pthread_cond_broadcast(&chip->rel_cond);
	pthread_mutex_unlock(&chip->rel_lock);
	log_debug("%s: released", chip->name);
	binding_destroy(b);
}

/* Poller set callback, on the failing worker's thread: mark, and let the event thread tear down. */
static void binding_gone(void *ctx, int err)
{
	struct binding *b = ctx;

	__atomic_store_n(&b->dead, true, __ATOMIC_RELEASE);
	core_kick(b->chip);
}

struct binding *__chip_binding(struct gpio_chip *chip)
{
	struct binding *b = chip->binding;

	if (!b)
		return NULL;
	if (!__atomic_load_n(&b->dead, __ATOMIC_ACQUIRE) &&
	    b->gen == chip->src_ops->generation(chip))
		return b;
	/* The event thread may not have heard yet. */
	core_kick(chip);
	return NULL;
}

/* Enable the poller while some request needs edges; chip->lock held. */
int __binding_sync_poller(struct gpio_chip *chip)
{
	struct binding *b = chip->binding;
	bool want;
	int r;

	if (!b)
		return 0;
	want = __requests_watching(chip);
	if (want == b->poll_on)
		return 0;
	r = want ? poller_set_enable(b->pollers) : poller_set_disable(b->pollers);
	if (r == 0)
		b->poll_on = want;
	return r;
}

/* The binding is unusable from now on; chip->lock held, chip->binding set. */
static void __chip_teardown(struct gpio_chip *chip)
{
	struct binding *b = chip->binding;

	chip->binding = NULL;
	__atomic_store_n(&chip->present, false, __ATOMIC_RELEASE);
	__atomic_store_n(&b->dead, true, __ATOMIC_RELEASE);
	__requests_device_gone(chip);
	pthread_mutex_lock(&chip->rel_lock);
	chip->releasing++;
	pthread_mutex_unlock(&chip->rel_lock);
	counter_add(&chip->count.unplugs, 1);
	/* Never blocks; binding_released() follows once the pollers are joined. */
	poller_set_free(b->pollers);
}

/* Tear down a binding that is dead or of another generation; bind_lock held. */
static void chip_teardown_stale(struct gpio_chip *chip, uint32_t gen)
{
	struct binding *b;
	bool stale;

	pthread_mutex_lock(&chip->lock);
	b = chip->binding;
	stale = b && (__atomic_load_n(&b->dead, __ATOMIC_ACQUIRE) || b->gen != gen ||
		      core_stopping(chip->core));
	if (stale)
		__chip_teardown(chip);
	pthread_mutex_unlock(&chip->lock);
	if (!stale)
		return;
	log_info("%s: device gone", chip->name);
	core_changed(chip->core);
}

/* A new binding waits until the previous one is released; bind_lock held. */
static int chip_wait_released(struct gpio_chip *chip)
{
	struct timespec ts;
	int r = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += RELEASE_WAIT_MS / 1000;
	pthread_mutex_lock(&chip->rel_lock);
	while (chip->releasing && r == 0)
		r = pthread_cond_timedwait(&chip->rel_cond, &chip->rel_lock, &ts);
	pthread_mutex_unlock(&chip->rel_lock);
	if (r)
		log_err("%s: previous binding still not released after %d ms", chip->name,
			RELEASE_WAIT_MS);
	return -r;
}

static void chip_publish(struct gpio_chip *chip, struct binding *b)
{
	int r;

	/* Counted before it shows as present, so whoever sees it back sees the count. */
	if (chip->ever_bound)
		counter_add(&chip->count.replugs, 1);
	chip->ever_bound = true;
	pthread_mutex_lock(&chip->lock);
	chip->binding = b;
	chip_get_lines(b->hw, &chip->lines);
	__atomic_store_n(&chip->present, true, __ATOMIC_RELEASE);
	/* Persistent requests with edges resume sampling (the first sample is a baseline). */
	r = __binding_sync_poller(chip);
	pthread_mutex_unlock(&chip->lock);
	if (r < 0)
		log_err("%s: cannot start polling: %s", chip->name, strerror(-r));
	log_info("%s: ready (%s)", chip->name, b->t->description);
	core_changed(chip->core);
}

static int chip_bind(struct gpio_chip *chip, uint32_t gen)
{
	struct chip_config cfg = { .latency_ms = chip->core->config.latency_ms };
	_cleanup_(binding_freep) struct binding *b = NULL;
	int r;

	r = chip_wait_released(chip);
	if (r < 0)
		return r;
	r = binding_new(chip, gen, &b);
	if (r < 0)
		return r;
	r = chip->src_ops->open(chip, &b->t);
	if (r < 0)
		return r;
	/* While unbound no request can change, so this is what the pins must show. */
	pthread_mutex_lock(&chip->lock);
	__requests_persistent_lines(chip, &cfg.lines);
	pthread_mutex_unlock(&chip->lock);
	r = chip_attach(b->t, chip->db, &cfg, &b->hw);
	if (r < 0)
		return r;
	sampler_ops_init(b);
	b->ops.gone = binding_gone;
	b->ops.released = binding_released;
	r = poller_set_new(&b->pollers, chip->name, &b->ops, b, chip->core->queue);
	if (r < 0)
		return r;
	chip_publish(chip, steal_ptr(b));
	return 0;
}

static void chip_schedule_retry(struct gpio_chip *chip, int err)
{
	uint64_t delay;

	if (err == -ENODEV) {
		/* It left while we attached; its return kicks us again. */
		log_info("%s: device left during attach", chip->name);
		chip->attempts = 0;
		return;
	}
	if (!chip->src_ops->retryable(err) || chip->attempts >= RETRY_MAX_ATTEMPTS) {
		log_err("%s: cannot attach: %s; giving up until the device is plugged again",
			chip->name, strerror(-err));
		chip->attempts = 0;
		return;
	}
	delay = (uint64_t)RETRY_FIRST_MS << chip->attempts++;
	/* The first failures are routine: a departure not reported yet, udev still at work. */
	log_printf(chip->attempts > 2 ? LOG_LEVEL_WARNING : LOG_LEVEL_DEBUG,
		   "%s: cannot attach yet (%s); retrying in %llu ms", chip->name, strerror(-err),
		   (unsigned long long)delay);
	__atomic_store_n(&chip->retry_at_ns, now_ns() + delay * 1000000ULL, __ATOMIC_RELAXED);
}

void core_reconcile(struct gpio_chip *chip)
{
	uint32_t gen;
	bool bound;
	int r;

	pthread_mutex_lock(&chip->bind_lock);
	gen = chip->src_ops->generation(chip);
	chip_teardown_stale(chip, gen);
	pthread_mutex_lock(&chip->lock);
	bound = chip->binding;
	pthread_mutex_unlock(&chip->lock);
	if (!bound && !core_stopping(chip->core) && chip->src_ops->present(chip)) {
		r = chip_bind(chip, gen);
		if (r < 0)
			chip_schedule_retry(chip, r);
		else
			chip->attempts = 0;
	}
	pthread_mutex_unlock(&chip->bind_lock);
}

/* --- The device-event thread ------------------------------------------------ */

/* A chip that was kicked or whose retry is due, with a reference; NULL when none. */
static struct gpio_chip *next_chip(struct core *core, uint64_t now, uint64_t *next_ns)
{
	struct gpio_chip *chip, *found = NULL;

	pthread_mutex_lock(&core->lock);
	cds_list_for_each_entry(chip, &core->chips, node) {
		uint64_t retry = __atomic_load_n(&chip->retry_at_ns, __ATOMIC_RELAXED);

		if (retry && retry <= now)
			__atomic_store_n(&chip->retry_at_ns, 0, __ATOMIC_RELAXED);
		if (__atomic_exchange_n(&chip->kicked, false, __ATOMIC_ACQ_REL) ||
		    (retry && retry <= now)) {
			found = gpio_chip_ref(chip);
			break;
		}
		if (retry && retry < *next_ns)
			*next_ns = retry;
	}
	pthread_mutex_unlock(&core->lock);
	return found;
}

static void event_pass(struct core *core, uint64_t *next_ns)
{
	uint64_t now = now_ns();
	struct gpio_chip *chip;

	usb_source_process(core, now, next_ns);
	while ((chip = next_chip(core, now, next_ns))) {
		core_reconcile(chip);
		gpio_chip_unref(chip);
	}
}

static void ev_wait(struct core *core, uint64_t until_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(until_ns / 1000000000ULL),
		.tv_nsec = (long)(until_ns % 1000000000ULL),
	};

	if (until_ns == UINT64_MAX)
		pthread_cond_wait(&core->ev_cond, &core->ev_lock);
	else
		pthread_cond_timedwait(&core->ev_cond, &core->ev_lock, &ts);
}

static void *event_thread(void *arg)
{
	struct core *core = arg;

	rcu_register_thread();
	pthread_mutex_lock(&core->ev_lock);
	while (!core->ev_stop) {
		uint64_t next_ns = UINT64_MAX;

		core->ev_pending = false;
		pthread_mutex_unlock(&core->ev_lock);
		event_pass(core, &next_ns);
		pthread_mutex_lock(&core->ev_lock);
		if (!core->ev_pending && !core->ev_stop)
			ev_wait(core, next_ns);
	}
	pthread_mutex_unlock(&core->ev_lock);
	rcu_unregister_thread();
	return NULL;
}

static int event_thread_start(struct core *core)
{
	int r = thread_start_unsignaled(&core->ev_thread, event_thread, core);

	core->ev_started = !r;
	return r;
}

static void event_thread_stop(struct core *core)
{
	if (!core->ev_started)
		return;
	pthread_mutex_lock(&core->ev_lock);
	core->ev_stop = true;
	pthread_cond_signal(&core->ev_cond);
	pthread_mutex_unlock(&core->ev_lock);
	pthread_join(core->ev_thread, NULL);
	core->ev_started = false;
}

/* --- Registry ------------------------------------------------------------------ */

static bool __name_taken(struct core *core, const char *name)
{
	struct gpio_chip *chip;

	cds_list_for_each_entry(chip, &core->chips, node)
		if (!strcmp(chip->name, name))
			return true;
	return false;
}

int __core_list_chips(struct core *core, struct gpio_chip **chips, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (chips[i]->name[0] && __name_taken(core, chips[i]->name))
			return -EEXIST;
		for (unsigned j = 0; j < i; j++)
			if (chips[i]->name[0] && !strcmp(chips[i]->name, chips[j]->name))
				return -EEXIST;
	}
	for (unsigned i = 0; i < n; i++) {
		while (!chips[i]->name[0]) {
			snprintf(chips[i]->name, sizeof(chips[i]->name), "mpsse%u",
				 core->next_index++);
			if (__name_taken(core, chips[i]->name))
				chips[i]->name[0] = '\0';
		}
		cds_list_add_tail_rcu(&chips[i]->node, &core->chips);
	}
	return 0;
}

struct gpio_chip *core_find_chip(struct core *core, const char *name)
{
	struct gpio_chip *chip, *found = NULL;

	rcu_read_lock();
	cds_list_for_each_entry_rcu(chip, &core->chips, node) {
		if (!strcmp(chip->name, name)) {
			found = gpio_chip_ref(chip);
			break;
		}
	}
	rcu_read_unlock();
	if (!found)
		errno = ENOENT;
	return found;
}

/*
 * fn runs outside the read-side section (it may block). The cursor stays
 * valid meanwhile because chips leave the registry only in core_free().
 */
void core_for_each_chip(struct core *core, core_chip_fn fn, void *data)
{
	struct gpio_chip *chip;

	rcu_read_lock();
	cds_list_for_each_entry_rcu(chip, &core->chips, node) {
		gpio_chip_ref(chip);
		rcu_read_unlock();
		fn(chip, data);
		rcu_read_lock();
		gpio_chip_unref(chip);
	}
	rcu_read_unlock();
}

int core_changes_fd(struct core *core)
{
	return core->changes_fd;
}

void core_ack_changes(struct core *core)
{
	clear_fd(core->changes_fd);
}

/* --- Creation and teardown --------------------------------------------------- */

static int config_check(struct core_config *c)
{
	struct sampling s = { .mode = c->mode, .period_ns = c->period_ns };

	if (sampling_check(&s) < 0)
		return -EINVAL;
	if (c->reads_in_flight > READS_IN_FLIGHT_MAX)
		return -EINVAL;
	c->mode = s.mode;
	c->period_ns = s.period_ns;
	if (!c->reads_in_flight)
		c->reads_in_flight = READS_IN_FLIGHT_DEFAULT;
	return 0;
}

int cond_init_monotonic(pthread_cond_t *cond)
{
	pthread_condattr_t attr;
	int r;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	r = pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
	return -r;
}

int core_new(struct core **out, const struct core_config *config)
{
	struct core_config cfg = config ? *config : (struct core_config){ 0 };
	struct core *core;
	int r;

	r = config_check(&cfg);
	if (r < 0)
		return r;
	core = calloc(1, sizeof(*core));
	if (!core)
		return -ENOMEM;
	core->config = cfg;
	core->changes_fd = -1;
	pthread_mutex_init(&core->lock, NULL);
	pthread_mutex_init(&core->ev_lock, NULL);
	CDS_INIT_LIST_HEAD(&core->chips);
	CDS_INIT_LIST_HEAD(&core->emus);
	r = cond_init_monotonic(&core->ev_cond);
	if (r == 0) {
		core->changes_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		r = core->changes_fd < 0 ? -errno : 0;
	}
	if (r == 0) {
		/* Two workers: one may join a poller while requests keep being freed. */
		core->queue = rcuwork_queue_new("device", 2);
		r = core->queue ? 0 : -errno;
	}
	if (r == 0)
		r = event_thread_start(core);
	if (r < 0) {
		core_free(core);
		return r;
	}
	*out = core;
	return 0;
}

/* Until nothing is pending: a release may queue another (worker, then set). */
static void queue_drain_all(struct rcuwork_queue *q)
{
	struct rcuwork_stats st;

	do {
		rcuwork_drain(q);
		rcuwork_queue_stats(q, &st);
	} while (st.pending);
}

static void chip_unlisted(struct rcuwork *work)
{
	gpio_chip_unref(container_of(work, struct gpio_chip, unlist));
}

/* Unlink every chip; the registry's references go after a grace period. */
static void core_unlist_chips(struct core *core)
{
	struct gpio_chip *chip, *tmp;
	int r;

	pthread_mutex_lock(&core->lock);
	cds_list_for_each_entry_safe(chip, tmp, &core->chips, node) {
		cds_list_del_rcu(&chip->node);
		r = rcuwork_queue(core->queue, &chip->unlist, chip_unlisted);
		if (r < 0)
			log_err("%s: cannot queue the registry's release (%s); leaking it",
				chip->name, strerror(-r));
	}
	pthread_mutex_unlock(&core->lock);
}

struct core *core_free(struct core *core)
{
	struct gpio_chip *chip;

	if (!core)
		return NULL;
	__atomic_store_n(&core->stopping, true, __ATOMIC_RELEASE);
	usb_source_stop(core->usb);
	emu_sources_stop(core);
	event_thread_stop(core);
	/* No source and no event thread left: nothing else binds or tears down. */
	cds_list_for_each_entry(chip, &core->chips, node)
		core_reconcile(chip);
	if (core->queue) {
		queue_drain_all(core->queue);
		core_unlist_chips(core);
		rcuwork_queue_free(core->queue);
	}
	emu_sources_free(core);
	core->usb = usb_source_free(core->usb);
	if (core->changes_fd >= 0)
		close(core->changes_fd);
	pthread_cond_destroy(&core->ev_cond);
	pthread_mutex_destroy(&core->ev_lock);
	pthread_mutex_destroy(&core->lock);
	free(core);
	return NULL;
}
