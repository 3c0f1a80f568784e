# SPDX-License-Identifier: LGPL-2.1-or-later
#
# libmpssed: the client library (libgpiod v2's grammar over the daemon's
# sockets). One file per public object; conn.c is the socket underneath.
# Built with hidden visibility: only the _public_ functions, listed by the
# version script, leave it.
lib_LTLIBRARIES += lib/libmpssed.la
include_HEADERS = include/mpssed.h
# The objects' sources, shared with the libgpiod drop-in (compat/gpiod).
LIBMPSSED_OBJECT_SOURCES = \
	lib/internal.h \
	lib/conn.c \
	lib/misc.c \
	lib/chip.c \
	lib/chip-info.c \
	lib/line-info.c \
	lib/info-event.c \
	lib/line-settings.c \
	lib/line-config.c \
	lib/request-config.c \
	lib/line-request.c \
	lib/edge-event.c
lib_libmpssed_la_SOURCES = $(LIBMPSSED_OBJECT_SOURCES) lib/ctl.c
lib_libmpssed_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
# The library's ABI version (current:revision:age), not the package's.
lib_libmpssed_la_LDFLAGS = $(AM_LDFLAGS) -version-info 0:0:0 \
	-Wl,--version-script=$(srcdir)/lib/libmpssed.sym
lib_libmpssed_la_LIBADD = src/protocol/libprotocol.la
EXTRA_lib_libmpssed_la_DEPENDENCIES = lib/libmpssed.sym

pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = lib/libmpssed.pc

dist_man_MANS = man/libmpssed.3
EXTRA_DIST += lib/libmpssed.sym lib/libmpssed.pc.in
