// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Capability probing: one query_caps at open, cached, and the choice
 * between map_foreign_page and lookup_foreign_page that follows from it
 * (draft B, "Emulator usage of PV IOMMU interface").
 */
#include "config.h"

#include "private.h"

int xpi_caps_probe(struct xpi_handle *h)
{
	struct pv_iommu_op ops[2] = { { .subop_id = IOMMUOP_query_caps } };
	struct pv_iommu_op op;
	int rc;

	/* query_caps and the host probe in one call (host.c). */
	xpi_host_mark(&ops[0]);
	xpi_host_probe_op(&ops[1]);
	rc = xpi_hypercall(h, ops, 2);
	if (rc)
		return rc;
	op = ops[0];
	rc = xpi_host_check_caps(h, &op);
	if (rc)
		return rc;
	pthread_mutex_lock(&h->lock);
	h->stats.ops++;
	h->stats.ops_by_subop[IOMMUOP_query_caps]++;
	pthread_mutex_unlock(&h->lock);
	if (op.status) {
		xpi_err(h, -op.status, "query_caps failed");
		return op.status;
	}
	h->caps.raw_flags = op.flags;
	h->caps.map_cap = !!(op.flags & IOMMU_QUERY_map_cap);
	h->caps.map_all_gfns = !!(op.flags & IOMMU_QUERY_map_all_gfns);
	h->caps.max_order = pv_iommu_flags_order(op.flags);
	h->caps.strategy = h->caps.map_cap ? XPI_STRATEGY_MAP_FOREIGN
					   : XPI_STRATEGY_LOOKUP_FOREIGN;
	return xpi_host_probe_foreign(h, &ops[1]);
}
