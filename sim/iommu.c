// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Helpers on a domain's IOMMU table that do_iommu_op (ops.c), grants
 * (grant.c), ballooning (balloon.c) and teardown (sim.c) share: drop an
 * extent's frame references, point a foreign BFN at the scratch page.
 * Expects sim->lock to be held.
 */
#include "config.h"

#include "sim-private.h"

/* The references a map_page or grant extent holds on its frames. */
void sim_extent_drop_refs(struct xpi_sim *sim, uint64_t value,
			  unsigned int order)
{
	uint64_t mfn = value & IOV_MFN_MASK, n = UINT64_C(1) << order;

	if (value & IOV_NOREF)
		return;
	for (uint64_t i = 0; i < n; i++)
		sim_frame_put(sim, mfn + i, (value & IOV_W) != 0);
}

/*
 * Point one BFN of a foreign extent at the scratch page.  An extent of a
 * higher order is first split into single pages, so that its other pages
 * keep their frames.
 */
int sim_swap_to_scratch(struct xpi_sim *sim, struct sim_domain *d, uint64_t bfn,
			uint64_t scratch)
{
	struct xpi_radix_extent ext;
	uint64_t n, i, attrs;
	int rc = 0;

	if (xpi_radix_find(&d->iommu, bfn, &ext) || !(ext.value & IOV_FOREIGN))
		return -ENOENT;
	attrs = ext.value & ~IOV_MFN_MASK;
	if (ext.order > 0) {
		n = UINT64_C(1) << ext.order;
		xpi_radix_remove(&d->iommu, ext.base, NULL);
		for (i = 0; i < n && !rc; i++)
			rc = xpi_radix_insert(&d->iommu, ext.base + i, 0,
					      (ext.value & IOV_MFN_MASK) + i +
						      attrs);
		if (rc) {
			/* Out of memory: put the extent back as it was. */
			while (i-- > 1)
				xpi_radix_remove(&d->iommu, ext.base + i - 1,
						 NULL);
			xpi_radix_insert(&d->iommu, ext.base, ext.order,
					 ext.value);
			return rc;
		}
		sim->st.iommu_entries += n - 1;
	}
	/* The extent's own permissions: read-only stays read-only. */
	xpi_radix_update(&d->iommu, bfn, scratch | attrs);
	sim->changed = 1;
	return 0;
}
