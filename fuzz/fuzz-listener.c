// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target for the whole listener path, on the simulator.
 *
 * The host: guest A (scattered, two ioreq servers) and guest B
 * (contiguous, one server, a 2 MiB superpage extent and single pages),
 * mapped through one handle; each server has an attached listener
 * (xpi_listener_attach(), xpi_listener_dispatch()), one of them perhaps
 * with manual unmapping or a small budget, and one more listener serves
 * the emulator-owned calls (xpi_invalidate_buffered(),
 * xpi_invalidate_ioreq()).
 *
 * The input: one byte of settings (4- or 8-byte BFNs, vCPUs, which
 * listener unmaps manually or has a small budget), then a program, one op
 * per byte with its arguments: guests balloon out mapped pages (the
 * simulator's own INVALIDATEs, buffered and, when the ring is full,
 * synchronous), repopulate and map again, flush all; "Xen" writes entries
 * into a server's buffered ring as ioreq_send_buffered() does (INVALIDATE
 * naming mostly a mapped BFN, TIMEOFFSET, COPY, PIO, PCI_CONFIG, of every
 * size), rarely corrupts it, raises synchronous ioreqs (reads, writes,
 * INVALIDATEs, flush-alls); the emulator dispatches, runs its own loop,
 * unmaps by itself, re-attaches; the IOMMU refuses an update.
 *
 * Checked (abort on failure): every call returns what its header says;
 * each callback's event matches its server and the tracker; after a
 * dispatch within budget the ring is empty and every synchronous ioreq
 * completed, a read with the callback's data; the counters add up; and at
 * the end, after draining and closing, the simulator's auditor finds
 * nothing and no IOMMU or M2B entry is left.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/hvm/ioreq.h>
#include <xenpviommu.h>
#include <xenpviommu/sim.h>

#include "lib/invalidate-ring.h"
#include "lib/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GA 7 /* scattered guest, servers 0 and 1 */
#define GB 8 /* contiguous guest, server 2 */
#define GA_PAGES 64
#define GB_PAGES 520
#define NSRV 3
#define MAX_VCPUS 4
#define MAX_MAPS 96
#define MAX_OPS 256
#define SP_ORDER 9

/* Unknown BFNs and corrupt rings are logged; a fuzzer makes many. */
static void quiet_vmessage(struct xentoollog_logger *lg, xentoollog_level lvl,
			   int errnoval, const char *context,
			   const char *format, va_list al)
{
}

static void quiet_progress(struct xentoollog_logger *lg, const char *context,
			   const char *doing_what, int percent,
			   unsigned long done, unsigned long total)
{
}

static void quiet_destroy(struct xentoollog_logger *lg)
{
}

static struct xentoollog_logger quiet = {
	quiet_vmessage,
	quiet_progress,
	quiet_destroy,
};

struct srv {
	uint16_t domid, id;
	buffered_iopage_t *buf;
	ioreq_t *sync;
	struct xpi_listener *l;
	unsigned int flags, budget;
	int no_ioreq_cb;	   /* l has no ioreq callback */
	uint64_t events;	   /* invalidate callbacks of l */
	uint8_t raised[MAX_VCPUS]; /* synchronous ioreqs the input raised */
	uint64_t manual[64];	   /* manual listener: BFNs to unmap */
	unsigned int nmanual;
};

struct map {
	uint64_t bfn;
	uint64_t gfn;
	unsigned int srv, order;
};

static struct {
	struct xpi_sim *sim;
	xpi_handle *h;
	struct srv s[NSRV];
	struct xpi_listener *owned;
	uint64_t owned_events;
	struct map m[MAX_MAPS];
	unsigned int nm;
	unsigned int vcpus;
	uint64_t bfn_base;
	const uint8_t *in;
	size_t left;
} F;

/* Over all inputs: BFN invalidates handled, of which known (mapped). */
static uint64_t total_events, total_known;

static unsigned int next(void)
{
	if (!F.left)
		return 0;
	F.left--;
	return *F.in++;
}

static uint64_t next64(void)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < 8; i++)
		v = v << 8 | next();
	return v;
}

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			abort();                                               \
	} while (0)

static struct srv *srv_of(uint16_t domid, uint16_t ioserver)
{
	for (unsigned int i = 0; i < NSRV; i++)
		if (F.s[i].domid == domid && F.s[i].id == ioserver)
			return &F.s[i];
	return NULL;
}

static void on_invalidate(void *opaque, const struct xpi_invalidate_event *ev)
{
	struct srv *s = opaque;
	struct xpi_mapping m;

	if (s)
		s->events++;
	else
		F.owned_events++;
	total_events++;
	total_known += ev->known;
	/* A server the handle never mapped for knows no BFN. */
	CHECK(srv_of(ev->domid, ev->ioserver) || (!s && !ev->known));
	CHECK(!s || (ev->domid == s->domid && ev->ioserver == s->id));
	if (!ev->known) {
		CHECK(!ev->will_unmap);
		return;
	}
	CHECK(ev->mapping.domid == ev->domid &&
	      ev->mapping.ioserver == ev->ioserver);
	CHECK(ev->bfn - ev->mapping.bfn < (UINT64_C(1) << ev->mapping.order));
	if (ev->will_unmap) {
		CHECK(xpi_mapping_find(F.h, ev->bfn, &m) == -ENOENT);
	} else {
		CHECK(xpi_mapping_find(F.h, ev->bfn, &m) == 0);
		if (s && s->nmanual < 64)
			s->manual[s->nmanual++] = ev->bfn;
	}
}

static void on_flush(void *opaque, uint16_t domid, uint16_t ioserver)
{
	CHECK(srv_of(domid, ioserver) || (!opaque && ioserver >= 8));
	CHECK(!opaque || srv_of(domid, ioserver) == opaque);
}

/* A read's result the completion must carry back. */
static uint64_t read_value(uint64_t addr)
{
	return addr ^ UINT64_C(0x5a5a5a5a00c0ffee);
}

static void on_ioreq(void *opaque, struct xpi_ioreq_info *req)
{
	CHECK(req->type != IOREQ_TYPE_INVALIDATE);
	CHECK(req->size == 1 || req->size == 2 || req->size == 4 ||
	      req->size == 8 || !req->buffered);
	if (req->dir == IOREQ_READ && !req->data_is_ptr)
		req->data = read_value(req->addr);
}

static struct xpi_listener *new_listener(void *opaque, unsigned int flags,
					 unsigned int budget)
{
	const struct srv *s = opaque;
	struct xpi_listener_config c;
	struct xpi_listener *l;

	xpi_listener_config_init(&c);
	c.flags = flags;
	c.budget = budget;
	c.invalidate = on_invalidate;
	c.flush_all = on_flush;
	c.ioreq = s && s->no_ioreq_cb ? NULL : on_ioreq;
	c.opaque = opaque;
	CHECK(xpi_listener_new(F.h, &c, &l) == 0);
	return l;
}

static void add_map(uint64_t bfn, uint64_t gfn, unsigned int srv,
		    unsigned int order)
{
	if (F.nm == MAX_MAPS)
		return;
	F.m[F.nm++] = (struct map){ bfn, gfn, srv, order };
}

static void map_pages(unsigned int srv, const uint64_t *gfns, size_t n)
{
	struct srv *s = &F.s[srv];
	uint64_t bfns[16];
	long rc;

	rc = xpi_foreign_map(F.h, s->domid, s->id, gfns, n,
			     XPI_FOREIGN_READ | XPI_FOREIGN_WRITE, bfns, NULL);
	CHECK(rc <= (long)n && rc > -4096);
	for (long i = 0; i < rc; i++)
		add_map(bfns[i], gfns[i], srv, 0);
}

/* Guest A repopulates a page (if it was ballooned) and the emulator maps
 * it for server 0 or 1. */
static void map_new(unsigned int b)
{
	uint64_t gfn = b % GA_PAGES;
	int rc = xpi_sim_populate(F.sim, GA, gfn);

	CHECK(rc == 0 || rc == -EEXIST || rc == -EIO);
	map_pages((b >> 6) & 1, &gfn, 1);
}

/*
 * A BFN to name in an invalidate to server @p srv: mostly one mapped for
 * it (live if one of four picks is, else perhaps a new mapping), some
 * another server's, the rest anything.
 */
static uint64_t pick_bfn(unsigned int srv)
{
	unsigned int b = next();

	if (F.nm && b < 224) {
		const struct map *m = NULL;
		struct xpi_mapping x;

		for (unsigned int i = 0; i < 4; i++) {
			m = &F.m[next() % F.nm];
			if ((m->srv == srv || b < 16) &&
			    xpi_mapping_find(F.h, m->bfn, &x) == 0)
				return m->bfn +
				       (m->order ? next() % (1u << m->order)
						 : 0);
		}
		if (b & 1 && srv < 2 && F.nm < MAX_MAPS) {
			unsigned int nm = F.nm;

			map_new((b >> 1 & ~0x40u) | srv << 6);
			if (F.nm > nm)
				return F.m[nm].bfn;
		}
		return m->bfn;
	}
	if (b < 240)
		return F.bfn_base + next();
	return next64();
}

/* Xen's ioreq_send_buffered(): room check, slots, then write_pointer. */
static int ring_put(struct srv *s, uint8_t type, unsigned int size,
		    uint32_t addr, uint64_t data)
{
	buffered_iopage_t *pg = s->buf;
	uint32_t wp = pg->write_pointer;
	unsigned int qw = size == 3;
	buf_ioreq_t bp;

	if (wp - pg->read_pointer >= IOREQ_BUFFER_SLOT_NUM - qw)
		return 0;
	memset(&bp, 0, sizeof(bp));
	bp.type = type;
	bp.size = size & 3;
	bp.dir = IOREQ_WRITE;
	bp.addr = addr & 0xfffff;
	bp.data = (uint32_t)data;
	pg->buf_ioreq[wp % IOREQ_BUFFER_SLOT_NUM] = bp;
	if (qw) {
		bp.data = (uint32_t)(data >> 32);
		pg->buf_ioreq[(wp + 1) % IOREQ_BUFFER_SLOT_NUM] = bp;
	}
	__atomic_store_n(&pg->write_pointer, wp + 1 + qw, __ATOMIC_RELEASE);
	return 1;
}

static void op_ring_entry(struct srv *s)
{
	static const uint8_t types[8] = {
		IOREQ_TYPE_INVALIDATE, IOREQ_TYPE_INVALIDATE,
		IOREQ_TYPE_INVALIDATE, IOREQ_TYPE_TIMEOFFSET,
		IOREQ_TYPE_COPY,       IOREQ_TYPE_PIO,
		IOREQ_TYPE_PCI_CONFIG, IOREQ_TYPE_INVALIDATE,
	};
	unsigned int b = next(), n = 1 + (b >> 5);

	for (unsigned int i = 0; i < n; i++) {
		uint8_t type = types[(b + i) & 7];
		uint64_t v;

		switch (type) {
		case IOREQ_TYPE_INVALIDATE:
			v = pick_bfn((unsigned int)(s - F.s));
			/* As the PV IOMMU patch sends it; rarely 1 or 2 bytes. */
			ring_put(s, type,
				 (b & 0x18) == 0x18 ? (b >> 2) & 1
				 : v >> 32	    ? 3
						    : 2,
				 0, v);
			break;
		case IOREQ_TYPE_TIMEOFFSET:
			ring_put(s, type, 3, 0, next64());
			break;
		default:
			ring_put(s, type, next() & 3, next() << 12 | next(),
				 next64());
			break;
		}
	}
}

/* What Xen never writes: a resync, the entries before it handled. */
static void op_corrupt(struct srv *s)
{
	buffered_iopage_t *pg = s->buf;
	uint32_t wp = pg->write_pointer;
	unsigned int b = next();

	if (b < 192) {
		op_ring_entry(s);
		return;
	}
	switch (b & 7) {
	case 0: /* a type ioreq.h does not define */
		if (ring_put(s, IOREQ_TYPE_COPY, 2, 0, 0))
			pg->buf_ioreq[wp % IOREQ_BUFFER_SLOT_NUM].type =
				(uint8_t)(9 + next() % 200);
		break;
	case 1: /* the second half of an 8-byte entry not published */
		if (ring_put(s, IOREQ_TYPE_INVALIDATE, 3, 0,
			     pick_bfn((unsigned int)(s - F.s))))
			__atomic_store_n(&pg->write_pointer, wp + 1,
					 __ATOMIC_RELEASE);
		break;
	case 2: /* halves that differ */
		if (ring_put(s, IOREQ_TYPE_TIMEOFFSET, 3, 0, 1))
			pg->buf_ioreq[(wp + 1) % IOREQ_BUFFER_SLOT_NUM].size =
				1;
		break;
	case 3: /* the writer far ahead */
		__atomic_store_n(&pg->write_pointer,
				 pg->read_pointer + 512 + next(),
				 __ATOMIC_RELEASE);
		break;
	case 4: /* the reader ahead */
		pg->read_pointer = wp + 1 + next();
		break;
	default: /* Xen's canonicalisation (not a corruption) */
		if (pg->read_pointer >= IOREQ_BUFFER_SLOT_NUM) {
			uint64_t *both = (uint64_t *)pg;
			uint64_t old = __atomic_load_n(both, __ATOMIC_ACQUIRE);
			uint32_t n = (uint32_t)old / IOREQ_BUFFER_SLOT_NUM *
				     IOREQ_BUFFER_SLOT_NUM;
			uint64_t new = (uint64_t)((uint32_t)(old >> 32) - n)
					       << 32 |
				       ((uint32_t)old - n);

			__atomic_compare_exchange_n(both, &old, new, 0,
						    __ATOMIC_ACQ_REL,
						    __ATOMIC_ACQUIRE);
		}
		break;
	}
}

/* A synchronous ioreq in a free slot, as Xen's ioreq_send() fills it. */
static void op_sync(struct srv *s)
{
	unsigned int b = next(), v = b % F.vcpus;
	ioreq_t *r = &s->sync[v];
	ioreq_t q;

	if (__atomic_load_n((uint8_t *)r + XPI_IOREQ_OFF_BITS,
			    __ATOMIC_ACQUIRE) != STATE_IOREQ_NONE)
		return;
	memset(&q, 0, sizeof(q));
	q.vp_eport = r->vp_eport;
	q.count = 1;
	switch ((b >> 2) & 7) {
	case 0:
	case 1:
		q.type = IOREQ_TYPE_INVALIDATE;
		q.size = 8;
		q.data = pick_bfn((unsigned int)(s - F.s));
		break;
	case 2:
		q.type = IOREQ_TYPE_INVALIDATE;
		q.size = 4;
		q.data = ~UINT64_C(0); /* flush-all */
		break;
	case 3:
		q.type = IOREQ_TYPE_COPY;
		q.dir = IOREQ_READ;
		q.data_is_ptr = 1;
		q.count = 1 + next() % 4;
		q.size = 4;
		q.addr = next64();
		q.data = next64();
		break;
	default:
		q.type = (b >> 5) & 1 ? IOREQ_TYPE_PIO : IOREQ_TYPE_PCI_CONFIG;
		q.dir = (b >> 6) & 1;
		q.size = 1u << (next() & 3);
		q.addr = next() << 8 | next();
		q.data = next64();
		break;
	}
	q.state = STATE_IOREQ_NONE;
	memcpy(r, &q, sizeof(q));
	s->raised[v] = 1;
	__atomic_store_n((uint8_t *)r + XPI_IOREQ_OFF_BITS,
			 (uint8_t)(((uint8_t *)&q)[XPI_IOREQ_OFF_BITS] |
				   STATE_IOREQ_READY),
			 __ATOMIC_RELEASE);
}

/*
 * After the emulator completed: the ioreqs the input raised come back
 * with IORESP_READY (a read with the callback's value); Xen retires them.
 */
static void retire_raised(struct srv *s, int must_be_done, int owned_done)
{
	for (unsigned int v = 0; v < F.vcpus; v++) {
		ioreq_t *r = &s->sync[v];
		uint8_t state = __atomic_load_n((uint8_t *)r +
							XPI_IOREQ_OFF_BITS,
						__ATOMIC_ACQUIRE) &
				0xf;

		if (must_be_done)
			CHECK(state != STATE_IOREQ_READY);
		if (!s->raised[v] || state != STATE_IORESP_READY)
			continue;
		/* Without the callback, a read gives all ones. */
		if (r->type != IOREQ_TYPE_INVALIDATE && r->dir == IOREQ_READ &&
		    !r->data_is_ptr && s->l)
			CHECK(r->data == (s->no_ioreq_cb && !owned_done
						  ? UINT64_MAX
						  : read_value(r->addr)));
		r->state = STATE_IOREQ_NONE;
		s->raised[v] = 0;
	}
}

static void manual_unmaps(struct srv *s)
{
	for (unsigned int i = 0; i < s->nmanual; i++) {
		long rc = xpi_foreign_unmap(F.h, &s->manual[i], 1, NULL);

		/* A superpage's other BFNs, or one the IOMMU refused. */
		CHECK(rc == 1 || rc == 0 || rc == -ENOENT || rc == -EIO);
	}
	s->nmanual = 0;
}

static void op_dispatch(struct srv *s)
{
	struct xpi_listener_stats ls;
	int rc;

	if (!s->l)
		return;
	rc = xpi_listener_dispatch(s->l);
	CHECK(rc >= 0);
	CHECK(xpi_listener_get_stats(s->l, &ls) == 0);
	CHECK(ls.handled == s->events);
	CHECK(ls.unknown <= ls.handled && ls.handled <= ls.received);
	CHECK(ls.buffered + ls.sync + ls.flush_alls == ls.received);
	if ((unsigned int)rc < s->budget)
		CHECK(xpi_ring_pending(s->buf) == 0);
	retire_raised(s, (unsigned int)rc < s->budget, 0);
	manual_unmaps(s);
}

/* The emulator's own loop: its buffered page, then each ready ioreq. */
static void op_owned(struct srv *s)
{
	uint16_t id = s->id;
	int rc;

	if (next() < 16) {
		/* A page of a server the handle never mapped for: its BFNs
		 * are unknown, never unmapped. */
		static buffered_iopage_t other __attribute__((aligned(8)));
		struct srv fake = { .buf = &other };
		struct xpi_listener_stats a, b;

		memset(&other, 0, sizeof(other));
		ring_put(&fake, IOREQ_TYPE_INVALIDATE, 3, 0, pick_bfn(0));
		ring_put(&fake, IOREQ_TYPE_TIMEOFFSET, 3, 0, 60);
		CHECK(xpi_listener_get_stats(F.owned, &a) == 0);
		CHECK(xpi_invalidate_buffered(F.owned, s->domid,
					      (uint16_t)(s->id + 8),
					      &other) == 2);
		CHECK(xpi_listener_get_stats(F.owned, &b) == 0);
		CHECK(b.unknown == a.unknown + 1 && b.unmaps == a.unmaps);
		id = (uint16_t)(s->id + 8);
	}
	rc = xpi_invalidate_buffered(F.owned, s->domid, s->id, s->buf);
	CHECK(rc >= 0);
	CHECK(xpi_ring_pending(s->buf) == 0);
	for (unsigned int v = 0; v < F.vcpus; v++) {
		ioreq_t *r = &s->sync[v];
		uint8_t *bits = (uint8_t *)r + XPI_IOREQ_OFF_BITS;

		if ((__atomic_load_n(bits, __ATOMIC_ACQUIRE) & 0xf) !=
		    STATE_IOREQ_READY)
			continue;
		rc = xpi_invalidate_ioreq(F.owned, s->domid, id, r);
		CHECK(rc == (r->type == IOREQ_TYPE_INVALIDATE));
		if (r->type != IOREQ_TYPE_INVALIDATE && r->dir == IOREQ_READ &&
		    !r->data_is_ptr)
			r->data = read_value(r->addr);
		__atomic_store_n(bits,
				 (uint8_t)((*bits & 0xf0) | STATE_IORESP_READY),
				 __ATOMIC_RELEASE);
	}
	CHECK(xpi_sim_ioreq_notify(F.sim, s->domid, s->id) == 0);
	retire_raised(s, 0, 1);
}

static void attach(struct srv *s, unsigned int i)
{
	s->l = new_listener(s, s->flags, s->budget);
	s->events = 0;
	CHECK(xpi_listener_attach(s->l, s->domid, s->id, F.vcpus) == 0);
	CHECK(xpi_listener_fd(s->l) >= 0);
	(void)i;
}

/* Free a listener and attach a new one; the calls' bad inputs. */
static void op_reattach(struct srv *s)
{
	unsigned int b = next();
	struct xpi_listener *x;

	if (s->l)
		op_dispatch(s);
	xpi_listener_free(s->l);
	s->l = NULL;
	manual_unmaps(s);
	s->flags = b & 1 ? XPI_LISTENER_MANUAL_UNMAP : 0;
	s->budget = b & 2 ? 1 + (b >> 4) : XPI_LISTENER_DEFAULT_BUDGET;
	x = new_listener(NULL, 0, 1);
	CHECK(xpi_listener_dispatch(x) == -ENOTCONN);
	CHECK(xpi_listener_fd(x) == -ENOTCONN);
	CHECK(xpi_listener_attach(x, s->domid, s->id, 0) == -EINVAL);
	CHECK(xpi_listener_attach(x, s->domid, s->id,
				  XPI_LISTENER_MAX_VCPUS + 1) == -EINVAL);
	CHECK(xpi_listener_attach(x, XPI_DOMID_FIRST_RESERVED, s->id, 1) ==
	      -EINVAL);
	CHECK(xpi_listener_attach(x, s->domid, 77, 1) == -ENOENT);
	CHECK(xpi_listener_attach(x, 99, s->id, 1) == -ESRCH);
	CHECK(xpi_listener_attach(x, s->domid, s->id, F.vcpus) == 0);
	CHECK(xpi_listener_attach(x, s->domid, s->id, F.vcpus) == -EBUSY);
	xpi_listener_free(x);
	attach(s, 0);
}

static void op_balloon(void)
{
	const struct map *m;
	struct srv *s;
	uint64_t gfn;
	int rc;

	if (!F.nm)
		return;
	m = &F.m[next() % F.nm];
	s = &F.s[m->srv];
	gfn = m->gfn + (m->order ? next() % (1u << m->order) : 0);
	rc = xpi_sim_balloon_out(F.sim, s->domid, gfn);
	CHECK(rc == 0 || rc == -ENOENT || rc == -EIO);
}

static void op_repopulate(void)
{
	map_new(next());
}

static void run(void)
{
	unsigned int ops = 0;

	while (F.left && ops++ < MAX_OPS) {
		unsigned int op = next();
		struct srv *s = &F.s[(op >> 4) % NSRV];

		switch (op & 15) {
		case 0:
		case 1:
		case 2:
			op_balloon();
			break;
		case 3:
			op_repopulate();
			break;
		case 4:
		case 5:
			op_ring_entry(s);
			break;
		case 6:
			op_corrupt(s);
			break;
		case 7:
			op_sync(s);
			break;
		case 8:
			CHECK(xpi_sim_ioreq_flush_all(F.sim, s->domid) >=
			      -EBUSY);
			break;
		case 9:
		case 10:
			op_dispatch(s);
			break;
		case 11:
			op_owned(s);
			break;
		case 12:
			CHECK(xpi_sim_ioreq_notify(F.sim, s->domid, s->id) ==
			      0);
			break;
		case 13: {
			uint64_t bfn = pick_bfn((op >> 4) % NSRV);
			long rc = xpi_foreign_unmap(F.h, &bfn, 1, NULL);

			CHECK(rc == 1 || rc == 0 || rc == -ENOENT ||
			      rc == -EIO || rc == -EINVAL);
			break;
		}
		case 14:
			CHECK(xpi_sim_inject_iommu_faults(F.sim,
							  1 + (op >> 7)) == 0);
			break;
		default:
			op_reattach(s);
			break;
		}
	}
}

/* Dispatch every server until nothing is pending anywhere. */
static void drain_all(void)
{
	CHECK(xpi_sim_inject_iommu_faults(F.sim, 0) == 0);
	/* A small budget would take long: the default from here on. */
	for (unsigned int i = 0; i < NSRV; i++) {
		struct srv *s = &F.s[i];

		if (s->budget == XPI_LISTENER_DEFAULT_BUDGET)
			continue;
		xpi_listener_free(s->l);
		manual_unmaps(s);
		s->budget = XPI_LISTENER_DEFAULT_BUDGET;
		attach(s, i);
	}
	for (unsigned int round = 0; round < 64; round++) {
		int busy = 0;

		for (unsigned int i = 0; i < NSRV; i++) {
			struct srv *s = &F.s[i];
			struct xpi_sim_ioreq_stats ss;

			/* What Xen will not retire (the input's raised
			 * ioreqs, completed or not) goes first. */
			op_dispatch(s);
			for (unsigned int v = 0; v < F.vcpus; v++)
				if (s->raised[v] &&
				    s->sync[v].state == STATE_IOREQ_INPROCESS)
					s->raised[v] = 0;
			CHECK(xpi_sim_ioreq_server_stats(F.sim, s->domid, s->id,
							 &ss) == 0);
			if (ss.waiting || xpi_ring_pending(s->buf))
				busy = 1;
		}
		if (!busy)
			return;
	}
	abort(); /* the invalidates never all arrived */
}

/* Every entry point's bad inputs: -EINVAL (or -ENOTCONN), nothing else. */
static void bad_inputs(void)
{
	struct xpi_listener_config c;
	struct xpi_listener_stats ls;
	struct xpi_listener *l = NULL;
	unsigned char page[64] = { 0 };

	xpi_listener_config_init(NULL);
	xpi_listener_free(NULL);
	xpi_listener_config_init(&c);
	CHECK(xpi_listener_new(NULL, &c, &l) == -EINVAL && !l);
	CHECK(xpi_listener_new(F.h, &c, NULL) == -EINVAL);
	c.size--;
	CHECK(xpi_listener_new(F.h, &c, &l) == -EINVAL && !l);
	c.size++;
	c.flags = 2;
	CHECK(xpi_listener_new(F.h, &c, &l) == -EINVAL && !l);
	c.flags = 0;
	c.budget = 0;
	CHECK(xpi_listener_new(F.h, &c, &l) == -EINVAL && !l);
	CHECK(xpi_listener_attach(NULL, GA, 0, 1) == -EINVAL);
	CHECK(xpi_listener_fd(NULL) == -EINVAL);
	CHECK(xpi_listener_dispatch(NULL) == -EINVAL);
	CHECK(xpi_listener_get_stats(NULL, &ls) == -EINVAL);
	CHECK(xpi_invalidate_ioreq(NULL, GA, 0, page) == -EINVAL);
	CHECK(xpi_invalidate_buffered(NULL, GA, 0, page) == -EINVAL);
	CHECK(xpi_listener_new(F.h, NULL, &l) == 0);
	CHECK(xpi_listener_get_stats_sized(l, NULL, sizeof(ls)) == -EINVAL);
	CHECK(xpi_listener_get_stats_sized(l, &ls, sizeof(ls) - 1) == -EINVAL);
	CHECK(xpi_invalidate_ioreq(l, GA, 0, NULL) == -EINVAL);
	CHECK(xpi_invalidate_buffered(l, GA, 0, NULL) == -EINVAL);
	xpi_listener_free(l);
}

static void setup(unsigned int cfgb)
{
	struct xpi_sim_domain_config dc = {
		.dm_target = XPI_DOMID_INVALID,
		.has_iommu_hw = 0,
	};
	struct xpi_sim_config cfg;
	struct xpi_options o;
	struct xpi_batch *b;
	uint64_t gfns[16];

	memset(&F, 0, sizeof(F));
	F.vcpus = 1 + (cfgb & 3);
	xpi_sim_config_init(&cfg);
	cfg.host_frames = 2048;
	cfg.hwdom_frames = 512;
	cfg.max_order = SP_ORDER;
	cfg.ioreq_vcpus = F.vcpus;
	CHECK(xpi_sim_new(&cfg, &F.sim) == 0);
	/* The contiguous guest first: the scattered one spreads out. */
	dc.nr_pages = GB_PAGES;
	dc.backing = XPI_SIM_BACKING_CONTIGUOUS;
	CHECK(xpi_sim_domain_create(F.sim, GB, &dc) == 0);
	dc.nr_pages = GA_PAGES;
	dc.backing = XPI_SIM_BACKING_SCATTERED;
	CHECK(xpi_sim_domain_create(F.sim, GA, &dc) == 0);
	for (unsigned int i = 0; i < NSRV; i++) {
		struct srv *s = &F.s[i];

		s->domid = i < 2 ? GA : GB;
		CHECK(xpi_sim_ioreq_server_create(F.sim, XPI_SIM_HWDOM,
						  s->domid, &s->id) == 0);
		CHECK(xpi_sim_ioreq_server_pages(F.sim, s->domid, s->id,
						 (void **)&s->buf,
						 (void **)&s->sync) == 0);
		s->budget = XPI_LISTENER_DEFAULT_BUDGET;
	}
	/* Settings: bit 2, 4-byte BFNs (below 2^32) and 16 ops per
	 * hypercall; bit 3, server 1 unmaps manually; bit 4, server 0 has a
	 * budget of 1 (bit 6: 4); bit 5, the superpage is swap_mfn; bit 7,
	 * server 2's listener has no ioreq callback. */
	F.bfn_base = cfgb & 4 ? UINT64_C(1) << 20 : UINT64_C(1) << 32;
	if (cfgb & 8)
		F.s[1].flags = XPI_LISTENER_MANUAL_UNMAP;
	if (cfgb & 16)
		F.s[0].budget = 1 + ((cfgb >> 6) & 1) * 3;
	F.s[2].no_ioreq_cb = !!(cfgb & 128);
	xpi_options_init(&o);
	o.bfn_base = F.bfn_base;
	o.bfn_count = 1 << 16; /* the superpage extent lies above it */
	if (cfgb & 4)
		o.max_batch_ops = 16; /* several hypercalls per drain */
	CHECK(xpi_sim_open(&F.h, &quiet, F.sim, XPI_SIM_HWDOM, &o) == 0);
	bad_inputs();

	/* Guest A: pages 0..15 for server 0, 8..23 for server 1. */
	for (unsigned int i = 0; i < 16; i++)
		gfns[i] = i;
	map_pages(0, gfns, 16);
	for (unsigned int i = 0; i < 16; i++)
		gfns[i] = 8 + i;
	map_pages(1, gfns, 16);
	/* Guest B: a superpage extent at a BFN of the emulator's choosing,
	 * and single pages. */
	CHECK(xpi_batch_new(F.h, &b) == 0);
	CHECK(xpi_batch_add_map_foreign(
		      b, F.bfn_base + (UINT64_C(1) << 24), GB, 0, F.s[2].id,
		      SP_ORDER,
		      XPI_FOREIGN_READ |
			      (cfgb & 32 ? XPI_FOREIGN_SWAP_MFN : 0)) == 0);
	CHECK(xpi_batch_submit(b) == 1);
	xpi_batch_free(b);
	add_map(F.bfn_base + (UINT64_C(1) << 24), 0, 2, SP_ORDER);
	for (unsigned int i = 0; i < 8; i++)
		gfns[i] = 512 + i;
	map_pages(2, gfns, 8);

	for (unsigned int i = 0; i < NSRV; i++)
		attach(&F.s[i], i);
	F.owned = new_listener(NULL, 0, XPI_LISTENER_DEFAULT_BUDGET);
}

static void teardown(void)
{
	struct xpi_sim_stats st;

	drain_all();
	for (unsigned int i = 0; i < NSRV; i++) {
		xpi_listener_free(F.s[i].l);
		manual_unmaps(&F.s[i]);
	}
	xpi_listener_free(F.owned);
	CHECK(xpi_close(F.h) == 0);
	CHECK(xpi_sim_audit(F.sim, NULL, NULL) == 0);
	CHECK(xpi_sim_stats(F.sim, &st) == 0);
	CHECK(st.iommu_entries == 0 && st.m2b_entries == 0);
	xpi_sim_free(F.sim);
}

/* FUZZ_LISTENER_STATS=1: say at exit how many invalidates named a
 * mapped BFN (scripts/fuzz-ring prints it for the seed corpus). */
static void print_stats(void)
{
	fprintf(stderr,
		"fuzz-listener: %" PRIu64 " BFN invalidates, %" PRIu64
		" of them of a mapped BFN (%.0f%%)\n",
		total_events, total_known,
		total_events
			? 100.0 * (double)total_known / (double)total_events
			: 0.0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;

	if (!once) {
		once = 1;
		if (getenv("FUZZ_LISTENER_STATS"))
			atexit(print_stats);
	}
	if (!size)
		return 0;
	setup(data[0]);
	F.in = data + 1;
	F.left = size - 1;
	run();
	teardown();
	return 0;
}
