# SPDX-License-Identifier: GPL-2.0-or-later
check_PROGRAMS += tests/mpsse/test-mpsse
TESTS += tests/mpsse/test-mpsse
tests_mpsse_test_mpsse_SOURCES = tests/mpsse/test-mpsse.c
tests_mpsse_test_mpsse_CFLAGS = $(TEST_CFLAGS)
tests_mpsse_test_mpsse_LDADD = src/mpsse/libmpsse.la
