// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "fault.h"

void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);
int __real_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
			  void *arg);
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
			  void *arg);

static __thread bool fail_calloc;
static __thread int fail_thread;

void fault_fail_next_calloc(void)
{
	fail_calloc = true;
}

void fault_fail_next_thread(int err)
{
	fail_thread = err;
}

void *__wrap_calloc(size_t n, size_t size)
{
	if (fail_calloc) {
		fail_calloc = false;
		errno = ENOMEM;
		return NULL;
	}
	return __real_calloc(n, size);
}

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *),
			  void *arg)
{
	int err = fail_thread;

	if (err) {
		fail_thread = 0;
		return err;
	}
	return __real_pthread_create(t, attr, fn, arg);
}
