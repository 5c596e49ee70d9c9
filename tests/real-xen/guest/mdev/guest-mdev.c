// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * guest-mdev: the guest side of xpi-mdev (docs/mdev.md), static, plain
 * libc.  Waits for the device's ID at MMIO (default 0xe0000000, /dev/mem),
 * then over and over: two fresh pages (their GFNs from /proc/self/pagemap,
 * so that over time the device maps many of the guest's pages and the
 * balloon driver later takes some back), a random pattern in one, other
 * bytes in the other, a copy by the device, and a check that the pattern
 * arrived and the source is unchanged; each round copies A->B and then
 * B->A.  Every 5 s one line: "mdev: checked N bad M gone G".
 * A device that vanishes (status all ones) is waited for again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PG 4096u
#define ID 0x4d444556u

static volatile uint32_t *regs;

static uint32_t r32(unsigned int off)
{
	return regs[off / 4];
}

static void w32(unsigned int off, uint32_t v)
{
	regs[off / 4] = v;
}

static void w64(unsigned int off, uint64_t v)
{
	*(volatile uint64_t *)((volatile char *)regs + off) = v;
}

/* The guest-physical address of the page at @p va, 0 if unknown. */
static uint64_t gpa_of(int pm, void *va)
{
	uint64_t e;

	if (pread(pm, &e, 8, (off_t)((uintptr_t)va / PG * 8)) != 8)
		return 0;
	if (!(e & (UINT64_C(1) << 63)))
		return 0;
	return (e & ((UINT64_C(1) << 55) - 1)) * PG;
}

static uint64_t seed = 88172645463325252u;

static uint8_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (uint8_t)(seed >> 24);
}

/* 0 checked, 1 wrong bytes, 2 device gone or error. */
static int copy_check(uint8_t *s, uint8_t *d, uint64_t sg, uint64_t dg,
		      uint32_t off, uint32_t len)
{
	static uint8_t want[PG];

	for (uint32_t i = 0; i < len; i++)
		want[i] = s[off + i] = rnd();
	memset(d, 0xa5, PG);
	w64(0x08, sg + off);
	w64(0x10, dg + off);
	w32(0x18, len);
	w32(0x1c, 1);
	if (r32(0x20) != 1)
		return 2;
	if (memcmp(d + off, want, len) || memcmp(s + off, want, len))
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t base = argc > 1 ? strtoull(argv[1], NULL, 0) : 0xe0000000u;
	unsigned long checked = 0, bad = 0, gone = 0, rounds = 0;
	time_t last = time(NULL);
	int mem = open("/dev/mem", O_RDWR | O_SYNC);
	int pm = open("/proc/self/pagemap", O_RDONLY);
	void *m;

	if (mem < 0 || pm < 0) {
		printf("mdev: cannot open /dev/mem or pagemap: %s\n",
		       strerror(errno));
		return 1;
	}
	m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, mem,
		 (off_t)base);
	if (m == MAP_FAILED) {
		printf("mdev: cannot map %#llx: %s\n", (unsigned long long)base,
		       strerror(errno));
		return 1;
	}
	regs = m;
	for (;;) {
		uint8_t *a, *b;
		uint64_t ga, gb;
		uint32_t off, len;
		int r1, r2;

		if (r32(0) != ID) {
			sleep(1);
			continue;
		}
		a = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE |
				 MAP_LOCKED,
			 -1, 0);
		if (a == MAP_FAILED) {
			sleep(1);
			continue;
		}
		b = a + PG;
		ga = gpa_of(pm, a);
		gb = gpa_of(pm, b);
		off = rnd() % 2048;
		len = 1 + (uint32_t)(rnd() | rnd() << 8) % (PG - off);
		if (ga && gb) {
			r1 = copy_check(a, b, ga, gb, off, len);
			r2 = r1 == 2 ? 2 : copy_check(b, a, gb, ga, off, len);
			checked += (r1 == 0) + (r2 == 0);
			bad += (r1 == 1) + (r2 == 1);
			gone += (r1 == 2) + (r2 == 2);
		}
		munmap(a, 2 * PG);
		rounds++;
		if (time(NULL) - last >= 5) {
			last = time(NULL);
			printf("mdev: checked %lu bad %lu gone %lu rounds %lu\n",
			       checked, bad, gone, rounds);
			fflush(stdout);
		}
	}
}
