// SPDX-License-Identifier: GPL-2.0-or-later
#include "usbip.h"

#include <errno.h>
#include <string.h>

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The five words after the basic header, whichever command it is. */
static void words(const struct usbip_header *h, uint32_t w[5])
{
	memset(w, 0, 5 * sizeof(*w));
	switch (h->command) {
	case USBIP_CMD_SUBMIT:
		w[0] = h->u.submit.flags;
		w[1] = h->u.submit.length;
		w[2] = (uint32_t)h->u.submit.start_frame;
		w[3] = h->u.submit.packets;
		w[4] = (uint32_t)h->u.submit.interval;
		break;
	case USBIP_RET_SUBMIT:
		w[0] = (uint32_t)h->u.ret_submit.status;
		w[1] = h->u.ret_submit.actual;
		w[2] = (uint32_t)h->u.ret_submit.start_frame;
		w[3] = h->u.ret_submit.packets;
		w[4] = (uint32_t)h->u.ret_submit.error_count;
		break;
	case USBIP_CMD_UNLINK:
		w[0] = h->u.unlink.seqnum;
		break;
	case USBIP_RET_UNLINK:
		w[0] = (uint32_t)h->u.ret_unlink.status;
		break;
	}
}

void usbip_header_pack(const struct usbip_header *h, uint8_t out[USBIP_HEADER_SIZE])
{
	uint32_t w[5];

	memset(out, 0, USBIP_HEADER_SIZE);
	put32(out, h->command);
	put32(out + 4, h->seqnum);
	put32(out + 8, h->devid);
	put32(out + 12, h->direction);
	put32(out + 16, h->ep);
	words(h, w);
	for (unsigned i = 0; i < 5; i++)
		put32(out + 20 + 4 * i, w[i]);
	if (h->command == USBIP_CMD_SUBMIT)
		memcpy(out + 40, h->u.submit.setup, sizeof(h->u.submit.setup));
}

int usbip_header_unpack(const uint8_t in[USBIP_HEADER_SIZE], struct usbip_header *h)
{
	const uint8_t *w = in + 20;

	memset(h, 0, sizeof(*h));
	h->command = get32(in);
	h->seqnum = get32(in + 4);
	h->devid = get32(in + 8);
	h->direction = get32(in + 12);
	h->ep = get32(in + 16);
	switch (h->command) {
	case USBIP_CMD_SUBMIT:
		h->u.submit.flags = get32(w);
		h->u.submit.length = get32(w + 4);
		h->u.submit.start_frame = (int32_t)get32(w + 8);
		h->u.submit.packets = get32(w + 12);
		h->u.submit.interval = (int32_t)get32(w + 16);
		memcpy(h->u.submit.setup, in + 40, sizeof(h->u.submit.setup));
		break;
	case USBIP_RET_SUBMIT:
		h->u.ret_submit.status = (int32_t)get32(w);
		h->u.ret_submit.actual = get32(w + 4);
		h->u.ret_submit.start_frame = (int32_t)get32(w + 8);
		h->u.ret_submit.packets = get32(w + 12);
		h->u.ret_submit.error_count = (int32_t)get32(w + 16);
		break;
	case USBIP_CMD_UNLINK:
		h->u.unlink.seqnum = get32(w);
		break;
	case USBIP_RET_UNLINK:
		h->u.ret_unlink.status = (int32_t)get32(w);
		break;
	default:
		return -EPROTO;
	}
	return h->direction <= USBIP_DIR_IN ? 0 : -EPROTO;
}
