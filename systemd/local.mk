# SPDX-License-Identifier: GPL-2.0-or-later
#
# systemd: the hardened service, the socket that activates it (the control
# socket) and the sysusers.d entry for its user. The service names
# mpssed's path, so it is made from a template at build time.
if INSTALL_SYSTEMDSYSTEMUNITDIR
systemdsystemunit_DATA = systemd/mpssed.service systemd/mpssed.socket
endif
if INSTALL_SYSUSERSDIR
sysusers_DATA = systemd/sysusers.d/mpssed.conf
endif
EXTRA_DIST += systemd/mpssed.service.in systemd/mpssed.socket systemd/sysusers.d/mpssed.conf
CLEANFILES += systemd/mpssed.service

systemd/mpssed.service: systemd/mpssed.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' $(srcdir)/systemd/mpssed.service.in >$@.tmp && \
	mv $@.tmp $@
