// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The simulated hypervisor: do_iommu_op as a whole call: its own results
 * (count, ops, caller, a stock Xen), the rows common to every subop,
 * query_caps in each host mode, and callers on several threads.
 * The auditor runs after every test and must be clean.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>

#include "helpers.h"

/* ---- query_caps ---- */

static uint16_t caps(uint16_t caller)
{
	struct pv_iommu_op op = { .subop_id = IOMMUOP_query_caps,
				  .flags = 0xffff };

	ck_assert_int_eq(run1(caller, &op), 0);
	return op.flags;
}

START_TEST(query_caps_relaxed_hwdom_and_guests)
{
	/* Input flags (0xffff) are ignored. */
	ck_assert_uint_eq(caps(0), pv_iommu_flags_set_order(
					   IOMMU_QUERY_map_cap |
						   IOMMU_QUERY_map_all_gfns,
					   18));
	ck_assert_uint_eq(caps(G1),
			  pv_iommu_flags_set_order(IOMMU_QUERY_map_cap, 18));
	ck_assert_uint_eq(caps(G3), pv_iommu_flags_set_order(0, 18));
}
END_TEST

START_TEST(query_caps_dom0_strict_keeps_map_cap_only)
{
	struct xpi_sim_config cfg;

	xpi_sim_config_init(&cfg);
	cfg.dom0_strict = 1;
	cfg.max_order = 9;
	remake(&cfg);
	ck_assert_uint_eq(caps(0),
			  pv_iommu_flags_set_order(IOMMU_QUERY_map_cap, 9));
}
END_TEST

START_TEST(query_caps_dom0_passthrough_has_no_map_cap)
{
	struct xpi_sim_config cfg;

	xpi_sim_config_init(&cfg);
	cfg.dom0_passthrough = 1;
	remake(&cfg);
	ck_assert_uint_eq(caps(0), pv_iommu_flags_set_order(0, 18));
	/* Guests with devices keep theirs. */
	ck_assert_uint_eq(caps(G1),
			  pv_iommu_flags_set_order(IOMMU_QUERY_map_cap, 18));
}
END_TEST

START_TEST(no_iommu_host_caps_and_lookup_gives_mfn)
{
	struct xpi_sim_config cfg;
	struct pv_iommu_op op;
	uint64_t mfn;

	xpi_sim_config_init(&cfg);
	cfg.iommu_present = 0;
	remake(&cfg);
	ck_assert_uint_eq(caps(0), 0);
	ck_assert_uint_eq(caps(G1), 0);
	/* No map capability: map ops are refused. */
	ck_assert_int_eq(one(0, map_op(HW_BFN, 0x1000, RW, 0)), -EPERM);
	ck_assert_int_eq(one(G1, map_op(0, 0, RW, 0)), -EPERM);
	ck_assert_int_eq(one(0, mapf_op(HW_BFN, 0, G3, ios0, RW, 0)), -EPERM);
	ck_assert_int_eq(one(0, unmap_op(HW_BFN, 0)), -EPERM);
	/* Lookup: the MFN is the only bus address, for dom0 and a DM. */
	mfn = mfn_of(G3, 7);
	op = lookup_op(7, G3, ios0);
	ck_assert_int_eq(run1(0, &op), 0);
	ck_assert_uint_eq(op.u.lookup_foreign_page.bfn, mfn);
	ck_assert_uint_eq(op.flags, IOMMUOP_readable | IOMMUOP_writeable);
	op = lookup_op(7, G3, iosdm);
	ck_assert_int_eq(run1(DM, &op), 0);
	ck_assert_uint_eq(op.u.lookup_foreign_page.bfn, mfn);
	ck_assert_uint_eq(frame(mfn).refs, 3);
	ck_assert_uint_eq(frame(mfn).m2b_entries, 2);
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, 0, mfn, &mfn, NULL),
			 -ENODEV);
	/* unmap_foreign works without map_cap: it ends lookups. */
	ck_assert_int_eq(one(0, unmapf_op(mfn, ios0, 0)), 0);
	ck_assert_int_eq(one(DM, unmapf_op(mfn, iosdm, 0)), 0);
	ck_assert_uint_eq(frame(mfn).refs, 1);
	ck_assert_uint_eq(stats().iotlb_flushes, 0);
}
END_TEST

/* ---- whole-call results ---- */

START_TEST(call_count_zero_does_nothing)
{
	struct pv_iommu_op op = map_op(0, 0, RW, 0);

	ck_assert_int_eq(xpi_sim_iommu_op(sim, G1, NULL, 0), 0);
	op.status = 777;
	ck_assert_int_eq(xpi_sim_iommu_op(sim, G1, &op, 0), 0);
	ck_assert_int_eq(op.status, 777);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, G1), 0);
	ck_assert_uint_eq(stats().ops, 0);
}
END_TEST

START_TEST(call_huge_count_is_einval)
{
	struct pv_iommu_op op = map_op(0, 0, RW, 0);

	op.status = 777;
	ck_assert_int_eq(xpi_sim_iommu_op(sim, G1, &op, 0x80000000u), -EINVAL);
	ck_assert_int_eq(xpi_sim_iommu_op(sim, G1, &op, UINT32_MAX), -EINVAL);
	ck_assert_int_eq(op.status, 777);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, G1), 0);
}
END_TEST

START_TEST(call_null_ops_is_efault)
{
	ck_assert_int_eq(xpi_sim_iommu_op(sim, G1, NULL, 1), -EFAULT);
	ck_assert_uint_eq(stats().hypercalls, 0);
}
END_TEST

START_TEST(call_bad_caller_is_esrch)
{
	struct pv_iommu_op op = { .subop_id = IOMMUOP_query_caps };

	op.status = 777;
	ck_assert_int_eq(xpi_sim_iommu_op(sim, 99, &op, 1), -ESRCH);
	ck_assert_int_eq(xpi_sim_iommu_op(sim, XPI_DOMID_SELF, &op, 1), -ESRCH);
	ck_assert_int_eq(xpi_sim_iommu_op(sim, 0xffff, &op, 1), -ESRCH);
	ck_assert_int_eq(op.status, 777);
	ck_assert_int_eq(xpi_sim_iommu_op(NULL, 0, &op, 1), -EINVAL);
}
END_TEST

START_TEST(call_stock_xen_is_enosys)
{
	struct xpi_sim_config cfg;
	struct pv_iommu_op op = { .subop_id = IOMMUOP_query_caps };

	xpi_sim_config_init(&cfg);
	cfg.hypercall_present = 0;
	remake(&cfg);
	op.status = 777;
	ck_assert_int_eq(xpi_sim_iommu_op(sim, 0, &op, 1), -ENOSYS);
	ck_assert_int_eq(op.status, 777);
}
END_TEST

START_TEST(failed_op_does_not_stop_the_next)
{
	struct pv_iommu_op ops[3] = {
		map_op(0x10, 0x10, RW, 0),
		map_op(0x10, 0x11, RW, 0), /* -EEXIST */
		map_op(0x11, 0x11, RW, 0),
	};

	ck_assert_int_eq(xpi_sim_iommu_op(sim, G1, ops, 3), 0);
	ck_assert_int_eq(ops[0].status, 0);
	ck_assert_int_eq(ops[1].status, -EEXIST);
	ck_assert_int_eq(ops[2].status, 0);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, G1), 2);
	ck_assert_uint_eq(stats().ops, 3);
	ck_assert_uint_eq(stats().hypercalls, 1);
}
END_TEST

/* ---- project rows common to all subops ---- */

START_TEST(unknown_subop_is_eopnotsupp)
{
	uint16_t ids[] = { 0, 7, 8, 0x100, 0xffff };

	for (unsigned int i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct pv_iommu_op op = { .subop_id = ids[i] };

		ck_assert_int_eq(run1(0, &op), -EOPNOTSUPP);
	}
}
END_TEST

START_TEST(reserved_flags_are_einval_for_each_subop)
{
	uint64_t mfn = mfn_of(G3, 1);
	int32_t st;

	for (unsigned int bit = 3; bit <= 9; bit++) {
		uint16_t r = (uint16_t)(1u << bit);
		struct pv_iommu_op op;

		op = map_op(0x20, 0x20, RW | r, 0);
		ck_assert_int_eq(run1(G1, &op), -EINVAL);
		op = unmap_op(0x20, 0);
		op.flags |= r;
		ck_assert_int_eq(run1(G1, &op), -EINVAL);
		op = mapf_op(HW_BFN, 1, G3, ios0, RW | r, 0);
		ck_assert_int_eq(run1(0, &op), -EINVAL);
		op = lookup_op(1, G3, ios0);
		op.flags = r;
		ck_assert_int_eq(run1(0, &op), -EINVAL);
		op = unmapf_op(HW_BFN, ios0, 0);
		op.flags |= r;
		ck_assert_int_eq(run1(0, &op), -EINVAL);
	}
	/* Bit 2 has no use in unmap_page, lookup and unmap_foreign. */
	st = one(G1, (struct pv_iommu_op){ .subop_id = IOMMUOP_unmap_page,
					   .flags = IOMMU_MAP_OP_no_ref_cnt });
	ck_assert_int_eq(st, -EINVAL);
	{
		struct pv_iommu_op op = lookup_op(1, G3, ios0);

		op.flags = IOMMUOP_swap_mfn;
		ck_assert_int_eq(run1(0, &op), -EINVAL);
		op = unmapf_op(HW_BFN, ios0, 0);
		op.flags |= IOMMUOP_swap_mfn;
		ck_assert_int_eq(run1(0, &op), -EINVAL);
	}
	/* Nothing was made. */
	ck_assert_uint_eq(stats().iommu_entries, 0);
	ck_assert_uint_eq(frame(mfn).m2b_entries, 0);
}
END_TEST

/* ---- threads ---- */

struct worker {
	uint64_t base;
	unsigned int bad;
};

static void *map_unmap_worker(void *arg)
{
	struct worker *w = arg;

	for (unsigned int round = 0; round < 50; round++) {
		struct pv_iommu_op ops[16];

		for (unsigned int i = 0; i < 16; i++)
			ops[i] = map_op(0x10000 + w->base + i, w->base + i, RW,
					0);
		w->bad += xpi_sim_iommu_op(sim, G1, ops, 16) != 0;
		for (unsigned int i = 0; i < 16; i++) {
			w->bad += ops[i].status != 0;
			ops[i] = unmap_op(0x10000 + w->base + i, 0);
		}
		w->bad += xpi_sim_iommu_op(sim, G1, ops, 16) != 0;
		for (unsigned int i = 0; i < 16; i++)
			w->bad += ops[i].status != 0;
	}
	return NULL;
}

START_TEST(concurrent_callers_are_serialised)
{
	pthread_t t[4];
	struct worker w[4];

	for (unsigned int i = 0; i < 4; i++) {
		w[i] = (struct worker){ .base = i * 16 };
		ck_assert_int_eq(pthread_create(&t[i], NULL, map_unmap_worker,
						&w[i]),
				 0);
	}
	for (unsigned int i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_uint_eq(w[i].bad, 0);
	}
	ck_assert_uint_eq(stats().hypercalls, 400);
	ck_assert_uint_eq(stats().ops, 6400);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, G1), 0);
	ck_assert_uint_eq(frame(mfn_of(G1, 63)).refs, 1);
}
END_TEST

static Suite *sim_call_suite(void)
{
	Suite *s = suite_create("sim-call");
	TCase *tc = tcase_create("do_iommu_op");

	tcase_add_checked_fixture(tc, xs_ops_setup, xs_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, query_caps_relaxed_hwdom_and_guests);
	tcase_add_test(tc, query_caps_dom0_strict_keeps_map_cap_only);
	tcase_add_test(tc, query_caps_dom0_passthrough_has_no_map_cap);
	tcase_add_test(tc, no_iommu_host_caps_and_lookup_gives_mfn);
	tcase_add_test(tc, call_count_zero_does_nothing);
	tcase_add_test(tc, call_huge_count_is_einval);
	tcase_add_test(tc, call_null_ops_is_efault);
	tcase_add_test(tc, call_bad_caller_is_esrch);
	tcase_add_test(tc, call_stock_xen_is_enosys);
	tcase_add_test(tc, failed_op_does_not_stop_the_next);
	tcase_add_test(tc, unknown_subop_is_eopnotsupp);
	tcase_add_test(tc, reserved_flags_are_einval_for_each_subop);
	tcase_add_test(tc, concurrent_callers_are_serialised);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return xt_run(sim_call_suite());
}
