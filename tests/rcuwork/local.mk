# SPDX-License-Identifier: GPL-2.0-or-later
#
# rcuwork: the deferred-free core. gp-hook.c interposes
# urcu_memb_synchronize_rcu() to count (or break) grace periods.
RCUWORK_TEST_LIBS = src/rcuwork/librcuwork.la $(URCU_LIBS)
EXTRA_DIST += tests/rcuwork/util.h tests/rcuwork/gp-hook.h

check_PROGRAMS += tests/rcuwork/test-rcuwork-grace
TESTS += tests/rcuwork/test-rcuwork-grace
tests_rcuwork_test_rcuwork_grace_SOURCES = \
	tests/rcuwork/test-rcuwork-grace.c tests/rcuwork/gp-hook.c
tests_rcuwork_test_rcuwork_grace_CFLAGS = $(TEST_CFLAGS)
tests_rcuwork_test_rcuwork_grace_LDADD = $(RCUWORK_TEST_LIBS)

check_PROGRAMS += tests/rcuwork/test-rcuwork-context
TESTS += tests/rcuwork/test-rcuwork-context
tests_rcuwork_test_rcuwork_context_SOURCES = tests/rcuwork/test-rcuwork-context.c
tests_rcuwork_test_rcuwork_context_CFLAGS = $(TEST_CFLAGS)
tests_rcuwork_test_rcuwork_context_LDADD = $(RCUWORK_TEST_LIBS)

check_PROGRAMS += tests/rcuwork/test-rcuwork-drain
TESTS += tests/rcuwork/test-rcuwork-drain
tests_rcuwork_test_rcuwork_drain_SOURCES = tests/rcuwork/test-rcuwork-drain.c
tests_rcuwork_test_rcuwork_drain_CFLAGS = $(TEST_CFLAGS)
tests_rcuwork_test_rcuwork_drain_LDADD = $(RCUWORK_TEST_LIBS)

check_PROGRAMS += tests/rcuwork/test-rcuwork-errors
TESTS += tests/rcuwork/test-rcuwork-errors
tests_rcuwork_test_rcuwork_errors_SOURCES = tests/rcuwork/test-rcuwork-errors.c
tests_rcuwork_test_rcuwork_errors_CFLAGS = $(TEST_CFLAGS)
tests_rcuwork_test_rcuwork_errors_LDADD = $(RCUWORK_TEST_LIBS)

# The sanitizer recipe of common/rcu.h, proven on a helper run in a fresh
# process (skipped in builds without TSan or ASan).
check_PROGRAMS += tests/rcuwork/test-rcu-sanitizer tests/rcuwork/rcu-sanitizer-helper
TESTS += tests/rcuwork/test-rcu-sanitizer
tests_rcuwork_test_rcu_sanitizer_SOURCES = tests/rcuwork/test-rcu-sanitizer.c
tests_rcuwork_test_rcu_sanitizer_CFLAGS = $(TEST_CFLAGS)
tests_rcuwork_rcu_sanitizer_helper_SOURCES = \
	tests/rcuwork/rcu-sanitizer-helper.c tests/rcuwork/gp-hook.c
tests_rcuwork_rcu_sanitizer_helper_CFLAGS = $(TEST_CFLAGS)
tests_rcuwork_rcu_sanitizer_helper_LDADD = $(RCUWORK_TEST_LIBS)
