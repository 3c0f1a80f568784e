# SPDX-License-Identifier: GPL-2.0-or-later
#
# One conformance suite (conformance.c), built once per transport: emu in
# this process, and ftdi (real libusb + libftdi1) over the umockdev tier.
check_PROGRAMS += tests/conformance/emu
TESTS += tests/conformance/emu
tests_conformance_emu_SOURCES = tests/conformance/conformance.c
tests_conformance_emu_CFLAGS = $(TEST_CFLAGS)
tests_conformance_emu_LDADD = src/chip/libchip.la src/transport/libtransport.la

if HAVE_UMOCKDEV
check_PROGRAMS += tests/conformance/umockdev
TESTS += tests/conformance/umockdev
tests_conformance_umockdev_SOURCES = tests/conformance/conformance.c
tests_conformance_umockdev_CFLAGS = $(UMD_COMPILE_FLAGS) -DCONFORMANCE_UMOCKDEV
tests_conformance_umockdev_LDADD = src/chip/libchip.la tests/umockdev/libumd.la \
	src/transport/libtransport.la
tests_conformance_umockdev_LDFLAGS = $(UMD_LINK_FLAGS)
endif
