// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The simulated hypervisor: ballooning and the reference rules: swap_mfn and
 * the per-guest scratch frames (M-5), self-ballooning and page-table pins,
 * and domains going away with mappings of their frames.
 * The auditor runs after every test and must be clean.
 */
#include "config.h"

#include <errno.h>

#include "helpers.h"

/* Guest domid's scratch frame: Xen's, and not the boot scratch page. */
static uint64_t scratch_of(uint16_t domid)
{
	uint64_t m = sim->dom[domid]->scratch;

	ck_assert_uint_ne(m, SIM_NO_MFN);
	ck_assert_uint_ne(m, xpi_sim_scratch_mfn(sim));
	ck_assert_uint_eq(frame(m).xen, 1);
	ck_assert_uint_eq(frame(m).free, 0);
	return m;
}

/* ---- Ballooning rules ---- */

START_TEST(balloon_swap_mfn_points_bfn_at_scratch_and_frees_frame)
{
	uint64_t m = mfn_of(G3, 9), got[4];
	uint64_t flushes;
	void *page = bufpage(G3, ios0);

	ck_assert_int_eq(mapf(0, HW_BFN, 9, G3, ios0, RW | IOMMUOP_swap_mfn, 0),
			 0);
	flushes = stats().iotlb_flushes;
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G3, 9), 0);
	ck_assert_uint_eq(frame(m).free, 1);
	ck_assert_uint_eq(frame(m).refs, 0);
	ck_assert_uint_eq(iommu_mfn(0, HW_BFN), scratch_of(G3));
	ck_assert_uint_eq(stats().swaps, 1);
	ck_assert_uint_eq(stats().m2b_entries, 0);
	ck_assert_uint_eq(stats().balloon_outs, 1);
	ck_assert_uint_eq(stats().iotlb_flushes, flushes + 1);
	/* The guest's scratch frame: one for the guest, one per swapped BFN. */
	ck_assert_uint_eq(frame(scratch_of(G3)).refs, 2);
	ck_assert_uint_eq(frame(scratch_of(G3)).writable_refs, 0);
	ck_assert_uint_eq(stats().scratch_frames, 1);
	/* The server was told, buffered, 4 bytes. */
	ck_assert_uint_eq(ring_read(page, got, 4), 1);
	ck_assert_uint_eq(got[0], HW_BFN);
	ck_assert_uint_eq(sstats(G3, ios0).buffered_sent, 1);
	ck_assert_uint_eq(sstats(G3, ios0).notifications, 1);
	ck_assert_uint_eq(evtchn_count(G3, ios0), 1);
	/* The emulator unmaps the swapped BFN. */
	ck_assert_int_eq(unmapf(0, HW_BFN, ios0, 0), 0);
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, 0, HW_BFN, got, NULL),
			 -ENOENT);
	ck_assert_uint_eq(stats().iotlb_flushes, flushes + 2);
	ck_assert_int_eq(unmapf(0, HW_BFN, ios0, 0), -ENOENT);
}
END_TEST

START_TEST(balloon_without_swap_keeps_references_until_unmap)
{
	uint64_t m = mfn_of(G3, 9), got;
	void *page = bufpage(G3, ios0);

	ck_assert_int_eq(mapf(0, HW_BFN, 9, G3, ios0, RW, 0), 0);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G3, 9), 0);
	ck_assert_uint_eq(frame(m).free, 0);
	ck_assert_uint_eq(frame(m).refs, 1);
	ck_assert_uint_eq(frame(m).writable_refs, 1);
	ck_assert_uint_eq(frame(m).owner, XPI_DOMID_INVALID);
	ck_assert_uint_eq(frame(m).m2b_entries, 1);
	ck_assert_uint_eq(iommu_mfn(0, HW_BFN), m);
	ck_assert_uint_eq(stats().swaps, 0);
	ck_assert_uint_eq(ring_read(page, &got, 1), 1);
	ck_assert_uint_eq(got, HW_BFN);
	/* The frame is not handed out again while referenced. */
	ck_assert_int_eq(xpi_sim_populate(sim, G3, 9), 0);
	ck_assert_uint_ne(mfn_of(G3, 9), m);
	ck_assert_int_eq(unmapf(0, HW_BFN, ios0, 0), 0);
	ck_assert_uint_eq(frame(m).free, 1);
	ck_assert_uint_eq(frame(m).writable_refs, 0);
}
END_TEST

START_TEST(balloon_swaps_only_when_every_entry_allows_it)
{
	uint64_t m = mfn_of(G3, 9), m2 = mfn_of(G3, 10), got;

	/* Mixed: one entry without swap_mfn, so nothing is swapped. */
	ck_assert_int_eq(mapf(0, HW_BFN, 9, G3, ios0, RW | IOMMUOP_swap_mfn, 0),
			 0);
	ck_assert_int_eq(mapf(DM, 0x77, 9, G3, iosdm, IOMMUOP_readable, 0), 0);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G3, 9), 0);
	ck_assert_uint_eq(stats().swaps, 0);
	ck_assert_uint_eq(iommu_mfn(0, HW_BFN), m);
	ck_assert_uint_eq(iommu_mfn(DM, 0x77), m);
	ck_assert_uint_eq(frame(m).refs, 2);
	/* Both servers were told, each about its own BFN. */
	ck_assert_uint_eq(ring_read(bufpage(G3, ios0), &got, 1), 1);
	ck_assert_uint_eq(got, HW_BFN);
	ck_assert_uint_eq(ring_read(bufpage(G3, iosdm), &got, 1), 1);
	ck_assert_uint_eq(got, 0x77);
	ck_assert_int_eq(unmapf(0, HW_BFN, ios0, 0), 0);
	ck_assert_int_eq(unmapf(DM, 0x77, iosdm, 0), 0);
	ck_assert_uint_eq(frame(m).free, 1);
	/* All with swap_mfn: all swapped, one flush for the balloon call. */
	ck_assert_int_eq(mapf(0, HW_BFN, 10, G3, ios0, RW | IOMMUOP_swap_mfn,
			      0),
			 0);
	ck_assert_int_eq(mapf(DM, 0x78, 10, G3, iosdm,
			      IOMMUOP_readable | IOMMUOP_swap_mfn, 0),
			 0);
	got = stats().iotlb_flushes;
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G3, 10), 0);
	ck_assert_uint_eq(stats().iotlb_flushes, got + 1);
	ck_assert_uint_eq(stats().swaps, 2);
	ck_assert_uint_eq(frame(m2).free, 1);
	ck_assert_uint_eq(iommu_mfn(DM, 0x78), scratch_of(G3));
	ck_assert_uint_eq(iommu_mfn(0, HW_BFN), scratch_of(G3));
	ck_assert_int_eq(unmapf(DM, 0x78, iosdm, 0), 0);
	ck_assert_int_eq(unmapf(0, HW_BFN, ios0, 0), 0);
}
END_TEST

START_TEST(balloon_lookup_entry_prevents_swap)
{
	uint64_t m = mfn_of(G3, 9), bfn, got[2];

	ck_assert_int_eq(lookupf(0, 9, G3, ios0, &bfn), 0);
	ck_assert_uint_eq(bfn, m);
	ck_assert_int_eq(mapf(0, HW_BFN, 9, G3, ios0, RW | IOMMUOP_swap_mfn, 0),
			 0);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G3, 9), 0);
	ck_assert_uint_eq(stats().swaps, 0);
	ck_assert_uint_eq(frame(m).refs, 2);
	/* Two invalidates, in the order the entries were made. */
	ck_assert_uint_eq(ring_read(bufpage(G3, ios0), got, 2), 2);
	ck_assert_uint_eq(got[0], m);
	ck_assert_uint_eq(got[1], HW_BFN);
	ck_assert_int_eq(unmapf(0, m, ios0, 0), 0);
	ck_assert_int_eq(unmapf(0, HW_BFN, ios0, 0), 0);
	ck_assert_uint_eq(frame(m).free, 1);
}
END_TEST

START_TEST(balloon_no_iommu_host_lookup_needs_unmap)
{
	struct xpi_sim_config cfg;
	uint64_t m, bfn, got;

	xpi_sim_config_init(&cfg);
	cfg.iommu_present = 0;
	remake(&cfg);
	m = mfn_of(G3, 9);
	ck_assert_int_eq(lookupf(DM, 9, G3, iosdm, &bfn), 0);
	ck_assert_uint_eq(bfn, m);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G3, 9), 0);
	ck_assert_uint_eq(frame(m).free, 0);
	ck_assert_uint_eq(ring_read(bufpage(G3, iosdm), &got, 1), 1);
	ck_assert_uint_eq(got, m);
	ck_assert_uint_eq(stats().iotlb_flushes, 0);
	ck_assert_int_eq(unmapf(DM, m, iosdm, 0), 0);
	ck_assert_uint_eq(frame(m).free, 1);
}
END_TEST

START_TEST(balloon_splits_a_larger_swappable_extent)
{
	uint64_t m[4], got[4];

	for (unsigned int i = 0; i < 4; i++)
		m[i] = mfn_of(G1, 8 + i);
	ck_assert_int_eq(mapf(0, HW_BFN, 8, G1, ios1, RW | IOMMUOP_swap_mfn, 2),
			 0);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, 0), 1);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, 9), 0);
	ck_assert_uint_eq(iommu_mfn(0, HW_BFN + 1), scratch_of(G1));
	ck_assert_uint_eq(iommu_mfn(0, HW_BFN), m[0]);
	ck_assert_uint_eq(iommu_mfn(0, HW_BFN + 2), m[2]);
	ck_assert_uint_eq(iommu_mfn(0, HW_BFN + 3), m[3]);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, 0), 4);
	ck_assert_uint_eq(frame(m[1]).free, 1);
	ck_assert_uint_eq(stats().m2b_entries, 3);
	ck_assert_uint_eq(ring_read(bufpage(G1, ios1), got, 4), 1);
	ck_assert_uint_eq(got[0], HW_BFN + 1);
	/* The unmap still takes the whole order-2 mapping. */
	ck_assert_int_eq(unmapf(0, HW_BFN + 1, ios1, 0), -ENOSPC);
	ck_assert_int_eq(unmapf(0, HW_BFN, ios1, 2), 0);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, 0), 0);
	for (unsigned int i = 0; i < 4; i += 2)
		ck_assert_uint_eq(frame(m[i]).refs, 1);
}
END_TEST

START_TEST(balloon_populate_gives_a_new_frame)
{
	uint64_t old = mfn_of(G1, 5), nm;

	ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, 5), 0);
	ck_assert_int_eq(xpi_sim_p2m_lookup(sim, G1, 5, &nm), -ENOENT);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, 5), -ENOENT);
	ck_assert_uint_eq(frame(old).free, 1);
	ck_assert_int_eq(xpi_sim_populate(sim, G1, 5), 0);
	nm = mfn_of(G1, 5);
	ck_assert_uint_eq(frame(nm).owner, G1);
	ck_assert_uint_eq(frame(nm).refs, 1);
	ck_assert_int_eq(xpi_sim_populate(sim, G1, 5), -EEXIST);
	ck_assert_int_eq(mapp(G1, 0x5000, 5, IOMMU_OP_readable), 0);
	ck_assert_uint_eq(iommu_mfn(G1, 0x5000), nm);
	ck_assert_int_eq(unmapp(G1, 0x5000), 0);
}
END_TEST

START_TEST(balloon_xen_owned_gfn_goes_back_to_the_heap)
{
	uint64_t m;

	ck_assert_int_eq(xpi_sim_p2m_set_xen_owned(sim, G1, 7), 0);
	m = mfn_of(G1, 7);
	ck_assert_uint_eq(frame(m).xen, 1);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, 7), 0);
	ck_assert_uint_eq(frame(m).free, 1);
	ck_assert_uint_eq(frame(m).xen, 0);
}
END_TEST

/* ---- Self-ballooning rules ---- */

START_TEST(self_balloon_pin_fails_with_writable_mapping)
{
	uint64_t m = mfn_of(G1, 5);

	ck_assert_int_eq(mapp(G1, 0x5000, 5, RW), 0);
	ck_assert_int_eq(xpi_sim_pin_pagetable(sim, G1, 5), -EBUSY);
	ck_assert_uint_eq(frame(m).pinned, 0);
	ck_assert_int_eq(unmapp(G1, 0x5000), 0);
	ck_assert_int_eq(xpi_sim_pin_pagetable(sim, G1, 5), 0);
	ck_assert_uint_eq(frame(m).pinned, 1);
	ck_assert_int_eq(xpi_sim_pin_pagetable(sim, G1, 5), -EINVAL);
	ck_assert_int_eq(xpi_sim_unpin_pagetable(sim, G1, 5), 0);
	/* A read-only mapping holds no writable type reference. */
	ck_assert_int_eq(mapp(G1, 0x5000, 5, IOMMU_OP_readable), 0);
	ck_assert_int_eq(xpi_sim_pin_pagetable(sim, G1, 5), 0);
	ck_assert_int_eq(xpi_sim_unpin_pagetable(sim, G1, 5), 0);
	ck_assert_int_eq(unmapp(G1, 0x5000), 0);
	/* A writable foreign mapping blocks pinning too. */
	ck_assert_int_eq(mapf(0, HW_BFN, 5, G1, ios1, RW, 0), 0);
	ck_assert_int_eq(xpi_sim_pin_pagetable(sim, G1, 5), -EBUSY);
	ck_assert_int_eq(unmapf(0, HW_BFN, ios1, 0), 0);
	/* Xen's frames cannot be pinned by a guest. */
	ck_assert_int_eq(xpi_sim_p2m_set_xen_owned(sim, G1, 6), 0);
	ck_assert_int_eq(xpi_sim_pin_pagetable(sim, G1, 6), -EPERM);
}
END_TEST

START_TEST(self_balloon_released_page_freed_after_last_unmap)
{
	uint64_t m = mfn_of(G1, 5);

	ck_assert_int_eq(mapp(G1, 0x5000, 5, RW), 0);
	ck_assert_int_eq(mapp(G1, 0x6000, 5, IOMMU_OP_readable), 0);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, 5), 0);
	ck_assert_uint_eq(frame(m).free, 0);
	ck_assert_uint_eq(frame(m).owner, XPI_DOMID_INVALID);
	ck_assert_uint_eq(frame(m).refs, 2);
	/* map_page entries are not in the M2B: nobody is told, no swap. */
	ck_assert_uint_eq(sstats(G1, ios1).buffered_sent, 0);
	ck_assert_uint_eq(iommu_mfn(G1, 0x5000), m);
	xt_audit_clean(sim);
	ck_assert_int_eq(unmapp(G1, 0x5000), 0);
	ck_assert_uint_eq(frame(m).free, 0);
	ck_assert_int_eq(unmapp(G1, 0x6000), 0);
	ck_assert_uint_eq(frame(m).free, 1);
	ck_assert_uint_eq(frame(m).refs, 0);
}
END_TEST

START_TEST(self_balloon_pinned_page_released_is_unpinned)
{
	uint64_t m = mfn_of(G1, 5);

	ck_assert_int_eq(mapp(G1, 0x5000, 5, IOMMU_OP_readable), 0);
	ck_assert_int_eq(xpi_sim_pin_pagetable(sim, G1, 5), 0);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, 5), 0);
	ck_assert_uint_eq(frame(m).pinned, 0);
	ck_assert_int_eq(unmapp(G1, 0x5000), 0);
}
END_TEST

/* ---- Domains going away ---- */

START_TEST(destroy_target_frames_live_until_unmapped)
{
	uint64_t m = mfn_of(G3, 9);

	ck_assert_int_eq(mapf(0, HW_BFN, 9, G3, ios0, RW, 0), 0);
	ck_assert_int_eq(mapf(DM, 0x10, 9, G3, iosdm, RW, 0), 0);
	ck_assert_int_eq(xpi_sim_domain_destroy(sim, G3), 0);
	ck_assert_uint_eq(frame(m).free, 0);
	ck_assert_uint_eq(frame(m).refs, 2); /* the two emulators' */
	ck_assert_uint_eq(frame(m).owner, XPI_DOMID_INVALID);
	ck_assert_uint_eq(xpi_sim_iommu_extents(sim, DM), 1);
	/* Its servers went with it; the mappings are still theirs to undo. */
	ck_assert_int_eq(xpi_sim_ioreq_server_evtchn_fd(sim, G3, ios0), -ESRCH);
	ck_assert_int_eq(unmapf(0, HW_BFN, ios0, 0), 0);
	ck_assert_uint_eq(frame(m).free, 0);
	ck_assert_int_eq(unmapf(DM, 0x10, iosdm, 0), 0);
	ck_assert_uint_eq(frame(m).free, 1);
}
END_TEST

START_TEST(destroy_caller_drops_its_mappings)
{
	uint64_t m = mfn_of(G1, 5);

	ck_assert_int_eq(mapp(G1, 0x5000, 5, RW), 0);
	ck_assert_int_eq(xpi_sim_domain_destroy(sim, G1), 0);
	ck_assert_uint_eq(frame(m).free, 1);
	ck_assert_uint_eq(stats().iommu_entries, 0);
	ck_assert_int_eq(xpi_sim_domain_destroy(sim, G1), -ESRCH);
}
END_TEST

/* ---- Scratch frames: one per guest (M-5) ---- */

START_TEST(scratch_frames_are_per_guest)
{
	uint64_t s3, s1, got;
	unsigned int fl = 0;

	ck_assert_int_eq(mapf(0, HW_BFN, 9, G3, ios0, RW | IOMMUOP_swap_mfn, 0),
			 0);
	ck_assert_int_eq(mapf(0, HW_BFN + 1, 10, G3, ios0,
			      IOMMUOP_readable | IOMMUOP_swap_mfn, 0),
			 0);
	ck_assert_int_eq(mapf(0, HW_BFN + 2, 9, G1, ios1, RW | IOMMUOP_swap_mfn,
			      0),
			 0);
	ck_assert_uint_eq(stats().scratch_frames, 0); /* made at first use */
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G3, 9), 0);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G3, 10), 0);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, 9), 0);
	s3 = scratch_of(G3);
	s1 = scratch_of(G1);
	/* What a device writes through G3's BFN, G1's BFN never reads. */
	ck_assert_uint_ne(s3, s1);
	ck_assert_uint_eq(iommu_mfn(0, HW_BFN), s3);
	ck_assert_uint_eq(iommu_mfn(0, HW_BFN + 1), s3);
	ck_assert_uint_eq(iommu_mfn(0, HW_BFN + 2), s1);
	ck_assert_uint_eq(stats().scratch_frames, 2);
	/* A read-only mapping's BFN maps the scratch read-only. */
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, 0, HW_BFN + 1, &got, &fl),
			 0);
	ck_assert_uint_eq(fl & (IOMMU_OP_readable | IOMMU_OP_writeable),
			  IOMMU_OP_readable);
	ck_assert_int_eq(xpi_sim_iommu_lookup(sim, 0, HW_BFN, &got, &fl), 0);
	ck_assert_uint_eq(fl & (IOMMU_OP_readable | IOMMU_OP_writeable),
			  IOMMU_OP_readable | IOMMU_OP_writeable);
	/* The guest plus its two swapped BFNs hold G3's scratch. */
	ck_assert_uint_eq(frame(s3).refs, 3);
	ck_assert_int_eq(unmapf(0, HW_BFN, ios0, 0), 0);
	ck_assert_int_eq(unmapf(0, HW_BFN + 1, ios0, 0), 0);
	ck_assert_int_eq(unmapf(0, HW_BFN + 2, ios1, 0), 0);
	ck_assert_uint_eq(frame(s3).refs, 1);
}
END_TEST

START_TEST(scratch_frame_lives_until_its_last_swapped_bfn_goes)
{
	uint64_t s3, free0;

	ck_assert_int_eq(mapf(0, HW_BFN, 9, G3, ios0, RW | IOMMUOP_swap_mfn, 0),
			 0);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G3, 9), 0);
	s3 = scratch_of(G3);
	/* The guest goes; dom0's BFN still points at its scratch frame. */
	ck_assert_int_eq(xpi_sim_domain_destroy(sim, DM), 0);
	ck_assert_int_eq(xpi_sim_domain_destroy(sim, G3), 0);
	xt_audit_clean(sim);
	ck_assert_uint_eq(frame(s3).free, 0);
	ck_assert_uint_eq(frame(s3).refs, 1);
	ck_assert_uint_eq(iommu_mfn(0, HW_BFN), s3);
	free0 = stats().free_frames;
	ck_assert_int_eq(unmapf(0, HW_BFN, ios0, 0), 0);
	ck_assert_uint_eq(frame(s3).free, 1);
	ck_assert_uint_eq(stats().free_frames, free0 + 1);
	ck_assert_uint_eq(stats().scratch_frames, 0);
}
END_TEST

START_TEST(scratch_that_cannot_be_made_means_no_swap)
{
	struct xpi_sim_config cfg;
	struct xpi_sim_domain_config dc = {
		.backing = XPI_SIM_BACKING_SCATTERED,
		.dm_target = XPI_DOMID_INVALID,
	};
	uint64_t m;

	/* A small host, and a guest that takes every frame left. */
	xpi_sim_config_init(&cfg);
	cfg.host_frames = UINT64_C(1) << 17;
	remake(&cfg);
	dc.nr_pages = stats().free_frames;
	ck_assert_int_eq(xpi_sim_domain_create(sim, 9, &dc), 0);
	ck_assert_uint_eq(stats().free_frames, 0);
	m = mfn_of(G3, 9);
	ck_assert_int_eq(mapf(0, HW_BFN, 9, G3, ios0, RW | IOMMUOP_swap_mfn, 0),
			 0);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G3, 9), 0);
	/* Not swapped, and never a silent drop: the mapping keeps it. */
	ck_assert_uint_eq(stats().swaps, 0);
	ck_assert_uint_eq(stats().scratch_frames, 0);
	ck_assert_uint_eq(iommu_mfn(0, HW_BFN), m);
	ck_assert_uint_eq(frame(m).refs, 1);
	ck_assert_uint_eq(frame(m).m2b_entries, 1);
	ck_assert_int_eq(unmapf(0, HW_BFN, ios0, 0), 0);
	ck_assert_uint_eq(frame(m).free, 1);
}
END_TEST

static Suite *sim_balloon_suite(void)
{
	Suite *s = suite_create("sim-balloon");
	TCase *tc = tcase_create("balloon");

	tcase_add_checked_fixture(tc, xs_memory_setup, xs_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc,
		       balloon_swap_mfn_points_bfn_at_scratch_and_frees_frame);
	tcase_add_test(tc, balloon_without_swap_keeps_references_until_unmap);
	tcase_add_test(tc, balloon_swaps_only_when_every_entry_allows_it);
	tcase_add_test(tc, balloon_lookup_entry_prevents_swap);
	tcase_add_test(tc, balloon_no_iommu_host_lookup_needs_unmap);
	tcase_add_test(tc, balloon_splits_a_larger_swappable_extent);
	tcase_add_test(tc, balloon_populate_gives_a_new_frame);
	tcase_add_test(tc, balloon_xen_owned_gfn_goes_back_to_the_heap);
	tcase_add_test(tc, self_balloon_pin_fails_with_writable_mapping);
	tcase_add_test(tc, self_balloon_released_page_freed_after_last_unmap);
	tcase_add_test(tc, self_balloon_pinned_page_released_is_unpinned);
	tcase_add_test(tc, destroy_target_frames_live_until_unmapped);
	tcase_add_test(tc, destroy_caller_drops_its_mappings);
	tcase_add_test(tc, scratch_frames_are_per_guest);
	tcase_add_test(tc, scratch_frame_lives_until_its_last_swapped_bfn_goes);
	tcase_add_test(tc, scratch_that_cannot_be_made_means_no_swap);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return xt_run(sim_balloon_suite());
}
