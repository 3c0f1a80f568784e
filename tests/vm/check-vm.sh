#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The VM tier (make check-vm): boots a Debian kernel under qemu (TCG) with
# an initramfs holding busybox, systemd-udevd, mpssed, mpssectl and
# mpssed-usbip, runs scenarios.sh in the guest against the real kernel USB
# stack and passes its TAP on. Prefers Debian unstable's kernel (it ships
# gpio-mpsse); falls back to the machine's own suite. Skips the whole tier
# with the reason when qemu, busybox or a kernel cannot be had.
#
# MPSSED_VM_CACHE: where downloaded packages are kept between runs
# (default ~/.cache/mpssed-vm). MPSSED_VM_SUITE: use only this suite.
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
here=$top_srcdir/tests/vm
cache=${MPSSED_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mpssed-vm}
work=$top_builddir/tests/vm/work
qemu_timeout=${MPSSED_VM_TIMEOUT:-360}
modules_wanted="usb-common usbcore usbip-core vhci-hcd usbserial ftdi_sio gpio-mpsse"

skip_all() { echo "1..0 # SKIP $*"; exit 0; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
t0=$(now)

for tool in qemu-system-x86_64:qemu-system-x86 cpio:cpio dpkg-deb:dpkg apt-get:apt xz:xz-utils; do
	command -v "${tool%%:*}" >/dev/null 2>&1 || skip_all "${tool%%:*} is not installed (package ${tool#*:})"
done
busybox=$(command -v busybox) || skip_all "busybox is not installed (package busybox-static)"
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' || ! ldd "$busybox" >/dev/null 2>&1 ||
	skip_all "$busybox is not static (package busybox-static)"
udevd=$(ls /usr/lib/systemd/systemd-udevd /lib/systemd/systemd-udevd 2>/dev/null | head -n 1)

# --- the kernel -------------------------------------------------------------
fetch() { sh "$here/fetch-kernel.sh" "$cache" "$1" 2>"$work/fetch-$1.err"; }
rm -rf "$work"
mkdir -p "$work/root" "$cache" || skip_all "cannot create $work or $cache"
own_suite=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)
suite=
for s in ${MPSSED_VM_SUITE:-sid $own_suite}; do
	if version=$(fetch "$s"); then
		suite=$s
		break
	fi
	echo "# kernel from $s: $(cat "$work/fetch-$s.err")"
done
[ -n "$suite" ] || skip_all "no Debian kernel package could be fetched: $(cat "$work"/fetch-*.err | tr '\n' ' ')"
vmlinuz=$(cat "$cache/$suite/vmlinuz")
mods=$(cat "$cache/$suite/modules")
echo "# kernel $version from $suite; fetched in $(elapsed "$t0") s"

# --- the initramfs ------------------------------------------------------------
root=$work/root

# Copies a file to the same path under the initramfs root.
put() {
	mkdir -p "$root$(dirname "$1")"
	cp -L "$1" "$root$1"
}

# A binary as bin/NAME, with every shared library ldd finds for it.
put_binary() { # put_binary PATH [NAME]
	mkdir -p "$root/bin"
	cp -L "$1" "$root/bin/${2:-$(basename "$1")}" || return 1
	LD_LIBRARY_PATH="$top_builddir/lib/.libs" ldd "$1" |
		sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p' |
		while read -r lib; do put "$lib"; done
}

# The uninstalled binary behind a libtool wrapper, if there is one.
real_binary() {
	d=$(dirname "$1")
	if [ -x "$d/.libs/$(basename "$1")" ]; then echo "$d/.libs/$(basename "$1")"; else echo "$1"; fi
}

module_file() { # the module file of NAME (- and _ are the same), or nothing
	find "$mods/kernel" -name "$1.ko*" -o -name "$(echo "$1" | tr _- -_).ko*" | head -n 1
}

unpack_module() { # unpack_module FILE DEST: decompressed, whatever the package used
	case $1 in
	*.ko.xz) xz -dc "$1" >"$2" ;;
	*.ko.zst) zstd -qdc "$1" >"$2" ;;
	*.ko.gz) gzip -dc "$1" >"$2" ;;
	*) cp "$1" "$2" ;;
	esac
}

# Dependencies first (modinfo's depends=, read from the module itself: the
# package ships no modules.dep); built-in ones are left out.
added=" "
add_module() {
	case $added in *" $1 "*) return 0 ;; esac
	f=$(module_file "$1")
	if [ -z "$f" ]; then
		grep -qE "/$1\.ko|/$(echo "$1" | tr _- -_)\.ko" "$mods/modules.builtin" 2>/dev/null ||
			echo "# module $1: not in $suite's kernel"
		return 1
	fi
	unpack_module "$f" "$work/$1.ko" || return 1
	for dep in $(grep -a -o 'depends=[A-Za-z0-9_,-]*' "$work/$1.ko" | head -n 1 | cut -d= -f2 | tr ',' ' '); do
		add_module "$dep"
	done
	mv "$work/$1.ko" "$root/lib/modules/$1.ko"
	echo "$1" >>"$root/vm/modules"
	added="$added$1 "
}

mkdir -p "$root/lib/modules" "$root/vm" "$root/bin"
: >"$root/vm/modules"
have_ftdi_sio=0 have_gpio_mpsse=0
for mod in $modules_wanted; do
	add_module "$mod" || continue
	[ "$mod" = ftdi_sio ] && have_ftdi_sio=1
	[ "$mod" = gpio-mpsse ] && have_gpio_mpsse=1
done
grep -q vhci-hcd "$root/vm/modules" || grep -q vhci "$mods/modules.builtin" 2>/dev/null ||
	skip_all "$suite's kernel $version has no vhci-hcd"
printf 'HAVE_FTDI_SIO=%s\nHAVE_GPIO_MPSSE=%s\nSUITE=%s\n' "$have_ftdi_sio" "$have_gpio_mpsse" "$suite" >"$root/vm/env"

cp "$busybox" "$root/bin/busybox"
cp "$here/guest-init.sh" "$root/init"
cp "$here/scenarios.sh" "$root/vm/scenarios.sh"
chmod +x "$root/init"
put_binary "$top_builddir/src/daemon/mpssed" mpssed || skip_all "mpssed is not built"
put_binary "$(real_binary "$top_builddir/tools/mpssectl")" mpssectl || skip_all "mpssectl is not built"
put_binary "$(real_binary "$top_builddir/tests/vm/mpssed-usbip")" mpssed-usbip || skip_all "mpssed-usbip is not built"
for lib in "$top_builddir"/lib/.libs/libmpssed.so*; do
	[ -e "$lib" ] && cp -P "$lib" "$root/lib/"
done
if [ -n "$udevd" ]; then
	put_binary "$udevd" >/dev/null
	mkdir -p "$root$(dirname "$udevd")"
	mv "$root/bin/systemd-udevd" "$root$udevd"
fi
# The suite's own gpiod tools (libgpiod 2.x: Debian 12's 1.6 speaks the v1
# uAPI, which new kernels do not build) under /sid with the suite's C
# library, run through its own loader; ours keep the machine's.
have_gpiomon=0
suite_root=$cache/$suite/root
suite_libs=/usr/lib/x86_64-linux-gnu
if [ -x "$suite_root/usr/bin/gpiomon" ] && [ -e "$suite_root$suite_libs/ld-linux-x86-64.so.2" ]; then
	mkdir -p "$root/sid/usr/bin" "$root/sid$suite_libs"
	cp -a "$suite_root"/usr/bin/gpio* "$root/sid/usr/bin/"
	cp -a "$suite_root$suite_libs"/*.so* "$root/sid$suite_libs/"
	for tool in gpiodetect gpiomon gpioinfo; do
		printf '#!/bin/sh
exec /sid%s/ld-linux-x86-64.so.2 --library-path /sid%s /sid/usr/bin/%s "$@"
' \
			"$suite_libs" "$suite_libs" "$tool" >"$root/bin/$tool"
		chmod +x "$root/bin/$tool"
	done
	have_gpiomon=1
fi
echo "HAVE_GPIOMON=$have_gpiomon" >>"$root/vm/env"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initramfs.cpio.gz" ||
	skip_all "cpio failed"
echo "# initramfs: $(du -k "$work/initramfs.cpio.gz" | cut -f1) KiB; ready after $(elapsed "$t0") s"

# --- the boot ---------------------------------------------------------------------
boot() {
	: >"$work/results.tap"
	# One TCG thread: multi-threaded TCG sometimes oopsed early in boot here.
	timeout "$qemu_timeout" qemu-system-x86_64 -M q35 -m 1G -smp 2 -accel tcg,thread=single \
		-display none -monitor none -no-reboot \
		-kernel "$vmlinuz" -initrd "$work/initramfs.cpio.gz" \
		-append "console=ttyS0 panic=-1 quiet loglevel=4" \
		-serial "file:$work/console.log" -serial "file:$work/results.tap" \
		>"$work/qemu.log" 2>&1
}
tb=$(now)
boot
if ! grep -q '^# guest: init' "$work/results.tap"; then
	echo "# the guest never reached /init; booting once more"
	tail -n 5 "$work/console.log" | sed 's/^/# console: /'
	tb=$(now)
	boot
fi
boot_s=$(elapsed "$tb")
grep -v '^1\.\.' "$work/results.tap"
last=$(grep -cE '^(not )?ok ' "$work/results.tap")
if ! grep -q '^# guest: done' "$work/results.tap"; then
	last=$((last + 1))
	echo "not ok $last - the guest ran its scenarios to the end (qemu: $(tr '\n' ' ' <"$work/qemu.log"))"
	tail -n 40 "$work/console.log" | sed 's/^/# console: /'
fi
echo "bench: vm_guest_init_uptime_s $(sed -n 's/^# guest: init after \([0-9.]*\) s.*/\1/p' "$work/results.tap") s"
echo "bench: vm_qemu_run_s $boot_s s"
echo "bench: vm_tier_s $(elapsed "$t0") s"
echo "1..$last"
