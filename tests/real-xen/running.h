/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A running guest balloons itself, included by patched-test.c after
 * foreign.h (guest_create(), guest_end(), guest_pages(), check()).
 *
 * The draft's synchronous fallback: when an ioreq server's buffered ring
 * is full, Xen sends the INVALIDATE with the BFN as a synchronous ioreq,
 * and the guest's vCPU waits for the emulator's response.  That needs a
 * guest that runs and balloons itself, so that its own vCPU is the one
 * that waits.  dom0 creates an HVM guest (no toolstack: libxenctrl), maps
 * RUN_PAGES of its pages through the library (single-page extents, one
 * BFN each), and starts its one vCPU in flat 32-bit protected mode on a
 * few bytes of code that call XENMEM_decrease_reservation on all of them
 * at once (vmmcall), store the result and halt.  RUN_PAGES is more than
 * the buffered ring holds (511 slots), so Xen must fall back.  Then the
 * same with a toolstack's balloon: a second guest only spins, and dom0
 * balloons the mapped pages out of it while it runs; the invalidates the
 * ring could not take go with the guest's vCPU when it next runs.
 *
 * dom0 plays a QEMU-like emulator that owns its ioreq loop: it maps the
 * server's pages and binds its event channels itself, and hands the
 * library each synchronous ioreq (xpi_invalidate_ioreq()) and its
 * buffered page (xpi_invalidate_buffered()).  It leaves the ring full
 * until a synchronous BFN invalidate has come, to see that one come while
 * the ring is full and the guest's hypercall has not returned.
 */
#ifndef XPI_REAL_XEN_RUNNING_H
#define XPI_REAL_XEN_RUNNING_H

#include <time.h>
#include <xenevtchn.h>
#include <xen/hvm/ioreq.h>
#include <xen/hvm/save.h>

#define RUN_PAGES 600u
#define RUN_GFN0 100u
#define RUN_CODE 0x10u /* GFN of the code; the next two: data, extents */
#define RUN_UNSET 0xdeadbeefu

struct run_state {
	uint64_t bfn[RUN_PAGES];
	unsigned int seen[RUN_PAGES];
	unsigned int nsync, nbuffered, unknown, flush_alls;
};

static void run_inval(void *opaque, const struct xpi_invalidate_event *ev)
{
	struct run_state *s = opaque;

	if (!ev->known)
		s->unknown++;
	for (unsigned int i = 0; i < RUN_PAGES; i++)
		if (s->bfn[i] == ev->bfn) {
			s->seen[i]++;
			break;
		}
	if (ev->sync)
		s->nsync++;
	else
		s->nbuffered++;
}

static void run_flush_all(void *opaque, uint16_t domid, uint16_t ios)
{
	struct run_state *s = opaque;

	(void)domid;
	(void)ios;
	s->flush_alls++;
}

/*
 * The guest's code at RUN_CODE << 12, its reservation at the next page and
 * the extents (32-bit GFNs: the guest is in 32-bit mode, so the compat
 * layout) at the one after.  @self 0: the code only spins (pause; jmp),
 * for a toolstack to balloon a guest that runs.
 */
static int run_load(xenforeignmemory_handle *fm, uint32_t domid, int self)
{
	static const unsigned char spin[] = { 0xf3, 0x90, 0xeb, 0xfc };
	const uint32_t data = (RUN_CODE + 1) << 12, ext = (RUN_CODE + 2) << 12;
	const uint32_t result = data + 0x100;
	xen_pfn_t pfn[3] = { RUN_CODE, RUN_CODE + 1, RUN_CODE + 2 };
	unsigned char code[] = {
		0xb8, 12,   0,
		0,    0, /* mov eax, __HYPERVISOR_memory_op */
		0xbb, 1,    0,
		0,    0, /* mov ebx, XENMEM_decrease_reservation */
		0xb9, 0,    0,
		0,    0,	  /* mov ecx, data */
		0x0f, 0x01, 0xd9, /* vmmcall */
		0xa3, 0,    0,
		0,    0,    /* mov [result], eax */
		0xfa,	    /* cli */
		0xf4,	    /* hlt: with IF clear, the vCPU goes down */
		0xeb, 0xfd, /* jmp hlt */
	};
	unsigned char *p;
	uint32_t *u;
	int err[3];

	memcpy(code + 11, &data, 4);
	memcpy(code + 19, &result, 4);
	p = xenforeignmemory_map(fm, domid, PROT_READ | PROT_WRITE, 3, pfn,
				 err);
	if (!p || err[0] || err[1] || err[2]) {
		if (p)
			xenforeignmemory_unmap(fm, p, 3);
		return -1;
	}
	memcpy(p, code, sizeof(code));
	if (!self)
		memcpy(p, spin, sizeof(spin));
	u = (uint32_t *)(p + 4096);
	u[0] = ext;	  /* extent_start */
	u[1] = RUN_PAGES; /* nr_extents */
	u[2] = 0;	  /* extent_order */
	u[3] = 0;	  /* mem_flags */
	u[4] = 0x7ff0;	  /* domid: DOMID_SELF */
	u[0x100 / 4] = RUN_UNSET;
	u = (uint32_t *)(p + 8192);
	for (unsigned int i = 0; i < RUN_PAGES; i++)
		u[i] = RUN_GFN0 + i; /* the order does not matter here */
	xenforeignmemory_unmap(fm, p, 3);
	return 0;
}

/* The guest's result word (RUN_UNSET until its hypercall returned). */
static uint32_t run_result(xenforeignmemory_handle *fm, uint32_t domid)
{
	xen_pfn_t pfn = RUN_CODE + 1;
	uint32_t v = 0;
	int err = 0;
	void *p = xenforeignmemory_map(fm, domid, PROT_READ, 1, &pfn, &err);

	if (p && !err)
		memcpy(&v, (char *)p + 0x100, 4);
	if (p)
		xenforeignmemory_unmap(fm, p, 1);
	return v;
}

/*
 * vCPU 0 in flat 32-bit protected mode, paging off, at the code.  A vCPU
 * that never ran has no CPU record in the domain's context (Xen saves
 * none for a vCPU that is down), so this loads Xen's own header with a
 * CPU record of ours: loading it brings the vCPU up.
 */
static int run_set_cpu(xc_interface *xch, uint32_t domid)
{
	int size = xc_domain_hvm_getcontext(xch, domid, NULL, 0);
	uint8_t *buf = size > 0 ? calloc(1, (size_t)size) : NULL;
	struct hvm_save_descriptor *hd = (void *)buf, *d;
	struct hvm_hw_cpu c;
	uint8_t *ctx = NULL, *q;
	size_t hlen;
	int rc = -2;

	if (!buf ||
	    xc_domain_hvm_getcontext(xch, domid, buf, (uint32_t)size) < 0 ||
	    hd->typecode != HVM_SAVE_CODE(HEADER))
		goto out;
	hlen = sizeof(*hd) + hd->length;
	ctx = calloc(1, hlen + 2 * sizeof(*hd) + sizeof(c) + sizeof(*hd));
	if (!ctx)
		goto out;
	memset(&c, 0, sizeof(c));
	c.rip = RUN_CODE << 12;
	c.rsp = (RUN_CODE << 12) + 0xf00;
	c.rflags = 0x2;
	c.cr0 = 0x11; /* PE | ET */
	c.dr6 = 0xffff0ff0;
	c.dr7 = 0x400;
	c.cs_sel = 0x08;
	c.cs_limit = ~0u;
	c.cs_arbytes = 0xc9b;
	c.ds_sel = c.es_sel = c.ss_sel = c.fs_sel = c.gs_sel = 0x10;
	c.ds_limit = c.es_limit = c.ss_limit = c.fs_limit = c.gs_limit = ~0u;
	c.ds_arbytes = c.es_arbytes = c.ss_arbytes = 0xc93;
	c.fs_arbytes = c.gs_arbytes = 0xc93;
	c.tr_sel = 0x18;
	c.tr_limit = 0x67;
	c.tr_arbytes = 0x8b;
	c.ldtr_arbytes = 0x82;
	memcpy(ctx, buf, hlen);
	q = ctx + hlen;
	d = (void *)q;
	d->typecode = HVM_SAVE_CODE(CPU);
	d->instance = 0;
	d->length = sizeof(c);
	memcpy(q + sizeof(*d), &c, sizeof(c));
	q += sizeof(*d) + sizeof(c);
	d = (void *)q;
	d->typecode = HVM_SAVE_CODE(END);
	d->instance = 0;
	d->length = 0;
	q += sizeof(*d);
	rc = xc_domain_hvm_setcontext(xch, domid, ctx, (uint32_t)(q - ctx)) ? -3
									    : 0;
out:
	free(ctx);
	free(buf);
	return rc;
}

static double run_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* @self: the guest balloons itself; 0: dom0 balloons it as it runs. */
static void running_guest(int self)
{
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	xendevicemodel_handle *dm = xendevicemodel_open(NULL, 0);
	xenforeignmemory_handle *fm = xenforeignmemory_open(NULL, 0);
	xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
	xenforeignmemory_resource_handle *res = NULL;
	static struct run_state s;
	static uint64_t gfns[RUN_PAGES];
	struct xpi_listener_config lc;
	struct xpi_listener *l = NULL;
	buffered_iopage_t *bufpg = NULL;
	ioreq_t *slot = NULL;
	void *pages = NULL;
	uint32_t domid = 0, result = RUN_UNSET, at_sync = 0;
	evtchn_port_t bufport = 0;
	int lbuf = -1, lvcpu = -1, rc, have_ios = 0, full_sync = 0;
	int sync_form = 0;
	unsigned long before = 0, after;
	ioservid_t ios = 0;
	unsigned int seen_once = 0, seen_twice = 0;
	const char *step;
	/* What the handle held before (a failed earlier check leaves some). */
	uint64_t held = xpi_mapping_count(h);
	double deadline;

	memset(&s, 0, sizeof(s));
	rc = xch && dm && fm && xce ? guest_create(xch, &domid, 0) : -1;
	check(rc == 0, "a guest to run: HVM d%u (%d)", domid, rc);
	if (rc)
		goto out;
	rc = xendevicemodel_create_ioreq_server(dm, domid,
						HVM_IOREQSRV_BUFIOREQ_ATOMIC,
						&ios);
	have_ios = rc == 0;
	/* Its pages mapped before it is enabled: Xen then names the
	 * vCPU's event channel in the synchronous slot. */
	if (!rc) {
		res = xenforeignmemory_map_resource(
			fm, (domid_t)domid, XENMEM_resource_ioreq_server, ios,
			0, 2, &pages, PROT_READ | PROT_WRITE, 0);
		rc = res ? 0 : -1;
	}
	if (!rc)
		rc = xendevicemodel_set_ioreq_server_state(dm, domid, ios, 1);
	if (!rc)
		rc = xendevicemodel_get_ioreq_server_info(dm, domid, ios, NULL,
							  NULL, &bufport);
	if (!rc) {
		bufpg = pages;
		slot = (ioreq_t *)((char *)pages + 4096);
		lbuf = xenevtchn_bind_interdomain(xce, domid, bufport);
		lvcpu = xenevtchn_bind_interdomain(xce, domid,
						   slot[0].vp_eport);
		rc = lbuf < 0 || lvcpu < 0 ? -1 : 0;
	}
	check(rc == 0,
	      "the emulator's own ioreq loop: server %u's pages mapped, its"
	      " buffered and vCPU event channels (%u, %u) bound (%d)",
	      ios, bufport, slot ? slot[0].vp_eport : 0, rc);
	if (rc)
		goto out;

	xpi_listener_config_init(&lc);
	lc.invalidate = run_inval;
	lc.flush_all = run_flush_all;
	lc.opaque = &s;
	rc = xpi_listener_new(h, &lc, &l);
	/* Two runs interleaved: no two neighbours are contiguous, so the
	 * library makes single-page extents. */
	for (unsigned int i = 0; i < RUN_PAGES; i++)
		gfns[i] = RUN_GFN0 + i / 2 + (i & 1) * (RUN_PAGES / 2);
	if (!rc)
		rc = (int)xpi_foreign_map(h, (uint16_t)domid, ios, gfns,
					  RUN_PAGES,
					  XPI_FOREIGN_READ | XPI_FOREIGN_WRITE,
					  s.bfn, NULL);
	check(rc == (int)RUN_PAGES && xpi_mapping_count(h) == held + RUN_PAGES,
	      "%u guest pages mapped, one BFN each (%d, %llu extents)",
	      RUN_PAGES, rc, (unsigned long long)(xpi_mapping_count(h) - held));
	if (rc != (int)RUN_PAGES)
		goto out;
	before = guest_pages(xch, domid);
	step = "load";
	rc = run_load(fm, domid, self);
	if (!rc) {
		step = "set the vCPU";
		rc = run_set_cpu(xch, domid);
	}
	if (!rc) {
		step = "unpause";
		rc = xc_domain_unpause(xch, domid);
	}
	if (!rc && !self) {
		static xen_pfn_t list[RUN_PAGES];

		step = "balloon";
		for (unsigned int i = 0; i < RUN_PAGES; i++)
			list[i] = RUN_GFN0 + i;
		rc = xc_domain_decrease_reservation_exact(xch, domid, RUN_PAGES,
							  0, list);
	}
	check(rc == 0,
	      self ? "the guest runs: code loaded, vCPU 0 in 32-bit protected"
		     " mode, unpaused (%s: %d, %s)"
		   : "dom0, as a toolstack, balloons the mapped pages out of"
		     " the running (spinning) guest (%s: %d, %s)",
	      step, rc, rc ? strerror(errno) : "");
	if (rc)
		goto out;

	/*
	 * The loop: synchronous ioreqs as they come; the ring only once a
	 * synchronous BFN invalidate came (or after 5 s, which fails).  It
	 * all takes about a second on the boots here.
	 */
	deadline = run_now() + 15;
	for (double ring_at = run_now() + 5; run_now() < deadline;) {
		struct pollfd p = { .fd = xenevtchn_fd(xce), .events = POLLIN };
		xenevtchn_port_or_error_t port;

		/* xenevtchn_pending() blocks: only when the fd is readable. */
		if (poll(&p, 1, 50) == 1) {
			port = xenevtchn_pending(xce);
			if (port >= 0)
				xenevtchn_unmask(xce, (evtchn_port_t)port);
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (slot[0].state == STATE_IOREQ_READY) {
			int bfn = slot[0].type == IOREQ_TYPE_INVALIDATE &&
				  slot[0].data != ~UINT64_C(0) &&
				  slot[0].data != UINT32_MAX;
			uint32_t used = bufpg->write_pointer -
					bufpg->read_pointer;

			if (bfn && !full_sync &&
			    used >= IOREQ_BUFFER_SLOT_NUM - 1) {
				full_sync = 1;
				at_sync = run_result(fm, domid);
				sync_form = slot[0].size == 8 &&
					    slot[0].count == 1 &&
					    slot[0].dir == IOREQ_WRITE &&
					    !slot[0].data_is_ptr;
			}
			rc = xpi_invalidate_ioreq(l, (uint16_t)domid, ios,
						  &slot[0]);
			if (rc < 0)
				break;
			__atomic_thread_fence(__ATOMIC_RELEASE);
			slot[0].state = STATE_IORESP_READY;
			xenevtchn_notify(xce, (evtchn_port_t)lvcpu);
		}
		if (full_sync || run_now() > ring_at) {
			rc = xpi_invalidate_buffered(l, (uint16_t)domid, ios,
						     bufpg);
			if (rc < 0)
				break;
		}
		result = self ? run_result(fm, domid) : RUN_PAGES;
		if (result != RUN_UNSET && s.nsync + s.nbuffered >= RUN_PAGES &&
		    bufpg->write_pointer == bufpg->read_pointer)
			break;
	}
	for (unsigned int i = 0; i < RUN_PAGES; i++) {
		seen_once += s.seen[i] == 1;
		seen_twice += s.seen[i] > 1;
	}
	if (self) {
		check(result == RUN_PAGES,
		      "the guest's own decrease_reservation of the %u mapped"
		      " pages returned %u",
		      RUN_PAGES, result);
		check(s.flush_alls >= 1,
		      "Xen sent the legacy flush-all INVALIDATE synchronously"
		      " after the hypercall (%u)",
		      s.flush_alls);
		check(full_sync && at_sync == RUN_UNSET && sync_form,
		      "the ring full, Xen sent a BFN's INVALIDATE as a"
		      " synchronous ioreq (a write of 8 bytes, count 1), and"
		      " the guest's vCPU waited for it (result word 0x%x)",
		      at_sync);
	} else {
		check(s.flush_alls >= 1 && full_sync && sync_form,
		      "the ring full, the guest's vCPU, next to run, sent the"
		      " flush-all (%u) and then a BFN's INVALIDATE as a"
		      " synchronous ioreq",
		      s.flush_alls);
	}
	check(seen_once == RUN_PAGES && seen_twice == 0 && s.unknown == 0,
	      "every one of the %u BFNs came exactly once (%u through the"
	      " ring, %u synchronously; %u twice, %u unknown)",
	      RUN_PAGES, s.nbuffered, s.nsync, seen_twice, s.unknown);
	after = guest_pages(xch, domid);
	check(xpi_mapping_count(h) == held && after == before - RUN_PAGES,
	      "the library unmapped every one and the frames were freed (%llu"
	      " mappings left; %lu -> %lu guest pages)",
	      (unsigned long long)(xpi_mapping_count(h) - held), before, after);

out:
	xpi_listener_free(l);
	if (lvcpu >= 0)
		xenevtchn_unbind(xce, (evtchn_port_t)lvcpu);
	if (lbuf >= 0)
		xenevtchn_unbind(xce, (evtchn_port_t)lbuf);
	if (res)
		xenforeignmemory_unmap_resource(fm, res);
	if (xce)
		xenevtchn_close(xce);
	if (fm)
		xenforeignmemory_close(fm);
	guest_end(xch, dm, domid, have_ios, ios);
}

/*
 * The synchronous fallback's queue is per ioreq server and the work per
 * exit is bounded: an emulator makes 64 mappings of each of 10 pages of a
 * running guest (the alias cap), disables its server and the guest's
 * pages are ballooned out while it runs: 640 INVALIDATEs, the ring takes
 * 511, the rest wait for a server that can take none.  Xen's debug
 * counter (dom0's 'j' key, read back from the console ring) shows the
 * entries looked at in one exit stay at most one per server, not the
 * queue's length; destroying the server drops its queue.
 */
#define PB_PAGES 10u
#define PB_BFN UINT64_C(0x2000000) /* below 2^32: 4-byte ring entries */
static void pending_bounded(void)
{
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	xendevicemodel_handle *dm = xendevicemodel_open(NULL, 0);
	xenforeignmemory_handle *fm = xenforeignmemory_open(NULL, 0);
	xenforeignmemory_resource_handle *res = NULL;
	static struct pv_iommu_op ops[PB_PAGES * 64];
	static xen_pfn_t list[PB_PAGES];
	struct timespec ts = { 1, 0 };
	struct pv_counters c0, c1, c2;
	uint32_t domid = 0;
	ioservid_t ios = 0;
	void *pages = NULL;
	unsigned long before = 0, during, after;
	int rc, n, have_ios = 0, r1, r2;
	const char *step = "guest";

	rc = xch && dm && fm ? guest_create(xch, &domid, 0) : -1;
	if (!rc) {
		step = "ioreq server";
		rc = xendevicemodel_create_ioreq_server(
			dm, domid, HVM_IOREQSRV_BUFIOREQ_ATOMIC, &ios);
		have_ios = rc == 0;
	}
	if (!rc) {
		res = xenforeignmemory_map_resource(
			fm, (domid_t)domid, XENMEM_resource_ioreq_server, ios,
			0, 2, &pages, PROT_READ | PROT_WRITE, 0);
		rc = res ? 0 : -1;
	}
	if (!rc)
		rc = xendevicemodel_set_ioreq_server_state(dm, domid, ios, 1);
	for (unsigned int i = 0; i < PB_PAGES * 64; i++)
		fop_fill(&ops[i], IOMMUOP_map_foreign_page, RWF, PB_BFN + i,
			 RUN_GFN0 + 2 * (i / 64), (uint16_t)domid, ios);
	if (!rc) {
		step = "map";
		n = fops_count(ops, PB_PAGES * 64, 0);
		rc = n == (int)(PB_PAGES * 64) ? 0 : -1;
	}
	if (!rc) {
		step = "disable";
		rc = xendevicemodel_set_ioreq_server_state(dm, domid, ios, 0);
	}
	if (!rc) {
		step = "run";
		rc = run_load(fm, domid, 0);
	}
	if (!rc)
		rc = run_set_cpu(xch, domid);
	if (!rc)
		rc = xc_domain_unpause(xch, domid);
	check(rc == 0,
	      "pending queue: a running guest d%u, %u of its pages mapped 64"
	      " times each, its ioreq server %u disabled (%s: %d)",
	      domid, PB_PAGES, ios, step, rc);
	if (rc)
		goto out;
	before = guest_pages(xch, domid);
	pv_counters(xch, &c0); /* the maxima start again */
	for (unsigned int i = 0; i < PB_PAGES; i++)
		list[i] = RUN_GFN0 + 2 * i;
	rc = xc_domain_decrease_reservation_exact(xch, domid, PB_PAGES, 0,
						  list);
	nanosleep(&ts, NULL); /* the guest runs on, exit after exit */
	during = guest_pages(xch, domid);
	r1 = pv_counters(xch, &c1);
	check(rc == 0 && r1 == 0 && c1.queued > 8 && c1.examined >= 1 &&
		      c1.examined <= 8,
	      "pending queue: the guest ran with %lu INVALIDATEs queued for"
	      " its disabled server, and at most %u were looked at in one exit"
	      " (bounded by the 8 servers, not by the queue) (%d, %d)",
	      c1.queued, c1.examined, rc, r1);
	check(during == before,
	      "pending queue: the mapped frames stay allocated (%lu -> %lu"
	      " guest pages)",
	      before, during);
	rc = xendevicemodel_destroy_ioreq_server(dm, domid, ios);
	have_ios = rc != 0;
	r2 = pv_counters(xch, &c2);
	check(rc == 0 && r2 == 0 && c2.queued == 0,
	      "pending queue: destroying the server dropped its queue (%lu"
	      " queued now) (%d)",
	      c2.queued, rc);
	for (unsigned int i = 0; i < PB_PAGES * 64; i++)
		fop_fill(&ops[i], IOMMUOP_unmap_foreign_page, 0, PB_BFN + i, 0,
			 0, ios);
	n = fops_count(ops, PB_PAGES * 64, 0);
	after = guest_pages(xch, domid);
	check(n == (int)(PB_PAGES * 64) && after == before - PB_PAGES,
	      "pending queue: the %u mappings unmapped and the %u frames freed"
	      " (%d, %lu guest pages)",
	      PB_PAGES * 64, PB_PAGES, n, after);
out:
	if (res)
		xenforeignmemory_unmap_resource(fm, res);
	if (fm)
		xenforeignmemory_close(fm);
	guest_end(xch, dm, domid, have_ios, ios);
}

#endif /* XPI_REAL_XEN_RUNNING_H */
