# SPDX-License-Identifier: GPL-2.0-or-later
#
# Fuzz targets (see tests/fuzz/fuzz.h). Every target is built twice:
#  - tests/fuzz/replay-<name>: the target with replay.c's main(), a TAP test
#    in every `make check` that replays tests/fuzz/corpus/<name>/;
#  - tests/fuzz/fuzz-<name> (--enable-fuzzing with CC=clang only): the
#    libFuzzer binary that `make fuzz` runs for FUZZ_TIME seconds each.
# A new target NAME: add it to the three lists, copy one block in each
# half below (sources, -DFUZZ_TARGET, libraries), and commit seeds to
# tests/fuzz/corpus/NAME/. (automake needs the program names spelled out.)
FUZZ_TARGETS = mpsse protocol emu config
FUZZ_TIME = 30
FUZZ_REPLAYS = tests/fuzz/replay-mpsse tests/fuzz/replay-protocol tests/fuzz/replay-emu \
	tests/fuzz/replay-config
check_PROGRAMS += $(FUZZ_REPLAYS)
TESTS += $(FUZZ_REPLAYS)
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/run-fuzz tests/fuzz/make-seeds
FUZZ_REPLAY_SOURCES = tests/fuzz/fuzz.h tests/fuzz/replay.c

FUZZ_PROTOCOL_LIBS = \
	src/server/libserver.la \
	src/device/libdevice.la \
	src/emu/libemu.la \
	src/common/libcommon.la \
	$(URCU_LIBS)

tests_fuzz_replay_mpsse_SOURCES = tests/fuzz/fuzz-mpsse.c $(FUZZ_REPLAY_SOURCES)
tests_fuzz_replay_mpsse_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"mpsse"'
tests_fuzz_replay_mpsse_LDADD = src/mpsse/libmpsse.la

tests_fuzz_replay_protocol_SOURCES = tests/fuzz/fuzz-protocol.c $(FUZZ_REPLAY_SOURCES)
tests_fuzz_replay_protocol_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"protocol"'
tests_fuzz_replay_protocol_CFLAGS = $(TEST_CFLAGS)
tests_fuzz_replay_protocol_LDADD = $(FUZZ_PROTOCOL_LIBS)

tests_fuzz_replay_emu_SOURCES = tests/fuzz/fuzz-emu.c $(FUZZ_REPLAY_SOURCES)
tests_fuzz_replay_emu_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"emu"'
tests_fuzz_replay_emu_LDADD = src/emu/libemu.la src/common/libcommon.la

tests_fuzz_replay_config_SOURCES = tests/fuzz/fuzz-config.c $(FUZZ_REPLAY_SOURCES)
tests_fuzz_replay_config_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_TARGET='"config"'
tests_fuzz_replay_config_LDADD = src/config/libconfig.la

if FUZZING
FUZZ_BINARIES = tests/fuzz/fuzz-mpsse tests/fuzz/fuzz-protocol tests/fuzz/fuzz-emu \
	tests/fuzz/fuzz-config
EXTRA_PROGRAMS = $(FUZZ_BINARIES)
CLEANFILES += $(FUZZ_BINARIES)

tests_fuzz_fuzz_mpsse_SOURCES = tests/fuzz/fuzz-mpsse.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_mpsse_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_mpsse_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_mpsse_LDADD = src/mpsse/libmpsse.la

tests_fuzz_fuzz_protocol_SOURCES = tests/fuzz/fuzz-protocol.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_protocol_CFLAGS = $(TEST_CFLAGS)
tests_fuzz_fuzz_protocol_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_protocol_LDADD = $(FUZZ_PROTOCOL_LIBS)

tests_fuzz_fuzz_emu_SOURCES = tests/fuzz/fuzz-emu.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_emu_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_emu_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_emu_LDADD = src/emu/libemu.la src/common/libcommon.la

tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz-config.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_config_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_config_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_config_LDADD = src/config/libconfig.la

# `make fuzz [FUZZ_TIME=600]`: every target for FUZZ_TIME seconds, one TAP
# line each with the executions reached; crashes land in tests/fuzz/crash/.
fuzz: $(FUZZ_BINARIES)
	@FUZZ_TIME=$(FUZZ_TIME) $(SHELL) $(top_srcdir)/tests/fuzz/run-fuzz \
		$(top_srcdir)/tests/fuzz/corpus $(FUZZ_TARGETS)
else
fuzz:
	@echo "make fuzz needs a build configured with --enable-fuzzing CC=clang"; exit 1
endif
.PHONY: fuzz
