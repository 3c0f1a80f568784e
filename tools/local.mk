# SPDX-License-Identifier: GPL-2.0-or-later
#
# mpssectl: libgpiod v2's tools as subcommands (detect, info, get, set,
# mon, notify) plus stats and emu, over libmpssed. One file per command;
# tools-common.c holds what they share. tools/demo is the README's demo.
bin_PROGRAMS += tools/mpssectl
tools_mpssectl_SOURCES = \
	tools/tools-common.h \
	tools/tools-common.c \
	tools/mpssectl.c \
	tools/cmd-detect.c \
	tools/cmd-info.c \
	tools/cmd-get.c \
	tools/cmd-set.c \
	tools/cmd-mon.c \
	tools/cmd-notify.c \
	tools/cmd-stats.c \
	tools/cmd-emu.c
tools_mpssectl_LDADD = lib/libmpssed.la

dist_man_MANS += man/mpssectl.1
EXTRA_DIST += tools/demo
