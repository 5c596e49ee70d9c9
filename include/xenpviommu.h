/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file
 * libxenpviommu: program the IOMMU through Xen's PV IOMMU interface
 * (do_iommu_op, draft B) from a device emulator or a dom0 process.
 *
 * Conventions, for every function here:
 * - errors are negative errno values, never -1 with errno; a positive
 *   return is a documented count or state;
 * - per-op results of a batch are negative errno values (0 for success),
 *   exactly as the hypervisor wrote them into the op's status;
 * - bad input is refused with -EINVAL and one log line, before any
 *   hypercall.
 *
 * Threads: an xpi_handle may be used from several threads at once; its
 * mapping tracker, BFN allocator and counters take the handle's lock.  An
 * xpi_batch belongs to one thread at a time.  The invalidate listener
 * (xenpviommu/listener.h) calls back on the thread that dispatches it.
 */
#ifndef XENPVIOMMU_H
#define XENPVIOMMU_H

#include <stddef.h>
#include <stdint.h>

#include <xenpviommu/abi.h>

#ifdef __cplusplus
extern "C" {
#endif

struct xentoollog_logger;
struct xpi_transport;

/** The library handle (opaque). @since 1.0 */
typedef struct xpi_handle xpi_handle;

/** How the library reaches do_iommu_op. @since 1.0 */
enum xpi_backend {
	/** Try kmod, then xencall; the environment may override it. */
	XPI_BACKEND_AUTO = 0,
	/** The kernel shim's device (XPI_SHIM_DEVICE in xenpviommu/shim.h). */
	XPI_BACKEND_KMOD = 1,
	/** privcmd's hypercall ioctl through libxencall (root, unrestricted). */
	XPI_BACKEND_XENCALL = 2,
	/** A transport in xpi_options.transport: in practice the simulated
	 * hypervisor of libxenpviommu-sim (xenpviommu/sim.h), in process. */
	XPI_BACKEND_SIM = 3,
};

/**
 * Which op the library uses to get bus addresses for a guest's GFNs.
 * @since 1.0
 */
enum xpi_strategy {
	/** map_cap set: the library picks BFNs and issues map_foreign_page. */
	XPI_STRATEGY_MAP_FOREIGN = 0,
	/** map_cap clear: lookup_foreign_page; Xen picks the BFNs. */
	XPI_STRATEGY_LOOKUP_FOREIGN = 1,
};

/**
 * Settings for xpi_open_ex(); fill with xpi_options_init() first.
 *
 * The growth rule of every public struct with a size field (this one,
 * struct xpi_listener_config, struct xpi_transport): @c size is sizeof
 * the struct as the caller was compiled; the library reads that many
 * bytes and takes its defaults for the fields beyond them.  It refuses
 * (-EINVAL, with a log line) a struct larger than it knows and one smaller
 * than the struct was in release 1.0 (which no caller was compiled with,
 * e.g. a size ending inside a field).  Fields are only ever added at the
 * end.
 * @since 1.0
 */
struct xpi_options {
	/** sizeof(struct xpi_options), set by xpi_options_init(). */
	size_t size;
	/** The transport (default XPI_BACKEND_AUTO). */
	enum xpi_backend backend;
	/** The hypercall number (default PV_IOMMU_HYPERCALL_DEFAULT). */
	unsigned int hypercall;
	/**
	 * The BFN window the library allocates from when it picks BFNs
	 * (map_foreign strategy).  With the kmod transport a window is
	 * reserved from the shim instead and these give its size only.
	 * Default: 2^30 frames from 2^32 (above any 1:1 region of a host
	 * with less than 16 TiB).
	 */
	uint64_t bfn_base;
	uint64_t bfn_count;
	/** Ops per hypercall for batches (default XPI_BATCH_DEFAULT_MAX_OPS). */
	unsigned int max_batch_ops;
	/**
	 * A transport plugged in from outside (xenpviommu/transport.h),
	 * e.g. the simulated hypervisor's from libxenpviommu-sim (which
	 * xpi_sim_open() fills in); the handle then reports
	 * XPI_BACKEND_SIM and XPI_BACKEND does not override it.  Copied
	 * at xpi_open_ex(), which hands it back through its close op.
	 * Default NULL.
	 */
	const struct xpi_transport *transport;
};

/**
 * The default ops per hypercall (chosen from bench/run; see README).
 * @since 1.0
 */
#define XPI_BATCH_DEFAULT_MAX_OPS 1024u
/** The most ops per hypercall a batch may be set to. @since 1.0 */
#define XPI_BATCH_LIMIT_MAX_OPS (1u << 20)

/** Fill @p opts with the defaults. @since 1.0 */
void xpi_options_init(struct xpi_options *opts);

/**
 * Open a handle with the default options; the backend may be chosen by the
 * environment: XPI_BACKEND=auto|kmod|xencall|sim (sim: a private simulated
 * host, caller domain 0) and XPI_HYPERCALL=<number>.
 * See xpi_open_ex() for the rest.
 * @since 1.0
 */
int xpi_open(xpi_handle **out, struct xentoollog_logger *logger,
	     unsigned int flags);

/**
 * Open a handle.
 *
 * The transport is opened and probed once with query_caps; the result is
 * cached (xpi_get_caps()).  The environment variables of xpi_open() override
 * opts->backend and opts->hypercall when set.
 *
 * @param out receives the handle.
 * @param logger where messages go; NULL makes a stderr logger (warnings and
 *        above; XPI_DEBUG=1 in the environment for everything) that the
 *        handle frees on close.
 * @param flags none defined yet: must be 0.
 * @param opts settings; NULL means xpi_options_init()'s.
 * @return 0, or:
 * -EINVAL: NULL out, unknown flags, an options struct from a newer library
 *   (size larger than this library knows) or smaller than its size
 *   field (then opts->transport is not read, nor closed), a hypercall
 *   number >= 64, an
 *   empty or overflowing BFN window, max_batch_ops 0 or above the limit,
 *   a bad XPI_BACKEND or XPI_HYPERCALL value;
 * -ENOENT: auto: neither the shim nor privcmd is there (not a Xen host;
 *   one log line says so and names the sim backend); kmod or xencall
 *   asked for and its device is missing;
 * -EOPNOTSUPP: the hypervisor has no do_iommu_op (it answered -ENOSYS):
 *   PV IOMMU is not supported on this host (XenServer answers so to every
 *   caller but the hardware domain);
 * -EPROTO: the hypercall answers with another ABI, or query_caps gives an
 *   answer no supported host gives (the probe at open, which changes
 *   nothing on the host; the message says what was wrong; see
 *   docs/xenserver-model.md);
 * -EPROTONOSUPPORT: the backend was not built in (xencall without the
 *   Xen libraries);
 * -EACCES, -EPERM: the device could not be opened (permissions, or a
 *   restricted descriptor for xencall);
 * -ENOMEM.
 * @since 1.0
 */
int xpi_open_ex(xpi_handle **out, struct xentoollog_logger *logger,
		unsigned int flags, const struct xpi_options *opts);

/**
 * Close a handle: every live mapping it made is unmapped first (emulators
 * must unmap their BFNs when they shut down), then the transport is closed
 * and the handle freed.  NULL is allowed.
 * @return 0, or the first negative errno an unmap gave (the handle is
 * freed all the same; the failure is logged).
 * @since 1.0
 */
int xpi_close(xpi_handle *h);

/** The transport in use. @since 1.0 */
enum xpi_backend xpi_get_backend(const xpi_handle *h);

/** "auto", "kmod", "xencall", "sim", or "?". @since 1.0 */
const char *xpi_backend_name(enum xpi_backend backend);

/** What query_caps said at open, and what the library made of it. @since 1.0 */
struct xpi_caps {
	/** The raw flags query_caps returned. */
	uint16_t raw_flags;
	/** IOMMU_QUERY_map_cap. */
	int map_cap;
	/** IOMMU_QUERY_map_all_gfns. */
	int map_all_gfns;
	/** The largest page order the library sends: what the hypervisor
	 * reports, lowered when the host refuses that order before any map
	 * of it succeeded (the first -ENOSPC of a superpage, logged), or to
	 * 0 on XenServer, which cannot check orders. */
	unsigned int max_order;
	/** The foreign-mapping strategy chosen from map_cap. */
	enum xpi_strategy strategy;
};

/**
 * Copy the caps into @p caps, @p size bytes of it: the growth rule of the
 * structs the library fills in.  Call it through the xpi_get_caps() macro,
 * which passes sizeof(*caps) as the caller was compiled; a later release
 * fills only as many bytes as an older caller's struct has.
 * @return 0, or -EINVAL (with a log line) for a NULL argument or a size
 * below the struct's 1.0 size or above the size this library knows.
 * @since 1.0
 */
int xpi_get_caps_sized(const xpi_handle *h, struct xpi_caps *caps, size_t size);
/** xpi_get_caps_sized() with the caller's sizeof. @since 1.0 */
#define xpi_get_caps(h, caps) xpi_get_caps_sized((h), (caps), sizeof(*(caps)))

/** "map_foreign", "lookup_foreign", or "?". @since 1.0 */
const char *xpi_strategy_name(enum xpi_strategy strategy);

/** The kind of hypervisor the open probe found (docs/xenserver-model.md). */
enum xpi_host {
	/** Draft B / our series: map_foreign_page exists. */
	XPI_HOST_DRAFT = 0,
	/**
	 * XenServer's or XCP-ng's pv-iommu: no map_foreign_page (the lookup
	 * strategy), page order 0, one pin bit per looked-up page, no BFN
	 * invalidates.
	 */
	XPI_HOST_XENSERVER = 1,
};

/** The host kind of an open handle (XPI_HOST_DRAFT for NULL). */
enum xpi_host xpi_get_host(const xpi_handle *h);

/** "draft", "xenserver", or "?". */
const char *xpi_host_name(enum xpi_host host);

/**
 * The BFN window the handle allocates from.
 * @return 0, -EINVAL (NULL argument).
 * @since 1.0
 */
int xpi_get_bfn_window(const xpi_handle *h, uint64_t *base, uint64_t *count);

/* ------------------------------------------------------------------ */
/* Batches                                                             */
/* ------------------------------------------------------------------ */

/**
 * A batch of ops, sent in as few hypercalls as possible (opaque).
 * @since 1.0
 */
struct xpi_batch;

/** What a batch does when an op fails. @since 1.0 */
enum xpi_batch_policy {
	/** Every op stands alone (default). */
	XPI_BATCH_INDEPENDENT = 0,
	/**
	 * On any failure the library undoes the batch's successful maps
	 * (unmapping them again; their status becomes -ECANCELED), logs it,
	 * and submit returns the first failure's errno.  Unmaps and lookups
	 * are not undone: they keep their status 0 and a lookup stays
	 * tracked (Xen may have given back an entry an earlier lookup made,
	 * which an unmap would end).
	 */
	XPI_BATCH_ALL_OR_NOTHING = 1,
};

/**
 * Make an empty batch.
 * @return 0, -EINVAL (NULL argument), -ENOMEM.
 * @since 1.0
 */
int xpi_batch_new(xpi_handle *h, struct xpi_batch **out);

/** Free a batch.  NULL is allowed. @since 1.0 */
void xpi_batch_free(struct xpi_batch *b);

/** Empty a batch for reuse (keeps its settings and its memory). @since 1.0 */
void xpi_batch_reset(struct xpi_batch *b);

/** @return 0, -EINVAL (NULL batch or unknown policy). @since 1.0 */
int xpi_batch_set_policy(struct xpi_batch *b, enum xpi_batch_policy policy);

/**
 * Ops per hypercall for this batch (default: the handle's max_batch_ops).
 * @return 0, -EINVAL (NULL, 0 or above XPI_BATCH_LIMIT_MAX_OPS).
 * @since 1.0
 */
int xpi_batch_set_max_ops(struct xpi_batch *b, unsigned int max_ops);

/**
 * Let the batch merge contiguous, aligned runs of map_page /
 * map_foreign_page ops into superpage ops (default on); a run the
 * hypervisor refuses with -ENOSPC is retried at smaller orders.
 * @return 0, -EINVAL (NULL batch).
 * @since 1.0
 */
int xpi_batch_set_coalesce(struct xpi_batch *b, int enable);

/** Number of ops appended. @since 1.0 */
size_t xpi_batch_count(const struct xpi_batch *b);

/*
 * Appending only stores the op, so that a large batch is cheap to build;
 * what the op says (flags, order, alignment, domid) is checked once, at
 * xpi_batch_submit(): an op that fails the check is not sent, gets -EINVAL
 * as its status and one log line says why.  Each append returns the op's
 * index (>= 0), or -EINVAL (NULL batch), -EBUSY (the batch was submitted
 * and not reset), -ENOMEM.  The map appends take @p flags as unsigned int,
 * but an op has 16 flag bits: a bit above bit 15 is refused at submit
 * (-EINVAL and a log line), never truncated.
 */

/**
 * Append map_page: map own @p gfn at @p bfn, 2^order pages.
 * @param flags IOMMU_OP_readable, IOMMU_OP_writeable, IOMMU_MAP_OP_no_ref_cnt
 *        (at least one of the first two; no other bit: the order is
 *        @p order, 0..63, and bfn and gfn are aligned to 2^order).
 * @return the op's index, or -EINVAL, -EBUSY, -ENOMEM as above.
 * @since 1.0
 */
long xpi_batch_add_map(struct xpi_batch *b, uint64_t bfn, uint64_t gfn,
		       unsigned int order, unsigned int flags);

/** Append unmap_page (bfn aligned to 2^order). @return as above. @since 1.0 */
long xpi_batch_add_unmap(struct xpi_batch *b, uint64_t bfn, unsigned int order);

/**
 * Append map_foreign_page of guest @p domid's @p gfn at @p bfn for ioreq
 * server @p ioserver.
 * @param flags IOMMUOP_readable, IOMMUOP_writeable, IOMMUOP_swap_mfn
 *        (checked as for xpi_batch_add_map(); domid below DOMID_SELF).
 * @return as above.
 * @since 1.0
 */
long xpi_batch_add_map_foreign(struct xpi_batch *b, uint64_t bfn,
			       uint16_t domid, uint64_t gfn, uint16_t ioserver,
			       unsigned int order, unsigned int flags);

/**
 * Append lookup_foreign_page; the BFN comes back in xpi_batch_get_op().
 * @return as above.
 * @since 1.0
 */
long xpi_batch_add_lookup_foreign(struct xpi_batch *b, uint16_t domid,
				  uint64_t gfn, uint16_t ioserver);

/** Append unmap_foreign_page. @return as above. @since 1.0 */
long xpi_batch_add_unmap_foreign(struct xpi_batch *b, uint64_t bfn,
				 uint16_t ioserver, unsigned int order);

/**
 * Append a raw op (copied; its status is ignored).  The library checks
 * nothing but the pointer: this is how a caller sends what the hypervisor
 * must refuse.  Raw ops are never coalesced nor pre-checked; one that
 * succeeds is tracked as the others are (so close ends its mapping).
 * @return the index, -EINVAL (NULL batch or op), -EBUSY, -ENOMEM.
 * @since 1.0
 */
long xpi_batch_add_op(struct xpi_batch *b, const struct pv_iommu_op *op);

/**
 * Send the batch.
 *
 * Ops go in hypercalls of at most max_ops each, in order.  An op that
 * fails the append checks gets -EINVAL, and a map op whose BFN range
 * overlaps a live mapping of this handle -EEXIST, without a hypercall.  Transport answers of EINTR or EAGAIN are retried.  Successful
 * maps are recorded in the handle's tracker and successful unmaps removed.
 * When a hypercall fails as a whole after the hypervisor processed some of
 * its ops (Xen reports a failed IOTLB flush that way), the ops it
 * processed keep the status it wrote (their maps are tracked, so close
 * unmaps them) and the others get the call's errno.
 * A batch may be submitted once; reset it to reuse it.
 *
 * @return the number of ops that succeeded (status 0), or a negative errno
 * for the whole call: -EINVAL (NULL batch), -EBUSY (submitted before and
 * not reset), -EOPNOTSUPP (no do_iommu_op),
 * the transport's errno (-EFAULT, -EIO, -EPERM...), or under
 * XPI_BATCH_ALL_OR_NOTHING the first failing op's errno after the undo.
 * @since 1.0
 */
long xpi_batch_submit(struct xpi_batch *b);

/**
 * The result of op @p index after submit: 0, or the negative errno the
 * hypervisor (or the library's pre-checks) gave it.
 * @return that status (-EINVAL: the op failed the pre-check, or the
 * hypervisor refused it so), or -ERANGE (index out of range: never an op's
 * status), -EINVAL (NULL batch), -EAGAIN (not submitted yet).
 * @since 1.0
 */
int xpi_batch_status(const struct xpi_batch *b, size_t index);

/**
 * The result of op @p index after submit, apart from the call's own
 * errors (which xpi_batch_status() shares one int with).
 * @param status receives the op's status: 0, or the negative errno the
 *        hypervisor (or the library's pre-checks) gave it.
 * @return 0 (*status set), -EINVAL (NULL batch or status), -ERANGE (index
 *         out of range), -EAGAIN (not submitted yet).
 * @since 1.0
 */
int xpi_batch_get_status(const struct xpi_batch *b, size_t index, int *status);

/**
 * A copy of op @p index as it came back (lookup results are in
 * u.lookup_foreign_page.bfn and flags; query_caps' in flags).
 * @return 0, -EINVAL (NULL, index out of range).
 * @since 1.0
 */
int xpi_batch_get_op(const struct xpi_batch *b, size_t index,
		     struct pv_iommu_op *op);

/* ------------------------------------------------------------------ */
/* Own memory: map_page / unmap_page                                   */
/* ------------------------------------------------------------------ */

/**
 * Map @p nr of the caller's own GFNs from @p gfn at BFNs from @p bfn, in
 * superpages where alignment and the hypervisor allow.
 * @param flags IOMMU_OP_readable | IOMMU_OP_writeable, optionally
 *        IOMMU_MAP_OP_no_ref_cnt.
 * @return 0 when all mapped; on failure nothing stays mapped and the
 * first failing op's errno is returned (-EPERM, -EACCES, -ENOSPC, -EEXIST,
 * -EIO as the hypervisor gave them), or -EINVAL (NULL handle, nr 0, the
 * range wraps, bad flags), -ENOMEM.
 * @since 1.0
 */
int xpi_map_range(xpi_handle *h, uint64_t bfn, uint64_t gfn, uint64_t nr,
		  unsigned int flags);

/** The 1:1 helper: xpi_map_range(h, gfn, gfn, nr, flags). @since 1.0 */
int xpi_map_identity(xpi_handle *h, uint64_t gfn, uint64_t nr,
		     unsigned int flags);

/**
 * Unmap [bfn, bfn + nr) of own mappings made through this handle, extent
 * by extent.
 * @return 0, -ENOENT (a BFN in the range is not an own mapping of this
 * handle; nothing is unmapped), -EINVAL, or the hypervisor's errno.
 * @since 1.0
 */
int xpi_unmap_range(xpi_handle *h, uint64_t bfn, uint64_t nr);

/* ------------------------------------------------------------------ */
/* Guest memory for an ioreq server: the foreign strategy              */
/* ------------------------------------------------------------------ */

/** Flags of xpi_foreign_map(). @since 1.0 */
#define XPI_FOREIGN_READ IOMMUOP_readable
#define XPI_FOREIGN_WRITE IOMMUOP_writeable
/**
 * The BFN may be pointed at the scratch page when the guest balloons.
 * @since 1.0
 */
#define XPI_FOREIGN_SWAP_MFN IOMMUOP_swap_mfn
/**
 * A library flag (never sent): map runs of contiguous GFNs as superpage
 * extents where alignment and the hypervisor allow (map_foreign strategy;
 * lookups are single pages).  Without it every GFN is its own order-0
 * mapping, so ballooning one page ends that page's BFN only.  With it, an
 * extent is one mapping: when the guest balloons one page of it, Xen
 * invalidates that page's BFN only (with swap_mfn it points that BFN at
 * the scratch page and keeps the others mapped), but the listener ends
 * the whole extent: the callback sees one event, known, whose @c mapping
 * is the extent (its first BFN and order), will_unmap set, and every BFN
 * of the extent stops working after the drain; later invalidates of its
 * other pages are unknown.  Ask for it only for memory the guest does not
 * balloon (or whose every page the device is done with when one goes).
 * @since 1.0
 */
#define XPI_FOREIGN_SUPERPAGE (1u << 16)

/**
 * Give @p n GFNs of guest @p domid bus addresses for ioreq server
 * @p ioserver, with the strategy of xpi_get_caps(): map_foreign_page at
 * BFNs the library allocates (one page per mapping unless
 * XPI_FOREIGN_SUPERPAGE), or lookup_foreign_page.  As in Xen, a lookup is
 * one mapping per (page, ioserver, domid): two servers that look the same
 * page up get the same BFN and two tracked mappings (two Xen entries, two
 * references), and each server's invalidate ends its own; the same server
 * looking a page up again gets the mapping it has.
 *
 * @param flags XPI_FOREIGN_READ and/or XPI_FOREIGN_WRITE, optionally
 *        XPI_FOREIGN_SWAP_MFN and XPI_FOREIGN_SUPERPAGE.
 * @param bfns receives one BFN per GFN (UINT64_MAX where it failed).
 * @param status may be NULL; receives one result per GFN (0 or -errno;
 *        on XenServer -EPERM (the guest's own domid, a PV guest, no
 *        device-model privilege, a page not allocated) or -ENXIO (no such
 *        domain, a GFN that does not resolve): docs/xenserver-model.md).
 * @return the number of GFNs mapped (when some are, a failure that stopped
 * the rest, such as a full window, is in their status), or, when none is,
 * a negative errno: -EINVAL (NULL
 * handle, gfns or bfns, n 0, domid reserved, other flags, neither read
 * nor write), -ENOSPC (the BFN window is full), -EOPNOTSUPP, -ENOMEM, or
 * the transport's errno.
 * @since 1.0
 */
long xpi_foreign_map(xpi_handle *h, uint16_t domid, uint16_t ioserver,
		     const uint64_t *gfns, size_t n, unsigned int flags,
		     uint64_t *bfns, int *status);

/**
 * Unmap BFNs that xpi_foreign_map() gave out (any BFN of an extent ends
 * the whole extent), all in as few hypercalls as the batch size allows.
 * A BFN that several servers' lookups share ends for each of them (its
 * status is the first failure); to end one server's, send
 * xpi_batch_add_unmap_foreign() with that server.  BFNs from the handle's
 * allocator go back to it once unmapped, whichever call unmaps them.
 * @param status may be NULL; one result per BFN (-ENOENT: not a live
 * foreign mapping of this handle).
 * @return the number unmapped, or a negative errno as xpi_batch_submit().
 * @since 1.0
 */
long xpi_foreign_unmap(xpi_handle *h, const uint64_t *bfns, size_t n,
		       int *status);

/**
 * End every foreign mapping and lookup this handle holds of guest @p domid,
 * for all its servers.  A host that never sends BFN invalidates (XenServer:
 * docs/xenserver-model.md F4) leaves each looked-up page pinned until it is
 * unmapped: an emulator there calls this when the guest's memory changes
 * (balloon, migration) or the guest goes, and looks the pages up again.
 * On XenServer one unmap_foreign_page is sent per page, however many
 * servers of the handle looked it up (its one pin bit).
 * @return the number of records ended (0 if there were none), or a
 * negative errno: -EINVAL (NULL handle, reserved domid), -ENOMEM, the
 * first failure of an unmap (-ENOENT: the host had already dropped it,
 * -ENXIO, -EIO), or the transport's errno as xpi_batch_submit().
 */
long xpi_foreign_release_domain(xpi_handle *h, uint16_t domid);

/* ------------------------------------------------------------------ */
/* The mapping tracker                                                 */
/* ------------------------------------------------------------------ */

/**
 * A live mapping made through the handle: one per extent, and for lookups
 * one per (BFN, domid, ioserver), so several may share a BFN.
 * @since 1.0
 */
struct xpi_mapping {
	uint64_t bfn;	   /**< first BFN of the extent */
	uint64_t gfn;	   /**< first GFN */
	uint16_t domid;	   /**< the guest, or XPI_DOMID_SELF for own maps */
	uint16_t ioserver; /**< foreign maps: the ioreq server */
	uint16_t flags;	   /**< readable/writeable/swap_mfn or no_ref_cnt */
	uint8_t order;	   /**< extent order */
	uint8_t lookup;	   /**< 1: a lookup_foreign_page result */
	uint8_t allocated; /**< 1: the BFN came from the handle's allocator
			    * (xpi_foreign_map()); it goes back when unmapped */
};

/** Live mappings (extents, and lookups per server) of the handle; 0 for
 * NULL.
 * @since 1.0
 */
uint64_t xpi_mapping_count(xpi_handle *h);

/**
 * The live mapping covering @p bfn (when several servers' lookups share
 * it, one of them: xpi_mapping_foreach() lists each), @p size bytes of
 * it (the growth rule of xpi_get_caps_sized()); call it through the
 * xpi_mapping_find() macro.
 * @return 0, -ENOENT, -EINVAL (NULL, or a size below the struct's 1.0 size
 * or above the size this library knows; logged).
 * @since 1.0
 */
int xpi_mapping_find_sized(xpi_handle *h, uint64_t bfn, struct xpi_mapping *m,
			   size_t size);
/** xpi_mapping_find_sized() with the caller's sizeof. @since 1.0 */
#define xpi_mapping_find(h, bfn, m)                                            \
	xpi_mapping_find_sized((h), (bfn), (m), sizeof(*(m)))

/**
 * Call @p fn for each live mapping in BFN order (mappings that share a
 * BFN one after the other); a non-zero return stops and is returned.
 * @p fn must not map or unmap through this handle.
 * @return 0, fn's value, -EINVAL (NULL), -ENOMEM (only while servers
 * share lookups: their records are sorted into the walk).
 * @since 1.0
 */
int xpi_mapping_foreach(xpi_handle *h,
			int (*fn)(void *opaque, const struct xpi_mapping *m),
			void *opaque);

/* ------------------------------------------------------------------ */
/* Counters                                                            */
/* ------------------------------------------------------------------ */

/** Subop ids xpi_stats.ops_by_subop has room for (0..15). @since 1.0 */
#define XPI_SUBOP_SLOTS 16

/** Counters of a handle, since open. @since 1.0 */
struct xpi_stats {
	uint64_t hypercalls; /**< do_iommu_op calls made */
	uint64_t ops;	     /**< ops sent */
	/** Ops sent, indexed by subop id (IOMMUOP_*): room for
	 * XPI_SUBOP_SLOTS ids, so a new subop changes no size. */
	uint64_t ops_by_subop[XPI_SUBOP_SLOTS];
	uint64_t coalesced_ops; /**< appended ops merged into superpages */
	uint64_t enospc_splits; /**< superpage runs retried smaller */
	uint64_t retries;	/**< transport EINTR/EAGAIN retries */
	uint64_t errors;	/**< ops that came back with an error */
	uint64_t rmrr_skips;	/**< BFN ranges given up for -EACCES */
	uint64_t iotlb_flushes; /**< when the transport knows (sim) */
};

/**
 * Copy the counters into @p stats, @p size bytes of it (the growth rule of
 * xpi_get_caps_sized()); call it through the xpi_get_stats() macro.
 * @return 0, or -EINVAL (with a log line) for a NULL argument or a size
 * below the struct's 1.0 size or above the size this library knows.
 * @since 1.0
 */
int xpi_get_stats_sized(xpi_handle *h, struct xpi_stats *stats, size_t size);
/** xpi_get_stats_sized() with the caller's sizeof. @since 1.0 */
#define xpi_get_stats(h, stats)                                                \
	xpi_get_stats_sized((h), (stats), sizeof(*(stats)))

#ifdef __cplusplus
}
#endif

#include <xenpviommu/listener.h>

#endif /* XENPVIOMMU_H */
