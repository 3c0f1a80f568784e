// SPDX-License-Identifier: GPL-2.0-or-later
#include "common/rcu.h"

#ifdef MPSSED_TSAN
/* Released by every reader unlock, acquired after every grace period. */
char mpssed_rcu_tsan_token;
#endif
