// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Mapping calls built on the batch: own ranges (map_page/unmap_page),
 * guest pages for an ioreq server through the strategy chosen at open
 * (map_foreign_page at BFNs from the allocator, or lookup_foreign_page),
 * and unmapping everything at close.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>

#include "private.h"

#define MAP_RW (IOMMU_OP_readable | IOMMU_OP_writeable)
#define FOREIGN_OP_FLAGS (MAP_RW | IOMMUOP_swap_mfn)
#define MAX_BFN_TRIES 64

static int check_range(struct xpi_handle *h, const char *fn, uint64_t bfn,
		       uint64_t gfn, uint64_t nr)
{
	if (nr == 0 || bfn + nr < bfn || gfn + nr < gfn ||
	    bfn + nr > (UINT64_C(1) << XPI_BFN_WIDTH)) {
		xpi_err(h, -1,
			"%s: bad range bfn 0x%" PRIx64 " gfn 0x%" PRIx64
			" nr %" PRIu64,
			fn, bfn, gfn, nr);
		return -EINVAL;
	}
	return 0;
}

XPI_EXPORT int xpi_map_range(xpi_handle *h, uint64_t bfn, uint64_t gfn,
			     uint64_t nr, unsigned int flags)
{
	struct xpi_batch *b;
	long rc;

	if (!h)
		return -EINVAL;
	rc = check_range(h, "xpi_map_range", bfn, gfn, nr);
	if (rc)
		return (int)rc;
	if ((flags & ~(MAP_RW | IOMMU_MAP_OP_no_ref_cnt)) ||
	    !(flags & MAP_RW)) {
		xpi_err(h, -1, "xpi_map_range: bad flags 0x%x", flags);
		return -EINVAL;
	}
	rc = xpi_batch_new(h, &b);
	if (rc)
		return (int)rc;
	xpi_batch_set_policy(b, XPI_BATCH_ALL_OR_NOTHING);
	for (uint64_t i = 0; i < nr && rc >= 0; i++)
		rc = xpi_batch_add_map(b, bfn + i, gfn + i, 0, flags);
	if (rc >= 0)
		rc = xpi_batch_submit(b);
	xpi_batch_free(b);
	return rc < 0 ? (int)rc : 0;
}

XPI_EXPORT int xpi_map_identity(xpi_handle *h, uint64_t gfn, uint64_t nr,
				unsigned int flags)
{
	return xpi_map_range(h, gfn, gfn, nr, flags);
}

XPI_EXPORT int xpi_unmap_range(xpi_handle *h, uint64_t bfn, uint64_t nr)
{
	struct xpi_batch *b;
	struct xpi_mapping m;
	uint64_t p;
	long rc;

	if (!h)
		return -EINVAL;
	rc = check_range(h, "xpi_unmap_range", bfn, 0, nr);
	if (rc)
		return (int)rc;
	rc = xpi_batch_new(h, &b);
	if (rc)
		return (int)rc;
	/* Every extent in the range must be an own mapping wholly inside. */
	pthread_mutex_lock(&h->lock);
	for (p = bfn; p < bfn + nr && rc >= 0; p += UINT64_C(1) << m.order) {
		if (xpi_tracker_find(&h->tracker, p, &m) || m.bfn != p ||
		    m.domid != XPI_DOMID_SELF ||
		    p + (UINT64_C(1) << m.order) > bfn + nr) {
			xpi_err(h, -1,
				"xpi_unmap_range: BFN 0x%" PRIx64
				" is not the start of an own mapping inside"
				" the range",
				p);
			rc = -ENOENT;
			break;
		}
		rc = xpi_batch_add_unmap(b, p, m.order);
	}
	pthread_mutex_unlock(&h->lock);
	if (rc >= 0)
		rc = xpi_batch_submit(b);
	if (rc >= 0)
		for (size_t i = 0; i < xpi_batch_count(b); i++)
			if (xpi_batch_status(b, i)) {
				rc = xpi_batch_status(b, i);
				break;
			}
	xpi_batch_free(b);
	return rc < 0 ? (int)rc : 0;
}

/* lookup_foreign_page for every GFN: Xen picks the BFNs. */
static long foreign_lookup(struct xpi_handle *h, uint16_t domid,
			   uint16_t ioserver, const uint64_t *gfns, size_t n,
			   uint64_t *bfns, int *status)
{
	struct xpi_batch *b;
	long rc, mapped = 0;

	rc = xpi_batch_new(h, &b);
	if (rc)
		return rc;
	for (size_t i = 0; i < n && rc >= 0; i++)
		rc = xpi_batch_add_lookup_foreign(b, domid, gfns[i], ioserver);
	if (rc >= 0)
		rc = xpi_batch_submit(b);
	if (rc >= 0) {
		for (size_t i = 0; i < n; i++) {
			struct pv_iommu_op op;
			int st = xpi_batch_status(b, i);

			xpi_batch_get_op(b, i, &op);
			bfns[i] = st ? UINT64_MAX
				     : op.u.lookup_foreign_page.bfn;
			if (status)
				status[i] = st;
			mapped += !st;
		}
	}
	xpi_batch_free(b);
	return rc < 0 ? rc : mapped;
}

/* The order to align a run of len pages to (as far as it can be used). */
static unsigned int run_align(uint64_t len, unsigned int max_order)
{
	unsigned int o = 0;

	while (o < max_order && (UINT64_C(2) << o) <= len)
		o++;
	return o;
}

/* map_foreign_page at allocated BFNs, retrying BFNs that conflict. */
static long foreign_map(struct xpi_handle *h, uint16_t domid, uint16_t ioserver,
			const uint64_t *gfns, size_t n, unsigned int flags,
			uint64_t *bfns, int *status)
{
	/* Superpages only when asked: a ballooned page then ends its whole
	 * extent (the listener unmaps extents), which the caller accepted. */
	int superpage = !!(flags & XPI_FOREIGN_SUPERPAGE);
	size_t *todo = calloc(n, sizeof(*todo));
	size_t ntodo = n;
	long mapped = 0, rc = 0;

	if (!todo)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		todo[i] = i;
		bfns[i] = UINT64_MAX;
		if (status)
			status[i] = -EAGAIN;
	}
	for (unsigned int tries = 0; ntodo && tries < MAX_BFN_TRIES; tries++) {
		struct xpi_batch *b;
		size_t next = 0;

		rc = xpi_batch_new(h, &b);
		if (rc)
			break;
		xpi_batch_set_from_allocator(b);
		xpi_batch_set_coalesce(b, superpage);
		/* BFNs: one run per run of consecutive GFNs, with the GFNs'
		 * alignment, so that the batch can coalesce superpages. */
		for (size_t k = 0; k < ntodo && rc >= 0;) {
			size_t len = 1;
			uint64_t first;

			while (k + len < ntodo &&
			       todo[k + len] == todo[k] + len &&
			       gfns[todo[k + len]] == gfns[todo[k]] + len)
				len++;
			rc = xpi_bfn_alloc_run(
				h, len,
				superpage
					? run_align(len,
						    __atomic_load_n(
							    &h->caps.max_order,
							    __ATOMIC_RELAXED))
					: 0,
				gfns[todo[k]], &first);
			if (rc) {
				xpi_err(h, ENOSPC,
					"foreign map: the BFN window is full");
				break;
			}
			for (size_t j = 0; j < len && rc >= 0; j++) {
				bfns[todo[k + j]] = first + j;
				rc = xpi_batch_add_map_foreign(
					b, first + j, domid, gfns[todo[k + j]],
					ioserver, 0, flags & FOREIGN_OP_FLAGS);
			}
			k += len;
		}
		if (rc >= 0)
			rc = xpi_batch_submit(b);
		if (rc < 0) {
			/*
			 * The round stopped (window full before the submit, or
			 * the transport failed part-way): what was mapped stays
			 * mapped and is reported so; the other BFNs go back.
			 */
			for (size_t k = 0; k < ntodo; k++) {
				size_t i = todo[k];
				int st = k < xpi_batch_count(b)
						 ? xpi_batch_status(b, k)
						 : (int)rc;

				if (st == -EAGAIN) /* never submitted */
					st = (int)rc;
				if (status)
					status[i] = st;
				if (!st) {
					mapped++;
					continue;
				}
				if (bfns[i] != UINT64_MAX)
					xpi_bfn_free(h, bfns[i], 1);
				bfns[i] = UINT64_MAX;
			}
			xpi_batch_free(b);
			break;
		}
		for (size_t k = 0; k < ntodo; k++) {
			size_t i = todo[k];
			int st = xpi_batch_status(b, k);

			if (status)
				status[i] = st;
			if (!st) {
				mapped++;
				continue;
			}
			if (st == -EACCES || st == -EEXIST) {
				/* RMRR or someone else's BFN: never use it
				 * again, take another. */
				xpi_bfn_reserve(h, bfns[i], 1);
				todo[next++] = i;
			} else {
				xpi_bfn_free(h, bfns[i], 1);
			}
			bfns[i] = UINT64_MAX;
		}
		ntodo = next;
		xpi_batch_free(b);
	}
	free(todo);
	/* A part mapped: the count (each failure is in status). */
	return rc < 0 && !mapped ? rc : mapped;
}

XPI_EXPORT long xpi_foreign_map(xpi_handle *h, uint16_t domid,
				uint16_t ioserver, const uint64_t *gfns,
				size_t n, unsigned int flags, uint64_t *bfns,
				int *status)
{
	if (!h)
		return -EINVAL;
	if (!gfns || !bfns || n == 0 || domid >= XPI_DOMID_FIRST_RESERVED ||
	    (flags & ~(FOREIGN_OP_FLAGS | XPI_FOREIGN_SUPERPAGE)) ||
	    !(flags & MAP_RW)) {
		xpi_err(h, -1,
			"xpi_foreign_map: bad arguments (domid %u, n %zu,"
			" flags 0x%x)",
			domid, n, flags);
		return -EINVAL;
	}
	if (h->caps.strategy == XPI_STRATEGY_LOOKUP_FOREIGN)
		return foreign_lookup(h, domid, ioserver, gfns, n, bfns,
				      status);
	return foreign_map(h, domid, ioserver, gfns, n, flags, bfns, status);
}

/*
 * On XenServer one pin bit holds a looked-up page however many servers
 * looked it up (docs/xenserver-model.md L8, F3): the first record of a BFN
 * is sent, each later lookup record of it is ended here with that op's
 * result.  Returns the index of the record m[i] follows, or i.
 */
static size_t xs_first_of(const struct xpi_handle *h,
			  const struct xpi_mapping *m, size_t i)
{
	if (h->host != XPI_HOST_XENSERVER || m[i].domid == XPI_DOMID_SELF)
		return i;
	for (size_t j = 0; j < i; j++)
		if (m[j].bfn == m[i].bfn && m[j].domid != XPI_DOMID_SELF)
			return j;
	return i;
}

/* Unmap the extents in m[0..n) (tracker records). */
static long unmap_records(struct xpi_handle *h, const struct xpi_mapping *m,
			  size_t n, int *st)
{
	struct xpi_batch *b;
	size_t *slot, k = 0;
	long rc;

	slot = calloc(n ? n : 1, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	rc = xpi_batch_new(h, &b);
	if (rc) {
		free(slot);
		return rc;
	}
	for (size_t i = 0; i < n && rc >= 0; i++) {
		slot[i] = SIZE_MAX;
		if (xs_first_of(h, m, i) != i)
			continue;
		slot[i] = k++;
		if (m[i].domid == XPI_DOMID_SELF)
			rc = xpi_batch_add_unmap(b, m[i].bfn, m[i].order);
		else
			rc = xpi_batch_add_unmap_foreign(b, m[i].bfn,
							 m[i].ioserver,
							 m[i].order);
	}
	/* The other servers' records of a BFN the batch sends once go first,
	 * so that the batch sees the page as this handle's last. */
	pthread_mutex_lock(&h->lock);
	for (size_t i = 0; i < n && rc >= 0; i++) {
		struct xpi_mapping gone;

		if (slot[i] == SIZE_MAX)
			xpi_tracker_remove_foreign(&h->tracker, m[i].bfn,
						   m[i].ioserver, &gone);
	}
	pthread_mutex_unlock(&h->lock);
	if (rc >= 0)
		rc = xpi_batch_submit(b);
	/* The batch gave allocated BFNs back as it untracked them. */
	for (size_t i = 0; i < n && rc >= 0; i++)
		if (slot[i] != SIZE_MAX)
			st[i] = xpi_batch_status(b, slot[i]);
	/* Those records share their page's result; back if it failed. */
	pthread_mutex_lock(&h->lock);
	for (size_t i = 0; i < n; i++) {
		if (slot[i] != SIZE_MAX)
			continue;
		st[i] = rc < 0 ? (int)rc : st[xs_first_of(h, m, i)];
		if (st[i])
			xpi_tracker_add(&h->tracker, &m[i]);
	}
	pthread_mutex_unlock(&h->lock);
	xpi_batch_free(b);
	free(slot);
	return rc;
}

/* m[*nm] = *f, growing m; 0 or -ENOMEM. */
static int push_record(struct xpi_mapping **m, size_t *nm, size_t *cap,
		       const struct xpi_mapping *f)
{
	if (*nm == *cap) {
		size_t ncap = *cap * 2;
		struct xpi_mapping *n;

		if (ncap < *cap || ncap > SIZE_MAX / sizeof(*n))
			return -ENOMEM;
		n = realloc(*m, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		*m = n;
		*cap = ncap;
	}
	(*m)[(*nm)++] = *f;
	return 0;
}

XPI_EXPORT long xpi_foreign_unmap(xpi_handle *h, const uint64_t *bfns, size_t n,
				  int *status)
{
	struct xpi_mapping *m;
	size_t *which, *nrec, nm = 0, cap = n;
	int *st;
	long rc = 0, done = 0;

	if (!h || !bfns || n == 0) {
		if (h)
			xpi_err(h, -1, "xpi_foreign_unmap: NULL BFNs or n 0");
		return -EINVAL;
	}
	m = calloc(n, sizeof(*m));
	which = calloc(n, sizeof(*which));
	nrec = calloc(n, sizeof(*nrec));
	st = NULL;
	if (!m || !which || !nrec) {
		rc = -ENOMEM;
		goto out;
	}
	/*
	 * Each BFN's records: the extent covering it, and the lookups of
	 * other servers at the same BFN (one record per server, as Xen keeps
	 * one entry per server): the BFN ends for all of them.
	 */
	pthread_mutex_lock(&h->lock);
	for (size_t i = 0; i < n && !rc; i++) {
		struct xpi_mapping f;

		which[i] = nm;
		if (xpi_tracker_find(&h->tracker, bfns[i], &f) == 0 &&
		    f.domid != XPI_DOMID_SELF) {
			/* Several BFNs of one extent end it once. */
			if (nm && m[nm - 1].bfn == f.bfn &&
			    m[nm - 1].ioserver == f.ioserver &&
			    m[nm - 1].order == f.order) {
				which[i] = nm - 1;
				nrec[i] = 1;
				continue;
			}
			rc = push_record(&m, &nm, &cap, &f);
			nrec[i] += !rc;
		}
		for (size_t k = 0;
		     !rc &&
		     xpi_tracker_shared_nth(&h->tracker, bfns[i], k, &f) == 0;
		     k++) {
			if (nrec[i] && f.ioserver == m[which[i]].ioserver &&
			    f.domid == m[which[i]].domid)
				continue; /* the one found first */
			rc = push_record(&m, &nm, &cap, &f);
			nrec[i] += !rc;
		}
	}
	pthread_mutex_unlock(&h->lock);
	if (rc)
		goto out;
	st = calloc(nm ? nm : 1, sizeof(*st));
	if (!st) {
		rc = -ENOMEM;
		goto out;
	}
	rc = nm ? unmap_records(h, m, nm, st) : 0;
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		int s = nrec[i] ? 0 : -ENOENT;

		for (size_t k = 0; k < nrec[i] && !s; k++)
			s = st[which[i] + k];
		if (status)
			status[i] = s;
		done += !s;
	}
	rc = done;
out:
	free(m);
	free(which);
	free(nrec);
	free(st);
	return rc;
}

struct collect_ctx {
	struct xpi_mapping *m;
	size_t n, cap;
};

static int collect_cb(void *opaque, const struct xpi_mapping *m)
{
	struct collect_ctx *c = opaque;

	if (c->n == c->cap)
		return -ENOMEM;
	c->m[c->n++] = *m;
	return 0;
}

int xpi_unmap_all(struct xpi_handle *h)
{
	struct collect_ctx c = { 0 };
	int *st = NULL;
	long rc;
	int first = 0;

	pthread_mutex_lock(&h->lock);
	c.cap = (size_t)xpi_tracker_count(&h->tracker);
	c.m = c.cap ? calloc(c.cap, sizeof(*c.m)) : NULL;
	rc = c.cap && !c.m ? -ENOMEM
			   : xpi_tracker_walk(&h->tracker, collect_cb, &c);
	pthread_mutex_unlock(&h->lock);
	if (!rc && c.n) {
		st = calloc(c.n, sizeof(*st));
		rc = st ? unmap_records(h, c.m, c.n, st) : -ENOMEM;
		for (size_t i = 0; rc >= 0 && i < c.n; i++)
			if (st[i] && !first)
				first = st[i];
		if (rc >= 0 && first)
			rc = first;
	}
	if (rc < 0)
		xpi_err(h, (int)-rc,
			"close: could not unmap every live mapping (%zu)", c.n);
	free(st);
	free(c.m);
	return rc < 0 ? (int)rc : 0;
}

struct release_ctx {
	struct xpi_mapping *m;
	size_t n, cap;
	uint16_t domid;
	int rc;
};

static int release_cb(void *opaque, const struct xpi_mapping *m)
{
	struct release_ctx *c = opaque;

	if (m->domid != c->domid)
		return 0;
	c->rc = push_record(&c->m, &c->n, &c->cap, m);
	return c->rc;
}

XPI_EXPORT long xpi_foreign_release_domain(xpi_handle *h, uint16_t domid)
{
	struct release_ctx c = { .domid = domid };
	int *st = NULL;
	long rc;

	if (!h)
		return -EINVAL;
	if (domid >= XPI_DOMID_FIRST_RESERVED) {
		xpi_err(h, -1, "xpi_foreign_release_domain: reserved domid %u",
			domid);
		return -EINVAL;
	}
	c.cap = 16;
	c.m = calloc(c.cap, sizeof(*c.m));
	if (!c.m)
		return -ENOMEM;
	pthread_mutex_lock(&h->lock);
	rc = xpi_tracker_walk(&h->tracker, release_cb, &c);
	pthread_mutex_unlock(&h->lock);
	if (!rc && c.n) {
		st = calloc(c.n, sizeof(*st));
		rc = st ? unmap_records(h, c.m, c.n, st) : -ENOMEM;
		for (size_t i = 0; rc >= 0 && i < c.n; i++)
			if (st[i]) {
				rc = st[i];
				break;
			}
	}
	if (rc < 0)
		xpi_err(h, (int)-rc,
			"xpi_foreign_release_domain: dom%u: %zu records", domid,
			c.n);
	free(st);
	free(c.m);
	return rc < 0 ? rc : (long)c.n;
}
