# SPDX-License-Identifier: GPL-2.0-or-later
#
# The umockdev tier: the real libusb and libftdi1 against emulated chips
# served as Linux usbfs devices (tests/umockdev/README.md). Each program
# re-executes itself under umockdev-wrapper.
EXTRA_DIST += tests/umockdev/README.md

if HAVE_UMOCKDEV
check_LTLIBRARIES += tests/umockdev/libumd.la
tests_umockdev_libumd_la_SOURCES = \
	tests/umockdev/poll-watch.h \
	tests/umockdev/poll-watch.c \
	tests/umockdev/usbfs-emu.h \
	tests/umockdev/usbfs-emu.c \
	tests/umockdev/umd.h \
	tests/umockdev/umd.c
tests_umockdev_libumd_la_CFLAGS = $(TEST_CFLAGS) $(UMOCKDEV_CFLAGS) $(LIBFTDI_CFLAGS) \
	$(LIBUSB_CFLAGS)
# The emulator comes with each program: the transport's library has it too.
tests_umockdev_libumd_la_LIBADD = $(UMOCKDEV_LIBS) $(LIBFTDI_LIBS) $(LIBUSB_LIBS)

UMD_COMPILE_FLAGS = $(TEST_CFLAGS) $(LIBFTDI_CFLAGS) $(LIBUSB_CFLAGS)
UMD_LIBS = tests/umockdev/libumd.la src/emu/libemu.la
# poll() and ppoll() of poll-watch.c must win over libc's for every
# library; TSan must find the tier's suppressions (umd.c).
UMD_LINK_FLAGS = $(AM_LDFLAGS) -Wl,--export-dynamic-symbol=poll \
	-Wl,--export-dynamic-symbol=ppoll \
	-Wl,--export-dynamic-symbol=__tsan_default_suppressions

UMD_TESTS = \
	tests/umockdev/usbfs \
	tests/umockdev/enumerate \
	tests/umockdev/hotplug \
	tests/umockdev/transport
check_PROGRAMS += $(UMD_TESTS)
TESTS += $(UMD_TESTS)

tests_umockdev_usbfs_SOURCES = tests/umockdev/usbfs.c
tests_umockdev_usbfs_CFLAGS = $(UMD_COMPILE_FLAGS)
tests_umockdev_usbfs_LDADD = $(UMD_LIBS)
tests_umockdev_usbfs_LDFLAGS = $(UMD_LINK_FLAGS)

tests_umockdev_enumerate_SOURCES = tests/umockdev/enumerate.c
tests_umockdev_enumerate_CFLAGS = $(UMD_COMPILE_FLAGS)
tests_umockdev_enumerate_LDADD = $(UMD_LIBS)
tests_umockdev_enumerate_LDFLAGS = $(UMD_LINK_FLAGS)

tests_umockdev_hotplug_SOURCES = tests/umockdev/hotplug.c
tests_umockdev_hotplug_CFLAGS = $(UMD_COMPILE_FLAGS)
tests_umockdev_hotplug_LDADD = $(UMD_LIBS)
tests_umockdev_hotplug_LDFLAGS = $(UMD_LINK_FLAGS)

tests_umockdev_transport_SOURCES = tests/umockdev/transport.c
tests_umockdev_transport_CFLAGS = $(UMD_COMPILE_FLAGS)
tests_umockdev_transport_LDADD = tests/umockdev/libumd.la src/transport/libtransport.la
tests_umockdev_transport_LDFLAGS = $(UMD_LINK_FLAGS)
endif
