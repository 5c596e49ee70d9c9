// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The probe at open: which kind of hypervisor answers the hypercall, and a
 * refusal (-EPROTO) of one that answers with another ABI or with
 * capabilities no allowed host reports.  Both probe ops change nothing on
 * a draft-B host or on XenServer's (docs/xenserver-model.md, "What the
 * library does on each host"): query_caps is read-only on both, and the
 * second op is a map_foreign_page with a reserved flag bit, which draft B
 * refuses before any other check (-EINVAL) and XenServer does not know
 * (-ENODEV).
 */
#include "config.h"

#include <inttypes.h>

#include "private.h"

/* Markers in the union bytes no allowed host's query_caps writes to. */
#define MARK_GFN UINT64_C(0x58504950524f4245) /* "XPIPROBE" */
#define MARK_BFN UINT64_C(0x584150494f46465a)
#define MARK_DOMID 0x7e11u
#define MARK_IOSERVER 0x5a5au
/* Flags a draft-B host may report from query_caps. */
#define CAPS_ALLOWED                                                           \
	(IOMMU_QUERY_map_cap | IOMMU_QUERY_map_all_gfns | IOMMU_page_order_mask)
/* The reserved bit the second probe op carries. */
#define PROBE_RESERVED_BIT (1u << 3)

XPI_EXPORT enum xpi_host xpi_get_host(const xpi_handle *h)
{
	return h ? h->host : XPI_HOST_DRAFT;
}

XPI_EXPORT const char *xpi_host_name(enum xpi_host host)
{
	switch (host) {
	case XPI_HOST_DRAFT:
		return "draft";
	case XPI_HOST_XENSERVER:
		return "xenserver";
	}
	return "?";
}

void xpi_host_mark(struct pv_iommu_op *op)
{
	op->u.map_foreign_page.bfn = MARK_BFN;
	op->u.map_foreign_page.gfn = MARK_GFN;
	op->u.map_foreign_page.domid = MARK_DOMID;
	op->u.map_foreign_page.ioserver = MARK_IOSERVER;
}

static int refuse(struct xpi_handle *h, const char *what)
{
	xpi_err(h, EPROTO,
		"hypercall %u answers with another ABI or an impossible "
		"query_caps (%s): not a PV IOMMU this library supports",
		h->hypercall, what);
	return -EPROTO;
}

int xpi_host_check_caps(struct xpi_handle *h, const struct pv_iommu_op *op)
{
	const uint64_t bfn = op->u.map_foreign_page.bfn;

	if (op->subop_id != IOMMUOP_query_caps)
		return refuse(h, "the subop id came back changed");
	if (op->status > 0)
		return refuse(h, "a positive status");
	if (op->status)
		return 0; /* the caller reports the failure */
	if (op->flags & ~CAPS_ALLOWED)
		return refuse(h, "reserved bits in the capability flags");
	if ((op->flags & IOMMU_QUERY_map_all_gfns) &&
	    !(op->flags & IOMMU_QUERY_map_cap))
		return refuse(h, "map_all without map_cap");
	if (op->u.map_foreign_page.gfn != MARK_GFN ||
	    op->u.map_foreign_page.domid != MARK_DOMID ||
	    op->u.map_foreign_page.ioserver != MARK_IOSERVER)
		return refuse(h, "bytes 16..31 of the op were rewritten");
	h->xs_offset = 0;
	if (bfn != MARK_BFN) {
		/* XenServer's u.query_caps.offset: only with map_cap, and
		 * inside the BFN width. */
		if (!(op->flags & IOMMU_QUERY_map_cap) ||
		    bfn >= (UINT64_C(1) << XPI_BFN_WIDTH))
			return refuse(h, "the union was rewritten as no known"
					 " host does");
		h->xs_offset = bfn;
	}
	return 0;
}

void xpi_host_probe_op(struct pv_iommu_op *op)
{
	/* BFN 0, GFN 0 of DOMID_INVALID, server 0: refused by draft B for the
	 * reserved bit before anything else is looked at. */
	*op = (struct pv_iommu_op){
		.subop_id = IOMMUOP_map_foreign_page,
		.flags = IOMMUOP_readable | PROBE_RESERVED_BIT,
	};
	op->u.map_foreign_page.domid = XPI_DOMID_INVALID;
}

int xpi_host_probe_foreign(struct xpi_handle *h, const struct pv_iommu_op *op)
{
	pthread_mutex_lock(&h->lock);
	h->stats.ops++;
	h->stats.ops_by_subop[IOMMUOP_map_foreign_page]++;
	pthread_mutex_unlock(&h->lock);
	if (op->subop_id != IOMMUOP_map_foreign_page)
		return refuse(h, "the probe's subop id came back changed");
	switch (op->status) {
	case -EPERM: /* a policy in front of it (a restricted shim, XSM) */
	case -EACCES:
		/* The probe did not reach the host.  Only XenServer writes a
		 * BFN offset into query_caps (with map_cap): that one is
		 * XenServer whatever the policy says.  Without an offset a
		 * XenServer host has map_cap clear, so the strategy is lookup
		 * anyway; it is taken for a draft host (README: a restricted
		 * handle on XenServer). */
		if (h->xs_offset)
			goto xenserver;
		h->host = XPI_HOST_DRAFT;
		return 0;
	case -EINVAL: /* draft B's reserved-bit refusal */
		h->host = XPI_HOST_DRAFT;
		if (h->xs_offset)
			return refuse(h, "a BFN offset from a host that has"
					 " map_foreign_page");
		return 0;
	case -EOPNOTSUPP: /* our series without its foreign subops (0001) */
		h->host = XPI_HOST_DRAFT;
		if (h->xs_offset)
			return refuse(h, "a BFN offset from a host that is not"
					 " XenServer");
		if (h->caps.strategy == XPI_STRATEGY_MAP_FOREIGN)
			xpi_warn(h, EOPNOTSUPP,
				 "map_cap is set but map_foreign_page is "
				 "not supported: using lookup_foreign_page");
		h->caps.strategy = XPI_STRATEGY_LOOKUP_FOREIGN;
		return 0;
	case -ENODEV: /* XenServer: "4 was map_foreign_page, removed" */
xenserver:
		h->host = XPI_HOST_XENSERVER;
		if (h->caps.strategy == XPI_STRATEGY_MAP_FOREIGN)
			xpi_warn(h, ENODEV,
				 "map_cap is set but map_foreign_page is "
				 "refused: using lookup_foreign_page");
		h->caps.strategy = XPI_STRATEGY_LOOKUP_FOREIGN;
		/* Its order test passes orders 2, 4, 6... as order 0 and maps
		 * one page where many were meant (docs/xenserver-model.md O2):
		 * a -ENOSPC cannot be relied on, so never send above 0. */
		if (h->caps.max_order) {
			xpi_warn(h, ENOSPC,
				 "the host reports page order %u but cannot "
				 "check it: order 0",
				 h->caps.max_order);
			h->caps.max_order = 0;
		}
		return 0;
	default:
		return refuse(h, op->status ? "an unexpected status for a"
					      " reserved flag bit"
					    : "a reserved flag bit accepted");
	}
}
