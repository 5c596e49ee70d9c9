// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The simulated hypervisor: its own API: every bad argument to every call,
 * and a NULL host for each.
 * The auditor runs after every test and must be clean.
 */
#include "config.h"

#include <errno.h>

#include "helpers.h"

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
	ck_assert_int_eq(xpi_sim_iommu_lookup(NULL, 0, 0, &u64, NULL), -EINVAL);
	ck_assert_uint_eq(xpi_sim_iommu_extents(NULL, 0), 0);
	ck_assert_int_eq(xpi_sim_iommu_op(NULL, 0, NULL, 0), -EINVAL);
	ck_assert_int_eq(xpi_sim_inject_iommu_faults(NULL, 1), -EINVAL);
	ck_assert_int_eq(xpi_sim_grant_create(NULL, 1, 0, 2, 0), -EINVAL);
	ck_assert_int_eq(xpi_sim_grant_map(NULL, 1, 2, 0, XPI_GNTMAP_device_map,
					   &addr, &h),
			 -1);
	ck_assert_int_eq(xpi_sim_grant_unmap(NULL, 1, 0), -1);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(NULL, 0, 1, &id), -EINVAL);
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
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, G1, 0, NULL, NULL), -EINVAL);
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, G1, 0, &u64, NULL), -ENOENT);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, 9), 0);
	/* ioreq servers. */
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, 9, &id), -ESRCH);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 9, G3, &id), -ESRCH);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, G3, NULL),
			 -EINVAL);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, 0, &id), -EINVAL);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, G1, G3, &id), -EPERM);
	ck_assert_int_eq(xpi_sim_ioreq_server_destroy(sim, 9, 0), -ESRCH);
	ck_assert_int_eq(xpi_sim_ioreq_server_destroy(sim, G3, 99), -ENOENT);
	ck_assert_int_eq(xpi_sim_ioreq_server_pages(sim, G3, 99, &p, NULL),
			 -ENOENT);
	ck_assert_int_eq(xpi_sim_ioreq_server_pages(sim, 9, 0, &p, NULL),
			 -ESRCH);
	ck_assert_int_eq(xpi_sim_ioreq_server_evtchn_fd(sim, G3, 99), -ENOENT);
	ck_assert_int_eq(xpi_sim_ioreq_server_evtchn_fd(sim, 9, 0), -ESRCH);
	ck_assert_int_eq(xpi_sim_ioreq_notify(sim, G3, 99), -ENOENT);
	ck_assert_int_eq(xpi_sim_ioreq_notify(sim, 9, 0), -ESRCH);
	ck_assert_int_eq(xpi_sim_ioreq_flush_all(sim, 9), -ESRCH);
	ck_assert_int_eq(xpi_sim_ioreq_server_stats(sim, G3, ios0, NULL),
			 -EINVAL);
	ck_assert_int_eq(xpi_sim_ioreq_server_stats(sim, G3, 99, &is), -ENOENT);
	ck_assert_int_eq(xpi_sim_ioreq_server_stats(sim, 9, 0, &is), -ESRCH);
	ck_assert_int_eq(xpi_sim_stats(sim, NULL), -EINVAL);
	/* Grants. */
	ck_assert_int_eq(xpi_sim_grant_create(sim, 9, 0, G1, 0), -ESRCH);
	ck_assert_int_eq(xpi_sim_grant_create(sim, G3, 0, 9, 0), -ESRCH);
	ck_assert_int_eq(xpi_sim_grant_create(sim, G3, 1024, G1, 0), -ENOENT);
}
END_TEST

static Suite *sim_api_suite(void)
{
	Suite *s = suite_create("sim-api");
	TCase *tc = tcase_create("api");

	tcase_add_checked_fixture(tc, xs_ops_setup, xs_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, api_new_bad_config);
	tcase_add_test(tc, api_null_sim);
	tcase_add_test(tc, api_bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return xt_run(sim_api_suite());
}
