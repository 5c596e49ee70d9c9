// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kmod and xencall transports' marshalling, without Xen: run with
 * tests/trap-xen.c preloaded, which fakes the shim's device and privcmd
 * and answers from a simulated hypervisor (see that file).
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>

#include "lib/private.h"
#include "test-common.h"

static struct xpi_sim *trap_sim(void)
{
	struct xpi_sim *(*fn)(void) = (struct xpi_sim * (*)(void))
		dlsym(RTLD_DEFAULT, "xpi_trap_sim");

	ck_assert_msg(fn != NULL, "run with LD_PRELOAD=trap-xen.so");
	return fn();
}

static xpi_handle *open_backend(enum xpi_backend backend, int expect)
{
	struct xpi_options o;
	xpi_handle *h = NULL;

	xpi_options_init(&o);
	o.backend = backend;
	o.bfn_count = 1 << 20;
	ck_assert_int_eq(xpi_open_ex(&h, xt_logger(), 0, &o), expect);
	return h;
}

static void setup(void)
{
	xt_log_reset();
	unsetenv("XPI_TRAP");
	unsetenv("XPI_TRAP_VERSION");
	unsetenv("XPI_TRAP_EINTR");
	unsetenv("XPI_TRAP_FAIL_AFTER");
	unsetenv("XPI_BACKEND");
}

static void teardown(void)
{
	xt_audit_clean(trap_sim());
}

/* Map own pages and a guest's through h, check the host, close. */
static void map_through(xpi_handle *h)
{
	struct xpi_sim *sim = trap_sim();
	uint64_t gfns[8], bfns[8], mfn;
	uint16_t ios;

	if (xpi_sim_p2m_lookup(sim, 1, 0, &mfn) == -ESRCH)
		xt_guest(sim, 1, 1024, XPI_SIM_BACKING_CONTIGUOUS);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, 1, &ios), 0);
	ck_assert_int_eq(xpi_map_range(h, UINT64_C(1) << 30, 2048, 512,
				       IOMMU_OP_readable | IOMMU_OP_writeable),
			 0);
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, 0, (UINT64_C(1) << 30) + 5,
					      &mfn, NULL),
			 0);
	ck_assert_uint_eq(mfn, 2048 + 5);
	for (int i = 0; i < 8; i++)
		gfns[i] = (uint64_t)i * 2;
	ck_assert_int_eq(xpi_foreign_map(h, 1, ios, gfns, 8, XPI_FOREIGN_READ,
					 bfns, NULL),
			 8);
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, 0, bfns[3], &mfn, NULL), 0);
	ck_assert_int_eq(xpi_close(h), 0);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, 0), 0);
	ck_assert_int_eq(xpi_sim_ioreq_server_destroy(sim, 1, ios), 0);
}

START_TEST(kmod_probes_and_takes_its_window)
{
	xpi_handle *h;
	uint64_t base, count;

	setenv("XPI_TRAP", "kmod", 1);
	h = open_backend(XPI_BACKEND_KMOD, 0);
	ck_assert_int_eq(xpi_get_backend(h), XPI_BACKEND_KMOD);
	ck_assert_int_eq(xpi_get_bfn_window(h, &base, &count), 0);
	ck_assert_uint_eq(base, UINT64_C(1) << 33); /* the shim's, not ours */
	ck_assert_uint_eq(count, 1 << 20);
	map_through(h);
}
END_TEST

START_TEST(kmod_eintr_resumes_where_it_stopped)
{
	struct xpi_stats st;
	xpi_handle *h;

	setenv("XPI_TRAP", "kmod", 1);
	setenv("XPI_TRAP_EINTR", "1", 1);
	h = open_backend(XPI_BACKEND_KMOD, 0);
	ck_assert_int_eq(xpi_map_range(h, UINT64_C(1) << 30, 3008, 64,
				       IOMMU_OP_readable),
			 0);
	ck_assert_int_eq(xpi_get_stats(h, &st), 0);
	ck_assert_uint_eq(xpi_sim_iommu_extents(trap_sim(), 0), 1);
	ck_assert_int_eq(xpi_unmap_range(h, UINT64_C(1) << 30, 64), 0);
	/* misaligned, so many ops: the trap stops half way, the library
	 * goes on where it stopped */
	ck_assert_int_eq(xpi_map_range(h, (UINT64_C(1) << 30) + 1, 3001, 100,
				       IOMMU_OP_readable),
			 0);
	ck_assert_int_eq(xpi_get_stats(h, &st), 0);
	ck_assert_uint_ge(st.retries, 1);
	ck_assert_int_eq(xpi_close(h), 0);
	ck_assert_uint_eq(xpi_sim_iommu_extents(trap_sim(), 0), 0);
}
END_TEST

/*
 * A call that fails after Xen processed its ops (Xen folds a failed IOTLB
 * flush into the result): the ops keep the statuses Xen wrote, the maps
 * are tracked, and close unmaps them (L-1).  Before, every op took the
 * call's errno and the four mappings stayed behind, untracked.
 */
static void results_kept_when_the_call_fails(enum xpi_backend be,
					     const char *trap)
{
	struct xpi_sim *sim = trap_sim();
	const uint64_t bfn = UINT64_C(1) << 30;
	struct xpi_batch *b;
	xpi_handle *h;

	setenv("XPI_TRAP", trap, 1);
	h = open_backend(be, 0);
	ck_assert_int_eq(xpi_batch_new(h, &b), 0);
	/* Not contiguous, so four ops (no coalescing into one extent). */
	for (unsigned int i = 0; i < 4; i++)
		ck_assert_int_eq(xpi_batch_add_map(b, bfn + i, 2048 + 2 * i, 0,
						   IOMMU_OP_readable),
				 i);
	setenv("XPI_TRAP_FAIL_AFTER", "1", 1);
	xt_expect_error("failed");
	ck_assert_int_eq(xpi_batch_submit(b), -EIO);
	unsetenv("XPI_TRAP_FAIL_AFTER");
	for (unsigned int i = 0; i < 4; i++)
		ck_assert_int_eq(xpi_batch_status(b, i), 0);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, 0), 4);
	ck_assert_uint_eq(xpi_mapping_count(h), 4);
	xpi_batch_free(b);
	ck_assert_int_eq(xpi_close(h), 0);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, 0), 0);
}

START_TEST(kmod_results_kept_when_the_call_fails)
{
	results_kept_when_the_call_fails(XPI_BACKEND_KMOD, "kmod");
}
END_TEST

START_TEST(xencall_results_kept_when_the_call_fails)
{
#if HAVE_XEN
	results_kept_when_the_call_fails(XPI_BACKEND_XENCALL, "xencall");
#endif
}
END_TEST

START_TEST(kmod_abi_version_mismatch)
{
	setenv("XPI_TRAP", "kmod", 1);
	setenv("XPI_TRAP_VERSION", "2", 1);
	xt_expect_error("shim ABI version 2");
	open_backend(XPI_BACKEND_KMOD, -EPROTO);
}
END_TEST

START_TEST(auto_prefers_the_shim)
{
	xpi_handle *h;

	h = open_backend(XPI_BACKEND_AUTO, 0);
	ck_assert_int_eq(xpi_get_backend(h), XPI_BACKEND_KMOD);
	xpi_close(h);
#if HAVE_XEN
	setenv("XPI_TRAP", "xencall", 1);
	h = open_backend(XPI_BACKEND_AUTO, 0);
	ck_assert_int_eq(xpi_get_backend(h), XPI_BACKEND_XENCALL);
	xpi_close(h);
#endif
}
END_TEST

START_TEST(xencall_marshals_through_privcmd)
{
#if HAVE_XEN
	xpi_handle *h;
	uint64_t base, count;

	setenv("XPI_TRAP", "xencall", 1);
	h = open_backend(XPI_BACKEND_XENCALL, 0);
	ck_assert_int_eq(xpi_get_backend(h), XPI_BACKEND_XENCALL);
	/* no shim: the window is the process-local one asked for */
	ck_assert_int_eq(xpi_get_bfn_window(h, &base, &count), 0);
	ck_assert_uint_eq(base, UINT64_C(1) << 32);
	map_through(h);
#endif
}
END_TEST

START_TEST(wrong_hypercall_number_is_not_supported)
{
#if HAVE_XEN
	struct xpi_options o;
	xpi_handle *h = NULL;

	setenv("XPI_TRAP", "xencall", 1);
	xpi_options_init(&o);
	o.backend = XPI_BACKEND_XENCALL;
	o.hypercall = 43; /* the trap's "Xen" has do_iommu_op on 56 only */
	xt_expect_error("not supported");
	ck_assert_int_eq(xpi_open_ex(&h, xt_logger(), 0, &o), -EOPNOTSUPP);
	ck_assert_ptr_null(h);
#endif
}
END_TEST

int main(void)
{
	Suite *s = suite_create("transport-trap");
	TCase *tc = tcase_create("trap");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, kmod_probes_and_takes_its_window);
	tcase_add_test(tc, kmod_eintr_resumes_where_it_stopped);
	tcase_add_test(tc, kmod_results_kept_when_the_call_fails);
	tcase_add_test(tc, xencall_results_kept_when_the_call_fails);
	tcase_add_test(tc, kmod_abi_version_mismatch);
	tcase_add_test(tc, auto_prefers_the_shim);
	tcase_add_test(tc, xencall_marshals_through_privcmd);
	tcase_add_test(tc, wrong_hypercall_number_is_not_supported);
	suite_add_tcase(s, tc);
	return xt_run(s);
}
