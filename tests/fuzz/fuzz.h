/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every fuzz target shares. Each target is one file defining
 * LLVMFuzzerTestOneInput() (and, if it needs set-up, LLVMFuzzerInitialize()).
 * Built with clang and libFuzzer (--enable-fuzzing) it explores; built with
 * replay.c it replays its committed corpus in `make check`.
 *
 * A target checks what callers rely on, not only that nothing crashes: a
 * broken promise calls fuzz_fail(), which aborts, so libFuzzer keeps the
 * input as a crash and the replay test fails.
 */
#ifndef MPSSED_TESTS_FUZZ_FUZZ_H
#define MPSSED_TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_fail(...)                                                         \
	do {                                                                   \
		fprintf(stderr, "%s:%d: broken promise: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);                                  \
		fputc('\n', stderr);                                           \
		abort();                                                       \
	} while (0)

#define fuzz_assert(cond, ...)              \
	do {                                \
		if (!(cond))                \
			fuzz_fail(__VA_ARGS__); \
	} while (0)

/* Reads an input front to back; past the end every byte reads as 0. */
struct fuzz_input {
	const uint8_t *data;
	size_t size, pos;
};

static inline size_t fuzz_left(const struct fuzz_input *in)
{
	return in->size - in->pos;
}

static inline uint8_t fuzz_u8(struct fuzz_input *in)
{
	return in->pos < in->size ? in->data[in->pos++] : 0;
}

static inline uint16_t fuzz_u16(struct fuzz_input *in)
{
	uint16_t lo = fuzz_u8(in);

	return (uint16_t)(lo | fuzz_u8(in) << 8);
}

/* Up to want bytes of the input (fewer at its end); *len says how many. */
static inline const uint8_t *fuzz_bytes(struct fuzz_input *in, size_t want, size_t *len)
{
	const uint8_t *p = in->data + in->pos;

	*len = want < fuzz_left(in) ? want : fuzz_left(in);
	in->pos += *len;
	return p;
}

#endif
