# SPDX-License-Identifier: GPL-2.0-or-later
check_PROGRAMS += tests/chip/test-chipdb
TESTS += tests/chip/test-chipdb
tests_chip_test_chipdb_SOURCES = tests/chip/test-chipdb.c
tests_chip_test_chipdb_CFLAGS = $(TEST_CFLAGS)
tests_chip_test_chipdb_LDADD = src/chip/libchip.la

# The chip model against the in-process emulator (libtransport brings libemu).
check_PROGRAMS += tests/chip/test-chip
TESTS += tests/chip/test-chip
tests_chip_test_chip_SOURCES = tests/chip/test-chip.c
tests_chip_test_chip_CFLAGS = $(TEST_CFLAGS)
tests_chip_test_chip_LDADD = src/chip/libchip.la src/transport/libtransport.la

# udev/60-mpssed.rules lists exactly the database's VID:PIDs.
check_PROGRAMS += tests/chip/test-udev-rules
TESTS += tests/chip/test-udev-rules
tests_chip_test_udev_rules_SOURCES = tests/chip/test-udev-rules.c
tests_chip_test_udev_rules_CFLAGS = $(TEST_CFLAGS)
tests_chip_test_udev_rules_LDADD = src/chip/libchip.la
