# SPDX-License-Identifier: GPL-2.0-or-later
#
# Benchmarks are programs that print `bench: <name> <value> <unit>` lines
# with their baseline measured in the same run; `make bench` runs them all.
# Each adds itself with: noinst_PROGRAMS += bench/x and BENCHMARKS += bench/x
