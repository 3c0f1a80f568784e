# SPDX-License-Identifier: GPL-2.0-or-later
#
# device: the device layer against emulated chips. test-device covers the
# API a client uses (requests, values, line info, watchers, edge events);
# test-device-unplug unplug and replug (teardown once, persistent requests
# restored); test-device-faults the device's answer faults, stalls and
# awkward unplugs (issue #9); test-device-storm is the bounded hotplug storm of issue #4
# (MPSSED_STRESS_SECONDS runs it longer).
DEVICE_TEST_LIBS = src/device/libdevice.la $(URCU_LIBS)

check_PROGRAMS += tests/device/test-device
TESTS += tests/device/test-device
tests_device_test_device_SOURCES = tests/device/test-device.c tests/device/helpers.h
tests_device_test_device_CFLAGS = $(TEST_CFLAGS)
tests_device_test_device_LDADD = $(DEVICE_TEST_LIBS)

check_PROGRAMS += tests/device/test-device-unplug
TESTS += tests/device/test-device-unplug
tests_device_test_device_unplug_SOURCES = tests/device/test-device-unplug.c tests/device/helpers.h
tests_device_test_device_unplug_CFLAGS = $(TEST_CFLAGS)
tests_device_test_device_unplug_LDADD = $(DEVICE_TEST_LIBS)

check_PROGRAMS += tests/device/test-device-faults
TESTS += tests/device/test-device-faults
tests_device_test_device_faults_SOURCES = tests/device/test-device-faults.c tests/device/helpers.h
tests_device_test_device_faults_CFLAGS = $(TEST_CFLAGS)
tests_device_test_device_faults_LDADD = $(DEVICE_TEST_LIBS)
# Its captured log (stderr), replayed to stderr at the end of a run.
CLEANFILES += test-device-faults.stderr

check_PROGRAMS += tests/device/test-device-storm
TESTS += tests/device/test-device-storm
tests_device_test_device_storm_SOURCES = tests/device/test-device-storm.c tests/device/helpers.h
tests_device_test_device_storm_CFLAGS = $(TEST_CFLAGS)
tests_device_test_device_storm_LDADD = $(DEVICE_TEST_LIBS)

check_PROGRAMS += tests/device/test-device-paced
TESTS += tests/device/test-device-paced
tests_device_test_device_paced_SOURCES = tests/device/test-device-paced.c tests/device/helpers.h
tests_device_test_device_paced_CFLAGS = $(TEST_CFLAGS)
tests_device_test_device_paced_LDADD = $(DEVICE_TEST_LIBS)

# The USB source through the real libusb and libftdi1 (umockdev tier).
if HAVE_UMOCKDEV
check_PROGRAMS += tests/device/test-device-usb
TESTS += tests/device/test-device-usb
tests_device_test_device_usb_SOURCES = tests/device/test-device-usb.c tests/device/helpers.h
tests_device_test_device_usb_CFLAGS = $(UMD_COMPILE_FLAGS)
tests_device_test_device_usb_LDADD = tests/umockdev/libumd.la $(DEVICE_TEST_LIBS)
tests_device_test_device_usb_LDFLAGS = $(UMD_LINK_FLAGS)
endif
