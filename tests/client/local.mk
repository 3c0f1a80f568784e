# SPDX-License-Identifier: GPL-2.0-or-later
#
# The client tier: libmpssed and mpssectl against the real daemon
# (src/daemon/mpssed --emulate ... --no-usb in a fresh runtime directory),
# driven only through the library and the CLI. test-objects needs no
# daemon; test-symbols checks the library's ABI against its header.
check_PROGRAMS += \
	tests/client/test-objects \
	tests/client/test-chip \
	tests/client/test-request \
	tests/client/test-events
TESTS += \
	tests/client/test-objects \
	tests/client/test-chip \
	tests/client/test-request \
	tests/client/test-events \
	tests/client/test-mpssectl.sh \
	tests/client/test-symbols.sh
EXTRA_DIST += \
	tests/client/test-mpssectl.sh \
	tests/client/test-symbols.sh

CLIENT_TEST_SOURCES = tests/client/daemon.h tests/client/daemon.c
CLIENT_TEST_LDADD = lib/libmpssed.la

tests_client_test_objects_SOURCES = tests/client/test-objects.c
tests_client_test_objects_LDADD = $(CLIENT_TEST_LDADD)
tests_client_test_chip_SOURCES = tests/client/test-chip.c $(CLIENT_TEST_SOURCES)
tests_client_test_chip_LDADD = $(CLIENT_TEST_LDADD)
tests_client_test_request_SOURCES = tests/client/test-request.c $(CLIENT_TEST_SOURCES)
tests_client_test_request_LDADD = $(CLIENT_TEST_LDADD)
tests_client_test_events_SOURCES = tests/client/test-events.c $(CLIENT_TEST_SOURCES)
tests_client_test_events_LDADD = $(CLIENT_TEST_LDADD)
