// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The buffered ring parser against byte-level ring images built from
 * the structures of Xen's own public header, <xen/hvm/ioreq.h>, so the
 * layout is checked against Xen's definitions and not only ours.  The
 * page sits between two PROT_NONE guard pages: a read outside it faults.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if HAVE_XEN
#include <xen/hvm/ioreq.h>
#else
/* Without libxen-dev: the same declarations as Xen's header. */
#define IOREQ_TYPE_PIO 0
#define IOREQ_TYPE_COPY 1
#define IOREQ_TYPE_PCI_CONFIG 2
#define IOREQ_TYPE_TIMEOFFSET 7
#define IOREQ_TYPE_INVALIDATE 8
#define IOREQ_BUFFER_SLOT_NUM 511
#define STATE_IORESP_READY 3
typedef struct buf_ioreq {
	uint8_t type;
	uint8_t pad : 1;
	uint8_t dir : 1;
	uint8_t size : 2;
	uint32_t addr : 20;
	uint32_t data;
} buf_ioreq_t;
typedef struct buffered_iopage {
	uint32_t read_pointer;
	uint32_t write_pointer;
	buf_ioreq_t buf_ioreq[IOREQ_BUFFER_SLOT_NUM];
} buffered_iopage_t;
typedef struct ioreq {
	uint64_t addr;
	uint64_t data;
	uint32_t count;
	uint32_t size;
	uint32_t vp_eport;
	uint16_t _pad0;
	uint8_t state : 4;
	uint8_t data_is_ptr : 1;
	uint8_t dir : 1;
	uint8_t df : 1;
	uint8_t _pad1 : 1;
	uint8_t type;
} ioreq_t;
#endif

#include "lib/invalidate-ring.h"
#include "test-common.h"

_Static_assert(sizeof(buf_ioreq_t) == 8, "buf_ioreq_t is 8 bytes");
_Static_assert(sizeof(buffered_iopage_t) <= XPI_RING_PAGE_SIZE, "one page");
_Static_assert(IOREQ_BUFFER_SLOT_NUM == XPI_RING_SLOTS, "511 slots");
_Static_assert(offsetof(buffered_iopage_t, buf_ioreq) == XPI_RING_SLOT_OFFSET,
	       "slots at 8");
_Static_assert(offsetof(buffered_iopage_t, write_pointer) == 4, "wp at 4");
_Static_assert(sizeof(ioreq_t) == XPI_IOREQ_SIZE, "ioreq_t");
_Static_assert(offsetof(ioreq_t, data) == XPI_IOREQ_OFF_DATA, "data");
_Static_assert(offsetof(ioreq_t, size) == XPI_IOREQ_OFF_SIZE, "size");
_Static_assert(offsetof(ioreq_t, vp_eport) == XPI_IOREQ_OFF_VP_EPORT,
	       "vp_eport");
_Static_assert(offsetof(ioreq_t, type) == XPI_IOREQ_OFF_TYPE, "type");
_Static_assert(IOREQ_TYPE_INVALIDATE == XPI_IOREQ_TYPE_INVALIDATE, "type 8");
_Static_assert(IOREQ_TYPE_TIMEOFFSET == XPI_IOREQ_TYPE_TIMEOFFSET, "type 7");
_Static_assert(IOREQ_TYPE_PCI_CONFIG == XPI_IOREQ_TYPE_PCI_CONFIG, "type 2");
_Static_assert(IOREQ_TYPE_COPY == XPI_IOREQ_TYPE_COPY, "type 1");
_Static_assert(IOREQ_TYPE_PIO == XPI_IOREQ_TYPE_PIO, "type 0");
_Static_assert(STATE_IORESP_READY == XPI_IOREQ_STATE_RESP_READY, "state 3");

static unsigned char *region;
static buffered_iopage_t *pg;
static long pagesz;

/* [guard][ring page][guard], the ring page 4096 bytes before a guard. */
static void setup(void)
{
	pagesz = sysconf(_SC_PAGESIZE);
	ck_assert(pagesz >= (long)XPI_RING_PAGE_SIZE);
	region = mmap(NULL, (size_t)pagesz * 3, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert(region != MAP_FAILED);
	ck_assert_int_eq(mprotect(region, (size_t)pagesz, PROT_NONE), 0);
	ck_assert_int_eq(mprotect(region + 2 * pagesz, (size_t)pagesz,
				  PROT_NONE),
			 0);
	pg = (buffered_iopage_t *)(region + 2 * pagesz - XPI_RING_PAGE_SIZE);
	memset(region + pagesz, 0, (size_t)pagesz);
}

static void teardown(void)
{
	munmap(region, (size_t)pagesz * 3);
}

/* Xen's writer, with Xen's struct: one entry at write_pointer. */
static void put(uint8_t type, unsigned int size, unsigned int dir,
		uint32_t addr, uint64_t data)
{
	buf_ioreq_t b;

	memset(&b, 0, sizeof(b));
	b.type = type;
	b.size = size & 3;
	b.dir = dir & 1;
	b.addr = addr & 0xfffff;
	b.data = (uint32_t)data;
	pg->buf_ioreq[pg->write_pointer % IOREQ_BUFFER_SLOT_NUM] = b;
	pg->write_pointer++;
	if (size == 3) {
		b.data = (uint32_t)(data >> 32);
		pg->buf_ioreq[pg->write_pointer % IOREQ_BUFFER_SLOT_NUM] = b;
		pg->write_pointer++;
	}
}

static void set_pointers(uint32_t rp, uint32_t wp)
{
	pg->read_pointer = rp;
	pg->write_pointer = wp;
}

static void inval(uint64_t bfn)
{
	put(IOREQ_TYPE_INVALIDATE, bfn >> 32 ? 3 : 2, 0, 0, bfn);
}

static struct xpi_ring_entry out[XPI_RING_SLOTS];
static struct xpi_ring_result res;

START_TEST(test_layout_fields)
{
	static const uint32_t addrs[] = { 0, 1, 0xf, 0x10, 0xabcde, 0xfffff };

	for (unsigned int a = 0; a < 6; a++)
		for (unsigned int size = 0; size < 4; size++)
			for (unsigned int dir = 0; dir < 2; dir++) {
				uint64_t data =
					size == 3 ? UINT64_C(0x8877665544332211)
						  : 0xdeadbeef;

				set_pointers(7, 7);
				put(IOREQ_TYPE_COPY, size, dir, addrs[a], data);
				ck_assert_int_eq(xpi_ring_drain(pg, out, 8,
								&res),
						 1);
				ck_assert_uint_eq(out[0].type, IOREQ_TYPE_COPY);
				ck_assert_uint_eq(out[0].size, 1u << size);
				ck_assert_uint_eq(out[0].dir, dir);
				ck_assert_uint_eq(out[0].addr, addrs[a]);
				ck_assert_uint_eq(out[0].data, data);
				ck_assert_uint_eq(out[0].slots,
						  size == 3 ? 2 : 1);
				ck_assert_uint_eq(pg->read_pointer,
						  pg->write_pointer);
			}
}
END_TEST

START_TEST(test_empty)
{
	set_pointers(1234, 1234);
	ck_assert_int_eq(xpi_ring_drain(pg, out, 16, &res), 0);
	ck_assert_uint_eq(res.entries, 0);
	ck_assert_uint_eq(pg->read_pointer, 1234);
	ck_assert_uint_eq(xpi_ring_pending(pg), 0);
}
END_TEST

START_TEST(test_order_and_types)
{
	set_pointers(0, 0);
	inval(0x1234);
	put(IOREQ_TYPE_PIO, 1, 1, 0x3f8, 0x41);
	inval(UINT64_C(0x123456789a));
	put(IOREQ_TYPE_COPY, 2, 0, 0xfee00, 7);
	ck_assert_uint_eq(xpi_ring_pending(pg), 5);
	ck_assert_int_eq(xpi_ring_drain(pg, out, 16, &res), 4);
	ck_assert_uint_eq(res.slots, 5);
	ck_assert_uint_eq(out[0].type, IOREQ_TYPE_INVALIDATE);
	ck_assert_uint_eq(out[0].data, 0x1234);
	ck_assert_uint_eq(out[1].type, IOREQ_TYPE_PIO);
	ck_assert_uint_eq(out[1].addr, 0x3f8);
	ck_assert_uint_eq(out[2].data, UINT64_C(0x123456789a));
	ck_assert_uint_eq(out[2].size, 8);
	ck_assert_uint_eq(out[3].type, IOREQ_TYPE_COPY);
	ck_assert_uint_eq(pg->read_pointer, 5);
}
END_TEST

START_TEST(test_wrap_around)
{
	uint32_t base = 511 * 3 + 505;

	set_pointers(base, base);
	for (uint64_t i = 0; i < 20; i++)
		inval(100 + i);
	ck_assert_int_eq(xpi_ring_drain(pg, out, 64, &res), 20);
	for (unsigned int i = 0; i < 20; i++)
		ck_assert_uint_eq(out[i].data, 100 + i);
	ck_assert_uint_eq(pg->read_pointer, base + 20);
}
END_TEST

/* An 8-byte entry in slot 510 and slot 0. */
START_TEST(test_qword_straddles_wrap)
{
	uint32_t base = 511 * 9 + 510;

	set_pointers(base, base);
	inval(UINT64_C(0xabcdef0123456));
	inval(5);
	ck_assert_uint_eq(pg->write_pointer % 511, 2);
	ck_assert_int_eq(xpi_ring_drain(pg, out, 8, &res), 2);
	ck_assert_uint_eq(out[0].data, UINT64_C(0xabcdef0123456));
	ck_assert_uint_eq(out[0].slots, 2);
	ck_assert_uint_eq(out[1].data, 5);
	ck_assert_uint_eq(pg->read_pointer, base + 3);
}
END_TEST

START_TEST(test_full_ring)
{
	set_pointers(40, 40);
	for (unsigned int i = 0; i < 511; i++)
		inval(i);
	ck_assert_int_eq(xpi_ring_drain(pg, out, 511, &res), 511);
	for (unsigned int i = 0; i < 511; i++)
		ck_assert_uint_eq(out[i].data, i);
	/* Xen's writer stops at 510 slots for 8-byte entries: 255 fit. */
	set_pointers(7, 7);
	for (unsigned int i = 0; i < 255; i++)
		inval((UINT64_C(1) << 32) + i);
	ck_assert_int_eq(xpi_ring_drain(pg, out, 511, &res), 255);
	ck_assert_uint_eq(out[254].data, (UINT64_C(1) << 32) + 254);
}
END_TEST

START_TEST(test_max_limits)
{
	set_pointers(0, 0);
	for (unsigned int i = 0; i < 10; i++)
		inval((UINT64_C(1) << 33) + i);
	ck_assert_int_eq(xpi_ring_drain(pg, out, 3, &res), 3);
	ck_assert_uint_eq(pg->read_pointer, 6);
	ck_assert_int_eq(xpi_ring_drain(pg, out, 0, &res), 0);
	ck_assert_int_eq(xpi_ring_drain(pg, out, 100, &res), 7);
	ck_assert_uint_eq(out[0].data, (UINT64_C(1) << 33) + 3);
}
END_TEST

/* Xen lowers both pointers by a multiple of 511 between two drains. */
START_TEST(test_canonicalisation)
{
	set_pointers(511 * 20 + 3, 511 * 20 + 3);
	for (unsigned int i = 0; i < 6; i++)
		inval(i);
	ck_assert_int_eq(xpi_ring_drain(pg, out, 2, &res), 2);
	pg->read_pointer -= 511 * 20;
	pg->write_pointer -= 511 * 20;
	ck_assert_int_eq(xpi_ring_drain(pg, out, 16, &res), 4);
	ck_assert_uint_eq(out[0].data, 2);
	ck_assert_uint_eq(out[3].data, 5);
	ck_assert_uint_eq(pg->read_pointer, 9);
}
END_TEST

/* Free-running pointers across 2^32: the slot stays p % 511. */
START_TEST(test_pointer_overflow)
{
	uint32_t base = UINT32_MAX - 2;

	set_pointers(base, base);
	for (unsigned int i = 0; i < 6; i++)
		inval(i + 1);
	ck_assert_uint_eq(pg->write_pointer, 3);
	ck_assert_int_eq(xpi_ring_drain(pg, out, 16, &res), 6);
	for (unsigned int i = 0; i < 6; i++)
		ck_assert_uint_eq(out[i].data, i + 1);
	ck_assert_uint_eq(pg->read_pointer, 3);
}
END_TEST

static void check_resync(enum xpi_ring_fault fault, unsigned int entries)
{
	ck_assert_int_eq(res.fault, fault);
	ck_assert_uint_eq(res.entries, entries);
	ck_assert_uint_eq(pg->read_pointer, pg->write_pointer);
	/* After a resync the ring works again. */
	inval(77);
	ck_assert_int_eq(xpi_ring_drain(pg, out, 4, &res), 1);
	ck_assert_uint_eq(out[0].data, 77);
	ck_assert_int_eq(res.fault, XPI_RING_OK);
}

START_TEST(test_corrupt_distance)
{
	set_pointers(100, 100 + 512);
	ck_assert_int_eq(xpi_ring_drain(pg, out, 511, &res), -EPROTO);
	check_resync(XPI_RING_FAULT_DISTANCE, 0);
	set_pointers(0, UINT32_MAX / 2);
	ck_assert_int_eq(xpi_ring_drain(pg, out, 511, &res), -EPROTO);
	check_resync(XPI_RING_FAULT_DISTANCE, 0);
	/* 511 is the most a healthy ring holds. */
	set_pointers(3, 3 + 511);
	for (unsigned int i = 0; i < 511; i++)
		pg->buf_ioreq[(3 + i) % 511].type = IOREQ_TYPE_INVALIDATE,
					pg->buf_ioreq[(3 + i) % 511].size = 2;
	ck_assert_int_eq(xpi_ring_drain(pg, out, 511, &res), 511);
}
END_TEST

START_TEST(test_corrupt_read_ahead)
{
	set_pointers(1001, 1000);
	ck_assert_int_eq(xpi_ring_drain(pg, out, 511, &res), -EPROTO);
	check_resync(XPI_RING_FAULT_READ_AHEAD, 0);
	set_pointers(5, UINT32_MAX - 3);
	ck_assert_int_eq(xpi_ring_drain(pg, out, 511, &res), -EPROTO);
	check_resync(XPI_RING_FAULT_READ_AHEAD, 0);
}
END_TEST

START_TEST(test_corrupt_type)
{
	for (unsigned int t = 0; t < 256; t++) {
		int ok = t == IOREQ_TYPE_PIO || t == IOREQ_TYPE_COPY ||
			 t == IOREQ_TYPE_PCI_CONFIG ||
			 t == IOREQ_TYPE_TIMEOFFSET ||
			 t == IOREQ_TYPE_INVALIDATE;

		set_pointers(t * 3, t * 3);
		inval(1);
		inval(2);
		put((uint8_t)t, 2, 0, 0, 3);
		inval(4);
		if (ok) {
			ck_assert_int_eq(xpi_ring_drain(pg, out, 8, &res), 4);
			continue;
		}
		ck_assert_int_eq(xpi_ring_drain(pg, out, 8, &res), -EPROTO);
		ck_assert_uint_eq(out[0].data, 1);
		ck_assert_uint_eq(out[1].data, 2);
		ck_assert_uint_eq(res.fault_pointer, t * 3 + 2);
		check_resync(XPI_RING_FAULT_TYPE, 2);
	}
}
END_TEST

/*
 * Every entry Xen's ioreq_send_buffered() may write, as it writes it
 * (the ioreq's type copied, sizes 1, 2, 4, 8), among INVALIDATEs: the
 * RTC's TIMEOFFSET (8 bytes, addr 0), stdvga's COPY writes, PIO, and
 * PCI_CONFIG, also across the page's end.  All parsed by their size, in
 * order, nothing taken for corruption.
 */
START_TEST(test_every_xen_type_by_size)
{
	static const uint8_t types[] = { IOREQ_TYPE_PIO, IOREQ_TYPE_COPY,
					 IOREQ_TYPE_PCI_CONFIG,
					 IOREQ_TYPE_TIMEOFFSET };
	uint32_t base = 511 * 4 + 500;

	for (unsigned int t = 0; t < 4; t++)
		for (unsigned int size = 0; size < 4; size++) {
			uint64_t data = size == 3 ? UINT64_C(0xfedcba9876543210)
						  : 0x87654321;
			unsigned int n = 0;

			set_pointers(base + t * 7 + size, base + t * 7 + size);
			for (unsigned int k = 0; k < 5; k++) {
				inval(UINT64_C(0x100000000) + k);
				put(types[t], size, 0, 0x70 + k, data + k);
				inval(40 + k);
			}
			ck_assert_int_eq(xpi_ring_drain(pg, out, 511, &res),
					 15);
			ck_assert_uint_eq(res.fault, XPI_RING_OK);
			for (unsigned int k = 0; k < 5; k++) {
				ck_assert_uint_eq(out[n].type,
						  IOREQ_TYPE_INVALIDATE);
				ck_assert_uint_eq(out[n++].data,
						  UINT64_C(0x100000000) + k);
				ck_assert_uint_eq(out[n].type, types[t]);
				ck_assert_uint_eq(out[n].size, 1u << size);
				ck_assert_uint_eq(out[n].addr, 0x70 + k);
				ck_assert_uint_eq(out[n].slots,
						  size == 3 ? 2 : 1);
				ck_assert_uint_eq(out[n++].data,
						  size == 3 ? data + k
							    : (uint32_t)(data +
									 k));
				ck_assert_uint_eq(out[n].type,
						  IOREQ_TYPE_INVALIDATE);
				ck_assert_uint_eq(out[n++].data, 40 + k);
			}
			ck_assert_uint_eq(pg->read_pointer, pg->write_pointer);
		}
}
END_TEST

/* An 8-byte entry whose second slot is not the first's other half. */
START_TEST(test_corrupt_halves)
{
	buf_ioreq_t *second;

	for (unsigned int base = 505; base < 512; base++) {
		set_pointers(base, base);
		inval(3);
		inval(UINT64_C(0x700000000));
		inval(4);
		second = &pg->buf_ioreq[(base + 2) % IOREQ_BUFFER_SLOT_NUM];
		second->type = IOREQ_TYPE_PIO;
		ck_assert_int_eq(xpi_ring_drain(pg, out, 8, &res), -EPROTO);
		ck_assert_uint_eq(out[0].data, 3);
		ck_assert_uint_eq(res.fault_pointer, base + 2);
		check_resync(XPI_RING_FAULT_HALVES, 1);
		/* The same with another size, then another address. */
		set_pointers(base, base);
		inval(UINT64_C(0x700000000));
		pg->buf_ioreq[(base + 1) % IOREQ_BUFFER_SLOT_NUM].size = 2;
		ck_assert_int_eq(xpi_ring_drain(pg, out, 8, &res), -EPROTO);
		check_resync(XPI_RING_FAULT_HALVES, 0);
		set_pointers(base, base);
		put(IOREQ_TYPE_TIMEOFFSET, 3, 0, 0, 77);
		pg->buf_ioreq[(base + 1) % IOREQ_BUFFER_SLOT_NUM].addr = 1;
		ck_assert_int_eq(xpi_ring_drain(pg, out, 8, &res), -EPROTO);
		check_resync(XPI_RING_FAULT_HALVES, 0);
	}
}
END_TEST

START_TEST(test_corrupt_lone_half)
{
	set_pointers(509, 509);
	inval(9);
	inval(UINT64_C(0x500000000));
	pg->write_pointer--; /* only the first half published */
	ck_assert_int_eq(xpi_ring_drain(pg, out, 8, &res), -EPROTO);
	ck_assert_uint_eq(out[0].data, 9);
	ck_assert_uint_eq(res.fault_pointer, 510);
	check_resync(XPI_RING_FAULT_LONE_HALF, 1);
	/* A lone half at the very end of the page and the ring. */
	set_pointers(510, 510);
	inval(UINT64_C(0x600000000));
	pg->write_pointer--;
	ck_assert_int_eq(xpi_ring_drain(pg, out, 8, &res), -EPROTO);
	check_resync(XPI_RING_FAULT_LONE_HALF, 0);
	/* A lone half stays lone when max stops earlier. */
	set_pointers(0, 0);
	inval(1);
	inval(UINT64_C(0x600000000));
	pg->write_pointer--;
	ck_assert_int_eq(xpi_ring_drain(pg, out, 1, &res), 1);
	ck_assert_int_eq(xpi_ring_drain(pg, out, 1, &res), -EPROTO);
}
END_TEST

/* Every slot of the page (511 slots, the last ends at byte 4095) is read
 * with random bytes and random pointers: no fault, no read outside. */
START_TEST(test_random_pages_stay_inside)
{
	uint64_t x = 88172645463325252ull;

	for (unsigned int round = 0; round < 20000; round++) {
		unsigned char *b = (unsigned char *)pg;
		uint32_t rp, d;
		int rc;

		for (unsigned int i = 0; i < XPI_RING_PAGE_SIZE; i += 8) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* Mostly valid types so that long runs are parsed. */
			memcpy(b + i, &x, 8);
			if (x & 0x100000)
				b[i] = (x >> 21) & 1 ? IOREQ_TYPE_INVALIDATE
						     : IOREQ_TYPE_PIO;
		}
		rp = (uint32_t)x;
		d = (uint32_t)(x >> 40) % 600;
		set_pointers(rp, rp + d);
		rc = xpi_ring_drain(pg, out, XPI_RING_SLOTS, &res);
		ck_assert(rc == -EPROTO || (rc >= 0 && res.slots == d));
		ck_assert_uint_le(res.entries, XPI_RING_SLOTS);
		ck_assert_uint_eq(pg->read_pointer, pg->write_pointer);
	}
}
END_TEST

START_TEST(test_fault_names)
{
	for (int f = XPI_RING_OK; f <= XPI_RING_FAULT_HALVES; f++)
		ck_assert_str_ne(xpi_ring_fault_name((enum xpi_ring_fault)f),
				 "?");
	ck_assert_str_eq(xpi_ring_fault_name((enum xpi_ring_fault)99), "?");
}
END_TEST

static Suite *ring_suite(void)
{
	Suite *s = suite_create("ring");
	TCase *tc = tcase_create("parser");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_layout_fields);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_order_and_types);
	tcase_add_test(tc, test_wrap_around);
	tcase_add_test(tc, test_qword_straddles_wrap);
	tcase_add_test(tc, test_full_ring);
	tcase_add_test(tc, test_max_limits);
	tcase_add_test(tc, test_canonicalisation);
	tcase_add_test(tc, test_pointer_overflow);
	tcase_add_test(tc, test_corrupt_distance);
	tcase_add_test(tc, test_corrupt_read_ahead);
	tcase_add_test(tc, test_corrupt_type);
	tcase_add_test(tc, test_corrupt_lone_half);
	tcase_add_test(tc, test_every_xen_type_by_size);
	tcase_add_test(tc, test_corrupt_halves);
	tcase_add_test(tc, test_random_pages_stay_inside);
	tcase_add_test(tc, test_fault_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return xt_run(ring_suite());
}
