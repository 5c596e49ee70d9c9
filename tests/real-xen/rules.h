/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rules of docs/threat-model.md that had tests on the simulator or in user
 * space only, on the real Xen.  One function per rule.
 *
 * patched-test.c includes this after restricted.h (h, check(), raw(),
 * find_frame(), the helpers of dma-truth.h, foreign.h and running.h):
 *   relaxed: dying_target(), identity_unmap(), grant_alias_cap(),
 *            pending_per_guest();
 *   strict:  strict_foreign_frame().
 * dom0-test.c (the shim on stock Xen) defines XPI_RULES_STOCK first and
 * gets server_quota() only (check(), shim_open(), restrict_to(), window(),
 * sop()).
 */
#ifndef XPI_REAL_XEN_RULES_H
#define XPI_REAL_XEN_RULES_H

#ifdef XPI_RULES_STOCK

/*
 * The per-descriptor ioreq-server quota: a restricted descriptor uses at
 * most XPI_SHIM_MAX_IOSERVERS distinct servers of its guest; the op that
 * names one more gets -EDQUOT.  The shim binds before the hypercall, so
 * stock Xen shows it: the ops it lets through are sent (ENOSYS).
 */
static void server_quota(void)
{
	const uint16_t dom = 2, ios0 = 20;
	int a = shim_open(), b = shim_open(), rc = 0;
	unsigned int i;
	uint64_t wa = 0;

	if (a < 0 || b < 0 || restrict_to(a, dom) || restrict_to(b, dom) ||
	    window(a, 16, &wa)) {
		check(0, "server quota: two fds restricted to d%u, a window",
		      dom);
		goto out;
	}
	for (i = 0; i < XPI_SHIM_MAX_IOSERVERS && !rc; i++) {
		rc = sop(a, IOMMUOP_lookup_foreign_page, 0, dom,
			 (uint16_t)(ios0 + i), NULL);
		rc = rc == 1000 + ENOSYS ? 0 : rc;
	}
	check(rc == 0 && i == XPI_SHIM_MAX_IOSERVERS,
	      "server quota: one restricted fd names %u distinct ioreq servers"
	      " of d%u: each op sent (ENOSYS) (%d)",
	      i, dom, rc);
	rc = sop(a, IOMMUOP_lookup_foreign_page, 0, dom,
		 (uint16_t)(ios0 + XPI_SHIM_MAX_IOSERVERS), NULL);
	check(rc == -EDQUOT,
	      "server quota: a lookup naming a 9th distinct server: -EDQUOT"
	      " (%d)",
	      rc);
	rc = sop(a, IOMMUOP_map_foreign_page, wa, dom,
		 (uint16_t)(ios0 + XPI_SHIM_MAX_IOSERVERS + 1), NULL);
	check(rc == -EDQUOT,
	      "server quota: a map_foreign_page in its window naming a 9th"
	      " distinct server: -EDQUOT (%d)",
	      rc);
	rc = sop(a, IOMMUOP_map_foreign_page, wa, dom, ios0 + 3, NULL);
	check(rc == 1000 + ENOSYS,
	      "server quota: one of its own 8 servers again: sent (ENOSYS):"
	      " the quota counts distinct servers (%d)",
	      rc);
	rc = sop(b, IOMMUOP_lookup_foreign_page, 0, dom,
		 (uint16_t)(ios0 + XPI_SHIM_MAX_IOSERVERS), NULL);
	check(rc == 1000 + ENOSYS,
	      "server quota: another fd names the refused server: sent"
	      " (ENOSYS): the quota is per descriptor, the refusal bound"
	      " nothing (%d)",
	      rc);
out:
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
}

#else /* the patched Xen */

#define RULES_BFN (FGN_BFN + 0x400000)

/* 1 if domain @domid exists; *dying its dying flag. */
static int rules_domain(xc_interface *xch, uint32_t domid, int *dying)
{
	xc_dominfo_t info;

	if (xc_domain_getinfo(xch, domid, 1, &info) != 1 || info.domid != domid)
		return 0;
	if (dying)
		*dying = info.dying;
	return 1;
}

/*
 * A dying target: dom0 holds a foreign mapping and a lookup entry of a
 * guest it destroys.  Their references keep the domain (dying); Xen
 * refuses new foreign ops of it (rcu_lock_live_remote_domain_by_id:
 * -ENXIO), dom0's own unmaps still work, and with the last reference the
 * domain goes.
 */
static void dying_target(void)
{
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	xendevicemodel_handle *dm = xendevicemodel_open(NULL, 0);
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	struct pv_iommu_op op;
	uint32_t domid = 0;
	ioservid_t ios = 0;
	uint64_t mfn = 0;
	int rc, rm, rl, dying = 0, exists, polls, have_ios = 0;

	rc = xch && dm ? guest_create(xch, &domid, 0) : -1;
	if (!rc) {
		rc = xendevicemodel_create_ioreq_server(
			dm, domid, HVM_IOREQSRV_BUFIOREQ_ATOMIC, &ios);
		have_ios = !rc;
	}
	if (!rc)
		rc = xendevicemodel_set_ioreq_server_state(dm, domid, ios, 1);
	if (!rc)
		rc = fop(IOMMUOP_map_foreign_page, RWF, RULES_BFN, 30, domid,
			 ios, NULL);
	if (!rc) {
		rc = fop(IOMMUOP_lookup_foreign_page, 0, 0, 40, domid, ios,
			 &op);
		mfn = op.u.lookup_foreign_page.bfn;
	}
	check(rc == 0,
	      "dying target: guest d%u, ioreq server %u; dom0 holds a foreign"
	      " mapping (BFN 0x%llx) and a lookup (MFN 0x%llx) of it (%d)",
	      domid, ios, (unsigned long long)RULES_BFN,
	      (unsigned long long)mfn, rc);
	if (rc) {
		/* Whatever was made (the statuses do not matter then). */
		fop(IOMMUOP_unmap_foreign_page, 0, RULES_BFN, 0, 0, ios, NULL);
		if (mfn)
			fop(IOMMUOP_unmap_foreign_page, 0, mfn, 0, 0, ios,
			    NULL);
		guest_end(xch, dm, domid, have_ios, ios);
		return;
	}
	rc = xc_domain_destroy(xch, domid);
	exists = rules_domain(xch, domid, &dying);
	check(rc == 0 && exists && dying,
	      "dying target: xc_domain_destroy(d%u) returned; the domain stays,"
	      " dying, while the mappings hold its frames (%d, exists %d,"
	      " dying %d)",
	      domid, rc, exists, dying);
	rm = fop(IOMMUOP_map_foreign_page, RWF, RULES_BFN + 1, 31, domid, ios,
		 NULL);
	check(rm == -ENXIO,
	      "dying target: map_foreign_page of the dying d%u: -ENXIO (%d)",
	      domid, rm);
	check(fop(IOMMUOP_unmap_foreign_page, 0, RULES_BFN + 1, 0, 0, ios,
		  NULL) == -ENOENT,
	      "dying target: the refused map made nothing at its BFN"
	      " (-ENOENT)");
	rl = fop(IOMMUOP_lookup_foreign_page, 0, 0, 41, domid, ios, NULL);
	check(rl == -ENXIO,
	      "dying target: lookup_foreign_page of the dying d%u: -ENXIO (%d)",
	      domid, rl);
	rm = fop(IOMMUOP_unmap_foreign_page, 0, RULES_BFN, 0, 0, ios, NULL);
	rl = fop(IOMMUOP_unmap_foreign_page, 0, mfn, 0, 0, ios, NULL);
	check(rm == 0 && rl == 0,
	      "dying target: dom0's unmap_foreign_page of its held BFN and of"
	      " its lookup still work: 0 (%d, %d)",
	      rm, rl);
	for (polls = 1; polls <= 100; polls++) {
		exists = rules_domain(xch, domid, NULL);
		if (!exists)
			break;
		nanosleep(&ts, NULL);
	}
	check(!exists,
	      "dying target: with the last reference d%u went away"
	      " (xc_domain_getinfo no longer finds it; poll %d of at most 100)",
	      domid, polls);
	guest_end(xch, dm, 0, 0, 0);
}

/*
 * unmap_page of a 1:1 BFN (relaxed dom0: every RAM frame at BFN = MFN) is
 * not a mapping of map_page's: -ENOENT, and the 1:1 entries stay (edu
 * copies one fresh dom0 frame into another through their 1:1 BFNs).
 */
static void identity_unmap(void)
{
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	xenforeignmemory_handle *fm = xenforeignmemory_open(NULL, 0);
	volatile unsigned char *bar = MAP_FAILED;
	unsigned char *pp = NULL, *pq = NULL;
	xen_pfn_t mfn[2] = { 0, 0 };
	int err[2] = { 1, 1 }, rc, r1, r2, r3, have_pages = 0;
	char dir[300];

	bar = edu_map_bar(dir, sizeof(dir));
	rc = xch ? xc_domain_increase_reservation_exact(xch, 0, 2, 0, 0, mfn)
		 : -1;
	have_pages = rc == 0;
	if (have_pages && fm) {
		pp = xenforeignmemory_map(fm, DOMID_SELF,
					  PROT_READ | PROT_WRITE, 1, &mfn[0],
					  &err[0]);
		pq = xenforeignmemory_map(fm, DOMID_SELF,
					  PROT_READ | PROT_WRITE, 1, &mfn[1],
					  &err[1]);
	}
	rc = bar != MAP_FAILED && pp && pq && !err[0] && !err[1] ? 0 : -1;
	check(rc == 0,
	      "1:1 unmap: edu, two fresh dom0 frames P 0x%lx and Q 0x%lx"
	      " mapped into this process",
	      (unsigned long)mfn[0], (unsigned long)mfn[1]);
	if (rc)
		goto out;
	r1 = raw(IOMMUOP_unmap_page, 0, mfn[0], 0);
	r2 = raw(IOMMUOP_unmap_page, 0, mfn[1], 0);
	r3 = raw(IOMMUOP_unmap_page, 0, 0x1000, 0);
	check(r1 == -ENOENT && r2 == -ENOENT && r3 == -ENOENT,
	      "1:1 unmap: unmap_page of the 1:1 BFNs of P, Q and BFN 0x1000:"
	      " -ENOENT (%d, %d, %d)",
	      r1, r2, r3);
	for (unsigned int i = 0; i < EDU_LEN; i++)
		pp[i] = (unsigned char)(i * 3 + 7);
	memset(pq, 0, 4096);
	rc = edu_move(bar, mfn[0], mfn[1]);
	check(rc == 0 && !memcmp(pp, pq, EDU_LEN),
	      "1:1 unmap: the 1:1 entries stay: edu read P through BFN 0x%lx"
	      " and wrote Q through BFN 0x%lx (%d)",
	      (unsigned long)mfn[0], (unsigned long)mfn[1], rc);
out:
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
	if (xch)
		xc_interface_close(xch);
}

/*
 * The alias cap for grant maps: 64 grant maps of one frame with
 * GNTMAP_request_bfn_map succeed, the 65th is GNTST_no_space and makes
 * nothing at its BFN; once the 64 are unmapped the frame maps again.
 */
#define RULES_GNT_BFN UINT64_C(0x1900000)
static void grant_alias_cap(void)
{
	const uint32_t dev = GNTMAP_device_map | XPI_GNTMAP_request_bfn_map;
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	xenforeignmemory_handle *fm = xenforeignmemory_open(NULL, 0);
	xenforeignmemory_resource_handle *res = NULL;
	grant_entry_v1_t *gt = NULL;
	uint32_t handle[65], domid = 0;
	unsigned int ok = 0, unmapped = 0;
	int mapped[64] = { 0 };
	int rc, r65, r;

	rc = xch && fm ? guest_create(xch, &domid, 0) : -1;
	if (!rc) {
		res = xenforeignmemory_map_resource(
			fm, domid, XENMEM_resource_grant_table,
			XENMEM_resource_grant_table_id_shared, 0, 1,
			(void **)&gt, PROT_READ | PROT_WRITE, 0);
		rc = res ? 0 : -1;
	}
	check(rc == 0, "grant cap: guest d%u, its grant table mapped (%d)",
	      domid, rc);
	if (rc)
		goto out;
	gt[11].domid = 0;
	gt[11].frame = 420;
	__atomic_store_n(&gt[11].flags, (uint16_t)GTF_permit_access,
			 __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < 64; i++) {
		r = gnt_map(xch, domid, 11, dev, (RULES_GNT_BFN + i) << 12,
			    &handle[i]);
		mapped[i] = r == GNTST_okay;
		ok += mapped[i];
	}
	r65 = gnt_map(xch, domid, 11, dev, (RULES_GNT_BFN + 64) << 12,
		      &handle[64]);
	check(ok == 64,
	      "grant cap: 64 grant maps of one frame with request_bfn_map at"
	      " 64 BFNs: GNTST_okay (%u)",
	      ok);
	check(r65 == GNTST_no_space, "grant cap: the 65th: GNTST_no_space (%d)",
	      r65);
	if (r65 == GNTST_okay)
		gnt_unmap(xch, handle[64], (RULES_GNT_BFN + 64) << 12);
	r = raw(IOMMUOP_map_page, RW, RULES_GNT_BFN + 64, find_frame(0));
	check(r == 0 && raw(IOMMUOP_unmap_page, 0, RULES_GNT_BFN + 64, 0) == 0,
	      "grant cap: the refused grant map made nothing at its BFN"
	      " (map_page there: %d)",
	      r);
	for (unsigned int i = 0; i < 64; i++)
		unmapped += mapped[i] &&
			    gnt_unmap(xch, handle[i],
				      (RULES_GNT_BFN + i) << 12) == GNTST_okay;
	check(unmapped == 64, "grant cap: the 64 grant maps unmapped (%u)",
	      unmapped);
	r = gnt_map(xch, domid, 11, dev, (RULES_GNT_BFN + 64) << 12,
		    &handle[64]);
	check(r == GNTST_okay &&
		      gnt_unmap(xch, handle[64], (RULES_GNT_BFN + 64) << 12) ==
			      GNTST_okay,
	      "grant cap: then the frame takes a grant map again, and its"
	      " unmap (%d)",
	      r);
	__atomic_store_n(&gt[11].flags, (uint16_t)0, __ATOMIC_RELEASE);
out:
	if (res)
		xenforeignmemory_unmap_resource(fm, res);
	if (fm)
		xenforeignmemory_close(fm);
	guest_end(xch, NULL, domid, 0, 0);
}

/*
 * The synchronous fallback's queue is per guest and server: two guests,
 * each with a disabled ioreq server (both server 0 of their guest) and
 * INVALIDATEs queued for it past its full ring.  Only the first runs;
 * its exits look at its own server's queue only (Xen's 'j' counter: one
 * entry examined per exit, not two), and the second guest's queue is
 * left as it was: destroying that server drops exactly what it had
 * queued before the first guest ran.
 */
struct rules_pg {
	uint32_t domid;
	ioservid_t ios;
	int have_ios;
	xenforeignmemory_resource_handle *res;
};

static int rules_pg_setup(xc_interface *xch, xendevicemodel_handle *dm,
			  xenforeignmemory_handle *fm, struct rules_pg *g,
			  uint64_t bfn, struct pv_iommu_op *ops)
{
	void *pages = NULL;
	int rc = guest_create(xch, &g->domid, 0);

	if (!rc) {
		rc = xendevicemodel_create_ioreq_server(
			dm, g->domid, HVM_IOREQSRV_BUFIOREQ_ATOMIC, &g->ios);
		g->have_ios = !rc;
	}
	if (!rc) {
		g->res = xenforeignmemory_map_resource(
			fm, (domid_t)g->domid, XENMEM_resource_ioreq_server,
			g->ios, 0, 2, &pages, PROT_READ | PROT_WRITE, 0);
		rc = g->res ? 0 : -1;
	}
	if (!rc)
		rc = xendevicemodel_set_ioreq_server_state(dm, g->domid, g->ios,
							   1);
	for (unsigned int i = 0; !rc && i < PB_PAGES * 64; i++)
		fop_fill(&ops[i], IOMMUOP_map_foreign_page, RWF, bfn + i,
			 RUN_GFN0 + 2 * (i / 64), (uint16_t)g->domid, g->ios);
	if (!rc)
		rc = fops_count(ops, PB_PAGES * 64, 0) == (int)(PB_PAGES * 64)
			     ? 0
			     : -1;
	if (!rc)
		rc = xendevicemodel_set_ioreq_server_state(dm, g->domid, g->ios,
							   0);
	return rc;
}

static int rules_pg_balloon(xc_interface *xch, uint32_t domid)
{
	static xen_pfn_t list[PB_PAGES];

	for (unsigned int i = 0; i < PB_PAGES; i++)
		list[i] = RUN_GFN0 + 2 * i;
	return xc_domain_decrease_reservation_exact(xch, domid, PB_PAGES, 0,
						    list);
}

static void pending_per_guest(void)
{
	const uint64_t bfn[2] = { PB_BFN + 0x10000, PB_BFN + 0x20000 };
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	xendevicemodel_handle *dm = xendevicemodel_open(NULL, 0);
	xenforeignmemory_handle *fm = xenforeignmemory_open(NULL, 0);
	static struct pv_iommu_op ops[PB_PAGES * 64];
	struct timespec ts = { 1, 0 };
	struct rules_pg g[2];
	struct pv_counters c0 = { 0 }, c1 = { 0 }, c2 = { 0 }, c3 = { 0 };
	unsigned long q1, q2;
	int rc = xch && dm && fm ? 0 : -1, n, r;
	const char *step = "guest 1";

	memset(g, 0, sizeof(g));
	if (!rc)
		rc = rules_pg_setup(xch, dm, fm, &g[0], bfn[0], ops);
	if (!rc) {
		step = "guest 2";
		rc = rules_pg_setup(xch, dm, fm, &g[1], bfn[1], ops);
	}
	if (!rc) {
		step = "counters";
		rc = pv_counters(xch, &c0);
	}
	/* Guest 2 (never run) gets its queue first, from dom0's balloon. */
	if (!rc) {
		step = "balloon guest 2";
		rc = rules_pg_balloon(xch, g[1].domid);
	}
	if (!rc) {
		step = "counters";
		rc = pv_counters(xch, &c1);
	}
	q2 = c1.queued - c0.queued;
	check(rc == 0 && q2 > 0,
	      "per-guest queue: guests d%u and d%u, %u pages of each mapped 64"
	      " times, their ioreq servers %u and %u disabled; d%u's pages"
	      " ballooned out: %lu INVALIDATEs queued for it (%s: %d)",
	      g[0].domid, g[1].domid, PB_PAGES, g[0].ios, g[1].ios, g[1].domid,
	      q2, step, rc);
	if (rc || !q2)
		goto out;
	step = "run guest 1";
	rc = run_load(fm, g[0].domid, 0);
	if (!rc)
		rc = run_set_cpu(xch, g[0].domid);
	if (!rc)
		rc = xc_domain_unpause(xch, g[0].domid);
	if (!rc) {
		step = "balloon guest 1";
		rc = rules_pg_balloon(xch, g[0].domid);
	}
	nanosleep(&ts, NULL); /* guest 1 runs on, exit after exit */
	r = pv_counters(xch, &c2);
	q1 = c2.queued - c1.queued;
	check(rc == 0 && r == 0 && q1 > 0 && c2.examined == 1,
	      "per-guest queue: d%u ran with %lu INVALIDATEs queued for its"
	      " server; its exits looked at 1 queue entry at most, not d%u's"
	      " (examined %u) (%s: %d, %d)",
	      g[0].domid, q1, g[1].domid, c2.examined, step, rc, r);
	rc = xendevicemodel_destroy_ioreq_server(dm, g[1].domid, g[1].ios);
	g[1].have_ios = rc != 0;
	r = pv_counters(xch, &c3);
	check(rc == 0 && r == 0 && c2.queued - c3.queued == q2,
	      "per-guest queue: destroying d%u's server dropped its %lu"
	      " entries, as many as it had before d%u ran (%lu) (%d)",
	      g[1].domid, c2.queued - c3.queued, g[0].domid, q2, rc);
	rc = xendevicemodel_destroy_ioreq_server(dm, g[0].domid, g[0].ios);
	g[0].have_ios = rc != 0;
	r = pv_counters(xch, &c3);
	check(rc == 0 && r == 0 && c3.queued == c0.queued,
	      "per-guest queue: destroying d%u's server dropped its queue"
	      " (%lu queued now, %lu before) (%d)",
	      g[0].domid, c3.queued, c0.queued, rc);
	n = 0;
	for (unsigned int k = 0; k < 2; k++) {
		for (unsigned int i = 0; i < PB_PAGES * 64; i++)
			fop_fill(&ops[i], IOMMUOP_unmap_foreign_page, 0,
				 bfn[k] + i, 0, 0, g[k].ios);
		n += fops_count(ops, PB_PAGES * 64, 0);
	}
	check(n == (int)(PB_PAGES * 64 * 2),
	      "per-guest queue: the %u mappings of both guests unmapped (%d)",
	      PB_PAGES * 64 * 2, n);
out:
	for (unsigned int k = 0; k < 2; k++) {
		/* After a failure too (the statuses do not matter then). */
		for (unsigned int i = 0; g[k].domid && i < PB_PAGES * 64; i++)
			fop_fill(&ops[i], IOMMUOP_unmap_foreign_page, 0,
				 bfn[k] + i, 0, 0, g[k].ios);
		if (g[k].domid)
			fops_count(ops, PB_PAGES * 64, 0);
		if (g[k].res)
			xenforeignmemory_unmap_resource(fm, g[k].res);
		if (g[k].domid) {
			if (g[k].have_ios)
				xendevicemodel_destroy_ioreq_server(dm,
								    g[k].domid,
								    g[k].ios);
			check(xc_domain_destroy(xch, g[k].domid) == 0,
			      "d%u destroyed", g[k].domid);
		}
	}
	if (fm)
		xenforeignmemory_close(fm);
	guest_end(xch, dm, 0, 0, 0);
}

/*
 * 1 if edu, reading bus address @bfn << 12, gets the EDU_LEN bytes at
 * @want (through a fresh dom0 frame the library maps at DMA_BFN_B).
 */
static int rules_edu_reads(xc_interface *xch, xenforeignmemory_handle *fm,
			   uint64_t bfn, const unsigned char *want)
{
	volatile unsigned char *bar = MAP_FAILED;
	unsigned char *pq = NULL;
	xen_pfn_t q = 0;
	char dir[300];
	int err = 1, ok = 0, have = 0, mapped = 0;

	bar = edu_map_bar(dir, sizeof(dir));
	have = !xc_domain_increase_reservation_exact(xch, 0, 1, 0, 0, &q);
	if (have)
		pq = xenforeignmemory_map(fm, DOMID_SELF,
					  PROT_READ | PROT_WRITE, 1, &q, &err);
	if (pq && !err)
		mapped = !xpi_map_range(h, DMA_BFN_B, q, 1, RW);
	if (mapped && bar != MAP_FAILED) {
		memset(pq, 0, 4096);
		ok = !edu_move(bar, bfn, DMA_BFN_B) &&
		     !memcmp(pq, want, EDU_LEN);
	}
	if (mapped)
		xpi_unmap_range(h, DMA_BFN_B, 1);
	if (pq)
		xenforeignmemory_unmap(fm, pq, 1);
	if (have)
		xc_domain_decrease_reservation_exact(xch, 0, 1, 0, &q);
	if (bar != MAP_FAILED)
		munmap((void *)bar, 1 << 20);
	return ok;
}

/*
 * dom0-strict: map_page takes only dom0's own frames.  A guest's MFN is
 * learnt the way strict allows: a grant map with GNTMAP_device_map (and
 * not request_bfn_map) gives the frame's bus address, its MFN.  Also a
 * guest's Xen-owned frame (its shared_info page, added to its p2m) is
 * refused by map_foreign_page, while an ordinary guest page maps.
 */
static void strict_foreign_frame(void)
{
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	xendevicemodel_handle *dm = xendevicemodel_open(NULL, 0);
	xenforeignmemory_handle *fm = xenforeignmemory_open(NULL, 0);
	xenforeignmemory_resource_handle *res = NULL;
	grant_entry_v1_t *gt = NULL;
	struct gnttab_map_grant_ref gop;
	uint32_t domid = 0;
	ioservid_t ios = 0;
	uint64_t addr = 0, mfn;
	xen_pfn_t g430 = 430;
	unsigned char *pg = NULL;
	int rc, r1, r2, have_ios = 0, err = 1, seen = 0;

	rc = xch && dm && fm ? guest_create(xch, &domid, 0) : -1;
	if (!rc) {
		res = xenforeignmemory_map_resource(
			fm, domid, XENMEM_resource_grant_table,
			XENMEM_resource_grant_table_id_shared, 0, 1,
			(void **)&gt, PROT_READ | PROT_WRITE, 0);
		rc = res ? 0 : -1;
	}
	if (!rc) {
		gt[12].domid = 0;
		gt[12].frame = 430;
		__atomic_store_n(&gt[12].flags,
				 (uint16_t)(GTF_permit_access | GTF_readonly),
				 __ATOMIC_RELEASE);
		memset(&gop, 0, sizeof(gop));
		gop.flags = GNTMAP_device_map | GNTMAP_readonly;
		gop.ref = 12;
		gop.dom = (domid_t)domid;
		rc = xc_gnttab_op(xch, GNTTABOP_map_grant_ref, &gop,
				  sizeof(gop), 1);
		if (!rc)
			rc = gop.status;
		addr = gop.dev_bus_addr;
	}
	mfn = addr >> 12;
	check(rc == 0 && mfn != 0 && !(addr & 0xfff),
	      "dom0-strict: a grant map (device_map) of guest d%u's page 430"
	      " gives its MFN 0x%llx (%d)",
	      domid, (unsigned long long)mfn, rc);
	if (rc)
		goto out;
	/* That MFN is the guest's page: edu reads its bytes there. */
	pg = xenforeignmemory_map(fm, domid, PROT_READ | PROT_WRITE, 1, &g430,
				  &err);
	if (pg && !err) {
		for (unsigned int i = 0; i < EDU_LEN; i++)
			pg[i] = (unsigned char)(i * 9 + 4);
		seen = rules_edu_reads(xch, fm, mfn, pg);
	}
	check(seen,
	      "dom0-strict: it is that page: edu reads what dom0 wrote into"
	      " d%u's page 430 at bus address 0x%llx (the grant's entry)",
	      domid, (unsigned long long)addr);
	if (pg)
		xenforeignmemory_unmap(fm, pg, 1);
	r1 = gnt_unmap(xch, gop.handle, addr);
	r2 = raw(IOMMUOP_map_page, RW, HIGH, mfn);
	check(r2 == -EPERM,
	      "dom0-strict: map_page of that guest frame: -EPERM (%d; grant"
	      " unmapped: %d)",
	      r2, r1);
	if (!r2)
		raw(IOMMUOP_unmap_page, 0, HIGH, 0);
	r2 = raw(IOMMUOP_map_page, IOMMU_OP_readable, HIGH, mfn);
	check(r2 == -EPERM,
	      "dom0-strict: read-only map_page of that guest frame: -EPERM"
	      " (%d)",
	      r2);
	if (!r2)
		raw(IOMMUOP_unmap_page, 0, HIGH, 0);

	rc = xendevicemodel_create_ioreq_server(dm, domid,
						HVM_IOREQSRV_BUFIOREQ_ATOMIC,
						&ios);
	have_ios = !rc;
	if (!rc)
		rc = xendevicemodel_set_ioreq_server_state(dm, domid, ios, 1);
	if (!rc)
		rc = xc_domain_add_to_physmap(xch, domid,
					      XENMAPSPACE_shared_info, 0, 2000);
	check(rc == 0,
	      "dom0-strict: ioreq server %u of d%u; its shared_info page (a"
	      " Xen heap frame) added at GFN 2000 (%d)",
	      ios, domid, rc);
	if (rc)
		goto out;
	r1 = fop(IOMMUOP_map_foreign_page, RWF, RULES_BFN, 50, domid, ios,
		 NULL);
	if (!r1)
		r1 = fop(IOMMUOP_unmap_foreign_page, 0, RULES_BFN, 0, 0, ios,
			 NULL);
	r2 = fop(IOMMUOP_map_foreign_page, IOMMUOP_readable, RULES_BFN, 2000,
		 domid, ios, NULL);
	check(r1 == 0 && r2 == -EPERM,
	      "dom0-strict: map_foreign_page of d%u's page 50 maps (and"
	      " unmaps) (%d); of its Xen-owned frame at GFN 2000: -EPERM (%d)",
	      domid, r1, r2);
	if (!r2)
		fop(IOMMUOP_unmap_foreign_page, 0, RULES_BFN, 0, 0, ios, NULL);
out:
	if (gt)
		__atomic_store_n(&gt[12].flags, (uint16_t)0, __ATOMIC_RELEASE);
	if (res)
		xenforeignmemory_unmap_resource(fm, res);
	if (fm)
		xenforeignmemory_close(fm);
	guest_end(xch, dm, domid, have_ios, ios);
}

#endif /* XPI_RULES_STOCK */

#endif /* XPI_REAL_XEN_RULES_H */
