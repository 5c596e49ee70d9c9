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

/* ---- bad arguments to the sim API ---- */

START_TEST(api_new_bad_config)
{
	struct xpi_sim_config cfg;
	struct xpi_sim *s = (struct xpi_sim *)1;

	ck_assert_int_eq(xpi_sim_new(NULL, NULL), -EINVAL);
	xpi_sim_config_init(&cfg);
	cfg.max_order = 64;
	ck_assert_int_eq(xpi_sim_new(&cfg, &s), -EINVAL);
	ck_assert_ptr_null(s);
	xpi_sim_config_init(&cfg);
	cfg.bfn_width = 0;
	ck_assert_int_eq(xpi_sim_new(&cfg, &s), -EINVAL);
	cfg.bfn_width = 64;
	ck_assert_int_eq(xpi_sim_new(&cfg, &s), -EINVAL);
	xpi_sim_config_init(&cfg);
	cfg.hwdom_frames = cfg.host_frames;
	ck_assert_int_eq(xpi_sim_new(&cfg, &s), -EINVAL);
	xpi_sim_config_init(&cfg);
	cfg.xen_frames = cfg.host_frames;
	ck_assert_int_eq(xpi_sim_new(&cfg, &s), -EINVAL);
	xpi_sim_config_init(&cfg);
	cfg.ioreq_vcpus = 0;
	ck_assert_int_eq(xpi_sim_new(&cfg, &s), -EINVAL);
	xpi_sim_config_init(&cfg);
	cfg.host_frames = UINT64_C(1) << 41;
	ck_assert_int_eq(xpi_sim_new(&cfg, &s), -EINVAL);
	/* Exactly room for Xen, scratch and dom0 is fine. */
	xpi_sim_config_init(&cfg);
	cfg.host_frames = 1024;
	cfg.xen_frames = 10;
	cfg.hwdom_frames = 1013;
	ck_assert_int_eq(xpi_sim_new(&cfg, &s), 0);
	ck_assert_uint_eq(xpi_sim_scratch_mfn(s), 10);
	xt_audit_clean(s);
	xpi_sim_free(s);
	xpi_sim_free(NULL);
	xpi_sim_config_init(NULL);
}
END_TEST

START_TEST(api_null_sim)
{
	struct xpi_sim_domain_config dc = { .nr_pages = 1,
					    .dm_target = XPI_DOMID_INVALID };
	struct xpi_sim_frame_info fi;
	struct xpi_sim_stats st;
	struct xpi_sim_ioreq_stats is;
	uint64_t u64 = 0, addr = 0;
	uint32_t h;
	uint16_t id;
	void *p;

	ck_assert_int_eq(xpi_sim_domain_create(NULL, 1, &dc), -EINVAL);
	ck_assert_int_eq(xpi_sim_domain_destroy(NULL, 1), -EINVAL);
	ck_assert_int_eq(xpi_sim_rmrr_add(NULL, 1, 0, 1), -EINVAL);
	ck_assert_int_eq(xpi_sim_p2m_lookup(NULL, 1, 0, &u64), -EINVAL);
	ck_assert_int_eq(xpi_sim_p2m_set_xen_owned(NULL, 1, 0), -EINVAL);
	ck_assert_int_eq(xpi_sim_balloon_out(NULL, 1, 0), -EINVAL);
	ck_assert_int_eq(xpi_sim_populate(NULL, 1, 0), -EINVAL);
	ck_assert_int_eq(xpi_sim_pin_pagetable(NULL, 1, 0), -EINVAL);
	ck_assert_int_eq(xpi_sim_unpin_pagetable(NULL, 1, 0), -EINVAL);
	ck_assert_int_eq(xpi_sim_frame_info(NULL, 0, &fi), -EINVAL);
	ck_assert_uint_eq(xpi_sim_scratch_mfn(NULL), UINT64_MAX);
	ck_assert_int_eq(xpi_sim_iommu_lookup(NULL, 0, 0, &u64, NULL),
			 -EINVAL);
	ck_assert_uint_eq(xpi_sim_iommu_extents(NULL, 0), 0);
	ck_assert_int_eq(xpi_sim_iommu_op(NULL, 0, NULL, 0), -EINVAL);
	ck_assert_int_eq(xpi_sim_inject_iommu_faults(NULL, 1), -EINVAL);
	ck_assert_int_eq(xpi_sim_grant_create(NULL, 1, 0, 2, 0), -EINVAL);
	ck_assert_int_eq(xpi_sim_grant_map(NULL, 1, 2, 0,
					   XPI_GNTMAP_device_map, &addr, &h),
			 -1);
	ck_assert_int_eq(xpi_sim_grant_unmap(NULL, 1, 0), -1);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(NULL, 0, 1, &id),
			 -EINVAL);
	ck_assert_int_eq(xpi_sim_ioreq_server_destroy(NULL, 1, 0), -EINVAL);
	ck_assert_int_eq(xpi_sim_ioreq_server_pages(NULL, 1, 0, &p, &p),
			 -EINVAL);
	ck_assert_int_eq(xpi_sim_ioreq_server_evtchn_fd(NULL, 1, 0), -EINVAL);
	ck_assert_int_eq(xpi_sim_ioreq_notify(NULL, 1, 0), -EINVAL);
	ck_assert_int_eq(xpi_sim_ioreq_flush_all(NULL, 1), -EINVAL);
	ck_assert_int_eq(xpi_sim_ioreq_server_stats(NULL, 1, 0, &is), -EINVAL);
	ck_assert_int_eq(xpi_sim_stats(NULL, &st), -EINVAL);
	ck_assert_int_eq(xpi_sim_audit(NULL, NULL, NULL), -EINVAL);
	ck_assert_uint_eq(xpi_sim_memory_bytes(NULL), 0);
}
END_TEST

START_TEST(api_bad_arguments)
{
	struct xpi_sim_domain_config dc = {
		.nr_pages = 16,
		.backing = XPI_SIM_BACKING_CONTIGUOUS,
		.dm_target = XPI_DOMID_INVALID,
	};
	struct xpi_sim_ioreq_stats is;
	uint64_t u64;
	uint16_t id;
	void *p;

	/* Domains. */
	ck_assert_int_eq(xpi_sim_domain_create(sim, 0, &dc), -EINVAL);
	ck_assert_int_eq(xpi_sim_domain_create(sim, 0x7FF0, &dc), -EINVAL);
	ck_assert_int_eq(xpi_sim_domain_create(sim, 9, NULL), -EINVAL);
	ck_assert_int_eq(xpi_sim_domain_create(sim, G1, &dc), -EEXIST);
	dc.nr_pages = 0;
	ck_assert_int_eq(xpi_sim_domain_create(sim, 9, &dc), -EINVAL);
	dc.nr_pages = 16;
	dc.backing = (enum xpi_sim_backing)7;
	ck_assert_int_eq(xpi_sim_domain_create(sim, 9, &dc), -EINVAL);
	dc.backing = XPI_SIM_BACKING_CONTIGUOUS;
	dc.dm_target = 77;
	ck_assert_int_eq(xpi_sim_domain_create(sim, 9, &dc), -EINVAL);
	dc.dm_target = 9;
	ck_assert_int_eq(xpi_sim_domain_create(sim, 9, &dc), -EINVAL);
	dc.dm_target = 0;
	ck_assert_int_eq(xpi_sim_domain_create(sim, 9, &dc), -EINVAL);
	dc.dm_target = XPI_DOMID_INVALID;
	dc.nr_pages = UINT64_C(1) << 30;
	ck_assert_int_eq(xpi_sim_domain_create(sim, 9, &dc), -ENOMEM);
	ck_assert_int_eq(xpi_sim_domain_destroy(sim, 0), -EINVAL);
	ck_assert_int_eq(xpi_sim_domain_destroy(sim, 9), -ESRCH);
	ck_assert_int_eq(xpi_sim_domain_destroy(sim, 0xffff), -ESRCH);
	/* RMRR. */
	ck_assert_int_eq(xpi_sim_rmrr_add(sim, 9, 0, 1), -ESRCH);
	ck_assert_int_eq(xpi_sim_rmrr_add(sim, G1, 0, 0), -EINVAL);
	ck_assert_int_eq(xpi_sim_rmrr_add(sim, G1, (UINT64_C(1) << 36) - 1, 2),
			 -EINVAL);
	ck_assert_int_eq(xpi_sim_rmrr_add(sim, G1, UINT64_MAX, 1), -EINVAL);
	/* p2m and frames. */
	ck_assert_int_eq(xpi_sim_p2m_lookup(sim, 9, 0, &u64), -ESRCH);
	ck_assert_int_eq(xpi_sim_p2m_lookup(sim, G1, 4096, &u64), -ENOENT);
	ck_assert_int_eq(xpi_sim_p2m_lookup(sim, G1, 0, NULL), -EINVAL);
	ck_assert_int_eq(xpi_sim_p2m_set_xen_owned(sim, 9, 0), -ESRCH);
	ck_assert_int_eq(xpi_sim_p2m_set_xen_owned(sim, G1, 4096), -ENOENT);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, 9, 0), -ESRCH);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, 4096), -ENOENT);
	ck_assert_int_eq(xpi_sim_populate(sim, 9, 0), -ESRCH);
	ck_assert_int_eq(xpi_sim_populate(sim, G1, 0), -EEXIST);
	ck_assert_int_eq(xpi_sim_populate(sim, G1, 4096), -EINVAL);
	ck_assert_int_eq(xpi_sim_pin_pagetable(sim, 9, 0), -ESRCH);
	ck_assert_int_eq(xpi_sim_pin_pagetable(sim, G1, 4096), -ENOENT);
	ck_assert_int_eq(xpi_sim_unpin_pagetable(sim, G1, 0), -EINVAL);
	ck_assert_int_eq(xpi_sim_unpin_pagetable(sim, 9, 0), -ESRCH);
	ck_assert_int_eq(xpi_sim_frame_info(sim, UINT64_C(1) << 20, NULL),
			 -EINVAL);
	ck_assert_int_eq(xpi_sim_frame_info(sim, 0, NULL), -EINVAL);
	/* IOMMU views. */
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, 9, 0, &u64, NULL), -ESRCH);
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, G1, 0, NULL, NULL),
			 -EINVAL);
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, G1, 0, &u64, NULL),
			 -ENOENT);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, 9), 0);
	/* ioreq servers. */
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, 9, &id), -ESRCH);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 9, G3, &id), -ESRCH);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, G3, NULL),
			 -EINVAL);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, 0, &id), -EINVAL);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, G1, G3, &id),
			 -EPERM);
	ck_assert_int_eq(xpi_sim_ioreq_server_destroy(sim, 9, 0), -ESRCH);
	ck_assert_int_eq(xpi_sim_ioreq_server_destroy(sim, G3, 99), -ENOENT);
	ck_assert_int_eq(xpi_sim_ioreq_server_pages(sim, G3, 99, &p, NULL),
			 -ENOENT);
	ck_assert_int_eq(xpi_sim_ioreq_server_pages(sim, 9, 0, &p, NULL),
			 -ESRCH);
	ck_assert_int_eq(xpi_sim_ioreq_server_evtchn_fd(sim, G3, 99),
			 -ENOENT);
	ck_assert_int_eq(xpi_sim_ioreq_server_evtchn_fd(sim, 9, 0), -ESRCH);
	ck_assert_int_eq(xpi_sim_ioreq_notify(sim, G3, 99), -ENOENT);
	ck_assert_int_eq(xpi_sim_ioreq_notify(sim, 9, 0), -ESRCH);
	ck_assert_int_eq(xpi_sim_ioreq_flush_all(sim, 9), -ESRCH);
	ck_assert_int_eq(xpi_sim_ioreq_server_stats(sim, G3, ios0, NULL),
			 -EINVAL);
	ck_assert_int_eq(xpi_sim_ioreq_server_stats(sim, G3, 99, &is),
			 -ENOENT);
	ck_assert_int_eq(xpi_sim_ioreq_server_stats(sim, 9, 0, &is), -ESRCH);
	ck_assert_int_eq(xpi_sim_stats(sim, NULL), -EINVAL);
	/* Grants. */
	ck_assert_int_eq(xpi_sim_grant_create(sim, 9, 0, G1, 0), -ESRCH);
	ck_assert_int_eq(xpi_sim_grant_create(sim, G3, 0, 9, 0), -ESRCH);
	ck_assert_int_eq(xpi_sim_grant_create(sim, G3, 1024, G1, 0), -ENOENT);
}
END_TEST

START_TEST(ioreq_servers_limit_is_enospc)
{
	uint16_t id;
	unsigned int n = 3; /* the fixture made 2 on dom3 */

	for (; n <= 8; n++)
		ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, G3, &id),
				 0);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, G3, &id),
			 -ENOSPC);
	/* Ids are not reused while the domain lives. */
	ck_assert_int_eq(xpi_sim_ioreq_server_destroy(sim, G3, id), 0);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, G3, &id), 0);
	ck_assert_uint_eq(id, 8);
}
END_TEST

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
		ck_assert_int_eq(one(DM, mapf_op(0x100 + i, 9, G3, iosdm, RW, 0)),
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
	ck_assert_int_eq(one(DM, mapf_op(0x140, 9, G3, iosdm, RW, 0)),
			 -EMLINK);
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

static Suite *sim_suite(void)
{
	Suite *s = suite_create("sim");
	TCase *tc = tcase_create("do_iommu_op");

	tcase_add_checked_fixture(tc, xs_ops_setup, xs_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, api_new_bad_config);
	tcase_add_test(tc, api_null_sim);
	tcase_add_test(tc, api_bad_arguments);
	tcase_add_test(tc, ioreq_servers_limit_is_enospc);
	tcase_add_test(tc, million_mappings);
	suite_add_tcase(s, tc);
	tc = tcase_create("hostile callers");
	tcase_add_checked_fixture(tc, xs_ops_setup, xs_teardown);
	tcase_add_test(tc, alias_cap_65th_mapping_of_a_frame_is_emlink);
	tcase_add_test(tc, quota_one_record_over_target_pages_is_edquot);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return xt_run(sim_suite());
}
