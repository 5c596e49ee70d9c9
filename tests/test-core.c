// SPDX-License-Identifier: LGPL-2.1-or-later
/* Opening, probing, transport choice, caps and closing. */
#include "config.h"

#include <stddef.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/private.h"
#include "test-common.h"

static struct xpi_sim *sim;

static void setup(void)
{
	xt_log_reset();
	unsetenv("XPI_BACKEND");
	unsetenv("XPI_HYPERCALL");
	sim = xt_sim_new(NULL);
}

static void teardown(void)
{
	xt_audit_clean(sim);
	xpi_sim_free(sim);
}

/* Each xpi_open_ex() takes the transport (and closes it on failure). */
static struct xpi_transport tr;

static struct xpi_options sim_opts_as(uint16_t caller)
{
	struct xpi_options o;

	xpi_options_init(&o);
	ck_assert_int_eq(xpi_sim_transport(sim, caller, &tr), 0);
	o.transport = &tr;
	return o;
}

static struct xpi_options sim_opts(void)
{
	return sim_opts_as(0);
}

START_TEST(open_probes_caps_once)
{
	xpi_handle *h = xt_open(sim, 0);
	struct xpi_caps caps;
	struct xpi_stats st;
	struct xpi_sim_stats ss;

	ck_assert_int_eq(xpi_get_caps(h, &caps), 0);
	ck_assert_int_eq(caps.map_cap, 1);
	ck_assert_int_eq(caps.map_all_gfns, 1);
	ck_assert_uint_eq(caps.max_order, 18);
	ck_assert_int_eq(caps.strategy, XPI_STRATEGY_MAP_FOREIGN);
	ck_assert_uint_eq(caps.raw_flags,
			  IOMMU_QUERY_map_cap | IOMMU_QUERY_map_all_gfns |
				  18u << IOMMU_page_order_shift);
	ck_assert_int_eq(xpi_get_backend(h), XPI_BACKEND_SIM);
	ck_assert_str_eq(xpi_backend_name(xpi_get_backend(h)), "sim");
	ck_assert_str_eq(xpi_strategy_name(caps.strategy), "map_foreign");
	/* One call at open (query_caps and the host probe), none afterwards. */
	ck_assert_int_eq(xpi_get_caps(h, &caps), 0);
	ck_assert_int_eq(xpi_get_stats(h, &st), 0);
	ck_assert_uint_eq(st.hypercalls, 1);
	ck_assert_uint_eq(st.ops_by_subop[IOMMUOP_query_caps], 1);
	ck_assert_uint_eq(st.ops_by_subop[IOMMUOP_map_foreign_page], 1);
	ck_assert_int_eq(xpi_get_host(h), XPI_HOST_DRAFT);
	ck_assert_int_eq(xpi_sim_stats(sim, &ss), 0);
	ck_assert_uint_eq(ss.hypercalls, 1);
	ck_assert_int_eq(xpi_close(h), 0);
}
END_TEST

START_TEST(strategy_follows_map_cap)
{
	struct xpi_sim_config c;
	struct xpi_sim *s2;
	struct xpi_caps caps;
	xpi_handle *h;

	/* no IOMMU: lookup, order 0 */
	xpi_sim_config_init(&c);
	c.host_frames = 1 << 16;
	c.hwdom_frames = 4096;
	c.iommu_present = 0;
	s2 = xt_sim_new(&c);
	h = xt_open(s2, 0);
	ck_assert_int_eq(xpi_get_caps(h, &caps), 0);
	ck_assert_int_eq(caps.map_cap, 0);
	ck_assert_uint_eq(caps.max_order, 0);
	ck_assert_int_eq(caps.strategy, XPI_STRATEGY_LOOKUP_FOREIGN);
	ck_assert_str_eq(xpi_strategy_name(caps.strategy), "lookup_foreign");
	xpi_close(h);
	xpi_sim_free(s2);

	/* dom0-passthrough: no map capability */
	xpi_sim_config_init(&c);
	c.host_frames = 1 << 16;
	c.hwdom_frames = 4096;
	c.dom0_passthrough = 1;
	s2 = xt_sim_new(&c);
	h = xt_open(s2, 0);
	ck_assert_int_eq(xpi_get_caps(h, &caps), 0);
	ck_assert_int_eq(caps.map_cap, 0);
	ck_assert_int_eq(caps.strategy, XPI_STRATEGY_LOOKUP_FOREIGN);
	xpi_close(h);
	xpi_sim_free(s2);

	/* dom0-strict: map_cap without map_all_gfns */
	xpi_sim_config_init(&c);
	c.host_frames = 1 << 16;
	c.hwdom_frames = 4096;
	c.dom0_strict = 1;
	s2 = xt_sim_new(&c);
	h = xt_open(s2, 0);
	ck_assert_int_eq(xpi_get_caps(h, &caps), 0);
	ck_assert_int_eq(caps.map_cap, 1);
	ck_assert_int_eq(caps.map_all_gfns, 0);
	ck_assert_int_eq(caps.strategy, XPI_STRATEGY_MAP_FOREIGN);
	xpi_close(h);
	xpi_sim_free(s2);
}
END_TEST

START_TEST(no_do_iommu_op_is_not_supported)
{
	struct xpi_sim_config c;
	struct xpi_sim *s2;
	struct xpi_options o;
	xpi_handle *h = (xpi_handle *)&o;

	xpi_sim_config_init(&c);
	c.host_frames = 1 << 16;
	c.hwdom_frames = 4096;
	c.hypercall_present = 0;
	s2 = xt_sim_new(&c);
	xpi_options_init(&o);
	xt_expect_error("not supported");
	ck_assert_int_eq(xpi_sim_open(&h, xt_logger(), s2, 0, &o), -EOPNOTSUPP);
	ck_assert_ptr_null(h);
	ck_assert(xt_log_seen("has no do_iommu_op"));
	/* exactly one error line, nothing misleading */
	ck_assert_uint_eq(xt_log_count(XTL_ERROR), 1);
	xpi_sim_free(s2);
}
END_TEST

START_TEST(open_bad_input)
{
	struct xpi_options o;
	xpi_handle *h = NULL;

	xt_expect_error("");
	ck_assert_int_eq(xpi_open_ex(NULL, xt_logger(), 0, NULL), -EINVAL);
	o = sim_opts();
	ck_assert_int_eq(xpi_open_ex(&h, xt_logger(), 1, &o), -EINVAL);
	ck_assert_ptr_null(h);
	o = sim_opts();
	o.size = sizeof(o) + 8;
	ck_assert_int_eq(xpi_open_ex(&h, xt_logger(), 0, &o), -EINVAL);
	tr.close(tr.data); /* an unreadable struct: its transport untouched */
	o = sim_opts();
	o.size = sizeof(size_t) - 1;
	ck_assert_int_eq(xpi_open_ex(&h, xt_logger(), 0, &o), -EINVAL);
	tr.close(tr.data);
	o = sim_opts();
	o.hypercall = 64;
	ck_assert_int_eq(xpi_open_ex(&h, xt_logger(), 0, &o), -EINVAL);
	o = sim_opts();
	o.bfn_count = 0;
	ck_assert_int_eq(xpi_open_ex(&h, xt_logger(), 0, &o), -EINVAL);
	o = sim_opts();
	o.bfn_base = UINT64_MAX - 4;
	o.bfn_count = 16;
	ck_assert_int_eq(xpi_open_ex(&h, xt_logger(), 0, &o), -EINVAL);
	o = sim_opts();
	o.bfn_base = UINT64_C(1) << 52;
	o.bfn_count = 1;
	ck_assert_int_eq(xpi_open_ex(&h, xt_logger(), 0, &o), -EINVAL);
	o = sim_opts();
	o.max_batch_ops = 0;
	ck_assert_int_eq(xpi_open_ex(&h, xt_logger(), 0, &o), -EINVAL);
	o = sim_opts();
	o.max_batch_ops = XPI_BATCH_LIMIT_MAX_OPS + 1;
	ck_assert_int_eq(xpi_open_ex(&h, xt_logger(), 0, &o), -EINVAL);
	o = sim_opts();
	o.backend = (enum xpi_backend)99;
	ck_assert_int_eq(xpi_open_ex(&h, xt_logger(), 0, &o), -EINVAL);
	o = sim_opts_as(77); /* no such domain */
	ck_assert_int_lt(xpi_open_ex(&h, xt_logger(), 0, &o), 0);
	ck_assert_ptr_null(h);
	ck_assert_uint_ge(xt_log_count(XTL_ERROR), 10);
}
END_TEST

/*
 * A size no release had is refused: below 1.0's (which ends at the
 * transport field), or ending inside a field, or 0; the full size is read
 * through its last field, which is checked.
 */
START_TEST(options_read_to_callers_size)
{
	struct xpi_options o;
	xpi_handle *h = NULL;
	const size_t bad[] = { 0, sizeof(size_t),
			       offsetof(struct xpi_options, max_batch_ops),
			       offsetof(struct xpi_options, transport) + 1,
			       sizeof(o) - 1 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		xpi_options_init(&o);
		o.size = bad[i];
		xt_expect_error("struct xpi_options of");
		ck_assert_int_eq(xpi_open_ex(&h, xt_logger(), 0, &o), -EINVAL);
		ck_assert_ptr_null(h);
	}
	/* The last field inside the caller's size is read, and refused. */
	xpi_options_init(&o);
	o.max_batch_ops = 0;
	xt_expect_error("max_batch_ops");
	ck_assert_int_eq(xpi_sim_open(&h, xt_logger(), sim, 0, &o), -EINVAL);
	ck_assert_ptr_null(h);
}
END_TEST

START_TEST(environment_overrides)
{
	struct xpi_options o;
	xpi_handle *h = NULL;

	xt_expect_error("XPI_");
	setenv("XPI_BACKEND", "bogus", 1);
	o = sim_opts();
	ck_assert_int_eq(xpi_open_ex(&h, xt_logger(), 0, &o), -EINVAL);
	ck_assert(xt_log_seen("XPI_BACKEND=bogus"));
	setenv("XPI_BACKEND", "sim", 1);
	setenv("XPI_HYPERCALL", "64", 1);
	o = sim_opts();
	ck_assert_int_eq(xpi_open_ex(&h, xt_logger(), 0, &o), -EINVAL);
	setenv("XPI_HYPERCALL", "5x", 1);
	o = sim_opts();
	ck_assert_int_eq(xpi_open_ex(&h, xt_logger(), 0, &o), -EINVAL);
	setenv("XPI_HYPERCALL", "56", 1);
	/* XPI_BACKEND=sim with no transport: the production library has
	 * no simulator and says where it is. */
	xt_log_reset();
	xt_expect_error("xpi_sim_open");
	ck_assert_int_eq(xpi_open(&h, xt_logger(), 0), -EINVAL);
	ck_assert(xt_log_seen("xpi_sim_open"));
	/* A plugged-in transport: XPI_BACKEND does not override it, and
	 * XPI_HYPERCALL still applies. */
	setenv("XPI_BACKEND", "xencall", 1);
	o = sim_opts();
	ck_assert_int_eq(xpi_open_ex(&h, xt_logger(), 0, &o), 0);
	ck_assert_int_eq(xpi_get_backend(h), XPI_BACKEND_SIM);
	ck_assert_uint_eq(h->hypercall, 56);
	xpi_close(h);
	/* A private default host through xpi_sim_open(). */
	ck_assert_int_eq(xpi_sim_open(&h, xt_logger(), NULL, 0, NULL), 0);
	ck_assert_int_eq(xpi_get_backend(h), XPI_BACKEND_SIM);
	ck_assert_ptr_ne(h->plug.data, NULL);
	xpi_close(h);
	unsetenv("XPI_BACKEND");
	unsetenv("XPI_HYPERCALL");
}
END_TEST

START_TEST(auto_without_xen_says_so_once)
{
	xpi_handle *h = NULL;

	if (access(XPI_SHIM_DEVICE, F_OK) == 0 ||
	    access(XPI_PRIVCMD_PATH, F_OK) == 0)
		return; /* a Xen host: nothing to check here */
	xt_expect_error("XPI_BACKEND=sim");
	ck_assert_int_eq(xpi_open(&h, xt_logger(), 0), -ENOENT);
	ck_assert_ptr_null(h);
	ck_assert_uint_eq(xt_log_count(XTL_ERROR), 1);
	xt_log_reset();
	xt_expect_error("");
	ck_assert_int_eq(xpi_open_ex(&h, NULL, 0, NULL) == 0, 0);
}
END_TEST

START_TEST(explicit_kernel_backends_without_xen)
{
	struct xpi_options o;
	xpi_handle *h = NULL;
	int rc;

	if (access(XPI_PRIVCMD_PATH, F_OK) == 0)
		return;
	xt_expect_error("");
	xpi_options_init(&o);
	o.backend = XPI_BACKEND_KMOD;
	ck_assert_int_eq(xpi_open_ex(&h, xt_logger(), 0, &o), -ENOENT);
	o.backend = XPI_BACKEND_XENCALL;
	rc = xpi_open_ex(&h, xt_logger(), 0, &o);
#if HAVE_XEN
	ck_assert_int_eq(rc, -ENOENT);
#else
	ck_assert_int_eq(rc, -EPROTONOSUPPORT);
#endif
	ck_assert_ptr_null(h);
}
END_TEST

START_TEST(accessors_bad_input)
{
	xpi_handle *h = xt_open(sim, 0);
	struct xpi_caps caps;
	struct xpi_stats st;
	uint64_t base, count;

	/* every bad input with a handle: -EINVAL and one log line each (the
	 * header's convention; 37fded6 logged none of these) */
	xt_expect_error("");
	ck_assert_int_eq(xpi_get_caps(NULL, &caps), -EINVAL);
	ck_assert_int_eq(xpi_get_caps_sized(h, NULL, sizeof(caps)), -EINVAL);
	ck_assert(xt_log_seen("xpi_get_caps: NULL caps"));
	ck_assert_int_eq(xpi_get_stats(NULL, &st), -EINVAL);
	ck_assert_int_eq(xpi_get_stats_sized(h, NULL, sizeof(st)), -EINVAL);
	ck_assert(xt_log_seen("xpi_get_stats: NULL stats"));
	/* Sizes no release had: 0, inside the last field, larger (a newer
	 * header); the caller's struct is left as it was. */
	{
		const size_t bad[] = { 0, sizeof(caps) - 1, sizeof(caps) + 8 };
		const size_t sbad[] = { 0, sizeof(st) - 1, sizeof(st) + 8 };

		for (size_t i = 0; i < 3; i++) {
			memset(&caps, 0xa5, sizeof(caps));
			ck_assert_int_eq(xpi_get_caps_sized(h, &caps, bad[i]),
					 -EINVAL);
			ck_assert_uint_eq(caps.raw_flags, 0xa5a5);
			memset(&st, 0xa5, sizeof(st));
			ck_assert_int_eq(xpi_get_stats_sized(h, &st, sbad[i]),
					 -EINVAL);
			ck_assert_uint_eq(st.hypercalls,
					  UINT64_C(0xa5a5a5a5a5a5a5a5));
		}
		for (size_t i = 0; i < 3; i++) {
			struct xpi_mapping m;
			/* inside the last field (the struct's tail padding
			 * holds no field, so sizeof - 1 is still whole) */
			const size_t mbad[] = {
				0, offsetof(struct xpi_mapping, allocated),
				sizeof(m) + 8
			};

			ck_assert_int_eq(xpi_mapping_find_sized(h, 0, &m,
								mbad[i]),
					 -EINVAL);
		}
		ck_assert(xt_log_seen("xpi_mapping_find: a struct of"));
		ck_assert(xt_log_seen("xpi_get_caps: a struct of"));
		ck_assert(xt_log_seen("xpi_get_stats: a struct of"));
		ck_assert_int_eq(xpi_get_caps_sized(h, &caps, sizeof(caps)), 0);
		ck_assert_uint_ne(caps.raw_flags, 0xa5a5);
	}
	ck_assert_int_eq(xpi_get_bfn_window(h, NULL, &count), -EINVAL);
	ck_assert_int_eq(xpi_get_bfn_window(h, &base, NULL), -EINVAL);
	ck_assert_int_eq(xpi_get_bfn_window(NULL, &base, &count), -EINVAL);
	ck_assert(xt_log_seen("xpi_get_bfn_window: NULL base or count"));
	ck_assert_int_eq(xpi_mapping_find_sized(h, 0, NULL,
						sizeof(struct xpi_mapping)),
			 -EINVAL);
	ck_assert(xt_log_seen("xpi_mapping_find: NULL mapping"));
	ck_assert_int_eq(xpi_mapping_foreach(h, NULL, NULL), -EINVAL);
	ck_assert(xt_log_seen("xpi_mapping_foreach: NULL function"));
	ck_assert_uint_eq(xt_log_count(XTL_ERROR), 15); /* 6 NULLs, 9 sizes */
	{
		struct xpi_batch *b;
		struct pv_iommu_op op;

		ck_assert_int_eq(xpi_batch_new(h, &b), 0);
		ck_assert_int_eq(xpi_batch_set_policy(b,
						      (enum xpi_batch_policy)9),
				 -EINVAL);
		ck_assert(xt_log_seen("batch: unknown policy 9"));
		ck_assert_int_eq(xpi_batch_set_max_ops(b, 0), -EINVAL);
		ck_assert(xt_log_seen("batch: max_ops 0"));
		ck_assert_int_eq(xpi_batch_status(b, 3), -ERANGE);
		ck_assert(xt_log_seen("batch: status of op 3 of 0"));
		ck_assert_int_eq(xpi_batch_get_op(b, 0, &op), -EINVAL);
		ck_assert(xt_log_seen("batch: get_op 0 of 0"));
		ck_assert_uint_eq(xt_log_count(XTL_ERROR), 19);
		xpi_batch_free(b);
	}
	ck_assert_int_eq(xpi_get_bfn_window(h, &base, &count), 0);
	ck_assert_uint_eq(base, UINT64_C(1) << 32);
	ck_assert_uint_eq(count, UINT64_C(1) << 30);
	ck_assert_int_eq(xpi_get_backend(NULL), XPI_BACKEND_AUTO);
	ck_assert_str_eq(xpi_backend_name((enum xpi_backend)42), "?");
	ck_assert_str_eq(xpi_strategy_name((enum xpi_strategy)42), "?");
	ck_assert_uint_eq(xpi_mapping_count(NULL), 0);
	ck_assert_int_eq(xpi_close(NULL), 0);
	xpi_options_init(NULL); /* must not crash */
	ck_assert_int_eq(xpi_close(h), 0);
}
END_TEST

START_TEST(close_unmaps_everything)
{
	xpi_handle *h;
	struct xpi_sim_frame_info fi;
	uint64_t gfns[64], bfns[64], mfn;
	uint16_t ios;

	xt_guest(sim, 1, 4096, XPI_SIM_BACKING_CONTIGUOUS);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, 1, &ios), 0);
	h = xt_open(sim, 0);
	/* own pages, at BFNs above the 1:1 region */
	ck_assert_int_eq(xpi_map_range(h, UINT64_C(1) << 24, 1024, 512,
				       IOMMU_OP_readable | IOMMU_OP_writeable),
			 0);
	for (int i = 0; i < 64; i++)
		gfns[i] = (uint64_t)i * 3;
	ck_assert_int_eq(xpi_foreign_map(h, 1, ios, gfns, 64,
					 XPI_FOREIGN_READ | XPI_FOREIGN_WRITE,
					 bfns, NULL),
			 64);
	ck_assert_uint_eq(xpi_mapping_count(h), 65);
	ck_assert_uint_gt(xpi_sim_iommu_extents(sim, 0), 0);
	ck_assert_int_eq(xpi_close(h), 0);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, 0), 0);
	/* no extra reference remains: ownership only */
	for (int i = 0; i < 64; i++) {
		ck_assert_int_eq(xpi_sim_p2m_lookup(sim, 1, gfns[i], &mfn), 0);
		ck_assert_int_eq(xpi_sim_frame_info(sim, mfn, &fi), 0);
		ck_assert_uint_eq(fi.refs, 1);
		ck_assert_uint_eq(fi.writable_refs, 0);
		ck_assert_uint_eq(fi.m2b_entries, 0);
	}
	ck_assert_int_eq(xpi_sim_frame_info(sim, 1024, &fi), 0);
	ck_assert_uint_eq(fi.refs, 1);
	ck_assert_uint_eq(fi.writable_refs, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	XT_ADD_DRAFT_ONLY(tc, open_probes_caps_once);
	XT_ADD_DRAFT_ONLY(tc, strategy_follows_map_cap);
	tcase_add_test(tc, no_do_iommu_op_is_not_supported);
	tcase_add_test(tc, open_bad_input);
	tcase_add_test(tc, options_read_to_callers_size);
	tcase_add_test(tc, environment_overrides);
	tcase_add_test(tc, auto_without_xen_says_so_once);
	tcase_add_test(tc, explicit_kernel_backends_without_xen);
	tcase_add_test(tc, accessors_bad_input);
	XT_ADD_DRAFT_ONLY(tc, close_unmaps_everything);
	suite_add_tcase(s, tc);
	return xt_run(s);
}
