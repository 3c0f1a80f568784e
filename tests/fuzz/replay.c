// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A fuzz target as a regression test: runs LLVMFuzzerTestOneInput() on
 * every file of the target's committed corpus (or on the files named on
 * the command line) and prints one TAP line per input. An input that
 * breaks a promise aborts, and the test fails with its name on the last
 * line printed. FUZZ_TARGET (the corpus directory's name) comes from the
 * build rule.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../tap.h"

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int read_file(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		fclose(f);
		return -EIO;
	}
	/* One byte more than needed: malloc(0) may return NULL. */
	*data = malloc((size_t)n + 1);
	*size = (size_t)n;
	if (!*data || fread(*data, 1, (size_t)n, f) != (size_t)n) {
		free(*data);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	return 0;
}

static void replay(const char *path, const char *name)
{
	uint8_t *data = NULL;
	size_t size = 0;
	int r = read_file(path, &data, &size);

	if (!tap_ok(r == 0, "%s: read (%s)", name, r ? strerror(-r) : "ok"))
		return;
	/* Announced first: if it crashes, the log says which input did it. */
	tap_diag("replaying %s (%zu bytes)", name, size);
	LLVMFuzzerTestOneInput(data, size);
	free(data);
	tap_ok(true, "%s: replayed, every promise kept", name);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	struct dirent **list;
	char dir[4096], path[8192];
	int n;

	LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			replay(argv[i], argv[i]);
		tap_plan(tap_count);
		return tap_done();
	}
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", top ? top : ".", FUZZ_TARGET);
	n = scandir(dir, &list, not_hidden, by_name);
	if (n < 0) {
		tap_ok(false, "corpus %s: %s", dir, strerror(errno));
		tap_plan(tap_count);
		return tap_done();
	}
	tap_ok(n > 0, "corpus %s has %d inputs", dir, n);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		replay(path, list[i]->d_name);
		free(list[i]);
	}
	free(list);
	tap_plan(tap_count);
	return tap_done();
}
