// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The simulated hypervisor: IOTLB flushes: one per preemption segment that
 * changed something, and references released only after the flush that ends
 * a stale IOTLB entry's reach (H-1), shown through the auditor in both
 * orders.
 * The auditor runs after every test and must be clean.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "helpers.h"

/* ---- preemption and flushes ---- */

static void preempt_host(unsigned int every)
{
	struct xpi_sim_config cfg;

	xpi_sim_config_init(&cfg);
	cfg.preempt_every = every;
	remake(&cfg);
}

START_TEST(preempt_flushes_once_per_changing_segment)
{
	struct pv_iommu_op ops[10];
	struct xpi_sim_stats st;

	preempt_host(4);
	for (unsigned int i = 0; i < 10; i++)
		ops[i] = map_op(0x100 + i, i, RW, 0);
	ck_assert_int_eq(xpi_sim_iommu_op(sim, G1, ops, 10), 0);
	st = stats();
	/* ceil(10 / 4) segments, each changed something. */
	ck_assert_uint_eq(st.iotlb_flushes, 3);
	ck_assert_uint_eq(st.continuations, 2);
	ck_assert_uint_eq(st.hypercalls, 1);
	for (unsigned int i = 0; i < 10; i++) {
		ck_assert_int_eq(ops[i].status, 0);
		ops[i] = unmap_op(0x100 + i, 0);
	}
	/* Exactly K ops: one segment, no continuation. */
	ck_assert_int_eq(xpi_sim_iommu_op(sim, G1, ops, 4), 0);
	ck_assert_uint_eq(stats().iotlb_flushes, 4);
	ck_assert_uint_eq(stats().continuations, 2);
}
END_TEST

START_TEST(preempt_segment_without_change_does_not_flush)
{
	struct pv_iommu_op ops[12];

	preempt_host(4);
	ck_assert_int_eq(one(G1, map_op(0x100, 0, RW, 0)), 0);
	ck_assert_uint_eq(stats().iotlb_flushes, 1);
	/* Segment 1: failures only; 2: lookups and caps; 3: one change. */
	for (unsigned int i = 0; i < 4; i++)
		ops[i] = map_op(0x100, 1, RW, 0); /* -EEXIST */
	ops[4] = (struct pv_iommu_op){ .subop_id = IOMMUOP_query_caps };
	for (unsigned int i = 5; i < 8; i++)
		ops[i] = lookup_op(i, G1, ios1);
	for (unsigned int i = 8; i < 11; i++)
		ops[i] = unmap_op(0x999, 0); /* -ENOENT */
	ops[11] = unmap_op(0x100, 0);
	ck_assert_int_eq(xpi_sim_iommu_op(sim, G1, ops, 12), 0);
	ck_assert_int_eq(ops[0].status, -EEXIST);
	ck_assert_int_eq(ops[5].status, -EPERM); /* dom1: no privilege */
	ck_assert_int_eq(ops[11].status, 0);
	ck_assert_uint_eq(stats().continuations, 2);
	ck_assert_uint_eq(stats().iotlb_flushes, 2);
	/* Lookups only, by dom0: they add M2B entries but change no IOMMU. */
	for (unsigned int i = 0; i < 8; i++)
		ops[i] = lookup_op(i, G1, ios1);
	ck_assert_int_eq(xpi_sim_iommu_op(sim, 0, ops, 8), 0);
	ck_assert_int_eq(ops[7].status, 0);
	ck_assert_uint_eq(stats().iotlb_flushes, 2);
	for (unsigned int i = 0; i < 8; i++)
		ops[i] = unmapf_op(mfn_of(G1, i), ios1, 0);
	ck_assert_int_eq(xpi_sim_iommu_op(sim, 0, ops, 8), 0);
	ck_assert_int_eq(ops[7].status, 0);
	ck_assert_uint_eq(stats().iotlb_flushes, 2);
}
END_TEST

START_TEST(preempt_zero_means_one_segment)
{
	struct pv_iommu_op ops[100];

	preempt_host(0);
	for (unsigned int i = 0; i < 100; i++)
		ops[i] = map_op(0x100 + i, i, RW, 0);
	ck_assert_int_eq(xpi_sim_iommu_op(sim, G1, ops, 100), 0);
	ck_assert_uint_eq(stats().iotlb_flushes, 1);
	ck_assert_uint_eq(stats().continuations, 0);
	for (unsigned int i = 0; i < 100; i++)
		ops[i] = unmap_op(0x100 + i, 0);
	ck_assert_int_eq(xpi_sim_iommu_op(sim, G1, ops, 100), 0);
	ck_assert_uint_eq(stats().iotlb_flushes, 2);
}
END_TEST

START_TEST(preempt_counts_over_many_sizes)
{
	static struct pv_iommu_op ops[64];

	for (unsigned int k = 1; k <= 9; k += 4) {
		for (unsigned int n = 1; n <= 64; n += 21) {
			uint64_t before;

			preempt_host(k);
			for (unsigned int i = 0; i < n; i++)
				ops[i] = map_op(0x100 + i, i, RW, 0);
			before = stats().iotlb_flushes;
			ck_assert_int_eq(xpi_sim_iommu_op(sim, G1, ops, n), 0);
			ck_assert_uint_eq(stats().iotlb_flushes - before,
					  (n + k - 1) / k);
			for (unsigned int i = 0; i < n; i++)
				ops[i] = unmap_op(0x100 + i, 0);
			ck_assert_int_eq(xpi_sim_iommu_op(sim, G1, ops, n), 0);
		}
	}
}
END_TEST

/* ---- The IOTLB rule: references go only after the flush (H-1) ---- */

/*
 * Run @scenario twice: with 37fded6's order (references dropped before the
 * flush) the auditor must report a frame freed while a stale IOTLB entry
 * reached it; with the model's order it must be clean.
 */
static void audit_old_then_new_order(void (*scenario)(uint64_t gfn))
{
	struct reports r = { 0 };

	ck_assert_int_eq(xpi_sim_debug_release_before_flush(sim, 1), 0);
	scenario(9);
	ck_assert_int_ge(xpi_sim_audit(sim, collect, &r), 1);
	ck_assert_ptr_nonnull(strstr(r.first, "stale IOTLB"));
	/* Each event is reported once. */
	ck_assert_int_eq(xpi_sim_audit(sim, NULL, NULL), 0);
	ck_assert_int_eq(xpi_sim_debug_release_before_flush(sim, 0), 0);
	scenario(10);
	ck_assert_int_eq(xpi_sim_audit(sim, NULL, NULL), 0);
	ck_assert_int_eq(xpi_sim_debug_release_before_flush(NULL, 1), -EINVAL);
}

/* balloon_without_swap_keeps_references_until_unmap, then the unmap. */
static void balloon_then_unmap_foreign(uint64_t gfn)
{
	uint64_t m = mfn_of(G3, gfn), flushes;

	ck_assert_int_eq(mapf(0, HW_BFN + gfn, gfn, G3, ios0, RW, 0), 0);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G3, gfn), 0);
	ck_assert_uint_eq(frame(m).refs, 1);
	flushes = stats().iotlb_flushes;
	ck_assert_int_eq(unmapf(0, HW_BFN + gfn, ios0, 0), 0);
	ck_assert_uint_eq(stats().iotlb_flushes, flushes + 1);
	ck_assert_uint_eq(frame(m).free, 1);
}

START_TEST(iotlb_unmap_foreign_releases_after_the_flush)
{
	audit_old_then_new_order(balloon_then_unmap_foreign);
}
END_TEST

/* Every entry allows swap_mfn: the balloon swaps, flushes, then puts. */
static void balloon_swapped(uint64_t gfn)
{
	uint64_t m = mfn_of(G3, gfn);

	ck_assert_int_eq(mapf(0, HW_BFN + gfn, gfn, G3, ios0,
			      RW | IOMMUOP_swap_mfn, 0),
			 0);
	ck_assert_int_eq(mapf(DM, 0x100 + gfn, gfn, G3, iosdm,
			      IOMMUOP_readable | IOMMUOP_swap_mfn, 0),
			 0);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G3, gfn), 0);
	ck_assert_uint_eq(frame(m).free, 1);
	ck_assert_int_eq(unmapf(0, HW_BFN + gfn, ios0, 0), 0);
	ck_assert_int_eq(unmapf(DM, 0x100 + gfn, iosdm, 0), 0);
}

START_TEST(iotlb_balloon_swap_releases_after_the_flush)
{
	audit_old_then_new_order(balloon_swapped);
}
END_TEST

/* A guest's own map_page of a page it then gives back. */
static void self_balloon_then_unmap_page(uint64_t gfn)
{
	uint64_t m = mfn_of(G1, gfn);

	ck_assert_int_eq(mapp(G1, 0x5000 + gfn, gfn, RW), 0);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, gfn), 0);
	ck_assert_uint_eq(frame(m).free, 0);
	ck_assert_int_eq(unmapp(G1, 0x5000 + gfn), 0);
	ck_assert_uint_eq(frame(m).free, 1);
}

START_TEST(iotlb_unmap_page_releases_after_the_flush)
{
	audit_old_then_new_order(self_balloon_then_unmap_page);
}
END_TEST

/* One call unmapping two mappings of one ballooned frame: one flush. */
static void two_unmaps_in_one_call(uint64_t gfn)
{
	uint64_t m = mfn_of(G3, gfn), flushes;
	struct pv_iommu_op ops[2] = {
		{ .subop_id = IOMMUOP_unmap_foreign_page },
		{ .subop_id = IOMMUOP_unmap_foreign_page },
	};

	ck_assert_int_eq(mapf(0, HW_BFN + 2 * gfn, gfn, G3, ios0, RW, 0), 0);
	ck_assert_int_eq(mapf(0, HW_BFN + 2 * gfn + 1, gfn, G3, ios0, RW, 0),
			 0);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G3, gfn), 0);
	ck_assert_uint_eq(frame(m).refs, 2);
	ops[0].u.unmap_foreign_page.bfn = HW_BFN + 2 * gfn;
	ops[0].u.unmap_foreign_page.ioserver = ios0;
	ops[1].u.unmap_foreign_page.bfn = HW_BFN + 2 * gfn + 1;
	ops[1].u.unmap_foreign_page.ioserver = ios0;
	flushes = stats().iotlb_flushes;
	ck_assert_int_eq(xpi_sim_iommu_op(sim, 0, ops, 2), 0);
	ck_assert_int_eq(ops[0].status, 0);
	ck_assert_int_eq(ops[1].status, 0);
	ck_assert_uint_eq(stats().iotlb_flushes, flushes + 1);
	ck_assert_uint_eq(frame(m).free, 1);
}

START_TEST(iotlb_one_flush_per_call_then_the_references_go)
{
	audit_old_then_new_order(two_unmaps_in_one_call);
}
END_TEST

static Suite *sim_flush_suite(void)
{
	Suite *s = suite_create("sim-flush");
	TCase *tc = tcase_create("preemption");

	tcase_add_checked_fixture(tc, xs_ops_setup, xs_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, preempt_flushes_once_per_changing_segment);
	tcase_add_test(tc, preempt_segment_without_change_does_not_flush);
	tcase_add_test(tc, preempt_zero_means_one_segment);
	tcase_add_test(tc, preempt_counts_over_many_sizes);
	suite_add_tcase(s, tc);
	tc = tcase_create("iotlb");
	tcase_add_checked_fixture(tc, xs_memory_setup, xs_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, iotlb_unmap_foreign_releases_after_the_flush);
	tcase_add_test(tc, iotlb_balloon_swap_releases_after_the_flush);
	tcase_add_test(tc, iotlb_unmap_page_releases_after_the_flush);
	tcase_add_test(tc, iotlb_one_flush_per_call_then_the_references_go);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return xt_run(sim_flush_suite());
}
