/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The XSM hooks under FLASK, included by patched-test.c after foreign.h
 * (guest_create(), guest_end(), fop(), raw(), check()).
 *
 * The "flask" boot runs Xen built with XSM/FLASK (hypervisor/build
 * --flask), enforcing its built-in example policy, which has the series'
 * pv_iommu module: dom0 may program its own IOMMU (domain2 iommu_op) and
 * map a domU_t guest's pages (hvm iommu_foreign).  Then dom0 loads the
 * same policy without that module (FLASK_DENY_POLICY, in its root) and
 * the same ops are refused, with Xen's AVC denials: the policy, not the
 * hooks' dummy defaults (which would allow them all), decides.  Releasing
 * what was mapped before stays allowed, so no reference is stranded.
 */
#ifndef XPI_REAL_XEN_FLASK_H
#define XPI_REAL_XEN_FLASK_H

#define FLASK_DENY_POLICY "/xenpolicy-no-pv-iommu"

static int flask_load(xc_interface *xch, const char *path)
{
	static char buf[1 << 20];
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;

	if (f)
		fclose(f);
	if (!n || n == sizeof(buf))
		return -1;
	return xc_flask_load(xch, buf, (uint32_t)n) ? -1 : 0;
}

static void flask(void)
{
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	xendevicemodel_handle *dm = xendevicemodel_open(NULL, 0);
	char ctx[] = "system_u:system_r:domU_t";
	uint32_t sid = 0, domid = 0;
	ioservid_t ios = 0;
	uint64_t m = find_frame(0);
	int rc, have_ios = 0, map, unmap;

	check(xch && xc_flask_getenforce(xch) == 1,
	      "FLASK is enforcing its built-in policy");
	if (!xch || !dm)
		goto out;
	check(raw(IOMMUOP_query_caps, 0, 0, 0) == 0,
	      "the policy's pv_iommu module: dom0's query_caps is allowed");
	{
		struct dw_frame f;

		dw_xen_frame(m, 0, &f);
		check(f.rc == -EOPNOTSUPP,
		      "the FLASK ELF (production-like, no"
		      " CONFIG_PV_IOMMU_DEBUG) has no debug frame query:"
		      " subop 0xd0 is -EOPNOTSUPP (%d)",
		      f.rc);
	}
	check(m && raw(IOMMUOP_map_page, RW, HIGH, m) == 0,
	      "... and its map_page (frame 0x%llx)", (unsigned long long)m);
	rc = xc_flask_context_to_sid(xch, ctx, sizeof(ctx), &sid);
	if (!rc)
		rc = guest_create(xch, &domid, sid);
	if (!rc) {
		rc = xendevicemodel_create_ioreq_server(
			dm, domid, HVM_IOREQSRV_BUFIOREQ_ATOMIC, &ios);
		have_ios = rc == 0;
	}
	if (!rc)
		rc = xendevicemodel_set_ioreq_server_state(dm, domid, ios, 1);
	check(rc == 0, "a domU_t guest d%u (sid %u) with an ioreq server (%d)",
	      domid, sid, rc);
	if (rc)
		goto out;
	map = fop(IOMMUOP_map_foreign_page, RWF, FGN_BFN, 0, (uint16_t)domid,
		  ios, NULL);
	check(map == 0,
	      "... and, as the domU_t guest's device model, its"
	      " map_foreign_page (%d)",
	      map);

	rc = flask_load(xch, FLASK_DENY_POLICY);
	check(rc == 0, "dom0 loads the same policy without pv_iommu (%s)",
	      rc ? strerror(errno) : "");
	if (rc)
		goto out;
	check(raw(IOMMUOP_query_caps, 0, 0, 0) == -EPERM &&
		      raw(IOMMUOP_map_page, RW, HIGH + 1, m) == -EPERM,
	      "without it: query_caps and map_page refused with -EPERM");
	check(fop(IOMMUOP_map_foreign_page, RWF, FGN_BFN + 1, 1,
		  (uint16_t)domid, ios, NULL) == -EPERM &&
		      fop(IOMMUOP_lookup_foreign_page, 0, 0, 2, (uint16_t)domid,
			  ios, NULL) == -EPERM,
	      "... and map_foreign_page and lookup_foreign_page");
	check(xen_console_has(xch, "{ iommu_op }") &&
		      xen_console_has(xch, "{ iommu_foreign }"),
	      "Xen logged the AVC denials of iommu_op and iommu_foreign");
	unmap = fop(IOMMUOP_unmap_foreign_page, 0, FGN_BFN, 0, 0, ios, NULL);
	check(raw(IOMMUOP_unmap_page, 0, HIGH, 0) == 0 && unmap == 0,
	      "releasing is not refused: the earlier map_page and"
	      " map_foreign_page are unmapped (%d)",
	      unmap);
out:
	guest_end(xch, dm, domid, have_ios, ios);
}

#endif /* XPI_REAL_XEN_FLASK_H */
