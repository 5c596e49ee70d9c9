// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ioreq servers: a real buffered_iopage_t and real ioreq_t slots shared
 * with the emulator, an eventfd for the event channel, and the ordered
 * delivery of IOREQ_TYPE_INVALIDATE (interface-facts.md sections 3 and 4).
 *
 * The simulator is the only writer of the buffered ring: it fills the
 * slots, then publishes write_pointer with release ordering; it reads the
 * emulator's read_pointer with an acquire load.  Pointers only grow.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "sim-private.h"

struct sim_ioserver *sim_ioserver(const struct xpi_sim *sim, uint16_t domid,
				  uint16_t id)
{
	const struct sim_domain *d = sim_dom(sim, domid);

	if (!d)
		return NULL;
	for (unsigned int i = 0; i < SIM_MAX_IOSERVERS; i++)
		if (d->ios[i] && d->ios[i]->id == id)
			return d->ios[i];
	return NULL;
}

static size_t sync_bytes(unsigned int vcpus)
{
	size_t n = vcpus * sizeof(struct xpi_xen_ioreq);

	return (n + SIM_PAGE_SIZE - 1) & ~(size_t)(SIM_PAGE_SIZE - 1);
}

void sim_ioserver_free(struct sim_ioserver *s)
{
	if (!s)
		return;
	if (s->evfd >= 0)
		close(s->evfd);
	free(s->buf); /* sync lives in the same block */
	free(s->issued);
	free(s->q);
	free(s);
}

size_t sim_ioserver_bytes(const struct xpi_sim *sim,
			  const struct sim_ioserver *s)
{
	return sizeof(*s) + SIM_PAGE_SIZE + sync_bytes(sim->cfg.ioreq_vcpus) +
	       sim->cfg.ioreq_vcpus + s->qcap * sizeof(*s->q);
}

static void notify_emulator(struct sim_ioserver *s)
{
	uint64_t one = 1;

	/* Only a counter at its 2^64 - 2 limit could refuse; nobody waits. */
	if (write(s->evfd, &one, sizeof(one)) != sizeof(one))
		return;
	s->st.notifications++;
}

/*
 * Publish write_pointer with release ordering, as a 64-bit compare-exchange
 * of the (read_pointer, write_pointer) pair that keeps the emulator's
 * read_pointer: the reader loads the pair with one 64-bit acquire load, and
 * a 32-bit release store at the second word would be a different location
 * to ThreadSanitizer (no happens-before seen, a false race report), though
 * not to x86.  Xen's own writer stores the word behind a write barrier.
 */
static void publish_write_pointer(struct xpi_xen_bufpage *pg, uint32_t wp)
{
	uint64_t *pair = (uint64_t *)(void *)pg;
	uint64_t old = __atomic_load_n(pair, __ATOMIC_RELAXED), new;

	do {
		/* little-endian: read_pointer is the low word */
		new = (old & UINT32_MAX) | (uint64_t)wp << 32;
	} while (!__atomic_compare_exchange_n(pair, &old, new, 0,
					      __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
}

/*
 * Write one INVALIDATE to the buffered ring, as Xen's writer does: 4 bytes
 * (size 2) in one slot, or 8 bytes (size 3) in two slots, low half first.
 * 0 when the ring has no room.
 */
static int buffered_send(struct sim_ioserver *s, uint64_t bfn)
{
	struct xpi_xen_bufpage *pg = s->buf;
	unsigned int qw = bfn > UINT32_MAX;
	uint32_t rp = __atomic_load_n(&pg->read_pointer, __ATOMIC_ACQUIRE);
	uint32_t wp = pg->write_pointer;
	struct xpi_xen_buf_ioreq b = {
		.type = SIM_IOREQ_TYPE_INVALIDATE,
		/* pad 0, dir 0 (write), size in bits 2..3, addr 0 */
		.bits = (uint8_t)((qw ? 3u : 2u) << 2),
		.addr_hi = 0,
		.data = (uint32_t)bfn,
	};

	if (wp - rp >= SIM_BUF_SLOTS - qw)
		return 0;
	pg->slot[wp % SIM_BUF_SLOTS] = b;
	if (qw) {
		b.data = (uint32_t)(bfn >> 32);
		pg->slot[(wp + 1) % SIM_BUF_SLOTS] = b;
	}
	publish_write_pointer(pg, wp + 1 + qw);
	s->st.buffered_sent++;
	return 1;
}

static int free_sync_slot(const struct xpi_sim *sim,
			  const struct sim_ioserver *s)
{
	for (unsigned int v = 0; v < sim->cfg.ioreq_vcpus; v++)
		if (s->issued[v] == SYNC_NONE)
			return (int)v;
	return -1;
}

static void sync_send(struct sim_ioserver *s, unsigned int v, uint64_t data,
		      uint32_t size, uint8_t kind)
{
	struct xpi_xen_ioreq *r = &s->sync[v];

	r->addr = 0;
	r->data = data;
	r->count = 1;
	r->size = size;
	r->type = SIM_IOREQ_TYPE_INVALIDATE;
	/* state IOREQ_READY, dir write, data_is_ptr 0: published last. */
	__atomic_store_n(&r->bits, (uint8_t)SIM_STATE_IOREQ_READY,
			 __ATOMIC_RELEASE);
	s->issued[v] = kind;
	s->st.sync_sent++;
}

/* Deliver one BFN invalidate now: 0 when it has to wait. */
static int send_now(struct xpi_sim *sim, struct sim_ioserver *s, uint64_t bfn)
{
	int v;

	if (!buffered_send(s, bfn)) {
		/* Ring full: a synchronous ioreq, the vCPU waits for it. */
		v = free_sync_slot(sim, s);
		if (v < 0)
			return 0;
		sync_send(s, (unsigned int)v, bfn, 8, SYNC_BFN);
		s->bfn_outstanding = 1;
	}
	notify_emulator(s);
	return 1;
}

static int backlog_push(struct sim_ioserver *s, uint64_t bfn)
{
	if (s->qhead && s->qhead + s->qlen == s->qcap) {
		memmove(s->q, s->q + s->qhead, s->qlen * sizeof(*s->q));
		s->qhead = 0;
	}
	if (s->qhead + s->qlen == s->qcap) {
		size_t cap = s->qcap ? s->qcap * 2 : 64;
		uint64_t *q = realloc(s->q, cap * sizeof(*q));

		if (!q)
			return -ENOMEM;
		s->q = q;
		s->qcap = cap;
	}
	s->q[s->qhead + s->qlen++] = bfn;
	s->st.waiting = s->qlen;
	return 0;
}

/*
 * One exit (or resume) of a vCPU of domain d, as patch 0005's
 * pv_iommu_send_pending(): it looks at d's own servers only; per server it
 * sends the queue in order through the buffered ring while that has room,
 * then the first entry the ring cannot take synchronously if a slot is
 * free, and stops at the first entry that can go neither way (a disabled
 * server, an outstanding synchronous one, no slot).  So the entries looked
 * at in one exit are at most, per server, the ring's free slots plus one,
 * whatever the queues hold.  The number delivered.
 */
static unsigned int exit_pass(struct xpi_sim *sim, struct sim_domain *d)
{
	unsigned int examined = 0, sent = 0;

	for (unsigned int i = 0; i < SIM_MAX_IOSERVERS; i++) {
		struct sim_ioserver *s = d->ios[i];
		int more = 1;

		/*
		 * Behind an unanswered synchronous one nothing goes, to keep
		 * the order (Xen's other vCPUs could still use the ring
		 * meanwhile; the simulator has one, which waits).
		 */
		while (s && more && s->qlen && !s->bfn_outstanding) {
			uint64_t bfn = s->q[s->qhead];
			int v;

			examined++;
			if (s->disabled)
				break;
			if (!buffered_send(s, bfn)) {
				/* No room: one synchronous, then this
				 * server's turn ends. */
				v = free_sync_slot(sim, s);
				if (v < 0)
					break;
				sync_send(s, (unsigned int)v, bfn, 8, SYNC_BFN);
				s->bfn_outstanding = 1;
				more = 0;
			}
			notify_emulator(s);
			sent++;
			s->qhead++;
			if (!--s->qlen)
				s->qhead = 0;
			s->st.waiting = s->qlen;
		}
	}
	sim->st.exits++;
	if (examined > sim->st.max_exit_examined)
		sim->st.max_exit_examined = examined;
	return sent;
}

/*
 * The guest runs on: its vCPUs exit and resume until nothing more can be
 * delivered (the simulator has no vCPUs of its own to wait for).
 */
void sim_exits(struct xpi_sim *sim, uint16_t domid)
{
	struct sim_domain *d = sim_dom(sim, domid);

	if (d)
		while (exit_pass(sim, d))
			;
}

void sim_invalidate(struct xpi_sim *sim, uint16_t domid, uint16_t ioserver,
		    uint64_t bfn)
{
	struct sim_ioserver *s = sim_ioserver(sim, domid, ioserver);

	if (!s)
		return; /* the server is gone: nobody to tell */
	if (s->disabled || s->qlen || s->bfn_outstanding ||
	    !send_now(sim, s, bfn)) {
		/*
		 * Disabled, behind an outstanding synchronous one, or no
		 * slot: wait (an allocation failure here can only lose the
		 * ordering guarantee's bookkeeping, so deliver out of line
		 * instead where the server takes it).
		 */
		if (backlog_push(s, bfn) && !s->disabled)
			send_now(sim, s, bfn);
	}
}

XPI_EXPORT int xpi_sim_ioreq_server_create(struct xpi_sim *sim, uint16_t owner,
					   uint16_t domid, uint16_t *id)
{
	unsigned int vcpus, slot;
	struct sim_ioserver *s;
	struct sim_domain *d;
	int rc = 0;

	if (!sim || !id || domid == XPI_SIM_HWDOM)
		return -EINVAL;
	SIM_LOCK(sim);
	vcpus = sim->cfg.ioreq_vcpus;
	d = sim_dom(sim, domid);
	if (!d || !sim_dom(sim, owner)) {
		rc = -ESRCH;
		goto out;
	}
	if (!sim_privileged(sim, owner, domid)) {
		rc = -EPERM;
		goto out;
	}
	for (slot = 0; slot < SIM_MAX_IOSERVERS; slot++)
		if (!d->ios[slot])
			break;
	if (slot == SIM_MAX_IOSERVERS) {
		rc = -ENOSPC;
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		rc = -ENOMEM;
		goto out;
	}
	s->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	/* One block, as Xen's ioreq server resource: frame 0 the buffered
	 * page, frames 1.. the synchronous ioreqs (tests/trap-xen.c hands it
	 * to the listener as xenforeignmemory_map_resource() would). */
	s->buf = aligned_alloc(SIM_PAGE_SIZE,
			       SIM_PAGE_SIZE + sync_bytes(vcpus));
	s->sync = s->buf ? (void *)((char *)s->buf + SIM_PAGE_SIZE) : NULL;
	s->issued = calloc(vcpus, 1);
	if (s->evfd < 0 || !s->buf || !s->issued) {
		rc = s->evfd < 0 ? -errno : -ENOMEM;
		sim_ioserver_free(s);
		goto out;
	}
	memset(s->buf, 0, SIM_PAGE_SIZE);
	memset(s->sync, 0, sync_bytes(vcpus));
	/* Made-up event channel ports: the buffered one, then one a vCPU. */
	s->port = 1 + slot * (SIM_MAX_VCPUS + 1);
	for (unsigned int v = 0; v < vcpus; v++)
		s->sync[v].vp_eport = s->port + 1 + v;
	/* ioservids are not reused while the domain lives. */
	while (sim_ioserver(sim, domid, d->next_ioservid))
		d->next_ioservid++;
	s->id = d->next_ioservid++;
	s->owner = owner;
	d->ios[slot] = s;
	*id = s->id;
out:
	SIM_UNLOCK(sim);
	return rc;
}

static int lookup_server(struct xpi_sim *sim, uint16_t domid, uint16_t id,
			 struct sim_ioserver **s)
{
	if (!sim_dom(sim, domid))
		return -ESRCH;
	*s = sim_ioserver(sim, domid, id);
	return *s ? 0 : -ENOENT;
}

XPI_EXPORT int xpi_sim_ioreq_server_destroy(struct xpi_sim *sim, uint16_t domid,
					    uint16_t id)
{
	struct sim_ioserver *s;
	int rc;

	if (!sim)
		return -EINVAL;
	SIM_LOCK(sim);
	rc = lookup_server(sim, domid, id, &s);
	if (!rc) {
		struct sim_domain *d = sim_dom(sim, domid);

		for (unsigned int i = 0; i < SIM_MAX_IOSERVERS; i++)
			if (d->ios[i] == s)
				d->ios[i] = NULL;
		sim->st.invalidates_dropped += s->qlen;
		sim_ioserver_free(s);
	}
	SIM_UNLOCK(sim);
	return rc;
}

XPI_EXPORT int xpi_sim_ioreq_server_pages(struct xpi_sim *sim, uint16_t domid,
					  uint16_t id, void **buffered,
					  void **sync)
{
	struct sim_ioserver *s;
	int rc;

	if (!sim)
		return -EINVAL;
	SIM_LOCK(sim);
	rc = lookup_server(sim, domid, id, &s);
	if (!rc) {
		if (buffered)
			*buffered = s->buf;
		if (sync)
			*sync = s->sync;
	}
	SIM_UNLOCK(sim);
	return rc;
}

XPI_EXPORT int xpi_sim_ioreq_server_evtchn_fd(struct xpi_sim *sim,
					      uint16_t domid, uint16_t id)
{
	struct sim_ioserver *s;
	int rc;

	if (!sim)
		return -EINVAL;
	SIM_LOCK(sim);
	rc = lookup_server(sim, domid, id, &s);
	if (!rc)
		rc = s->evfd;
	SIM_UNLOCK(sim);
	return rc;
}

XPI_EXPORT int xpi_sim_ioreq_notify(struct xpi_sim *sim, uint16_t domid,
				    uint16_t id)
{
	struct sim_ioserver *s;
	int rc;

	if (!sim)
		return -EINVAL;
	SIM_LOCK(sim);
	rc = lookup_server(sim, domid, id, &s);
	if (!rc) {
		/* Retire the slots the emulator completed. */
		for (unsigned int v = 0; v < sim->cfg.ioreq_vcpus; v++) {
			struct xpi_xen_ioreq *r = &s->sync[v];
			uint8_t bits;

			if (s->issued[v] == SYNC_NONE)
				continue;
			bits = __atomic_load_n(&r->bits, __ATOMIC_ACQUIRE);
			if ((bits & 0xf) != SIM_STATE_IORESP_READY)
				continue;
			__atomic_store_n(&r->bits,
					 (uint8_t)SIM_STATE_IOREQ_NONE,
					 __ATOMIC_RELAXED);
			if (s->issued[v] == SYNC_BFN)
				s->bfn_outstanding = 0;
			s->issued[v] = SYNC_NONE;
			s->st.sync_completed++;
		}
		/* The waiting vCPU resumes: what waited may go now. */
		sim_exits(sim, domid);
	}
	SIM_UNLOCK(sim);
	return rc;
}

XPI_EXPORT int xpi_sim_ioreq_server_set_enabled(struct xpi_sim *sim,
						uint16_t domid, uint16_t id,
						int enabled)
{
	struct sim_ioserver *s;
	int rc;

	if (!sim)
		return -EINVAL;
	SIM_LOCK(sim);
	rc = lookup_server(sim, domid, id, &s);
	if (!rc)
		s->disabled = !enabled; /* what waits goes at the next exits */
	SIM_UNLOCK(sim);
	return rc;
}

XPI_EXPORT int xpi_sim_vcpu_exit(struct xpi_sim *sim, uint16_t domid)
{
	struct sim_domain *d;
	int rc;

	if (!sim)
		return -EINVAL;
	SIM_LOCK(sim);
	d = sim_dom(sim, domid);
	rc = d ? (int)exit_pass(sim, d) : -ESRCH;
	SIM_UNLOCK(sim);
	return rc;
}

XPI_EXPORT int xpi_sim_ioreq_flush_all(struct xpi_sim *sim, uint16_t domid)
{
	struct sim_domain *d;
	int rc = 0;

	if (!sim)
		return -EINVAL;
	SIM_LOCK(sim);
	d = sim_dom(sim, domid);
	if (!d) {
		rc = -ESRCH;
		goto out;
	}
	/* All or nothing: every enabled server needs a free slot. */
	for (unsigned int i = 0; i < SIM_MAX_IOSERVERS; i++)
		if (d->ios[i] && !d->ios[i]->disabled &&
		    free_sync_slot(sim, d->ios[i]) < 0) {
			rc = -EBUSY;
			goto out;
		}
	for (unsigned int i = 0; i < SIM_MAX_IOSERVERS; i++) {
		struct sim_ioserver *s = d->ios[i];

		if (!s || s->disabled)
			continue; /* as ioreq_broadcast(): enabled servers only */
		/* Xen's own flush-all: size 4, data all ones. */
		sync_send(s, (unsigned int)free_sync_slot(sim, s), ~UINT64_C(0),
			  4, SYNC_FLUSH_ALL);
		notify_emulator(s);
	}
out:
	SIM_UNLOCK(sim);
	return rc;
}

XPI_EXPORT int xpi_sim_ioreq_server_stats(struct xpi_sim *sim, uint16_t domid,
					  uint16_t id,
					  struct xpi_sim_ioreq_stats *stats)
{
	struct sim_ioserver *s;
	int rc;

	if (!sim || !stats)
		return -EINVAL;
	SIM_LOCK(sim);
	rc = lookup_server(sim, domid, id, &s);
	if (!rc)
		*stats = s->st;
	SIM_UNLOCK(sim);
	return rc;
}
