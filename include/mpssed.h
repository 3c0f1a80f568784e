/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmpssed: the client library of mpssed, the GPIO daemon for FTDI MPSSE
 * chips. Its grammar and data model are libgpiod 2.x's: a chip is opened,
 * lines are requested from it with a line config and a request config, the
 * request reads and sets values and delivers edge events into a buffer the
 * caller owns. Underneath, every object talks to the daemon over a local
 * socket instead of a GPIO character device.
 *
 * Objects and their verbs:
 *  - struct mpssed_chip: _open/_close. A chip socket of the daemon.
 *  - struct mpssed_line_request: made by mpssed_chip_request_lines(),
 *    ended by mpssed_line_request_release(). It holds its own socket, so it
 *    outlives the chip it came from.
 *  - struct mpssed_ctl: _open/_close. The daemon's control socket (chip
 *    list, counters, emulator control).
 *  - Everything else is plain data: _new/_free (or returned by a getter
 *    and freed by the caller, as each function says).
 *
 * Ownership: a function returning a pointer says who frees it. Borrowed
 * pointers (names, an event inside a buffer, the line info inside an info
 * event) live as long as the object they came from, until it is freed or
 * (for a buffer) refilled. Every destructor accepts NULL.
 *
 * Errors: functions return -1, NULL or MPSSED_LINE_VALUE_ERROR and set
 * errno. Errors the daemon reports arrive with the daemon's errno, which
 * follows the kernel's GPIO uAPI: EINVAL (bad request or config), EBUSY
 * (line already requested), EPERM (setting a line that is not an output),
 * ENODEV (the device is gone), ENOENT (no such chip or line name). When the
 * daemon closes a request socket (device unplugged, daemon stopped) the
 * request reports ENODEV; a closed chip or control socket reports
 * ECONNRESET.
 *
 * Waiting: every object with a _get_fd() gives a file descriptor to poll
 * for POLLIN (never read it: use the matching _read function). Events that
 * arrive while a call waits for its reply (edge events on a request, line
 * info changes on a chip) are queued inside the object, never lost, and
 * that descriptor stays readable while any are queued. The queue holds up
 * to 1024 events; beyond that the oldest is dropped, as the kernel's
 * queue does (a drop shows as a seqno gap).
 *
 * Threads: objects are not thread-safe. Different objects may be used from
 * different threads at the same time (a request and its chip included);
 * one object must not be used by two threads at once without the caller's
 * own locking. The library starts no threads, installs no signal handlers
 * (sends use MSG_NOSIGNAL) and prints nothing.
 *
 * Sockets: a chip is named by a path to its socket or by a bare name
 * resolved in the runtime directory: $MPSSED_RUNTIME_DIR, or /run/mpssed.
 */
#ifndef MPSSED_H
#define MPSSED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mpssed_chip;
struct mpssed_chip_info;
struct mpssed_line_info;
struct mpssed_info_event;
struct mpssed_line_settings;
struct mpssed_line_config;
struct mpssed_request_config;
struct mpssed_line_request;
struct mpssed_edge_event;
struct mpssed_edge_event_buffer;
struct mpssed_ctl;
struct mpssed_ctl_chip_list;
struct mpssed_ctl_chip_stats;

/* Enums start at 1 so that 0 is never a silent default. */

/* Logical line values (active-low applied). */
enum mpssed_line_value {
	MPSSED_LINE_VALUE_ERROR = -1,
	MPSSED_LINE_VALUE_INACTIVE = 0,
	MPSSED_LINE_VALUE_ACTIVE = 1,
};

enum mpssed_line_direction {
	MPSSED_LINE_DIRECTION_AS_IS = 1,	/* request only: leave it */
	MPSSED_LINE_DIRECTION_INPUT,
	MPSSED_LINE_DIRECTION_OUTPUT,
};

enum mpssed_line_edge {
	MPSSED_LINE_EDGE_NONE = 1,
	MPSSED_LINE_EDGE_RISING,
	MPSSED_LINE_EDGE_FALLING,
	MPSSED_LINE_EDGE_BOTH,
};

enum mpssed_line_bias {
	MPSSED_LINE_BIAS_AS_IS = 1,		/* request only: leave it */
	MPSSED_LINE_BIAS_UNKNOWN,		/* line info only */
	MPSSED_LINE_BIAS_DISABLED,
	MPSSED_LINE_BIAS_PULL_UP,
	MPSSED_LINE_BIAS_PULL_DOWN,
};

enum mpssed_line_drive {
	MPSSED_LINE_DRIVE_PUSH_PULL = 1,
	MPSSED_LINE_DRIVE_OPEN_DRAIN,
	MPSSED_LINE_DRIVE_OPEN_SOURCE,
};

enum mpssed_line_clock {
	MPSSED_LINE_CLOCK_MONOTONIC = 1,
	MPSSED_LINE_CLOCK_REALTIME,
	MPSSED_LINE_CLOCK_HTE,
};

enum mpssed_info_event_type {
	MPSSED_INFO_EVENT_LINE_REQUESTED = 1,
	MPSSED_INFO_EVENT_LINE_RELEASED,
	MPSSED_INFO_EVENT_LINE_CONFIG_CHANGED,
};

enum mpssed_edge_event_type {
	MPSSED_EDGE_EVENT_RISING_EDGE = 1,
	MPSSED_EDGE_EVENT_FALLING_EDGE,
};

/* The library's version, e.g. "0.1.0". Static storage. */
const char *mpssed_api_version(void);

/* --- Chips ------------------------------------------------------------------ */

/*
 * Connect to a chip: path_or_name is a path to a chip socket (it contains
 * a '/') or a chip name looked up in the runtime directory. Returns a chip
 * to close with mpssed_chip_close(), or NULL: ENOENT (no such socket),
 * ECONNREFUSED (no daemon behind it), ENOTTY (not a chip socket),
 * EPROTONOSUPPORT (the daemon speaks another protocol version).
 */
struct mpssed_chip *mpssed_chip_open(const char *path_or_name);
/* Closes the chip's socket; its line watches end. Requests stay. Accepts NULL. */
void mpssed_chip_close(struct mpssed_chip *chip);
/* The path the chip was opened with (as resolved). Lives as long as the chip. */
const char *mpssed_chip_get_path(struct mpssed_chip *chip);

/* Chip name, label and number of lines. Free with mpssed_chip_info_free(). */
struct mpssed_chip_info *mpssed_chip_get_info(struct mpssed_chip *chip);
/* Info about one line (EINVAL for an offset beyond the chip). Free with mpssed_line_info_free(). */
struct mpssed_line_info *mpssed_chip_get_line_info(struct mpssed_chip *chip, unsigned int offset);

/*
 * Start reporting changes of one line's info (requested, released,
 * reconfigured) as info events; returns its current info (free it with
 * mpssed_line_info_free()). Watching a watched line fails with EBUSY.
 */
struct mpssed_line_info *mpssed_chip_watch_line_info(struct mpssed_chip *chip, unsigned int offset);
/* Stop watching; EBUSY if the line was not watched. Returns 0 or -1. */
int mpssed_chip_unwatch_line_info(struct mpssed_chip *chip, unsigned int offset);

/*
 * A file descriptor that polls readable (POLLIN) while an info event can
 * be read, or the daemon closed the connection. Owned by the chip; do not
 * read from it or close it.
 */
int mpssed_chip_get_fd(struct mpssed_chip *chip);
/*
 * Wait up to timeout_ns (negative: forever, 0: just check) for an info
 * event. Returns 1 when one can be read (or the connection ended: reading
 * then reports why), 0 on timeout, -1 on error (EINTR on a signal).
 */
int mpssed_chip_wait_info_event(struct mpssed_chip *chip, int64_t timeout_ns);
/*
 * The oldest info event, waiting for one if none is queued. Free it with
 * mpssed_info_event_free().
 */
struct mpssed_info_event *mpssed_chip_read_info_event(struct mpssed_chip *chip);

/* The offset of the first line with that name, or -1 with errno ENOENT. */
int mpssed_chip_get_line_offset_from_name(struct mpssed_chip *chip, const char *name);

/*
 * Request lines: the lines of line_cfg, in the order they were added to it,
 * configured as it says; req_cfg may be NULL (no consumer name, default
 * event buffer size, not persistent). Returns a request to release with
 * mpssed_line_request_release(), or NULL (EBUSY: a line is held; EINVAL:
 * invalid config; E2BIG: more distinct settings than a request carries).
 */
struct mpssed_line_request *mpssed_chip_request_lines(struct mpssed_chip *chip,
						      struct mpssed_request_config *req_cfg,
						      struct mpssed_line_config *line_cfg);

/* --- Chip info ---------------------------------------------------------------- */

void mpssed_chip_info_free(struct mpssed_chip_info *info);
/* Borrowed strings: they live as long as info. */
const char *mpssed_chip_info_get_name(struct mpssed_chip_info *info);
const char *mpssed_chip_info_get_label(struct mpssed_chip_info *info);
size_t mpssed_chip_info_get_num_lines(struct mpssed_chip_info *info);

/* --- Line info ------------------------------------------------------------------ */

void mpssed_line_info_free(struct mpssed_line_info *info);
/* A copy to free with mpssed_line_info_free(), or NULL (ENOMEM). */
struct mpssed_line_info *mpssed_line_info_copy(struct mpssed_line_info *info);
unsigned int mpssed_line_info_get_offset(struct mpssed_line_info *info);
/* NULL for an unnamed line. Borrowed: lives as long as info. */
const char *mpssed_line_info_get_name(struct mpssed_line_info *info);
bool mpssed_line_info_is_used(struct mpssed_line_info *info);
/* NULL when no consumer name is set. Borrowed: lives as long as info. */
const char *mpssed_line_info_get_consumer(struct mpssed_line_info *info);
enum mpssed_line_direction mpssed_line_info_get_direction(struct mpssed_line_info *info);
bool mpssed_line_info_is_active_low(struct mpssed_line_info *info);
enum mpssed_line_bias mpssed_line_info_get_bias(struct mpssed_line_info *info);
enum mpssed_line_drive mpssed_line_info_get_drive(struct mpssed_line_info *info);
enum mpssed_line_edge mpssed_line_info_get_edge_detection(struct mpssed_line_info *info);
enum mpssed_line_clock mpssed_line_info_get_event_clock(struct mpssed_line_info *info);
bool mpssed_line_info_is_debounced(struct mpssed_line_info *info);
unsigned long mpssed_line_info_get_debounce_period_us(struct mpssed_line_info *info);

/* --- Info events ------------------------------------------------------------------- */

void mpssed_info_event_free(struct mpssed_info_event *event);
enum mpssed_info_event_type mpssed_info_event_get_event_type(struct mpssed_info_event *event);
/* CLOCK_MONOTONIC, when the daemon saw the change. */
uint64_t mpssed_info_event_get_timestamp_ns(struct mpssed_info_event *event);
/* The line's info after the change. Borrowed: lives as long as event. */
struct mpssed_line_info *mpssed_info_event_get_line_info(struct mpssed_info_event *event);

/* --- Line settings -------------------------------------------------------------------- */

/*
 * One set of line settings. Defaults: direction as-is, no edge detection,
 * bias as-is, push-pull, active-high, no debounce, monotonic clock, output
 * value inactive. Setters fail with EINVAL for a value outside the enum.
 * Edge detection implies input when the settings are turned into a request.
 */
struct mpssed_line_settings *mpssed_line_settings_new(void);
void mpssed_line_settings_free(struct mpssed_line_settings *settings);
void mpssed_line_settings_reset(struct mpssed_line_settings *settings);
struct mpssed_line_settings *mpssed_line_settings_copy(struct mpssed_line_settings *settings);

int mpssed_line_settings_set_direction(struct mpssed_line_settings *settings,
				       enum mpssed_line_direction direction);
enum mpssed_line_direction mpssed_line_settings_get_direction(struct mpssed_line_settings *settings);
int mpssed_line_settings_set_edge_detection(struct mpssed_line_settings *settings,
					    enum mpssed_line_edge edge);
enum mpssed_line_edge mpssed_line_settings_get_edge_detection(struct mpssed_line_settings *settings);
int mpssed_line_settings_set_bias(struct mpssed_line_settings *settings, enum mpssed_line_bias bias);
enum mpssed_line_bias mpssed_line_settings_get_bias(struct mpssed_line_settings *settings);
int mpssed_line_settings_set_drive(struct mpssed_line_settings *settings, enum mpssed_line_drive drive);
enum mpssed_line_drive mpssed_line_settings_get_drive(struct mpssed_line_settings *settings);
void mpssed_line_settings_set_active_low(struct mpssed_line_settings *settings, bool active_low);
bool mpssed_line_settings_get_active_low(struct mpssed_line_settings *settings);
void mpssed_line_settings_set_debounce_period_us(struct mpssed_line_settings *settings,
						 unsigned long period);
unsigned long mpssed_line_settings_get_debounce_period_us(struct mpssed_line_settings *settings);
int mpssed_line_settings_set_event_clock(struct mpssed_line_settings *settings,
					 enum mpssed_line_clock event_clock);
enum mpssed_line_clock mpssed_line_settings_get_event_clock(struct mpssed_line_settings *settings);
int mpssed_line_settings_set_output_value(struct mpssed_line_settings *settings,
					  enum mpssed_line_value value);
enum mpssed_line_value mpssed_line_settings_get_output_value(struct mpssed_line_settings *settings);

/* --- Line config ----------------------------------------------------------------------- */

/*
 * Which lines a request holds (up to 64) and the settings of each. Lines
 * keep the order in which they were first added; that order is the
 * request's order, by which values are indexed.
 */
struct mpssed_line_config *mpssed_line_config_new(void);
void mpssed_line_config_free(struct mpssed_line_config *config);
void mpssed_line_config_reset(struct mpssed_line_config *config);
/*
 * Give the lines settings (copied; NULL means the defaults). A line added
 * again gets the new settings and keeps its place. E2BIG beyond 64 lines.
 */
int mpssed_line_config_add_line_settings(struct mpssed_line_config *config,
					 const unsigned int *offsets, size_t num_offsets,
					 struct mpssed_line_settings *settings);
/* A copy of one line's settings (free it), or NULL with ENOENT. */
struct mpssed_line_settings *mpssed_line_config_get_line_settings(struct mpssed_line_config *config,
								  unsigned int offset);
/* Output values of the first num_values lines, in the config's order; EINVAL if too many. */
int mpssed_line_config_set_output_values(struct mpssed_line_config *config,
					 const enum mpssed_line_value *values, size_t num_values);
size_t mpssed_line_config_get_num_configured_offsets(struct mpssed_line_config *config);
/* Copies up to max_offsets offsets, in order; returns how many. */
size_t mpssed_line_config_get_configured_offsets(struct mpssed_line_config *config,
						 unsigned int *offsets, size_t max_offsets);

/* --- Request config ------------------------------------------------------------------------ */

struct mpssed_request_config *mpssed_request_config_new(void);
void mpssed_request_config_free(struct mpssed_request_config *config);
/* Copied and cut to 31 bytes, as the kernel does; NULL clears it. */
void mpssed_request_config_set_consumer(struct mpssed_request_config *config, const char *consumer);
/* NULL when unset. Borrowed: lives until the config changes or is freed. */
const char *mpssed_request_config_get_consumer(struct mpssed_request_config *config);
/* Events the daemon queues for the request (0: 16 per line; at most 1024). */
void mpssed_request_config_set_event_buffer_size(struct mpssed_request_config *config,
						 size_t event_buffer_size);
size_t mpssed_request_config_get_event_buffer_size(struct mpssed_request_config *config);
/*
 * A persistent request survives unplug: its lines keep their configuration
 * and outputs their values while the device is away and get them back when
 * it returns; the request socket stays open. Calls made while the device is
 * away fail with ENODEV. Off by default: then unplug ends the request.
 */
void mpssed_request_config_set_persist(struct mpssed_request_config *config, bool persist);
bool mpssed_request_config_get_persist(struct mpssed_request_config *config);

/* --- Line requests ---------------------------------------------------------------------------- */

/* Release the lines and free the request. Accepts NULL. */
void mpssed_line_request_release(struct mpssed_line_request *request);
/* The chip's name. Borrowed: lives as long as the request. */
const char *mpssed_line_request_get_chip_name(struct mpssed_line_request *request);
size_t mpssed_line_request_get_num_requested_lines(struct mpssed_line_request *request);
/* Copies up to max_offsets offsets in request order; returns how many. */
size_t mpssed_line_request_get_requested_offsets(struct mpssed_line_request *request,
						 unsigned int *offsets, size_t max_offsets);

/*
 * Values are logical (active-low applied). Offsets are chip offsets of
 * requested lines (EINVAL otherwise); arrays of values are indexed like the
 * offsets passed with them, or in request order for _get_values() and
 * _set_values(). Setting a line that is not an output fails with EPERM.
 */
enum mpssed_line_value mpssed_line_request_get_value(struct mpssed_line_request *request,
						     unsigned int offset);
int mpssed_line_request_get_values_subset(struct mpssed_line_request *request, size_t num_values,
					  const unsigned int *offsets,
					  enum mpssed_line_value *values);
int mpssed_line_request_get_values(struct mpssed_line_request *request,
				   enum mpssed_line_value *values);
int mpssed_line_request_set_value(struct mpssed_line_request *request, unsigned int offset,
				  enum mpssed_line_value value);
int mpssed_line_request_set_values_subset(struct mpssed_line_request *request, size_t num_values,
					  const unsigned int *offsets,
					  const enum mpssed_line_value *values);
int mpssed_line_request_set_values(struct mpssed_line_request *request,
				   const enum mpssed_line_value *values);
/* New settings for the requested lines: config must hold exactly those lines (EINVAL). */
int mpssed_line_request_reconfigure_lines(struct mpssed_line_request *request,
					  struct mpssed_line_config *config);

/*
 * A file descriptor that polls readable (POLLIN) while an edge event can
 * be read or the request has ended (then reading reports ENODEV). Owned by
 * the request; do not read from it or close it.
 */
int mpssed_line_request_get_fd(struct mpssed_line_request *request);
/* As mpssed_chip_wait_info_event(), for edge events. */
int mpssed_line_request_wait_edge_events(struct mpssed_line_request *request, int64_t timeout_ns);
/*
 * Read up to max_events (at most the buffer's capacity) edge events into
 * buffer, replacing what it held; waits for the first one if none is
 * queued. Returns how many, or -1 (ENODEV once the device is gone and every
 * event sent before that was read).
 */
int mpssed_line_request_read_edge_events(struct mpssed_line_request *request,
					 struct mpssed_edge_event_buffer *buffer, size_t max_events);

/* --- Edge events ------------------------------------------------------------------------------- */

void mpssed_edge_event_free(struct mpssed_edge_event *event);
/* A copy to free with mpssed_edge_event_free() (events in a buffer belong to it). */
struct mpssed_edge_event *mpssed_edge_event_copy(struct mpssed_edge_event *event);
enum mpssed_edge_event_type mpssed_edge_event_get_event_type(struct mpssed_edge_event *event);
/* CLOCK_MONOTONIC, or CLOCK_REALTIME when the line's settings ask for it. */
uint64_t mpssed_edge_event_get_timestamp_ns(struct mpssed_edge_event *event);
unsigned int mpssed_edge_event_get_line_offset(struct mpssed_edge_event *event);
/* Per request and per line, both from 1; a gap means events were dropped. */
unsigned long mpssed_edge_event_get_global_seqno(struct mpssed_edge_event *event);
unsigned long mpssed_edge_event_get_line_seqno(struct mpssed_edge_event *event);

/* Room for capacity events (0: 64; at most 1024). Free with mpssed_edge_event_buffer_free(). */
struct mpssed_edge_event_buffer *mpssed_edge_event_buffer_new(size_t capacity);
size_t mpssed_edge_event_buffer_get_capacity(struct mpssed_edge_event_buffer *buffer);
void mpssed_edge_event_buffer_free(struct mpssed_edge_event_buffer *buffer);
/* Borrowed: valid until the buffer is refilled or freed. NULL + EINVAL past the end. */
struct mpssed_edge_event *mpssed_edge_event_buffer_get_event(struct mpssed_edge_event_buffer *buffer,
							      unsigned long index);
size_t mpssed_edge_event_buffer_get_num_events(struct mpssed_edge_event_buffer *buffer);

/* --- The control socket ----------------------------------------------------------------------- */

/*
 * Connect to the daemon's control socket in runtime_dir (NULL:
 * $MPSSED_RUNTIME_DIR, or /run/mpssed). Close with mpssed_ctl_close().
 */
struct mpssed_ctl *mpssed_ctl_open(const char *runtime_dir);
void mpssed_ctl_close(struct mpssed_ctl *ctl);

/*
 * Every chip the daemon knows, unplugged ones included, in the order they
 * first appeared. Free with mpssed_ctl_chip_list_free(). Getters take an
 * index below the count; strings are borrowed from the list.
 */
struct mpssed_ctl_chip_list *mpssed_ctl_list_chips(struct mpssed_ctl *ctl);
void mpssed_ctl_chip_list_free(struct mpssed_ctl_chip_list *list);
size_t mpssed_ctl_chip_list_get_num_chips(struct mpssed_ctl_chip_list *list);
const char *mpssed_ctl_chip_list_get_name(struct mpssed_ctl_chip_list *list, size_t index);
const char *mpssed_ctl_chip_list_get_label(struct mpssed_ctl_chip_list *list, size_t index);
size_t mpssed_ctl_chip_list_get_num_lines(struct mpssed_ctl_chip_list *list, size_t index);
bool mpssed_ctl_chip_list_is_present(struct mpssed_ctl_chip_list *list, size_t index);
bool mpssed_ctl_chip_list_is_emulated(struct mpssed_ctl_chip_list *list, size_t index);

/* A snapshot of one chip's counters (ENOENT: no such chip). Free with mpssed_ctl_chip_stats_free(). */
struct mpssed_ctl_chip_stats *mpssed_ctl_get_chip_stats(struct mpssed_ctl *ctl, const char *chip);
void mpssed_ctl_chip_stats_free(struct mpssed_ctl_chip_stats *stats);
/* Samples taken, and the rate over the last second. */
uint64_t mpssed_ctl_chip_stats_get_samples(struct mpssed_ctl_chip_stats *stats);
double mpssed_ctl_chip_stats_get_sample_rate_hz(struct mpssed_ctl_chip_stats *stats);
uint64_t mpssed_ctl_chip_stats_get_sample_interval_ns(struct mpssed_ctl_chip_stats *stats);
/* Round trip of one sample: median and 99th percentile. */
unsigned int mpssed_ctl_chip_stats_get_rtt_p50_us(struct mpssed_ctl_chip_stats *stats);
unsigned int mpssed_ctl_chip_stats_get_rtt_p99_us(struct mpssed_ctl_chip_stats *stats);
/* Edge events generated and dropped, over the chip's open requests. */
uint64_t mpssed_ctl_chip_stats_get_events(struct mpssed_ctl_chip_stats *stats);
uint64_t mpssed_ctl_chip_stats_get_dropped(struct mpssed_ctl_chip_stats *stats);
unsigned int mpssed_ctl_chip_stats_get_num_requests(struct mpssed_ctl_chip_stats *stats);
uint64_t mpssed_ctl_chip_stats_get_unplugs(struct mpssed_ctl_chip_stats *stats);
uint64_t mpssed_ctl_chip_stats_get_replugs(struct mpssed_ctl_chip_stats *stats);
/* Deferred frees (teardown after unplug) not yet run, daemon-wide. */
uint64_t mpssed_ctl_chip_stats_get_deferred_pending(struct mpssed_ctl_chip_stats *stats);
/* Since the daemon first saw the chip. */
uint64_t mpssed_ctl_chip_stats_get_uptime_ns(struct mpssed_ctl_chip_stats *stats);

/*
 * The emulator's controls, for emulated devices only (EOPNOTSUPP for real
 * hardware; ENOENT for an unknown chip). Unplug and replug act on the whole
 * emulated device. Returns 0 or -1.
 */
int mpssed_ctl_emu_unplug(struct mpssed_ctl *ctl, const char *chip);
int mpssed_ctl_emu_replug(struct mpssed_ctl *ctl, const char *chip);
/* Drive an input from outside the chip (value 0 or 1). */
int mpssed_ctl_emu_set_input(struct mpssed_ctl *ctl, const char *chip, unsigned int offset,
			     int value);
/* Wire an output line to an input line of the same chip, or remove the wire into in_offset. */
int mpssed_ctl_emu_wire(struct mpssed_ctl *ctl, const char *chip, unsigned int out_offset,
			unsigned int in_offset);
int mpssed_ctl_emu_unwire(struct mpssed_ctl *ctl, const char *chip, unsigned int in_offset);
/* A square wave of hz (resolution 1 mHz; 0 stops it) on an input line. */
int mpssed_ctl_emu_square_wave(struct mpssed_ctl *ctl, const char *chip, unsigned int offset,
			       double hz);

#ifdef __cplusplus
}
#endif

#endif
