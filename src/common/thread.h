/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Starting the daemon's helper threads. Signals belong to the main loop
 * (signalfd), so every other thread starts with all of them blocked,
 * whatever the mask of the thread that starts it (liburcu and our threads
 * would otherwise inherit it: facts.md §9).
 *
 * Threads and locks: callable from any thread; takes no lock.
 */
#ifndef MPSSED_COMMON_THREAD_H
#define MPSSED_COMMON_THREAD_H

#include <pthread.h>

/* pthread_create() with every signal blocked in the new thread; 0 or -errno. */
int thread_start_unsignaled(pthread_t *thread, void *(*fn)(void *), void *arg);

#endif
