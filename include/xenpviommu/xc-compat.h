/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xc_iommu_op() in the shape XenServer's libxenctrl publishes it
 * (tools/include/xenctrl.h of xenserver-next/xen:
 * int xc_iommu_op(xc_interface *xch, struct pv_iommu_op *ops,
 * unsigned int count)), on top of libxenpviommu, so that a XenServer-style
 * device emulator builds unchanged: include this header instead of
 * XenServer's pv-iommu.h (struct pv_iommu_op and the IOMMUOP_* numbers
 * come from <xenpviommu/abi.h>, with the same layout and numbers).
 *
 * The ops go as raw ops of one batch (xpi_batch_add_op()): not checked,
 * not coalesced, their results tracked by the handle (so xpi_close()
 * ends what they mapped or looked up).  The xc_interface argument is not
 * used; the handle is the one given to xpi_xc_compat_set_handle(), or one
 * opened with xpi_open() on the first call.
 */
#ifndef XENPVIOMMU_XC_COMPAT_H
#define XENPVIOMMU_XC_COMPAT_H

#include <xenpviommu.h>
#include <xenpviommu/abi.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Use @p h for every later xc_iommu_op() (NULL: open one on the next call).
 * The caller keeps ownership of @p h.
 * @return 0 (a handle the compatibility layer opened itself is closed).
 */
int xpi_xc_compat_set_handle(xpi_handle *h);

/**
 * do_iommu_op(ops, count) through the library, as xc_iommu_op() does it
 * through privcmd.
 * @param xch not used (XenServer's libxenctrl handle).
 * @return 0 with each op's status and outputs written back, or -1 with
 * errno set: EINVAL (ops NULL with count > 0), ENOMEM, the errno of
 * xpi_open() on the first call (EOPNOTSUPP: no do_iommu_op, or a caller
 * that is not dom0 on XenServer; EPROTO: another ABI), or the transport's
 * errno of the whole call (the ops then carry it as their status).
 */
int xpi_xc_iommu_op(void *xch, struct pv_iommu_op *ops, unsigned int count);

#ifdef __cplusplus
}
#endif

/* The published name. */
#define xc_iommu_op(xch, ops, count) xpi_xc_iommu_op((xch), (ops), (count))

#endif /* XENPVIOMMU_XC_COMPAT_H */
