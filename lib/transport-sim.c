// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The simulated hypervisor as a transport: ops go straight to
 * xpi_sim_iommu_op() as the configured caller domain.
 */
#include "config.h"

#include <stdlib.h>

#include "private.h"

static int sim_open(struct xpi_handle *h)
{
	int rc;

	if (h->sim)
		return 0;
	/* No host given: a private one with the defaults. */
	rc = xpi_sim_new(NULL, &h->sim);
	if (rc) {
		xpi_err(h, -rc, "cannot create a simulated host");
		return rc;
	}
	h->own_sim = 1;
	return 0;
}

static int sim_hypercall(struct xpi_handle *h, struct pv_iommu_op *ops,
			 unsigned int count, unsigned int *done)
{
	long rc;

	*done = 0;
	/* A test hook: answer -EINTR after part of the ops, as a signal
	 * arriving during a long call through privcmd would. */
	if (h->sim_eintr_every && count > 1 &&
	    ++h->sim_eintr_calls % h->sim_eintr_every == 0) {
		unsigned int part = count / 2;

		rc = xpi_sim_iommu_op(h->sim, h->sim_caller, ops, part);
		if (rc)
			return (int)rc;
		*done = part;
		return -EINTR;
	}
	rc = xpi_sim_iommu_op(h->sim, h->sim_caller, ops, count);
	return (int)rc;
}

static void sim_close(struct xpi_handle *h)
{
	if (h->own_sim)
		xpi_sim_free(h->sim);
	h->sim = NULL;
}

static uint64_t sim_iotlb_flushes(struct xpi_handle *h)
{
	struct xpi_sim_stats st;

	if (xpi_sim_stats(h->sim, &st))
		return 0;
	return st.iotlb_flushes;
}

const struct xpi_transport_ops xpi_transport_sim = {
	.name = "sim",
	.backend = XPI_BACKEND_SIM,
	.open = sim_open,
	.hypercall = sim_hypercall,
	.close = sim_close,
	.iotlb_flushes = sim_iotlb_flushes,
};
