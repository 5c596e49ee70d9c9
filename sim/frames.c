// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Machine frames, their references, p2m backing and the M2B.
 *
 * A frame is free exactly when it has no reference and is not Xen's: the
 * last sim_frame_put() frees it.  The M2B is a pool of 32-byte entries
 * threaded on per-frame circular lists (so ballooning finds a frame's
 * entries at once) plus an open-addressing index on (kind, caller, bfn,
 * ioserver) (so unmap_foreign_page finds an entry at once); both stay O(1)
 * per entry whatever the number of mappings.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sim-private.h"

uint64_t sim_prng(struct xpi_sim *sim)
{
	/* xorshift64*, seeded with a constant at xpi_sim_new(). */
	uint64_t x = sim->prng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	sim->prng = x;
	return x * UINT64_C(0x2545F4914F6CDD1D);
}

uint64_t sim_frame_alloc(struct xpi_sim *sim)
{
	uint64_t i, m;

	if (!sim->st.free_frames)
		return SIM_NO_MFN;
	for (i = 0; i < sim->nframes; i++) {
		m = sim->alloc_cursor + i;
		if (m >= sim->nframes)
			m -= sim->nframes;
		if (sim->frames[m].flags & FRAME_FREE) {
			sim->alloc_cursor = m + 1 < sim->nframes ? m + 1 : 0;
			return m;
		}
	}
	return SIM_NO_MFN;
}

/* A free frame becomes @owner's, with the ownership reference. */
void sim_frame_take(struct xpi_sim *sim, uint64_t mfn, uint16_t owner)
{
	struct sim_frame *f = &sim->frames[mfn];

	f->flags &= (uint8_t)~FRAME_FREE;
	f->owner = owner;
	f->refs = 1;
	f->wrefs = 0;
	sim->st.free_frames--;
}

/* The owner lets go of the frame (balloon out, domain destruction). */
void sim_frame_release(struct xpi_sim *sim, uint64_t mfn)
{
	struct sim_frame *f = &sim->frames[mfn];

	f->owner = XPI_DOMID_INVALID;
	f->flags &= (uint8_t)~FRAME_PINNED;
	sim_frame_put(sim, mfn, 0);
}

void sim_frame_get(struct xpi_sim *sim, uint64_t mfn, int writable)
{
	struct sim_frame *f = &sim->frames[mfn];

	if (f->flags & FRAME_FREE) {
		/* The hardware domain mapped an unowned frame by MFN. */
		f->flags &= (uint8_t)~FRAME_FREE;
		sim->st.free_frames--;
	}
	f->refs++;
	if (writable)
		f->wrefs++;
}

void sim_frame_put(struct xpi_sim *sim, uint64_t mfn, int writable)
{
	struct sim_frame *f = &sim->frames[mfn];

	f->refs--;
	if (writable)
		f->wrefs--;
	if (f->refs == 0 &&
	    (!(f->flags & FRAME_XEN) || (f->flags & FRAME_SCRATCH))) {
		/* The auditor's IOTLB rule: never freed while reachable. */
		if (f->flags & FRAME_STALE) {
			if (sim->early_frees < 16)
				sim->early_mfn[sim->early_frees] = mfn;
			sim->early_frees++;
		}
		if (f->flags & FRAME_SCRATCH)
			sim->st.scratch_frames--;
		f->flags = FRAME_FREE;
		f->owner = XPI_DOMID_INVALID;
		sim->st.free_frames++;
	}
}

/* ---- The IOTLB: what stays reachable until the next flush ---- */

/* Room for n more stale ranges, so that n sim_iotlb_stale() cannot fail. */
int sim_iotlb_reserve(struct xpi_sim *sim, size_t n)
{
	size_t want = sim->npend + n, cap;
	struct sim_iotlb_pend *p;

	if (want <= sim->pendcap)
		return 0;
	cap = sim->pendcap ? sim->pendcap : 64;
	while (cap < want)
		cap *= 2;
	p = realloc(sim->pend, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	sim->pend = p;
	sim->pendcap = cap;
	return 0;
}

/*
 * The IOMMU entry for frames [mfn, mfn + n) was removed or changed: the
 * IOTLB may reach them until the next flush.  With put, the entry held a
 * reference on each, dropped after that flush (contract point 2).
 */
void sim_iotlb_stale(struct xpi_sim *sim, uint64_t mfn, uint64_t n, int put,
		     int writable)
{
	struct sim_iotlb_pend *last = sim->npend ? &sim->pend[sim->npend - 1]
						 : NULL;

	for (uint64_t i = 0; i < n; i++)
		sim->frames[mfn + i].flags |= FRAME_STALE;
	if (put && sim->release_before_flush) {
		for (uint64_t i = 0; i < n; i++)
			sim_frame_put(sim, mfn + i, writable);
		put = 0;
	}
	sim->changed = 1;
	if (last && last->mfn + last->n == mfn && last->put == put &&
	    last->writable == (writable != 0)) {
		last->n += n;
		return;
	}
	sim->pend[sim->npend++] = (struct sim_iotlb_pend){
		.mfn = mfn,
		.n = n,
		.put = (uint8_t)(put != 0),
		.writable = (uint8_t)(writable != 0),
	};
}

/* The flush: nothing is stale any more, then the references go. */
void sim_iotlb_flush(struct xpi_sim *sim)
{
	size_t i;

	for (i = 0; i < sim->npend; i++)
		for (uint64_t k = 0; k < sim->pend[i].n; k++)
			sim->frames[sim->pend[i].mfn + k].flags &=
				(uint8_t)~FRAME_STALE;
	for (i = 0; i < sim->npend; i++) {
		const struct sim_iotlb_pend *p = &sim->pend[i];

		if (p->put)
			for (uint64_t k = 0; k < p->n; k++)
				sim_frame_put(sim, p->mfn + k, p->writable);
	}
	sim->npend = 0;
}

/* ---- Aliases: live mapping records per frame ---- */

/* Whether each of frames [mfn, mfn + n) may take one more record. */
int sim_alias_room(const struct xpi_sim *sim, uint64_t mfn, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (sim->frames[mfn + i].aliases >= SIM_MAX_ALIASES)
			return 0;
	return 1;
}

void sim_alias_add(struct xpi_sim *sim, uint64_t mfn, uint64_t n, int delta)
{
	for (uint64_t i = 0; i < n; i++)
		sim->frames[mfn + i].aliases =
			(uint8_t)(sim->frames[mfn + i].aliases + delta);
}

/*
 * Guest t's scratch frame, made at its first swap: a Xen frame holding one
 * reference for the guest and one per swapped BFN.  SIM_NO_MFN when no
 * frame is free (the swap is then not done).
 */
uint64_t sim_scratch_get(struct xpi_sim *sim, struct sim_domain *t)
{
	uint64_t m;

	if (t->scratch != SIM_NO_MFN)
		return t->scratch;
	m = sim_frame_alloc(sim);
	if (m == SIM_NO_MFN)
		return SIM_NO_MFN;
	sim_frame_take(sim, m, SIM_DOMID_XEN);
	sim->frames[m].flags = FRAME_XEN | FRAME_SCRATCH;
	sim->st.scratch_frames++;
	t->scratch = m;
	return m;
}

static unsigned int floor_log2(uint64_t x)
{
	unsigned int l = 0;

	while (x >>= 1)
		l++;
	return l;
}

/* nr free frames in a row at an address aligned to 2^align_order. */
static uint64_t find_contiguous(struct xpi_sim *sim, uint64_t nr,
				unsigned int align_order)
{
	uint64_t align = UINT64_C(1) << align_order;
	uint64_t base = 0, i;

	while (base + nr <= sim->nframes) {
		for (i = 0; i < nr; i++)
			if (!(sim->frames[base + i].flags & FRAME_FREE))
				break;
		if (i == nr)
			return base;
		/* Restart at the next aligned frame past the busy one. */
		base = (base + i + align) & ~(align - 1);
	}
	return SIM_NO_MFN;
}

static int adjacent(uint64_t a, uint64_t b)
{
	return a + 1 == b || b + 1 == a;
}

/*
 * Scattered backing: frames picked by the fixed-seed PRNG, never next to
 * the previous GFN's frame, so no two neighbouring GFNs are contiguous.
 * Random probes first (cheap while the host is mostly free), then a scan.
 */
static uint64_t pick_scattered(struct xpi_sim *sim, uint64_t prev)
{
	uint64_t c, start;

	for (unsigned int tries = 0; tries < 64; tries++) {
		c = sim_prng(sim) % sim->nframes;
		if ((sim->frames[c].flags & FRAME_FREE) &&
		    (prev == SIM_NO_MFN || !adjacent(c, prev)))
			return c;
	}
	start = sim_prng(sim) % sim->nframes;
	for (uint64_t k = 0; k < sim->nframes; k++) {
		c = start + k < sim->nframes ? start + k
					     : start + k - sim->nframes;
		if ((sim->frames[c].flags & FRAME_FREE) &&
		    (prev == SIM_NO_MFN || !adjacent(c, prev)))
			return c;
	}
	return SIM_NO_MFN;
}

static int alloc_scattered(struct xpi_sim *sim, struct sim_domain *d)
{
	uint64_t nr = d->p2m_size, i, m, prev = SIM_NO_MFN;

	if (sim->st.free_frames < nr)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		m = pick_scattered(sim, prev);
		if (m == SIM_NO_MFN) {
			while (i--) {
				sim_frame_release(sim, d->p2m[i]);
				d->p2m[i] = SIM_NO_MFN;
			}
			return -ENOMEM;
		}
		sim_frame_take(sim, m, d->domid);
		d->p2m[i] = m;
		prev = m;
	}
	return 0;
}

int sim_alloc_p2m(struct xpi_sim *sim, struct sim_domain *d,
		  enum xpi_sim_backing backing)
{
	uint64_t nr = d->p2m_size, base, i;
	unsigned int align;

	if (backing == XPI_SIM_BACKING_SCATTERED)
		return alloc_scattered(sim, d);
	/* Aligned enough that every aligned GFN range is an aligned MFN one. */
	align = floor_log2(nr);
	if (align > sim->cfg.max_order)
		align = sim->cfg.max_order;
	base = find_contiguous(sim, nr, align);
	if (base == SIM_NO_MFN)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		d->p2m[i] = base + i;
		sim_frame_take(sim, base + i, d->domid);
	}
	return 0;
}

/* ---- The M2B pool and its index ---- */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

static uint32_t key_hash(int lookup, uint16_t caller, uint64_t bfn,
			 uint16_t ioserver)
{
	uint64_t k = ((uint64_t)(lookup != 0) << 32) |
		     ((uint64_t)caller << 16) | ioserver;

	return (uint32_t)mix64(bfn ^ mix64(k + 1));
}

static uint32_t entry_hash(const struct sim_m2b *e)
{
	return key_hash(e->flags & M2B_LOOKUP, e->caller, e->bfn, e->ioserver);
}

static int rehash(struct sim_m2b_pool *p, uint32_t nslots)
{
	uint32_t *slot = calloc(nslots, sizeof(*slot));
	uint32_t mask = nslots - 1;

	if (!slot)
		return -ENOMEM;
	for (uint32_t i = 0; i < p->nslots; i++) {
		uint32_t v = p->slot[i], h;

		if (!v)
			continue;
		h = entry_hash(&p->e[v - 1]) & mask;
		while (slot[h])
			h = (h + 1) & mask;
		slot[h] = v;
	}
	free(p->slot);
	p->slot = slot;
	p->nslots = nslots;
	return 0;
}

/* Make room for n more entries, so that n sim_m2b_add() cannot fail. */
int sim_m2b_reserve(struct xpi_sim *sim, uint64_t n)
{
	struct sim_m2b_pool *p = &sim->m2b;
	uint64_t want = p->records + n;

	if (want >= UINT32_MAX / 4)
		return -ENOMEM;
	if (want > p->cap) {
		uint64_t cap = p->cap ? p->cap : 1024;
		struct sim_m2b *e;

		while (cap < want)
			cap *= 2;
		e = realloc(p->e, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		p->e = e;
		p->cap = (uint32_t)cap;
	}
	if (want * 2 > p->nslots) {
		uint64_t ns = p->nslots ? p->nslots : 2048;

		while (ns < want * 2)
			ns *= 2;
		return rehash(p, (uint32_t)ns);
	}
	return 0;
}

static void list_add(struct xpi_sim *sim, uint32_t idx)
{
	struct sim_m2b *e = sim->m2b.e;
	struct sim_frame *f = &sim->frames[e[idx].mfn];

	if (!f->m2b) {
		e[idx].next = e[idx].prev = idx;
		f->m2b = idx + 1;
	} else {
		uint32_t head = f->m2b - 1, tail = e[head].prev;

		e[idx].prev = tail;
		e[idx].next = head;
		e[tail].next = idx;
		e[head].prev = idx;
	}
	sim->m2b.live++;
}

static void list_del(struct xpi_sim *sim, uint32_t idx)
{
	struct sim_m2b *e = sim->m2b.e;
	struct sim_frame *f = &sim->frames[e[idx].mfn];

	if (e[idx].next == idx) {
		f->m2b = 0;
	} else {
		e[e[idx].prev].next = e[idx].next;
		e[e[idx].next].prev = e[idx].prev;
		if (f->m2b == idx + 1)
			f->m2b = e[idx].next + 1;
	}
	sim->m2b.live--;
}

uint32_t sim_m2b_add(struct xpi_sim *sim, const struct sim_m2b *tmpl)
{
	struct sim_m2b_pool *p = &sim->m2b;
	uint32_t idx, mask = p->nslots - 1, h;

	if (p->free_head) {
		idx = p->free_head - 1;
		p->free_head = p->e[idx].next;
	} else {
		idx = p->used++;
	}
	p->e[idx] = *tmpl;
	p->e[idx].flags |= M2B_USED;
	if (!(tmpl->flags & M2B_SWAPPED))
		list_add(sim, idx);
	p->records++;
	h = entry_hash(&p->e[idx]) & mask;
	while (p->slot[h])
		h = (h + 1) & mask;
	p->slot[h] = idx + 1;
	return idx;
}

static uint32_t find_slot(const struct sim_m2b_pool *p, int lookup,
			  uint16_t caller, uint64_t bfn, uint16_t ioserver)
{
	uint32_t mask = p->nslots - 1, h;

	if (!p->nslots)
		return UINT32_MAX;
	h = key_hash(lookup, caller, bfn, ioserver) & mask;
	for (; p->slot[h]; h = (h + 1) & mask) {
		const struct sim_m2b *e = &p->e[p->slot[h] - 1];

		if (e->bfn == bfn && e->caller == caller &&
		    e->ioserver == ioserver &&
		    !(e->flags & M2B_LOOKUP) == !lookup)
			return h;
	}
	return UINT32_MAX;
}

/* The entry of that key: its pool index, or UINT32_MAX. */
uint32_t sim_m2b_find(const struct xpi_sim *sim, int lookup, uint16_t caller,
		      uint64_t bfn, uint16_t ioserver)
{
	uint32_t h = find_slot(&sim->m2b, lookup, caller, bfn, ioserver);

	return h == UINT32_MAX ? UINT32_MAX : sim->m2b.slot[h] - 1;
}

/* Take a live entry off its frame: it becomes a swapped record. */
void sim_m2b_detach(struct xpi_sim *sim, uint32_t idx, uint64_t scratch)
{
	list_del(sim, idx);
	sim->m2b.e[idx].flags |= M2B_SWAPPED;
	sim->m2b.e[idx].mfn = scratch;
}

void sim_m2b_del(struct xpi_sim *sim, uint32_t idx)
{
	struct sim_m2b_pool *p = &sim->m2b;
	struct sim_m2b *e = &p->e[idx];
	uint32_t mask = p->nslots - 1, i, j;

	i = find_slot(p, e->flags & M2B_LOOKUP, e->caller, e->bfn, e->ioserver);
	if (!(e->flags & M2B_SWAPPED))
		list_del(sim, idx);
	/* Backward-shift deletion keeps probe chains whole, no tombstones. */
	p->slot[i] = 0;
	for (j = (i + 1) & mask; p->slot[j]; j = (j + 1) & mask) {
		uint32_t k = entry_hash(&p->e[p->slot[j] - 1]) & mask;

		if ((j > i && (k <= i || k > j)) ||
		    (j < i && k <= i && k > j)) {
			p->slot[i] = p->slot[j];
			p->slot[j] = 0;
			i = j;
		}
	}
	e->flags = 0;
	e->next = p->free_head;
	p->free_head = idx + 1;
	p->records--;
}

void sim_m2b_free(struct sim_m2b_pool *p)
{
	free(p->e);
	free(p->slot);
	memset(p, 0, sizeof(*p));
}

size_t sim_m2b_bytes(const struct sim_m2b_pool *p)
{
	return (size_t)p->cap * sizeof(struct sim_m2b) +
	       (size_t)p->nslots * sizeof(uint32_t);
}

int xpi_sim_debug_release_before_flush(struct xpi_sim *sim, int on)
{
	if (!sim)
		return -EINVAL;
	SIM_LOCK(sim);
	sim->release_before_flush = on != 0;
	SIM_UNLOCK(sim);
	return 0;
}

int xpi_sim_debug_map_race(struct xpi_sim *sim, int old_order, uint16_t domid,
			   uint64_t gfn)
{
	if (!sim)
		return -EINVAL;
	SIM_LOCK(sim);
	sim->map_race_armed = 1;
	sim->map_race_old = old_order != 0;
	sim->map_race_domid = domid;
	sim->map_race_gfn = gfn;
	SIM_UNLOCK(sim);
	return 0;
}
