// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The BFN allocator.  BFNs come from the handle's window: the shim's
 * window with the kmod transport (unique across processes), otherwise a
 * process-local one.  Single BFNs go through per-thread magazines of
 * XPI_BFN_MAG_SIZE, refilled and drained in bulk under the handle's lock,
 * in the manner of Linux's IOVA rcache; runs come from the bump pointer.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

static void mag_destructor(void *p);

/*
 * This thread's magazine of the allocator it used last, so the hot path
 * needs neither pthread_getspecific() nor a lock.  uid (never reused)
 * tells whether the cache belongs to the allocator at hand.
 */
static _Thread_local struct {
	uint64_t uid;
	struct xpi_bfn_mag *mag;
} tls_mag;

static uint64_t next_uid = 1;

int xpi_bfn_init(struct xpi_bfn_alloc *a, uint64_t base, uint64_t count)
{
	a->base = base;
	a->count = count;
	a->next = 0;
	a->stack = NULL;
	a->nstack = a->capstack = 0;
	a->reserved = 0;
	a->mags = NULL;
	a->uid = __atomic_fetch_add(&next_uid, 1, __ATOMIC_RELAXED);
	a->key_ok = pthread_key_create(&a->key, mag_destructor) == 0;
	return a->key_ok ? 0 : -EAGAIN;
}

void xpi_bfn_destroy(struct xpi_bfn_alloc *a)
{
	struct xpi_bfn_mag *m, *next;

	if (a->key_ok)
		pthread_key_delete(a->key);
	a->key_ok = 0;
	for (m = a->mags; m; m = next) {
		next = m->next;
		free(m);
	}
	a->mags = NULL;
	free(a->stack);
	a->stack = NULL;
	a->nstack = a->capstack = 0;
}

static int stack_reserve(struct xpi_bfn_alloc *a, size_t extra)
{
	size_t cap = a->capstack ? a->capstack : 256;
	uint64_t *s;

	if (a->capstack - a->nstack >= extra)
		return 0;
	while (cap - a->nstack < extra)
		cap *= 2;
	s = realloc(a->stack, cap * sizeof(*s));
	if (!s)
		return -ENOMEM;
	a->stack = s;
	a->capstack = cap;
	return 0;
}

int xpi_bfn_give_back_locked(struct xpi_bfn_alloc *a, const uint64_t *bfns,
			     size_t n)
{
	if (a->capstack - a->nstack < n && stack_reserve(a, n))
		return -ENOMEM;
	if (n)
		memcpy(a->stack + a->nstack, bfns, n * sizeof(*bfns));
	a->nstack += n;
	return 0;
}

static int stack_push(struct xpi_bfn_alloc *a, uint64_t bfn)
{
	if (a->nstack == a->capstack && stack_reserve(a, 1))
		return -ENOMEM; /* the BFN is lost, not reused */
	a->stack[a->nstack++] = bfn;
	return 0;
}

/* One BFN under the lock: the freed stack first, then the bump pointer. */
static int take_locked(struct xpi_bfn_alloc *a, uint64_t *bfn)
{
	if (a->nstack) {
		*bfn = a->stack[--a->nstack];
		return 0;
	}
	if (a->next < a->count) {
		*bfn = a->base + a->next++;
		return 0;
	}
	return -ENOSPC;
}

static void mag_destructor(void *p)
{
	struct xpi_bfn_mag *m = p, **link;
	struct xpi_handle *h = m->h;

	if (tls_mag.mag == m)
		tls_mag.uid = 0;

	pthread_mutex_lock(&h->lock);
	while (m->n)
		stack_push(&h->bfn, m->bfn[--m->n]);
	for (link = &h->bfn.mags; *link; link = &(*link)->next) {
		if (*link == m) {
			*link = m->next;
			break;
		}
	}
	pthread_mutex_unlock(&h->lock);
	free(m);
}

static struct xpi_bfn_mag *mag_get(struct xpi_handle *h)
{
	struct xpi_bfn_mag *m;

	if (!h->bfn.key_ok)
		return NULL;
	m = pthread_getspecific(h->bfn.key);
	if (m)
		goto cache;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->h = h;
	if (pthread_setspecific(h->bfn.key, m)) {
		free(m);
		return NULL;
	}
	pthread_mutex_lock(&h->lock);
	m->next = h->bfn.mags;
	h->bfn.mags = m;
	pthread_mutex_unlock(&h->lock);
cache:
	tls_mag.uid = h->bfn.uid;
	tls_mag.mag = m;
	return m;
}

static int alloc_slow(struct xpi_handle *h, struct xpi_bfn_mag *m,
		      uint64_t *bfn)
{
	int rc;

	pthread_mutex_lock(&h->lock);
	rc = take_locked(&h->bfn, bfn);
	/* Refill half a magazine so the next allocations stay lock-free. */
	if (!rc && m) {
		while (m->n < XPI_BFN_MAG_SIZE &&
		       take_locked(&h->bfn, &m->bfn[m->n]) == 0)
			m->n++;
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

static __attribute__((noinline)) int alloc_one_slow(struct xpi_handle *h,
						    uint64_t *bfn)
{
	return alloc_slow(h, mag_get(h), bfn);
}

int xpi_bfn_alloc_one(struct xpi_handle *h, uint64_t *bfn)
{
	struct xpi_bfn_mag *m = tls_mag.mag;

	if (__builtin_expect(tls_mag.uid == h->bfn.uid && m->n, 1)) {
		*bfn = m->bfn[--m->n];
		return 0;
	}
	return alloc_one_slow(h, bfn);
}

int xpi_bfn_alloc_run(struct xpi_handle *h, uint64_t nr,
		      unsigned int align_order, uint64_t phase, uint64_t *bfn)
{
	struct xpi_bfn_alloc *a = &h->bfn;
	uint64_t mask = (UINT64_C(1) << align_order) - 1;
	uint64_t first, skip;
	int rc = -ENOSPC;

	if (nr == 1)
		return xpi_bfn_alloc_one(h, bfn);
	pthread_mutex_lock(&h->lock);
	first = a->base + a->next;
	skip = ((phase & mask) - (first & mask)) & mask;
	if (a->count - a->next >= skip && a->count - a->next - skip >= nr) {
		/* Keep the skipped BFNs when there are few of them. */
		if (skip <= 512)
			for (uint64_t i = 0; i < skip; i++)
				stack_push(a, first + i);
		*bfn = first + skip;
		a->next += skip + nr;
		rc = 0;
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}

void xpi_bfn_free(struct xpi_handle *h, uint64_t bfn, uint64_t nr)
{
	struct xpi_bfn_mag *m;

	if (nr == 1 && h->bfn.key_ok) {
		m = tls_mag.uid == h->bfn.uid ? tls_mag.mag : mag_get(h);
		if (m && m->n < XPI_BFN_MAG_SIZE) {
			m->bfn[m->n++] = bfn;
			return;
		}
	} else {
		m = NULL;
	}
	pthread_mutex_lock(&h->lock);
	if (m) {
		/* A full magazine: drain half of it to the shared stack. */
		while (m->n > XPI_BFN_MAG_SIZE / 2)
			stack_push(&h->bfn, m->bfn[--m->n]);
		m->bfn[m->n++] = bfn;
	} else {
		xpi_bfn_free_locked(&h->bfn, bfn, nr);
	}
	pthread_mutex_unlock(&h->lock);
}

void xpi_bfn_free_locked(struct xpi_bfn_alloc *a, uint64_t bfn, uint64_t nr)
{
	if (bfn + nr == a->base + a->next) {
		a->next -= nr; /* the run at the top: roll back */
		return;
	}
	for (uint64_t i = 0; i < nr; i++)
		stack_push(a, bfn + i);
}

void xpi_bfn_reserve(struct xpi_handle *h, uint64_t bfn, uint64_t nr)
{
	pthread_mutex_lock(&h->lock);
	h->bfn.reserved += nr;
	h->stats.rmrr_skips++;
	pthread_mutex_unlock(&h->lock);
}

int xpi_bfn_in_window(const struct xpi_handle *h, uint64_t bfn)
{
	return bfn >= h->bfn.base && bfn - h->bfn.base < h->bfn.count;
}
