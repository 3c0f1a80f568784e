/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers shared by every module: cleanup attributes in the style of
 * dbus-broker (`_cleanup_(x_freep)`, destructors return NULL), container_of,
 * ARRAY_SIZE. Nothing here allocates or locks.
 */
#ifndef MPSSED_COMMON_MACROS_H
#define MPSSED_COMMON_MACROS_H

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(fn) __attribute__((__cleanup__(fn)))
#define _unused_ __attribute__((__unused__))
#define _printf_(a, b) __attribute__((__format__(printf, a, b)))
#define _public_ __attribute__((__visibility__("default")))
#define _likely_(x) __builtin_expect(!!(x), 1)
#define _unlikely_(x) __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(1 ? (ptr) : &((type *)0)->member) - offsetof(type, member)))
#endif

/*
 * DEFINE_CLEANUP(type, fn) makes fn##p(type **) for _cleanup_: it calls
 * fn(*p) when *p is not NULL. fn must accept the pointer and may return
 * anything (destructors here return NULL so callers can write x = x_free(x)).
 */
#define DEFINE_CLEANUP(type, fn)                   \
	static inline void fn##p(type **p)         \
	{                                          \
		if (*p)                            \
			(void)fn(*p);              \
	}

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

/* Steal a pointer out of a cleanup variable: *out = steal_ptr(obj). */
#define steal_ptr(p)                       \
	({                                 \
		__typeof__(p) _tmp = (p); \
		(p) = NULL;                \
		_tmp;                      \
	})

#define steal_fd(fd)               \
	({                         \
		int _tmp = (fd);   \
		(fd) = -1;         \
		_tmp;              \
	})

#endif
