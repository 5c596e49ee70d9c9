// SPDX-License-Identifier: LGPL-2.1-or-later
/* Guest pages for an ioreq server: both strategies, BFN allocation, unmap. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "lib/private.h"
#include "test-common.h"

#define RW (XPI_FOREIGN_READ | XPI_FOREIGN_WRITE)
#define GUEST 1
#define NPAGES 4096

static struct xpi_sim *sim;
static uint16_t ios;

static void make_host(int iommu)
{
	struct xpi_sim_config c;

	xt_log_reset();
	xpi_sim_config_init(&c);
	c.host_frames = UINT64_C(1) << 18;
	c.hwdom_frames = 16384;
	c.iommu_present = iommu;
	sim = xt_sim_new(&c);
	xt_guest(sim, GUEST, NPAGES, XPI_SIM_BACKING_CONTIGUOUS);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, GUEST, &ios), 0);
}

static void setup(void)
{
	make_host(1);
}

static void teardown(void)
{
	xt_audit_clean(sim);
	xpi_sim_free(sim);
}

/* The BFN reaches the GFN's frame through the caller's IOMMU. */
static void assert_reaches(uint64_t bfn, uint64_t gfn)
{
	uint64_t mfn, want;

	ck_assert_int_eq(xpi_sim_p2m_lookup(sim, GUEST, gfn, &want), 0);
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, 0, bfn, &mfn, NULL), 0);
	ck_assert_uint_eq(mfn, want);
}

START_TEST(map_foreign_strategy_picks_bfns)
{
	xpi_handle *h = xt_open(sim, 0);
	uint64_t *gfns = malloc(1024 * sizeof(*gfns));
	uint64_t *bfns = malloc(1024 * sizeof(*bfns));
	int *st = malloc(1024 * sizeof(*st));
	uint64_t base, count;
	struct xpi_stats s0, s1;
	struct xpi_mapping m;

	ck_assert_int_eq(xpi_get_bfn_window(h, &base, &count), 0);
	ck_assert_int_eq(xpi_get_stats(h, &s0), 0);
	for (int i = 0; i < 1024; i++)
		gfns[i] = 1024 + (uint64_t)i;
	ck_assert_int_eq(xpi_foreign_map(h, GUEST, ios, gfns, 1024, RW, bfns,
					 st),
			 1024);
	ck_assert_int_eq(xpi_get_stats(h, &s1), 0);
	/* aligned like the GFNs, so one order-10 op did it */
	ck_assert_uint_eq(s1.ops_by_subop[IOMMUOP_map_foreign_page] -
				  s0.ops_by_subop[IOMMUOP_map_foreign_page],
			  1);
	for (int i = 0; i < 1024; i++) {
		ck_assert_int_eq(st[i], 0);
		ck_assert_uint_ge(bfns[i], base);
		ck_assert_uint_lt(bfns[i], base + count);
		assert_reaches(bfns[i], gfns[i]);
	}
	ck_assert_int_eq(xpi_mapping_find(h, bfns[5], &m), 0);
	ck_assert_uint_eq(m.domid, GUEST);
	ck_assert_uint_eq(m.ioserver, ios);
	ck_assert_uint_eq(m.gfn, 1024);
	ck_assert_uint_eq(m.order, 10);
	ck_assert_uint_eq(m.lookup, 0);
	ck_assert_uint_eq(m.allocated, 1);

	/* Any BFN of the extent ends it; the BFNs go back to the window. */
	ck_assert_int_eq(xpi_foreign_unmap(h, &bfns[5], 1, st), 1);
	ck_assert_int_eq(st[0], 0);
	ck_assert_uint_eq(xpi_mapping_count(h), 0);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, 0), 0);
	ck_assert_int_eq(xpi_close(h), 0);
	free(gfns);
	free(bfns);
	free(st);
}
END_TEST

START_TEST(scattered_gfns_map_singly)
{
	xpi_handle *h = xt_open(sim, 0);
	uint64_t gfns[100], bfns[100];
	int st[100];

	for (int i = 0; i < 100; i++)
		gfns[i] = (uint64_t)(i * 37) % NPAGES;
	ck_assert_int_eq(xpi_foreign_map(h, GUEST, ios, gfns, 100,
					 RW | XPI_FOREIGN_SWAP_MFN, bfns, st),
			 100);
	for (int i = 0; i < 100; i++)
		assert_reaches(bfns[i], gfns[i]);
	ck_assert_uint_eq(xpi_mapping_count(h), 100);
	ck_assert_int_eq(xpi_foreign_unmap(h, bfns, 100, st), 100);
	ck_assert_uint_eq(xpi_mapping_count(h), 0);
	ck_assert_int_eq(xpi_close(h), 0);
}
END_TEST

START_TEST(rmrr_conflict_takes_another_bfn)
{
	struct xpi_options o;
	xpi_handle *h = NULL;
	uint64_t gfns[4] = { 10, 20, 30, 40 }, bfns[4];
	struct xpi_stats st;

	/* the start of a small window is an RMRR region of the caller */
	ck_assert_int_eq(xpi_sim_rmrr_add(sim, 0, UINT64_C(1) << 32, 2), 0);
	xpi_options_init(&o);
	o.backend = XPI_BACKEND_SIM;
	o.sim = sim;
	o.bfn_count = 64;
	ck_assert_int_eq(xpi_open_ex(&h, xt_logger(), 0, &o), 0);
	ck_assert_int_eq(xpi_foreign_map(h, GUEST, ios, gfns, 4, RW, bfns,
					 NULL),
			 4);
	for (int i = 0; i < 4; i++) {
		ck_assert_uint_ge(bfns[i], (UINT64_C(1) << 32) + 2);
		assert_reaches(bfns[i], gfns[i]);
	}
	ck_assert_int_eq(xpi_get_stats(h, &st), 0);
	ck_assert_uint_ge(st.rmrr_skips, 1);
	ck_assert_int_eq(xpi_close(h), 0);
}
END_TEST

START_TEST(window_full_is_enospc)
{
	struct xpi_options o;
	xpi_handle *h = NULL;
	uint64_t gfns[8] = { 1, 3, 5, 7, 9, 11, 13, 15 }, bfns[8];

	xpi_options_init(&o);
	o.backend = XPI_BACKEND_SIM;
	o.sim = sim;
	o.bfn_count = 4;
	ck_assert_int_eq(xpi_open_ex(&h, xt_logger(), 0, &o), 0);
	xt_expect_error("window is full");
	ck_assert_int_eq(xpi_foreign_map(h, GUEST, ios, gfns, 8, RW, bfns,
					 NULL),
			 -ENOSPC);
	ck_assert_int_eq(xpi_close(h), 0);
}
END_TEST

START_TEST(hypervisor_statuses_per_gfn)
{
	xpi_handle *h = xt_open(sim, 0);
	uint64_t gfn = 5, beyond = NPAGES + 10, bfn;
	int st;

	ck_assert_int_eq(xpi_foreign_map(h, 9, ios, &gfn, 1, RW, &bfn, &st),
			 0);
	ck_assert_int_eq(st, -ENXIO); /* no such domain */
	ck_assert_uint_eq(bfn, UINT64_MAX);
	ck_assert_int_eq(xpi_foreign_map(h, GUEST, ios + 1, &gfn, 1, RW, &bfn,
					 &st),
			 0);
	ck_assert_int_eq(st, -ENODEV); /* no such ioreq server */
	ck_assert_int_eq(xpi_foreign_map(h, GUEST, ios, &beyond, 1, RW, &bfn,
					 &st),
			 0);
	ck_assert_int_eq(st, -ENXIO); /* no such GFN */
	ck_assert_uint_eq(xpi_mapping_count(h), 0);
	xt_expect_error("");
	ck_assert_int_eq(xpi_foreign_map(NULL, GUEST, ios, &gfn, 1, RW, &bfn,
					 &st),
			 -EINVAL);
	ck_assert_int_eq(xpi_foreign_map(h, GUEST, ios, NULL, 1, RW, &bfn, &st),
			 -EINVAL);
	ck_assert_int_eq(xpi_foreign_map(h, GUEST, ios, &gfn, 1, RW, NULL, &st),
			 -EINVAL);
	ck_assert_int_eq(xpi_foreign_map(h, GUEST, ios, &gfn, 0, RW, &bfn, &st),
			 -EINVAL);
	ck_assert_int_eq(xpi_foreign_map(h, XPI_DOMID_SELF, ios, &gfn, 1, RW,
					 &bfn, &st),
			 -EINVAL);
	ck_assert_int_eq(xpi_foreign_map(h, GUEST, ios, &gfn, 1, 0, &bfn, &st),
			 -EINVAL);
	ck_assert_int_eq(xpi_foreign_map(h, GUEST, ios, &gfn, 1, RW | 0x20,
					 &bfn, &st),
			 -EINVAL);
	ck_assert_int_eq(xpi_foreign_unmap(NULL, &bfn, 1, &st), -EINVAL);
	ck_assert_int_eq(xpi_foreign_unmap(h, NULL, 1, &st), -EINVAL);
	ck_assert_int_eq(xpi_foreign_unmap(h, &bfn, 0, &st), -EINVAL);
	/* a BFN that is no foreign mapping of this handle */
	bfn = 12345;
	ck_assert_int_eq(xpi_foreign_unmap(h, &bfn, 1, &st), 0);
	ck_assert_int_eq(st, -ENOENT);
	ck_assert_int_eq(xpi_close(h), 0);
}
END_TEST

START_TEST(lookup_strategy_without_iommu)
{
	xpi_handle *h;
	uint64_t gfns[16], bfns[16], mfn;
	struct xpi_mapping m;
	struct xpi_sim_frame_info fi;

	teardown();
	make_host(0);
	h = xt_open(sim, 0);
	for (int i = 0; i < 16; i++)
		gfns[i] = 100 + (uint64_t)i;
	ck_assert_int_eq(xpi_foreign_map(h, GUEST, ios, gfns, 16, RW, bfns,
					 NULL),
			 16);
	for (int i = 0; i < 16; i++) {
		/* no IOMMU: the BFN is the MFN */
		ck_assert_int_eq(xpi_sim_p2m_lookup(sim, GUEST, gfns[i], &mfn),
				 0);
		ck_assert_uint_eq(bfns[i], mfn);
		ck_assert_int_eq(xpi_sim_frame_info(sim, mfn, &fi), 0);
		ck_assert_uint_eq(fi.refs, 2); /* ownership + the M2B entry */
	}
	ck_assert_int_eq(xpi_mapping_find(h, bfns[3], &m), 0);
	ck_assert_uint_eq(m.lookup, 1);
	ck_assert_uint_eq(m.gfn, 103);
	ck_assert_int_eq(xpi_foreign_unmap(h, bfns, 16, NULL), 16);
	ck_assert_int_eq(xpi_sim_frame_info(sim, bfns[0], &fi), 0);
	ck_assert_uint_eq(fi.refs, 1);
	/* what close must undo as well */
	ck_assert_int_eq(xpi_foreign_map(h, GUEST, ios, gfns, 16, RW, bfns,
					 NULL),
			 16);
	ck_assert_int_eq(xpi_close(h), 0);
	ck_assert_int_eq(xpi_sim_frame_info(sim, bfns[0], &fi), 0);
	ck_assert_uint_eq(fi.refs, 1);
	ck_assert_uint_eq(fi.m2b_entries, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("foreign");
	TCase *tc = tcase_create("foreign");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, map_foreign_strategy_picks_bfns);
	tcase_add_test(tc, scattered_gfns_map_singly);
	tcase_add_test(tc, rmrr_conflict_takes_another_bfn);
	tcase_add_test(tc, window_full_is_enospc);
	tcase_add_test(tc, hypervisor_statuses_per_gfn);
	tcase_add_test(tc, lookup_strategy_without_iommu);
	suite_add_tcase(s, tc);
	return xt_run(s);
}
