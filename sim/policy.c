// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The simulator's lookups and policy, which every other file asks and
 * which ask nothing above them: a domain by id, who is privileged over
 * whom, the capabilities, the 1:1 region, RMRRs, injected faults and the
 * end-of-segment flush.  Expects sim->lock to be held.
 */
#include "config.h"

#include "sim-private.h"

struct sim_domain *sim_dom(const struct xpi_sim *sim, uint16_t domid)
{
	if (domid >= XPI_DOMID_FIRST_RESERVED)
		return NULL;
	return sim->dom[domid];
}

int sim_privileged(const struct xpi_sim *sim, uint16_t caller, uint16_t target)
{
	const struct sim_domain *c = sim_dom(sim, caller);

	if (!c || caller == target || !sim_dom(sim, target))
		return 0;
	return caller == XPI_SIM_HWDOM || c->dm_target == target;
}

int sim_map_cap(const struct xpi_sim *sim, uint16_t domid)
{
	const struct sim_domain *d = sim_dom(sim, domid);

	if (!d || !sim->cfg.iommu_present || !d->has_iommu_hw)
		return 0;
	return !(domid == XPI_SIM_HWDOM && sim->cfg.dom0_passthrough);
}

int sim_map_all_gfns(const struct xpi_sim *sim, uint16_t domid)
{
	return sim_map_cap(sim, domid) && domid == XPI_SIM_HWDOM &&
	       !sim->cfg.dom0_strict;
}

unsigned int sim_caps_order(const struct xpi_sim *sim)
{
	return sim->cfg.iommu_present ? sim->cfg.max_order : 0;
}

/*
 * Whether bfn lies in the hardware domain's implicit 1:1 region: in relaxed
 * mode every frame that was not Xen's at boot, in strict mode the frames
 * the hardware domain owns now.
 */
int sim_one_to_one(const struct xpi_sim *sim, uint16_t domid, uint64_t bfn)
{
	if (domid != XPI_SIM_HWDOM || !sim->cfg.iommu_present ||
	    sim->cfg.dom0_passthrough || bfn >= sim->nframes)
		return 0;
	if (sim->cfg.dom0_strict)
		return sim->frames[bfn].owner == XPI_SIM_HWDOM;
	return bfn > sim->scratch;
}

/* Whether any BFN of the range has an IOMMU entry, explicit or 1:1. */
int sim_range_taken(const struct xpi_sim *sim, struct sim_domain *d,
		    uint64_t bfn, unsigned int order)
{
	uint64_t n = UINT64_C(1) << order, end;

	if (!xpi_radix_range_empty(&d->iommu, bfn, order))
		return 1;
	if (d->domid != XPI_SIM_HWDOM || bfn >= sim->nframes)
		return 0;
	end = sim->nframes - bfn < n ? sim->nframes : bfn + n;
	if (!sim->cfg.dom0_strict)
		return sim_one_to_one(sim, d->domid, end - 1);
	for (uint64_t b = bfn; b < end; b++)
		if (sim_one_to_one(sim, d->domid, b))
			return 1;
	return 0;
}

int sim_rmrr_hit(const struct sim_domain *d, uint64_t bfn, unsigned int order)
{
	uint64_t last = bfn + ((UINT64_C(1) << order) - 1);

	for (unsigned int i = 0; i < d->nrmrr; i++) {
		const struct sim_rmrr *r = &d->rmrr[i];

		if (bfn <= r->bfn + (r->nr - 1) && r->bfn <= last)
			return 1;
	}
	return 0;
}

/* Consume one injected IOMMU fault: 1 if this update fails. */
int sim_fault(struct xpi_sim *sim)
{
	if (!sim->faults)
		return 0;
	sim->faults--;
	return 1;
}

/* The flush at the end of a segment; what waited for it is released. */
void sim_flush_if_changed(struct xpi_sim *sim)
{
	if (sim->changed)
		sim->st.iotlb_flushes++;
	sim->changed = 0;
	sim_iotlb_flush(sim);
}
