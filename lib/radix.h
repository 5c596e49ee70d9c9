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

struct xpi_radix_node;

struct xpi_radix {
	struct xpi_radix_node *root;
	unsigned int levels;	/* ceil(width / 9) */
	unsigned int width;	/* key bits */
	uint64_t extents;	/* live extents */
	size_t nodes;		/* allocated nodes */
	/* The last leaf walked to, so that neighbouring keys skip the walk. */
	struct xpi_radix_node *hint;
	uint64_t hint_key;	/* key >> 9 of the hint's keys */
	/* One emptied node kept for the next insert (already all zero). */
	struct xpi_radix_node *spare;
};

/* One live extent. */
struct xpi_radix_extent {
	uint64_t base;		/* first key, aligned to 2^order */
	unsigned int order;
	uint64_t value;		/* 56 bits */
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

/* Replace the value of the extent starting exactly at base. 0 or -ENOENT. */
int xpi_radix_update(struct xpi_radix *r, uint64_t base, uint64_t value);

/*
 * Remove the extent that starts exactly at base; *ext (may be NULL)
 * receives it.  0 or -ENOENT (no extent starts at base).
 */
int xpi_radix_remove(struct xpi_radix *r, uint64_t base,
		     struct xpi_radix_extent *ext);

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
