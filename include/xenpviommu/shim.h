/* SPDX-License-Identifier: (LGPL-2.1-or-later OR GPL-2.0-only) */
/*
 * The ioctl ABI of the kernel shim (kmod/privcmd_iommu.c), shared by the
 * module and the library's kmod transport.
 *
 * The shim is a misc device, XPI_SHIM_DEVICE, beside privcmd.  Every
 * argument struct starts with argsz (the caller's sizeof, so the struct can
 * grow at its end) and flags (unknown bits are -EINVAL).  Ioctls return 0
 * or -1 with errno (the kernel's convention; the library turns it into a
 * negative errno).
 */
#ifndef XENPVIOMMU_SHIM_H
#define XENPVIOMMU_SHIM_H

#ifdef __KERNEL__
#include <linux/ioctl.h>
#include <linux/types.h>
#else
#include <stdint.h>
#include <sys/ioctl.h>
#endif

#define XPI_SHIM_DEVICE "/dev/xen/privcmd-iommu"
#define XPI_SHIM_NAME "privcmd-iommu"

/* The ABI version XPI_SHIM_IOCTL_INFO reports. */
#define XPI_SHIM_VERSION 1

/* Most ops one XPI_SHIM_IOCTL_OP call takes; more is -EINVAL. */
#define XPI_SHIM_MAX_OPS (1u << 20)

/* A domid no descriptor is restricted to. */
#define XPI_SHIM_UNRESTRICTED 0xFFFFu

/*
 * XPI_SHIM_IOCTL_OP: issue do_iommu_op on the ops array at user address
 * ops.  The kernel copies ops in bounded chunks, issues the hypercall for
 * each and copies the statuses (and lookup results) back.
 *
 * Returns 0 when all count ops were processed (each op's own result is in
 * its status), or -1 with errno: EFAULT (ops unreadable or unwritable),
 * EINVAL (argsz too small, unknown flags, count 0 or above
 * XPI_SHIM_MAX_OPS), EINTR (a signal arrived: done says how far it got;
 * call again on the rest), ENOSYS (the hypervisor has no do_iommu_op).
 * On a restricted descriptor an op that breaks a restriction is not sent;
 * its status is -EPERM.  An unknown subop id gets -EOPNOTSUPP in its status
 * without reaching the hypervisor.
 */
struct xpi_shim_op {
	uint32_t argsz;
	uint32_t flags;		/* none defined: must be 0 */
	uint32_t count;		/* [in] ops in the array */
	uint32_t done;		/* [out] ops processed */
	uint64_t ops;		/* [in] user address of struct pv_iommu_op[count] */
};

/*
 * XPI_SHIM_IOCTL_RESTRICT: bind the descriptor to one guest, for good, as
 * privcmd's RESTRICT does.  Afterwards map_page and unmap_page are refused,
 * foreign ops must name domid, BFNs must lie in this descriptor's windows and
 * unmap_foreign_page only takes BFNs this descriptor mapped.
 * Errors: EINVAL (argsz, flags, domid >= 0x7FF0), EPERM (already restricted
 * to another domid; restricting again to the same domid succeeds).
 */
struct xpi_shim_restrict {
	uint32_t argsz;
	uint32_t flags;		/* must be 0 */
	uint16_t domid;
	uint16_t pad[3];	/* must be 0 */
};

/*
 * XPI_SHIM_IOCTL_WINDOW: reserve nr_frames BFNs unique across every open
 * descriptor, above the hardware domain's 1:1 region; they are released
 * when the descriptor closes.
 * Errors: EINVAL (argsz, flags, nr_frames 0), ENOSPC (no room left),
 * ENOMEM.
 */
struct xpi_shim_window {
	uint32_t argsz;
	uint32_t flags;		/* must be 0 */
	uint64_t nr_frames;	/* [in] */
	uint64_t first_bfn;	/* [out] */
};

/* XPI_SHIM_IOCTL_INFO: what the shim is and how it is set up. */
struct xpi_shim_info {
	uint32_t argsz;
	uint32_t flags;		/* must be 0 */
	uint32_t version;	/* [out] XPI_SHIM_VERSION */
	uint32_t hypercall;	/* [out] the hypercall number in use */
	uint32_t max_ops;	/* [out] XPI_SHIM_MAX_OPS */
	uint16_t restricted;	/* [out] domid, or XPI_SHIM_UNRESTRICTED */
	uint16_t pad;
	uint64_t bfn_base;	/* [out] first BFN windows are taken from */
	uint64_t bfn_limit;	/* [out] one past the last */
};

#define XPI_SHIM_IOCTL_TYPE 'X'
#define XPI_SHIM_IOCTL_OP _IOWR(XPI_SHIM_IOCTL_TYPE, 0x70, struct xpi_shim_op)
#define XPI_SHIM_IOCTL_RESTRICT                                                \
	_IOW(XPI_SHIM_IOCTL_TYPE, 0x71, struct xpi_shim_restrict)
#define XPI_SHIM_IOCTL_WINDOW                                                  \
	_IOWR(XPI_SHIM_IOCTL_TYPE, 0x72, struct xpi_shim_window)
#define XPI_SHIM_IOCTL_INFO _IOWR(XPI_SHIM_IOCTL_TYPE, 0x73, struct xpi_shim_info)

#endif /* XENPVIOMMU_SHIM_H */
