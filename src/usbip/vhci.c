// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vhci-hcd's sysfs interface (drivers/usb/usbip/vhci_sysfs.c): "status"
 * lists every port as "hs  0000 004 ..." (hub, port, state; 4 is
 * VDEV_ST_NULL, free), "attach" takes "port sockfd devid speed" with the
 * sockfd looked up in the writer's own file table, "detach" takes a port.
 */
#include "usbip.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/macros.h"

#define VDEV_ST_NULL 4

static int write_attr(const char *dir, const char *name, const char *text)
{
	_cleanup_close_ int fd = -1;
	char path[512];
	size_t len = strlen(text);

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		return errno ? -errno : -EIO;
	return 0;
}

/* The first free high-speed port in the status file, or -EBUSY. */
static int free_hs_port(const char *dir)
{
	char path[512], line[256], hub[8];
	unsigned port, state;
	FILE *f;
	int r = -EBUSY;

	if ((size_t)snprintf(path, sizeof(path), "%s/status", dir) >= sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%7s %u %u", hub, &port, &state) == 3 && strcmp(hub, "hs") == 0 &&
		    state == VDEV_ST_NULL) {
			r = (int)port;
			break;
		}
	}
	fclose(f);
	return r;
}

int usbip_vhci_attach(const char *sysfs_dir, int fd, uint32_t devid)
{
	char text[64];
	int port, r;

	port = free_hs_port(sysfs_dir);
	if (port < 0)
		return port;
	snprintf(text, sizeof(text), "%d %d %u %d", port, fd, devid, USBIP_SPEED_HIGH);
	r = write_attr(sysfs_dir, "attach", text);
	return r < 0 ? r : port;
}

int usbip_vhci_detach(const char *sysfs_dir, int port)
{
	char text[16];

	snprintf(text, sizeof(text), "%d", port);
	return write_attr(sysfs_dir, "detach", text);
}
