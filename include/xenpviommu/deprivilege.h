/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file
 * Running a device emulator deprivileged, as QEMU's -xen-domid-restrict
 * and -runas do: restrict every Xen device descriptor the process holds to
 * its one guest, then become an unprivileged uid, so that the process can
 * neither use another guest nor open a fresh, unrestricted descriptor.
 *
 * Why both steps: restriction belongs to one open file description (the
 * shim's and privcmd's), it is not inherited from another restricted
 * descriptor, and a process that may open the device node again (root,
 * which owns the 0600 node, also without any capability, also through
 * /proc/self/fd/N of its restricted descriptor) gets an unrestricted one.
 * Only a uid that may not open the node is confined.
 * docs/deprivileged-emulator.md says what the toolstack does around it.
 */
#ifndef XENPVIOMMU_DEPRIVILEGE_H
#define XENPVIOMMU_DEPRIVILEGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xentoollog_logger;

/**
 * What xpi_deprivilege() does; set it up with xpi_deprivilege_init().
 * @since 1.0
 */
struct xpi_deprivilege {
	/** sizeof(struct xpi_deprivilege), set by xpi_deprivilege_init(). */
	size_t size;
	/** Where errors go; NULL: a stderr logger for the call. */
	struct xentoollog_logger *logger;
	/** The guest every descriptor is restricted to (below 0x7FF0). */
	uint16_t domid;
	/**
	 * The numeric uid and gid to run as, both not 0.  They need no
	 * passwd or group entry (a busybox dom0 has none).
	 */
	uint32_t uid;
	uint32_t gid;
	/** The shim's node; NULL: XPI_SHIM_DEVICE.  For tests. */
	const char *shim_path;
	/** privcmd's node; NULL: /dev/xen/privcmd.  For tests. */
	const char *privcmd_path;
};

/**
 * Fill d with the defaults: size set, no logger, domid 0x7FF4 (invalid,
 * so that it must be set), uid and gid 0 (invalid, so that they must be
 * set), the default device paths.
 * @since 1.1
 */
void xpi_deprivilege_init(struct xpi_deprivilege *d);

/**
 * Restrict and drop privileges, in this order:
 * 1. every open descriptor of the process on the shim's node is
 *    restricted to d->domid (XPI_SHIM_IOCTL_RESTRICT), and every one on
 *    privcmd's node (IOCTL_PRIVCMD_RESTRICT), found through /proc/self/fd
 *    and matched by device number, so the library handles' descriptors
 *    are included;
 * 2. supplementary groups are cleared, the real, effective and saved gid
 *    and then uid become d->gid and d->uid, and no_new_privs is set;
 * 3. it is checked that uid 0 cannot be regained and that neither node
 *    can be opened any more, also not through /proc/self/fd of a
 *    restricted descriptor.
 * Call it once the emulator has opened everything it needs (its handles,
 * listeners, privcmd) and before it starts threads or reads guest input.
 *
 * @return the number of descriptors restricted (0 or more), or:
 * -EINVAL: d NULL, d->size too small, d->domid reserved, uid or gid 0;
 * -EPERM: the caller may not change its uid, or after the drop uid 0
 *   could be regained or a node could still be opened (its mode is too
 *   wide: the emulator is not confined);
 * -ENOTTY, -EINVAL, -EPERM from a descriptor that refused its
 *   restriction (another domid already, or not really the device);
 * -EOPNOTSUPP: a privcmd descriptor is open and the library was built
 *   without Xen's headers, so it cannot restrict it;
 * -ENOMEM, or another negative errno from /proc/self/fd or the uid calls.
 * On any error the process must not go on as an emulator: some of its
 * descriptors may already be restricted (that cannot be undone) and,
 * past step 2, it no longer is root.
 * @since 1.1
 */
int xpi_deprivilege(const struct xpi_deprivilege *d);

#ifdef __cplusplus
}
#endif

#endif /* XENPVIOMMU_DEPRIVILEGE_H */
