/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A hostile guest on the real hypervisor (issue 13, review C-1), included
 * by patched-test.c (h, check(), raw()) after dma-truth.h and foreign.h
 * (edu_*, fop(), guest_create(), guest_end(), guest_pages()).
 *
 * The series wires do_iommu_op for every 64-bit PV domain, so the attacker
 * is one: pvguest/ is a one-page PV ELF, built by scripts/real-xen-test
 * and put at /hostile-guest in dom0's root.  dom0 plays an emulator for an
 * HVM guest (the victim): it maps one of the victim's pages with
 * map_foreign_page, looks another up (BFN = MFN), and maps two of its own
 * frames with map_page for edu's DMA.  Then it builds and starts the PV
 * guest with libxenguest's domain builder (xc_dom_*, as libxl does),
 * giving it those BFNs, the victim's domid, GFN and ioreq server on its
 * command line.  The guest issues every subop against them and against
 * itself with forged domids and servers (pvguest/ops.h: the rows and the
 * status each must get), then sweeps unmap_foreign_page over the BFNs
 * around dom0's in one call, stores the results in a page of its own and
 * shuts down; dom0 reads that page (a non-debug Xen refuses console_io to
 * a guest, so Xen's console ring cannot carry them).
 *
 * Then dom0's mappings must be intact: edu still reads the right bytes
 * through the map_page and the foreign BFN; ballooning the two victim
 * pages out leaves their frames allocated (dom0's mapping and lookup still
 * hold them); dom0's own unmap of each returns 0, and only then are the
 * frames freed.  On the series at 37fded6 (C-1) the guest's
 * unmap_foreign_page of dom0's BFNs returns 0, the frames go at once, and
 * dom0's unmaps get -ENOENT.
 */
#ifndef XPI_REAL_XEN_HOSTILE_H
#define XPI_REAL_XEN_HOSTILE_H

#include <xenguest.h>

#include "pvguest/ops.h"

#define HOSTILE_PATH "/hostile-guest"
#define HOSTILE_MB 16u
/* Within edu's 40-bit DMA mask, beside dma-truth.h's BFNs A and B. */
#define HOSTILE_FGN_BFN (DMA_BFN_A + 0x100)
#define HOSTILE_GFN                                                            \
	40u /* the victim's mapped page; HOSTILE_GFN + 1 looked up */

/*
 * libxenguest registers its ELF loader from a constructor in the object
 * that also holds xc_elf_set_logfile(); a static link only takes that
 * object when something refers to it.
 */
__attribute__((used)) static void (*const hostile_pull_elf_loader)(
	xc_interface *, struct elf_binary *, int) = xc_elf_set_logfile;

static const struct pvg_op hostile_ops[] = { PVG_OPS };

/*
 * Build the PV guest as domain *@domid (set once it exists, for the caller
 * to destroy) with @params on its command line, run it until it shuts
 * down, and copy its results page into @out.  NULL, or the step that
 * failed.
 */
static const char *hostile_run(xc_interface *xch, uint32_t *domid,
			       uint64_t *params, struct pvg_results *out)
{
	struct xen_domctl_createdomain cfg = {
		.flags = 0, /* PV */
		.max_vcpus = 1,
		.max_evtchn_port = 1023,
		.max_grant_frames = 1,
		.max_maptrack_frames = 0,
		.grant_opts = XEN_DOMCTL_GRANT_version(1),
	};
	struct xc_dom_image *dom = NULL;
	char cmdline[512];
	size_t n = 0;
	volatile struct pvg_results *res = NULL;
	const char *step = "create the PV domain";
	xc_dominfo_t info;

	if (xc_domain_create(xch, domid, &cfg) ||
	    xc_domain_max_vcpus(xch, *domid, 1) ||
	    xc_domain_setmaxmem(xch, *domid, HOSTILE_MB * 1024 + 1024))
		return step;
	params[P_SELF] = *domid;
	n = (size_t)snprintf(cmdline, sizeof(cmdline), "pvg=");
	for (unsigned int i = 1; i < PVG_NPARAMS; i++)
		n += (size_t)snprintf(cmdline + n, sizeof(cmdline) - n,
				      "%s%llx", i > 1 ? "," : "",
				      (unsigned long long)params[i]);
	step = "the domain builder";
	dom = xc_dom_allocate(xch, cmdline, NULL);
	if (!dom)
		return step;
	dom->container_type = XC_DOM_PV_CONTAINER;
	dom->max_vcpus = 1;
	dom->console_domid = 0;
	dom->xenstore_domid = 0;
	if (xc_dom_kernel_file(dom, HOSTILE_PATH) ||
	    xc_dom_boot_xen_init(dom, xch, *domid) || xc_dom_parse_image(dom) ||
	    xc_dom_mem_init(dom, HOSTILE_MB) || xc_dom_boot_mem_init(dom) ||
	    xc_dom_build_image(dom) || xc_dom_boot_image(dom))
		goto out;
	step = "map the guest's results page";
	res = xc_dom_boot_domU_map(
		dom,
		dom->kernel_seg.pfn +
			(PVG_RESULTS - dom->kernel_seg.vstart) / 4096,
		1);
	if (!res || res->magic || res->done)
		goto out;
	step = "unpause";
	if (xc_domain_unpause(xch, *domid))
		goto out;
	step = "the guest did not shut down within 30 s";
	for (int i = 0; i < 300; i++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		if (xc_domain_getinfo(xch, *domid, 1, &info) == 1 &&
		    info.domid == *domid && (info.shutdown || info.crashed)) {
			step = info.crashed || info.shutdown_reason !=
						       SHUTDOWN_poweroff
				       ? "the guest crashed"
				       : NULL;
			break;
		}
		nanosleep(&ts, NULL);
	}
	memcpy(out, (const void *)res, sizeof(*out));
out:
	xc_dom_release(dom); /* also unmaps the results page */
	return step;
}

static void hostile_guest_checks(void)
{
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	xendevicemodel_handle *dm = xendevicemodel_open(NULL, 0);
	xenforeignmemory_handle *fm = xenforeignmemory_open(NULL, 0);
	volatile unsigned char *bar = MAP_FAILED;
	unsigned char *pa = NULL, *pb = NULL, *pv = NULL;
	static struct pvg_results r;
	uint64_t params[PVG_NPARAMS] = { 0 }, look = 0;
	xen_pfn_t mfn[2] = { 0, 0 }, vg = HOSTILE_GFN;
	uint32_t victim = 0, pvdom = 0;
	int rc, have_ios = 0, have_frames = 0, mapped_a = 0, mapped_b = 0;
	int have_fgn = 0, have_look = 0, err[2] = { 0, 0 };
	unsigned long before = 0, during, after;
	const char *step;
	ioservid_t ios = 0;
	char dir[300];
	struct pv_iommu_op op;

	/* The victim and dom0's mappings of its pages, as an emulator's. */
	rc = xch && dm && fm ? guest_create(xch, &victim, 0) : -1;
	if (!rc)
		rc = xendevicemodel_create_ioreq_server(
			dm, victim, HVM_IOREQSRV_BUFIOREQ_ATOMIC, &ios);
	have_ios = victim && rc == 0;
	if (!rc)
		rc = xendevicemodel_set_ioreq_server_state(dm, victim, ios, 1);
	check(rc == 0,
	      "hostile guest: a victim HVM d%u, dom0's ioreq server %u"
	      " for it (%d)",
	      victim, ios, rc);
	if (rc)
		goto out;
	pv = xenforeignmemory_map(fm, victim, PROT_READ | PROT_WRITE, 1, &vg,
				  err);
	if (pv && err[0]) {
		xenforeignmemory_unmap(fm, pv, 1);
		pv = NULL;
	}
	if (pv)
		for (unsigned int i = 0; i < 4096; i++)
			pv[i] = (unsigned char)(i * 11 + 1);
	rc = fop(IOMMUOP_map_foreign_page, RWF, HOSTILE_FGN_BFN, HOSTILE_GFN,
		 (uint16_t)victim, ios, NULL);
	have_fgn = rc == 0;
	if (!rc)
		rc = fop(IOMMUOP_lookup_foreign_page, 0, 0, HOSTILE_GFN + 1,
			 (uint16_t)victim, ios, &op);
	have_look = have_fgn && rc == 0;
	look = have_look ? op.u.lookup_foreign_page.bfn : 0;
	check(pv && rc == 0,
	      "dom0 maps victim GFN %u at BFN 0x%llx (map_foreign_page) and"
	      " looks GFN %u up (BFN 0x%llx) (%d)",
	      HOSTILE_GFN, (unsigned long long)HOSTILE_FGN_BFN, HOSTILE_GFN + 1,
	      (unsigned long long)look, rc);
	if (rc || !pv)
		goto out;

	/* Two frames of dom0's own behind BFNs A and B for edu, as dma-truth. */
	rc = xc_domain_increase_reservation_exact(xch, 0, 2, 0, 0, mfn);
	have_frames = rc == 0;
	if (have_frames) {
		pa = xenforeignmemory_map(fm, DOMID_SELF,
					  PROT_READ | PROT_WRITE, 1, &mfn[0],
					  &err[0]);
		pb = xenforeignmemory_map(fm, DOMID_SELF,
					  PROT_READ | PROT_WRITE, 1, &mfn[1],
					  &err[1]);
	}
	if (pa && pb && !err[0] && !err[1]) {
		for (unsigned int i = 0; i < 4096; i++)
			pa[i] = (unsigned char)(i * 5 + 9);
		rc = raw(IOMMUOP_map_page, RW, DMA_BFN_A, mfn[0]);
		mapped_a = rc == 0;
		if (!rc)
			rc = raw(IOMMUOP_map_page, RW, DMA_BFN_B, mfn[1]);
		mapped_b = mapped_a && rc == 0;
	} else {
		rc = -1;
	}
	check(rc == 0,
	      "dom0 maps two frames of its own at BFNs 0x%llx and 0x%llx"
	      " (map_page) (%d)",
	      (unsigned long long)DMA_BFN_A, (unsigned long long)DMA_BFN_B, rc);
	if (rc)
		goto out;

	/* The attack. */
	params[P_MAPB] = DMA_BFN_A;
	params[P_FGNB] = HOSTILE_FGN_BFN;
	params[P_LOOKB] = look;
	params[P_GFN] = HOSTILE_GFN;
	params[P_DOMX] = victim;
	params[P_IOS] = ios;
	params[P_IOS1] = ios + 1u;
	params[P_OWNB] = HIGH + 0x7777;
	params[P_NODOM] = 0x7000;
	params[P_DSELF] = DOMID_SELF;
	params[P_DIO] = DOMID_IO;
	memset(&r, 0, sizeof(r));
	step = hostile_run(xch, &pvdom, params, &r);
	check(!step && r.magic == PVG_MAGIC && r.done == PVG_MAGIC &&
		      r.parse == 0,
	      "a PV64 guest d%u built with libxenguest (xc_dom_*) from " HOSTILE_PATH
	      " ran the attack and shut down (%s)",
	      pvdom, step ? step : "ok");
	if (pvdom)
		check(xc_domain_destroy(xch, pvdom) == 0, "d%u destroyed",
		      pvdom);
	if (step || r.done != PVG_MAGIC) {
		printf("# the guest's results page: magic 0x%x, parse %d, %u"
		       " rows done, end 0x%x\n",
		       r.magic, r.parse, r.nops, r.done);
		goto out;
	}
	check(!memcmp(r.params, params, sizeof(params)),
	      "the guest read dom0's values off its command line");
	for (unsigned int i = 0;
	     i < sizeof(hostile_ops) / sizeof(hostile_ops[0]); i++) {
		const struct pvg_op *o = &hostile_ops[i];

		check(i < r.nops && r.op[i].rc == 0 &&
			      r.op[i].status == o->expect &&
			      (o->subop != IOMMUOP_query_caps ||
			       !(r.op[i].flags & (IOMMU_QUERY_map_cap |
						  IOMMU_QUERY_map_all_gfns))),
		      "hostile PV guest: %s: %d (want %d; call %lld, flags"
		      " 0x%x)",
		      o->what, r.op[i].status, o->expect, (long long)r.op[i].rc,
		      r.op[i].flags);
	}
	check(r.big_count == -EINVAL,
	      "hostile PV guest: do_iommu_op with a count above INT32_MAX:"
	      " -EINVAL (%lld)",
	      (long long)r.big_count);
	check(r.bad_handle == -EFAULT,
	      "hostile PV guest: do_iommu_op on address 0: -EFAULT (%lld)",
	      (long long)r.bad_handle);
	check(r.sweep_rc == 0 && r.sweep_enoent == PVG_SWEEP,
	      "hostile PV guest: a sweep of %u unmap_foreign_page ops in one"
	      " call, around dom0's foreign and lookup BFNs with ioreq"
	      " servers 0..%u: all -ENOENT (call %lld, %u -ENOENT; first"
	      " other %d at BFN 0x%llx)",
	      PVG_SWEEP, PVG_SWEEP_IOS - 1, (long long)r.sweep_rc,
	      r.sweep_enoent, r.sweep_other,
	      (unsigned long long)r.sweep_other_bfn);
	printf("# the guest's console_io write returned %d (a non-debug Xen"
	       " refuses it to a guest)\n",
	       r.console);

	/* dom0's mappings are intact: DMA first, then the references. */
	bar = edu_map_bar(dir, sizeof(dir));
	check(bar != MAP_FAILED, "edu: present and its BAR mapped (%s)", dir);
	if (bar != MAP_FAILED) {
		memset(pb, 0, 4096);
		rc = edu_copy(bar);
		check(rc == 0 && !memcmp(pa, pb, EDU_LEN),
		      "after the attack edu still reads dom0's page through"
		      " BFN A (map_page) into BFN B (%d)",
		      rc);
		memset(pb, 0, 4096);
		rc = edu_dma(bar, HOSTILE_FGN_BFN << 12, EDU_BUF, 0);
		if (!rc)
			rc = edu_dma(bar, EDU_BUF, DMA_BFN_B << 12, 1);
		check(rc == 0 && !memcmp(pv, pb, EDU_LEN),
		      "after the attack edu still reads the victim's page"
		      " through dom0's foreign BFN (%d)",
		      rc);
	}
	xenforeignmemory_unmap(fm, pv, 1);
	pv = NULL;
	before = guest_pages(xch, victim);
	{
		xen_pfn_t g[2] = { HOSTILE_GFN, HOSTILE_GFN + 1 };

		rc = xc_domain_decrease_reservation_exact(xch, victim, 2, 0, g);
	}
	during = guest_pages(xch, victim);
	check(rc == 0 && during == before,
	      "the victim balloons the mapped and the looked-up page out:"
	      " dom0's mapping and lookup still hold both frames (%lu -> %lu"
	      " guest pages) (%d)",
	      before, during, rc);
	rc = fop(IOMMUOP_unmap_foreign_page, 0, HOSTILE_FGN_BFN, 0, 0, ios,
		 NULL);
	have_fgn = 0;
	check(rc == 0,
	      "dom0's own unmap_foreign_page of its foreign BFN: 0"
	      " (%d)",
	      rc);
	rc = fop(IOMMUOP_unmap_foreign_page, 0, look, 0, 0, ios, NULL);
	have_look = 0;
	check(rc == 0, "dom0's own unmap_foreign_page of its lookup: 0 (%d)",
	      rc);
	after = guest_pages(xch, victim);
	check(after == before - 2,
	      "only now are the two frames freed (%lu guest pages)", after);
	rc = raw(IOMMUOP_unmap_page, 0, DMA_BFN_A, 0);
	mapped_a = 0;
	check(rc == 0 && raw(IOMMUOP_unmap_page, 0, DMA_BFN_B, 0) == 0,
	      "dom0's own unmap_page of BFNs A and B: 0 (%d)", rc);
	mapped_b = 0;
out:
	if (have_fgn)
		fop(IOMMUOP_unmap_foreign_page, 0, HOSTILE_FGN_BFN, 0, 0, ios,
		    NULL);
	if (have_look)
		fop(IOMMUOP_unmap_foreign_page, 0, look, 0, 0, ios, NULL);
	if (mapped_a)
		raw(IOMMUOP_unmap_page, 0, DMA_BFN_A, 0);
	if (mapped_b)
		raw(IOMMUOP_unmap_page, 0, DMA_BFN_B, 0);
	if (bar != MAP_FAILED)
		munmap((void *)bar, 1 << 20);
	if (pv)
		xenforeignmemory_unmap(fm, pv, 1);
	if (pa)
		xenforeignmemory_unmap(fm, pa, 1);
	if (pb)
		xenforeignmemory_unmap(fm, pb, 1);
	if (have_frames)
		xc_domain_decrease_reservation_exact(xch, 0, 2, 0, mfn);
	if (fm)
		xenforeignmemory_close(fm);
	guest_end(xch, dm, victim, have_ios, ios);
}

#endif /* XPI_REAL_XEN_HOSTILE_H */
