# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The libgpiod v2 drop-in: libmpssed's object sources compiled again with
# prefix.h renaming their functions to libgpiod's, plus gpiod.c for the
# three that differ. SONAME libgpiod.so.3 like libgpiod 2.1 (libtool
# 4:2:1 gives libgpiod.so.3.1.2, its file name too), installed in a private
# directory so it never shadows the system's libgpiod; mpssed-gpiod runs a
# program with that directory first in LD_LIBRARY_PATH.
gpiodlibdir = $(pkglibdir)/gpiod
gpiodlib_LTLIBRARIES = compat/gpiod/libgpiod.la
compat_gpiod_libgpiod_la_SOURCES = \
	$(LIBMPSSED_OBJECT_SOURCES) \
	compat/gpiod/prefix.h \
	compat/gpiod/gpiod.c
compat_gpiod_libgpiod_la_CPPFLAGS = $(AM_CPPFLAGS) -include $(top_srcdir)/compat/gpiod/prefix.h
compat_gpiod_libgpiod_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
compat_gpiod_libgpiod_la_LDFLAGS = $(AM_LDFLAGS) -version-info 4:2:1 \
	-Wl,--version-script=$(srcdir)/compat/gpiod/libgpiod.sym
compat_gpiod_libgpiod_la_LIBADD = src/protocol/libprotocol.la
EXTRA_compat_gpiod_libgpiod_la_DEPENDENCIES = compat/gpiod/libgpiod.sym

bin_SCRIPTS = compat/gpiod/mpssed-gpiod
CLEANFILES += compat/gpiod/mpssed-gpiod
EXTRA_DIST += compat/gpiod/libgpiod.sym compat/gpiod/mpssed-gpiod.in
dist_man_MANS += man/mpssed-gpiod.1

# Substituted at make time: gpiodlibdir is only final then (make prefix=...).
compat/gpiod/mpssed-gpiod: compat/gpiod/mpssed-gpiod.in Makefile
	$(AM_V_GEN)$(MKDIR_P) compat/gpiod && \
	sed -e 's|[@]gpiodlibdir[@]|$(gpiodlibdir)|g' -e 's|[@]PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g' \
		$(srcdir)/compat/gpiod/mpssed-gpiod.in >$@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@
