# SPDX-License-Identifier: GPL-2.0-or-later
#
# The MPSSE protocol: pure builders and parsers, no I/O.
noinst_LTLIBRARIES += src/mpsse/libmpsse.la
src_mpsse_libmpsse_la_SOURCES = \
	src/mpsse/mpsse.h \
	src/mpsse/mpsse.c
