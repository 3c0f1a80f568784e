# SPDX-License-Identifier: GPL-2.0-or-later
#
# The USB/IP front-end, tested in-process against a socketpair (no VM).
USBIP_TESTS = tests/usbip/test-usbip
check_PROGRAMS += $(USBIP_TESTS)
TESTS += $(USBIP_TESTS)

tests_usbip_test_usbip_SOURCES = tests/usbip/test-usbip.c
tests_usbip_test_usbip_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests
tests_usbip_test_usbip_LDADD = src/usbip/libusbip.la
