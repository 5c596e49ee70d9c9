/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DMA truth, included by patched-test.c (h, check()): QEMU's edu device
 * (1234:11e8, owned by dom0 behind the emulated VT-d) reads through a BFN
 * the library mapped and gets that page's bytes; after the unmap its read
 * faults.
 *
 * The pages: two fresh frames Xen gives dom0 (XENMEM_increase_reservation:
 * a PV domain gets their MFNs back, and its kernel does not use them), so
 * the test knows their MFNs and owns them; they are mapped into this
 * process with privcmd (xenforeignmemory, DOMID_SELF) to write and read
 * them.  The boot gives dom0 room for them (dom0_mem=...,max:...).
 *
 * edu (QEMU hw/misc/edu.c, BAR 0): 0x80 DMA source, 0x88 destination,
 * 0x90 count, 0x98 command (bit 0 run, bit 1 device to RAM); its buffer is
 * at device address 0x40000.  It does not show the buffer through MMIO, so
 * each check is two DMAs: page A (BFN A) into the buffer, the buffer into
 * page B (BFN B).  At most 2048 bytes (QEMU 7.2's edu aborts on 4096), and
 * addresses below the 40-bit dma_mask the boot gives it.
 */
#ifndef XPI_REAL_XEN_DMA_TRUTH_H
#define XPI_REAL_XEN_DMA_TRUTH_H

#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>

#define __XEN_TOOLS__ 1
#include <xencall.h>
#include <xenctrl.h>
#include <xendevicemodel.h>
#include <xenforeignmemory.h>

#define EDU_BUF 0x40000u
#define EDU_LEN 2048u
#define DMA_BFN_A UINT64_C(0x1000000) /* bus address 2^36 */
#define DMA_BFN_B (DMA_BFN_A + 1)

/* The first line of PCI device @dev's sysfs attribute @attr ("" if none). */
static void pci_attr(const char *dev, const char *attr, char *buf, size_t len)
{
	char p[320];
	FILE *f;

	buf[0] = 0;
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/%s", dev, attr);
	f = fopen(p, "r");
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = 0;
	fclose(f);
}

/* The sysfs directory of the edu device, or "" when there is none. */
static void edu_find(char *dir, size_t len)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;

	dir[0] = 0;
	while (d && (e = readdir(d))) {
		char v[16], dv[16];

		if (e->d_name[0] == '.')
			continue;
		pci_attr(e->d_name, "vendor", v, sizeof(v));
		pci_attr(e->d_name, "device", dv, sizeof(dv));
		if (!strncmp(v, "0x1234", 6) && !strncmp(dv, "0x11e8", 6)) {
			snprintf(dir, len, "/sys/bus/pci/devices/%s",
				 e->d_name);
			break;
		}
	}
	if (d)
		closedir(d);
}

/* Memory decoding and bus mastering on (PCI command bits 1 and 2). */
static int edu_enable(const char *dir)
{
	char p[320];
	uint16_t cmd;
	int fd, ok;

	snprintf(p, sizeof(p), "%s/config", dir);
	fd = open(p, O_RDWR);
	if (fd < 0)
		return -errno;
	ok = pread(fd, &cmd, 2, 4) == 2;
	cmd |= 0x6;
	ok = ok && pwrite(fd, &cmd, 2, 4) == 2;
	close(fd);
	return ok ? 0 : -EIO;
}

/*
 * Find edu, turn bus mastering on and map its BAR 0 (1 MiB): the BAR, or
 * MAP_FAILED.  @dir receives its sysfs directory, empty if there is none.
 */
static volatile unsigned char *edu_map_bar(char *dir, size_t len)
{
	void *bar = MAP_FAILED;
	char p[320];
	int fd;

	edu_find(dir, len);
	if (!dir[0] || edu_enable(dir))
		return MAP_FAILED;
	snprintf(p, sizeof(p), "%s/resource0", dir);
	fd = open(p, O_RDWR | O_SYNC);
	if (fd >= 0) {
		bar = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED,
			   fd, 0);
		close(fd);
	}
	return bar;
}

static void edu_w64(volatile unsigned char *bar, unsigned int off, uint64_t v)
{
	*(volatile uint64_t *)(bar + off) = v;
}

/* One DMA; 0 when the device reports it done, -ETIMEDOUT after 10 s. */
static int edu_dma(volatile unsigned char *bar, uint64_t src, uint64_t dst,
		   int to_ram)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	edu_w64(bar, 0x80, src);
	edu_w64(bar, 0x88, dst);
	edu_w64(bar, 0x90, EDU_LEN);
	edu_w64(bar, 0x98, to_ram ? 0x3 : 0x1);
	for (int i = 0; i < 1000; i++) {
		if (!(*(volatile uint64_t *)(bar + 0x98) & 1))
			return 0;
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

/* page A -> edu -> page B, through BFNs A and B. */
static int edu_copy(volatile unsigned char *bar)
{
	int rc = edu_dma(bar, DMA_BFN_A << 12, EDU_BUF, 0);

	return rc ? rc : edu_dma(bar, EDU_BUF, DMA_BFN_B << 12, 1);
}

/* 1 if Xen's console ring holds @needle. */
static int xen_console_has(xc_interface *xch, const char *needle)
{
	static char buf[1 << 16];
	unsigned int size = sizeof(buf) - 1;
	char *p = buf;

	if (xc_readconsolering(xch, p, &size, 0, 0, NULL))
		return 0;
	buf[size] = 0;
	return strstr(buf, needle) != NULL;
}

/*
 * The patched Xen's PV IOMMU debug counters: dom0 presses its 'j' debug
 * key (xc_send_debug_keys()), Xen prints one line to its console and
 * starts its maxima again, and the test reads that line back from the
 * console ring.  0, or -1 when there is no such line (a Xen without it).
 */
struct pv_counters {
	unsigned int examined; /* queue entries looked at in one exit, max */
	unsigned long queued;  /* invalidates queued now, all guests */
	unsigned long queued_max;
	unsigned long released; /* frames let go of after an IOTLB flush */
	unsigned long swapped;	/* frames swapped to a scratch page */
};

static int pv_counters(xc_interface *xch, struct pv_counters *c)
{
	static char buf[1 << 17];
	static const char key[] = "pv-iommu: pending examined per exit max ";
	unsigned int size = sizeof(buf) - 1;
	char *p, *last = NULL;

	memset(c, 0, sizeof(*c));
	if (xc_send_debug_keys(xch, "j") ||
	    xc_readconsolering(xch, buf, &size, 0, 0, NULL))
		return -1;
	buf[size] = 0;
	for (p = buf; (p = strstr(p, key)); p++)
		last = p;
	if (!last)
		return -1;
	return sscanf(last + sizeof(key) - 1,
		      "%u, queued now %lu, queued max %lu, frames released"
		      " after flush %lu, frames swapped %lu",
		      &c->examined, &c->queued, &c->queued_max, &c->released,
		      &c->swapped) == 5
		       ? 0
		       : -1;
}

static int xen_saw_fault(xc_interface *xch)
{
	/* VT-d: "DMAR:[DMA Read] Request device [...] fault addr 1000000000" */
	return xen_console_has(xch, "fault addr 1000000000");
}

#define DMA_MARK 0xa5 /* a destination page's bytes before a DMA */
#define DMA_SP_BFN UINT64_C(0x1000400) /* order-9 aligned, below 2^40 */

/* Page pattern @seed: byte i is i * (2 seed + 7) + seed, all 256 values. */
static void dma_pattern(unsigned char *p, unsigned int seed)
{
	for (unsigned int i = 0; i < 4096; i++)
		p[i] = (unsigned char)(i * (2 * seed + 7) + seed);
}

/* One copy: bus page @src -> edu's buffer -> bus page @dst. */
static int edu_through(volatile unsigned char *bar, uint64_t src, uint64_t dst)
{
	int rc = edu_dma(bar, src << 12, EDU_BUF, 0);

	return rc ? rc : edu_dma(bar, EDU_BUF, dst << 12, 1);
}

/*
 * The verdict on one copy from page @src to page @dst (the pages as this
 * process sees them): 1 when @dst's first EDU_LEN bytes are the saved
 * copy @want of what was written to @src, the rest of @dst is still
 * DMA_MARK, and @src is unchanged (all of it still @want).  Never compares
 * the two pages with each other: a device that reads and writes the
 * wrong frames cannot make them agree.
 */
static int dma_agrees(const unsigned char *src, const unsigned char *dst,
		      const unsigned char *want)
{
	if (memcmp(dst, want, EDU_LEN) || memcmp(src, want, 4096))
		return 0;
	for (unsigned int i = EDU_LEN; i < 4096; i++)
		if (dst[i] != DMA_MARK)
			return 0;
	return 1;
}

/* 1 if all @n bytes at @p are @v. */
static int dma_all(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

/*
 * Order 9: a fresh 2 MiB extent of dom0 (XENMEM_increase_reservation of
 * order 9), each page its own pattern, mapped by the library at an
 * aligned BFN as one extent.  edu reads its first, second, middle and last
 * pages, and writes its page 300: only that page changes.
 */
static void dma_superpage(xc_interface *xch, xenforeignmemory_handle *fmem,
			  volatile unsigned char *bar, unsigned char *pa,
			  unsigned char *pb)
{
	static const unsigned int at[] = { 0, 1, 255, 511 };
	static unsigned char want[512][4096], mine[4096];
	xen_pfn_t sp = 0, mfns[512];
	unsigned char *s = NULL;
	unsigned int ok = 0;
	int rc, err[512];
	size_t before = xpi_mapping_count(h);

	rc = xc_domain_increase_reservation_exact(xch, 0, 1, 9, 0, &sp);
	check(rc == 0 && !(sp & 511),
	      "DMA truth: a fresh 2 MiB extent of dom0 from Xen (MFN 0x%lx,"
	      " rc %d)",
	      (unsigned long)sp, rc);
	if (rc)
		return;
	for (unsigned int k = 0; k < 512; k++)
		mfns[k] = sp + k;
	s = xenforeignmemory_map(fmem, DOMID_SELF, PROT_READ | PROT_WRITE, 512,
				 mfns, err);
	for (unsigned int k = 0; s && k < 512; k++)
		if (err[k]) {
			xenforeignmemory_unmap(fmem, s, 512);
			s = NULL;
		}
	rc = s ? xpi_map_range(h, DMA_SP_BFN, sp, 512, RW) : -1;
	check(rc == 0 && xpi_mapping_count(h) == before + 1,
	      "DMA truth: the 512 pages mapped into this process and by the"
	      " library at BFN 0x%llx as one order-9 extent (%d)",
	      (unsigned long long)DMA_SP_BFN, rc);
	if (rc)
		goto out;
	for (unsigned int k = 0; k < 512; k++) {
		dma_pattern(want[k], 1000 + k);
		memcpy(s + (size_t)k * 4096, want[k], 4096);
	}
	for (unsigned int j = 0; j < sizeof(at) / sizeof(*at); j++) {
		memset(pb, DMA_MARK, 4096);
		rc = edu_through(bar, DMA_SP_BFN + at[j], DMA_BFN_B);
		ok += !rc &&
		      dma_agrees(s + (size_t)at[j] * 4096, pb, want[at[j]]);
	}
	check(ok == sizeof(at) / sizeof(*at),
	      "DMA truth: edu read pages 0, 1, 255 and 511 of the order-9"
	      " extent through its BFNs: %u of 4 equal their saved patterns,"
	      " the pages unchanged",
	      ok);
	dma_pattern(mine, 77);
	memcpy(pa, mine, 4096);
	rc = edu_through(bar, DMA_BFN_A, DMA_SP_BFN + 300);
	ok = 0;
	for (unsigned int k = 0; k < 512; k++) {
		const unsigned char *pg = s + (size_t)k * 4096;

		if (k == 300)
			ok += !memcmp(pg, mine, EDU_LEN) &&
			      !memcmp(pg + EDU_LEN, want[300] + EDU_LEN,
				      4096 - EDU_LEN);
		else
			ok += !memcmp(pg, want[k], 4096);
	}
	check(rc == 0 && ok == 512 && !memcmp(pa, mine, 4096),
	      "DMA truth: edu wrote page A into page 300 of the extent through"
	      " BFN 0x%llx: that page got the bytes, the other 511 are"
	      " unchanged (%u of 512 as expected, %d)",
	      (unsigned long long)(DMA_SP_BFN + 300), ok, rc);
	check(xpi_unmap_range(h, DMA_SP_BFN, 512) == 0,
	      "DMA truth: the order-9 extent unmapped");
out:
	if (s)
		xenforeignmemory_unmap(fmem, s, 512);
	xc_domain_decrease_reservation_exact(xch, 0, 1, 9, &sp);
}

/* @superpage: also DMA through an order-9 extent (the relaxed boot). */
static void dma_truth(int superpage)
{
	volatile unsigned char *bar = MAP_FAILED;
	unsigned char *pa = NULL, *pb = NULL, want[4096];
	xenforeignmemory_handle *fmem = NULL;
	xen_pfn_t mfn[2] = { 0, 0 };
	xc_interface *xch = NULL;
	char dir[300], p[320];
	int err[2], rc, fd, have_pages = 0;

	edu_find(dir, sizeof(dir));
	check(dir[0] != 0, "DMA truth: the edu device is present (%s)", dir);
	if (!dir[0])
		return;
	rc = edu_enable(dir);
	check(rc == 0, "edu: bus mastering on (%d)", rc);
	snprintf(p, sizeof(p), "%s/resource0", dir);
	fd = open(p, O_RDWR | O_SYNC);
	if (fd >= 0) {
		bar = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED,
			   fd, 0);
		close(fd);
	}
	check(bar != MAP_FAILED && *(volatile uint32_t *)bar == 0x010000ed,
	      "edu: BAR 0 mapped, identification 0x010000ed");
	if (bar == MAP_FAILED)
		return;

	xch = xc_interface_open(NULL, NULL, 0);
	fmem = xenforeignmemory_open(NULL, 0);
	rc = xch ? xc_domain_increase_reservation_exact(xch, 0, 2, 0, 0, mfn)
		 : -1;
	have_pages = rc == 0;
	check(have_pages && fmem,
	      "two fresh dom0 frames from Xen (MFNs 0x%lx 0x%lx, rc %d errno %d)",
	      (unsigned long)mfn[0], (unsigned long)mfn[1], rc, errno);
	if (!have_pages || !fmem)
		goto out;
	/*
	 * privcmd maps a PV domain's frames by MFN; dom0's own frames need
	 * DOMID_SELF (as domid 0 each page fails with -ESRCH).
	 */
	pa = xenforeignmemory_map(fmem, DOMID_SELF, PROT_READ | PROT_WRITE, 1,
				  &mfn[0], &err[0]);
	pb = xenforeignmemory_map(fmem, DOMID_SELF, PROT_READ | PROT_WRITE, 1,
				  &mfn[1], &err[1]);
	if ((pa && err[0]) || (pb && err[1])) {
		printf("# mapping the frames: errors %d %d\n", err[0], err[1]);
		if (pa)
			xenforeignmemory_unmap(fmem, pa, 1);
		if (pb)
			xenforeignmemory_unmap(fmem, pb, 1);
		pa = pb = NULL;
	}
	check(pa && pb, "the two frames mapped into this process");
	if (!pa || !pb)
		goto out;

	/*
	 * The swapped BFNs first: A mapped to page B's frame and B to page
	 * A's.  The device then reads page B (the marker) and writes it over
	 * page A: the verdict must say no.
	 */
	dma_pattern(want, 1);
	memcpy(pa, want, 4096);
	memset(pb, DMA_MARK, 4096);
	rc = xpi_map_range(h, DMA_BFN_A, mfn[1], 1, RW);
	if (!rc)
		rc = xpi_map_range(h, DMA_BFN_B, mfn[0], 1, RW);
	if (!rc)
		rc = edu_copy(bar);
	check(rc == 0 && !dma_agrees(pa, pb, want) &&
		      dma_all(pa, EDU_LEN, DMA_MARK) &&
		      dma_all(pb, 4096, DMA_MARK),
	      "DMA truth, negative: with BFNs A and B swapped edu copied page"
	      " B over page A, and the comparison with the saved pattern"
	      " fails as it must (%d)",
	      rc);
	xpi_unmap_range(h, DMA_BFN_A, 1);
	xpi_unmap_range(h, DMA_BFN_B, 1);

	dma_pattern(want, 2);
	memcpy(pa, want, 4096);
	memset(pb, DMA_MARK, 4096);
	rc = xpi_map_range(h, DMA_BFN_A, mfn[0], 1, RW);
	check(rc == 0 && xpi_map_range(h, DMA_BFN_B, mfn[1], 1, RW) == 0,
	      "BFNs 0x%llx and 0x%llx mapped by the library (%d)",
	      (unsigned long long)DMA_BFN_A, (unsigned long long)DMA_BFN_B, rc);
	rc = edu_copy(bar);
	check(rc == 0 && dma_agrees(pa, pb, want),
	      "edu read page A through BFN A and wrote it to page B through"
	      " BFN B: %u bytes equal to the saved pattern, the rest of B"
	      " untouched, page A unchanged (%d)",
	      EDU_LEN, rc);
	if (superpage)
		dma_superpage(xch, fmem, bar, pa, pb);

	/* Unmapped: the read through BFN A must fault. */
	check(xpi_unmap_range(h, DMA_BFN_A, 1) == 0, "BFN A unmapped");
	dma_pattern(want, 3);
	memcpy(pa, want, 4096);
	memset(pb, DMA_MARK, 4096);
	rc = edu_copy(bar);
	check(rc == 0 && memcmp(pb, want, EDU_LEN) && !memcmp(pa, want, 4096),
	      "after the unmap edu's read through BFN A does not reach the"
	      " page (%d)",
	      rc);
	check(xen_saw_fault(xch),
	      "Xen reported the DMA fault at BFN A's address");
	check(xpi_unmap_range(h, DMA_BFN_B, 1) == 0, "BFN B unmapped");
out:
	if (pa)
		xenforeignmemory_unmap(fmem, pa, 1);
	if (pb)
		xenforeignmemory_unmap(fmem, pb, 1);
	if (have_pages)
		xc_domain_decrease_reservation_exact(xch, 0, 2, 0, mfn);
	if (fmem)
		xenforeignmemory_close(fmem);
	if (xch)
		xc_interface_close(xch);
	munmap((void *)bar, 1 << 20);
}

/*
 * DMA racing unmap (issue 13, H-1 test (b)): the device never reads a
 * frame after Xen handed it on.  A guest page G, its bytes known, is
 * mapped at BFN R with map_foreign_page (no swap_mfn) and ballooned out of
 * the guest, so the mapping holds the frame's last reference; an edu read
 * of R primes the IOTLB.  Then one do_iommu_op call from a libxencall
 * buffer: unmap_foreign_page(R) and 1023 query_caps.  Xen writes op 0's
 * status before the call's flush and releases the frame only after it, so
 * a second thread that sees that status turn 0 while the call runs may
 * find the frame still the guest's (and the device still reading it), but
 * never freed and still readable.  After the call: the read faults and the
 * frame is free.  Second, an edu read loop on another BFN while a batch
 * unmaps it: no read begun after the call returned gets the page's bytes.
 *
 * Each read clears edu's buffer first (a DMA from dom0's page at BFN A):
 * a faulting read leaves the buffer as it was, and the buffer is then
 * copied to dom0's page at BFN B (dma_truth()'s pages).
 *
 * Guest helpers are foreign.h's (defined after this file).
 */
static int guest_create(xc_interface *xch, uint32_t *domid, uint32_t ssidref);
static unsigned long guest_pages(xc_interface *xch, uint32_t domid);
static int fop(uint16_t subop, uint16_t flags, uint64_t bfn, uint64_t gfn,
	       uint16_t domid, uint16_t ios, struct pv_iommu_op *out);

#define RACE_BFN UINT64_C(0x1000200) /* below edu's 40-bit dma_mask */
#define RACE_LOOP_BFN (RACE_BFN + 1)
#define RACE_OPS 1024u
#define RACE_HYPERCALL 56     /* do_iommu_op in hypervisor/patches */
#define RACE_UNSET 0x5a5a5a5a /* op 0's status before Xen writes it */

struct race {
	volatile unsigned char *bar;
	unsigned char *pz, *pq;	      /* dom0's pages at BFN A (reset), BFN B */
	unsigned char guest[EDU_LEN]; /* the guest page's bytes */
	xc_interface *xch;
	xencall_handle *xcall;
	struct pv_iommu_op *ops; /* the call's libxencall buffer */
	uint32_t domid;
	uint16_t ios;
	uint64_t bfn;
	long call_rc;
	atomic_int done;  /* the call returned */
	atomic_int iters; /* loop: reads finished */
	/* what the polling thread saw when op 0's status turned 0 */
	int saw, in_call, read_rc, read_guest;
	unsigned long pages_at, free_at;
	/* the loop: reads begun after the call returned, how many got G */
	int loop_before_guest, loop_after, loop_after_guest, loop_err;
};

static unsigned long race_free_pages(xc_interface *xch)
{
	xc_physinfo_t pi;

	memset(&pi, 0, sizeof(pi));
	return xc_physinfo(xch, &pi) ? 0 : (unsigned long)pi.free_pages;
}

/* One read of @bfn: 1 if it got the guest's bytes, 0 if not, <0 timeout. */
static int race_read(struct race *r, uint64_t bfn)
{
	int rc;

	for (unsigned int i = 0; i < EDU_LEN; i++)
		r->pz[i] = (unsigned char)(i * 3 + 0x41);
	memset(r->pq, 0, 4096);
	rc = edu_dma(r->bar, DMA_BFN_A << 12, EDU_BUF, 0);
	if (!rc)
		rc = edu_dma(r->bar, bfn << 12, EDU_BUF, 0);
	if (!rc)
		rc = edu_dma(r->bar, EDU_BUF, DMA_BFN_B << 12, 1);
	return rc ? rc : !memcmp(r->pq, r->guest, EDU_LEN);
}

/* The call: unmap_foreign_page(r->bfn), then query_caps to the end. */
static void race_fill(struct race *r)
{
	memset(r->ops, 0, RACE_OPS * sizeof(*r->ops));
	r->ops[0].subop_id = IOMMUOP_unmap_foreign_page;
	r->ops[0].u.unmap_foreign_page.bfn = r->bfn;
	r->ops[0].u.unmap_foreign_page.ioserver = r->ios;
	for (unsigned int i = 0; i < RACE_OPS; i++) {
		if (i)
			r->ops[i].subop_id = IOMMUOP_query_caps;
		r->ops[i].status = RACE_UNSET;
	}
}

static void *race_call(void *arg)
{
	struct race *r = arg;

	r->call_rc = xencall2(r->xcall, RACE_HYPERCALL,
			      (uint64_t)(uintptr_t)r->ops, RACE_OPS);
	atomic_store(&r->done, 1);
	return NULL;
}

/* Thread 2: wait for op 0's status to turn 0, then look and read. */
static void race_poll(struct race *r)
{
	volatile int32_t *st = &r->ops[0].status;

	while (*st == RACE_UNSET && !atomic_load(&r->done))
		sched_yield(); /* one vCPU: let the call's thread in */
	r->saw = *st == 0;
	r->in_call = !atomic_load(&r->done);
	r->free_at = race_free_pages(r->xch);
	r->pages_at = guest_pages(r->xch, r->domid);
	r->read_rc = race_read(r, r->bfn);
	r->read_guest = r->read_rc == 1;
}

/* Thread 2 of the loop: reads until three began after the call returned. */
static void *race_loop(void *arg)
{
	struct race *r = arg;

	for (int i = 0; i < 200 && r->loop_after < 3; i++) {
		int after = atomic_load(&r->done), rc = race_read(r, r->bfn);

		if (rc < 0) {
			r->loop_err = rc;
			break;
		}
		if (!after && !i)
			r->loop_before_guest = rc;
		if (after) {
			r->loop_after++;
			r->loop_after_guest += rc;
		}
		atomic_fetch_add(&r->iters, 1);
	}
	return NULL;
}

/* Guest page @g filled with r->guest, mapped at @bfn, ballooned out. */
static int race_prepare(struct race *r, xenforeignmemory_handle *fmem,
			xen_pfn_t g, uint64_t bfn, unsigned long *pages)
{
	unsigned char *gp;
	unsigned long before;
	int err = 0, rc;

	gp = xenforeignmemory_map(fmem, r->domid, PROT_READ | PROT_WRITE, 1, &g,
				  &err);
	if (!gp || err) {
		if (gp)
			xenforeignmemory_unmap(fmem, gp, 1);
		return -1;
	}
	for (unsigned int i = 0; i < EDU_LEN; i++)
		r->guest[i] = gp[i] = (unsigned char)(i * 29 + bfn);
	xenforeignmemory_unmap(fmem, gp, 1);
	rc = fop(IOMMUOP_map_foreign_page, IOMMUOP_readable | IOMMUOP_writeable,
		 bfn, g, (uint16_t)r->domid, r->ios, NULL);
	before = guest_pages(r->xch, r->domid);
	if (!rc)
		rc = xc_domain_decrease_reservation_exact(r->xch, r->domid, 1,
							  0, &g);
	*pages = guest_pages(r->xch, r->domid);
	r->bfn = bfn;
	return rc || *pages != before ? -2 : 0;
}

static int race_ops_ok(struct race *r)
{
	int k = r->ops[0].status == 0;

	for (unsigned int i = 1; i < RACE_OPS; i++)
		k += r->ops[i].status == 0;
	return k;
}

static void dma_race(void)
{
	static struct race r;
	xenforeignmemory_handle *fmem = xenforeignmemory_open(NULL, 0);
	xendevicemodel_handle *dm = xendevicemodel_open(NULL, 0);
	xen_pfn_t mfn[2] = { 0, 0 };
	unsigned long pages, free0, free1, pages1;
	int rc, err[2] = { 1, 1 }, have_pages = 0, have_ios = 0;
	int mapped = 0;
	char dir[300], p[320];
	ioservid_t ios = 0;
	pthread_t t;

	memset(&r, 0, sizeof(r));
	r.bar = MAP_FAILED;
	r.xch = xc_interface_open(NULL, NULL, 0);
	r.xcall = xencall_open(NULL, 0);
	if (r.xcall)
		r.ops = xencall_alloc_buffer(r.xcall,
					     RACE_OPS * sizeof(*r.ops));
	r.bar = edu_map_bar(dir, sizeof(dir));
	rc = r.xch && fmem && dm && r.ops && r.bar != MAP_FAILED ? 0 : -1;
	if (!rc)
		rc = xc_domain_increase_reservation_exact(r.xch, 0, 2, 0, 0,
							  mfn);
	have_pages = !rc;
	if (!rc) {
		r.pz = xenforeignmemory_map(fmem, DOMID_SELF,
					    PROT_READ | PROT_WRITE, 1, &mfn[0],
					    &err[0]);
		r.pq = xenforeignmemory_map(fmem, DOMID_SELF,
					    PROT_READ | PROT_WRITE, 1, &mfn[1],
					    &err[1]);
		rc = r.pz && r.pq && !err[0] && !err[1] ? 0 : -1;
	}
	if (!rc)
		rc = xpi_map_range(h, DMA_BFN_A, mfn[0], 1, RW) ||
		     xpi_map_range(h, DMA_BFN_B, mfn[1], 1, RW);
	mapped = !rc;
	if (!rc)
		rc = guest_create(r.xch, &r.domid, 0);
	if (!rc) {
		rc = xendevicemodel_create_ioreq_server(
			dm, r.domid, HVM_IOREQSRV_BUFIOREQ_ATOMIC, &ios);
		have_ios = !rc;
	}
	if (!rc)
		rc = xendevicemodel_set_ioreq_server_state(dm, r.domid, ios, 1);
	r.ios = ios;
	check(rc == 0,
	      "DMA race: edu, a libxencall buffer of %u ops, dom0 pages at BFNs"
	      " A and B, guest d%u with ioreq server %u (%d)",
	      RACE_OPS, r.domid, ios, rc);
	if (rc)
		goto out;

	/* 1. The status-polling race. */
	rc = race_prepare(&r, fmem, 960, RACE_BFN, &pages);
	check(rc == 0,
	      "DMA race: guest page 960 mapped at BFN 0x%llx (map_foreign_page)"
	      " and ballooned out: the mapping holds its last reference (%lu"
	      " pages) (%d)",
	      (unsigned long long)RACE_BFN, pages, rc);
	if (rc)
		goto out;
	rc = race_read(&r, RACE_BFN);
	check(rc == 1,
	      "DMA race: edu reads the ballooned page's bytes through BFN"
	      " 0x%llx (the IOTLB primed) (%d)",
	      (unsigned long long)RACE_BFN, rc);
	race_fill(&r);
	free0 = race_free_pages(r.xch);
	atomic_store(&r.done, 0);
	rc = pthread_create(&t, NULL, race_call, &r);
	if (!rc) {
		race_poll(&r);
		pthread_join(t, NULL);
	}
	free1 = race_free_pages(r.xch);
	pages1 = guest_pages(r.xch, r.domid);
	check(rc == 0 && r.call_rc == 0 && race_ops_ok(&r) == (int)RACE_OPS,
	      "DMA race: one call of unmap_foreign_page and %u query_caps from"
	      " the libxencall buffer: all %d ok (%ld)",
	      RACE_OPS - 1, race_ops_ok(&r), r.call_rc);
	if (r.saw && r.in_call && r.pages_at == pages) {
		/* The window: the status written, the frame not yet let go. */
		check(r.free_at <= free0 || !r.read_guest,
		      "DMA race: op 0's status seen 0 inside the call, the frame"
		      " still the guest's (%lu pages; free %lu -> %lu); edu's"
		      " read then %s",
		      r.pages_at, free0, r.free_at,
		      r.read_guest ? "still reached it (not yet freed)"
				   : "did not reach it");
	} else {
		/*
		 * Not hit: this boot's dom0 has one vCPU (QEMU -smp 1), so
		 * the polling thread only runs once the call is over (Xen
		 * preempts only every 1024 frames, after its flush).
		 */
		printf("# DMA race: the status-polling window was not hit (op 0"
		       " seen %s, %s the call, %lu -> %lu guest pages): only the"
		       " after-return checks below apply\n",
		       r.saw ? "0" : "unset", r.in_call ? "inside" : "after",
		       pages, r.pages_at);
		check(r.saw && r.pages_at == pages - 1 && !r.read_guest,
		      "DMA race: op 0's status seen 0, the frame freed (%lu"
		      " pages): edu's read then did not reach it (%d)",
		      r.pages_at, r.read_rc);
	}
	rc = race_read(&r, RACE_BFN);
	snprintf(p, sizeof(p), "fault addr %llx",
		 (unsigned long long)RACE_BFN << 12);
	check(rc == 0 && xen_console_has(r.xch, p),
	      "DMA race: after the call edu's read of BFN 0x%llx does not reach"
	      " the page and Xen logged \"%s\" (%d)",
	      (unsigned long long)RACE_BFN, p, rc);
	check(pages1 == pages - 1 && free1 >= free0 + 1,
	      "DMA race: after the call the frame is free (guest pages %lu ->"
	      " %lu, Xen's free pages %lu -> %lu)",
	      pages, pages1, free0, free1);

	/* 2. An edu read loop while the batch unmaps. */
	rc = race_prepare(&r, fmem, 961, RACE_LOOP_BFN, &pages);
	check(rc == 0,
	      "DMA race loop: guest page 961 mapped at BFN 0x%llx and"
	      " ballooned out (%d)",
	      (unsigned long long)RACE_LOOP_BFN, rc);
	if (rc)
		goto out;
	race_fill(&r);
	atomic_store(&r.done, 0);
	atomic_store(&r.iters, 0);
	rc = pthread_create(&t, NULL, race_loop, &r);
	if (!rc) {
		while (!atomic_load(&r.iters) && !r.loop_err)
			sched_yield();
		race_call(&r);
		pthread_join(t, NULL);
	}
	pages1 = guest_pages(r.xch, r.domid);
	check(rc == 0 && r.loop_before_guest == 1 && r.call_rc == 0 &&
		      race_ops_ok(&r) == (int)RACE_OPS && !r.loop_err,
	      "DMA race loop: edu's first read got the page's bytes, then one"
	      " call unmapped it (%ld, %d ops ok, loop %d)",
	      r.call_rc, race_ops_ok(&r), r.loop_err);
	snprintf(p, sizeof(p), "fault addr %llx",
		 (unsigned long long)RACE_LOOP_BFN << 12);
	check(r.loop_after == 3 && r.loop_after_guest == 0 &&
		      pages1 == pages - 1 && xen_console_has(r.xch, p),
	      "DMA race loop: none of the %d reads begun after the call"
	      " returned got the page's bytes (%d did), the frame is free (%lu"
	      " -> %lu pages), Xen logged \"%s\"",
	      r.loop_after, r.loop_after_guest, pages, pages1, p);
out:
	if (mapped) {
		xpi_unmap_range(h, DMA_BFN_A, 1);
		xpi_unmap_range(h, DMA_BFN_B, 1);
	}
	if (r.pz)
		xenforeignmemory_unmap(fmem, r.pz, 1);
	if (r.pq)
		xenforeignmemory_unmap(fmem, r.pq, 1);
	if (have_pages)
		xc_domain_decrease_reservation_exact(r.xch, 0, 2, 0, mfn);
	if (r.domid) {
		if (have_ios)
			xendevicemodel_destroy_ioreq_server(dm, r.domid, ios);
		check(xc_domain_destroy(r.xch, r.domid) == 0, "d%u destroyed",
		      r.domid);
	}
	if (r.ops)
		xencall_free_buffer(r.xcall, r.ops);
	if (r.xcall)
		xencall_close(r.xcall);
	if (dm)
		xendevicemodel_close(dm);
	if (fmem)
		xenforeignmemory_close(fmem);
	if (r.xch)
		xc_interface_close(r.xch);
	if (r.bar != MAP_FAILED)
		munmap((void *)r.bar, 1 << 20);
}

#endif /* XPI_REAL_XEN_DMA_TRUTH_H */
