# SPDX-License-Identifier: GPL-2.0-or-later
#
# The device layer: registry, device sources (emulator, USB hotplug), bind
# and teardown, the sampler, line requests and watchers. The server's only
# way down to the hardware.
noinst_LTLIBRARIES += src/device/libdevice.la
src_device_libdevice_la_SOURCES = \
	src/device/device.h \
	src/device/internal.h \
	src/device/core.c \
	src/device/emu-source.c \
	src/device/usb-source.c \
	src/device/gpiochip.c \
	src/device/request.c \
	src/device/sampler.c \
	src/device/paced.c
src_device_libdevice_la_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
src_device_libdevice_la_LIBADD = \
	src/poller/libpoller.la \
	src/events/libevents.la \
	src/chip/libchip.la \
	src/transport/libtransport.la \
	src/rcuwork/librcuwork.la \
	src/common/libcommon.la \
	$(URCU_LIBS)
EXTRA_DIST += doc/sampling.md
