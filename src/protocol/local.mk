# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The socket protocol shared by the server and the client library: the
# wire structs (protocol.h) and the one table of message sizes.
noinst_LTLIBRARIES += src/protocol/libprotocol.la
src_protocol_libprotocol_la_SOURCES = \
	src/protocol/protocol.h \
	src/protocol/protocol.c
