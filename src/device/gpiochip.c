// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Chips as clients see them: references, names, chip and line info, line
 * info watchers, counters.
 *
 * Watchers live on chip->watchers and are written and read under
 * chip->lock only (nothing RCU here); a watcher is freed by its owner
 * after it is unlinked under that lock.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>

#include "common/log.h"
#include "device/internal.h"
#include "events/lineinfo.h"

#define FLAG(x) GPIO_V2_LINE_FLAG_##x
/* What a request's line config shows in line info; the direction comes from the chip. */
#define INFO_FLAGS                                                                         \
	(FLAG(ACTIVE_LOW) | FLAG(EDGE_RISING) | FLAG(EDGE_FALLING) | FLAG(OPEN_DRAIN) |    \
	 FLAG(OPEN_SOURCE) | FLAG(BIAS_PULL_UP) | FLAG(BIAS_PULL_DOWN) |                   \
	 FLAG(BIAS_DISABLED) | FLAG(EVENT_CLOCK_REALTIME))

struct line_watcher {
	struct cds_list_head node;	/* chip->watchers */
	struct gpio_chip *chip;		/* a reference */
	int efd;
	uint16_t watched;
	unsigned head, len;
	struct gpio_v2_line_info_changed ring[WATCH_QUEUE];
};

/* --- Life ------------------------------------------------------------------ */

int gpio_chip_new(struct core *core, const char *name, const struct chipdb_entry *db,
		  unsigned intf, const struct chip_source_ops *ops, void *src,
		  struct gpio_chip **out)
{
	struct gpio_chip *chip;

	if (name && (!*name || strlen(name) >= sizeof(chip->name)))
		return -EINVAL;
	chip = calloc(1, sizeof(*chip));
	if (!chip)
		return -ENOMEM;
	if (cond_init_monotonic(&chip->rel_cond) < 0) {
		free(chip);
		return -ENOMEM;
	}
	chip->core = core;
	chip->refs = 1;
	if (name)
		strcpy(chip->name, name);
	chip->db = db;
	chip->intf = intf;
	chip->src_ops = ops;
	chip->src = src;
	chip->sampling_mode = core->config.mode;
	chip->period_ns = core->config.period_ns;
	pthread_mutex_init(&chip->bind_lock, NULL);
	pthread_mutex_init(&chip->rel_lock, NULL);
	pthread_mutex_init(&chip->lock, NULL);
	CDS_INIT_LIST_HEAD(&chip->requests);
	CDS_INIT_LIST_HEAD(&chip->watchers);
	*out = chip;
	return 0;
}

struct gpio_chip *gpio_chip_free(struct gpio_chip *chip)
{
	pthread_mutex_destroy(&chip->lock);
	pthread_mutex_destroy(&chip->rel_lock);
	pthread_cond_destroy(&chip->rel_cond);
	pthread_mutex_destroy(&chip->bind_lock);
	free(chip);
	return NULL;
}

struct gpio_chip *gpio_chip_ref(struct gpio_chip *chip)
{
	__atomic_add_fetch(&chip->refs, 1, __ATOMIC_RELAXED);
	return chip;
}

/*
 * The last reference can only be dropped once the chip is out of the
 * registry and a grace period has passed (core_free), by which time no
 * reader can reach it: no deferral needed here.
 */
struct gpio_chip *gpio_chip_unref(struct gpio_chip *chip)
{
	if (chip && __atomic_sub_fetch(&chip->refs, 1, __ATOMIC_ACQ_REL) == 0)
		gpio_chip_free(chip);
	return NULL;
}

const char *gpio_chip_name(const struct gpio_chip *chip)
{
	return chip->name;
}

bool gpio_chip_present(const struct gpio_chip *chip)
{
	return __atomic_load_n(&chip->present, __ATOMIC_ACQUIRE);
}

void gpio_chip_linecfg(const struct gpio_chip *chip, struct linecfg_chip *lc)
{
	lc->lines = chip->db->lines;
	lc->input_mask = chip->db->input_mask;
	lc->output_mask = chip->db->output_mask;
}

/* --- Names ------------------------------------------------------------------- */

static void copy_line_names(struct gpio_chip *chip, const struct gpio_chip_names *names)
{
	for (unsigned i = 0; i < CHIPDB_LINES_MAX; i++)
		snprintf(chip->line_names[i], sizeof(chip->line_names[i]), "%s", names->lines[i]);
}

void gpio_chip_describe(struct gpio_chip *chip, const struct gpio_chip_identity *id)
{
	const struct core_config *cc = &chip->core->config;
	struct gpio_chip_names names = { 0 };

	chip->id = *id;
	if (!cc->names)
		return;
	cc->names(cc->names_data, id, &names);
	if (!chip->name[0])
		snprintf(chip->name, sizeof(chip->name), "%s", names.chip);
	copy_line_names(chip, &names);
}

void gpio_chip_identity(struct gpio_chip *chip, struct gpio_chip_identity *id)
{
	pthread_mutex_lock(&chip->lock);
	*id = chip->id;
	pthread_mutex_unlock(&chip->lock);
}

void gpio_chip_set_line_names(struct gpio_chip *chip, const struct gpio_chip_names *names)
{
	pthread_mutex_lock(&chip->lock);
	copy_line_names(chip, names);
	pthread_mutex_unlock(&chip->lock);
}

/* The configuration's name, else the database's; chip->lock held. */
static const char *__line_name(const struct gpio_chip *chip, unsigned line)
{
	return chip->line_names[line][0] ? chip->line_names[line] : chipdb_line_name(chip->db, line);
}

/* --- Info -------------------------------------------------------------------- */

/* As much of src as fits, NUL-terminated: uAPI strings are cut, not refused. */
static void copy_cut(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

int gpio_chip_info(struct gpio_chip *chip, struct gpiochip_info *info)
{
	memset(info, 0, sizeof(*info));
	copy_cut(info->name, sizeof(info->name), chip->name);
	pthread_mutex_lock(&chip->lock);
	copy_cut(info->label, sizeof(info->label), chip->label);
	pthread_mutex_unlock(&chip->lock);
	info->lines = chip->db->lines;
	return 0;
}

int gpio_chip_find_line(struct gpio_chip *chip, const char *name)
{
	int found = -ENOENT;

	pthread_mutex_lock(&chip->lock);
	for (unsigned line = 0; line < chip->db->lines && found < 0; line++)
		if (!strcmp(__line_name(chip, line), name))
			found = (int)line;
	pthread_mutex_unlock(&chip->lock);
	return found;
}

/* The request holding line offset and that line's configuration; chip->lock held. */
static const struct linecfg_line *__line_owner(struct gpio_chip *chip, unsigned offset,
					       const struct linecfg **cfg)
{
	struct line_request *req;

	cds_list_for_each_entry(req, &chip->requests, node) {
		if (!(req->mask >> offset & 1))
			continue;
		*cfg = &req->config->cfg;
		for (unsigned i = 0; i < (*cfg)->num_lines; i++)
			if ((*cfg)->lines[i].offset == offset)
				return &(*cfg)->lines[i];
	}
	return NULL;
}

/* As the kernel's gpio_desc_to_lineinfo(). */
void __gpio_chip_line_info(struct gpio_chip *chip, unsigned offset, struct gpio_v2_line_info *info)
{
	const struct linecfg *cfg = NULL;
	const struct linecfg_line *l = __line_owner(chip, offset, &cfg);
	bool output = chip->lines.output >> offset & 1;

	memset(info, 0, sizeof(*info));
	info->offset = offset;
	copy_cut(info->name, sizeof(info->name), __line_name(chip, offset));
	/* A line the board cannot use is reported in use, as gpiolib does. */
	if (!chipdb_line_valid(chip->db, offset))
		info->flags |= FLAG(USED);
	/* Paced sampling clocks ADBUS0: it is in use unless a request took it as an input. */
	if (!l && offset == 0 && chip_sampling_mode(chip) == SAMPLE_MODE_PACED) {
		info->flags |= FLAG(USED);
		copy_cut(info->consumer, sizeof(info->consumer), SAMPLING_CLOCK_CONSUMER);
	}
	if (l) {
		info->flags |= FLAG(USED) | (l->flags & INFO_FLAGS);
		copy_cut(info->consumer, sizeof(info->consumer), cfg->consumer[0] ? cfg->consumer : "?");
		/* Emulated open-source/drain lines float as inputs yet are outputs. */
		if (l->flags & (FLAG(INPUT) | FLAG(OUTPUT)))
			output = l->flags & FLAG(OUTPUT);
		if (l->debounce_us) {
			info->attrs[0].id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE;
			info->attrs[0].debounce_period_us = l->debounce_us;
			info->num_attrs = 1;
		}
	}
	info->flags |= output ? FLAG(OUTPUT) : FLAG(INPUT);
}

/* --- Sampling mode -------------------------------------------------------------- */

/* Going paced: line 0 may not stay an output (it would be clocked); chip->lock held. */
static int __clock_pin_free(struct gpio_chip *chip)
{
	struct binding *b = __chip_binding(chip);
	struct chip_lines want = { 0 };
	int r;

	if (!(chip->lines.output & 1))
		return 0;
	if (chip->held & 1)
		return -EBUSY;
	if (!b)
		return 0;
	r = chip_set_lines(b->hw, 1, &want);
	chip_get_lines(b->hw, &chip->lines);
	if (r == 0)
		__gpio_chip_notify(chip, 1, GPIO_V2_LINE_CHANGED_CONFIG);
	return r;
}

int gpio_chip_set_sampling(struct gpio_chip *chip, const struct sampling *sampling)
{
	struct sampling s = *sampling;
	int r = sampling_check(&s);

	if (r < 0)
		return r;
	pthread_mutex_lock(&chip->lock);
	if (chip->binding && chip->binding->poll_on)
		r = -EBUSY;
	else if (s.mode == SAMPLE_MODE_PACED)
		r = __clock_pin_free(chip);
	if (r == 0) {
		bool notify = chip_sampling_mode(chip) != s.mode && !(chip->held & 1);

		__atomic_store_n(&chip->sampling_mode, s.mode, __ATOMIC_RELEASE);
		__atomic_store_n(&chip->period_ns, s.period_ns, __ATOMIC_RELEASE);
		/* Line 0's info says whether the clock uses it. */
		if (notify)
			__gpio_chip_notify(chip, 1, GPIO_V2_LINE_CHANGED_CONFIG);
	}
	pthread_mutex_unlock(&chip->lock);
	return r;
}

void gpio_chip_sampling(struct gpio_chip *chip, struct sampling *sampling)
{
	sampling->mode = chip_sampling_mode(chip);
	sampling->period_ns = __atomic_load_n(&chip->period_ns, __ATOMIC_ACQUIRE);
}

int gpio_chip_line_info(struct gpio_chip *chip, unsigned offset, struct gpio_v2_line_info *info)
{
	if (offset >= chip->db->lines)
		return -EINVAL;
	pthread_mutex_lock(&chip->lock);
	__gpio_chip_line_info(chip, offset, info);
	pthread_mutex_unlock(&chip->lock);
	return 0;
}

/* --- Watchers ---------------------------------------------------------------- */

int gpio_chip_watcher_new(struct gpio_chip *chip, struct line_watcher **out)
{
	struct line_watcher *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0) {
		free(w);
		return -errno;
	}
	w->chip = gpio_chip_ref(chip);
	pthread_mutex_lock(&chip->lock);
	cds_list_add_tail(&w->node, &chip->watchers);
	pthread_mutex_unlock(&chip->lock);
	*out = w;
	return 0;
}

struct line_watcher *gpio_chip_watcher_free(struct line_watcher *w)
{
	if (!w)
		return NULL;
	pthread_mutex_lock(&w->chip->lock);
	cds_list_del(&w->node);
	pthread_mutex_unlock(&w->chip->lock);
	close(w->efd);
	gpio_chip_unref(w->chip);
	free(w);
	return NULL;
}

int gpio_chip_watcher_fd(const struct line_watcher *w)
{
	return w->efd;
}

int gpio_chip_watch(struct line_watcher *w, unsigned offset, bool on,
		    struct gpio_v2_line_info *info)
{
	struct gpio_chip *chip = w->chip;
	uint16_t bit;
	int r = 0;

	if (offset >= chip->db->lines)
		return -EINVAL;
	bit = (uint16_t)(1u << offset);
	pthread_mutex_lock(&chip->lock);
	if (!(w->watched & bit) == !on)
		r = -EBUSY;
	else
		w->watched ^= bit;
	if (r == 0 && on && info)
		__gpio_chip_line_info(chip, offset, info);
	pthread_mutex_unlock(&chip->lock);
	return r;
}

int gpio_chip_watcher_read(struct line_watcher *w, struct gpio_v2_line_info_changed *buf,
			   unsigned n)
{
	unsigned i;

	if (!n)
		return -EINVAL;
	pthread_mutex_lock(&w->chip->lock);
	for (i = 0; i < n && w->len; i++, w->len--) {
		buf[i] = w->ring[w->head];
		w->head = (w->head + 1) % WATCH_QUEUE;
	}
	if (!w->len)
		clear_fd(w->efd);
	pthread_mutex_unlock(&w->chip->lock);
	return (int)i;
}

/* A full queue drops the newest record, as the kernel's kfifo_put() does. */
static void __watcher_push(struct line_watcher *w, const struct gpio_v2_line_info_changed *chg)
{
	if (w->len == WATCH_QUEUE) {
		log_debug("%s: line info queue full, change dropped", w->chip->name);
		return;
	}
	w->ring[(w->head + w->len++) % WATCH_QUEUE] = *chg;
}

void __gpio_chip_notify(struct gpio_chip *chip, uint16_t lines, uint32_t type)
{
	struct gpio_v2_line_info_changed chg;
	struct gpio_v2_line_info info;
	struct line_watcher *w;
	uint64_t now = now_ns();

	cds_list_for_each_entry(w, &chip->watchers, node) {
		uint16_t todo = w->watched & lines;

		if (!todo)
			continue;
		while (todo) {
			unsigned offset = (unsigned)__builtin_ctz(todo);

			todo &= (uint16_t)(todo - 1);
			__gpio_chip_line_info(chip, offset, &info);
			line_info_changed_init(&chg, &info, type, now);
			__watcher_push(w, &chg);
		}
		signal_fd(w->efd);
	}
}

/* --- Counters ------------------------------------------------------------------ */

/* Bucket of a round trip in us: exact below 8, then 4 buckets per power of two. */
static unsigned rtt_bucket(uint64_t us)
{
	unsigned e, i;

	if (us < 8)
		return (unsigned)us;
	e = 63u - (unsigned)__builtin_clzll(us);
	i = 8 + (e - 3) * 4 + (unsigned)(us >> (e - 2) & 3);
	return i < RTT_BUCKETS ? i : RTT_BUCKETS - 1;
}

/* The largest round trip bucket i holds: percentiles err on the slow side. */
static uint64_t rtt_bucket_max(unsigned i)
{
	unsigned e, sub;

	if (i < 8)
		return i;
	e = (i - 8) / 4 + 3;
	sub = (i - 8) % 4;
	return ((uint64_t)(5 + sub) << (e - 2)) - 1;
}

void gpio_chip_count_rtt(struct gpio_chip *chip, uint64_t rtt_ns)
{
	counter_add(&chip->count.rtt[rtt_bucket(rtt_ns / 1000)], 1);
}

static uint32_t rtt_percentile(const uint64_t *hist, uint64_t total, unsigned pct)
{
	uint64_t want = (total * pct + 99) / 100, seen = 0;

	for (unsigned i = 0; i < RTT_BUCKETS && total; i++) {
		seen += hist[i];
		if (seen >= want)
			return (uint32_t)rtt_bucket_max(i);
	}
	return 0;
}

void gpio_chip_note_samplers(struct gpio_chip *chip, unsigned long max)
{
	uint64_t seen = counter_get(&chip->count.max_samplers);

	while (max > seen && !__atomic_compare_exchange_n(&chip->count.max_samplers, &seen, max,
							 true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

void gpio_chip_stats(struct gpio_chip *chip, struct gpio_chip_stats *st)
{
	uint64_t hist[RTT_BUCKETS], total = 0;
	struct line_request *req;
	struct poller_stats ps;

	memset(st, 0, sizeof(*st));
	for (unsigned i = 0; i < RTT_BUCKETS; i++)
		total += hist[i] = counter_get(&chip->count.rtt[i]);
	st->rtt_p50_us = rtt_percentile(hist, total, 50);
	st->rtt_p99_us = rtt_percentile(hist, total, 99);
	st->samples = counter_get(&chip->count.samples);
	st->sample_rate_hz = (double)counter_get(&chip->count.rate_mhz) / 1000.0;
	st->sample_interval_ns = counter_get(&chip->count.interval_ns);
	st->unplugs = counter_get(&chip->count.unplugs);
	st->replugs = counter_get(&chip->count.replugs);
	st->releases = counter_get(&chip->count.releases);
	st->gaps = counter_get(&chip->count.gaps);
	st->gap_ns = counter_get(&chip->count.gap_ns);
	st->mode = chip_sampling_mode(chip);
	pthread_mutex_lock(&chip->lock);
	cds_list_for_each_entry(req, &chip->requests, node)
		st->requests++;
	if (chip->binding) {
		poller_set_stats(chip->binding->pollers, &ps);
		gpio_chip_note_samplers(chip, ps.max_samplers);
	}
	pthread_mutex_unlock(&chip->lock);
	st->max_samplers = (unsigned long)counter_get(&chip->count.max_samplers);
}
