# SPDX-License-Identifier: GPL-2.0-or-later
noinst_LTLIBRARIES += src/common/libcommon.la
src_common_libcommon_la_SOURCES = \
	src/common/macros.h \
	src/common/log.h \
	src/common/log.c \
	src/common/rcu.h \
	src/common/rcu.c \
	src/common/thread.h \
	src/common/thread.c
src_common_libcommon_la_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
src_common_libcommon_la_LIBADD = $(URCU_LIBS)
