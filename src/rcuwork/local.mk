# SPDX-License-Identifier: GPL-2.0-or-later
noinst_LTLIBRARIES += src/rcuwork/librcuwork.la
src_rcuwork_librcuwork_la_SOURCES = \
	src/rcuwork/rcuwork.h \
	src/rcuwork/rcuwork.c
src_rcuwork_librcuwork_la_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
src_rcuwork_librcuwork_la_LIBADD = src/common/libcommon.la
EXTRA_DIST += doc/rcu.md
