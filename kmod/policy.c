// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shim's policy (see policy.h), shared by the module and its
 * user-space test.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/slab.h>
#define pol_calloc(n, size) kvcalloc(n, size, GFP_KERNEL)
#define pol_free(p) kvfree(p)
#define pol_zalloc(size) kzalloc(size, GFP_KERNEL)
#define pol_kfree(p) kfree(p)
#define pol_lock_init(l) mutex_init(l)
#define pol_lock(l) mutex_lock(l)
#define pol_unlock(l) mutex_unlock(l)
#else
#include <errno.h>
#include <stdlib.h>
#define pol_calloc(n, size) calloc(n, size)
#define pol_free(p) free(p)
#define pol_zalloc(size) calloc(1, size)
#define pol_kfree(p) free(p)
#define pol_lock_init(l) pthread_mutex_init(l, NULL)
#define pol_lock(l) pthread_mutex_lock(l)
#define pol_unlock(l) pthread_mutex_unlock(l)
#endif

#include "policy.h"

#define OWN_IOSERVER 0xFFFFu	/* the ioserver key of map_page records */
#define KIND_OWN 1
#define KIND_FOREIGN 2

void xpi_pol_space_init(struct xpi_pol_space *s, u64 base, u64 limit)
{
	s->base = base;
	s->limit = limit;
	s->head = NULL;
	pol_lock_init(&s->lock);
}

void xpi_pol_ctx_init(struct xpi_pol_ctx *c, struct xpi_pol_space *s)
{
	c->space = s;
	c->restricted = XPI_SHIM_UNRESTRICTED;
	c->windows = NULL;
	c->recs = NULL;
	c->nslots = 0;
	c->nrecs = 0;
}

void xpi_pol_ctx_destroy(struct xpi_pol_ctx *c)
{
	struct xpi_pol_space *s = c->space;
	struct xpi_pol_window *w, **link;

	pol_lock(&s->lock);
	for (link = &s->head; *link;) {
		if ((*link)->owner == c)
			*link = (*link)->next_global;
		else
			link = &(*link)->next_global;
	}
	pol_unlock(&s->lock);
	while (c->windows) {
		w = c->windows;
		c->windows = w->next_owned;
		pol_kfree(w);
	}
	pol_free(c->recs);
	c->recs = NULL;
	c->nslots = 0;
	c->nrecs = 0;
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

int xpi_pol_window_alloc(struct xpi_pol_ctx *c, u64 nr, u64 *first)
{
	struct xpi_pol_space *s = c->space;
	struct xpi_pol_window *w, **link;
	u64 at;
	int rc = -ENOSPC;

	if (nr == 0)
		return -EINVAL;
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

static size_t rec_hash(const struct xpi_pol_ctx *c, u64 bfn, u16 ioserver)
{
	u64 x = (bfn ^ ((u64)ioserver << 48)) * 0x9E3779B97F4A7C15ull;

	return (size_t)(x >> 32) & (c->nslots - 1);
}

static struct xpi_pol_rec *rec_find(const struct xpi_pol_ctx *c, u64 bfn,
				    u16 ioserver)
{
	size_t i;

	if (!c->nslots)
		return NULL;
	for (i = rec_hash(c, bfn, ioserver); c->recs[i].used;
	     i = (i + 1) & (c->nslots - 1))
		if (c->recs[i].bfn == bfn && c->recs[i].ioserver == ioserver)
			return &c->recs[i];
	return NULL;
}

static void rec_put(struct xpi_pol_ctx *c, const struct xpi_pol_rec *r)
{
	size_t i = rec_hash(c, r->bfn, r->ioserver);

	while (c->recs[i].used)
		i = (i + 1) & (c->nslots - 1);
	c->recs[i] = *r;
	c->nrecs++;
}

static int rec_grow(struct xpi_pol_ctx *c)
{
	struct xpi_pol_rec *old = c->recs;
	size_t n = c->nslots, i;
	size_t nslots = n ? n * 2 : 64;
	struct xpi_pol_rec *recs = pol_calloc(nslots, sizeof(*recs));

	if (!recs)
		return -ENOMEM;
	c->recs = recs;
	c->nslots = nslots;
	c->nrecs = 0;
	for (i = 0; i < n; i++)
		if (old[i].used)
			rec_put(c, &old[i]);
	pol_free(old);
	return 0;
}

static int rec_add(struct xpi_pol_ctx *c, u64 bfn, u16 ioserver, u8 order,
		   u8 kind)
{
	struct xpi_pol_rec r = {
		.bfn = bfn, .ioserver = ioserver, .order = order, .used = kind,
	};

	if (rec_find(c, bfn, ioserver))
		return 0; /* an identical lookup: Xen took no new reference */
	if ((c->nrecs + 1) * 4 > c->nslots * 3 && rec_grow(c))
		return -ENOMEM;
	rec_put(c, &r);
	return 0;
}

/* Remove a record, shifting its probe chain back so lookups still work. */
static void rec_del(struct xpi_pol_ctx *c, struct xpi_pol_rec *r)
{
	size_t mask = c->nslots - 1;
	size_t i = (size_t)(r - c->recs), j = i;

	for (;;) {
		size_t k;

		c->recs[i].used = 0;
		for (;;) {
			j = (j + 1) & mask;
			if (!c->recs[j].used) {
				c->nrecs--;
				return;
			}
			k = rec_hash(c, c->recs[j].bfn, c->recs[j].ioserver);
			/* Leave j where it is if its home lies in (i, j]. */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		c->recs[i] = c->recs[j];
		i = j;
	}
}

int xpi_pol_check(const struct xpi_pol_ctx *c, const struct pv_iommu_op *op)
{
	u16 dom = c->restricted;
	const struct xpi_pol_rec *r;

	switch (op->subop_id) {
	case IOMMUOP_query_caps:
		return 0;
	case IOMMUOP_map_page:
	case IOMMUOP_unmap_page:
		/* the caller's own memory: not for a restricted emulator */
		return dom == XPI_SHIM_UNRESTRICTED ? 0 : -EPERM;
	case IOMMUOP_map_foreign_page:
		if (dom == XPI_SHIM_UNRESTRICTED)
			return 0;
		if (op->u.map_foreign_page.domid != dom ||
		    !xpi_pol_in_windows(c, op->u.map_foreign_page.bfn,
					pv_iommu_flags_order(op->flags)))
			return -EPERM;
		return 0;
	case IOMMUOP_lookup_foreign_page:
		if (dom != XPI_SHIM_UNRESTRICTED &&
		    op->u.lookup_foreign_page.domid != dom)
			return -EPERM;
		return 0;
	case IOMMUOP_unmap_foreign_page:
		if (dom == XPI_SHIM_UNRESTRICTED)
			return 0;
		/* the op names no domid: only what this descriptor mapped */
		r = rec_find(c, op->u.unmap_foreign_page.bfn,
			     op->u.unmap_foreign_page.ioserver);
		return r && r->used == KIND_FOREIGN ? 0 : -EPERM;
	default:
		return -EOPNOTSUPP;
	}
}

int xpi_pol_note(struct xpi_pol_ctx *c, const struct pv_iommu_op *op)
{
	u8 order = (u8)pv_iommu_flags_order(op->flags);
	struct xpi_pol_rec *r;

	if (op->status)
		return 0;
	switch (op->subop_id) {
	case IOMMUOP_map_page:
		return rec_add(c, op->u.map_page.bfn, OWN_IOSERVER, order,
			       KIND_OWN);
	case IOMMUOP_map_foreign_page:
		return rec_add(c, op->u.map_foreign_page.bfn,
			       op->u.map_foreign_page.ioserver, order,
			       KIND_FOREIGN);
	case IOMMUOP_lookup_foreign_page:
		return rec_add(c, op->u.lookup_foreign_page.bfn,
			       op->u.lookup_foreign_page.ioserver, 0,
			       KIND_FOREIGN);
	case IOMMUOP_unmap_page:
		r = rec_find(c, op->u.unmap_page.bfn, OWN_IOSERVER);
		break;
	case IOMMUOP_unmap_foreign_page:
		r = rec_find(c, op->u.unmap_foreign_page.bfn,
			     op->u.unmap_foreign_page.ioserver);
		break;
	default:
		return 0;
	}
	if (r)
		rec_del(c, r);
	return 0;
}

size_t xpi_pol_drain(struct xpi_pol_ctx *c, struct pv_iommu_op *ops,
		     size_t max)
{
	size_t n = 0, i;

	for (i = 0; i < c->nslots && n < max; i++) {
		struct xpi_pol_rec *r = &c->recs[i];
		struct pv_iommu_op *op;

		if (!r->used)
			continue;
		op = &ops[n++];
		*op = (struct pv_iommu_op){ 0 };
		op->flags = pv_iommu_flags_set_order(0, r->order);
		if (r->used == KIND_OWN) {
			op->subop_id = IOMMUOP_unmap_page;
			op->u.unmap_page.bfn = r->bfn;
		} else {
			op->subop_id = IOMMUOP_unmap_foreign_page;
			op->u.unmap_foreign_page.bfn = r->bfn;
			op->u.unmap_foreign_page.ioserver = r->ioserver;
		}
		/* Close is the only reader after a drain: no chain repair. */
		r->used = 0;
		c->nrecs--;
	}
	return n;
}

size_t xpi_pol_count(const struct xpi_pol_ctx *c)
{
	return c->nrecs;
}
