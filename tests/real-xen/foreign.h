/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The foreign subops and ballooning on the real hypervisor, included by
 * patched-test.c (h, check(), raw-op helpers) after dma-truth.h.
 *
 * A second domain: dom0 creates an HVM guest with libxenctrl (never run:
 * its memory, p2m and ioreq servers are all the foreign subops need, and
 * no toolstack or xenstore is required), populates its GFNs (order-9
 * extents, so one 2 MiB run is contiguous) and creates an ioreq server for
 * it with libxendevicemodel, as an emulator would.  Then, as that
 * emulator: every status of map_foreign_page, lookup_foreign_page and
 * unmap_foreign_page dom0 can reach; the library's map_foreign path; and
 * ballooning: dom0 takes pages out of the guest's p2m
 * (XENMEM_decrease_reservation on the guest, as a toolstack balloon
 * would), the library's listener, attached to the server's real pages and
 * event channels, receives the buffered INVALIDATEs with the BFNs and
 * unmaps them; the guest's page count shows the frames stayed referenced
 * until then and were freed after.
 */
#ifndef XPI_REAL_XEN_FOREIGN_H
#define XPI_REAL_XEN_FOREIGN_H

#include <poll.h>
#include <xendevicemodel.h>
#include <xenforeignmemory.h>
#include <xen/grant_table.h>

#define FGN_PAGES 1024u
#define FGN_BFN (UINT64_C(1) << 34)
#define RWF (IOMMUOP_readable | IOMMUOP_writeable)

static void fop_fill(struct pv_iommu_op *op, uint16_t subop, uint16_t flags,
		     uint64_t bfn, uint64_t gfn, uint16_t domid, uint16_t ios)
{
	memset(op, 0, sizeof(*op));
	op->subop_id = subop;
	op->flags = flags;
	if (subop == IOMMUOP_unmap_foreign_page) {
		op->u.unmap_foreign_page.bfn = bfn;
		op->u.unmap_foreign_page.ioserver = ios;
	} else if (subop == IOMMUOP_map_page || subop == IOMMUOP_unmap_page) {
		op->u.map_page.bfn = bfn;
		op->u.map_page.gfn = gfn;
	} else {
		op->u.map_foreign_page.bfn = bfn;
		op->u.map_foreign_page.gfn = gfn;
		op->u.map_foreign_page.domid = domid;
		op->u.map_foreign_page.ioserver = ios;
	}
}

/* @n raw ops in one call: how many got status @want (-1000 + rc if the
 * call failed). */
static int fops_count(struct pv_iommu_op *ops, unsigned int n, int want)
{
	int rc = xpi_hypercall(h, ops, n), k = 0;

	if (rc)
		return -1000 + rc;
	for (unsigned int i = 0; i < n; i++)
		k += ops[i].status == want;
	return k;
}

static int fop(uint16_t subop, uint16_t flags, uint64_t bfn, uint64_t gfn,
	       uint16_t domid, uint16_t ios, struct pv_iommu_op *out)
{
	struct pv_iommu_op op;
	int rc;

	fop_fill(&op, subop, flags, bfn, gfn, domid, ios);
	rc = xpi_hypercall(h, &op, 1);
	if (out)
		*out = op;
	return rc ? 1000 + rc : op.status;
}

static unsigned long guest_pages(xc_interface *xch, uint32_t domid)
{
	xc_dominfo_t info;

	if (xc_domain_getinfo(xch, domid, 1, &info) != 1 || info.domid != domid)
		return 0;
	return info.nr_pages;
}

static int seen_bfn[64];
static uint64_t want_bfn[64];
static unsigned int nwant, nseen_known;

static void on_inval(void *opaque, const struct xpi_invalidate_event *ev)
{
	(void)opaque;
	for (unsigned int i = 0; i < nwant; i++)
		if (want_bfn[i] == ev->bfn)
			seen_bfn[i]++;
	nseen_known += ev->known;
}

/* Dispatch until @n invalidates were handled or 3 s passed. */
static int listen_for(struct xpi_listener *l, unsigned int n)
{
	struct xpi_listener_stats st;
	int total = 0;

	for (int i = 0; i < 30; i++) {
		struct pollfd p = { .fd = xpi_listener_fd(l),
				    .events = POLLIN };
		int rc;

		poll(&p, 1, 100);
		rc = xpi_listener_dispatch(l);
		if (rc < 0)
			return rc;
		total += rc;
		xpi_listener_get_stats(l, &st);
		if (st.handled >= n)
			break;
	}
	return total;
}

/*
 * swap_mfn on a 2 MiB extent: a page ballooned out of it is let go of at
 * once (its BFN alone moves to the scratch page), the other 511 stay
 * mapped; the INVALIDATE names that page's BFN and the listener ends the
 * whole extent.
 */
static void balloon_swap_superpage(xc_interface *xch, struct xpi_listener *l,
				   uint32_t domid, uint16_t ios)
{
	static uint64_t gfns[512], bfns[512];
	struct xpi_listener_stats st;
	unsigned long before, during, after;
	xen_pfn_t g = 512 + 88;
	int rc;

	for (unsigned int i = 0; i < 512; i++)
		gfns[i] = 512 + i;
	/* A superpage only on request (a ballooned page ends the extent). */
	rc = (int)xpi_foreign_map(h, (uint16_t)domid, ios, gfns, 512,
				  XPI_FOREIGN_READ | XPI_FOREIGN_WRITE |
					  XPI_FOREIGN_SWAP_MFN |
					  XPI_FOREIGN_SUPERPAGE,
				  bfns, NULL);
	check(rc == 512 && xpi_mapping_count(h) == 1,
	      "a 2 MiB swap_mfn mapping: one order-9 extent (%d, %llu)", rc,
	      (unsigned long long)xpi_mapping_count(h));
	if (rc != 512)
		return;
	nwant = 1;
	want_bfn[0] = bfns[88];
	seen_bfn[0] = 0;
	before = guest_pages(xch, domid);
	rc = xc_domain_decrease_reservation_exact(xch, domid, 1, 0, &g);
	during = guest_pages(xch, domid);
	check(rc == 0 && during == before - 1,
	      "a page of it ballooned out: that frame alone was let go of and"
	      " freed at once (%lu -> %lu guest pages) (%d)",
	      before, during, rc);
	rc = listen_for(l, 6);
	xpi_listener_get_stats(l, &st);
	after = guest_pages(xch, domid);
	check(rc == 1 && seen_bfn[0] == 1 && st.unmaps == 6 &&
		      st.unmap_errors == 0 && xpi_mapping_count(h) == 0 &&
		      after == during,
	      "its INVALIDATE named that page's BFN; the listener unmapped the"
	      " extent; the other 511 frames are the guest's still (%d, %lu"
	      " guest pages)",
	      rc, after);
}

static void balloon(xc_interface *xch, xendevicemodel_handle *dm,
		    uint32_t domid, uint16_t ios)
{
	struct xpi_listener_config lc;
	struct xpi_listener_stats st;
	struct xpi_listener *l = NULL;
	uint64_t gfns[8], bfns[8];
	unsigned long before, during, after;
	int rc;

	xpi_listener_config_init(&lc);
	lc.invalidate = on_inval;
	/*
	 * The server was enabled before its pages existed, so Xen has not
	 * published the vCPU event channels yet: attach deals with it.
	 */
	(void)dm;
	rc = xpi_listener_new(h, &lc, &l);
	if (!rc)
		rc = xpi_listener_attach(l, (uint16_t)domid, ios, 1);
	check(rc == 0,
	      "listener attached to the guest's enabled ioreq server (its"
	      " pages and event channels) (%d)",
	      rc);
	if (rc) {
		xpi_listener_free(l);
		return;
	}
	/* Every other GFN: no two are contiguous, so 8 single-page extents. */
	for (unsigned int i = 0; i < 8; i++)
		gfns[i] = 100 + 2 * i;
	rc = (int)xpi_foreign_map(h, (uint16_t)domid, ios, gfns, 8,
				  XPI_FOREIGN_READ | XPI_FOREIGN_WRITE, bfns,
				  NULL);
	check(rc == 8, "xpi_foreign_map of 8 guest pages (%d)", rc);
	if (rc != 8) {
		xpi_listener_free(l);
		return;
	}
	nwant = 4;
	for (unsigned int i = 0; i < 4; i++)
		want_bfn[i] = bfns[i];
	before = guest_pages(xch, domid);
	for (unsigned int i = 0; i < 4; i++) {
		xen_pfn_t g = gfns[i];

		rc = xc_domain_decrease_reservation_exact(xch, domid, 1, 0, &g);
		if (rc)
			break;
	}
	during = guest_pages(xch, domid);
	check(rc == 0 && during == before,
	      "4 mapped pages ballooned out of the guest: still allocated while"
	      " mapped (%lu pages before, %lu after) (%d)",
	      before, during, rc);
	rc = listen_for(l, 4);
	xpi_listener_get_stats(l, &st);
	check(rc == 4 && st.buffered == 4 && nseen_known == 4 &&
		      seen_bfn[0] == 1 && seen_bfn[1] == 1 &&
		      seen_bfn[2] == 1 && seen_bfn[3] == 1,
	      "the listener got the 4 INVALIDATEs through the buffered ring,"
	      " each with its BFN, once (%d handled, %llu buffered)",
	      rc, (unsigned long long)st.buffered);
	after = guest_pages(xch, domid);
	check(st.unmaps == 4 && st.unmap_errors == 0 &&
		      xpi_mapping_count(h) == 4 && after == before - 4,
	      "the listener unmapped them (%llu unmaps in %llu hypercall(s),"
	      " %llu mappings left); the frames were freed (%lu guest pages)",
	      (unsigned long long)st.unmaps, (unsigned long long)st.hypercalls,
	      (unsigned long long)xpi_mapping_count(h), after);
	check(xpi_foreign_unmap(h, bfns + 4, 4, NULL) == 4 &&
		      xpi_mapping_count(h) == 0,
	      "the other 4 unmapped");

	/* swap_mfn: the frame goes at once; the BFN reads the scratch page. */
	gfns[0] = 200;
	rc = (int)xpi_foreign_map(h, (uint16_t)domid, ios, gfns, 1,
				  XPI_FOREIGN_READ | XPI_FOREIGN_WRITE |
					  XPI_FOREIGN_SWAP_MFN,
				  bfns, NULL);
	nwant = 1;
	want_bfn[0] = bfns[0];
	seen_bfn[0] = 0;
	before = guest_pages(xch, domid);
	{
		xen_pfn_t g = gfns[0];

		if (rc == 1)
			rc = xc_domain_decrease_reservation_exact(xch, domid, 1,
								  0, &g);
	}
	during = guest_pages(xch, domid);
	check(rc == 0 && during == before - 1,
	      "a swap_mfn page ballooned out: the mapping let go of the frame"
	      " at once, it was freed (%lu -> %lu guest pages) (%d)",
	      before, during, rc);
	rc = listen_for(l, 5);
	xpi_listener_get_stats(l, &st);
	check(rc == 1 && seen_bfn[0] == 1 && st.unmaps == 5 &&
		      xpi_mapping_count(h) == 0,
	      "its INVALIDATE came, and the listener unmapped the (swapped)"
	      " BFN (%d)",
	      rc);
	balloon_swap_superpage(xch, l, domid, ios);
	xpi_listener_free(l);
}

/*
 * dom0-passthrough: no map capability, so the library looks guest pages up
 * (BFN = MFN) instead of mapping them.
 */
static void foreign_lookup_only(uint32_t domid, uint16_t ios)
{
	struct pv_iommu_op op;
	uint64_t gfns[4] = { 300, 302, 304, 306 }, bfns[4], want[4];
	struct xpi_caps caps;
	long n;
	int rc = 0;

	xpi_get_caps(h, &caps);
	check(caps.strategy == XPI_STRATEGY_LOOKUP_FOREIGN,
	      "dom0-passthrough: the library chooses lookup_foreign");
	check(fop(IOMMUOP_map_foreign_page, RWF, FGN_BFN, 0, domid, ios,
		  NULL) == -EPERM,
	      "dom0-passthrough: map_foreign_page refused with -EPERM");
	for (unsigned int i = 0; i < 4 && !rc; i++) {
		rc = fop(IOMMUOP_lookup_foreign_page, 0, 0, gfns[i], domid, ios,
			 &op);
		want[i] = op.u.lookup_foreign_page.bfn;
		if (!rc)
			rc = fop(IOMMUOP_unmap_foreign_page, 0, want[i], 0, 0,
				 ios, NULL);
	}
	check(rc == 0 && op.flags == pv_iommu_flags_set_order(RWF, 9),
	      "dom0-passthrough: lookup_foreign_page gives the MFN, flags 0x%x"
	      " (%d)",
	      op.flags, rc);
	n = xpi_foreign_map(h, (uint16_t)domid, ios, gfns, 4,
			    XPI_FOREIGN_READ | XPI_FOREIGN_WRITE, bfns, NULL);
	check(n == 4 && !memcmp(bfns, want, sizeof(want)),
	      "dom0-passthrough: xpi_foreign_map looks the pages up: their"
	      " BFNs are their MFNs (%ld)",
	      n);
	check(xpi_foreign_unmap(h, bfns, 4, NULL) == 4 &&
		      xpi_mapping_count(h) == 0,
	      "dom0-passthrough: xpi_foreign_unmap ends the lookups");
}

/* One grant op on the real hypervisor; its GNTST status (or 1000 + rc). */
static int gnt_map(xc_interface *xch, uint32_t domid, uint32_t ref,
		   uint32_t flags, uint64_t addr, uint32_t *handle)
{
	struct gnttab_map_grant_ref op = {
		.flags = flags,
		.ref = ref,
		.dom = (domid_t)domid,
		.dev_bus_addr = addr,
	};
	int rc = xc_gnttab_op(xch, GNTTABOP_map_grant_ref, &op, sizeof(op), 1);

	if (handle)
		*handle = op.handle;
	if (!rc && op.status == GNTST_okay && op.dev_bus_addr != addr)
		return 2000; /* the requested address must stay as given */
	return rc ? 1000 + rc : op.status;
}

static int gnt_unmap(xc_interface *xch, uint32_t handle, uint64_t addr)
{
	struct gnttab_unmap_grant_ref op = {
		.handle = handle,
		.dev_bus_addr = addr,
	};
	int rc = xc_gnttab_op(xch, GNTTABOP_unmap_grant_ref, &op, sizeof(op),
			      1);

	return rc ? 1000 + rc : op.status;
}

/*
 * Grant map with GNTMAP_request_bfn_map: dom0 writes a grant into the
 * guest's table (as the guest would: the table is one of its resources),
 * maps it at a bus address of its choosing and unmaps it.
 */
static void grants(xc_interface *xch, uint32_t domid)
{
	const uint32_t dev = GNTMAP_device_map | XPI_GNTMAP_request_bfn_map;
	const uint64_t bfn = UINT64_C(0x1800000), addr = bfn << 12;
	xenforeignmemory_handle *fm = xenforeignmemory_open(NULL, 0);
	xenforeignmemory_resource_handle *res = NULL;
	grant_entry_v1_t *gt = NULL;
	uint32_t handle = 0, h2 = 0;
	int rc;

	if (fm)
		res = xenforeignmemory_map_resource(
			fm, domid, XENMEM_resource_grant_table,
			XENMEM_resource_grant_table_id_shared, 0, 1,
			(void **)&gt, PROT_READ | PROT_WRITE, 0);
	check(res != NULL, "the guest's grant table mapped into dom0");
	if (!res)
		goto out;
	gt[10].domid = 0;
	gt[10].frame = 410;
	__atomic_store_n(&gt[10].flags, (uint16_t)GTF_permit_access,
			 __ATOMIC_RELEASE);

	check(gnt_map(xch, domid, 10, dev, addr + 0x10, NULL) ==
		      GNTST_bad_dev_addr,
	      "grant map, request_bfn_map at a misaligned address:"
	      " GNTST_bad_dev_addr");
	check(gnt_map(xch, domid, 10, dev, UINT64_C(0x7001) << 12, NULL) ==
		      GNTST_bad_dev_addr,
	      "grant map, request_bfn_map in an RMRR: GNTST_bad_dev_addr");
	check(gnt_map(xch, domid, 10,
		      GNTMAP_host_map | XPI_GNTMAP_request_bfn_map, addr,
		      NULL) == GNTST_general_error,
	      "grant map, request_bfn_map without device_map:"
	      " GNTST_general_error");
	rc = gnt_map(xch, domid, 10, dev, addr, &handle);
	check(rc == GNTST_okay,
	      "grant map with GNTMAP_request_bfn_map at BFN 0x%llx, the bus"
	      " address left as given (%d)",
	      (unsigned long long)bfn, rc);
	if (rc)
		goto out;
	check(raw(IOMMUOP_map_page, RW, bfn, find_frame(0)) == -EEXIST,
	      "the granted frame is mapped at that BFN (map_page: -EEXIST)");
	check(gnt_map(xch, domid, 10, dev, addr, &h2) == GNTST_no_device_space,
	      "a second grant map at the same BFN: GNTST_no_device_space");
	check(raw(IOMMUOP_unmap_page, 0, bfn, 0) == -ENOENT,
	      "unmap_page does not end a grant mapping (-ENOENT)");
	check(gnt_unmap(xch, handle, addr + 0x1000) == GNTST_bad_dev_addr,
	      "grant unmap at another bus address: GNTST_bad_dev_addr");
	check(gnt_unmap(xch, handle, addr) == GNTST_okay,
	      "grant unmap at the requested bus address");
	check(raw(IOMMUOP_map_page, RW, bfn, find_frame(0)) == 0 &&
		      raw(IOMMUOP_unmap_page, 0, bfn, 0) == 0,
	      "the BFN is free again");
out:
	if (gt)
		__atomic_store_n(&gt[10].flags, (uint16_t)0, __ATOMIC_RELEASE);
	if (res)
		xenforeignmemory_unmap_resource(fm, res);
	if (fm)
		xenforeignmemory_close(fm);
}

/* dom0-strict: map_foreign works; a lookup has no BFN (-ENOENT). */
static void foreign_strict(uint32_t domid, uint16_t ios)
{
	check(fop(IOMMUOP_map_foreign_page, RWF, FGN_BFN, 20, domid, ios,
		  NULL) == 0 &&
		      fop(IOMMUOP_unmap_foreign_page, 0, FGN_BFN, 0, 0, ios,
			  NULL) == 0,
	      "dom0-strict: map_foreign_page and unmap_foreign_page");
	check(fop(IOMMUOP_lookup_foreign_page, 0, 0, 20, domid, ios, NULL) ==
		      -ENOENT,
	      "dom0-strict: lookup_foreign_page has no BFN to give: -ENOENT");
}

/*
 * An HVM guest with one vCPU (PVH-like: only the LAPIC emulated) and
 * FGN_PAGES of RAM from GFN 0 in order-9 extents, labelled @ssidref (0:
 * Xen's default).  0 or -1 (*domid is set once the domain exists, for the
 * caller to destroy).
 */
static int guest_create(xc_interface *xch, uint32_t *domid, uint32_t ssidref)
{
	struct xen_domctl_createdomain cfg = {
		.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap,
		.max_vcpus = 1,
		.max_evtchn_port = 1023,
		.max_grant_frames = 4,
		.max_maptrack_frames = 0,
		.grant_opts = XEN_DOMCTL_GRANT_version(1),
		.arch.emulation_flags = XEN_X86_EMU_LAPIC,
		.ssidref = ssidref,
	};
	xen_pfn_t ext[FGN_PAGES / 512];
	int rc = xc_domain_create(xch, domid, &cfg);

	if (!rc)
		rc = xc_domain_max_vcpus(xch, *domid, 1);
	if (!rc)
		rc = xc_domain_setmaxmem(xch, *domid, FGN_PAGES * 4 + 1024);
	for (unsigned int i = 0; i < FGN_PAGES / 512; i++)
		ext[i] = i * 512;
	if (!rc)
		rc = xc_domain_populate_physmap_exact(xch, *domid,
						      FGN_PAGES / 512, 9, 0,
						      ext);
	return rc ? -1 : 0;
}

/*
 * The end of a test's guest_create() guest (if any: domid 0 is none): its
 * ioreq server, itself; then the test's two handles (either may be NULL).
 */
static void guest_end(xc_interface *xch, xendevicemodel_handle *dm,
		      uint32_t domid, int have_ios, ioservid_t ios)
{
	if (domid) {
		if (have_ios)
			xendevicemodel_destroy_ioreq_server(dm, domid, ios);
		check(xc_domain_destroy(xch, domid) == 0, "d%u destroyed",
		      domid);
	}
	if (dm)
		xendevicemodel_close(dm);
	if (xch)
		xc_interface_close(xch);
}

/*
 * The alias cap: at most 64 mappings of all kinds cover one frame; the
 * one that would be the 65th fails with -EMLINK and makes nothing.
 */
#define CAP_BFN (FGN_BFN + 0x100000)
static void alias_cap(uint32_t domid, uint16_t ios)
{
	static struct pv_iommu_op ops[65];
	uint64_t m = find_frame(0);
	int n;

	for (unsigned int i = 0; i < 64; i++)
		fop_fill(&ops[i], IOMMUOP_map_foreign_page, RWF, CAP_BFN + i,
			 800, (uint16_t)domid, ios);
	n = fops_count(ops, 64, 0);
	check(n == 64, "64 BFNs map one guest frame (map_foreign_page): %d", n);
	check(fop(IOMMUOP_map_foreign_page, RWF, CAP_BFN + 64, 800, domid, ios,
		  NULL) == -EMLINK,
	      "alias cap: a 65th mapping of the frame: -EMLINK");
	check(fop(IOMMUOP_unmap_foreign_page, 0, CAP_BFN + 64, 0, 0, ios,
		  NULL) == -ENOENT,
	      "alias cap: the refused map made nothing at its BFN (-ENOENT)");
	check(fop(IOMMUOP_lookup_foreign_page, 0, 0, 800, domid, ios, NULL) ==
		      -EMLINK,
	      "alias cap: a lookup of the frame (a new record) too: -EMLINK");
	check(fop(IOMMUOP_unmap_foreign_page, 0, CAP_BFN, 0, 0, ios, NULL) ==
			      0 &&
		      fop(IOMMUOP_map_foreign_page, RWF, CAP_BFN + 64, 800,
			  domid, ios, NULL) == 0,
	      "alias cap: one of the 64 unmapped, the frame takes one more");
	for (unsigned int i = 0; i < 64; i++)
		fop_fill(&ops[i], IOMMUOP_unmap_foreign_page, 0,
			 CAP_BFN + 1 + i, 0, 0, ios);
	n = fops_count(ops, 64, 0);
	check(n == 64, "alias cap: the 64 unmapped (%d)", n);

	/* All kinds together: map_page of one of dom0's own frames. */
	for (unsigned int i = 0; i < 65; i++)
		fop_fill(&ops[i], IOMMUOP_map_page, RW, HIGH + 0x40000 + i, m,
			 0, 0);
	n = fops_count(ops, 65, 0);
	check(m && n == 64 && ops[64].status == -EMLINK,
	      "alias cap: map_page of dom0's frame 0x%llx at 65 BFNs: 64 map,"
	      " the 65th is -EMLINK (%d, %d)",
	      (unsigned long long)m, n, ops[64].status);
	for (unsigned int i = 0; i < 65; i++)
		fop_fill(&ops[i], IOMMUOP_unmap_page, 0, HIGH + 0x40000 + i, 0,
			 0, 0);
	n = fops_count(ops, 65, 0);
	check(n == 64 && ops[64].status == -ENOENT,
	      "alias cap: the 64 map_page BFNs unmapped, the 65th was never"
	      " mapped (%d)",
	      n);
}

/*
 * The per-guest quota: the foreign and lookup mappings of a guest are at
 * most its max_pages; one more fails with -EDQUOT and makes nothing.
 */
#define QUOTA_BFN (FGN_BFN + 0x200000)
static void quota(xc_interface *xch, uint32_t domid, uint16_t ios)
{
	xc_dominfo_t info;
	struct pv_iommu_op *ops;
	unsigned long q = 0;
	int n = -1;

	if (xc_domain_getinfo(xch, domid, 1, &info) == 1 && info.domid == domid)
		q = info.max_memkb / 4;
	ops = q ? calloc(q, sizeof(*ops)) : NULL;
	check(ops != NULL, "quota: d%u's max_pages is %lu", domid, q);
	if (!ops)
		return;
	/* 64 mappings of each of q / 64 frames (the alias cap). */
	for (unsigned long i = 0; i < q; i++)
		fop_fill(&ops[i], IOMMUOP_map_foreign_page, RWF, QUOTA_BFN + i,
			 i / 64, (uint16_t)domid, ios);
	n = fops_count(ops, (unsigned int)q, 0);
	check(n == (int)q, "quota: %lu foreign mappings of d%u (%d)", q, domid,
	      n);
	check(fop(IOMMUOP_map_foreign_page, RWF, QUOTA_BFN + q, 1000, domid,
		  ios, NULL) == -EDQUOT,
	      "quota: one more foreign mapping of the guest: -EDQUOT");
	check(fop(IOMMUOP_unmap_foreign_page, 0, QUOTA_BFN + q, 0, 0, ios,
		  NULL) == -ENOENT,
	      "quota: the refused map made nothing at its BFN (-ENOENT)");
	check(fop(IOMMUOP_lookup_foreign_page, 0, 0, 1001, domid, ios, NULL) ==
		      -EDQUOT,
	      "quota: a lookup counts too: -EDQUOT");
	check(fop(IOMMUOP_unmap_foreign_page, 0, QUOTA_BFN, 0, 0, ios, NULL) ==
			      0 &&
		      fop(IOMMUOP_map_foreign_page, RWF, QUOTA_BFN + q, 1000,
			  domid, ios, NULL) == 0,
	      "quota: one unmapped, the guest takes one more mapping");
	for (unsigned long i = 0; i < q; i++)
		fop_fill(&ops[i], IOMMUOP_unmap_foreign_page, 0,
			 QUOTA_BFN + 1 + i, 0, 0, ios);
	n = fops_count(ops, (unsigned int)q, 0);
	check(n == (int)q, "quota: all %lu unmapped (%d)", q, n);
	free(ops);
}

/*
 * Release after flush, seen through Xen's count of frames let go of after
 * an IOTLB flush: a mapped page ballooned out stays allocated (the
 * mapping holds the last reference); its unmap frees it, and that
 * release went through the path that puts references only after the
 * call's flush.
 */
static void release_after_flush(xc_interface *xch, uint32_t domid, uint16_t ios)
{
	const uint64_t bfn = FGN_BFN + 0x300000;
	struct pv_counters c0, c1;
	unsigned long before, during, after;
	xen_pfn_t g = 950;
	int rc, r0;

	rc = fop(IOMMUOP_map_foreign_page, RWF, bfn, g, domid, ios, NULL);
	before = guest_pages(xch, domid);
	if (!rc)
		rc = xc_domain_decrease_reservation_exact(xch, domid, 1, 0, &g);
	during = guest_pages(xch, domid);
	r0 = pv_counters(xch, &c0);
	check(rc == 0 && during == before && r0 == 0,
	      "release after flush: a mapped page ballooned out stays"
	      " allocated (%lu -> %lu pages); Xen's counters read (%d, %d)",
	      before, during, rc, r0);
	rc = fop(IOMMUOP_unmap_foreign_page, 0, bfn, 0, 0, ios, NULL);
	after = guest_pages(xch, domid);
	r0 = pv_counters(xch, &c1);
	check(rc == 0 && r0 == 0 && after == during - 1 &&
		      c1.released - c0.released == 1,
	      "release after flush: its unmap freed the frame (%lu pages),"
	      " released after the IOTLB flush (Xen's count: +%lu)",
	      after, c1.released - c0.released);
}

/* One edu DMA of EDU_LEN bytes: bus addresses @src -> @dst (page BFNs). */
static int edu_move(volatile unsigned char *bar, uint64_t src, uint64_t dst)
{
	int rc = edu_dma(bar, src << 12, EDU_BUF, 0);

	return rc ? rc : edu_dma(bar, EDU_BUF, dst << 12, 1);
}

/*
 * The scratch page of swap_mfn is per guest: a write through one guest's
 * swapped BFN is never readable through another guest's, and the swapped
 * BFN of a read-only mapping maps it read-only (the device's write
 * faults).  Two guests, edu DMA through dom0's own pages P (BFN A) and Q
 * (BFN B).
 */
#define SCR_BFN UINT64_C(0x1000100) /* below the edu's 40-bit dma_mask */
static void scratch_dma(xc_interface *xch, xendevicemodel_handle *dm,
			uint32_t d1, uint16_t ios1)
{
	const uint64_t s1 = SCR_BFN, r1 = SCR_BFN + 1, s2 = SCR_BFN + 2;
	volatile unsigned char *bar = MAP_FAILED;
	xenforeignmemory_handle *fmem = xenforeignmemory_open(NULL, 0);
	unsigned char *pp = NULL, *pq = NULL, x[EDU_LEN];
	xen_pfn_t mfn[2] = { 0, 0 }, g;
	char dir[300], p[320];
	uint32_t d2 = 0;
	ioservid_t ios2 = 0;
	int rc, err[2], have_pages = 0, have_ios2 = 0, mapped = 0;
	unsigned long b1, b2;

	bar = edu_map_bar(dir, sizeof(dir));
	rc = xc_domain_increase_reservation_exact(xch, 0, 2, 0, 0, mfn);
	have_pages = rc == 0;
	if (have_pages && fmem) {
		pp = xenforeignmemory_map(fmem, DOMID_SELF,
					  PROT_READ | PROT_WRITE, 1, &mfn[0],
					  &err[0]);
		pq = xenforeignmemory_map(fmem, DOMID_SELF,
					  PROT_READ | PROT_WRITE, 1, &mfn[1],
					  &err[1]);
	}
	rc = bar != MAP_FAILED && pp && pq && !err[0] && !err[1] ? 0 : -1;
	if (!rc)
		rc = xpi_map_range(h, DMA_BFN_A, mfn[0], 1, RW) ||
		     xpi_map_range(h, DMA_BFN_B, mfn[1], 1, RW);
	mapped = !rc;
	if (!rc)
		rc = guest_create(xch, &d2, 0);
	if (!rc) {
		rc = xendevicemodel_create_ioreq_server(
			dm, d2, HVM_IOREQSRV_BUFIOREQ_ATOMIC, &ios2);
		have_ios2 = !rc;
	}
	if (!rc)
		rc = xendevicemodel_set_ioreq_server_state(dm, d2, ios2, 1);
	check(rc == 0,
	      "scratch: edu, dom0 pages P and Q at BFNs A and B, a second"
	      " guest d%u with ioreq server %u (%d)",
	      d2, ios2, rc);
	if (rc)
		goto out;
	/* d1's page 900 RW and 901 read-only, d2's page 900 RW: swap_mfn. */
	rc = fop(IOMMUOP_map_foreign_page, RWF | IOMMUOP_swap_mfn, s1, 900, d1,
		 ios1, NULL);
	if (!rc)
		rc = fop(IOMMUOP_map_foreign_page,
			 IOMMUOP_readable | IOMMUOP_swap_mfn, r1, 901, d1, ios1,
			 NULL);
	if (!rc)
		rc = fop(IOMMUOP_map_foreign_page, RWF | IOMMUOP_swap_mfn, s2,
			 900, d2, ios2, NULL);
	b1 = guest_pages(xch, d1);
	b2 = guest_pages(xch, d2);
	g = 900;
	if (!rc)
		rc = xc_domain_decrease_reservation_exact(xch, d1, 1, 0, &g);
	g = 901;
	if (!rc)
		rc = xc_domain_decrease_reservation_exact(xch, d1, 1, 0, &g);
	g = 900;
	if (!rc)
		rc = xc_domain_decrease_reservation_exact(xch, d2, 1, 0, &g);
	check(rc == 0 && guest_pages(xch, d1) == b1 - 2 &&
		      guest_pages(xch, d2) == b2 - 1,
	      "scratch: three swap_mfn pages (two of d%u, one read-only; one"
	      " of d%u) ballooned out and let go of at once (%d)",
	      d1, d2, rc);
	if (rc)
		goto out;
	for (unsigned int i = 0; i < EDU_LEN; i++)
		x[i] = (unsigned char)(i * 11 + 1);
	memcpy(pp, x, EDU_LEN);
	rc = edu_move(bar, DMA_BFN_A, s1);
	memset(pq, 0, 4096);
	if (!rc)
		rc = edu_move(bar, s1, DMA_BFN_B);
	check(rc == 0 && !memcmp(pq, x, EDU_LEN),
	      "scratch: edu wrote through d%u's swapped BFN and reads it back"
	      " through it (d%u's scratch page) (%d)",
	      d1, d1, rc);
	memset(pq, 0, 4096);
	rc = edu_move(bar, s2, DMA_BFN_B);
	check(rc == 0 && memcmp(pq, x, EDU_LEN),
	      "scratch: what edu wrote through d%u's swapped BFN is not"
	      " readable through d%u's swapped BFN (%d)",
	      d1, d2, rc);
	for (unsigned int i = 0; i < EDU_LEN; i++)
		pp[i] = (unsigned char)(i * 5 + 2);
	rc = edu_move(bar, DMA_BFN_A, r1);
	snprintf(p, sizeof(p), "fault addr %llx", (unsigned long long)r1 << 12);
	check(rc == 0 && xen_console_has(xch, p),
	      "scratch: edu's write through the read-only mapping's swapped"
	      " BFN faults (Xen logged \"%s\")",
	      p);
	memset(pq, 0, 4096);
	if (!rc)
		rc = edu_move(bar, r1, DMA_BFN_B);
	check(rc == 0 && !memcmp(pq, x, EDU_LEN),
	      "scratch: the read-only swapped BFN reads d%u's scratch page,"
	      " which that write did not change (%d)",
	      d1, rc);
	check(fop(IOMMUOP_unmap_foreign_page, 0, s1, 0, 0, ios1, NULL) == 0 &&
		      fop(IOMMUOP_unmap_foreign_page, 0, r1, 0, 0, ios1,
			  NULL) == 0 &&
		      fop(IOMMUOP_unmap_foreign_page, 0, s2, 0, 0, ios2,
			  NULL) == 0,
	      "scratch: the three swapped BFNs unmapped");
out:
	if (mapped) {
		xpi_unmap_range(h, DMA_BFN_A, 1);
		xpi_unmap_range(h, DMA_BFN_B, 1);
	}
	if (pp)
		xenforeignmemory_unmap(fmem, pp, 1);
	if (pq)
		xenforeignmemory_unmap(fmem, pq, 1);
	if (have_pages)
		xc_domain_decrease_reservation_exact(xch, 0, 2, 0, mfn);
	if (fmem)
		xenforeignmemory_close(fmem);
	if (bar != MAP_FAILED)
		munmap((void *)bar, 1 << 20);
	if (d2) {
		if (have_ios2)
			xendevicemodel_destroy_ioreq_server(dm, d2, ios2);
		check(xc_domain_destroy(xch, d2) == 0, "d%u destroyed", d2);
	}
}

/* mode: 0 relaxed (everything), 1 passthrough, 2 strict. */
static void foreign(int mode)
{
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	xendevicemodel_handle *dm = xendevicemodel_open(NULL, 0);
	struct pv_iommu_op op;
	struct xpi_caps caps;
	uint32_t domid = 0;
	ioservid_t ios = 0;
	int rc, have_ios = 0;
	uint64_t mfn;

	rc = xch && dm ? guest_create(xch, &domid, 0) : -1;
	check(rc == 0, "a second domain: HVM guest d%u with %u pages (%d, %s)",
	      domid, FGN_PAGES, rc, strerror(errno));
	if (rc)
		goto out;
	rc = xendevicemodel_create_ioreq_server(dm, domid,
						HVM_IOREQSRV_BUFIOREQ_ATOMIC,
						&ios);
	have_ios = rc == 0;
	if (!rc)
		rc = xendevicemodel_set_ioreq_server_state(dm, domid, ios, 1);
	check(rc == 0, "an enabled ioreq server %u of d%u (%d)", ios, domid,
	      rc);
	if (rc)
		goto out;

	if (mode == 1) {
		foreign_lookup_only(domid, ios);
		goto out;
	}
	if (mode == 2) {
		foreign_strict(domid, ios);
		goto out;
	}
	xpi_get_caps(h, &caps);
	check(caps.strategy == XPI_STRATEGY_MAP_FOREIGN,
	      "query_caps: the library chooses map_foreign");
	check(fop(IOMMUOP_map_foreign_page, RWF, FGN_BFN, 0, 0, ios, NULL) ==
		      -EPERM,
	      "map_foreign_page of the caller itself: -EPERM");
	check(fop(IOMMUOP_map_foreign_page, RWF, FGN_BFN, 0, 0x7ff0, ios,
		  NULL) == -EPERM,
	      "map_foreign_page of DOMID_SELF: -EPERM");
	check(fop(IOMMUOP_map_foreign_page, RWF, FGN_BFN, 0, 0x7000, ios,
		  NULL) == -ENXIO,
	      "map_foreign_page of a domain that does not exist: -ENXIO");
	check(fop(IOMMUOP_map_foreign_page, RWF, FGN_BFN, 0, domid, ios + 7,
		  NULL) == -ENODEV,
	      "map_foreign_page with another ioreq server: -ENODEV");
	check(fop(IOMMUOP_map_foreign_page, RWF, FGN_BFN, 5000, domid, ios,
		  NULL) == -ENXIO,
	      "map_foreign_page of an unpopulated GFN: -ENXIO");
	check(fop(IOMMUOP_map_foreign_page, 0, FGN_BFN, 0, domid, ios, NULL) ==
		      -EINVAL,
	      "map_foreign_page neither readable nor writeable: -EINVAL");
	check(fop(IOMMUOP_map_foreign_page, RWF | 0x8, FGN_BFN, 0, domid, ios,
		  NULL) == -EINVAL,
	      "map_foreign_page with a reserved flag: -EINVAL");
	check(fop(IOMMUOP_map_foreign_page, pv_iommu_flags_set_order(RWF, 9),
		  FGN_BFN + 1, 0, domid, ios, NULL) == -ENOSPC,
	      "map_foreign_page with a misaligned BFN: -ENOSPC");
	check(fop(IOMMUOP_map_foreign_page, RWF, 0x1000, 0, domid, ios, NULL) ==
		      -EEXIST,
	      "map_foreign_page inside dom0's 1:1 region: -EEXIST");
	check(fop(IOMMUOP_map_foreign_page, RWF, 0x7001, 0, domid, ios, NULL) ==
		      -EACCES,
	      "map_foreign_page in an RMRR: -EACCES");
	check(fop(IOMMUOP_map_foreign_page, pv_iommu_flags_set_order(RWF, 9),
		  FGN_BFN, 512, domid, ios, NULL) == 0,
	      "map_foreign_page of 2 MiB (order 9)");
	check(fop(IOMMUOP_map_foreign_page, RWF, FGN_BFN + 3, 600, domid, ios,
		  NULL) == -EEXIST,
	      "map_foreign_page over a live BFN: -EEXIST");
	check(fop(IOMMUOP_unmap_page, pv_iommu_flags_set_order(0, 9), FGN_BFN,
		  0, 0, 0, NULL) == -ENOENT,
	      "unmap_page of a foreign extent: -ENOENT");
	check(fop(IOMMUOP_unmap_foreign_page, 0, FGN_BFN, 0, 0, ios, NULL) ==
		      -ENOSPC,
	      "unmap_foreign_page with another order: -ENOSPC");
	check(fop(IOMMUOP_unmap_foreign_page, pv_iommu_flags_set_order(0, 9),
		  FGN_BFN, 0, 0, ios + 1, NULL) == -ENOENT,
	      "unmap_foreign_page with another ioreq server: -ENOENT");
	check(fop(IOMMUOP_unmap_foreign_page, pv_iommu_flags_set_order(0, 9),
		  FGN_BFN, 0, 0, ios, NULL) == 0,
	      "unmap_foreign_page of the 2 MiB");
	check(fop(IOMMUOP_unmap_foreign_page, pv_iommu_flags_set_order(0, 9),
		  FGN_BFN, 0, 0, ios, NULL) == -ENOENT,
	      "unmap_foreign_page again: -ENOENT");
	check(fop(IOMMUOP_unmap_foreign_page, 0x1, FGN_BFN, 0, 0, ios, NULL) ==
		      -EINVAL,
	      "unmap_foreign_page with a reserved flag: -EINVAL");
	rc = fop(IOMMUOP_lookup_foreign_page, 0, 0, 700, domid, ios, &op);
	mfn = op.u.lookup_foreign_page.bfn;
	check(rc == 0 && mfn != 0 &&
		      op.flags == pv_iommu_flags_set_order(RWF, 9),
	      "lookup_foreign_page (relaxed dom0): BFN = MFN 0x%llx, flags"
	      " 0x%x (%d)",
	      (unsigned long long)mfn, op.flags, rc);
	check(fop(IOMMUOP_unmap_foreign_page, 0, mfn, 0, 0, ios, NULL) == 0 &&
		      fop(IOMMUOP_unmap_foreign_page, 0, mfn, 0, 0, ios,
			  NULL) == -ENOENT,
	      "unmap_foreign_page ends the lookup (then -ENOENT)");
	alias_cap(domid, ios);
	quota(xch, domid, ios);
	grants(xch, domid);
	balloon(xch, dm, domid, ios);
	/* After the listener's checks: these leave INVALIDATEs in the ring. */
	release_after_flush(xch, domid, ios);
	scratch_dma(xch, dm, domid, ios);

out:
	guest_end(xch, dm, domid, have_ios, ios);
}

#endif /* XPI_REAL_XEN_FOREIGN_H */
