/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Differential check, included by patched-test.c (which defines h, the
 * xencall handle on the patched Xen, and check()): one seeded sequence of
 * raw do_iommu_op batches goes to the real hypervisor through the
 * library's transport (xpi_hypercall()) and to the simulated hypervisor
 * (xpi_sim_iommu_op()) set up like this host: relaxed hardware domain,
 * largest order 9, 36-bit BFNs, Xen's frames from MFN 0, dom0 owning
 * the frames the test maps.  Every op's status and every call's result
 * must be the same on both, and after each batch so must the lookups: for
 * each BFN of the window, whether it is live (a probe map_page answers
 * -EEXIST on a live BFN and 0 on a free one, which is unmapped again).
 *
 * The ops come from a small alphabet so that collisions are frequent:
 * map_page and unmap_page at 16 BFNs of a window and at its order-9 slot,
 * over dom0's frames m, m + 1, the 2 MiB run m9, and MFN 0 (Xen's); flags
 * R, W, RW, none, reserved bits, no_ref_cnt; orders 0, 1, 9, 10; a BFN
 * beyond the width; query_caps; an unknown subop.
 */
#ifndef XPI_REAL_XEN_DIFFERENTIAL_H
#define XPI_REAL_XEN_DIFFERENTIAL_H

#include <inttypes.h>

#include <xenpviommu/sim.h>

#include "lib/private.h"

#define DIFF_WINDOW (UINT64_C(1) << 35) /* above any 1:1 region here */
#define DIFF_SLOTS 16
#define DIFF_SP (DIFF_WINDOW + 512) /* the window's order-9 slot */

static uint64_t diff_rng;

static uint32_t diff_rand(void)
{
	/* xorshift64*: the same sequence on every host for a seed. */
	diff_rng ^= diff_rng >> 12;
	diff_rng ^= diff_rng << 25;
	diff_rng ^= diff_rng >> 27;
	return (uint32_t)((diff_rng * UINT64_C(0x2545f4914f6cdd1d)) >> 32);
}

static void diff_op(struct pv_iommu_op *op, uint64_t m, uint64_t m9)
{
	static const uint16_t flagset[] = {
		IOMMU_OP_readable | IOMMU_OP_writeable,
		IOMMU_OP_readable | IOMMU_OP_writeable,
		IOMMU_OP_readable,
		IOMMU_OP_writeable,
		0,
		IOMMU_OP_readable | 0x8,
		IOMMU_OP_readable | IOMMU_MAP_OP_no_ref_cnt,
	};
	uint32_t r = diff_rand();
	unsigned int order = 0, kind = r % 16;
	uint64_t bfn = DIFF_WINDOW + (r >> 8) % DIFF_SLOTS, gfn = m;

	memset(op, 0, sizeof(*op));
	switch ((r >> 4) % 8) {
	case 0:
		gfn = m + 1;
		break;
	case 1:
		gfn = 0; /* Xen's */
		break;
	case 2:
		order = 1;
		bfn &= ~UINT64_C(1);
		break;
	case 3:
		order = 9;
		bfn = DIFF_SP;
		gfn = m9;
		break;
	case 4:
		if ((r >> 16) % 4 == 0)
			order = 10;
		else if ((r >> 16) % 4 == 1)
			bfn = UINT64_C(1) << 36; /* beyond the width */
		break;
	default:
		break;
	}
	if (kind < 8) {
		op->subop_id = IOMMUOP_map_page;
		op->flags = pv_iommu_flags_set_order(
			flagset[(r >> 20) %
				(sizeof(flagset) / sizeof(*flagset))],
			order);
		op->u.map_page.bfn = bfn;
		op->u.map_page.gfn = gfn;
	} else if (kind < 14) {
		op->subop_id = IOMMUOP_unmap_page;
		op->flags = pv_iommu_flags_set_order((r >> 24) % 16 ? 0 : 0x1,
						     order);
		op->u.unmap_page.bfn = bfn;
	} else if (kind == 14) {
		op->subop_id = IOMMUOP_query_caps;
	} else {
		op->subop_id = 0x7f; /* unknown */
	}
}

/* Probe: is bfn live?  -EEXIST (live), 0 (free: unmapped again), or else. */
static int diff_probe(xpi_handle *xh, struct xpi_sim *sim, int real,
		      uint64_t bfn, unsigned int order, uint64_t gfn)
{
	struct pv_iommu_op op[2];
	int rc;

	memset(op, 0, sizeof(op));
	op[0].subop_id = IOMMUOP_map_page;
	op[0].flags = pv_iommu_flags_set_order(IOMMU_OP_readable, order);
	op[0].u.map_page.bfn = bfn;
	op[0].u.map_page.gfn = gfn;
	op[1].subop_id = IOMMUOP_unmap_page;
	op[1].flags = pv_iommu_flags_set_order(0, order);
	op[1].u.unmap_page.bfn = bfn;
	rc = real ? xpi_hypercall(xh, op, 1)
		  : (int)xpi_sim_iommu_op(sim, XPI_SIM_HWDOM, op, 1);
	if (rc)
		return 1000 + rc;
	if (op[0].status == 0) {
		rc = real ? xpi_hypercall(xh, &op[1], 1)
			  : (int)xpi_sim_iommu_op(sim, XPI_SIM_HWDOM, &op[1],
						  1);
		if (rc || op[1].status)
			return 2000 + (rc ? rc : op[1].status);
	}
	return op[0].status;
}

static void differential(uint64_t m, uint64_t m9, uint64_t seed,
			 unsigned int nops)
{
	enum {
		MAXB = 64
	};
	struct pv_iommu_op a[MAXB], b[MAXB];
	struct xpi_sim_config cfg;
	struct xpi_sim *sim = NULL;
	unsigned int done = 0, batches = 0, diffs = 0, probes = 0;
	unsigned int nonzero = 0, hist[160] = { 0 };
	uint64_t top = (m9 + 512 > m + 2 ? m9 + 512 : m + 2) + 1;

	xpi_sim_config_init(&cfg);
	cfg.max_order = 9;
	cfg.bfn_width = 36;
	cfg.host_frames = top;
	cfg.xen_frames = 256;
	cfg.hwdom_frames = top - cfg.xen_frames - 1;
	if (xpi_sim_new(&cfg, &sim)) {
		check(0, "differential: a simulated host like this one");
		return;
	}
	diff_rng = seed;
	while (done < nops && diffs < 5) {
		unsigned int n = 1 + diff_rand() % MAXB;
		int ra, rb;

		if (n > nops - done)
			n = nops - done;
		for (unsigned int i = 0; i < n; i++)
			diff_op(&a[i], m, m9);
		memcpy(b, a, n * sizeof(*a));
		ra = xpi_hypercall(h, a, n);
		rb = (int)xpi_sim_iommu_op(sim, XPI_SIM_HWDOM, b, n);
		if (ra != rb) {
			printf("# batch %u: Xen %d, simulator %d\n", batches,
			       ra, rb);
			diffs++;
		}
		for (unsigned int i = 0; !ra && !rb && i < n; i++) {
			if (a[i].status)
				nonzero++;
			if (a[i].status <= 0 && a[i].status > -160)
				hist[-a[i].status]++;
			if (a[i].status == b[i].status &&
			    (a[i].subop_id != IOMMUOP_query_caps ||
			     a[i].flags == b[i].flags))
				continue;
			printf("# op %u (subop %u flags 0x%x bfn 0x%" PRIx64
			       " gfn 0x%" PRIx64 "): Xen %d, simulator %d\n",
			       done + i, a[i].subop_id, a[i].flags,
			       a[i].u.map_page.bfn, a[i].u.map_page.gfn,
			       a[i].status, b[i].status);
			diffs++;
		}
		/* The lookups: which BFNs of the window are live. */
		for (unsigned int s = 0; s <= DIFF_SLOTS; s++) {
			uint64_t bfn = s < DIFF_SLOTS ? DIFF_WINDOW + s
						      : DIFF_SP;
			unsigned int order = s < DIFF_SLOTS ? 0 : 9;
			uint64_t gfn = s < DIFF_SLOTS ? m : m9;
			int pa = diff_probe(h, sim, 1, bfn, order, gfn);
			int pb = diff_probe(h, sim, 0, bfn, order, gfn);

			probes++;
			if (pa != pb) {
				printf("# after batch %u: BFN 0x%" PRIx64
				       " Xen %d, simulator %d\n",
				       batches, bfn, pa, pb);
				diffs++;
			}
		}
		done += n;
		batches++;
	}
	printf("# statuses on Xen:");
	for (unsigned int e = 0; e < 160; e++)
		if (hist[e])
			printf(" %d x%u", -(int)e, hist[e]);
	printf("\n");
	check(diffs == 0 && done == nops,
	      "differential (seed %" PRIu64 "): %u ops in %u batches, %u of"
	      " them refused, and %u lookups: the same on Xen and on the"
	      " simulator (%u differences)",
	      seed, done, batches, nonzero, probes, diffs);
	/* Leave nothing mapped on the real side (orders 0, 1 and 9). */
	for (unsigned int s = 0; s <= DIFF_SLOTS; s++) {
		struct pv_iommu_op op;

		memset(&op, 0, sizeof(op));
		op.subop_id = IOMMUOP_unmap_page;
		op.flags = pv_iommu_flags_set_order(0, s < DIFF_SLOTS ? 0 : 9);
		op.u.unmap_page.bfn = s < DIFF_SLOTS ? DIFF_WINDOW + s
						     : DIFF_SP;
		xpi_hypercall(h, &op, 1);
		if (s < DIFF_SLOTS && !(s & 1)) {
			op.flags = pv_iommu_flags_set_order(0, 1);
			xpi_hypercall(h, &op, 1);
		}
	}
	xpi_sim_free(sim);
}

#endif /* XPI_REAL_XEN_DIFFERENTIAL_H */
