/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file
 * The IOREQ invalidate listener (included by xenpviommu.h).
 *
 * When a guest balloons out a page an emulator has mapped at a BFN, Xen
 * sends the emulator's ioreq server an IOREQ_TYPE_INVALIDATE carrying the
 * BFN: in the buffered ring (4 bytes, or 8 bytes in two slots), or as a
 * synchronous ioreq when the ring is full.  The emulator must quiesce DMA
 * to the BFN and unmap it, or the page's references are never released.
 * The listener reads those invalidates, tells the emulator through a
 * callback what the handle's tracker knows of each BFN, and then (by
 * default) unmaps all the BFNs of one drain in one batch.
 *
 * The buffered ring holds more than invalidates: every entry Xen writes
 * there is read by its size (1, 2, 4 bytes in one slot, 8 bytes in two)
 * and passed on, in order: IOREQ_TYPE_COPY (stdvga's VGA memory writes),
 * IOREQ_TYPE_PIO (VGA port writes of older Xen), IOREQ_TYPE_TIMEOFFSET
 * (8 bytes, broadcast to every server when the guest sets its RTC) and
 * PCI_CONFIG go to the ioreq callback (or are counted in other),
 * INVALIDATEs are handled.  Only a ring Xen cannot have written is
 * corrupt: a type byte ioreq.h does not define, an 8-byte entry with its
 * second half not published or with halves that differ in their first
 * four bytes, or pointers more than 511 slots apart.  The entries before
 * the corruption are handled, the rest dropped (a resync: read_pointer
 * set to write_pointer), logged as an error and counted in
 * xpi_listener_stats.resyncs; the call still returns what it handled.
 *
 * IOREQ_TYPE_INVALIDATE has an older meaning as well: Xen sends it
 * synchronously with data all ones (~0) to mean "flush the whole map
 * cache".  That one is passed to the flush_all callback, never taken for
 * a BFN.  Every other synchronous INVALIDATE carries a BFN in data.
 *
 * Two ways to use it:
 * - the emulator owns its ioreq loop (as QEMU does): it hands the library
 *   each synchronous ioreq (xpi_invalidate_ioreq()) and its buffered page
 *   (xpi_invalidate_buffered()); the library handles the INVALIDATEs and
 *   says which it consumed;
 * - the library owns the ring: xpi_listener_attach() maps the server's
 *   pages and binds its event channels; the emulator polls
 *   xpi_listener_fd() and calls xpi_listener_dispatch(), which also passes
 *   ioreqs that are not INVALIDATEs to the ioreq callback and completes
 *   every synchronous ioreq.
 *
 * Callback contract (all three callbacks):
 * - they run on the thread that called dispatch/xpi_invalidate_*, in the
 *   order the hypervisor sent the ioreqs, before the drain's unmap;
 * - they may call xpi_mapping_find(), xpi_mapping_count(),
 *   xpi_get_stats(), xpi_listener_get_stats(), xpi_foreign_map() and the
 *   batch functions;
 * - with automatic unmapping the drain has already taken the event's
 *   extent out of the handle's tracker (the event carries its record, so
 *   xpi_mapping_find() no longer finds it); its BFN is not handed out
 *   again before the hypervisor has unmapped it, and if the hypervisor
 *   refuses the unmap, the extent goes back into the tracker;
 * - they must not call xpi_close(), xpi_listener_free(),
 *   xpi_listener_dispatch() or xpi_invalidate_*() (no recursion), nor
 *   xpi_mapping_foreach() from inside its own callback;
 * - with automatic unmapping (the default) they must not unmap the
 *   event's BFN themselves: the library does it after the callbacks;
 * - with XPI_LISTENER_MANUAL_UNMAP the emulator unmaps each known BFN
 *   itself (xpi_foreign_unmap()), in the callback or later.
 *
 * Known limitation: an invalidate names only a BFN.  If the emulator
 * unmapped a BFN itself and the BFN was given to a new mapping of the same
 * server before an older invalidate for it was read, that invalidate ends
 * the new mapping.  The handle's allocator reuses BFNs, so emulators that
 * unmap on their own as well should let the listener drain first.
 *
 * A listener belongs to one thread at a time and must be freed before its
 * handle is closed.
 */
#ifndef XENPVIOMMU_LISTENER_H
#define XENPVIOMMU_LISTENER_H

#include <stddef.h>
#include <stdint.h>

#include <xenpviommu.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A listener (opaque). @since 1.0 */
struct xpi_listener;

/** Listener flag: the emulator unmaps invalidated BFNs itself. @since 1.0 */
#define XPI_LISTENER_MANUAL_UNMAP (1u << 0)

/**
 * Events one xpi_listener_dispatch() handles at most, by default.
 * @since 1.0
 */
#define XPI_LISTENER_DEFAULT_BUDGET 4096u

/** The most synchronous ioreq slots (vCPUs) one page holds. @since 1.0 */
#define XPI_LISTENER_MAX_VCPUS 128u

/** One invalidated BFN, as the invalidate callback sees it. @since 1.0 */
struct xpi_invalidate_event {
	/** The BFN the hypervisor sent. */
	uint64_t bfn;
	/** The guest and ioreq server the invalidate came to. */
	uint16_t domid;
	uint16_t ioserver;
	/**
	 * 1: the handle's tracker knows the BFN as a foreign mapping of this
	 * server and @c mapping is the extent covering it; 0: unknown (not
	 * mapped through this handle, an own mapping, or another server's:
	 * logged, counted in unknown, never unmapped).
	 */
	uint8_t known;
	/** 1: it came as a synchronous ioreq (the ring was full). */
	uint8_t sync;
	/** 1: the library unmaps the extent after this drain's callbacks. */
	uint8_t will_unmap;
	/**
	 * The extent (first BFN, GFN, domid, ioserver, flags, order).  With
	 * IOMMUOP_swap_mfn in flags the BFN already points at Xen's scratch
	 * page; it is unmapped all the same, to free the BFN.  Any BFN of a
	 * superpage extent ends the whole extent, once per drain.
	 */
	struct xpi_mapping mapping;
};

/** An ioreq that is not an INVALIDATE (library-owned ring only). @since 1.0 */
struct xpi_ioreq_info {
	uint64_t addr;
	/** Write data (buffered: 32 bits, 64 for an 8-byte entry such as
	 * TIMEOFFSET's offset); for a synchronous read without data_is_ptr,
	 * the callback stores the result here and the library writes it
	 * back before completing. */
	uint64_t data;
	uint32_t count;
	/** Bytes. */
	uint32_t size;
	/** Xen's IOREQ_TYPE_* (PIO 0, COPY 1, PCI_CONFIG 2, TIMEOFFSET 7). */
	uint8_t type;
	/** 1: read. */
	uint8_t dir;
	uint8_t data_is_ptr;
	uint8_t df;
	/** 1: from the buffered ring (a write; nobody waits for it). */
	uint8_t buffered;
	/** Synchronous: the vCPU's slot. */
	uint32_t vcpu;
};

/** Settings of a listener; fill with xpi_listener_config_init() first.
 * Read as far as @c size says (the growth rule of struct xpi_options).
 * @since 1.0
 */
struct xpi_listener_config {
	/** sizeof(struct xpi_listener_config), set by the init function. */
	size_t size;
	/** XPI_LISTENER_MANUAL_UNMAP or 0. */
	unsigned int flags;
	/** Events one dispatch handles at most (default
	 * XPI_LISTENER_DEFAULT_BUDGET; the rest waits for the next call,
	 * and the descriptor stays readable). */
	unsigned int budget;
	/** Called for each invalidated BFN; may be NULL.  @p ev is valid
	 * during the call only (copy what you keep). */
	void (*invalidate)(void *opaque, const struct xpi_invalidate_event *ev);
	/** Called for the legacy flush-all; may be NULL. */
	void (*flush_all)(void *opaque, uint16_t domid, uint16_t ioserver);
	/**
	 * Library-owned ring: called for every ioreq that is not an
	 * INVALIDATE; may be NULL (they are then counted in other and
	 * dropped, synchronous reads completed with data ~0 unless
	 * data_is_ptr: data, the guest buffer's address, then stays).
	 */
	void (*ioreq)(void *opaque, struct xpi_ioreq_info *req);
	/** Passed to the callbacks. */
	void *opaque;
};

/** Counters of a listener, since it was made. @since 1.0 */
struct xpi_listener_stats {
	uint64_t received; /**< INVALIDATEs read (BFN, flush-all, malformed) */
	uint64_t buffered; /**< BFN invalidates from the buffered ring */
	uint64_t sync;	   /**< BFN invalidates from synchronous ioreqs */
	uint64_t handled;  /**< BFN invalidates passed to the callback */
	uint64_t unknown;  /**< of which unknown to the tracker */
	uint64_t flush_alls; /**< legacy flush-alls */
	/** buffered INVALIDATEs of 1 or 2 bytes (Xen writes 4 or 8): logged,
	 * and handled as BFNs of that size all the same */
	uint64_t malformed;
	/** ioreqs that were not INVALIDATEs (buffered ones included: PIO,
	 * COPY, TIMEOFFSET, PCI_CONFIG) */
	uint64_t other;
	/** corrupt buffered rings: the entries after the corruption were
	 * dropped (see the top of this file); the only report of it besides
	 * the log, since the calls still return the count handled */
	uint64_t resyncs;
	uint64_t drains; /**< drains (each ends in at most one unmap batch) */
	uint64_t unmaps; /**< extents unmapped */
	uint64_t unmap_errors; /**< unmaps the hypervisor refused */
	uint64_t hypercalls;   /**< do_iommu_op calls made for unmaps */
	uint64_t completions;  /**< synchronous ioreqs completed */
};

/**
 * Fill @p cfg with the defaults (no callbacks, automatic unmapping).
 * @since 1.0
 */
void xpi_listener_config_init(struct xpi_listener_config *cfg);

/**
 * Make a listener on handle @p h (which must outlive it).
 * @param cfg settings (copied); NULL means the defaults.
 * @return 0, or -EINVAL (NULL h or out, unknown flags, budget 0, a config
 * struct from a newer library), -ENOMEM.
 * @since 1.0
 */
int xpi_listener_new(xpi_handle *h, const struct xpi_listener_config *cfg,
		     struct xpi_listener **out);

/** Detach (unmap the pages, unbind the channels) and free.  NULL is
 * allowed.  Invalidates not yet read stay in the ring.
 * @since 1.0
 */
void xpi_listener_free(struct xpi_listener *l);

/**
 * Library-owned ring: attach to ioreq server @p ioserver of guest
 * @p domid, which the emulator created (and enabled) beforehand.
 *
 * Real Xen (kmod and xencall backends): the buffered event channel comes
 * from xendevicemodel_get_ioreq_server_info(), the pages from
 * xenforeignmemory_map_resource() (XENMEM_resource_ioreq_server, frame 0
 * the buffered page, frames 1.. the synchronous ioreqs), and the buffered
 * and per-vCPU channels are bound with libxenevtchn.  Xen writes each
 * vCPU's event channel into the ioreq page when the server is enabled,
 * and only if its pages exist by then, which mapping them makes so: a
 * server enabled before anything mapped its pages shows no channel, and
 * attach then disables and re-enables it once.  The server needs a
 * buffered ring: one created with HVM_IOREQSRV_BUFIOREQ_OFF has none (Xen
 * reports bufioreq port 0 and refuses frame 0), attach fails with -ENOENT
 * and logs why; its emulator hands its synchronous ioreqs to
 * xpi_invalidate_ioreq() instead.  Sim backend: the simulator's pages and
 * its event channel descriptor.
 *
 * @param nr_vcpus the guest's vCPUs (synchronous ioreq slots),
 *        1..XPI_LISTENER_MAX_VCPUS.
 * @return 0, or -EINVAL (NULL listener, bad nr_vcpus, domid reserved),
 * -EBUSY (attached already), -ESRCH (no such guest) or -ENOENT (no such
 * server, or one without a buffered ring) as the simulator or Xen say, -EPROTO (Xen published no vCPU
 * event channel even after the server was re-enabled), -EOPNOTSUPP (a real backend in a
 * library built without the Xen libraries), -ENOMEM, or the negative
 * errno a Xen library call gave.
 * @since 1.0
 */
int xpi_listener_attach(struct xpi_listener *l, uint16_t domid,
			uint16_t ioserver, unsigned int nr_vcpus);

/**
 * The descriptor to poll for reading: it is readable when the server's
 * event channel was notified.  Owned by the listener.
 * @return the descriptor, -EINVAL (NULL), -ENOTCONN (not attached).
 * @since 1.0
 */
int xpi_listener_fd(const struct xpi_listener *l);

/**
 * Clear the descriptor, then drain: the buffered ring first, then the
 * synchronous slots (so the per-server order is kept), callbacks in
 * order, one unmap batch, then each synchronous ioreq is completed
 * (state IORESP_READY with a release barrier, then the event channel is
 * notified).  Repeats while completions bring more, up to the budget.
 * Calling it with nothing pending is cheap and returns 0.
 *
 * A corrupt buffered ring is not an error of the call: the entries before
 * the corruption are handled and counted in the return value, the rest
 * dropped by setting read_pointer to write_pointer (a resync), which is
 * logged as an error and counted in xpi_listener_stats.resyncs (compare
 * it before and after the call to notice one); the listener works on.
 *
 * @return the number of ioreqs handled (invalidates, flush-alls and other
 * ioreqs, buffered or synchronous; 0 or more, also after a resync), or:
 * -EINVAL: NULL listener;
 * -ENOTCONN: not attached;
 * the negative errno of a failed unmap hypercall (the BFNs stay tracked;
 *   the invalidates were handled) or event channel call.
 * @since 1.0
 */
int xpi_listener_dispatch(struct xpi_listener *l);

/**
 * Emulator-owned loop: handle one synchronous ioreq (a pointer to Xen's
 * 32-byte ioreq_t) that server (@p domid, @p ioserver) received.  An
 * INVALIDATE is consumed: the flush-all callback or the invalidate
 * callback runs and (by default) the BFN is unmapped at once.  The
 * library does not complete the ioreq: the emulator does, as for any
 * other.
 * @return 1 (consumed), 0 (not an INVALIDATE: the emulator handles it),
 * -EINVAL (NULL), or an unmap hypercall's errno (the ioreq was consumed).
 * @since 1.0
 */
int xpi_invalidate_ioreq(struct xpi_listener *l, uint16_t domid,
			 uint16_t ioserver, void *ioreq);

/**
 * Emulator-owned loop: drain server (@p domid, @p ioserver)'s buffered
 * page (Xen's 4 KiB buffered_iopage_t, 8-byte aligned).  Every entry is
 * consumed (read_pointer advanced): INVALIDATEs are handled as in a
 * dispatch, in one unmap batch; the others go to the ioreq callback.
 * A corrupt ring is resynced, logged and counted in resyncs, as in
 * xpi_listener_dispatch(), and the entries before the corruption count.
 * @return the entries handled (0 or more), -EINVAL (NULL), or an unmap
 * hypercall's errno.
 * @since 1.0
 */
int xpi_invalidate_buffered(struct xpi_listener *l, uint16_t domid,
			    uint16_t ioserver, void *page);

/**
 * Copy the listener's counters into @p stats, @p size bytes of it (the
 * growth rule of xpi_get_caps_sized()); call it through the
 * xpi_listener_get_stats() macro.
 * @return 0, or -EINVAL for a NULL argument or a size below the struct's
 * 1.0 size or above the size this library knows.
 * @since 1.0
 */
int xpi_listener_get_stats_sized(const struct xpi_listener *l,
				 struct xpi_listener_stats *stats, size_t size);
/** xpi_listener_get_stats_sized() with the caller's sizeof. @since 1.0 */
#define xpi_listener_get_stats(l, stats)                                       \
	xpi_listener_get_stats_sized((l), (stats), sizeof(*(stats)))

#ifdef __cplusplus
}
#endif

#endif /* XENPVIOMMU_LISTENER_H */
