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
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "private.h"

#define GFN_MASK XPI_TRACK_GFN_MASK
#define FLAGS_SHIFT XPI_TRACK_FLAGS_SHIFT
#define LOOKUP_BIT XPI_TRACK_LOOKUP_BIT
#define ALLOC_BIT XPI_TRACK_ALLOC_BIT
#define ATTR_SHIFT XPI_TRACK_ATTR_SHIFT
#define ATTR_LIMIT (1u << (56 - ATTR_SHIFT))

int xpi_tracker_init(struct xpi_tracker *t)
{
	t->nattr = 0;
	return xpi_radix_init(&t->map, XPI_BFN_WIDTH);
}

void xpi_tracker_destroy(struct xpi_tracker *t)
{
	xpi_radix_destroy(&t->map);
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

static int attr_index(struct xpi_tracker *t, uint16_t domid,
		      uint16_t ioserver)
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
	return xpi_radix_insert(
		&t->map, m->bfn, m->order,
		m->gfn | (uint64_t)(m->flags & 7) << FLAGS_SHIFT |
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

int xpi_tracker_range_free(const struct xpi_tracker *t, uint64_t bfn,
			   unsigned int order)
{
	/* Beyond the tracker's width nothing can be live (nor tracked). */
	if (order >= XPI_BFN_WIDTH || bfn >> XPI_BFN_WIDTH ||
	    (bfn + (UINT64_C(1) << order)) >> XPI_BFN_WIDTH)
		return 1;
	return xpi_radix_range_empty(&t->map, bfn, order);
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
	n = h->tracker.map.extents;
	pthread_mutex_unlock(&h->lock);
	return n;
}

XPI_EXPORT int xpi_mapping_find(xpi_handle *h, uint64_t bfn,
				struct xpi_mapping *m)
{
	int rc;

	if (!h || !m)
		return -EINVAL;
	pthread_mutex_lock(&h->lock);
	rc = xpi_tracker_find(&h->tracker, bfn, m);
	pthread_mutex_unlock(&h->lock);
	return rc;
}

struct foreach_ctx {
	const struct xpi_tracker *t;
	int (*fn)(void *opaque, const struct xpi_mapping *m);
	void *opaque;
};

static int foreach_cb(void *opaque, const struct xpi_radix_extent *e)
{
	struct foreach_ctx *c = opaque;
	struct xpi_mapping m;

	unpack(c->t, e, &m);
	return c->fn(c->opaque, &m);
}

int xpi_tracker_walk(const struct xpi_tracker *t,
		     int (*fn)(void *opaque, const struct xpi_mapping *m),
		     void *opaque)
{
	struct foreach_ctx c = { .t = t, .fn = fn, .opaque = opaque };

	return xpi_radix_walk(&t->map, foreach_cb, &c);
}

XPI_EXPORT int xpi_mapping_foreach(xpi_handle *h,
				   int (*fn)(void *opaque,
					     const struct xpi_mapping *m),
				   void *opaque)
{
	int rc;

	if (!h || !fn)
		return -EINVAL;
	/* The lock is held across the walk: fn must not map or unmap. */
	pthread_mutex_lock(&h->lock);
	rc = xpi_tracker_walk(&h->tracker, fn, opaque);
	pthread_mutex_unlock(&h->lock);
	return rc;
}
