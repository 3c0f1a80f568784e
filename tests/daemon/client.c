// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

extern char **environ;

unsigned cl_unsolicited;
static uint32_t next_serial = 1;

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

const char *daemon_binary(void)
{
	static char path[512];
	const char *top = getenv("top_builddir");

	snprintf(path, sizeof(path), "%s/src/daemon/mpssed", top ? top : ".");
	return path;
}

const char *daemon_path(const struct daemon *d, const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", d->dir, name);
	return path;
}

/* --- The daemon's process ---------------------------------------------------------- */

int daemon_prepare(struct daemon *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->dir, sizeof(d->dir), "/tmp/mpssed-test.XXXXXX");
	return mkdtemp(d->dir) ? 0 : -errno;
}

int daemon_spawn(struct daemon *d, bool capture, const char *const *argv, char *const *envp,
		 int fd3)
{
	posix_spawn_file_actions_t fa;
	int r;

	posix_spawn_file_actions_init(&fa);
	if (fd3 >= 0)
		posix_spawn_file_actions_adddup2(&fa, fd3, 3);
	if (capture) {
		snprintf(d->log, sizeof(d->log), "%s.log", d->dir);
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, d->log,
						 O_WRONLY | O_CREAT | O_TRUNC, 0644);
		/* --help and --version must not reach the TAP stream either. */
		posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
	}
	r = posix_spawn(&d->pid, argv[0], &fa, NULL, (char *const *)argv, envp ? envp : environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r) {
		d->pid = 0;
		return -r;
	}
	return 0;
}

static bool daemon_exited(struct daemon *d)
{
	if (d->pid <= 0)
		return true;
	if (waitpid(d->pid, &d->status, WNOHANG) == d->pid) {
		d->pid = 0;
		return true;
	}
	return false;
}

/* Until the control socket answers hello; the daemon may take a while under sanitizers. */
int daemon_wait_ready(struct daemon *d)
{
	uint64_t deadline = now_ms() + START_GUARD_MS;

	while (now_ms() < deadline) {
		int fd = cl_open(daemon_path(d, MPSSED_CONTROL_SOCKET));

		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (daemon_exited(d))
			return -ECHILD;
		sleep_ms(5);
	}
	return -ETIMEDOUT;
}

int daemon_start(struct daemon *d, bool capture, const char *const *args)
{
	const char *argv[32] = { daemon_binary(), "--runtime-dir", NULL, "--no-usb" };
	unsigned n = 4;
	int r;

	r = daemon_prepare(d);
	if (r < 0)
		return r;
	argv[2] = d->dir;
	for (unsigned i = 0; args && args[i] && n < sizeof(argv) / sizeof(argv[0]) - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	r = daemon_spawn(d, capture, argv, NULL, -1);
	if (r == 0)
		r = daemon_wait_ready(d);
	/* A test that gives up must not leave a daemon or a directory behind. */
	if (r < 0)
		daemon_cleanup(d);
	return r;
}

int daemon_wait(struct daemon *d, int timeout_ms)
{
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;

	while (!daemon_exited(d)) {
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		sleep_ms(2);
	}
	return 0;
}

int daemon_stop(struct daemon *d, int timeout_ms)
{
	uint64_t t0 = now_ms();
	int r;

	if (d->pid <= 0)
		return -ECHILD;
	kill(d->pid, SIGTERM);
	r = daemon_wait(d, timeout_ms);
	return r < 0 ? r : (int)(now_ms() - t0);
}

static void remove_dir(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	char path[512];

	if (!dp)
		return;
	while ((e = readdir(dp))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(dp);
	rmdir(dir);
}

void daemon_cleanup(struct daemon *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, &d->status, 0);
		d->pid = 0;
	}
	if (d->dir[0])
		remove_dir(d->dir);
	if (d->log[0])
		unlink(d->log);
}

unsigned daemon_log_count(const struct daemon *d, const char *text)
{
	char buf[65536];
	unsigned count = 0;
	ssize_t n;
	int fd = open(d->log, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return 0;
	buf[n] = '\0';
	for (const char *p = strstr(buf, text); p; p = strstr(p + 1, text))
		count++;
	return count;
}

bool daemon_log_has(const struct daemon *d, const char *text)
{
	return daemon_log_count(d, text) > 0;
}

/* --- Raw client ------------------------------------------------------------------------- */

int cl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

int cl_send_raw(int fd, const void *buf, size_t len, int pass_fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (pass_fd >= 0) {
		struct cmsghdr *cm;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof(control.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &pass_fd, sizeof(int));
	}
	return sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static int wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, timeout_ms);

	if (r < 0)
		return -errno;
	return r == 0 ? -ETIMEDOUT : 0;
}

ssize_t cl_recv_raw(int fd, void *buf, size_t len, int *fd_out, int timeout_ms)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n;
	int r = wait_readable(fd, timeout_ms);

	if (r < 0)
		return r;
	n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		int got;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		memcpy(&got, CMSG_DATA(cm), sizeof(got));
		if (fd_out)
			*fd_out = got;
		else
			close(got);
	}
	return n;
}

int cl_send(int fd, uint16_t opcode, uint32_t serial, const void *payload, size_t len)
{
	uint8_t buf[MPSSED_MSG_MAX];
	struct mpssed_hdr hdr = { .opcode = opcode, .size = (uint16_t)len, .serial = serial };

	memcpy(buf, &hdr, sizeof(hdr));
	if (len)
		memcpy(buf + sizeof(hdr), payload, len);
	return cl_send_raw(fd, buf, sizeof(hdr) + len, -1);
}

int cl_wait_reply(int fd, uint32_t serial, void *reply, size_t reply_len, int *fd_out)
{
	uint64_t deadline = now_ms() + GUARD_MS;

	for (;;) {
		union {
			uint8_t bytes[MPSSED_MSG_MAX];
			uint64_t align;
		} buf;
		struct mpssed_hdr hdr;
		int left = (int)(deadline - now_ms());
		ssize_t n = cl_recv_raw(fd, buf.bytes, sizeof(buf.bytes), fd_out,
					left > 0 ? left : 0);

		if (n == 0)
			return -EPIPE;
		if (n < 0)
			return (int)n;
		if (n == sizeof(struct gpio_v2_line_event) || (size_t)n < sizeof(hdr)) {
			cl_unsolicited++;
			continue;
		}
		memcpy(&hdr, buf.bytes, sizeof(hdr));
		if (hdr.serial != serial) {
			cl_unsolicited++;
			continue;
		}
		if (hdr.opcode == MSG_ERROR && hdr.size == sizeof(struct mpssed_error)) {
			struct mpssed_error e;

			memcpy(&e, buf.bytes + sizeof(hdr), sizeof(e));
			return -e.error;
		}
		if (hdr.opcode != MSG_REPLY || hdr.size != reply_len ||
		    (size_t)n != sizeof(hdr) + reply_len)
			return -EBADMSG;
		if (reply_len)
			memcpy(reply, buf.bytes + sizeof(hdr), reply_len);
		return 0;
	}
}

int cl_call(int fd, uint16_t opcode, const void *req, size_t req_len, void *reply,
	    size_t reply_len, int *fd_out)
{
	uint32_t serial = next_serial++;
	int r = cl_send(fd, opcode, serial, req, req_len);

	return r < 0 ? r : cl_wait_reply(fd, serial, reply, reply_len, fd_out);
}

int cl_hello(int fd, uint32_t major)
{
	struct mpssed_hello in = { .major = major, .minor = 0 }, out;
	int r = cl_call(fd, MSG_HELLO, &in, sizeof(in), &out, sizeof(out), NULL);

	if (r == 0 && (out.major != MPSSED_PROTOCOL_MAJOR || out.minor != MPSSED_PROTOCOL_MINOR))
		return -EPROTO;
	return r;
}

int cl_open(const char *path)
{
	int fd = cl_connect(path), r;

	if (fd < 0)
		return fd;
	r = cl_hello(fd, MPSSED_PROTOCOL_MAJOR);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

int cl_request(int chip_fd, const unsigned *offsets, unsigned n, uint64_t flags,
	       uint32_t mpssed_flags, uint32_t event_buffer_size, int *req_fd)
{
	struct mpssed_request_lines rl = { .flags = mpssed_flags };
	struct mpssed_request_reply rep;
	int r;

	for (unsigned i = 0; i < n; i++)
		rl.request.offsets[i] = offsets[i];
	rl.request.num_lines = n;
	rl.request.config.flags = flags;
	rl.request.event_buffer_size = event_buffer_size;
	snprintf(rl.request.consumer, sizeof(rl.request.consumer), "test");
	*req_fd = -1;
	r = cl_call(chip_fd, MSG_REQUEST_LINES, &rl, sizeof(rl), &rep, sizeof(rep), req_fd);
	if (r == 0 && (*req_fd < 0 || rep.num_lines != n))
		return -EBADMSG;
	return r;
}

int cl_get(int req_fd, uint64_t mask, uint64_t *bits)
{
	struct gpio_v2_line_values in = { .mask = mask }, out;
	int r = cl_call(req_fd, MSG_GET_VALUES, &in, sizeof(in), &out, sizeof(out), NULL);

	if (r == 0)
		*bits = out.bits;
	return r;
}

int cl_set(int req_fd, uint64_t mask, uint64_t bits)
{
	struct gpio_v2_line_values in = { .mask = mask, .bits = bits };

	return cl_call(req_fd, MSG_SET_VALUES, &in, sizeof(in), NULL, 0, NULL);
}

int cl_emu(int ctl_fd, const char *chip, uint32_t op, uint32_t line, uint32_t line2,
	   uint32_t value)
{
	struct mpssed_emu e = { .op = op, .line = line, .line2 = line2, .value = value };

	snprintf(e.chip, sizeof(e.chip), "%s", chip);
	if (op == MPSSED_EMU_WAVE)
		e.millihertz = (uint64_t)value * 1000;
	return cl_call(ctl_fd, MSG_EMU, &e, sizeof(e), NULL, 0, NULL);
}

int cl_chip_stats(int ctl_fd, const char *chip, struct mpssed_chip_stats *st)
{
	struct mpssed_chip_name n = { { 0 } };

	snprintf(n.name, sizeof(n.name), "%s", chip);
	return cl_call(ctl_fd, MSG_CHIP_STATS, &n, sizeof(n), st, sizeof(*st), NULL);
}

int cl_list(int ctl_fd, struct mpssed_chip_list *list)
{
	return cl_call(ctl_fd, MSG_LIST_CHIPS, NULL, 0, list, sizeof(*list), NULL);
}

int cl_wait_samples(int ctl_fd, const char *chip, uint64_t n)
{
	uint64_t deadline = now_ms() + GUARD_MS, first = 0;
	struct mpssed_chip_stats st;
	int r;

	for (bool have_first = false; now_ms() < deadline; sleep_ms(1)) {
		r = cl_chip_stats(ctl_fd, chip, &st);
		if (r < 0)
			return r;
		if (!have_first) {
			first = st.samples;
			have_first = true;
		} else if (st.samples >= first + n) {
			return 0;
		}
	}
	return -ETIMEDOUT;
}

int cl_wait_present(int ctl_fd, const char *chip, bool present)
{
	uint64_t deadline = now_ms() + GUARD_MS;
	struct mpssed_chip_list list;

	for (; now_ms() < deadline; sleep_ms(2)) {
		int r = cl_list(ctl_fd, &list);

		if (r < 0)
			return r;
		for (unsigned i = 0; i < list.count; i++)
			if (!strcmp(list.chips[i].name, chip) && !!list.chips[i].present == present)
				return 0;
	}
	return -ETIMEDOUT;
}

int cl_read_event(int req_fd, struct gpio_v2_line_event *ev, int timeout_ms)
{
	int r = wait_readable(req_fd, timeout_ms);
	ssize_t n;

	if (r < 0)
		return r;
	n = read(req_fd, ev, sizeof(*ev));
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	return n == sizeof(*ev) ? 1 : -EBADMSG;
}
