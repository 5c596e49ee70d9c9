// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel shim's policy (kmod/policy.c), built in user space: the
 * restrictions, the BFN windows and quotas, the per-descriptor records,
 * the shared lookup entries and ioserver bindings, and xpi_pol_run(), the
 * loop the module runs for every chunk, here against a small fake Xen
 * that keeps mappings, lookup entries and page references as Xen does
 * (one lookup entry and one reference per (frame, ioserver) for all of
 * dom0).
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

/* ---- the fake Xen ---- */

#define FX_MAX 4096
#define FX_MFN(dom, gfn) ((uint64_t)(dom)*0x100000 + (gfn) + 0x1000)

struct fx_map {
	uint64_t bfn, mfn;
	uint16_t ios;
	int lookup; /* a lookup entry: bfn == mfn */
};

static struct {
	struct fx_map maps[FX_MAX];
	size_t n;
	unsigned long calls, ops;
	/* process this many ops of the next call, then return rc */
	long stop_after;
	long rc;
	int saw_non_sentinel; /* an op arrived with a status not -EINPROGRESS */
	int null_xen;	      /* answer 0 to everything, keep nothing */
	/* at each call: Xen has the lookup entry iff the shim counts holders */
	struct xpi_pol_space *watch;
	uint64_t watch_mfn;
	uint16_t watch_ios;
	int watch_broken;
} fx;

static struct fx_map *fx_find(uint64_t bfn, uint16_t ios, int lookup)
{
	for (size_t i = 0; i < fx.n; i++)
		if (fx.maps[i].bfn == bfn && fx.maps[i].ios == ios &&
		    fx.maps[i].lookup == lookup)
			return &fx.maps[i];
	return NULL;
}

static void fx_del(struct fx_map *m)
{
	*m = fx.maps[--fx.n];
}

static int fx_add(uint64_t bfn, uint64_t mfn, uint16_t ios, int lookup)
{
	if (fx.n == FX_MAX)
		return -ENOMEM;
	fx.maps[fx.n++] = (struct fx_map){ bfn, mfn, ios, lookup };
	return 0;
}

/* References the fake Xen holds on a frame: one per mapping of it. */
static unsigned int fx_refs(uint64_t mfn)
{
	unsigned int n = 0;

	for (size_t i = 0; i < fx.n; i++)
		n += fx.maps[i].mfn == mfn;
	return n;
}

static int fx_one(struct pv_iommu_op *op)
{
	struct fx_map *m;
	uint64_t mfn;

	switch (op->subop_id) {
	case IOMMUOP_query_caps:
		return 0;
	case IOMMUOP_map_page:
		if (fx_find(op->u.map_page.bfn, 0xFFFF, 0))
			return -EEXIST;
		return fx_add(op->u.map_page.bfn, op->u.map_page.gfn, 0xFFFF,
			      0);
	case IOMMUOP_unmap_page:
		m = fx_find(op->u.unmap_page.bfn, 0xFFFF, 0);
		if (!m)
			return -ENOENT;
		fx_del(m);
		return 0;
	case IOMMUOP_map_foreign_page:
		for (size_t i = 0; i < fx.n; i++)
			if (!fx.maps[i].lookup &&
			    fx.maps[i].bfn == op->u.map_foreign_page.bfn)
				return -EEXIST;
		return fx_add(op->u.map_foreign_page.bfn,
			      FX_MFN(op->u.map_foreign_page.domid,
				     op->u.map_foreign_page.gfn),
			      op->u.map_foreign_page.ioserver, 0);
	case IOMMUOP_lookup_foreign_page:
		mfn = FX_MFN(op->u.lookup_foreign_page.domid,
			     op->u.lookup_foreign_page.gfn);
		op->u.lookup_foreign_page.bfn = mfn;
		if (fx_find(mfn, op->u.lookup_foreign_page.ioserver, 1))
			return 0; /* the existing entry: no new reference */
		return fx_add(mfn, mfn, op->u.lookup_foreign_page.ioserver, 1);
	case IOMMUOP_unmap_foreign_page:
		/* Xen tries the foreign maps first, then the lookups */
		m = fx_find(op->u.unmap_foreign_page.bfn,
			    op->u.unmap_foreign_page.ioserver, 0);
		if (!m)
			m = fx_find(op->u.unmap_foreign_page.bfn,
				    op->u.unmap_foreign_page.ioserver, 1);
		if (!m)
			return -ENOENT;
		fx_del(m);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static long fx_hcall(void *arg, struct pv_iommu_op *ops, unsigned int count)
{
	(void)arg;
	fx.calls++;
	if (fx.watch) {
		/* the caller holds lookup_lock: the count is stable */
		struct xpi_pol_rec *g = NULL;
		struct xpi_pol_tab *t = &fx.watch->lookups;

		for (size_t i = 0; i < t->nslots; i++)
			if (t->recs[i].kind && t->recs[i].bfn == fx.watch_mfn &&
			    t->recs[i].ioserver == fx.watch_ios)
				g = &t->recs[i];
		if (!fx_find(fx.watch_mfn, fx.watch_ios, 1) != !g)
			fx.watch_broken++;
	}
	for (unsigned int i = 0; i < count; i++) {
		if (fx.stop_after >= 0 && i == (unsigned int)fx.stop_after) {
			fx.stop_after = -1;
			return fx.rc;
		}
		if (ops[i].status != -EINPROGRESS)
			fx.saw_non_sentinel = 1;
		fx.ops++;
		ops[i].status = fx.null_xen ? 0 : fx_one(&ops[i]);
	}
	if (fx.stop_after >= 0 && (unsigned int)fx.stop_after >= count) {
		fx.stop_after = -1;
		return fx.rc;
	}
	return 0;
}

/* ---- fixtures and helpers ---- */

static const struct xpi_pol_limits test_limits = {
	.windows = 4,
	.window_frames = 1024,
	.records = 100,
};
static const struct xpi_pol_limits big_limits = {
	.windows = 1000,
	.window_frames = UINT64_MAX,
	.records = UINT64_MAX,
};

static struct xpi_pol_space space;
static struct xpi_pol_ctx c, d;

static void setup_with(const struct xpi_pol_limits *lim)
{
	memset(&fx, 0, sizeof(fx));
	fx.stop_after = -1;
	xpi_pol_fail_allocs = 0;
	xpi_pol_warnings = 0;
	xpi_pol_space_init(&space, BASE, LIMIT, lim, fx_hcall, NULL);
	xpi_pol_ctx_init(&c, &space);
	xpi_pol_ctx_init(&d, &space);
}

static void setup(void)
{
	setup_with(&test_limits);
}

static void setup_big(void)
{
	setup_with(&big_limits);
}

static void close_ctx(struct xpi_pol_ctx *x)
{
	xpi_pol_release(x);
	xpi_pol_ctx_destroy(x);
	xpi_pol_ctx_init(x, &space);
}

static void teardown(void)
{
	close_ctx(&c);
	close_ctx(&d);
	ck_assert_ptr_null(space.head);
	for (size_t i = 0; i < XPI_POL_BIND_BUCKETS; i++)
		ck_assert_ptr_null(space.binds[i]);
	ck_assert_uint_eq(space.lookups.nrecs, 0);
	/* every descriptor closed: nothing is left mapped in Xen */
	ck_assert_uint_eq(fx.n, 0);
	xpi_pol_space_destroy(&space);
}

/* Run one op through the policy loop; returns its status. */
static int run1(struct xpi_pol_ctx *x, struct pv_iommu_op *op)
{
	unsigned int processed;

	ck_assert_int_eq(xpi_pol_run(x, op, 1, &processed), 0);
	ck_assert_uint_eq(processed, 1);
	return op->status;
}

static struct pv_iommu_op op_map_foreign(uint64_t bfn, uint16_t domid,
					 uint16_t ios, unsigned int order)
{
	struct pv_iommu_op op;

	memset(&op, 0, sizeof(op));
	op.subop_id = IOMMUOP_map_foreign_page;
	op.flags = pv_iommu_flags_set_order(IOMMUOP_readable, order);
	op.u.map_foreign_page.bfn = bfn;
	op.u.map_foreign_page.gfn = bfn & 0xFFFF;
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

static struct pv_iommu_op op_lookup(uint16_t domid, uint64_t gfn, uint16_t ios)
{
	struct pv_iommu_op op;

	memset(&op, 0, sizeof(op));
	op.subop_id = IOMMUOP_lookup_foreign_page;
	op.u.lookup_foreign_page.gfn = gfn;
	op.u.lookup_foreign_page.domid = domid;
	op.u.lookup_foreign_page.ioserver = ios;
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

	for (uint16_t id = IOMMUOP_query_caps; id <= IOMMUOP_unmap_foreign_page;
	     id++) {
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
	ck_assert_int_eq(run1(&c, &un), -EPERM);
	/* a failed map is not recorded */
	op = op_map_foreign(w, 3, 1, 0);
	ck_assert_int_eq(fx_add(w, 0, 9, 0), 0); /* Xen says -EEXIST */
	ck_assert_int_eq(run1(&c, &op), -EEXIST);
	fx.n = 0;
	un = op_unmap_foreign(w, 1);
	ck_assert_int_eq(run1(&c, &un), -EPERM);
	ck_assert_uint_eq(xpi_pol_count(&c), 0);
	op = op_map_foreign(w, 3, 1, 0);
	ck_assert_int_eq(run1(&c, &op), 0);
	ck_assert_uint_eq(xpi_pol_count(&c), 1);
	/* the same BFN for another ioreq server is not this mapping */
	un = op_unmap_foreign(w, 2);
	ck_assert_int_eq(run1(&c, &un), -EPERM);
	/* nor is it another descriptor's, even for the same guest */
	ck_assert_int_eq(xpi_pol_restrict(&d, 3), 0);
	un = op_unmap_foreign(w, 1);
	ck_assert_int_eq(run1(&d, &un), -EPERM);
	ck_assert_uint_eq(fx.n, 1);
	un = op_unmap_foreign(w, 1);
	ck_assert_int_eq(run1(&c, &un), 0);
	ck_assert_uint_eq(xpi_pol_count(&c), 0);
	ck_assert_uint_eq(fx.n, 0);
	un = op_unmap_foreign(w, 1);
	ck_assert_int_eq(run1(&c, &un), -EPERM);
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

/* Run count ops through the policy in chunks; all must be processed. */
static void run_all(struct xpi_pol_ctx *x, struct pv_iommu_op *ops,
		    size_t count)
{
	for (size_t i = 0; i < count; i += XPI_POL_CHUNK) {
		unsigned int n = count - i < XPI_POL_CHUNK
					 ? (unsigned int)(count - i)
					 : XPI_POL_CHUNK;
		unsigned int processed;

		ck_assert_int_eq(xpi_pol_run(x, ops + i, n, &processed), 0);
		ck_assert_uint_eq(processed, n);
	}
}

START_TEST(records_survive_deletes)
{
	enum {
		N = 20000
	};
	uint64_t *live = calloc(N, sizeof(*live));
	struct pv_iommu_op *ops = calloc(N, sizeof(*ops));
	size_t n = 0, k = 0;

	ck_assert_ptr_nonnull(live);
	ck_assert_ptr_nonnull(ops);
	fx.null_xen = 1;
	/* colliding keys: BFNs with a stride, then delete a pseudo-random
	 * half and check every survivor is still found */
	for (uint64_t i = 0; i < N; i++)
		ops[i] = op_map_foreign(i * 4096, 3, 7, 0);
	run_all(&c, ops, N);
	ck_assert_uint_eq(xpi_pol_count(&c), N);
	for (uint64_t i = 0; i < N; i++) {
		if ((i * 2654435761u) % 7 < 4)
			ops[k++] = op_unmap_foreign(i * 4096, 7);
		else
			live[n++] = i * 4096;
	}
	run_all(&c, ops, k);
	ck_assert_uint_eq(xpi_pol_count(&c), n);
	ck_assert_int_eq(xpi_pol_restrict(&c, 3), 0);
	for (uint64_t i = 0; i < N; i++) {
		int expect = bsearch(&(uint64_t){ i * 4096 }, live, n,
				     sizeof(*live), cmp_u64)
				     ? 0
				     : -EPERM;
		struct pv_iommu_op un = op_unmap_foreign(i * 4096, 7);

		ck_assert_int_eq(xpi_pol_check(&c, &un), expect);
	}
	free(live);
	free(ops);
}
END_TEST

START_TEST(release_unmaps_every_record)
{
	struct pv_iommu_op ops[303];
	size_t k = 0;

	for (uint64_t i = 0; i < 300; i++)
		ops[k++] = op_map_foreign(BASE + i * 8, 3, 2, 3);
	memset(&ops[k], 0, sizeof(ops[k]));
	ops[k].subop_id = IOMMUOP_map_page;
	ops[k].flags = pv_iommu_flags_set_order(IOMMU_OP_readable, 9);
	ops[k++].u.map_page.bfn = UINT64_C(1) << 40;
	/* a lookup result is recorded once, however often it is looked up */
	ops[k++] = op_lookup(3, 77, 2);
	ops[k++] = op_lookup(3, 77, 2);
	run_all(&c, ops, k);
	ck_assert_uint_eq(xpi_pol_count(&c), 302);
	ck_assert_uint_eq(fx.n, 302);
	ck_assert_uint_eq(fx_refs(FX_MFN(3, 77)), 1);
	ck_assert_uint_eq(xpi_pol_release(&c), 0);
	ck_assert_uint_eq(xpi_pol_count(&c), 0);
	/* Xen holds nothing any more: every kind and order was unmapped */
	ck_assert_uint_eq(fx.n, 0);
	ck_assert_uint_eq(xpi_pol_lookup_holders(&space, FX_MFN(3, 77), 2), 0);
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

/* M-3: a restricted descriptor's windows are bounded, count and size. */
START_TEST(window_quota_of_a_restricted_fd)
{
	uint64_t w;

	/* taken while unrestricted (root: no quota), counted afterwards */
	ck_assert_int_eq(xpi_pol_window_alloc(&c, 1000, &w), 0);
	ck_assert_int_eq(xpi_pol_restrict(&c, 3), 0);
	ck_assert_int_eq(xpi_pol_window_alloc(&c, 25, &w), -EDQUOT);
	ck_assert_int_eq(xpi_pol_warnings, 1);
	ck_assert_int_eq(xpi_pol_window_alloc(&c, 24, &w), 0);
	ck_assert_int_eq(xpi_pol_window_alloc(&c, 1, &w), -EDQUOT);
	ck_assert_int_eq(xpi_pol_warnings, 2);
	/* the whole space at once: refused, so others still get room */
	ck_assert_int_eq(xpi_pol_restrict(&d, 4), 0);
	ck_assert_int_eq(xpi_pol_window_alloc(&d, LIMIT - BASE - 1024, &w),
			 -EDQUOT);
	ck_assert_int_eq(xpi_pol_window_alloc(&d, UINT64_MAX, &w), -EDQUOT);
	/* and in one-frame windows: four, then no more */
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(xpi_pol_window_alloc(&d, 1, &w), 0);
	ck_assert_int_eq(xpi_pol_window_alloc(&d, 1, &w), -EDQUOT);
	ck_assert_uint_eq(d.nwindows, 4);
	/* closing gives the quota back */
	close_ctx(&d);
	ck_assert_int_eq(xpi_pol_restrict(&d, 4), 0);
	ck_assert_int_eq(xpi_pol_window_alloc(&d, 1024, &w), 0);
}
END_TEST

/* M-3: a restricted descriptor's records are bounded. */
START_TEST(record_quota_of_a_restricted_fd)
{
	struct pv_iommu_op ops[101];
	uint64_t w;
	unsigned int processed;

	ck_assert_int_eq(xpi_pol_restrict(&c, 3), 0);
	ck_assert_int_eq(xpi_pol_window_alloc(&c, 1024, &w), 0);
	for (int i = 0; i < 101; i++)
		ops[i] = op_map_foreign(w + i, 3, 1, 0);
	ck_assert_int_eq(xpi_pol_run(&c, ops, 101, &processed), 0);
	ck_assert_uint_eq(processed, 101);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(ops[i].status, 0);
	/* the 101st is refused and never reaches Xen */
	ck_assert_int_eq(ops[100].status, -EDQUOT);
	ck_assert_uint_eq(fx.ops, 100);
	ck_assert_uint_eq(fx.n, 100);
	ck_assert_int_eq(xpi_pol_warnings, 1);
	/* a lookup counts too */
	ops[0] = op_lookup(3, 5, 1);
	ck_assert_int_eq(run1(&c, &ops[0]), -EDQUOT);
	/* one unmapped, one more fits */
	ops[0] = op_unmap_foreign(w, 1);
	ck_assert_int_eq(run1(&c, &ops[0]), 0);
	ops[0] = op_map_foreign(w + 500, 3, 1, 0);
	ck_assert_int_eq(run1(&c, &ops[0]), 0);
	ck_assert_uint_eq(xpi_pol_count(&c), 100);
}
END_TEST

/*
 * M-3: the record's room is reserved before the map is sent: when it
 * cannot be had the map is not sent, so no mapping exists that nobody
 * could unmap.
 */
START_TEST(no_map_without_its_record)
{
	struct pv_iommu_op op;
	uint64_t w;

	ck_assert_int_eq(xpi_pol_restrict(&c, 3), 0);
	ck_assert_int_eq(xpi_pol_window_alloc(&c, 64, &w), 0);
	/* 48 records fill the first table (64 slots at 3/4) */
	for (int i = 0; i < 48; i++) {
		op = op_map_foreign(w + i, 3, 1, 0);
		ck_assert_int_eq(run1(&c, &op), 0);
	}
	ck_assert_uint_eq(c.tab.nslots, 64);
	/* the 49th needs a larger table, which cannot be had */
	xpi_pol_fail_allocs = 1;
	op = op_map_foreign(w + 48, 3, 1, 0);
	ck_assert_int_eq(run1(&c, &op), -ENOMEM);
	ck_assert_int_eq(xpi_pol_fail_allocs, 0);
	ck_assert_uint_eq(fx.ops, 48);
	ck_assert_uint_eq(fx.n, 48);
	/* with memory, the map is recorded: unmap allowed, close drains */
	op = op_map_foreign(w + 48, 3, 1, 0);
	ck_assert_int_eq(run1(&c, &op), 0);
	op = op_map_foreign(w + 49, 3, 1, 0);
	ck_assert_int_eq(run1(&c, &op), 0);
	op = op_unmap_foreign(w + 48, 1);
	ck_assert_int_eq(run1(&c, &op), 0);
	ck_assert_uint_eq(fx.n, 49);
	ck_assert_uint_eq(xpi_pol_count(&c), 49);
	/* teardown checks that close unmaps the other 49 */
}
END_TEST

/*
 * M-2: two descriptors look up the same page for one ioreq server.  Xen
 * keeps one entry and one reference; the first descriptor's unmap or close
 * must not take it from the second.
 */
START_TEST(shared_lookup_survives_a_sibling)
{
	struct pv_iommu_op a = op_lookup(3, 40, 1), b = op_lookup(3, 40, 1);
	uint64_t mfn = FX_MFN(3, 40);
	struct pv_iommu_op un;

	ck_assert_int_eq(run1(&c, &a), 0);
	ck_assert_int_eq(run1(&d, &b), 0);
	ck_assert_uint_eq(a.u.lookup_foreign_page.bfn, mfn);
	ck_assert_uint_eq(b.u.lookup_foreign_page.bfn, mfn);
	ck_assert_uint_eq(fx_refs(mfn), 1);
	ck_assert_uint_eq(xpi_pol_lookup_holders(&space, mfn, 1), 2);
	/* c ends its lookup: answered by the shim, Xen keeps the entry */
	un = op_unmap_foreign(mfn, 1);
	ck_assert_int_eq(run1(&c, &un), 0);
	ck_assert_uint_eq(fx_refs(mfn), 1);
	ck_assert_uint_eq(xpi_pol_lookup_holders(&space, mfn, 1), 1);
	/* c looks it up again and closes: d's reference still stays */
	a = op_lookup(3, 40, 1);
	ck_assert_int_eq(run1(&c, &a), 0);
	close_ctx(&c);
	ck_assert_uint_eq(fx_refs(mfn), 1);
	/* d is the last holder: its unmap reaches Xen */
	un = op_unmap_foreign(mfn, 1);
	ck_assert_int_eq(run1(&d, &un), 0);
	ck_assert_uint_eq(fx_refs(mfn), 0);
	ck_assert_uint_eq(xpi_pol_lookup_holders(&space, mfn, 1), 0);
	/* and a further unmap is Xen's -ENOENT, not a stale local 0 */
	un = op_unmap_foreign(mfn, 1);
	ck_assert_int_eq(run1(&d, &un), -ENOENT);
}
END_TEST

/* M-2: the same with a restricted and an unrestricted descriptor. */
START_TEST(shared_lookup_restricted_and_root)
{
	struct pv_iommu_op a = op_lookup(3, 41, 2), b = op_lookup(3, 41, 2);
	uint64_t mfn = FX_MFN(3, 41);
	struct pv_iommu_op un;

	ck_assert_int_eq(xpi_pol_restrict(&c, 3), 0);
	ck_assert_int_eq(run1(&d, &b), 0);
	ck_assert_int_eq(run1(&c, &a), 0);
	close_ctx(&c);
	ck_assert_uint_eq(fx_refs(mfn), 1);
	un = op_unmap_foreign(mfn, 2);
	ck_assert_int_eq(run1(&d, &un), 0);
	ck_assert_uint_eq(fx_refs(mfn), 0);
}
END_TEST

/*
 * M-2: an ioreq server belongs to the first restricted descriptor that
 * uses it; another restricted descriptor naming it is refused.
 */
START_TEST(ioserver_bound_to_its_first_fd)
{
	struct pv_iommu_op op;
	uint64_t wc, wd;
	struct xpi_pol_ctx e;

	xpi_pol_ctx_init(&e, &space);
	ck_assert_int_eq(xpi_pol_restrict(&c, 3), 0);
	ck_assert_int_eq(xpi_pol_restrict(&d, 3), 0);
	ck_assert_int_eq(xpi_pol_restrict(&e, 4), 0);
	ck_assert_int_eq(xpi_pol_window_alloc(&c, 64, &wc), 0);
	ck_assert_int_eq(xpi_pol_window_alloc(&d, 64, &wd), 0);
	op = op_map_foreign(wc, 3, 1, 0);
	ck_assert_int_eq(run1(&c, &op), 0);
	/* d, restricted to the same guest, names c's server: refused */
	op = op_map_foreign(wd, 3, 1, 0);
	ck_assert_int_eq(run1(&d, &op), -EPERM);
	ck_assert_int_eq(xpi_pol_warnings, 1);
	op = op_lookup(3, 40, 1);
	ck_assert_int_eq(run1(&d, &op), -EPERM);
	ck_assert_uint_eq(fx.n, 1); /* neither reached Xen */
	/* its own server is fine */
	op = op_map_foreign(wd, 3, 2, 0);
	ck_assert_int_eq(run1(&d, &op), 0);
	/* ioserver ids are per guest: guest 4's server 1 is another one */
	op = op_lookup(4, 40, 1);
	ck_assert_int_eq(run1(&e, &op), 0);
	/* c closes: its server is free for d */
	close_ctx(&c);
	op = op_lookup(3, 40, 1);
	ck_assert_int_eq(run1(&d, &op), 0);
	close_ctx(&e);
}
END_TEST

/* M-2: at most XPI_SHIM_MAX_IOSERVERS servers per restricted fd. */
START_TEST(ioserver_quota)
{
	struct pv_iommu_op op;

	ck_assert_int_eq(xpi_pol_restrict(&c, 3), 0);
	for (uint16_t i = 0; i < XPI_SHIM_MAX_IOSERVERS; i++) {
		op = op_lookup(3, 40, i);
		ck_assert_int_eq(run1(&c, &op), 0);
	}
	op = op_lookup(3, 40, XPI_SHIM_MAX_IOSERVERS);
	ck_assert_int_eq(run1(&c, &op), -EDQUOT);
	ck_assert_int_eq(xpi_pol_warnings, 1);
}
END_TEST

/*
 * L-5: records carry their kind, and a lookup result inside the window
 * range is refused (Xen's unmap would find a window mapping there first).
 */
START_TEST(lookup_result_in_window_range_refused)
{
	struct pv_iommu_op op, un;
	uint64_t w;

	ck_assert_int_eq(xpi_pol_restrict(&c, 0), 0);
	ck_assert_int_eq(xpi_pol_window_alloc(&c, 64, &w), 0);
	/* guest 0's gfn whose frame is BFN w, in the window */
	op = op_lookup(0, w - FX_MFN(0, 0), 1);
	ck_assert_int_eq(run1(&c, &op), -EPERM);
	ck_assert_uint_eq(op.u.lookup_foreign_page.bfn, 0);
	ck_assert_uint_eq(xpi_pol_count(&c), 0);
	ck_assert_int_eq(xpi_pol_warnings, 1);
	fx.n = 0; /* Xen keeps that entry; not the shim's to end */
	/* a map_page record (root's, before RESTRICT) is not a foreign one */
	close_ctx(&c);
	memset(&op, 0, sizeof(op));
	op.subop_id = IOMMUOP_map_page;
	op.u.map_page.bfn = 0x5000;
	ck_assert_int_eq(run1(&c, &op), 0);
	ck_assert_int_eq(xpi_pol_restrict(&c, 0), 0);
	un = op_unmap_foreign(0x5000, 0xFFFF);
	ck_assert_int_eq(run1(&c, &un), -EPERM);
}
END_TEST

/*
 * L-1: Xen may fail the call after processing ops (a flush error): their
 * results are kept and recorded, the ones it did not reach say so.
 */
START_TEST(results_kept_when_the_call_fails)
{
	struct pv_iommu_op ops[8];
	unsigned int processed;
	uint64_t w;

	ck_assert_int_eq(xpi_pol_restrict(&c, 3), 0);
	ck_assert_int_eq(xpi_pol_window_alloc(&c, 64, &w), 0);
	for (int i = 0; i < 8; i++) {
		ops[i] = op_map_foreign(w + i, 3, 1, 0);
		ops[i].status = 12345; /* whatever the caller left there */
	}
	/* all processed, then an error */
	fx.stop_after = 8;
	fx.rc = -EIO;
	ck_assert_int_eq(xpi_pol_run(&c, ops, 4, &processed), -EIO);
	ck_assert_uint_eq(processed, 4);
	ck_assert_int_eq(fx.saw_non_sentinel, 0);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(ops[i].status, 0);
	ck_assert_uint_eq(xpi_pol_count(&c), 4);
	/* two processed, then an error: the rest are -EINPROGRESS */
	fx.stop_after = 2;
	fx.rc = -EFAULT;
	ck_assert_int_eq(xpi_pol_run(&c, ops + 4, 4, &processed), -EFAULT);
	ck_assert_uint_eq(processed, 2);
	ck_assert_int_eq(ops[4].status, 0);
	ck_assert_int_eq(ops[5].status, 0);
	ck_assert_int_eq(ops[6].status, -EINPROGRESS);
	ck_assert_int_eq(ops[7].status, -EINPROGRESS);
	ck_assert_uint_eq(xpi_pol_count(&c), 6);
	ck_assert_uint_eq(fx.n, 6);
	/* teardown: close unmaps all six */
}
END_TEST

/* L-2: ops of one chunk see the effect of the earlier ones. */
START_TEST(map_then_unmap_in_one_chunk)
{
	struct pv_iommu_op ops[5];
	unsigned int processed;
	uint64_t w;

	ck_assert_int_eq(xpi_pol_restrict(&c, 3), 0);
	ck_assert_int_eq(xpi_pol_window_alloc(&c, 64, &w), 0);
	ops[0] = op_map_foreign(w, 3, 1, 0);
	ops[1] = op_unmap_foreign(w, 1);
	ops[2] = op_map_foreign(w, 3, 1, 0);
	ops[3] = op_lookup(3, 9, 1);
	ops[4] = op_unmap_foreign(FX_MFN(3, 9), 1);
	ck_assert_int_eq(xpi_pol_run(&c, ops, 5, &processed), 0);
	ck_assert_uint_eq(processed, 5);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(ops[i].status, 0);
	ck_assert_uint_eq(xpi_pol_count(&c), 1);
	ck_assert_uint_eq(fx.n, 1);
	/* independent ops still share one hypercall */
	fx.calls = 0;
	ops[0] = op_map_foreign(w + 1, 3, 1, 0);
	ops[1] = op_map_foreign(w + 2, 3, 1, 0);
	ops[2] = op_unmap_foreign(w, 1);
	ck_assert_int_eq(xpi_pol_run(&c, ops, 3, &processed), 0);
	ck_assert_uint_eq(fx.calls, 1);
}
END_TEST

/* L-3: close looks at each slot once, however many records there are. */
START_TEST(release_is_one_pass)
{
	enum {
		N = 100000
	};
	struct pv_iommu_op *ops = calloc(N, sizeof(*ops));

	ck_assert_ptr_nonnull(ops);
	fx.null_xen = 1;
	for (uint64_t i = 0; i < N; i++)
		ops[i] = op_map_foreign(BASE + i, 3, 1, 0);
	run_all(&c, ops, N);
	ck_assert_uint_eq(xpi_pol_count(&c), N);
	fx.ops = 0;
	ck_assert_uint_eq(xpi_pol_release(&c), 0);
	ck_assert_uint_eq(fx.ops, N);
	ck_assert_uint_eq(c.release_visits, c.tab.nslots);
	ck_assert_uint_eq(xpi_pol_count(&c), 0);
	free(ops);
}
END_TEST

struct looker {
	struct xpi_pol_ctx ctx;
	int errors;
};

static void *look_loop(void *arg)
{
	struct looker *l = arg;

	for (int i = 0; i < 500; i++) {
		struct pv_iommu_op op = op_lookup(3, 40, 1);
		unsigned int processed;

		if (xpi_pol_run(&l->ctx, &op, 1, &processed) || op.status)
			l->errors++;
		op = op_unmap_foreign(FX_MFN(3, 40), 1);
		if (xpi_pol_run(&l->ctx, &op, 1, &processed) || op.status)
			l->errors++;
	}
	return NULL;
}

/*
 * M-2 under threads: four descriptors look up and end one page in a loop;
 * at every hypercall Xen holds the entry exactly when some descriptor
 * does, and at the end nothing is left.
 */
START_TEST(shared_lookup_across_threads)
{
	struct looker l[4];
	pthread_t t[4];

	fx.watch = &space;
	fx.watch_mfn = FX_MFN(3, 40);
	fx.watch_ios = 1;
	for (int i = 0; i < 4; i++) {
		xpi_pol_ctx_init(&l[i].ctx, &space);
		l[i].errors = 0;
		ck_assert_int_eq(pthread_create(&t[i], NULL, look_loop, &l[i]),
				 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(l[i].errors, 0);
		xpi_pol_release(&l[i].ctx);
		xpi_pol_ctx_destroy(&l[i].ctx);
	}
	ck_assert_int_eq(fx.watch_broken, 0);
	ck_assert_uint_gt(fx.calls, 0);
	ck_assert_uint_eq(fx_refs(FX_MFN(3, 40)), 0);
	ck_assert_uint_eq(xpi_pol_lookup_holders(&space, FX_MFN(3, 40), 1), 0);
	fx.watch = NULL;
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
	tcase_add_test(tc, release_unmaps_every_record);
	tcase_add_test(tc, windows_unique_across_threads);
	tcase_add_test(tc, window_quota_of_a_restricted_fd);
	tcase_add_test(tc, record_quota_of_a_restricted_fd);
	tcase_add_test(tc, no_map_without_its_record);
	tcase_add_test(tc, shared_lookup_survives_a_sibling);
	tcase_add_test(tc, shared_lookup_restricted_and_root);
	tcase_add_test(tc, ioserver_bound_to_its_first_fd);
	tcase_add_test(tc, ioserver_quota);
	tcase_add_test(tc, lookup_result_in_window_range_refused);
	tcase_add_test(tc, results_kept_when_the_call_fails);
	tcase_add_test(tc, map_then_unmap_in_one_chunk);
	tcase_add_test(tc, shared_lookup_across_threads);
	suite_add_tcase(s, tc);
	tc = tcase_create("big");
	tcase_add_checked_fixture(tc, setup_big, teardown);
	tcase_add_test(tc, release_is_one_pass);
	suite_add_tcase(s, tc);
	return xt_run(s);
}
