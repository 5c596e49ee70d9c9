// SPDX-License-Identifier: LGPL-2.1-or-later
/* The radix map shared by the simulator's IOMMU tables and the tracker. */
#include "config.h"

#include <errno.h>

#include "common/radix.h"
#include "test-common.h"

START_TEST(insert_find_remove)
{
	struct xpi_radix r;
	struct xpi_radix_extent e;

	ck_assert_int_eq(xpi_radix_init(&r, 36), 0);
	ck_assert_int_eq(xpi_radix_insert(&r, 0x1000, 0, 42), 0);
	ck_assert_int_eq(xpi_radix_find(&r, 0x1000, &e), 0);
	ck_assert_uint_eq(e.base, 0x1000);
	ck_assert_uint_eq(e.order, 0);
	ck_assert_uint_eq(e.value, 42);
	ck_assert_int_eq(xpi_radix_find(&r, 0x1001, &e), -ENOENT);
	ck_assert_int_eq(xpi_radix_insert(&r, 0x1000, 0, 1), -EEXIST);
	ck_assert_int_eq(xpi_radix_remove(&r, 0x1000, &e), 0);
	ck_assert_uint_eq(e.value, 42);
	ck_assert_int_eq(xpi_radix_remove(&r, 0x1000, NULL), -ENOENT);
	ck_assert_uint_eq(r.nodes, 0);
	ck_assert_uint_eq(r.extents, 0);
	xpi_radix_destroy(&r);
}
END_TEST

START_TEST(superpages_and_odd_orders)
{
	struct xpi_radix r;
	struct xpi_radix_extent e;

	ck_assert_int_eq(xpi_radix_init(&r, 36), 0);
	/* order 9 at level 1, order 4 spans 16 leaf slots, order 20 spans 4
	 * level-2 slots. */
	ck_assert_int_eq(xpi_radix_insert(&r, 512, 9, 7), 0);
	ck_assert_int_eq(xpi_radix_insert(&r, 16, 4, 8), 0);
	ck_assert_int_eq(xpi_radix_insert(&r, 1u << 20, 20, 9), 0);
	ck_assert_int_eq(xpi_radix_find(&r, 512 + 300, &e), 0);
	ck_assert_uint_eq(e.base, 512);
	ck_assert_uint_eq(e.order, 9);
	ck_assert_uint_eq(e.value, 7);
	ck_assert_int_eq(xpi_radix_find(&r, 31, &e), 0);
	ck_assert_uint_eq(e.base, 16);
	ck_assert_uint_eq(e.value, 8);
	ck_assert_int_eq(xpi_radix_find(&r, (1u << 21) - 1, &e), 0);
	ck_assert_uint_eq(e.base, 1u << 20);
	ck_assert_uint_eq(e.value, 9);
	/* overlaps, from above and from below */
	ck_assert_int_eq(xpi_radix_insert(&r, 0, 9, 1), -EEXIST);
	ck_assert_int_eq(xpi_radix_insert(&r, 600, 0, 1), -EEXIST);
	ck_assert_int_eq(xpi_radix_insert(&r, 0, 18, 1), -EEXIST);
	ck_assert_int_eq(xpi_radix_range_empty(&r, 32, 4), 1);
	ck_assert_int_eq(xpi_radix_range_empty(&r, 0, 5), 0);
	/* removing from the middle of an extent is refused */
	ck_assert_int_eq(xpi_radix_remove(&r, 520, NULL), -ENOENT);
	ck_assert_int_eq(xpi_radix_remove(&r, 20, NULL), -ENOENT);
	ck_assert_int_eq(xpi_radix_update(&r, 512, 70), 0);
	ck_assert_int_eq(xpi_radix_find(&r, 513, &e), 0);
	ck_assert_uint_eq(e.value, 70);
	ck_assert_int_eq(xpi_radix_remove(&r, 512, NULL), 0);
	ck_assert_int_eq(xpi_radix_remove(&r, 16, NULL), 0);
	ck_assert_int_eq(xpi_radix_remove(&r, 1u << 20, NULL), 0);
	ck_assert_uint_eq(r.nodes, 0);
	xpi_radix_destroy(&r);
}
END_TEST

START_TEST(bad_input)
{
	struct xpi_radix r;

	ck_assert_int_eq(xpi_radix_init(NULL, 36), -EINVAL);
	ck_assert_int_eq(xpi_radix_init(&r, 0), -EINVAL);
	ck_assert_int_eq(xpi_radix_init(&r, 64), -EINVAL);
	ck_assert_int_eq(xpi_radix_init(&r, 36), 0);
	ck_assert_int_eq(xpi_radix_insert(&r, 1, 1, 1), -EINVAL);
	ck_assert_int_eq(xpi_radix_insert(&r, 0, 36, 1), -EINVAL);
	ck_assert_int_eq(xpi_radix_insert(&r, UINT64_C(1) << 36, 0, 1),
			 -ERANGE);
	ck_assert_int_eq(xpi_radix_insert(&r, 0, 0, UINT64_C(1) << 56),
			 -EINVAL);
	ck_assert_int_eq(xpi_radix_find(&r, UINT64_C(1) << 40, NULL), -ENOENT);
	ck_assert_int_eq(xpi_radix_range_empty(&r, 1, 1), 0);
	ck_assert_uint_eq(r.extents, 0);
	xpi_radix_destroy(&r);
}
END_TEST

static int count_cb(void *opaque, const struct xpi_radix_extent *e)
{
	uint64_t *n = opaque;

	ck_assert_uint_eq(e->value, e->base + 1);
	(*n)++;
	return 0;
}

START_TEST(walk_and_density)
{
	struct xpi_radix r;
	uint64_t n = 0;

	ck_assert_int_eq(xpi_radix_init(&r, 36), 0);
	for (uint64_t b = 0; b < 65536; b++)
		ck_assert_int_eq(xpi_radix_insert(&r, b, 0, b + 1), 0);
	ck_assert_int_eq(xpi_radix_walk(&r, count_cb, &n), 0);
	ck_assert_uint_eq(n, 65536);
	/* dense 4 KiB entries cost a little over 8 bytes each */
	ck_assert_uint_le(xpi_radix_bytes(&r) / 65536, 9);
	for (uint64_t b = 0; b < 65536; b++)
		ck_assert_int_eq(xpi_radix_remove(&r, b, NULL), 0);
	ck_assert_uint_eq(r.nodes, 0);
	xpi_radix_destroy(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("radix");
	TCase *tc = tcase_create("radix");

	tcase_add_test(tc, insert_find_remove);
	tcase_add_test(tc, superpages_and_odd_orders);
	tcase_add_test(tc, bad_input);
	tcase_add_test(tc, walk_and_density);
	suite_add_tcase(s, tc);
	return xt_run(s);
}
