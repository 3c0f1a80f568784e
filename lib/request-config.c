// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * struct mpssed_request_config: what a request says about itself rather
 * than its lines: consumer name, event queue size, persistence.
 */
#include <stdlib.h>

#include "lib/internal.h"

struct mpssed_request_config {
	char consumer[GPIO_MAX_NAME_SIZE];
	size_t event_buffer_size;
	bool persist;
};

_public_ struct mpssed_request_config *mpssed_request_config_new(void)
{
	return calloc(1, sizeof(struct mpssed_request_config));
}

_public_ void mpssed_request_config_free(struct mpssed_request_config *config)
{
	free(config);
}

_public_ void mpssed_request_config_set_consumer(struct mpssed_request_config *config,
						 const char *consumer)
{
	copy_cut(config->consumer, sizeof(config->consumer), consumer ? consumer : "");
}

_public_ const char *mpssed_request_config_get_consumer(struct mpssed_request_config *config)
{
	return config->consumer[0] ? config->consumer : NULL;
}

_public_ void mpssed_request_config_set_event_buffer_size(struct mpssed_request_config *config,
							  size_t event_buffer_size)
{
	config->event_buffer_size = event_buffer_size;
}

_public_ size_t mpssed_request_config_get_event_buffer_size(struct mpssed_request_config *config)
{
	return config->event_buffer_size;
}

_public_ void mpssed_request_config_set_persist(struct mpssed_request_config *config, bool persist)
{
	config->persist = persist;
}

_public_ bool mpssed_request_config_get_persist(struct mpssed_request_config *config)
{
	return config->persist;
}

void request_config_to_uapi(struct mpssed_request_config *config, struct mpssed_request_lines *out)
{
	if (!config)
		return;
	copy_cut(out->request.consumer, sizeof(out->request.consumer), config->consumer);
	/* The kernel clamps oversized buffers rather than refusing them; so do we. */
	out->request.event_buffer_size =
		config->event_buffer_size > UINT32_MAX ? UINT32_MAX : (uint32_t)config->event_buffer_size;
	if (config->persist)
		out->flags |= MPSSED_REQUEST_PERSIST;
}
