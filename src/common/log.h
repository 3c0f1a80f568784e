/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's one logging path: leveled lines on stderr (journald adds
 * time and unit). Safe from any thread: each message is written with one
 * write(2), so lines from concurrent threads never interleave. The client
 * library never logs.
 */
#ifndef MPSSED_COMMON_LOG_H
#define MPSSED_COMMON_LOG_H

#include "common/macros.h"

enum log_level {
	LOG_LEVEL_ERROR = 1,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "error", "warning", "info", "debug"; -EINVAL for anything else. */
int log_level_from_string(const char *s);

void log_printf(enum log_level level, const char *fmt, ...) _printf_(2, 3);

#define log_err(...) log_printf(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_printf(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_info(...) log_printf(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_printf(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
