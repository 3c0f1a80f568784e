# SPDX-License-Identifier: GPL-2.0-or-later
#
# USB/IP front-end for the emulator: the exporting side of the protocol, so
# a kernel's vhci-hcd enumerates an emulated chip (the VM test tier).
noinst_LTLIBRARIES += src/usbip/libusbip.la
src_usbip_libusbip_la_SOURCES = \
	src/usbip/usbip.h \
	src/usbip/codec.c \
	src/usbip/link.c \
	src/usbip/vhci.c
src_usbip_libusbip_la_LIBADD = src/emu/libemu.la src/common/libcommon.la
