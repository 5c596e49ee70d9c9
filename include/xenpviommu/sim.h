/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file
 * The simulated Xen hypervisor: an in-process model of the Xen side of the
 * PV IOMMU design (do_iommu_op, references, the M2B, per-domain IOMMU tables,
 * ioreq servers and ballooning), following docs/hypervisor-model.md rule by
 * rule.  Emulators use it to develop and test without a Xen host, through
 * the transport of xpi_sim_transport() / xpi_sim_open().  It is a library
 * of its own, libxenpviommu-sim.so.0 (pkg-config xenpviommu-sim), apart
 * from the production libxenpviommu: its API and ABI are not stable (the
 * version node XENPVIOMMU_SIM_0 may change in any release).
 *
 * Every function returns 0 (or a documented non-negative value) on success
 * and a negative errno on failure; a NULL @p sim gives -EINVAL (the grant
 * calls, which return GNTST_* values, give GNTST_general_error).  A struct xpi_sim is safe to use from
 * several threads: each call takes the simulator's lock.  It is
 * deterministic: the same calls give the same results.
 */
#ifndef XENPVIOMMU_SIM_H
#define XENPVIOMMU_SIM_H

#include <stdint.h>
#include <stddef.h>
#include <xenpviommu.h>
#include <xenpviommu/abi.h>
#include <xenpviommu/transport.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The hardware domain's id. @since 1.0 */
#define XPI_SIM_HWDOM 0

/** Grant map flags, as in Xen's public grant_table.h. @since 1.0 */
#define XPI_GNTMAP_device_map (1u << 0)
#define XPI_GNTMAP_host_map (1u << 1)
#define XPI_GNTMAP_readonly (1u << 2)
/**
 * The draft's new flag: dev_bus_addr is an input (the BFN to map at).
 * @since 1.0
 */
#define XPI_GNTMAP_request_bfn_map (1u << 6)

/** The simulated host. @since 1.0 */
struct xpi_sim;

/**
 * Host settings.  Fill with xpi_sim_config_init() and change what you need;
 * fields may be added at the end in later versions, so always call it.
 * @since 1.0
 */
struct xpi_sim_config {
	/** An IOMMU is present and used by Xen (default 1). */
	int iommu_present;
	/** iommu=dom0-strict (default 0). */
	int dom0_strict;
	/** iommu=dom0-passthrough (default 0). */
	int dom0_passthrough;
	/** The largest IOMMU page order (default 18; at most 63). */
	unsigned int max_order;
	/** BFN width in bits, 1..63 (default 36, i.e. 48-bit bus addresses). */
	unsigned int bfn_width;
	/** Host machine frames, at most 2^40 (default 1 << 20, 4 GiB). */
	uint64_t host_frames;
	/** Frames owned by Xen, from MFN 0 (default 256); the scratch page follows. */
	uint64_t xen_frames;
	/** Frames given to the hardware domain at GFN == MFN (default 65536). */
	uint64_t hwdom_frames;
	/** Ops per hypercall segment before a continuation; 0: never (default 1024). */
	unsigned int preempt_every;
	/** 0 models a stock Xen without do_iommu_op: every call gives -ENOSYS. */
	int hypercall_present;
	/** Synchronous ioreq slots (vCPUs) per ioreq server, 1..128 (default 1). */
	unsigned int ioreq_vcpus;
	/**
	 * Which hypervisor answers hypercall 56 (default
	 * XPI_SIM_PERSONALITY_DRAFT); see docs/xenserver-model.md.
	 */
	unsigned int personality;
	/**
	 * XenServer personality: the start of the hardware domain's BFN:MFN
	 * region in frames, xen_pviommu_foreign_offset (default 248 GiB in
	 * frames, 0x3e00000).
	 */
	uint64_t xs_foreign_offset;
	/**
	 * XenServer personality: can_use_iommu_check() fails for the hardware
	 * domain although an IOMMU is used: an AMD host, a PVH dom0, a dom0
	 * kernel without the XS_PV_IOMMU ELF note (default 0).
	 */
	int xs_iommu_unusable;
	/**
	 * XenServer personality, a test hook and not XenServer's behaviour:
	 * query_caps reports this page order although every op of a non-zero
	 * order is refused (a host that reports more than it accepts; default
	 * 0, as XenServer reports).
	 */
	unsigned int xs_reported_order;
};

/** The hypervisor described by docs/hypervisor-model.md (draft B, our series).
 * @since 1.0 */
#define XPI_SIM_PERSONALITY_DRAFT 0u
/** XenServer's / XCP-ng's pv-iommu patches (docs/xenserver-model.md).
 * @since 1.0 */
#define XPI_SIM_PERSONALITY_XENSERVER 1u
/**
 * A hypervisor that gives hypercall 56 to another ABI: every op comes back
 * with status 0 and its flags and union rewritten (a test of the open probe).
 * @since 1.0
 */
#define XPI_SIM_PERSONALITY_OTHER_ABI 2u

/** Fill @p cfg with the defaults listed in struct xpi_sim_config. @since 1.0 */
void xpi_sim_config_init(struct xpi_sim_config *cfg);

/**
 * Create a simulated host with its hardware domain.
 * @param cfg settings; NULL means the defaults.
 * @param out receives the new host.
 * @return 0, -EINVAL for an inconsistent setting (no room for the hardware
 * domain, max_order or bfn_width out of range, NULL out), -ENOMEM.
 * @since 1.0
 */
int xpi_sim_new(const struct xpi_sim_config *cfg, struct xpi_sim **out);

/** Free the host and everything in it.  NULL is allowed. @since 1.0 */
void xpi_sim_free(struct xpi_sim *sim);

/**
 * Fill @p out with the simulator's libxenpviommu transport
 * (xenpviommu/transport.h): its ops are issued on @p sim as domain
 * @p caller, and the listener attaches to @p sim's ioreq servers.  Put it
 * in xpi_options.transport; xpi_open_ex() then owns it (its close op
 * frees what this allocates, and the host too when @p sim was NULL).
 * @param sim the host (not owned), or NULL for a private one with the
 *        defaults of xpi_sim_config_init().
 * @param caller the calling domain.
 * @param out receives the transport; out->size 0 or at least
 *        sizeof(struct xpi_transport).
 * @return 0, -EINVAL (NULL @p out, or a smaller out->size), -ENOMEM, or
 *         xpi_sim_new()'s errors.
 * @since 1.0
 */
int xpi_sim_transport(struct xpi_sim *sim, uint16_t caller,
		      struct xpi_transport *out);

/**
 * xpi_open_ex() on the simulated host: a handle whose ops go to @p sim as
 * domain @p caller (backend XPI_BACKEND_SIM).
 * @param out receives the handle.
 * @param logger as for xpi_open_ex().
 * @param sim the host (not owned), or NULL for a private default one
 *        that the handle frees on close.
 * @param caller the calling domain (XPI_SIM_HWDOM for dom0).
 * @param opts as for xpi_open_ex() (its backend and transport are
 *        ignored), or NULL for the defaults.
 * @return 0, -EINVAL (an options struct larger than this library knows,
 *         or xpi_open_ex()'s reasons), xpi_sim_transport()'s errors, or
 *         xpi_open_ex()'s.
 * @since 1.0
 */
int xpi_sim_open(xpi_handle **out, struct xentoollog_logger *logger,
		 struct xpi_sim *sim, uint16_t caller,
		 const struct xpi_options *opts);

/**
 * A test hook: from now on the transport of xpi_sim_transport() answers
 * every @p every -th call of more than one op with -EINTR after issuing
 * its first half, as a signal arriving during a long privcmd call would
 * (the library retries the rest).  0 turns it off.
 * @return 0, -EINVAL (NULL sim).
 * @since 1.0
 */
int xpi_sim_inject_eintr(struct xpi_sim *sim, unsigned int every);

/** Backing of a guest's p2m. @since 1.0 */
enum xpi_sim_backing {
	/** Contiguous MFNs, aligned to 2^max_order. */
	XPI_SIM_BACKING_CONTIGUOUS = 0,
	/** Every GFN on a frame not adjacent to its neighbour's. */
	XPI_SIM_BACKING_SCATTERED = 1,
};

/** A guest's settings (see xpi_sim_domain_create()). @since 1.0 */
struct xpi_sim_domain_config {
	/** GFNs 0..nr_pages-1 are populated at creation. */
	uint64_t nr_pages;
	enum xpi_sim_backing backing;
	/** The guest has IOMMU-controlled hardware assigned. */
	int has_iommu_hw;
	/** If not XPI_DOMID_INVALID: this guest is the device model of target. */
	uint16_t dm_target;
};

/**
 * Create a guest.
 * @return 0; -EINVAL for a domid of 0 or >= XPI_DOMID_FIRST_RESERVED, a NULL
 * config, nr_pages 0, an unknown backing, or a dm_target that does not exist,
 * is 0 or is the new domid; -EEXIST if the domid is taken; -ENOMEM if the
 * host has not enough free frames (suitably aligned, for contiguous backing:
 * see docs/hypervisor-model.md).
 * @since 1.0
 */
int xpi_sim_domain_create(struct xpi_sim *sim, uint16_t domid,
			  const struct xpi_sim_domain_config *cfg);

/**
 * Destroy a guest: its frames are released (those still referenced by IOMMU
 * mappings are freed when the last reference goes), its ioreq servers go.
 * @return 0, -ESRCH (no such guest), -EINVAL (domid 0).
 * @since 1.0
 */
int xpi_sim_domain_destroy(struct xpi_sim *sim, uint16_t domid);

/**
 * Add an RMRR region [bfn, bfn + nr) for devices of @p domid.
 * @return 0, -ESRCH, -EINVAL (nr 0 or the range wraps or leaves bfn_width),
 * -ENOSPC (64 regions already).
 * @since 1.0
 */
int xpi_sim_rmrr_add(struct xpi_sim *sim, uint16_t domid, uint64_t bfn,
		     uint64_t nr);

/**
 * The MFN behind a domain's GFN.
 * @return 0, -ESRCH (no domain), -ENOENT (GFN not populated), -EINVAL (NULL).
 * @since 1.0
 */
int xpi_sim_p2m_lookup(struct xpi_sim *sim, uint16_t domid, uint64_t gfn,
		       uint64_t *mfn);

/**
 * Give one of the domain's GFNs to Xen: the p2m entry then points at a
 * Xen-owned frame (as a shared-info or grant-table frame does), which every
 * map must refuse with -EPERM.
 * @return 0, -ESRCH, -ENOENT (GFN not populated), -ENOMEM.
 * @since 1.0
 */
int xpi_sim_p2m_set_xen_owned(struct xpi_sim *sim, uint16_t domid,
			      uint64_t gfn);

/**
 * The guest balloons out @p gfn (XENMEM_decrease_reservation), with the
 * effects described in docs/hypervisor-model.md, "Ballooning".
 * @return 0, -ESRCH, -ENOENT (GFN not populated), -ENOMEM.
 * @since 1.0
 */
int xpi_sim_balloon_out(struct xpi_sim *sim, uint16_t domid, uint64_t gfn);

/**
 * The guest repopulates @p gfn (XENMEM_populate_physmap) with a new frame.
 * @return 0, -ESRCH, -EEXIST (populated), -ENOMEM (no free frame),
 * -EINVAL (gfn beyond the guest's p2m size).
 * @since 1.0
 */
int xpi_sim_populate(struct xpi_sim *sim, uint16_t domid, uint64_t gfn);

/**
 * The domain pins its page @p gfn as a page table.
 * @return 0, -ESRCH, -ENOENT, -EBUSY (the frame has a writable type
 * reference, e.g. a writeable IOMMU mapping), -EINVAL (already pinned),
 * -EPERM (the GFN points at a Xen-owned frame).
 * @since 1.0
 */
int xpi_sim_pin_pagetable(struct xpi_sim *sim, uint16_t domid, uint64_t gfn);

/**
 * Undo xpi_sim_pin_pagetable(). @return 0, -ESRCH, -ENOENT, -EINVAL (not pinned).
 * @since 1.0
 */
int xpi_sim_unpin_pagetable(struct xpi_sim *sim, uint16_t domid, uint64_t gfn);

/** What a frame looks like (see xpi_sim_frame_info()). @since 1.0 */
struct xpi_sim_frame_info {
	/** General reference count (ownership counts one). */
	uint32_t refs;
	/** Writable type references. */
	uint32_t writable_refs;
	/** Owner domid, XPI_DOMID_INVALID when unowned, 0x7FF2 (DOMID_XEN)
	 * for Xen's frames. */
	uint16_t owner;
	/** 1 if on Xen's free list. */
	uint8_t free;
	/** 1 if owned by Xen (the scratch page included). */
	uint8_t xen;
	/** 1 if pinned as a page table. */
	uint8_t pinned;
	/** Number of M2B entries on the frame. */
	uint32_t m2b_entries;
};

/** @return 0, -EINVAL (mfn beyond the host or NULL info). @since 1.0 */
int xpi_sim_frame_info(struct xpi_sim *sim, uint64_t mfn,
		       struct xpi_sim_frame_info *info);

/**
 * The MFN of Xen's boot scratch page, the last of Xen's own frames
 * (UINT64_MAX for a NULL sim).  A swap_mfn BFN does not point there: each
 * guest gets a scratch frame of its own at its first swap (find it with
 * xpi_sim_iommu_lookup() on the swapped BFN), so that what a device writes
 * through one guest's swapped BFNs is never read through another's.
 * @since 1.0
 */
uint64_t xpi_sim_scratch_mfn(const struct xpi_sim *sim);

/**
 * What a domain's IOMMU translates @p bfn to.
 * @param mfn receives the MFN of that page (not of the extent's start).
 * @param flags receives IOMMU_OP_readable / IOMMU_OP_writeable and the
 * extent's order in the page-order field; may be NULL.
 * @return 0, -ESRCH, -ENOENT (no entry; the implicit 1:1 region of the
 * hardware domain counts as an entry), -ENODEV (no IOMMU translation for
 * this domain: no IOMMU, or dom0-passthrough).
 * @since 1.0
 */
int xpi_sim_iommu_lookup(struct xpi_sim *sim, uint16_t domid, uint64_t bfn,
			 uint64_t *mfn, unsigned int *flags);

/**
 * Number of explicit IOMMU extents a domain has (not its 1:1 region).
 * @since 1.0
 */
uint64_t xpi_sim_iommu_extents(struct xpi_sim *sim, uint16_t domid);

/**
 * The hypercall: do_iommu_op(ops, count) issued by domain @p caller.
 * Each op's status is one of docs/hypervisor-model.md's, among them the
 * limits a hostile caller meets: -ENOENT (unmapping a mapping another
 * domain made, or none), -EMLINK (a map, lookup or grant map that would
 * make a 65th live mapping of one frame), -EDQUOT (a foreign map or new
 * lookup entry beyond the target guest's nr_pages foreign extents and
 * lookup entries), -ENOMEM (the simulator's own memory).
 * @return 0 when every op was processed (see each op's status), or, with no
 * op touched: -ENOSYS (hypercall_present is 0), -EINVAL (count > INT32_MAX),
 * -EFAULT (ops NULL with count > 0), -ESRCH (no such caller).
 * @since 1.0
 */
long xpi_sim_iommu_op(struct xpi_sim *sim, uint16_t caller,
		      struct pv_iommu_op *ops, unsigned int count);

/**
 * The IOMMU unit fails the next @p n IOMMU table updates with -EIO.
 * @return 0, -EINVAL (NULL sim).
 * @since 1.0
 */
int xpi_sim_inject_iommu_faults(struct xpi_sim *sim, unsigned int n);

/**
 * Grant @p gfn of @p granter to @p grantee.
 * @param readonly the grantee may map it read-only only.
 * @return a grant reference (>= 0), -ESRCH, -ENOENT (GFN not populated),
 * -ENOSPC (grant table full).
 * @since 1.0
 */
int xpi_sim_grant_create(struct xpi_sim *sim, uint16_t granter, uint64_t gfn,
			 uint16_t grantee, int readonly);

/**
 * GNTTABOP_map_grant_ref for the device: with XPI_GNTMAP_device_map and
 * XPI_GNTMAP_request_bfn_map, *dev_bus_addr is the (page-aligned) bus
 * address to map the granted frame at in the caller's IOMMU, as map_page
 * would; without request_bfn_map it receives the frame's machine address.
 * @param handle receives the grant handle.
 * @param dev_bus_addr may be NULL when @p flags has no XPI_GNTMAP_device_map.
 * @return a GNTST_* value (0 GNTST_okay; -1 general_error; -2 bad_domain
 * for an unknown granter; -3 bad_gntref; -6 bad_dev_addr for a misaligned
 * or unusable bus address; -7 no_device_space for an occupied BFN; -8
 * permission_denied; -13 no_space when the frame has 64 live mappings
 * already, the alias cap that is -EMLINK for do_iommu_op);
 * docs/hypervisor-model.md lists which check gives which.
 * @since 1.0
 */
int xpi_sim_grant_map(struct xpi_sim *sim, uint16_t caller, uint16_t granter,
		      uint32_t ref, uint32_t flags, uint64_t *dev_bus_addr,
		      uint32_t *handle);

/**
 * GNTTABOP_unmap_grant_ref: removes the IOMMU mapping (as unmap_page) if
 * the map made one.
 * @return a GNTST_* value (-4 bad_handle).
 * @since 1.0
 */
int xpi_sim_grant_unmap(struct xpi_sim *sim, uint16_t caller, uint32_t handle);

/**
 * Create an ioreq server of guest @p domid, run by @p owner (the hardware
 * domain or the guest's device-model domain).  Its buffered page and
 * synchronous ioreq page are real 4 KiB pages in Xen's layout.
 * @param id receives the ioservid (ids are not reused while @p domid lives).
 * @return 0, -ESRCH, -EPERM (owner has no privilege), -ENOSPC (8 already),
 * -EINVAL (@p domid is the hardware domain, or NULL id).
 * @since 1.0
 */
int xpi_sim_ioreq_server_create(struct xpi_sim *sim, uint16_t owner,
				uint16_t domid, uint16_t *id);

/**
 * Destroy an ioreq server.  The invalidates still waiting for it are
 * dropped (counted in xpi_sim_stats.invalidates_dropped); they hold no
 * reference, and the mappings naming the server keep theirs until their
 * caller unmaps them.
 * @return 0, -ESRCH, -ENOENT (no such server).
 * @since 1.0
 */
int xpi_sim_ioreq_server_destroy(struct xpi_sim *sim, uint16_t domid,
				 uint16_t id);

/**
 * Enable or disable an ioreq server (XEN_DMOP_set_ioreq_server_state).  A
 * server is created enabled.  While disabled, every invalidate for it
 * waits in its queue, in order; once it is enabled again the guest's next
 * vCPU exits deliver them (xpi_sim_vcpu_exit(), xpi_sim_ioreq_notify()).
 * @return 0, -ESRCH, -ENOENT (no such server), -EINVAL (NULL sim).
 * @since 1.0
 */
int xpi_sim_ioreq_server_set_enabled(struct xpi_sim *sim, uint16_t domid,
				     uint16_t id, int enabled);

/**
 * One vCPU of guest @p domid exits to Xen or resumes, as Xen's
 * pv_iommu_send_pending(): per server of the guest, its waiting
 * invalidates go in order through the buffered ring while it has room,
 * then the first one the ring cannot take goes synchronously if the server
 * has a free slot and nothing synchronous outstanding; the server's turn
 * ends at the first entry that can go neither way (a disabled server's
 * first entry).  So the entries looked at in one exit
 * (xpi_sim_stats.max_exit_examined) are at most, per server, its ring's
 * free slots plus one, whatever the queues hold.  Other guests' queues are
 * not looked at.  (The simulator also runs such exits by itself, until
 * nothing more can go, after xpi_sim_ioreq_notify(): the vCPU that waited
 * resumes and the guest runs on.)
 * @return the number of invalidates delivered (>= 0), -ESRCH (no such
 * domain), -EINVAL (NULL sim).
 * @since 1.0
 */
int xpi_sim_vcpu_exit(struct xpi_sim *sim, uint16_t domid);

/**
 * The server's pages: @p buffered receives its buffered_iopage_t (4 KiB),
 * @p sync its shared_iopage_t (ioreq_vcpus ioreq_t slots).  Either may be
 * NULL.  The pages live until the server is destroyed.  The emulator reads
 * the buffered ring as QEMU does: entries from read_pointer to
 * write_pointer (acquire load; slot = pointer % 511; pointers only grow),
 * then it stores the new read_pointer (release).
 * @return 0, -ESRCH, -ENOENT.
 * @since 1.0
 */
int xpi_sim_ioreq_server_pages(struct xpi_sim *sim, uint16_t domid, uint16_t id,
			       void **buffered, void **sync);

/**
 * A file descriptor (an eventfd, owned by the simulator) that becomes
 * readable whenever the server's event channel is notified, as the
 * xenevtchn descriptor does.  Read it to clear it.
 * @return the descriptor (>= 0), -ESRCH, -ENOENT.
 * @since 1.0
 */
int xpi_sim_ioreq_server_evtchn_fd(struct xpi_sim *sim, uint16_t domid,
				   uint16_t id);

/**
 * The emulator notifies the server's event channel after completing a
 * synchronous ioreq (state IORESP_READY): the simulator retires completed
 * slots and delivers invalidates that were waiting.
 * @return 0, -ESRCH, -ENOENT.
 * @since 1.0
 */
int xpi_sim_ioreq_notify(struct xpi_sim *sim, uint16_t domid, uint16_t id);

/**
 * Raise the legacy synchronous flush-all invalidate (data ~0) on every
 * enabled ioreq server of @p domid.
 * @return 0, -ESRCH, -EBUSY (an enabled server has no free synchronous
 * slot).
 * @since 1.0
 */
int xpi_sim_ioreq_flush_all(struct xpi_sim *sim, uint16_t domid);

/** Counters of one ioreq server. @since 1.0 */
struct xpi_sim_ioreq_stats {
	uint64_t buffered_sent; /**< INVALIDATE entries written to the ring */
	uint64_t sync_sent; /**< synchronous INVALIDATEs (BFN or flush-all) */
	uint64_t waiting;   /**< invalidates not yet delivered */
	uint64_t
		notifications; /**< event channel notifications to the emulator */
	uint64_t sync_completed; /**< synchronous ioreqs retired */
};

/** @return 0, -ESRCH, -ENOENT, -EINVAL (NULL stats). @since 1.0 */
int xpi_sim_ioreq_server_stats(struct xpi_sim *sim, uint16_t domid, uint16_t id,
			       struct xpi_sim_ioreq_stats *stats);

/** Host-wide counters. @since 1.0 */
struct xpi_sim_stats {
	uint64_t hypercalls;	/**< do_iommu_op calls (not continuations) */
	uint64_t continuations; /**< preemptions taken */
	uint64_t ops;		/**< ops processed */
	uint64_t iotlb_flushes; /**< flushes, hypercall and balloon */
	uint64_t iommu_entries; /**< live explicit IOMMU extents, all domains */
	uint64_t m2b_entries;	/**< live M2B entries */
	uint64_t free_frames;	/**< frames on the free list */
	uint64_t balloon_outs;	/**< xpi_sim_balloon_out() successes */
	uint64_t swaps;		/**< BFNs pointed at a scratch frame */
	/** Guests' scratch frames in use (one per guest that swapped, kept
	 * while a swapped BFN points at it). */
	uint64_t scratch_frames;
	/** Guest vCPU exits and resumes simulated (each looks at the
	 * guest's waiting invalidates once). */
	uint64_t exits;
	/** The largest number of waiting invalidates examined in one exit:
	 * per server at most its ring's free slots plus one, however long
	 * the queues are (patch 0005's bound). */
	uint64_t max_exit_examined;
	/** Waiting invalidates dropped because their server was destroyed. */
	uint64_t invalidates_dropped;
};

/** @return 0, -EINVAL (NULL). @since 1.0 */
int xpi_sim_stats(struct xpi_sim *sim, struct xpi_sim_stats *stats);

/**
 * Check every invariant: each frame's references and alias count equal
 * what the IOMMU tables, M2B and ownership imply; no IOMMU entry reaches a
 * freed frame; M2B and IOMMU tables agree; free frames have no reference;
 * each guest's foreign and lookup records match its quota count.  And the
 * IOTLB rule: no frame was freed while an IOMMU entry that reached it had
 * been removed or changed but not yet flushed (each such event since the
 * last audit is one violation, reported once).  Each violation is passed
 * to @p report (which may be NULL).
 * @return the number of violations (0: clean), or -EINVAL (NULL sim),
 * -ENOMEM.  It costs about 13 bytes of scratch memory per host frame.
 * @since 1.0
 */
long xpi_sim_audit(struct xpi_sim *sim,
		   void (*report)(void *opaque, const char *violation),
		   void *opaque);

/**
 * Bytes of simulator memory in use (for measuring cost per mapping).
 *
 * Measured (tests/sim/test-scale.c, million_mappings: 2^20 live order-0 mappings
 * of each kind on a 2^22-frame host): a map_page mapping costs 8 bytes
 * (its dense IOMMU radix entry), a map_foreign_page mapping 48 bytes (a
 * 32-byte M2B entry, 8 bytes of index, 8 bytes of radix).  Fixed costs:
 * 16 bytes per host frame and 8 per guest p2m entry.
 * @since 1.0
 */
size_t xpi_sim_memory_bytes(const struct xpi_sim *sim);

#ifdef __cplusplus
}
#endif

#endif /* XENPVIOMMU_SIM_H */
