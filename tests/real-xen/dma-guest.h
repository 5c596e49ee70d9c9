/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DMA truth through a guest's frames, included by patched-test.c after
 * dma-truth.h and foreign.h (their edu, page and guest helpers): QEMU's
 * edu device reads and writes a guest's pages through the BFNs of
 * map_foreign_page (order 0 and order 9) and of a grant mapped with
 * GNTMAP_request_bfn_map, and every result is compared with a saved copy
 * of what was written (dma_agrees()), never with the other page.
 *
 * dom0's fresh pages P and Q sit at BFNs A and B as in dma_truth(); the
 * guest (foreign.h's guest_create(): 1024 pages from GFN 0 in order-9
 * extents) is written and read by this process through privcmd.
 */
#ifndef XPI_REAL_XEN_DMA_GUEST_H
#define XPI_REAL_XEN_DMA_GUEST_H

#define DG_BFN UINT64_C(0x1000600)     /* order 0 */
#define DG_SP_BFN UINT64_C(0x1000800)  /* order 9, aligned */
#define DG_GNT_BFN UINT64_C(0x1000a00) /* the grant's bus page */
#define DG_GFN 800u
#define DG_GNT_GFN 411u
#define DG_GNT_REF 11u

/* Map @n guest frames from @gfn into this process (NULL on any error). */
static unsigned char *dg_map(xenforeignmemory_handle *fm, uint32_t domid,
			     xen_pfn_t gfn, unsigned int n)
{
	static xen_pfn_t g[512];
	static int err[512];
	unsigned char *p;

	for (unsigned int i = 0; i < n; i++)
		g[i] = gfn + i;
	p = xenforeignmemory_map(fm, domid, PROT_READ | PROT_WRITE, n, g, err);
	for (unsigned int i = 0; p && i < n; i++)
		if (err[i]) {
			xenforeignmemory_unmap(fm, p, n);
			return NULL;
		}
	return p;
}

/*
 * Both directions through the guest page @gp at bus page @bfn: edu reads
 * it into Q (compared with the saved @seed pattern, @gp unchanged), then
 * writes P into it (the guest page's first EDU_LEN bytes become P's saved
 * pattern, its rest unchanged, P unchanged).  The number of the two that
 * held; @rc gets the first DMA error.
 */
static int dg_both(volatile unsigned char *bar, unsigned char *pp,
		   unsigned char *pq, unsigned char *gp, uint64_t bfn,
		   unsigned int seed, int *rc)
{
	static unsigned char want[4096], mine[4096];
	int ok = 0;

	dma_pattern(want, seed);
	memcpy(gp, want, 4096);
	memset(pq, DMA_MARK, 4096);
	*rc = edu_through(bar, bfn, DMA_BFN_B);
	ok += !*rc && dma_agrees(gp, pq, want);
	dma_pattern(mine, seed + 1);
	memcpy(pp, mine, 4096);
	if (!*rc)
		*rc = edu_through(bar, DMA_BFN_A, bfn);
	ok += !*rc && !memcmp(gp, mine, EDU_LEN) &&
	      !memcmp(gp + EDU_LEN, want + EDU_LEN, 4096 - EDU_LEN) &&
	      !memcmp(pp, mine, 4096);
	return ok;
}

static void dg_order9(volatile unsigned char *bar, xenforeignmemory_handle *fm,
		      unsigned char *pp, unsigned char *pq, uint32_t domid,
		      uint16_t ios)
{
	static const unsigned int at[] = { 0, 1, 255, 511 };
	unsigned char *g9 = dg_map(fm, domid, 512, 512);
	unsigned int ok = 0, other = 0;
	static unsigned char want[4096];
	int rc = g9 ? fop(IOMMUOP_map_foreign_page,
			  pv_iommu_flags_set_order(RWF, 9), DG_SP_BFN, 512,
			  (uint16_t)domid, ios, NULL)
		    : -1;

	check(rc == 0,
	      "DMA guest: GFNs 512-1023 of d%u mapped at BFN 0x%llx with"
	      " map_foreign_page of order 9 (%d)",
	      domid, (unsigned long long)DG_SP_BFN, rc);
	if (rc)
		goto out;
	for (unsigned int k = 0; k < 512; k++) {
		dma_pattern(want, 3000 + k);
		memcpy(g9 + (size_t)k * 4096, want, 4096);
	}
	for (unsigned int j = 0; j < sizeof(at) / sizeof(*at); j++) {
		ok += dg_both(bar, pp, pq, g9 + (size_t)at[j] * 4096,
			      DG_SP_BFN + at[j], 4000 + 2 * at[j], &rc);
		if (rc)
			break;
	}
	/* Pages no DMA touched still hold their own patterns. */
	for (unsigned int k = 2; k < 511; k++) {
		dma_pattern(want, 3000 + k);
		other += k != 255 && !memcmp(g9 + (size_t)k * 4096, want, 4096);
	}
	check(ok == 8 && other == 508,
	      "DMA guest: edu read and wrote pages 0, 1, 255 and 511 of the"
	      " guest's order-9 foreign extent through its BFNs: %u of 8"
	      " transfers as saved, %u of 508 other pages untouched (%d)",
	      ok, other, rc);
	check(fop(IOMMUOP_unmap_foreign_page, pv_iommu_flags_set_order(0, 9),
		  DG_SP_BFN, 0, 0, ios, NULL) == 0,
	      "DMA guest: the order-9 foreign extent unmapped");
out:
	if (g9)
		xenforeignmemory_unmap(fm, g9, 512);
}

static void dg_grant(xc_interface *xch, volatile unsigned char *bar,
		     xenforeignmemory_handle *fm, unsigned char *pp,
		     unsigned char *pq, uint32_t domid)
{
	const uint32_t dev = GNTMAP_device_map | XPI_GNTMAP_request_bfn_map;
	xenforeignmemory_resource_handle *res = NULL;
	unsigned char *gp = dg_map(fm, domid, DG_GNT_GFN, 1);
	grant_entry_v1_t *gt = NULL;
	uint32_t handle = 0;
	int rc = -1, ok;

	if (gp)
		res = xenforeignmemory_map_resource(
			fm, domid, XENMEM_resource_grant_table,
			XENMEM_resource_grant_table_id_shared, 0, 1,
			(void **)&gt, PROT_READ | PROT_WRITE, 0);
	if (res) {
		gt[DG_GNT_REF].domid = 0;
		gt[DG_GNT_REF].frame = DG_GNT_GFN;
		__atomic_store_n(&gt[DG_GNT_REF].flags,
				 (uint16_t)GTF_permit_access, __ATOMIC_RELEASE);
		rc = gnt_map(xch, domid, DG_GNT_REF, dev, DG_GNT_BFN << 12,
			     &handle);
	}
	check(rc == GNTST_okay,
	      "DMA guest: d%u's grant %u of GFN %u mapped by dom0 with"
	      " GNTMAP_request_bfn_map at BFN 0x%llx (%d)",
	      domid, DG_GNT_REF, DG_GNT_GFN, (unsigned long long)DG_GNT_BFN,
	      rc);
	if (rc)
		goto out;
	ok = dg_both(bar, pp, pq, gp, DG_GNT_BFN, 5000, &rc);
	check(ok == 2,
	      "DMA guest: edu read the granted page through the grant's BFN"
	      " and wrote it: %d of 2 transfers as saved (%d)",
	      ok, rc);
	check(gnt_unmap(xch, handle, DG_GNT_BFN << 12) == GNTST_okay,
	      "DMA guest: the grant unmapped");
out:
	if (gt)
		__atomic_store_n(&gt[DG_GNT_REF].flags, (uint16_t)0,
				 __ATOMIC_RELEASE);
	if (res)
		xenforeignmemory_unmap_resource(fm, res);
	if (gp)
		xenforeignmemory_unmap(fm, gp, 1);
}

static void dma_guest(void)
{
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	xendevicemodel_handle *dm = xendevicemodel_open(NULL, 0);
	xenforeignmemory_handle *fm = xenforeignmemory_open(NULL, 0);
	volatile unsigned char *bar = MAP_FAILED;
	unsigned char *pp = NULL, *pq = NULL, *gp = NULL;
	xen_pfn_t mfn[2] = { 0, 0 };
	int rc, err[2] = { 1, 1 }, have_pages = 0, mapped = 0, have_ios = 0;
	uint32_t domid = 0;
	ioservid_t ios = 0;
	char dir[300];

	bar = edu_map_bar(dir, sizeof(dir));
	rc = xch && dm && fm && bar != MAP_FAILED ? 0 : -1;
	if (!rc)
		rc = xc_domain_increase_reservation_exact(xch, 0, 2, 0, 0, mfn);
	have_pages = !rc;
	if (!rc) {
		pp = xenforeignmemory_map(fm, DOMID_SELF,
					  PROT_READ | PROT_WRITE, 1, &mfn[0],
					  &err[0]);
		pq = xenforeignmemory_map(fm, DOMID_SELF,
					  PROT_READ | PROT_WRITE, 1, &mfn[1],
					  &err[1]);
		rc = pp && pq && !err[0] && !err[1] ? 0 : -1;
	}
	if (!rc)
		rc = xpi_map_range(h, DMA_BFN_A, mfn[0], 1, RW) ||
		     xpi_map_range(h, DMA_BFN_B, mfn[1], 1, RW);
	mapped = !rc;
	if (!rc)
		rc = guest_create(xch, &domid, 0);
	if (!rc) {
		rc = xendevicemodel_create_ioreq_server(
			dm, domid, HVM_IOREQSRV_BUFIOREQ_ATOMIC, &ios);
		have_ios = !rc;
	}
	if (!rc)
		rc = xendevicemodel_set_ioreq_server_state(dm, domid, ios, 1);
	check(rc == 0,
	      "DMA guest: edu, dom0 pages P and Q at BFNs A and B, guest d%u"
	      " with ioreq server %u (%d)",
	      domid, ios, rc);
	if (rc)
		goto out;

	gp = dg_map(fm, domid, DG_GFN, 1);
	rc = gp ? fop(IOMMUOP_map_foreign_page, RWF, DG_BFN, DG_GFN,
		      (uint16_t)domid, ios, NULL)
		: -1;
	check(rc == 0,
	      "DMA guest: GFN %u of d%u mapped at BFN 0x%llx with"
	      " map_foreign_page (%d)",
	      DG_GFN, domid, (unsigned long long)DG_BFN, rc);
	if (!rc) {
		int ok = dg_both(bar, pp, pq, gp, DG_BFN, 2000, &rc);

		check(ok == 2,
		      "DMA guest: edu read the guest page through its foreign"
		      " BFN into Q and wrote P into it: %d of 2 transfers as"
		      " saved (%d)",
		      ok, rc);
		check(fop(IOMMUOP_unmap_foreign_page, 0, DG_BFN, 0, 0, ios,
			  NULL) == 0,
		      "DMA guest: the foreign BFN unmapped");
	}
	dg_order9(bar, fm, pp, pq, domid, ios);
	dg_grant(xch, bar, fm, pp, pq, domid);
out:
	if (gp)
		xenforeignmemory_unmap(fm, gp, 1);
	if (mapped) {
		xpi_unmap_range(h, DMA_BFN_A, 1);
		xpi_unmap_range(h, DMA_BFN_B, 1);
	}
	if (pp)
		xenforeignmemory_unmap(fm, pp, 1);
	if (pq)
		xenforeignmemory_unmap(fm, pq, 1);
	if (have_pages)
		xc_domain_decrease_reservation_exact(xch, 0, 2, 0, mfn);
	if (fm)
		xenforeignmemory_close(fm);
	if (bar != MAP_FAILED)
		munmap((void *)bar, 1 << 20);
	guest_end(xch, dm, domid, have_ios, ios);
}

#endif /* XPI_REAL_XEN_DMA_GUEST_H */
