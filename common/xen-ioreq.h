/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Xen's ioreq pages, defined once for both sides: the simulator writes
 * them (sim/ioreq.c) and the library's listener and ring parser read them
 * (lib/invalidate.c, lib/invalidate-ring.h).  The layout is that of Xen's
 * public hvm/ioreq.h, spelt out so that neither side needs Xen's headers
 * (the library builds with -Dxen=disabled); tests/test-ring.c checks it
 * against Xen's own header.  Not installed.
 */
#ifndef XPI_COMMON_XEN_IOREQ_H
#define XPI_COMMON_XEN_IOREQ_H

#include <stddef.h>
#include <stdint.h>

/* The buffered page: two u32 pointers, then 511 slots of 8 bytes. */
#define XPI_RING_PAGE_SIZE 4096u
#define XPI_RING_SLOTS 511u
#define XPI_RING_SLOT_OFFSET 8u

/* The ioreq types (hvm/ioreq.h). */
#define XPI_IOREQ_TYPE_PIO 0u
#define XPI_IOREQ_TYPE_COPY 1u
#define XPI_IOREQ_TYPE_PCI_CONFIG 2u
#define XPI_IOREQ_TYPE_TIMEOFFSET 7u
#define XPI_IOREQ_TYPE_INVALIDATE 8u
/* The types of ioreq.h: the others never come from Xen. */
#define XPI_IOREQ_TYPES_KNOWN                                                  \
	(1u << XPI_IOREQ_TYPE_PIO | 1u << XPI_IOREQ_TYPE_COPY |                \
	 1u << XPI_IOREQ_TYPE_PCI_CONFIG | 1u << XPI_IOREQ_TYPE_TIMEOFFSET |   \
	 1u << XPI_IOREQ_TYPE_INVALIDATE)

/* The ioreq states (hvm/ioreq.h). */
#define XPI_IOREQ_STATE_NONE 0u
#define XPI_IOREQ_STATE_READY 1u
#define XPI_IOREQ_STATE_INPROCESS 2u
#define XPI_IOREQ_STATE_RESP_READY 3u

/* Xen's ioreq_t (32 bytes): the offsets the reader uses. */
#define XPI_IOREQ_SIZE 32u
#define XPI_IOREQ_OFF_ADDR 0u
#define XPI_IOREQ_OFF_DATA 8u
#define XPI_IOREQ_OFF_COUNT 16u
#define XPI_IOREQ_OFF_SIZE 20u
#define XPI_IOREQ_OFF_VP_EPORT 24u
#define XPI_IOREQ_OFF_BITS 30u /* state:4 data_is_ptr:1 dir:1 df:1 pad:1 */
#define XPI_IOREQ_OFF_TYPE 31u

/* Xen's buf_ioreq_t, byte for byte (the bitfields as one byte + u16). */
struct xpi_xen_buf_ioreq {
	uint8_t type;
	uint8_t bits;	  /* pad:1 dir:1 size:2, then addr bits 0..3 */
	uint16_t addr_hi; /* addr bits 4..19 */
	uint32_t data;
};

/* Xen's buffered_iopage_t. */
struct xpi_xen_bufpage {
	uint32_t read_pointer;
	uint32_t write_pointer;
	struct xpi_xen_buf_ioreq slot[XPI_RING_SLOTS];
};

/* Xen's ioreq_t, byte for byte (the writer's view of the offsets). */
struct xpi_xen_ioreq {
	uint64_t addr;
	uint64_t data;
	uint32_t count;
	uint32_t size;
	uint32_t vp_eport;
	uint16_t pad0;
	uint8_t bits; /* state:4 data_is_ptr:1 dir:1 df:1 pad:1 */
	uint8_t type;
};

_Static_assert(sizeof(struct xpi_xen_buf_ioreq) == 8, "buf_ioreq_t");
_Static_assert(sizeof(struct xpi_xen_bufpage) == XPI_RING_PAGE_SIZE,
	       "buffered page");
_Static_assert(offsetof(struct xpi_xen_bufpage, slot) == XPI_RING_SLOT_OFFSET,
	       "buffered page slots");
_Static_assert(sizeof(struct xpi_xen_ioreq) == XPI_IOREQ_SIZE, "ioreq_t");
_Static_assert(
	offsetof(struct xpi_xen_ioreq, addr) == XPI_IOREQ_OFF_ADDR &&
		offsetof(struct xpi_xen_ioreq, data) == XPI_IOREQ_OFF_DATA &&
		offsetof(struct xpi_xen_ioreq, count) == XPI_IOREQ_OFF_COUNT &&
		offsetof(struct xpi_xen_ioreq, size) == XPI_IOREQ_OFF_SIZE &&
		offsetof(struct xpi_xen_ioreq, vp_eport) ==
			XPI_IOREQ_OFF_VP_EPORT &&
		offsetof(struct xpi_xen_ioreq, bits) == XPI_IOREQ_OFF_BITS &&
		offsetof(struct xpi_xen_ioreq, type) == XPI_IOREQ_OFF_TYPE,
	"ioreq_t offsets");

#endif
