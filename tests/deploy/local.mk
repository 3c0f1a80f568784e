# SPDX-License-Identifier: GPL-2.0-or-later
#
# Deployment: the systemd units as systemd reads them, and what
# `make install DESTDIR=...` puts where (run from the build directory, so
# it also runs inside `make distcheck` with distcheck's prefix).
TESTS += \
	tests/deploy/test-systemd-units.sh \
	tests/deploy/test-install.sh
EXTRA_DIST += \
	tests/deploy/test-systemd-units.sh \
	tests/deploy/test-install.sh
