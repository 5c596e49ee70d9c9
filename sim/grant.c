// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Grants, and grant maps for devices with the draft's
 * GNTMAP_request_bfn_map: dev_bus_addr becomes the BFN to map at, and the
 * IOMMU mapping behaves as a map_page of the granted frame.
 */
#include "config.h"

#include <stdlib.h>

#include "sim-private.h"

#define GNTMAP_KNOWN                                                           \
	(XPI_GNTMAP_device_map | XPI_GNTMAP_host_map | XPI_GNTMAP_readonly |   \
	 XPI_GNTMAP_request_bfn_map)

XPI_EXPORT int xpi_sim_grant_create(struct xpi_sim *sim, uint16_t granter,
				    uint64_t gfn, uint16_t grantee,
				    int readonly)
{
	struct sim_domain *d;
	int rc;

	if (!sim)
		return -EINVAL;
	SIM_LOCK(sim);
	d = sim_dom(sim, granter);
	if (!d || !sim_dom(sim, grantee)) {
		rc = -ESRCH;
	} else if (gfn >= d->p2m_size || d->p2m[gfn] == SIM_NO_MFN) {
		rc = -ENOENT;
	} else if (d->ngrants == SIM_MAX_GRANTS) {
		rc = -ENOSPC;
	} else {
		if (!d->grants)
			d->grants = calloc(SIM_MAX_GRANTS, sizeof(*d->grants));
		if (!d->grants) {
			rc = -ENOMEM;
		} else {
			d->grants[d->ngrants] = (struct sim_grant){
				.gfn = gfn,
				.grantee = grantee,
				.readonly = readonly != 0,
				.live = 1,
			};
			rc = (int)d->ngrants++;
		}
	}
	SIM_UNLOCK(sim);
	return rc;
}

static int handle_alloc(struct xpi_sim *sim, uint32_t *out)
{
	uint32_t i;

	for (i = 0; i < sim->nhandles; i++)
		if (!sim->handles[i].live)
			break;
	if (i == sim->nhandles) {
		uint32_t n = sim->nhandles ? sim->nhandles * 2 : 16;
		struct sim_handle *h;

		if (sim->nhandles >= SIM_MAX_HANDLES)
			return -ENOSPC;
		h = realloc(sim->handles, n * sizeof(*h));
		if (!h)
			return -ENOMEM;
		for (uint32_t j = sim->nhandles; j < n; j++)
			h[j].live = 0;
		sim->handles = h;
		sim->nhandles = n;
	}
	*out = i;
	return 0;
}

/* The IOMMU checks of map_page, in its order, as grant statuses. */
static int bfn_map_check(struct xpi_sim *sim, struct sim_domain *c,
			 uint64_t addr, uint64_t mfn, int w)
{
	uint64_t bfn = addr >> 12;

	if (addr & (SIM_PAGE_SIZE - 1))
		return SIM_GNTST_bad_dev_addr;
	if (!sim_map_cap(sim, c->domid))
		return SIM_GNTST_permission_denied;
	if (bfn >> sim->cfg.bfn_width)
		return SIM_GNTST_bad_dev_addr;
	if (w && (sim->frames[mfn].flags & FRAME_PINNED))
		return SIM_GNTST_permission_denied;
	if (sim_rmrr_hit(c, bfn, 0))
		return SIM_GNTST_bad_dev_addr;
	if (sim_range_taken(sim, c, bfn, 0))
		return SIM_GNTST_no_device_space;
	if (!sim_alias_room(sim, mfn, 1))
		return SIM_GNTST_no_space; /* the alias cap (-EMLINK) */
	return SIM_GNTST_okay;
}

XPI_EXPORT int xpi_sim_grant_map(struct xpi_sim *sim, uint16_t caller,
				 uint16_t granter, uint32_t ref, uint32_t flags,
				 uint64_t *dev_bus_addr, uint32_t *handle)
{
	struct sim_domain *c, *g;
	struct sim_grant *gr;
	struct sim_handle *h;
	uint64_t mfn, bfn = 0;
	uint32_t hi;
	int rc, w, want_bfn = (flags & XPI_GNTMAP_request_bfn_map) != 0;

	if (!sim || !handle || (flags & ~GNTMAP_KNOWN) ||
	    !(flags & (XPI_GNTMAP_device_map | XPI_GNTMAP_host_map)) ||
	    (want_bfn && !(flags & XPI_GNTMAP_device_map)) ||
	    ((flags & XPI_GNTMAP_device_map) && !dev_bus_addr))
		return SIM_GNTST_general_error;
	SIM_LOCK(sim);
	c = sim_dom(sim, caller);
	g = sim_dom(sim, granter);
	if (!c) {
		rc = SIM_GNTST_general_error;
		goto out;
	}
	if (!g) {
		rc = SIM_GNTST_bad_domain;
		goto out;
	}
	if (ref >= g->ngrants || !g->grants[ref].live) {
		rc = SIM_GNTST_bad_gntref;
		goto out;
	}
	gr = &g->grants[ref];
	if (gr->grantee != caller ||
	    (gr->readonly && !(flags & XPI_GNTMAP_readonly))) {
		rc = SIM_GNTST_permission_denied;
		goto out;
	}
	if (gr->gfn >= g->p2m_size || g->p2m[gr->gfn] == SIM_NO_MFN) {
		/* Xen's get_paged_frame(): no page at the granted GFN. */
		rc = SIM_GNTST_bad_page;
		goto out;
	}
	mfn = g->p2m[gr->gfn];
	if (sim->frames[mfn].flags & FRAME_XEN) {
		rc = SIM_GNTST_permission_denied;
		goto out;
	}
	w = !(flags & XPI_GNTMAP_readonly);
	if (want_bfn) {
		rc = bfn_map_check(sim, c, *dev_bus_addr, mfn, w);
		if (rc)
			goto out;
		if (sim_fault(sim)) {
			rc = SIM_GNTST_general_error;
			goto out;
		}
		bfn = *dev_bus_addr >> 12;
	}
	if (handle_alloc(sim, &hi)) {
		rc = SIM_GNTST_general_error;
		goto out;
	}
	if (want_bfn) {
		uint64_t v = mfn | IOV_GRANT | IOV_R | (w ? IOV_W : 0);

		if (xpi_radix_insert(&c->iommu, bfn, 0, v)) {
			rc = SIM_GNTST_general_error;
			goto out;
		}
		sim->st.iommu_entries++;
		sim->st.iotlb_flushes++;
		sim_frame_get(sim, mfn, w);
		sim_alias_add(sim, mfn, 1, 1);
	} else if (flags & XPI_GNTMAP_device_map) {
		*dev_bus_addr = mfn << 12;
	}
	h = &sim->handles[hi];
	*h = (struct sim_handle){
		.mfn = mfn,
		.bfn = bfn,
		.caller = caller,
		.live = 1,
		.has_bfn = (uint8_t)want_bfn,
		/* As Xen's: a writable device mapping's own reference
		 * holds a writable type reference too. */
		.own_w = (uint8_t)(w && (flags & XPI_GNTMAP_device_map)),
	};
	sim_frame_get(sim, mfn, h->own_w); /* the mapping's own reference */
	*handle = hi;
	rc = SIM_GNTST_okay;
out:
	SIM_UNLOCK(sim);
	return rc;
}

/* Undo one grant mapping; fault: whether an IOMMU fault may refuse it. */
static int handle_unmap(struct xpi_sim *sim, struct sim_handle *h, int fault)
{
	if (h->has_bfn) {
		struct sim_domain *c = sim_dom(sim, h->caller);
		struct xpi_radix_extent ext;

		if (fault && sim_fault(sim))
			return SIM_GNTST_general_error;
		if (!xpi_radix_remove(&c->iommu, h->bfn, &ext)) {
			sim->st.iommu_entries--;
			sim_alias_add(sim, h->mfn, 1, -1);
			/* The grant unmap flushes at once: then the refs go. */
			sim->st.iotlb_flushes++;
			sim_extent_drop_refs(sim, ext.value, ext.order);
		}
	}
	sim_frame_put(sim, h->mfn, h->own_w);
	h->live = 0;
	return SIM_GNTST_okay;
}

XPI_EXPORT int xpi_sim_grant_unmap(struct xpi_sim *sim, uint16_t caller,
				   uint32_t handle)
{
	int rc;

	if (!sim)
		return SIM_GNTST_general_error;
	SIM_LOCK(sim);
	if (handle >= sim->nhandles || !sim->handles[handle].live ||
	    sim->handles[handle].caller != caller)
		rc = SIM_GNTST_bad_handle;
	else
		rc = handle_unmap(sim, &sim->handles[handle], 1);
	SIM_UNLOCK(sim);
	return rc;
}

void sim_grants_release_caller(struct xpi_sim *sim, uint16_t caller)
{
	for (uint32_t i = 0; i < sim->nhandles; i++)
		if (sim->handles[i].live && sim->handles[i].caller == caller)
			handle_unmap(sim, &sim->handles[i], 0);
}
