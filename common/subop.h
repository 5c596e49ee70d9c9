/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What each PV IOMMU subop is, in one table that the library's batch
 * undo and logs consult, so that a new subop is one row here (plus its
 * own code where it differs).  The per-op hot paths keep their compares
 * (batch.c's is_map() and counters, the simulator's do_iommu_op switch):
 * table lookups there cost bench/run about 10 instructions per batched op
 * and 6 per invalidate event.  A static const table: the compiler folds a lookup with a
 * constant id, and a lookup with a variable id is one bounds check and
 * one load.  Not installed.
 */
#ifndef XPI_COMMON_SUBOP_H
#define XPI_COMMON_SUBOP_H

#include <stdint.h>

#include <xenpviommu.h>
#include <xenpviommu/abi.h>

struct xpi_subop_info {
	const char *name;     /* NULL: no such subop */
	uint16_t valid_flags; /* the flags the op may carry */
	uint8_t map;	      /* creates an entry the undo removes */
	uint8_t lookup;	      /* creates an entry it never undoes */
	uint8_t unmap;	      /* ends an entry */
	uint8_t undo;	      /* the subop that undoes a map, else 0 */
};

_Static_assert(IOMMUOP_unmap_foreign_page < XPI_SUBOP_SLOTS,
	       "xpi_stats.ops_by_subop has a slot for every subop");

static const struct xpi_subop_info xpi_subop_table[XPI_SUBOP_SLOTS] = {
	[IOMMUOP_query_caps] = { "query_caps", 0, 0, 0, 0, 0 },
	[IOMMUOP_map_page] = { "map_page", IOMMU_map_page_valid_flags, 1, 0, 0,
			       IOMMUOP_unmap_page },
	[IOMMUOP_unmap_page] = { "unmap_page", IOMMU_unmap_page_valid_flags, 0,
				 0, 1, 0 },
	[IOMMUOP_map_foreign_page] = { "map_foreign_page",
				       IOMMU_map_foreign_page_valid_flags, 1, 0,
				       0, IOMMUOP_unmap_foreign_page },
	[IOMMUOP_lookup_foreign_page] = { "lookup_foreign_page",
					  IOMMU_lookup_foreign_page_valid_flags,
					  0, 1, 0, 0 },
	[IOMMUOP_unmap_foreign_page] = { "unmap_foreign_page",
					 IOMMU_unmap_foreign_page_valid_flags,
					 0, 0, 1, 0 },
};

/* The row of subop id, or NULL for an id no subop has. */
static inline const struct xpi_subop_info *xpi_subop(unsigned int id)
{
	return id < XPI_SUBOP_SLOTS && xpi_subop_table[id].name
		       ? &xpi_subop_table[id]
		       : (const struct xpi_subop_info *)0;
}

/* The subop's name for logs ("?" for an unknown id). */
static inline const char *xpi_subop_name(unsigned int id)
{
	const struct xpi_subop_info *s = xpi_subop(id);

	return s ? s->name : "?";
}

#endif
