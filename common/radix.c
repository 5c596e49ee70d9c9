// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The radix map behind the simulator's IOMMU tables and the library's
 * mapping tracker (see radix.h).
 *
 * A slot is 0 (empty), a child pointer (bit 63 clear), or an entry (bit 63
 * set) holding the extent's order in bits 56..61 and either the value
 * (the extent's first slot) or the INNER mark (the slots it also covers).
 * Empty nodes are freed at once, so a child pointer always means "something
 * is mapped below", which keeps range_empty() a single walk.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "common/radix.h"

#define SLOT_BITS XPI_RADIX_SLOT_BITS
#define SLOTS XPI_RADIX_SLOTS
#define ENTRY XPI_RADIX_ENTRY
#define INNER XPI_RADIX_INNER
#define ORDER_SHIFT XPI_RADIX_ORDER_SHIFT
#define ORDER_MASK XPI_RADIX_ORDER_MASK

static inline int slot_is_entry(uint64_t s)
{
	return (s & ENTRY) != 0;
}

static inline unsigned int slot_order(uint64_t s)
{
	return (unsigned int)((s >> ORDER_SHIFT) & ORDER_MASK);
}

static inline struct xpi_radix_node *slot_child(uint64_t s)
{
	return (struct xpi_radix_node *)(uintptr_t)s;
}

static inline unsigned int slot_index(uint64_t key, unsigned int level)
{
	return (unsigned int)(key >> (level * SLOT_BITS)) & (SLOTS - 1);
}

int xpi_radix_init(struct xpi_radix *r, unsigned int width)
{
	if (!r || width == 0 || width > 63)
		return -EINVAL;
	r->root = NULL;
	r->width = width;
	r->levels = (width + SLOT_BITS - 1) / SLOT_BITS;
	r->extents = 0;
	r->nodes = 0;
	r->hint = NULL;
	r->spare = NULL;
	return 0;
}

static void free_node(struct xpi_radix_node *n, unsigned int level)
{
	if (level > 0) {
		for (unsigned int i = 0; i < SLOTS; i++) {
			uint64_t s = n->slot[i];

			if (s && !slot_is_entry(s))
				free_node(slot_child(s), level - 1);
		}
	}
	free(n);
}

void xpi_radix_destroy(struct xpi_radix *r)
{
	if (!r)
		return;
	if (r->root)
		free_node(r->root, r->levels - 1);
	free(r->spare);
	r->spare = NULL;
	r->hint = NULL;
	r->root = NULL;
	r->extents = 0;
	r->nodes = 0;
}

/* Checks shared by insert and range_empty; 0 when the range is usable. */
static int check_range(const struct xpi_radix *r, uint64_t base,
		       unsigned int order)
{
	if (order >= r->width || order / SLOT_BITS >= r->levels)
		return -EINVAL;
	if (base & ((UINT64_C(1) << order) - 1))
		return -EINVAL;
	if (base >= (UINT64_C(1) << r->width) ||
	    (UINT64_C(1) << r->width) - base < (UINT64_C(1) << order))
		return -ERANGE;
	return 0;
}

static int range_empty(const struct xpi_radix *r, uint64_t base,
		       unsigned int order)
{
	unsigned int target = order / SLOT_BITS;
	unsigned int span = 1u << (order % SLOT_BITS);
	const struct xpi_radix_node *n = r->root;

	for (unsigned int level = r->levels - 1; n; level--) {
		unsigned int idx = slot_index(base, level);

		if (level == target) {
			for (unsigned int i = 0; i < span; i++)
				if (n->slot[idx + i])
					return 0;
			return 1;
		}
		if (slot_is_entry(n->slot[idx]))
			return 0;
		n = slot_child(n->slot[idx]);
	}
	return 1;
}

int xpi_radix_range_empty(const struct xpi_radix *r, uint64_t base,
			  unsigned int order)
{
	if (check_range(r, base, order))
		return 0;
	return range_empty(r, base, order);
}

int xpi_radix_insert(struct xpi_radix *r, uint64_t base, unsigned int order,
		     uint64_t value)
{
	unsigned int target = order / SLOT_BITS;
	unsigned int span = 1u << (order % SLOT_BITS);
	struct xpi_radix_node **link = &r->root;
	struct xpi_radix_node *parent = NULL;
	struct xpi_radix_node **made[8], *made_parent[8];
	unsigned int nmade = 0;
	int rc;

	if (value & ~XPI_RADIX_VALUE_MASK)
		return -EINVAL;
	rc = check_range(r, base, order);
	if (rc)
		return rc;
	if (!range_empty(r, base, order))
		return -EEXIST;

	for (unsigned int level = r->levels - 1;; level--) {
		struct xpi_radix_node *n = *link;
		unsigned int idx = slot_index(base, level);

		if (!n) {
			n = r->spare;
			r->spare = NULL;
			if (!n)
				n = calloc(1, sizeof(*n));
			if (!n) {
				/* Unlink the empty nodes made on the way down. */
				while (nmade--) {
					free(*made[nmade]);
					*made[nmade] = NULL;
					r->nodes--;
					if (made_parent[nmade])
						made_parent[nmade]->used--;
				}
				return -ENOMEM;
			}
			*link = n;
			made[nmade] = link;
			made_parent[nmade++] = parent;
			r->nodes++;
			if (parent)
				parent->used++;
		}
		if (level == target) {
			uint64_t tag = ENTRY | ((uint64_t)order << ORDER_SHIFT);

			n->slot[idx] = tag | value;
			for (unsigned int i = 1; i < span; i++)
				n->slot[idx + i] = tag | INNER;
			n->used += span;
			r->extents++;
			return 0;
		}
		parent = n;
		link = (struct xpi_radix_node **)&n->slot[idx];
	}
}

/*
 * Find the slot holding key: returns the node, the level and the index,
 * or NULL.  path[] (levels entries) records the nodes walked.
 */
static struct xpi_radix_node *locate(const struct xpi_radix *r, uint64_t key,
				     unsigned int *level_out,
				     unsigned int *idx_out,
				     struct xpi_radix_node **path)
{
	struct xpi_radix_node *n = r->root;

	if (key >> r->width)
		return NULL;
	for (unsigned int level = r->levels - 1; n; level--) {
		unsigned int idx = slot_index(key, level);
		uint64_t s = n->slot[idx];

		if (path)
			path[level] = n;
		if (!s)
			return NULL;
		if (slot_is_entry(s)) {
			*level_out = level;
			*idx_out = idx;
			return n;
		}
		if (level == 0)
			return NULL; /* a child below a leaf: corrupt */
		n = slot_child(s);
	}
	return NULL;
}

int xpi_radix_find(const struct xpi_radix *r, uint64_t key,
		   struct xpi_radix_extent *ext)
{
	unsigned int level, idx, order, base_idx;
	struct xpi_radix_node *n;
	uint64_t s;

	if (r->hint && (key >> SLOT_BITS) == r->hint_key) {
		n = r->hint;
		idx = (unsigned int)key & (SLOTS - 1);
		/* A leaf node means no larger extent covers these keys. */
		if (!n->slot[idx])
			return -ENOENT;
	} else {
		n = locate(r, key, &level, &idx, NULL);
		if (!n)
			return -ENOENT;
		if (level == 0) {
			/* find() is logically const: the hint only caches. */
			((struct xpi_radix *)r)->hint = n;
			((struct xpi_radix *)r)->hint_key = key >> SLOT_BITS;
		}
	}
	s = n->slot[idx];
	order = slot_order(s);
	base_idx = idx & ~((1u << (order % SLOT_BITS)) - 1);
	if (ext) {
		ext->order = order;
		ext->base = key & ~((UINT64_C(1) << order) - 1);
		ext->value = n->slot[base_idx] & XPI_RADIX_VALUE_MASK;
	}
	return 0;
}

int xpi_radix_find_cursor_slow(struct xpi_radix *r, uint64_t key,
			       struct xpi_radix_cursor *c, uint64_t *slot)
{
	unsigned int level, idx, order;
	struct xpi_radix_node *n = locate(r, key, &level, &idx, NULL);

	if (!n)
		return -ENOENT;
	if (level == 0) {
		r->hint = n;
		r->hint_key = key >> SLOT_BITS;
	}
	order = slot_order(n->slot[idx]);
	c->node = n;
	idx &= ~((1u << (order % SLOT_BITS)) - 1);
	c->idx = idx | (level ? XPI_RADIX_NOT_LEAF : 0);
	*slot = n->slot[idx];
	return 0;
}

int xpi_radix_update(struct xpi_radix *r, uint64_t base, uint64_t value)
{
	unsigned int level, idx;
	struct xpi_radix_node *n = locate(r, base, &level, &idx, NULL);

	if (!n || (n->slot[idx] & INNER) ||
	    (base & ((UINT64_C(1) << slot_order(n->slot[idx])) - 1)))
		return -ENOENT;
	if (value & ~XPI_RADIX_VALUE_MASK)
		return -EINVAL;
	n->slot[idx] = (n->slot[idx] & ~XPI_RADIX_VALUE_MASK) | value;
	return 0;
}

int xpi_radix_remove(struct xpi_radix *r, uint64_t base,
		     struct xpi_radix_extent *ext)
{
	struct xpi_radix_node *path[8];
	unsigned int level, idx, order, span;
	struct xpi_radix_node *n;
	uint64_t s;

	idx = (unsigned int)base & (SLOTS - 1);
	if (r->hint && (base >> SLOT_BITS) == r->hint_key &&
	    r->hint->used > 1 && slot_is_entry(r->hint->slot[idx]) &&
	    slot_order(r->hint->slot[idx]) == 0) {
		/* A page in a leaf that stays non-empty: no walk, no pruning. */
		n = r->hint;
		s = n->slot[idx];
		if (ext) {
			ext->base = base;
			ext->order = 0;
			ext->value = s & XPI_RADIX_VALUE_MASK;
		}
		n->slot[idx] = 0;
		n->used--;
		r->extents--;
		return 0;
	}
	n = locate(r, base, &level, &idx, path);
	if (!n)
		return -ENOENT;
	s = n->slot[idx];
	order = slot_order(s);
	if ((s & INNER) || (base & ((UINT64_C(1) << order) - 1)))
		return -ENOENT;
	if (ext) {
		ext->base = base;
		ext->order = order;
		ext->value = s & XPI_RADIX_VALUE_MASK;
	}
	span = 1u << (order % SLOT_BITS);
	for (unsigned int i = 0; i < span; i++)
		n->slot[idx + i] = 0;
	n->used -= span;
	r->extents--;

	/* Free the nodes this emptied, bottom up. */
	while (n->used == 0) {
		if (n == r->hint)
			r->hint = NULL;
		if (!r->spare)
			r->spare = n; /* all its slots are zero again */
		else
			free(n);
		r->nodes--;
		if (level == r->levels - 1) {
			r->root = NULL;
			break;
		}
		level++;
		n = path[level];
		n->slot[slot_index(base, level)] = 0;
		n->used--;
	}
	return 0;
}

static int walk_node(const struct xpi_radix_node *n, unsigned int level,
		     uint64_t prefix,
		     int (*fn)(void *, const struct xpi_radix_extent *),
		     void *opaque)
{
	for (unsigned int i = 0; i < SLOTS; i++) {
		uint64_t s = n->slot[i];
		uint64_t key = prefix | ((uint64_t)i << (level * SLOT_BITS));
		int rc;

		if (!s || (s & INNER))
			continue;
		if (slot_is_entry(s)) {
			struct xpi_radix_extent e = {
				.base = key,
				.order = slot_order(s),
				.value = s & XPI_RADIX_VALUE_MASK,
			};

			rc = fn(opaque, &e);
		} else {
			rc = walk_node(slot_child(s), level - 1, key, fn,
				       opaque);
		}
		if (rc)
			return rc;
	}
	return 0;
}

int xpi_radix_walk(const struct xpi_radix *r,
		   int (*fn)(void *opaque, const struct xpi_radix_extent *ext),
		   void *opaque)
{
	if (!r->root)
		return 0;
	return walk_node(r->root, r->levels - 1, 0, fn, opaque);
}

size_t xpi_radix_bytes(const struct xpi_radix *r)
{
	return r->nodes * sizeof(struct xpi_radix_node);
}
