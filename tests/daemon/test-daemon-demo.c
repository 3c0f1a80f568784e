// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The demo pin world (--emulate ft232h, world=demo by default): line 0
 * wired to line 4, so a value set on line 0 reads back on line 4, and a
 * 2 Hz square wave on line 15 that an edge request sees every 250 ms.
 */
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"
#include "client.h"

#define CHIP "demo"
#define FLAG(x) GPIO_V2_LINE_FLAG_##x

int main(void)
{
	const char *args[] = { "--emulate", "ft232h:name=" CHIP, NULL };
	struct gpio_v2_line_event ev[2] = { 0 };
	struct daemon d;
	unsigned zero = 0, four = 4, wave = 15;
	uint64_t bits = 2, gap_ms = 0;
	int ctl, chip, out = -1, in = -1, edges = -1, ms;
	bool ok;

	tap_plan(5);
	if (daemon_start(&d, false, args) < 0)
		tap_bail("mpssed did not start (%s)", daemon_binary());
	ctl = cl_open(daemon_path(&d, MPSSED_CONTROL_SOCKET));
	chip = cl_open(daemon_path(&d, CHIP));
	ok = chip >= 0 && cl_request(chip, &zero, 1, FLAG(OUTPUT), 0, 0, &out) == 0 &&
	     cl_request(chip, &four, 1, FLAG(INPUT), 0, 0, &in) == 0;
	tap_ok(ok && cl_set(out, 1, 1) == 0 && cl_get(in, 1, &bits) == 0 && bits == 1,
	       "line 0 set to 1 reads 1 on line 4");
	tap_ok(cl_set(out, 1, 0) == 0 && cl_get(in, 1, &bits) == 0 && bits == 0,
	       "line 0 set to 0 reads 0 on line 4");
	ok = cl_request(chip, &wave, 1, FLAG(INPUT) | FLAG(EDGE_RISING) | FLAG(EDGE_FALLING), 0, 0,
			&edges) == 0 &&
	     cl_read_event(edges, &ev[0], 2000) == 1 && cl_read_event(edges, &ev[1], 2000) == 1;
	if (ok)
		gap_ms = (ev[1].timestamp_ns - ev[0].timestamp_ns) / 1000000;
	tap_ok(ok && ev[0].offset == 15 && ev[1].id != ev[0].id,
	       "line 15 carries a square wave: alternating edges");
	tap_ok(gap_ms >= 150 && gap_ms <= 350, "250 ms apart, as 2 Hz makes them (%llu ms)",
	       (unsigned long long)gap_ms);
	close(out);
	close(in);
	close(edges);
	close(chip);
	close(ctl);
	ms = daemon_stop(&d, GUARD_MS);
	tap_ok(ms >= 0 && WIFEXITED(d.status) && WEXITSTATUS(d.status) == 0,
	       "SIGTERM: exit status 0");
	daemon_cleanup(&d);
	return tap_done();
}
