# SPDX-License-Identifier: GPL-2.0-or-later
#
# Benchmarks are programs that print `bench: <name> <value> <unit>` lines
# with their baseline measured in the same run; `make bench` runs them all.
# Each adds itself with: noinst_PROGRAMS += bench/x and BENCHMARKS += bench/x

# rcuwork: retiring 10,000 objects, rcuwork vs synchronize_rcu() per object.
noinst_PROGRAMS += bench/bench-rcuwork
BENCHMARKS += bench/bench-rcuwork
bench_bench_rcuwork_SOURCES = bench/bench-rcuwork.c
bench_bench_rcuwork_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
bench_bench_rcuwork_LDADD = src/rcuwork/librcuwork.la $(URCU_LIBS)

# events: edge detection per sample and the event queue per event.
noinst_PROGRAMS += bench/bench-events
BENCHMARKS += bench/bench-events
bench_bench_events_LDADD = src/events/libevents.la

# What the device-layer benchmarks below share: an emulated FT232H rig,
# clocks, percentiles, CPU time.
noinst_LTLIBRARIES += bench/librig.la
bench_librig_la_SOURCES = bench/rig.h bench/rig.c
bench_librig_la_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)

# device: sample rates (1 and 4 reads in flight, against a synchronous
# loop), edge latency, unplug teardown and replug readiness, emulator timing on.
noinst_PROGRAMS += bench/bench-device
BENCHMARKS += bench/bench-device
bench_bench_device_SOURCES = bench/bench-device.c
bench_bench_device_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
bench_bench_device_LDADD = bench/librig.la src/device/libdevice.la $(URCU_LIBS)

noinst_PROGRAMS += bench/bench-poller
BENCHMARKS += bench/bench-poller

# mpssed's sampler against a kernel-style one (facts.md §5) on the same
# emulated device: edge latency and the shortest pulse seen, with ratios.
noinst_PROGRAMS += bench/bench-vs-kernel
BENCHMARKS += bench/bench-vs-kernel
bench_bench_vs_kernel_SOURCES = bench/bench-vs-kernel.c
bench_bench_vs_kernel_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
bench_bench_vs_kernel_LDADD = bench/librig.la src/device/libdevice.la $(URCU_LIBS)

# Idle sampling CPU, fan-out to 16 clients, sample jitter while clients
# churn: through the device layer, emulator timing on.
noinst_PROGRAMS += bench/bench-efficiency
BENCHMARKS += bench/bench-efficiency
bench_bench_efficiency_SOURCES = bench/bench-efficiency.c
bench_bench_efficiency_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
bench_bench_efficiency_LDADD = bench/librig.la src/device/libdevice.la $(URCU_LIBS)

# Paced (precision) against latency sampling on an emulated FT232H: samples
# per second, narrowest pulse seen, timestamp error, ratios (doc/sampling.md).
noinst_PROGRAMS += bench/bench-paced
BENCHMARKS += bench/bench-paced
bench_bench_paced_SOURCES = bench/bench-paced.c
bench_bench_paced_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
bench_bench_paced_LDADD = src/device/libdevice.la $(URCU_LIBS)
