# SPDX-License-Identifier: GPL-2.0-or-later
#
# Pure event logic: request validation, edge detection with debounce, the
# per-request event queue and line-info change records. No I/O, no threads.
noinst_LTLIBRARIES += src/events/libevents.la
src_events_libevents_la_SOURCES = \
	src/events/linecfg.h \
	src/events/linecfg.c \
	src/events/edge.h \
	src/events/edge.c \
	src/events/queue.h \
	src/events/queue.c \
	src/events/lineinfo.h \
	src/events/lineinfo.c
