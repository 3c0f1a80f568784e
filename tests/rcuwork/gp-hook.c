// SPDX-License-Identifier: GPL-2.0-or-later
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "common/rcu.h"
#include "gp-hook.h"

static void (*real_synchronize)(void);
static pthread_once_t real_once = PTHREAD_ONCE_INIT;
static unsigned long calls;   /* ATOMIC */
static unsigned long waiting; /* ATOMIC */
static bool broken;	      /* ATOMIC */

static void find_real(void)
{
	real_synchronize = (void (*)(void))dlsym(RTLD_NEXT, "urcu_memb_synchronize_rcu");
	if (!real_synchronize) {
		fprintf(stderr, "gp-hook: no urcu_memb_synchronize_rcu after the program\n");
		abort();
	}
}

/* liburcu's symbol, defined again here: callers in this program get this one. */
void urcu_memb_synchronize_rcu(void)
{
	pthread_once(&real_once, find_real);
	__atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&broken, __ATOMIC_SEQ_CST))
		return;
	__atomic_add_fetch(&waiting, 1, __ATOMIC_SEQ_CST);
	real_synchronize();
	__atomic_sub_fetch(&waiting, 1, __ATOMIC_SEQ_CST);
}

unsigned long gp_hook_calls(void)
{
	return __atomic_load_n(&calls, __ATOMIC_SEQ_CST);
}

unsigned long gp_hook_waiting(void)
{
	return __atomic_load_n(&waiting, __ATOMIC_SEQ_CST);
}

void gp_hook_break(bool value)
{
	__atomic_store_n(&broken, value, __ATOMIC_SEQ_CST);
}
