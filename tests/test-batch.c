// SPDX-License-Identifier: LGPL-2.1-or-later
/* The batching builder: appending, statuses, chunking, coalescing, policies. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/private.h"
#include "test-common.h"

#define RW (IOMMU_OP_readable | IOMMU_OP_writeable)
#define HIGH (UINT64_C(1) << 24) /* a BFN above the hardware domain's 1:1 */

static struct xpi_sim *sim;
static xpi_handle *h;
static struct xpi_batch *b;

static void setup(void)
{
	xt_log_reset();
	sim = xt_sim_new(NULL);
	h = xt_open(sim, 0);
	ck_assert_int_eq(xpi_batch_new(h, &b), 0);
}

static void teardown(void)
{
	xpi_batch_free(b);
	ck_assert_int_eq(xpi_close(h), 0);
	xt_audit_clean(sim);
	xpi_sim_free(sim);
}

static struct xpi_stats stats(void)
{
	struct xpi_stats st;

	ck_assert_int_eq(xpi_get_stats(h, &st), 0);
	return st;
}

START_TEST(append_returns_indices)
{
	ck_assert_int_eq(xpi_batch_add_map(b, HIGH, 100, 0, RW), 0);
	ck_assert_int_eq(xpi_batch_add_unmap(b, HIGH, 0), 1);
	ck_assert_int_eq(xpi_batch_add_map_foreign(b, HIGH, 1, 0, 0, 0, RW), 2);
	ck_assert_int_eq(xpi_batch_add_lookup_foreign(b, 1, 0, 0), 3);
	ck_assert_int_eq(xpi_batch_add_unmap_foreign(b, HIGH, 0, 0), 4);
	ck_assert_uint_eq(xpi_batch_count(b), 5);
	ck_assert_int_eq(xpi_batch_status(b, 0), -EAGAIN);
	{
		int st = 1;

		ck_assert_int_eq(xpi_batch_get_status(b, 0, &st), -EAGAIN);
		ck_assert_int_eq(st, 1);
	}
	xpi_batch_reset(b);
	ck_assert_uint_eq(xpi_batch_count(b), 0);
}
END_TEST

/* Every bad input to an append is refused at submit, with -EINVAL as the
 * op's status, one log line each, and no hypercall. */
START_TEST(append_bad_input)
{
	struct xpi_stats before = stats(), after;
	long idx[32];
	size_t n = 0;

	xt_expect_error("batch:");
	/* every add function with a NULL batch */
	ck_assert_int_eq(xpi_batch_add_map(NULL, HIGH, 1, 0, RW), -EINVAL);
	ck_assert_int_eq(xpi_batch_add_unmap(NULL, HIGH, 0), -EINVAL);
	ck_assert_int_eq(xpi_batch_add_map_foreign(NULL, HIGH, 1, 0, 0, 0, RW),
			 -EINVAL);
	ck_assert_int_eq(xpi_batch_add_lookup_foreign(NULL, 1, 0, 0), -EINVAL);
	ck_assert_int_eq(xpi_batch_add_unmap_foreign(NULL, HIGH, 0, 0),
			 -EINVAL);
	ck_assert_int_eq(xpi_batch_add_op(NULL, NULL), -EINVAL);
	ck_assert_int_eq(xpi_batch_add_op(b, NULL), -EINVAL);
	/* reserved flags, order bits in flags, no access */
	idx[n++] = xpi_batch_add_map(b, HIGH, 1000, 0, RW | 0x8);
	idx[n++] = xpi_batch_add_map(b, HIGH, 1000, 0, RW | 1u << 10);
	idx[n++] = xpi_batch_add_map(b, HIGH, 1000, 0, 0);
	idx[n++] = xpi_batch_add_map(b, HIGH, 1000, 0, IOMMU_MAP_OP_no_ref_cnt);
	idx[n++] = xpi_batch_add_map_foreign(b, HIGH, 1, 0, 0, 0, RW | 0x8);
	idx[n++] = xpi_batch_add_map_foreign(b, HIGH, 1, 0, 0, 0, 0);
	/* misaligned and oversize orders */
	idx[n++] = xpi_batch_add_map(b, HIGH + 1, 1024, 9, RW);
	idx[n++] = xpi_batch_add_map(b, HIGH, 1025, 9, RW);
	idx[n++] = xpi_batch_add_map(b, 0, 0, 64, RW);
	idx[n++] = xpi_batch_add_unmap(b, HIGH + 1, 9);
	idx[n++] = xpi_batch_add_unmap(b, 0, 64);
	idx[n++] = xpi_batch_add_map_foreign(b, HIGH, 1, 1, 0, 1, RW);
	idx[n++] = xpi_batch_add_unmap_foreign(b, HIGH + 2, 0, 2);
	/* reserved domids */
	idx[n++] = xpi_batch_add_map_foreign(b, HIGH, XPI_DOMID_SELF, 0, 0, 0,
					     RW);
	idx[n++] = xpi_batch_add_lookup_foreign(b, 0x7FF4, 0, 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(idx[i], (long)i);
	ck_assert_uint_eq(xpi_batch_count(b), n);
	ck_assert_int_eq(xpi_batch_submit(b), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(xpi_batch_status(b, i) == -EINVAL,
			      "op %zu: status %d", i, xpi_batch_status(b, i));
	ck_assert_uint_ge(xt_log_count(XTL_ERROR), n);
	after = stats();
	ck_assert_uint_eq(after.hypercalls, before.hypercalls);
	ck_assert_uint_eq(xpi_mapping_count(h), 0);
	/* settings */
	ck_assert_int_eq(xpi_batch_set_max_ops(b, 0), -EINVAL);
	ck_assert_int_eq(xpi_batch_set_max_ops(b, XPI_BATCH_LIMIT_MAX_OPS + 1),
			 -EINVAL);
	ck_assert_int_eq(xpi_batch_set_max_ops(NULL, 4), -EINVAL);
	ck_assert_int_eq(xpi_batch_set_policy(b, (enum xpi_batch_policy)7),
			 -EINVAL);
	ck_assert_int_eq(xpi_batch_set_policy(NULL, XPI_BATCH_INDEPENDENT),
			 -EINVAL);
	ck_assert_int_eq(xpi_batch_set_coalesce(NULL, 1), -EINVAL);
	{
		struct xpi_batch *other = b;

		ck_assert_int_eq(xpi_batch_new(NULL, &other), -EINVAL);
		ck_assert_ptr_null(other);
	}
	ck_assert_int_eq(xpi_batch_new(h, NULL), -EINVAL);
	ck_assert_int_eq(xpi_batch_submit(NULL), -EINVAL);
	ck_assert_int_eq(xpi_batch_status(NULL, 0), -EINVAL);
	/* a bad index is not -EINVAL, the status of a refused op */
	ck_assert_int_eq(xpi_batch_status(b, n), -ERANGE);
	ck_assert_int_eq(xpi_batch_status(b, SIZE_MAX), -ERANGE);
	/* xpi_batch_get_status(): the call's errors apart from the op's */
	{
		int st = 1;

		ck_assert_int_eq(xpi_batch_get_status(b, 0, &st), 0);
		ck_assert_int_eq(st, -EINVAL);
		st = 1;
		ck_assert_int_eq(xpi_batch_get_status(b, n, &st), -ERANGE);
		ck_assert_int_eq(st, 1);
		ck_assert_int_eq(xpi_batch_get_status(NULL, 0, &st), -EINVAL);
		ck_assert_int_eq(xpi_batch_get_status(b, 0, NULL), -EINVAL);
	}
	ck_assert_int_eq(xpi_batch_get_op(b, 0, NULL), -EINVAL);
	ck_assert_uint_eq(xpi_batch_count(NULL), 0);
	xpi_batch_free(NULL);
	xpi_batch_reset(NULL);
}
END_TEST

/* A bad op among good ones: only it is refused; the run around it still
 * coalesces where it can. */
START_TEST(bad_op_does_not_stop_the_rest)
{
	xt_expect_error("batch: op 1");
	ck_assert_int_eq(xpi_batch_add_map(b, HIGH, 1000, 0, RW), 0);
	ck_assert_int_eq(xpi_batch_add_map(b, HIGH + 1, 1001, 0, 0x40 | RW), 1);
	ck_assert_int_eq(xpi_batch_add_map(b, HIGH + 2, 1002, 0, RW), 2);
	ck_assert_int_eq(xpi_batch_submit(b), 2);
	ck_assert_int_eq(xpi_batch_status(b, 0), 0);
	ck_assert_int_eq(xpi_batch_status(b, 1), -EINVAL);
	ck_assert_int_eq(xpi_batch_status(b, 2), 0);
	{
		uint64_t mfn;

		ck_assert_int_eq(xpi_sim_iommu_lookup(sim, 0, HIGH + 1, &mfn,
						      NULL),
				 -ENOENT);
	}
}
END_TEST

START_TEST(submit_once_then_reset)
{
	struct pv_iommu_op op;

	ck_assert_int_eq(xpi_batch_add_map(b, HIGH, 1000, 0, RW), 0);
	ck_assert_int_eq(xpi_batch_submit(b), 1);
	ck_assert_int_eq(xpi_batch_status(b, 0), 0);
	ck_assert_int_eq(xpi_batch_get_op(b, 0, &op), 0);
	ck_assert_uint_eq(op.u.map_page.bfn, HIGH);
	xt_expect_error("submit");
	ck_assert_int_eq(xpi_batch_submit(b), -EBUSY);
	ck_assert_int_eq(xpi_batch_add_unmap(b, HIGH, 0), -EBUSY);
	xpi_batch_reset(b);
	ck_assert_int_eq(xpi_batch_add_unmap(b, HIGH, 0), 0);
	ck_assert_int_eq(xpi_batch_submit(b), 1);
	ck_assert_uint_eq(xpi_mapping_count(h), 0);
}
END_TEST

/* Each status the hypervisor gives reaches the caller unchanged. */
START_TEST(per_op_errno_reaches_caller)
{
	struct pv_iommu_op raw = { .subop_id = 77 };
	struct pv_iommu_op resv = { .subop_id = IOMMUOP_map_page,
				    .flags = RW | 0x10 };
	long i_perm, i_acces, i_nospc, i_noent, i_inval, i_unknown, i_io, i_ok;

	ck_assert_int_eq(xpi_sim_rmrr_add(sim, 0, HIGH + 64, 8), 0);
	resv.u.map_page.bfn = HIGH + 200;
	resv.u.map_page.gfn = 2000;
	i_ok = xpi_batch_add_map(b, HIGH, 1000, 0, RW);
	i_perm = xpi_batch_add_map(b, HIGH + 1, 0, 0, RW); /* Xen's frame */
	i_acces = xpi_batch_add_map(b, HIGH + 64, 1001, 0, RW);
	i_nospc = xpi_batch_add_map(b, UINT64_C(1) << 40, 0, 19, RW);
	i_noent = xpi_batch_add_unmap(b, HIGH + 128, 0);
	i_inval = xpi_batch_add_op(b, &resv);
	i_unknown = xpi_batch_add_op(b, &raw);
	ck_assert_int_eq(xpi_batch_submit(b), 1);
	ck_assert_int_eq(xpi_batch_status(b, i_ok), 0);
	ck_assert_int_eq(xpi_batch_status(b, i_perm), -EPERM);
	ck_assert_int_eq(xpi_batch_status(b, i_acces), -EACCES);
	ck_assert_int_eq(xpi_batch_status(b, i_nospc), -ENOSPC);
	ck_assert_int_eq(xpi_batch_status(b, i_noent), -ENOENT);
	ck_assert_int_eq(xpi_batch_status(b, i_inval), -EINVAL);
	ck_assert_int_eq(xpi_batch_status(b, i_unknown), -EOPNOTSUPP);
	ck_assert_uint_eq(stats().errors, 6);

	/* -EIO from the IOMMU unit */
	xpi_batch_reset(b);
	ck_assert_int_eq(xpi_sim_inject_iommu_faults(sim, 1), 0);
	i_io = xpi_batch_add_map(b, HIGH + 300, 1300, 0, RW);
	ck_assert_int_eq(xpi_batch_submit(b), 0);
	ck_assert_int_eq(xpi_batch_status(b, i_io), -EIO);
	ck_assert_uint_eq(xpi_mapping_count(h), 1);
}
END_TEST

START_TEST(chunks_of_max_ops)
{
	struct xpi_stats before = stats(), after;

	ck_assert_int_eq(xpi_batch_set_max_ops(b, 3), 0);
	ck_assert_int_eq(xpi_batch_set_coalesce(b, 0), 0);
	for (int i = 0; i < 10; i++)
		ck_assert_int_ge(xpi_batch_add_map(b, HIGH + i, 1000 + i, 0,
						   RW),
				 0);
	ck_assert_int_eq(xpi_batch_submit(b), 10);
	after = stats();
	ck_assert_uint_eq(after.hypercalls - before.hypercalls, 4);
	ck_assert_uint_eq(after.ops - before.ops, 10);
	ck_assert_uint_eq(xpi_mapping_count(h), 10);
}
END_TEST

START_TEST(one_flush_per_changing_hypercall)
{
	struct xpi_sim_stats s0, s1;

	ck_assert_int_eq(xpi_batch_set_coalesce(b, 0), 0);
	ck_assert_int_eq(xpi_sim_stats(sim, &s0), 0);
	for (int i = 0; i < 2048; i++)
		xpi_batch_add_map(b, HIGH + i, 1000 + i, 0, RW);
	ck_assert_int_eq(xpi_batch_submit(b), 2048);
	ck_assert_int_eq(xpi_sim_stats(sim, &s1), 0);
	ck_assert_uint_eq(s1.hypercalls - s0.hypercalls, 2);
	/* 1024 ops per hypercall; the simulator preempts every 1024 too */
	ck_assert_uint_eq(s1.iotlb_flushes - s0.iotlb_flushes, 2);
}
END_TEST

START_TEST(coalesces_aligned_runs)
{
	struct xpi_stats before = stats(), after;
	struct xpi_mapping m;

	/* 512 + 8 contiguous pages from an order-9 boundary */
	for (int i = 0; i < 520; i++)
		ck_assert_int_ge(xpi_batch_add_map(b, HIGH + i, 2048 + i, 0,
						   RW),
				 0);
	ck_assert_int_eq(xpi_batch_submit(b), 520);
	after = stats();
	ck_assert_uint_eq(after.ops - before.ops, 2); /* order 9 + order 3 */
	ck_assert_uint_eq(after.coalesced_ops, 520);
	ck_assert_uint_eq(xpi_mapping_count(h), 2);
	ck_assert_int_eq(xpi_mapping_find(h, HIGH + 100, &m), 0);
	ck_assert_uint_eq(m.bfn, HIGH);
	ck_assert_uint_eq(m.order, 9);
	ck_assert_uint_eq(m.gfn, 2048);
	ck_assert_uint_eq(m.domid, XPI_DOMID_SELF);
	for (int i = 0; i < 520; i++)
		ck_assert_int_eq(xpi_batch_status(b, (size_t)i), 0);

	/* Unmapping the same pages one by one ends each extent whole. */
	xpi_batch_reset(b);
	before = stats();
	for (int i = 0; i < 520; i++)
		xpi_batch_add_unmap(b, HIGH + i, 0);
	ck_assert_int_eq(xpi_batch_submit(b), 520);
	after = stats();
	ck_assert_uint_eq(after.ops - before.ops, 2);
	ck_assert_uint_eq(xpi_mapping_count(h), 0);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, 0), 0);
}
END_TEST

START_TEST(enospc_retries_smaller_orders)
{
	xpi_handle *g;
	struct xpi_batch *gb;
	struct xpi_stats st;

	/* a guest with IOMMU hardware and scattered backing maps its own
	 * pages: the order-9 attempt is refused, the pages go singly */
	xt_guest(sim, 3, 1024, XPI_SIM_BACKING_SCATTERED);
	g = xt_open(sim, 3);
	ck_assert_int_eq(xpi_batch_new(g, &gb), 0);
	for (int i = 0; i < 512; i++)
		xpi_batch_add_map(gb, HIGH + i, (uint64_t)i, 0, RW);
	ck_assert_int_eq(xpi_batch_submit(gb), 512);
	for (int i = 0; i < 512; i++)
		ck_assert_int_eq(xpi_batch_status(gb, (size_t)i), 0);
	ck_assert_int_eq(xpi_get_stats(g, &st), 0);
	ck_assert_uint_ge(st.enospc_splits, 1);
	ck_assert_uint_eq(st.errors, 0);
	ck_assert_uint_eq(xpi_mapping_count(g), 512);
	xpi_batch_free(gb);
	ck_assert_int_eq(xpi_close(g), 0);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, 3), 0);
}
END_TEST

/*
 * The first -ENOSPC of an order no map of it has succeeded with: the
 * handle coalesces no higher from then on (logged once), so the next
 * batch is not split again; after a success at that order, a -ENOSPC is
 * the backing's and changes nothing.
 */
START_TEST(enospc_learnt_only_before_a_success)
{
	xpi_handle *g;
	struct xpi_stats st;
	struct xpi_caps caps;
	uint64_t splits;

	xt_guest(sim, 3, 1024, XPI_SIM_BACKING_SCATTERED);
	g = xt_open(sim, 3);
	ck_assert_int_eq(xpi_get_caps(g, &caps), 0);
	ck_assert_uint_ge(caps.max_order, 9);
	xt_expect_error("coalescing no higher than order 0");
	ck_assert_int_eq(xpi_map_range(g, HIGH, 0, 512, RW), 0);
	ck_assert(xt_log_seen("an order-9 map was refused"));
	ck_assert_int_eq(xpi_get_caps(g, &caps), 0);
	ck_assert_uint_eq(caps.max_order, 0);
	ck_assert_int_eq(xpi_get_stats(g, &st), 0);
	splits = st.enospc_splits;
	ck_assert_uint_eq(splits, 1);
	ck_assert_int_eq(xpi_map_range(g, HIGH + 512, 512, 512, RW), 0);
	ck_assert_int_eq(xpi_get_stats(g, &st), 0);
	ck_assert_uint_eq(st.enospc_splits, splits); /* not split again */
	ck_assert_uint_eq(st.ops_by_subop[IOMMUOP_map_page], 1 + 512 + 512);
	ck_assert_int_eq(xpi_close(g), 0);

	/* Contiguous: order 9 succeeds first; a GFN re-populated elsewhere
	 * then makes the next 512 non-contiguous, which only splits. */
	ck_assert_int_eq(xpi_sim_domain_destroy(sim, 3), 0);
	xt_guest(sim, 4, 1024, XPI_SIM_BACKING_CONTIGUOUS);
	g = xt_open(sim, 4);
	ck_assert_int_eq(xpi_map_range(g, HIGH, 0, 512, RW), 0);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, 4, 600), 0);
	ck_assert_int_eq(xpi_sim_populate(sim, 4, 600), 0);
	ck_assert_int_eq(xpi_map_range(g, HIGH + 512, 512, 512, RW), 0);
	ck_assert_int_eq(xpi_get_stats(g, &st), 0);
	ck_assert_uint_eq(st.enospc_splits, 1);
	ck_assert_int_eq(xpi_get_caps(g, &caps), 0);
	ck_assert_uint_ge(caps.max_order, 9);
	ck_assert_int_eq(xpi_close(g), 0);
}
END_TEST

START_TEST(live_bfn_is_eexist_before_any_hypercall)
{
	struct xpi_stats before, after;

	ck_assert_int_eq(xpi_map_range(h, HIGH, 1000, 4, RW), 0);
	before = stats();
	ck_assert_int_eq(xpi_batch_add_map(b, HIGH + 2, 5000, 0, RW), 0);
	ck_assert_int_eq(xpi_batch_submit(b), 0);
	ck_assert_int_eq(xpi_batch_status(b, 0), -EEXIST);
	after = stats();
	ck_assert_uint_eq(after.hypercalls, before.hypercalls);
	/* a superpage over a live page: refused, the rest still maps */
	xpi_batch_reset(b);
	for (int i = 0; i < 8; i++)
		xpi_batch_add_map(b, HIGH + i, 6000 + i, 0, RW);
	ck_assert_int_eq(xpi_batch_submit(b), 4);
	ck_assert_int_eq(xpi_batch_status(b, 1), -EEXIST);
	ck_assert_int_eq(xpi_batch_status(b, 5), 0);
}
END_TEST

START_TEST(all_or_nothing_undoes)
{
	struct xpi_sim_frame_info fi;

	ck_assert_int_eq(xpi_batch_set_policy(b, XPI_BATCH_ALL_OR_NOTHING), 0);
	xpi_batch_add_map(b, HIGH, 1000, 0, RW);
	xpi_batch_add_map(b, HIGH + 7, 1007, 0, RW);
	xpi_batch_add_map(b, HIGH + 9, 0, 0, RW); /* Xen's frame: -EPERM */
	ck_assert_int_eq(xpi_batch_submit(b), -EPERM);
	ck_assert_int_eq(xpi_batch_status(b, 0), -ECANCELED);
	ck_assert_int_eq(xpi_batch_status(b, 1), -ECANCELED);
	ck_assert_int_eq(xpi_batch_status(b, 2), -EPERM);
	ck_assert_uint_eq(xpi_mapping_count(h), 0);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, 0), 0);
	ck_assert_int_eq(xpi_sim_frame_info(sim, 1000, &fi), 0);
	ck_assert_uint_eq(fi.refs, 1);
	ck_assert_uint_eq(fi.writable_refs, 0);
	ck_assert(xt_log_seen("all-or-nothing"));
	xt_audit_clean(sim);
}
END_TEST

/* L-9: flags are 16 bits in the op: a bit above is refused with -EINVAL
 * and a log line, never truncated away (it was mapped at 37fded6). */
START_TEST(flag_bits_above_15_are_refused)
{
	struct xpi_stats before = stats();
	long i_map, i_foreign;

	xt_guest(sim, 1, 64, XPI_SIM_BACKING_CONTIGUOUS);
	xt_expect_error("above bit 15");
	i_map = xpi_batch_add_map(b, HIGH, 1000, 0, RW | 1u << 16);
	i_foreign = xpi_batch_add_map_foreign(b, HIGH + 1, 1, 0, 0, 0,
					      RW | 1u << 31);
	ck_assert_int_eq(xpi_batch_add_map(b, HIGH + 2, 1002, 0, RW), 2);
	ck_assert_int_eq(xpi_batch_submit(b), 1);
	ck_assert_int_eq(xpi_batch_status(b, (size_t)i_map), -EINVAL);
	ck_assert_int_eq(xpi_batch_status(b, (size_t)i_foreign), -EINVAL);
	ck_assert(xt_log_seen(
		"op 0 (subop 2, map_page): flag bits above bit 15"));
	ck_assert(xt_log_seen(
		"op 1 (subop 4, map_foreign_page): flag bits above bit 15"));
	ck_assert_uint_eq(stats().ops - before.ops, 1);
	ck_assert_uint_eq(xpi_mapping_count(h), 1);
	{
		uint64_t mfn;

		ck_assert_int_eq(xpi_sim_iommu_lookup(sim, 0, HIGH, &mfn, NULL),
				 -ENOENT);
		ck_assert_int_eq(xpi_sim_iommu_lookup(sim, 0, HIGH + 2, &mfn,
						      NULL),
				 0);
	}
}
END_TEST

/* Issue 12.5: a raw query_caps op comes back with what the hypervisor
 * wrote in its flags (0 at 37fded6). */
START_TEST(query_caps_flags_come_back)
{
	struct pv_iommu_op q = { .subop_id = IOMMUOP_query_caps }, out;
	struct xpi_caps caps;

	ck_assert_int_eq(xpi_get_caps(h, &caps), 0);
	ck_assert_uint_ne(caps.raw_flags, 0);
	ck_assert_int_eq(xpi_batch_add_op(b, &q), 0);
	ck_assert_int_eq(xpi_batch_submit(b), 1);
	ck_assert_int_eq(xpi_batch_get_op(b, 0, &out), 0);
	ck_assert_int_eq(out.status, 0);
	ck_assert_uint_eq(out.flags, caps.raw_flags);
}
END_TEST

/* Issue 12.3, L-6: all-or-nothing does not undo a lookup, and a lookup
 * of a page an earlier batch looked up keeps that live mapping: tracked,
 * Xen's entry and its reference in place. */
START_TEST(all_or_nothing_keeps_lookups)
{
	struct xpi_sim_frame_info fi;
	struct xpi_mapping m;
	uint16_t ios;
	uint64_t bfn, mfn;

	xt_guest(sim, 1, 64, XPI_SIM_BACKING_CONTIGUOUS);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, 1, &ios), 0);
	ck_assert_int_eq(xpi_sim_p2m_lookup(sim, 1, 7, &mfn), 0);
	/* the earlier batch */
	ck_assert_int_eq(xpi_batch_add_lookup_foreign(b, 1, 7, ios), 0);
	ck_assert_int_eq(xpi_batch_submit(b), 1);
	{
		struct pv_iommu_op op;

		ck_assert_int_eq(xpi_batch_get_op(b, 0, &op), 0);
		bfn = op.u.lookup_foreign_page.bfn;
	}
	ck_assert_uint_eq(bfn, mfn);
	ck_assert_int_eq(xpi_sim_frame_info(sim, mfn, &fi), 0);
	ck_assert_uint_eq(fi.refs, 2); /* owner + the lookup entry */

	/* all-or-nothing: the same lookup, and an op that fails */
	xpi_batch_reset(b);
	ck_assert_int_eq(xpi_batch_set_policy(b, XPI_BATCH_ALL_OR_NOTHING), 0);
	ck_assert_int_eq(xpi_batch_add_lookup_foreign(b, 1, 7, ios), 0);
	ck_assert_int_eq(xpi_batch_add_map(b, HIGH, 1000, 0, RW), 1);
	ck_assert_int_eq(xpi_batch_add_map(b, HIGH + 9, 0, 0, RW),
			 2); /* -EPERM */
	ck_assert_int_eq(xpi_batch_submit(b), -EPERM);
	ck_assert_int_eq(xpi_batch_status(b, 0), 0);	      /* not undone */
	ck_assert_int_eq(xpi_batch_status(b, 1), -ECANCELED); /* undone */
	ck_assert_int_eq(xpi_batch_status(b, 2), -EPERM);
	ck_assert_uint_eq(xpi_mapping_count(h), 1);
	ck_assert_int_eq(xpi_mapping_find(h, bfn, &m), 0);
	ck_assert_uint_eq(m.lookup, 1);
	ck_assert_uint_eq(m.ioserver, ios);
	ck_assert_int_eq(xpi_sim_frame_info(sim, mfn, &fi), 0);
	ck_assert_uint_eq(fi.refs, 2);
	ck_assert_uint_eq(fi.m2b_entries, 1);
	xt_audit_clean(sim);
	/* close ends it */
	ck_assert_int_eq(xpi_close(h), 0);
	h = xt_open(sim, 0);
	ck_assert_int_eq(xpi_sim_frame_info(sim, mfn, &fi), 0);
	ck_assert_uint_eq(fi.refs, 1);
	ck_assert_uint_eq(fi.m2b_entries, 0);
}
END_TEST

START_TEST(transport_eintr_is_retried)
{
	struct xpi_stats st;

	ck_assert_int_eq(xpi_sim_inject_eintr(sim, 1), 0);
	ck_assert_int_eq(xpi_batch_set_coalesce(b, 0), 0);
	for (int i = 0; i < 64; i++)
		xpi_batch_add_map(b, HIGH + i, 1000 + i, 0, RW);
	ck_assert_int_eq(xpi_batch_submit(b), 64);
	st = stats();
	ck_assert_uint_ge(st.retries, 1);
	ck_assert_uint_eq(xpi_mapping_count(h), 64);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, 0), 64);
	ck_assert_int_eq(xpi_sim_inject_eintr(sim, 0), 0);
}
END_TEST

START_TEST(map_range_helpers)
{
	struct xpi_stats before, after;
	xpi_handle *g;
	uint64_t mfn;

	/* A guest with a device maps its RAM 1:1 (as Linux would): 2 MiB
	 * aligned and contiguous, so one order-9 op. */
	xt_guest(sim, 2, 1024, XPI_SIM_BACKING_CONTIGUOUS);
	g = xt_open(sim, 2);
	ck_assert_int_eq(xpi_get_stats(g, &before), 0);
	ck_assert_int_eq(xpi_map_identity(g, 512, 512, RW), 0);
	ck_assert_int_eq(xpi_get_stats(g, &after), 0);
	ck_assert_uint_eq(after.ops - before.ops, 1);
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, 2, 700, &mfn, NULL), 0);
	ck_assert_int_eq(xpi_close(g), 0);
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, 2, 700, &mfn, NULL),
			 -ENOENT);

	ck_assert_int_eq(xpi_map_range(h, HIGH, 1024, 512, RW), 0);
	xt_expect_error("");
	ck_assert_int_eq(xpi_map_range(NULL, 0, 0, 1, RW), -EINVAL);
	ck_assert_int_eq(xpi_map_range(h, HIGH, 0, 0, RW), -EINVAL);
	ck_assert_int_eq(xpi_map_range(h, UINT64_MAX, 0, 2, RW), -EINVAL);
	ck_assert_int_eq(xpi_map_range(h, HIGH, 0, 1, 0x8 | RW), -EINVAL);
	ck_assert_int_eq(xpi_map_range(h, HIGH, 0, 1, 0), -EINVAL);
	/* a failing range leaves nothing mapped */
	ck_assert_int_eq(xpi_map_range(h, HIGH + 4096, 0, 4, RW), -EPERM);
	ck_assert_uint_eq(xpi_mapping_count(h), 1);
	/* unmap: only whole own extents inside the range */
	ck_assert_int_eq(xpi_unmap_range(h, HIGH, 256), -ENOENT);
	ck_assert_int_eq(xpi_unmap_range(h, HIGH + 1, 511), -ENOENT);
	ck_assert_int_eq(xpi_unmap_range(NULL, HIGH, 512), -EINVAL);
	ck_assert_int_eq(xpi_unmap_range(h, HIGH, 0), -EINVAL);
	ck_assert_int_eq(xpi_unmap_range(h, HIGH, 512), 0);
	ck_assert_uint_eq(xpi_mapping_count(h), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("batch");
	TCase *tc = tcase_create("batch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, append_returns_indices);
	tcase_add_test(tc, append_bad_input);
	tcase_add_test(tc, bad_op_does_not_stop_the_rest);
	tcase_add_test(tc, submit_once_then_reset);
	XT_ADD_DRAFT_ONLY(tc, per_op_errno_reaches_caller);
	tcase_add_test(tc, chunks_of_max_ops);
	tcase_add_test(tc, one_flush_per_changing_hypercall);
	XT_ADD_DRAFT_ONLY(tc, coalesces_aligned_runs);
	XT_ADD_DRAFT_ONLY(tc, enospc_retries_smaller_orders);
	XT_ADD_DRAFT_ONLY(tc, enospc_learnt_only_before_a_success);
	tcase_add_test(tc, live_bfn_is_eexist_before_any_hypercall);
	tcase_add_test(tc, all_or_nothing_undoes);
	XT_ADD_DRAFT_ONLY(tc, all_or_nothing_keeps_lookups);
	tcase_add_test(tc, flag_bits_above_15_are_refused);
	tcase_add_test(tc, query_caps_flags_come_back);
	tcase_add_test(tc, transport_eintr_is_retried);
	XT_ADD_DRAFT_ONLY(tc, map_range_helpers);
	suite_add_tcase(s, tc);
	return xt_run(s);
}
