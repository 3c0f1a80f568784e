# SPDX-License-Identifier: GPL-2.0-or-later
#
# The server: the event loop, the daemon's sockets and the protocol's
# operations on top of the device layer.
noinst_LTLIBRARIES += src/server/libserver.la
src_server_libserver_la_SOURCES = \
	src/server/server.h \
	src/server/internal.h \
	src/server/loop.h \
	src/server/loop.c \
	src/server/unixsock.h \
	src/server/unixsock.c \
	src/server/conn.c \
	src/server/server.c \
	src/server/control.c \
	src/server/chipconn.c \
	src/server/reqconn.c
src_server_libserver_la_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
src_server_libserver_la_LIBADD = \
	src/device/libdevice.la \
	src/config/libconfig.la \
	src/protocol/libprotocol.la \
	src/common/libcommon.la
