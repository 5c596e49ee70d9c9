/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shim's policy: what a descriptor may send, its BFN windows, its
 * record of live mappings, the lookup entries all descriptors share and
 * the ioreq servers restricted descriptors are bound to.  The same source
 * builds into the kernel module and, with the user-space definitions
 * below, into a Check test that runs under sanitizers without Xen: the
 * hypercall is a function pointer, so the test plugs a fake Xen into the
 * very loop the module runs.
 */
#ifndef XPI_SHIM_POLICY_H
#define XPI_SHIM_POLICY_H

#ifdef __KERNEL__
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#else
#include "user-compat.h"
#endif

#include <xenpviommu/abi.h>
#include <xenpviommu/shim.h>

/* Ops copied into the kernel at a time: 128 * 32 bytes, one page. */
#define XPI_POL_CHUNK 128

/* Buckets of the (domid, ioserver) binding hash. */
#define XPI_POL_BIND_BUCKETS 256

/* Record kinds (struct xpi_pol_rec.kind; 0 is a free slot). */
#define XPI_POL_KIND_OWN 1	/* map_page */
#define XPI_POL_KIND_FOREIGN 2	/* map_foreign_page */
#define XPI_POL_KIND_LOOKUP 3	/* lookup_foreign_page */

/*
 * A live mapping a descriptor made (for unmap rights and for close), or,
 * in the space's lookup table, one lookup entry of Xen's and how many
 * descriptors hold it.
 */
struct xpi_pol_rec {
	u64 bfn;
	u32 count;	/* lookup table only: descriptors holding it */
	u16 ioserver;
	u8 order;
	u8 kind;	/* XPI_POL_KIND_*, 0 for a free slot */
};

/* An open-addressing table of records keyed (bfn, ioserver). */
struct xpi_pol_tab {
	struct xpi_pol_rec *recs;
	size_t nslots, nrecs;
	size_t reserved;	/* slots promised to ops in flight */
};

/* A BFN window one descriptor reserved. */
struct xpi_pol_window {
	u64 first;
	u64 nr;
	struct xpi_pol_window *next_global; /* sorted by first */
	struct xpi_pol_window *next_owned;
	struct xpi_pol_ctx *owner;
};

/* A (domid, ioserver) a restricted descriptor uses: nobody else may. */
struct xpi_pol_bind {
	u16 domid, ioserver;
	struct xpi_pol_ctx *owner;
	struct xpi_pol_bind *next_bucket;
	struct xpi_pol_bind *next_owned;
};

/* Per-descriptor quotas of a restricted descriptor (shim.h explains). */
struct xpi_pol_limits {
	u64 windows;		/* windows held */
	u64 window_frames;	/* BFNs in them, together */
	u64 records;		/* live mappings recorded */
};

/*
 * do_iommu_op(ops, count) as the policy issues it: the hypercall's own
 * return (0 or a negative errno); Xen writes each op's status.
 */
typedef long (*xpi_pol_hcall_fn)(void *arg, struct pv_iommu_op *ops,
				 unsigned int count);

/* Everything all descriptors share. */
struct xpi_pol_space {
	u64 base, limit;
	struct xpi_pol_limits lim;
	xpi_pol_hcall_fn hcall;
	void *hcall_arg;
	struct xpi_pol_window *head;	/* under lock */
	struct xpi_pol_bind *binds[XPI_POL_BIND_BUCKETS]; /* under lock */
	struct xpi_pol_tab lookups;	/* under lookup_lock */
#ifdef __KERNEL__
	struct mutex lock;		/* head and binds */
	struct mutex lookup_lock;	/* lookups; taken before lock */
#else
	pthread_mutex_t lock;
	pthread_mutex_t lookup_lock;
#endif
};

/* One open descriptor.  The caller serialises calls on one ctx. */
struct xpi_pol_ctx {
	struct xpi_pol_space *space;
	u16 restricted;		/* XPI_SHIM_UNRESTRICTED or a domid */
	struct xpi_pol_window *windows;
	u64 nwindows, window_frames;
	struct xpi_pol_bind *binds;
	unsigned int nbinds;
	struct xpi_pol_tab tab;	/* this descriptor's live mappings */
	size_t nlookups;	/* records of kind LOOKUP in tab */
	size_t release_visits;	/* slots xpi_pol_release looked at */
	/* the ops of one hypercall and where each came from */
	struct pv_iommu_op send[XPI_POL_CHUNK];
	size_t idx[XPI_POL_CHUNK];
};

void xpi_pol_space_init(struct xpi_pol_space *s, u64 base, u64 limit,
			const struct xpi_pol_limits *lim,
			xpi_pol_hcall_fn hcall, void *hcall_arg);
/* Frees the shared lookup table; every descriptor must be destroyed. */
void xpi_pol_space_destroy(struct xpi_pol_space *s);
void xpi_pol_ctx_init(struct xpi_pol_ctx *c, struct xpi_pol_space *s);
/*
 * Frees the records, drops the descriptor's holds on shared lookup
 * entries and releases its windows and ioserver bindings.  Call
 * xpi_pol_release() first to unmap what is still mapped.
 */
void xpi_pol_ctx_destroy(struct xpi_pol_ctx *c);

/* 0, -EINVAL (domid reserved), -EPERM (restricted to another domid). */
int xpi_pol_restrict(struct xpi_pol_ctx *c, u16 domid);

/*
 * Reserve nr BFNs: 0 and *first, -EINVAL (nr 0), -ENOSPC, -ENOMEM,
 * -EDQUOT (a restricted descriptor over its window quota).
 */
int xpi_pol_window_alloc(struct xpi_pol_ctx *c, u64 nr, u64 *first);

/*
 * Run ops[0..n) (n <= XPI_POL_CHUNK) in order, in place: an op the policy
 * refuses gets its status here (-EOPNOTSUPP, -EPERM, -EDQUOT, -ENOMEM),
 * the unmap of a lookup entry another descriptor still holds is answered
 * here (0), the rest go to the hypervisor, as few calls as the ops allow
 * (an op whose check depends on an earlier op of the same chunk waits for
 * that op's answer), and the results are recorded and merged back.
 * Returns 0, or the hypercall's negative errno: the ops the hypervisor
 * processed keep their statuses and are recorded; the others, and every
 * op after them, have status -EINPROGRESS.  *processed is the number of
 * leading ops that have their final status.
 */
long xpi_pol_run(struct xpi_pol_ctx *c, struct pv_iommu_op *ops,
		 unsigned int n, unsigned int *processed);

/*
 * At close: unmap every live record in one pass over the table (the
 * lookup entries other descriptors still hold are left to them).
 * Returns the number of unmaps the hypervisor refused or did not process.
 */
size_t xpi_pol_release(struct xpi_pol_ctx *c);

/*
 * The check alone, without reserving anything or changing state (for
 * tests): 0 if the op could go to the hypervisor, else the status
 * xpi_pol_run would give it.
 */
int xpi_pol_check(struct xpi_pol_ctx *c, const struct pv_iommu_op *op);

/* Live records of the descriptor (for tests and statistics). */
size_t xpi_pol_count(const struct xpi_pol_ctx *c);

/* Descriptors holding the lookup entry (bfn, ioserver); 0 if none. */
u32 xpi_pol_lookup_holders(struct xpi_pol_space *s, u64 bfn, u16 ioserver);

/* 1 if [bfn, bfn + 2^order) lies in one of the descriptor's windows. */
int xpi_pol_in_windows(const struct xpi_pol_ctx *c, u64 bfn,
		       unsigned int order);

#ifndef __KERNEL__
/* User space only, for tests: fail the next N allocations. */
extern int xpi_pol_fail_allocs;
/* User space only, for tests: log lines the policy printed. */
extern int xpi_pol_warnings;
#endif

#endif /* XPI_SHIM_POLICY_H */
