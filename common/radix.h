/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A 512-ary radix map from a frame number (BFN) to a 56-bit value, shaped
 * like an IOMMU page table: an extent of order o sits at level o / 9 and
 * fills 2^(o % 9) slots there.  Used by the simulated hypervisor for its
 * IOMMU tables and by the library's mapping tracker, so both cost about
 * 8 bytes per densely mapped page.
 *
 * Not thread-safe: callers hold their own lock.
 */
#ifndef XPI_RADIX_H
#define XPI_RADIX_H

#include <stdint.h>
#include <stddef.h>

#define XPI_RADIX_VALUE_BITS 56
#define XPI_RADIX_VALUE_MASK ((UINT64_C(1) << XPI_RADIX_VALUE_BITS) - 1)

#define XPI_RADIX_SLOT_BITS 9
#define XPI_RADIX_SLOTS (1u << XPI_RADIX_SLOT_BITS)
/*
 * A slot is 0 (empty), a child pointer (bit 63 clear), or an entry (bit 63
 * set) holding the extent's order in bits 56..61 and either the value (the
 * extent's first slot) or the INNER mark (the slots it also covers).
 */
#define XPI_RADIX_ENTRY (UINT64_C(1) << 63)
#define XPI_RADIX_INNER (UINT64_C(1) << 62)
#define XPI_RADIX_ORDER_SHIFT 56
#define XPI_RADIX_ORDER_MASK UINT64_C(0x3f)

struct xpi_radix_node {
	uint64_t slot[XPI_RADIX_SLOTS];
	unsigned int used;
};

struct xpi_radix {
	struct xpi_radix_node *root;
	unsigned int levels; /* ceil(width / 9) */
	unsigned int width;  /* key bits */
	uint64_t extents;    /* live extents */
	size_t nodes;	     /* allocated nodes */
	/* The last leaf walked to, so that neighbouring keys skip the walk. */
	struct xpi_radix_node *hint;
	uint64_t hint_key; /* key >> 9 of the hint's keys */
	/* One emptied node kept for the next insert (already all zero). */
	struct xpi_radix_node *spare;
};

/*
 * Where an extent sits (xpi_radix_find_cursor_slow()): valid until the map
 * changes.  Callers holding the map's lock may clear a page's slot through
 * it while the node stays in use (node->used > 1).
 */
struct xpi_radix_cursor {
	struct xpi_radix_node *node;
	/* The extent's first slot in node, | XPI_RADIX_NOT_LEAF above level 0. */
	unsigned int idx;
};

#define XPI_RADIX_NOT_LEAF (1u << 31)

/* One live extent. */
struct xpi_radix_extent {
	uint64_t base; /* first key, aligned to 2^order */
	unsigned int order;
	uint64_t value; /* 56 bits */
};

/* width: key bits, 1..63.  Returns 0 or -EINVAL. */
int xpi_radix_init(struct xpi_radix *r, unsigned int width);
void xpi_radix_destroy(struct xpi_radix *r);

/*
 * Insert an extent [base, base + 2^order).  -EINVAL: misaligned base, order
 * beyond the width, value wider than 56 bits; -ERANGE: the range leaves the
 * key width; -EEXIST: any key of the range is already covered; -ENOMEM.
 */
int xpi_radix_insert(struct xpi_radix *r, uint64_t base, unsigned int order,
		     uint64_t value);

/* The extent covering key: 0 and *ext filled, or -ENOENT. */
int xpi_radix_find(const struct xpi_radix *r, uint64_t key,
		   struct xpi_radix_extent *ext);

/*
 * Remove the extent that starts exactly at base; *ext (may be NULL)
 * receives it.  0 or -ENOENT (no extent starts at base).
 */
int xpi_radix_remove(struct xpi_radix *r, uint64_t base,
		     struct xpi_radix_extent *ext);

/*
 * The extent covering key, and where it sits: 0 with *c and *slot (the
 * extent's first slot: ENTRY | order << 56 | value) filled, or -ENOENT.
 * A leaf reached becomes the hint, so callers may then look keys of the
 * same leaf up in r->hint themselves.
 */
int xpi_radix_find_cursor_slow(struct xpi_radix *r, uint64_t key,
			       struct xpi_radix_cursor *c, uint64_t *slot);

/* Replace the value of the extent starting exactly at base. 0 or -ENOENT. */
int xpi_radix_update(struct xpi_radix *r, uint64_t base, uint64_t value);

/* 1 if no key of [base, base + 2^order) is covered, else 0. */
int xpi_radix_range_empty(const struct xpi_radix *r, uint64_t base,
			  unsigned int order);

/*
 * Call fn for every extent in key order; a non-zero return of fn stops the
 * walk and is returned.  fn must not change the map.
 */
int xpi_radix_walk(const struct xpi_radix *r,
		   int (*fn)(void *opaque, const struct xpi_radix_extent *ext),
		   void *opaque);

/* Bytes of memory the nodes take. */
size_t xpi_radix_bytes(const struct xpi_radix *r);

#endif /* XPI_RADIX_H */
