// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The simulator's other personalities: XenServer's (and XCP-ng's) pv-iommu
 * patches as they ship, and a hypervisor that gives hypercall 56 to another
 * ABI.  Written from the rules in docs/xenserver-model.md, each of which
 * names the line of XenServer's source it comes from; no code of it here.
 * The mapping work itself is the draft personality's (sim_draft_op()), so
 * the frames, references and audit stay one model.
 */
#include "config.h"

#include <string.h>

#include "sim-private.h"

/* What XenServer's order test sees of flags: (0xf1 << 10) in 16 bits. */
#define XS_ORDER_SEEN 0xc400u

int sim_xs_check_config(const struct xpi_sim_config *c)
{
	uint64_t top;

	if (c->personality > XPI_SIM_PERSONALITY_OTHER_ABI)
		return -EINVAL;
	if (c->personality != XPI_SIM_PERSONALITY_XENSERVER)
		return 0;
	if (c->xs_reported_order > IOMMU_page_order_max)
		return -EINVAL;
	/* The BFN:MFN region lies above every MFN and inside the BFN width. */
	top = UINT64_C(1) << c->bfn_width;
	if (c->xs_foreign_offset < c->host_frames ||
	    c->xs_foreign_offset > top ||
	    top - c->xs_foreign_offset < c->host_frames)
		return -EINVAL;
	return 0;
}

/* can_use_iommu_check(): only ever asked for the hardware domain here. */
static int xs_can_use(const struct xpi_sim *sim)
{
	return sim->cfg.iommu_present && !sim->cfg.dom0_passthrough &&
	       !sim->cfg.xs_iommu_unusable;
}

int sim_xs_offset_region(const struct xpi_sim *sim, uint16_t domid,
			 uint64_t bfn, uint64_t *mfn)
{
	uint64_t off = sim->cfg.xs_foreign_offset;

	if (sim->cfg.personality != XPI_SIM_PERSONALITY_XENSERVER ||
	    domid != XPI_SIM_HWDOM || !xs_can_use(sim) || bfn < off ||
	    bfn - off >= sim->nframes)
		return 0;
	*mfn = bfn - off;
	return 1;
}

/* The frame the hardware domain's IOMMU gives bfn, as iommu_lookup_page. */
static int xs_translate(const struct xpi_sim *sim, struct sim_domain *c,
			uint64_t bfn, uint64_t *mfn)
{
	struct xpi_radix_extent ext;

	if (!xpi_radix_find(&c->iommu, bfn, &ext)) {
		*mfn = (ext.value & IOV_MFN_MASK) + (bfn - ext.base);
		return 1;
	}
	if (sim_one_to_one(sim, c->domid, bfn)) {
		*mfn = bfn;
		return 1;
	}
	return sim_xs_offset_region(sim, c->domid, bfn, mfn);
}

static int xs_map_page(struct xpi_sim *sim, struct sim_domain *c,
		       struct pv_iommu_op *op)
{
	struct pv_iommu_op d = *op;
	uint64_t gfn = op->u.map_page.gfn, mfn;
	int rc;

	if (!xs_can_use(sim))
		return -EPERM;
	/* A GFN that does not resolve to a page of the caller's. */
	if (!(op->flags & IOMMU_MAP_OP_no_ref_cnt) &&
	    (gfn >= c->p2m_size || c->p2m[gfn] == SIM_NO_MFN ||
	     sim->frames[c->p2m[gfn]].owner != c->domid))
		return -EPERM;
	if ((op->flags & IOMMU_MAP_OP_no_ref_cnt) && gfn >= sim->nframes)
		return -EPERM;
	/* A BFN the IOMMU already translates. */
	if (xs_translate(sim, c, op->u.map_page.bfn, &mfn) ||
	    sim_rmrr_hit(c, op->u.map_page.bfn, 0))
		return -EPERM;
	/* The mapping itself, at order 0, with the flags XenServer reads. */
	d.flags = (uint16_t)(op->flags &
			     (IOMMU_OP_readable | IOMMU_OP_writeable |
			      IOMMU_MAP_OP_no_ref_cnt));
	rc = sim_draft_op(sim, c, &d);
	return rc ? -EIO : 0;
}

static int xs_unmap_page(struct xpi_sim *sim, struct sim_domain *c,
			 struct pv_iommu_op *op)
{
	struct pv_iommu_op d = *op;
	struct xpi_radix_extent ext;
	uint64_t mfn;

	if (!xs_translate(sim, c, op->u.unmap_page.bfn, &mfn))
		return -ENOENT;
	/* Only the entries map_page made can be removed here; the boot-time
	 * regions are not modelled as removable (docs/xenserver-model.md). */
	if (xpi_radix_find(&c->iommu, op->u.unmap_page.bfn, &ext) ||
	    ext.base != op->u.unmap_page.bfn || ext.order)
		return -EIO;
	d.flags = 0;
	return sim_draft_op(sim, c, &d) ? -EIO : 0;
}

static int xs_lookup_foreign(struct xpi_sim *sim, struct sim_domain *c,
			     struct pv_iommu_op *op)
{
	uint16_t domid = op->u.lookup_foreign_page.domid;
	uint64_t gfn = op->u.lookup_foreign_page.gfn, mfn;
	struct sim_domain *t;
	struct sim_frame *f;

	if (domid == c->domid || domid == XPI_DOMID_SELF)
		return -EPERM;
	t = sim_dom(sim, domid);
	if (!t)
		return -ENXIO;
	/* Every simulated guest is HVM and the hardware domain holds
	 * device-model privilege over each: those two checks pass. */
	if (gfn >= t->p2m_size || t->p2m[gfn] == SIM_NO_MFN)
		return -ENXIO;
	mfn = t->p2m[gfn];
	f = &sim->frames[mfn];
	if (f->owner != domid)
		return -ENXIO; /* get_page() refuses a page not the guest's */
	/* One pin bit per page, however many servers look it up. */
	if (!(f->flags & FRAME_XS_PIN)) {
		f->flags |= FRAME_XS_PIN;
		sim_frame_get(sim, mfn, 0);
	}
	op->u.lookup_foreign_page.bfn =
		xs_can_use(sim) ? mfn + sim->cfg.xs_foreign_offset : mfn;
	return 0;
}

static int xs_unmap_foreign(struct xpi_sim *sim, struct sim_domain *c,
			    struct pv_iommu_op *op)
{
	uint64_t bfn = op->u.unmap_foreign_page.bfn, mfn;
	struct sim_frame *f;

	if (xs_can_use(sim)) {
		if (!xs_translate(sim, c, bfn, &mfn))
			return -ENOENT;
	} else {
		mfn = bfn;
	}
	if (mfn >= sim->nframes)
		return -ENOENT;
	f = &sim->frames[mfn];
	if (!(f->flags & FRAME_XS_PIN))
		return -ENOENT;
	f->flags &= (uint8_t)~FRAME_XS_PIN;
	sim_frame_put(sim, mfn, 0);
	return 0;
}

static int xs_op(struct xpi_sim *sim, struct sim_domain *c,
		 struct pv_iommu_op *op)
{
	if (op->flags & XS_ORDER_SEEN)
		return -ENOSPC;
	switch (op->subop_id) {
	case IOMMUOP_query_caps:
		op->flags = 0;
		if (xs_can_use(sim)) {
			op->flags = pv_iommu_flags_set_order(
				IOMMU_QUERY_map_cap | IOMMU_QUERY_map_all_gfns,
				sim->cfg.xs_reported_order);
			/* u.query_caps.offset: the union's first 8 bytes. */
			op->u.unmap_page.bfn = sim->cfg.xs_foreign_offset;
		}
		return 0;
	case IOMMUOP_map_page:
		return xs_map_page(sim, c, op);
	case IOMMUOP_unmap_page:
		return xs_unmap_page(sim, c, op);
	case IOMMUOP_lookup_foreign_page:
		return xs_lookup_foreign(sim, c, op);
	case IOMMUOP_unmap_foreign_page:
		return xs_unmap_foreign(sim, c, op);
	default: /* map_foreign_page (4) was removed: unknown like the rest */
		return -ENODEV;
	}
}

/* Another ABI on 56: it "succeeds" and rewrites what it was given. */
static void other_abi_op(struct pv_iommu_op *op)
{
	op->status = 0;
	op->flags = 0xfffc;
	memset(&op->u, 0xa5, sizeof(op->u));
}

long sim_xs_iommu_op(struct xpi_sim *sim, uint16_t caller,
		     struct pv_iommu_op *ops, unsigned int count)
{
	unsigned int every, seg = 0, i;
	struct sim_domain *c;

	SIM_LOCK(sim);
	c = sim_dom(sim, caller);
	if (!sim->cfg.hypercall_present || !c) {
		SIM_UNLOCK(sim);
		return !c && sim->cfg.hypercall_present ? -ESRCH : -ENOSYS;
	}
	if (sim->cfg.personality == XPI_SIM_PERSONALITY_OTHER_ABI) {
		for (i = 0; ops && i < count; i++)
			other_abi_op(&ops[i]);
		SIM_UNLOCK(sim);
		return 0;
	}
	/* do_iommu_op: the hardware domain only, a count that fits an int. */
	if (caller != XPI_SIM_HWDOM || (int)count < 0 || (!ops && count)) {
		SIM_UNLOCK(sim);
		return caller != XPI_SIM_HWDOM ? -ENOSYS
		       : (int)count < 0	       ? -EINVAL
					       : -EFAULT;
	}
	every = sim->cfg.preempt_every;
	sim->st.hypercalls++;
	sim->changed = 0;
	for (i = 0; i < count; i++) {
		if (every && seg == every) {
			/* A continuation: the flush-all, then the rest. */
			sim->changed = 1;
			sim_flush_if_changed(sim);
			sim->st.continuations++;
			seg = 0;
		}
		ops[i].status = xs_op(sim, c, &ops[i]);
		sim->st.ops++;
		seg++;
	}
	/* More than one op: one flush-all at the end if any op was done;
	 * a single op flushed as it changed the IOMMU. */
	if (count > 1 && i)
		sim->changed = 1;
	sim_flush_if_changed(sim);
	SIM_UNLOCK(sim);
	return 0;
}
