# SPDX-License-Identifier: GPL-2.0-or-later
#
# mpssed itself: options, emulated devices, systemd integration, main().
sbin_PROGRAMS += src/daemon/mpssed
src_daemon_mpssed_SOURCES = \
	src/daemon/options.h \
	src/daemon/options.c \
	src/daemon/emulate.h \
	src/daemon/emulate.c \
	src/daemon/conf.h \
	src/daemon/conf.c \
	src/daemon/systemd.h \
	src/daemon/systemd.c \
	src/daemon/main.c
src_daemon_mpssed_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
src_daemon_mpssed_LDADD = \
	src/server/libserver.la \
	src/config/libconfig.la \
	src/device/libdevice.la \
	src/emu/libemu.la \
	src/common/libcommon.la \
	$(URCU_LIBS)

dist_man8_MANS = man/mpssed.8
EXTRA_DIST += doc/protocol.md
