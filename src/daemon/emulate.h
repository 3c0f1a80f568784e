/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --emulate SPEC (and emulate= in the configuration file): an in-process
 * emulated FTDI device served like a real one, with an optional demo pin
 * world. SPEC's grammar: src/config/emuspec.h.
 *
 * The demo world, on every MPSSE interface: the highest line (ACBUS7, line
 * 15; line 7 on 8-line chips) carries a 2 Hz square wave, and line 0
 * (ADBUS0) is wired to line 4 (ADBUS4), so setting line 0 as an output
 * shows on line 4. world=none drives nothing: every input reads low.
 *
 * Threads and locks: called from main() before the server starts; no
 * shared state.
 */
#ifndef MPSSED_DAEMON_EMULATE_H
#define MPSSED_DAEMON_EMULATE_H

#include "config/emuspec.h"

struct core;
/*
 * Add the device to the core (its chips become ready) and set up its pin
 * world. names (may be NULL) override the spec's name= and name-b= per
 * interface where not NULL. Logs failures.
 */
int emulate_add(struct core *core, const struct emulate_spec *spec, const char *const *names);

#endif
