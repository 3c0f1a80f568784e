# SPDX-License-Identifier: GPL-2.0-or-later
noinst_LTLIBRARIES += src/poller/libpoller.la
src_poller_libpoller_la_SOURCES = \
	src/poller/worker-list.h \
	src/poller/worker-list.c
src_poller_libpoller_la_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
src_poller_libpoller_la_LIBADD = src/rcuwork/librcuwork.la src/common/libcommon.la

# The poller's benchmark (bench/local.mk lists it): does a poller stall
# while writers churn other devices' sets?
bench_bench_poller_SOURCES = bench/bench-poller.c
bench_bench_poller_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
bench_bench_poller_LDADD = src/poller/libpoller.la $(URCU_LIBS)
