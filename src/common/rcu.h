/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one way this tree includes liburcu. Include it before any other
 * <urcu/...> header.
 *
 * Flavour: memb (urcu-memb). Readers need no quiescent-state calls and
 * writers do not sleep in grace periods; see doc/rcu.md for the choice.
 *
 * Rules for every module:
 *  - Every thread that calls rcu_read_lock() registers first with
 *    rcu_register_thread() and unregisters before it exits (a thread that
 *    exits registered makes every later synchronize_rcu() spin forever).
 *  - Never call synchronize_rcu() inside a read-side critical section, nor
 *    while holding a lock that a reader may wait for.
 *  - Memory reachable by readers is freed only after a grace period:
 *    synchronize_rcu() by the writer, or the deferred-free core
 *    (rcuwork/rcuwork.h). This tree does not use call_rcu().
 *
 * ThreadSanitizer builds (MPSSED_TSAN): TSan cannot see the ordering a grace
 * period provides, so every reader's unlock releases one global token and
 * every grace period acquires it; pointer publication, exchange and
 * dereference become C11 atomics. A free without a grace period is still
 * reported, because nothing then acquires the releases of the readers that
 * are still inside their sections. See doc/rcu.md.
 */
#ifndef MPSSED_COMMON_RCU_H
#define MPSSED_COMMON_RCU_H

#ifdef MPSSED_TSAN
/* Read-side calls stay in the library, whose own races are suppressed. */
#define URCU_INLINE_SMALL_FUNCTIONS
#else
/* GPL code may inline liburcu's LGPL fast paths: ~2 ns per read section. */
#define _LGPL_SOURCE
#endif
#define URCU_API_MAP
#include <urcu/urcu-memb.h>

#ifdef MPSSED_TSAN
#include <sanitizer/tsan_interface.h>

extern char mpssed_rcu_tsan_token;

#undef rcu_read_unlock
#define rcu_read_unlock()                                  \
	do {                                               \
		__tsan_release(&mpssed_rcu_tsan_token);    \
		urcu_memb_read_unlock();                   \
	} while (0)

#undef synchronize_rcu
#define synchronize_rcu()                                  \
	do {                                               \
		urcu_memb_synchronize_rcu();               \
		__tsan_acquire(&mpssed_rcu_tsan_token);    \
	} while (0)

/*
 * liburcu 0.13 implements the pointer updates with inline assembly, which
 * TSan does not see at all: every update must be a C11 atomic here.
 */
#undef rcu_assign_pointer
#define rcu_assign_pointer(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)
#undef rcu_set_pointer
#define rcu_set_pointer(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#undef rcu_xchg_pointer
#define rcu_xchg_pointer(p, v) __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#undef rcu_cmpxchg_pointer
#define rcu_cmpxchg_pointer(p, old, _new)                                          \
	({                                                                         \
		__typeof__(*(p)) _rcu_old = (old);                                 \
		__atomic_compare_exchange_n((p), &_rcu_old, (_new), 0,             \
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);   \
		_rcu_old;                                                          \
	})
#undef rcu_dereference
#define rcu_dereference(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#endif /* MPSSED_TSAN */

/* After the overrides, so the list helpers use them. */
#include <urcu/list.h>
#ifdef MPSSED_TSAN
/*
 * liburcu's cds_list_del_rcu() unlinks with a plain store. A reader that
 * steps over the removed node reaches a successor whose initialization it
 * has then not acquired in C11 terms, which TSan reports. Dependency
 * ordering makes the plain store correct on real hardware, so only TSan
 * builds replace it, with a release store that says the same thing.
 */
#define cds_list_del_rcu urcu_plain_cds_list_del_rcu
#include <urcu/rculist.h>
#undef cds_list_del_rcu
static inline void cds_list_del_rcu(struct cds_list_head *elem)
{
	elem->next->prev = elem->prev;
	rcu_set_pointer(&elem->prev->next, elem->next);
}
#else
#include <urcu/rculist.h>
#endif

#endif
