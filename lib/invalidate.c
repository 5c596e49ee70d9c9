// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The IOREQ invalidate listener (include/xenpviommu/listener.h).
 *
 * One drain: read the buffered ring, then the synchronous slots that were
 * ready before the ring was read (Xen fills the ring before it falls back
 * to a synchronous ioreq, so this keeps the server's order); look every
 * BFN up in the tracker under one lock; run the callbacks in order; unmap
 * the known extents, each once, in one hypercall per max_batch_ops; then
 * complete the synchronous ioreqs and notify.
 *
 * The unmap goes straight to xpi_hypercall() rather than through a batch:
 * the batch would look each BFN up again to coalesce, and a drain's
 * extents are already whole.  The bookkeeping is the batch's (tracker,
 * allocator, handle counters).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if HAVE_XEN
/* xendevicemodel.h needs the tools' view of the public headers. */
#define __XEN_TOOLS__ 1
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#endif

#include "invalidate-ring.h"
#include "private.h"

#define RESOURCE_IOREQ_SERVER 0 /* XENMEM_resource_ioreq_server */
#define FLUSH_ALL_DATA UINT64_MAX
#define DRAIN_MAX (XPI_RING_SLOTS + XPI_LISTENER_MAX_VCPUS)
#define SEEN_SLOTS 2048u /* > 2 * DRAIN_MAX, a power of two */
#define NO_VCPU 0xffffu

enum item_kind {
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
	uint16_t vcpu; /* synchronous slot to complete, or NO_VCPU */
};

/* Extent starts unmapped in this drain: valid when gen matches. */
struct seen {
	uint64_t bfn;
	uint32_t gen;
};

struct xpi_listener {
	struct xpi_handle *h;
	struct xpi_listener_config cfg;
	struct xpi_listener_stats st;

	int attached;
	int sim;
	uint16_t domid, ioserver;
	unsigned int nr_vcpus;
	void *buf;
	unsigned char *sync;
	int fd;
#if HAVE_XEN
	xendevicemodel_handle *dmod;
	xenforeignmemory_handle *fmem;
	xenforeignmemory_resource_handle *fres;
	xenevtchn_handle *xce;
	evtchn_port_t buf_port;
	evtchn_port_t *vcpu_port;
#endif

	struct item it[DRAIN_MAX];
	unsigned int nit;
	unsigned int nsync; /* items with a slot to complete */
	struct xpi_ring_entry ring[XPI_RING_SLOTS];
	struct pv_iommu_op ops[DRAIN_MAX];
	struct xpi_mapping um[DRAIN_MAX];
	struct seen seen[SEEN_SLOTS];
	uint32_t gen;
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
	struct xpi_listener_config defaults;
	struct xpi_listener *l;

	if (out)
		*out = NULL;
	if (!h)
		return -EINVAL;
	if (!cfg) {
		xpi_listener_config_init(&defaults);
		cfg = &defaults;
	}
	if (!out || cfg->size != sizeof(*cfg) ||
	    (cfg->flags & ~XPI_LISTENER_MANUAL_UNMAP) || cfg->budget == 0) {
		xpi_err(h, -1,
			"xpi_listener_new: NULL out, or bad config (size %zu,"
			" flags 0x%x, budget %u)",
			cfg->size, cfg->flags, cfg->budget);
		return -EINVAL;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->h = h;
	l->cfg = *cfg;
	l->fd = -1;
	l->gen = 1;
	*out = l;
	return 0;
}

static void detach(struct xpi_listener *l)
{
#if HAVE_XEN
	if (l->xce) {
		if (l->vcpu_port)
			for (unsigned int v = 0; v < l->nr_vcpus; v++)
				if (l->vcpu_port[v])
					xenevtchn_unbind(l->xce,
							 l->vcpu_port[v]);
		if (l->buf_port)
			xenevtchn_unbind(l->xce, l->buf_port);
		xenevtchn_close(l->xce);
	}
	free(l->vcpu_port);
	if (l->fres)
		xenforeignmemory_unmap_resource(l->fmem, l->fres);
	if (l->fmem)
		xenforeignmemory_close(l->fmem);
	if (l->dmod)
		xendevicemodel_close(l->dmod);
	l->xce = NULL;
	l->vcpu_port = NULL;
	l->buf_port = 0;
	l->fres = NULL;
	l->fmem = NULL;
	l->dmod = NULL;
#endif
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

static int attach_sim(struct xpi_listener *l)
{
	struct xpi_handle *h = l->h;
	void *buf, *sync;
	int rc;

	rc = xpi_sim_ioreq_server_pages(h->sim, l->domid, l->ioserver, &buf,
					&sync);
	if (rc >= 0)
		rc = xpi_sim_ioreq_server_evtchn_fd(h->sim, l->domid,
						    l->ioserver);
	if (rc < 0) {
		xpi_err(h, -rc, "listener: no ioreq server %u of domain %u",
			l->ioserver, l->domid);
		return rc;
	}
	l->buf = buf;
	l->sync = sync;
	l->fd = rc;
	l->sim = 1;
	return 0;
}

#if HAVE_XEN
static int xen_fail(struct xpi_listener *l, const char *what)
{
	int err = errno ? errno : EIO;

	xpi_err(l->h, err, "listener: %s for ioreq server %u of domain %u",
		what, l->ioserver, l->domid);
	detach(l);
	return -err;
}

static int attach_xen(struct xpi_listener *l)
{
	struct xentoollog_logger *lg = l->h->logger;
	unsigned long sync_pages =
		(l->nr_vcpus * XPI_IOREQ_SIZE + XPI_RING_PAGE_SIZE - 1) /
		XPI_RING_PAGE_SIZE;
	evtchn_port_t port;
	void *addr = NULL;
	xenevtchn_port_or_error_t lp;

	errno = 0;
	l->dmod = xendevicemodel_open((xentoollog_logger *)lg, 0);
	if (!l->dmod)
		return xen_fail(l, "xendevicemodel_open");
	if (xendevicemodel_get_ioreq_server_info(l->dmod, l->domid,
						 l->ioserver, NULL, NULL,
						 &port))
		return xen_fail(l, "xendevicemodel_get_ioreq_server_info");
	l->fmem = xenforeignmemory_open((xentoollog_logger *)lg, 0);
	if (!l->fmem)
		return xen_fail(l, "xenforeignmemory_open");
	/* Frame 0: the buffered page; frames 1..: the synchronous ioreqs. */
	l->fres = xenforeignmemory_map_resource(
		l->fmem, l->domid, RESOURCE_IOREQ_SERVER, l->ioserver, 0,
		1 + sync_pages, &addr, PROT_READ | PROT_WRITE, 0);
	if (!l->fres)
		return xen_fail(l, "xenforeignmemory_map_resource");
	l->buf = addr;
	l->sync = (unsigned char *)addr + XPI_RING_PAGE_SIZE;
	l->xce = xenevtchn_open((xentoollog_logger *)lg, 0);
	if (!l->xce)
		return xen_fail(l, "xenevtchn_open");
	lp = xenevtchn_bind_interdomain(l->xce, l->domid, port);
	if (lp < 0)
		return xen_fail(l, "binding the buffered event channel");
	l->buf_port = (evtchn_port_t)lp;
	l->vcpu_port = calloc(l->nr_vcpus, sizeof(*l->vcpu_port));
	if (!l->vcpu_port) {
		detach(l);
		return -ENOMEM;
	}
	for (unsigned int v = 0; v < l->nr_vcpus; v++) {
		uint32_t remote;

		memcpy(&remote, l->sync + v * XPI_IOREQ_SIZE +
					XPI_IOREQ_OFF_VP_EPORT,
		       sizeof(remote));
		lp = xenevtchn_bind_interdomain(l->xce, l->domid, remote);
		if (lp < 0)
			return xen_fail(l, "binding a vCPU's event channel");
		l->vcpu_port[v] = (evtchn_port_t)lp;
	}
	l->fd = xenevtchn_fd(l->xce);
	return 0;
}
#endif

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
	if (l->h->tops->backend == XPI_BACKEND_SIM) {
		rc = attach_sim(l);
	} else {
#if HAVE_XEN
		rc = attach_xen(l);
#else
		xpi_err(l->h, -1,
			"listener: the %s backend needs the Xen libraries,"
			" which this library was built without",
			l->h->tops->name);
		rc = -EOPNOTSUPP;
#endif
	}
	if (rc)
		return rc;
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

XPI_EXPORT int xpi_listener_get_stats(const struct xpi_listener *l,
				      struct xpi_listener_stats *stats)
{
	if (!l || !stats)
		return -EINVAL;
	*stats = l->st;
	return 0;
}

/* ------------------------------------------------------------------ */
/* One drain                                                           */
/* ------------------------------------------------------------------ */

static struct item *push(struct xpi_listener *l, enum item_kind kind,
			 int sync, unsigned int vcpu)
{
	struct item *it = &l->it[l->nit++];

	it->kind = (uint8_t)kind;
	it->sync = (uint8_t)sync;
	it->vcpu = (uint16_t)vcpu;
	return it;
}

static void push_bfn(struct xpi_listener *l, uint16_t domid,
		     uint16_t ioserver, uint64_t bfn, int sync,
		     unsigned int vcpu)
{
	struct item *it = push(l, ITEM_BFN, sync, vcpu);

	it->u.ev.bfn = bfn;
	it->u.ev.domid = domid;
	it->u.ev.ioserver = ioserver;
	it->u.ev.sync = (uint8_t)sync;
}

/* Take the ring's entries as items; returns the parser's result. */
static int take_ring(struct xpi_listener *l, void *page, uint16_t domid,
		     uint16_t ioserver, unsigned int max,
		     struct xpi_ring_result *res)
{
	int rc = xpi_ring_drain(page, l->ring, max, res);

	for (unsigned int i = 0; i < res->entries; i++) {
		const struct xpi_ring_entry *e = &l->ring[i];
		struct item *it;

		if (__builtin_expect(e->type == XPI_IOREQ_TYPE_INVALIDATE, 1)) {
			l->st.received++;
			if (__builtin_expect(e->size >= 4, 1)) {
				l->st.buffered++;
				push_bfn(l, domid, ioserver, e->data, 0,
					 NO_VCPU);
				continue;
			}
			l->st.malformed++;
			xpi_warn(l->h, -1,
				 "listener: a %u-byte buffered INVALIDATE"
				 " (BFNs take 4 or 8): dropped",
				 e->size);
			continue;
		}
		it = push(l, ITEM_OTHER, 0, NO_VCPU);
		memset(&it->u.req, 0, sizeof(it->u.req));
		it->u.req.addr = e->addr;
		it->u.req.data = e->data;
		it->u.req.count = 1;
		it->u.req.size = e->size;
		it->u.req.type = e->type;
		it->u.req.dir = e->dir;
		it->u.req.buffered = 1;
	}
	if (rc == -EPROTO) {
		l->st.resyncs++;
		xpi_err(l->h, -1,
			"listener: corrupt buffered ring of server %u/%u (%s at"
			" pointer %" PRIu32 ", read %" PRIu32 " write %" PRIu32
			"): %u entries read, the rest dropped (resync)",
			domid, ioserver, xpi_ring_fault_name(res->fault),
			res->fault_pointer, res->read_pointer,
			res->write_pointer, res->entries);
	}
	return rc;
}

/* One synchronous ioreq (Xen's ioreq_t at r) as an item. */
static void take_ioreq(struct xpi_listener *l, const unsigned char *r,
		       uint16_t domid, uint16_t ioserver, unsigned int vcpu)
{
	uint64_t data;
	struct item *it;

	memcpy(&data, r + XPI_IOREQ_OFF_DATA, sizeof(data));
	if (r[XPI_IOREQ_OFF_TYPE] == XPI_IOREQ_TYPE_INVALIDATE) {
		l->st.received++;
		if (data == FLUSH_ALL_DATA) {
			push(l, ITEM_FLUSH, 1, vcpu);
			return;
		}
		l->st.sync++;
		push_bfn(l, domid, ioserver, data, 1, vcpu);
		return;
	}
	it = push(l, ITEM_OTHER, 1, vcpu);
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
}

/* 1 if the extent starting at bfn was met before in this drain. */
static int seen_before(struct xpi_listener *l, uint64_t bfn)
{
	uint32_t i = (uint32_t)((bfn * UINT64_C(0x9e3779b97f4a7c15)) >> 53);

	for (;; i = (i + 1) & (SEEN_SLOTS - 1)) {
		struct seen *s = &l->seen[i];

		if (s->gen != l->gen) {
			s->gen = l->gen;
			s->bfn = bfn;
			return 0;
		}
		if (s->bfn == bfn)
			return 1;
	}
}

/*
 * What the tracker knows of each BFN, under one lock; builds the unmap
 * ops (each extent once).  Returns the number of ops.
 */
static unsigned int look_up(struct xpi_listener *l)
{
	struct xpi_handle *h = l->h;
	int autounmap = !(l->cfg.flags & XPI_LISTENER_MANUAL_UNMAP);
	unsigned int nops = 0;

	pthread_mutex_lock(&h->lock);
	for (unsigned int i = 0; i < l->nit; i++) {
		struct xpi_invalidate_event *ev = &l->it[i].u.ev;
		struct xpi_mapping *m = &ev->mapping;
		struct pv_iommu_op *op;

		if (l->it[i].kind != ITEM_BFN)
			continue;
		ev->known = !xpi_tracker_find(&h->tracker, ev->bfn, m) &&
			    m->domid == ev->domid &&
			    m->ioserver == ev->ioserver;
		ev->will_unmap = (uint8_t)(ev->known && autounmap);
		if (!ev->will_unmap || seen_before(l, m->bfn))
			continue;
		op = &l->ops[nops];
		memset(op, 0, sizeof(*op));
		op->subop_id = IOMMUOP_unmap_foreign_page;
		op->flags = (uint16_t)((unsigned int)m->order
				       << IOMMU_page_order_shift);
		op->u.unmap_foreign_page.bfn = m->bfn;
		op->u.unmap_foreign_page.ioserver = m->ioserver;
		l->um[nops++] = *m;
	}
	pthread_mutex_unlock(&h->lock);
	l->gen++;
	if (__builtin_expect(l->gen == 0, 0)) {
		memset(l->seen, 0, sizeof(l->seen));
		l->gen = 1;
	}
	return nops;
}

static void callbacks(struct xpi_listener *l)
{
	const struct xpi_listener_config *c = &l->cfg;

	for (unsigned int i = 0; i < l->nit; i++) {
		struct item *it = &l->it[i];

		switch (it->kind) {
		case ITEM_BFN:
			l->st.handled++;
			if (__builtin_expect(!it->u.ev.known, 0)) {
				l->st.unknown++;
				xpi_warn(l->h, -1,
					 "listener: invalidated BFN 0x%" PRIx64
					 " of server %u/%u is not a mapping of"
					 " this server (unknown)",
					 it->u.ev.bfn, it->u.ev.domid,
					 it->u.ev.ioserver);
			}
			if (c->invalidate)
				c->invalidate(c->opaque, &it->u.ev);
			break;
		case ITEM_FLUSH:
			l->st.flush_alls++;
			if (c->flush_all)
				c->flush_all(c->opaque, l->domid, l->ioserver);
			break;
		default:
			l->st.other++;
			if (c->ioreq)
				c->ioreq(c->opaque, &it->u.req);
			else if (it->u.req.dir)
				it->u.req.data = UINT64_MAX;
			break;
		}
	}
}

/* Unmap the drain's extents; the tracker and allocator learn it. */
static int unmap_ops(struct xpi_listener *l, unsigned int nops)
{
	struct xpi_handle *h = l->h;
	unsigned int sent = 0;
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
	pthread_mutex_lock(&h->lock);
	for (unsigned int i = 0; i < sent; i++) {
		int st = l->ops[i].status;

		h->stats.ops++;
		h->stats.ops_by_subop[IOMMUOP_unmap_foreign_page]++;
		if (__builtin_expect(st == 0, 1)) {
			xpi_tracker_remove(&h->tracker, l->um[i].bfn, NULL);
			l->st.unmaps++;
			continue;
		}
		h->stats.errors++;
		l->st.unmap_errors++;
		l->um[i].allocated = 0;
	}
	pthread_mutex_unlock(&h->lock);
	for (unsigned int i = 0; i < sent; i++) {
		if (l->ops[i].status)
			xpi_warn(h, -l->ops[i].status,
				 "listener: unmapping BFN 0x%" PRIx64 " failed",
				 l->um[i].bfn);
		else if (l->um[i].allocated)
			xpi_bfn_free(h, l->um[i].bfn,
				     UINT64_C(1) << l->um[i].order);
	}
	if (rc)
		xpi_err(h, -rc,
			"listener: the unmap hypercall failed; %u BFN(s) stay"
			" mapped",
			nops - sent);
	return rc;
}

/* Complete the drain's synchronous ioreqs (attached mode). */
static int complete(struct xpi_listener *l)
{
	int any = 0, rc = 0;

	if (!l->nsync)
		return 0;
	for (unsigned int i = 0; i < l->nit; i++) {
		struct item *it = &l->it[i];
		unsigned char *r;
		uint8_t bits;

		if (it->vcpu == NO_VCPU)
			continue;
		r = l->sync + (size_t)it->vcpu * XPI_IOREQ_SIZE;
		if (it->kind == ITEM_OTHER && it->u.req.dir)
			memcpy(r + XPI_IOREQ_OFF_DATA, &it->u.req.data, 8);
		bits = (uint8_t)((r[XPI_IOREQ_OFF_BITS] & 0xf0) |
				 XPI_IOREQ_STATE_RESP_READY);
		__atomic_store_n(&r[XPI_IOREQ_OFF_BITS], bits,
				 __ATOMIC_RELEASE);
		l->st.completions++;
		any = 1;
#if HAVE_XEN
		if (!l->sim && xenevtchn_notify(l->xce, l->vcpu_port[it->vcpu]))
			rc = -errno;
#endif
	}
	if (any && l->sim)
		rc = xpi_sim_ioreq_notify(l->h->sim, l->domid, l->ioserver);
	if (rc)
		xpi_err(l->h, -rc, "listener: notifying server %u/%u failed",
			l->domid, l->ioserver);
	return rc;
}

/* Callbacks, then the unmap of the drain's items. */
static int finish(struct xpi_listener *l)
{
	unsigned int nops = look_up(l);

	callbacks(l);
	l->st.drains++;
	return nops ? unmap_ops(l, nops) : 0;
}

/* ------------------------------------------------------------------ */
/* Library-owned ring                                                  */
/* ------------------------------------------------------------------ */

static int clear_fd(struct xpi_listener *l)
{
	struct pollfd pfd = { .fd = l->fd, .events = POLLIN };

	if (l->sim) {
		uint64_t v;

		/* The simulator's eventfd is non-blocking. */
		if (read(l->fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			return -errno;
		return 0;
	}
#if HAVE_XEN
	while (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN)) {
		xenevtchn_port_or_error_t p = xenevtchn_pending(l->xce);

		if (p < 0)
			return -errno;
		if (xenevtchn_unmask(l->xce, (evtchn_port_t)p))
			return -errno;
	}
#endif
	(void)pfd;
	return 0;
}

/* One drain of the attached server; returns the items handled. */
static int drain_once(struct xpi_listener *l, unsigned int max, int *proto)
{
	uint16_t ready[XPI_LISTENER_MAX_VCPUS];
	unsigned int nready = 0, n;
	struct xpi_ring_result res;
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
	l->nit = 0;
	l->nsync = 0;
	rc = take_ring(l, l->buf, l->domid, l->ioserver,
		       max < XPI_RING_SLOTS ? max : XPI_RING_SLOTS, &res);
	if (rc == -EPROTO)
		*proto = 1;
	/* Only an empty ring lets the synchronous ones go next. */
	if (rc == -EPROTO || res.slots == res.write_pointer - res.read_pointer) {
		for (unsigned int i = 0; i < nready; i++) {
			unsigned char *r =
				l->sync + (size_t)ready[i] * XPI_IOREQ_SIZE;

			__atomic_store_n(&r[XPI_IOREQ_OFF_BITS],
					 (uint8_t)((r[XPI_IOREQ_OFF_BITS] &
						    0xf0) |
						   XPI_IOREQ_STATE_INPROCESS),
					 __ATOMIC_RELAXED);
			take_ioreq(l, r, l->domid, l->ioserver, ready[i]);
		}
		l->nsync = nready;
	}
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
	int proto = 0, rc;

	if (!l)
		return -EINVAL;
	if (!l->attached) {
		xpi_err(l->h, -1, "xpi_listener_dispatch: not attached");
		return -ENOTCONN;
	}
	rc = clear_fd(l);
	if (rc) {
		xpi_err(l->h, -rc, "listener: reading the event channel failed");
		return rc;
	}
	while (total < l->cfg.budget) {
		rc = drain_once(l, l->cfg.budget - total, &proto);
		if (rc <= 0)
			break;
		total += (unsigned int)rc;
	}
	if (rc < 0)
		return rc;
	return proto ? -EPROTO : (int)total;
}

/* ------------------------------------------------------------------ */
/* Emulator-owned loop                                                 */
/* ------------------------------------------------------------------ */

XPI_EXPORT int xpi_invalidate_ioreq(struct xpi_listener *l, uint16_t domid,
				    uint16_t ioserver, void *ioreq)
{
	const unsigned char *r = ioreq;
	int rc;

	if (!l || !ioreq) {
		if (l)
			xpi_err(l->h, -1, "xpi_invalidate_ioreq: NULL ioreq");
		return -EINVAL;
	}
	if (r[XPI_IOREQ_OFF_TYPE] != XPI_IOREQ_TYPE_INVALIDATE)
		return 0;
	l->nit = 0;
	take_ioreq(l, r, domid, ioserver, NO_VCPU);
	l->it[0].vcpu = NO_VCPU;
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
	int rc, n;

	if (!l || !page) {
		if (l)
			xpi_err(l->h, -1, "xpi_invalidate_buffered: NULL page");
		return -EINVAL;
	}
	l->nit = 0;
	rc = take_ring(l, page, domid, ioserver, XPI_RING_SLOTS, &res);
	n = (int)l->nit;
	if (n) {
		int urc = finish(l);

		if (urc)
			rc = urc;
	}
	l->nit = 0;
	return rc < 0 ? rc : n;
}
