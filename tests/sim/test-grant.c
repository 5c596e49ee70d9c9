// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The simulated hypervisor: grant maps with GNTMAP_request_bfn_map: at the
 * BFN asked for, or the MFN without it, and every GNTST_* error.
 * The auditor runs after every test and must be clean.
 */
#include "config.h"

#include <errno.h>

#include "helpers.h"

/* ---- Grant maps ---- */

START_TEST(grant_map_request_bfn_map_maps_at_given_bfn)
{
	uint64_t m = mfn_of(G3, 5), addr = 0x123000;
	uint32_t h;
	int ref = xpi_sim_grant_create(sim, G3, 5, DM, 0);

	ck_assert_int_ge(ref, 0);
	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, (uint32_t)ref,
					   XPI_GNTMAP_device_map |
						   XPI_GNTMAP_request_bfn_map,
					   &addr, &h),
			 0);
	ck_assert_uint_eq(addr, 0x123000);
	ck_assert_uint_eq(iommu_mfn(DM, 0x123), m);
	/* Ownership, the grant mapping, the IOMMU mapping. */
	ck_assert_uint_eq(frame(m).refs, 3);
	/* Writable types: the grant's device mapping and the IOMMU
	 * mapping, as on Xen (its debug frame query shows 2). */
	ck_assert_uint_eq(frame(m).writable_refs, 2);
	ck_assert_uint_eq(stats().iommu_entries, 1);
	/* unmap_page does not take a grant's mapping. */
	ck_assert_int_eq(unmapp(DM, 0x123), -ENOENT);
	ck_assert_int_eq(xpi_sim_grant_unmap(sim, DM, h), 0);
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, DM, 0x123, &addr, NULL),
			 -ENOENT);
	ck_assert_uint_eq(frame(m).refs, 1);
	ck_assert_uint_eq(frame(m).writable_refs, 0);
	ck_assert_int_eq(xpi_sim_grant_unmap(sim, DM, h), -4);
}
END_TEST

START_TEST(grant_map_without_request_bfn_map_returns_mfn)
{
	uint64_t m = mfn_of(G3, 5), addr = 0xdead000;
	uint32_t h;
	int ref = xpi_sim_grant_create(sim, G3, 5, DM, 1);

	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, (uint32_t)ref,
					   XPI_GNTMAP_device_map |
						   XPI_GNTMAP_readonly,
					   &addr, &h),
			 0);
	ck_assert_uint_eq(addr, m << 12);
	ck_assert_uint_eq(frame(m).refs, 2);
	ck_assert_uint_eq(stats().iommu_entries, 0);
	/* Host mapping only: dev_bus_addr may be NULL. */
	{
		uint32_t h2;

		ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, (uint32_t)ref,
						   XPI_GNTMAP_host_map |
							   XPI_GNTMAP_readonly,
						   NULL, &h2),
				 0);
		ck_assert_int_eq(xpi_sim_grant_unmap(sim, DM, h2), 0);
	}
	/* Another domain cannot unmap it. */
	ck_assert_int_eq(xpi_sim_grant_unmap(sim, G1, h), -4);
	ck_assert_int_eq(xpi_sim_grant_unmap(sim, DM, 9999), -4);
	ck_assert_int_eq(xpi_sim_grant_unmap(sim, DM, h), 0);
	ck_assert_uint_eq(frame(m).refs, 1);
}
END_TEST

START_TEST(grant_map_errors)
{
	uint64_t addr;
	uint32_t h;
	const uint32_t bfnmap = XPI_GNTMAP_device_map |
				XPI_GNTMAP_request_bfn_map;
	int ref = xpi_sim_grant_create(sim, G3, 5, DM, 0);
	int roref = xpi_sim_grant_create(sim, G3, 6, DM, 1);
	int g1ref = xpi_sim_grant_create(sim, G3, 7, G1, 0);
	int nohw = xpi_sim_grant_create(sim, G1, 7, G3, 0);

	ck_assert_int_ge(nohw, 0);
	/* Misaligned bus address. */
	addr = 0x123004;
	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, (uint32_t)ref, bfnmap,
					   &addr, &h),
			 -6);
	/* Beyond the BFN width; RMRR. */
	addr = UINT64_C(1) << 48;
	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, (uint32_t)ref, bfnmap,
					   &addr, &h),
			 -6);
	ck_assert_int_eq(xpi_sim_rmrr_add(sim, DM, 0x200, 4), 0);
	addr = 0x201000;
	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, (uint32_t)ref, bfnmap,
					   &addr, &h),
			 -6);
	/* Occupied BFN. */
	ck_assert_int_eq(mapf(DM, 0x300, 9, G3, iosdm, RW, 0), 0);
	addr = 0x300000;
	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, (uint32_t)ref, bfnmap,
					   &addr, &h),
			 -7);
	ck_assert_int_eq(unmapf(DM, 0x300, iosdm, 0), 0);
	/* Permission: no map_cap; read-only grant mapped writable; not
	 * the grantee; pinned page mapped writable. */
	addr = 0x400000;
	ck_assert_int_eq(xpi_sim_grant_map(sim, G3, G1, (uint32_t)nohw, bfnmap,
					   &addr, &h),
			 -8);
	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, (uint32_t)roref, bfnmap,
					   &addr, &h),
			 -8);
	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, (uint32_t)g1ref, bfnmap,
					   &addr, &h),
			 -8);
	ck_assert_int_eq(xpi_sim_pin_pagetable(sim, G3, 5), 0);
	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, (uint32_t)ref, bfnmap,
					   &addr, &h),
			 -8);
	ck_assert_int_eq(xpi_sim_unpin_pagetable(sim, G3, 5), 0);
	/* Bad reference; bad granter; bad flags; no caller. */
	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, 999, bfnmap, &addr, &h),
			 -3);
	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, 99, 0, bfnmap, &addr, &h),
			 -2);
	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, (uint32_t)ref,
					   XPI_GNTMAP_request_bfn_map, &addr,
					   &h),
			 -1);
	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, (uint32_t)ref, 0, &addr,
					   &h),
			 -1);
	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, (uint32_t)ref,
					   bfnmap | (1u << 9), &addr, &h),
			 -1);
	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, (uint32_t)ref, bfnmap,
					   NULL, &h),
			 -1);
	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, (uint32_t)ref, bfnmap,
					   &addr, NULL),
			 -1);
	ck_assert_int_eq(xpi_sim_grant_map(sim, 99, G3, (uint32_t)ref, bfnmap,
					   &addr, &h),
			 -1);
	/* IOMMU fault. */
	ck_assert_int_eq(xpi_sim_inject_iommu_faults(sim, 1), 0);
	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, (uint32_t)ref, bfnmap,
					   &addr, &h),
			 -1);
	ck_assert_uint_eq(frame(mfn_of(G3, 5)).refs, 1);
	/* Ballooned-out granted GFN: GNTST_bad_page, as on Xen. */
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G3, 5), 0);
	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, (uint32_t)ref, bfnmap,
					   &addr, &h),
			 -9);
	ck_assert_uint_eq(stats().iommu_entries, 0);
}
END_TEST

START_TEST(grant_unmap_fault_keeps_mapping)
{
	uint64_t addr = 0x123000, m = mfn_of(G3, 5);
	uint32_t h;
	int ref = xpi_sim_grant_create(sim, G3, 5, DM, 0);

	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, (uint32_t)ref,
					   XPI_GNTMAP_device_map |
						   XPI_GNTMAP_request_bfn_map,
					   &addr, &h),
			 0);
	ck_assert_int_eq(xpi_sim_inject_iommu_faults(sim, 1), 0);
	ck_assert_int_eq(xpi_sim_grant_unmap(sim, DM, h), -1);
	ck_assert_uint_eq(iommu_mfn(DM, 0x123), m);
	/* The grantee going away releases the mapping. */
	ck_assert_int_eq(xpi_sim_domain_destroy(sim, DM), 0);
	ck_assert_uint_eq(frame(m).refs, 1);
}
END_TEST

static Suite *sim_grant_suite(void)
{
	Suite *s = suite_create("sim-grant");
	TCase *tc = tcase_create("grant maps");

	tcase_add_checked_fixture(tc, xs_memory_setup, xs_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, grant_map_request_bfn_map_maps_at_given_bfn);
	tcase_add_test(tc, grant_map_without_request_bfn_map_returns_mfn);
	tcase_add_test(tc, grant_map_errors);
	tcase_add_test(tc, grant_unmap_fault_keeps_mapping);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return xt_run(sim_grant_suite());
}
