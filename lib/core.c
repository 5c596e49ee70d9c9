// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Handle lifetime, options and the handle's getters.  The transport
 * choice and the hypercall path are lib/transport.c's.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/growth.h"
#include "private.h"

#define DEFAULT_BFN_BASE (UINT64_C(1) << 32)
#define DEFAULT_BFN_COUNT (UINT64_C(1) << 30)
#define NR_HYPERCALLS XPI_NR_HYPERCALLS

XPI_EXPORT void xpi_options_init(struct xpi_options *opts)
{
	if (!opts)
		return;
	memset(opts, 0, sizeof(*opts));
	opts->size = sizeof(*opts);
	opts->backend = XPI_BACKEND_AUTO;
	opts->hypercall = PV_IOMMU_HYPERCALL_DEFAULT;
	opts->bfn_base = DEFAULT_BFN_BASE;
	opts->bfn_count = DEFAULT_BFN_COUNT;
	opts->max_batch_ops = XPI_BATCH_DEFAULT_MAX_OPS;
	opts->transport = NULL;
}

XPI_EXPORT const char *xpi_strategy_name(enum xpi_strategy strategy)
{
	switch (strategy) {
	case XPI_STRATEGY_MAP_FOREIGN:
		return "map_foreign";
	case XPI_STRATEGY_LOOKUP_FOREIGN:
		return "lookup_foreign";
	}
	return "?";
}

static int check_options(struct xpi_handle *h, const struct xpi_options *o)
{
	if (o->hypercall >= NR_HYPERCALLS) {
		xpi_err(h, -1, "hypercall number %u: must be below %d",
			o->hypercall, NR_HYPERCALLS);
		return -EINVAL;
	}
	if (o->bfn_count == 0 || o->bfn_base + o->bfn_count < o->bfn_base ||
	    o->bfn_base + o->bfn_count > (UINT64_C(1) << XPI_BFN_WIDTH)) {
		xpi_err(h, -1,
			"BFN window 0x%" PRIx64 "+0x%" PRIx64
			" is empty or leaves 2^%d",
			o->bfn_base, o->bfn_count, XPI_BFN_WIDTH);
		return -EINVAL;
	}
	if (o->max_batch_ops == 0 ||
	    o->max_batch_ops > XPI_BATCH_LIMIT_MAX_OPS) {
		xpi_err(h, -1, "max_batch_ops %u: must be 1..%u",
			o->max_batch_ops, XPI_BATCH_LIMIT_MAX_OPS);
		return -EINVAL;
	}
	if ((unsigned int)o->backend > XPI_BACKEND_SIM) {
		xpi_err(h, -1, "unknown backend %d", (int)o->backend);
		return -EINVAL;
	}
	return 0;
}

static void handle_free(struct xpi_handle *h)
{
	if (h->tops && h->tops->close)
		h->tops->close(h);
	else if (h->plug.close) /* taken, but failed before the transport */
		h->plug.close(h->plug.data);
	xpi_tracker_destroy(&h->tracker);
	xpi_bfn_destroy(&h->bfn);
	pthread_mutex_destroy(&h->lock);
	if (h->own_logger)
		xpi_logger_destroy(h->logger);
	free(h);
}

XPI_EXPORT int xpi_open_ex(xpi_handle **out, struct xentoollog_logger *logger,
			   unsigned int flags, const struct xpi_options *opts)
{
	struct xpi_options defaults;
	enum xpi_backend backend;
	struct xpi_handle *h;
	int rc;

	if (out)
		*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->logger = logger;
	if (!logger) {
		h->logger = xpi_stderr_logger_new();
		if (!h->logger) {
			free(h);
			return -ENOMEM;
		}
		h->own_logger = 1;
	}
	if (pthread_mutex_init(&h->lock, NULL)) {
		if (h->own_logger)
			xpi_logger_destroy(h->logger);
		free(h);
		return -ENOMEM;
	}
	/* The allocator and tracker are valid (empty) before any failure. */
	xpi_tracker_init(&h->tracker);
	xpi_bfn_init(&h->bfn, DEFAULT_BFN_BASE, DEFAULT_BFN_COUNT);

	/* Read only as far as the caller's size (common/growth.h). */
	xpi_options_init(&defaults);
	if (opts && xpi_copy_in(&defaults, sizeof(defaults),
				XPI_OPTIONS_SIZE_1_0, opts, opts->size)) {
		xpi_err(h, -1,
			"struct xpi_options of %zu bytes: this library knows %zu",
			opts->size, sizeof(defaults));
		handle_free(h);
		return -EINVAL;
	}
	opts = &defaults;
	if (!out) {
		xpi_err(h, -1, "xpi_open: NULL handle pointer");
		rc = -EINVAL;
		goto fail;
	}
	if (flags) {
		xpi_err(h, -1, "xpi_open: unknown flags 0x%x", flags);
		rc = -EINVAL;
		goto fail;
	}
	rc = check_options(h, opts);
	if (rc)
		goto fail;
	h->hypercall = opts->hypercall;
	h->max_batch_ops = opts->max_batch_ops;
	h->bfn_base = opts->bfn_base;
	h->bfn_count = opts->bfn_count;
	backend = opts->backend;
	rc = xpi_transport_take(h, opts->transport);
	if (rc)
		goto fail;
	/* A plugged-in transport is the caller's choice: XPI_BACKEND does
	 * not override it (XPI_HYPERCALL still applies). */
	rc = xpi_apply_environment(h, opts->transport ? NULL : &backend);
	if (rc)
		goto fail;
	if (opts->transport)
		backend = XPI_BACKEND_SIM;

	rc = xpi_open_transport(h, backend);
	if (rc)
		goto fail;
	xpi_bfn_destroy(&h->bfn);
	rc = xpi_bfn_init(&h->bfn, h->bfn_base, h->bfn_count);
	if (rc) {
		xpi_err(h, -1,
			"BFN window 0x%" PRIx64 "+0x%" PRIx64 " is unusable",
			h->bfn_base, h->bfn_count);
		goto fail;
	}
	rc = xpi_caps_probe(h);
	if (rc)
		goto fail;
	xpi_dbg(h,
		"opened: backend %s, hypercall %u, host %s, caps 0x%x,"
		" strategy %s",
		h->tops->name, h->hypercall, xpi_host_name(h->host),
		h->caps.raw_flags, xpi_strategy_name(h->caps.strategy));
	*out = h;
	return 0;

fail:
	/* A transport not taken yet is handed back all the same. */
	if (!h->plug.hypercall && opts->transport &&
	    opts->transport->size >= offsetof(struct xpi_transport, close) +
					     sizeof(opts->transport->close) &&
	    opts->transport->close)
		opts->transport->close(opts->transport->data);
	handle_free(h);
	return rc;
}

XPI_EXPORT int xpi_open(xpi_handle **out, struct xentoollog_logger *logger,
			unsigned int flags)
{
	return xpi_open_ex(out, logger, flags, NULL);
}

XPI_EXPORT int xpi_close(xpi_handle *h)
{
	int rc;

	if (!h)
		return 0;
	rc = xpi_unmap_all(h);
	handle_free(h);
	return rc;
}

XPI_EXPORT enum xpi_backend xpi_get_backend(const xpi_handle *h)
{
	return h && h->tops ? h->tops->backend : XPI_BACKEND_AUTO;
}

XPI_EXPORT int xpi_get_caps_sized(const xpi_handle *h, struct xpi_caps *caps,
				  size_t size)
{
	struct xpi_caps c;

	if (!h || !caps) {
		if (h)
			xpi_err(h, -1, "xpi_get_caps: NULL caps");
		return -EINVAL;
	}
	/* The lock: a batch may lower max_order (batch.c learn_enospc). */
	pthread_mutex_lock((pthread_mutex_t *)&h->lock);
	c = h->caps;
	pthread_mutex_unlock((pthread_mutex_t *)&h->lock);
	if (xpi_copy_out(caps, size, XPI_CAPS_SIZE_1_0, &c, sizeof(c))) {
		xpi_err(h, -1,
			"xpi_get_caps: a struct of %zu bytes (this library"
			" knows %zu)",
			size, sizeof(h->caps));
		return -EINVAL;
	}
	return 0;
}

XPI_EXPORT int xpi_get_bfn_window(const xpi_handle *h, uint64_t *base,
				  uint64_t *count)
{
	if (!h || !base || !count) {
		if (h)
			xpi_err(h, -1,
				"xpi_get_bfn_window: NULL base or count");
		return -EINVAL;
	}
	*base = h->bfn.base;
	*count = h->bfn.count;
	return 0;
}

XPI_EXPORT int xpi_get_stats_sized(xpi_handle *h, struct xpi_stats *stats,
				   size_t size)
{
	struct xpi_stats s;

	if (!h || !stats) {
		if (h)
			xpi_err(h, -1, "xpi_get_stats: NULL stats");
		return -EINVAL;
	}
	pthread_mutex_lock(&h->lock);
	s = h->stats;
	pthread_mutex_unlock(&h->lock);
	if (h->tops->iotlb_flushes)
		s.iotlb_flushes = h->tops->iotlb_flushes(h);
	if (xpi_copy_out(stats, size, XPI_STATS_SIZE_1_0, &s, sizeof(s))) {
		xpi_err(h, -1,
			"xpi_get_stats: a struct of %zu bytes (this library"
			" knows %zu)",
			size, sizeof(s));
		return -EINVAL;
	}
	return 0;
}
