/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated hypervisor's insides: the host, its frames, the M2B, the
 * domains with their p2m and IOMMU tables, ioreq servers and grants.  Not
 * installed.  Every function here expects sim->lock to be held.
 */
#ifndef XPI_SIM_PRIVATE_H
#define XPI_SIM_PRIVATE_H

#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stddef.h>

#include <xenpviommu/sim.h>

#include "common/radix.h"
#include "common/xen-ioreq.h"

#ifndef XPI_EXPORT
#define XPI_EXPORT __attribute__((visibility("default")))
#endif

#define SIM_DOMID_XEN 0x7FF2u
#define SIM_NO_MFN UINT64_MAX
#define SIM_MAX_HOST_FRAMES (UINT64_C(1) << 40)
#define SIM_MAX_IOSERVERS 8
#define SIM_MAX_GRANTS 4096
#define SIM_MAX_HANDLES 65536
#define SIM_MAX_VCPUS 128
#define SIM_MAX_RMRR 64
#define SIM_PAGE_SIZE 4096
/* Live mapping records that may cover one frame (-EMLINK beyond). */
#define SIM_MAX_ALIASES 64

/* Xen's ioreq values (common/xen-ioreq.h). */
#define SIM_IOREQ_TYPE_INVALIDATE XPI_IOREQ_TYPE_INVALIDATE
#define SIM_STATE_IOREQ_NONE XPI_IOREQ_STATE_NONE
#define SIM_STATE_IOREQ_READY XPI_IOREQ_STATE_READY
#define SIM_STATE_IORESP_READY XPI_IOREQ_STATE_RESP_READY
#define SIM_BUF_SLOTS XPI_RING_SLOTS

/* Grant status values (public/grant_table.h). */
#define SIM_GNTST_okay 0
#define SIM_GNTST_general_error (-1)
#define SIM_GNTST_bad_domain (-2)
#define SIM_GNTST_bad_gntref (-3)
#define SIM_GNTST_bad_handle (-4)
#define SIM_GNTST_bad_dev_addr (-6)
#define SIM_GNTST_no_device_space (-7)
#define SIM_GNTST_permission_denied (-8)
#define SIM_GNTST_bad_page (-9)
#define SIM_GNTST_no_space (-13)

/* Frame flags. */
#define FRAME_FREE 0x1u
#define FRAME_XEN 0x2u
#define FRAME_PINNED 0x4u
#define FRAME_STALE 0x8u    /* an unflushed IOTLB entry may still reach it */
#define FRAME_SCRATCH 0x10u /* a guest's scratch frame (with FRAME_XEN) */
#define FRAME_XS_PIN 0x20u  /* XenServer's _PGC_foreign_map bit (one ref) */

/* XenServer's default xen_pviommu_foreign_offset: 248 GiB in 4 KiB frames. */
#define SIM_XS_FOREIGN_OFFSET ((UINT64_C(248) << 30) >> 12)

/*
 * One machine frame: 16 bytes, in a flat array indexed by MFN.  refs
 * counts ownership (1), each referencing IOMMU extent page, each live M2B
 * entry and each grant mapping; wrefs the writable type references.  A
 * guest's scratch frame counts 1 while the guest lives and 1 per swapped
 * BFN pointing at it.  aliases counts the live mapping records covering
 * the frame (map_page and grant extent pages, M2B entries; at most
 * SIM_MAX_ALIASES).
 */
struct sim_frame {
	uint32_t refs;
	uint32_t wrefs;
	uint32_t m2b;	/* head of the frame's M2B list: index + 1, 0: none */
	uint16_t owner; /* domid, SIM_DOMID_XEN or XPI_DOMID_INVALID */
	uint8_t flags;
	uint8_t aliases;
};

/*
 * Frames whose IOMMU entry was removed or changed since the last IOTLB
 * flush (FRAME_STALE until then), and the references to drop after that
 * flush (put): docs/hypervisor-model.md, "IOTLB flushes".
 */
struct sim_iotlb_pend {
	uint64_t mfn, n;
	uint8_t put, writable;
};

/*
 * The value of an IOMMU radix entry: the first MFN of the extent and
 * what the extent is.
 */
#define IOV_MFN_MASK ((UINT64_C(1) << 44) - 1)
#define IOV_R (UINT64_C(1) << 44)
#define IOV_W (UINT64_C(1) << 45)
#define IOV_NOREF (UINT64_C(1) << 46)	/* map_page with no_ref_cnt */
#define IOV_FOREIGN (UINT64_C(1) << 47) /* map_foreign_page */
#define IOV_GRANT (UINT64_C(1) << 48)	/* grant map with request_bfn_map */

/* M2B entry flags. */
#define M2B_LOOKUP 0x01u   /* made by lookup_foreign_page (else by map) */
#define M2B_SWAP 0x02u	   /* mapped with IOMMUOP_swap_mfn */
#define M2B_WRITABLE 0x04u /* holds a writable type reference */
#define M2B_SWAPPED 0x08u  /* ballooned and swapped: a detached record */
#define M2B_USED 0x80u	   /* the pool slot is in use */

/*
 * One M2B entry: MFN -> (BFN, domid, ioserver, caller), 32 bytes.  A live
 * entry sits on its frame's circular list and holds one general reference
 * (and a writable one with M2B_WRITABLE).  A swapped record stays in the
 * index only, holds nothing, and lets unmap_foreign_page find the BFN that
 * now points at the scratch page.
 */
struct sim_m2b {
	uint64_t bfn;
	uint64_t mfn;
	uint32_t next, prev; /* per-frame list, pool indices; free list: next */
	uint16_t domid;
	uint16_t ioserver;
	uint16_t caller;
	uint8_t order; /* order of the map op that made it (0 for lookups) */
	uint8_t flags;
};

/*
 * The pool of M2B entries and an open-addressing index (linear probing,
 * backward-shift deletion) over (kind, caller, bfn, ioserver).
 */
struct sim_m2b_pool {
	struct sim_m2b *e;
	uint32_t cap, used, free_head; /* free_head: index + 1, 0: none */
	uint64_t live;		       /* entries on frame lists */
	uint64_t records;	       /* used slots (live + swapped) */
	uint32_t *slot;		       /* index + 1, 0: empty */
	uint32_t nslots;	       /* power of two */
};

/* What an issued synchronous slot carries. */
#define SYNC_NONE 0
#define SYNC_BFN 1
#define SYNC_FLUSH_ALL 2

struct sim_ioserver {
	uint16_t id;
	uint16_t owner;
	struct xpi_xen_bufpage *buf;
	struct xpi_xen_ioreq *sync;
	uint8_t *issued; /* per vCPU slot: SYNC_* */
	int evfd;
	uint32_t port;
	int bfn_outstanding; /* a SYNC_BFN slot is not yet retired */
	int disabled;	     /* invalidates wait in q while set */
	uint64_t *q;	     /* backlog of BFNs waiting, in order */
	size_t qhead, qlen, qcap;
	struct xpi_sim_ioreq_stats st;
};

struct sim_rmrr {
	uint64_t bfn, nr;
};

struct sim_grant {
	uint64_t gfn;
	uint16_t grantee;
	uint8_t readonly;
	uint8_t live;
};

struct sim_domain {
	uint16_t domid;
	uint16_t dm_target; /* XPI_DOMID_INVALID: not a device model */
	int has_iommu_hw;
	uint64_t p2m_size;
	uint64_t *p2m; /* MFN, or SIM_NO_MFN when not populated */
	struct xpi_radix iommu;
	struct sim_rmrr rmrr[SIM_MAX_RMRR];
	unsigned int nrmrr;
	struct sim_ioserver *ios[SIM_MAX_IOSERVERS];
	uint16_t next_ioservid;
	struct sim_grant *grants;
	unsigned int ngrants;
	uint64_t scratch; /* its swap_mfn scratch frame, or SIM_NO_MFN */
};

/* A grant mapping made by xpi_sim_grant_map(); holds one general ref. */
struct sim_handle {
	uint64_t mfn;
	uint64_t bfn;
	uint16_t caller;
	uint8_t live;
	uint8_t has_bfn;
	uint8_t own_w; /* the mapping's own reference has a writable type */
};

struct xpi_sim {
	pthread_mutex_t lock;
	struct xpi_sim_config cfg;
	struct sim_frame *frames;
	uint64_t nframes;
	uint64_t scratch;
	uint64_t alloc_cursor;
	struct sim_domain *dom[XPI_DOMID_FIRST_RESERVED];
	struct sim_m2b_pool m2b;
	struct sim_handle *handles;
	uint32_t nhandles;
	unsigned int faults;
	uint64_t prng;
	int changed; /* an IOMMU entry changed in the current segment */
	struct sim_iotlb_pend *pend; /* stale since the last flush */
	size_t npend, pendcap;
	int release_before_flush; /* test hook: 37fded6's order */
	/* Test hook (M-1): one balloon-out during the next map_page, between
	 * its owner check and its references; old: 37fded6's order. */
	int map_race_armed, map_race_old;
	uint16_t map_race_domid;
	uint64_t map_race_gfn;
	uint64_t early_frees; /* frames freed while stale, unreported */
	uint64_t early_mfn[16];
	/* Foreign extents + lookup entries per target domid (quota). */
	uint32_t target_records[XPI_DOMID_FIRST_RESERVED];
	struct xpi_sim_stats st;
	/* Test hook (xpi_sim_inject_eintr()): the transport answers -EINTR
	 * after half of every Nth multi-op call; atomics, not the lock. */
	unsigned int eintr_every, eintr_calls;
};

#define SIM_LOCK(s) pthread_mutex_lock(&(s)->lock)
#define SIM_UNLOCK(s) pthread_mutex_unlock(&(s)->lock)

/* frames.c: frames and references. */
uint64_t sim_frame_alloc(struct xpi_sim *sim);
void sim_frame_get(struct xpi_sim *sim, uint64_t mfn, int writable);
void sim_frame_put(struct xpi_sim *sim, uint64_t mfn, int writable);
void sim_frame_take(struct xpi_sim *sim, uint64_t mfn, uint16_t owner);
void sim_frame_release(struct xpi_sim *sim, uint64_t mfn);
int sim_alloc_p2m(struct xpi_sim *sim, struct sim_domain *d,
		  enum xpi_sim_backing backing);
uint64_t sim_prng(struct xpi_sim *sim);

/* frames.c: the M2B. */
int sim_m2b_reserve(struct xpi_sim *sim, uint64_t n);
uint32_t sim_m2b_add(struct xpi_sim *sim, const struct sim_m2b *tmpl);
uint32_t sim_m2b_find(const struct xpi_sim *sim, int lookup, uint16_t caller,
		      uint64_t bfn, uint16_t ioserver);
void sim_m2b_detach(struct xpi_sim *sim, uint32_t idx, uint64_t scratch);
void sim_m2b_del(struct xpi_sim *sim, uint32_t idx);
void sim_m2b_free(struct sim_m2b_pool *p);
size_t sim_m2b_bytes(const struct sim_m2b_pool *p);

/* ops.c: one op as the draft-B host answers it. */
int sim_draft_op(struct xpi_sim *sim, struct sim_domain *c,
		 struct pv_iommu_op *op);

/* xenserver.c: the other personalities (docs/xenserver-model.md). */
int sim_xs_check_config(const struct xpi_sim_config *c);
long sim_draft_iommu_op(struct xpi_sim *sim, uint16_t caller,
			struct pv_iommu_op *ops, unsigned int count);
long sim_xs_iommu_op(struct xpi_sim *sim, uint16_t caller,
		     struct pv_iommu_op *ops, unsigned int count);
int sim_xs_offset_region(const struct xpi_sim *sim, uint16_t domid,
			 uint64_t bfn, uint64_t *mfn);

/* sim.c: domains and policy. */
struct sim_domain *sim_dom(const struct xpi_sim *sim, uint16_t domid);
int sim_privileged(const struct xpi_sim *sim, uint16_t caller, uint16_t target);
int sim_map_cap(const struct xpi_sim *sim, uint16_t domid);
int sim_map_all_gfns(const struct xpi_sim *sim, uint16_t domid);
unsigned int sim_caps_order(const struct xpi_sim *sim);
int sim_one_to_one(const struct xpi_sim *sim, uint16_t domid, uint64_t bfn);
int sim_range_taken(const struct xpi_sim *sim, struct sim_domain *d,
		    uint64_t bfn, unsigned int order);
int sim_rmrr_hit(const struct sim_domain *d, uint64_t bfn, unsigned int order);
int sim_fault(struct xpi_sim *sim);
void sim_flush_if_changed(struct xpi_sim *sim);

/* frames.c: the IOTLB model and release after the flush. */
int sim_iotlb_reserve(struct xpi_sim *sim, size_t n);
void sim_iotlb_stale(struct xpi_sim *sim, uint64_t mfn, uint64_t n, int put,
		     int writable);
void sim_iotlb_flush(struct xpi_sim *sim);
int sim_alias_room(const struct xpi_sim *sim, uint64_t mfn, uint64_t n);
void sim_alias_add(struct xpi_sim *sim, uint64_t mfn, uint64_t n, int delta);
uint64_t sim_scratch_get(struct xpi_sim *sim, struct sim_domain *t);

/* ops.c: IOMMU table helpers shared with ballooning and grants. */
void sim_extent_drop_refs(struct xpi_sim *sim, uint64_t value,
			  unsigned int order);
int sim_swap_to_scratch(struct xpi_sim *sim, struct sim_domain *d, uint64_t bfn,
			uint64_t scratch);

/* ioreq.c */
void sim_invalidate(struct xpi_sim *sim, uint16_t domid, uint16_t ioserver,
		    uint64_t bfn);
struct sim_ioserver *sim_ioserver(const struct xpi_sim *sim, uint16_t domid,
				  uint16_t id);
void sim_ioserver_free(struct sim_ioserver *s);
void sim_exits(struct xpi_sim *sim, uint16_t domid);
size_t sim_ioserver_bytes(const struct xpi_sim *sim,
			  const struct sim_ioserver *s);

/* grant.c */
void sim_grants_release_caller(struct xpi_sim *sim, uint16_t caller);

/*
 * audit.c: a hook for the auditor's own tests, never exported: add delta
 * to a frame's general reference count behind the model's back.
 */
int xpi_sim_debug_corrupt_refs(struct xpi_sim *sim, uint64_t mfn, int delta);

/*
 * frames.c: a hook for the tests of the IOTLB rule, never exported: with
 * @on, references are dropped before the flush that ends their IOMMU
 * entry, in the order 37fded6's model and Xen series did, so that the
 * auditor can be seen to catch it.
 */
int xpi_sim_debug_release_before_flush(struct xpi_sim *sim, int on);

/*
 * Test hook (M-1): during the next map_page, right after its owner check,
 * domain @p domid balloons out @p gfn, as another vCPU could in Xen.  With
 * @p old_order the map takes its references afterwards, as 37fded6's
 * series did (a frame freed meanwhile is mapped with no reference, which
 * the auditor reports); otherwise in the same pass as the check, as Xen
 * does now (the freed page stays, held by the mapping).  0, -EINVAL.
 */
int xpi_sim_debug_map_race(struct xpi_sim *sim, int old_order, uint16_t domid,
			   uint64_t gfn);

/* xpi_sim_balloon_out() with the lock held. */
int sim_balloon_out_locked(struct xpi_sim *sim, uint16_t domid, uint64_t gfn);

#endif
