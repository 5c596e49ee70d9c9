// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The simulated hypervisor: the foreign subops (map_foreign_page,
 * lookup_foreign_page, unmap_foreign_page): every status row of draft B's
 * tables and of docs/hypervisor-model.md, and hostile callers: who owns a
 * mapping, and whose lookup is whose.
 * The auditor runs after every test and must be clean.
 */
#include "config.h"

#include <errno.h>

#include "helpers.h"

/* ---- map_foreign_page ---- */

START_TEST(map_foreign_success_adds_m2b_entries)
{
	uint64_t m = mfn_of(G3, 9), got;
	struct pv_iommu_op op = mapf_op(HW_BFN, 9, G3, ios0, RW, 0);

	ck_assert_int_eq(run1(0, &op), 0);
	ck_assert_uint_eq(op.u.map_foreign_page.bfn, HW_BFN);
	ck_assert_uint_eq(frame(m).refs, 2);
	ck_assert_uint_eq(frame(m).writable_refs, 1);
	ck_assert_uint_eq(frame(m).m2b_entries, 1);
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, 0, HW_BFN, &got, NULL), 0);
	ck_assert_uint_eq(got, m);
	/* The device model of dom3 too, read-only. */
	ck_assert_int_eq(one(DM,
			     mapf_op(0x77, 9, G3, iosdm, IOMMUOP_readable, 0)),
			 0);
	ck_assert_uint_eq(frame(m).refs, 3);
	ck_assert_uint_eq(frame(m).writable_refs, 1);
	ck_assert_uint_eq(frame(m).m2b_entries, 2);
	/* An order-2 map of a contiguous guest: one extent, 4 entries. */
	ck_assert_int_eq(one(0, mapf_op(HW_BFN + 4, 4, G1, ios1, RW, 2)), 0);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, 0), 2);
	ck_assert_uint_eq(stats().m2b_entries, 6);
	for (unsigned int i = 0; i < 4; i++)
		ck_assert_uint_eq(frame(mfn_of(G1, 4 + i)).m2b_entries, 1);
}
END_TEST

START_TEST(map_foreign_neither_readable_nor_writeable_is_einval)
{
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 9, G3, ios0, 0, 0)), -EINVAL);
	ck_assert_int_eq(one(0,
			     mapf_op(HW_BFN, 9, G3, ios0, IOMMUOP_swap_mfn, 0)),
			 -EINVAL);
}
END_TEST

START_TEST(map_foreign_eio_on_iommu_fault)
{
	uint64_t m = mfn_of(G3, 9);

	ck_assert_int_eq(xpi_sim_inject_iommu_faults(sim, 2), 0);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 9, G3, ios0, RW, 0)), -EIO);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 9, G3, ios0, RW, 0)), -EIO);
	ck_assert_uint_eq(frame(m).refs, 1);
	ck_assert_uint_eq(frame(m).m2b_entries, 0);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 9, G3, ios0, RW, 0)), 0);
}
END_TEST

START_TEST(map_foreign_without_map_cap_is_eperm)
{
	/* dom3 has no IOMMU hardware; dom1 maps nothing foreign either. */
	ck_assert_int_eq(one(G3, mapf_op(0, 0, G1, ios1, RW, 0)), -EPERM);
}
END_TEST

START_TEST(map_foreign_no_privilege_is_eperm)
{
	/* dom1 has hardware but no privilege over dom3. */
	ck_assert_int_eq(one(G1, mapf_op(0x10, 9, G3, ios0, RW, 0)), -EPERM);
	/* The device model of dom3 has none over dom1. */
	ck_assert_int_eq(one(DM, mapf_op(0x10, 9, G1, ios1, RW, 0)), -EPERM);
	/* Nobody but dom0 over dom0. */
	ck_assert_int_eq(one(G1, mapf_op(0x10, 0x1000, 0, 0, RW, 0)), -EPERM);
}
END_TEST

START_TEST(map_foreign_xen_frame_is_eperm)
{
	ck_assert_int_eq(xpi_sim_p2m_set_xen_owned(sim, G3, 9), 0);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 9, G3, ios0, RW, 0)), -EPERM);
	ck_assert_int_eq(xpi_sim_p2m_set_xen_owned(sim, G1, 9), 0);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 8, G1, ios1, RW, 3)), -EPERM);
}
END_TEST

START_TEST(map_foreign_domid_self_is_eperm)
{
	ck_assert_int_eq(one(DM, mapf_op(0x10, 0, DM, 0, RW, 0)), -EPERM);
	ck_assert_int_eq(one(DM, mapf_op(0x10, 0, XPI_DOMID_SELF, 0, RW, 0)),
			 -EPERM);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 0x1000, 0, 0, RW, 0)), -EPERM);
}
END_TEST

START_TEST(map_foreign_rmrr_is_eacces)
{
	ck_assert_int_eq(xpi_sim_rmrr_add(sim, 0, HW_BFN, 1), 0);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 9, G3, ios0, RW, 0)), -EACCES);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 8, G1, ios1, RW, 3)), -EACCES);
	/* The target's RMRRs do not matter: the caller's do. */
	ck_assert_int_eq(xpi_sim_rmrr_add(sim, G3, HW_BFN + 1, 1), 0);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN + 1, 9, G3, ios0, RW, 0)), 0);
}
END_TEST

START_TEST(map_foreign_bad_ioserver_is_enodev)
{
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 9, G3, 77, RW, 0)), -ENODEV);
	/* dom1's server is not dom3's. */
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 9, G3, 99, RW, 0)), -ENODEV);
	ck_assert_int_eq(xpi_sim_ioreq_server_destroy(sim, G3, ios0), 0);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 9, G3, ios0, RW, 0)), -ENODEV);
}
END_TEST

START_TEST(map_foreign_bad_domid_is_enxio)
{
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 9, 99, 0, RW, 0)), -ENXIO);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 9, 0x7FF1, 0, RW, 0)), -ENXIO);
	ck_assert_int_eq(one(0,
			     mapf_op(HW_BFN, 9, XPI_DOMID_INVALID, 0, RW, 0)),
			 -ENXIO);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 9, 0xffff, 0, RW, 0)), -ENXIO);
}
END_TEST

START_TEST(map_foreign_bad_gfn_is_enxio)
{
	/* Beyond the guest's p2m, and ballooned out. */
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 1024, G3, ios0, RW, 0)),
			 -ENXIO);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, UINT64_MAX, G3, ios0, RW, 0)),
			 -ENXIO);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, 10), 0);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 8, G1, ios1, RW, 2)), -ENXIO);
}
END_TEST

START_TEST(map_foreign_order_too_large_is_enospc)
{
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 0, G1, ios1, RW, 19)), -ENOSPC);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN + 1, 0, G1, ios1, RW, 1)),
			 -ENOSPC);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 1, G1, ios1, RW, 1)), -ENOSPC);
	ck_assert_int_eq(one(0, mapf_op(UINT64_C(1) << 36, 0, G1, ios1, RW, 0)),
			 -ENOSPC);
	/* Scattered backing cannot be mapped with an order. */
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 0, G3, ios0, RW, 1)), -ENOSPC);
	ck_assert_uint_eq(stats().m2b_entries, 0);
}
END_TEST

START_TEST(map_foreign_existing_entry_is_eexist)
{
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 9, G3, ios0, RW, 0)), 0);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 10, G3, ios0, RW, 0)), -EEXIST);
	ck_assert_int_eq(one(0, mapf_op(0x1000, 10, G3, ios0, RW, 0)), -EEXIST);
	ck_assert_uint_eq(frame(mfn_of(G3, 10)).refs, 1);
}
END_TEST

START_TEST(map_foreign_writeable_pinned_page_is_eperm)
{
	ck_assert_int_eq(xpi_sim_pin_pagetable(sim, G3, 9), 0);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 9, G3, ios0, RW, 0)), -EPERM);
	ck_assert_int_eq(one(0,
			     mapf_op(HW_BFN, 9, G3, ios0, IOMMUOP_readable, 0)),
			 0);
}
END_TEST

START_TEST(map_foreign_check_order)
{
	/* map_cap (1) before self (2) before domid (3) before privilege (4)
	 * before ioserver (5) before order (6) before GFN (7). */
	ck_assert_int_eq(one(G3, mapf_op(1, 1, G3, 77, RW, 40)), -EPERM);
	ck_assert_int_eq(one(G1, mapf_op(1, 1, 99, 77, RW, 40)), -ENXIO);
	ck_assert_int_eq(one(G1, mapf_op(1, 1, G3, 77, RW, 40)), -EPERM);
	ck_assert_int_eq(one(0, mapf_op(1, 1, G3, 77, RW, 40)), -ENODEV);
	ck_assert_int_eq(one(0, mapf_op(1, 5000, G3, ios0, RW, 40)), -ENOSPC);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 5000, G3, ios0, RW, 0)),
			 -ENXIO);
}
END_TEST

/* ---- lookup_foreign_page ---- */

START_TEST(lookup_foreign_relaxed_hwdom_gets_mfn)
{
	uint64_t m = mfn_of(G3, 9);
	struct pv_iommu_op op = lookup_op(9, G3, ios0);

	op.flags = pv_iommu_flags_set_order(IOMMUOP_readable, 5);
	ck_assert_int_eq(run1(0, &op), 0);
	ck_assert_uint_eq(op.u.lookup_foreign_page.bfn, m);
	ck_assert_uint_eq(op.flags,
			  pv_iommu_flags_set_order(IOMMUOP_readable |
							   IOMMUOP_writeable,
						   18));
	ck_assert_uint_eq(frame(m).refs, 2);
	ck_assert_uint_eq(frame(m).m2b_entries, 1);
	/* An identical lookup adds nothing. */
	op = lookup_op(9, G3, ios0);
	ck_assert_int_eq(run1(0, &op), 0);
	ck_assert_uint_eq(frame(m).refs, 2);
	ck_assert_uint_eq(frame(m).m2b_entries, 1);
	/* Another server: another entry. */
	op = lookup_op(9, G3, iosdm);
	ck_assert_int_eq(run1(0, &op), 0);
	ck_assert_uint_eq(frame(m).refs, 3);
	/* No IOMMU change, no flush. */
	ck_assert_uint_eq(stats().iotlb_flushes, 0);
	ck_assert_int_eq(one(0, unmapf_op(m, ios0, 0)), 0);
	ck_assert_int_eq(one(0, unmapf_op(m, iosdm, 0)), 0);
	ck_assert_uint_eq(frame(m).refs, 1);
}
END_TEST

START_TEST(lookup_foreign_passthrough_hwdom_gets_mfn)
{
	struct xpi_sim_config cfg;
	struct pv_iommu_op op = lookup_op(9, G3, ios0);

	xpi_sim_config_init(&cfg);
	cfg.dom0_passthrough = 1;
	remake(&cfg);
	op = lookup_op(9, G3, ios0);
	ck_assert_int_eq(run1(0, &op), 0);
	ck_assert_uint_eq(op.u.lookup_foreign_page.bfn, mfn_of(G3, 9));
	ck_assert_int_eq(one(0, unmapf_op(mfn_of(G3, 9), ios0, 0)), 0);
}
END_TEST

START_TEST(lookup_foreign_no_bfn_is_enoent)
{
	struct xpi_sim_config cfg;

	/* A guest device model on an IOMMU host has no 1:1 bus address. */
	ck_assert_int_eq(one(DM, lookup_op(9, G3, iosdm)), -ENOENT);
	/* Nor has a strict hardware domain. */
	xpi_sim_config_init(&cfg);
	cfg.dom0_strict = 1;
	remake(&cfg);
	ck_assert_int_eq(one(0, lookup_op(9, G3, ios0)), -ENOENT);
	ck_assert_uint_eq(frame(mfn_of(G3, 9)).refs, 1);
	ck_assert_uint_eq(stats().m2b_entries, 0);
}
END_TEST

START_TEST(lookup_foreign_no_privilege_is_eperm)
{
	ck_assert_int_eq(one(G1, lookup_op(9, G3, ios0)), -EPERM);
	ck_assert_int_eq(one(G3, lookup_op(9, G3, ios0)), -EPERM);
	ck_assert_int_eq(one(G3, lookup_op(9, XPI_DOMID_SELF, ios0)), -EPERM);
	/* A Xen frame (project). */
	ck_assert_int_eq(xpi_sim_p2m_set_xen_owned(sim, G3, 9), 0);
	ck_assert_int_eq(one(0, lookup_op(9, G3, ios0)), -EPERM);
}
END_TEST

START_TEST(lookup_foreign_bad_ioserver_is_enodev)
{
	ck_assert_int_eq(one(0, lookup_op(9, G3, 55)), -ENODEV);
	ck_assert_int_eq(one(0, lookup_op(9, G1, 55)), -ENODEV);
}
END_TEST

START_TEST(lookup_foreign_bad_domid_or_gfn_is_enxio)
{
	ck_assert_int_eq(one(0, lookup_op(9, 99, ios0)), -ENXIO);
	ck_assert_int_eq(one(0, lookup_op(9, 0x7FF2, ios0)), -ENXIO);
	ck_assert_int_eq(one(0, lookup_op(1024, G3, ios0)), -ENXIO);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G3, 9), 0);
	ck_assert_int_eq(one(0, lookup_op(9, G3, ios0)), -ENXIO);
}
END_TEST

/* ---- unmap_foreign_page ---- */

START_TEST(unmap_foreign_nothing_there_is_enoent)
{
	ck_assert_int_eq(one(0, unmapf_op(HW_BFN, ios0, 0)), -ENOENT);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 9, G3, ios0, RW, 0)), 0);
	/* Another ioserver, another caller, another BFN. */
	ck_assert_int_eq(one(0, unmapf_op(HW_BFN, iosdm, 0)), -ENOENT);
	ck_assert_int_eq(one(DM, unmapf_op(HW_BFN, ios0, 0)), -ENOENT);
	ck_assert_int_eq(one(0, unmapf_op(HW_BFN + 1, ios0, 0)), -ENOENT);
	/* A map_page extent is not a foreign mapping. */
	ck_assert_int_eq(one(G1, map_op(0x10, 0x10, RW, 0)), 0);
	ck_assert_int_eq(one(G1, unmapf_op(0x10, ios1, 0)), -ENOENT);
	ck_assert_int_eq(one(0, unmapf_op(HW_BFN, ios0, 0)), 0);
	ck_assert_int_eq(one(0, unmapf_op(HW_BFN, ios0, 0)), -ENOENT);
}
END_TEST

START_TEST(unmap_foreign_other_order_is_enospc)
{
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 8, G1, ios1, RW, 3)), 0);
	ck_assert_int_eq(one(0, unmapf_op(HW_BFN, ios1, 0)), -ENOSPC);
	ck_assert_int_eq(one(0, unmapf_op(HW_BFN, ios1, 4)), -ENOSPC);
	ck_assert_int_eq(one(0, unmapf_op(HW_BFN + 1, ios1, 3)), -ENOSPC);
	ck_assert_uint_eq(stats().m2b_entries, 8);
	ck_assert_int_eq(one(0, unmapf_op(HW_BFN, ios1, 3)), 0);
	ck_assert_uint_eq(stats().m2b_entries, 0);
	for (unsigned int i = 0; i < 8; i++)
		ck_assert_uint_eq(frame(mfn_of(G1, 8 + i)).refs, 1);
}
END_TEST

START_TEST(unmap_foreign_eio_on_iommu_fault)
{
	uint64_t m = mfn_of(G3, 9);

	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 9, G3, ios0, RW, 0)), 0);
	ck_assert_int_eq(xpi_sim_inject_iommu_faults(sim, 1), 0);
	ck_assert_int_eq(one(0, unmapf_op(HW_BFN, ios0, 0)), -EIO);
	ck_assert_uint_eq(frame(m).refs, 2);
	ck_assert_uint_eq(frame(m).m2b_entries, 1);
	ck_assert_int_eq(one(0, unmapf_op(HW_BFN, ios0, 0)), 0);
	ck_assert_uint_eq(frame(m).refs, 1);
	ck_assert_uint_eq(frame(m).writable_refs, 0);
}
END_TEST

/* ---- Hostile callers: ownership ---- */

START_TEST(another_caller_cannot_unmap_any_kind_of_mapping)
{
	uint64_t m9 = mfn_of(G3, 9), m10 = mfn_of(G3, 10), bfn = 0, got;
	struct pv_iommu_op lk = lookup_op(10, G3, ios0);
	uint64_t gb = HW_BFN << 12;
	uint32_t handle;
	int ref;

	/* dom0's foreign map and lookup, G1's map_page, DM's grant map. */
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 9, G3, ios0, RW, 0)), 0);
	ck_assert_int_eq(run1(0, &lk), 0);
	bfn = lk.u.lookup_foreign_page.bfn;
	ck_assert_uint_eq(bfn, m10);
	ck_assert_int_eq(one(G1, map_op(0x10, 0x10, RW, 0)), 0);
	ref = xpi_sim_grant_create(sim, G3, 11, DM, 0);
	ck_assert_int_ge(ref, 0);
	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, (uint32_t)ref,
					   XPI_GNTMAP_device_map |
						   XPI_GNTMAP_request_bfn_map,
					   &gb, &handle),
			 0);
	/* Each other domain tries each unmap, with the owner's arguments. */
	for (uint16_t who = 0; who <= DM; who++) {
		if (who != 0) {
			ck_assert_int_eq(one(who, unmapf_op(HW_BFN, ios0, 0)),
					 -ENOENT);
			ck_assert_int_eq(one(who, unmapf_op(bfn, ios0, 0)),
					 -ENOENT);
		}
		if (who != G1)
			ck_assert_int_eq(one(who, unmap_op(0x10, 0)), -ENOENT);
		if (who != DM) {
			ck_assert_int_eq(one(who, unmap_op(HW_BFN, 0)),
					 -ENOENT);
			ck_assert_int_eq(xpi_sim_grant_unmap(sim, who, handle),
					 -4 /* GNTST_bad_handle */);
		}
	}
	/* Nothing changed: every mapping and reference is as it was. */
	ck_assert_uint_eq(frame(m9).refs, 2);
	ck_assert_uint_eq(frame(m10).refs, 2);
	ck_assert_uint_eq(frame(mfn_of(G3, 11)).refs, 3);
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, 0, HW_BFN, &got, NULL), 0);
	ck_assert_uint_eq(got, m9);
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, DM, HW_BFN, &got, NULL), 0);
	ck_assert_uint_eq(got, mfn_of(G3, 11));
	/* The owners' own unmaps work. */
	ck_assert_int_eq(one(0, unmapf_op(HW_BFN, ios0, 0)), 0);
	ck_assert_int_eq(one(0, unmapf_op(bfn, ios0, 0)), 0);
	ck_assert_int_eq(one(G1, unmap_op(0x10, 0)), 0);
	ck_assert_int_eq(xpi_sim_grant_unmap(sim, DM, handle), 0);
	ck_assert_uint_eq(frame(m9).refs, 1);
	ck_assert_uint_eq(frame(m10).refs, 1);
}
END_TEST

START_TEST(lookup_entries_are_per_caller_and_ioserver)
{
	struct xpi_sim_config cfg;
	struct pv_iommu_op lk;
	uint64_t m;

	/* No IOMMU: every caller's lookup gets BFN = MFN. */
	xpi_sim_config_init(&cfg);
	cfg.iommu_present = 0;
	remake(&cfg);
	m = mfn_of(G3, 9);
	lk = lookup_op(9, G3, ios0);
	ck_assert_int_eq(run1(0, &lk), 0);
	ck_assert_int_eq(run1(0, &lk), 0); /* identical: no new entry */
	lk = lookup_op(9, G3, iosdm);
	ck_assert_int_eq(run1(0, &lk), 0);
	ck_assert_int_eq(run1(DM, &lk), 0);
	ck_assert_uint_eq(frame(m).refs, 4);
	ck_assert_uint_eq(frame(m).m2b_entries, 3);
	/* DM ends its own; dom0's stay; DM cannot end dom0's. */
	ck_assert_int_eq(one(DM, unmapf_op(m, iosdm, 0)), 0);
	ck_assert_int_eq(one(DM, unmapf_op(m, iosdm, 0)), -ENOENT);
	ck_assert_int_eq(one(DM, unmapf_op(m, ios0, 0)), -ENOENT);
	ck_assert_uint_eq(frame(m).refs, 3);
	ck_assert_int_eq(one(0, unmapf_op(m, ios0, 0)), 0);
	ck_assert_int_eq(one(0, unmapf_op(m, ios0, 0)), -ENOENT);
	ck_assert_int_eq(one(0, unmapf_op(m, iosdm, 0)), 0);
	ck_assert_uint_eq(frame(m).refs, 1);
}
END_TEST

static Suite *sim_foreign_suite(void)
{
	Suite *s = suite_create("sim-foreign");
	TCase *tc = tcase_create("foreign subops");

	tcase_add_checked_fixture(tc, xs_ops_setup, xs_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, map_foreign_success_adds_m2b_entries);
	tcase_add_test(tc,
		       map_foreign_neither_readable_nor_writeable_is_einval);
	tcase_add_test(tc, map_foreign_eio_on_iommu_fault);
	tcase_add_test(tc, map_foreign_without_map_cap_is_eperm);
	tcase_add_test(tc, map_foreign_no_privilege_is_eperm);
	tcase_add_test(tc, map_foreign_xen_frame_is_eperm);
	tcase_add_test(tc, map_foreign_domid_self_is_eperm);
	tcase_add_test(tc, map_foreign_rmrr_is_eacces);
	tcase_add_test(tc, map_foreign_bad_ioserver_is_enodev);
	tcase_add_test(tc, map_foreign_bad_domid_is_enxio);
	tcase_add_test(tc, map_foreign_bad_gfn_is_enxio);
	tcase_add_test(tc, map_foreign_order_too_large_is_enospc);
	tcase_add_test(tc, map_foreign_existing_entry_is_eexist);
	tcase_add_test(tc, map_foreign_writeable_pinned_page_is_eperm);
	tcase_add_test(tc, map_foreign_check_order);
	tcase_add_test(tc, lookup_foreign_relaxed_hwdom_gets_mfn);
	tcase_add_test(tc, lookup_foreign_passthrough_hwdom_gets_mfn);
	tcase_add_test(tc, lookup_foreign_no_bfn_is_enoent);
	tcase_add_test(tc, lookup_foreign_no_privilege_is_eperm);
	tcase_add_test(tc, lookup_foreign_bad_ioserver_is_enodev);
	tcase_add_test(tc, lookup_foreign_bad_domid_or_gfn_is_enxio);
	tcase_add_test(tc, unmap_foreign_nothing_there_is_enoent);
	tcase_add_test(tc, unmap_foreign_other_order_is_enospc);
	tcase_add_test(tc, unmap_foreign_eio_on_iommu_fault);
	suite_add_tcase(s, tc);
	tc = tcase_create("hostile callers");
	tcase_add_checked_fixture(tc, xs_ops_setup, xs_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, another_caller_cannot_unmap_any_kind_of_mapping);
	tcase_add_test(tc, lookup_entries_are_per_caller_and_ioserver);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return xt_run(sim_foreign_suite());
}
