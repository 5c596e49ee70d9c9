// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The invalidate listener against the simulated hypervisor: balloon-outs
 * reach the callback with what the tracker knows, the BFNs are unmapped
 * in one hypercall per drain and the frames' references released; both
 * usage modes; flush-all; unknown BFNs; superpages; a corrupt ring; a
 * storm that overflows the ring into synchronous ioreqs and the backlog.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/invalidate-ring.h"
#include "test-common.h"

/* Ring pages are laid out from Xen's own public header (libxen-dev). */
#if __has_include(<xen/hvm/ioreq.h>)
#include <xen/hvm/ioreq.h>
#define HAVE_XEN_IOREQ_H 1
_Static_assert(sizeof(buffered_iopage_t) <= XPI_RING_PAGE_SIZE, "one page");
#endif

#define GUEST 1
#define GUEST_SP 2 /* contiguous backing: superpages */
#define GUEST_PAGES 4096

struct rec {
	uint64_t bfn, gfn, extent;
	uint16_t domid, ioserver, flags;
	uint8_t known, sync, order, will_unmap;
};

static struct rec *recs;
static size_t nrecs, caprecs;
static unsigned int flushes;
static unsigned int others;
static xpi_handle *cb_handle;

static void on_invalidate(void *opaque, const struct xpi_invalidate_event *ev)
{
	struct rec *r;

	if (nrecs == caprecs) {
		caprecs = caprecs ? caprecs * 2 : 1024;
		recs = realloc(recs, caprecs * sizeof(*recs));
		ck_assert_ptr_nonnull(recs);
	}
	r = &recs[nrecs++];
	r->bfn = ev->bfn;
	r->domid = ev->domid;
	r->ioserver = ev->ioserver;
	r->known = ev->known;
	r->sync = ev->sync;
	r->will_unmap = ev->will_unmap;
	r->gfn = ev->known ? ev->mapping.gfn + (ev->bfn - ev->mapping.bfn)
			   : UINT64_MAX;
	r->extent = ev->mapping.bfn;
	r->flags = ev->mapping.flags;
	r->order = ev->mapping.order;
	/*
	 * The callback may look mappings up: with automatic unmapping the
	 * drain has taken the extent out of the tracker already (the event
	 * carries it); with manual unmapping it is still there.
	 */
	if (cb_handle && ev->known) {
		struct xpi_mapping m;

		ck_assert_int_eq(xpi_mapping_find(cb_handle, ev->bfn, &m),
				 ev->will_unmap ? -ENOENT : 0);
	}
}

static void on_flush(void *opaque, uint16_t domid, uint16_t ioserver)
{
	flushes++;
}

/* The ioreqs that were not INVALIDATEs, as the callback saw them. */
static struct xpi_ioreq_info other_reqs[64];

static void on_ioreq(void *opaque, struct xpi_ioreq_info *req)
{
	if (others < 64)
		other_reqs[others] = *req;
	others++;
}

static struct xpi_sim *sim;
static xpi_handle *h;
static uint16_t ios, ios_sp;

static xpi_handle *open_with_base(uint64_t bfn_base)
{
	struct xpi_options o;
	xpi_handle *hh = NULL;

	xpi_options_init(&o);
	o.bfn_base = bfn_base;
	ck_assert_int_eq(xpi_sim_open(&hh, xt_logger(), sim, XPI_SIM_HWDOM, &o),
			 0);
	return hh;
}

static void setup_base(uint64_t bfn_base)
{
	struct xpi_sim_config c;

	xt_log_reset();
	nrecs = 0;
	flushes = 0;
	others = 0;
	xpi_sim_config_init(&c);
	c.host_frames = UINT64_C(1) << 18;
	c.hwdom_frames = 16384;
	c.max_order = 9;
	sim = xt_sim_new(&c);
	/* Scattered: no superpages unless a test asks for them. */
	xt_guest(sim, GUEST_SP, GUEST_PAGES, XPI_SIM_BACKING_CONTIGUOUS);
	xt_guest(sim, GUEST, GUEST_PAGES, XPI_SIM_BACKING_SCATTERED);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, XPI_SIM_HWDOM, GUEST,
						     &ios),
			 0);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, XPI_SIM_HWDOM,
						     GUEST_SP, &ios_sp),
			 0);
	h = open_with_base(bfn_base);
	cb_handle = h;
}

static void setup(void)
{
	setup_base(UINT64_C(1) << 32); /* 8-byte entries */
}

static void setup_low(void)
{
	setup_base(UINT64_C(1) << 20); /* 4-byte entries */
}

static void teardown(void)
{
	cb_handle = NULL;
	ck_assert_int_eq(xpi_close(h), 0);
	xt_audit_clean(sim);
	xpi_sim_free(sim);
	free(recs);
	recs = NULL;
	caprecs = 0;
}

static struct xpi_listener *listener(unsigned int flags)
{
	struct xpi_listener_config c;
	struct xpi_listener *l;

	xpi_listener_config_init(&c);
	c.flags = flags;
	c.invalidate = on_invalidate;
	c.flush_all = on_flush;
	c.ioreq = on_ioreq;
	ck_assert_int_eq(xpi_listener_new(h, &c, &l), 0);
	return l;
}

static struct xpi_listener *attached(unsigned int flags)
{
	struct xpi_listener *l = listener(flags);

	ck_assert_int_eq(xpi_listener_attach(l, GUEST, ios, 1), 0);
	ck_assert_int_ge(xpi_listener_fd(l), 0);
	return l;
}

/* Map gfns [first, first + n) one page each; bfns receives the BFNs. */
static void map(uint64_t first, size_t n, unsigned int flags, uint64_t *bfns)
{
	uint64_t *gfns = malloc(n * sizeof(*gfns));

	for (size_t i = 0; i < n; i++)
		gfns[i] = first + i;
	ck_assert_int_eq(xpi_foreign_map(h, GUEST, ios, gfns, n,
					 XPI_FOREIGN_READ | XPI_FOREIGN_WRITE |
						 flags,
					 bfns, NULL),
			 (long)n);
	free(gfns);
}

static uint64_t mfn_of(uint64_t gfn)
{
	uint64_t mfn;

	ck_assert_int_eq(xpi_sim_p2m_lookup(sim, GUEST, gfn, &mfn), 0);
	return mfn;
}

static void assert_released(uint64_t mfn)
{
	struct xpi_sim_frame_info fi;

	ck_assert_int_eq(xpi_sim_frame_info(sim, mfn, &fi), 0);
	ck_assert_uint_eq(fi.refs, 0);
	ck_assert_uint_eq(fi.m2b_entries, 0);
	ck_assert_uint_eq(fi.free, 1);
}

static uint64_t hypercalls(void)
{
	struct xpi_stats st;

	ck_assert_int_eq(xpi_get_stats(h, &st), 0);
	return st.hypercalls;
}

static void balloon_and_check(unsigned int n, unsigned int flags)
{
	struct xpi_listener_stats ls;
	struct xpi_listener *l = attached(0);
	uint64_t bfns[64], mfns[64], before;

	ck_assert_uint_le(n, 64);
	map(100, n, flags, bfns);
	for (unsigned int i = 0; i < n; i++) {
		mfns[i] = mfn_of(100 + i);
		ck_assert_int_eq(xpi_sim_balloon_out(sim, GUEST, 100 + i), 0);
	}
	before = hypercalls();
	ck_assert_int_eq(xpi_listener_dispatch(l), (int)n);
	ck_assert_uint_eq(hypercalls() - before, 1);
	ck_assert_uint_eq(nrecs, n);
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_uint_eq(recs[i].bfn, bfns[i]);
		ck_assert_uint_eq(recs[i].gfn, 100 + i);
		ck_assert_uint_eq(recs[i].domid, GUEST);
		ck_assert_uint_eq(recs[i].ioserver, ios);
		ck_assert_uint_eq(recs[i].known, 1);
		ck_assert_uint_eq(recs[i].will_unmap, 1);
		ck_assert_uint_eq(recs[i].sync, 0);
		ck_assert_uint_eq(recs[i].flags & IOMMUOP_swap_mfn,
				  flags & IOMMUOP_swap_mfn);
		assert_released(mfns[i]);
	}
	ck_assert_uint_eq(xpi_mapping_count(h), 0);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, XPI_SIM_HWDOM), 0);
	ck_assert_int_eq(xpi_listener_get_stats(l, &ls), 0);
	ck_assert_uint_eq(ls.received, n);
	ck_assert_uint_eq(ls.handled, n);
	ck_assert_uint_eq(ls.buffered, n);
	ck_assert_uint_eq(ls.unmaps, n);
	ck_assert_uint_eq(ls.hypercalls, 1);
	ck_assert_uint_eq(ls.drains, 1);
	ck_assert_uint_eq(ls.unknown, 0);
	/* Nothing more: a second dispatch is empty and cheap. */
	ck_assert_int_eq(xpi_listener_dispatch(l), 0);
	xt_audit_clean(sim);
	xpi_listener_free(l);
}

START_TEST(test_balloon_unmaps_in_one_hypercall)
{
	balloon_and_check(40, 0);
}
END_TEST

START_TEST(test_balloon_swap_mfn)
{
	balloon_and_check(20, XPI_FOREIGN_SWAP_MFN);
}
END_TEST

START_TEST(test_unknown_bfn)
{
	struct xpi_listener *l = attached(0);
	struct xpi_listener_stats ls;
	uint64_t bfn;

	map(7, 1, 0, &bfn);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, GUEST, 7), 0);
	/* The emulator unmapped it on its own before the listener ran. */
	ck_assert_int_eq(xpi_foreign_unmap(h, &bfn, 1, NULL), 1);
	ck_assert_int_eq(xpi_listener_dispatch(l), 1);
	ck_assert_uint_eq(nrecs, 1);
	ck_assert_uint_eq(recs[0].known, 0);
	ck_assert_uint_eq(recs[0].will_unmap, 0);
	ck_assert_uint_eq(recs[0].bfn, bfn);
	ck_assert(xt_log_seen("unknown"));
	xpi_listener_get_stats(l, &ls);
	ck_assert_uint_eq(ls.unknown, 1);
	ck_assert_uint_eq(ls.unmaps, 0);
	ck_assert_uint_eq(ls.hypercalls, 0);
	xpi_listener_free(l);
}
END_TEST

START_TEST(test_flush_all)
{
	struct xpi_listener *l = attached(0);
	struct xpi_sim_ioreq_stats ss;
	struct xpi_listener_stats ls;

	ck_assert_int_eq(xpi_sim_ioreq_flush_all(sim, GUEST), 0);
	ck_assert_int_eq(xpi_listener_dispatch(l), 1);
	ck_assert_uint_eq(flushes, 1);
	ck_assert_uint_eq(nrecs, 0);
	xpi_listener_get_stats(l, &ls);
	ck_assert_uint_eq(ls.flush_alls, 1);
	ck_assert_uint_eq(ls.handled, 0);
	ck_assert_uint_eq(ls.completions, 1);
	ck_assert_int_eq(xpi_sim_ioreq_server_stats(sim, GUEST, ios, &ss), 0);
	ck_assert_uint_eq(ss.sync_completed, 1);
	/* The slot is free again. */
	ck_assert_int_eq(xpi_sim_ioreq_flush_all(sim, GUEST), 0);
	ck_assert_int_eq(xpi_listener_dispatch(l), 1);
	ck_assert_uint_eq(flushes, 2);
	xpi_listener_free(l);
}
END_TEST

START_TEST(test_manual_unmap)
{
	struct xpi_listener *l = attached(XPI_LISTENER_MANUAL_UNMAP);
	uint64_t bfns[8], before, got[8];

	map(200, 8, 0, bfns);
	for (unsigned int i = 0; i < 8; i++)
		ck_assert_int_eq(xpi_sim_balloon_out(sim, GUEST, 200 + i), 0);
	before = hypercalls();
	ck_assert_int_eq(xpi_listener_dispatch(l), 8);
	ck_assert_uint_eq(hypercalls(), before);
	ck_assert_uint_eq(xpi_mapping_count(h), 8);
	for (unsigned int i = 0; i < 8; i++) {
		ck_assert_uint_eq(recs[i].known, 1);
		ck_assert_uint_eq(recs[i].will_unmap, 0);
		got[i] = recs[i].bfn;
	}
	ck_assert_int_eq(xpi_foreign_unmap(h, got, 8, NULL), 8);
	ck_assert_uint_eq(hypercalls() - before, 1);
	ck_assert_uint_eq(xpi_mapping_count(h), 0);
	xpi_listener_free(l);
}
END_TEST

/*
 * The hypervisor refuses one unmap: that extent goes back into the tracker
 * (the BFN stays mapped and is not handed out again), the others are gone.
 */
START_TEST(test_unmap_refused_stays_tracked)
{
	struct xpi_listener *l = attached(0);
	struct xpi_listener_stats ls;
	struct xpi_mapping m;
	uint64_t bfns[4], again[64];

	map(300, 4, 0, bfns);
	for (unsigned int i = 0; i < 4; i++)
		ck_assert_int_eq(xpi_sim_balloon_out(sim, GUEST, 300 + i), 0);
	ck_assert_int_eq(xpi_sim_inject_iommu_faults(sim, 1), 0);
	xt_expect_error("unmapping BFN");
	ck_assert_int_eq(xpi_listener_dispatch(l), 4);
	ck_assert_int_eq(xpi_listener_get_stats(l, &ls), 0);
	ck_assert_uint_eq(ls.unmap_errors, 1);
	ck_assert_uint_eq(ls.unmaps, 3);
	ck_assert_uint_eq(xpi_mapping_count(h), 1);
	ck_assert_int_eq(xpi_mapping_find(h, bfns[0], &m), 0);
	ck_assert_uint_eq(m.gfn, 300);
	ck_assert_uint_eq(m.allocated, 1);
	for (unsigned int i = 1; i < 4; i++)
		ck_assert_int_eq(xpi_mapping_find(h, bfns[i], &m), -ENOENT);
	/* The refused BFN is not reused; the three freed ones may be. */
	map(400, 64, 0, again);
	for (unsigned int i = 0; i < 64; i++)
		ck_assert_uint_ne(again[i], bfns[0]);
	xpi_listener_free(l);
}
END_TEST

/* A superpage extent: three BFNs of it invalidated, one unmap. */
START_TEST(test_superpage_extent_once)
{
	struct xpi_listener *l = listener(0);
	struct xpi_listener_stats ls;
	static uint64_t bfns[512], gfns[512];

	ck_assert_int_eq(xpi_listener_attach(l, GUEST_SP, ios_sp, 1), 0);
	for (unsigned int i = 0; i < 512; i++)
		gfns[i] = 512 + i;
	ck_assert_int_eq(xpi_foreign_map(h, GUEST_SP, ios_sp, gfns, 512,
					 XPI_FOREIGN_READ |
						 XPI_FOREIGN_SUPERPAGE,
					 bfns, NULL),
			 512);
	ck_assert_uint_eq(xpi_mapping_count(h), 1);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, GUEST_SP, 512 + 5), 0);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, GUEST_SP, 512 + 300), 0);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, GUEST_SP, 512 + 511), 0);
	ck_assert_int_eq(xpi_listener_dispatch(l), 3);
	for (unsigned int i = 0; i < 3; i++) {
		ck_assert_uint_eq(recs[i].known, 1);
		ck_assert_uint_eq(recs[i].order, 9);
		ck_assert_uint_eq(recs[i].extent, bfns[0]);
	}
	ck_assert_uint_eq(recs[1].gfn, 512 + 300);
	xpi_listener_get_stats(l, &ls);
	ck_assert_uint_eq(ls.unmaps, 1);
	ck_assert_uint_eq(ls.unmap_errors, 0);
	ck_assert_uint_eq(xpi_mapping_count(h), 0);
	xt_audit_clean(sim);
	xpi_listener_free(l);
}
END_TEST

/* Emulator-owned loop: the emulator hands over its pages. */
START_TEST(test_emulator_owned)
{
	struct xpi_listener *l = listener(0);
	struct xpi_listener_stats ls;
	unsigned char *sync;
	void *buf;
	uint64_t bfns[300];

	ck_assert_int_eq(xpi_sim_ioreq_server_pages(sim, GUEST, ios, &buf,
						    (void **)&sync),
			 0);
	map(1000, 300, 0, bfns);
	/* 8-byte entries: 255 fit in the ring, the 256th goes synchronous,
	 * the rest wait. */
	for (unsigned int i = 0; i < 300; i++)
		ck_assert_int_eq(xpi_sim_balloon_out(sim, GUEST, 1000 + i), 0);
	while (nrecs < 300) {
		int n = xpi_invalidate_buffered(l, GUEST, ios, buf);

		ck_assert_int_ge(n, 0);
		if (sync[XPI_IOREQ_OFF_BITS] == XPI_IOREQ_STATE_READY) {
			ck_assert_int_eq(xpi_invalidate_ioreq(l, GUEST, ios,
							      sync),
					 1);
			/* The emulator completes it, as for any ioreq. */
			__atomic_store_n(&sync[XPI_IOREQ_OFF_BITS],
					 (uint8_t)XPI_IOREQ_STATE_RESP_READY,
					 __ATOMIC_RELEASE);
			ck_assert_int_eq(xpi_sim_ioreq_notify(sim, GUEST, ios),
					 0);
		}
	}
	for (unsigned int i = 0; i < 300; i++) {
		ck_assert_uint_eq(recs[i].bfn, bfns[i]);
		ck_assert_uint_eq(recs[i].known, 1);
	}
	ck_assert_uint_eq(recs[255].sync, 1);
	xpi_listener_get_stats(l, &ls);
	ck_assert_uint_ge(ls.sync, 1);
	ck_assert_uint_eq(ls.unmaps, 300);
	ck_assert_uint_eq(xpi_mapping_count(h), 0);
	/* A non-INVALIDATE ioreq is not consumed. */
	{
		unsigned char pio[32] = { 0 };

		pio[XPI_IOREQ_OFF_TYPE] = XPI_IOREQ_TYPE_PIO;
		ck_assert_int_eq(xpi_invalidate_ioreq(l, GUEST, ios, pio), 0);
	}
	/* A flush-all handed over is a flush-all, never a BFN. */
	{
		unsigned char fl[32] = { 0 };

		memset(fl + XPI_IOREQ_OFF_DATA, 0xff, 8);
		fl[XPI_IOREQ_OFF_TYPE] = XPI_IOREQ_TYPE_INVALIDATE;
		ck_assert_int_eq(xpi_invalidate_ioreq(l, GUEST, ios, fl), 1);
		ck_assert_uint_eq(flushes, 1);
		ck_assert_uint_eq(nrecs, 300);
	}
	xt_audit_clean(sim);
	xpi_listener_free(l);
}
END_TEST

/* A buffered page the emulator owns, with other ioreqs mixed in. */
START_TEST(test_emulator_buffered_others)
{
	static unsigned char page[4096] __attribute__((aligned(8)));
	struct xpi_listener *l = listener(0);
	uint64_t bfn;
	uint32_t wp = 0;

	map(50, 1, 0, &bfn);
	ck_assert_uint_lt(bfn, UINT64_C(1) << 32);
	/* PIO write, INVALIDATE (4 bytes), COPY write. */
	page[8 + 0] = XPI_IOREQ_TYPE_PIO;
	page[8 + 1] = 1 << 2;
	page[8 + 8] = XPI_IOREQ_TYPE_INVALIDATE;
	page[8 + 9] = 2 << 2;
	memcpy(&page[8 + 12], &(uint32_t){ (uint32_t)bfn }, 4);
	page[8 + 16] = XPI_IOREQ_TYPE_COPY;
	page[8 + 17] = 2 << 2;
	wp = 3;
	memcpy(page + 4, &wp, 4);
	ck_assert_int_eq(xpi_invalidate_buffered(l, GUEST, ios, page), 3);
	ck_assert_uint_eq(others, 2);
	ck_assert_uint_eq(nrecs, 1);
	ck_assert_uint_eq(recs[0].known, 1);
	ck_assert_uint_eq(xpi_mapping_count(h), 0);
	/* A 2-byte INVALIDATE (Xen writes 4 or 8): taken at its size
	 * (BFN 0x2345 here, which nobody mapped), logged, counted. */
	page[8 + 24] = XPI_IOREQ_TYPE_INVALIDATE;
	page[8 + 25] = 1 << 2;
	memcpy(&page[8 + 28], &(uint32_t){ 0x12345 }, 4);
	wp = 4;
	memcpy(page + 4, &wp, 4);
	ck_assert_int_eq(xpi_invalidate_buffered(l, GUEST, ios, page), 1);
	ck_assert_uint_eq(nrecs, 2);
	ck_assert_uint_eq(recs[1].bfn, 0x2345);
	ck_assert_uint_eq(recs[1].known, 0);
	ck_assert(xt_log_seen("of 1 or 2 bytes"));
	/* A corrupt page: a resync, logged and counted; nothing handled. */
	wp = 2000;
	memcpy(page + 4, &wp, 4);
	xt_expect_error("corrupt buffered ring");
	ck_assert_int_eq(xpi_invalidate_buffered(l, GUEST, ios, page), 0);
	ck_assert_uint_eq(*(uint32_t *)page, 2000);
	{
		struct xpi_listener_stats ls;

		ck_assert_int_eq(xpi_listener_get_stats(l, &ls), 0);
		ck_assert_uint_eq(ls.malformed, 1);
		ck_assert_uint_eq(ls.resyncs, 1);
		ck_assert_uint_eq(ls.other, 2);
	}
	xpi_listener_free(l);
	/* The BFN was tracked only once the sim released it. */
	(void)bfn;
}
END_TEST

START_TEST(test_corrupt_ring_resyncs)
{
	struct xpi_listener *l = attached(0);
	struct xpi_listener_stats ls;
	uint32_t *ptrs;
	uint64_t bfns[4];

	ck_assert_int_eq(xpi_sim_ioreq_server_pages(sim, GUEST, ios,
						    (void **)&ptrs, NULL),
			 0);
	map(300, 4, 0, bfns);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, GUEST, 300), 0);
	/* The reader's pointer jumps ahead of the writer's. */
	ptrs[0] = ptrs[1] + 5;
	xt_expect_error("corrupt buffered ring");
	ck_assert_int_eq(xpi_listener_dispatch(l), 0);
	xpi_listener_get_stats(l, &ls);
	ck_assert_uint_eq(ls.resyncs, 1);
	ck_assert_uint_eq(ptrs[0], ptrs[1]);
	/* It works on; the dropped BFN is the emulator's to unmap. */
	ck_assert_int_eq(xpi_sim_balloon_out(sim, GUEST, 301), 0);
	ck_assert_int_eq(xpi_listener_dispatch(l), 1);
	ck_assert_uint_eq(recs[0].bfn, bfns[1]);
	ck_assert_int_eq(xpi_foreign_unmap(h, bfns, 1, NULL), 1);
	xpi_listener_free(l);
}
END_TEST

#ifdef HAVE_XEN_IOREQ_H
/*
 * Xen's writer (ioreq_send_buffered()) with Xen's structs: one entry of
 * 1, 2, 4 or 8 bytes at write_pointer (8 bytes in two slots with the same
 * header, the high half in the second), then write_pointer published.
 */
static void xen_put(void *page, uint8_t type, unsigned int bytes, uint32_t addr,
		    uint64_t data)
{
	buffered_iopage_t *pg = page;
	uint32_t wp = pg->write_pointer;
	buf_ioreq_t bp;

	memset(&bp, 0, sizeof(bp));
	bp.type = type;
	bp.size = bytes == 8 ? 3 : bytes == 4 ? 2 : bytes == 2 ? 1 : 0;
	bp.dir = IOREQ_WRITE;
	bp.addr = addr & 0xfffff;
	bp.data = (uint32_t)data;
	ck_assert_uint_lt(wp - pg->read_pointer,
			  IOREQ_BUFFER_SLOT_NUM - (bytes == 8));
	pg->buf_ioreq[wp % IOREQ_BUFFER_SLOT_NUM] = bp;
	if (bytes == 8) {
		bp.data = (uint32_t)(data >> 32);
		pg->buf_ioreq[(wp + 1) % IOREQ_BUFFER_SLOT_NUM] = bp;
	}
	__atomic_store_n(&pg->write_pointer, wp + (bytes == 8 ? 2 : 1),
			 __ATOMIC_RELEASE);
}

/* What hvm/rtc.c broadcasts when the guest sets its clock
 * (send_timeoffset_req(): 8 bytes of offset, addr 0, a write). */
static void xen_timeoffset(void *page, uint64_t offset)
{
	xen_put(page, IOREQ_TYPE_TIMEOFFSET, 8, 0, offset);
}

static void check_other(unsigned int i, uint8_t type, uint32_t size,
			uint64_t addr, uint64_t data)
{
	ck_assert_uint_eq(other_reqs[i].type, type);
	ck_assert_uint_eq(other_reqs[i].size, size);
	ck_assert_uint_eq(other_reqs[i].addr, addr);
	ck_assert_uint_eq(other_reqs[i].data, data);
	ck_assert_uint_eq(other_reqs[i].buffered, 1);
	ck_assert_uint_eq(other_reqs[i].dir, IOREQ_WRITE);
	ck_assert_uint_eq(other_reqs[i].count, 1);
}

/*
 * The guest sets its RTC while pages it ballooned are being invalidated:
 * Xen's TIMEOFFSET (and stdvga's COPY, a VGA PIO write) sit in the
 * buffered ring before and among the INVALIDATEs.  Every INVALIDATE is
 * handled and its frame released, the others reach the ioreq callback as
 * Xen wrote them, nothing is taken for corruption.  @p owned: the
 * emulator-owned loop (xpi_invalidate_buffered()), else dispatch.
 */
static void xen_entries_among_invalidates(int owned)
{
	struct xpi_listener *l = owned ? listener(0) : attached(0);
	struct xpi_listener_stats ls;
	uint64_t bfns[12], mfns[12];
	buffered_iopage_t *pg;
	void *buf;

	ck_assert_int_eq(xpi_sim_ioreq_server_pages(sim, GUEST, ios, &buf,
						    NULL),
			 0);
	pg = buf;
	map(600, 12, 0, bfns);
	for (unsigned int i = 0; i < 12; i++)
		mfns[i] = mfn_of(600 + i);
	/* An hour back (a negative offset, all 64 bits of it). */
	xen_timeoffset(buf, (uint64_t)-3600);
	for (unsigned int i = 0; i < 4; i++)
		ck_assert_int_eq(xpi_sim_balloon_out(sim, GUEST, 600 + i), 0);
	xen_put(buf, IOREQ_TYPE_COPY, 8, 0xa0000, UINT64_C(0x1122334455667788));
	for (unsigned int i = 4; i < 8; i++)
		ck_assert_int_eq(xpi_sim_balloon_out(sim, GUEST, 600 + i), 0);
	xen_put(buf, IOREQ_TYPE_PIO, 2, 0x3c4, 0x0f02);
	xen_timeoffset(buf, 3600);
	for (unsigned int i = 8; i < 12; i++)
		ck_assert_int_eq(xpi_sim_balloon_out(sim, GUEST, 600 + i), 0);
	xen_put(buf, IOREQ_TYPE_COPY, 1, 0xb8000, 0x41);

	ck_assert_int_eq(owned ? xpi_invalidate_buffered(l, GUEST, ios, buf)
			       : xpi_listener_dispatch(l),
			 12 + 5);
	ck_assert_uint_eq(pg->read_pointer, pg->write_pointer);
	ck_assert_uint_eq(nrecs, 12);
	for (unsigned int i = 0; i < 12; i++) {
		ck_assert_uint_eq(recs[i].bfn, bfns[i]);
		ck_assert_uint_eq(recs[i].known, 1);
		ck_assert_uint_eq(recs[i].will_unmap, 1);
		assert_released(mfns[i]);
	}
	ck_assert_uint_eq(others, 5);
	check_other(0, IOREQ_TYPE_TIMEOFFSET, 8, 0, (uint64_t)-3600);
	check_other(1, IOREQ_TYPE_COPY, 8, 0xa0000,
		    UINT64_C(0x1122334455667788));
	check_other(2, IOREQ_TYPE_PIO, 2, 0x3c4, 0x0f02);
	check_other(3, IOREQ_TYPE_TIMEOFFSET, 8, 0, 3600);
	check_other(4, IOREQ_TYPE_COPY, 1, 0xb8000, 0x41);
	ck_assert_int_eq(xpi_listener_get_stats(l, &ls), 0);
	ck_assert_uint_eq(ls.resyncs, 0);
	ck_assert_uint_eq(ls.received, 12);
	ck_assert_uint_eq(ls.handled, 12);
	ck_assert_uint_eq(ls.unknown, 0);
	ck_assert_uint_eq(ls.unmaps, 12);
	ck_assert_uint_eq(ls.other, 5);
	ck_assert_uint_eq(ls.malformed, 0);
	ck_assert_uint_eq(xpi_mapping_count(h), 0);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, XPI_SIM_HWDOM), 0);
	xt_audit_clean(sim);
	xpi_listener_free(l);
}

START_TEST(test_timeoffset_among_invalidates)
{
	xen_entries_among_invalidates(0);
}
END_TEST

START_TEST(test_timeoffset_among_invalidates_owned)
{
	xen_entries_among_invalidates(1);
}
END_TEST

/*
 * The ring nearly full of TIMEOFFSETs when a guest balloons 100 pages:
 * the first invalidates fit in the ring, then one goes synchronous and the
 * rest wait in the hypervisor until it is completed.  Dispatch gets them
 * all, in order, the TIMEOFFSETs to the ioreq callback, every frame
 * released.
 */
START_TEST(test_timeoffsets_fill_ring)
{
	struct xpi_listener *l = attached(0);
	struct xpi_listener_stats ls;
	static uint64_t bfns[100], mfns[100];
	void *buf;
	int n, rounds = 0;

	ck_assert_int_eq(xpi_sim_ioreq_server_pages(sim, GUEST, ios, &buf,
						    NULL),
			 0);
	map(800, 100, 0, bfns);
	for (unsigned int i = 0; i < 100; i++)
		mfns[i] = mfn_of(800 + i);
	for (unsigned int i = 0; i < 200; i++)
		xen_timeoffset(buf, i + 1);
	for (unsigned int i = 0; i < 100; i++)
		ck_assert_int_eq(xpi_sim_balloon_out(sim, GUEST, 800 + i), 0);
	while (nrecs < 100) {
		n = xpi_listener_dispatch(l);
		ck_assert_int_gt(n, 0);
		ck_assert_int_lt(++rounds, 10);
	}
	ck_assert_int_eq(xpi_listener_dispatch(l), 0);
	for (unsigned int i = 0; i < 100; i++) {
		ck_assert_uint_eq(recs[i].bfn, bfns[i]);
		ck_assert_uint_eq(recs[i].known, 1);
		assert_released(mfns[i]);
	}
	ck_assert_uint_eq(others, 200);
	ck_assert_uint_eq(other_reqs[63].type, IOREQ_TYPE_TIMEOFFSET);
	ck_assert_uint_eq(other_reqs[63].data, 64);
	ck_assert_int_eq(xpi_listener_get_stats(l, &ls), 0);
	ck_assert_uint_ge(ls.sync, 1);
	ck_assert_uint_eq(ls.resyncs, 0);
	ck_assert_uint_eq(ls.unmaps, 100);
	ck_assert_uint_eq(xpi_mapping_count(h), 0);
	xt_audit_clean(sim);
	xpi_listener_free(l);
}
END_TEST

/*
 * A ring that really is corrupt (a type byte Xen's ioreq.h does not
 * define) after four INVALIDATEs: those four are handled and their frames
 * released, the call returns their count (not -EPROTO), and the resync is
 * logged and counted in resyncs.  What came after is dropped: still
 * tracked, the emulator's to unmap; the listener works on.
 */
static void resync_keeps_count(int owned)
{
	struct xpi_listener *l = owned ? listener(0) : attached(0);
	struct xpi_listener_stats ls;
	uint64_t bfns[7], mfns[7];
	buffered_iopage_t *pg;
	void *buf;

	ck_assert_int_eq(xpi_sim_ioreq_server_pages(sim, GUEST, ios, &buf,
						    NULL),
			 0);
	pg = buf;
	map(700, 7, 0, bfns);
	for (unsigned int i = 0; i < 7; i++)
		mfns[i] = mfn_of(700 + i);
	for (unsigned int i = 0; i < 4; i++)
		ck_assert_int_eq(xpi_sim_balloon_out(sim, GUEST, 700 + i), 0);
	xen_put(buf, 0x55, 4, 0, 0); /* not from Xen */
	for (unsigned int i = 4; i < 6; i++)
		ck_assert_int_eq(xpi_sim_balloon_out(sim, GUEST, 700 + i), 0);
	xt_expect_error("corrupt buffered ring");
	ck_assert_int_eq(owned ? xpi_invalidate_buffered(l, GUEST, ios, buf)
			       : xpi_listener_dispatch(l),
			 4);
	ck_assert(xt_log_seen("unknown ioreq type"));
	ck_assert_uint_eq(pg->read_pointer, pg->write_pointer);
	ck_assert_int_eq(xpi_listener_get_stats(l, &ls), 0);
	ck_assert_uint_eq(ls.resyncs, 1);
	ck_assert_uint_eq(ls.handled, 4);
	ck_assert_uint_eq(nrecs, 4);
	for (unsigned int i = 0; i < 4; i++) {
		ck_assert_uint_eq(recs[i].bfn, bfns[i]);
		assert_released(mfns[i]);
	}
	ck_assert_uint_eq(xpi_mapping_count(h), 3);
	ck_assert_int_eq(xpi_foreign_unmap(h, bfns + 4, 2, NULL), 2);
	assert_released(mfns[4]);
	assert_released(mfns[5]);
	/* It works on. */
	ck_assert_int_eq(xpi_sim_balloon_out(sim, GUEST, 706), 0);
	ck_assert_int_eq(owned ? xpi_invalidate_buffered(l, GUEST, ios, buf)
			       : xpi_listener_dispatch(l),
			 1);
	ck_assert_uint_eq(recs[4].bfn, bfns[6]);
	assert_released(mfns[6]);
	ck_assert_int_eq(xpi_listener_get_stats(l, &ls), 0);
	ck_assert_uint_eq(ls.resyncs, 1);
	xt_audit_clean(sim);
	xpi_listener_free(l);
}

/*
 * Synchronous reads as Xen's ioreq_send() raises them, with no ioreq
 * callback: a plain read completes with all ones, a read into a guest
 * buffer (data_is_ptr) keeps data, the buffer's address, as Xen wrote it.
 */
START_TEST(test_sync_read_data_is_ptr)
{
	struct xpi_listener_config c;
	struct xpi_listener_stats ls;
	struct xpi_sim_ioreq_stats ss;
	struct xpi_listener *l;
	ioreq_t *r, q;

	ck_assert_int_eq(xpi_sim_ioreq_server_pages(sim, GUEST, ios, NULL,
						    (void **)&r),
			 0);
	xpi_listener_config_init(&c);
	ck_assert_int_eq(xpi_listener_new(h, &c, &l), 0);
	ck_assert_int_eq(xpi_listener_attach(l, GUEST, ios, 1), 0);
	for (unsigned int ptr = 0; ptr < 2; ptr++) {
		memset(&q, 0, sizeof(q));
		q.type = IOREQ_TYPE_COPY;
		q.dir = IOREQ_READ;
		q.data_is_ptr = ptr;
		q.count = ptr ? 16 : 1;
		q.size = 4;
		q.addr = 0xfed00000;
		q.data = 0x12345000;
		q.vp_eport = r->vp_eport;
		*r = q;
		__atomic_store_n((uint8_t *)r + XPI_IOREQ_OFF_BITS,
				 (uint8_t)(((uint8_t *)&q)[XPI_IOREQ_OFF_BITS] |
					   STATE_IOREQ_READY),
				 __ATOMIC_RELEASE);
		ck_assert_int_eq(xpi_listener_dispatch(l), 1);
		ck_assert_uint_eq(r->state, STATE_IORESP_READY);
		ck_assert_uint_eq(r->data_is_ptr, ptr);
		ck_assert_uint_eq(r->dir, IOREQ_READ);
		ck_assert_uint_eq(r->data, ptr ? 0x12345000 : UINT64_MAX);
		/* Xen takes the answer. */
		r->state = STATE_IOREQ_NONE;
	}
	ck_assert_int_eq(xpi_listener_get_stats(l, &ls), 0);
	ck_assert_uint_eq(ls.other, 2);
	ck_assert_uint_eq(ls.completions, 2);
	ck_assert_int_eq(xpi_sim_ioreq_server_stats(sim, GUEST, ios, &ss), 0);
	ck_assert_uint_eq(ss.sync_sent, 0);
	xpi_listener_free(l);
}
END_TEST

START_TEST(test_resync_keeps_count)
{
	resync_keeps_count(0);
}
END_TEST

START_TEST(test_resync_keeps_count_owned)
{
	resync_keeps_count(1);
}
END_TEST
#endif

START_TEST(test_bad_inputs)
{
	struct xpi_listener_config c;
	struct xpi_listener_stats ls;
	struct xpi_listener *l = NULL;
	unsigned char io[32] = { 0 };

	xpi_listener_config_init(NULL);
	xpi_listener_free(NULL);
	ck_assert_int_eq(xpi_listener_new(NULL, NULL, &l), -EINVAL);
	ck_assert_ptr_null(l);
	xt_expect_error("xpi_listener_new");
	ck_assert_int_eq(xpi_listener_new(h, NULL, NULL), -EINVAL);
	xpi_listener_config_init(&c);
	c.flags = 0x80;
	ck_assert_int_eq(xpi_listener_new(h, &c, &l), -EINVAL);
	xpi_listener_config_init(&c);
	c.budget = 0;
	ck_assert_int_eq(xpi_listener_new(h, &c, &l), -EINVAL);
	xpi_listener_config_init(&c);
	c.size = sizeof(c) + 8;
	ck_assert_int_eq(xpi_listener_new(h, &c, &l), -EINVAL);
	/* Sizes no release had: inside the last field, or 0. */
	c.size = sizeof(c) - 1;
	xt_expect_error("a config of");
	ck_assert_int_eq(xpi_listener_new(h, &c, &l), -EINVAL);
	ck_assert_ptr_null(l);
	c.size = 0;
	ck_assert_int_eq(xpi_listener_new(h, &c, &l), -EINVAL);
	ck_assert_ptr_null(l);

	ck_assert_int_eq(xpi_listener_attach(NULL, GUEST, ios, 1), -EINVAL);
	ck_assert_int_eq(xpi_listener_fd(NULL), -EINVAL);
	ck_assert_int_eq(xpi_listener_dispatch(NULL), -EINVAL);
	ck_assert_int_eq(xpi_listener_get_stats(NULL, &ls), -EINVAL);
	ck_assert_int_eq(xpi_invalidate_ioreq(NULL, GUEST, ios, io), -EINVAL);
	ck_assert_int_eq(xpi_invalidate_buffered(NULL, GUEST, ios, io),
			 -EINVAL);

	ck_assert_int_eq(xpi_listener_new(h, NULL, &l), 0);
	ck_assert_int_eq(xpi_listener_get_stats_sized(l, NULL, sizeof(ls)),
			 -EINVAL);
	xt_expect_error("xpi_listener_get_stats: a struct of");
	ck_assert_int_eq(xpi_listener_get_stats_sized(l, &ls, sizeof(ls) - 1),
			 -EINVAL);
	ck_assert_int_eq(xpi_listener_get_stats_sized(l, &ls, sizeof(ls) + 8),
			 -EINVAL);
	ck_assert_int_eq(xpi_listener_get_stats_sized(l, &ls, 0), -EINVAL);
	ck_assert_int_eq(xpi_listener_get_stats(l, &ls), 0);
	ck_assert_int_eq(xpi_listener_fd(l), -ENOTCONN);
	xt_expect_error("not attached");
	ck_assert_int_eq(xpi_listener_dispatch(l), -ENOTCONN);
	xt_expect_error("NULL ioreq");
	ck_assert_int_eq(xpi_invalidate_ioreq(l, GUEST, ios, NULL), -EINVAL);
	xt_expect_error("NULL page");
	ck_assert_int_eq(xpi_invalidate_buffered(l, GUEST, ios, NULL), -EINVAL);
	xt_expect_error("xpi_listener_attach: bad");
	ck_assert_int_eq(xpi_listener_attach(l, GUEST, ios, 0), -EINVAL);
	ck_assert_int_eq(xpi_listener_attach(l, GUEST, ios, 129), -EINVAL);
	ck_assert_int_eq(xpi_listener_attach(l, XPI_DOMID_SELF, ios, 1),
			 -EINVAL);
	xt_expect_error("no ioreq server");
	ck_assert_int_eq(xpi_listener_attach(l, GUEST, ios + 7, 1), -ENOENT);
	ck_assert_int_eq(xpi_listener_attach(l, 77, ios, 1), -ESRCH);
	ck_assert_int_eq(xpi_listener_fd(l), -ENOTCONN);
	ck_assert_int_eq(xpi_listener_attach(l, GUEST, ios, 1), 0);
	xt_expect_error("attached already");
	ck_assert_int_eq(xpi_listener_attach(l, GUEST, ios, 1), -EBUSY);
	ck_assert_int_eq(xpi_listener_dispatch(l), 0);
	xpi_listener_free(l);
}
END_TEST

/*
 * The storm: balloon-outs on two servers, the consumer draining only
 * every DRAIN_EVERY of them, so each ring overflows into a synchronous
 * ioreq and a backlog.  Every invalidation is handled exactly once, in
 * order per server; every reference is released.
 */
#define STORM_SERVERS 2
#define DRAIN_EVERY 1000

struct storm {
	uint64_t *expect[STORM_SERVERS];
	size_t got[STORM_SERVERS];
	uint16_t ios[STORM_SERVERS];
	size_t unknown;
};

static void storm_cb(void *opaque, const struct xpi_invalidate_event *ev)
{
	struct storm *s = opaque;
	unsigned int k = ev->ioserver == s->ios[0] ? 0 : 1;

	ck_assert_uint_eq(ev->ioserver, s->ios[k]);
	if (!ev->known)
		s->unknown++;
	/* In order, exactly once: the next one expected on this server. */
	ck_assert_uint_eq(ev->bfn, s->expect[k][s->got[k]]);
	s->got[k]++;
}

START_TEST(test_storm)
{
	size_t n = getenv("XPI_UNDER_VALGRIND") ? 20000 : 100000;
	struct xpi_sim_config c;
	struct xpi_listener *l[STORM_SERVERS];
	struct xpi_listener_stats ls;
	struct storm s = { 0 };
	uint64_t *gfns = malloc(n * sizeof(*gfns));
	uint64_t *bfns = malloc(n * sizeof(*bfns));
	uint64_t *mfns = malloc(n * sizeof(*mfns));
	size_t cnt[STORM_SERVERS] = { 0 }, handled = 0, syncs = 0;

	xt_log_reset();
	xpi_sim_config_init(&c);
	c.host_frames = UINT64_C(1) << 19;
	c.hwdom_frames = 16384;
	c.max_order = 9;
	sim = xt_sim_new(&c);
	xt_guest(sim, GUEST, n + 1024, XPI_SIM_BACKING_SCATTERED);
	h = open_with_base(UINT64_C(1) << 32);
	for (unsigned int k = 0; k < STORM_SERVERS; k++) {
		struct xpi_listener_config lc;

		ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, XPI_SIM_HWDOM,
							     GUEST, &s.ios[k]),
				 0);
		s.expect[k] = malloc(n * sizeof(uint64_t));
		xpi_listener_config_init(&lc);
		lc.invalidate = storm_cb;
		lc.opaque = &s;
		lc.budget = 1500; /* slow: the backlog persists */
		ck_assert_int_eq(xpi_listener_new(h, &lc, &l[k]), 0);
		ck_assert_int_eq(xpi_listener_attach(l[k], GUEST, s.ios[k], 1),
				 0);
	}
	/* Even GFNs for server 0, odd for server 1. */
	for (unsigned int k = 0; k < STORM_SERVERS; k++) {
		size_t m = 0;

		for (size_t i = k; i < n; i += STORM_SERVERS)
			gfns[m++] = i;
		ck_assert_int_eq(
			xpi_foreign_map(h, GUEST, s.ios[k], gfns, m,
					XPI_FOREIGN_READ |
						(k ? XPI_FOREIGN_SWAP_MFN
						   : XPI_FOREIGN_WRITE),
					bfns + k * ((n + 1) / 2), NULL),
			(long)m);
	}
	for (size_t i = 0; i < n; i++) {
		unsigned int k = i % STORM_SERVERS;
		uint64_t bfn = bfns[k * ((n + 1) / 2) + i / STORM_SERVERS];

		mfns[i] = mfn_of(i);
		ck_assert_int_eq(xpi_sim_balloon_out(sim, GUEST, i), 0);
		s.expect[k][cnt[k]++] = bfn;
		if ((i + 1) % DRAIN_EVERY == 0)
			for (unsigned int j = 0; j < STORM_SERVERS; j++)
				ck_assert_int_ge(xpi_listener_dispatch(l[j]),
						 0);
	}
	/* Drain what is left: the backlog comes as slots complete. */
	for (int idle = 0; idle < 2;) {
		int got = 0;

		for (unsigned int j = 0; j < STORM_SERVERS; j++) {
			int rc = xpi_listener_dispatch(l[j]);

			ck_assert_int_ge(rc, 0);
			got += rc;
		}
		idle = got ? 0 : idle + 1;
	}
	for (unsigned int k = 0; k < STORM_SERVERS; k++) {
		struct xpi_sim_ioreq_stats ss;

		ck_assert_uint_eq(s.got[k], cnt[k]);
		ck_assert_int_eq(xpi_sim_ioreq_server_stats(sim, GUEST,
							    s.ios[k], &ss),
				 0);
		ck_assert_uint_eq(ss.waiting, 0);
		ck_assert_uint_ge(ss.sync_sent, 1); /* it did overflow */
		ck_assert_uint_eq(ss.buffered_sent + ss.sync_sent, cnt[k]);
		ck_assert_int_eq(xpi_listener_get_stats(l[k], &ls), 0);
		ck_assert_uint_eq(ls.handled, cnt[k]);
		ck_assert_uint_eq(ls.unmaps, cnt[k]);
		ck_assert_uint_eq(ls.unmap_errors, 0);
		handled += ls.handled;
		syncs += ls.sync;
		xpi_listener_free(l[k]);
		free(s.expect[k]);
	}
	ck_assert_uint_eq(handled, n);
	ck_assert_uint_ge(syncs, 2);
	ck_assert_uint_eq(s.unknown, 0);
	ck_assert_uint_eq(xpi_mapping_count(h), 0);
	for (size_t i = 0; i < n; i++)
		assert_released(mfns[i]);
	xt_audit_clean(sim);
	ck_assert_int_eq(xpi_close(h), 0);
	xt_audit_clean(sim);
	xpi_sim_free(sim);
	free(gfns);
	free(bfns);
	free(mfns);
}
END_TEST

static Suite *listener_suite(void)
{
	Suite *s = suite_create("listener");
	TCase *tc = tcase_create("sim");
	TCase *low = tcase_create("sim-4-byte");
	TCase *storm = tcase_create("storm");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_balloon_unmaps_in_one_hypercall);
	tcase_add_test(tc, test_balloon_swap_mfn);
	tcase_add_test(tc, test_unknown_bfn);
	tcase_add_test(tc, test_flush_all);
	tcase_add_test(tc, test_manual_unmap);
	tcase_add_test(tc, test_superpage_extent_once);
	tcase_add_test(tc, test_emulator_owned);
	tcase_add_test(tc, test_unmap_refused_stays_tracked);
	tcase_add_test(tc, test_corrupt_ring_resyncs);
	tcase_add_test(tc, test_bad_inputs);
#ifdef HAVE_XEN_IOREQ_H
	tcase_add_test(tc, test_timeoffset_among_invalidates);
	tcase_add_test(tc, test_timeoffset_among_invalidates_owned);
	tcase_add_test(tc, test_resync_keeps_count);
	tcase_add_test(tc, test_resync_keeps_count_owned);
	tcase_add_test(tc, test_sync_read_data_is_ptr);
	tcase_add_test(tc, test_timeoffsets_fill_ring);
#endif
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(low, setup_low, teardown);
	tcase_add_test(low, test_balloon_unmaps_in_one_hypercall);
	tcase_add_test(low, test_balloon_swap_mfn);
	tcase_add_test(low, test_emulator_buffered_others);
#ifdef HAVE_XEN_IOREQ_H
	tcase_add_test(low, test_timeoffset_among_invalidates);
	tcase_add_test(low, test_timeoffset_among_invalidates_owned);
	tcase_add_test(low, test_resync_keeps_count);
#endif
	suite_add_tcase(s, low);

	tcase_set_timeout(storm, 600);
	tcase_add_test(storm, test_storm);
	suite_add_tcase(s, storm);
	return s;
}

int main(void)
{
	return xt_run(listener_suite());
}
