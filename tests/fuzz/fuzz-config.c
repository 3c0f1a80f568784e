// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The configuration parser (src/config) against any text an administrator
 * or an editor accident may leave in /etc/mpssed.conf. Promises checked:
 * a good file gives a config, a bad one -EINVAL with a reason and the line
 * it is about (never past the end of the text), and the same text always
 * gets the same verdict, since SIGHUP re-reads files that did not change.
 */
#include <errno.h>
#include <string.h>

#include "config/config.h"
#include "fuzz.h"

/* Lines in the text, counting a last one without a newline. */
static unsigned count_lines(const uint8_t *data, size_t size)
{
	unsigned n = size && data[size - 1] != '\n';

	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n';
	return n;
}

static int parse_once(const uint8_t *data, size_t size, struct config_error *err)
{
	struct config *config = NULL;
	int r;

	memset(err, 0, sizeof(*err));
	r = config_parse((const char *)data, size, &config, err);
	fuzz_assert(r == 0 || r == -EINVAL || r == -ENOMEM, "config_parse = %d", r);
	fuzz_assert((r == 0) == (config != NULL), "config_parse = %d with config %p", r,
		    (void *)config);
	config_free(config);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_error first, again;
	int r = parse_once(data, size, &first);

	if (r == -EINVAL) {
		fuzz_assert(first.reason[0], "refused at line %u without a reason", first.line);
		fuzz_assert(first.line <= count_lines(data, size) + 1,
			    "refused at line %u of a %u-line text", first.line,
			    count_lines(data, size));
	}
	fuzz_assert(parse_once(data, size, &again) == r && again.line == first.line &&
			    !strcmp(again.reason, first.reason),
		    "a second parse of the same text gave another verdict");
	return 0;
}
