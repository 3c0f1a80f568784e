# SPDX-License-Identifier: GPL-2.0-or-later
#
# transport: the emu backend against the real emulator, and the one
# libusb/libftdi -> errno mapping. The ftdi backend and USB discovery are
# exercised through umockdev in tests/umockdev.
TRANSPORT_TEST_LIBS = src/transport/libtransport.la

check_PROGRAMS += tests/transport/test-transport-emu
TESTS += tests/transport/test-transport-emu
tests_transport_test_transport_emu_SOURCES = tests/transport/test-transport-emu.c
tests_transport_test_transport_emu_CFLAGS = $(TEST_CFLAGS)
tests_transport_test_transport_emu_LDADD = $(TRANSPORT_TEST_LIBS)

check_PROGRAMS += tests/transport/test-usb-errno
TESTS += tests/transport/test-usb-errno
tests_transport_test_usb_errno_SOURCES = tests/transport/test-usb-errno.c
tests_transport_test_usb_errno_CFLAGS = $(TEST_CFLAGS) $(LIBUSB_CFLAGS)
tests_transport_test_usb_errno_LDADD = $(TRANSPORT_TEST_LIBS)
