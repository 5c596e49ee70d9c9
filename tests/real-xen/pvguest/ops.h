/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the hostile PV guest (guest.c) does and what dom0 (../hostile.h)
 * expects of each attempt: one table both include, so the two cannot
 * drift apart.
 *
 * dom0 passes the guest the values it needs on its command line
 * (start_info's cmd_line): "pvg=" and PVG_NPARAMS hexadecimal numbers
 * separated by commas, in the order of enum pvg_param.  The guest issues
 * each row as one op in its own do_iommu_op call (so that one whole-call
 * error cannot hide another row), in table order, and stores the call's
 * return value, the op's status and its flags as Xen wrote them back in
 * its results page (struct pvg_results), at the fixed guest virtual
 * address PVG_RESULTS (guest.lds puts it there).
 *
 * Expected statuses are those of docs/hypervisor-model.md (and sim/ops.c)
 * for a PV domain without IOMMU-controlled hardware: no map_cap, no
 * privilege over any other domain, and (contract point 1) nothing to
 * unmap but what it mapped itself, which is nothing.  The rows that end
 * dom0's mappings (C-1) come after every other row that names them, so
 * that on a Xen with the bug the other rows still see dom0's mappings.
 */
#ifndef XPI_REAL_XEN_PVGUEST_OPS_H
#define XPI_REAL_XEN_PVGUEST_OPS_H

#define PVG_VIRT_BASE 0x400000ul
#define PVG_RESULTS (PVG_VIRT_BASE + 0x2000ul) /* one page, see guest.lds */
#define PVG_MAGIC 0x68737469u		       /* "itsh": the guest ran */

#ifndef __ASSEMBLER__
#include <stdint.h>

/* The values dom0 gives the guest, in the order of its command line. */
enum pvg_param {
	P_ZERO,	 /* 0 (not passed: the guest sets it) */
	P_MAPB,	 /* a BFN dom0 mapped with map_page (edu's page A) */
	P_FGNB,	 /* a BFN dom0 mapped with map_foreign_page (order 0) */
	P_LOOKB, /* a BFN dom0 holds through lookup_foreign_page (= MFN) */
	P_GFN,	 /* the guest GFN behind P_FGNB */
	P_DOMX,	 /* the HVM guest dom0 serves (the victim) */
	P_IOS,	 /* dom0's ioreq server for it */
	P_IOS1,	 /* another ioreq server number (forged) */
	P_SELF,	 /* the hostile guest's own domid */
	P_OWNB,	 /* a BFN nobody mapped */
	P_NODOM, /* a domid that does not exist */
	P_DSELF, /* DOMID_SELF */
	P_DIO,	 /* DOMID_IO */
	PVG_NPARAMS
};

/* An op of the table: the subop, its flags and where each field comes from. */
struct pvg_op {
	const char *what;
	uint16_t subop, flags;
	uint8_t bfn, gfn, domid, ios; /* enum pvg_param */
	int16_t expect;		      /* the op's status (negative errno) */
};

/* The table and its flags are laid out by hand. */
/* clang-format off */
#define PVG_R 0x1u			/* readable */
#define PVG_RW 0x3u			/* readable | writeable */
#define PVG_ORDER(o) ((o) << 10)	/* the page-order field */
#define PVG_EPERM (-1)
#define PVG_ENOENT (-2)
#define PVG_ENXIO (-6)
#define PVG_EINVAL (-22)
#define PVG_EOPNOTSUPP (-95)

/*
 * subop ids of abi.h: query_caps 1, map_page 2, unmap_page 3,
 * map_foreign_page 4, lookup_foreign_page 5, unmap_foreign_page 6.
 */
#define PVG_OPS                                                                \
	{ "query_caps: answered, no map_cap", 1, 0, P_ZERO, P_ZERO, P_ZERO,    \
	  P_ZERO, 0 },                                                         \
	{ "map_page of the victim's frame (by MFN) at a fresh BFN", 2, PVG_RW, \
	  P_OWNB, P_LOOKB, P_ZERO, P_ZERO, PVG_EPERM },                        \
	{ "map_page of its own GFN 0 at a fresh BFN", 2, PVG_RW, P_OWNB,       \
	  P_ZERO, P_ZERO, P_ZERO, PVG_EPERM },                                 \
	{ "map_page over dom0's BFN", 2, PVG_R, P_MAPB, P_ZERO, P_ZERO,        \
	  P_ZERO, PVG_EPERM },                                                 \
	{ "map_page with no_ref_cnt", 2, PVG_RW | 0x4, P_OWNB, P_ZERO, P_ZERO, \
	  P_ZERO, PVG_EPERM },                                                 \
	{ "map_page with a reserved flag", 2, PVG_RW | 0x8, P_OWNB, P_ZERO,    \
	  P_ZERO, P_ZERO, PVG_EINVAL },                                        \
	{ "unmap_page of dom0's map_page BFN", 3, 0, P_MAPB, P_ZERO, P_ZERO,   \
	  P_ZERO, PVG_EPERM },                                                 \
	{ "unmap_page of dom0's foreign BFN", 3, 0, P_FGNB, P_ZERO, P_ZERO,    \
	  P_ZERO, PVG_EPERM },                                                 \
	{ "map_foreign_page of the victim's GFN, dom0's server", 4, PVG_RW,    \
	  P_OWNB, P_GFN, P_DOMX, P_IOS, PVG_EPERM },                           \
	{ "map_foreign_page of the victim's GFN over dom0's BFN", 4, PVG_RW,   \
	  P_FGNB, P_GFN, P_DOMX, P_IOS, PVG_EPERM },                           \
	{ "map_foreign_page of dom0 (domid 0)", 4, PVG_RW, P_OWNB, P_ZERO,     \
	  P_ZERO, P_IOS, PVG_EPERM },                                          \
	{ "map_foreign_page of itself", 4, PVG_RW, P_OWNB, P_ZERO, P_SELF,     \
	  P_ZERO, PVG_EPERM },                                                 \
	{ "map_foreign_page of a forged domid", 4, PVG_RW, P_OWNB, P_ZERO,     \
	  P_NODOM, P_IOS, PVG_EPERM },                                         \
	{ "lookup_foreign_page of the victim's GFN, dom0's server", 5, 0,      \
	  P_ZERO, P_GFN, P_DOMX, P_IOS, PVG_EPERM },                           \
	{ "lookup_foreign_page of the victim, a forged server", 5, 0, P_ZERO,  \
	  P_GFN, P_DOMX, P_IOS1, PVG_EPERM },                                  \
	{ "lookup_foreign_page of dom0", 5, 0, P_ZERO, P_ZERO, P_ZERO, P_IOS,  \
	  PVG_EPERM },                                                         \
	{ "lookup_foreign_page of itself", 5, 0, P_ZERO, P_ZERO, P_SELF,       \
	  P_ZERO, PVG_EPERM },                                                 \
	{ "lookup_foreign_page of DOMID_SELF", 5, 0, P_ZERO, P_ZERO, P_DSELF,  \
	  P_ZERO, PVG_EPERM },                                                 \
	{ "lookup_foreign_page of a domid that does not exist", 5, 0, P_ZERO,  \
	  P_ZERO, P_NODOM, P_IOS, PVG_ENXIO },                                 \
	{ "lookup_foreign_page of DOMID_IO", 5, 0, P_ZERO, P_ZERO, P_DIO,      \
	  P_IOS, PVG_ENXIO },                                                  \
	{ "unmap_foreign_page of a BFN nobody mapped", 6, 0, P_OWNB, P_ZERO,   \
	  P_ZERO, P_IOS, PVG_ENOENT },                                         \
	{ "unmap_foreign_page of dom0's map_page BFN", 6, 0, P_MAPB, P_ZERO,   \
	  P_ZERO, P_IOS, PVG_ENOENT },                                         \
	{ "unmap_foreign_page with a reserved flag", 6, 0x1, P_FGNB, P_ZERO,   \
	  P_ZERO, P_IOS, PVG_EINVAL },                                         \
	{ "unknown subop", 0x77, 0, P_ZERO, P_ZERO, P_ZERO, P_ZERO,            \
	  PVG_EOPNOTSUPP },                                                    \
	{ "unmap_foreign_page of dom0's foreign BFN, a forged server", 6, 0,   \
	  P_FGNB, P_ZERO, P_ZERO, P_IOS1, PVG_ENOENT },                        \
	{ "unmap_foreign_page of dom0's lookup BFN, a forged server", 6, 0,    \
	  P_LOOKB, P_ZERO, P_ZERO, P_IOS1, PVG_ENOENT },                       \
	{ "unmap_foreign_page of dom0's foreign BFN, order 9", 6,              \
	  PVG_ORDER(9), P_FGNB, P_ZERO, P_ZERO, P_IOS, PVG_ENOENT },           \
	{ "unmap_foreign_page of dom0's lookup BFN, order 9", 6,               \
	  PVG_ORDER(9), P_LOOKB, P_ZERO, P_ZERO, P_IOS, PVG_ENOENT },          \
	{ "unmap_foreign_page of dom0's foreign BFN (C-1)", 6, 0, P_FGNB,      \
	  P_ZERO, P_ZERO, P_IOS, PVG_ENOENT },                                 \
	{ "unmap_foreign_page of dom0's lookup BFN (C-1)", 6, 0, P_LOOKB,      \
	  P_ZERO, P_ZERO, P_IOS, PVG_ENOENT },                                 \
	{ "unmap_foreign_page of dom0's foreign BFN, again", 6, 0, P_FGNB,     \
	  P_ZERO, P_ZERO, P_IOS, PVG_ENOENT },
/* clang-format on */

#define PVG_MAX_OPS 40

/*
 * After the rows, the review's sweep in one call (so Xen may preempt it
 * and continue): unmap_foreign_page of PVG_SWEEP_BFNS BFNs centred on
 * dom0's foreign BFN and as many on its lookup BFN, each with ioreq
 * servers 0..PVG_SWEEP_IOS - 1.  Every op must get -ENOENT.
 */
#define PVG_SWEEP_BFNS 128u
#define PVG_SWEEP_IOS 8u
#define PVG_SWEEP (2 * PVG_SWEEP_BFNS * PVG_SWEEP_IOS)

/* The guest's results page, read by dom0 after the guest shut down. */
struct pvg_results {
	uint32_t magic;	       /* PVG_MAGIC once the guest parsed its line */
	uint32_t nops;	       /* rows done */
	int32_t parse;	       /* 0, or -1: the command line was incomplete */
	int32_t console;       /* console_io(CONSOLEIO_write)'s return */
	int64_t big_count;     /* do_iommu_op(ops, 0x80000000) */
	int64_t bad_handle;    /* do_iommu_op(NULL, 1) */
	int64_t sweep_rc;      /* the sweep's call */
	uint32_t sweep_enoent; /* its ops with status -ENOENT */
	int32_t sweep_other;   /* the first other status (0 if none) */
	uint64_t sweep_other_bfn; /* and its BFN */
	uint64_t params[PVG_NPARAMS];
	struct {
		int64_t rc;	/* the call's return */
		int32_t status; /* the op's status */
		uint32_t flags; /* the op's flags as written back */
	} op[PVG_MAX_OPS];
	uint32_t done; /* PVG_MAGIC just before the shutdown */
};
#endif /* __ASSEMBLER__ */

#endif /* XPI_REAL_XEN_PVGUEST_OPS_H */
