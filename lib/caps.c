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
	struct pv_iommu_op op = { .subop_id = IOMMUOP_query_caps };
	int rc;

	rc = xpi_hypercall(h, &op, 1);
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
	return 0;
}
