# SPDX-License-Identifier: GPL-2.0-or-later
#
# poller: the single-poller worker list. test-worker-list holds one
# regression test per review finding on the kernel driver's worker list
# (seed 002); it makes calloc() and pthread_create() fail on demand through
# the linker's --wrap (fault.h). test-worker-list-storm is the bounded
# storm; MPSSED_STRESS_ITERATIONS runs both longer.
POLLER_TEST_LIBS = src/poller/libpoller.la $(URCU_LIBS)
POLLER_TEST_HARNESS = tests/poller/harness.h tests/poller/harness.c

check_PROGRAMS += tests/poller/test-worker-list
TESTS += tests/poller/test-worker-list
tests_poller_test_worker_list_SOURCES = tests/poller/test-worker-list.c \
	tests/poller/fault.h tests/poller/fault.c $(POLLER_TEST_HARNESS)
tests_poller_test_worker_list_CFLAGS = $(TEST_CFLAGS)
tests_poller_test_worker_list_LDFLAGS = -Wl,--wrap=calloc -Wl,--wrap=pthread_create
tests_poller_test_worker_list_LDADD = $(POLLER_TEST_LIBS)

check_PROGRAMS += tests/poller/test-worker-list-storm
TESTS += tests/poller/test-worker-list-storm
tests_poller_test_worker_list_storm_SOURCES = tests/poller/test-worker-list-storm.c \
	$(POLLER_TEST_HARNESS)
tests_poller_test_worker_list_storm_CFLAGS = $(TEST_CFLAGS)
tests_poller_test_worker_list_storm_LDADD = $(POLLER_TEST_LIBS)
