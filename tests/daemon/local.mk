# SPDX-License-Identifier: GPL-2.0-or-later
#
# The daemon end to end: each test starts the real src/daemon/mpssed on an
# emulated chip with a temporary runtime directory and talks to it with a
# raw client of the wire protocol (tests/daemon/client.c), not the client
# library. The sanitizer options of TESTS_ENVIRONMENT reach the daemon too.
DAEMON_TESTS = \
	tests/daemon/test-daemon-cli \
	tests/daemon/test-daemon-chip \
	tests/daemon/test-daemon-unplug \
	tests/daemon/test-daemon-abuse \
	tests/daemon/test-daemon-events \
	tests/daemon/test-daemon-demo \
	tests/daemon/test-daemon-config
check_PROGRAMS += $(DAEMON_TESTS)
TESTS += $(DAEMON_TESTS)

DAEMON_TEST_SOURCES = tests/daemon/client.h tests/daemon/client.c
DAEMON_TEST_DEPS = src/daemon/mpssed$(EXEEXT)

tests_daemon_test_daemon_chip_SOURCES = tests/daemon/test-daemon-chip.c $(DAEMON_TEST_SOURCES)
tests_daemon_test_daemon_chip_CFLAGS = $(TEST_CFLAGS)
EXTRA_tests_daemon_test_daemon_chip_DEPENDENCIES = $(DAEMON_TEST_DEPS)

tests_daemon_test_daemon_unplug_SOURCES = tests/daemon/test-daemon-unplug.c $(DAEMON_TEST_SOURCES)
tests_daemon_test_daemon_unplug_CFLAGS = $(TEST_CFLAGS)
EXTRA_tests_daemon_test_daemon_unplug_DEPENDENCIES = $(DAEMON_TEST_DEPS)

tests_daemon_test_daemon_abuse_SOURCES = tests/daemon/test-daemon-abuse.c $(DAEMON_TEST_SOURCES)
tests_daemon_test_daemon_abuse_CFLAGS = $(TEST_CFLAGS)
EXTRA_tests_daemon_test_daemon_abuse_DEPENDENCIES = $(DAEMON_TEST_DEPS)

tests_daemon_test_daemon_events_SOURCES = tests/daemon/test-daemon-events.c $(DAEMON_TEST_SOURCES)
tests_daemon_test_daemon_events_CFLAGS = $(TEST_CFLAGS)
EXTRA_tests_daemon_test_daemon_events_DEPENDENCIES = $(DAEMON_TEST_DEPS)

tests_daemon_test_daemon_demo_SOURCES = tests/daemon/test-daemon-demo.c $(DAEMON_TEST_SOURCES)
tests_daemon_test_daemon_demo_CFLAGS = $(TEST_CFLAGS)
EXTRA_tests_daemon_test_daemon_demo_DEPENDENCIES = $(DAEMON_TEST_DEPS)

tests_daemon_test_daemon_cli_SOURCES = tests/daemon/test-daemon-cli.c $(DAEMON_TEST_SOURCES)
tests_daemon_test_daemon_cli_CFLAGS = $(TEST_CFLAGS)
EXTRA_tests_daemon_test_daemon_cli_DEPENDENCIES = $(DAEMON_TEST_DEPS)

tests_daemon_test_daemon_config_SOURCES = tests/daemon/test-daemon-config.c $(DAEMON_TEST_SOURCES)
tests_daemon_test_daemon_config_CFLAGS = $(TEST_CFLAGS)
EXTRA_tests_daemon_test_daemon_config_DEPENDENCIES = $(DAEMON_TEST_DEPS) tools/mpssectl$(EXEEXT)

# Bad clients, stalled clients, unplug storms: longer runs, set by
# MPSSED_STORM_MS, MPSSED_STALL_MS, MPSSED_SOAK_CYCLES (`make soak`).
HEALTH_TEST_SOURCES = $(DAEMON_TEST_SOURCES) tests/daemon/health.h tests/daemon/health.c
HEALTH_TESTS = \
	tests/daemon/test-daemon-storm \
	tests/daemon/test-daemon-stall \
	tests/daemon/test-daemon-soak
check_PROGRAMS += $(HEALTH_TESTS)
TESTS += $(HEALTH_TESTS)

tests_daemon_test_daemon_storm_SOURCES = tests/daemon/test-daemon-storm.c $(HEALTH_TEST_SOURCES)
tests_daemon_test_daemon_storm_CFLAGS = $(TEST_CFLAGS)
EXTRA_tests_daemon_test_daemon_storm_DEPENDENCIES = $(DAEMON_TEST_DEPS)
tests_daemon_test_daemon_storm_LDADD = src/protocol/libprotocol.la

tests_daemon_test_daemon_stall_SOURCES = tests/daemon/test-daemon-stall.c $(HEALTH_TEST_SOURCES)
tests_daemon_test_daemon_stall_CFLAGS = $(TEST_CFLAGS)
EXTRA_tests_daemon_test_daemon_stall_DEPENDENCIES = $(DAEMON_TEST_DEPS)

tests_daemon_test_daemon_soak_SOURCES = tests/daemon/test-daemon-soak.c $(HEALTH_TEST_SOURCES)
tests_daemon_test_daemon_soak_CFLAGS = $(TEST_CFLAGS)
EXTRA_tests_daemon_test_daemon_soak_DEPENDENCIES = $(DAEMON_TEST_DEPS)

# The long runs: thousands of unplug cycles, a ten-minute stall, a minute of storm.
SOAK_CYCLES = 5000
soak: $(HEALTH_TESTS) $(DAEMON_TEST_DEPS)
	MPSSED_SOAK_CYCLES=$(SOAK_CYCLES) MPSSED_STALL_MS=600000 MPSSED_STORM_MS=60000 \
		$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(HEALTH_TESTS)"
.PHONY: soak
