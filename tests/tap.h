/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tiny TAP producer for automake's tap-driver. Every test program runs its
 * cases in one process (no fork per test: liburcu's threads do not survive
 * fork) and each case is one TAP line.
 *
 *	tap_plan(3);
 *	tap_ok(x == 1, "x is one");
 *	tap_skip("needs a real FT232H: set MPSSED_HW_SERIAL");
 *	return tap_done();
 */
#ifndef MPSSED_TESTS_TAP_H
#define MPSSED_TESTS_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_count;
static int tap_failed;

static inline void tap_plan(int n)
{
	printf("1..%d\n", n);
	fflush(stdout);
}

__attribute__((__format__(printf, 2, 3))) static inline bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

__attribute__((__format__(printf, 1, 2))) static inline void tap_skip(const char *fmt, ...)
{
	va_list ap;

	printf("ok %d # SKIP ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

__attribute__((__format__(printf, 1, 2))) static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* Abort the whole program: the remaining plan is reported as missing. */
__attribute__((__format__(printf, 1, 2), __noreturn__)) static inline void tap_bail(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

static inline int tap_done(void)
{
	return tap_failed ? 1 : 0;
}

#endif
