# SPDX-License-Identifier: GPL-2.0-or-later
#
# events: request validation, edge detection and debounce, the SPSC event
# queue (with a real producer and consumer thread), line-info records.
EVENTS_TESTS = \
	tests/events/test-linecfg \
	tests/events/test-edge \
	tests/events/test-queue \
	tests/events/test-lineinfo
check_PROGRAMS += $(EVENTS_TESTS)
TESTS += $(EVENTS_TESTS)

tests_events_test_linecfg_SOURCES = tests/events/test-linecfg.c
tests_events_test_linecfg_LDADD = src/events/libevents.la
tests_events_test_edge_SOURCES = tests/events/test-edge.c
tests_events_test_edge_LDADD = src/events/libevents.la
tests_events_test_queue_SOURCES = tests/events/test-queue.c
tests_events_test_queue_LDADD = src/events/libevents.la
tests_events_test_lineinfo_SOURCES = tests/events/test-lineinfo.c
tests_events_test_lineinfo_LDADD = src/events/libevents.la
