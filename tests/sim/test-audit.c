// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The simulated hypervisor: the auditor itself: that it reports what is
 * broken behind the model's back (the other suites rely on it finding
 * nothing).
 * The auditor runs after every test and must be clean.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "helpers.h"

/* ---- The auditor ---- */

START_TEST(auditor_detects_a_wrong_reference_count)
{
	uint64_t m = mfn_of(G1, 5);
	struct reports r = { 0 };

	ck_assert_int_eq(mapp(G1, 0x5000, 5, RW), 0);
	ck_assert_int_eq(xpi_sim_audit(sim, NULL, NULL), 0);
	ck_assert_int_eq(xpi_sim_debug_corrupt_refs(sim, m, 1), 0);
	ck_assert_int_eq(xpi_sim_audit(sim, collect, &r), 1);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_ptr_nonnull(strstr(r.first, "references"));
	/* Down to zero with an owner: two findings. */
	ck_assert_int_eq(xpi_sim_debug_corrupt_refs(sim, m, -3), 0);
	ck_assert_int_ge(xpi_sim_audit(sim, NULL, NULL), 2);
	ck_assert_int_eq(xpi_sim_debug_corrupt_refs(sim, m, 2), 0);
	ck_assert_int_eq(xpi_sim_audit(sim, NULL, NULL), 0);
	ck_assert_int_eq(xpi_sim_debug_corrupt_refs(NULL, 0, 1), -EINVAL);
	ck_assert_int_eq(unmapp(G1, 0x5000), 0);
}
END_TEST

START_TEST(auditor_detects_m2b_and_iommu_disagreeing)
{
	struct reports r = { 0 };
	uint32_t idx;

	ck_assert_int_eq(mapf(0, HW_BFN, 9, G3, ios0, RW, 0), 0);
	/* Behind the model's back: the M2B entry names another BFN. */
	idx = sim_m2b_find(sim, 0, 0, HW_BFN, ios0);
	ck_assert_uint_ne(idx, UINT32_MAX);
	sim->m2b.e[idx].bfn++;
	ck_assert_int_ge(xpi_sim_audit(sim, collect, &r), 2);
	ck_assert_ptr_nonnull(strstr(r.first, "index"));
	sim->m2b.e[idx].bfn--;
	ck_assert_int_eq(xpi_sim_audit(sim, NULL, NULL), 0);
	ck_assert_int_eq(unmapf(0, HW_BFN, ios0, 0), 0);
}
END_TEST

static Suite *sim_audit_suite(void)
{
	Suite *s = suite_create("sim-audit");
	TCase *tc = tcase_create("auditor");

	tcase_add_checked_fixture(tc, xs_memory_setup, xs_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, auditor_detects_a_wrong_reference_count);
	tcase_add_test(tc, auditor_detects_m2b_and_iommu_disagreeing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return xt_run(sim_audit_suite());
}
