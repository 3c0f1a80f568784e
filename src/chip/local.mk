# SPDX-License-Identifier: GPL-2.0-or-later
#
# The chip database and the chip model. The model uses struct transport
# through its header only: whoever links libchip brings a backend.
noinst_LTLIBRARIES += src/chip/libchip.la
src_chip_libchip_la_SOURCES = \
	src/chip/chipdb.h \
	src/chip/chipdb.c \
	src/chip/chip.h \
	src/chip/chip.c
src_chip_libchip_la_LIBADD = src/mpsse/libmpsse.la src/common/libcommon.la
