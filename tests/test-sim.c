// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * do_iommu_op conformance: every status row of draft B's tables and every
 * project row of docs/hypervisor-model.md, whole-call results, caps per
 * host mode, preemption and flushes, bad arguments, and a million mappings.
 * The auditor runs after every test and must be clean.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "sim/helpers.h"

/* ---- scale ---- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(million_mappings)
{
	/* Under valgrind the same test with 1/16 of the mappings (it runs
	 * some 50 times slower there). */
	uint64_t n = getenv("XPI_UNDER_VALGRIND") ? UINT64_C(1) << 16 :
						    UINT64_C(1) << 20;
	const unsigned int batch = 4096;
	struct xpi_sim_domain_config dc = {
		.nr_pages = n,
		.backing = XPI_SIM_BACKING_CONTIGUOUS,
		.has_iommu_hw = 1,
		.dm_target = XPI_DOMID_INVALID,
	};
	struct xpi_sim_config cfg;
	struct pv_iommu_op *ops = calloc(batch, sizeof(*ops));
	size_t base_bytes, map_bytes, all_bytes;
	uint64_t bad = 0; /* ck_assert per op would cost more than the op */
	uint16_t ios;
	double t0, t_map, t_foreign, t_unmap;

	ck_assert_ptr_nonnull(ops);
	xpi_sim_config_init(&cfg);
	cfg.host_frames = UINT64_C(1) << 22;
	xt_audit_clean(sim);
	xpi_sim_free(sim);
	ck_assert_int_eq(xpi_sim_new(&cfg, &sim), 0);
	ck_assert_int_eq(xpi_sim_domain_create(sim, 7, &dc), 0);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, 7, &ios), 0);
	base_bytes = xpi_sim_memory_bytes(sim);

	t0 = now();
	for (uint64_t g = 0; g < n; g += batch) {
		for (unsigned int i = 0; i < batch; i++)
			ops[i] = map_op(g + i, g + i, RW, 0);
		bad += xpi_sim_iommu_op(sim, 7, ops, batch) != 0;
		for (unsigned int i = 0; i < batch; i++)
			bad += ops[i].status != 0;
	}
	t_map = now() - t0;
	ck_assert_uint_eq(bad, 0);
	map_bytes = xpi_sim_memory_bytes(sim);
	t0 = now();
	for (uint64_t g = 0; g < n; g += batch) {
		for (unsigned int i = 0; i < batch; i++)
			ops[i] = mapf_op((UINT64_C(1) << 30) + g + i, g + i, 7,
					 ios, RW | IOMMUOP_swap_mfn, 0);
		bad += xpi_sim_iommu_op(sim, 0, ops, batch) != 0;
		for (unsigned int i = 0; i < batch; i++)
			bad += ops[i].status != 0;
	}
	t_foreign = now() - t0;
	ck_assert_uint_eq(bad, 0);
	all_bytes = xpi_sim_memory_bytes(sim);
	ck_assert_uint_eq(stats().iommu_entries, 2 * n);
	ck_assert_uint_eq(stats().m2b_entries, n);
	ck_assert_uint_eq(frame(mfn_of(7, n - 1)).refs, 3);
	fprintf(stderr,
		"%llu map_page in %.3f s (%.1f bytes each), %llu map_foreign in "
		"%.3f s (%.1f bytes each)\n",
		(unsigned long long)n, t_map,
		(double)(map_bytes - base_bytes) / (double)n,
		(unsigned long long)n, t_foreign,
		(double)(all_bytes - map_bytes) / (double)n);
	/* Lean: well under 100 bytes per mapping of either kind. */
	ck_assert_uint_lt((map_bytes - base_bytes) / n, 32);
	ck_assert_uint_lt((all_bytes - map_bytes) / n, 100);
	t0 = now();
	for (uint64_t g = 0; g < n; g += batch) {
		for (unsigned int i = 0; i < batch; i++)
			ops[i] = unmapf_op((UINT64_C(1) << 30) + g + i, ios, 0);
		bad += xpi_sim_iommu_op(sim, 0, ops, batch) != 0;
		for (unsigned int i = 0; i < batch; i++)
			bad += ops[i].status != 0;
	}
	t_unmap = now() - t0;
	ck_assert_uint_eq(bad, 0);
	fprintf(stderr, "%llu unmap_foreign in %.3f s\n",
		(unsigned long long)n, t_unmap);
	ck_assert_uint_eq(stats().m2b_entries, 0);
	ck_assert_uint_eq(frame(mfn_of(7, n - 1)).refs, 2);
	free(ops);
}
END_TEST

/* ---- Hostile callers: ownership, the alias cap, the per-guest quota ---- */

static Suite *sim_suite(void)
{
	Suite *s = suite_create("sim");
	TCase *tc = tcase_create("do_iommu_op");

	tcase_add_checked_fixture(tc, xs_ops_setup, xs_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, million_mappings);
	suite_add_tcase(s, tc);
	tc = tcase_create("hostile callers");
	tcase_add_checked_fixture(tc, xs_ops_setup, xs_teardown);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return xt_run(sim_suite());
}
