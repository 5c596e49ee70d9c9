/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The buffered ioreq ring parser: reads Xen's buffered_iopage_t (one
 * 4 KiB page) without Xen's headers, so it builds with -Dxen=disabled.
 * Not installed; the listener (invalidate.c), the ring tests and the
 * fuzzer use it.
 *
 * The page, as Xen's public hvm/ioreq.h lays it out (checked against it
 * in tests/test-ring.c):
 *
 *   @0  read_pointer  u32   advanced by the reader
 *   @4  write_pointer u32   advanced by Xen
 *   @8  511 slots of 8 bytes (buf_ioreq_t):
 *       byte 0     type
 *       byte 1     bit 0 pad, bit 1 dir, bits 2..3 size (1 << size
 *                  bytes), bits 4..7 addr bits 0..3
 *       bytes 2..3 addr bits 4..19 (little-endian)
 *       bytes 4..7 data (u32)
 *
 * The pointers only grow; the slot of pointer p is p % 511.  An 8-byte
 * value (size 3) takes two consecutive slots, the low 32 bits in the
 * first; Xen publishes both halves with one write_pointer update.  Xen
 * may lower both pointers by a multiple of 511 at any time (its
 * "canonicalisation", a 64-bit cmpxchg on the pair), which keeps every
 * slot index: so the reader advances read_pointer with an atomic add,
 * never a plain store of a value it computed.
 */
#ifndef XPI_INVALIDATE_RING_H
#define XPI_INVALIDATE_RING_H

#include <stdint.h>

#define XPI_RING_PAGE_SIZE 4096u
#define XPI_RING_SLOTS 511u
#define XPI_RING_SLOT_OFFSET 8u

/* The ioreq types (hvm/ioreq.h). */
#define XPI_IOREQ_TYPE_PIO 0u
#define XPI_IOREQ_TYPE_COPY 1u
#define XPI_IOREQ_TYPE_PCI_CONFIG 2u
#define XPI_IOREQ_TYPE_TIMEOFFSET 7u
#define XPI_IOREQ_TYPE_INVALIDATE 8u

/* The ioreq states (hvm/ioreq.h). */
#define XPI_IOREQ_STATE_NONE 0u
#define XPI_IOREQ_STATE_READY 1u
#define XPI_IOREQ_STATE_INPROCESS 2u
#define XPI_IOREQ_STATE_RESP_READY 3u

/* Xen's ioreq_t (32 bytes): the offsets the listener uses. */
#define XPI_IOREQ_SIZE 32u
#define XPI_IOREQ_OFF_ADDR 0u
#define XPI_IOREQ_OFF_DATA 8u
#define XPI_IOREQ_OFF_COUNT 16u
#define XPI_IOREQ_OFF_SIZE 20u
#define XPI_IOREQ_OFF_VP_EPORT 24u
#define XPI_IOREQ_OFF_BITS 30u /* state:4 data_is_ptr:1 dir:1 df:1 pad:1 */
#define XPI_IOREQ_OFF_TYPE 31u

/* One decoded ring entry. */
struct xpi_ring_entry {
	uint64_t data;	/* the 4- or 8-byte value (smaller sizes: 32 bits) */
	uint32_t addr;	/* 20 bits */
	uint8_t type;	/* PIO, COPY or INVALIDATE */
	uint8_t size;	/* bytes: 1, 2, 4 or 8 */
	uint8_t dir;	/* 1: read */
	uint8_t slots;	/* 1, or 2 for an 8-byte value */
};

/* What was wrong with a corrupt ring. */
enum xpi_ring_fault {
	XPI_RING_OK = 0,
	/* write_pointer - read_pointer > 511 with the reader behind. */
	XPI_RING_FAULT_DISTANCE = 1,
	/* read_pointer is ahead of write_pointer. */
	XPI_RING_FAULT_READ_AHEAD = 2,
	/* A type Xen never puts in the buffered ring (not PIO, COPY or
	 * INVALIDATE). */
	XPI_RING_FAULT_TYPE = 3,
	/* The first half of an 8-byte entry with its second half not
	 * published. */
	XPI_RING_FAULT_LONE_HALF = 4,
};

/* What one xpi_ring_drain() saw. */
struct xpi_ring_result {
	unsigned int entries;	/* entries stored and consumed */
	unsigned int slots;	/* slots consumed (resync not counted) */
	enum xpi_ring_fault fault;
	uint32_t read_pointer;	/* as read at the start */
	uint32_t write_pointer; /* as read (acquire) at the start */
	uint32_t fault_pointer; /* the pointer of the bad slot, if any */
};

/*
 * Read and consume the entries published in the buffered page @page
 * (4096 bytes, 8-byte aligned), at most @max of them, into out[].
 *
 * write_pointer is loaded with acquire ordering (the slots it covers are
 * then visible); read_pointer is advanced once, by the slots consumed,
 * with an atomic add of release ordering (the slots are read before Xen
 * may reuse them).  Never reads outside the page.
 *
 * Returns the number of entries (>= 0), or -EPROTO when the ring is
 * corrupt (res->fault says how): the res->entries entries before the
 * corruption are in out[] and consumed, the rest is dropped by setting
 * read_pointer to write_pointer (a resync).  res may not be NULL.
 */
int xpi_ring_drain(void *page, struct xpi_ring_entry *out, unsigned int max,
		   struct xpi_ring_result *res);

/* Entries' slots waiting in the ring: write - read (may be > 511 when
 * corrupt). */
uint32_t xpi_ring_pending(const void *page);

/* A name for a fault ("ok", "distance", ...). */
const char *xpi_ring_fault_name(enum xpi_ring_fault fault);

#endif /* XPI_INVALIDATE_RING_H */
