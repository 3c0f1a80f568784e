# SPDX-License-Identifier: GPL-2.0-or-later
#
# The chip emulator, tested as a host sees it.
EMU_TESTS = \
	tests/emu/test-emu \
	tests/emu/test-emu-mpsse \
	tests/emu/test-emu-pins \
	tests/emu/test-emu-faults
check_PROGRAMS += $(EMU_TESTS)
TESTS += $(EMU_TESTS)

EMU_TEST_INCLUDES = $(AM_CPPFLAGS) -I$(top_srcdir)/tests
EMU_TEST_DEPS = src/emu/libemu.la

tests_emu_test_emu_SOURCES = tests/emu/test-emu.c tests/emu/helpers.h
tests_emu_test_emu_CPPFLAGS = $(EMU_TEST_INCLUDES)
tests_emu_test_emu_LDADD = $(EMU_TEST_DEPS)

tests_emu_test_emu_mpsse_SOURCES = tests/emu/test-emu-mpsse.c tests/emu/helpers.h
tests_emu_test_emu_mpsse_CPPFLAGS = $(EMU_TEST_INCLUDES)
tests_emu_test_emu_mpsse_LDADD = $(EMU_TEST_DEPS)

tests_emu_test_emu_pins_SOURCES = tests/emu/test-emu-pins.c tests/emu/helpers.h
tests_emu_test_emu_pins_CPPFLAGS = $(EMU_TEST_INCLUDES)
tests_emu_test_emu_pins_LDADD = $(EMU_TEST_DEPS)

tests_emu_test_emu_faults_SOURCES = tests/emu/test-emu-faults.c tests/emu/helpers.h
tests_emu_test_emu_faults_CPPFLAGS = $(EMU_TEST_INCLUDES)
tests_emu_test_emu_faults_LDADD = $(EMU_TEST_DEPS)
