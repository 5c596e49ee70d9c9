// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The IOREQ invalidate listener (include/xenpviommu/listener.h).
 *
 * One drain, in one pass under the handle's lock: read the buffered ring,
 * then the synchronous slots that were ready before the ring was read
 * (Xen fills the ring before it falls back to a synchronous ioreq, so this
 * keeps the server's order); for each BFN look the tracker up (no walk for
 * a BFN in the leaf met last), take the extent out of it and write its
 * unmap op, each extent once.  Then, without the lock, the callbacks in
 * order; then the unmap, in one hypercall per max_batch_ops; then, under
 * the lock again, the BFNs the hypervisor unmapped go back to the
 * allocator, and an extent it did not unmap goes back into the tracker.
 * Last, the synchronous ioreqs are completed and notified.
 *
 * So during the callbacks the drain's extents are out of the tracker (the
 * events carry their records), and their BFNs are not handed out again
 * before the hypervisor has unmapped them.
 *
 * The unmap goes straight to xpi_hypercall() rather than through a batch:
 * the batch would look each BFN up again to coalesce, and a drain's
 * extents are already whole.  The bookkeeping is the batch's (tracker,
 * allocator, handle counters).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/growth.h"
#include "invalidate-ring.h"
#include "private.h"
#include "tracker.h"

#define FLUSH_ALL_DATA UINT64_MAX
#define DRAIN_MAX (XPI_RING_SLOTS + XPI_LISTENER_MAX_VCPUS)
#define NO_VCPU 0xffffu

enum item_kind {
	/* A page take_bfn() handled inline: the drain's next op and its
	 * tracker record say it all (the event is built for the callback). */
	ITEM_FAST,
	/* Any other invalidated BFN: the event is in u.ev. */
	ITEM_BFN,
	ITEM_FLUSH,
	ITEM_OTHER,
};

struct item {
	union {
		struct xpi_invalidate_event ev;
		struct xpi_ioreq_info req;
	} u;
	uint8_t kind;
	uint8_t sync;
	uint16_t vcpu;	/* synchronous slot to complete, or NO_VCPU */
	uint8_t has_op; /* ITEM_BFN: it wrote the drain's next op */
};

struct xpi_listener {
	struct xpi_handle *h;
	struct xpi_listener_config cfg;
	struct xpi_listener_stats st;

	int attached;
	/* The attached server through the transport's ioreq ops; the
	 * drain reads these copies of its fields. */
	struct xpi_ioreq_port port;
	uint16_t domid, ioserver;
	unsigned int nr_vcpus;
	void *buf;
	unsigned char *sync;
	int fd;

	/* One drain (see the top of this file). */
	struct item it[DRAIN_MAX];
	unsigned int nit;
	unsigned int nsync;		  /* items with a slot to complete */
	unsigned int nops;		  /* unmap ops written */
	uint16_t domid_now, ioserver_now; /* the server being drained */
	unsigned int malformed;		  /* 1- or 2-byte INVALIDATEs, to log */
	struct pv_iommu_op ops[DRAIN_MAX];
	uint64_t val[DRAIN_MAX];   /* each op's tracker record (tracker.h) */
	uint64_t freed[DRAIN_MAX]; /* BFNs going back to the allocator */
	unsigned int nsp;	   /* superpage ops, ... */
	uint16_t sp[DRAIN_MAX];	   /* ... their indices in ops[] */
};

XPI_EXPORT void xpi_listener_config_init(struct xpi_listener_config *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->size = sizeof(*cfg);
	cfg->budget = XPI_LISTENER_DEFAULT_BUDGET;
}

XPI_EXPORT int xpi_listener_new(xpi_handle *h,
				const struct xpi_listener_config *cfg,
				struct xpi_listener **out)
{
	struct xpi_listener_config c;
	struct xpi_listener *l;

	if (out)
		*out = NULL;
	if (!h)
		return -EINVAL;
	xpi_listener_config_init(&c);
	/* Read only as far as the caller's size (common/growth.h). */
	if (cfg && xpi_copy_in(&c, sizeof(c), XPI_LISTENER_CONFIG_SIZE_1_0, cfg,
			       cfg->size)) {
		xpi_err(h, -1,
			"xpi_listener_new: a config of %zu bytes (this library"
			" knows %zu)",
			cfg->size, sizeof(c));
		return -EINVAL;
	}
	cfg = &c;
	if (!out || (cfg->flags & ~XPI_LISTENER_MANUAL_UNMAP) ||
	    cfg->budget == 0) {
		xpi_err(h, -1,
			"xpi_listener_new: NULL out, or bad config (flags 0x%x,"
			" budget %u)",
			cfg->flags, cfg->budget);
		return -EINVAL;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->h = h;
	l->cfg = *cfg;
	l->fd = -1;
	*out = l;
	return 0;
}

static void detach(struct xpi_listener *l)
{
	if (l->attached && l->h->tops->ioreq && l->h->tops->ioreq->detach)
		l->h->tops->ioreq->detach(l->h, &l->port);
	memset(&l->port, 0, sizeof(l->port));
	l->port.fd = -1;
	l->attached = 0;
	l->buf = NULL;
	l->sync = NULL;
	l->fd = -1;
}

XPI_EXPORT void xpi_listener_free(struct xpi_listener *l)
{
	if (!l)
		return;
	detach(l);
	free(l);
}

XPI_EXPORT int xpi_listener_attach(struct xpi_listener *l, uint16_t domid,
				   uint16_t ioserver, unsigned int nr_vcpus)
{
	int rc;

	if (!l)
		return -EINVAL;
	if (nr_vcpus == 0 || nr_vcpus > XPI_LISTENER_MAX_VCPUS ||
	    domid >= XPI_DOMID_FIRST_RESERVED) {
		xpi_err(l->h, -1,
			"xpi_listener_attach: bad domid %u or nr_vcpus %u",
			domid, nr_vcpus);
		return -EINVAL;
	}
	if (l->attached) {
		xpi_err(l->h, -1, "xpi_listener_attach: attached already");
		return -EBUSY;
	}
	l->domid = domid;
	l->ioserver = ioserver;
	l->nr_vcpus = nr_vcpus;
	memset(&l->port, 0, sizeof(l->port));
	l->port.domid = domid;
	l->port.ioserver = ioserver;
	l->port.nr_vcpus = nr_vcpus;
	l->port.fd = -1;
	if (!l->h->tops->ioreq) {
		xpi_err(l->h, -1,
			"listener: the %s transport has no ioreq"
			" servers",
			l->h->tops->name);
		return -EOPNOTSUPP;
	}
	rc = l->h->tops->ioreq->attach(l->h, &l->port);
	if (rc)
		return rc;
	l->buf = l->port.buf;
	l->sync = l->port.sync;
	l->fd = l->port.fd;
	l->attached = 1;
	xpi_dbg(l->h, "listener: attached to ioreq server %u of domain %u",
		ioserver, domid);
	return 0;
}

XPI_EXPORT int xpi_listener_fd(const struct xpi_listener *l)
{
	if (!l)
		return -EINVAL;
	return l->attached ? l->fd : -ENOTCONN;
}

XPI_EXPORT int xpi_listener_get_stats_sized(const struct xpi_listener *l,
					    struct xpi_listener_stats *stats,
					    size_t size)
{
	if (!l || !stats)
		return -EINVAL;
	if (xpi_copy_out(stats, size, XPI_LISTENER_STATS_SIZE_1_0, &l->st,
			 sizeof(l->st))) {
		xpi_err(l->h, -1,
			"xpi_listener_get_stats: a struct of %zu bytes (this"
			" library knows %zu)",
			size, sizeof(l->st));
		return -EINVAL;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* One drain                                                           */
/* ------------------------------------------------------------------ */

/*
 * A BFN the tracker no longer has: is it in a superpage extent this drain
 * took out already?  The op's index, or -1.
 */
static int taken_superpage(const struct xpi_listener *l,
			   const struct pv_iommu_op *ops_end, uint64_t bfn)
{
	for (unsigned int i = 0; i < l->nsp; i++) {
		const struct pv_iommu_op *op = &l->ops[l->sp[i]];
		uint64_t base = op->u.unmap_foreign_page.bfn;
		unsigned int order = pv_iommu_flags_order(op->flags);

		if (op < ops_end && bfn - base < (UINT64_C(1) << order))
			return l->sp[i];
	}
	return -1;
}

/*
 * The state of one drain's first pass (under h->lock), copied into a local
 * by each function that takes items, so that it stays in registers.
 */
struct pass {
	struct item *it;	    /* the next item */
	unsigned int nops;	    /* unmap ops written */
	struct xpi_tracker_pass tp; /* the tracker's side of the pass */
	int manual;		    /* XPI_LISTENER_MANUAL_UNMAP */
	uint16_t domid, ioserver;
	struct pv_iommu_op op_tmpl; /* an order-0 unmap op of the server */
	uint64_t received, buffered, sync;
};

/* Under h->lock: start a drain of server (domid, ioserver). */
static void pass_begin(struct xpi_listener *l, struct pass *p, uint16_t domid,
		       uint16_t ioserver)
{
	p->it = l->it;
	p->nops = 0;
	p->manual = !!(l->cfg.flags & XPI_LISTENER_MANUAL_UNMAP);
	xpi_tracker_pass_begin(&l->h->tracker, &p->tp, domid, ioserver,
			       !p->manual);
	p->domid = domid;
	p->ioserver = ioserver;
	memset(&p->op_tmpl, 0, sizeof(p->op_tmpl));
	p->op_tmpl.subop_id = IOMMUOP_unmap_foreign_page;
	p->op_tmpl.u.unmap_foreign_page.ioserver = ioserver;
	p->received = p->buffered = p->sync = 0;
	l->domid_now = domid;
	l->ioserver_now = ioserver;
	l->nsync = 0;
	l->nsp = 0;
}

/* Under h->lock: the items are in. */
static void pass_end(struct xpi_listener *l, const struct pass *p)
{
	l->nit = (unsigned int)(p->it - l->it);
	l->nops = p->nops;
	xpi_tracker_pass_end(&p->tp);
	l->st.received += p->received;
	l->st.buffered += p->buffered;
	l->st.sync += p->sync;
}

static inline struct item *push(struct pass *p, enum item_kind kind, int sync,
				unsigned int vcpu)
{
	struct item *it = p->it++;

	it->kind = (uint8_t)kind;
	it->sync = (uint8_t)sync;
	it->vcpu = (uint16_t)vcpu;
	return it;
}

/*
 * Under h->lock: what the tracker knows of ev->bfn and, with automatic
 * unmapping, its extent out of the tracker and its unmap op (once per
 * extent).  Every case; take_bfn() does the common one inline.
 */
static __attribute__((noinline)) void take_bfn_slow(struct xpi_listener *l,
						    struct pass *p,
						    struct item *it,
						    uint64_t bfn)
{
	struct xpi_invalidate_event *ev = &it->u.ev;
	struct xpi_mapping *m = &ev->mapping;
	struct pv_iommu_op *op;
	unsigned int order;
	uint64_t s, base;
	int i, rc;

	it->kind = ITEM_BFN;
	it->has_op = 0;
	ev->bfn = bfn;
	ev->domid = p->domid;
	ev->ioserver = p->ioserver;
	ev->sync = it->sync;
	/* Out of the tracker now (automatic unmapping); back in if the
	 * unmap fails. */
	rc = xpi_tracker_pass_take(&p->tp, bfn, p->manual, &s, &order);
	if (rc == -ENOENT)
		goto gone;
	if (rc)
		goto unknown;
	base = bfn & ~((UINT64_C(1) << order) - 1);
	xpi_tracker_unpack(&l->h->tracker, base, order, s, m);
	ev->known = 1;
	ev->will_unmap = (uint8_t)!p->manual;
	if (p->manual)
		return;
	if (order)
		l->sp[l->nsp++] = (uint16_t)p->nops;
	op = &l->ops[p->nops];
	memset(op, 0, sizeof(*op));
	op->subop_id = IOMMUOP_unmap_foreign_page;
	op->flags = (uint16_t)(order << IOMMU_page_order_shift);
	op->u.unmap_foreign_page.bfn = base;
	op->u.unmap_foreign_page.ioserver = p->ioserver;
	l->val[p->nops++] = s;
	it->has_op = 1;
	return;
gone:
	/* A superpage extent this drain took out already ends here too. */
	i = l->nsp && !p->manual ? taken_superpage(l, &l->ops[p->nops], bfn)
				 : -1;
	if (i >= 0) {
		s = l->val[i];
		order = pv_iommu_flags_order(l->ops[i].flags);
		xpi_tracker_unpack(&l->h->tracker,
				   l->ops[i].u.unmap_foreign_page.bfn, order, s,
				   m);
		ev->known = 1;
		ev->will_unmap = 1;
		return;
	}
unknown:
	/* Another server's record holds the BFN in the map: this server's
	 * lookup of the same page is in the tracker's shared table. */
	if (xpi_tracker_pass_take_shared(&l->h->tracker, &p->tp, bfn, p->manual,
					 &s) == 0) {
		xpi_tracker_unpack(&l->h->tracker, bfn, 0, s, m);
		ev->known = 1;
		ev->will_unmap = (uint8_t)!p->manual;
		if (p->manual)
			return;
		op = &l->ops[p->nops];
		*op = p->op_tmpl;
		op->u.unmap_foreign_page.bfn = bfn;
		l->val[p->nops++] = s;
		it->has_op = 1;
		return;
	}
	/* Not mapped through this handle, or not this server's. */
	ev->known = 0;
	ev->will_unmap = 0;
	memset(m, 0, sizeof(*m));
}

/*
 * Under h->lock: an invalidated BFN as the drain's next item.  Inline: a
 * page of this server in the tracker leaf met last, unmapped
 * automatically, its leaf staying in use; the rest is take_bfn_slow().
 */
static inline __attribute__((always_inline)) void
take_bfn(struct xpi_listener *l, struct pass *p, uint64_t bfn)
{
	struct item *it = push(p, ITEM_FAST, 0, NO_VCPU);

	if (__builtin_expect(xpi_tracker_take_page(&p->tp, bfn,
						   &l->val[p->nops]),
			     1)) {
		struct pv_iommu_op *op = &l->ops[p->nops++];

		*op = p->op_tmpl;
		op->u.unmap_foreign_page.bfn = bfn;
		return;
	}
	/* Through a copy, so that the caller's pass stays in registers. */
	{
		struct pass q = *p;

		take_bfn_slow(l, &q, it, bfn);
		*p = q;
	}
}

/* Under h->lock: a buffered ring's entries as the drain's items. */
static int take_ring(struct xpi_listener *l, struct pass *pp, void *page,
		     unsigned int max, struct xpi_ring_result *res)
{
	struct pass p = *pp;
	struct xpi_ring_cursor c;
	struct xpi_ring_entry e;
	int rc = xpi_ring_open(page, &c, res);

	while (rc == 0 && c.entries < max) {
		unsigned int span = xpi_ring_span(&c), k = 0, n;
		struct item *it;

		/* The hot loop: 8-byte INVALIDATEs up to the next wrap. */
		if (span > 2 * (max - c.entries))
			span = 2 * (max - c.entries);
		while (k + 2 <= span) {
			uint64_t v = xpi_ring_slot(&c, k), v2;

			if ((uint32_t)v != XPI_RING_INVALIDATE8)
				break;
			/* Xen writes the same first four bytes in both. */
			v2 = xpi_ring_slot(&c, k + 1);
			if ((uint32_t)v2 != XPI_RING_INVALIDATE8)
				break;
			take_bfn(l, &p, xpi_ring_value8(v, v2));
			k += 2;
		}
		if (k) {
			n = k / 2;
			xpi_ring_consume(&c, k, n);
			p.received += n;
			p.buffered += n;
			continue;
		}
		rc = xpi_ring_next(&c, &e, res);
		if (rc <= 0)
			break;
		rc = 0;
		if (__builtin_expect(e.type == XPI_IOREQ_TYPE_INVALIDATE, 1)) {
			p.received++;
			p.buffered++;
			if (__builtin_expect(e.size < 4, 0)) {
				/* Xen writes 4 or 8 bytes; taken at its size
				 * all the same, never dropped. */
				e.data &= (UINT64_C(1) << (8 * e.size)) - 1;
				l->st.malformed++;
				l->malformed++;
			}
			take_bfn(l, &p, e.data);
			continue;
		}
		/* PIO, COPY, TIMEOFFSET (8 bytes, the guest set its RTC),
		 * PCI_CONFIG: for the ioreq callback. */
		it = push(&p, ITEM_OTHER, 0, NO_VCPU);
		memset(&it->u.req, 0, sizeof(it->u.req));
		it->u.req.addr = e.addr;
		it->u.req.data = e.data;
		it->u.req.count = 1;
		it->u.req.size = e.size;
		it->u.req.type = e.type;
		it->u.req.dir = e.dir;
		it->u.req.buffered = 1;
	}
	xpi_ring_close(&c, res, rc < 0);
	if (rc == -EPROTO)
		l->st.resyncs++;
	*pp = p;
	return rc;
}

/* Without h->lock: what take_ring() found wrong, in the log. */
static void log_ring(struct xpi_listener *l, int rc, uint16_t domid,
		     uint16_t ioserver, const struct xpi_ring_result *res)
{
	if (l->malformed)
		xpi_warn(l->h, -1,
			 "listener: %u buffered INVALIDATE(s) of server %u/%u"
			 " of 1 or 2 bytes (Xen writes 4 or 8): taken as BFNs"
			 " of that size",
			 l->malformed, domid, ioserver);
	l->malformed = 0;
	if (rc == -EPROTO)
		xpi_err(l->h, -1,
			"listener: corrupt buffered ring of server %u/%u (%s at"
			" pointer %" PRIu32 ", read %" PRIu32 " write %" PRIu32
			"): %u entries read, the rest dropped (resync)",
			domid, ioserver, xpi_ring_fault_name(res->fault),
			res->fault_pointer, res->read_pointer,
			res->write_pointer, res->entries);
}

/* Under h->lock: one synchronous ioreq (Xen's ioreq_t at r) as an item. */
static void take_ioreq(struct xpi_listener *l, struct pass *pp,
		       const unsigned char *r, unsigned int vcpu)
{
	struct pass p = *pp;
	uint64_t data;
	struct item *it;

	memcpy(&data, r + XPI_IOREQ_OFF_DATA, sizeof(data));
	if (r[XPI_IOREQ_OFF_TYPE] == XPI_IOREQ_TYPE_INVALIDATE) {
		p.received++;
		if (data == FLUSH_ALL_DATA) {
			push(&p, ITEM_FLUSH, 1, vcpu);
		} else {
			p.sync++;
			take_bfn_slow(l, &p, push(&p, ITEM_BFN, 1, vcpu), data);
		}
		*pp = p;
		return;
	}
	it = push(&p, ITEM_OTHER, 1, vcpu);
	memset(&it->u.req, 0, sizeof(it->u.req));
	memcpy(&it->u.req.addr, r + XPI_IOREQ_OFF_ADDR, 8);
	it->u.req.data = data;
	memcpy(&it->u.req.count, r + XPI_IOREQ_OFF_COUNT, 4);
	memcpy(&it->u.req.size, r + XPI_IOREQ_OFF_SIZE, 4);
	it->u.req.type = r[XPI_IOREQ_OFF_TYPE];
	it->u.req.data_is_ptr = (r[XPI_IOREQ_OFF_BITS] >> 4) & 1;
	it->u.req.dir = (r[XPI_IOREQ_OFF_BITS] >> 5) & 1;
	it->u.req.df = (r[XPI_IOREQ_OFF_BITS] >> 6) & 1;
	it->u.req.vcpu = vcpu;
	*pp = p;
}

static void callbacks(struct xpi_listener *l)
{
	const struct xpi_listener_config *c = &l->cfg;
	void (*invalidate)(void *,
			   const struct xpi_invalidate_event *) = c->invalidate;
	void *opaque = c->opaque;
	struct xpi_invalidate_event ev;
	struct item *it = l->it, *end = it + l->nit;
	unsigned int i = 0; /* the next op: ITEM_FAST's, or an ITEM_BFN's */
	uint64_t slow = 0, handled = 0;

	/* ITEM_FAST events (from the ring): what all of them share. */
	memset(&ev, 0, sizeof(ev));
	ev.domid = ev.mapping.domid = l->domid_now;
	ev.ioserver = ev.mapping.ioserver = l->ioserver_now;
	ev.known = 1;
	ev.will_unmap = 1;
	for (; it < end; it++) {
		if (__builtin_expect(it->kind == ITEM_FAST, 1)) {
			uint64_t s = l->val[i];

			ev.bfn = ev.mapping.bfn =
				l->ops[i].u.unmap_foreign_page.bfn;
			ev.mapping.gfn = xpi_tracker_rec_gfn(s);
			xpi_tracker_rec_tail(s, &ev.mapping);
			i++;
			if (invalidate)
				invalidate(opaque, &ev);
			continue;
		}
		slow++;
		switch (it->kind) {
		case ITEM_BFN:
			handled++;
			i += it->has_op;
			if (__builtin_expect(!it->u.ev.known, 0)) {
				l->st.unknown++;
				xpi_warn(l->h, -1,
					 "listener: invalidated BFN 0x%" PRIx64
					 " of server %u/%u is not a mapping of"
					 " this server (unknown)",
					 it->u.ev.bfn, it->u.ev.domid,
					 it->u.ev.ioserver);
			}
			if (invalidate)
				invalidate(opaque, &it->u.ev);
			break;
		case ITEM_FLUSH:
			l->st.flush_alls++;
			if (c->flush_all)
				c->flush_all(opaque, l->domid, l->ioserver);
			break;
		default:
			l->st.other++;
			if (c->ioreq)
				c->ioreq(opaque, &it->u.req);
			else if (it->u.req.dir && !it->u.req.data_is_ptr)
				it->u.req.data = UINT64_MAX;
			break;
		}
	}
	/* Every item that is not ITEM_BFN, FLUSH or OTHER is ITEM_FAST. */
	l->st.handled += handled + (l->nit - slow);
}

/*
 * Unmap the drain's extents (out of the tracker since the first pass):
 * the BFNs the hypervisor unmapped go back to the allocator, the extents
 * it did not go back into the tracker.
 */
static int unmap_ops(struct xpi_listener *l)
{
	struct xpi_handle *h = l->h;
	const struct pv_iommu_op *ops = l->ops;
	unsigned int nops = l->nops, sent = 0, errors = 0, lost = 0, i = 0;
	int rc = 0;

	while (sent < nops) {
		unsigned int cnt = nops - sent < h->max_batch_ops
					   ? nops - sent
					   : h->max_batch_ops;

		rc = xpi_hypercall(h, l->ops + sent, cnt);
		l->st.hypercalls++;
		if (rc)
			break;
		sent += cnt;
	}
	/*
	 * Unmapped single BFNs from the allocator go back to it in one call
	 * (superpage runs below, without the lock); stop at the first op the
	 * hypervisor refused.
	 */
	{
		uint64_t *dst = l->freed;
		size_t k = 0;

		for (; i < sent && ops[i].status == 0; i++) {
			dst[k] = ops[i].u.unmap_foreign_page.bfn;
			k += (size_t)xpi_tracker_rec_single_allocated(
				l->val[i]);
		}
		pthread_mutex_lock(&h->lock);
		if (__builtin_expect(xpi_bfn_give_back_locked(&h->bfn, dst,
							      k) != 0,
				     0))
			i = 0; /* no room: one by one below */
	}
	for (; i < nops; i++) {
		const struct pv_iommu_op *op = &ops[i];
		uint64_t base = op->u.unmap_foreign_page.bfn, s = l->val[i];

		if (i >= sent || op->status != 0) {
			/* Still mapped: tracked again. */
			errors += i < sent;
			if (xpi_tracker_put_back(&h->tracker, base,
						 pv_iommu_flags_order(
							 op->flags),
						 s))
				lost++;
		} else if (xpi_tracker_rec_single_allocated(s)) {
			if (xpi_bfn_give_back_locked(&h->bfn, &base, 1))
				lost++;
		}
	}
	h->stats.ops += sent;
	h->stats.ops_by_subop[IOMMUOP_unmap_foreign_page] += sent;
	h->stats.errors += errors;
	pthread_mutex_unlock(&h->lock);
	for (unsigned int j = 0; j < l->nsp; j++) {
		const struct pv_iommu_op *op = &ops[l->sp[j]];

		if (l->sp[j] < sent && op->status == 0 &&
		    xpi_tracker_rec_allocated(l->val[l->sp[j]]))
			xpi_bfn_free(h, op->u.unmap_foreign_page.bfn,
				     UINT64_C(1) << pv_iommu_flags_order(
					     op->flags));
	}
	if (lost)
		xpi_err(h, ENOMEM,
			"listener: %u BFN(s) lost their tracker record or"
			" their place in the allocator",
			lost);
	l->st.unmaps += sent - errors;
	l->st.unmap_errors += errors;
	for (i = 0; errors && i < sent; i++)
		if (ops[i].status)
			xpi_warn(h, -ops[i].status,
				 "listener: unmapping BFN 0x%" PRIx64
				 " failed; it stays tracked",
				 ops[i].u.unmap_foreign_page.bfn);
	if (rc)
		xpi_err(h, -rc,
			"listener: the unmap hypercall failed; %u BFN(s) stay"
			" mapped and tracked",
			nops - sent);
	return rc;
}

/* Complete the drain's synchronous ioreqs (attached mode). */
static int complete(struct xpi_listener *l)
{
	uint16_t done[XPI_LISTENER_MAX_VCPUS];
	unsigned int ndone = 0;
	int rc = 0;

	if (!l->nsync)
		return 0;
	for (unsigned int i = 0; i < l->nit; i++) {
		struct item *it = &l->it[i];
		unsigned char *r;
		uint8_t bits;

		if (it->vcpu == NO_VCPU)
			continue;
		r = l->sync + (size_t)it->vcpu * XPI_IOREQ_SIZE;
		/* A read's result; with data_is_ptr, data is the guest
		 * address of the buffer and stays as Xen wrote it. */
		if (it->kind == ITEM_OTHER && it->u.req.dir &&
		    !it->u.req.data_is_ptr)
			memcpy(r + XPI_IOREQ_OFF_DATA, &it->u.req.data, 8);
		bits = (uint8_t)((r[XPI_IOREQ_OFF_BITS] & 0xf0) |
				 XPI_IOREQ_STATE_RESP_READY);
		__atomic_store_n(&r[XPI_IOREQ_OFF_BITS], bits,
				 __ATOMIC_RELEASE);
		l->st.completions++;
		if (ndone < XPI_LISTENER_MAX_VCPUS)
			done[ndone++] = it->vcpu;
	}
	if (ndone)
		rc = l->h->tops->ioreq->notify(l->h, &l->port, done, ndone);
	if (rc)
		xpi_err(l->h, -rc, "listener: notifying server %u/%u failed",
			l->domid, l->ioserver);
	return rc;
}

/* The items are in (h->lock released): callbacks, then the unmap. */
static int finish(struct xpi_listener *l)
{
	callbacks(l);
	l->st.drains++;
	return l->nops ? unmap_ops(l) : 0;
}

/* ------------------------------------------------------------------ */
/* Library-owned ring                                                  */
/* ------------------------------------------------------------------ */

/* One drain of the attached server; returns the items handled. */
static int drain_once(struct xpi_listener *l, unsigned int max)
{
	uint16_t ready[XPI_LISTENER_MAX_VCPUS];
	unsigned int nready = 0, n;
	struct xpi_ring_result res;
	struct pass p;
	int rc;

	/* The synchronous slots first: every ring entry written before
	 * one was raised is then visible to the ring's acquire load. */
	for (unsigned int v = 0; v < l->nr_vcpus; v++) {
		uint8_t bits = __atomic_load_n(
			&l->sync[v * XPI_IOREQ_SIZE + XPI_IOREQ_OFF_BITS],
			__ATOMIC_ACQUIRE);

		if ((bits & 0xf) == XPI_IOREQ_STATE_READY)
			ready[nready++] = (uint16_t)v;
	}
	pthread_mutex_lock(&l->h->lock);
	pass_begin(l, &p, l->domid, l->ioserver);
	rc = take_ring(l, &p, l->buf,
		       max < XPI_RING_SLOTS ? max : XPI_RING_SLOTS, &res);
	/* Only an empty ring lets the synchronous ones go next. */
	if (rc == -EPROTO ||
	    res.slots == res.write_pointer - res.read_pointer) {
		for (unsigned int i = 0; i < nready; i++) {
			unsigned char *r = l->sync +
					   (size_t)ready[i] * XPI_IOREQ_SIZE;

			__atomic_store_n(&r[XPI_IOREQ_OFF_BITS],
					 (uint8_t)((r[XPI_IOREQ_OFF_BITS] &
						    0xf0) |
						   XPI_IOREQ_STATE_INPROCESS),
					 __ATOMIC_RELAXED);
			take_ioreq(l, &p, r, ready[i]);
		}
		l->nsync = nready;
	}
	pass_end(l, &p);
	pthread_mutex_unlock(&l->h->lock);
	log_ring(l, rc, l->domid, l->ioserver, &res);
	n = l->nit;
	if (!n)
		return 0;
	rc = finish(l);
	if (!rc)
		rc = complete(l);
	else
		complete(l);
	l->nit = 0;
	return rc ? rc : (int)n;
}

XPI_EXPORT int xpi_listener_dispatch(struct xpi_listener *l)
{
	unsigned int total = 0;
	int rc;

	if (!l)
		return -EINVAL;
	if (!l->attached) {
		xpi_err(l->h, -1, "xpi_listener_dispatch: not attached");
		return -ENOTCONN;
	}
	rc = l->h->tops->ioreq->ack(l->h, &l->port);
	if (rc) {
		xpi_err(l->h, -rc,
			"listener: reading the event channel failed");
		return rc;
	}
	while (total < l->cfg.budget) {
		rc = drain_once(l, l->cfg.budget - total);
		if (rc <= 0)
			break;
		total += (unsigned int)rc;
	}
	/* A resync was logged and counted in resyncs: the count stands. */
	return rc < 0 ? rc : (int)total;
}

/* ------------------------------------------------------------------ */
/* Emulator-owned loop                                                 */
/* ------------------------------------------------------------------ */

XPI_EXPORT int xpi_invalidate_ioreq(struct xpi_listener *l, uint16_t domid,
				    uint16_t ioserver, void *ioreq)
{
	const unsigned char *r = ioreq;
	struct pass p;
	int rc;

	if (!l || !ioreq) {
		if (l)
			xpi_err(l->h, -1, "xpi_invalidate_ioreq: NULL ioreq");
		return -EINVAL;
	}
	if (r[XPI_IOREQ_OFF_TYPE] != XPI_IOREQ_TYPE_INVALIDATE)
		return 0;
	pthread_mutex_lock(&l->h->lock);
	pass_begin(l, &p, domid, ioserver);
	take_ioreq(l, &p, r, NO_VCPU);
	pass_end(l, &p);
	pthread_mutex_unlock(&l->h->lock);
	if (l->it[0].kind == ITEM_FLUSH) {
		const struct xpi_listener_config *c = &l->cfg;

		/* The flush-all names the server it came to. */
		l->st.flush_alls++;
		if (c->flush_all)
			c->flush_all(c->opaque, domid, ioserver);
		l->nit = 0;
		return 1;
	}
	rc = finish(l);
	l->nit = 0;
	return rc ? rc : 1;
}

XPI_EXPORT int xpi_invalidate_buffered(struct xpi_listener *l, uint16_t domid,
				       uint16_t ioserver, void *page)
{
	struct xpi_ring_result res;
	struct pass p;
	int rc, n;

	if (!l || !page) {
		if (l)
			xpi_err(l->h, -1, "xpi_invalidate_buffered: NULL page");
		return -EINVAL;
	}
	pthread_mutex_lock(&l->h->lock);
	pass_begin(l, &p, domid, ioserver);
	rc = take_ring(l, &p, page, XPI_RING_SLOTS, &res);
	pass_end(l, &p);
	pthread_mutex_unlock(&l->h->lock);
	log_ring(l, rc, domid, ioserver, &res);
	n = (int)l->nit;
	if (n) {
		int urc = finish(l);

		if (urc)
			rc = urc;
	}
	l->nit = 0;
	/* A resync (rc -EPROTO) was logged and counted in resyncs. */
	return rc < 0 && rc != -EPROTO ? rc : n;
}
