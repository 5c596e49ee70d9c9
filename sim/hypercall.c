// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The simulated do_iommu_op entry: the host's personality picks whose
 * hypercall it is, the draft's (ops.c) or XenServer's (xenserver.c, which
 * reuses the draft's per-op work).  Apart from both, so that neither
 * names the other's entry and sim/ has no circle.
 */
#include "config.h"

#include "sim-private.h"

XPI_EXPORT long xpi_sim_iommu_op(struct xpi_sim *sim, uint16_t caller,
				 struct pv_iommu_op *ops, unsigned int count)
{
	if (!sim)
		return -EINVAL;
	if (sim->cfg.personality != XPI_SIM_PERSONALITY_DRAFT)
		return sim_xs_iommu_op(sim, caller, ops, count);
	return sim_draft_iommu_op(sim, caller, ops, count);
}
