// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The simulated hypervisor: the ioreq pages as the emulator (and the
 * library's listener) reads them: buffered INVALIDATEs of 4 and 8 bytes,
 * read back with Xen's own structs where libxen-dev is installed, the
 * synchronous fallback and its order, flush-all, and the fallback queue per
 * server, bounded work per exit (H-2).
 * The auditor runs after every test and must be clean.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#if HAVE_XEN
#include <xen/xen.h>
#include <xen/hvm/ioreq.h>
#endif

#include "helpers.h"

/* ---- The ioreq pages ---- */

/* Map n pages of dom1 for dom0 at bfn[i] (no swap) so they can be
 * ballooned for invalidates. */
static void map_for_invalidates(const uint64_t *bfn, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		ck_assert_int_eq(mapf(0, bfn[i], i, G1, ios1, RW, 0), 0);
}

static void unmap_all(const uint64_t *bfn, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		ck_assert_int_eq(unmapf(0, bfn[i], ios1, 0), 0);
}

START_TEST(ring_invalidate_is_4_bytes_below_2_32)
{
	uint64_t bfn[2] = { HW_BFN, UINT32_MAX }, got[2];
	void *page = bufpage(G1, ios1);

	map_for_invalidates(bfn, 2);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, 0), 0);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, 1), 0);
	ck_assert_uint_eq(ring_used(page), 2);
	ck_assert_uint_eq(ring_read(page, got, 2), 2);
	ck_assert_uint_eq(got[0], HW_BFN);
	ck_assert_uint_eq(got[1], UINT32_MAX);
#if HAVE_XEN
	{
		buffered_iopage_t *pg = page;

		ck_assert_uint_eq(pg->buf_ioreq[1].size, 2);
		ck_assert_uint_eq(pg->buf_ioreq[1].data, UINT32_MAX);
		ck_assert_uint_eq(pg->write_pointer, 2);
		ck_assert_uint_eq(pg->read_pointer, 2);
	}
#endif
	unmap_all(bfn, 2);
}
END_TEST

START_TEST(ring_invalidate_is_8_bytes_in_two_slots_from_2_32)
{
	uint64_t bfn[1] = { (UINT64_C(1) << 35) + 0x12345 }, got;
	void *page = bufpage(G1, ios1);
	const uint8_t *raw = (const uint8_t *)page + 8;

	map_for_invalidates(bfn, 1);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, 0), 0);
	ck_assert_uint_eq(ring_used(page), 2);
	/* Byte for byte: type 8; size 3 at bits 2..3; data low, then high. */
	ck_assert_uint_eq(raw[0], 8);
	ck_assert_uint_eq(raw[1], 3 << 2);
	ck_assert_uint_eq(raw[4] | raw[5] << 8 | raw[6] << 16, 0x12345);
	ck_assert_uint_eq(raw[8], 8);
	ck_assert_uint_eq(raw[12], 8); /* 2^35 >> 32 */
#if HAVE_XEN
	{
		buffered_iopage_t *pg = page;

		ck_assert_uint_eq(pg->buf_ioreq[0].type, IOREQ_TYPE_INVALIDATE);
		ck_assert_uint_eq(pg->buf_ioreq[0].size, 3);
		ck_assert_uint_eq(pg->buf_ioreq[0].data, 0x12345);
		ck_assert_uint_eq(pg->buf_ioreq[1].data, 8);
	}
#endif
	ck_assert_uint_eq(ring_read(page, &got, 1), 1);
	ck_assert_uint_eq(got, bfn[0]);
	ck_assert_uint_eq(sstats(G1, ios1).buffered_sent, 1);
	unmap_all(bfn, 1);
}
END_TEST

START_TEST(ring_full_falls_back_to_sync_and_keeps_order)
{
	enum {
		N = 515
	};
	static uint64_t bfn[N], got[N];
	void *page = bufpage(G1, ios1), *sp = syncpage(G1, ios1);
	unsigned int n = 0;
	uint64_t data;
	uint32_t size;

	for (unsigned int i = 0; i < N; i++)
		bfn[i] = HW_BFN + i;
	map_for_invalidates(bfn, N);
	for (unsigned int i = 0; i < 511; i++)
		ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, i), 0);
	ck_assert_uint_eq(ring_used(page), 511);
	ck_assert_int_eq(sync_pending(sp, 0, &data, &size), 0);
	/* The ring is full: the 512th goes synchronously. */
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, 511), 0);
	ck_assert_int_eq(sync_pending(sp, 0, &data, &size), 1);
	ck_assert_uint_eq(data, bfn[511]);
	ck_assert_uint_eq(size, 8);
	ck_assert_uint_eq(sstats(G1, ios1).sync_sent, 1);
	/* Later ones wait behind it, even once the ring has room. */
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, 512), 0);
	n += ring_read(page, got, N);
	ck_assert_uint_eq(n, 511);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, 513), 0);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, 514), 0);
	ck_assert_uint_eq(sstats(G1, ios1).waiting, 3);
	ck_assert_uint_eq(ring_used(page), 0);
	/* A notify without completing delivers nothing. */
	ck_assert_int_eq(xpi_sim_ioreq_notify(sim, G1, ios1), 0);
	ck_assert_uint_eq(sstats(G1, ios1).waiting, 3);
	got[n++] = data;
	sync_complete(G1, ios1, sp, 0);
	ck_assert_uint_eq(sstats(G1, ios1).sync_completed, 1);
	ck_assert_uint_eq(sstats(G1, ios1).waiting, 0);
	ck_assert_int_eq(sync_pending(sp, 0, &data, &size), 0);
	n += ring_read(page, got + n, N - n);
	ck_assert_uint_eq(n, N);
	for (unsigned int i = 0; i < N; i++)
		ck_assert_uint_eq(got[i], bfn[i]);
	ck_assert_uint_eq(sstats(G1, ios1).buffered_sent, 514);
	ck_assert_uint_eq(sstats(G1, ios1).notifications, 515);
	ck_assert_uint_eq(evtchn_count(G1, ios1), 515);
	unmap_all(bfn, N);
}
END_TEST

START_TEST(ring_8_byte_entry_needs_two_free_slots)
{
	enum {
		N = 512
	};
	static uint64_t bfn[N], got[N];
	void *page = bufpage(G1, ios1), *sp = syncpage(G1, ios1);
	uint64_t data;
	uint32_t size;

	for (unsigned int i = 0; i < N; i++)
		bfn[i] = HW_BFN + i;
	bfn[510] = (UINT64_C(1) << 33) + 5;
	bfn[511] = HW_BFN - 1;
	map_for_invalidates(bfn, N);
	for (unsigned int i = 0; i < 510; i++)
		ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, i), 0);
	/* 510 used: one slot left, not enough for 8 bytes. */
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, 510), 0);
	ck_assert_uint_eq(ring_used(page), 510);
	ck_assert_int_eq(sync_pending(sp, 0, &data, &size), 1);
	ck_assert_uint_eq(data, bfn[510]);
	/* A 4-byte one would fit, but waits for order's sake. */
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, 511), 0);
	ck_assert_uint_eq(ring_used(page), 510);
	ck_assert_uint_eq(sstats(G1, ios1).waiting, 1);
	sync_complete(G1, ios1, sp, 0);
	ck_assert_uint_eq(ring_used(page), 511);
	ck_assert_uint_eq(ring_read(page, got, N), 511);
	ck_assert_uint_eq(got[509], bfn[509]);
	ck_assert_uint_eq(got[510], bfn[511]);
	unmap_all(bfn, N);
}
END_TEST

START_TEST(ring_wraps_around_with_8_byte_entries)
{
	enum {
		N = 2000
	};
	static uint64_t bfn[N], got[N];
	void *page = bufpage(G1, ios1);
	unsigned int n = 0;
	uint32_t wp;

	/* Every third BFN is above 2^32: entries straddle the slot 510/0
	 * boundary as the pointers pass several multiples of 511. */
	for (unsigned int i = 0; i < N; i++)
		bfn[i] = i % 3 == 0 ? (UINT64_C(1) << 34) + i : HW_BFN + i;
	map_for_invalidates(bfn, N);
	qw_wrapped = 0;
	for (unsigned int i = 0; i < N; i++) {
		ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, i), 0);
		if (i % 97 == 96)
			n += ring_read(page, got + n, N - n);
	}
	n += ring_read(page, got + n, N - n);
	ck_assert_uint_eq(n, N);
	for (unsigned int i = 0; i < N; i++)
		ck_assert_uint_eq(got[i], bfn[i]);
	memcpy(&wp, (const uint8_t *)page + 4, 4);
	ck_assert_uint_gt(wp, 3 * 511);
	ck_assert_uint_gt(qw_wrapped, 0);
	ck_assert_uint_eq(sstats(G1, ios1).sync_sent, 0);
	unmap_all(bfn, N);
}
END_TEST

START_TEST(ring_flush_all_is_synchronous_all_ones)
{
	void *sp0 = syncpage(G3, ios0), *spd = syncpage(G3, iosdm);
	uint64_t data;
	uint32_t size;

	ck_assert_int_eq(xpi_sim_ioreq_flush_all(sim, G3), 0);
	ck_assert_int_eq(sync_pending(sp0, 0, &data, &size), 1);
	ck_assert_uint_eq(data, ~UINT64_C(0));
	ck_assert_uint_eq(size, 4);
	ck_assert_int_eq(sync_pending(spd, 0, &data, &size), 1);
	ck_assert_uint_eq(data, ~UINT64_C(0));
	ck_assert_uint_eq(sstats(G3, ios0).notifications, 1);
	ck_assert_uint_eq(evtchn_count(G3, iosdm), 1);
	/* One vCPU, its slot busy. */
	ck_assert_int_eq(xpi_sim_ioreq_flush_all(sim, G3), -EBUSY);
	sync_complete(G3, ios0, sp0, 0);
	ck_assert_int_eq(xpi_sim_ioreq_flush_all(sim, G3), -EBUSY);
	sync_complete(G3, iosdm, spd, 0);
	ck_assert_uint_eq(sstats(G3, iosdm).sync_completed, 1);
	ck_assert_int_eq(xpi_sim_ioreq_flush_all(sim, G3), 0);
	sync_complete(G3, ios0, sp0, 0);
	sync_complete(G3, iosdm, spd, 0);
	/* No servers: nothing to do. */
	ck_assert_int_eq(xpi_sim_ioreq_flush_all(sim, DM), 0);
}
END_TEST

START_TEST(ring_flush_all_uses_another_vcpu_slot)
{
	struct xpi_sim_config cfg;
	enum {
		N = 512
	};
	static uint64_t bfn[N];
	void *sp;
	uint64_t data;
	uint32_t size;

	xpi_sim_config_init(&cfg);
	cfg.ioreq_vcpus = 2;
	remake(&cfg);
	sp = syncpage(G1, ios1);
	for (unsigned int i = 0; i < N; i++)
		bfn[i] = HW_BFN + i;
	map_for_invalidates(bfn, N);
	for (unsigned int i = 0; i < N; i++)
		ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, i), 0);
	/* vCPU 0 holds the BFN invalidate, vCPU 1 takes the flush-all. */
	ck_assert_int_eq(sync_pending(sp, 0, &data, &size), 1);
	ck_assert_uint_eq(data, bfn[511]);
	ck_assert_int_eq(xpi_sim_ioreq_flush_all(sim, G1), 0);
	ck_assert_int_eq(sync_pending(sp, 1, &data, &size), 1);
	ck_assert_uint_eq(data, ~UINT64_C(0));
	sync_complete(G1, ios1, sp, 1);
	sync_complete(G1, ios1, sp, 0);
	ck_assert_uint_eq(sstats(G1, ios1).sync_completed, 2);
	unmap_all(bfn, N);
}
END_TEST

START_TEST(ring_destroyed_server_gets_nothing)
{
	uint64_t m = mfn_of(G3, 9);

	ck_assert_int_eq(mapf(0, HW_BFN, 9, G3, ios0, RW, 0), 0);
	ck_assert_int_eq(xpi_sim_ioreq_server_destroy(sim, G3, ios0), 0);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G3, 9), 0);
	ck_assert_int_eq(xpi_sim_ioreq_server_evtchn_fd(sim, G3, ios0),
			 -ENOENT);
	ck_assert_uint_eq(sstats(G3, iosdm).buffered_sent, 0);
	/* The mapping is still the emulator's to undo. */
	ck_assert_int_eq(unmapf(0, HW_BFN, ios0, 0), 0);
	ck_assert_uint_eq(frame(m).free, 1);
}
END_TEST

/* ---- The fallback queue: per server, bounded work per exit (H-2) ---- */

START_TEST(queue_waits_while_disabled_and_exits_are_bounded)
{
	uint16_t ios[4] = { 0 };
	uint64_t got[128];
	unsigned int i, k;

	/* Four servers of G3, each with 100 mappings; G1's has 10. */
	ios[0] = ios0;
	ios[1] = iosdm;
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, G3, &ios[2]), 0);
	ck_assert_int_eq(xpi_sim_ioreq_server_create(sim, 0, G3, &ios[3]), 0);
	for (k = 0; k < 4; k++)
		ck_assert_int_eq(xpi_sim_ioreq_server_set_enabled(sim, G3,
								  ios[k], 0),
				 0);
	ck_assert_int_eq(xpi_sim_ioreq_server_set_enabled(sim, G1, ios1, 0), 0);
	for (i = 0; i < 100; i++)
		for (k = 0; k < 4; k++)
			ck_assert_int_eq(mapf(0, HW_BFN + k * 0x1000 + i, i, G3,
					      ios[k], RW, 0),
					 0);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(mapf(0, HW_BFN + 0x8000 + i, i, G1, ios1, RW,
				      0),
				 0);
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(xpi_sim_balloon_out(sim, G3, i), 0);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(xpi_sim_balloon_out(sim, G1, i), 0);
	/* Disabled: everything waits, nothing reaches a ring or a slot. */
	ck_assert_int_eq(xpi_sim_ioreq_flush_all(sim, G3), 0);
	for (k = 0; k < 4; k++) {
		ck_assert_uint_eq(sstats(G3, ios[k]).waiting, 100);
		ck_assert_uint_eq(sstats(G3, ios[k]).sync_sent, 0);
		ck_assert_uint_eq(ring_read(bufpage(G3, ios[k]), got, 1), 0);
	}
	/* An exit looks at each disabled server's first entry only. */
	ck_assert_int_eq(xpi_sim_vcpu_exit(sim, G3), 0);
	ck_assert_uint_eq(stats().max_exit_examined, 4);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(xpi_sim_vcpu_exit(sim, G3), 0);
	ck_assert_uint_eq(stats().max_exit_examined, 4);
	/* Enabled: one exit sends each queue through its ring (room). */
	for (k = 0; k < 4; k++)
		ck_assert_int_eq(xpi_sim_ioreq_server_set_enabled(sim, G3,
								  ios[k], 1),
				 0);
	ck_assert_uint_eq(sstats(G3, ios0).waiting, 100);
	ck_assert_int_eq(xpi_sim_vcpu_exit(sim, G3), 400);
	ck_assert_uint_eq(stats().max_exit_examined, 400);
	for (k = 0; k < 4; k++) {
		ck_assert_uint_eq(sstats(G3, ios[k]).waiting, 0);
		ck_assert_uint_eq(sstats(G3, ios[k]).sync_sent, 0);
	}
	ck_assert_int_eq(xpi_sim_vcpu_exit(sim, G3), 0);
	/* In order, each server its own BFNs. */
	for (k = 0; k < 4; k++) {
		ck_assert_uint_eq(ring_read(bufpage(G3, ios[k]), got, 128),
				  100);
		for (i = 0; i < 100; i++)
			ck_assert_uint_eq(got[i], HW_BFN + k * 0x1000 + i);
	}
	/* G3's exits never looked at G1's queue. */
	ck_assert_uint_eq(sstats(G1, ios1).waiting, 10);
	ck_assert_int_eq(xpi_sim_vcpu_exit(sim, G1), 0);
	ck_assert_int_eq(xpi_sim_vcpu_exit(sim, 77), -ESRCH);
	ck_assert_int_eq(xpi_sim_vcpu_exit(NULL, G1), -EINVAL);
	ck_assert_int_eq(xpi_sim_ioreq_server_set_enabled(sim, G1, 99, 1),
			 -ENOENT);
	ck_assert_int_eq(xpi_sim_ioreq_server_set_enabled(sim, 77, 0, 1),
			 -ESRCH);
	ck_assert_int_eq(xpi_sim_ioreq_server_set_enabled(NULL, G1, 0, 1),
			 -EINVAL);
	for (i = 0; i < 100; i++)
		for (k = 0; k < 4; k++)
			ck_assert_int_eq(unmapf(0, HW_BFN + k * 0x1000 + i,
						ios[k], 0),
					 0);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(unmapf(0, HW_BFN + 0x8000 + i, ios1, 0), 0);
}
END_TEST

/*
 * A queue longer than the ring: one exit looks at the ring's free slots
 * plus one (the synchronous one), never the whole queue; the next exit,
 * with the ring still full and that synchronous ioreq unanswered, looks at
 * one entry.
 */
START_TEST(queue_longer_than_the_ring_bounds_each_exit)
{
	const unsigned int n = 600, slots = 511;
	uint64_t got[512];
	unsigned int i;

	ck_assert_int_eq(xpi_sim_ioreq_server_set_enabled(sim, G3, ios0, 0), 0);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(mapf(0, HW_BFN + i, i, G3, ios0, RW, 0), 0);
		ck_assert_int_eq(xpi_sim_balloon_out(sim, G3, i), 0);
	}
	ck_assert_uint_eq(sstats(G3, ios0).waiting, n);
	ck_assert_int_eq(xpi_sim_ioreq_server_set_enabled(sim, G3, ios0, 1), 0);
	ck_assert_int_eq(xpi_sim_vcpu_exit(sim, G3), (int)slots + 1);
	ck_assert_uint_eq(stats().max_exit_examined, slots + 1);
	ck_assert_uint_eq(sstats(G3, ios0).sync_sent, 1);
	ck_assert_uint_eq(sstats(G3, ios0).waiting, n - slots - 1);
	ck_assert_int_eq(xpi_sim_vcpu_exit(sim, G3), 0);
	ck_assert_uint_eq(stats().max_exit_examined, slots + 1);
	/* In order: the ring holds the first 511 BFNs. */
	ck_assert_uint_eq(ring_read(bufpage(G3, ios0), got, 512), slots);
	for (i = 0; i < slots; i++)
		ck_assert_uint_eq(got[i], HW_BFN + i);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(unmapf(0, HW_BFN + i, ios0, 0), 0);
}
END_TEST

START_TEST(queue_is_bounded_by_the_frames_records)
{
	uint64_t m = mfn_of(G3, 9);
	unsigned int i;

	/* 64 mappings of one frame for a disabled server, and no 65th. */
	ck_assert_int_eq(xpi_sim_ioreq_server_set_enabled(sim, G3, ios0, 0), 0);
	for (i = 0; i < 64; i++)
		ck_assert_int_eq(mapf(0, HW_BFN + i, 9, G3, ios0, RW, 0), 0);
	ck_assert_int_eq(mapf(0, HW_BFN + 64, 9, G3, ios0, RW, 0), -EMLINK);
	ck_assert_int_eq(xpi_sim_balloon_out(sim, G3, 9), 0);
	ck_assert_uint_eq(sstats(G3, ios0).waiting, 64);
	/* The frame stays with its 64 references, whatever waits. */
	ck_assert_uint_eq(frame(m).refs, 64);
	for (i = 0; i < 64; i++)
		ck_assert_int_eq(unmapf(0, HW_BFN + i, ios0, 0), 0);
	ck_assert_uint_eq(frame(m).free, 1);
}
END_TEST

START_TEST(queue_of_a_destroyed_server_is_dropped)
{
	uint64_t m[10];
	unsigned int i;

	ck_assert_int_eq(xpi_sim_ioreq_server_set_enabled(sim, G3, iosdm, 0),
			 0);
	for (i = 0; i < 10; i++) {
		m[i] = mfn_of(G3, i);
		ck_assert_int_eq(mapf(DM, 0x100 + i, i, G3, iosdm, RW, 0), 0);
		ck_assert_int_eq(xpi_sim_balloon_out(sim, G3, i), 0);
	}
	ck_assert_uint_eq(sstats(G3, iosdm).waiting, 10);
	ck_assert_int_eq(xpi_sim_ioreq_server_destroy(sim, G3, iosdm), 0);
	ck_assert_uint_eq(stats().invalidates_dropped, 10);
	ck_assert_int_eq(xpi_sim_vcpu_exit(sim, G3), 0);
	/* The mappings keep their frames until their caller unmaps them. */
	for (i = 0; i < 10; i++) {
		ck_assert_uint_eq(frame(m[i]).refs, 1);
		ck_assert_int_eq(unmapf(DM, 0x100 + i, iosdm, 0), 0);
		ck_assert_uint_eq(frame(m[i]).free, 1);
	}
}
END_TEST

static Suite *sim_ioreq_suite(void)
{
	Suite *s = suite_create("sim-ioreq");
	TCase *tc = tcase_create("ioreq pages");

	tcase_add_checked_fixture(tc, xs_memory_setup, xs_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, ring_invalidate_is_4_bytes_below_2_32);
	tcase_add_test(tc, ring_invalidate_is_8_bytes_in_two_slots_from_2_32);
	tcase_add_test(tc, ring_full_falls_back_to_sync_and_keeps_order);
	tcase_add_test(tc, ring_8_byte_entry_needs_two_free_slots);
	tcase_add_test(tc, ring_wraps_around_with_8_byte_entries);
	tcase_add_test(tc, ring_flush_all_is_synchronous_all_ones);
	tcase_add_test(tc, ring_flush_all_uses_another_vcpu_slot);
	tcase_add_test(tc, ring_destroyed_server_gets_nothing);
	suite_add_tcase(s, tc);
	tc = tcase_create("fallback queue");
	tcase_add_checked_fixture(tc, xs_memory_setup, xs_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, queue_waits_while_disabled_and_exits_are_bounded);
	tcase_add_test(tc, queue_longer_than_the_ring_bounds_each_exit);
	tcase_add_test(tc, queue_is_bounded_by_the_frames_records);
	tcase_add_test(tc, queue_of_a_destroyed_server_is_dropped);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return xt_run(sim_ioreq_suite());
}
