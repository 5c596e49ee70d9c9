// SPDX-License-Identifier: LGPL-2.1-or-later
/* The simulator suites' shared fixtures and helpers (helpers.h). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#if HAVE_XEN
#include <xen/xen.h>
#include <xen/hvm/ioreq.h>
#endif

#include "helpers.h"

struct xpi_sim *sim;
uint16_t ios0, iosdm, ios1;

/* The domains of the fixture's kind of host, made on a new sim. */
static void (*make_domains)(void);

/* The do_iommu_op host (tests/sim/test-call.c and most others). */
static void ops_domains(void)
{
	struct xpi_sim_domain_config dc = {
		.nr_pages = 4096,
		.backing = XPI_SIM_BACKING_CONTIGUOUS,
		.has_iommu_hw = 1,
		.dm_target = XPI_DOMID_INVALID,
	};

	ck_assert_int_eq(xpi_sim_domain_create(sim, G1, &dc), 0);
	dc.backing = XPI_SIM_BACKING_SCATTERED;
	dc.has_iommu_hw = 0;
	dc.nr_pages = 1024;
	ck_assert_int_eq(xpi_sim_domain_create(sim, G3, &dc), 0);
	dc.has_iommu_hw = 1;
	ck_assert_int_eq(xpi_sim_domain_create(sim, G4, &dc), 0);
	dc.has_iommu_hw = 0;
	dc.nr_pages = 16;
	ck_assert_int_eq(xpi_sim_domain_create(sim, NO_HW_GUEST, &dc), 0);
	dc.has_iommu_hw = 1;
	dc.dm_target = G3;
	dc.backing = XPI_SIM_BACKING_CONTIGUOUS;
	ck_assert_int_eq(xpi_sim_domain_create(sim, DM, &dc), 0);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, G3, &ios0), 0);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, DM, G3, &iosdm), 0);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, G1, &ios1), 0);
}

/* The memory host (ballooning, ioreq pages, grants, the auditor). */
static void memory_domains(void)
{
	struct xpi_sim_domain_config dc = {
		.nr_pages = 4096,
		.backing = XPI_SIM_BACKING_CONTIGUOUS,
		.has_iommu_hw = 1,
		.dm_target = XPI_DOMID_INVALID,
	};

	ck_assert_int_eq(xpi_sim_domain_create(sim, G1, &dc), 0);
	dc.nr_pages = 1024;
	dc.backing = XPI_SIM_BACKING_SCATTERED;
	dc.has_iommu_hw = 0;
	ck_assert_int_eq(xpi_sim_domain_create(sim, G3, &dc), 0);
	dc.has_iommu_hw = 1;
	dc.dm_target = G3;
	ck_assert_int_eq(xpi_sim_domain_create(sim, DM, &dc), 0);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, G3, &ios0), 0);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, DM, G3, &iosdm), 0);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, G1, &ios1), 0);
}

static void make_sim(const struct xpi_sim_config *cfg)
{
	ck_assert_int_eq(xpi_sim_new(cfg, &sim), 0);
	make_domains();
}

void xs_ops_setup(void)
{
	make_domains = ops_domains;
	make_sim(NULL);
}

void xs_memory_setup(void)
{
	make_domains = memory_domains;
	make_sim(NULL);
}

void remake(const struct xpi_sim_config *cfg)
{
	xt_audit_clean(sim);
	xpi_sim_free(sim);
	make_sim(cfg);
}

void xs_teardown(void)
{
	xt_audit_clean(sim);
	xpi_sim_free(sim);
	sim = NULL;
}

struct pv_iommu_op map_op(uint64_t bfn, uint64_t gfn, unsigned int fl,
			  unsigned int order)
{
	struct pv_iommu_op op = { .subop_id = IOMMUOP_map_page };

	op.flags = pv_iommu_flags_set_order((uint16_t)fl, order);
	op.u.map_page.bfn = bfn;
	op.u.map_page.gfn = gfn;
	return op;
}

struct pv_iommu_op unmap_op(uint64_t bfn, unsigned int order)
{
	struct pv_iommu_op op = { .subop_id = IOMMUOP_unmap_page };

	op.flags = pv_iommu_flags_set_order(0, order);
	op.u.unmap_page.bfn = bfn;
	return op;
}

struct pv_iommu_op mapf_op(uint64_t bfn, uint64_t gfn, uint16_t domid,
			   uint16_t ios, unsigned int fl, unsigned int order)
{
	struct pv_iommu_op op = { .subop_id = IOMMUOP_map_foreign_page };

	op.flags = pv_iommu_flags_set_order((uint16_t)fl, order);
	op.u.map_foreign_page.bfn = bfn;
	op.u.map_foreign_page.gfn = gfn;
	op.u.map_foreign_page.domid = domid;
	op.u.map_foreign_page.ioserver = ios;
	return op;
}

struct pv_iommu_op lookup_op(uint64_t gfn, uint16_t domid, uint16_t ios)
{
	struct pv_iommu_op op = { .subop_id = IOMMUOP_lookup_foreign_page };

	op.u.lookup_foreign_page.gfn = gfn;
	op.u.lookup_foreign_page.domid = domid;
	op.u.lookup_foreign_page.ioserver = ios;
	return op;
}

struct pv_iommu_op unmapf_op(uint64_t bfn, uint16_t ios, unsigned int order)
{
	struct pv_iommu_op op = { .subop_id = IOMMUOP_unmap_foreign_page };

	op.flags = pv_iommu_flags_set_order(0, order);
	op.u.unmap_foreign_page.bfn = bfn;
	op.u.unmap_foreign_page.ioserver = ios;
	return op;
}

int32_t run1(uint16_t caller, struct pv_iommu_op *op)
{
	op->status = 12345;
	ck_assert_int_eq(xpi_sim_iommu_op(sim, caller, op, 1), 0);
	return op->status;
}

int32_t one(uint16_t caller, struct pv_iommu_op op)
{
	return run1(caller, &op);
}

int32_t mapf(uint16_t caller, uint64_t bfn, uint64_t gfn, uint16_t domid,
	     uint16_t ios, unsigned int fl, unsigned int order)
{
	struct pv_iommu_op op = { .subop_id = IOMMUOP_map_foreign_page };

	op.flags = pv_iommu_flags_set_order((uint16_t)fl, order);
	op.u.map_foreign_page.bfn = bfn;
	op.u.map_foreign_page.gfn = gfn;
	op.u.map_foreign_page.domid = domid;
	op.u.map_foreign_page.ioserver = ios;
	ck_assert_int_eq(xpi_sim_iommu_op(sim, caller, &op, 1), 0);
	return op.status;
}

int32_t unmapf(uint16_t caller, uint64_t bfn, uint16_t ios, unsigned int order)
{
	struct pv_iommu_op op = { .subop_id = IOMMUOP_unmap_foreign_page };

	op.flags = pv_iommu_flags_set_order(0, order);
	op.u.unmap_foreign_page.bfn = bfn;
	op.u.unmap_foreign_page.ioserver = ios;
	ck_assert_int_eq(xpi_sim_iommu_op(sim, caller, &op, 1), 0);
	return op.status;
}

int32_t lookupf(uint16_t caller, uint64_t gfn, uint16_t domid, uint16_t ios,
		uint64_t *bfn)
{
	struct pv_iommu_op op = { .subop_id = IOMMUOP_lookup_foreign_page };

	op.u.lookup_foreign_page.gfn = gfn;
	op.u.lookup_foreign_page.domid = domid;
	op.u.lookup_foreign_page.ioserver = ios;
	ck_assert_int_eq(xpi_sim_iommu_op(sim, caller, &op, 1), 0);
	*bfn = op.u.lookup_foreign_page.bfn;
	return op.status;
}

int32_t mapp(uint16_t caller, uint64_t bfn, uint64_t gfn, unsigned int fl)
{
	struct pv_iommu_op op = { .subop_id = IOMMUOP_map_page };

	op.flags = (uint16_t)fl;
	op.u.map_page.bfn = bfn;
	op.u.map_page.gfn = gfn;
	ck_assert_int_eq(xpi_sim_iommu_op(sim, caller, &op, 1), 0);
	return op.status;
}

int32_t unmapp(uint16_t caller, uint64_t bfn)
{
	struct pv_iommu_op op = { .subop_id = IOMMUOP_unmap_page };

	op.u.unmap_page.bfn = bfn;
	ck_assert_int_eq(xpi_sim_iommu_op(sim, caller, &op, 1), 0);
	return op.status;
}

uint64_t mfn_of(uint16_t domid, uint64_t gfn)
{
	uint64_t mfn = 0;

	ck_assert_int_eq(xpi_sim_p2m_lookup(sim, domid, gfn, &mfn), 0);
	return mfn;
}

struct xpi_sim_frame_info frame(uint64_t mfn)
{
	struct xpi_sim_frame_info fi;

	ck_assert_int_eq(xpi_sim_frame_info(sim, mfn, &fi), 0);
	return fi;
}

struct xpi_sim_stats stats(void)
{
	struct xpi_sim_stats st;

	ck_assert_int_eq(xpi_sim_stats(sim, &st), 0);
	return st;
}

struct xpi_sim_ioreq_stats sstats(uint16_t domid, uint16_t id)
{
	struct xpi_sim_ioreq_stats st;

	ck_assert_int_eq(xpi_sim_ioreq_server_stats(sim, domid, id, &st), 0);
	return st;
}

uint64_t iommu_mfn(uint16_t domid, uint64_t bfn)
{
	uint64_t mfn = 0;

	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, domid, bfn, &mfn, NULL), 0);
	return mfn;
}

void *bufpage(uint16_t domid, uint16_t id)
{
	void *p = NULL;

	ck_assert_int_eq(xpi_sim_ioreq_server_pages(sim, domid, id, &p, NULL),
			 0);
	ck_assert_ptr_nonnull(p);
	return p;
}

void *syncpage(uint16_t domid, uint16_t id)
{
	void *p = NULL;

	ck_assert_int_eq(xpi_sim_ioreq_server_pages(sim, domid, id, NULL, &p),
			 0);
	ck_assert_ptr_nonnull(p);
	return p;
}

uint32_t ring_used(void *page)
{
	const uint32_t *ptr = page;

	return __atomic_load_n(&ptr[1], __ATOMIC_ACQUIRE) -
	       __atomic_load_n(&ptr[0], __ATOMIC_ACQUIRE);
}

unsigned int qw_wrapped;

unsigned int ring_read(void *page, uint64_t *out, unsigned int max)
{
	uint32_t *ptr = page;
	uint32_t rp = ptr[0], wp = __atomic_load_n(&ptr[1], __ATOMIC_ACQUIRE);
	unsigned int n = 0;

	while (rp != wp && n < max) {
		unsigned int slot = rp % 511, size;
		uint64_t v;
#if HAVE_XEN
		buffered_iopage_t *pg = page;
		buf_ioreq_t *b = &pg->buf_ioreq[slot];

		ck_assert_uint_eq(b->type, IOREQ_TYPE_INVALIDATE);
		ck_assert_uint_eq(b->dir, IOREQ_WRITE);
		ck_assert_uint_eq(b->pad, 0);
		ck_assert_uint_eq(b->addr, 0);
		size = b->size;
		v = b->data;
		if (size == 3) {
			buf_ioreq_t *b2 = &pg->buf_ioreq[(rp + 1) % 511];

			ck_assert_uint_eq(b2->type, IOREQ_TYPE_INVALIDATE);
			ck_assert_uint_eq(b2->size, 3);
			v |= (uint64_t)b2->data << 32;
		}
#else
		const uint8_t *b = (const uint8_t *)page + 8 + slot * 8;
		uint32_t lo;

		ck_assert_uint_eq(b[0], 8);
		ck_assert_uint_eq(b[1] & 0x3, 0);
		ck_assert_uint_eq(b[1] >> 4 | b[2] | b[3], 0);
		size = (b[1] >> 2) & 3;
		memcpy(&lo, b + 4, 4);
		v = lo;
		if (size == 3) {
			const uint8_t *b2 = (const uint8_t *)page + 8 +
					    ((rp + 1) % 511) * 8;
			uint32_t hi;

			ck_assert_uint_eq(b2[0], 8);
			memcpy(&hi, b2 + 4, 4);
			v |= (uint64_t)hi << 32;
		}
#endif
		ck_assert(size == 2 || size == 3);
		ck_assert_msg((size == 3) == (v > UINT32_MAX),
			      "size %u for BFN %#llx", size,
			      (unsigned long long)v);
		if (size == 3) {
			ck_assert_uint_ne(rp + 1, wp); /* never a lone half */
			if (slot == 510)
				qw_wrapped++;
		}
		out[n++] = v;
		rp += size == 3 ? 2 : 1;
	}
	/* QEMU advances read_pointer atomically. */
	__atomic_store_n(&ptr[0], rp, __ATOMIC_RELEASE);
	return n;
}

int sync_pending(void *page, unsigned int v, uint64_t *data, uint32_t *size)
{
#if HAVE_XEN
	ioreq_t *r = (ioreq_t *)page + v;

	if (__atomic_load_n((uint8_t *)r + 30, __ATOMIC_ACQUIRE) == 0)
		return 0;
	ck_assert_uint_eq(r->state, STATE_IOREQ_READY);
	ck_assert_uint_eq(r->type, IOREQ_TYPE_INVALIDATE);
	ck_assert_uint_eq(r->dir, IOREQ_WRITE);
	ck_assert_uint_eq(r->data_is_ptr, 0);
	ck_assert_uint_eq(r->count, 1);
	ck_assert_uint_ne(r->vp_eport, 0);
	*data = r->data;
	*size = r->size;
#else
	struct xpi_xen_ioreq *r = (struct xpi_xen_ioreq *)page + v;

	if (__atomic_load_n(&r->bits, __ATOMIC_ACQUIRE) == 0)
		return 0;
	ck_assert_uint_eq(r->bits, 1);
	ck_assert_uint_eq(r->type, 8);
	*data = r->data;
	*size = r->size;
#endif
	return 1;
}

void sync_complete(uint16_t domid, uint16_t id, void *page, unsigned int v)
{
	uint8_t *bits = (uint8_t *)page + v * 32 + 30;

	__atomic_store_n(bits, (uint8_t)3 /* STATE_IORESP_READY */,
			 __ATOMIC_RELEASE);
	ck_assert_int_eq(xpi_sim_ioreq_notify(sim, domid, id), 0);
}

uint64_t evtchn_count(uint16_t domid, uint16_t id)
{
	int fd = xpi_sim_ioreq_server_evtchn_fd(sim, domid, id);
	uint64_t v = 0;

	ck_assert_int_ge(fd, 0);
	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0; /* EAGAIN: not notified */
	return v;
}

void collect(void *opaque, const char *violation)
{
	struct reports *r = opaque;

	if (!r->n++)
		snprintf(r->first, sizeof(r->first), "%s", violation);
}
