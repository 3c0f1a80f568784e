# SPDX-License-Identifier: GPL-2.0-or-later
#
# The libgpiod drop-in (compat/gpiod). test-tools runs Debian's unmodified
# libgpiod 2.1 tools through it, test-abi a program built against Debian's
# real libgpiod, test-symbols compares the exports with the real library's.
# All fetch those packages (common.sh) and skip without network.
TESTS += \
	tests/compat/test-symbols.sh \
	tests/compat/test-abi.sh \
	tests/compat/test-tools.sh
EXTRA_DIST += \
	tests/compat/common.sh \
	tests/compat/gpiod-program.c \
	tests/compat/test-symbols.sh \
	tests/compat/test-abi.sh \
	tests/compat/test-tools.sh

# The unpacked Debian packages, kept between runs of make check.
clean-local: clean-libgpiod-bpo
clean-libgpiod-bpo:
	rm -rf tests/compat/libgpiod-bpo
.PHONY: clean-libgpiod-bpo
