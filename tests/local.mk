# SPDX-License-Identifier: GPL-2.0-or-later
#
# Test programs mirror the layers of src/. Each is a TAP program linked
# against the core library.
EXTRA_DIST += tests/tsan.supp tests/lsan.supp
TEST_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
TEST_LIBS = src/libmpssed-core.la $(URCU_LIBS)
