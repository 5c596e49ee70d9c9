// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The batching builder.
 *
 * Appending only checks and stores the op (the hot path: a few dozen
 * instructions).  Submit turns the appended ops into "wire" ops:
 * - contiguous, aligned runs of order-0 map ops become superpage ops at
 *   the largest order the caps allow;
 * - runs of order-0 unmaps that cover whole tracked extents become one
 *   unmap of the extent (a coalesced map can only be unmapped whole);
 * - map ops whose BFNs are live in the tracker get -EEXIST and are not
 *   sent.
 * Wire ops go out in hypercalls of at most max_ops; a superpage op the
 * hypervisor refuses with -ENOSPC (backing not contiguous) is split to the
 * next smaller order and sent again, down to the caller's own ops.  Each
 * wire op's status is then copied to the appended ops it covers.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/subop.h"
#include "private.h"

struct wire_meta {
	size_t first; /* first appended op covered */
	size_t nr;    /* appended ops covered */
};

struct xpi_batch {
	struct xpi_handle *h;
	struct pv_iommu_op *ops; /* appended ops; statuses after submit */
	size_t n, cap;
	size_t limit; /* cap, or 0 once submitted: one test for both */
	size_t *raw;  /* indices of raw ops, ascending */
	size_t nraw, capraw;
	enum xpi_batch_policy policy;
	unsigned int max_ops;
	int coalesce;
	int submitted;
	int from_alloc; /* xpi_batch_set_from_allocator() */
};

/* The wire list under construction. */
struct wire {
	struct pv_iommu_op *ops;
	struct wire_meta *meta;
	size_t n, cap;
};

XPI_EXPORT int xpi_batch_new(xpi_handle *h, struct xpi_batch **out)
{
	struct xpi_batch *b;

	if (out)
		*out = NULL;
	if (!h || !out)
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->h = h;
	b->max_ops = h->max_batch_ops;
	b->coalesce = 1;
	*out = b;
	return 0;
}

XPI_EXPORT void xpi_batch_free(struct xpi_batch *b)
{
	if (!b)
		return;
	free(b->ops);
	free(b->raw);
	free(b);
}

XPI_EXPORT void xpi_batch_reset(struct xpi_batch *b)
{
	if (!b)
		return;
	b->n = 0;
	b->nraw = 0;
	b->submitted = 0;
	b->limit = b->cap;
}

XPI_EXPORT int xpi_batch_set_policy(struct xpi_batch *b,
				    enum xpi_batch_policy policy)
{
	if (!b)
		return -EINVAL;
	if (policy != XPI_BATCH_INDEPENDENT &&
	    policy != XPI_BATCH_ALL_OR_NOTHING) {
		xpi_err(b->h, -1, "batch: unknown policy %d", (int)policy);
		return -EINVAL;
	}
	b->policy = policy;
	return 0;
}

XPI_EXPORT int xpi_batch_set_max_ops(struct xpi_batch *b, unsigned int max_ops)
{
	if (!b)
		return -EINVAL;
	if (max_ops == 0 || max_ops > XPI_BATCH_LIMIT_MAX_OPS) {
		xpi_err(b->h, -1, "batch: max_ops %u: must be 1..%u", max_ops,
			XPI_BATCH_LIMIT_MAX_OPS);
		return -EINVAL;
	}
	b->max_ops = max_ops;
	return 0;
}

XPI_EXPORT int xpi_batch_set_coalesce(struct xpi_batch *b, int enable)
{
	if (!b)
		return -EINVAL;
	b->coalesce = !!enable;
	return 0;
}

void xpi_batch_set_from_allocator(struct xpi_batch *b)
{
	b->from_alloc = 1;
}

XPI_EXPORT size_t xpi_batch_count(const struct xpi_batch *b)
{
	return b ? b->n : 0;
}

static __attribute__((noinline)) int grow(struct xpi_batch *b)
{
	size_t cap = b->cap ? b->cap * 2 : 64;
	struct pv_iommu_op *ops = realloc(b->ops, cap * sizeof(*ops));

	if (!ops)
		return -ENOMEM;
	b->ops = ops;
	b->cap = cap;
	b->limit = b->submitted ? 0 : cap;
	return 0;
}

#define MAP_FLAGS (IOMMU_OP_readable | IOMMU_OP_writeable)

/*
 * The map appends take flags as unsigned int but the op has 16 bits: the
 * bits above 15 wait for check_op() in the last 4 bytes of the union, which
 * neither map_page nor map_foreign_page uses (padding), and are cleared
 * there before the op is sent.
 */
#define HIGH_FLAGS_OFF (offsetof(struct pv_iommu_op, u) + 20)
_Static_assert(
	offsetof(struct pv_iommu_op, u.map_page.gfn) + 8 <= HIGH_FLAGS_OFF &&
		offsetof(struct pv_iommu_op, u.map_foreign_page.ioserver) + 2 <=
			HIGH_FLAGS_OFF &&
		HIGH_FLAGS_OFF + 4 == sizeof(struct pv_iommu_op),
	"the high flag bits sit in the map ops' unused tail");

static inline void set_high_flags(struct pv_iommu_op *op, unsigned int flags)
{
	uint32_t hi = (uint32_t)(flags >> 16);

	memcpy((char *)op + HIGH_FLAGS_OFF, &hi, sizeof(hi));
}

static inline uint32_t take_high_flags(struct pv_iommu_op *op)
{
	uint32_t hi;

	memcpy(&hi, (char *)op + HIGH_FLAGS_OFF, sizeof(hi));
	memset((char *)op + HIGH_FLAGS_OFF, 0, sizeof(hi));
	return hi;
}

/*
 * The slow path of every append: a NULL or submitted batch is refused, a
 * full one grows.  Returns 0 when b->ops[b->n] may be written.
 */
static __attribute__((noinline, cold)) long append_slow(struct xpi_batch *b)
{
	if (!b)
		return -EINVAL;
	if (b->submitted) {
		xpi_err(b->h, -1, "batch: appended to after submit; reset it");
		return -EBUSY;
	}
	return grow(b);
}

/*
 * The hot path of the appends: one test, stores, no call and no stack
 * frame.  What an op says is checked once, at submit (check_op()).
 */
#define APPEND(b, op)                                                          \
	do {                                                                   \
		long rc_;                                                      \
		if (__builtin_expect(!(b) || (b)->n >= (b)->limit, 0)) {       \
			rc_ = append_slow(b);                                  \
			if (rc_)                                               \
				return rc_;                                    \
		}                                                              \
		(op) = &(b)->ops[(b)->n];                                      \
	} while (0)

static __attribute__((noinline, cold)) long
add_map_slow(struct xpi_batch *b, uint64_t bfn, uint64_t gfn,
	     unsigned int order, unsigned int flags)
{
	long rc = append_slow(b);

	return rc ? rc : xpi_batch_add_map(b, bfn, gfn, order, flags);
}

/* The hottest append: the slow path is a tail call, so no stack frame. */
XPI_EXPORT long xpi_batch_add_map(struct xpi_batch *b, uint64_t bfn,
				  uint64_t gfn, unsigned int order,
				  unsigned int flags)
{
	struct pv_iommu_op *op;

	if (__builtin_expect(!b || b->n >= b->limit, 0))
		return add_map_slow(b, bfn, gfn, order, flags);
	op = &b->ops[b->n];
	op->subop_id = IOMMUOP_map_page;
	op->flags = (uint16_t)flags;
	op->status = (int32_t)order; /* checked and cleared at submit */
	op->u.map_page.bfn = bfn;
	op->u.map_page.gfn = gfn;
	set_high_flags(op, flags);
	return (long)b->n++;
}

XPI_EXPORT long xpi_batch_add_unmap(struct xpi_batch *b, uint64_t bfn,
				    unsigned int order)
{
	struct pv_iommu_op *op;

	APPEND(b, op);
	memset(op, 0, sizeof(*op));
	op->subop_id = IOMMUOP_unmap_page;
	op->status = (int32_t)order;
	op->u.unmap_page.bfn = bfn;
	return (long)b->n++;
}

XPI_EXPORT long xpi_batch_add_map_foreign(struct xpi_batch *b, uint64_t bfn,
					  uint16_t domid, uint64_t gfn,
					  uint16_t ioserver, unsigned int order,
					  unsigned int flags)
{
	struct pv_iommu_op *op;

	APPEND(b, op);
	memset(op, 0, sizeof(*op));
	op->subop_id = IOMMUOP_map_foreign_page;
	op->flags = (uint16_t)flags;
	op->status = (int32_t)order;
	set_high_flags(op, flags);
	op->u.map_foreign_page.bfn = bfn;
	op->u.map_foreign_page.gfn = gfn;
	op->u.map_foreign_page.domid = domid;
	op->u.map_foreign_page.ioserver = ioserver;
	return (long)b->n++;
}

XPI_EXPORT long xpi_batch_add_lookup_foreign(struct xpi_batch *b,
					     uint16_t domid, uint64_t gfn,
					     uint16_t ioserver)
{
	struct pv_iommu_op *op;

	APPEND(b, op);
	memset(op, 0, sizeof(*op));
	op->subop_id = IOMMUOP_lookup_foreign_page;
	op->u.lookup_foreign_page.gfn = gfn;
	op->u.lookup_foreign_page.domid = domid;
	op->u.lookup_foreign_page.ioserver = ioserver;
	return (long)b->n++;
}

XPI_EXPORT long xpi_batch_add_unmap_foreign(struct xpi_batch *b, uint64_t bfn,
					    uint16_t ioserver,
					    unsigned int order)
{
	struct pv_iommu_op *op;

	APPEND(b, op);
	memset(op, 0, sizeof(*op));
	op->subop_id = IOMMUOP_unmap_foreign_page;
	op->status = (int32_t)order;
	op->u.unmap_foreign_page.bfn = bfn;
	op->u.unmap_foreign_page.ioserver = ioserver;
	return (long)b->n++;
}

/*
 * Check an appended (not raw) op, whose status holds the order the caller
 * gave; on success the order moves into the flags and the status is
 * cleared.  Returns 0 or -EINVAL (logged).
 */
static int check_op(struct xpi_batch *b, size_t i)
{
	struct pv_iommu_op *op = &b->ops[i];
	uint32_t order = (uint32_t)op->status;
	unsigned int flags = op->flags, allowed = 0;
	uint64_t gfn = 0, bfn = op->u.map_page.bfn;
	uint16_t domid = 0;
	uint32_t high = 0;
	const char *why = NULL;

	switch (op->subop_id) {
	case IOMMUOP_map_page:
		allowed = MAP_FLAGS | IOMMU_MAP_OP_no_ref_cnt;
		gfn = op->u.map_page.gfn;
		high = take_high_flags(op);
		break;
	case IOMMUOP_map_foreign_page:
		allowed = MAP_FLAGS | IOMMUOP_swap_mfn;
		gfn = op->u.map_foreign_page.gfn;
		domid = op->u.map_foreign_page.domid;
		high = take_high_flags(op);
		break;
	case IOMMUOP_lookup_foreign_page:
		domid = op->u.lookup_foreign_page.domid;
		bfn = 0;
		break;
	default: /* the unmaps */
		break;
	}
	if (high)
		why = "flag bits above bit 15 (the op has 16)";
	else if (flags & ~allowed)
		why = "reserved or unknown flag bits";
	else if (allowed && !(flags & MAP_FLAGS))
		why = "neither readable nor writeable";
	else if (order > IOMMU_page_order_max)
		why = "order above 63";
	else if ((bfn | gfn) & ((UINT64_C(1) << order) - 1))
		why = "BFN or GFN not aligned to the order";
	else if (domid >= XPI_DOMID_FIRST_RESERVED)
		why = "a reserved domid";
	if (why) {
		xpi_err(b->h, -1, "batch: op %zu (subop %u, %s): %s", i,
			op->subop_id, xpi_subop_name(op->subop_id), why);
		op->status = -EINVAL;
		return -EINVAL;
	}
	op->flags = pv_iommu_flags_set_order((uint16_t)flags, order);
	op->status = 0;
	return 0;
}

XPI_EXPORT long xpi_batch_add_op(struct xpi_batch *b,
				 const struct pv_iommu_op *op)
{
	struct pv_iommu_op *dst;

	if (!op) {
		if (b)
			xpi_err(b->h, -1, "batch: raw op: NULL");
		return -EINVAL;
	}
	if (!b || b->n >= b->limit) {
		long rc = append_slow(b);

		if (rc)
			return rc;
	}
	if (b->nraw == b->capraw) {
		size_t cap = b->capraw ? b->capraw * 2 : 16;
		size_t *raw = realloc(b->raw, cap * sizeof(*raw));

		if (!raw)
			return -ENOMEM;
		b->raw = raw;
		b->capraw = cap;
	}
	dst = &b->ops[b->n];
	*dst = *op;
	dst->status = 0;
	b->raw[b->nraw++] = b->n;
	return (long)b->n++;
}

XPI_EXPORT int xpi_batch_status(const struct xpi_batch *b, size_t index)
{
	if (!b)
		return -EINVAL;
	/* Not -EINVAL: that is the status of an op the pre-check refused. */
	if (index >= b->n) {
		xpi_err(b->h, -1, "batch: status of op %zu of %zu", index,
			b->n);
		return -ERANGE;
	}
	if (!b->submitted)
		return -EAGAIN;
	return b->ops[index].status;
}

XPI_EXPORT int xpi_batch_get_status(const struct xpi_batch *b, size_t index,
				    int *status)
{
	if (!b || !status)
		return -EINVAL;
	if (index >= b->n) {
		xpi_err(b->h, -1, "batch: status of op %zu of %zu", index,
			b->n);
		return -ERANGE;
	}
	if (!b->submitted)
		return -EAGAIN;
	*status = b->ops[index].status;
	return 0;
}

XPI_EXPORT int xpi_batch_get_op(const struct xpi_batch *b, size_t index,
				struct pv_iommu_op *op)
{
	if (!b)
		return -EINVAL;
	if (!op || index >= b->n) {
		xpi_err(b->h, -1, "batch: get_op %zu of %zu%s", index, b->n,
			op ? "" : ": NULL op");
		return -EINVAL;
	}
	*op = b->ops[index];
	return 0;
}

/* ---- submit ---------------------------------------------------------- */

static int wire_push(struct wire *w, const struct pv_iommu_op *op, size_t first,
		     size_t nr)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct pv_iommu_op *ops = realloc(w->ops, cap * sizeof(*ops));
		struct wire_meta *meta;

		if (!ops)
			return -ENOMEM;
		w->ops = ops;
		meta = realloc(w->meta, cap * sizeof(*meta));
		if (!meta)
			return -ENOMEM;
		w->meta = meta;
		w->cap = cap;
	}
	w->ops[w->n] = *op;
	w->ops[w->n].status = 0;
	w->meta[w->n].first = first;
	w->meta[w->n].nr = nr;
	w->n++;
	return 0;
}

static void wire_free(struct wire *w)
{
	free(w->ops);
	free(w->meta);
	memset(w, 0, sizeof(*w));
}

static inline int is_map(uint16_t subop)
{
	/* Two compares on the hot path, as common/subop.h's map column
	 * says: a table load here cost bench/run's batch sweep about 10
	 * instructions per op. */
	return subop == IOMMUOP_map_page || subop == IOMMUOP_map_foreign_page;
}

/* map_page and map_foreign_page keep bfn and gfn at the same offsets. */
static inline uint64_t op_bfn(const struct pv_iommu_op *op)
{
	return op->u.map_page.bfn;
}

static inline uint64_t op_gfn(const struct pv_iommu_op *op)
{
	return op->u.map_page.gfn;
}

/* Can op b extend a run of order-0 map ops that ends with op a? */
static int map_follows(const struct pv_iommu_op *a, const struct pv_iommu_op *b)
{
	if (b->subop_id != a->subop_id || b->flags != a->flags)
		return 0;
	if (op_bfn(b) != op_bfn(a) + 1 || op_gfn(b) != op_gfn(a) + 1)
		return 0;
	if (a->subop_id == IOMMUOP_map_foreign_page &&
	    (a->u.map_foreign_page.domid != b->u.map_foreign_page.domid ||
	     a->u.map_foreign_page.ioserver != b->u.map_foreign_page.ioserver))
		return 0;
	return 1;
}

/* The largest order <= max at which (bfn, gfn) is aligned within len. */
static unsigned int block_order(uint64_t bfn, uint64_t gfn, uint64_t len,
				unsigned int max)
{
	unsigned int o = 0;

	while (o < max && !((bfn | gfn) & ((UINT64_C(2) << o) - 1)) &&
	       (UINT64_C(2) << o) <= len)
		o++;
	return o;
}

/*
 * Emit a map op at order covering appended ops [first, first + nr), unless
 * the tracker says a BFN of it is live: then a coalesced block is sent as
 * its single ops (part of it may be free), and a single op gets -EEXIST.
 */
static int emit_map(struct xpi_batch *b, struct wire *w, size_t first,
		    unsigned int order, size_t nr)
{
	struct pv_iommu_op op = b->ops[first];

	op.flags = pv_iommu_flags_set_order(op.flags, order);
	if (xpi_tracker_range_free(&b->h->tracker, op_bfn(&op), order))
		return wire_push(w, &op, first, nr);
	if (nr == 1) {
		b->ops[first].status = -EEXIST;
		return 0;
	}
	for (size_t i = 0; i < nr; i++) {
		int rc = emit_map(b, w, first + i, 0, 1);

		if (rc)
			return rc;
	}
	return 0;
}

/*
 * A run of order-0 unmaps (same subop, same ioserver) starting at i:
 * where the tracker holds an extent that starts at the run's BFN and the
 * run covers it whole, one unmap of that extent covers those ops.
 * Returns how many appended ops were consumed (>= 1), or -ENOMEM.
 */
static long emit_unmap(struct xpi_batch *b, struct wire *w, size_t i)
{
	struct pv_iommu_op op = b->ops[i];
	struct xpi_mapping m;
	size_t len = 1;

	if (!b->coalesce || pv_iommu_flags_order(op.flags) ||
	    xpi_tracker_find(&b->h->tracker, op.u.unmap_page.bfn, &m) ||
	    m.bfn != op.u.unmap_page.bfn || m.order == 0)
		goto single;
	if (op.subop_id == IOMMUOP_unmap_foreign_page &&
	    m.ioserver != op.u.unmap_foreign_page.ioserver)
		goto single;
	while (len < ((size_t)1 << m.order) && i + len < b->n) {
		const struct pv_iommu_op *n = &b->ops[i + len];

		if (n->status || n->subop_id != op.subop_id ||
		    n->flags != op.flags ||
		    n->u.unmap_page.bfn != op.u.unmap_page.bfn + len ||
		    (op.subop_id == IOMMUOP_unmap_foreign_page &&
		     n->u.unmap_foreign_page.ioserver !=
			     op.u.unmap_foreign_page.ioserver))
			break;
		len++;
	}
	if (len != ((size_t)1 << m.order))
		goto single;
	op.flags = pv_iommu_flags_set_order(op.flags, m.order);
	return wire_push(w, &op, i, len) ? -ENOMEM : (long)len;
single:
	return wire_push(w, &op, i, 1) ? -ENOMEM : 1;
}

/*
 * XenServer pins a looked-up page with one bit, whoever looked it up
 * (docs/xenserver-model.md L8, F3): the library counts the servers of the
 * handle instead.  If another server's record of the BFN remains, this
 * server's lookup record is ended in the tracker and 1 returned (the op is
 * not sent, its status is 0); otherwise 0 (the op goes to the host).
 */
static int xs_shared_elsewhere(struct xpi_handle *h, struct pv_iommu_op *op)
{
	uint64_t bfn = op->u.unmap_foreign_page.bfn;
	uint16_t srv = op->u.unmap_foreign_page.ioserver;
	struct xpi_mapping m, gone;
	int other = 0;

	if (h->host != XPI_HOST_XENSERVER ||
	    xpi_tracker_find(&h->tracker, bfn, &m) || !m.lookup)
		return 0;
	other = m.ioserver != srv;
	for (size_t k = 0;
	     !other && xpi_tracker_shared_nth(&h->tracker, bfn, k, &m) == 0;
	     k++)
		other = m.ioserver != srv;
	if (!other || xpi_tracker_remove_foreign(&h->tracker, bfn, srv, &gone))
		return 0;
	op->status = 0;
	return 1;
}

static int is_raw(const struct xpi_batch *b, size_t *cursor, size_t i)
{
	while (*cursor < b->nraw && b->raw[*cursor] < i)
		(*cursor)++;
	return *cursor < b->nraw && b->raw[*cursor] == i;
}

/* Build the wire list from the appended ops (h->lock held). */
static int build_wire(struct xpi_batch *b, struct wire *w)
{
	unsigned int max_order = b->h->caps.max_order;
	size_t cursor = 0;
	int rc;

	for (size_t i = 0; i < b->n;) {
		struct pv_iommu_op *op = &b->ops[i];
		size_t len = 1;

		if (is_raw(b, &cursor, i)) {
			rc = wire_push(w, op, i, 1);
			if (rc)
				return rc;
			i++;
			continue;
		}
		if (op->status) { /* refused by check_op(): not sent */
			i++;
			continue;
		}
		if (op->subop_id == IOMMUOP_unmap_foreign_page &&
		    !is_raw(b, &cursor, i) && xs_shared_elsewhere(b->h, op)) {
			/* Another server's lookup keeps the page: this
			 * server's ends here, the host's pin stays. */
			i++;
			continue;
		}
		if (op->subop_id == IOMMUOP_unmap_page ||
		    op->subop_id == IOMMUOP_unmap_foreign_page) {
			long used = emit_unmap(b, w, i);

			if (used < 0)
				return (int)used;
			i += (size_t)used;
			continue;
		}
		if (!is_map(op->subop_id)) {
			rc = wire_push(w, op, i, 1);
			if (rc)
				return rc;
			i++;
			continue;
		}
		if (pv_iommu_flags_order(op->flags) || !b->coalesce) {
			rc = emit_map(b, w, i, pv_iommu_flags_order(op->flags),
				      1);
			if (rc)
				return rc;
			i++;
			continue;
		}
		/* A run of order-0 maps, cut into aligned blocks. */
		while (i + len < b->n && !b->ops[i + len].status &&
		       !is_raw(b, &cursor, i + len) &&
		       map_follows(&b->ops[i + len - 1], &b->ops[i + len]))
			len++;
		for (size_t p = i; p < i + len;) {
			unsigned int o = block_order(op_bfn(&b->ops[p]),
						     op_gfn(&b->ops[p]),
						     i + len - p, max_order);

			rc = emit_map(b, w, p, o, (size_t)1 << o);
			if (rc)
				return rc;
			if (o)
				b->h->stats.coalesced_ops += (size_t)1 << o;
			p += (size_t)1 << o;
		}
		i += len;
	}
	return 0;
}

/* The next smaller order to retry a refused superpage at. */
static unsigned int smaller_order(unsigned int o)
{
	return o > 9 ? ((o - 1) / 9) * 9 : 0;
}

/*
 * Record a successful wire op in the tracker (h->lock held); from_alloc:
 * the batch's map_foreign BFNs came from the allocator.  An unmapped
 * record whose BFNs came from the allocator gives them back to it.
 */
static void track(struct xpi_handle *h, const struct pv_iommu_op *op,
		  int from_alloc)
{
	struct xpi_mapping m;
	int rc;

	switch (op->subop_id) {
	case IOMMUOP_map_page:
	case IOMMUOP_map_foreign_page:
	case IOMMUOP_lookup_foreign_page:
		xpi_mapping_from_op(op, &m);
		/* learn_enospc(): an order that has worked (bit 0 unused). */
		h->order_ok |= UINT32_C(1) << (m.order & 31);
		m.allocated = from_alloc &&
			      op->subop_id == IOMMUOP_map_foreign_page &&
			      xpi_bfn_in_window(h, m.bfn);
		rc = xpi_tracker_add(&h->tracker, &m);
		/* The same lookup again (same BFN and server) gives Xen's
		 * existing entry back: Xen took no new reference, so there is
		 * nothing more to track. */
		if (rc && !(rc == -EEXIST && m.lookup))
			xpi_warn(h, -rc,
				 "cannot track the mapping at BFN 0x%llx",
				 (unsigned long long)m.bfn);
		break;
	case IOMMUOP_unmap_page:
		/* Only an own mapping: unmap_page ends nothing else. */
		if (xpi_tracker_find(&h->tracker, op->u.unmap_page.bfn, &m) ||
		    m.domid != XPI_DOMID_SELF || m.bfn != op->u.unmap_page.bfn)
			break;
		if (xpi_tracker_remove(&h->tracker, op->u.unmap_page.bfn, &m) ==
			    0 &&
		    m.allocated)
			xpi_bfn_free_locked(&h->bfn, m.bfn,
					    UINT64_C(1) << m.order);
		break;
	case IOMMUOP_unmap_foreign_page:
		if (xpi_tracker_remove_foreign(
			    &h->tracker, op->u.unmap_foreign_page.bfn,
			    op->u.unmap_foreign_page.ioserver, &m) == 0 &&
		    m.allocated)
			xpi_bfn_free_locked(&h->bfn, m.bfn,
					    UINT64_C(1) << m.order);
		break;
	default:
		break;
	}
}

/* Send w in chunks of max_ops; a whole-call failure stops and is returned. */
/*
 * Every op starts as "not processed" (-EINPROGRESS, a status Xen never
 * writes).  A call can fail after Xen processed some or all of its ops (an
 * IOTLB flush failure is folded into the call's result, and an earlier
 * EINTR resume may have completed part of the chunk): those keep the
 * status Xen wrote, so their mappings are tracked and can be unmapped;
 * only the ops still "not processed" take the call's error.
 */
static int send_wire(struct xpi_batch *b, struct wire *w)
{
	for (size_t i = 0; i < w->n; i++)
		w->ops[i].status = -EINPROGRESS;
	for (size_t off = 0; off < w->n; off += b->max_ops) {
		size_t cnt = w->n - off < b->max_ops ? w->n - off : b->max_ops;
		int rc = xpi_hypercall(b->h, w->ops + off, (unsigned int)cnt);

		if (rc) {
			for (size_t i = off; i < w->n; i++)
				if (w->ops[i].status == -EINPROGRESS)
					w->ops[i].status = rc;
			return rc;
		}
	}
	return 0;
}

/*
 * A superpage map of order o came back -ENOSPC (h->lock held).  If no map
 * of that order ever succeeded on this handle, the host reports an order
 * it does not accept (or the memory behind this handle is never
 * contiguous at it): coalesce no higher than so from now on, once, with a
 * log line, instead of splitting every later batch again.  After a
 * success at o, a -ENOSPC is the backing's and only splits.
 */
static void learn_enospc(struct xpi_handle *h, unsigned int o, unsigned int so)
{
	if (o >= 32 || (h->order_ok & (UINT32_C(1) << o)) ||
	    h->caps.max_order < o)
		return;
	xpi_warn(h, ENOSPC,
		 "an order-%u map was refused and none has succeeded: "
		 "coalescing no higher than order %u (query_caps said %u)",
		 o, so, h->caps.max_order);
	/* Atomic: xpi_foreign_map() reads it without the lock. */
	__atomic_store_n(&h->caps.max_order, so, __ATOMIC_RELAXED);
}

/*
 * Take a sent wire list's results: statuses go to the appended ops, the
 * tracker learns the successes, -ENOSPC superpages go to retry.
 */
static int collect(struct xpi_batch *b, struct wire *w, struct wire *retry)
{
	struct xpi_handle *h = b->h;
	int rc = 0;

	pthread_mutex_lock(&h->lock);
	for (size_t i = 0; i < w->n; i++) {
		struct pv_iommu_op *op = &w->ops[i];
		struct wire_meta *mt = &w->meta[i];
		unsigned int o = pv_iommu_flags_order(op->flags);

		h->stats.ops++;
		if (op->subop_id < XPI_SUBOP_SLOTS)
			h->stats.ops_by_subop[op->subop_id]++;
		if (op->status == -ENOSPC && mt->nr > 1 &&
		    is_map(op->subop_id)) {
			unsigned int so = smaller_order(o);

			h->stats.enospc_splits++;
			learn_enospc(h, o, so);
			for (size_t p = 0; p < mt->nr && !rc;
			     p += (size_t)1 << so) {
				struct pv_iommu_op piece = *op;

				piece.u.map_page.bfn = op_bfn(op) + p;
				piece.u.map_page.gfn = op_gfn(op) + p;
				piece.flags =
					pv_iommu_flags_set_order(op->flags, so);
				rc = wire_push(retry, &piece, mt->first + p,
					       (size_t)1 << so);
			}
			continue;
		}
		if (op->status)
			h->stats.errors++;
		else
			track(h, op, b->from_alloc);
		for (size_t k = 0; k < mt->nr; k++) {
			struct pv_iommu_op *dst = &b->ops[mt->first + k];

			dst->status = op->status;
			if (op->subop_id == IOMMUOP_query_caps)
				dst->flags = op->flags;
			if (op->subop_id == IOMMUOP_lookup_foreign_page) {
				dst->flags = op->flags;
				dst->u.lookup_foreign_page.bfn =
					op->u.lookup_foreign_page.bfn;
			}
		}
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

/* All-or-nothing: unmap what this batch mapped; returns ops undone. */
static size_t undo(struct xpi_batch *b, struct wire *sent)
{
	struct wire u = { 0 };
	size_t undone = 0;
	int rc = 0;

	for (size_t i = 0; i < sent->n; i++) {
		const struct pv_iommu_op *op = &sent->ops[i];
		struct pv_iommu_op un = { 0 };

		/* Maps only: a lookup is not undone (the header says so),
		 * and Xen may have given this handle's earlier lookup of the
		 * page back, whose entry and reference an unmap would end. */
		if (op->status || !is_map(op->subop_id))
			continue;
		un.subop_id = xpi_subop(op->subop_id)->undo;
		if (un.subop_id == IOMMUOP_unmap_page) {
			un.u.unmap_page.bfn = op->u.map_page.bfn;
		} else {
			un.u.unmap_foreign_page.bfn =
				op->u.map_foreign_page.bfn;
			un.u.unmap_foreign_page.ioserver =
				op->u.map_foreign_page.ioserver;
		}
		un.flags = pv_iommu_flags_set_order(0, pv_iommu_flags_order(
							       op->flags));
		if (wire_push(&u, &un, sent->meta[i].first, sent->meta[i].nr))
			break;
	}
	if (u.n && (rc = send_wire(b, &u)) != 0)
		xpi_err(b->h, -rc,
			"all-or-nothing: the undo hypercall failed; %zu map(s)"
			" stay mapped and tracked",
			u.n);
	if (u.n && rc == 0) {
		pthread_mutex_lock(&b->h->lock);
		for (size_t i = 0; i < u.n; i++) {
			if (u.ops[i].status) {
				xpi_err(b->h, -u.ops[i].status,
					"all-or-nothing: cannot undo the map at"
					" BFN 0x%llx",
					(unsigned long long)u.ops[i]
						.u.unmap_page.bfn);
				continue;
			}
			track(b->h, &u.ops[i], 0);
			for (size_t k = 0; k < u.meta[i].nr; k++)
				b->ops[u.meta[i].first + k].status = -ECANCELED;
			undone += u.meta[i].nr;
		}
		pthread_mutex_unlock(&b->h->lock);
	}
	wire_free(&u);
	return undone;
}

/* Append the successful ops of src to dst (for a later undo). */
static int keep_sent(struct wire *dst, const struct wire *src)
{
	for (size_t i = 0; i < src->n; i++) {
		int rc;

		if (src->ops[i].status)
			continue;
		rc = wire_push(dst, &src->ops[i], src->meta[i].first,
			       src->meta[i].nr);
		if (rc)
			return rc;
		dst->ops[dst->n - 1].status = 0;
	}
	return 0;
}

XPI_EXPORT long xpi_batch_submit(struct xpi_batch *b)
{
	struct wire w = { 0 }, retry = { 0 }, sent = { 0 };
	long ok = 0;
	int rc;

	if (!b)
		return -EINVAL;
	if (b->submitted) {
		xpi_err(b->h, -1, "batch: submitted already; reset it first");
		return -EBUSY;
	}
	b->submitted = 1;
	b->limit = 0;
	{
		size_t cursor = 0;

		for (size_t i = 0; i < b->n; i++)
			if (is_raw(b, &cursor, i))
				b->ops[i].status = 0;
			else
				check_op(b, i);
	}

	pthread_mutex_lock(&b->h->lock);
	rc = build_wire(b, &w);
	pthread_mutex_unlock(&b->h->lock);

	while (!rc && w.n) {
		/*
		 * On a whole-call failure the ops the hypervisor did not
		 * process carry its errno (send_wire()); those it processed
		 * keep the status it wrote and are collected, so their maps
		 * are tracked and can be unmapped.
		 */
		rc = send_wire(b, &w);
		if (collect(b, &w, &retry))
			rc = -ENOMEM;
		if (b->policy == XPI_BATCH_ALL_OR_NOTHING &&
		    keep_sent(&sent, &w))
			rc = -ENOMEM;
		if (rc)
			/* Not retried: a split superpage keeps its -ENOSPC. */
			for (size_t i = 0; i < retry.n; i++)
				for (size_t k = 0; k < retry.meta[i].nr; k++)
					b->ops[retry.meta[i].first + k].status =
						retry.ops[i].status;
		wire_free(&w);
		w = retry;
		memset(&retry, 0, sizeof(retry));
	}
	wire_free(&w);

	if (b->policy == XPI_BATCH_ALL_OR_NOTHING) {
		int first_err = rc;

		for (size_t i = 0; i < b->n && !first_err; i++)
			first_err = b->ops[i].status;
		if (first_err) {
			size_t undone = undo(b, &sent);

			xpi_warn(b->h, first_err < 0 ? -first_err : -1,
				 "all-or-nothing batch failed: undid %zu"
				 " successful map(s)",
				 undone);
			wire_free(&sent);
			return first_err;
		}
		wire_free(&sent);
	}
	if (rc)
		return rc;
	for (size_t i = 0; i < b->n; i++)
		ok += b->ops[i].status == 0;
	return ok;
}
