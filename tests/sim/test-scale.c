// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The simulated hypervisor: at scale, in the Meson suite "slow": a million
 * mappings of each kind and a balloon storm, each checking what every
 * mapping left behind (bench/bench-scale.c prints the times).
 * The auditor runs after every test and must be clean.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "helpers.h"

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
	uint64_t n = getenv("XPI_UNDER_VALGRIND") ? UINT64_C(1) << 16
						  : UINT64_C(1) << 20;
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
	fprintf(stderr, "%llu unmap_foreign in %.3f s\n", (unsigned long long)n,
		t_unmap);
	ck_assert_uint_eq(stats().m2b_entries, 0);
	ck_assert_uint_eq(frame(mfn_of(7, n - 1)).refs, 2);
	free(ops);
}
END_TEST

START_TEST(balloon_storm_then_unmaps_releases_everything)
{
	/* 1/8 of it under valgrind, which runs some 50 times slower. */
	unsigned int n = getenv("XPI_UNDER_VALGRIND") ? 12500 : 100000;
	struct xpi_sim_domain_config dc = {
		.nr_pages = n,
		.backing = XPI_SIM_BACKING_SCATTERED,
		.dm_target = XPI_DOMID_INVALID,
	};
	struct pv_iommu_op *ops = calloc(n, sizeof(*ops));
	unsigned int bad = 0;
	uint16_t ios;
	double t0, t_out, t_unmap;

	ck_assert_ptr_nonnull(ops);
	ck_assert_int_eq(xpi_sim_domain_create(sim, 9, &dc), 0);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, 9, &ios), 0);
	for (unsigned int i = 0; i < n; i++) {
		ops[i].subop_id = IOMMUOP_map_foreign_page;
		ops[i].flags = RW;
		ops[i].u.map_foreign_page.bfn = HW_BFN + i;
		ops[i].u.map_foreign_page.gfn = i;
		ops[i].u.map_foreign_page.domid = 9;
		ops[i].u.map_foreign_page.ioserver = ios;
	}
	ck_assert_int_eq(xpi_sim_iommu_op(sim, 0, ops, n), 0);
	for (unsigned int i = 0; i < n; i++)
		bad += ops[i].status != 0;
	ck_assert_uint_eq(bad, 0);
	/* Nobody reads the ring: 511 buffered, one synchronous, the rest wait. */
	t0 = now();
	for (unsigned int i = 0; i < n; i++)
		bad += xpi_sim_balloon_out(sim, 9, i) != 0;
	t_out = now() - t0;
	ck_assert_uint_eq(bad, 0);
	ck_assert_uint_eq(sstats(9, ios).waiting, n - 512);
	for (unsigned int i = 0; i < n; i++) {
		ops[i].subop_id = IOMMUOP_unmap_foreign_page;
		ops[i].flags = 0;
		ops[i].u.unmap_foreign_page.bfn = HW_BFN + i;
		ops[i].u.unmap_foreign_page.ioserver = ios;
	}
	t0 = now();
	ck_assert_int_eq(xpi_sim_iommu_op(sim, 0, ops, n), 0);
	t_unmap = now() - t0;
	for (unsigned int i = 0; i < n; i++)
		bad += ops[i].status != 0;
	ck_assert_uint_eq(bad, 0);
	ck_assert_uint_eq(stats().m2b_entries, 0);
	ck_assert_uint_eq(stats().free_frames, (UINT64_C(1) << 20) - 257 -
						       65536 - 4096 - 1024 -
						       1024);
	fprintf(stderr, "%u balloon-outs in %.3f s, %u unmaps in %.3f s\n", n,
		t_out, n, t_unmap);
	free(ops);
}
END_TEST

static Suite *sim_scale_suite(void)
{
	Suite *s = suite_create("sim-scale");
	TCase *tc = tcase_create("scale");

	tcase_add_checked_fixture(tc, xs_ops_setup, xs_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, million_mappings);
	suite_add_tcase(s, tc);
	tc = tcase_create("balloon storm");
	tcase_add_checked_fixture(tc, xs_memory_setup, xs_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, balloon_storm_then_unmaps_releases_everything);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return xt_run(sim_scale_suite());
}
