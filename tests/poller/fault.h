/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Allocation and thread-creation failures on demand, for programs linked
 * with -Wl,--wrap=calloc -Wl,--wrap=pthread_create: every call goes to the
 * real function unless the calling thread armed a failure for its next
 * one. Per thread, so the failure hits the call the test makes and not a
 * poller or queue thread's.
 */
#ifndef MPSSED_TESTS_POLLER_FAULT_H
#define MPSSED_TESTS_POLLER_FAULT_H

/* This thread's next calloc() returns NULL with errno ENOMEM. */
void fault_fail_next_calloc(void);
/* This thread's next pthread_create() returns err. */
void fault_fail_next_thread(int err);

#endif
