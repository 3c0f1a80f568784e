# SPDX-License-Identifier: GPL-2.0-or-later
#
# udev rules: the daemon's group may open every supported chip's usbfs
# node. Installed to udev's rules directory (configure: --with-udevrulesdir,
# "no" to leave them out).
if INSTALL_UDEVRULESDIR
udevrules_DATA = udev/60-mpssed.rules
endif
EXTRA_DIST += udev/60-mpssed.rules
