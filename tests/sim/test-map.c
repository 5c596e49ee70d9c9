// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The simulated hypervisor: map_page and unmap_page of a caller's own GFNs:
 * every status row of draft B's tables and of docs/hypervisor-model.md, in
 * the model's check order, and map_page's reference taken with its owner
 * check (M-1).
 * The auditor runs after every test and must be clean.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "helpers.h"

/* ---- map_page ---- */

START_TEST(map_page_success_takes_references)
{
	uint64_t m = mfn_of(G1, 0x40), got;
	unsigned int fl;

	ck_assert_int_eq(one(G1, map_op(0x1000, 0x40, RW, 0)), 0);
	ck_assert_uint_eq(frame(m).refs, 2);
	ck_assert_uint_eq(frame(m).writable_refs, 1);
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, G1, 0x1000, &got, &fl), 0);
	ck_assert_uint_eq(got, m);
	ck_assert_uint_eq(fl, RW);
	/* Read-only: a general reference only. */
	m = mfn_of(G1, 0x41);
	ck_assert_int_eq(one(G1, map_op(0x1001, 0x41, IOMMU_OP_readable, 0)),
			 0);
	ck_assert_uint_eq(frame(m).refs, 2);
	ck_assert_uint_eq(frame(m).writable_refs, 0);
	/* An order-4 extent: 16 frames, one reference each. */
	ck_assert_int_eq(one(G1, map_op(0x2000, 0x100, RW, 4)), 0);
	for (unsigned int i = 0; i < 16; i++)
		ck_assert_uint_eq(frame(mfn_of(G1, 0x100 + i)).refs, 2);
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, G1, 0x2005, &got, &fl), 0);
	ck_assert_uint_eq(got, mfn_of(G1, 0x105));
	ck_assert_uint_eq(pv_iommu_flags_order((uint16_t)fl), 4);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, G1), 3);
	/* map_page makes no M2B entry. */
	ck_assert_uint_eq(stats().m2b_entries, 0);
}
END_TEST

START_TEST(map_page_neither_readable_nor_writeable_is_einval)
{
	ck_assert_int_eq(one(G1, map_op(0x1000, 0x40, 0, 0)), -EINVAL);
	ck_assert_int_eq(one(0, map_op(HW_BFN, 0x1000, IOMMU_MAP_OP_no_ref_cnt,
				       0)),
			 -EINVAL);
}
END_TEST

START_TEST(map_page_without_map_cap_is_eperm)
{
	/* A guest without IOMMU-controlled hardware. */
	ck_assert_int_eq(one(G3, map_op(0x1000, 0, RW, 0)), -EPERM);
	ck_assert_int_eq(one(G3, unmap_op(0x1000, 0)), -EPERM);
}
END_TEST

START_TEST(map_page_eio_on_iommu_fault)
{
	uint64_t m = mfn_of(G1, 0x40);

	ck_assert_int_eq(xpi_sim_inject_iommu_faults(sim, 1), 0);
	ck_assert_int_eq(one(G1, map_op(0x1000, 0x40, RW, 0)), -EIO);
	ck_assert_uint_eq(frame(m).refs, 1);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, G1), 0);
	ck_assert_uint_eq(stats().iotlb_flushes, 0);
	/* The fault was used up. */
	ck_assert_int_eq(one(G1, map_op(0x1000, 0x40, RW, 0)), 0);
}
END_TEST

START_TEST(map_page_xen_frame_is_eperm)
{
	uint64_t m;

	/* dom0 relaxed maps any MFN by GFN, except Xen's and scratch. */
	ck_assert_int_eq(one(0, map_op(HW_BFN, 5, RW, 0)), -EPERM);
	ck_assert_int_eq(one(0, map_op(HW_BFN, xpi_sim_scratch_mfn(sim),
				       IOMMU_OP_readable, 0)),
			 -EPERM);
	/* A guest GFN that points at a Xen-owned frame. */
	ck_assert_int_eq(xpi_sim_p2m_set_xen_owned(sim, G1, 0x50), 0);
	m = mfn_of(G1, 0x50);
	ck_assert_uint_eq(frame(m).xen, 1);
	ck_assert_int_eq(one(G1, map_op(0x50, 0x50, IOMMU_OP_readable, 0)),
			 -EPERM);
	/* Also within a larger order. */
	ck_assert_int_eq(one(G1, map_op(0x60, 0x50, RW, 4)), -EPERM);
}
END_TEST

START_TEST(map_page_guest_gfn_not_its_own_is_eperm)
{
	/* Beyond its p2m, and ballooned out. */
	ck_assert_int_eq(one(G1, map_op(0x1000, 4096, RW, 0)), -EPERM);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, 0x60), 0);
	ck_assert_int_eq(one(G1, map_op(0x1000, 0x60, RW, 0)), -EPERM);
	ck_assert_int_eq(one(G1, map_op(0x1000, 0x60, RW, 4)), -EPERM);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, G1), 0);
}
END_TEST

START_TEST(map_page_strict_hwdom_gfn_not_its_own_is_eperm)
{
	struct xpi_sim_config cfg;
	uint64_t guest_mfn;

	xpi_sim_config_init(&cfg);
	cfg.dom0_strict = 1;
	remake(&cfg);
	guest_mfn = mfn_of(G1, 0);
	/* A guest's frame by MFN: refused in strict mode. */
	ck_assert_int_eq(one(0, map_op(HW_BFN, guest_mfn, RW, 0)), -EPERM);
	/* Its own GFN is fine. */
	ck_assert_int_eq(one(0, map_op(HW_BFN, 0x1000, RW, 0)), 0);
	ck_assert_uint_eq(frame(0x1000).refs, 2);
}
END_TEST

START_TEST(map_page_relaxed_hwdom_maps_any_non_xen_mfn)
{
	uint64_t guest_mfn = mfn_of(G1, 3);

	ck_assert_int_eq(one(0, map_op(HW_BFN, guest_mfn, RW, 0)), 0);
	ck_assert_uint_eq(frame(guest_mfn).refs, 2);
	ck_assert_int_eq(one(0, unmap_op(HW_BFN, 0)), 0);
	ck_assert_uint_eq(frame(guest_mfn).refs, 1);
}
END_TEST

/*
 * A frame nobody owns is never mapped, with or without no_ref_cnt: Xen takes
 * the reference together with the owner it checks, and a free frame has
 * none (M-1).  Until now the simulator let dom0 map a free frame by MFN,
 * which Xen never did.
 */
START_TEST(map_page_of_a_free_frame_is_eperm)
{
	uint64_t m = mfn_of(G3, 7);
	struct xpi_sim_stats before;

	ck_assert_int_eq(xpi_sim_balloon_out(sim, G3, 7), 0);
	ck_assert_uint_eq(frame(m).free, 1);
	before = stats();
	ck_assert_int_eq(one(0, map_op(HW_BFN, m, RW, 0)), -EPERM);
	ck_assert_int_eq(one(0, map_op(HW_BFN, m, IOMMU_OP_readable, 0)),
			 -EPERM);
	ck_assert_int_eq(one(0, map_op(HW_BFN, m, RW | IOMMU_MAP_OP_no_ref_cnt,
				       0)),
			 -EPERM);
	/* Nothing changed: still free, no reference, no IOMMU entry. */
	ck_assert_uint_eq(frame(m).free, 1);
	ck_assert_uint_eq(frame(m).refs, 0);
	ck_assert_uint_eq(stats().free_frames, before.free_frames);
	ck_assert_int_eq(one(0, unmap_op(HW_BFN, 0)), -ENOENT);
}
END_TEST

START_TEST(map_page_no_ref_cnt_only_relaxed_hwdom)
{
	uint64_t m = 0x1000;

	ck_assert_int_eq(one(0, map_op(HW_BFN, m, RW | IOMMU_MAP_OP_no_ref_cnt,
				       0)),
			 0);
	ck_assert_uint_eq(frame(m).refs, 1);
	ck_assert_uint_eq(frame(m).writable_refs, 0);
	ck_assert_int_eq(one(0, unmap_op(HW_BFN, 0)), 0);
	ck_assert_uint_eq(frame(m).refs, 1);
	/* A guest may not. */
	ck_assert_int_eq(one(G1, map_op(0x10, 0x10,
					RW | IOMMU_MAP_OP_no_ref_cnt, 0)),
			 -EPERM);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, G1), 0);
}
END_TEST

START_TEST(map_page_no_ref_cnt_strict_hwdom_is_eperm)
{
	struct xpi_sim_config cfg;

	xpi_sim_config_init(&cfg);
	cfg.dom0_strict = 1;
	remake(&cfg);
	ck_assert_int_eq(one(0, map_op(HW_BFN, 0x1000,
				       RW | IOMMU_MAP_OP_no_ref_cnt, 0)),
			 -EPERM);
}
END_TEST

START_TEST(map_page_rmrr_is_eacces)
{
	ck_assert_int_eq(xpi_sim_rmrr_add(sim, G1, 0x100, 0x10), 0);
	ck_assert_int_eq(one(G1, map_op(0x108, 0x8, RW, 0)), -EACCES);
	ck_assert_int_eq(one(G1, map_op(0x100, 0x100, RW, 8)), -EACCES);
	ck_assert_int_eq(one(G1, map_op(0x10f, 0x8, RW, 0)), -EACCES);
	/* Just outside is fine. */
	ck_assert_int_eq(one(G1, map_op(0x110, 0x8, RW, 0)), 0);
	ck_assert_int_eq(one(G1, map_op(0xff, 0x9, RW, 0)), 0);
}
END_TEST

START_TEST(map_page_order_too_large_is_enospc)
{
	struct xpi_sim_config cfg;

	/* Above the IOMMU's largest order. */
	ck_assert_int_eq(one(G1, map_op(0, 0, RW, 19)), -ENOSPC);
	ck_assert_int_eq(one(G1, map_op(0, 0, RW, 63)), -ENOSPC);
	/* Misaligned BFN or GFN. */
	ck_assert_int_eq(one(G1, map_op(0x1001, 0x0, RW, 1)), -ENOSPC);
	ck_assert_int_eq(one(G1, map_op(0x1000, 0x8, RW, 4)), -ENOSPC);
	/* Beyond the BFN width (2^36 BFNs). */
	ck_assert_int_eq(one(G1, map_op(UINT64_C(1) << 36, 0, RW, 0)), -ENOSPC);
	ck_assert_int_eq(one(G1, map_op((UINT64_C(1) << 36) - 1, 0, RW, 0)), 0);
	ck_assert_int_eq(one(G1, map_op((UINT64_C(1) << 36) - 16, 0x10, RW, 5)),
			 -ENOSPC);
	ck_assert_int_eq(one(G1, map_op(UINT64_MAX, 0, RW, 0)), -ENOSPC);
	/* GFNs not backed contiguously (a scattered guest with hw). */
	ck_assert_int_eq(one(G4, map_op(0x0, 0x0, RW, 1)), -ENOSPC);
	ck_assert_int_eq(one(G4, map_op(0x0, 0x0, RW, 0)), 0);
	/* An order beyond a small BFN width. */
	xpi_sim_config_init(&cfg);
	cfg.bfn_width = 20;
	cfg.max_order = 30;
	remake(&cfg);
	ck_assert_int_eq(one(G1, map_op(0, 0, RW, 20)), -ENOSPC);
	ck_assert_int_eq(one(G1, map_op(0, 0, RW, 25)), -ENOSPC);
	ck_assert_int_eq(one(G1, map_op(1u << 20, 0, RW, 0)), -ENOSPC);
}
END_TEST

START_TEST(map_page_existing_entry_is_eexist)
{
	ck_assert_int_eq(one(G1, map_op(0x1000, 0x40, RW, 0)), 0);
	ck_assert_int_eq(one(G1, map_op(0x1000, 0x41, RW, 0)), -EEXIST);
	/* An order-4 range covering it. */
	ck_assert_int_eq(one(G1, map_op(0x1000, 0x100, RW, 4)), -EEXIST);
	/* dom0's 1:1 region counts as an entry. */
	ck_assert_int_eq(one(0, map_op(0x1000, 0x1000, RW, 0)), -EEXIST);
	ck_assert_int_eq(one(0, map_op(0x80000, 0x1000, RW, 0)), -EEXIST);
	/* Xen's boot frames are outside the region. */
	ck_assert_int_eq(one(0, map_op(0x10, 0x1000, RW, 0)), 0);
	ck_assert_uint_eq(frame(mfn_of(G1, 0x41)).refs, 1);
}
END_TEST

START_TEST(map_page_writeable_pinned_page_is_eperm)
{
	ck_assert_int_eq(xpi_sim_pin_pagetable(sim, G1, 0x40), 0);
	ck_assert_int_eq(one(G1, map_op(0x1000, 0x40, RW, 0)), -EPERM);
	ck_assert_int_eq(one(G1, map_op(0x1000, 0x40, IOMMU_OP_readable, 0)),
			 0);
	ck_assert_int_eq(one(G1, unmap_op(0x1000, 0)), 0);
	ck_assert_int_eq(xpi_sim_unpin_pagetable(sim, G1, 0x40), 0);
}
END_TEST

START_TEST(map_page_check_order)
{
	/*
	 * Each failure comes from the earliest failing check: an op that
	 * fails several checks gets the first one's status.
	 */
	ck_assert_int_eq(xpi_sim_rmrr_add(sim, G1, 0x100, 1), 0);
	/* no_ref_cnt (3) before order (4). */
	ck_assert_int_eq(one(G1,
			     map_op(0x101, 0, RW | IOMMU_MAP_OP_no_ref_cnt, 1)),
			 -EPERM);
	/* order (4) before ownership (5). */
	ck_assert_int_eq(one(G1, map_op(0x101, 5000, RW, 1)), -ENOSPC);
	/* ownership (5) before RMRR (8). */
	ck_assert_int_eq(one(G1, map_op(0x100, 5000, RW, 0)), -EPERM);
	/* RMRR (8) before EEXIST (9) and the fault (10). */
	ck_assert_int_eq(xpi_sim_inject_iommu_faults(sim, 1), 0);
	ck_assert_int_eq(one(G1, map_op(0x100, 1, RW, 0)), -EACCES);
	ck_assert_int_eq(one(G1, map_op(0x200, 1, RW, 0)), -EIO);
}
END_TEST

/* ---- unmap_page ---- */

START_TEST(unmap_page_drops_references)
{
	uint64_t m = mfn_of(G1, 0x100);

	ck_assert_int_eq(one(G1, map_op(0x2000, 0x100, RW, 4)), 0);
	ck_assert_int_eq(one(G1, unmap_op(0x2000, 4)), 0);
	for (unsigned int i = 0; i < 16; i++) {
		ck_assert_uint_eq(frame(m + i).refs, 1);
		ck_assert_uint_eq(frame(m + i).writable_refs, 0);
	}
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, G1), 0);
}
END_TEST

START_TEST(unmap_page_eio_on_iommu_fault)
{
	uint64_t m = mfn_of(G1, 0x40);

	ck_assert_int_eq(one(G1, map_op(0x1000, 0x40, RW, 0)), 0);
	ck_assert_int_eq(xpi_sim_inject_iommu_faults(sim, 1), 0);
	ck_assert_int_eq(one(G1, unmap_op(0x1000, 0)), -EIO);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, G1), 1);
	ck_assert_uint_eq(frame(m).refs, 2);
	ck_assert_int_eq(one(G1, unmap_op(0x1000, 0)), 0);
	ck_assert_uint_eq(frame(m).refs, 1);
}
END_TEST

START_TEST(unmap_page_order_too_large_is_enospc)
{
	ck_assert_int_eq(one(G1, map_op(0x2000, 0x100, RW, 4)), 0);
	ck_assert_int_eq(one(G1, unmap_op(0x2000, 19)), -ENOSPC);
	ck_assert_int_eq(one(G1, unmap_op(0x2001, 1)), -ENOSPC);
	ck_assert_int_eq(one(G1, unmap_op(UINT64_C(1) << 36, 0)), -ENOSPC);
	/* An extent starts there, with another order. */
	ck_assert_int_eq(one(G1, unmap_op(0x2000, 3)), -ENOSPC);
	ck_assert_int_eq(one(G1, unmap_op(0x2000, 0)), -ENOSPC);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, G1), 1);
	ck_assert_int_eq(one(G1, unmap_op(0x2000, 4)), 0);
}
END_TEST

START_TEST(unmap_page_nothing_there_is_enoent)
{
	ck_assert_int_eq(one(G1, unmap_op(0x3000, 0)), -ENOENT);
	/* Inside an extent, not at its start. */
	ck_assert_int_eq(one(G1, map_op(0x2000, 0x100, RW, 4)), 0);
	ck_assert_int_eq(one(G1, unmap_op(0x2001, 0)), -ENOENT);
	/* A foreign extent is not unmap_page's. */
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 0, G3, ios0, RW, 0)), 0);
	ck_assert_int_eq(one(0, unmap_op(HW_BFN, 0)), -ENOENT);
	/* Nor is dom0's 1:1 region. */
	ck_assert_int_eq(one(0, unmap_op(0x1000, 0)), -ENOENT);
	ck_assert_int_eq(one(0, unmapf_op(HW_BFN, ios0, 0)), 0);
}
END_TEST

/* ---- map_page's reference and its owner check, one pass (M-1) ---- */

/*
 * dom0 (relaxed, map_all_gfns) maps a guest's frame by MFN while the guest
 * balloons it out between map_page's owner check and its reference, as a
 * second vCPU could in Xen.  In 37fded6's order (references in a second
 * pass, the owner read again) the frame is freed and mapped with no
 * reference, which the auditor reports; in Xen's order now (the reference
 * taken with the check) the frame stays, held by the mapping, and is freed
 * by the unmap.
 */
START_TEST(map_page_reference_is_taken_with_the_owner_check)
{
	uint64_t m = mfn_of(G3, 20), m2 = mfn_of(G3, 21);
	struct reports r = { 0 };

	/* 37fded6's order: the auditor catches a freed frame in the IOMMU. */
	ck_assert_int_eq(xpi_sim_debug_map_race(sim, 1, G3, 20), 0);
	ck_assert_int_eq(mapp(0, HW_BFN, m, RW), 0);
	ck_assert_uint_eq(frame(m).free, 1);
	ck_assert_uint_eq(frame(m).refs, 0);
	ck_assert_int_ge(xpi_sim_audit(sim, collect, &r), 1);
	ck_assert_ptr_nonnull(strstr(r.first, "reaches freed MFN"));
	/* Repair by hand, for the teardown's audit: the missing reference. */
	sim_frame_get(sim, m, 1);
	ck_assert_int_eq(unmapp(0, HW_BFN), 0);
	ck_assert_uint_eq(frame(m).free, 1);
	ck_assert_int_eq(xpi_sim_audit(sim, NULL, NULL), 0);

	/* Xen's order: the balloon-out cannot free what the map holds. */
	ck_assert_int_eq(xpi_sim_debug_map_race(sim, 0, G3, 21), 0);
	ck_assert_int_eq(mapp(0, HW_BFN, m2, RW), 0);
	ck_assert_uint_eq(frame(m2).free, 0);
	ck_assert_uint_eq(frame(m2).refs, 1);
	ck_assert_int_eq(xpi_sim_audit(sim, NULL, NULL), 0);
	ck_assert_int_eq(unmapp(0, HW_BFN), 0);
	ck_assert_uint_eq(frame(m2).free, 1);
	ck_assert_int_eq(xpi_sim_audit(sim, NULL, NULL), 0);
	ck_assert_int_eq(xpi_sim_debug_map_race(NULL, 0, G3, 21), -EINVAL);
}
END_TEST

/*
 * The same race where the map then fails (the BFN is taken): the reference
 * the check took is given back, so the frame is freed, not leaked.
 */
START_TEST(map_page_failing_after_the_race_gives_its_reference_back)
{
	uint64_t m = mfn_of(G3, 22), m0 = mfn_of(G3, 23);

	ck_assert_int_eq(mapp(0, HW_BFN, m0, RW), 0);
	ck_assert_int_eq(xpi_sim_debug_map_race(sim, 0, G3, 22), 0);
	ck_assert_int_eq(mapp(0, HW_BFN, m, RW), -EEXIST);
	ck_assert_uint_eq(frame(m).free, 1);
	ck_assert_uint_eq(frame(m).refs, 0);
	ck_assert_int_eq(xpi_sim_audit(sim, NULL, NULL), 0);
	ck_assert_int_eq(unmapp(0, HW_BFN), 0);
}
END_TEST

static Suite *sim_map_suite(void)
{
	Suite *s = suite_create("sim-map");
	TCase *tc = tcase_create("map_page");

	tcase_add_checked_fixture(tc, xs_ops_setup, xs_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, map_page_success_takes_references);
	tcase_add_test(tc, map_page_neither_readable_nor_writeable_is_einval);
	tcase_add_test(tc, map_page_without_map_cap_is_eperm);
	tcase_add_test(tc, map_page_eio_on_iommu_fault);
	tcase_add_test(tc, map_page_xen_frame_is_eperm);
	tcase_add_test(tc, map_page_guest_gfn_not_its_own_is_eperm);
	tcase_add_test(tc, map_page_strict_hwdom_gfn_not_its_own_is_eperm);
	tcase_add_test(tc, map_page_relaxed_hwdom_maps_any_non_xen_mfn);
	tcase_add_test(tc, map_page_of_a_free_frame_is_eperm);
	tcase_add_test(tc, map_page_no_ref_cnt_only_relaxed_hwdom);
	tcase_add_test(tc, map_page_no_ref_cnt_strict_hwdom_is_eperm);
	tcase_add_test(tc, map_page_rmrr_is_eacces);
	tcase_add_test(tc, map_page_order_too_large_is_enospc);
	tcase_add_test(tc, map_page_existing_entry_is_eexist);
	tcase_add_test(tc, map_page_writeable_pinned_page_is_eperm);
	tcase_add_test(tc, map_page_check_order);
	tcase_add_test(tc, unmap_page_drops_references);
	tcase_add_test(tc, unmap_page_eio_on_iommu_fault);
	tcase_add_test(tc, unmap_page_order_too_large_is_enospc);
	tcase_add_test(tc, unmap_page_nothing_there_is_enoent);
	suite_add_tcase(s, tc);
	tc = tcase_create("map_page race");
	tcase_add_checked_fixture(tc, xs_memory_setup, xs_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, map_page_reference_is_taken_with_the_owner_check);
	tcase_add_test(
		tc, map_page_failing_after_the_race_gives_its_reference_back);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return xt_run(sim_map_suite());
}
