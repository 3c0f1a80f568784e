# SPDX-License-Identifier: GPL-2.0-or-later
#
# config: the parser from memory (every error class at its line), the
# shipped example, matching and the access rules.
check_PROGRAMS += tests/config/test-config
TESTS += tests/config/test-config
tests_config_test_config_SOURCES = tests/config/test-config.c
tests_config_test_config_CFLAGS = $(TEST_CFLAGS)
tests_config_test_config_LDADD = src/config/libconfig.la
