// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The USB/IP front-end as the kernel's vhci-hcd sees it: this test plays
 * the vhci side of a socketpair and checks the answers byte by byte, so
 * the VM tier meets a front-end whose protocol is already known good.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "usbip/usbip.h"

#define WAIT_MS 3000
#define QUIET_MS 400	/* longer than the 255 ms latency timer we set */
#define INTF_A 1	/* wIndex of interface A in FTDI vendor requests */

struct peer {
	int fd;
	uint32_t seqnum;
};

/* 1: got a message; 0: nothing within ms; -1: hung up or broken. */
static int recv_msg(struct peer *p, struct usbip_header *h, int ms)
{
	uint8_t head[USBIP_HEADER_SIZE];
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	if (poll(&pfd, 1, ms) <= 0)
		return 0;
	if (recv(p->fd, head, sizeof(head), MSG_WAITALL) != (ssize_t)sizeof(head))
		return -1;
	if (usbip_header_unpack(head, h) < 0)
		return -1;
	return 1;
}

/* Reads the IN data that follows a RET_SUBMIT; the caller knows it is IN. */
static int recv_data(struct peer *p, uint8_t *data, size_t len)
{
	return len == 0 || recv(p->fd, data, len, MSG_WAITALL) == (ssize_t)len ? 0 : -1;
}

static uint32_t send_submit(struct peer *p, uint32_t dir, uint32_t ep, uint32_t len, const uint8_t setup[8],
			    const void *out)
{
	struct usbip_header h = {
		.command = USBIP_CMD_SUBMIT,
		.seqnum = ++p->seqnum,
		.devid = 0x10002,
		.direction = dir,
		.ep = ep,
		.u.submit = { .length = len, .packets = USBIP_NON_ISO },
	};
	uint8_t head[USBIP_HEADER_SIZE];

	if (setup)
		memcpy(h.u.submit.setup, setup, 8);
	usbip_header_pack(&h, head);
	if (write(p->fd, head, sizeof(head)) != (ssize_t)sizeof(head))
		return 0;
	if (dir == USBIP_DIR_OUT && len && write(p->fd, out, len) != (ssize_t)len)
		return 0;
	return h.seqnum;
}

static uint32_t send_unlink(struct peer *p, uint32_t victim)
{
	struct usbip_header h = {
		.command = USBIP_CMD_UNLINK,
		.seqnum = ++p->seqnum,
		.devid = 0x10002,
		.u.unlink.seqnum = victim,
	};
	uint8_t head[USBIP_HEADER_SIZE];

	usbip_header_pack(&h, head);
	return write(p->fd, head, sizeof(head)) == (ssize_t)sizeof(head) ? h.seqnum : 0;
}

/* A control transfer answered by RET_SUBMIT; returns its status, data in buf. */
static int control(struct peer *p, uint8_t type, uint8_t req, uint16_t value, uint16_t index, uint16_t length,
		   uint8_t *buf, uint32_t *actual)
{
	const uint8_t setup[8] = { type, req, (uint8_t)value, (uint8_t)(value >> 8), (uint8_t)index,
				   (uint8_t)(index >> 8), (uint8_t)length, (uint8_t)(length >> 8) };
	uint32_t dir = (type & 0x80) ? USBIP_DIR_IN : USBIP_DIR_OUT;
	uint32_t seq = send_submit(p, dir, 0, length, setup, buf);
	struct usbip_header h;

	if (!seq || recv_msg(p, &h, WAIT_MS) != 1 || h.command != USBIP_RET_SUBMIT || h.seqnum != seq)
		return -EIO;
	*actual = h.u.ret_submit.actual;
	if (dir == USBIP_DIR_IN && recv_data(p, buf, h.u.ret_submit.actual) < 0)
		return -EIO;
	return h.u.ret_submit.status;
}

static void test_codec(void)
{
	struct usbip_header h = {
		.command = USBIP_CMD_SUBMIT, .seqnum = 0x01020304, .devid = 0x10002, .direction = 1, .ep = 1,
		.u.submit = { .flags = 0x200, .length = 512, .start_frame = -1, .packets = USBIP_NON_ISO,
			      .interval = 7, .setup = { 0xc0, 0x90, 1, 2, 3, 4, 5, 6 } },
	}, back;
	uint8_t b[USBIP_HEADER_SIZE];

	usbip_header_pack(&h, b);
	tap_ok(b[3] == 1 && b[4] == 1 && b[7] == 4 && b[9] == 1 && b[11] == 2 && b[15] == 1 && b[19] == 1,
	       "codec: basic header fields are big-endian at their offsets");
	tap_ok(b[26] == 2 && b[27] == 0 && b[28] == 0xff && b[36] == 0 && b[39] == 7 && b[40] == 0xc0 &&
		       b[47] == 6,
	       "codec: CMD_SUBMIT length, start_frame, interval big-endian; setup raw at 40");
	tap_ok(usbip_header_unpack(b, &back) == 0 && memcmp(&h, &back, sizeof(h)) == 0,
	       "codec: CMD_SUBMIT unpacks to what was packed");
	b[3] = 9;
	tap_ok(usbip_header_unpack(b, &back) == -EPROTO, "codec: an unknown command is -EPROTO");
	b[3] = 1;
	b[15] = 2;
	tap_ok(usbip_header_unpack(b, &back) == -EPROTO, "codec: a direction other than 0/1 is -EPROTO");
}

static void test_control(struct peer *p, struct emu_chip *chip)
{
	uint8_t buf[64], want[64];
	uint32_t actual = 0;
	int r;

	r = control(p, 0x80, 6, 0x0100, 0, 64, buf, &actual);
	emu_chip_descriptors(chip, want, sizeof(want));
	tap_ok(r == 0 && actual == 18 && memcmp(buf, want, 18) == 0,
	       "GET_DESCRIPTOR(device) answers the chip's 18-byte descriptor (status %d, %u bytes)", r, actual);
	r = control(p, 0x40, 0x0b, 0x0200, INTF_A, 0, buf, &actual);
	tap_ok(r == 0 && actual == 0 && emu_chip_mpsse_enabled(chip, 0),
	       "vendor OUT SET_BITMODE(MPSSE) reaches the chip (status %d)", r);
	r = control(p, 0x40, 0x09, 255, INTF_A, 0, buf, &actual);
	tap_ok(r == 0, "vendor OUT SET_LATENCY(255) succeeds");
	r = control(p, 0xc0, 0x77, 0, INTF_A, 2, buf, &actual);
	tap_ok(r == -EPIPE && actual == 0, "an unknown vendor request stalls: status -EPIPE (%d)", r);
}

static void test_bulk(struct peer *p, struct emu_chip *chip)
{
	const uint8_t cmds[] = { 0x80, 0x01, 0x01, 0x81, 0x87 };
	struct usbip_header h;
	uint8_t in[512];
	uint32_t seq;
	int r;

	seq = send_submit(p, USBIP_DIR_OUT, 2, sizeof(cmds), NULL, cmds);
	r = recv_msg(p, &h, WAIT_MS);
	tap_ok(r == 1 && h.seqnum == seq && h.u.ret_submit.status == 0 && h.u.ret_submit.actual == sizeof(cmds) &&
		       h.u.ret_submit.packets == USBIP_NON_ISO && (emu_chip_pins(chip, 0) & 1),
	       "bulk OUT to ep 2 runs the MPSSE commands: AD0 is driven high");
	seq = send_submit(p, USBIP_DIR_IN, 1, sizeof(in), NULL, NULL);
	r = recv_msg(p, &h, WAIT_MS);
	tap_ok(r == 1 && h.seqnum == seq && h.u.ret_submit.status == 0 && h.u.ret_submit.actual == 3 &&
		       recv_data(p, in, 3) == 0 && in[0] == EMU_STATUS_BYTE0 && in[1] == EMU_STATUS_BYTE1 &&
		       (in[2] & 1),
	       "bulk IN from ep 1 brings the status bytes and the 0x81 answer with AD0 high");
}

static void test_unlink(struct peer *p)
{
	const uint8_t cmds[] = { 0x81, 0x87 };
	struct usbip_header h;
	uint8_t in[512];
	uint32_t seq, useq;
	int r;

	/* Nothing waits in the chip and the latency timer is 255 ms: the IN stays pending. */
	seq = send_submit(p, USBIP_DIR_IN, 1, sizeof(in), NULL, NULL);
	useq = send_unlink(p, seq);
	r = recv_msg(p, &h, WAIT_MS);
	tap_ok(r == 1 && h.command == USBIP_RET_UNLINK && h.seqnum == useq && h.u.ret_unlink.status == -ECONNRESET,
	       "CMD_UNLINK of a pending IN answers RET_UNLINK -ECONNRESET with the unlink's seqnum");
	r = recv_msg(p, &h, QUIET_MS);
	tap_ok(r == 0, "and no RET_SUBMIT follows for the unlinked URB");

	seq = send_submit(p, USBIP_DIR_OUT, 2, sizeof(cmds), NULL, cmds);
	r = recv_msg(p, &h, WAIT_MS);
	seq = send_submit(p, USBIP_DIR_IN, 1, sizeof(in), NULL, NULL);
	r = recv_msg(p, &h, WAIT_MS);
	r = r == 1 && h.seqnum == seq ? recv_data(p, in, h.u.ret_submit.actual) : -1;
	useq = send_unlink(p, seq);
	r = r == 0 ? recv_msg(p, &h, WAIT_MS) : -1;
	tap_ok(r == 1 && h.command == USBIP_RET_UNLINK && h.seqnum == useq && h.u.ret_unlink.status == 0,
	       "CMD_UNLINK of a URB already answered gets RET_UNLINK status 0");
}

static void test_unplug(struct peer *p, struct emu_chip *chip)
{
	struct usbip_header h;
	uint32_t seq;
	int r;

	seq = send_submit(p, USBIP_DIR_IN, 1, 512, NULL, NULL);
	usleep(50 * 1000);
	emu_chip_unplug(chip);
	r = recv_msg(p, &h, WAIT_MS);
	tap_ok(r == 1 && h.seqnum == seq && h.u.ret_submit.status == -ESHUTDOWN && h.u.ret_submit.actual == 0,
	       "a pending IN of a chip that is unplugged completes with -ESHUTDOWN, as usbcore's would");
	emu_chip_replug(chip);
}

static void test_protocol_error(struct emu_chip *chip)
{
	struct usbip_link *link = NULL;
	uint8_t junk[USBIP_HEADER_SIZE] = { 0, 0, 0, 7 };
	struct usbip_header h;
	struct peer p = { -1, 0 };
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || usbip_link_open(chip, sv[0], 1, &link) < 0) {
		tap_ok(false, "socketpair and link for the protocol error");
		return;
	}
	p.fd = sv[1];
	tap_ok(write(p.fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk) &&
		       recv_msg(&p, &h, WAIT_MS) == -1 && !usbip_link_alive(link),
	       "an unknown command makes the link hang up");
	usbip_link_close(link);
	close(p.fd);
}

static void test_close_pending(struct emu_chip *chip)
{
	struct usbip_link *link = NULL;
	struct usbip_link_stats st;
	struct peer p = { -1, 0 };
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || usbip_link_open(chip, sv[0], 1, &link) < 0) {
		tap_ok(false, "socketpair and link for the close");
		return;
	}
	p.fd = sv[1];
	/* The replugged chip is at power-on state: latency 16 ms, so the INs keep completing. */
	for (int i = 0; i < 4; i++)
		send_submit(&p, USBIP_DIR_IN, 1, 512, NULL, NULL);
	usleep(20 * 1000);
	usbip_link_stats(link, &st);
	usbip_link_close(link);
	tap_ok(st.submits == 4, "the link counts four submits (%llu) and closes with them pending",
	       (unsigned long long)st.submits);
	close(p.fd);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static void test_vhci(void)
{
	char dir[] = "/tmp/test-usbip-XXXXXX", path[128], got[64] = "";
	FILE *f;
	int r;

	if (!mkdtemp(dir)) {
		tap_ok(false, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/status", dir);
	write_file(path, "hub port sta spd dev      sockfd local_busid\n"
			 "hs  0000 006 003 00010002 000005 1-1\n"
			 "hs  0001 004 000 00000000 000000 0-0\n"
			 "ss  0008 004 000 00000000 000000 0-0\n");
	snprintf(path, sizeof(path), "%s/attach", dir);
	write_file(path, "");
	r = usbip_vhci_attach(dir, 7, 0x10003);
	f = fopen(path, "re");
	if (f) {
		if (!fgets(got, sizeof(got), f))
			got[0] = 0;
		fclose(f);
	}
	tap_ok(r == 1 && strcmp(got, "1 7 65539 3") == 0,
	       "vhci attach takes the first free high-speed port and writes \"port sockfd devid speed\" (%d, '%s')",
	       r, got);
	snprintf(path, sizeof(path), "%s/status", dir);
	write_file(path, "hub port sta spd dev      sockfd local_busid\n"
			 "hs  0000 006 003 00010002 000005 1-1\n"
			 "ss  0008 004 000 00000000 000000 0-0\n");
	tap_ok(usbip_vhci_attach(dir, 7, 1) == -EBUSY, "no free high-speed port is -EBUSY");
	unlink(path);
	snprintf(path, sizeof(path), "%s/attach", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	struct emu_config cfg = { .model = EMU_FT232H };
	struct emu_chip *chip = emu_chip_new(&cfg);
	struct usbip_link *link = NULL;
	struct peer p = { -1, 0 };
	int sv[2];

	tap_plan(20);
	test_codec();
	if (!chip || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    usbip_link_open(chip, sv[0], 0x10002, &link) < 0) {
		tap_diag("cannot set up the emulator and the link: %s", strerror(errno));
		return 1;
	}
	p.fd = sv[1];
	test_control(&p, chip);
	test_bulk(&p, chip);
	test_unlink(&p);
	test_unplug(&p, chip);
	shutdown(p.fd, SHUT_WR);
	for (int i = 0; i < WAIT_MS / 10 && usbip_link_alive(link); i++)
		usleep(10 * 1000);
	tap_ok(!usbip_link_alive(link), "the link sees the peer hang up");
	usbip_link_close(link);
	close(p.fd);
	test_protocol_error(chip);
	test_close_pending(chip);
	test_vhci();
	emu_chip_free(chip);
	return tap_done();
}
