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

void xpi_ring_resync(void *page)
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
	case XPI_RING_FAULT_HALVES:
		return "the halves of an 8-byte entry differ";
	}
	return "?";
}

int xpi_ring_drain(void *page, struct xpi_ring_entry *out, unsigned int max,
		   struct xpi_ring_result *res)
{
	struct xpi_ring_cursor c;
	int rc = xpi_ring_open(page, &c, res);

	while (rc == 0 && c.entries < max) {
		struct xpi_ring_entry *e = &out[c.entries];
		unsigned int span = xpi_ring_span(&c), k = 0, n = 0;

		/* The run of 8-byte INVALIDATEs before the next wrap. */
		while (k + 2 <= span && c.entries + n < max) {
			uint64_t v = xpi_ring_slot(&c, k);
			uint64_t v2 = xpi_ring_slot(&c, k + 1);

			if (!xpi_ring_is_invalidate8(v, v2))
				break;
			e[n].data = xpi_ring_value8(v, v2);
			e[n].addr = 0;
			e[n].type = XPI_IOREQ_TYPE_INVALIDATE;
			e[n].size = 8;
			e[n].dir = 0;
			e[n].slots = 2;
			k += 2;
			n++;
		}
		if (n) {
			xpi_ring_consume(&c, k, n);
			continue;
		}
		rc = xpi_ring_next(&c, e, res);
		if (rc == 1)
			rc = 0;
		else if (rc == 0)
			break;
	}
	xpi_ring_close(&c, res, rc < 0);
	return rc < 0 ? rc : (int)c.entries;
}
