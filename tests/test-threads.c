// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One handle, several threads mapping and unmapping at once (each thread
 * its own batches).  Run under ThreadSanitizer in CI.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>

#include "lib/private.h"
#include "test-common.h"

#define THREADS 4
#define ROUNDS 50
#define PER 32

static struct xpi_sim *sim;
static xpi_handle *h;
static uint16_t ios;

struct worker {
	int id;
	int failures;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	uint64_t gfns[PER], bfns[PER];
	int st[PER];

	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < PER; i++)
			gfns[i] = (uint64_t)(w->id * 512 + (r % 4) * PER + i);
		if (xpi_foreign_map(h, 1, ios, gfns, PER,
				    XPI_FOREIGN_READ | XPI_FOREIGN_WRITE, bfns,
				    st) != PER)
			w->failures++;
		/* own pages too, at BFNs of this thread's own range */
		if (xpi_map_range(h, (UINT64_C(1) << 28) + (uint64_t)w->id * 64,
				  2048 + (uint64_t)w->id * 64, 16,
				  IOMMU_OP_readable))
			w->failures++;
		if (xpi_unmap_range(h, (UINT64_C(1) << 28) + (uint64_t)w->id * 64,
				    16))
			w->failures++;
		if (xpi_foreign_unmap(h, bfns, PER, st) != PER)
			w->failures++;
	}
	return NULL;
}

START_TEST(threads_share_a_handle)
{
	pthread_t t[THREADS];
	struct worker w[THREADS];
	struct xpi_stats st;

	sim = xt_sim_new(NULL);
	xt_guest(sim, 1, 4096, XPI_SIM_BACKING_CONTIGUOUS);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, 1, &ios), 0);
	h = xt_open(sim, 0);
	for (int i = 0; i < THREADS; i++) {
		w[i].id = i;
		w[i].failures = 0;
		ck_assert_int_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(w[i].failures, 0);
	}
	ck_assert_uint_eq(xpi_mapping_count(h), 0);
	ck_assert_int_eq(xpi_get_stats(h, &st), 0);
	ck_assert_uint_eq(st.errors, 0);
	ck_assert_int_eq(xpi_close(h), 0);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, 0), 0);
	xt_audit_clean(sim);
	xpi_sim_free(sim);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("threads");
	TCase *tc = tcase_create("threads");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, threads_share_a_handle);
	suite_add_tcase(s, tc);
	return xt_run(s);
}
