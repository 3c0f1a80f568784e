#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fetch-kernel.sh CACHE SUITE: downloads SUITE's linux-image-amd64 (the
# kernel it currently points at) and the guest packages of the VM tier
# into CACHE/SUITE with apt-get download and a private apt state, and
# unpacks them under CACHE/SUITE/root. No version is pinned: the kernel
# version is read from what was unpacked. The archive URI is the one this
# machine's own apt uses. Prints the kernel version; exit 1 with the
# reason on stderr when it cannot be had. Reuses a complete earlier fetch.
set -eu
cache=$1 suite=$2
dir=$cache/$suite
# Guest tools from the same suite: libgpiod 2.x's gpiomon for scenario 4,
# with the C library they were built against.
guest_pkgs="gpiod libgpiod3 libc6"

if [ -f "$dir/complete" ]; then
	cat "$dir/complete"
	exit 0
fi

archive_uri() {
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# The first stanza whose suites are not the security archive's.
		awk '/^URIs:/ { uri = $2 } /^Suites:/ && $0 !~ /-security/ && uri { print uri; exit }' "$f"
	done | head -n 1
	[ -f /etc/apt/sources.list ] &&
		awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; exit } }' \
			/etc/apt/sources.list | head -n 1
}
uri=$(archive_uri | head -n 1)
[ -n "$uri" ] || { echo "no Debian archive URI in /etc/apt/sources.list*" >&2; exit 1; }

rm -rf "$dir"
mkdir -p "$dir/state/lists/partial" "$dir/apt-cache/archives/partial" "$dir/debs" "$dir/root"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$dir/debian.sources" <<SRC
Types: deb
URIs: $uri
Suites: $suite
Components: main
Signed-By: $keyring
SRC
apt() {
	"$@" -q -o Dir::State="$dir/state" -o Dir::State::status=/dev/null -o Dir::Cache="$dir/apt-cache" \
		-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::Etc::sourcelist="$dir/debian.sources" -o APT::Architecture=amd64 \
		-o Debug::NoLocking=1
}
apt apt-get update >"$dir/update.log" 2>&1 || { echo "apt-get update of $suite failed: $(tail -n 2 "$dir/update.log" | tr '\n' ' ')" >&2; exit 1; }
# linux-image-amd64 is a metapackage: one of its dependencies is the kernel.
image=$(apt apt-cache show linux-image-amd64 2>/dev/null | sed -n 's/^Depends: //p' | head -n 1 |
	tr ',' '\n' | sed -n 's/^ *\(linux-image-[^ ]*\).*/\1/p' | head -n 1)
[ -n "$image" ] || { echo "no linux-image-amd64 in $suite" >&2; exit 1; }
# Newer kernels split the image into -binary- (vmlinuz) and -modules- packages.
parts=$(apt apt-cache show "$image" 2>/dev/null | sed -n 's/^Depends: //p' | head -n 1 |
	tr ',|' '\n\n' | sed -n 's/^ *\(linux-\(binary\|modules\)-[^ ]*\).*/\1/p')
(cd "$dir/debs" && apt apt-get download "$image" $parts >"$dir/download.log" 2>&1) ||
	{ echo "apt-get download $image failed: $(tail -n 2 "$dir/download.log" | tr '\n' ' ')" >&2; exit 1; }
# Optional: a suite without them still gives a kernel.
(cd "$dir/debs" && apt apt-get download $guest_pkgs >>"$dir/download.log" 2>&1) || true
for deb in "$dir"/debs/*.deb; do
	dpkg-deb -x "$deb" "$dir/root"
done
# Older packages ship boot/vmlinuz-V and lib/modules/V; merged-/usr ones
# usr/lib/modules/V with its vmlinuz inside.
for mods in "$dir"/root/lib/modules/* "$dir"/root/usr/lib/modules/*; do
	[ -d "$mods/kernel" ] || continue
	version=${mods##*/}
	for k in "$dir/root/boot/vmlinuz-$version" "$mods/vmlinuz"; do
		[ -f "$k" ] && kernel=$k
	done
done
[ -n "${kernel:-}" ] || { echo "$image unpacked without a kernel and modules" >&2; exit 1; }
echo "$kernel" >"$dir/vmlinuz"
echo "$mods" >"$dir/modules"
echo "$version" >"$dir/complete"
echo "$version"
