// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The XenServer personality of the simulator (docs/xenserver-model.md,
 * rule numbers in the comments) and the library on it: the host probe, the
 * lookup fallback, order 0, one unmap per pinned page, the release of a
 * guest's lookups, and the refusal of a host with another ABI.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xenpviommu/xc-compat.h>

#include "lib/private.h"
#include "test-common.h"

#define HW XPI_SIM_HWDOM
#define GUEST 1
#define XS_OFFSET UINT64_C(0x3e00000)
/* A BFN of dom0's that no boot region covers (above the 2^18 host
 * frames, below the offset region). */
#define FREE_BFN UINT64_C(0x100000)

static struct xpi_sim *xs_sim(int passthrough, unsigned int reported)
{
	struct xpi_sim_config c;

	xpi_sim_config_init(&c);
	c.host_frames = UINT64_C(1) << 18;
	c.hwdom_frames = 16384;
	c.personality = XPI_SIM_PERSONALITY_XENSERVER;
	c.dom0_passthrough = passthrough;
	c.xs_reported_order = reported;
	return xt_sim_new(&c);
}

static int one_op(struct xpi_sim *sim, uint16_t caller, struct pv_iommu_op *op)
{
	ck_assert_int_eq(xpi_sim_iommu_op(sim, caller, op, 1), 0);
	return op->status;
}

static struct pv_iommu_op map_op(uint64_t bfn, uint64_t gfn, unsigned int order)
{
	struct pv_iommu_op op = { .subop_id = IOMMUOP_map_page };

	op.flags = pv_iommu_flags_set_order(IOMMU_OP_readable |
						    IOMMU_OP_writeable,
					    order);
	op.u.map_page.bfn = bfn;
	op.u.map_page.gfn = gfn;
	return op;
}

static struct pv_iommu_op lookup_op(uint16_t domid, uint64_t gfn,
				    uint16_t ioserver)
{
	struct pv_iommu_op op = { .subop_id = IOMMUOP_lookup_foreign_page };

	op.u.lookup_foreign_page.domid = domid;
	op.u.lookup_foreign_page.gfn = gfn;
	op.u.lookup_foreign_page.ioserver = ioserver;
	return op;
}

static struct pv_iommu_op unmap_foreign_op(uint64_t bfn)
{
	struct pv_iommu_op op = { .subop_id = IOMMUOP_unmap_foreign_page };

	op.u.unmap_foreign_page.bfn = bfn;
	return op;
}

static uint32_t refs_of(struct xpi_sim *sim, uint64_t mfn)
{
	struct xpi_sim_frame_info fi;

	ck_assert_int_eq(xpi_sim_frame_info(sim, mfn, &fi), 0);
	return fi.refs;
}

static uint64_t mfn_of(struct xpi_sim *sim, uint16_t domid, uint64_t gfn)
{
	uint64_t mfn;

	ck_assert_int_eq(xpi_sim_p2m_lookup(sim, domid, gfn, &mfn), 0);
	return mfn;
}

START_TEST(sim_whole_call_rules)
{
	struct xpi_sim *sim = xs_sim(0, 0);
	struct pv_iommu_op ops[2] = { { .subop_id = IOMMUOP_query_caps },
				      { .subop_id = IOMMUOP_query_caps } };
	struct xpi_sim_stats a, b;

	xt_guest(sim, GUEST, 64, XPI_SIM_BACKING_SCATTERED);
	/* W2: only the hardware domain. */
	ck_assert_int_eq(xpi_sim_iommu_op(sim, GUEST, ops, 1), -ENOSYS);
	/* W3: a count negative as an int. */
	ck_assert_int_eq(xpi_sim_iommu_op(sim, HW, ops, 0x80000000u), -EINVAL);
	/* W4: more than one op: one flush-all at the end, changed or not;
	 * one op that changes nothing: none. */
	ck_assert_int_eq(xpi_sim_stats(sim, &a), 0);
	ck_assert_int_eq(xpi_sim_iommu_op(sim, HW, ops, 2), 0);
	ck_assert_int_eq(xpi_sim_stats(sim, &b), 0);
	ck_assert_uint_eq(b.iotlb_flushes, a.iotlb_flushes + 1);
	ck_assert_int_eq(xpi_sim_iommu_op(sim, HW, ops, 1), 0);
	ck_assert_int_eq(xpi_sim_stats(sim, &a), 0);
	ck_assert_uint_eq(a.iotlb_flushes, b.iotlb_flushes);
	xt_audit_clean(sim);
	xpi_sim_free(sim);
}
END_TEST

START_TEST(sim_query_caps)
{
	struct xpi_sim *sim = xs_sim(0, 0);
	struct pv_iommu_op op = { .subop_id = IOMMUOP_query_caps };

	/* Q1, Q2, Q4: map_cap, bit 1, order 0, the offset in the union. */
	op.flags = 0x03f8; /* input flags are overwritten (O3: not checked) */
	ck_assert_int_eq(one_op(sim, HW, &op), 0);
	ck_assert_uint_eq(op.flags,
			  IOMMU_QUERY_map_cap | IOMMU_QUERY_map_all_gfns);
	ck_assert_uint_eq(op.u.unmap_page.bfn, XS_OFFSET);
	xpi_sim_free(sim);

	/* Q3: passthrough dom0: nothing set, the union untouched. */
	sim = xs_sim(1, 0);
	op = (struct pv_iommu_op){ .subop_id = IOMMUOP_query_caps };
	op.u.unmap_page.bfn = 77;
	ck_assert_int_eq(one_op(sim, HW, &op), 0);
	ck_assert_uint_eq(op.flags, 0);
	ck_assert_uint_eq(op.u.unmap_page.bfn, 77);
	xpi_sim_free(sim);
}
END_TEST

START_TEST(sim_order_mask_and_map_page)
{
	struct xpi_sim *sim = xs_sim(0, 0);
	struct pv_iommu_op op;
	uint64_t mfn, gfn = 0x1000;

	mfn_of(sim, HW, gfn);
	/* O1: orders 1 and 9 are seen and refused. */
	op = map_op(FREE_BFN, gfn, 1);
	ck_assert_int_eq(one_op(sim, HW, &op), -ENOSPC);
	op = map_op(FREE_BFN, gfn, 9);
	ck_assert_int_eq(one_op(sim, HW, &op), -ENOSPC);
	/* O2: order 2 passes as order 0 and maps one page, not four. */
	op = map_op(FREE_BFN, gfn, 2);
	ck_assert_int_eq(one_op(sim, HW, &op), 0);
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, HW, FREE_BFN, &mfn, NULL),
			 0);
	ck_assert_uint_eq(mfn, gfn);
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, HW, FREE_BFN + 1, &mfn,
					      NULL),
			 -ENOENT);
	/* M3: a mapped BFN, the boot 1:1 region, the offset region. */
	op = map_op(FREE_BFN, gfn + 1, 0);
	ck_assert_int_eq(one_op(sim, HW, &op), -EPERM);
	op = map_op(gfn, gfn, 0);
	ck_assert_int_eq(one_op(sim, HW, &op), -EPERM);
	op = map_op(XS_OFFSET + 5, gfn, 0);
	ck_assert_int_eq(one_op(sim, HW, &op), -EPERM);
	/* M2: a GFN that does not resolve. */
	op = map_op(FREE_BFN + 8, 0x30000, 0);
	ck_assert_int_eq(one_op(sim, HW, &op), -EPERM);
	/* U1, then a real unmap. */
	op = (struct pv_iommu_op){ .subop_id = IOMMUOP_unmap_page };
	op.u.unmap_page.bfn = FREE_BFN + 8;
	ck_assert_int_eq(one_op(sim, HW, &op), -ENOENT);
	op.u.unmap_page.bfn = FREE_BFN;
	ck_assert_int_eq(one_op(sim, HW, &op), 0);
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, HW, FREE_BFN, &mfn, NULL),
			 -ENOENT);
	/* O4: map_foreign_page and an unknown subop. */
	op = (struct pv_iommu_op){ .subop_id = IOMMUOP_map_foreign_page };
	ck_assert_int_eq(one_op(sim, HW, &op), -ENODEV);
	op = (struct pv_iommu_op){ .subop_id = 9 };
	ck_assert_int_eq(one_op(sim, HW, &op), -ENODEV);
	xt_audit_clean(sim);
	xpi_sim_free(sim);
}
END_TEST

START_TEST(sim_lookup_one_pin_bit)
{
	struct xpi_sim *sim = xs_sim(0, 0);
	struct pv_iommu_op op;
	uint64_t mfn, got;
	uint32_t refs;

	xt_guest(sim, GUEST, 64, XPI_SIM_BACKING_SCATTERED);
	mfn = mfn_of(sim, GUEST, 3);
	refs = refs_of(sim, mfn);
	/* L2, L3, L6. */
	op = lookup_op(HW, 3, 1);
	ck_assert_int_eq(one_op(sim, HW, &op), -EPERM);
	op = lookup_op(XPI_DOMID_SELF, 3, 1);
	ck_assert_int_eq(one_op(sim, HW, &op), -EPERM);
	op = lookup_op(7, 3, 1);
	ck_assert_int_eq(one_op(sim, HW, &op), -ENXIO);
	op = lookup_op(GUEST, 100, 1);
	ck_assert_int_eq(one_op(sim, HW, &op), -ENXIO);
	/* L8, L9: MFN + offset, one reference for two servers. */
	op = lookup_op(GUEST, 3, 1);
	ck_assert_int_eq(one_op(sim, HW, &op), 0);
	ck_assert_uint_eq(op.u.lookup_foreign_page.bfn, mfn + XS_OFFSET);
	ck_assert_uint_eq(refs_of(sim, mfn), refs + 1);
	op = lookup_op(GUEST, 3, 2);
	ck_assert_int_eq(one_op(sim, HW, &op), 0);
	ck_assert_uint_eq(op.u.lookup_foreign_page.bfn, mfn + XS_OFFSET);
	ck_assert_uint_eq(refs_of(sim, mfn), refs + 1);
	/* Q2: the offset region translates for DMA. */
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, HW, mfn + XS_OFFSET, &got,
					      NULL),
			 0);
	ck_assert_uint_eq(got, mfn);
	/* F3: one unmap clears the pin, the second server's gets -ENOENT. */
	op = unmap_foreign_op(mfn + XS_OFFSET);
	ck_assert_int_eq(one_op(sim, HW, &op), 0);
	ck_assert_uint_eq(refs_of(sim, mfn), refs);
	op = unmap_foreign_op(mfn + XS_OFFSET);
	ck_assert_int_eq(one_op(sim, HW, &op), -ENOENT);
	/* F1: no IOMMU entry at all. */
	op = unmap_foreign_op(FREE_BFN);
	ck_assert_int_eq(one_op(sim, HW, &op), -ENOENT);
	xt_audit_clean(sim);
	xpi_sim_free(sim);
}
END_TEST

START_TEST(sim_lookup_without_iommu_gives_mfn)
{
	struct xpi_sim *sim = xs_sim(1, 0);
	struct pv_iommu_op op;
	uint64_t mfn;

	xt_guest(sim, GUEST, 16, XPI_SIM_BACKING_CONTIGUOUS);
	mfn = mfn_of(sim, GUEST, 2);
	op = lookup_op(GUEST, 2, 1);
	ck_assert_int_eq(one_op(sim, HW, &op), 0);
	ck_assert_uint_eq(op.u.lookup_foreign_page.bfn, mfn);
	op = unmap_foreign_op(mfn);
	ck_assert_int_eq(one_op(sim, HW, &op), 0);
	/* M1: no map_page without a usable IOMMU. */
	op = map_op(FREE_BFN, 0x1000, 0);
	ck_assert_int_eq(one_op(sim, HW, &op), -EPERM);
	xt_audit_clean(sim);
	xpi_sim_free(sim);
}
END_TEST

/*
 * A restricted shim in front of the host: it refuses the probe's
 * map_foreign_page (not the handle's guest) with -EPERM before the host
 * sees it, and passes the rest one op at a time.
 */
struct restricted {
	struct xpi_transport inner;
};

static int restricted_call(void *data, struct pv_iommu_op *ops,
			   unsigned int count, unsigned int *done)
{
	struct restricted *r = data;

	for (unsigned int i = 0; i < count; i++) {
		unsigned int one = 0;
		int rc;

		if (ops[i].subop_id == IOMMUOP_map_foreign_page) {
			ops[i].status = -EPERM;
			continue;
		}
		rc = r->inner.hypercall(r->inner.data, &ops[i], 1, &one);
		if (rc) {
			*done = i;
			return rc;
		}
	}
	*done = count;
	return 0;
}

static void restricted_close(void *data)
{
	struct restricted *r = data;

	r->inner.close(r->inner.data);
}

static xpi_handle *open_restricted(struct xpi_sim *sim, struct restricted *r)
{
	struct xpi_options o;
	struct xpi_transport t;
	xpi_handle *h = NULL;

	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(xpi_sim_transport(sim, HW, &r->inner), 0);
	t = r->inner;
	t.data = r;
	t.hypercall = restricted_call;
	t.close = restricted_close;
	t.ioreq_attach = NULL;
	xpi_options_init(&o);
	o.transport = &t;
	ck_assert_int_eq(xpi_open_ex(&h, xt_logger(), 0, &o), 0);
	return h;
}

/* The probe behind a restricted shim: XenServer is still told by the BFN
 * offset its query_caps writes, a draft host stays a draft host. */
START_TEST(probe_behind_a_restricted_shim)
{
	struct xpi_sim *sim = xs_sim(0, 0);
	struct restricted r;
	struct xpi_caps caps;
	xpi_handle *h;

	xt_log_reset();
	h = open_restricted(sim, &r);
	ck_assert_int_eq(xpi_get_host(h), XPI_HOST_XENSERVER);
	ck_assert_int_eq(xpi_get_caps(h, &caps), 0);
	ck_assert_int_eq(caps.strategy, XPI_STRATEGY_LOOKUP_FOREIGN);
	ck_assert_uint_eq(caps.max_order, 0);
	ck_assert_int_eq(xpi_close(h), 0);
	xpi_sim_free(sim);

	sim = xt_sim_new(NULL);
	h = open_restricted(sim, &r);
	ck_assert_int_eq(xpi_get_host(h), XPI_HOST_DRAFT);
	ck_assert_int_eq(xpi_get_caps(h, &caps), 0);
	ck_assert_int_eq(caps.strategy, XPI_STRATEGY_MAP_FOREIGN);
	ck_assert_int_eq(xpi_close(h), 0);
	xpi_sim_free(sim);
}
END_TEST

START_TEST(lib_open_falls_back_to_lookup)
{
	struct xpi_sim *sim = xs_sim(0, 0);
	struct xpi_sim_stats a, b;
	struct xpi_caps caps;
	xpi_handle *h;

	ck_assert_int_eq(xpi_sim_stats(sim, &a), 0);
	xt_log_reset();
	h = xt_open(sim, HW);
	ck_assert_int_eq(xpi_get_host(h), XPI_HOST_XENSERVER);
	ck_assert_str_eq(xpi_host_name(xpi_get_host(h)), "xenserver");
	ck_assert_int_eq(xpi_get_caps(h, &caps), 0);
	ck_assert_int_eq(caps.map_cap, 1);
	ck_assert_uint_eq(caps.max_order, 0);
	ck_assert_int_eq(caps.strategy, XPI_STRATEGY_LOOKUP_FOREIGN);
	ck_assert(xt_log_seen("map_foreign_page is refused"));
	ck_assert_uint_eq(xt_log_count(XTL_WARN), 1);
	/* The probe changed nothing on the host. */
	ck_assert_int_eq(xpi_sim_stats(sim, &b), 0);
	ck_assert_uint_eq(b.free_frames, a.free_frames);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, HW), 0);
	ck_assert_int_eq(xpi_close(h), 0);
	xt_audit_clean(sim);
	xpi_sim_free(sim);
}
END_TEST

START_TEST(lib_foreign_map_and_order_zero)
{
	struct xpi_sim *sim = xs_sim(0, 0);
	uint64_t gfns[8], bfns[8];
	int st[8];
	struct xpi_stats s;
	xpi_handle *h;

	xt_guest(sim, GUEST, 64, XPI_SIM_BACKING_CONTIGUOUS);
	h = xt_open(sim, HW);
	for (int i = 0; i < 8; i++)
		gfns[i] = (uint64_t)i;
	ck_assert_int_eq(xpi_foreign_map(h, GUEST, 1, gfns, 8,
					 XPI_FOREIGN_READ | XPI_FOREIGN_WRITE |
						 XPI_FOREIGN_SUPERPAGE,
					 bfns, st),
			 8);
	for (int i = 0; i < 8; i++) {
		ck_assert_int_eq(st[i], 0);
		ck_assert_uint_eq(bfns[i],
				  mfn_of(sim, GUEST, gfns[i]) + XS_OFFSET);
	}
	/* Own maps: 16 contiguous pages go as 16 order-0 ops. */
	ck_assert_int_eq(xpi_map_range(h, FREE_BFN, 0x1000, 16,
				       IOMMU_OP_readable | IOMMU_OP_writeable),
			 0);
	ck_assert_int_eq(xpi_get_stats(h, &s), 0);
	ck_assert_uint_eq(s.ops_by_subop[IOMMUOP_map_page], 16);
	ck_assert_uint_eq(s.enospc_splits, 0);
	ck_assert_int_eq(xpi_foreign_unmap(h, bfns, 8, st), 8);
	ck_assert_int_eq(xpi_close(h), 0);
	xt_audit_clean(sim);
	xpi_sim_free(sim);
}
END_TEST

/*
 * A guest of 64 pages whose page gfn servers 1 and 2 of one handle both
 * look up: the handle, the page's MFN, its reference count before the
 * lookups, and the one BFN both got.
 */
static xpi_handle *two_servers_look_up(struct xpi_sim *sim, uint64_t gfn,
				       uint64_t *mfn, uint32_t *refs,
				       uint64_t *bfn)
{
	uint64_t b2;
	xpi_handle *h;

	xt_guest(sim, GUEST, 64, XPI_SIM_BACKING_SCATTERED);
	*mfn = mfn_of(sim, GUEST, gfn);
	*refs = refs_of(sim, *mfn);
	h = xt_open(sim, HW);
	ck_assert_int_eq(xpi_foreign_map(h, GUEST, 1, &gfn, 1, XPI_FOREIGN_READ,
					 bfn, NULL),
			 1);
	ck_assert_int_eq(xpi_foreign_map(h, GUEST, 2, &gfn, 1, XPI_FOREIGN_READ,
					 &b2, NULL),
			 1);
	ck_assert_uint_eq(*bfn, b2);
	return h;
}

START_TEST(lib_shared_lookup_one_unmap)
{
	struct xpi_sim *sim = xs_sim(0, 0);
	uint64_t b1, mfn;
	struct xpi_stats s;
	uint32_t refs;
	int st;
	xpi_handle *h = two_servers_look_up(sim, 5, &mfn, &refs, &b1);

	ck_assert_uint_eq(refs_of(sim, mfn), refs + 1);
	/* Both servers' lookups end with one unmap_foreign_page, which
	 * succeeds: a second would get -ENOENT (F3). */
	ck_assert_int_eq(xpi_foreign_unmap(h, &b1, 1, &st), 1);
	ck_assert_int_eq(st, 0);
	ck_assert_int_eq(xpi_get_stats(h, &s), 0);
	ck_assert_uint_eq(s.ops_by_subop[IOMMUOP_unmap_foreign_page], 1);
	ck_assert_uint_eq(refs_of(sim, mfn), refs);
	/* Nothing of it is left in the handle. */
	ck_assert_int_eq(xpi_foreign_unmap(h, &b1, 1, &st), 0);
	ck_assert_int_eq(st, -ENOENT);
	ck_assert_int_eq(xpi_close(h), 0);
	xt_audit_clean(sim);
	xpi_sim_free(sim);
}
END_TEST

START_TEST(lib_per_server_unmap_counts_servers)
{
	struct xpi_sim *sim = xs_sim(0, 0);
	uint64_t bfn, mfn;
	struct xpi_batch *b;
	struct xpi_stats s;
	uint32_t refs;
	xpi_handle *h = two_servers_look_up(sim, 6, &mfn, &refs, &bfn);

	/* Server 1 is done: server 2 still uses the page, nothing is sent
	 * and the pin stays. */
	ck_assert_int_eq(xpi_batch_new(h, &b), 0);
	ck_assert_int_ge(xpi_batch_add_unmap_foreign(b, bfn, 1, 0), 0);
	ck_assert_int_ge(xpi_batch_submit(b), 0);
	ck_assert_int_eq(xpi_batch_status(b, 0), 0);
	xpi_batch_free(b);
	ck_assert_int_eq(xpi_get_stats(h, &s), 0);
	ck_assert_uint_eq(s.ops_by_subop[IOMMUOP_unmap_foreign_page], 0);
	ck_assert_uint_eq(refs_of(sim, mfn), refs + 1);
	ck_assert_uint_eq(xpi_mapping_count(h), 1);
	/* Server 2, the last: sent, unpinned. */
	ck_assert_int_eq(xpi_batch_new(h, &b), 0);
	ck_assert_int_ge(xpi_batch_add_unmap_foreign(b, bfn, 2, 0), 0);
	ck_assert_int_ge(xpi_batch_submit(b), 0);
	ck_assert_int_eq(xpi_batch_status(b, 0), 0);
	xpi_batch_free(b);
	ck_assert_int_eq(xpi_get_stats(h, &s), 0);
	ck_assert_uint_eq(s.ops_by_subop[IOMMUOP_unmap_foreign_page], 1);
	ck_assert_uint_eq(refs_of(sim, mfn), refs);
	ck_assert_uint_eq(xpi_mapping_count(h), 0);
	ck_assert_int_eq(xpi_close(h), 0);
	xt_audit_clean(sim);
	xpi_sim_free(sim);
}
END_TEST

START_TEST(lib_release_domain)
{
	struct xpi_sim *sim = xs_sim(0, 0);
	uint64_t gfns[4] = { 1, 2, 3, 9 }, bfns[4], other = 4, ob;
	uint32_t refs[4];
	xpi_handle *h;

	xt_guest(sim, GUEST, 64, XPI_SIM_BACKING_SCATTERED);
	xt_guest(sim, 2, 64, XPI_SIM_BACKING_SCATTERED);
	for (int i = 0; i < 4; i++)
		refs[i] = refs_of(sim, mfn_of(sim, GUEST, gfns[i]));
	h = xt_open(sim, HW);
	ck_assert_int_eq(xpi_foreign_map(h, GUEST, 1, gfns, 4, XPI_FOREIGN_READ,
					 bfns, NULL),
			 4);
	ck_assert_int_eq(xpi_foreign_map(h, GUEST, 2, gfns, 4, XPI_FOREIGN_READ,
					 bfns, NULL),
			 4);
	ck_assert_int_eq(xpi_foreign_map(h, 2, 1, &other, 1, XPI_FOREIGN_READ,
					 &ob, NULL),
			 1);
	/* Eight records of dom1, four pages: all unpinned; dom2's stays. */
	ck_assert_int_eq(xpi_foreign_release_domain(h, GUEST), 8);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(refs_of(sim, mfn_of(sim, GUEST, gfns[i])),
				  refs[i]);
	ck_assert_int_eq(xpi_foreign_release_domain(h, GUEST), 0);
	ck_assert_uint_eq(refs_of(sim, mfn_of(sim, 2, other)),
			  refs_of(sim, mfn_of(sim, 2, 5)) + 1);
	xt_expect_error("reserved domid");
	ck_assert_int_eq(xpi_foreign_release_domain(h, XPI_DOMID_SELF),
			 -EINVAL);
	ck_assert_int_eq(xpi_foreign_release_domain(NULL, GUEST), -EINVAL);
	ck_assert_int_eq(xpi_close(h), 0);
	xt_audit_clean(sim);
	xpi_sim_free(sim);
}
END_TEST

START_TEST(lib_never_sends_an_order_above_zero)
{
	/* A XenServer-like host that reports order 4: its order test would
	 * let order 4 through as order 0 (O2) and map one page of 16. */
	struct xpi_sim *sim = xs_sim(0, 4);
	struct xpi_caps caps;
	struct xpi_stats s;
	uint64_t mfn;
	xpi_handle *h;

	xt_log_reset();
	h = xt_open(sim, HW);
	ck_assert(xt_log_seen("reports page order 4 but cannot check it"));
	ck_assert_int_eq(xpi_get_caps(h, &caps), 0);
	ck_assert_uint_eq(caps.max_order, 0);
	ck_assert_int_eq(xpi_map_range(h, FREE_BFN, 0x1000, 16,
				       IOMMU_OP_readable | IOMMU_OP_writeable),
			 0);
	ck_assert_int_eq(xpi_get_stats(h, &s), 0);
	ck_assert_uint_eq(s.ops_by_subop[IOMMUOP_map_page], 16);
	for (uint64_t i = 0; i < 16; i++) {
		ck_assert_int_eq(xpi_sim_iommu_lookup(sim, HW, FREE_BFN + i,
						      &mfn, NULL),
				 0);
		ck_assert_uint_eq(mfn, 0x1000 + i);
	}
	ck_assert_int_eq(xpi_unmap_range(h, FREE_BFN, 16), 0);
	ck_assert_int_eq(xpi_close(h), 0);
	xt_audit_clean(sim);
	xpi_sim_free(sim);
}
END_TEST

START_TEST(xc_iommu_op_as_an_emulator_calls_it)
{
	/* XenServer's vGPU emulator: a whole pfn array of lookups, then one
	 * of unmaps, through xc_iommu_op(). */
	enum {
		N = 32
	};
	struct xpi_sim *sim = xs_sim(0, 0);
	struct pv_iommu_op ops[N];
	uint32_t refs[N];
	xpi_handle *h;

	xt_guest(sim, GUEST, 64, XPI_SIM_BACKING_SCATTERED);
	h = xt_open(sim, HW);
	ck_assert_int_eq(xpi_xc_compat_set_handle(h), 0);
	for (int i = 0; i < N; i++) {
		refs[i] = refs_of(sim, mfn_of(sim, GUEST, (uint64_t)i));
		ops[i] = lookup_op(GUEST, (uint64_t)i, 0);
		ops[i].status = 1; /* overwritten */
	}
	ck_assert_int_eq(xc_iommu_op(NULL, ops, N), 0);
	for (int i = 0; i < N; i++) {
		uint64_t mfn = mfn_of(sim, GUEST, (uint64_t)i);

		ck_assert_int_eq(ops[i].status, 0);
		ck_assert_uint_eq(ops[i].u.lookup_foreign_page.bfn,
				  mfn + XS_OFFSET);
		ck_assert_uint_eq(refs_of(sim, mfn), refs[i] + 1);
		ops[i] = unmap_foreign_op(mfn + XS_OFFSET);
	}
	ck_assert_uint_eq(xpi_mapping_count(h), N);
	ck_assert_int_eq(xc_iommu_op(NULL, ops, N), 0);
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(ops[i].status, 0);
		ck_assert_uint_eq(refs_of(sim, mfn_of(sim, GUEST, (uint64_t)i)),
				  refs[i]);
	}
	ck_assert_uint_eq(xpi_mapping_count(h), 0);
	/* Once more: each page is no longer pinned (F2). */
	ck_assert_int_eq(xc_iommu_op(NULL, ops, N), 0);
	ck_assert_int_eq(ops[0].status, -ENOENT);
	ck_assert_int_eq(xc_iommu_op(NULL, NULL, 4), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(xc_iommu_op(NULL, ops, 0), 0);
	ck_assert_int_eq(xpi_xc_compat_set_handle(NULL), 0);
	ck_assert_int_eq(xpi_close(h), 0);
	xt_audit_clean(sim);
	xpi_sim_free(sim);
}
END_TEST

static void open_refused(struct xpi_sim *sim, uint16_t caller, int want,
			 const char *msg)
{
	xpi_handle *h = (xpi_handle *)1;

	xt_expect_error(msg);
	ck_assert_int_eq(xpi_sim_open(&h, xt_logger(), sim, caller, NULL),
			 want);
	ck_assert_ptr_null(h);
}

START_TEST(probe_refuses_other_abi)
{
	struct xpi_sim_config c;
	struct xpi_sim *sim;
	struct xpi_sim_stats a, b;

	xpi_sim_config_init(&c);
	c.host_frames = UINT64_C(1) << 18;
	c.hwdom_frames = 16384;
	c.personality = XPI_SIM_PERSONALITY_OTHER_ABI;
	sim = xt_sim_new(&c);
	ck_assert_int_eq(xpi_sim_stats(sim, &a), 0);
	open_refused(sim, HW, -EPROTO, "another ABI");
	ck_assert(xt_log_seen("reserved bits in the capability flags"));
	ck_assert_int_eq(xpi_sim_stats(sim, &b), 0);
	ck_assert_uint_eq(b.free_frames, a.free_frames);
	xt_audit_clean(sim);
	xpi_sim_free(sim);
}
END_TEST

/* query_caps answers no allowed host gives, each refused on its own. */
START_TEST(probe_refuses_impossible_caps)
{
	struct xpi_sim *sim = xt_sim_new(NULL);
	xpi_handle *h = xt_open(sim, HW);
	struct pv_iommu_op ok = { .subop_id = IOMMUOP_query_caps }, op;
	static const struct {
		uint16_t flags;
		int rewrite; /* 1: union bytes 16.., 2: offset without map_cap */
		const char *why;
	} bad[] = {
		{ IOMMU_QUERY_map_cap | (1u << 5), 0, "reserved bits" },
		{ IOMMU_QUERY_map_all_gfns, 0, "map_all without map_cap" },
		{ IOMMU_QUERY_map_cap, 1, "bytes 16..31" },
		{ 0, 2, "the union was rewritten" },
	};

	xpi_host_mark(&ok);
	op = ok;
	op.flags = IOMMU_QUERY_map_cap | IOMMU_QUERY_map_all_gfns |
		   (18u << IOMMU_page_order_shift);
	ck_assert_int_eq(xpi_host_check_caps(h, &op), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		op = ok;
		op.flags = bad[i].flags;
		if (bad[i].rewrite == 1)
			op.u.map_foreign_page.gfn = 0;
		if (bad[i].rewrite == 2)
			op.u.map_foreign_page.bfn = XS_OFFSET;
		xt_expect_error(bad[i].why);
		ck_assert_int_eq(xpi_host_check_caps(h, &op), -EPROTO);
		ck_assert(xt_log_seen(bad[i].why));
	}
	/* A changed subop id, a positive status. */
	op = ok;
	op.subop_id = 9;
	xt_expect_error("subop id");
	ck_assert_int_eq(xpi_host_check_caps(h, &op), -EPROTO);
	op = ok;
	op.status = 3;
	xt_expect_error("positive status");
	ck_assert_int_eq(xpi_host_check_caps(h, &op), -EPROTO);
	/* XenServer's answer: the offset with map_cap and order 0. */
	op = ok;
	op.flags = IOMMU_QUERY_map_cap | IOMMU_QUERY_map_all_gfns;
	op.u.map_foreign_page.bfn = XS_OFFSET;
	ck_assert_int_eq(xpi_host_check_caps(h, &op), 0);
	ck_assert_int_eq(xpi_close(h), 0);
	xpi_sim_free(sim);
}
END_TEST

START_TEST(probe_changes_nothing_on_draft)
{
	struct xpi_sim *sim = xt_sim_new(NULL);
	struct xpi_sim_stats a, b;
	xpi_handle *h;

	ck_assert_int_eq(xpi_sim_stats(sim, &a), 0);
	h = xt_open(sim, HW);
	ck_assert_int_eq(xpi_get_host(h), XPI_HOST_DRAFT);
	ck_assert_int_eq(xpi_sim_stats(sim, &b), 0);
	ck_assert_uint_eq(b.free_frames, a.free_frames);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, HW), 0);
	ck_assert_int_eq(xpi_close(h), 0);
	xt_audit_clean(sim);
	xpi_sim_free(sim);
}
END_TEST

START_TEST(not_hardware_domain_is_refused)
{
	struct xpi_sim *sim = xs_sim(0, 0);

	xt_guest(sim, GUEST, 16, XPI_SIM_BACKING_CONTIGUOUS);
	/* W2's -ENOSYS for the whole call: the library's -EOPNOTSUPP. */
	open_refused(sim, GUEST, -EOPNOTSUPP, "");
	xpi_sim_free(sim);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("xenserver");
	TCase *t = tcase_create("sim");

	tcase_add_test(t, sim_whole_call_rules);
	tcase_add_test(t, sim_query_caps);
	tcase_add_test(t, sim_order_mask_and_map_page);
	tcase_add_test(t, sim_lookup_one_pin_bit);
	tcase_add_test(t, sim_lookup_without_iommu_gives_mfn);
	suite_add_tcase(s, t);
	t = tcase_create("lib");
	tcase_add_test(t, lib_open_falls_back_to_lookup);
	tcase_add_test(t, lib_foreign_map_and_order_zero);
	tcase_add_test(t, lib_shared_lookup_one_unmap);
	tcase_add_test(t, lib_per_server_unmap_counts_servers);
	tcase_add_test(t, lib_release_domain);
	tcase_add_test(t, lib_never_sends_an_order_above_zero);
	tcase_add_test(t, probe_refuses_other_abi);
	tcase_add_test(t, probe_refuses_impossible_caps);
	tcase_add_test(t, probe_changes_nothing_on_draft);
	tcase_add_test(t, probe_behind_a_restricted_shim);
	tcase_add_test(t, not_hardware_domain_is_refused);
	tcase_add_test(t, xc_iommu_op_as_an_emulator_calls_it);
	suite_add_tcase(s, t);
	return xt_run(s);
}
