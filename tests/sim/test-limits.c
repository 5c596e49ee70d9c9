// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The simulated hypervisor: its bounds, each driven past its limit: ioreq
 * servers per domain, 64 records per frame (the alias cap), a guest's quota
 * of records, and the grant table.
 * The auditor runs after every test and must be clean.
 */
#include "config.h"

#include <errno.h>

#include "helpers.h"

/* ---- ioreq servers per domain ---- */

START_TEST(ioreq_servers_limit_is_enospc)
{
	uint16_t id;
	unsigned int n = 3; /* the fixture made 2 on dom3 */

	for (; n <= 8; n++)
		ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, G3, &id),
				 0);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, G3, &id), -ENOSPC);
	/* Ids are not reused while the domain lives. */
	ck_assert_int_eq(xpi_sim_ioreq_server_destroy(sim, G3, id), 0);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, G3, &id), 0);
	ck_assert_uint_eq(id, 8);
}
END_TEST

/* ---- Hostile callers: the alias cap, the per-guest quota ---- */

/* Count the records covering G3's gfn 9 one kind after another. */
START_TEST(alias_cap_65th_mapping_of_a_frame_is_emlink)
{
	uint64_t m = mfn_of(G3, 9), gb = (HW_BFN + 0x1000) << 12;
	struct pv_iommu_op lk;
	struct xpi_sim_frame_info before;
	uint64_t extents0, extentsdm;
	uint16_t ios2;
	uint32_t handle;
	unsigned int i;
	int ref;

	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, G3, &ios2), 0);
	/* 2 lookups (dom0 with ios0 and iosdm; a repeat is no new record). */
	lk = lookup_op(9, G3, ios0);
	ck_assert_int_eq(run1(0, &lk), 0);
	ck_assert_int_eq(run1(0, &lk), 0);
	lk = lookup_op(9, G3, iosdm);
	ck_assert_int_eq(run1(0, &lk), 0);
	/* 1 map_page by dom0 (relaxed: GFN = MFN), 1 grant map by DM. */
	ck_assert_int_eq(one(0, map_op(HW_BFN + 0x2000, m, RW, 0)), 0);
	ref = xpi_sim_grant_create(sim, G3, 9, DM, 0);
	ck_assert_int_ge(ref, 0);
	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, (uint32_t)ref,
					   XPI_GNTMAP_device_map |
						   XPI_GNTMAP_request_bfn_map,
					   &gb, &handle),
			 0);
	/* 30 foreign maps by DM, 30 by dom0: 64 records. */
	for (i = 0; i < 30; i++) {
		ck_assert_int_eq(one(DM,
				     mapf_op(0x100 + i, 9, G3, iosdm, RW, 0)),
				 0);
		ck_assert_int_eq(one(0, mapf_op(HW_BFN + i, 9, G3, ios0,
						IOMMU_OP_readable, 0)),
				 0);
	}
	before = frame(m);
	ck_assert_uint_eq(before.m2b_entries, 62);
	extents0 = xpi_sim_iommu_extents(sim, 0);
	extentsdm = xpi_sim_iommu_extents(sim, DM);
	/* The 65th, of every kind and every caller, is refused. */
	ck_assert_int_eq(one(0, mapf_op(HW_BFN + 40, 9, G3, ios0, RW, 0)),
			 -EMLINK);
	ck_assert_int_eq(one(DM, mapf_op(0x140, 9, G3, iosdm, RW, 0)), -EMLINK);
	ck_assert_int_eq(one(0, map_op(HW_BFN + 0x2001, m, RW, 0)), -EMLINK);
	lk = lookup_op(9, G3, ios2);
	ck_assert_int_eq(run1(0, &lk), -EMLINK);
	gb = (HW_BFN + 0x1001) << 12;
	ck_assert_int_eq(xpi_sim_grant_map(sim, DM, G3, (uint32_t)ref,
					   XPI_GNTMAP_device_map |
						   XPI_GNTMAP_request_bfn_map,
					   &gb, &handle),
			 -13 /* GNTST_no_space */);
	/* An identical lookup is no new record: still fine. */
	lk = lookup_op(9, G3, ios0);
	ck_assert_int_eq(run1(0, &lk), 0);
	/* Nothing changed by the refusals. */
	ck_assert_uint_eq(frame(m).refs, before.refs);
	ck_assert_uint_eq(frame(m).writable_refs, before.writable_refs);
	ck_assert_uint_eq(frame(m).m2b_entries, 62);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, 0), extents0);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, DM), extentsdm);
	/* One record less, one more may come. */
	ck_assert_int_eq(one(DM, unmapf_op(0x100, iosdm, 0)), 0);
	ck_assert_int_eq(one(0, map_op(HW_BFN + 0x2001, m, RW, 0)), 0);
	ck_assert_int_eq(one(0, map_op(HW_BFN + 0x2003, m, RW, 0)), -EMLINK);
	/* Another frame is not affected. */
	ck_assert_int_eq(one(0, mapf_op(HW_BFN + 41, 10, G3, ios0, RW, 0)), 0);
}
END_TEST

START_TEST(quota_one_record_over_target_pages_is_edquot)
{
	struct xpi_sim_domain_config dc = {
		.nr_pages = 4,
		.backing = XPI_SIM_BACKING_CONTIGUOUS,
		.dm_target = XPI_DOMID_INVALID,
	};
	struct pv_iommu_op lk;
	struct xpi_sim_frame_info f0;
	uint16_t ios;

	ck_assert_int_eq(xpi_sim_domain_create(sim, 6, &dc), 0);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, 6, &ios), 0);
	/* 4 records: an order-1 extent counts once, a lookup once. */
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 0, 6, ios, RW, 0)), 0);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN + 2, 2, 6, ios, RW, 1)), 0);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN + 4, 0, 6, ios, RW, 0)), 0);
	lk = lookup_op(1, 6, ios);
	ck_assert_int_eq(run1(0, &lk), 0);
	f0 = frame(mfn_of(6, 0));
	/* The fifth of either kind is refused and changes nothing. */
	ck_assert_int_eq(one(0, mapf_op(HW_BFN + 5, 1, 6, ios, RW, 0)),
			 -EDQUOT);
	lk = lookup_op(3, 6, ios);
	ck_assert_int_eq(run1(0, &lk), -EDQUOT);
	ck_assert_uint_eq(frame(mfn_of(6, 3)).refs, 2);
	ck_assert_uint_eq(frame(mfn_of(6, 0)).refs, f0.refs);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, 0), 3);
	/* An identical lookup is no new record. */
	lk = lookup_op(1, 6, ios);
	ck_assert_int_eq(run1(0, &lk), 0);
	/* Other targets have quotas of their own. */
	ck_assert_int_eq(one(0, mapf_op(HW_BFN + 8, 9, G3, ios0, RW, 0)), 0);
	/* Unmapping one record makes room for one. */
	ck_assert_int_eq(one(0, unmapf_op(HW_BFN + 2, ios, 1)), 0);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN + 5, 1, 6, ios, RW, 0)), 0);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN + 6, 1, 6, ios, RW, 0)),
			 -EDQUOT);
}
END_TEST

/* ---- The grant table ---- */

START_TEST(grant_table_full_is_enospc)
{
	int rc = 0;

	for (unsigned int i = 0; i < 4096 && rc >= 0; i++)
		rc = xpi_sim_grant_create(sim, G3, i % 1024, DM, 0);
	ck_assert_int_eq(rc, 4095);
	ck_assert_int_eq(xpi_sim_grant_create(sim, G3, 0, DM, 0), -ENOSPC);
}
END_TEST

static Suite *sim_limits_suite(void)
{
	Suite *s = suite_create("sim-limits");
	TCase *tc = tcase_create("limits");

	tcase_add_checked_fixture(tc, xs_ops_setup, xs_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, ioreq_servers_limit_is_enospc);
	tcase_add_test(tc, alias_cap_65th_mapping_of_a_frame_is_emlink);
	tcase_add_test(tc, quota_one_record_over_target_pages_is_edquot);
	suite_add_tcase(s, tc);
	tc = tcase_create("grant table");
	tcase_add_checked_fixture(tc, xs_memory_setup, xs_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, grant_table_full_is_enospc);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return xt_run(sim_limits_suite());
}
