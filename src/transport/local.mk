# SPDX-License-Identifier: GPL-2.0-or-later
#
# Transport: the backend vtable, the emu and ftdi backends, and USB
# discovery/hotplug. Only ftdi.c and usb.c include <libusb.h>/<ftdi.h>.
noinst_LTLIBRARIES += src/transport/libtransport.la
src_transport_libtransport_la_SOURCES = \
	src/transport/transport.h \
	src/transport/backend.h \
	src/transport/transport.c \
	src/transport/emu.c \
	src/transport/usb.h \
	src/transport/usb-internal.h \
	src/transport/usb.c \
	src/transport/ftdi.c
src_transport_libtransport_la_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS) $(LIBUSB_CFLAGS) $(LIBFTDI_CFLAGS)
src_transport_libtransport_la_LIBADD = \
	src/emu/libemu.la \
	src/common/libcommon.la \
	$(LIBFTDI_LIBS) \
	$(LIBUSB_LIBS)
