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
#include <sys/mman.h>
#include <time.h>

#define __XEN_TOOLS__ 1
#include <xenctrl.h>
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
	unsigned int examined;	/* queue entries looked at in one exit, max */
	unsigned long queued;	/* invalidates queued now, all guests */
	unsigned long queued_max;
	unsigned long released;	/* frames let go of after an IOTLB flush */
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

static void dma_truth(void)
{
	volatile unsigned char *bar = MAP_FAILED;
	unsigned char *pa = NULL, *pb = NULL;
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
		bar = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   0);
		close(fd);
	}
	check(bar != MAP_FAILED &&
		      *(volatile uint32_t *)bar == 0x010000ed,
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
	for (unsigned int i = 0; i < 4096; i++)
		pa[i] = (unsigned char)(i * 7 + 3);
	memset(pb, 0, 4096);

	rc = xpi_map_range(h, DMA_BFN_A, mfn[0], 1,
			   IOMMU_OP_readable | IOMMU_OP_writeable);
	check(rc == 0 && xpi_map_range(h, DMA_BFN_B, mfn[1], 1,
				       IOMMU_OP_readable |
					       IOMMU_OP_writeable) == 0,
	      "BFNs 0x%llx and 0x%llx mapped by the library (%d)",
	      (unsigned long long)DMA_BFN_A, (unsigned long long)DMA_BFN_B,
	      rc);
	rc = edu_copy(bar);
	check(rc == 0 && !memcmp(pa, pb, EDU_LEN),
	      "edu read page A through BFN A and wrote it to page B through"
	      " BFN B: %u bytes equal (%d)",
	      EDU_LEN, rc);

	/* Unmapped: the read through BFN A must fault. */
	check(xpi_unmap_range(h, DMA_BFN_A, 1) == 0, "BFN A unmapped");
	for (unsigned int i = 0; i < 4096; i++)
		pa[i] = (unsigned char)(i * 13 + 5);
	memset(pb, 0, 4096);
	rc = edu_copy(bar);
	check(rc == 0 && memcmp(pa, pb, EDU_LEN),
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

#endif /* XPI_REAL_XEN_DMA_TRUTH_H */
