/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the simulator's Check suites share: the two hosts their fixtures
 * build, op builders, and reads of the simulator's state that fail the test
 * when the read itself fails.  Each suite is one file per concern
 * (tests/sim/test-*.c); the auditor runs after every test and must be clean.
 */
#ifndef XPI_TEST_SIM_HELPERS_H
#define XPI_TEST_SIM_HELPERS_H

#include <stdint.h>

#include "sim/sim-private.h"
#include "test-common.h"

/*
 * The guests.  On the do_iommu_op host (xs_ops_setup): dom0 relaxed,
 * guests 1 (IOMMU hw, contiguous), 2 (device model of 3, IOMMU hw),
 * 3 (scattered, no hw), 4 (scattered, hw), 5 (16 pages, no hw).
 * On the memory host (xs_memory_setup): guests 1 (4096 pages, contiguous,
 * IOMMU hardware), 2 (device model of dom3, 1024 pages, IOMMU hardware)
 * and 3 (1024 pages, scattered, no hardware).
 */
#define G1 1
#define DM 2
#define G3 3
#define G4 4
#define HW_BFN (UINT64_C(1) << 24) /* above dom0's 1:1 region */
#define NO_HW_GUEST 5

#define RW (IOMMU_OP_readable | IOMMU_OP_writeable)

/* The fixture's host, and its ioreq servers. */
extern struct xpi_sim *sim;
extern uint16_t ios0;  /* ioreq server of dom3 run by dom0 */
extern uint16_t iosdm; /* ioreq server of dom3 run by the device model */
extern uint16_t ios1;  /* ioreq server of dom1 run by dom0 */

/* Checked fixtures: build one of the two hosts; audit it and free it. */
void xs_ops_setup(void);
void xs_memory_setup(void);
void xs_teardown(void);
/* Replace the fixture's host by one of the same kind with other settings
 * (audited first). */
void remake(const struct xpi_sim_config *cfg);

/* Op builders. */
struct pv_iommu_op map_op(uint64_t bfn, uint64_t gfn, unsigned int fl,
			  unsigned int order);
struct pv_iommu_op unmap_op(uint64_t bfn, unsigned int order);
struct pv_iommu_op mapf_op(uint64_t bfn, uint64_t gfn, uint16_t domid,
			   uint16_t ios, unsigned int fl, unsigned int order);
struct pv_iommu_op lookup_op(uint64_t gfn, uint16_t domid, uint16_t ios);
struct pv_iommu_op unmapf_op(uint64_t bfn, uint16_t ios, unsigned int order);

/* Issue one op as caller; return its status (the call itself must be 0). */
int32_t run1(uint16_t caller, struct pv_iommu_op *op);
int32_t one(uint16_t caller, struct pv_iommu_op op);

/* One op issued at once; its status. */
int32_t mapf(uint16_t caller, uint64_t bfn, uint64_t gfn, uint16_t domid,
	     uint16_t ios, unsigned int fl, unsigned int order);
int32_t unmapf(uint16_t caller, uint64_t bfn, uint16_t ios, unsigned int order);
/* *bfn is the BFN the lookup returned. */
int32_t lookupf(uint16_t caller, uint64_t gfn, uint16_t domid, uint16_t ios,
		uint64_t *bfn);
int32_t mapp(uint16_t caller, uint64_t bfn, uint64_t gfn, unsigned int fl);
int32_t unmapp(uint16_t caller, uint64_t bfn);

/* Reads of the host's state. */
uint64_t mfn_of(uint16_t domid, uint64_t gfn);
struct xpi_sim_frame_info frame(uint64_t mfn);
struct xpi_sim_stats stats(void);
struct xpi_sim_ioreq_stats sstats(uint16_t domid, uint16_t id);
uint64_t iommu_mfn(uint16_t domid, uint64_t bfn);

/* The emulator's side of the ioreq pages. */
void *bufpage(uint16_t domid, uint16_t id);
void *syncpage(uint16_t domid, uint16_t id);
uint32_t ring_used(void *page);
/* Where the last 8-byte entry read began (a slot index), for wrap tests. */
extern unsigned int qw_wrapped;
/*
 * Consume up to max entries of the buffered ring as QEMU does, decoding
 * with Xen's buf_ioreq_t when available (byte-level otherwise), and check
 * every field an INVALIDATE must carry.  Returns the number read.
 */
unsigned int ring_read(void *page, uint64_t *out, unsigned int max);
/* The synchronous slot of vCPU v: 1 and *data if an INVALIDATE is ready. */
int sync_pending(void *page, unsigned int v, uint64_t *data, uint32_t *size);
/* The emulator completes vCPU v's ioreq and notifies. */
void sync_complete(uint16_t domid, uint16_t id, void *page, unsigned int v);
/* The server's event channel: notifications since the last read, or 0. */
uint64_t evtchn_count(uint16_t domid, uint16_t id);

/* An audit report callback: counts violations, keeps the first. */
struct reports {
	unsigned int n;
	char first[256];
};
void collect(void *opaque, const char *violation);

#endif
