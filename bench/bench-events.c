// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Cost of the event path per poller sample and per event, each with its
 * baseline measured in the same run:
 *  - edge_detect: a 16-line both-edges request fed samples in which one
 *    line changes every 16th sample; baseline: the bare diff of the same
 *    samples (xor, mask, popcount).
 *  - event_queue: push then read back in batches of 64, one thread;
 *    baseline: copying the same records into a plain array and back.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/macros.h"
#include "events/edge.h"
#include "events/queue.h"

#define SAMPLES 4096
#define ROUNDS 2000
#define BATCH 64
#define QUEUE_ROUNDS 20000

static uint16_t samples[SAMPLES];
static volatile uint64_t sink;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void count_event(void *ctx, const struct gpio_v2_line_event *ev)
{
	uint64_t *n = ctx;

	*n += ev->seqno != 0;
}

static void make_samples(void)
{
	uint16_t raw = 0;

	for (unsigned int i = 0; i < SAMPLES; i++) {
		if (i % 16 == 0)
			raw ^= (uint16_t)(1u << (i / 16 % 16));
		samples[i] = raw;
	}
}

static void make_cfg(struct linecfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->num_lines = 16;
	cfg->event_buffer_size = 256;
	for (unsigned int i = 0; i < 16; i++) {
		cfg->lines[i].offset = i;
		cfg->lines[i].flags = GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING |
				      GPIO_V2_LINE_FLAG_EDGE_FALLING;
	}
}

static double bench_edge(void)
{
	struct edge_detector det;
	struct linecfg cfg;
	struct edge_sample s = { 0 };
	uint64_t events = 0, start;

	make_cfg(&cfg);
	edge_detector_init(&det, &cfg);
	start = now_ns();
	for (unsigned int r = 0; r < ROUNDS; r++) {
		for (unsigned int i = 0; i < SAMPLES; i++) {
			s.raw = samples[i];
			s.mono_ns += 125000;
			edge_detector_feed(&det, &s, count_event, &events);
		}
	}
	sink = events;
	return (double)(now_ns() - start) / ((double)ROUNDS * SAMPLES);
}

static double bench_edge_baseline(void)
{
	uint64_t changes = 0, start = now_ns();
	uint16_t prev = 0;

	for (unsigned int r = 0; r < ROUNDS; r++) {
		for (unsigned int i = 0; i < SAMPLES; i++) {
			changes += (uint64_t)__builtin_popcount((samples[i] ^ prev) & 0xffff);
			prev = samples[i];
			/* Keep the compiler from folding the loop away. */
			__asm__ volatile("" : "+r"(changes));
		}
	}
	sink = changes;
	return (double)(now_ns() - start) / ((double)ROUNDS * SAMPLES);
}

static double bench_queue(void)
{
	_cleanup_(event_queue_freep) struct event_queue *q = NULL;
	struct gpio_v2_line_event ev[BATCH], out[BATCH];
	uint64_t got = 0, start;

	if (event_queue_new(&q, 1024))
		return -1;
	memset(ev, 0, sizeof(ev));
	start = now_ns();
	for (unsigned int r = 0; r < QUEUE_ROUNDS; r++) {
		for (unsigned int i = 0; i < BATCH; i++) {
			ev[i].seqno = r * BATCH + i;
			event_queue_push(q, &ev[i]);
		}
		got += (uint64_t)event_queue_read(q, out, BATCH);
	}
	sink = got;
	return (double)(now_ns() - start) / ((double)QUEUE_ROUNDS * BATCH);
}

static double bench_queue_baseline(void)
{
	static struct gpio_v2_line_event ring[1024];
	struct gpio_v2_line_event ev[BATCH], out[BATCH];
	uint64_t start, head = 0;

	memset(ev, 0, sizeof(ev));
	start = now_ns();
	for (unsigned int r = 0; r < QUEUE_ROUNDS; r++) {
		for (unsigned int i = 0; i < BATCH; i++) {
			ev[i].seqno = r * BATCH + i;
			ring[head++ % 1024] = ev[i];
		}
		memcpy(out, &ring[(head - BATCH) % 1024], sizeof(out));
		__asm__ volatile("" : : "r"(out) : "memory");
	}
	sink = out[BATCH - 1].seqno;
	return (double)(now_ns() - start) / ((double)QUEUE_ROUNDS * BATCH);
}

int main(void)
{
	make_samples();
	printf("bench: edge_detect_ns_per_sample %.1f ns\n", bench_edge());
	printf("bench: edge_detect_baseline_ns_per_sample %.1f ns\n", bench_edge_baseline());
	printf("bench: event_queue_ns_per_event %.1f ns\n", bench_queue());
	printf("bench: event_queue_baseline_ns_per_event %.1f ns\n", bench_queue_baseline());
	return 0;
}
