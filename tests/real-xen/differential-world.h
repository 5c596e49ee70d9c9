/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The differential run beyond the hardware domain's own maps, included by
 * patched-test.c after differential.h, dma-truth.h and foreign.h: one
 * seeded sequence of steps on the patched Xen and on the simulator set up
 * alike (dom0 with two fresh frames, a guest of 1024 pages with an ioreq
 * server and four grants to dom0): map_foreign_page (order 0 and 9, R or
 * RW, with or without swap_mfn), lookup_foreign_page, unmap_foreign_page,
 * map_page and unmap_page of dom0's frames, the guest's pages ballooned
 * out and populated again, grant maps with GNTMAP_request_bfn_map and
 * their unmaps, all at eight BFNs and one order-9 slot below edu's 40-bit
 * DMA mask.  After every step, besides the statuses:
 *
 * - which frame each BFN the step touched reaches: on Xen by DMA (edu
 *   reads the BFN; every frame the test wrote holds a tag of its own in
 *   its first 8 bytes), on the simulator by xpi_sim_iommu_lookup() and
 *   the tag the test recorded for that frame; for every other BFN the
 *   simulator says is live, the frame Xen's IOMMU entry reaches;
 * - the reference counts of the frame behind each of those BFNs and of
 *   dom0's two frames: on Xen by the series' debug query (subop 0xd0,
 *   CONFIG_PV_IOMMU_DEBUG, test ELF only), on the simulator by
 *   xpi_sim_frame_info(): general references and writable type
 *   references above the frame's baseline (dw_base_set()), and the
 *   entry's access.  (The M2B counts are not compared: Xen's M2B also
 *   holds map_page mappings, for the alias cap; the simulator's only the
 *   foreign ones.)
 */
#ifndef XPI_REAL_XEN_DIFFERENTIAL_WORLD_H
#define XPI_REAL_XEN_DIFFERENTIAL_WORLD_H

#define DW_BASE UINT64_C(0x1003000)
#define DW_SLOTS 8
#define DW_SP (DW_BASE + 0x200) /* the order-9 slot */
#define DW_NG 4			/* order-0 guest pages: GFNs 100-103 */
#define DW_BAL 600u		/* a page of the order-9 extent */
#define DW_REF0 20u		/* the guest's grant refs 20-23 */
#define IOMMUOP_debug_frame 0xd0
#define IOMMU_DEBUG_by_bfn 0x1

struct dw_frame {
	int rc;
	uint64_t mfn;
	uint32_t refs, wrefs, m2b;
	unsigned int access;
	uint16_t owner;
};

/* Xen's view, through the debug query. */
static void dw_xen_frame(uint64_t key, int by_bfn, struct dw_frame *f)
{
	struct pv_iommu_op op;
	int rc;

	memset(&op, 0, sizeof(op));
	memset(f, 0, sizeof(*f));
	op.subop_id = IOMMUOP_debug_frame;
	op.flags = by_bfn ? IOMMU_DEBUG_by_bfn : 0;
	if (by_bfn)
		op.u.lookup_foreign_page.bfn = key;
	else
		op.u.lookup_foreign_page.gfn = key;
	rc = xpi_hypercall(h, &op, 1);
	f->rc = rc ? 1000 + rc : op.status;
	if (f->rc)
		return;
	f->mfn = op.u.lookup_foreign_page.gfn;
	f->refs = (uint32_t)op.u.lookup_foreign_page.bfn;
	f->wrefs = (uint32_t)(op.u.lookup_foreign_page.bfn >> 32);
	f->m2b = op.u.lookup_foreign_page.ioserver;
	f->owner = op.u.lookup_foreign_page.domid;
	f->access = by_bfn ? op.flags & 3u : 0;
}

/* The simulator's view. */
static void dw_sim_frame(struct xpi_sim *sim, uint64_t key, int by_bfn,
			 struct dw_frame *f)
{
	struct xpi_sim_frame_info fi;
	unsigned int fl = 0;

	memset(f, 0, sizeof(*f));
	f->mfn = key;
	if (by_bfn) {
		f->rc = xpi_sim_iommu_lookup(sim, 0, key, &f->mfn, &fl);
		if (f->rc)
			return;
		f->access = fl & 3u;
	}
	f->rc = xpi_sim_frame_info(sim, f->mfn, &fi);
	f->refs = fi.refs;
	f->wrefs = fi.writable_refs;
	f->m2b = fi.m2b_entries;
	f->owner = fi.owner;
}

/* The simulator's frame tags: which tag the test wrote into a frame. */
static struct {
	uint64_t mfn, tag;
} dw_tags[64];
static unsigned int dw_ntags;

static void dw_tag_set(uint64_t mfn, uint64_t tag)
{
	for (unsigned int i = 0; i < dw_ntags; i++)
		if (dw_tags[i].mfn == mfn) {
			dw_tags[i].tag = tag;
			return;
		}
	if (dw_ntags < 64) {
		dw_tags[dw_ntags].mfn = mfn;
		dw_tags[dw_ntags++].tag = tag;
	}
}

static uint64_t dw_tag_of(uint64_t mfn)
{
	for (unsigned int i = 0; i < dw_ntags; i++)
		if (dw_tags[i].mfn == mfn)
			return dw_tags[i].tag;
	return 0; /* never written: Xen's scratch pages are zeroed */
}

/*
 * Each side's baselines: a frame's counts when the test first saw it with
 * no mapping (dom0's frames at the start, a guest frame when its tag was
 * written); the comparisons are of the counts above them, since dom0's
 * kernel and the toolstack hold references the simulator does not model.
 */
struct dw_base {
	uint64_t mfn;
	uint32_t refs, wrefs;
};
static struct dw_base dw_bases[2][64];
static unsigned int dw_nbases[2];

static void dw_base_set(int sim, uint64_t mfn, const struct dw_frame *f)
{
	struct dw_base *b = dw_bases[sim];
	unsigned int i;

	for (i = 0; i < dw_nbases[sim] && b[i].mfn != mfn; i++)
		;
	if (i == 64)
		return;
	if (i == dw_nbases[sim])
		dw_nbases[sim]++;
	b[i].mfn = mfn;
	b[i].refs = f->refs;
	b[i].wrefs = f->wrefs;
}

/* A frame went back to Xen's free pool: its baseline means nothing now. */
static void dw_base_forget(int sim, uint64_t mfn)
{
	for (unsigned int i = 0; i < dw_nbases[sim]; i++)
		if (dw_bases[sim][i].mfn == mfn)
			dw_bases[sim][i].mfn = UINT64_MAX;
}

/* Subtract the frame's baseline (none known: none subtracted). */
static void dw_base_sub(int sim, struct dw_frame *f)
{
	for (unsigned int i = 0; i < dw_nbases[sim]; i++)
		if (dw_bases[sim][i].mfn == f->mfn) {
			f->refs -= dw_bases[sim][i].refs;
			f->wrefs -= dw_bases[sim][i].wrefs;
			return;
		}
}

/* Xen's frame tags, by Xen's MFN (known from the lookups). */
static struct {
	uint64_t mfn, tag;
} dw_xtags[64];
static unsigned int dw_nxtags;

static void dw_xtag_set(uint64_t mfn, uint64_t tag)
{
	unsigned int i;

	for (i = 0; i < dw_nxtags && dw_xtags[i].mfn != mfn; i++)
		;
	if (i == 64)
		return;
	if (i == dw_nxtags)
		dw_nxtags++;
	dw_xtags[i].mfn = mfn;
	dw_xtags[i].tag = tag;
}

static void dw_xtag_forget(uint64_t mfn)
{
	for (unsigned int i = 0; i < dw_nxtags; i++)
		if (dw_xtags[i].mfn == mfn)
			dw_xtags[i].mfn = UINT64_MAX;
}

struct dw {
	xc_interface *xch;
	xenforeignmemory_handle *fm;
	volatile unsigned char *bar;
	unsigned char *pp, *pq; /* dom0's P (BFN A) and Q (BFN B) */
	struct xpi_sim *sim;
	uint32_t domid;
	uint16_t ios, sios; /* the ioreq server on Xen, on the sim */
	uint64_t m[2];	    /* dom0's two fresh frames */
	uint64_t tag_next;
	int populated[2048];		 /* by GFN, the test's own record */
	uint64_t xmfn[2048], smfn[2048]; /* by GFN: its frame, each side */
	uint64_t lk_real[DW_NG], lk_sim[DW_NG]; /* lookups' BFNs, 0: none */
	int sref[DW_NG];			/* the sim's grant refs */
	uint32_t gh_real[DW_SLOTS], gh_sim[DW_SLOTS];
	int gh[DW_SLOTS]; /* slot has a grant mapping */
	unsigned int steps, dma, refcmp, diffs;
};

/* Write a fresh tag into the guest's page @gfn on both sides. */
static int dw_tag_gfn(struct dw *w, uint64_t gfn)
{
	xen_pfn_t g = gfn;
	int err = 0;
	unsigned char *p = xenforeignmemory_map(w->fm, w->domid,
						PROT_READ | PROT_WRITE, 1, &g,
						&err);
	uint64_t tag = UINT64_C(0x7a67000000000000) | w->tag_next++ << 16 | gfn,
		 smfn = 0;

	if (!p || err) {
		if (p)
			xenforeignmemory_unmap(w->fm, p, 1);
		return -1;
	}
	memset(p, 0x3c, 4096);
	memcpy(p, &tag, 8);
	xenforeignmemory_unmap(w->fm, p, 1);
	if (xpi_sim_p2m_lookup(w->sim, (uint16_t)w->domid, gfn, &smfn))
		return -2;
	dw_tag_set(smfn, tag);
	/* Xen's MFN of the page: a relaxed dom0's lookup (BFN = MFN), undone. */
	{
		struct pv_iommu_op op;
		struct dw_frame f;

		if (fop(IOMMUOP_lookup_foreign_page, 0, 0, gfn,
			(uint16_t)w->domid, w->ios, &op) ||
		    fop(IOMMUOP_unmap_foreign_page, 0,
			op.u.lookup_foreign_page.bfn, 0, 0, w->ios, NULL))
			return -3;
		dw_xen_frame(op.u.lookup_foreign_page.bfn, 0, &f);
		if (f.rc)
			return -4;
		dw_base_set(0, f.mfn, &f);
		dw_xtag_set(f.mfn, tag);
		w->xmfn[gfn] = f.mfn;
		w->smfn[gfn] = smfn;
		dw_sim_frame(w->sim, smfn, 0, &f);
		if (f.rc)
			return -5;
		dw_base_set(1, smfn, &f);
	}
	return 0;
}

/*
 * Xen: the tag edu reads through @bfn.  A read that faults fills edu's
 * buffer with zeros (QEMU completes a DMA the IOMMU refused as a read of
 * unassigned memory), as does a read of a swap_mfn scratch page: both are
 * tag 0, which the lookups (dw_compare_bfn()) tell apart.
 */
static uint64_t dw_dma_tag(struct dw *w, uint64_t bfn, int *rc)
{
	uint64_t tag = 0;

	memset(w->pq, 0xee, 4096);
	*rc = edu_dma(w->bar, bfn << 12, EDU_BUF, 0);
	if (!*rc)
		*rc = edu_dma(w->bar, EDU_BUF, DMA_BFN_B << 12, 1);
	memcpy(&tag, w->pq, 8);
	w->dma++;
	return tag;
}

static uint64_t dw_sim_tag(struct dw *w, uint64_t bfn)
{
	unsigned int fl = 0;
	uint64_t mfn = 0;

	if (xpi_sim_iommu_lookup(w->sim, 0, bfn, &mfn, &fl) ||
	    !(fl & IOMMU_OP_readable))
		return 0;
	return dw_tag_of(mfn);
}

static uint64_t dw_tag_of_xen(struct dw *w, uint64_t mfn)
{
	(void)w;
	for (unsigned int i = 0; i < dw_nxtags; i++)
		if (dw_xtags[i].mfn == mfn)
			return dw_xtags[i].tag;
	return 0;
}

static void dw_diff(struct dw *w, const char *what, uint64_t x, long a, long b)
{
	if (a == b)
		return;
	printf("# world step %u: %s 0x%" PRIx64 ": Xen %ld, simulator %ld\n",
	       w->steps, what, x, a, b);
	w->diffs++;
}

/*
 * Compare one BFN: the frame it reaches (by DMA when @dma, else by Xen's
 * IOMMU entry: the tags of the frames) and that frame's counts.
 */
static void dw_compare_bfn(struct dw *w, uint64_t bfn, int dma)
{
	struct dw_frame a, b;
	int rc = 0;
	uint64_t ta, tb = dw_sim_tag(w, bfn);

	dw_xen_frame(bfn, 1, &a);
	dw_sim_frame(w->sim, bfn, 1, &b);
	if (dma) {
		ta = dw_dma_tag(w, bfn, &rc);
		dw_diff(w, "DMA error at BFN", bfn, rc, 0);
	} else {
		ta = a.rc || !(a.access & IOMMU_OP_readable)
			     ? 0
			     : dw_tag_of_xen(w, a.mfn);
	}
	if (ta != tb) {
		printf("# world step %u: BFN 0x%" PRIx64
		       " reaches tag 0x%" PRIx64 " on Xen, 0x%" PRIx64
		       " on the simulator%s\n",
		       w->steps, bfn, ta, tb, dma ? " (by DMA)" : "");
		w->diffs++;
	}
	dw_diff(w, "lookup of BFN", bfn, a.rc, b.rc);
	if (a.rc || b.rc)
		return;
	dw_diff(w, "access of BFN", bfn, a.access, b.access);
	/*
	 * A swap_mfn scratch page is Xen's, and Xen keeps no count for the
	 * entries pointing at it (the simulator counts one each): only
	 * frames of dom0 or of the guest are compared.
	 */
	if (a.owner != 0 && a.owner != w->domid) {
		dw_diff(w, "owner (dom0 or guest) of the frame at BFN", bfn,
			b.owner == 0 || b.owner == w->domid, 0);
		return;
	}
	dw_base_sub(0, &a);
	dw_base_sub(1, &b);
	w->refcmp++;
	dw_diff(w, "references (above the baseline) of the frame at BFN", bfn,
		a.refs, b.refs);
	dw_diff(w, "writable references of the frame at BFN", bfn, a.wrefs,
		b.wrefs);
}

static void dw_compare_frame(struct dw *w, uint64_t mfn)
{
	struct dw_frame a, b;

	dw_xen_frame(mfn, 0, &a);
	dw_sim_frame(w->sim, mfn, 0, &b);
	dw_diff(w, "query of MFN", mfn, a.rc, b.rc);
	if (a.rc || b.rc)
		return;
	dw_base_sub(0, &a);
	dw_base_sub(1, &b);
	w->refcmp++;
	dw_diff(w, "references (above the baseline) of MFN", mfn, a.refs,
		b.refs);
	dw_diff(w, "writable references of MFN", mfn, a.wrefs, b.wrefs);
}

static int dw_sim_op(struct dw *w, struct pv_iommu_op *op)
{
	long rc = xpi_sim_iommu_op(w->sim, 0, op, 1);

	return rc ? (int)(1000 + rc) : op->status;
}

/* One op on both sides (the sim's ioreq server id put in); statuses. */
static void dw_both(struct dw *w, const struct pv_iommu_op *op,
		    struct pv_iommu_op *ra, struct pv_iommu_op *rb)
{
	int a, b;

	*ra = *op;
	*rb = *op;
	if (op->subop_id == IOMMUOP_unmap_foreign_page)
		rb->u.unmap_foreign_page.ioserver = w->sios;
	else if (op->subop_id == IOMMUOP_map_foreign_page ||
		 op->subop_id == IOMMUOP_lookup_foreign_page)
		rb->u.map_foreign_page.ioserver = w->sios;
	a = xpi_hypercall(h, ra, 1);
	a = a ? 1000 + a : ra->status;
	b = dw_sim_op(w, rb);
	printf("# world step %u: subop %u flags 0x%x bfn 0x%" PRIx64
	       " gfn %" PRIu64 ": Xen %d, simulator %d\n",
	       w->steps, op->subop_id, op->flags, op->u.map_page.bfn,
	       op->subop_id == IOMMUOP_unmap_foreign_page ? 0
							  : op->u.map_page.gfn,
	       a, b);
	dw_diff(w, "status of subop", op->subop_id, a, b);
	ra->status = a;
	rb->status = b;
}

/*
 * After @gfn was ballooned out: if its frame went back to the free pool
 * (nothing mapped it), forget the frame's tag and baseline on that side,
 * for Xen may hand the frame out again (as a scratch page, say).
 */
static void dw_forget_if_free(struct dw *w, uint64_t gfn)
{
	struct xpi_sim_frame_info fi;
	struct dw_frame f;

	if (w->xmfn[gfn]) {
		dw_xen_frame(w->xmfn[gfn], 0, &f);
		if (!f.rc && !f.refs) {
			dw_xtag_forget(w->xmfn[gfn]);
			dw_base_forget(0, w->xmfn[gfn]);
		}
	}
	if (w->smfn[gfn] && !xpi_sim_frame_info(w->sim, w->smfn[gfn], &fi) &&
	    fi.free) {
		dw_tag_set(w->smfn[gfn], 0);
		dw_base_forget(1, w->smfn[gfn]);
	}
}

/* One random step; @bfns receives the BFNs it touched (at most 3). */
static unsigned int dw_step(struct dw *w, uint64_t *bfns)
{
	static const uint16_t fflags[] = {
		RWF,
		RWF,
		IOMMUOP_readable,
		RWF | IOMMUOP_swap_mfn,
		IOMMUOP_readable | IOMMUOP_swap_mfn,
	};
	uint32_t r = diff_rand();
	unsigned int slot = (r >> 8) % DW_SLOTS, g = (r >> 12) % DW_NG;
	uint64_t bfn = DW_BASE + slot, gfn = 100 + g;
	struct pv_iommu_op op, ra, rb;
	unsigned int n = 0;
	int a, b;

	memset(&op, 0, sizeof(op));
	switch (r % 12) {
	case 0:
	case 1: /* map_foreign_page, order 0 */
		fop_fill(&op, IOMMUOP_map_foreign_page, fflags[(r >> 16) % 5],
			 bfn, gfn, (uint16_t)w->domid, w->ios);
		dw_both(w, &op, &ra, &rb);
		bfns[n++] = bfn;
		break;
	case 2: /* map_foreign_page, order 9 */
		fop_fill(&op, IOMMUOP_map_foreign_page,
			 pv_iommu_flags_set_order(fflags[(r >> 16) % 2 ? 0 : 3],
						  9),
			 DW_SP, 512, (uint16_t)w->domid, w->ios);
		dw_both(w, &op, &ra, &rb);
		bfns[n++] = DW_SP;
		bfns[n++] = DW_SP + 1;
		bfns[n++] = DW_SP + (DW_BAL - 512);
		break;
	case 3:
	case 4: /* unmap_foreign_page, order 0 or 9 */
		if ((r >> 16) % 4 == 0) {
			fop_fill(&op, IOMMUOP_unmap_foreign_page,
				 pv_iommu_flags_set_order(0, 9), DW_SP, 0, 0,
				 w->ios);
			bfns[n++] = DW_SP;
			bfns[n++] = DW_SP + (DW_BAL - 512);
		} else {
			fop_fill(&op, IOMMUOP_unmap_foreign_page, 0, bfn, 0, 0,
				 w->ios);
			bfns[n++] = bfn;
		}
		dw_both(w, &op, &ra, &rb);
		break;
	case 5: /* lookup_foreign_page, or the unmap of one */
		if (!w->lk_real[g] && !w->lk_sim[g]) {
			fop_fill(&op, IOMMUOP_lookup_foreign_page, 0, 0, gfn,
				 (uint16_t)w->domid, w->ios);
			dw_both(w, &op, &ra, &rb);
			if (!ra.status)
				w->lk_real[g] = ra.u.lookup_foreign_page.bfn;
			if (!rb.status)
				w->lk_sim[g] = rb.u.lookup_foreign_page.bfn;
		} else {
			fop_fill(&op, IOMMUOP_unmap_foreign_page, 0,
				 w->lk_real[g], 0, 0, w->ios);
			ra = op;
			a = xpi_hypercall(h, &ra, 1);
			a = a ? 1000 + a : ra.status;
			fop_fill(&op, IOMMUOP_unmap_foreign_page, 0,
				 w->lk_sim[g], 0, 0, w->sios);
			b = dw_sim_op(w, &op);
			dw_diff(w, "unmap of the lookup of GFN", gfn, a, b);
			w->lk_real[g] = w->lk_sim[g] = 0;
		}
		break;
	case 6: /* map_page of dom0's frame */
		fop_fill(&op, IOMMUOP_map_page,
			 (r >> 16) % 2 ? RW : IOMMU_OP_readable, bfn,
			 w->m[(r >> 20) % 2], 0, 0);
		dw_both(w, &op, &ra, &rb);
		bfns[n++] = bfn;
		break;
	case 7: /* unmap_page */
		fop_fill(&op, IOMMUOP_unmap_page, 0, bfn, 0, 0, 0);
		dw_both(w, &op, &ra, &rb);
		bfns[n++] = bfn;
		break;
	case 8: { /* balloon out a populated page, or populate it again */
		xen_pfn_t x = (r >> 16) % 5 == 4 ? DW_BAL : gfn;

		if (w->populated[x]) {
			a = xc_domain_decrease_reservation_exact(w->xch,
								 w->domid, 1, 0,
								 &x);
			b = xpi_sim_balloon_out(w->sim, (uint16_t)w->domid, x);
			dw_diff(w, "balloon out of GFN", x, a ? -1 : 0,
				b ? -1 : 0);
			if (!a)
				w->populated[x] = 0;
			dw_forget_if_free(w, x);
			printf("# world step %u: balloon out GFN %lu: Xen %d,"
			       " simulator %d\n",
			       w->steps, (unsigned long)x, a, b);
		} else {
			a = xc_domain_populate_physmap_exact(w->xch, w->domid,
							     1, 0, 0, &x);
			b = xpi_sim_populate(w->sim, (uint16_t)w->domid, x);
			dw_diff(w, "populate of GFN", x, a ? -1 : 0,
				b ? -1 : 0);
			printf("# world step %u: populate GFN %lu: Xen %d,"
			       " simulator %d\n",
			       w->steps, (unsigned long)x, a, b);
			if (!a && !b) {
				w->populated[x] = 1;
				dw_diff(w, "tag of GFN", x, dw_tag_gfn(w, x),
					0);
			}
		}
		for (unsigned int s = 0; s < DW_SLOTS && n < 3; s += 3)
			bfns[n++] = DW_BASE + s;
		break;
	}
	case 9:
	case 10: /* grant map at a slot */
		if (w->gh[slot]) {
			a = gnt_unmap(w->xch, w->gh_real[slot], bfn << 12);
			b = xpi_sim_grant_unmap(w->sim, 0, w->gh_sim[slot]);
			printf("# world step %u: grant unmap at BFN 0x%" PRIx64
			       ": Xen %d, simulator %d\n",
			       w->steps, bfn, a, b);
			dw_diff(w, "grant unmap at BFN", bfn, a, b);
			w->gh[slot] = 0;
		} else {
			uint64_t addr = bfn << 12;
			const uint32_t dev = GNTMAP_device_map |
					     XPI_GNTMAP_request_bfn_map;

			a = gnt_map(w->xch, w->domid, DW_REF0 + g, dev, addr,
				    &w->gh_real[slot]);
			b = xpi_sim_grant_map(w->sim, 0, (uint16_t)w->domid,
					      (uint32_t)w->sref[g], dev, &addr,
					      &w->gh_sim[slot]);
			printf("# world step %u: grant map of GFN %" PRIu64
			       " at BFN 0x%" PRIx64 ": Xen %d, simulator %d\n",
			       w->steps, gfn, bfn, a, b);
			dw_diff(w, "grant map at BFN", bfn, a, b);
			w->gh[slot] = !a && !b;
		}
		bfns[n++] = bfn;
		break;
	default: /* query_caps */
		op.subop_id = IOMMUOP_query_caps;
		dw_both(w, &op, &ra, &rb);
		dw_diff(w, "query_caps flags", 0, ra.flags, rb.flags);
		break;
	}
	return n;
}

static void differential_world(uint64_t seed, unsigned int nsteps)
{
	static struct dw w;
	struct xpi_sim_config cfg;
	struct xpi_sim_domain_config dc = {
		.nr_pages = FGN_PAGES,
		.backing = XPI_SIM_BACKING_CONTIGUOUS,
		.dm_target = XPI_DOMID_INVALID,
	};
	xendevicemodel_handle *dm = xendevicemodel_open(NULL, 0);
	xenforeignmemory_resource_handle *res = NULL;
	grant_entry_v1_t *gt = NULL;
	xen_pfn_t mfn[2] = { 0, 0 }, fr[2] = { 0, 0 };
	int rc, err[2] = { 1, 1 }, have_pages = 0, mapped = 0, have_ios = 0;
	int have_fr = 0;
	uint64_t top, dummy;
	ioservid_t ios = 0;
	char dir[300];
	time_t t0 = time(NULL);

	memset(&w, 0, sizeof(w));
	w.xch = xc_interface_open(NULL, NULL, 0);
	w.fm = xenforeignmemory_open(NULL, 0);
	w.bar = edu_map_bar(dir, sizeof(dir));
	rc = w.xch && w.fm && dm && w.bar != MAP_FAILED ? 0 : -1;
	if (!rc)
		rc = xc_domain_increase_reservation_exact(w.xch, 0, 2, 0, 0,
							  mfn);
	have_pages = !rc;
	if (!rc) {
		w.pp = xenforeignmemory_map(w.fm, DOMID_SELF,
					    PROT_READ | PROT_WRITE, 1, &mfn[0],
					    &err[0]);
		w.pq = xenforeignmemory_map(w.fm, DOMID_SELF,
					    PROT_READ | PROT_WRITE, 1, &mfn[1],
					    &err[1]);
		rc = w.pp && w.pq && !err[0] && !err[1] ? 0 : -1;
	}
	if (!rc)
		rc = xpi_map_range(h, DMA_BFN_A, mfn[0], 1, RW) ||
		     xpi_map_range(h, DMA_BFN_B, mfn[1], 1, RW);
	mapped = !rc;
	/* dom0's two frames for map_page: fresh too (nothing else holds them). */
	if (!rc)
		rc = xc_domain_increase_reservation_exact(w.xch, 0, 2, 0, 0,
							  fr);
	have_fr = !rc;
	w.m[0] = fr[0];
	w.m[1] = fr[1];
	if (!rc)
		rc = guest_create(w.xch, &w.domid, 0);
	if (!rc) {
		rc = xendevicemodel_create_ioreq_server(
			dm, w.domid, HVM_IOREQSRV_BUFIOREQ_ATOMIC, &ios);
		have_ios = !rc;
	}
	if (!rc)
		rc = xendevicemodel_set_ioreq_server_state(dm, w.domid, ios, 1);
	w.ios = ios;
	if (!rc) {
		res = xenforeignmemory_map_resource(
			w.fm, w.domid, XENMEM_resource_grant_table,
			XENMEM_resource_grant_table_id_shared, 0, 1,
			(void **)&gt, PROT_READ | PROT_WRITE, 0);
		rc = res ? 0 : -1;
	}
	/* The simulator: like this host, with room for the guest. */
	top = (w.m[0] > w.m[1] ? w.m[0] : w.m[1]) + 1;
	xpi_sim_config_init(&cfg);
	cfg.max_order = 9;
	cfg.bfn_width = 36;
	cfg.xen_frames = 256;
	cfg.hwdom_frames = top - cfg.xen_frames - 1;
	cfg.host_frames = top + 4096;
	if (!rc)
		rc = xpi_sim_new(&cfg, &w.sim) ||
		     xpi_sim_domain_create(w.sim, (uint16_t)w.domid, &dc) ||
		     xpi_sim_ioreq_server_create(w.sim, 0, (uint16_t)w.domid,
						 &w.sios);
	for (unsigned int g = 0; !rc && g < DW_NG; g++) {
		gt[DW_REF0 + g].domid = 0;
		gt[DW_REF0 + g].frame = 100 + g;
		__atomic_store_n(&gt[DW_REF0 + g].flags,
				 (uint16_t)GTF_permit_access, __ATOMIC_RELEASE);
		w.sref[g] = xpi_sim_grant_create(w.sim, (uint16_t)w.domid,
						 100 + g, 0, 0);
		rc = w.sref[g] < 0;
	}
	for (unsigned int x = 0; x < FGN_PAGES; x++)
		w.populated[x] = 1;
	for (unsigned int g = 0; !rc && g < DW_NG; g++)
		rc = dw_tag_gfn(&w, 100 + g);
	for (unsigned int k = 0; !rc && k < 3; k++)
		rc = dw_tag_gfn(&w, k == 2 ? DW_BAL : 512 + k);
	/* dom0's two frames: tags through privcmd, then no mapping left. */
	for (unsigned int i = 0; !rc && i < 2; i++) {
		xen_pfn_t x = w.m[i];
		int e = 0;
		unsigned char *p = xenforeignmemory_map(w.fm, DOMID_SELF,
							PROT_READ | PROT_WRITE,
							1, &x, &e);
		uint64_t tag = UINT64_C(0xd0d0000000000000) | i;

		rc = p && !e ? 0 : -6;
		if (p) {
			memset(p, 0x3c, 4096);
			memcpy(p, &tag, 8);
			xenforeignmemory_unmap(w.fm, p, 1);
		}
		dw_tag_set(w.m[i], tag);
		dw_xtag_set(w.m[i], tag);
	}
	check(rc == 0,
	      "differential world: dom0 frames 0x%" PRIx64 " 0x%" PRIx64
	      ", guest d%u (1024 pages, ioreq server %u, grants %u-%u) on Xen"
	      " and on the simulator, tags written (%d)",
	      w.m[0], w.m[1], w.domid, ios, DW_REF0, DW_REF0 + DW_NG - 1, rc);
	if (rc)
		goto out;
	{
		struct dw_frame f;

		dw_xen_frame(w.m[0], 0, &f);
		check(f.rc == 0 && f.mfn == w.m[0],
		      "the debug frame query (subop 0xd0) answers on the test"
		      " ELF: MFN 0x%" PRIx64 " has %u references (%d)",
		      w.m[0], f.refs, f.rc);
		if (f.rc)
			goto out;
		for (unsigned int i = 0; i < 2; i++) {
			dw_xen_frame(w.m[i], 0, &f);
			dw_base_set(0, w.m[i], &f);
			dw_sim_frame(w.sim, w.m[i], 0, &f);
			dw_base_set(1, w.m[i], &f);
		}
	}
	diff_rng = seed;
	for (w.steps = 0; w.steps < nsteps && w.diffs < 8; w.steps++) {
		uint64_t bfns[3];
		unsigned int n = dw_step(&w, bfns);

		for (unsigned int i = 0; i < n; i++)
			dw_compare_bfn(&w, bfns[i], 1);
		for (unsigned int s = 0; s < DW_SLOTS; s++) {
			int touched = 0;

			for (unsigned int i = 0; i < n; i++)
				touched |= bfns[i] == DW_BASE + s;
			if (!touched &&
			    !xpi_sim_iommu_lookup(w.sim, 0, DW_BASE + s, &dummy,
						  NULL))
				dw_compare_bfn(&w, DW_BASE + s, 0);
		}
		dw_compare_frame(&w, w.m[0]);
		dw_compare_frame(&w, w.m[1]);
	}
	check(w.diffs == 0 && w.steps == nsteps,
	      "differential world (seed %" PRIu64 "): %u steps of foreign"
	      " maps, lookups, unmaps, map_page, ballooning and grants; %u"
	      " refcount comparisons, %u BFNs followed by DMA: the same on"
	      " Xen and on the simulator (%u differences, %ld s)",
	      seed, w.steps, w.refcmp, w.dma, w.diffs, (long)(time(NULL) - t0));
out:
	/* Unmap what is left on Xen: grants, lookups, slots. */
	for (unsigned int s = 0; s < DW_SLOTS; s++) {
		if (w.gh[s])
			gnt_unmap(w.xch, w.gh_real[s], (DW_BASE + s) << 12);
		fop(IOMMUOP_unmap_foreign_page, 0, DW_BASE + s, 0, 0, w.ios,
		    NULL);
		fop(IOMMUOP_unmap_page, 0, DW_BASE + s, 0, 0, 0, NULL);
	}
	fop(IOMMUOP_unmap_foreign_page, pv_iommu_flags_set_order(0, 9), DW_SP,
	    0, 0, w.ios, NULL);
	for (unsigned int g = 0; g < DW_NG; g++)
		if (w.lk_real[g])
			fop(IOMMUOP_unmap_foreign_page, 0, w.lk_real[g], 0, 0,
			    w.ios, NULL);
	if (gt)
		for (unsigned int g = 0; g < DW_NG; g++)
			__atomic_store_n(&gt[DW_REF0 + g].flags, (uint16_t)0,
					 __ATOMIC_RELEASE);
	if (res)
		xenforeignmemory_unmap_resource(w.fm, res);
	if (mapped) {
		xpi_unmap_range(h, DMA_BFN_A, 1);
		xpi_unmap_range(h, DMA_BFN_B, 1);
	}
	if (w.pp)
		xenforeignmemory_unmap(w.fm, w.pp, 1);
	if (w.pq)
		xenforeignmemory_unmap(w.fm, w.pq, 1);
	if (have_pages)
		xc_domain_decrease_reservation_exact(w.xch, 0, 2, 0, mfn);
	if (have_fr)
		xc_domain_decrease_reservation_exact(w.xch, 0, 2, 0, fr);
	if (w.sim)
		xpi_sim_free(w.sim);
	if (w.fm)
		xenforeignmemory_close(w.fm);
	if (w.bar != MAP_FAILED)
		munmap((void *)w.bar, 1 << 20);
	guest_end(w.xch, dm, w.domid, have_ios, ios);
}

#endif /* XPI_REAL_XEN_DIFFERENTIAL_WORLD_H */
