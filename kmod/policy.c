// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shim's policy (see policy.h), shared by the module and its
 * user-space test.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/slab.h>
/* Charged to the caller's memory cgroup: an emulator pays for its own. */
#define pol_calloc(n, size) kvcalloc(n, size, GFP_KERNEL_ACCOUNT)
#define pol_free(p) kvfree(p)
#define pol_zalloc(size) kzalloc(size, GFP_KERNEL_ACCOUNT)
#define pol_kfree(p) kfree(p)
#define pol_lock_init(l) mutex_init(l)
#define pol_lock(l) mutex_lock(l)
#define pol_unlock(l) mutex_unlock(l)
#define pol_resched() cond_resched()
#define pol_warn(fmt, ...)                                                     \
	pr_warn_ratelimited("privcmd-iommu: " fmt "\n", ##__VA_ARGS__)
#else
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "user-compat.h"

int xpi_pol_fail_allocs;
int xpi_pol_warnings;

static int pol_fail(void)
{
	if (xpi_pol_fail_allocs <= 0)
		return 0;
	xpi_pol_fail_allocs--;
	return 1;
}

static __printf(1, 2) void pol_warn(const char *fmt, ...)
{
	va_list ap;

	xpi_pol_warnings++;
	va_start(ap, fmt);
	fprintf(stderr, "privcmd-iommu: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

#define pol_calloc(n, size) (pol_fail() ? NULL : calloc(n, size))
#define pol_free(p) free(p)
#define pol_zalloc(size) (pol_fail() ? NULL : calloc(1, size))
#define pol_kfree(p) free(p)
#define pol_lock_init(l) pthread_mutex_init(l, NULL)
#define pol_lock(l) pthread_mutex_lock(l)
#define pol_unlock(l) pthread_mutex_unlock(l)
#define pol_resched() do { } while (0)
#endif

#include "policy.h"

#define OWN_IOSERVER 0xFFFFu	/* the ioserver key of map_page records */
#define pol_ull(x) ((unsigned long long)(x))

/* ---- open-addressing tables keyed (bfn, ioserver) ---- */

static size_t tab_hash(const struct xpi_pol_tab *t, u64 bfn, u16 ioserver)
{
	u64 x = (bfn ^ ((u64)ioserver << 48)) * 0x9E3779B97F4A7C15ull;

	return (size_t)(x >> 32) & (t->nslots - 1);
}

static struct xpi_pol_rec *tab_find(const struct xpi_pol_tab *t, u64 bfn,
				    u16 ioserver)
{
	size_t i;

	if (!t->nslots)
		return NULL;
	for (i = tab_hash(t, bfn, ioserver); t->recs[i].kind;
	     i = (i + 1) & (t->nslots - 1))
		if (t->recs[i].bfn == bfn && t->recs[i].ioserver == ioserver)
			return &t->recs[i];
	return NULL;
}

static void tab_put(struct xpi_pol_tab *t, const struct xpi_pol_rec *r)
{
	size_t i = tab_hash(t, r->bfn, r->ioserver);

	while (t->recs[i].kind)
		i = (i + 1) & (t->nslots - 1);
	t->recs[i] = *r;
	t->nrecs++;
}

/* Room for n records at a load of at most 3/4. */
static int tab_room(struct xpi_pol_tab *t, size_t n)
{
	struct xpi_pol_rec *old = t->recs, *recs;
	size_t oldn = t->nslots, nslots = oldn ? oldn : 64, i;

	while (n > nslots / 4 * 3)
		nslots *= 2;
	if (nslots == oldn)
		return 0;
	recs = pol_calloc(nslots, sizeof(*recs));
	if (!recs)
		return -ENOMEM;
	t->recs = recs;
	t->nslots = nslots;
	t->nrecs = 0;
	for (i = 0; i < oldn; i++)
		if (old[i].kind)
			tab_put(t, &old[i]);
	pol_free(old);
	return 0;
}

/* Promise a slot to an op in flight, so that its answer can be kept. */
static int tab_reserve(struct xpi_pol_tab *t)
{
	int rc = tab_room(t, t->nrecs + t->reserved + 1);

	if (!rc)
		t->reserved++;
	return rc;
}

/* Add r; its room was reserved, so this does not fail but defensively. */
static int tab_add(struct xpi_pol_tab *t, const struct xpi_pol_rec *r)
{
	if (tab_find(t, r->bfn, r->ioserver))
		return 0;
	if (tab_room(t, t->nrecs + 1))
		return -ENOMEM;
	tab_put(t, r);
	return 0;
}

/* Remove a record, shifting its probe chain back so lookups still work. */
static void tab_del(struct xpi_pol_tab *t, struct xpi_pol_rec *r)
{
	size_t mask = t->nslots - 1;
	size_t i = (size_t)(r - t->recs), j = i;

	for (;;) {
		size_t k;

		t->recs[i].kind = 0;
		for (;;) {
			j = (j + 1) & mask;
			if (!t->recs[j].kind) {
				t->nrecs--;
				return;
			}
			k = tab_hash(t, t->recs[j].bfn, t->recs[j].ioserver);
			/* Leave j where it is if its home lies in (i, j]. */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		t->recs[i] = t->recs[j];
		i = j;
	}
}

static void tab_free(struct xpi_pol_tab *t)
{
	pol_free(t->recs);
	t->recs = NULL;
	t->nslots = 0;
	t->nrecs = 0;
	t->reserved = 0;
}

/* ---- the space and descriptors ---- */

void xpi_pol_space_init(struct xpi_pol_space *s, u64 base, u64 limit,
			const struct xpi_pol_limits *lim,
			xpi_pol_hcall_fn hcall, void *hcall_arg)
{
	size_t i;

	s->base = base;
	s->limit = limit;
	s->lim = *lim;
	s->hcall = hcall;
	s->hcall_arg = hcall_arg;
	s->head = NULL;
	for (i = 0; i < XPI_POL_BIND_BUCKETS; i++)
		s->binds[i] = NULL;
	s->lookups = (struct xpi_pol_tab){ 0 };
	pol_lock_init(&s->lock);
	pol_lock_init(&s->lookup_lock);
}

void xpi_pol_space_destroy(struct xpi_pol_space *s)
{
	tab_free(&s->lookups);
}

void xpi_pol_ctx_init(struct xpi_pol_ctx *c, struct xpi_pol_space *s)
{
	c->space = s;
	c->restricted = XPI_SHIM_UNRESTRICTED;
	c->windows = NULL;
	c->nwindows = 0;
	c->window_frames = 0;
	c->binds = NULL;
	c->nbinds = 0;
	c->tab = (struct xpi_pol_tab){ 0 };
	c->nlookups = 0;
	c->release_visits = 0;
}

static struct xpi_pol_bind **bind_bucket(struct xpi_pol_space *s, u16 domid,
					 u16 ioserver)
{
	return &s->binds[(domid * 8u + ioserver) % XPI_POL_BIND_BUCKETS];
}

/* One descriptor fewer holds the lookup entry (bfn, ioserver). */
static void lookup_drop(struct xpi_pol_space *s, u64 bfn, u16 ioserver)
{
	struct xpi_pol_rec *g = tab_find(&s->lookups, bfn, ioserver);

	if (g && --g->count == 0)
		tab_del(&s->lookups, g);
}

void xpi_pol_ctx_destroy(struct xpi_pol_ctx *c)
{
	struct xpi_pol_space *s = c->space;
	struct xpi_pol_window *w, **link;
	struct xpi_pol_bind *b, **bl;
	size_t i;

	if (c->nlookups) {
		/* Not released (or Xen refused): the hold ends all the same. */
		pol_lock(&s->lookup_lock);
		for (i = 0; i < c->tab.nslots; i++)
			if (c->tab.recs[i].kind == XPI_POL_KIND_LOOKUP)
				lookup_drop(s, c->tab.recs[i].bfn,
					    c->tab.recs[i].ioserver);
		pol_unlock(&s->lookup_lock);
		c->nlookups = 0;
	}
	pol_lock(&s->lock);
	for (link = &s->head; *link;) {
		if ((*link)->owner == c)
			*link = (*link)->next_global;
		else
			link = &(*link)->next_global;
	}
	for (b = c->binds; b; b = b->next_owned) {
		for (bl = bind_bucket(s, b->domid, b->ioserver); *bl != b;
		     bl = &(*bl)->next_bucket)
			;
		*bl = b->next_bucket;
	}
	pol_unlock(&s->lock);
	while (c->windows) {
		w = c->windows;
		c->windows = w->next_owned;
		pol_kfree(w);
	}
	while (c->binds) {
		b = c->binds;
		c->binds = b->next_owned;
		pol_kfree(b);
	}
	c->nbinds = 0;
	c->nwindows = 0;
	c->window_frames = 0;
	tab_free(&c->tab);
}

int xpi_pol_restrict(struct xpi_pol_ctx *c, u16 domid)
{
	if (domid >= XPI_DOMID_FIRST_RESERVED)
		return -EINVAL;
	if (c->restricted != XPI_SHIM_UNRESTRICTED)
		return c->restricted == domid ? 0 : -EPERM;
	c->restricted = domid;
	return 0;
}

static int is_restricted(const struct xpi_pol_ctx *c)
{
	return c->restricted != XPI_SHIM_UNRESTRICTED;
}

int xpi_pol_window_alloc(struct xpi_pol_ctx *c, u64 nr, u64 *first)
{
	struct xpi_pol_space *s = c->space;
	const struct xpi_pol_limits *lim = &s->lim;
	struct xpi_pol_window *w, **link;
	u64 at;
	int rc = -ENOSPC;

	if (nr == 0)
		return -EINVAL;
	if (is_restricted(c) &&
	    (c->nwindows >= lim->windows ||
	     nr > lim->window_frames - c->window_frames)) {
		pol_warn("domid %u: window of %llu frames refused: %llu windows of %llu frames held, quota %llu windows of %llu frames",
			 c->restricted, pol_ull(nr), pol_ull(c->nwindows),
			 pol_ull(c->window_frames), pol_ull(lim->windows),
			 pol_ull(lim->window_frames));
		return -EDQUOT;
	}
	w = pol_zalloc(sizeof(*w));
	if (!w)
		return -ENOMEM;
	pol_lock(&s->lock);
	at = s->base;
	for (link = &s->head;; link = &(*link)->next_global) {
		u64 end = *link ? (*link)->first : s->limit;

		if (at <= end && end - at >= nr) {
			w->first = at;
			w->nr = nr;
			w->owner = c;
			w->next_global = *link;
			*link = w;
			rc = 0;
			break;
		}
		if (!*link)
			break;
		at = (*link)->first + (*link)->nr;
	}
	pol_unlock(&s->lock);
	if (rc) {
		pol_kfree(w);
		return rc;
	}
	w->next_owned = c->windows;
	c->windows = w;
	c->nwindows++;
	c->window_frames += nr;
	*first = w->first;
	return 0;
}

int xpi_pol_in_windows(const struct xpi_pol_ctx *c, u64 bfn,
		       unsigned int order)
{
	const struct xpi_pol_window *w;
	u64 nr;

	if (order > 63)
		return 0;
	nr = (u64)1 << order;
	if (bfn + nr < bfn)
		return 0;
	for (w = c->windows; w; w = w->next_owned)
		if (bfn >= w->first && bfn - w->first <= w->nr &&
		    w->nr - (bfn - w->first) >= nr)
			return 1;
	return 0;
}

/*
 * A restricted descriptor may name (its domid, ioserver) only if no other
 * descriptor uses that server: the first to use it keeps it until close.
 * With commit the binding is made; without, only checked.
 */
static int bind_check(struct xpi_pol_ctx *c, u16 ioserver, int commit)
{
	struct xpi_pol_space *s = c->space;
	struct xpi_pol_bind *b, **bucket;
	u16 dom = c->restricted;

	for (b = c->binds; b; b = b->next_owned)
		if (b->ioserver == ioserver)
			return 0;
	if (c->nbinds >= XPI_SHIM_MAX_IOSERVERS) {
		pol_warn("domid %u: ioreq server %u refused: this descriptor already uses %u servers",
			 dom, ioserver, c->nbinds);
		return -EDQUOT;
	}
	pol_lock(&s->lock);
	bucket = bind_bucket(s, dom, ioserver);
	for (b = *bucket; b; b = b->next_bucket)
		if (b->domid == dom && b->ioserver == ioserver)
			break;
	if (b) {
		pol_unlock(&s->lock);
		pol_warn("domid %u: ioreq server %u belongs to another descriptor",
			 dom, ioserver);
		return -EPERM;
	}
	if (!commit) {
		pol_unlock(&s->lock);
		return 0;
	}
	b = pol_zalloc(sizeof(*b));
	if (!b) {
		pol_unlock(&s->lock);
		return -ENOMEM;
	}
	b->domid = dom;
	b->ioserver = ioserver;
	b->owner = c;
	b->next_bucket = *bucket;
	*bucket = b;
	pol_unlock(&s->lock);
	b->next_owned = c->binds;
	c->binds = b;
	c->nbinds++;
	return 0;
}

/*
 * A record for the op's answer: within the quota (restricted only) and
 * with its room reserved before the op is sent, so that a mapping Xen
 * made can always be recorded and so unmapped.
 */
static int rec_reserve(struct xpi_pol_ctx *c, int commit)
{
	u64 quota = c->space->lim.records;

	if (is_restricted(c) && c->tab.nrecs + c->tab.reserved >= quota) {
		pol_warn("domid %u: map refused: %llu mappings recorded or in flight, quota %llu",
			 c->restricted,
			 pol_ull(c->tab.nrecs + c->tab.reserved), pol_ull(quota));
		return -EDQUOT;
	}
	return commit ? tab_reserve(&c->tab) : 0;
}

/*
 * 0: send the op; 1: answered here (status 0); else the status to give.
 * With commit the op's bindings and reservations are made, and a shared
 * lookup entry's release is done here.  The caller holds lookup_lock when
 * committing a lookup or an unmap_foreign_page.
 */
static int check(struct xpi_pol_ctx *c, const struct pv_iommu_op *op,
		 int commit)
{
	struct xpi_pol_space *s = c->space;
	u16 dom = c->restricted;
	struct xpi_pol_rec *r, *g;
	int rc;

	switch (op->subop_id) {
	case IOMMUOP_query_caps:
		return 0;
	case IOMMUOP_map_page:
		/* the caller's own memory: not for a restricted emulator */
		if (is_restricted(c))
			return -EPERM;
		return rec_reserve(c, commit);
	case IOMMUOP_unmap_page:
		return is_restricted(c) ? -EPERM : 0;
	case IOMMUOP_map_foreign_page:
		if (is_restricted(c)) {
			if (op->u.map_foreign_page.domid != dom ||
			    !xpi_pol_in_windows(c, op->u.map_foreign_page.bfn,
						pv_iommu_flags_order(op->flags)))
				return -EPERM;
			rc = bind_check(c, op->u.map_foreign_page.ioserver,
					commit);
			if (rc)
				return rc;
		}
		return rec_reserve(c, commit);
	case IOMMUOP_lookup_foreign_page:
		if (is_restricted(c)) {
			if (op->u.lookup_foreign_page.domid != dom)
				return -EPERM;
			rc = bind_check(c, op->u.lookup_foreign_page.ioserver,
					commit);
			if (rc)
				return rc;
		}
		rc = rec_reserve(c, commit);
		if (rc || !commit)
			return rc;
		/* and room in the shared table, should this be the first */
		if (tab_reserve(&s->lookups)) {
			c->tab.reserved--;
			return -ENOMEM;
		}
		return 0;
	case IOMMUOP_unmap_foreign_page:
		/* the op names no domid: only what this descriptor mapped */
		r = tab_find(&c->tab, op->u.unmap_foreign_page.bfn,
			     op->u.unmap_foreign_page.ioserver);
		if (is_restricted(c) && (!r || r->kind == XPI_POL_KIND_OWN))
			return -EPERM;
		if (!r || r->kind != XPI_POL_KIND_LOOKUP)
			return 0;
		g = tab_find(&s->lookups, r->bfn, r->ioserver);
		if (!g || g->count < 2)
			return 0; /* the last holder: Xen drops the entry */
		if (pv_iommu_flags_order(op->flags) != 0)
			return -EINVAL; /* as Xen: lookups are order 0 */
		/* another descriptor still holds Xen's one entry */
		if (commit) {
			g->count--;
			tab_del(&c->tab, r);
			c->nlookups--;
		}
		return 1;
	default:
		return -EOPNOTSUPP;
	}
}

int xpi_pol_check(struct xpi_pol_ctx *c, const struct pv_iommu_op *op)
{
	int rc = check(c, op, 0);

	return rc > 0 ? 0 : rc;
}

static void note_lookup(struct xpi_pol_ctx *c, struct pv_iommu_op *op)
{
	struct xpi_pol_space *s = c->space;
	u64 bfn = op->u.lookup_foreign_page.bfn;
	u16 ios = op->u.lookup_foreign_page.ioserver;
	struct xpi_pol_rec rec = {
		.bfn = bfn, .ioserver = ios, .kind = XPI_POL_KIND_LOOKUP,
	};
	struct xpi_pol_rec *r, *g;

	if (bfn >= s->base && bfn < s->limit) {
		/*
		 * Xen's unmap would find a window's mapping at this BFN
		 * first, so nobody could end this entry safely: hide it.
		 * Unreachable while bfn_base lies above every RAM frame,
		 * which the module checks at load.
		 */
		pol_warn("lookup result %llx lies in the window range; refused and kept by Xen",
			 pol_ull(bfn));
		op->status = -EPERM;
		op->u.lookup_foreign_page.bfn = 0;
		return;
	}
	r = tab_find(&c->tab, bfn, ios);
	if (r) {
		if (r->kind != XPI_POL_KIND_LOOKUP)
			pol_warn("lookup result %llx collides with a mapping of this descriptor",
				 pol_ull(bfn));
		return; /* Xen took no new reference */
	}
	if (tab_add(&c->tab, &rec)) {
		pol_warn("cannot record lookup %llx", pol_ull(bfn));
		return;
	}
	c->nlookups++;
	g = tab_find(&s->lookups, bfn, ios);
	if (g) {
		g->count++;
		return;
	}
	rec.count = 1;
	if (tab_add(&s->lookups, &rec))
		pol_warn("cannot count lookup %llx", pol_ull(bfn));
}

/* After the hypervisor answered op: keep the records true. */
static void note(struct xpi_pol_ctx *c, struct pv_iommu_op *op)
{
	u8 order = (u8)pv_iommu_flags_order(op->flags);
	struct xpi_pol_rec rec = { .order = order };
	struct xpi_pol_rec *r;

	switch (op->subop_id) {
	case IOMMUOP_map_page:
		if (op->status)
			return;
		rec.bfn = op->u.map_page.bfn;
		rec.ioserver = OWN_IOSERVER;
		rec.kind = XPI_POL_KIND_OWN;
		break;
	case IOMMUOP_map_foreign_page:
		if (op->status)
			return;
		rec.bfn = op->u.map_foreign_page.bfn;
		rec.ioserver = op->u.map_foreign_page.ioserver;
		rec.kind = XPI_POL_KIND_FOREIGN;
		break;
	case IOMMUOP_lookup_foreign_page:
		if (!op->status)
			note_lookup(c, op);
		return;
	case IOMMUOP_unmap_page:
		r = tab_find(&c->tab, op->u.unmap_page.bfn, OWN_IOSERVER);
		if (!op->status && r)
			tab_del(&c->tab, r);
		return;
	case IOMMUOP_unmap_foreign_page:
		r = tab_find(&c->tab, op->u.unmap_foreign_page.bfn,
			     op->u.unmap_foreign_page.ioserver);
		if (!r)
			return;
		if (r->kind == XPI_POL_KIND_LOOKUP &&
		    (!op->status || op->status == -ENOENT)) {
			/* gone from Xen either way */
			lookup_drop(c->space, r->bfn, r->ioserver);
			c->nlookups--;
			tab_del(&c->tab, r);
		} else if (!op->status) {
			tab_del(&c->tab, r);
		}
		return;
	default:
		return;
	}
	if (tab_add(&c->tab, &rec))
		pol_warn("cannot record BFN %llx", pol_ull(rec.bfn));
}

/* The (bfn, ioserver) an op acts on; 0 if it names none. */
static int op_key(const struct pv_iommu_op *op, u64 *bfn, u16 *ios)
{
	switch (op->subop_id) {
	case IOMMUOP_map_page:
		*bfn = op->u.map_page.bfn;
		*ios = OWN_IOSERVER;
		return 1;
	case IOMMUOP_unmap_page:
		*bfn = op->u.unmap_page.bfn;
		*ios = OWN_IOSERVER;
		return 1;
	case IOMMUOP_map_foreign_page:
		*bfn = op->u.map_foreign_page.bfn;
		*ios = op->u.map_foreign_page.ioserver;
		return 1;
	case IOMMUOP_unmap_foreign_page:
		*bfn = op->u.unmap_foreign_page.bfn;
		*ios = op->u.unmap_foreign_page.ioserver;
		return 1;
	default:
		return 0;
	}
}

/*
 * Does op's check depend on an op already waiting in send[0..nsend)?  It
 * does when both act on one (bfn, ioserver), and an unmap_foreign_page
 * depends on any waiting lookup (whose BFN only Xen knows).
 */
static int depends(const struct xpi_pol_ctx *c, const struct pv_iommu_op *op,
		   unsigned int nsend)
{
	u64 bfn, b;
	u16 ios, i2;
	unsigned int k;
	int keyed = op_key(op, &bfn, &ios);

	for (k = 0; k < nsend; k++) {
		const struct pv_iommu_op *w = &c->send[k];

		if (op->subop_id == IOMMUOP_unmap_foreign_page &&
		    w->subop_id == IOMMUOP_lookup_foreign_page)
			return 1;
		if (keyed && op_key(w, &b, &i2) && b == bfn && i2 == ios)
			return 1;
	}
	return 0;
}

/* Send send[0..nsend), merge the answers into ops and record them. */
static long flush(struct xpi_pol_ctx *c, struct pv_iommu_op *ops,
		  unsigned int nsend, int locked)
{
	struct xpi_pol_space *s = c->space;
	unsigned int k;
	long rc;

	rc = s->hcall(s->hcall_arg, c->send, nsend);
	for (k = 0; k < nsend; k++) {
		struct pv_iommu_op *op = &ops[c->idx[k]];

		/* Xen writes the status of every op it processes. */
		if (c->send[k].status == -EINPROGRESS) {
			op->status = -EINPROGRESS;
			continue;
		}
		*op = c->send[k];
		note(c, op);
	}
	c->tab.reserved = 0;
	if (locked)
		s->lookups.reserved = 0;
	return rc;
}

/*
 * The shared lookup table is touched by lookups and by the unmaps of a
 * descriptor that holds lookups; other chunks run without its lock.
 */
static int needs_lookup_lock(const struct xpi_pol_ctx *c,
			     const struct pv_iommu_op *ops, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (ops[i].subop_id == IOMMUOP_lookup_foreign_page ||
		    (c->nlookups &&
		     ops[i].subop_id == IOMMUOP_unmap_foreign_page))
			return 1;
	return 0;
}

long xpi_pol_run(struct xpi_pol_ctx *c, struct pv_iommu_op *ops,
		 unsigned int n, unsigned int *processed)
{
	struct xpi_pol_space *s = c->space;
	int locked = needs_lookup_lock(c, ops, n);
	unsigned int i, nsend = 0;
	long rc = 0;

	if (locked)
		pol_lock(&s->lookup_lock);
	for (i = 0; i < n; i++) {
		struct pv_iommu_op *op = &ops[i];
		int st;

		if (nsend && depends(c, op, nsend)) {
			rc = flush(c, ops, nsend, locked);
			nsend = 0;
			if (rc)
				break;
		}
		st = check(c, op, 1);
		if (st) {
			op->status = st < 0 ? st : 0;
			continue;
		}
		c->send[nsend] = *op;
		c->send[nsend].status = -EINPROGRESS;
		c->idx[nsend++] = i;
	}
	if (nsend)
		rc = flush(c, ops, nsend, locked);
	if (locked)
		pol_unlock(&s->lookup_lock);
	for (; i < n; i++)
		ops[i].status = -EINPROGRESS;
	for (i = 0; i < n && ops[i].status != -EINPROGRESS; i++)
		;
	*processed = i;
	return rc;
}

size_t xpi_pol_release(struct xpi_pol_ctx *c)
{
	struct xpi_pol_space *s = c->space;
	struct xpi_pol_tab *t = &c->tab;
	size_t i = 0, failed = 0;

	/*
	 * One pass over the slots: a slot is freed without repairing its
	 * probe chain, as nothing looks this table up any more.
	 */
	while (i < t->nslots) {
		unsigned int n = 0, k;
		int locked = c->nlookups != 0;
		long rc;

		if (locked)
			pol_lock(&s->lookup_lock);
		for (; i < t->nslots && n < XPI_POL_CHUNK; i++) {
			struct xpi_pol_rec *r = &t->recs[i];
			struct pv_iommu_op *op = &c->send[n];
			struct xpi_pol_rec *g;

			c->release_visits++;
			if (!r->kind)
				continue;
			if (r->kind == XPI_POL_KIND_LOOKUP) {
				g = tab_find(&s->lookups, r->bfn, r->ioserver);
				if (g && g->count > 1) {
					g->count--;
					r->kind = 0;
					t->nrecs--;
					c->nlookups--;
					continue;
				}
			}
			*op = (struct pv_iommu_op){ 0 };
			op->flags = pv_iommu_flags_set_order(0, r->order);
			op->status = -EINPROGRESS;
			if (r->kind == XPI_POL_KIND_OWN) {
				op->subop_id = IOMMUOP_unmap_page;
				op->u.unmap_page.bfn = r->bfn;
			} else {
				op->subop_id = IOMMUOP_unmap_foreign_page;
				op->u.unmap_foreign_page.bfn = r->bfn;
				op->u.unmap_foreign_page.ioserver = r->ioserver;
			}
			c->idx[n++] = i;
		}
		rc = n ? s->hcall(s->hcall_arg, c->send, n) : 0;
		for (k = 0; k < n; k++) {
			struct xpi_pol_rec *r = &t->recs[c->idx[k]];
			int st = c->send[k].status;

			if (r->kind == XPI_POL_KIND_LOOKUP) {
				/* this descriptor's hold ends in any case */
				lookup_drop(s, r->bfn, r->ioserver);
				c->nlookups--;
				if (st == -ENOENT)
					st = 0;
			}
			if (st) {
				pol_warn("unmapping BFN %llx at close failed: %d",
					 pol_ull(r->bfn), st);
				failed++;
			}
			r->kind = 0;
			t->nrecs--;
		}
		if (locked)
			pol_unlock(&s->lookup_lock);
		if (rc)
			pol_warn("unmapping at close failed: %ld", rc);
		pol_resched();
	}
	return failed;
}

size_t xpi_pol_count(const struct xpi_pol_ctx *c)
{
	return c->tab.nrecs;
}

u32 xpi_pol_lookup_holders(struct xpi_pol_space *s, u64 bfn, u16 ioserver)
{
	struct xpi_pol_rec *g;
	u32 n;

	pol_lock(&s->lookup_lock);
	g = tab_find(&s->lookups, bfn, ioserver);
	n = g ? g->count : 0;
	pol_unlock(&s->lookup_lock);
	return n;
}
