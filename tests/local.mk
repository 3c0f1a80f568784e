# SPDX-License-Identifier: GPL-2.0-or-later
#
# Test programs mirror the layers of src/. Each is a TAP program; each
# module's tests are listed in the module's section below.
EXTRA_DIST += tests/tsan.supp tests/lsan.supp tests/run-all tests/tap.sh
noinst_HEADERS = tests/tap.h

TEST_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)

include tests/rcuwork/local.mk
include tests/mpsse/local.mk
include tests/chip/local.mk
include tests/config/local.mk
include tests/emu/local.mk
include tests/usbip/local.mk
include tests/vm/local.mk
include tests/transport/local.mk
include tests/umockdev/local.mk
include tests/conformance/local.mk
include tests/events/local.mk
include tests/poller/local.mk
include tests/device/local.mk
include tests/daemon/local.mk
include tests/client/local.mk
include tests/compat/local.mk
include tests/deploy/local.mk
include tests/fuzz/local.mk
