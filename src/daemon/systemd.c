// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macros.h"
#include "daemon/systemd.h"
#include "server/unixsock.h"

#define LISTEN_FDS_START 3

int notify_systemd(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;
	size_t n;

	if (!path || !*path)
		return 0;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path, path, n);
	/* An abstract name: '@' stands for the leading NUL, and the length is exact. */
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (const struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0)
		return -errno;
	return 0;
}

static int env_number(const char *name, unsigned long *out)
{
	const char *s = getenv(name);
	char *end;

	if (!s || !*s)
		return -ENOENT;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return *end || errno ? -EINVAL : 0;
}

int listen_fds_take(int *fd)
{
	unsigned long pid, n;
	int r;

	*fd = -1;
	r = env_number("LISTEN_PID", &pid);
	if (r == 0)
		r = env_number("LISTEN_FDS", &n);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	/* Meant for another process (or malformed): not ours to use. */
	if (r < 0 || pid != (unsigned long)getpid() || n == 0)
		return 0;
	if (n > 1)
		log_warn("systemd passed %lu sockets; using the first as the control socket", n);
	if (!unixsock_is_seqpacket_listener(LISTEN_FDS_START)) {
		log_err("fd %d from systemd is not a listening SOCK_SEQPACKET Unix socket",
			LISTEN_FDS_START);
		return -EINVAL;
	}
	if (fcntl(LISTEN_FDS_START, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	*fd = LISTEN_FDS_START;
	return 0;
}
