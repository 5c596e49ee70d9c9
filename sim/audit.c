// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The auditor: recompute every frame's references from the p2m, the IOMMU
 * tables, the M2B and the grant mappings, compare, and check that the M2B
 * and the IOMMU tables describe the same foreign mappings.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim-private.h"

#define MAX_REPORTS 1000

/* One foreign page as the IOMMU table or the M2B sees it. */
struct fpage {
	uint64_t bfn;
	uint64_t mfn;
	uint16_t caller;
};

struct fvec {
	struct fpage *p;
	size_t n, cap;
	int oom;
};

struct audit {
	struct xpi_sim *sim;
	void (*report)(void *opaque, const char *violation);
	void *opaque;
	long n;
	uint32_t *refs, *wrefs, *aliases, *records;
	uint8_t *owned;
	const struct sim_domain *d;
	struct fvec iommu, m2b;
};

__attribute__((format(printf, 2, 3))) static void
violation(struct audit *a, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	a->n++;
	if (!a->report || a->n > MAX_REPORTS)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	a->report(a->opaque, buf);
}

static void fvec_push(struct fvec *v, uint16_t caller, uint64_t bfn,
		      uint64_t mfn)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 1024;
		struct fpage *p = realloc(v->p, cap * sizeof(*p));

		if (!p) {
			v->oom = 1;
			return;
		}
		v->p = p;
		v->cap = cap;
	}
	v->p[v->n++] =
		(struct fpage){ .bfn = bfn, .mfn = mfn, .caller = caller };
}

static int fpage_cmp(const void *x, const void *y)
{
	const struct fpage *a = x, *b = y;

	if (a->caller != b->caller)
		return a->caller < b->caller ? -1 : 1;
	if (a->bfn != b->bfn)
		return a->bfn < b->bfn ? -1 : 1;
	return 0;
}

static int audit_extent(void *opaque, const struct xpi_radix_extent *ext)
{
	struct audit *a = opaque;
	struct xpi_sim *sim = a->sim;
	uint64_t v = ext->value, mfn = v & IOV_MFN_MASK;
	uint64_t n = UINT64_C(1) << ext->order;
	uint16_t dom = a->d->domid;

	if (mfn >= sim->nframes || sim->nframes - mfn < n) {
		violation(
			a,
			"dom%u bfn %#llx: extent reaches MFN %#llx beyond the host",
			dom, (unsigned long long)ext->base,
			(unsigned long long)mfn);
		return 0;
	}
	if (!(v & (IOV_R | IOV_W)))
		violation(
			a,
			"dom%u bfn %#llx: extent neither readable nor writeable",
			dom, (unsigned long long)ext->base);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t m = mfn + i;

		if (v & IOV_FOREIGN) {
			fvec_push(&a->iommu, dom, ext->base + i, m);
		} else {
			a->aliases[m]++;
			if (!(v & IOV_NOREF)) {
				a->refs[m]++;
				if (v & IOV_W)
					a->wrefs[m]++;
			}
		}
		if ((sim->frames[m].flags & FRAME_FREE) && !(v & IOV_NOREF))
			violation(a, "dom%u bfn %#llx reaches freed MFN %#llx",
				  dom, (unsigned long long)(ext->base + i),
				  (unsigned long long)m);
	}
	return 0;
}

static void audit_domains(struct audit *a)
{
	struct xpi_sim *sim = a->sim;
	uint64_t extents = 0;

	for (unsigned int i = 0; i < XPI_DOMID_FIRST_RESERVED; i++) {
		const struct sim_domain *d = sim->dom[i];

		if (!d)
			continue;
		for (uint64_t g = 0; g < d->p2m_size; g++) {
			uint64_t m = d->p2m[g];
			const struct sim_frame *f;

			if (m == SIM_NO_MFN)
				continue;
			if (m >= sim->nframes) {
				violation(
					a,
					"dom%u gfn %#llx: MFN beyond the host",
					i, (unsigned long long)g);
				continue;
			}
			f = &sim->frames[m];
			if (f->flags & FRAME_XEN) {
				if (m <= sim->scratch)
					violation(
						a,
						"dom%u gfn %#llx is Xen's boot MFN %#llx",
						i, (unsigned long long)g,
						(unsigned long long)m);
				else
					a->refs[m]++;
			} else if (f->owner != i) {
				violation(
					a,
					"dom%u gfn %#llx: MFN %#llx owned by %u",
					i, (unsigned long long)g,
					(unsigned long long)m, f->owner);
			} else {
				a->refs[m]++;
			}
			if (a->owned[m] < 255)
				a->owned[m]++;
		}
		a->d = d;
		xpi_radix_walk(&d->iommu, audit_extent, a);
		extents += d->iommu.extents;
	}
	if (extents != sim->st.iommu_entries)
		violation(a, "%llu IOMMU extents, stats say %llu",
			  (unsigned long long)extents,
			  (unsigned long long)sim->st.iommu_entries);
}

static void audit_m2b(struct audit *a)
{
	struct xpi_sim *sim = a->sim;
	const struct sim_m2b_pool *p = &sim->m2b;
	uint64_t records = 0, listed = 0;

	for (uint32_t i = 0; i < p->used; i++) {
		const struct sim_m2b *e = &p->e[i];
		int lookup = (e->flags & M2B_LOOKUP) != 0;

		if (!(e->flags & M2B_USED))
			continue;
		records++;
		if (sim_m2b_find(sim, lookup, e->caller, e->bfn, e->ioserver) !=
		    i)
			violation(a, "M2B entry %u missing from the index", i);
		if (!sim_dom(sim, e->caller))
			violation(a,
				  "M2B entry %u: caller dom%u does not exist",
				  i, e->caller);
		if (e->mfn >= sim->nframes) {
			violation(a, "M2B entry %u: MFN beyond the host", i);
			continue;
		}
		if (e->order < 64 &&
		    !(e->bfn & ((UINT64_C(1) << e->order) - 1)))
			a->records[e->domid]++;
		if (e->flags & M2B_SWAPPED) {
			/* It holds its guest's scratch frame. */
			if (lookup ||
			    !(sim->frames[e->mfn].flags & FRAME_SCRATCH))
				violation(a,
					  "M2B record %u: bad swapped record",
					  i);
			a->refs[e->mfn]++;
			fvec_push(&a->m2b, e->caller, e->bfn, e->mfn);
			continue;
		}
		a->aliases[e->mfn]++;
		if (sim->frames[e->mfn].flags & FRAME_FREE)
			violation(a, "M2B entry %u on freed MFN %#llx", i,
				  (unsigned long long)e->mfn);
		a->refs[e->mfn]++;
		if (e->flags & M2B_WRITABLE)
			a->wrefs[e->mfn]++;
		if (lookup) {
			if (e->bfn != e->mfn)
				violation(
					a,
					"lookup entry %u: BFN %#llx is not its MFN",
					i, (unsigned long long)e->bfn);
		} else {
			fvec_push(&a->m2b, e->caller, e->bfn, e->mfn);
		}
	}
	for (unsigned int t = 0; t < XPI_DOMID_FIRST_RESERVED; t++) {
		if (a->records[t] != sim->target_records[t])
			violation(
				a,
				"dom%u: %u foreign/lookup records, quota counts %u",
				t, a->records[t], sim->target_records[t]);
		/* (Not checked against nr_pages: records may outlive their
		 * target, and a new domain may reuse its domid.) */
	}
	if (records != p->records)
		violation(a, "%llu M2B records, the pool counts %llu",
			  (unsigned long long)records,
			  (unsigned long long)p->records);
	/* Every frame's list holds live entries of that frame only. */
	for (uint64_t m = 0; m < sim->nframes; m++) {
		uint32_t head, i, steps = 0;

		if (!sim->frames[m].m2b)
			continue;
		head = sim->frames[m].m2b - 1;
		i = head;
		do {
			const struct sim_m2b *e = &p->e[i];

			if (!(e->flags & M2B_USED) ||
			    (e->flags & M2B_SWAPPED) || e->mfn != m ||
			    p->e[e->next].prev != i) {
				violation(a, "MFN %#llx: bad M2B list at %u",
					  (unsigned long long)m, i);
				break;
			}
			listed++;
			i = e->next;
		} while (i != head && ++steps < p->used);
	}
	if (listed != p->live)
		violation(a, "%llu M2B entries on frame lists, %llu live",
			  (unsigned long long)listed,
			  (unsigned long long)p->live);
}

/* The foreign pages of the IOMMU tables and of the M2B must be the same. */
static void audit_foreign(struct audit *a)
{
	size_t i = 0, j = 0;
	int shown = 0;

	if (a->iommu.oom || a->m2b.oom) {
		violation(a,
			  "auditor out of memory: foreign mappings unchecked");
		return;
	}
	if (a->iommu.n > 1)
		qsort(a->iommu.p, a->iommu.n, sizeof(struct fpage), fpage_cmp);
	if (a->m2b.n > 1)
		qsort(a->m2b.p, a->m2b.n, sizeof(struct fpage), fpage_cmp);
	while (i < a->iommu.n || j < a->m2b.n) {
		const struct fpage *x = i < a->iommu.n ? &a->iommu.p[i] : NULL;
		const struct fpage *y = j < a->m2b.n ? &a->m2b.p[j] : NULL;
		int c = !x ? 1 : !y ? -1 : fpage_cmp(x, y);

		if (c == 0 && x->mfn == y->mfn) {
			i++;
			j++;
			continue;
		}
		if (shown++ < 16) {
			const struct fpage *z = c <= 0 ? x : y;

			violation(
				a, "dom%u bfn %#llx: %s", z->caller,
				(unsigned long long)z->bfn,
				c < 0	? "foreign IOMMU page without M2B entry"
				: c > 0 ? "M2B entry without foreign IOMMU page"
					: "M2B and IOMMU disagree on the MFN");
		} else {
			a->n++;
		}
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
}

static void audit_frames(struct audit *a)
{
	struct xpi_sim *sim = a->sim;
	uint64_t nfree = 0;

	for (uint32_t i = 0; i < sim->nhandles; i++) {
		const struct sim_handle *h = &sim->handles[i];
		const struct sim_domain *c;
		struct xpi_radix_extent e;

		if (!h->live)
			continue;
		a->refs[h->mfn]++;
		if (h->own_w)
			a->wrefs[h->mfn]++;
		c = sim_dom(sim, h->caller);
		if (!c)
			violation(a, "grant handle %u of a dead domain", i);
		else if (h->has_bfn && (xpi_radix_find(&c->iommu, h->bfn, &e) ||
					!(e.value & IOV_GRANT) ||
					(e.value & IOV_MFN_MASK) != h->mfn))
			violation(a, "grant handle %u: no IOMMU entry at %#llx",
				  i, (unsigned long long)h->bfn);
	}
	/* A live guest holds its scratch frame. */
	for (unsigned int i = 0; i < XPI_DOMID_FIRST_RESERVED; i++) {
		const struct sim_domain *d = sim->dom[i];

		if (!d || d->scratch == SIM_NO_MFN)
			continue;
		if (d->scratch >= sim->nframes ||
		    !(sim->frames[d->scratch].flags & FRAME_SCRATCH))
			violation(
				a,
				"dom%u: scratch MFN %#llx is no scratch frame",
				i, (unsigned long long)d->scratch);
		else
			a->refs[d->scratch]++;
	}
	/* The IOTLB rule: frames freed before the flush that ended them. */
	for (uint64_t k = 0; k < sim->early_frees; k++) {
		if (k < 16)
			violation(
				a,
				"MFN %#llx freed while a stale IOTLB entry still reached it (references dropped before the flush)",
				(unsigned long long)sim->early_mfn[k]);
		else
			a->n++;
	}
	sim->early_frees = 0;
	if (sim->npend)
		violation(a, "%zu IOTLB ranges left unflushed between calls",
			  sim->npend);
	for (uint64_t m = 0; m < sim->nframes; m++) {
		const struct sim_frame *f = &sim->frames[m];
		unsigned long long mm = (unsigned long long)m;

		if (f->aliases != a->aliases[m])
			violation(a,
				  "MFN %#llx: %u mapping records, expected %u",
				  mm, f->aliases, a->aliases[m]);
		if (f->aliases > SIM_MAX_ALIASES)
			violation(a,
				  "MFN %#llx: %u mapping records, over the cap",
				  mm, f->aliases);
		if (f->flags & FRAME_STALE)
			violation(a, "MFN %#llx: stale between calls", mm);
		if (f->flags & FRAME_XS_PIN)
			a->refs[m]++; /* XenServer's pin bit holds one */
		if (m <= sim->scratch) {
			a->refs[m]++;
			if (!(f->flags & FRAME_XEN))
				violation(a, "MFN %#llx: Xen's frame not Xen's",
					  mm);
		}
		if (f->refs != a->refs[m])
			violation(a, "MFN %#llx: %u references, expected %u",
				  mm, f->refs, a->refs[m]);
		if (f->wrefs != a->wrefs[m])
			violation(
				a,
				"MFN %#llx: %u writable references, expected %u",
				mm, f->wrefs, a->wrefs[m]);
		if (f->flags & FRAME_FREE) {
			nfree++;
			if (f->refs || f->wrefs || f->m2b ||
			    f->owner != XPI_DOMID_INVALID ||
			    (f->flags & (FRAME_XEN | FRAME_PINNED)))
				violation(a, "MFN %#llx: free but in use", mm);
		} else if (f->refs == 0 && !(f->flags & FRAME_XEN)) {
			violation(a, "MFN %#llx: no reference but not freed",
				  mm);
		}
		if ((f->flags & FRAME_SCRATCH) &&
		    (!(f->flags & FRAME_XEN) || m <= sim->scratch))
			violation(a, "MFN %#llx: a scratch frame not Xen's",
				  mm);
		if ((f->flags & FRAME_XEN) && f->owner != SIM_DOMID_XEN)
			violation(a, "MFN %#llx: Xen's frame owned by %u", mm,
				  f->owner);
		if (f->owner < XPI_DOMID_FIRST_RESERVED && a->owned[m] != 1)
			violation(
				a,
				"MFN %#llx: owned by dom%u, in %u p2m entries",
				mm, f->owner, a->owned[m]);
		if ((f->flags & FRAME_PINNED) && f->wrefs)
			violation(a,
				  "MFN %#llx: pinned with writable references",
				  mm);
	}
	if (nfree != sim->st.free_frames)
		violation(a, "%llu free frames, stats say %llu",
			  (unsigned long long)nfree,
			  (unsigned long long)sim->st.free_frames);
}

static void audit_ioreq(struct audit *a)
{
	struct xpi_sim *sim = a->sim;

	for (unsigned int i = 0; i < XPI_DOMID_FIRST_RESERVED; i++) {
		const struct sim_domain *d = sim->dom[i];

		if (!d)
			continue;
		for (unsigned int j = 0; j < SIM_MAX_IOSERVERS; j++) {
			const struct sim_ioserver *s = d->ios[j];
			uint32_t rp, wp;
			int bfn_sync = 0;

			if (!s)
				continue;
			rp = __atomic_load_n(&s->buf->read_pointer,
					     __ATOMIC_ACQUIRE);
			wp = s->buf->write_pointer;
			if (wp - rp > SIM_BUF_SLOTS)
				violation(
					a,
					"dom%u ioserver %u: ring pointers %u/%u",
					i, s->id, rp, wp);
			for (unsigned int v = 0; v < sim->cfg.ioreq_vcpus; v++)
				if (s->issued[v] == SYNC_BFN)
					bfn_sync = 1;
			if (bfn_sync != s->bfn_outstanding)
				violation(
					a,
					"dom%u ioserver %u: outstanding flag wrong",
					i, s->id);
			if (s->st.waiting != s->qlen)
				violation(
					a,
					"dom%u ioserver %u: waiting count wrong",
					i, s->id);
		}
	}
}

XPI_EXPORT long
xpi_sim_audit(struct xpi_sim *sim,
	      void (*report)(void *opaque, const char *violation), void *opaque)
{
	struct audit a = { .sim = sim, .report = report, .opaque = opaque };
	long n;

	if (!sim)
		return -EINVAL;
	SIM_LOCK(sim);
	a.refs = calloc(sim->nframes, sizeof(*a.refs));
	a.wrefs = calloc(sim->nframes, sizeof(*a.wrefs));
	a.owned = calloc(sim->nframes, 1);
	a.aliases = calloc(sim->nframes, sizeof(*a.aliases));
	a.records = calloc(XPI_DOMID_FIRST_RESERVED, sizeof(*a.records));
	if (!a.refs || !a.wrefs || !a.owned || !a.aliases || !a.records) {
		n = -ENOMEM;
		goto out;
	}
	audit_domains(&a);
	audit_m2b(&a);
	audit_foreign(&a);
	audit_frames(&a);
	audit_ioreq(&a);
	n = a.n;
out:
	free(a.refs);
	free(a.wrefs);
	free(a.owned);
	free(a.aliases);
	free(a.records);
	free(a.iommu.p);
	free(a.m2b.p);
	SIM_UNLOCK(sim);
	return n;
}

int xpi_sim_debug_corrupt_refs(struct xpi_sim *sim, uint64_t mfn, int delta)
{
	if (!sim || mfn >= sim->nframes)
		return -EINVAL;
	SIM_LOCK(sim);
	sim->frames[mfn].refs += (uint32_t)delta;
	SIM_UNLOCK(sim);
	return 0;
}
