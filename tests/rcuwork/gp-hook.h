/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test-only view into grace periods. gp-hook.c defines
 * urcu_memb_synchronize_rcu() in the test program itself, so every grace
 * period the program asks for (including rcuwork's GP thread) goes through
 * it; it counts them, forwards to liburcu's definition (dlsym RTLD_NEXT),
 * and can be told to skip the wait to build negative controls.
 *
 * Threads: all functions may be called from any thread at any time.
 */
#ifndef MPSSED_TESTS_RCUWORK_GP_HOOK_H
#define MPSSED_TESTS_RCUWORK_GP_HOOK_H

#include <stdbool.h>

/* Grace periods requested so far. */
unsigned long gp_hook_calls(void);
/* Grace periods in progress right now: callers blocked in liburcu. */
unsigned long gp_hook_waiting(void);
/* While true, synchronize_rcu() returns at once: a deliberately broken RCU. */
void gp_hook_break(bool broken);

#endif
