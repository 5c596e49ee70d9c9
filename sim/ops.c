// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * do_iommu_op: every subop, its checks in the order of
 * docs/hypervisor-model.md, segments with continuations and IOTLB flushes.
 */
#include "config.h"

#include <stdlib.h>

#include "sim-private.h"

static uint64_t order_mask(unsigned int order)
{
	return (UINT64_C(1) << order) - 1;
}

static int iommu_insert(struct xpi_sim *sim, struct sim_domain *d, uint64_t bfn,
			unsigned int order, uint64_t value)
{
	int rc = xpi_radix_insert(&d->iommu, bfn, order, value);

	if (rc)
		return rc == -ENOMEM ? -ENOMEM : -EEXIST;
	sim->st.iommu_entries++;
	sim->changed = 1;
	return 0;
}

static void iommu_remove(struct xpi_sim *sim, struct sim_domain *d,
			 uint64_t bfn, struct xpi_radix_extent *ext)
{
	if (xpi_radix_remove(&d->iommu, bfn, ext))
		return;
	sim->st.iommu_entries--;
	sim->changed = 1;
}

/*
 * The "order" check: the order is allowed, the BFN aligned and the whole
 * range inside the BFN width.
 */
static int order_ok(const struct xpi_sim *sim, uint64_t bfn, unsigned int order)
{
	uint64_t limit;

	if (order > sim->cfg.max_order || (bfn & order_mask(order)))
		return 0;
	if (order >= sim->cfg.bfn_width)
		return 0;
	limit = UINT64_C(1) << sim->cfg.bfn_width;
	return bfn < limit && limit - bfn >= (UINT64_C(1) << order);
}

static int any_pinned(const struct xpi_sim *sim, uint64_t mfn,
		      unsigned int order)
{
	for (uint64_t i = 0; i < (UINT64_C(1) << order); i++)
		if (sim->frames[mfn + i].flags & FRAME_PINNED)
			return 1;
	return 0;
}

/* map_page step 5 and 6: the caller's GFNs to one aligned MFN range. */
static int resolve_own(const struct xpi_sim *sim, const struct sim_domain *c,
		       uint64_t gfn, unsigned int order, uint64_t *mfn0)
{
	uint64_t n = UINT64_C(1) << order, m0 = 0;
	int all = sim_map_all_gfns(sim, c->domid);
	int strict_hw = c->domid == XPI_SIM_HWDOM && sim->cfg.dom0_strict;
	int contiguous = 1;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t g = gfn + i, m;

		if (g < c->p2m_size && c->p2m[g] != SIM_NO_MFN)
			m = c->p2m[g];
		else if (all && g < sim->nframes)
			m = g; /* map_all_gfns: the GFN names an MFN */
		else
			return -EPERM;
		if (sim->frames[m].flags & FRAME_XEN)
			return -EPERM;
		/*
		 * A frame nobody owns (free) has no owner to take the
		 * reference from: Xen's page_get_owner_and_reference() gives
		 * NULL, and the map is refused.
		 */
		if (sim->frames[m].flags & FRAME_FREE)
			return -EPERM;
		if (strict_hw && sim->frames[m].owner != XPI_SIM_HWDOM)
			return -EPERM;
		if (i == 0)
			m0 = m;
		else if (m != m0 + i)
			contiguous = 0;
	}
	if (!contiguous || (m0 & (n - 1)))
		return -ENOSPC;
	*mfn0 = m0;
	return 0;
}

static void take_refs(struct xpi_sim *sim, uint64_t mfn, unsigned int order,
		      int w, int noref)
{
	if (!noref)
		for (uint64_t i = 0; i < (UINT64_C(1) << order); i++)
			sim_frame_get(sim, mfn + i, w);
}

/*
 * 37fded6's second pass, for the M-1 test hook only: get_page() with the
 * owner read again; for a frame freed since the check that owner is NULL,
 * and x86's get_page(pg, NULL) "succeeds" without taking a reference, so
 * the frame stays free while the IOMMU maps it.
 */
static void old_second_pass(struct xpi_sim *sim, uint64_t mfn,
			    unsigned int order, int w, int noref)
{
	if (noref)
		return;
	for (uint64_t i = 0; i < (UINT64_C(1) << order); i++)
		if (!(sim->frames[mfn + i].flags & FRAME_FREE))
			sim_frame_get(sim, mfn + i, w);
}

static int op_map_page(struct xpi_sim *sim, struct sim_domain *c,
		       struct pv_iommu_op *op)
{
	int raced = 0;
	unsigned int order = pv_iommu_flags_order(op->flags);
	uint64_t bfn = op->u.map_page.bfn, gfn = op->u.map_page.gfn, mfn, v;
	int w = (op->flags & IOMMU_OP_writeable) != 0;
	int noref = (op->flags & IOMMU_MAP_OP_no_ref_cnt) != 0;
	int rc;

	if (!(op->flags & (IOMMU_OP_readable | IOMMU_OP_writeable)))
		return -EINVAL;
	if (!sim_map_cap(sim, c->domid))
		return -EPERM;
	if (noref && !(c->domid == XPI_SIM_HWDOM && !sim->cfg.dom0_strict))
		return -EPERM;
	if (!order_ok(sim, bfn, order) || (gfn & order_mask(order)))
		return -ENOSPC;
	rc = resolve_own(sim, c, gfn, order, &mfn);
	if (rc)
		return rc;
	if (sim->map_race_armed) {
		/*
		 * The M-1 test hook: another vCPU balloons a frame out between
		 * the owner check and the references.  Xen takes each reference
		 * in the check's pass, so the frame stays held; 37fded6's series
		 * took them in a second pass.
		 */
		sim->map_race_armed = 0;
		raced = sim->map_race_old ? 2 : 1;
		if (raced == 1)
			take_refs(sim, mfn, order, w, noref);
		sim_balloon_out_locked(sim, sim->map_race_domid,
				       sim->map_race_gfn);
	}
	if (w && any_pinned(sim, mfn, order))
		rc = -EPERM;
	else if (sim_rmrr_hit(c, bfn, order))
		rc = -EACCES;
	else if (sim_range_taken(sim, c, bfn, order))
		rc = -EEXIST;
	else if (!sim_alias_room(sim, mfn, UINT64_C(1) << order))
		rc = -EMLINK;
	else if (sim_fault(sim))
		rc = -EIO;
	if (!rc) {
		v = mfn | ((op->flags & IOMMU_OP_readable) ? IOV_R : 0) |
		    (w ? IOV_W : 0) | (noref ? IOV_NOREF : 0);
		rc = iommu_insert(sim, c, bfn, order, v);
	}
	if (rc) {
		if (raced == 1 && !noref)
			for (uint64_t i = 0; i < (UINT64_C(1) << order); i++)
				sim_frame_put(sim, mfn + i, w);
		return rc;
	}
	sim_alias_add(sim, mfn, UINT64_C(1) << order, 1);
	if (raced == 2)
		old_second_pass(sim, mfn, order, w, noref);
	else if (raced == 0)
		take_refs(sim, mfn, order, w, noref);
	return 0;
}

static int op_unmap_page(struct xpi_sim *sim, struct sim_domain *c,
			 struct pv_iommu_op *op)
{
	unsigned int order = pv_iommu_flags_order(op->flags);
	uint64_t bfn = op->u.unmap_page.bfn;
	struct xpi_radix_extent ext;

	if (!sim_map_cap(sim, c->domid))
		return -EPERM;
	if (!order_ok(sim, bfn, order))
		return -ENOSPC;
	if (xpi_radix_find(&c->iommu, bfn, &ext) || ext.base != bfn ||
	    (ext.value & (IOV_FOREIGN | IOV_GRANT)))
		return -ENOENT;
	if (ext.order != order)
		return -ENOSPC;
	if (sim_iotlb_reserve(sim, 1))
		return -ENOMEM;
	if (sim_fault(sim))
		return -EIO;
	iommu_remove(sim, c, bfn, &ext);
	sim_alias_add(sim, ext.value & IOV_MFN_MASK, UINT64_C(1) << order, -1);
	/* The references go after the flush that ends the entry. */
	sim_iotlb_stale(sim, ext.value & IOV_MFN_MASK, UINT64_C(1) << order,
			!(ext.value & IOV_NOREF), (ext.value & IOV_W) != 0);
	return 0;
}

/* The foreign domain and ioreq server checks shared by map and lookup. */
static int foreign_target(const struct xpi_sim *sim, const struct sim_domain *c,
			  uint16_t domid, uint16_t ioserver,
			  struct sim_domain **t)
{
	if (domid == c->domid || domid == XPI_DOMID_SELF)
		return -EPERM;
	*t = sim_dom(sim, domid);
	if (!*t)
		return -ENXIO;
	if (!sim_privileged(sim, c->domid, domid))
		return -EPERM;
	if (!sim_ioserver(sim, domid, ioserver))
		return -ENODEV;
	return 0;
}

/* The target's GFN: -ENXIO when not populated, -EPERM when Xen's. */
static int foreign_gfn(const struct xpi_sim *sim, const struct sim_domain *t,
		       uint64_t gfn, uint64_t *mfn)
{
	if (gfn >= t->p2m_size || t->p2m[gfn] == SIM_NO_MFN)
		return -ENXIO;
	*mfn = t->p2m[gfn];
	if (sim->frames[*mfn].flags & FRAME_XEN)
		return -EPERM;
	return 0;
}

static int op_map_foreign(struct xpi_sim *sim, struct sim_domain *c,
			  struct pv_iommu_op *op)
{
	unsigned int order = pv_iommu_flags_order(op->flags);
	uint64_t bfn = op->u.map_foreign_page.bfn;
	uint64_t gfn = op->u.map_foreign_page.gfn;
	uint16_t domid = op->u.map_foreign_page.domid;
	uint16_t ios = op->u.map_foreign_page.ioserver;
	uint64_t n = UINT64_C(1) << order, mfn = 0, m, v;
	int w = (op->flags & IOMMUOP_writeable) != 0;
	struct sim_domain *t;
	struct sim_m2b e;
	int rc, contiguous = 1;

	if (!(op->flags & (IOMMUOP_readable | IOMMUOP_writeable)))
		return -EINVAL;
	if (!sim_map_cap(sim, c->domid))
		return -EPERM;
	rc = foreign_target(sim, c, domid, ios, &t);
	if (rc)
		return rc;
	if (!order_ok(sim, bfn, order) || (gfn & order_mask(order)))
		return -ENOSPC;
	for (uint64_t i = 0; i < n; i++) {
		rc = foreign_gfn(sim, t, gfn + i, &m);
		if (rc)
			return rc;
		if (i == 0)
			mfn = m;
		else if (m != mfn + i)
			contiguous = 0;
	}
	if (!contiguous || (mfn & (n - 1)))
		return -ENOSPC;
	if (w && any_pinned(sim, mfn, order))
		return -EPERM;
	if (sim_rmrr_hit(c, bfn, order))
		return -EACCES;
	if (sim_range_taken(sim, c, bfn, order))
		return -EEXIST;
	if (!sim_alias_room(sim, mfn, n))
		return -EMLINK;
	if (sim->target_records[domid] >= t->p2m_size)
		return -EDQUOT;
	if (sim_fault(sim))
		return -EIO;
	if (sim_m2b_reserve(sim, n))
		return -ENOMEM;
	v = mfn | IOV_FOREIGN | ((op->flags & IOMMUOP_readable) ? IOV_R : 0) |
	    (w ? IOV_W : 0);
	rc = iommu_insert(sim, c, bfn, order, v);
	if (rc)
		return rc;
	e = (struct sim_m2b){
		.domid = domid,
		.ioserver = ios,
		.caller = c->domid,
		.order = (uint8_t)order,
		.flags = (uint8_t)(((op->flags & IOMMUOP_swap_mfn) ? M2B_SWAP
								   : 0) |
				   (w ? M2B_WRITABLE : 0)),
	};
	for (uint64_t i = 0; i < n; i++) {
		e.bfn = bfn + i;
		e.mfn = mfn + i;
		sim_m2b_add(sim, &e);
		sim_frame_get(sim, mfn + i, w);
	}
	sim_alias_add(sim, mfn, n, 1);
	sim->target_records[domid]++;
	return 0;
}

static int op_lookup_foreign(struct xpi_sim *sim, struct sim_domain *c,
			     struct pv_iommu_op *op)
{
	uint16_t domid = op->u.lookup_foreign_page.domid;
	uint16_t ios = op->u.lookup_foreign_page.ioserver;
	struct sim_domain *t;
	struct sim_m2b e;
	uint64_t mfn;
	int rc;

	rc = foreign_target(sim, c, domid, ios, &t);
	if (rc)
		return rc;
	rc = foreign_gfn(sim, t, op->u.lookup_foreign_page.gfn, &mfn);
	if (rc)
		return rc;
	/* Only where bus addresses are machine addresses is there a BFN. */
	if (sim->cfg.iommu_present &&
	    !(c->domid == XPI_SIM_HWDOM &&
	      (sim->cfg.dom0_passthrough || !sim->cfg.dom0_strict)))
		return -ENOENT;
	/*
	 * One entry per (MFN, ioserver, target, caller): while an entry holds
	 * the frame, the MFN names the target, so the index needs no domid.
	 */
	if (sim_m2b_find(sim, 1, c->domid, mfn, ios) == UINT32_MAX) {
		if (!sim_alias_room(sim, mfn, 1))
			return -EMLINK;
		if (sim->target_records[domid] >= t->p2m_size)
			return -EDQUOT;
		if (sim_m2b_reserve(sim, 1))
			return -ENOMEM;
		e = (struct sim_m2b){
			.bfn = mfn,
			.mfn = mfn,
			.domid = domid,
			.ioserver = ios,
			.caller = c->domid,
			.flags = M2B_LOOKUP,
		};
		sim_m2b_add(sim, &e);
		sim_frame_get(sim, mfn, 0);
		sim_alias_add(sim, mfn, 1, 1);
		sim->target_records[domid]++;
	}
	op->u.lookup_foreign_page.bfn = mfn;
	op->flags = pv_iommu_flags_set_order(IOMMUOP_readable |
						     IOMMUOP_writeable,
					     sim_caps_order(sim));
	return 0;
}

/*
 * Room for the stale ranges an unmap_foreign_page makes: one for a whole
 * extent, at most one a page for an extent a balloon swap split.
 */
static int reserve_pieces(struct xpi_sim *sim, struct sim_domain *c,
			  uint64_t bfn, unsigned int order)
{
	struct xpi_radix_extent ext;
	int whole = !xpi_radix_find(&c->iommu, bfn, &ext) && ext.base == bfn &&
		    ext.order == order;

	return sim_iotlb_reserve(sim, whole ? 1 : (size_t)1 << order);
}

static int op_unmap_foreign(struct xpi_sim *sim, struct sim_domain *c,
			    struct pv_iommu_op *op)
{
	unsigned int order = pv_iommu_flags_order(op->flags);
	uint64_t bfn = op->u.unmap_foreign_page.bfn, pos, end;
	uint16_t ios = op->u.unmap_foreign_page.ioserver, target;
	struct sim_m2b *e;
	uint32_t idx;
	int lookup = 0, writable;

	idx = sim_m2b_find(sim, 0, c->domid, bfn, ios);
	if (idx == UINT32_MAX) {
		lookup = 1;
		idx = sim_m2b_find(sim, 1, c->domid, bfn, ios);
	}
	if (idx == UINT32_MAX)
		return -ENOENT;
	e = &sim->m2b.e[idx];
	if (e->order != order || (bfn & order_mask(order)))
		return -ENOSPC;
	if (lookup) {
		/* No IOMMU entry of its own: BFN = MFN stays in the 1:1 map. */
		sim_alias_add(sim, e->mfn, 1, -1);
		sim->target_records[e->domid]--;
		sim_frame_put(sim, e->mfn, 0);
		sim_m2b_del(sim, idx);
		return 0;
	}
	end = bfn + (UINT64_C(1) << order);
	if (reserve_pieces(sim, c, bfn, order))
		return -ENOMEM;
	if (sim_fault(sim))
		return -EIO;
	writable = (e->flags & M2B_WRITABLE) != 0;
	target = e->domid;
	/*
	 * The extent, or the pieces a balloon swap split it into.  Each
	 * piece's references (its frames', or a swapped page's hold on the
	 * scratch frame) go after the flush that ends it.
	 */
	for (pos = bfn; pos < end;) {
		struct xpi_radix_extent ext;
		uint64_t m, n;

		if (xpi_radix_find(&c->iommu, pos, &ext)) {
			pos++;
			continue;
		}
		iommu_remove(sim, c, ext.base, &ext);
		m = ext.value & IOV_MFN_MASK;
		n = UINT64_C(1) << ext.order;
		if (sim->frames[m].flags & FRAME_SCRATCH) {
			sim_iotlb_stale(sim, m, 1, 1, 0);
		} else {
			sim_alias_add(sim, m, n, -1);
			sim_iotlb_stale(sim, m, n, 1, writable);
		}
		pos = ext.base + n;
	}
	for (pos = bfn; pos < end; pos++) {
		idx = sim_m2b_find(sim, 0, c->domid, pos, ios);
		if (idx != UINT32_MAX)
			sim_m2b_del(sim, idx);
	}
	sim->target_records[target]--;
	return 0;
}

int sim_draft_op(struct xpi_sim *sim, struct sim_domain *c,
		 struct pv_iommu_op *op)
{
	uint16_t valid;

	switch (op->subop_id) {
	case IOMMUOP_query_caps: {
		uint16_t caps = 0;

		if (sim_map_cap(sim, c->domid))
			caps |= IOMMU_QUERY_map_cap;
		if (sim_map_all_gfns(sim, c->domid))
			caps |= IOMMU_QUERY_map_all_gfns;
		op->flags = pv_iommu_flags_set_order(caps, sim_caps_order(sim));
		return 0;
	}
	case IOMMUOP_map_page:
		valid = IOMMU_map_page_valid_flags;
		break;
	case IOMMUOP_unmap_page:
		valid = IOMMU_unmap_page_valid_flags;
		break;
	case IOMMUOP_map_foreign_page:
		valid = IOMMU_map_foreign_page_valid_flags;
		break;
	case IOMMUOP_lookup_foreign_page:
		valid = IOMMU_lookup_foreign_page_valid_flags;
		break;
	case IOMMUOP_unmap_foreign_page:
		valid = IOMMU_unmap_foreign_page_valid_flags;
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (op->flags & ~valid)
		return -EINVAL;
	switch (op->subop_id) {
	case IOMMUOP_map_page:
		return op_map_page(sim, c, op);
	case IOMMUOP_unmap_page:
		return op_unmap_page(sim, c, op);
	case IOMMUOP_map_foreign_page:
		return op_map_foreign(sim, c, op);
	case IOMMUOP_lookup_foreign_page:
		return op_lookup_foreign(sim, c, op);
	default:
		return op_unmap_foreign(sim, c, op);
	}
}

/* The draft personality's do_iommu_op (hypercall.c picks it). */
long sim_draft_iommu_op(struct xpi_sim *sim, uint16_t caller,
			struct pv_iommu_op *ops, unsigned int count)
{
	unsigned int every, seg = 0;
	struct sim_domain *c;
	long rc = 0;

	SIM_LOCK(sim);
	every = sim->cfg.preempt_every;
	c = sim_dom(sim, caller);
	if (!sim->cfg.hypercall_present)
		rc = -ENOSYS;
	else if (count > INT32_MAX)
		rc = -EINVAL;
	else if (!ops && count)
		rc = -EFAULT;
	else if (!c)
		rc = -ESRCH;
	if (rc) {
		SIM_UNLOCK(sim);
		return rc;
	}
	sim->st.hypercalls++;
	sim->changed = 0;
	for (unsigned int i = 0; i < count; i++) {
		if (every && seg == every) {
			/* Flush what this segment changed, then continue. */
			sim_flush_if_changed(sim);
			sim->st.continuations++;
			seg = 0;
		}
		ops[i].status = sim_draft_op(sim, c, &ops[i]);
		sim->st.ops++;
		seg++;
	}
	sim_flush_if_changed(sim);
	SIM_UNLOCK(sim);
	return 0;
}
