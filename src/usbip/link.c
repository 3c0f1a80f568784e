// SPDX-License-Identifier: GPL-2.0-or-later
#include "usbip.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macros.h"
#include "common/thread.h"

/* A chip that stopped answering must not hold the reader forever. */
#define CONTROL_TIMEOUT_MS 5000
#define SETUP_SIZE 8

/*
 * One bulk URB in the emulator. It is freed by its completion, unless the
 * reader is inside emu_chip_cancel() on it (cancelling): then the reader
 * frees it once both are done.
 */
struct urb {
	struct usbip_link *link;
	struct emu_xfer xfer;
	uint32_t seqnum, direction;
	uint32_t unlink_seqnum;	/* 0: no CMD_UNLINK about it */
	bool cancelling, cancel_tried, completed;
	struct urb *next;
	uint8_t buf[];
};

struct usbip_link {
	struct emu_chip *chip;
	int fd;
	uint32_t devid;
	pthread_t reader;

	pthread_mutex_t lock;	/* all below, and writes to fd */
	pthread_cond_t cond;	/* a URB left the flying list */
	bool alive;
	struct urb *flying;
	struct usbip_link_stats stats;
};

/* --- Writing ------------------------------------------------------------- */

/* One whole message, or the link is dead; lock held. */
static void send_locked(struct usbip_link *l, const struct usbip_header *h, const void *data, size_t len)
{
	uint8_t head[USBIP_HEADER_SIZE];
	struct iovec iov[2] = { { head, sizeof(head) }, { (void *)data, len } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

	if (!l->alive)
		return;
	usbip_header_pack(h, head);
	while (msg.msg_iovlen) {
		ssize_t n = sendmsg(l->fd, &msg, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			l->alive = false;
			return;
		}
		while (msg.msg_iovlen && (size_t)n >= msg.msg_iov->iov_len) {
			n -= (ssize_t)msg.msg_iov->iov_len;
			msg.msg_iov++;
			msg.msg_iovlen--;
		}
		if (msg.msg_iovlen) {
			msg.msg_iov->iov_base = (uint8_t *)msg.msg_iov->iov_base + n;
			msg.msg_iov->iov_len -= (size_t)n;
		}
	}
}

/* The kernel completes the URBs of a vanished device with -ESHUTDOWN. */
static int32_t urb_status(int status)
{
	return status == -ENODEV ? -ESHUTDOWN : status;
}

/* Device, direction and endpoint stay 0 in answers, as the kernel's stub sends them. */
static void send_ret_submit(struct usbip_link *l, uint32_t seqnum, bool in, int status, const uint8_t *data,
			    size_t actual)
{
	struct usbip_header h = {
		.command = USBIP_RET_SUBMIT,
		.seqnum = seqnum,
		.u.ret_submit = { .status = urb_status(status), .actual = (uint32_t)actual,
				  .packets = USBIP_NON_ISO },
	};

	send_locked(l, &h, data, in ? actual : 0);
}

static void send_ret_unlink(struct usbip_link *l, uint32_t seqnum, int status)
{
	struct usbip_header h = {
		.command = USBIP_RET_UNLINK,
		.seqnum = seqnum,
		.u.ret_unlink.status = status,
	};

	send_locked(l, &h, NULL, 0);
}

/* --- Bulk URBs ------------------------------------------------------------ */

static void list_remove(struct urb **head, const struct urb *u)
{
	for (; *head; head = &(*head)->next) {
		if (*head == u) {
			*head = u->next;
			return;
		}
	}
}

/*
 * The emulator's bus thread (or the reader's, for a cancel). A URB the
 * vhci side unlinked and we cancelled gets only its RET_UNLINK, as the
 * kernel's stub does; one that completed anyway gets its RET_SUBMIT first.
 */
static void urb_done(struct emu_xfer *xfer)
{
	struct urb *u = container_of(xfer, struct urb, xfer);
	struct usbip_link *l = u->link;

	pthread_mutex_lock(&l->lock);
	list_remove(&l->flying, u);
	if (u->unlink_seqnum && xfer->status == -ENOENT) {
		send_ret_unlink(l, u->unlink_seqnum, -ECONNRESET);
		l->stats.cancelled++;
	} else {
		send_ret_submit(l, u->seqnum, u->direction == USBIP_DIR_IN, xfer->status, u->buf,
				xfer->actual);
		if (u->unlink_seqnum)
			send_ret_unlink(l, u->unlink_seqnum, 0);
	}
	u->completed = true;
	if (!u->cancelling)
		free(u);
	pthread_cond_broadcast(&l->cond);
	pthread_mutex_unlock(&l->lock);
}

/* Called and returns with the lock held; u is in the flying list. */
static void urb_cancel(struct usbip_link *l, struct urb *u)
{
	u->cancelling = true;
	u->cancel_tried = true;
	pthread_mutex_unlock(&l->lock);
	emu_chip_cancel(l->chip, &u->xfer);
	pthread_mutex_lock(&l->lock);
	u->cancelling = false;
	if (u->completed)
		free(u);
}

static struct urb *urb_find(struct urb *head, uint32_t seqnum)
{
	for (; head; head = head->next) {
		if (head->seqnum == seqnum)
			return head;
	}
	return NULL;
}

static int submit_bulk(struct usbip_link *l, const struct usbip_header *h, struct urb *u)
{
	int r;

	u->xfer = (struct emu_xfer){
		.endpoint = (uint8_t)(h->ep | (h->direction == USBIP_DIR_IN ? 0x80 : 0)),
		.buffer = u->buf,
		.length = h->u.submit.length,
		.done = urb_done,
	};
	/* Listed first: it may complete before emu_chip_submit() returns. */
	pthread_mutex_lock(&l->lock);
	u->next = l->flying;
	l->flying = u;
	pthread_mutex_unlock(&l->lock);
	r = emu_chip_submit(l->chip, &u->xfer);
	if (r < 0) {
		pthread_mutex_lock(&l->lock);
		list_remove(&l->flying, u);
		send_ret_submit(l, u->seqnum, false, r, NULL, 0);
		pthread_mutex_unlock(&l->lock);
		free(u);
	}
	return 0;
}

/* Answered at once, on the reader thread. */
static void submit_control(struct usbip_link *l, const struct usbip_header *h, uint8_t *data)
{
	const uint8_t *s = h->u.submit.setup;
	struct emu_setup setup = {
		.request_type = s[0],
		.request = s[1],
		.value = (uint16_t)(s[2] | s[3] << 8),
		.index = (uint16_t)(s[4] | s[5] << 8),
		.length = (uint16_t)(s[6] | s[7] << 8),
	};
	bool in = h->direction == USBIP_DIR_IN;
	int r;

	if (setup.length > h->u.submit.length)
		setup.length = (uint16_t)h->u.submit.length;
	r = emu_chip_control_timeout(l->chip, &setup, data, CONTROL_TIMEOUT_MS);
	pthread_mutex_lock(&l->lock);
	if (r < 0)
		send_ret_submit(l, h->seqnum, in, r, NULL, 0);
	else
		send_ret_submit(l, h->seqnum, in, 0, data, in ? (size_t)r : setup.length);
	pthread_mutex_unlock(&l->lock);
}

/* --- Reading -------------------------------------------------------------- */

/* 1: got len bytes; 0: the peer hung up; -errno. */
static int read_exact(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		p += n;
		len -= (size_t)n;
	}
	return 1;
}

static int on_submit(struct usbip_link *l, const struct usbip_header *h)
{
	uint32_t len = h->u.submit.length;
	struct urb *u;
	int r;

	if (len > USBIP_LENGTH_MAX || (h->ep == 0 && len > UINT16_MAX))
		return -EPROTO;
	u = calloc(1, sizeof(*u) + len);
	if (!u)
		return -ENOMEM;
	u->link = l;
	u->seqnum = h->seqnum;
	u->direction = h->direction;
	if (h->direction == USBIP_DIR_OUT) {
		r = read_exact(l->fd, u->buf, len);
		if (r <= 0) {
			free(u);
			return r < 0 ? r : -ECONNRESET;
		}
	}
	pthread_mutex_lock(&l->lock);
	l->stats.submits++;
	pthread_mutex_unlock(&l->lock);
	if (h->ep != 0)
		return submit_bulk(l, h, u);
	submit_control(l, h, u->buf);
	free(u);
	return 0;
}

static void on_unlink(struct usbip_link *l, const struct usbip_header *h)
{
	struct urb *u;

	pthread_mutex_lock(&l->lock);
	l->stats.unlinks++;
	u = urb_find(l->flying, h->u.unlink.seqnum);
	if (!u)
		send_ret_unlink(l, h->seqnum, 0);	/* its RET_SUBMIT went out already */
	else if (!u->unlink_seqnum) {
		u->unlink_seqnum = h->seqnum;
		urb_cancel(l, u);
	}
	pthread_mutex_unlock(&l->lock);
}

/* Lets go of every URB still in the emulator; lock held. */
static void cancel_all(struct usbip_link *l)
{
	struct urb *u;

	for (;;) {
		for (u = l->flying; u && u->cancel_tried; u = u->next)
			;
		if (!u)
			break;
		urb_cancel(l, u);
	}
	while (l->flying)
		pthread_cond_wait(&l->cond, &l->lock);
}

static void *reader(void *arg)
{
	struct usbip_link *l = arg;
	uint8_t head[USBIP_HEADER_SIZE];
	struct usbip_header h;
	int r;

	for (;;) {
		r = read_exact(l->fd, head, sizeof(head));
		if (r <= 0)
			break;
		r = usbip_header_unpack(head, &h);
		if (r == 0 && h.command == USBIP_CMD_SUBMIT)
			r = on_submit(l, &h);
		else if (r == 0 && h.command == USBIP_CMD_UNLINK)
			on_unlink(l, &h);
		else
			r = -EPROTO;
		if (r < 0) {
			log_warn("usbip: devid %#x: %s, hanging up", l->devid, strerror(-r));
			break;
		}
	}
	pthread_mutex_lock(&l->lock);
	l->alive = false;
	cancel_all(l);
	pthread_mutex_unlock(&l->lock);
	/* A peer that still listens learns that the device is gone. */
	shutdown(l->fd, SHUT_RDWR);
	return NULL;
}

/* --- The link ------------------------------------------------------------ */

int usbip_link_open(struct emu_chip *chip, int fd, uint32_t devid, struct usbip_link **out)
{
	struct usbip_link *l;
	int r;

	l = calloc(1, sizeof(*l));
	if (!l) {
		close(fd);
		return -ENOMEM;
	}
	l->chip = chip;
	l->fd = fd;
	l->devid = devid;
	l->alive = true;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->cond, NULL);
	r = thread_start_unsignaled(&l->reader, reader, l);
	if (r < 0) {
		pthread_cond_destroy(&l->cond);
		pthread_mutex_destroy(&l->lock);
		close(fd);
		free(l);
		return r;
	}
	*out = l;
	return 0;
}

struct usbip_link *usbip_link_close(struct usbip_link *l)
{
	if (!l)
		return NULL;
	shutdown(l->fd, SHUT_RDWR);
	pthread_join(l->reader, NULL);
	close(l->fd);
	pthread_cond_destroy(&l->cond);
	pthread_mutex_destroy(&l->lock);
	free(l);
	return NULL;
}

bool usbip_link_alive(struct usbip_link *l)
{
	bool alive;

	pthread_mutex_lock(&l->lock);
	alive = l->alive;
	pthread_mutex_unlock(&l->lock);
	return alive;
}

void usbip_link_stats(struct usbip_link *l, struct usbip_link_stats *stats)
{
	pthread_mutex_lock(&l->lock);
	*stats = l->stats;
	pthread_mutex_unlock(&l->lock);
}
