/* SPDX-License-Identifier: (LGPL-2.1-or-later OR GPL-2.0-only) */
/*
 * The PV IOMMU wire ABI of Xen PV IOMMU interface draft B: the 32-byte
 * struct pv_iommu_op that do_iommu_op(arg, count) takes as an array, its
 * subop ids, its flag bits and the page-order field.
 *
 * This header is shared by user space (the library, the simulated
 * hypervisor, emulators) and the kernel module, so it includes nothing but
 * the fixed-width integer types and offsetof.  Names follow the draft.
 *
 * Since: every declaration of this header is @since 1.0 (the kernel
 * module shares it, so its comments stay plain C comments).
 */
#ifndef XENPVIOMMU_ABI_H
#define XENPVIOMMU_ABI_H

#ifdef __KERNEL__
#include <linux/stddef.h>
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#endif

/*
 * The hypercall number used when nothing else is configured: 56, the number
 * of the one shipped implementation of this op layout.  The library takes
 * another at run time and the kernel module as a module parameter; this is
 * the only place the default is written.
 */
#define PV_IOMMU_HYPERCALL_DEFAULT 56

/* Xen's reserved domids (public/xen.h), under this library's prefix. */
#define XPI_DOMID_FIRST_RESERVED 0x7FF0u
#define XPI_DOMID_SELF 0x7FF0u
#define XPI_DOMID_INVALID 0x7FF4u

/* Subop ids (struct pv_iommu_op.subop_id). */
#define IOMMUOP_query_caps 1
#define IOMMUOP_map_page 2
#define IOMMUOP_unmap_page 3
#define IOMMUOP_map_foreign_page 4
#define IOMMUOP_lookup_foreign_page 5
#define IOMMUOP_unmap_foreign_page 6

/* query_caps: bits of flags [out]. */
#define IOMMU_QUERY_map_cap (1u << 0)
#define IOMMU_QUERY_map_all_gfns (1u << 1)

/* map_page: bits of flags [in]. */
#define IOMMU_OP_readable (1u << 0)
#define IOMMU_OP_writeable (1u << 1)
#define IOMMU_MAP_OP_no_ref_cnt (1u << 2)

/* map_foreign_page [in] and lookup_foreign_page [out]: bits of flags. */
#define IOMMUOP_readable (1u << 0)
#define IOMMUOP_writeable (1u << 1)
#define IOMMUOP_swap_mfn (1u << 2)

/* Bits 3..9 are reserved in every subop (bits 2..9 where bit 2 has no use). */
#define IOMMU_OP_reserved_mask 0x03f8u

/* The page-order field, bits 10..15 of flags, in every subop. */
#define IOMMU_page_order_shift 10
#define IOMMU_page_order_bits 6
#define IOMMU_page_order_mask (0x3fu << IOMMU_page_order_shift)
#define IOMMU_page_order_max 63u

/*
 * Flags a caller may set on input, per subop; any other bit is -EINVAL.
 * query_caps' flags are output only and its input flags are ignored;
 * lookup_foreign_page's flags are output except that reserved bits must be 0.
 */
#define IOMMU_map_page_valid_flags                                             \
	(IOMMU_OP_readable | IOMMU_OP_writeable | IOMMU_MAP_OP_no_ref_cnt |    \
	 IOMMU_page_order_mask)
#define IOMMU_unmap_page_valid_flags IOMMU_page_order_mask
#define IOMMU_map_foreign_page_valid_flags                                     \
	(IOMMUOP_readable | IOMMUOP_writeable | IOMMUOP_swap_mfn |             \
	 IOMMU_page_order_mask)
#define IOMMU_lookup_foreign_page_valid_flags                                  \
	(IOMMUOP_readable | IOMMUOP_writeable | IOMMU_page_order_mask)
#define IOMMU_unmap_foreign_page_valid_flags IOMMU_page_order_mask

/*
 * One op.  ioserver is Xen's ioservid_t and domid Xen's domid_t, both
 * uint16_t; they are spelt as uint16_t here so that this header does not
 * clash with Xen's own typedefs when both are included.
 */
struct pv_iommu_op {
	uint16_t subop_id;
	uint16_t flags;
	int32_t status;

	union {
		struct {
			uint64_t bfn;
			uint64_t gfn;
		} map_page;

		struct {
			uint64_t bfn;
		} unmap_page;

		struct {
			uint64_t bfn;
			uint64_t gfn;
			uint16_t domid;
			uint16_t ioserver;
		} map_foreign_page;

		struct {
			uint64_t bfn;
			uint64_t gfn;
			uint16_t domid;
			uint16_t ioserver;
		} lookup_foreign_page;

		struct {
			uint64_t bfn;
			uint16_t ioserver;
		} unmap_foreign_page;
	} u;
};

/* The page order (0..63) held in bits 10..15 of flags. */
static inline unsigned int pv_iommu_flags_order(uint16_t flags)
{
	return (unsigned int)((flags & IOMMU_page_order_mask) >>
			      IOMMU_page_order_shift);
}

/* flags with its page-order field replaced by order (taken modulo 64). */
static inline uint16_t pv_iommu_flags_set_order(uint16_t flags,
						unsigned int order)
{
	return (uint16_t)((flags & ~IOMMU_page_order_mask) |
			  ((order & IOMMU_page_order_max)
			   << IOMMU_page_order_shift));
}

/*
 * Pin the layout.  C11 and C++11 have static_assert; C99 gets a negative
 * array size, which fails just as loudly.
 */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define PV_IOMMU_ABI_ASSERT(cond, name) static_assert(cond, #name)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define PV_IOMMU_ABI_ASSERT(cond, name) _Static_assert(cond, #name)
#else
#define PV_IOMMU_ABI_ASSERT(cond, name)                                        \
	typedef char pv_iommu_abi_assert_##name[(cond) ? 1 : -1]
#endif

PV_IOMMU_ABI_ASSERT(sizeof(struct pv_iommu_op) == 32, size);
PV_IOMMU_ABI_ASSERT(offsetof(struct pv_iommu_op, subop_id) == 0, subop_id);
PV_IOMMU_ABI_ASSERT(offsetof(struct pv_iommu_op, flags) == 2, flags);
PV_IOMMU_ABI_ASSERT(offsetof(struct pv_iommu_op, status) == 4, status);
PV_IOMMU_ABI_ASSERT(offsetof(struct pv_iommu_op, u) == 8, u);
PV_IOMMU_ABI_ASSERT(sizeof(((struct pv_iommu_op *)0)->u) == 24, u_size);
PV_IOMMU_ABI_ASSERT(offsetof(struct pv_iommu_op, u.map_page.bfn) == 8, mp_bfn);
PV_IOMMU_ABI_ASSERT(offsetof(struct pv_iommu_op, u.map_page.gfn) == 16, mp_gfn);
PV_IOMMU_ABI_ASSERT(offsetof(struct pv_iommu_op, u.unmap_page.bfn) == 8,
		    up_bfn);
PV_IOMMU_ABI_ASSERT(offsetof(struct pv_iommu_op, u.map_foreign_page.bfn) == 8,
		    mf_bfn);
PV_IOMMU_ABI_ASSERT(offsetof(struct pv_iommu_op, u.map_foreign_page.gfn) == 16,
		    mf_gfn);
PV_IOMMU_ABI_ASSERT(offsetof(struct pv_iommu_op, u.map_foreign_page.domid) ==
			    24,
		    mf_domid);
PV_IOMMU_ABI_ASSERT(offsetof(struct pv_iommu_op, u.map_foreign_page.ioserver) ==
			    26,
		    mf_ioserver);
PV_IOMMU_ABI_ASSERT(offsetof(struct pv_iommu_op, u.lookup_foreign_page.bfn) ==
			    8,
		    lf_bfn);
PV_IOMMU_ABI_ASSERT(offsetof(struct pv_iommu_op, u.lookup_foreign_page.gfn) ==
			    16,
		    lf_gfn);
PV_IOMMU_ABI_ASSERT(offsetof(struct pv_iommu_op, u.lookup_foreign_page.domid) ==
			    24,
		    lf_domid);
PV_IOMMU_ABI_ASSERT(offsetof(struct pv_iommu_op,
			     u.lookup_foreign_page.ioserver) == 26,
		    lf_ioserver);
PV_IOMMU_ABI_ASSERT(offsetof(struct pv_iommu_op, u.unmap_foreign_page.bfn) == 8,
		    uf_bfn);
PV_IOMMU_ABI_ASSERT(offsetof(struct pv_iommu_op,
			     u.unmap_foreign_page.ioserver) == 16,
		    uf_ioserver);

#endif /* XENPVIOMMU_ABI_H */
