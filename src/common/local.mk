# SPDX-License-Identifier: GPL-2.0-or-later
src_libmpssed_core_la_SOURCES += \
	src/common/macros.h \
	src/common/log.h \
	src/common/log.c \
	src/common/rcu.h \
	src/common/rcu.c
