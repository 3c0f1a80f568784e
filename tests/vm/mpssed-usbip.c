// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mpssed-usbip: one emulated chip plugged into this machine's kernel
 * through vhci-hcd, driven by a test script over a unix socket.
 *
 *   mpssed-usbip serve SOCKET [--model M] [--serial S] [--timing]
 *   mpssed-usbip SOCKET COMMAND [ARGS...]   (prints the answer; exit 1 on "err")
 *
 * Commands: plug; unplug [close|detach]; input INTF LINE 0|1; wire INTF
 * OUT IN; unwire INTF IN; wave INTF LINE HZ; pins INTF; stats INTF; quit.
 * "input" answers the CLOCK_MONOTONIC time of the change, so a script can
 * time how late the change reaches userspace in the same guest.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/macros.h"
#include "emu/emu.h"
#include "usbip/usbip.h"

#define VHCI_DIR "/sys/devices/platform/vhci_hcd.0"
#define LINE_MAX_LEN 256
#define ARGS_MAX 8

struct server {
	struct emu_chip *chip;
	struct usbip_link *link;
	int port;
	uint32_t plugs;
	bool quit;
};

typedef int (*cmd_fn)(struct server *s, int argc, char **argv, char *out, size_t n);

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int parse_uint(const char *s, unsigned max, unsigned *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 0);
	if (errno || end == s || *end || x > max)
		return -EINVAL;
	*v = (unsigned)x;
	return 0;
}

/* Devids as usbipd makes them (busnum << 16 | devnum); a new one per plug. */
static int cmd_plug(struct server *s, int argc, char **argv, char *out, size_t n)
{
	_cleanup_close_ int kernel_end = -1;
	uint32_t devid = 0x10000u | (2 + s->plugs % 120);
	int sv[2], r;

	(void)argc, (void)argv;
	if (s->link)
		return -EALREADY;
	if (!emu_chip_plugged(s->chip) && (r = emu_chip_replug(s->chip)) < 0)
		return r;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	kernel_end = sv[1];
	r = usbip_link_open(s->chip, sv[0], devid, &s->link);
	if (r < 0)
		return r;
	/* vhci-hcd keeps its own reference to the socket; ours goes at return. */
	r = usbip_vhci_attach(VHCI_DIR, kernel_end, devid);
	if (r < 0) {
		s->link = usbip_link_close(s->link);
		return r;
	}
	s->port = r;
	s->plugs++;
	snprintf(out, n, "port %d devid %#x", s->port, devid);
	return 0;
}

/*
 * As a cable pull: the kernel loses the device first (socket closed, or
 * the port detached), then the chip loses power.
 */
static int cmd_unplug(struct server *s, int argc, char **argv, char *out, size_t n)
{
	bool detach = argc > 1 && strcmp(argv[1], "detach") == 0;
	int r = 0;

	(void)out, (void)n;
	if (!s->link)
		return -ENODEV;
	if (argc > 1 && !detach && strcmp(argv[1], "close") != 0)
		return -EINVAL;
	if (detach)
		r = usbip_vhci_detach(VHCI_DIR, s->port);
	s->link = usbip_link_close(s->link);
	emu_chip_unplug(s->chip);
	return r;
}

static int parse_args(int argc, char **argv, unsigned *v, const unsigned *max, int want)
{
	if (argc != want + 1)
		return -EINVAL;
	for (int i = 0; i < want; i++) {
		if (parse_uint(argv[i + 1], max[i], &v[i]) < 0)
			return -EINVAL;
	}
	return 0;
}

static const unsigned pin_max[] = { EMU_INTERFACES_MAX - 1, EMU_LINES_MAX - 1, EMU_LINES_MAX - 1 };

static int cmd_input(struct server *s, int argc, char **argv, char *out, size_t n)
{
	static const unsigned max[] = { EMU_INTERFACES_MAX - 1, EMU_LINES_MAX - 1, 1 };
	unsigned v[3];
	uint64_t t;
	int r = parse_args(argc, argv, v, max, 3);

	if (r < 0)
		return r;
	t = now_ns();
	r = emu_chip_set_input(s->chip, v[0], v[1], v[2]);
	snprintf(out, n, "%llu", (unsigned long long)t);
	return r;
}

static int cmd_wire(struct server *s, int argc, char **argv, char *out, size_t n)
{
	unsigned v[3];
	int r = parse_args(argc, argv, v, pin_max, 3);

	(void)out, (void)n;
	return r < 0 ? r : emu_chip_wire(s->chip, v[0], v[1], v[2]);
}

static int cmd_unwire(struct server *s, int argc, char **argv, char *out, size_t n)
{
	unsigned v[2];
	int r = parse_args(argc, argv, v, pin_max, 2);

	(void)out, (void)n;
	return r < 0 ? r : emu_chip_unwire(s->chip, v[0], v[1]);
}

static int cmd_wave(struct server *s, int argc, char **argv, char *out, size_t n)
{
	static const unsigned max[] = { EMU_INTERFACES_MAX - 1, EMU_LINES_MAX - 1, 100000 };
	unsigned v[3];
	int r = parse_args(argc, argv, v, max, 3);

	(void)out, (void)n;
	return r < 0 ? r : emu_chip_square_wave(s->chip, v[0], v[1], v[2]);
}

static int cmd_pins(struct server *s, int argc, char **argv, char *out, size_t n)
{
	unsigned v[1];
	int r = parse_args(argc, argv, v, pin_max, 1);

	if (r < 0)
		return r;
	snprintf(out, n, "levels 0x%04x directions 0x%04x", emu_chip_pins(s->chip, v[0]),
		 emu_chip_directions(s->chip, v[0]));
	return 0;
}

static int cmd_stats(struct server *s, int argc, char **argv, char *out, size_t n)
{
	struct emu_stats st;
	unsigned v[1];
	int r = parse_args(argc, argv, v, pin_max, 1);

	if (r < 0)
		return r;
	emu_chip_stats(s->chip, v[0], &st);
	snprintf(out, n, "bulk_in %llu bulk_out %llu send_immediate %llu pin_reads %llu latency_ms %u in_flight_max %u",
		 (unsigned long long)st.bulk_in, (unsigned long long)st.bulk_out,
		 (unsigned long long)st.send_immediate, (unsigned long long)st.pin_reads, st.latency_ms,
		 st.in_flight_max);
	return 0;
}

static int cmd_quit(struct server *s, int argc, char **argv, char *out, size_t n)
{
	(void)argc, (void)argv, (void)out, (void)n;
	s->quit = true;
	return 0;
}

static const struct {
	const char *name;
	cmd_fn fn;
} commands[] = {
	{ "plug", cmd_plug },	{ "unplug", cmd_unplug }, { "input", cmd_input }, { "wire", cmd_wire },
	{ "unwire", cmd_unwire }, { "wave", cmd_wave },	  { "pins", cmd_pins },	  { "stats", cmd_stats },
	{ "quit", cmd_quit },
};

static void run_command(struct server *s, char *line, char *reply, size_t n)
{
	char *argv[ARGS_MAX], *save = NULL, out[LINE_MAX_LEN] = "";
	int argc = 0, r = -EINVAL;

	for (char *t = strtok_r(line, " \t\r\n", &save); t && argc < ARGS_MAX; t = strtok_r(NULL, " \t\r\n", &save))
		argv[argc++] = t;
	for (size_t i = 0; argc && i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[0], commands[i].name) == 0)
			r = commands[i].fn(s, argc, argv, out, sizeof(out));
	}
	if (r < 0)
		snprintf(reply, n, "err %s\n", strerror(-r));
	else
		snprintf(reply, n, "ok%s%s\n", *out ? " " : "", out);
}

static int sock_addr(const char *path, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path))
		return -ENAMETOOLONG;
	strcpy(a->sun_path, path);
	return 0;
}

static void serve_one(struct server *s, int fd)
{
	char line[LINE_MAX_LEN], reply[LINE_MAX_LEN * 2];
	ssize_t len = read(fd, line, sizeof(line) - 1);

	if (len <= 0)
		return;
	line[len] = 0;
	run_command(s, line, reply, sizeof(reply));
	if (write(fd, reply, strlen(reply)) < 0)
		fprintf(stderr, "mpssed-usbip: reply: %m\n");
	fprintf(stderr, "mpssed-usbip: %.*s -> %s", (int)strcspn(line, "\n"), line, reply);
}

static int serve(const char *path, const struct emu_config *cfg)
{
	_cleanup_close_ int lfd = -1;
	struct server s = { .port = -1 };
	struct sockaddr_un a;

	if (sock_addr(path, &a) < 0)
		return 1;
	s.chip = emu_chip_new(cfg);
	if (!s.chip) {
		fprintf(stderr, "mpssed-usbip: emulator: %m\n");
		return 1;
	}
	/* Not plugged in until the script says so. */
	emu_chip_unplug(s.chip);
	unlink(path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 4) < 0) {
		fprintf(stderr, "mpssed-usbip: %s: %m\n", path);
		emu_chip_free(s.chip);
		return 1;
	}
	while (!s.quit) {
		_cleanup_close_ int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0)
			serve_one(&s, fd);
		else if (errno != EINTR)
			break;
	}
	usbip_link_close(s.link);
	emu_chip_free(s.chip);
	unlink(path);
	return 0;
}

static int client(const char *path, int argc, char **argv)
{
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char line[LINE_MAX_LEN] = "", reply[LINE_MAX_LEN * 2];
	struct sockaddr_un a;
	ssize_t len;

	for (int i = 0; i < argc; i++) {
		strncat(line, argv[i], sizeof(line) - strlen(line) - 2);
		strcat(line, i + 1 < argc ? " " : "\n");
	}
	if (fd < 0 || sock_addr(path, &a) < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    write(fd, line, strlen(line)) < 0) {
		fprintf(stderr, "mpssed-usbip: %s: %m\n", path);
		return 2;
	}
	len = read(fd, reply, sizeof(reply) - 1);
	if (len <= 0)
		return 2;
	reply[len] = 0;
	fputs(reply, stdout);
	return strncmp(reply, "ok", 2) == 0 ? 0 : 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: mpssed-usbip serve SOCKET [--model M] [--serial S] [--timing]\n"
			"       mpssed-usbip SOCKET COMMAND [ARGS...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct emu_config cfg = { .model = EMU_FT232H };
	int m;

	signal(SIGPIPE, SIG_IGN);
	if (argc >= 3 && strcmp(argv[1], "serve") == 0) {
		for (int i = 3; i < argc; i++) {
			if (strcmp(argv[i], "--timing") == 0)
				cfg.timing = true;
			else if (strcmp(argv[i], "--model") == 0 && i + 1 < argc) {
				m = emu_model_from_name(argv[++i]);
				if (m < 0)
					return usage();
				cfg.model = (enum emu_model)m;
			} else if (strcmp(argv[i], "--serial") == 0 && i + 1 < argc)
				cfg.serial = argv[++i];
			else
				return usage();
		}
		return serve(argv[2], &cfg);
	}
	if (argc >= 3)
		return client(argv[1], argc - 2, argv + 2);
	return usage();
}
