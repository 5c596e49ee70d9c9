/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library's insides: the handle, the transport slot, the tracker and
 * the BFN allocator.  Not installed.
 */
#ifndef XPI_PRIVATE_H
#define XPI_PRIVATE_H

#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>

#include <xenpviommu.h>
#include <xenpviommu/shim.h>
#include <xenpviommu/transport.h>

#include "log.h"
#include "common/radix.h"

#ifndef XPI_EXPORT
#define XPI_EXPORT __attribute__((visibility("default")))
#endif

#define XPI_PRIVCMD_PATH "/dev/xen/privcmd"
#define XPI_NR_HYPERCALLS 64 /* Xen's NR_hypercalls */

/* The tracker's key width: BFNs below 2^40 (a 52-bit bus address). */
#define XPI_BFN_WIDTH 40

struct xpi_handle;

/*
 * The listener's half of a transport: an ioreq server's pages and event
 * source (xenpviommu/transport.h's struct xpi_ioreq_port).  attach fills
 * the port or logs and returns a negative errno; ack consumes what made
 * port->fd readable; notify wakes the vCPUs whose slots were completed.
 */
struct xpi_ioreq_ops {
	int (*attach)(struct xpi_handle *h, struct xpi_ioreq_port *port);
	void (*detach)(struct xpi_handle *h, struct xpi_ioreq_port *port);
	int (*ack)(struct xpi_handle *h, struct xpi_ioreq_port *port);
	int (*notify)(struct xpi_handle *h, struct xpi_ioreq_port *port,
		      const uint16_t *vcpus, unsigned int n);
};

/* Xen's ioreq servers (lib/ioreq-xen.c; -EOPNOTSUPP without Xen). */
extern const struct xpi_ioreq_ops xpi_ioreq_xen;

/*
 * A transport: how ops reach do_iommu_op.  Chosen at open; the simulator
 * plugs into the same slot as the real kernel paths.
 */
struct xpi_transport_ops {
	const char *name;
	enum xpi_backend backend;
	/*
	 * Open: set h->tdata; log one line and return a negative errno on
	 * failure (-ENOENT when the device is absent).  May set
	 * h->bfn_base/h->bfn_count (the shim's window).
	 */
	int (*open)(struct xpi_handle *h);
	/*
	 * Issue do_iommu_op on ops[0..count).  Returns 0 when all count
	 * ops were processed, or a negative errno; *done receives the ops
	 * processed before an -EINTR/-EAGAIN (which the caller retries on
	 * the rest), 0 otherwise.  -ENOSYS: no do_iommu_op.
	 */
	int (*hypercall)(struct xpi_handle *h, struct pv_iommu_op *ops,
			 unsigned int count, unsigned int *done);
	void (*close)(struct xpi_handle *h);
	/* IOTLB flushes so far, or NULL when the transport cannot know. */
	uint64_t (*iotlb_flushes)(struct xpi_handle *h);
	/* The listener's ioreq servers through this transport. */
	const struct xpi_ioreq_ops *ioreq;
};

extern const struct xpi_transport_ops xpi_transport_kmod;
extern const struct xpi_transport_ops xpi_transport_xencall;

/*
 * The tracker: BFN -> what was mapped there, one radix extent per mapping.
 * The 56-bit value packs gfn (40 bits), flags (3 bits), lookup (1 bit) and
 * an index (12 bits) into a small table of (domid, ioserver) pairs, so a
 * densely mapped page costs about 8 bytes.
 */
#define XPI_TRACK_GFN_BITS 40
#define XPI_TRACK_GFN_MASK ((UINT64_C(1) << XPI_TRACK_GFN_BITS) - 1)
#define XPI_TRACK_FLAGS_SHIFT 40
#define XPI_TRACK_LOOKUP_BIT (UINT64_C(1) << 43)
#define XPI_TRACK_ALLOC_BIT (UINT64_C(1) << 44)
#define XPI_TRACK_ATTR_SHIFT 45
#define XPI_TRACK_ATTR_MAX 2048

/*
 * A lookup record whose BFN another (domid, ioserver) of the handle holds
 * in the map already: Xen keeps one lookup entry and one reference per
 * (frame, ioserver, domid, caller), so two servers that look one page up
 * get the same BFN and two entries, and the tracker keeps two records.
 * The map holds one record per BFN; the others are here, in an open-
 * addressed table keyed by BFN (bfn UINT64_MAX: a free slot).
 */
struct xpi_shared_rec {
	uint64_t bfn;
	uint64_t value; /* the map's packed value (order 0) */
};

struct xpi_tracker {
	struct xpi_radix map;
	uint32_t attr[XPI_TRACK_ATTR_MAX]; /* domid << 16 | ioserver */
	unsigned int nattr;
	struct xpi_shared_rec *shared; /* capshared slots, a power of 2 */
	size_t nshared, capshared;
};

/*
 * BFN allocator over [base, base + count): a bump pointer, a stack of
 * freed BFNs, and per-thread magazines (as Linux's IOVA rcache) so that
 * allocating and freeing single BFNs rarely takes the handle's lock.
 */
#define XPI_BFN_MAG_SIZE 64

struct xpi_bfn_mag {
	struct xpi_handle *h;
	struct xpi_bfn_mag *next; /* all magazines of the handle */
	unsigned int n;
	uint64_t bfn[XPI_BFN_MAG_SIZE];
};

struct xpi_bfn_alloc {
	uint64_t base, count;
	uint64_t next;	 /* bump pointer, relative to base */
	uint64_t *stack; /* freed single BFNs */
	size_t nstack, capstack;
	uint64_t reserved; /* BFNs given up for good (RMRR conflicts) */
	pthread_key_t key;
	int key_ok;
	struct xpi_bfn_mag *mags;
	uint64_t uid; /* unique per allocator, for the TLS cache */
};

struct xpi_handle {
	struct xentoollog_logger *logger;
	int own_logger;
	const struct xpi_transport_ops *tops;
	void *tdata;
	unsigned int hypercall;
	unsigned int max_batch_ops;
	struct xpi_caps caps;
	uint64_t bfn_base, bfn_count;
	enum xpi_host host; /* what the open probe found (host.c) */
	/* Bit o: a map of order o succeeded on this handle (batch.c), so a
	 * later -ENOSPC at o is the backing's, not a host refusing o. */
	uint32_t order_ok;
	uint64_t xs_offset; /* XenServer's BFN offset, if it gave one */

	/* A plugged-in transport (xpi_options.transport), or zeros. */
	struct xpi_transport plug;

	pthread_mutex_t lock; /* tracker, allocator, stats */
	struct xpi_tracker tracker;
	struct xpi_bfn_alloc bfn;
	struct xpi_stats stats;
};

#define xpi_log(h, level, err, ...)                                            \
	xpi_logf((h)->logger, (level), (err), __VA_ARGS__)
#define xpi_err(h, err, ...) xpi_log(h, XTL_ERROR, (err), __VA_ARGS__)
#define xpi_warn(h, err, ...) xpi_log(h, XTL_WARN, (err), __VA_ARGS__)
#define xpi_dbg(h, ...) xpi_log(h, XTL_DEBUG, -1, __VA_ARGS__)

/*
 * Send ops through the transport, retrying EINTR/EAGAIN, counting stats.
 * Returns 0 or the transport's negative errno (-EOPNOTSUPP for -ENOSYS).
 * Does not take h->lock.
 */
int xpi_hypercall(struct xpi_handle *h, struct pv_iommu_op *ops,
		  unsigned int count);

/* host.c: the open probe (docs/xenserver-model.md). */
void xpi_host_mark(struct pv_iommu_op *op);
int xpi_host_check_caps(struct xpi_handle *h, const struct pv_iommu_op *op);
void xpi_host_probe_op(struct pv_iommu_op *op);
int xpi_host_probe_foreign(struct xpi_handle *h, const struct pv_iommu_op *op);

/* The transport slot (lib/transport.c). */
int xpi_transport_take(struct xpi_handle *h, const struct xpi_transport *t);
int xpi_apply_environment(struct xpi_handle *h, enum xpi_backend *backend);
int xpi_open_transport(struct xpi_handle *h, enum xpi_backend backend);

/* Tracker (h->lock held by the caller). */
/* A record from the packed value of the extent [base, base + 2^order). */
static inline void xpi_tracker_unpack(const struct xpi_tracker *t,
				      uint64_t base, unsigned int order,
				      uint64_t value, struct xpi_mapping *m)
{
	uint32_t attr =
		t->attr[(value & XPI_RADIX_VALUE_MASK) >> XPI_TRACK_ATTR_SHIFT];

	m->bfn = base;
	m->gfn = value & XPI_TRACK_GFN_MASK;
	m->flags = (uint16_t)((value >> XPI_TRACK_FLAGS_SHIFT) & 7);
	m->order = (uint8_t)order;
	m->lookup = !!(value & XPI_TRACK_LOOKUP_BIT);
	m->allocated = !!(value & XPI_TRACK_ALLOC_BIT);
	m->domid = (uint16_t)(attr >> 16);
	m->ioserver = (uint16_t)attr;
}

/* The attribute index of (domid, ioserver), or -ENOENT if never used. */
int xpi_tracker_attr_find(const struct xpi_tracker *t, uint16_t domid,
			  uint16_t ioserver);

int xpi_tracker_init(struct xpi_tracker *t);
void xpi_tracker_destroy(struct xpi_tracker *t);
int xpi_tracker_add(struct xpi_tracker *t, const struct xpi_mapping *m);
int xpi_tracker_find(const struct xpi_tracker *t, uint64_t bfn,
		     struct xpi_mapping *m);
/* Remove the extent starting at bfn from the map (own maps; by BFN). */
int xpi_tracker_remove(struct xpi_tracker *t, uint64_t bfn,
		       struct xpi_mapping *m);
/*
 * Remove the foreign record (map_foreign extent or lookup) that starts at
 * bfn and belongs to ioreq server ioserver, as unmap_foreign_page(bfn,
 * ioserver) finds it: a map_foreign extent before a lookup.  0 or -ENOENT.
 */
int xpi_tracker_remove_foreign(struct xpi_tracker *t, uint64_t bfn,
			       uint16_t ioserver, struct xpi_mapping *m);
/* The k-th shared lookup record at bfn (beside the map's): 0 or -ENOENT. */
int xpi_tracker_shared_nth(const struct xpi_tracker *t, uint64_t bfn, size_t k,
			   struct xpi_mapping *m);
/* Every record: the map's extents and the shared lookups. */
uint64_t xpi_tracker_count(const struct xpi_tracker *t);
/* Bytes the tracker's map and shared table take. */
size_t xpi_tracker_bytes(const struct xpi_tracker *t);
/*
 * The shared lookup record at bfn of attribute index attr (the listener,
 * when the map's record at bfn is another server's): 0 with *value, taken
 * out of the table when take is set; -ENOENT.
 */
int xpi_tracker_shared_take(struct xpi_tracker *t, uint64_t bfn,
			    unsigned int attr, int take, uint64_t *value);
/*
 * Put a packed record back (the listener, when an unmap failed): into the
 * map, or, an order-0 lookup whose BFN the map holds for another server,
 * into the shared table.  0, -EEXIST, -ENOMEM.
 */
int xpi_tracker_insert_value(struct xpi_tracker *t, uint64_t base,
			     unsigned int order, uint64_t value);
/* 1 if no BFN of [bfn, bfn + 2^order) is tracked (map or shared). */
int xpi_tracker_range_free(const struct xpi_tracker *t, uint64_t bfn,
			   unsigned int order);
int xpi_tracker_walk(const struct xpi_tracker *t,
		     int (*fn)(void *opaque, const struct xpi_mapping *m),
		     void *opaque);
/* A mapping record from a successful op (for tracker_add). */
void xpi_mapping_from_op(const struct pv_iommu_op *op, struct xpi_mapping *m);

/* BFN allocator (takes h->lock itself). */
int xpi_bfn_init(struct xpi_bfn_alloc *a, uint64_t base, uint64_t count);
void xpi_bfn_destroy(struct xpi_bfn_alloc *a);
/* Allocate one BFN: 0 and *bfn, or -ENOSPC. */
int xpi_bfn_alloc_one(struct xpi_handle *h, uint64_t *bfn);
/*
 * Allocate nr contiguous BFNs whose first is congruent to phase modulo
 * 2^align_order (so a GFN run keeps its superpage alignment): 0 and *bfn,
 * or -ENOSPC.
 */
int xpi_bfn_alloc_run(struct xpi_handle *h, uint64_t nr,
		      unsigned int align_order, uint64_t phase, uint64_t *bfn);
/*
 * Under h->lock: free n single BFNs at once (the listener's drain, once
 * per drain), all or none.  0 or -ENOMEM (nothing freed).
 */
int xpi_bfn_give_back_locked(struct xpi_bfn_alloc *a, const uint64_t *bfns,
			     size_t n);

/* Give back [bfn, bfn + nr). */
void xpi_bfn_free(struct xpi_handle *h, uint64_t bfn, uint64_t nr);
/* The same under h->lock (no magazine). */
void xpi_bfn_free_locked(struct xpi_bfn_alloc *a, uint64_t bfn, uint64_t nr);
/* Never hand [bfn, bfn + nr) out again (an RMRR conflict). */
void xpi_bfn_reserve(struct xpi_handle *h, uint64_t bfn, uint64_t nr);
/* 1 if bfn lies in the allocator's window. */
int xpi_bfn_in_window(const struct xpi_handle *h, uint64_t bfn);

/* Probe query_caps and fill h->caps (caps.c). */
int xpi_caps_probe(struct xpi_handle *h);

/*
 * The map_foreign_page ops of batch b use BFNs from the handle's
 * allocator (xpi_foreign_map()): their records are marked allocated, so
 * the BFNs go back to the allocator once unmapped, whichever path unmaps
 * them.  A batch of the public API never is: a BFN its caller chose stays
 * out of the allocator.
 */
void xpi_batch_set_from_allocator(struct xpi_batch *b);

/* Unmap every live mapping of the handle (close). */
int xpi_unmap_all(struct xpi_handle *h);

#endif /* XPI_PRIVATE_H */
