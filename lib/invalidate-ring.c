// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The buffered ioreq ring parser (see invalidate-ring.h for the layout).
 *
 * The two pointers are read together with one 64-bit load: Xen lowers
 * both at once with a 64-bit cmpxchg, so two 32-bit loads could see one
 * before and one after and take a healthy ring for a corrupt one.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "invalidate-ring.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the ring layout is read as little-endian (as on x86 and arm)"
#endif

_Static_assert(XPI_RING_SLOT_OFFSET + XPI_RING_SLOTS * 8 <= XPI_RING_PAGE_SIZE,
	       "the ring fits its page");

static inline uint64_t load_pointers(const void *page)
{
	return __atomic_load_n((const uint64_t *)page, __ATOMIC_ACQUIRE);
}

static inline uint64_t load_slot(const unsigned char *page, unsigned int slot)
{
	uint64_t v;

	memcpy(&v, page + XPI_RING_SLOT_OFFSET + (size_t)slot * 8, sizeof(v));
	return v;
}

/* The slot after @slot, whose pointer is @ptr. */
static inline unsigned int next_slot(unsigned int slot, uint32_t ptr)
{
	if (__builtin_expect(++slot == XPI_RING_SLOTS || ptr == 0, 0))
		slot = 0;
	return slot;
}

static inline int type_ok(unsigned int type)
{
	return type == XPI_IOREQ_TYPE_PIO || type == XPI_IOREQ_TYPE_COPY ||
	       type == XPI_IOREQ_TYPE_INVALIDATE;
}

/* Drop whatever the ring holds: read_pointer = write_pointer. */
static void resync(void *page)
{
	uint64_t old = load_pointers(page), new;

	do {
		new = (old & UINT64_C(0xffffffff00000000)) | (old >> 32);
	} while (!__atomic_compare_exchange_n((uint64_t *)page, &old, new, 0,
					      __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
}

uint32_t xpi_ring_pending(const void *page)
{
	uint64_t p = load_pointers(page);

	return (uint32_t)(p >> 32) - (uint32_t)p;
}

const char *xpi_ring_fault_name(enum xpi_ring_fault fault)
{
	switch (fault) {
	case XPI_RING_OK:
		return "ok";
	case XPI_RING_FAULT_DISTANCE:
		return "pointer distance above 511";
	case XPI_RING_FAULT_READ_AHEAD:
		return "read pointer ahead of write pointer";
	case XPI_RING_FAULT_TYPE:
		return "unknown ioreq type";
	case XPI_RING_FAULT_LONE_HALF:
		return "lone half of an 8-byte entry";
	}
	return "?";
}

int xpi_ring_drain(void *page, struct xpi_ring_entry *out, unsigned int max,
		   struct xpi_ring_result *res)
{
	const unsigned char *p = page;
	uint64_t ptrs = load_pointers(page);
	uint32_t rp = (uint32_t)ptrs, wp = (uint32_t)(ptrs >> 32);
	uint32_t avail = wp - rp, used = 0;
	unsigned int n = 0, slot = rp % XPI_RING_SLOTS;

	res->read_pointer = rp;
	res->write_pointer = wp;
	res->fault = XPI_RING_OK;
	res->fault_pointer = 0;
	if (__builtin_expect(avail > XPI_RING_SLOTS, 0)) {
		res->fault = (int32_t)avail < 0 ? XPI_RING_FAULT_READ_AHEAD
						: XPI_RING_FAULT_DISTANCE;
		res->fault_pointer = rp;
		goto corrupt;
	}
	/*
	 * The slot is counted up from rp % 511; where the pointer wraps at
	 * 2^32 it goes to slot 0 instead (2^32 is not a multiple of 511),
	 * as the writer's p % 511 does.
	 */
	while (used < avail && n < max) {
		uint64_t v = load_slot(p, slot);
		unsigned int type = (unsigned int)(v & 0xff);
		unsigned int size = (unsigned int)(v >> 10) & 3;
		struct xpi_ring_entry *e = &out[n];

		if (__builtin_expect(!type_ok(type), 0)) {
			res->fault = XPI_RING_FAULT_TYPE;
			goto bad_slot;
		}
		e->type = (uint8_t)type;
		e->dir = (uint8_t)((v >> 9) & 1);
		e->size = (uint8_t)(1u << size);
		e->addr = (uint32_t)(v >> 12) & 0xfffff;
		e->data = v >> 32;
		e->slots = 1;
		slot = next_slot(slot, rp + used + 1);
		if (size == 3) {
			if (__builtin_expect(used + 1 == avail, 0)) {
				res->fault = XPI_RING_FAULT_LONE_HALF;
				goto bad_slot;
			}
			e->data |= load_slot(p, slot) &
				   UINT64_C(0xffffffff00000000);
			e->slots = 2;
			slot = next_slot(slot, rp + used + 2);
		}
		used += e->slots;
		n++;
	}
	res->entries = n;
	res->slots = used;
	if (used)
		__atomic_fetch_add((uint32_t *)page, used, __ATOMIC_RELEASE);
	return (int)n;

bad_slot:
	res->fault_pointer = rp + used;
corrupt:
	res->entries = n;
	res->slots = used;
	resync(page);
	return -EPROTO;
}
