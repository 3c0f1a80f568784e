// SPDX-License-Identifier: GPL-2.0-or-later
#include "usbfs-emu.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <umockdev.h>
#include <unistd.h>
/* After <sys/ioctl.h>: its _IOR() and friends build the request numbers. */
#include <linux/usbdevice_fs.h>

#include "common/macros.h"
#include "emu/emu.h"
#include "poll-watch.h"

/* Device numbers as a fresh bus hands them out: 1 is the root hub. */
#define DEVNUM_FIRST 2
#define DEVNUM_MAX 127
#define SETUP_SIZE 8
#define DESCRIPTORS_MAX 1024
/* Bound for the waits the kernel does not bound (a killed URB, a plug change). */
#define WAIT_MS 2000

/* What usbfs offers on an xHCI port, minus mmap and scatter-gather. */
#define USBFS_CAPS                                                       \
	(USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_CONTINUATION |     \
	 USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_REAP_AFTER_DISCONNECT)

struct usbfs_node;

/*
 * One submitted URB. The emulator works on xbuf, a private copy of the
 * client's buffer; the results reach umockdev's copies (data, buffer) only
 * when the URB is reaped, on the handler thread, so umockdev's own
 * write-back of the SUBMITURB call can never race the emulator.
 */
struct urb {
	struct usbfs_node *node;
	UMockdevIoctlClient *client;	/* the open file it was submitted on */
	UMockdevIoctlData *data;	/* struct usbdevfs_urb */
	UMockdevIoctlData *buffer;	/* its transfer buffer; NULL if empty */
	uint8_t *xbuf;
	size_t len;
	struct emu_xfer xfer;
	int status;			/* set on completion */
	size_t actual;
	struct urb *next;
};

/*
 * One plugged-in instance of a device: its device node, ioctl handler and
 * URBs. It stays after the unplug (open files keep getting ENODEV) until
 * the bed is freed.
 */
struct usbfs_node {
	struct poll_watch watch;
	struct emu_chip *chip;
	unsigned interfaces;
	unsigned devnum;
	char devnode[32];
	UMockdevIoctlBase *handler;
	struct usbfs_node *next;	/* the bed's list, under the bed lock */

	pthread_mutex_t lock;
	pthread_cond_t cond;		/* a URB completed or the device went */
	UMockdevIoctlClient *claims[EMU_INTERFACES_MAX]; /* owner of each interface */
	bool gone;
	bool wake_set;			/* watch.wake_fd is readable */
	struct urb *flying;		/* submitted, not completed */
	struct urb *done;		/* completed, not reaped; oldest first */
};

struct usbfs_dev {
	struct usbfs_bed *bed;
	struct emu_chip *chip;
	struct emu_listener listener;
	unsigned busnum;
	char port[16];			/* "1-2" */
	char syspath[96];
	struct usbfs_node *node;	/* NULL while unplugged; bed lock */
	struct usbfs_dev *next;
};

struct usbfs_bed {
	UMockdevTestbed *testbed;
	char *root;			/* the testbed's directory */
	pthread_mutex_t lock;		/* the testbed, devices and nodes */
	pthread_cond_t cond;		/* a device was plugged or unplugged */
	unsigned next_devnum;
	struct usbfs_dev *devs;
	struct usbfs_node *nodes;	/* every instance ever plugged */
};

#ifdef MPSSED_TSAN
/* Exported by libtsan, not declared by GCC 12's <sanitizer/tsan_interface.h>. */
void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_end(void);
#endif

/* --- small helpers --------------------------------------------------------- */

/*
 * Around every call into umockdev made outside its worker thread. umockdev
 * hands objects (closures, lazily made mutexes) between the caller and its
 * worker through GLib's main-context queue and reference counts, whose
 * atomics and futexes TSan cannot see: it reports umockdev's own
 * allocations, frees and mutex clean-ups as races. In between, TSan
 * ignores this thread's memory accesses; they are all umockdev's (what we
 * pass in is never written again).
 */
static void umockdev_enter(void)
{
#ifdef MPSSED_TSAN
	__tsan_ignore_thread_begin();
#endif
}

static void umockdev_leave(void)
{
#ifdef MPSSED_TSAN
	__tsan_ignore_thread_end();
#endif
}

static void cond_init_monotonic(pthread_cond_t *cond)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
}

static struct timespec deadline_after(int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* A local copy of len bytes at the client pointer stored at offset of data. */
static UMockdevIoctlData *resolve(UMockdevIoctlData *data, size_t offset, size_t len)
{
	g_autoptr(GError) err = NULL;
	UMockdevIoctlData *d = umockdev_ioctl_data_resolve(data, offset, len, &err);

	if (err)
		g_clear_object(&d);
	return d;
}

static int get_uint(UMockdevIoctlData *arg, unsigned *value)
{
	g_autoptr(UMockdevIoctlData) d = resolve(arg, 0, sizeof(*value));

	if (!d)
		return -EFAULT;
	memcpy(value, d->data, sizeof(*value));
	return 0;
}

/* Ends the client's ioctl: r >= 0 is its result, r < 0 is -errno. */
static gboolean reply(UMockdevIoctlClient *client, long r)
{
	if (r < 0)
		umockdev_ioctl_client_complete(client, -1, (int)-r);
	else
		umockdev_ioctl_client_complete(client, r, 0);
	return TRUE;
}

/* --- URBs ----------------------------------------------------------------------- */

static struct usbdevfs_urb *urb_k(const struct urb *u)
{
	return (struct usbdevfs_urb *)u->data->data;
}

static struct urb *urb_free(struct urb *u)
{
	g_clear_object(&u->client);
	g_clear_object(&u->data);
	g_clear_object(&u->buffer);
	free(u->xbuf);
	free(u);
	return NULL;
}
DEFINE_CLEANUP(struct urb, urb_free)

static void list_remove(struct urb **head, const struct urb *u)
{
	for (; *head; head = &(*head)->next) {
		if (*head == u) {
			*head = u->next;
			return;
		}
	}
}

static bool list_contains(const struct urb *head, const struct urb *u)
{
	for (; head; head = head->next) {
		if (head == u)
			return true;
	}
	return false;
}

/* Keeps the wake fd readable exactly while poll() has something to say. */
static void node_update_wake(struct usbfs_node *n)
{
	bool ready = n->gone || n->done;
	eventfd_t v;

	if (ready == n->wake_set)
		return;
	if (ready)
		eventfd_write(n->watch.wake_fd, 1);
	else
		eventfd_read(n->watch.wake_fd, &v);
	n->wake_set = ready;
}

static short node_revents(struct poll_watch *w)
{
	struct usbfs_node *n = container_of(w, struct usbfs_node, watch);
	short mask = 0;

	pthread_mutex_lock(&n->lock);
	if (n->done)
		mask |= POLLOUT | POLLWRNORM;
	if (n->gone)
		mask |= POLLERR | POLLHUP;
	pthread_mutex_unlock(&n->lock);
	return mask;
}

/* Lists a URB as submitted and not completed; lock held. */
static void urb_fly(struct usbfs_node *n, struct urb *u)
{
	u->next = n->flying;
	n->flying = u;
}

/* Moves u from the flying list to the end of the done list; lock held. */
static void urb_complete(struct usbfs_node *n, struct urb *u, int status, size_t actual)
{
	struct urb **tail;

	u->status = status;
	u->actual = actual;
	list_remove(&n->flying, u);
	for (tail = &n->done; *tail; tail = &(*tail)->next)
		;
	u->next = NULL;
	*tail = u;
	node_update_wake(n);
	pthread_cond_broadcast(&n->cond);
}

/* The kernel completes the URBs of a vanished device with -ESHUTDOWN. */
static int urb_status(int status)
{
	return status == -ENODEV ? -ESHUTDOWN : status;
}

/* The emulator's bus thread. */
static void urb_xfer_done(struct emu_xfer *xfer)
{
	struct urb *u = container_of(xfer, struct urb, xfer);
	struct usbfs_node *n = u->node;

	pthread_mutex_lock(&n->lock);
	urb_complete(n, u, urb_status(xfer->status), xfer->actual);
	pthread_mutex_unlock(&n->lock);
}

/* A control URB the chip did not answer is not in the emulator. */
static bool urb_in_emu(const struct urb *u)
{
	return u->xfer.done != NULL;
}

/* Ends a flying control URB the chip never answered; lock held. */
static void urb_kill_hung(struct usbfs_node *n, struct urb *u, int status)
{
	if (list_contains(n->flying, u))
		urb_complete(n, u, status, 0);
}

/*
 * Answered at once, unless the chip stopped answering: then the URB stays
 * pending until it is discarded or the device goes, as on a real bus.
 */
static int start_control(struct usbfs_node *n, struct urb *u)
{
	const uint8_t *b = u->xbuf;
	struct emu_setup setup;
	int r;

	if (u->len < SETUP_SIZE)
		return -EINVAL;
	setup = (struct emu_setup){
		.request_type = b[0],
		.request = b[1],
		.value = (uint16_t)(b[2] | b[3] << 8),
		.index = (uint16_t)(b[4] | b[5] << 8),
		.length = (uint16_t)(b[6] | b[7] << 8),
	};
	if (setup.length > u->len - SETUP_SIZE)
		return -EINVAL;
	r = emu_chip_control_timeout(n->chip, &setup, u->xbuf + SETUP_SIZE, 0);
	pthread_mutex_lock(&n->lock);
	if (r == -ETIMEDOUT)
		urb_fly(n, u);
	else if (r < 0)
		urb_complete(n, u, urb_status(r), 0);
	else
		urb_complete(n, u, 0, (setup.request_type & 0x80) ? (size_t)r : setup.length);
	pthread_mutex_unlock(&n->lock);
	return 0;
}

static int start_bulk(struct usbfs_node *n, struct urb *u)
{
	int r;

	u->xfer = (struct emu_xfer){
		.endpoint = urb_k(u)->endpoint,
		.buffer = u->xbuf,
		.length = u->len,
		.done = urb_xfer_done,
	};
	/* Listed first: the emulator may complete it before submit returns. */
	pthread_mutex_lock(&n->lock);
	urb_fly(n, u);
	pthread_mutex_unlock(&n->lock);
	r = emu_chip_submit(n->chip, &u->xfer);
	if (r < 0) {
		pthread_mutex_lock(&n->lock);
		list_remove(&n->flying, u);
		pthread_mutex_unlock(&n->lock);
	}
	return r;
}

static int submit(struct usbfs_node *n, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
	_cleanup_(urb_freep) struct urb *u = calloc(1, sizeof(*u));
	struct usbdevfs_urb *k;
	int r;

	if (!u)
		return -ENOMEM;
	u->node = n;
	u->client = g_object_ref(client);
	u->data = resolve(arg, 0, sizeof(*k));
	if (!u->data)
		return -EFAULT;
	k = urb_k(u);
	if (k->buffer_length < 0)
		return -EINVAL;
	u->len = (size_t)k->buffer_length;
	if (u->len) {
		u->buffer = resolve(u->data, offsetof(struct usbdevfs_urb, buffer), u->len);
		u->xbuf = u->buffer ? g_memdup2(u->buffer->data, u->len) : NULL;
		if (!u->xbuf)
			return -EFAULT;
	}
	if (k->type == USBDEVFS_URB_TYPE_CONTROL)
		r = start_control(n, u);
	else if (k->type == USBDEVFS_URB_TYPE_BULK)
		r = start_bulk(n, u);
	else
		r = -EINVAL;
	if (r == 0)
		u = NULL; /* the node's now */
	return r;
}

/* The oldest completed URB of client, unlinked; lock held. */
static struct urb *take_done(struct usbfs_node *n, const UMockdevIoctlClient *client)
{
	struct urb **p;

	for (p = &n->done; *p; p = &(*p)->next) {
		struct urb *u = *p;

		if (u->client == client) {
			*p = u->next;
			node_update_wake(n);
			return u;
		}
	}
	return NULL;
}

/* Hands the results to umockdev's copies, which it writes back on reply. */
static void urb_publish(struct urb *u)
{
	struct usbdevfs_urb *k = urb_k(u);

	k->status = u->status;
	k->actual_length = (int)u->actual;
	if (u->buffer)
		memcpy(u->buffer->data, u->xbuf, u->len);
}

/*
 * REAPURB blocks this (umockdev's only) handler thread until one of the
 * client's URBs completes, stalling every other client meanwhile; libusb
 * only ever uses REAPURBNDELAY.
 */
static gboolean reap(struct usbfs_node *n, UMockdevIoctlClient *client, UMockdevIoctlData *arg,
		     bool block)
{
	g_autoptr(UMockdevIoctlData) ptr = resolve(arg, 0, sizeof(void *));
	_cleanup_(urb_freep) struct urb *u = NULL;
	bool gone;

	if (!ptr)
		return reply(client, -EFAULT);
	pthread_mutex_lock(&n->lock);
	while (!(u = take_done(n, client)) && !n->gone && block)
		pthread_cond_wait(&n->cond, &n->lock);
	gone = n->gone;
	pthread_mutex_unlock(&n->lock);
	if (!u)
		return reply(client, gone ? -ENODEV : -EAGAIN);
	urb_publish(u);
	umockdev_ioctl_data_set_ptr(ptr, 0, u->data);
	return reply(client, 0);
}

/* Returns once u has completed, as usb_kill_urb() does. */
static int wait_completed(struct usbfs_node *n, const struct urb *u)
{
	struct timespec deadline = deadline_after(WAIT_MS);
	int r = 0;

	pthread_mutex_lock(&n->lock);
	while (r == 0 && list_contains(n->flying, u))
		r = pthread_cond_timedwait(&n->cond, &n->lock, &deadline);
	pthread_mutex_unlock(&n->lock);
	return r ? -ETIMEDOUT : 0;
}

static struct urb *find_flying(struct usbfs_node *n, const UMockdevIoctlClient *client,
			       unsigned long addr)
{
	struct urb *u;

	pthread_mutex_lock(&n->lock);
	for (u = n->flying; u; u = u->next) {
		if (u->client == client && u->data->client_addr == addr)
			break;
	}
	pthread_mutex_unlock(&n->lock);
	return u;
}

/* While clients are served only this handler thread frees URBs: u stays valid. */
static int discard(struct usbfs_node *n, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
	unsigned long addr;
	struct urb *u;

	memcpy(&addr, arg->data, sizeof(addr));
	u = find_flying(n, client, addr);
	if (!u)
		return -EINVAL;
	if (!urb_in_emu(u)) {
		pthread_mutex_lock(&n->lock);
		urb_kill_hung(n, u, -ENOENT);
		pthread_mutex_unlock(&n->lock);
		return 0;
	}
	/* -EALREADY: it is completing on its own; wait for that instead. */
	emu_chip_cancel(n->chip, &u->xfer);
	return wait_completed(n, u);
}

/* --- Interfaces and the rest of usbfs ------------------------------------------ */

enum claim_op {
	CLAIM_TAKE,		/* CLAIMINTERFACE */
	CLAIM_TAKE_FREE,	/* DISCONNECT_CLAIM: usbfs never disconnects itself */
	CLAIM_RELEASE,		/* RELEASEINTERFACE */
	CLAIM_DISCONNECT,	/* USBDEVFS_IOCTL DISCONNECT: the kernel drops any driver */
	CLAIM_CONNECT,		/* USBDEVFS_IOCTL CONNECT: there is no kernel driver to bind */
	CLAIM_QUERY,		/* GETDRIVER: only usbfs is ever bound */
};

/*
 * Claims belong to open files; a file umockdev saw closed holds none. They
 * change on the handler thread and are dropped by usbfs_bed_free(), hence
 * the lock. The caller checks ifno.
 */
static int claim_op(struct usbfs_node *n, UMockdevIoctlClient *client, unsigned ifno,
		    enum claim_op op)
{
	UMockdevIoctlClient **slot = &n->claims[ifno];
	UMockdevIoctlClient *owner;
	int r = 0;

	pthread_mutex_lock(&n->lock);
	owner = *slot && umockdev_ioctl_client_get_connected(*slot) ? *slot : NULL;
	switch (op) {
	case CLAIM_TAKE_FREE:
		if (owner) {
			r = -EBUSY;
			break;
		}
		/* fall through */
	case CLAIM_TAKE:
		if (owner && owner != client)
			r = -EBUSY;
		else
			g_set_object(slot, client);
		break;
	case CLAIM_RELEASE:
		if (*slot != client)
			r = -EINVAL;
		else
			g_clear_object(slot);
		break;
	case CLAIM_DISCONNECT:
		if (!owner)
			r = -ENODATA;
		else
			g_clear_object(slot);
		break;
	case CLAIM_CONNECT:
		r = owner ? -EBUSY : 0;
		break;
	case CLAIM_QUERY:
		r = owner ? 0 : -ENODATA;
		break;
	}
	pthread_mutex_unlock(&n->lock);
	return r;
}

static int getdriver(struct usbfs_node *n, UMockdevIoctlData *arg)
{
	g_autoptr(UMockdevIoctlData) d = resolve(arg, 0, sizeof(struct usbdevfs_getdriver));
	struct usbdevfs_getdriver *gd;

	if (!d)
		return -EFAULT;
	gd = (struct usbdevfs_getdriver *)d->data;
	if (gd->interface >= n->interfaces || claim_op(n, NULL, gd->interface, CLAIM_QUERY) < 0)
		return -ENODATA;
	snprintf(gd->driver, sizeof(gd->driver), "usbfs");
	return 0;
}

static int driver_ioctl(struct usbfs_node *n, UMockdevIoctlData *arg)
{
	g_autoptr(UMockdevIoctlData) d = resolve(arg, 0, sizeof(struct usbdevfs_ioctl));
	const struct usbdevfs_ioctl *ctl;

	if (!d)
		return -EFAULT;
	ctl = (const struct usbdevfs_ioctl *)d->data;
	if (ctl->ifno < 0 || (unsigned)ctl->ifno >= n->interfaces)
		return -EINVAL;
	switch (ctl->ioctl_code) {
	case USBDEVFS_DISCONNECT:
		return claim_op(n, NULL, (unsigned)ctl->ifno, CLAIM_DISCONNECT);
	case USBDEVFS_CONNECT:
		return claim_op(n, NULL, (unsigned)ctl->ifno, CLAIM_CONNECT);
	default:
		return -ENODATA;
	}
}

static int disconnect_claim(struct usbfs_node *n, UMockdevIoctlClient *client,
			    UMockdevIoctlData *arg)
{
	g_autoptr(UMockdevIoctlData) d = resolve(arg, 0, sizeof(struct usbdevfs_disconnect_claim));
	const struct usbdevfs_disconnect_claim *dc;

	if (!d)
		return -EFAULT;
	dc = (const struct usbdevfs_disconnect_claim *)d->data;
	if (dc->interface >= n->interfaces)
		return -EINVAL;
	return claim_op(n, client, dc->interface, CLAIM_TAKE_FREE);
}

static int connectinfo(struct usbfs_node *n, UMockdevIoctlData *arg)
{
	g_autoptr(UMockdevIoctlData) d = resolve(arg, 0, sizeof(struct usbdevfs_connectinfo));
	struct usbdevfs_connectinfo *ci;

	if (!d)
		return -EFAULT;
	ci = (struct usbdevfs_connectinfo *)d->data;
	ci->devnum = n->devnum;
	ci->slow = 0;
	return 0;
}

static int capabilities(UMockdevIoctlData *arg)
{
	g_autoptr(UMockdevIoctlData) d = resolve(arg, 0, sizeof(uint32_t));
	uint32_t caps = USBFS_CAPS;

	if (!d)
		return -EFAULT;
	memcpy(d->data, &caps, sizeof(caps));
	return 0;
}

/* SET_CONFIGURATION and SET_INTERFACE go to the chip like the kernel's. */
static int standard_request(struct usbfs_node *n, uint8_t type, uint8_t request, unsigned value,
			    unsigned index)
{
	struct emu_setup setup = {
		.request_type = type,
		.request = request,
		.value = (uint16_t)value,
		.index = (uint16_t)index,
	};
	int r = emu_chip_control(n->chip, &setup, NULL);

	return r < 0 ? r : 0;
}

static int set_interface(struct usbfs_node *n, UMockdevIoctlData *arg)
{
	g_autoptr(UMockdevIoctlData) d = resolve(arg, 0, sizeof(struct usbdevfs_setinterface));
	const struct usbdevfs_setinterface *si;

	if (!d)
		return -EFAULT;
	si = (const struct usbdevfs_setinterface *)d->data;
	return standard_request(n, 0x01, 0x0b, si->altsetting, si->interface);
}

/* Requests that take an unsigned int: an interface, endpoint or configuration. */
static int uint_request(struct usbfs_node *n, UMockdevIoctlClient *client, unsigned long req,
			UMockdevIoctlData *arg)
{
	unsigned value;
	int r = get_uint(arg, &value);

	if (r < 0)
		return r;
	switch (req) {
	case USBDEVFS_CLAIMINTERFACE:
		return value < n->interfaces ? claim_op(n, client, value, CLAIM_TAKE) : -ENOENT;
	case USBDEVFS_RELEASEINTERFACE:
		return value < n->interfaces ? claim_op(n, client, value, CLAIM_RELEASE) : -ENOENT;
	case USBDEVFS_SETCONFIGURATION:
		return standard_request(n, 0x00, 0x09, value, 0);
	default: /* USBDEVFS_CLEAR_HALT: bulk endpoints here never halt */
		return 0;
	}
}

static long dispatch(struct usbfs_node *n, UMockdevIoctlClient *client, unsigned long req,
		     UMockdevIoctlData *arg)
{
	switch (req) {
	case USBDEVFS_SUBMITURB:
		return submit(n, client, arg);
	case USBDEVFS_DISCARDURB:
		return discard(n, client, arg);
	case USBDEVFS_CLAIMINTERFACE:
	case USBDEVFS_RELEASEINTERFACE:
	case USBDEVFS_SETCONFIGURATION:
	case USBDEVFS_CLEAR_HALT:
		return uint_request(n, client, req, arg);
	case USBDEVFS_SETINTERFACE:
		return set_interface(n, arg);
	case USBDEVFS_GETDRIVER:
		return getdriver(n, arg);
	case USBDEVFS_IOCTL:
		return driver_ioctl(n, arg);
	case USBDEVFS_DISCONNECT_CLAIM:
		return disconnect_claim(n, client, arg);
	case USBDEVFS_CONNECTINFO:
		return connectinfo(n, arg);
	case USBDEVFS_GET_CAPABILITIES:
		return capabilities(arg);
	case USBDEVFS_RESET:
		/* A port reset: the emulator has no bus-reset state to lose. */
		return 0;
	default:
		return -ENOTTY;
	}
}

static bool node_gone(struct usbfs_node *n)
{
	bool gone;

	pthread_mutex_lock(&n->lock);
	gone = n->gone;
	pthread_mutex_unlock(&n->lock);
	return gone;
}

/* umockdev's worker thread, one ioctl at a time for the whole testbed. */
static gboolean handle_ioctl(UMockdevIoctlBase *handler, UMockdevIoctlClient *client,
			     gpointer user_data)
{
	struct usbfs_node *n = user_data;
	unsigned long req = umockdev_ioctl_client_get_request(client);
	UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);

	/* Only reaping survives the disconnect (USBDEVFS_CAP_REAP_AFTER_DISCONNECT). */
	if (req == USBDEVFS_REAPURB || req == USBDEVFS_REAPURBNDELAY)
		return reap(n, client, arg, req == USBDEVFS_REAPURB);
	if (node_gone(n))
		return reply(client, -ENODEV);
	return reply(client, dispatch(n, client, req, arg));
}

/* --- Nodes --------------------------------------------------------------------- */

static struct usbfs_node *node_new(struct usbfs_dev *dev, unsigned devnum)
{
	struct usbfs_node *n = calloc(1, sizeof(*n));
	struct emu_identity id;

	if (!n)
		return NULL;
	n->watch.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (n->watch.wake_fd < 0) {
		free(n);
		return NULL;
	}
	n->watch.revents = node_revents;
	emu_chip_identity(dev->chip, &id);
	n->chip = dev->chip;
	n->interfaces = id.interfaces;
	n->devnum = devnum;
	snprintf(n->devnode, sizeof(n->devnode), "/dev/bus/usb/%03u/%03u", dev->busnum, devnum);
	pthread_mutex_init(&n->lock, NULL);
	cond_init_monotonic(&n->cond);
	umockdev_enter();
	n->handler = umockdev_ioctl_base_new();
	g_signal_connect(n->handler, "handle-ioctl", G_CALLBACK(handle_ioctl), n);
	umockdev_leave();
	return n;
}

/* The emulator fails its own transfers; the hung controls are ours. */
static void node_disconnect(struct usbfs_node *n)
{
	struct urb *u, *next;

	pthread_mutex_lock(&n->lock);
	for (u = n->flying; u; u = next) {
		next = u->next;
		if (!urb_in_emu(u))
			urb_kill_hung(n, u, -ESHUTDOWN);
	}
	n->gone = true;
	node_update_wake(n);
	pthread_cond_broadcast(&n->cond);
	pthread_mutex_unlock(&n->lock);
}

/* Cancels what is still in the emulator and waits for every completion. */
static void node_drain(struct usbfs_node *n)
{
	for (;;) {
		struct urb *u;

		pthread_mutex_lock(&n->lock);
		u = n->flying;
		pthread_mutex_unlock(&n->lock);
		if (!u)
			return;
		if (!urb_in_emu(u)) {
			pthread_mutex_lock(&n->lock);
			urb_kill_hung(n, u, -ENOENT);
			pthread_mutex_unlock(&n->lock);
			continue;
		}
		emu_chip_cancel(n->chip, &u->xfer);
		if (wait_completed(n, u) < 0) {
			/* Freeing it now would hand the emulator freed memory. */
			fprintf(stderr, "usbfs-emu: %s: a cancelled transfer never completed\n",
				n->devnode);
			abort();
		}
	}
}

static struct usbfs_node *node_free(UMockdevTestbed *testbed, struct usbfs_node *n)
{
	unsigned i;

	poll_watch_remove(&n->watch);
	node_drain(n);
	while (n->done) {
		struct urb *u = n->done;

		n->done = u->next;
		urb_free(u);
	}
	pthread_mutex_lock(&n->lock);
	for (i = 0; i < ARRAY_SIZE(n->claims); i++)
		g_clear_object(&n->claims[i]);
	pthread_mutex_unlock(&n->lock);
	umockdev_enter();
	umockdev_testbed_detach_ioctl(testbed, n->devnode, NULL);
	g_signal_handlers_disconnect_by_data(n->handler, n);
	g_object_unref(n->handler);
	umockdev_leave();
	close(n->watch.wake_fd);
	pthread_cond_destroy(&n->cond);
	pthread_mutex_destroy(&n->lock);
	free(n);
	return NULL;
}

/* --- Devices ------------------------------------------------------------------- */

static void append_string_attr(GString *s, const char *name, const char *value)
{
	g_autofree char *escaped = NULL;

	/* Like sysfs: no attribute for a string the chip does not have. */
	if (!value || !*value)
		return;
	escaped = g_strescape(value, NULL);
	g_string_append_printf(s, "A: %s=%s\\n\n", name, escaped);
}

/* The umockdev record of a device: what the kernel puts into sysfs. */
static char *dev_record(const struct usbfs_dev *dev, unsigned devnum)
{
	uint8_t desc[DESCRIPTORS_MAX];
	size_t len = emu_chip_descriptors(dev->chip, desc, sizeof(desc));
	struct emu_identity id;
	GString *s = g_string_new(NULL);
	size_t i;

	emu_chip_identity(dev->chip, &id);
	g_string_append_printf(s,
			       "P: %s\n"
			       "E: SUBSYSTEM=usb\n"
			       "E: DEVTYPE=usb_device\n"
			       "E: DRIVER=usb\n"
			       "E: DEVNAME=/dev/bus/usb/%03u/%03u\n"
			       "E: BUSNUM=%03u\n"
			       "E: DEVNUM=%03u\n"
			       "E: PRODUCT=%x/%x/%x\n"
			       "A: idVendor=%04x\\n\n"
			       "A: idProduct=%04x\\n\n"
			       "A: bcdDevice=%04x\\n\n"
			       "A: busnum=%u\\n\n"
			       "A: devnum=%u\\n\n"
			       "A: devpath=%s\\n\n"
			       "A: speed=480\\n\n"
			       "A: bConfigurationValue=1\\n\n",
			       dev->syspath + strlen("/sys"), dev->busnum, devnum, dev->busnum,
			       devnum, id.vid, id.pid, id.bcd_device, id.vid, id.pid,
			       id.bcd_device, dev->busnum, devnum, strchr(dev->port, '-') + 1);
	append_string_attr(s, "manufacturer", id.manufacturer);
	append_string_attr(s, "product", id.product);
	append_string_attr(s, "serial", id.serial);
	g_string_append(s, "H: descriptors=");
	for (i = 0; i < len && i < sizeof(desc); i++)
		g_string_append_printf(s, "%02X", desc[i]);
	g_string_append_c(s, '\n');
	return g_string_free(s, FALSE);
}

/*
 * The device node is created here rather than by umockdev (an "N:" line)
 * so that its inode is watched before the "add" uevent lets anyone open it.
 */
static int node_create_file(struct usbfs_bed *bed, struct usbfs_node *n)
{
	g_autofree char *path = g_build_filename(bed->root, n->devnode, NULL);
	g_autofree char *dir = g_path_get_dirname(path);
	struct stat st;
	int fd;

	if (g_mkdir_with_parents(dir, 0755) < 0)
		return -errno;
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -errno;
	}
	close(fd);
	n->watch.dev = st.st_dev;
	n->watch.ino = st.st_ino;
	poll_watch_add(&n->watch);
	return 0;
}

static int bed_error(const char *what, const struct usbfs_node *n, const GError *err)
{
	fprintf(stderr, "usbfs-emu: %s %s: %s\n", what, n->devnode, err->message);
	return -EIO;
}

/* Bed lock held. */
static int dev_attach(struct usbfs_dev *dev)
{
	struct usbfs_bed *bed = dev->bed;
	g_autoptr(GError) err = NULL;
	g_autofree char *record = NULL;
	struct usbfs_node *n;
	gboolean ok;
	int r;

	if (bed->next_devnum > DEVNUM_MAX)
		return -ENOSPC;
	n = node_new(dev, bed->next_devnum++);
	if (!n)
		return -ENOMEM;
	/* Listed at once: from here on only usbfs_bed_free() frees it. */
	n->next = bed->nodes;
	bed->nodes = n;
	umockdev_enter();
	ok = umockdev_testbed_attach_ioctl(bed->testbed, n->devnode, n->handler, &err);
	umockdev_leave();
	if (!ok)
		return bed_error("cannot attach the ioctl handler to", n, err);
	r = node_create_file(bed, n);
	if (r < 0)
		return r;
	record = dev_record(dev, n->devnum);
	/* Also sends the "add" uevent. */
	umockdev_enter();
	ok = umockdev_testbed_add_from_string(bed->testbed, record, &err);
	umockdev_leave();
	if (!ok)
		return bed_error("cannot add", n, err);
	dev->node = n;
	return 0;
}

/* Bed lock held. In the kernel's order: URBs and ioctls fail, then "remove". */
static void dev_detach(struct usbfs_dev *dev)
{
	struct usbfs_bed *bed = dev->bed;
	struct usbfs_node *n = dev->node;
	g_autofree char *path = g_build_filename(bed->root, n->devnode, NULL);

	dev->node = NULL;
	node_disconnect(n);
	/* The uevent is built from sysfs, so it goes before the removal. */
	umockdev_enter();
	umockdev_testbed_uevent(bed->testbed, dev->syspath, "remove");
	umockdev_testbed_remove_device(bed->testbed, dev->syspath);
	umockdev_leave();
	/* Like devtmpfs; files still open keep working (and keep failing). */
	unlink(path);
}

/* The emulator's listener: follow the chip's plug state. */
static void chip_plugged(struct emu_chip *chip, bool plugged, void *user_data)
{
	struct usbfs_dev *dev = user_data;
	struct usbfs_bed *bed = dev->bed;
	int r = 0;

	pthread_mutex_lock(&bed->lock);
	if (plugged && !dev->node)
		r = dev_attach(dev);
	else if (!plugged && dev->node)
		dev_detach(dev);
	pthread_cond_broadcast(&bed->cond);
	pthread_mutex_unlock(&bed->lock);
	if (r < 0)
		fprintf(stderr, "usbfs-emu: cannot plug %s: %s\n", dev->port, strerror(-r));
}

static int dev_wait(struct usbfs_dev *dev, bool plugged)
{
	struct usbfs_bed *bed = dev->bed;
	struct timespec deadline = deadline_after(WAIT_MS);
	int r = 0;

	pthread_mutex_lock(&bed->lock);
	while (r == 0 && (dev->node != NULL) != plugged)
		r = pthread_cond_timedwait(&bed->cond, &bed->lock, &deadline);
	pthread_mutex_unlock(&bed->lock);
	return r ? -ETIMEDOUT : 0;
}

int usbfs_dev_unplug(struct usbfs_dev *dev)
{
	int r = emu_chip_unplug(dev->chip);

	return r < 0 ? r : dev_wait(dev, false);
}

int usbfs_dev_replug(struct usbfs_dev *dev)
{
	int r = emu_chip_replug(dev->chip);

	return r < 0 ? r : dev_wait(dev, true);
}

unsigned usbfs_dev_devnum(struct usbfs_dev *dev)
{
	unsigned devnum;

	pthread_mutex_lock(&dev->bed->lock);
	devnum = dev->node ? dev->node->devnum : 0;
	pthread_mutex_unlock(&dev->bed->lock);
	return devnum;
}

int usbfs_dev_devnode(struct usbfs_dev *dev, char *buf, size_t len)
{
	int r = -ENODEV;

	pthread_mutex_lock(&dev->bed->lock);
	if (dev->node) {
		snprintf(buf, len, "%s", dev->node->devnode);
		r = 0;
	}
	pthread_mutex_unlock(&dev->bed->lock);
	return r;
}

/* --- The bed ------------------------------------------------------------------- */

struct usbfs_bed *usbfs_bed_new(void)
{
	struct usbfs_bed *bed = calloc(1, sizeof(*bed));

	if (!bed)
		return NULL;
	umockdev_enter();
	bed->testbed = umockdev_testbed_new();
	bed->root = umockdev_testbed_get_root_dir(bed->testbed);
	umockdev_leave();
	bed->next_devnum = DEVNUM_FIRST;
	pthread_mutex_init(&bed->lock, NULL);
	cond_init_monotonic(&bed->cond);
	return bed;
}

struct usbfs_dev *usbfs_bed_plug(struct usbfs_bed *bed, struct emu_chip *chip, const char *port)
{
	struct usbfs_dev *dev;
	unsigned bus, hub_port;
	char rest;
	int r = 0;

	if (sscanf(port, "%u-%u%c", &bus, &hub_port, &rest) != 2 || bus == 0 || bus > 127 ||
	    hub_port == 0 || hub_port > 31) {
		errno = EINVAL;
		return NULL;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	dev->bed = bed;
	dev->chip = chip;
	dev->busnum = bus;
	snprintf(dev->port, sizeof(dev->port), "%u-%u", bus, hub_port);
	snprintf(dev->syspath, sizeof(dev->syspath), "/sys/devices/pci0000:00/0000:00:14.0/usb%u/%s",
		 bus, dev->port);
	dev->listener = (struct emu_listener){ .plugged = chip_plugged, .user_data = dev };

	pthread_mutex_lock(&bed->lock);
	dev->next = bed->devs;
	bed->devs = dev;
	pthread_mutex_unlock(&bed->lock);
	/* From here on the listener may attach it too; attaching is idempotent. */
	emu_chip_set_listener(chip, &dev->listener);
	pthread_mutex_lock(&bed->lock);
	if (emu_chip_plugged(chip) && !dev->node)
		r = dev_attach(dev);
	pthread_mutex_unlock(&bed->lock);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	return dev;
}

struct usbfs_bed *usbfs_bed_free(struct usbfs_bed *bed)
{
	struct usbfs_dev *dev;

	if (!bed)
		return NULL;
	for (dev = bed->devs; dev; dev = dev->next)
		emu_chip_set_listener(dev->chip, NULL);
	while (bed->nodes) {
		struct usbfs_node *n = bed->nodes;

		bed->nodes = n->next;
		node_free(bed->testbed, n);
	}
	while (bed->devs) {
		dev = bed->devs;
		bed->devs = dev->next;
		free(dev);
	}
	umockdev_enter();
	g_object_unref(bed->testbed);
	umockdev_leave();
	g_free(bed->root);
	pthread_cond_destroy(&bed->cond);
	pthread_mutex_destroy(&bed->lock);
	free(bed);
	return NULL;
}
