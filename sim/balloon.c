// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Ballooning (out and in), Xen-owned p2m entries and page-table pinning:
 * the events of a guest's life that the PV IOMMU design has to survive.
 */
#include "config.h"

#include <stdlib.h>

#include "sim-private.h"

static int p2m_frame(struct xpi_sim *sim, uint16_t domid, uint64_t gfn,
		     struct sim_domain **d, uint64_t *mfn)
{
	*d = sim_dom(sim, domid);
	if (!*d)
		return -ESRCH;
	if (gfn >= (*d)->p2m_size || (*d)->p2m[gfn] == SIM_NO_MFN)
		return -ENOENT;
	*mfn = (*d)->p2m[gfn];
	return 0;
}

/* A frame the domain had given to Xen goes back to the heap. */
static void xen_frame_free(struct xpi_sim *sim, uint64_t mfn)
{
	struct sim_frame *f = &sim->frames[mfn];

	f->flags = FRAME_FREE;
	f->owner = XPI_DOMID_INVALID;
	f->refs = 0;
	f->wrefs = 0;
	sim->st.free_frames++;
}

/* xpi_sim_balloon_out() with the simulator's lock held. */
int sim_balloon_out_locked(struct xpi_sim *sim, uint16_t domid, uint64_t gfn)
{
	struct sim_domain *d;
	struct sim_frame *f;
	uint32_t *idx = NULL, n = 0, i, head;
	uint64_t mfn, scratch;
	int rc, swap;

	rc = p2m_frame(sim, domid, gfn, &d, &mfn);
	if (rc)
		goto out;
	f = &sim->frames[mfn];
	if (f->flags & FRAME_XEN) {
		d->p2m[gfn] = SIM_NO_MFN;
		xen_frame_free(sim, mfn);
		sim->st.balloon_outs++;
		goto out;
	}
	/* The frame's M2B entries, in the order they were made. */
	if (f->m2b) {
		head = f->m2b - 1;
		i = head;
		do {
			n++;
			i = sim->m2b.e[i].next;
		} while (i != head);
		idx = malloc(n * sizeof(*idx));
		if (!idx) {
			rc = -ENOMEM;
			goto out;
		}
		for (i = 0; i < n; i++) {
			idx[i] = head;
			head = sim->m2b.e[head].next;
		}
	}
	/* Swap only when every entry allows it (and an IOMMU translates). */
	swap = sim->cfg.iommu_present && n > 0;
	for (i = 0; i < n && swap; i++)
		if ((sim->m2b.e[idx[i]].flags & (M2B_LOOKUP | M2B_SWAP)) !=
		    M2B_SWAP)
			swap = 0;
	/* The guest's scratch frame; without one nothing is swapped. */
	scratch = swap ? sim_scratch_get(sim, d) : SIM_NO_MFN;
	if (scratch == SIM_NO_MFN)
		swap = 0;
	if (swap && sim_iotlb_reserve(sim, n)) {
		rc = -ENOMEM;
		goto out;
	}
	d->p2m[gfn] = SIM_NO_MFN;
	sim->st.balloon_outs++;

	/*
	 * The ownership reference goes first, as in Xen (guest_remove_page()
	 * before the PV IOMMU hook); the mappings' references keep the frame.
	 */
	sim_frame_release(sim, mfn);
	sim->changed = 0;
	for (i = 0; i < n && swap; i++) {
		struct sim_m2b *e = &sim->m2b.e[idx[i]];
		int w = (e->flags & M2B_WRITABLE) != 0;

		if (sim_swap_to_scratch(sim, sim_dom(sim, e->caller), e->bfn,
					scratch))
			continue; /* out of memory: this one stays live */
		sim_m2b_detach(sim, idx[i], scratch);
		sim_frame_get(sim, scratch, 0);
		sim_alias_add(sim, mfn, 1, -1);
		/* The frame's reference goes after the flush. */
		sim_iotlb_stale(sim, mfn, 1, 1, w);
		sim->st.swaps++;
	}
	/* One flush for the balloon call, then the references go. */
	sim_flush_if_changed(sim);
	for (i = 0; i < n; i++) {
		const struct sim_m2b *e = &sim->m2b.e[idx[i]];

		sim_invalidate(sim, e->domid, e->ioserver, e->bfn);
	}
out:
	free(idx);
	return rc;
}

XPI_EXPORT int xpi_sim_balloon_out(struct xpi_sim *sim, uint16_t domid,
				   uint64_t gfn)
{
	int rc;

	if (!sim)
		return -EINVAL;
	SIM_LOCK(sim);
	rc = sim_balloon_out_locked(sim, domid, gfn);
	SIM_UNLOCK(sim);
	return rc;
}

XPI_EXPORT int xpi_sim_populate(struct xpi_sim *sim, uint16_t domid,
				uint64_t gfn)
{
	struct sim_domain *d;
	uint64_t mfn;
	int rc = 0;

	if (!sim)
		return -EINVAL;
	SIM_LOCK(sim);
	d = sim_dom(sim, domid);
	if (!d) {
		rc = -ESRCH;
	} else if (gfn >= d->p2m_size) {
		rc = -EINVAL;
	} else if (d->p2m[gfn] != SIM_NO_MFN) {
		rc = -EEXIST;
	} else {
		mfn = sim_frame_alloc(sim);
		if (mfn == SIM_NO_MFN) {
			rc = -ENOMEM;
		} else {
			sim_frame_take(sim, mfn, domid);
			d->p2m[gfn] = mfn;
		}
	}
	SIM_UNLOCK(sim);
	return rc;
}

XPI_EXPORT int xpi_sim_p2m_set_xen_owned(struct xpi_sim *sim, uint16_t domid,
					 uint64_t gfn)
{
	struct sim_domain *d;
	uint64_t mfn, xmfn;
	int rc;

	if (!sim)
		return -EINVAL;
	SIM_LOCK(sim);
	rc = p2m_frame(sim, domid, gfn, &d, &mfn);
	if (rc || (sim->frames[mfn].flags & FRAME_XEN))
		goto out;
	xmfn = sim_frame_alloc(sim);
	if (xmfn == SIM_NO_MFN) {
		rc = -ENOMEM;
		goto out;
	}
	sim_frame_take(sim, xmfn, SIM_DOMID_XEN);
	sim->frames[xmfn].flags = FRAME_XEN;
	d->p2m[gfn] = xmfn;
	sim_frame_release(sim, mfn);
out:
	SIM_UNLOCK(sim);
	return rc;
}

XPI_EXPORT int xpi_sim_pin_pagetable(struct xpi_sim *sim, uint16_t domid,
				     uint64_t gfn)
{
	struct sim_domain *d;
	struct sim_frame *f;
	uint64_t mfn;
	int rc;

	if (!sim)
		return -EINVAL;
	SIM_LOCK(sim);
	rc = p2m_frame(sim, domid, gfn, &d, &mfn);
	if (rc)
		goto out;
	f = &sim->frames[mfn];
	if (f->flags & FRAME_XEN)
		rc = -EPERM;
	else if (f->flags & FRAME_PINNED)
		rc = -EINVAL;
	else if (f->wrefs)
		rc = -EBUSY; /* a writable type reference blocks the type */
	else
		f->flags |= FRAME_PINNED;
out:
	SIM_UNLOCK(sim);
	return rc;
}

XPI_EXPORT int xpi_sim_unpin_pagetable(struct xpi_sim *sim, uint16_t domid,
				       uint64_t gfn)
{
	struct sim_domain *d;
	uint64_t mfn;
	int rc;

	if (!sim)
		return -EINVAL;
	SIM_LOCK(sim);
	rc = p2m_frame(sim, domid, gfn, &d, &mfn);
	if (!rc && !(sim->frames[mfn].flags & FRAME_PINNED))
		rc = -EINVAL;
	else if (!rc)
		sim->frames[mfn].flags &= (uint8_t)~FRAME_PINNED;
	SIM_UNLOCK(sim);
	return rc;
}
