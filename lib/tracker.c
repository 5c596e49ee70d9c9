// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The mapping tracker: every live mapping the handle made, one record per
 * extent, keyed by BFN in a radix map.  A record packs into the map's
 * 56-bit value:
 *
 *   bits  0..39  gfn
 *   bits 40..42  flags (readable, writeable, swap_mfn / no_ref_cnt)
 *   bit  43      lookup (a lookup_foreign_page result)
 *   bit  44      the BFN came from the handle's allocator
 *   bits 45..55  index of the (domid, ioserver) pair in a small table
 *
 * so 1M densely mapped pages cost about 8 MiB.
 *
 * Records are one per (BFN, domid, ioserver), as Xen keeps its lookup
 * entries (docs/hypervisor-model.md, "Lookups: one entry per (frame,
 * ioserver, domid, caller)"): the map holds one record per BFN, and a
 * lookup whose BFN the map holds for another server (two servers looked
 * the same page up) goes to a small open-addressed table beside it.  Maps
 * never share a BFN (the batch refuses an occupied one), so only order-0
 * lookups are ever in the table, and it is empty unless servers share pages.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/growth.h"
#include "tracker.h"

#define GFN_MASK XPI_TRACK_GFN_MASK
#define FLAGS_SHIFT XPI_TRACK_FLAGS_SHIFT
#define LOOKUP_BIT XPI_TRACK_LOOKUP_BIT
#define ALLOC_BIT XPI_TRACK_ALLOC_BIT
#define ATTR_SHIFT XPI_TRACK_ATTR_SHIFT
#define ATTR_LIMIT (1u << (56 - ATTR_SHIFT))

#define NO_BFN UINT64_MAX
#define VALUE_ATTR(v) ((unsigned int)(((v)&XPI_RADIX_VALUE_MASK) >> ATTR_SHIFT))

int xpi_tracker_init(struct xpi_tracker *t)
{
	t->nattr = 0;
	t->shared = NULL;
	t->nshared = t->capshared = 0;
	return xpi_radix_init(&t->map, XPI_BFN_WIDTH);
}

void xpi_tracker_destroy(struct xpi_tracker *t)
{
	xpi_radix_destroy(&t->map);
	free(t->shared);
	t->shared = NULL;
	t->nshared = t->capshared = 0;
}

uint64_t xpi_tracker_count(const struct xpi_tracker *t)
{
	return t->map.extents + t->nshared;
}

size_t xpi_tracker_bytes(const struct xpi_tracker *t)
{
	return xpi_radix_bytes(&t->map) +
	       t->capshared * sizeof(struct xpi_shared_rec);
}

/* ---- the shared lookups: linear probing, backward-shift deletion ------ */

static inline size_t sh_home(const struct xpi_tracker *t, uint64_t bfn)
{
	return (size_t)((bfn * UINT64_C(0x9e3779b97f4a7c15)) >> 32) &
	       (t->capshared - 1);
}

/* The slot of the k-th record at bfn (attr: any when < 0), or SIZE_MAX. */
static size_t sh_find(const struct xpi_tracker *t, uint64_t bfn, int attr)
{
	size_t mask = t->capshared - 1;

	if (!t->nshared)
		return SIZE_MAX;
	for (size_t i = sh_home(t, bfn);; i = (i + 1) & mask) {
		const struct xpi_shared_rec *r = &t->shared[i];

		if (r->bfn == NO_BFN)
			return SIZE_MAX;
		if (r->bfn == bfn &&
		    (attr < 0 || VALUE_ATTR(r->value) == (unsigned int)attr))
			return i;
	}
}

static void sh_put(struct xpi_tracker *t, uint64_t bfn, uint64_t value)
{
	size_t mask = t->capshared - 1, i = sh_home(t, bfn);

	while (t->shared[i].bfn != NO_BFN)
		i = (i + 1) & mask;
	t->shared[i].bfn = bfn;
	t->shared[i].value = value;
	t->nshared++;
}

/* Room for one more, at most half full. 0 or -ENOMEM. */
static int sh_reserve(struct xpi_tracker *t)
{
	struct xpi_shared_rec *old = t->shared, *n;
	size_t oldcap = t->capshared, cap;

	if ((t->nshared + 1) * 2 <= t->capshared)
		return 0;
	cap = oldcap ? oldcap * 2 : 64;
	n = malloc(cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	memset(n, 0xff, cap * sizeof(*n)); /* every bfn NO_BFN */
	t->shared = n;
	t->capshared = cap;
	t->nshared = 0;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].bfn != NO_BFN)
			sh_put(t, old[i].bfn, old[i].value);
	free(old);
	return 0;
}

static void sh_del(struct xpi_tracker *t, size_t i)
{
	size_t mask = t->capshared - 1, j = i;

	t->shared[i].bfn = NO_BFN;
	t->nshared--;
	/* Move back what the hole would hide from its home slot. */
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (t->shared[j].bfn == NO_BFN)
			return;
		home = sh_home(t, t->shared[j].bfn);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			t->shared[i] = t->shared[j];
			t->shared[j].bfn = NO_BFN;
			i = j;
		}
	}
}

int xpi_tracker_shared_take(struct xpi_tracker *t, uint64_t bfn,
			    unsigned int attr, int take, uint64_t *value)
{
	size_t i = sh_find(t, bfn, (int)attr);

	if (i == SIZE_MAX)
		return -ENOENT;
	*value = t->shared[i].value;
	if (take)
		sh_del(t, i);
	return 0;
}

int xpi_tracker_insert_value(struct xpi_tracker *t, uint64_t base,
			     unsigned int order, uint64_t value)
{
	struct xpi_radix_extent e;
	int rc;

	if ((value & LOOKUP_BIT) && order == 0 &&
	    sh_find(t, base, (int)VALUE_ATTR(value)) != SIZE_MAX)
		return -EEXIST;
	rc = xpi_radix_insert(&t->map, base, order, value);
	if (rc != -EEXIST || !(value & LOOKUP_BIT) || order)
		return rc;
	/* The map's record at base: the same server's is the same entry. */
	if (xpi_radix_find(&t->map, base, &e) ||
	    VALUE_ATTR(e.value) == VALUE_ATTR(value))
		return -EEXIST;
	rc = sh_reserve(t);
	if (rc)
		return rc;
	sh_put(t, base, value & XPI_RADIX_VALUE_MASK);
	return 0;
}

static inline int attr_find(const struct xpi_tracker *t, uint16_t domid,
			    uint16_t ioserver)
{
	uint32_t key = (uint32_t)domid << 16 | ioserver;

	for (unsigned int i = 0; i < t->nattr; i++)
		if (t->attr[i] == key)
			return (int)i;
	return -ENOENT;
}

int xpi_tracker_attr_find(const struct xpi_tracker *t, uint16_t domid,
			  uint16_t ioserver)
{
	return attr_find(t, domid, ioserver);
}

static int attr_index(struct xpi_tracker *t, uint16_t domid, uint16_t ioserver)
{
	int i = attr_find(t, domid, ioserver);

	if (i >= 0)
		return i;
	if (t->nattr >= ATTR_LIMIT || t->nattr >= XPI_TRACK_ATTR_MAX)
		return -ENOSPC;
	t->attr[t->nattr] = (uint32_t)domid << 16 | ioserver;
	return (int)t->nattr++;
}

int xpi_tracker_add(struct xpi_tracker *t, const struct xpi_mapping *m)
{
	int idx;

	if (m->gfn & ~GFN_MASK)
		return -ERANGE;
	idx = attr_index(t, m->domid, m->ioserver);
	if (idx < 0)
		return idx;
	return xpi_tracker_insert_value(t, m->bfn, m->order,
					m->gfn |
						(uint64_t)(m->flags & 7)
							<< FLAGS_SHIFT |
						(m->lookup ? LOOKUP_BIT : 0) |
						(m->allocated ? ALLOC_BIT : 0) |
						(uint64_t)idx << ATTR_SHIFT);
}

static void unpack(const struct xpi_tracker *t,
		   const struct xpi_radix_extent *e, struct xpi_mapping *m)
{
	xpi_tracker_unpack(t, e->base, e->order, e->value, m);
}

int xpi_tracker_find(const struct xpi_tracker *t, uint64_t bfn,
		     struct xpi_mapping *m)
{
	struct xpi_radix_extent e;
	int rc = xpi_radix_find(&t->map, bfn, &e);
	size_t i;

	if (rc && (i = sh_find(t, bfn, -1)) != SIZE_MAX) {
		e.base = bfn;
		e.order = 0;
		e.value = t->shared[i].value;
		rc = 0;
	}
	if (rc)
		return rc;
	if (m)
		unpack(t, &e, m);
	return 0;
}

int xpi_tracker_remove(struct xpi_tracker *t, uint64_t bfn,
		       struct xpi_mapping *m)
{
	struct xpi_radix_extent e;
	int rc = xpi_radix_remove(&t->map, bfn, &e);

	if (rc)
		return rc;
	if (m)
		unpack(t, &e, m);
	return 0;
}

int xpi_tracker_shared_nth(const struct xpi_tracker *t, uint64_t bfn, size_t k,
			   struct xpi_mapping *m)
{
	size_t mask = t->capshared - 1;

	if (!t->nshared)
		return -ENOENT;
	for (size_t i = sh_home(t, bfn); t->shared[i].bfn != NO_BFN;
	     i = (i + 1) & mask) {
		if (t->shared[i].bfn == bfn && k-- == 0) {
			xpi_tracker_unpack(t, bfn, 0, t->shared[i].value, m);
			return 0;
		}
	}
	return -ENOENT;
}

int xpi_tracker_remove_foreign(struct xpi_tracker *t, uint64_t bfn,
			       uint16_t ioserver, struct xpi_mapping *m)
{
	struct xpi_radix_extent e;
	struct xpi_mapping f;
	size_t mask = t->capshared - 1;

	/* The map first: a map_foreign extent is only ever there. */
	if (xpi_radix_find(&t->map, bfn, &e) == 0 && e.base == bfn) {
		unpack(t, &e, &f);
		if (f.domid != XPI_DOMID_SELF && f.ioserver == ioserver) {
			xpi_radix_remove(&t->map, bfn, NULL);
			if (m)
				*m = f;
			return 0;
		}
	}
	if (!t->nshared)
		return -ENOENT;
	for (size_t i = sh_home(t, bfn); t->shared[i].bfn != NO_BFN;
	     i = (i + 1) & mask) {
		if (t->shared[i].bfn != bfn)
			continue;
		xpi_tracker_unpack(t, bfn, 0, t->shared[i].value, &f);
		if (f.ioserver != ioserver)
			continue;
		sh_del(t, i);
		if (m)
			*m = f;
		return 0;
	}
	return -ENOENT;
}

int xpi_tracker_range_free(const struct xpi_tracker *t, uint64_t bfn,
			   unsigned int order)
{
	uint64_t n = UINT64_C(1) << order;

	/* Beyond the tracker's width nothing can be live (nor tracked). */
	if (order >= XPI_BFN_WIDTH || bfn >> XPI_BFN_WIDTH ||
	    (bfn + n) >> XPI_BFN_WIDTH)
		return 1;
	if (!xpi_radix_range_empty(&t->map, bfn, order))
		return 0;
	if (!t->nshared)
		return 1;
	/* Whichever is fewer: the range's BFNs, or the table's slots. */
	if (n <= t->capshared) {
		for (uint64_t k = 0; k < n; k++)
			if (sh_find(t, bfn + k, -1) != SIZE_MAX)
				return 0;
		return 1;
	}
	for (size_t i = 0; i < t->capshared; i++)
		if (t->shared[i].bfn != NO_BFN && t->shared[i].bfn - bfn < n)
			return 0;
	return 1;
}

void xpi_mapping_from_op(const struct pv_iommu_op *op, struct xpi_mapping *m)
{
	m->order = (uint8_t)pv_iommu_flags_order(op->flags);
	m->flags = op->flags & 7;
	m->lookup = 0;
	m->allocated = 0;
	m->ioserver = 0;
	switch (op->subop_id) {
	case IOMMUOP_map_page:
		m->bfn = op->u.map_page.bfn;
		m->gfn = op->u.map_page.gfn;
		m->domid = XPI_DOMID_SELF;
		break;
	case IOMMUOP_map_foreign_page:
		m->bfn = op->u.map_foreign_page.bfn;
		m->gfn = op->u.map_foreign_page.gfn;
		m->domid = op->u.map_foreign_page.domid;
		m->ioserver = op->u.map_foreign_page.ioserver;
		break;
	case IOMMUOP_lookup_foreign_page:
		m->bfn = op->u.lookup_foreign_page.bfn;
		m->gfn = op->u.lookup_foreign_page.gfn;
		m->domid = op->u.lookup_foreign_page.domid;
		m->ioserver = op->u.lookup_foreign_page.ioserver;
		m->flags = op->flags & (IOMMUOP_readable | IOMMUOP_writeable);
		m->order = 0;
		m->lookup = 1;
		break;
	default:
		break;
	}
}

XPI_EXPORT uint64_t xpi_mapping_count(xpi_handle *h)
{
	uint64_t n;

	if (!h)
		return 0;
	pthread_mutex_lock(&h->lock);
	n = xpi_tracker_count(&h->tracker);
	pthread_mutex_unlock(&h->lock);
	return n;
}

XPI_EXPORT int xpi_mapping_find_sized(xpi_handle *h, uint64_t bfn,
				      struct xpi_mapping *m, size_t size)
{
	struct xpi_mapping found;
	int rc;

	if (!h || !m) {
		if (h)
			xpi_err(h, -1, "xpi_mapping_find: NULL mapping");
		return -EINVAL;
	}
	if (!xpi_size_ok(size, XPI_MAPPING_SIZE_1_0, sizeof(found))) {
		xpi_err(h, -1,
			"xpi_mapping_find: a struct of %zu bytes (this library"
			" knows %zu)",
			size, sizeof(found));
		return -EINVAL;
	}
	pthread_mutex_lock(&h->lock);
	rc = xpi_tracker_find(&h->tracker, bfn, &found);
	pthread_mutex_unlock(&h->lock);
	if (rc == 0)
		xpi_copy_out(m, size, XPI_MAPPING_SIZE_1_0, &found,
			     sizeof(found));
	return rc;
}

struct foreach_ctx {
	const struct xpi_tracker *t;
	int (*fn)(void *opaque, const struct xpi_mapping *m);
	void *opaque;
	const struct xpi_shared_rec *sh; /* the shared records, by BFN */
	size_t nsh, next;
};

/* The shared records below bfn that the walk has not given yet. */
static int shared_below(struct foreach_ctx *c, uint64_t bfn)
{
	struct xpi_mapping m;
	int rc;

	for (; c->next < c->nsh && c->sh[c->next].bfn < bfn; c->next++) {
		xpi_tracker_unpack(c->t, c->sh[c->next].bfn, 0,
				   c->sh[c->next].value, &m);
		rc = c->fn(c->opaque, &m);
		if (rc) {
			c->next++;
			return rc;
		}
	}
	return 0;
}

static int foreach_cb(void *opaque, const struct xpi_radix_extent *e)
{
	struct foreach_ctx *c = opaque;
	struct xpi_mapping m;
	int rc = c->nsh ? shared_below(c, e->base) : 0;

	if (rc)
		return rc;
	unpack(c->t, e, &m);
	return c->fn(c->opaque, &m);
}

static int by_bfn(const void *a, const void *b)
{
	const struct xpi_shared_rec *x = a, *y = b;

	return x->bfn < y->bfn ? -1 : x->bfn > y->bfn;
}

int xpi_tracker_walk(const struct xpi_tracker *t,
		     int (*fn)(void *opaque, const struct xpi_mapping *m),
		     void *opaque)
{
	struct foreach_ctx c = { .t = t, .fn = fn, .opaque = opaque };
	struct xpi_shared_rec *sh = NULL;
	int rc;

	if (t->nshared) {
		/* Merged into the map's BFN order: a sorted copy. */
		sh = calloc(t->nshared, sizeof(*sh));
		if (!sh)
			return -ENOMEM;
		for (size_t i = 0; i < t->capshared; i++)
			if (t->shared[i].bfn != NO_BFN)
				sh[c.nsh++] = t->shared[i];
		qsort(sh, c.nsh, sizeof(*sh), by_bfn);
		c.sh = sh;
	}
	rc = xpi_radix_walk(&t->map, foreach_cb, &c);
	if (!rc && c.nsh)
		rc = shared_below(&c, NO_BFN);
	free(sh);
	return rc;
}

XPI_EXPORT int xpi_mapping_foreach(xpi_handle *h,
				   int (*fn)(void *opaque,
					     const struct xpi_mapping *m),
				   void *opaque)
{
	int rc;

	if (!h || !fn) {
		if (h)
			xpi_err(h, -1, "xpi_mapping_foreach: NULL function");
		return -EINVAL;
	}
	/* The lock is held across the walk: fn must not map or unmap. */
	pthread_mutex_lock(&h->lock);
	rc = xpi_tracker_walk(&h->tracker, fn, opaque);
	pthread_mutex_unlock(&h->lock);
	return rc;
}

/* The drain's interface (tracker.h). */
struct xpi_radix_node xpi_tracker_no_hint;

int xpi_tracker_pass_take(struct xpi_tracker_pass *tp, uint64_t bfn, int keep,
			  uint64_t *rec, unsigned int *order)
{
	struct xpi_radix_node *n = tp->hint;
	struct xpi_radix_cursor c;
	int walk = 1;
	unsigned int o;
	uint64_t s = 0;

	if (tp->want == XPI_TRACKER_NO_ATTR)
		return -ESRCH;
	/* The radix's hint: a BFN in the leaf met last. */
	if ((bfn >> XPI_RADIX_SLOT_BITS) == tp->hint_key) {
		c.idx = (unsigned int)bfn & (XPI_RADIX_SLOTS - 1);
		s = n->slot[c.idx];
		if (!s)
			return -ENOENT;
		if (!(s & (XPI_RADIX_INNER |
			   XPI_RADIX_ORDER_MASK << XPI_RADIX_ORDER_SHIFT))) {
			c.node = n;
			walk = 0;
		}
	}
	if (walk) {
		if (xpi_radix_find_cursor_slow(tp->map, bfn, &c, &s))
			return -ENOENT;
		xpi_tracker_pass_rehint(tp);
	}
	if (((s & XPI_RADIX_VALUE_MASK) >> XPI_TRACK_ATTR_SHIFT) != tp->want)
		return -ESRCH; /* another server's, or an own mapping */
	o = (unsigned int)(s >> XPI_RADIX_ORDER_SHIFT) & XPI_RADIX_ORDER_MASK;
	*rec = s;
	*order = o;
	if (keep)
		return 0;
	if (o == 0 && c.idx < XPI_RADIX_SLOTS && c.node->used > 1) {
		c.node->slot[c.idx] = 0;
		c.node->used--;
		tp->removed++;
	} else {
		xpi_radix_remove(tp->map, bfn & ~((UINT64_C(1) << o) - 1),
				 NULL);
		xpi_tracker_pass_rehint(tp);
	}
	return 0;
}

int xpi_tracker_pass_take_shared(struct xpi_tracker *t,
				 const struct xpi_tracker_pass *tp,
				 uint64_t bfn, int keep, uint64_t *rec)
{
	uint64_t v;

	if (tp->want == XPI_TRACKER_NO_ATTR || !t->nshared ||
	    xpi_tracker_shared_take(t, bfn, (unsigned int)tp->want, !keep, &v))
		return -ENOENT;
	*rec = XPI_RADIX_ENTRY | v;
	return 0;
}
