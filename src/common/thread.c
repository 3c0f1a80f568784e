// SPDX-License-Identifier: GPL-2.0-or-later
#include <signal.h>

#include "common/thread.h"

int thread_start_unsignaled(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	sigset_t all;
	int r;

	sigfillset(&all);
	r = pthread_attr_init(&attr);
	if (r)
		return -r;
	r = pthread_attr_setsigmask_np(&attr, &all);
	if (!r)
		r = pthread_create(thread, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return -r;
}
