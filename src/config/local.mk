# SPDX-License-Identifier: GPL-2.0-or-later
#
# The configuration file (mpssed.conf(5)) and --emulate's SPEC: pure
# parsers from memory; the daemon applies what they return.
noinst_LTLIBRARIES += src/config/libconfig.la
src_config_libconfig_la_SOURCES = \
	src/config/config.h \
	src/config/config.c \
	src/config/emuspec.h \
	src/config/emuspec.c
src_config_libconfig_la_CFLAGS = $(AM_CFLAGS) $(INIH_CFLAGS)
src_config_libconfig_la_LIBADD = \
	src/emu/libemu.la \
	src/chip/libchip.la \
	src/protocol/libprotocol.la \
	src/common/libcommon.la \
	$(INIH_LIBS)

dist_man5_MANS = man/mpssed.conf.5
dist_doc_DATA = doc/mpssed.conf.example
