/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The buffered ioreq ring parser: reads Xen's buffered_iopage_t (one
 * 4 KiB page) without Xen's headers, so it builds with -Dxen=disabled.
 * Not installed; the listener (invalidate.c), the ring tests and the
 * fuzzer use it.
 *
 * The page, as Xen's public hvm/ioreq.h lays it out (defined in
 * common/xen-ioreq.h and checked against Xen's header in tests/test-ring.c):
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
 * first; Xen writes the same first four bytes (type, size, dir, addr) in
 * both and publishes both halves with one write_pointer update.  Xen
 * may lower both pointers by a multiple of 511 at any time (its
 * "canonicalisation", a 64-bit cmpxchg on the pair), which keeps every
 * slot index: so the reader advances read_pointer with an atomic add,
 * never a plain store of a value it computed.
 *
 * What Xen writes there (xen/common/ioreq.c ioreq_send_buffered(), which
 * copies the ioreq's type as it is and takes sizes 1, 2, 4 and 8 only):
 *   - IOREQ_TYPE_COPY: stdvga's writes to VGA memory, 1 to 8 bytes;
 *   - IOREQ_TYPE_PIO: VGA port writes (the stdvga of older Xen);
 *   - IOREQ_TYPE_TIMEOFFSET: 8 bytes, addr 0, broadcast to every server
 *     when the guest sets its RTC (hvm/rtc.c, send_timeoffset_req());
 *   - IOREQ_TYPE_INVALIDATE: the PV IOMMU's BFN invalidates, 4 or 8 bytes.
 * The parser takes every type the public header defines (those and
 * PCI_CONFIG) by its size; only a type byte no Xen defines, a lone half
 * or two halves that differ, or pointers more than 511 apart, mean a
 * corrupt ring.
 */
#ifndef XPI_INVALIDATE_RING_H
#define XPI_INVALIDATE_RING_H

#include <errno.h>
#include <stdint.h>

#include "common/xen-ioreq.h"

/* One decoded ring entry. */
struct xpi_ring_entry {
	uint64_t data; /* the 4- or 8-byte value (smaller sizes: 32 bits) */
	uint32_t addr; /* 20 bits */
	uint8_t type;  /* one of XPI_IOREQ_TYPES_KNOWN */
	uint8_t size;  /* bytes: 1, 2, 4 or 8 */
	uint8_t dir;   /* 1: read */
	uint8_t slots; /* 1, or 2 for an 8-byte value */
};

/* What was wrong with a corrupt ring. */
enum xpi_ring_fault {
	XPI_RING_OK = 0,
	/* write_pointer - read_pointer > 511 with the reader behind. */
	XPI_RING_FAULT_DISTANCE = 1,
	/* read_pointer is ahead of write_pointer. */
	XPI_RING_FAULT_READ_AHEAD = 2,
	/* A type byte Xen does not define (not PIO, COPY, PCI_CONFIG,
	 * TIMEOFFSET or INVALIDATE). */
	XPI_RING_FAULT_TYPE = 3,
	/* The first half of an 8-byte entry with its second half not
	 * published. */
	XPI_RING_FAULT_LONE_HALF = 4,
	/* The two halves of an 8-byte entry do not share their first four
	 * bytes, as Xen writes them. */
	XPI_RING_FAULT_HALVES = 5,
};

/* What one xpi_ring_drain() saw. */
struct xpi_ring_result {
	unsigned int entries; /* entries stored and consumed */
	unsigned int slots;   /* slots consumed (resync not counted) */
	enum xpi_ring_fault fault;
	uint32_t read_pointer;	/* as read at the start */
	uint32_t write_pointer; /* as read (acquire) at the start */
	uint32_t fault_pointer; /* the pointer of the bad slot, if any */
};

/*
 * Reading entry by entry (the listener parses, looks up and emits the
 * unmap in one loop; xpi_ring_drain() is the same loop storing entries):
 *
 *   xpi_ring_open(page, &c, &res);      may fail: distance / read ahead
 *   while (more wanted && (rc = xpi_ring_next(&c, &e, &res)) > 0)
 *           use e;
 *   xpi_ring_close(&c, &res, rc < 0 || open failed);
 *
 * Nothing is consumed before xpi_ring_close(), which advances
 * read_pointer by the slots read (release), or resyncs a corrupt ring.
 */
struct xpi_ring_cursor {
	unsigned char *page;
	uint32_t rp;	/* read_pointer as loaded */
	uint32_t avail; /* write - read */
	uint32_t used;	/* slots read so far */
	unsigned int slot;
	unsigned int left; /* slots before the next wrap (page end or 2^32) */
	unsigned int entries;
};

static inline uint64_t xpi_ring_load_slot_(const unsigned char *page,
					   unsigned int slot)
{
	uint64_t v;

	__builtin_memcpy(&v,
			 page + XPI_RING_SLOT_OFFSET + (unsigned long)slot * 8,
			 sizeof(v));
	return v;
}

/*
 * The slot of pointer p is p % 511: counted up from rp % 511, it goes back
 * to slot 0 at the page's end and where the pointer wraps at 2^32 (2^32 is
 * not a multiple of 511), as the writer's p % 511 does.  left counts the
 * slots before the next of those two.
 */
static inline unsigned int xpi_ring_left_(unsigned int slot, uint32_t ptr)
{
	uint32_t to_wrap = (uint32_t)0 - ptr; /* 0: no wrap ahead of 2^32 */

	if (to_wrap && to_wrap < XPI_RING_SLOTS - slot)
		return to_wrap;
	return XPI_RING_SLOTS - slot;
}

static inline void xpi_ring_advance_(struct xpi_ring_cursor *c, uint32_t next)
{
	c->slot++;
	if (__builtin_expect(--c->left == 0, 0)) {
		c->slot = 0;
		c->left = xpi_ring_left_(0, c->rp + next);
	}
}

/*
 * Load both pointers (one 64-bit acquire load: Xen lowers them together
 * with a 64-bit cmpxchg) and check their distance.  0, or -EPROTO with
 * res->fault DISTANCE or READ_AHEAD (then call xpi_ring_close()).
 */
static inline int xpi_ring_open(void *page, struct xpi_ring_cursor *c,
				struct xpi_ring_result *res)
{
	uint64_t ptrs = __atomic_load_n((const uint64_t *)page,
					__ATOMIC_ACQUIRE);

	c->page = (unsigned char *)page;
	c->rp = (uint32_t)ptrs;
	c->avail = (uint32_t)(ptrs >> 32) - c->rp;
	c->used = 0;
	c->entries = 0;
	c->slot = c->rp % XPI_RING_SLOTS;
	c->left = xpi_ring_left_(c->slot, c->rp);
	res->read_pointer = c->rp;
	res->write_pointer = (uint32_t)(ptrs >> 32);
	res->fault = XPI_RING_OK;
	res->fault_pointer = 0;
	if (__builtin_expect(c->avail > XPI_RING_SLOTS, 0)) {
		res->fault = (int32_t)c->avail < 0 ? XPI_RING_FAULT_READ_AHEAD
						   : XPI_RING_FAULT_DISTANCE;
		res->fault_pointer = c->rp;
		return -EPROTO;
	}
	return 0;
}

/*
 * Decode the next entry into *e: 1, 0 when the ring is empty, or -EPROTO
 * (res->fault TYPE or LONE_HALF, res->fault_pointer the bad slot's
 * pointer).  Reads only the page's 511 slots.
 */
static inline int xpi_ring_next(struct xpi_ring_cursor *c,
				struct xpi_ring_entry *e,
				struct xpi_ring_result *res)
{
	uint64_t v;
	unsigned int type, size;

	if (c->used == c->avail)
		return 0;
	v = xpi_ring_load_slot_(c->page, c->slot);
	type = (unsigned int)(v & 0xff);
	size = (unsigned int)(v >> 10) & 3;
	if (__builtin_expect(type >= 32 || !(XPI_IOREQ_TYPES_KNOWN >> type & 1),
			     0)) {
		res->fault = XPI_RING_FAULT_TYPE;
		res->fault_pointer = c->rp + c->used;
		return -EPROTO;
	}
	e->type = (uint8_t)type;
	e->dir = (uint8_t)((v >> 9) & 1);
	e->size = (uint8_t)(1u << size);
	e->addr = (uint32_t)(v >> 12) & 0xfffff;
	e->data = v >> 32;
	e->slots = 1;
	if (size == 3) {
		uint64_t v2;
		unsigned int slot2 = c->left > 1 ? c->slot + 1 : 0;

		if (__builtin_expect(c->used + 1 == c->avail, 0)) {
			res->fault = XPI_RING_FAULT_LONE_HALF;
			res->fault_pointer = c->rp + c->used;
			return -EPROTO;
		}
		v2 = xpi_ring_load_slot_(c->page, slot2);
		if (__builtin_expect((uint32_t)v2 != (uint32_t)v, 0)) {
			res->fault = XPI_RING_FAULT_HALVES;
			res->fault_pointer = c->rp + c->used + 1;
			return -EPROTO;
		}
		e->data |= v2 & UINT64_C(0xffffffff00000000);
		e->slots = 2;
		xpi_ring_advance_(c, c->used + 1);
	}
	xpi_ring_advance_(c, c->used + e->slots);
	c->used += e->slots;
	c->entries++;
	return 1;
}

/*
 * The common entry, quickly.  An 8-byte INVALIDATE as Xen writes it has
 * these low 32 bits in both its slots (type 8, size 3, dir 0, addr 0);
 * its value is the first slot's high half and the second slot's high half.
 * Readers scan the span of slots before the next wrap for such entries
 * (xpi_ring_span(), xpi_ring_slot(), xpi_ring_consume()) and decode
 * anything else with xpi_ring_next().
 */
#define XPI_RING_INVALIDATE8 (XPI_IOREQ_TYPE_INVALIDATE | 3u << 10)

/* Slots the cursor may read without a wrap (of the page or of 2^32). */
static inline unsigned int xpi_ring_span(const struct xpi_ring_cursor *c)
{
	unsigned int rest = c->avail - c->used;

	return rest < c->left ? rest : c->left;
}

/* Slot i of the span (i < xpi_ring_span()). */
static inline uint64_t xpi_ring_slot(const struct xpi_ring_cursor *c,
				     unsigned int i)
{
	return xpi_ring_load_slot_(c->page, c->slot + i);
}

/* 1 if slots v and v2 are an 8-byte INVALIDATE as Xen writes it. */
static inline int xpi_ring_is_invalidate8(uint64_t v, uint64_t v2)
{
	return (uint32_t)v == XPI_RING_INVALIDATE8 &&
	       (uint32_t)v2 == XPI_RING_INVALIDATE8;
}

/* The value of an 8-byte entry whose two slots are v and v2. */
static inline uint64_t xpi_ring_value8(uint64_t v, uint64_t v2)
{
	return (v >> 32) | (v2 & UINT64_C(0xffffffff00000000));
}

/* Consume @slots slots of the span, holding @entries entries. */
static inline void xpi_ring_consume(struct xpi_ring_cursor *c,
				    unsigned int slots, unsigned int entries)
{
	c->slot += slots;
	c->left -= slots;
	c->used += slots;
	c->entries += entries;
	if (c->left == 0) {
		c->slot = 0;
		c->left = xpi_ring_left_(0, c->rp + c->used);
	}
}

/* Drop whatever the ring holds: read_pointer = write_pointer. */
void xpi_ring_resync(void *page);

/*
 * Consume what was read: read_pointer += slots read (an atomic add of
 * release ordering, so Xen's canonicalisation is kept); with @corrupt,
 * drop the rest instead (read_pointer = write_pointer, a resync).  Fills
 * res->entries and res->slots.
 */
static inline void xpi_ring_close(struct xpi_ring_cursor *c,
				  struct xpi_ring_result *res, int corrupt)
{
	res->entries = c->entries;
	res->slots = c->used;
	if (__builtin_expect(corrupt, 0))
		xpi_ring_resync(c->page);
	else if (c->used)
		__atomic_fetch_add((uint32_t *)c->page, c->used,
				   __ATOMIC_RELEASE);
}

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
