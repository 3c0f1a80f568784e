# SPDX-License-Identifier: GPL-2.0-or-later
#
# The chip emulator: a pure model (no libusb, no libftdi) that every
# front-end (in-process transport, umockdev usbfs handler, USB/IP server)
# and the daemon's demo mode share.
noinst_LTLIBRARIES += src/emu/libemu.la
src_emu_libemu_la_SOURCES = \
	src/emu/emu.h \
	src/emu/internal.h \
	src/emu/emu.c \
	src/emu/usb.c \
	src/emu/mpsse.c \
	src/emu/pins.c
