#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the VM tier's initramfs: mounts what usbfs, udev and libusb
# need, loads the modules in dependency order (/vm/modules), starts
# systemd-udevd, runs the scenarios with their TAP on the second serial
# port (the first carries the kernel's console) and powers off.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mkdir -p /proc /sys /dev /run /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
exec 3>/dev/ttyS1
echo "# guest: init after $(cut -d' ' -f1 /proc/uptime) s of guest uptime, kernel $(uname -r)" >&3
while read -r mod; do
	insmod "/lib/modules/$mod.ko" || echo "# guest: insmod $mod failed" >&3
done </vm/modules
mkdir -p /run/udev
udevd=$(ls /usr/lib/systemd/systemd-udevd /lib/systemd/systemd-udevd 2>/dev/null | head -n 1)
if [ -n "$udevd" ] && "$udevd" --daemon 2>/tmp/udevd.log; then
	echo "# guest: systemd-udevd started" >&3
else
	echo "# guest: systemd-udevd did not start: $(cat /tmp/udevd.log)" >&3
fi
sh /vm/scenarios.sh >&3 2>/tmp/scenarios.err
echo "# guest: scenarios exited $?; stderr:" >&3
sed 's/^/#   /' /tmp/scenarios.err | tail -n 30 >&3
echo "# guest: done" >&3
sync
poweroff -f
