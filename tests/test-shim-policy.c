// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel shim's policy (kmod/policy.c), built in user space: the
 * restrictions, the BFN windows and the per-descriptor records.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kmod/policy.h"
#include "test-common.h"

#define BASE (UINT64_C(1) << 32)
#define LIMIT (BASE + 4096)

static struct xpi_pol_space space;
static struct xpi_pol_ctx c, d;

static void setup(void)
{
	xpi_pol_space_init(&space, BASE, LIMIT);
	xpi_pol_ctx_init(&c, &space);
	xpi_pol_ctx_init(&d, &space);
}

static void teardown(void)
{
	xpi_pol_ctx_destroy(&c);
	xpi_pol_ctx_destroy(&d);
	ck_assert_ptr_null(space.head);
}

static struct pv_iommu_op op_map_foreign(uint64_t bfn, uint16_t domid,
					 uint16_t ios, unsigned int order)
{
	struct pv_iommu_op op;

	memset(&op, 0, sizeof(op));
	op.subop_id = IOMMUOP_map_foreign_page;
	op.flags = pv_iommu_flags_set_order(IOMMUOP_readable, order);
	op.u.map_foreign_page.bfn = bfn;
	op.u.map_foreign_page.domid = domid;
	op.u.map_foreign_page.ioserver = ios;
	return op;
}

static struct pv_iommu_op op_unmap_foreign(uint64_t bfn, uint16_t ios)
{
	struct pv_iommu_op op;

	memset(&op, 0, sizeof(op));
	op.subop_id = IOMMUOP_unmap_foreign_page;
	op.u.unmap_foreign_page.bfn = bfn;
	op.u.unmap_foreign_page.ioserver = ios;
	return op;
}

START_TEST(chunk_is_one_page)
{
	ck_assert_uint_eq(XPI_POL_CHUNK * sizeof(struct pv_iommu_op), 4096);
}
END_TEST

START_TEST(restrict_once_like_privcmd)
{
	ck_assert_int_eq(xpi_pol_restrict(&c, XPI_DOMID_SELF), -EINVAL);
	ck_assert_int_eq(xpi_pol_restrict(&c, 0x7FFF), -EINVAL);
	ck_assert_int_eq(c.restricted, XPI_SHIM_UNRESTRICTED);
	ck_assert_int_eq(xpi_pol_restrict(&c, 5), 0);
	ck_assert_int_eq(xpi_pol_restrict(&c, 5), 0);
	ck_assert_int_eq(xpi_pol_restrict(&c, 6), -EPERM);
	ck_assert_int_eq(c.restricted, 5);
}
END_TEST

START_TEST(unknown_subop_is_eopnotsupp)
{
	struct pv_iommu_op op;

	memset(&op, 0, sizeof(op));
	op.subop_id = 0;
	ck_assert_int_eq(xpi_pol_check(&c, &op), -EOPNOTSUPP);
	op.subop_id = 7;
	ck_assert_int_eq(xpi_pol_check(&c, &op), -EOPNOTSUPP);
	op.subop_id = 0xFFFF;
	ck_assert_int_eq(xpi_pol_restrict(&c, 1), 0);
	ck_assert_int_eq(xpi_pol_check(&c, &op), -EOPNOTSUPP);
	op.subop_id = IOMMUOP_query_caps;
	ck_assert_int_eq(xpi_pol_check(&c, &op), 0);
}
END_TEST

START_TEST(unrestricted_sends_everything)
{
	struct pv_iommu_op op;

	for (uint16_t id = IOMMUOP_query_caps;
	     id <= IOMMUOP_unmap_foreign_page; id++) {
		memset(&op, 0, sizeof(op));
		op.subop_id = id;
		op.u.map_foreign_page.domid = 9;
		ck_assert_int_eq(xpi_pol_check(&c, &op), 0);
	}
}
END_TEST

START_TEST(restricted_rules)
{
	struct pv_iommu_op op;
	uint64_t w;

	ck_assert_int_eq(xpi_pol_restrict(&c, 3), 0);
	ck_assert_int_eq(xpi_pol_window_alloc(&c, 64, &w), 0);
	ck_assert_uint_eq(w, BASE);
	/* the caller's own memory: refused */
	memset(&op, 0, sizeof(op));
	op.subop_id = IOMMUOP_map_page;
	ck_assert_int_eq(xpi_pol_check(&c, &op), -EPERM);
	op.subop_id = IOMMUOP_unmap_page;
	ck_assert_int_eq(xpi_pol_check(&c, &op), -EPERM);
	/* foreign ops name the restricted domid, BFNs in the window */
	op = op_map_foreign(w, 3, 1, 0);
	ck_assert_int_eq(xpi_pol_check(&c, &op), 0);
	op = op_map_foreign(w, 4, 1, 0);
	ck_assert_int_eq(xpi_pol_check(&c, &op), -EPERM);
	op = op_map_foreign(w + 64, 3, 1, 0);
	ck_assert_int_eq(xpi_pol_check(&c, &op), -EPERM);
	op = op_map_foreign(w - 1, 3, 1, 0);
	ck_assert_int_eq(xpi_pol_check(&c, &op), -EPERM);
	op = op_map_foreign(w, 3, 1, 6); /* 64 pages: fits exactly */
	ck_assert_int_eq(xpi_pol_check(&c, &op), 0);
	op = op_map_foreign(w, 3, 1, 7); /* 128 pages: does not */
	ck_assert_int_eq(xpi_pol_check(&c, &op), -EPERM);
	op = op_map_foreign(UINT64_MAX, 3, 1, 63);
	ck_assert_int_eq(xpi_pol_check(&c, &op), -EPERM);
	memset(&op, 0, sizeof(op));
	op.subop_id = IOMMUOP_lookup_foreign_page;
	op.u.lookup_foreign_page.domid = 3;
	ck_assert_int_eq(xpi_pol_check(&c, &op), 0);
	op.u.lookup_foreign_page.domid = 2;
	ck_assert_int_eq(xpi_pol_check(&c, &op), -EPERM);
	/* another descriptor's window is not this one's */
	ck_assert_int_eq(xpi_pol_window_alloc(&d, 16, &w), 0);
	op = op_map_foreign(w, 3, 1, 0);
	ck_assert_int_eq(xpi_pol_check(&c, &op), -EPERM);
}
END_TEST

START_TEST(unmap_foreign_only_what_it_mapped)
{
	struct pv_iommu_op op, un;
	uint64_t w;

	ck_assert_int_eq(xpi_pol_restrict(&c, 3), 0);
	ck_assert_int_eq(xpi_pol_window_alloc(&c, 64, &w), 0);
	un = op_unmap_foreign(w, 1);
	ck_assert_int_eq(xpi_pol_check(&c, &un), -EPERM);
	op = op_map_foreign(w, 3, 1, 0);
	op.status = -EIO; /* a failed map is not recorded */
	ck_assert_int_eq(xpi_pol_note(&c, &op), 0);
	ck_assert_int_eq(xpi_pol_check(&c, &un), -EPERM);
	op.status = 0;
	ck_assert_int_eq(xpi_pol_note(&c, &op), 0);
	ck_assert_uint_eq(xpi_pol_count(&c), 1);
	ck_assert_int_eq(xpi_pol_check(&c, &un), 0);
	/* the same BFN for another ioreq server is not this mapping */
	un = op_unmap_foreign(w, 2);
	ck_assert_int_eq(xpi_pol_check(&c, &un), -EPERM);
	un = op_unmap_foreign(w, 1);
	un.status = 0;
	ck_assert_int_eq(xpi_pol_note(&c, &un), 0);
	ck_assert_uint_eq(xpi_pol_count(&c), 0);
	ck_assert_int_eq(xpi_pol_check(&c, &un), -EPERM);
}
END_TEST

START_TEST(windows_unique_and_released)
{
	uint64_t a, b, e;

	ck_assert_int_eq(xpi_pol_window_alloc(&c, 0, &a), -EINVAL);
	ck_assert_int_eq(xpi_pol_window_alloc(&c, 1000, &a), 0);
	ck_assert_int_eq(xpi_pol_window_alloc(&d, 1000, &b), 0);
	ck_assert(a + 1000 <= b || b + 1000 <= a);
	ck_assert_uint_ge(a, BASE);
	ck_assert_uint_le(b + 1000, LIMIT);
	ck_assert_int_eq(xpi_pol_window_alloc(&d, 4096, &e), -ENOSPC);
	ck_assert_int_eq(xpi_pol_window_alloc(&d, UINT64_MAX, &e), -ENOSPC);
	/* closing c gives its range back: d can take it */
	xpi_pol_ctx_destroy(&c);
	xpi_pol_ctx_init(&c, &space);
	ck_assert_int_eq(xpi_pol_window_alloc(&d, 1000, &e), 0);
	ck_assert_uint_eq(e, a);
	ck_assert(xpi_pol_in_windows(&d, b + 999, 0));
	ck_assert(!xpi_pol_in_windows(&d, b + 1000, 0));
	ck_assert(!xpi_pol_in_windows(&d, b, 64));
}
END_TEST

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

START_TEST(records_survive_deletes)
{
	enum { N = 20000 };
	uint64_t *live = calloc(N, sizeof(*live));
	struct pv_iommu_op op, un;
	size_t n = 0;

	ck_assert_ptr_nonnull(live);
	ck_assert_int_eq(xpi_pol_restrict(&c, 3), 0);
	/* colliding keys: BFNs with a stride, then delete a pseudo-random
	 * half and check every survivor is still found */
	for (uint64_t i = 0; i < N; i++) {
		op = op_map_foreign(i * 4096, 3, 7, 0);
		ck_assert_int_eq(xpi_pol_note(&c, &op), 0);
	}
	ck_assert_uint_eq(xpi_pol_count(&c), N);
	for (uint64_t i = 0; i < N; i++) {
		un = op_unmap_foreign(i * 4096, 7);
		if ((i * 2654435761u) % 7 < 4) {
			ck_assert_int_eq(xpi_pol_note(&c, &un), 0);
		} else {
			live[n++] = i * 4096;
		}
	}
	ck_assert_uint_eq(xpi_pol_count(&c), n);
	for (uint64_t i = 0; i < N; i++) {
		int expect = bsearch(&(uint64_t){ i * 4096 }, live, n,
				     sizeof(*live), cmp_u64)
				     ? 0
				     : -EPERM;

		un = op_unmap_foreign(i * 4096, 7);
		ck_assert_int_eq(xpi_pol_check(&c, &un), expect);
	}
	free(live);
}
END_TEST

START_TEST(drain_unmaps_every_record)
{
	struct pv_iommu_op op, out[XPI_POL_CHUNK];
	size_t total = 0, k, own = 0, foreign = 0;

	for (uint64_t i = 0; i < 300; i++) {
		op = op_map_foreign(BASE + i * 8, 3, 2, 3);
		ck_assert_int_eq(xpi_pol_note(&c, &op), 0);
	}
	memset(&op, 0, sizeof(op));
	op.subop_id = IOMMUOP_map_page;
	op.flags = pv_iommu_flags_set_order(IOMMU_OP_readable, 9);
	op.u.map_page.bfn = UINT64_C(1) << 40;
	ck_assert_int_eq(xpi_pol_note(&c, &op), 0);
	/* a lookup result is recorded once, however often it is looked up */
	memset(&op, 0, sizeof(op));
	op.subop_id = IOMMUOP_lookup_foreign_page;
	op.u.lookup_foreign_page.bfn = 77;
	op.u.lookup_foreign_page.ioserver = 2;
	ck_assert_int_eq(xpi_pol_note(&c, &op), 0);
	ck_assert_int_eq(xpi_pol_note(&c, &op), 0);
	ck_assert_uint_eq(xpi_pol_count(&c), 302);
	while ((k = xpi_pol_drain(&c, out, XPI_POL_CHUNK)) > 0) {
		ck_assert_uint_le(k, XPI_POL_CHUNK);
		for (size_t i = 0; i < k; i++) {
			if (out[i].subop_id == IOMMUOP_unmap_page) {
				own++;
				ck_assert_uint_eq(out[i].u.unmap_page.bfn,
						  UINT64_C(1) << 40);
				ck_assert_uint_eq(
					pv_iommu_flags_order(out[i].flags), 9);
			} else {
				foreign++;
				ck_assert_uint_eq(out[i].subop_id,
						  IOMMUOP_unmap_foreign_page);
				ck_assert_uint_eq(
					out[i].u.unmap_foreign_page.ioserver,
					2);
			}
		}
		total += k;
	}
	ck_assert_uint_eq(total, 302);
	ck_assert_uint_eq(own, 1);
	ck_assert_uint_eq(foreign, 301);
	ck_assert_uint_eq(xpi_pol_count(&c), 0);
}
END_TEST

struct racer {
	struct xpi_pol_ctx ctx;
	uint64_t first[32];
};

static void *race(void *arg)
{
	struct racer *r = arg;

	for (int i = 0; i < 32; i++)
		if (xpi_pol_window_alloc(&r->ctx, 4, &r->first[i]))
			r->first[i] = UINT64_MAX;
	return NULL;
}

START_TEST(windows_unique_across_threads)
{
	struct racer r[4];
	pthread_t t[4];

	for (int i = 0; i < 4; i++) {
		xpi_pol_ctx_init(&r[i].ctx, &space);
		ck_assert_int_eq(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	/* 128 windows of 4 in 4096 BFNs: all granted, none overlapping */
	for (int i = 0; i < 4; i++)
		for (int k = 0; k < 32; k++) {
			ck_assert_uint_ne(r[i].first[k], UINT64_MAX);
			for (int j = 0; j < 4; j++)
				for (int l = 0; l < 32; l++) {
					if (i == j && k == l)
						continue;
					ck_assert(r[i].first[k] + 4 <=
							  r[j].first[l] ||
						  r[j].first[l] + 4 <=
							  r[i].first[k]);
				}
		}
	for (int i = 0; i < 4; i++)
		xpi_pol_ctx_destroy(&r[i].ctx);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shim-policy");
	TCase *tc = tcase_create("policy");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, chunk_is_one_page);
	tcase_add_test(tc, restrict_once_like_privcmd);
	tcase_add_test(tc, unknown_subop_is_eopnotsupp);
	tcase_add_test(tc, unrestricted_sends_everything);
	tcase_add_test(tc, restricted_rules);
	tcase_add_test(tc, unmap_foreign_only_what_it_mapped);
	tcase_add_test(tc, windows_unique_and_released);
	tcase_add_test(tc, records_survive_deletes);
	tcase_add_test(tc, drain_unmaps_every_record);
	tcase_add_test(tc, windows_unique_across_threads);
	suite_add_tcase(s, tc);
	return xt_run(s);
}
