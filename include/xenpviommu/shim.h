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
 *
 * Since: every declaration of this header is @since 1.0 (the kernel
 * module shares it, so its comments stay plain C comments).
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
 * Most ioreq servers one restricted descriptor may name (Xen 4.17 has at
 * most 8 per domain); one more is -EDQUOT in the op's status.
 */
#define XPI_SHIM_MAX_IOSERVERS 8u

/*
 * Quotas of a restricted descriptor.  They are module parameters of
 * xen-privcmd-iommu (read-only after load; these are the defaults), and
 * count everything the descriptor holds, also what it took before it was
 * restricted.  An unrestricted descriptor (root, trusted) has none.
 *
 * - max_windows (XPI_SHIM_DEFAULT_MAX_WINDOWS): windows held at once.
 * - max_window_frames (XPI_SHIM_DEFAULT_MAX_WINDOW_FRAMES): BFNs in them,
 *   together: 2^30, the library's default window (4 TiB of guest memory in
 *   4 KiB pages), so one emulator takes at most 1/60 of the default BFN
 *   range [2^32, 2^36).
 * - max_records (XPI_SHIM_DEFAULT_MAX_RECORDS): live mappings (each
 *   map_foreign_page extent and each lookup entry held), 2^18: 1 GiB of
 *   guest memory in 4 KiB pages, 512 GiB in 2 MiB extents, and at most
 *   8 MiB of kernel memory for the descriptor's record table, charged to
 *   the emulator's memory cgroup.
 * Over a quota, WINDOW fails with EDQUOT and a map or lookup gets -EDQUOT
 * in its status, each with a line in the kernel log.
 */
#define XPI_SHIM_DEFAULT_MAX_WINDOWS 16u
#define XPI_SHIM_DEFAULT_MAX_WINDOW_FRAMES (1ull << 30)
#define XPI_SHIM_DEFAULT_MAX_RECORDS (1ull << 18)

/*
 * XPI_SHIM_IOCTL_OP: issue do_iommu_op on the ops array at user address
 * ops.  The kernel copies ops in bounded chunks, issues the hypercall for
 * each and copies the statuses (and lookup results) back.  Ops take effect
 * in array order: an op whose check depends on an earlier op of the same
 * call (an unmap after the map of the same BFN) sees that op's result.
 *
 * Returns 0 when all count ops were processed (each op's own result is in
 * its status), or -1 with errno: EFAULT (ops unreadable or unwritable),
 * EINVAL (argsz too small, unknown flags, count 0 or above
 * XPI_SHIM_MAX_OPS), EINTR (a signal arrived: done says how far it got;
 * call again on the rest), ENOSYS (the hypervisor has no do_iommu_op), or
 * another errno the hypercall returned.  On any error the ops the
 * hypervisor processed have their statuses (and are recorded, so unmapped
 * at close); an op of the failed chunk it did not reach has status
 * -EINPROGRESS; done counts the ops before the first such op.
 *
 * Every descriptor records the mappings it makes, with room for the
 * record reserved before the op is sent: a map that cannot be recorded is
 * not sent (-EDQUOT or -ENOMEM in its status), so every mapping Xen made
 * is unmapped when its descriptor closes.
 *
 * Lookup entries are shared: Xen keeps one entry (and one page reference)
 * per (frame, ioserver, domid) for the whole of dom0, so the shim counts
 * the descriptors holding each.  unmap_foreign_page of a lookup another
 * descriptor still holds ends only this descriptor's hold (status 0, not
 * sent); the last holder's unmap, or close, is sent to Xen.  A lookup
 * whose result lies in [bfn_base, bfn_limit) gets -EPERM (Xen's unmap
 * would find a window mapping there first); the module refuses to load
 * with bfn_base at or below the highest RAM frame, so this does not occur.
 *
 * On a restricted descriptor an op that breaks a restriction is not sent;
 * its status is -EPERM: see XPI_SHIM_IOCTL_RESTRICT.  An unknown subop id
 * gets -EOPNOTSUPP in its status without reaching the hypervisor.
 */
struct xpi_shim_op {
	uint32_t argsz;
	uint32_t flags; /* none defined: must be 0 */
	uint32_t count; /* [in] ops in the array */
	uint32_t done;	/* [out] ops processed */
	uint64_t ops;	/* [in] user address of struct pv_iommu_op[count] */
};

/*
 * XPI_SHIM_IOCTL_RESTRICT: bind the descriptor to one guest, for good, as
 * privcmd's RESTRICT does.  Afterwards map_page and unmap_page are refused,
 * foreign ops must name domid, BFNs must lie in this descriptor's windows,
 * unmap_foreign_page only takes BFNs this descriptor mapped or looked up,
 * and the quotas above apply.  The first restricted descriptor to name an
 * ioreq server of the guest in a map or lookup keeps it until it closes:
 * another restricted descriptor naming it gets -EPERM (so one emulator
 * cannot look up or unmap through a sibling emulator's server).
 *
 * Restriction belongs to this open file description (dup() and fork()
 * share it); it is not inherited from a restricted privcmd descriptor, and
 * reopening the device (also through /proc/self/fd/N) gives an unrestricted
 * one to whoever may open the node, which is root (uid 0 owns it, so no
 * capability is needed): a deprivileged emulator must run as another uid
 * once its descriptors are restricted.  See
 * docs/deprivileged-emulator.md.
 * Errors: EINVAL (argsz, flags, domid >= 0x7FF0), EPERM (already restricted
 * to another domid; restricting again to the same domid succeeds).
 */
struct xpi_shim_restrict {
	uint32_t argsz;
	uint32_t flags; /* must be 0 */
	uint16_t domid;
	uint16_t pad[3]; /* must be 0 */
};

/*
 * XPI_SHIM_IOCTL_WINDOW: reserve nr_frames BFNs unique across every open
 * descriptor, above the hardware domain's 1:1 region; they are released
 * when the descriptor closes.
 * Errors: EINVAL (argsz, flags, nr_frames 0), ENOSPC (no room left),
 * EDQUOT (a restricted descriptor over max_windows or max_window_frames),
 * ENOMEM.
 */
struct xpi_shim_window {
	uint32_t argsz;
	uint32_t flags;	    /* must be 0 */
	uint64_t nr_frames; /* [in] */
	uint64_t first_bfn; /* [out] */
};

/* XPI_SHIM_IOCTL_INFO: what the shim is and how it is set up. */
struct xpi_shim_info {
	uint32_t argsz;
	uint32_t flags;	     /* must be 0 */
	uint32_t version;    /* [out] XPI_SHIM_VERSION */
	uint32_t hypercall;  /* [out] the hypercall number in use */
	uint32_t max_ops;    /* [out] XPI_SHIM_MAX_OPS */
	uint16_t restricted; /* [out] domid, or XPI_SHIM_UNRESTRICTED */
	uint16_t pad;
	uint64_t bfn_base;  /* [out] first BFN windows are taken from */
	uint64_t bfn_limit; /* [out] one past the last */
};

#define XPI_SHIM_IOCTL_TYPE 'X'
#define XPI_SHIM_IOCTL_OP _IOWR(XPI_SHIM_IOCTL_TYPE, 0x70, struct xpi_shim_op)
#define XPI_SHIM_IOCTL_RESTRICT                                                \
	_IOW(XPI_SHIM_IOCTL_TYPE, 0x71, struct xpi_shim_restrict)
#define XPI_SHIM_IOCTL_WINDOW                                                  \
	_IOWR(XPI_SHIM_IOCTL_TYPE, 0x72, struct xpi_shim_window)
#define XPI_SHIM_IOCTL_INFO                                                    \
	_IOWR(XPI_SHIM_IOCTL_TYPE, 0x73, struct xpi_shim_info)

#endif /* XENPVIOMMU_SHIM_H */
