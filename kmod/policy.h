/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shim's policy: what a descriptor may send, its BFN windows and its
 * record of live mappings.  The same source builds into the kernel module
 * and, with the user-space definitions below, into a Check test that runs
 * under sanitizers without Xen.
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

/* A live mapping a descriptor made (for unmap rights and for close). */
struct xpi_pol_rec {
	u64 bfn;	/* 0 marks a free slot when used is 0 */
	u16 ioserver;
	u8 order;
	u8 used;	/* 0 free, 1 map_page, 2 foreign (map or lookup) */
};

/* A BFN window one descriptor reserved. */
struct xpi_pol_window {
	u64 first;
	u64 nr;
	struct xpi_pol_window *next_global; /* sorted by first */
	struct xpi_pol_window *next_owned;
	struct xpi_pol_ctx *owner;
};

/* All windows of all descriptors, and where they may lie. */
struct xpi_pol_space {
	u64 base, limit;
	struct xpi_pol_window *head;
#ifdef __KERNEL__
	struct mutex lock;	/* protects head */
#else
	pthread_mutex_t lock;
#endif
};

/* One open descriptor. */
struct xpi_pol_ctx {
	struct xpi_pol_space *space;
	u16 restricted;		/* XPI_SHIM_UNRESTRICTED or a domid */
	struct xpi_pol_window *windows;
	struct xpi_pol_rec *recs;	/* open-addressing table */
	size_t nslots, nrecs;
};

void xpi_pol_space_init(struct xpi_pol_space *s, u64 base, u64 limit);
void xpi_pol_ctx_init(struct xpi_pol_ctx *c, struct xpi_pol_space *s);
/* Frees the records and releases the windows. */
void xpi_pol_ctx_destroy(struct xpi_pol_ctx *c);

/* 0, -EINVAL (domid reserved), -EPERM (restricted to another domid). */
int xpi_pol_restrict(struct xpi_pol_ctx *c, u16 domid);

/* Reserve nr BFNs: 0 and *first, -EINVAL (nr 0), -ENOSPC, -ENOMEM. */
int xpi_pol_window_alloc(struct xpi_pol_ctx *c, u64 nr, u64 *first);

/*
 * May this op go to the hypervisor?  0 yes; else the status to give it:
 * -EOPNOTSUPP (unknown subop), -EPERM (breaks a restriction).
 */
int xpi_pol_check(const struct xpi_pol_ctx *c, const struct pv_iommu_op *op);

/*
 * After the hypervisor answered: remember successful maps and lookups,
 * forget successful unmaps.  -ENOMEM if a record could not be kept (the
 * mapping then is not unmapped at close).
 */
int xpi_pol_note(struct xpi_pol_ctx *c, const struct pv_iommu_op *op);

/*
 * Fill ops[0..max) with unmaps of live records, removing them from the
 * table; returns how many were filled (0 when none is left).
 */
size_t xpi_pol_drain(struct xpi_pol_ctx *c, struct pv_iommu_op *ops,
		     size_t max);

/* Live records (for tests and statistics). */
size_t xpi_pol_count(const struct xpi_pol_ctx *c);

/* 1 if [bfn, bfn + 2^order) lies in one of the descriptor's windows. */
int xpi_pol_in_windows(const struct xpi_pol_ctx *c, u64 bfn,
		       unsigned int order);

#endif /* XPI_SHIM_POLICY_H */
