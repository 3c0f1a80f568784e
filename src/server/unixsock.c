// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macros.h"
#include "server/unixsock.h"

#define LISTEN_BACKLOG 64
/* Enough room to see (and close) what a misbehaving client passes. */
#define RECV_FDS_MAX 16

static int unixsock_addr(const char *path, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (n >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, path, n);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return 0;
}

/* Remove path if it is a socket nobody accepts on; -EADDRINUSE if a server is alive. */
static int unixsock_clear_stale(const struct sockaddr_un *sa, socklen_t len)
{
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	/* Non-blocking: a live listener with a full backlog answers EAGAIN, also "alive". */
	if (connect(fd, (const struct sockaddr *)sa, len) == 0 || errno == EAGAIN)
		return -EADDRINUSE;
	if (unlink(sa->sun_path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* Group, then mode: until the mode widens the file is ours alone (0600). */
int unixsock_publish(const char *path, const struct unixsock_perm *perm)
{
	if (perm->gid != (gid_t)-1 && chown(path, (uid_t)-1, perm->gid) < 0)
		return -errno;
	if (chmod(path, perm->mode) < 0)
		return -errno;
	return 0;
}

int unixsock_listen(const char *path, const struct unixsock_perm *perm, int *out_fd)
{
	_cleanup_close_ int fd = -1;
	struct sockaddr_un sa;
	socklen_t len;
	mode_t old_mask;
	int r;

	r = unixsock_addr(path, &sa, &len);
	if (r < 0)
		return r;
	r = unixsock_clear_stale(&sa, len);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* bind() creates the file with 0777 & ~umask: no window wider than 0600. */
	old_mask = umask(0177);
	r = bind(fd, (const struct sockaddr *)&sa, len) < 0 ? -errno : 0;
	umask(old_mask);
	if (r < 0)
		return r;
	r = unixsock_publish(path, perm);
	if (r == 0 && listen(fd, LISTEN_BACKLOG) < 0)
		r = -errno;
	if (r < 0) {
		unlink(path);
		return r;
	}
	*out_fd = steal_fd(fd);
	return 0;
}

bool unixsock_is_seqpacket_listener(int fd)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	int type = 0, acc = 0;
	socklen_t l1 = sizeof(type), l2 = sizeof(acc);

	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0 || sa.sun_family != AF_UNIX)
		return false;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l1) < 0 || type != SOCK_SEQPACKET)
		return false;
	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l2) == 0 && acc;
}

static bool unixsock_close_fds(struct msghdr *mh)
{
	bool any = false;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t n;
		int *fds;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		fds = (int *)CMSG_DATA(cm);
		for (size_t i = 0; i < n; i++) {
			int one;

			memcpy(&one, &fds[i], sizeof(one));
			close(one);
		}
		any = true;
	}
	return any;
}

int unixsock_recv(int fd, void *buf, size_t size, struct unixsock_msg *msg)
{
	union {
		char buf[CMSG_SPACE(RECV_FDS_MAX * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n;

	n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	msg->had_fds = unixsock_close_fds(&mh) || (mh.msg_flags & MSG_CTRUNC);
	if (n == 0 && !msg->had_fds)
		return 0;
	msg->len = (size_t)n;
	msg->truncated = mh.msg_flags & MSG_TRUNC;
	return 1;
}

int unixsock_send(int fd, const void *buf, size_t len, int pass_fd)
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
	if (sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

int unixsock_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

int unixsock_peer(int fd, pid_t *pid, uid_t *uid, gid_t *gid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	*pid = cred.pid;
	*uid = cred.uid;
	*gid = cred.gid;
	return 0;
}

int unixsock_peer_groups(int fd, gid_t *groups, unsigned max)
{
	socklen_t len = (socklen_t)(max * sizeof(*groups));

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return -errno;
	return (int)(len / sizeof(*groups));
}
