/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The tracker's interface for the listener's drain: take the records of
 * invalidated pages out under h->lock (inline on the common path: an
 * order-0 page of the server being drained in the radix leaf met last),
 * read what a taken record says, and put it back when its unmap failed.
 * Only tracker.c and this header know the record's bits and the radix
 * slots; the drain holds records as opaque uint64_t.  Not installed.
 */
#ifndef XPI_TRACKER_H
#define XPI_TRACKER_H

#include <string.h>

#include "private.h"

#define XPI_TRACKER_NO_ATTR UINT64_MAX

/* What a fast take checks of a radix slot: entry, inner, order, attribute. */
#define XPI_TRACKER_FAST_MASK                                                  \
	(XPI_RADIX_ENTRY | XPI_RADIX_INNER |                                   \
	 XPI_RADIX_ORDER_MASK << XPI_RADIX_ORDER_SHIFT |                       \
	 (UINT64_C(0x7ff) << XPI_TRACK_ATTR_SHIFT))

/*
 * One drain's pass over the tracker for one (domid, ioserver).  Small, so
 * that the drain can keep a copy in registers.
 */
struct xpi_tracker_pass {
	struct xpi_radix *map;
	/* map->hint and map->hint_key; never NULL (xpi_tracker_pass_rehint). */
	struct xpi_radix_node *hint;
	uint64_t hint_key;
	uint64_t want;	  /* the server's attribute, or XPI_TRACKER_NO_ATTR */
	uint64_t fast;	  /* slot & FAST_MASK of a page the fast take takes */
	uint64_t removed; /* pages taken without a walk (extents to drop) */
};

/* A leaf no key reaches: the hint when the map has none (tracker.c). */
extern struct xpi_radix_node xpi_tracker_no_hint;

static inline void xpi_tracker_pass_rehint(struct xpi_tracker_pass *tp)
{
	tp->hint = tp->map->hint ? tp->map->hint : &xpi_tracker_no_hint;
	tp->hint_key = tp->map->hint ? tp->map->hint_key : UINT64_MAX;
}

/* Start a pass; fast 0 turns the inline take off (manual unmapping). */
static inline void xpi_tracker_pass_begin(struct xpi_tracker *t,
					  struct xpi_tracker_pass *tp,
					  uint16_t domid, uint16_t ioserver,
					  int fast)
{
	int a = xpi_tracker_attr_find(t, domid, ioserver);

	tp->map = &t->map;
	tp->removed = 0;
	xpi_tracker_pass_rehint(tp);
	tp->want = a < 0 ? XPI_TRACKER_NO_ATTR : (uint64_t)a;
	tp->fast = a < 0 || !fast ? UINT64_MAX
				  : XPI_RADIX_ENTRY |
					    (uint64_t)a << XPI_TRACK_ATTR_SHIFT;
}

static inline void xpi_tracker_pass_end(const struct xpi_tracker_pass *tp)
{
	tp->map->extents -= tp->removed;
}

/*
 * The inline take: 1 and the page's record in *rec when bfn is an order-0
 * page of the pass's server in the leaf met last (and the leaf stays in
 * use); it is out of the tracker then.  0: use xpi_tracker_pass_take().
 */
static inline __attribute__((always_inline)) int
xpi_tracker_take_page(struct xpi_tracker_pass *tp, uint64_t bfn, uint64_t *rec)
{
	struct xpi_radix_node *n = tp->hint;

	if (__builtin_expect((bfn >> XPI_RADIX_SLOT_BITS) == tp->hint_key, 1)) {
		unsigned int idx = (unsigned int)bfn & (XPI_RADIX_SLOTS - 1);
		uint64_t s = n->slot[idx];

		if (__builtin_expect((s & XPI_TRACKER_FAST_MASK) == tp->fast &&
					     n->used > 1,
				     1)) {
			n->slot[idx] = 0;
			n->used--;
			tp->removed++;
			*rec = s;
			return 1;
		}
	}
	return 0;
}

/*
 * Every other case: the record of the extent holding bfn, when it is the
 * pass's server's.  0: found, *rec and *order set, and out of the tracker
 * unless keep; -ENOENT: no extent holds bfn; -ESRCH: another server's or
 * an own mapping (or the server has no record at all).
 */
int xpi_tracker_pass_take(struct xpi_tracker_pass *tp, uint64_t bfn, int keep,
			  uint64_t *rec, unsigned int *order);

/*
 * The server's lookup of bfn in the shared table (another server's record
 * holds bfn in the map): 0 and *rec (out of the table unless keep), or
 * -ENOENT.
 */
int xpi_tracker_pass_take_shared(struct xpi_tracker *t,
				 const struct xpi_tracker_pass *tp,
				 uint64_t bfn, int keep, uint64_t *rec);

/* A taken record: was its BFN from the allocator? */
static inline int xpi_tracker_rec_allocated(uint64_t rec)
{
	return !!(rec & XPI_TRACK_ALLOC_BIT);
}

/* ... and is it a single page (order 0) from the allocator? */
static inline int xpi_tracker_rec_single_allocated(uint64_t rec)
{
	return (rec & (XPI_TRACK_ALLOC_BIT |
		       XPI_RADIX_ORDER_MASK << XPI_RADIX_ORDER_SHIFT)) ==
	       XPI_TRACK_ALLOC_BIT;
}

static inline uint64_t xpi_tracker_rec_gfn(uint64_t rec)
{
	return rec & XPI_TRACK_GFN_MASK;
}

/*
 * The mapping's flags, order 0, lookup and allocated of a taken order-0
 * record, written as the 8 bytes from m->flags (one store instead of four
 * fields; the table below is indexed by the record's bits 40..44).
 */
#define XPI_TRACKER_TAIL_OFF offsetof(struct xpi_mapping, flags)
_Static_assert(offsetof(struct xpi_mapping, order) ==
			       XPI_TRACKER_TAIL_OFF + 2 &&
		       offsetof(struct xpi_mapping, lookup) ==
			       XPI_TRACKER_TAIL_OFF + 3 &&
		       offsetof(struct xpi_mapping, allocated) ==
			       XPI_TRACKER_TAIL_OFF + 4 &&
		       sizeof(struct xpi_mapping) >= XPI_TRACKER_TAIL_OFF + 8,
	       "the mapping's tail is 8 bytes from flags");
_Static_assert(XPI_TRACK_FLAGS_SHIFT == 40 &&
		       XPI_TRACK_LOOKUP_BIT == UINT64_C(1) << 43 &&
		       XPI_TRACK_ALLOC_BIT == UINT64_C(1) << 44,
	       "flags, lookup, alloc: bits 40..44");
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "xpi_tracker_rec_tail() assumes a little-endian host"
#endif

#define XPI_TRACKER_TAIL(i)                                                    \
	((uint64_t)((i)&7) | (uint64_t)(((i) >> 3) & 1) << 24 |                \
	 (uint64_t)(((i) >> 4) & 1) << 32)
#define XPI_TRACKER_TAIL4(i)                                                   \
	XPI_TRACKER_TAIL(i), XPI_TRACKER_TAIL(i + 1), XPI_TRACKER_TAIL(i + 2), \
		XPI_TRACKER_TAIL(i + 3)

static inline void xpi_tracker_rec_tail(uint64_t rec, struct xpi_mapping *m)
{
	static const uint64_t tail[32] = {
		XPI_TRACKER_TAIL4(0),  XPI_TRACKER_TAIL4(4),
		XPI_TRACKER_TAIL4(8),  XPI_TRACKER_TAIL4(12),
		XPI_TRACKER_TAIL4(16), XPI_TRACKER_TAIL4(20),
		XPI_TRACKER_TAIL4(24), XPI_TRACKER_TAIL4(28),
	};

	memcpy((char *)m + XPI_TRACKER_TAIL_OFF,
	       &tail[(rec >> XPI_TRACK_FLAGS_SHIFT) & 31], 8);
}

/*
 * Put a taken record back (its unmap failed): 0, -EEXIST, -ENOMEM, as
 * xpi_tracker_insert_value().
 */
static inline int xpi_tracker_put_back(struct xpi_tracker *t, uint64_t base,
				       unsigned int order, uint64_t rec)
{
	return xpi_tracker_insert_value(t, base, order,
					rec & XPI_RADIX_VALUE_MASK);
}

#endif
