// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xpi-mdev: a mediated pass-through DMA engine for a guest.
 *
 * The guest sees a small MMIO device (the register map is in
 * docs/mdev.md): it writes a source and a destination guest-physical
 * address and a length, writes 1 to GO, and reads STATUS.  The GO write
 * completes only when the copy is done.  The emulator turns the guest's
 * GFNs into BFNs with xpi_foreign_map() (the strategy the host's caps
 * choose) and has a DMA-capable device copy the bytes through those BFNs:
 * on a real host QEMU's edu device in dom0 (two DMAs per chunk: guest
 * page to edu's buffer, buffer to guest page), in --self-test a device of
 * the simulated hypervisor that reaches memory only through the IOMMU.
 * BFNs are cached per GFN across transfers; the library's invalidate
 * listener drops a GFN's BFN when the guest balloons the page out, and
 * the next transfer maps it again.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenpviommu/deprivilege.h>

#include "common.h"

#if HAVE_XEN
#include <dirent.h>
#include <sys/mman.h>
#define __XEN_TOOLS__ 1
#include <xendevicemodel.h>
#endif

enum {
	OPT_SELF_TEST = OPT_FIRST_PRIVATE,
	OPT_DOMID,
	OPT_MMIO,
	OPT_RUNAS,
	OPT_TRANSFERS,
	OPT_GUEST_MIB,
	OPT_BALLOON_EVERY,
	OPT_NO_MAP_CAP,
	OPT_SEED,
	OPT_MAX_GFN,
	OPT_IGNORE_INVALIDATES,
	OPT_BFN_COUNT,
	OPT_VCPUS,
};

/* The register map (docs/mdev.md); 4- and 8-byte accesses. */
#define MDEV_REG_ID 0x00  /* RO, MDEV_ID */
#define MDEV_REG_SRC 0x08 /* RW 64: source guest-physical address */
#define MDEV_REG_DST 0x10 /* RW 64: destination guest-physical address */
#define MDEV_REG_LEN 0x18 /* RW 32: bytes, 1..MDEV_MAX_LEN */
#define MDEV_REG_GO 0x1c  /* WO 32: 1 starts; the write completes when done */
#define MDEV_REG_STATUS 0x20 /* RO 32: MDEV_ST_* */
#define MDEV_REG_ERROR 0x24  /* RO 32: errno of the last failed transfer */
#define MDEV_REG_DONE 0x28   /* RO 32: transfers completed */
#define MDEV_MMIO_SIZE 0x1000u
#define MDEV_ID UINT32_C(0x4d444556) /* "MDEV" */
#define MDEV_ST_IDLE 0u
#define MDEV_ST_DONE 1u
#define MDEV_ST_ERROR 2u
#define MDEV_MAX_LEN (64u * 1024u)
/* edu copies at most this much per DMA (QEMU 7.2's edu aborts on 4096). */
#define MDEV_CHUNK 2048u
#define PAGE 4096u

#define SIM_GUEST 1

/* The device that does the DMA: copy @p n bytes from bus address @p src
 * to bus address @p dst (neither crosses a page); 0 or -errno. */
struct dma_engine {
	int (*copy)(void *ctx, uint64_t src, uint64_t dst, uint32_t n);
	void *ctx;
};

struct mdev {
	struct ex_common c;
	xpi_handle *h;
	struct xpi_listener *l;
	uint16_t domid, ioserver;
	uint64_t mmio;
	unsigned int flags;
	struct dma_engine dma;
	/* Registers. */
	uint64_t src, dst;
	uint32_t len, status, error, done;
	/* The BFN cache: bfn_of[gfn] is BFN + 1, 0 when not mapped. */
	uint64_t *bfn_of;
	uint64_t max_gfn;
	/* Figures. */
	int ignore_invalidates; /* self-test of the self-test */
	uint64_t transfers, bytes, pages_mapped, cache_hits, invalidates,
		dropped, map_failures, bad_accesses;
};

static volatile sig_atomic_t stop;

static void help(void)
{
	fputs("Usage: xpi-mdev [options]\n"
	      "A mediated pass-through DMA engine for a guest: an ioreq server\n"
	      "claims an MMIO page the guest uses as a small DMA engine (source,\n"
	      "destination, length, go, status: docs/mdev.md); each transfer's\n"
	      "GFNs get BFNs with xpi_foreign_map(), cached across transfers and\n"
	      "dropped by the invalidate listener when the guest balloons, and\n"
	      "QEMU's edu device in dom0 does the copy through those BFNs.\n\n"
	      "  --domid D        the guest (required on a real host)\n"
	      "  --mmio ADDR      the guest-physical address of the device's\n"
	      "                   page (default 0xe0000000; any unused GFN)\n"
	      "  --runas UID      after opening everything, restrict the Xen\n"
	      "                   descriptors to the guest and become uid and gid\n"
	      "                   UID (numeric, not 0), as QEMU's -runas\n"
	      "  --max-gfn N      the guest's highest GFN + 1 the device accepts\n"
	      "                   (default 0x100000: 4 GiB)\n"
	      "  --vcpus N        the guest's vCPUs (default 1): the listener\n"
	      "                   reads one synchronous ioreq slot each\n"
	      "  --bfn-count N    the BFN window's size in frames (default\n"
	      "                   0x10000 on a real host; it must fit the\n"
	      "                   shim's bfn_base..bfn_limit)\n"
	      "  --self-test      no Xen: the device, its BFN cache and a guest\n"
	      "                   that copies buffers through it while it\n"
	      "                   balloons, on the simulated hypervisor, with\n"
	      "                   the auditor at the end (needs --backend sim or\n"
	      "                   none)\n\n",
	      stdout);
	ex_common_help(stdout);
	fputs("Self-test (--self-test):\n"
	      "  --transfers N    copies the guest asks for (default 400)\n"
	      "  --guest-mib N    the guest's RAM (default 16)\n"
	      "  --balloon-every N  the guest balloons its buffers out and back\n"
	      "                   in every N transfers (default 10; 0: never)\n"
	      "  --no-map-cap     iommu=dom0-passthrough (lookup_foreign)\n"
	      "  --seed N         the guest's choices (default 1)\n"
	      "  --ignore-invalidates  a broken device that keeps its cached\n"
	      "                   BFNs when the guest balloons: the self-test\n"
	      "                   must then fail (it checks its own checks)\n"
	      "On a real host it runs until SIGTERM/SIGINT or the guest goes,\n"
	      "then prints its figures (with --json as JSON).\n"
	      "Exit status 1 also when a transfer's bytes were wrong (self-test)\n"
	      "or mappings, references or auditor violations are left.\n"
	      "JSON keys: backend, strategy, transfers, transfers_checked,\n"
	      "bytes, pages_mapped, cache_hits, invalidates, bfns_dropped,\n"
	      "balloon_pages, map_failures, bad_accesses, live_mappings_at_exit,\n"
	      "leaked_page_refs, auditor_violations.\n",
	      stdout);
}

/* ------------------------------------------------------------------ */
/* The device                                                          */
/* ------------------------------------------------------------------ */

/* The invalidate callback: the guest ballooned a page whose BFN we hold;
 * forget the BFN (the library unmaps the extent after the drain). */
static void on_invalidate(void *opaque, const struct xpi_invalidate_event *ev)
{
	struct mdev *d = opaque;
	uint64_t n;

	d->invalidates++;
	if (!ev->known || ev->domid != d->domid || d->ignore_invalidates)
		return;
	n = UINT64_C(1) << ev->mapping.order;
	for (uint64_t g = ev->mapping.gfn; g < ev->mapping.gfn + n; g++)
		if (g < d->max_gfn && d->bfn_of[g]) {
			d->bfn_of[g] = 0;
			d->dropped++;
		}
}

/* The BFNs of the pages [first, first + n); maps the missing ones in one
 * xpi_foreign_map() call.  0 or -errno. */
static int bfns_for(struct mdev *d, uint64_t first, uint64_t n, uint64_t *bfn)
{
	uint64_t miss[MDEV_MAX_LEN / PAGE + 1], got[MDEV_MAX_LEN / PAGE + 1];
	int st[MDEV_MAX_LEN / PAGE + 1];
	size_t nmiss = 0;
	long rc;

	if (first >= d->max_gfn || n > d->max_gfn - first)
		return -EFAULT;
	for (uint64_t i = 0; i < n; i++) {
		if (d->bfn_of[first + i])
			d->cache_hits++;
		else
			miss[nmiss++] = first + i;
	}
	if (nmiss) {
		rc = xpi_foreign_map(d->h, d->domid, d->ioserver, miss, nmiss,
				     d->flags, got, st);
		if (rc < 0) {
			d->map_failures += nmiss;
			return (int)rc;
		}
		for (size_t i = 0; i < nmiss; i++) {
			if (st[i]) {
				d->map_failures++;
				continue;
			}
			d->bfn_of[miss[i]] = got[i] + 1;
			d->pages_mapped++;
		}
		if ((size_t)rc != nmiss)
			return -EFAULT;
	}
	for (uint64_t i = 0; i < n; i++)
		bfn[i] = d->bfn_of[first + i] - 1;
	return 0;
}

/* One transfer: SRC -> DST, LEN bytes, in chunks that cross no page of
 * either side and fit edu's buffer. */
static int transfer(struct mdev *d)
{
	uint64_t sb[MDEV_MAX_LEN / PAGE + 1], db[MDEV_MAX_LEN / PAGE + 1];
	uint64_t sfirst = d->src / PAGE, dfirst = d->dst / PAGE;
	uint64_t s = d->src, t = d->dst, left = d->len;
	int rc;

	if (!d->len || d->len > MDEV_MAX_LEN || d->src + d->len < d->src ||
	    d->dst + d->len < d->dst)
		return -EINVAL;
	rc = bfns_for(d, sfirst, (d->src + d->len - 1) / PAGE - sfirst + 1, sb);
	if (!rc)
		rc = bfns_for(d, dfirst,
			      (d->dst + d->len - 1) / PAGE - dfirst + 1, db);
	while (!rc && left) {
		uint32_t n = MDEV_CHUNK;

		if (n > PAGE - s % PAGE)
			n = PAGE - s % PAGE;
		if (n > PAGE - t % PAGE)
			n = PAGE - t % PAGE;
		if (n > left)
			n = (uint32_t)left;
		rc = d->dma.copy(d->dma.ctx,
				 sb[s / PAGE - sfirst] * PAGE + s % PAGE,
				 db[t / PAGE - dfirst] * PAGE + t % PAGE, n);
		s += n;
		t += n;
		left -= n;
	}
	if (rc)
		return rc;
	d->transfers++;
	d->bytes += d->len;
	return 0;
}

static void reg_write(uint64_t *reg, unsigned int off, uint32_t size,
		      uint64_t v)
{
	if (size == 8)
		*reg = v;
	else if (off & 4)
		*reg = (*reg & UINT32_MAX) | (v << 32);
	else
		*reg = (*reg & ~(uint64_t)UINT32_MAX) | (v & UINT32_MAX);
}

/* A guest access to the device page (the listener's ioreq callback). */
static void mdev_access(struct mdev *d, struct xpi_ioreq_info *req)
{
	unsigned int off;
	uint64_t v = 0;
	int rc;

	if (req->type != 1 /* IOREQ_TYPE_COPY: MMIO */ || req->data_is_ptr ||
	    req->count != 1 || (req->size != 4 && req->size != 8) ||
	    req->addr < d->mmio || req->addr - d->mmio >= MDEV_MMIO_SIZE ||
	    (req->addr & (req->size - 1))) {
		d->bad_accesses++;
		if (req->dir == 1 && !req->data_is_ptr)
			req->data = UINT64_MAX;
		return;
	}
	off = (unsigned int)(req->addr - d->mmio);
	if (req->dir == 1) {
		switch (off & ~7u) {
		case MDEV_REG_ID:
			v = MDEV_ID;
			break;
		case MDEV_REG_SRC:
			v = d->src;
			break;
		case MDEV_REG_DST:
			v = d->dst;
			break;
		case MDEV_REG_LEN:
			v = d->len;
			break;
		case MDEV_REG_STATUS:
			v = d->status | (uint64_t)d->error << 32;
			break;
		case MDEV_REG_DONE:
			v = d->done;
			break;
		}
		if (req->size == 4)
			v = (off & 4) ? v >> 32 : v & UINT32_MAX;
		req->data = v;
		return;
	}
	switch (off) {
	case MDEV_REG_SRC:
	case MDEV_REG_SRC + 4:
		reg_write(&d->src, off, req->size, req->data);
		break;
	case MDEV_REG_DST:
	case MDEV_REG_DST + 4:
		reg_write(&d->dst, off, req->size, req->data);
		break;
	case MDEV_REG_LEN:
		d->len = (uint32_t)req->data;
		if (req->size == 8 && (req->data >> 32) == 1)
			goto go; /* LEN and GO in one 8-byte write */
		break;
	case MDEV_REG_GO:
		if ((uint32_t)req->data != 1)
			break;
go:
		rc = transfer(d);
		d->status = rc ? MDEV_ST_ERROR : MDEV_ST_DONE;
		d->error = (uint32_t)-rc;
		if (!rc)
			d->done++;
		break;
	default:
		d->bad_accesses++;
	}
}

static void on_ioreq(void *opaque, struct xpi_ioreq_info *req)
{
	mdev_access(opaque, req);
}

static int mdev_init(struct mdev *d, uint64_t max_gfn)
{
	d->max_gfn = max_gfn;
	d->bfn_of = calloc(max_gfn, sizeof(*d->bfn_of));
	d->flags = XPI_FOREIGN_READ | XPI_FOREIGN_WRITE | XPI_FOREIGN_SWAP_MFN;
	return d->bfn_of ? 0 : -ENOMEM;
}

static int listener_start(struct mdev *d, unsigned int vcpus)
{
	struct xpi_listener_config lc;
	int rc;

	xpi_listener_config_init(&lc);
	lc.invalidate = on_invalidate;
	lc.ioreq = on_ioreq;
	lc.opaque = d;
	rc = xpi_listener_new(d->h, &lc, &d->l);
	if (!rc)
		rc = xpi_listener_attach(d->l, d->domid, d->ioserver, vcpus);
	if (rc)
		fprintf(stderr, "%s: cannot start the listener: %s\n",
			d->c.prog, strerror(-rc));
	return rc;
}

static void json_figures(const struct mdev *d, const struct xpi_caps *caps,
			 uint64_t checked, uint64_t balloon, uint64_t live,
			 uint64_t leaked, long violations)
{
	printf("{\"backend\": \"%s\", \"strategy\": ",
	       xpi_backend_name(d->c.backend));
	ex_json_string(stdout, xpi_strategy_name(caps->strategy));
	printf(", \"transfers\": %llu, \"transfers_checked\": %llu,"
	       " \"bytes\": %llu, \"pages_mapped\": %llu,"
	       " \"cache_hits\": %llu, \"invalidates\": %llu,"
	       " \"bfns_dropped\": %llu, \"balloon_pages\": %llu,"
	       " \"map_failures\": %llu, \"bad_accesses\": %llu,"
	       " \"live_mappings_at_exit\": %llu, \"leaked_page_refs\": %llu,"
	       " \"auditor_violations\": %ld}\n",
	       (unsigned long long)d->transfers, (unsigned long long)checked,
	       (unsigned long long)d->bytes,
	       (unsigned long long)d->pages_mapped,
	       (unsigned long long)d->cache_hits,
	       (unsigned long long)d->invalidates,
	       (unsigned long long)d->dropped, (unsigned long long)balloon,
	       (unsigned long long)d->map_failures,
	       (unsigned long long)d->bad_accesses, (unsigned long long)live,
	       (unsigned long long)leaked, violations);
}

static void text_figures(const struct mdev *d, const struct xpi_caps *caps,
			 uint64_t checked, uint64_t balloon, uint64_t live,
			 uint64_t leaked, long violations, int clean)
{
	printf("xpi-mdev (backend %s, strategy %s)\n",
	       xpi_backend_name(d->c.backend),
	       xpi_strategy_name(caps->strategy));
	printf("  transfers:    %llu done (%llu bytes), %llu checked by the"
	       " guest\n",
	       (unsigned long long)d->transfers, (unsigned long long)d->bytes,
	       (unsigned long long)checked);
	printf("  BFN cache:    %llu pages mapped, %llu cache hits, %llu map"
	       " failures\n",
	       (unsigned long long)d->pages_mapped,
	       (unsigned long long)d->cache_hits,
	       (unsigned long long)d->map_failures);
	printf("  balloon:      %llu pages out and in, %llu invalidates,"
	       " %llu cached BFNs dropped\n",
	       (unsigned long long)balloon, (unsigned long long)d->invalidates,
	       (unsigned long long)d->dropped);
	printf("  at exit:      %llu live mappings, %llu leaked page references,"
	       " %ld auditor violations, %llu bad guest accesses: %s\n",
	       (unsigned long long)live, (unsigned long long)leaked, violations,
	       (unsigned long long)d->bad_accesses,
	       clean ? "clean" : "NOT CLEAN");
}

/* ------------------------------------------------------------------ */
/* Self-test on the simulated hypervisor                               */
/* ------------------------------------------------------------------ */

/* Host memory of the simulated machine, one lazily made page per MFN. */
struct sim_ram {
	struct xpi_sim *sim;
	uint8_t **frame;
	uint64_t nframes;
	uint64_t faults; /* DMA to a BFN the IOMMU does not translate */
};

static uint8_t *ram_page(struct sim_ram *r, uint64_t mfn)
{
	if (mfn >= r->nframes)
		return NULL;
	if (!r->frame[mfn])
		r->frame[mfn] = calloc(1, PAGE);
	return r->frame[mfn];
}

/* What the device reaches at bus frame @p bfn: the IOMMU's translation,
 * or with no translation for dom0 (passthrough, no IOMMU) the frame
 * itself.  0 or -errno. */
static int bus_to_mfn(struct sim_ram *r, uint64_t bfn, uint64_t *mfn,
		      unsigned int *flags)
{
	int rc = xpi_sim_iommu_lookup(r->sim, XPI_SIM_HWDOM, bfn, mfn, flags);

	if (rc == -ENODEV) {
		*mfn = bfn;
		*flags = IOMMUOP_readable | IOMMUOP_writeable;
		return 0;
	}
	return rc;
}

/* The device's DMA: every byte goes through the hardware domain's IOMMU,
 * as edu's does behind VT-d, with its read/write permission checked. */
static int sim_dma_copy(void *ctx, uint64_t src, uint64_t dst, uint32_t n)
{
	struct sim_ram *r = ctx;
	uint64_t smfn, dmfn;
	unsigned int sf, df;
	uint8_t *sp, *dp;

	if (bus_to_mfn(r, src / PAGE, &smfn, &sf) ||
	    bus_to_mfn(r, dst / PAGE, &dmfn, &df) || !(sf & IOMMUOP_readable) ||
	    !(df & IOMMUOP_writeable)) {
		r->faults++;
		return -EFAULT;
	}
	sp = ram_page(r, smfn);
	dp = ram_page(r, dmfn);
	if (!sp || !dp)
		return -ENOMEM;
	memmove(dp + dst % PAGE, sp + src % PAGE, n);
	return 0;
}

/* The guest's CPU access to its own memory (through its p2m). */
static uint8_t *guest_page(struct sim_ram *r, uint64_t gfn)
{
	uint64_t mfn;

	if (xpi_sim_p2m_lookup(r->sim, SIM_GUEST, gfn, &mfn))
		return NULL;
	return ram_page(r, mfn);
}

static int guest_bytes(struct sim_ram *r, uint64_t gpa, uint8_t *buf,
		       uint32_t n, int write)
{
	while (n) {
		uint32_t k = PAGE - (uint32_t)(gpa % PAGE);
		uint8_t *p = guest_page(r, gpa / PAGE);

		if (!p)
			return -EFAULT;
		if (k > n)
			k = n;
		if (write)
			memcpy(p + gpa % PAGE, buf, k);
		else
			memcpy(buf, p + gpa % PAGE, k);
		gpa += k;
		buf += k;
		n -= k;
	}
	return 0;
}

/* The guest's MMIO access, as Xen hands it to the ioreq server. */
static uint64_t guest_mmio(struct mdev *d, unsigned int off, uint32_t size,
			   int read, uint64_t v)
{
	struct xpi_ioreq_info req = {
		.addr = d->mmio + off,
		.data = v,
		.count = 1,
		.size = size,
		.type = 1,
		.dir = (uint8_t)read,
	};

	mdev_access(d, &req);
	return req.data;
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void report_violation(void *opaque, const char *violation)
{
	const struct mdev *d = opaque;

	fprintf(stderr, "%s: auditor: %s\n", d->c.prog, violation);
}

/* Frame references beyond ownership, over every host frame. */
static uint64_t extra_refs(struct xpi_sim *sim, uint64_t frames)
{
	uint64_t extra = 0;

	for (uint64_t mfn = 0; mfn < frames; mfn++) {
		struct xpi_sim_frame_info fi;
		uint32_t own;

		if (xpi_sim_frame_info(sim, mfn, &fi) || fi.xen)
			continue;
		own = fi.owner != XPI_DOMID_INVALID;
		if (fi.refs > own)
			extra += fi.refs - own;
		extra += fi.writable_refs;
	}
	return extra;
}

/* Run the listener until the hypervisor has nothing waiting. */
static int drain(struct mdev *d, struct xpi_sim *sim)
{
	struct xpi_sim_ioreq_stats is;
	int rc, rounds = 0;

	do {
		rc = xpi_listener_dispatch(d->l);
		if (rc < 0 && rc != -EPROTO)
			return rc;
		ex_sim_check(&d->c,
			     xpi_sim_ioreq_server_stats(sim, SIM_GUEST,
							d->ioserver, &is),
			     "ioreq server stats");
		if (++rounds > 100000)
			return -EIO;
	} while (rc > 0 || is.waiting);
	return 0;
}

struct self_opts {
	uint64_t transfers, guest_mib, balloon_every, seed;
	int no_map_cap;
};

static int self_test(struct mdev *d, const struct self_opts *o)
{
	struct xpi_sim_domain_config dc = {
		.backing = XPI_SIM_BACKING_SCATTERED,
		.dm_target = XPI_DOMID_INVALID,
	};
	static uint8_t want[MDEV_MAX_LEN], src_copy[MDEV_MAX_LEN],
		got[MDEV_MAX_LEN];
	struct xpi_sim_config cfg;
	struct xpi_sim_stats ss;
	struct xpi_caps caps;
	struct sim_ram ram = { 0 };
	uint64_t npages = o->guest_mib << 8, seed = o->seed, checked = 0;
	uint64_t balloon = 0, baseline, leaked, live, v;
	uint64_t *bfns_seen = NULL;
	long violations;
	int rc, status = EX_OK;

	xpi_sim_config_init(&cfg);
	cfg.dom0_passthrough = o->no_map_cap;
	cfg.host_frames = ex_sim_host_frames(npages, cfg.max_order);
	ex_sim_check(&d->c, xpi_sim_new(&cfg, &ram.sim), "create the host");
	dc.nr_pages = npages;
	ex_sim_check(&d->c, xpi_sim_domain_create(ram.sim, SIM_GUEST, &dc),
		     "create the guest");
	ex_sim_check(&d->c,
		     xpi_sim_ioreq_server_create(ram.sim, XPI_SIM_HWDOM,
						 SIM_GUEST, &d->ioserver),
		     "create the ioreq server");
	d->domid = SIM_GUEST;
	baseline = extra_refs(ram.sim, cfg.host_frames);
	ram.nframes = cfg.host_frames;
	ram.frame = calloc(cfg.host_frames, sizeof(*ram.frame));
	bfns_seen = calloc(npages, sizeof(*bfns_seen));
	if (!ram.frame || !bfns_seen || mdev_init(d, npages)) {
		fprintf(stderr, "%s: out of memory\n", d->c.prog);
		return EX_FAIL;
	}
	rc = ex_open(&d->c, ram.sim, XPI_SIM_HWDOM, &d->h);
	if (rc)
		return rc;
	xpi_get_caps(d->h, &caps);
	d->dma.copy = sim_dma_copy;
	d->dma.ctx = &ram;
	if (listener_start(d, cfg.ioreq_vcpus))
		return EX_FAIL;
	if (guest_mmio(d, MDEV_REG_ID, 4, 1, 0) != MDEV_ID) {
		fprintf(stderr, "%s: the device's ID register is wrong\n",
			d->c.prog);
		status = EX_FAIL;
	}

	/* The guest's buffers: up to MDEV_MAX_LEN anywhere in its RAM. */
	for (uint64_t i = 0; status == EX_OK && i < o->transfers; i++) {
		uint32_t len = (uint32_t)(next_rand(&seed) % MDEV_MAX_LEN) + 1;
		uint64_t room = npages * PAGE - len;
		uint64_t src = next_rand(&seed) % room, dst;
		uint64_t end;

		/* Often the same few buffers (the cache), sometimes fresh. */
		if (i % 4)
			src = (i % 3) * (MDEV_MAX_LEN + PAGE) + (src % 64);
		do
			dst = next_rand(&seed) % room;
		while (dst < src + len && src < dst + len);
		for (uint32_t k = 0; k < len; k++)
			want[k] = (uint8_t)(next_rand(&seed) >> 24);
		memset(got, 0xa5, len);
		if (guest_bytes(&ram, src, want, len, 1) ||
		    guest_bytes(&ram, dst, got, len, 1)) {
			fprintf(stderr, "%s: the guest's buffer is gone\n",
				d->c.prog);
			status = EX_FAIL;
			break;
		}
		memcpy(src_copy, want, len);
		guest_mmio(d, MDEV_REG_SRC, 4, 0, src & UINT32_MAX);
		guest_mmio(d, MDEV_REG_SRC + 4, 4, 0, src >> 32);
		guest_mmio(d, MDEV_REG_DST, 8, 0, dst);
		guest_mmio(d, MDEV_REG_LEN, 4, 0, len);
		guest_mmio(d, MDEV_REG_GO, 4, 0, 1);
		v = guest_mmio(d, MDEV_REG_STATUS, 4, 1, 0);
		if (v != MDEV_ST_DONE) {
			fprintf(stderr,
				"%s: transfer %llu (%u bytes %#llx -> %#llx):"
				" status %llu, error %s\n",
				d->c.prog, (unsigned long long)i, len,
				(unsigned long long)src,
				(unsigned long long)dst, (unsigned long long)v,
				strerror((int)guest_mmio(d, MDEV_REG_ERROR, 4,
							 1, 0)));
			status = EX_FAIL;
			break;
		}
		/* The guest checks what arrived and that its source stayed. */
		guest_bytes(&ram, dst, got, len, 0);
		guest_bytes(&ram, src, want, len, 0);
		if (memcmp(got, src_copy, len) || memcmp(want, src_copy, len)) {
			fprintf(stderr,
				"%s: transfer %llu: the bytes that arrived"
				" differ from what the guest wrote\n",
				d->c.prog, (unsigned long long)i);
			status = EX_FAIL;
			break;
		}
		checked++;

		/* A balloon: the guest gives back every page of this
		 * transfer's buffers (their BFNs are cached) and takes them
		 * back.  Each cached BFN must be dropped, and a BFN kept
		 * past its invalidate must no longer reach the page the
		 * guest now has there. */
		if (!o->balloon_every || (i + 1) % o->balloon_every)
			continue;
		end = (src + len - 1) / PAGE;
		for (int side = 0; side < 2; side++) {
			uint64_t a = side ? dst : src;

			end = (a + len - 1) / PAGE;
			for (uint64_t g = a / PAGE; g <= end; g++) {
				if (xpi_sim_balloon_out(ram.sim, SIM_GUEST, g))
					continue; /* both sides share it */
				bfns_seen[g] = d->bfn_of[g];
				balloon++;
			}
		}
		rc = drain(d, ram.sim);
		if (rc) {
			fprintf(stderr, "%s: the listener failed: %s\n",
				d->c.prog, strerror(-rc));
			status = EX_FAIL;
			break;
		}
		for (int side = 0; side < 2; side++) {
			uint64_t a = side ? dst : src;

			end = (a + len - 1) / PAGE;
			for (uint64_t g = a / PAGE; g <= end; g++) {
				uint64_t mfn, old;
				struct xpi_mapping gone;

				if (!bfns_seen[g])
					continue;
				old = bfns_seen[g] - 1;
				bfns_seen[g] = 0;
				ex_sim_check(&d->c,
					     xpi_sim_populate(ram.sim,
							      SIM_GUEST, g),
					     "populate");
				ex_sim_check(&d->c,
					     xpi_sim_p2m_lookup(ram.sim,
								SIM_GUEST, g,
								&mfn),
					     "p2m lookup");
				if (d->bfn_of[g]) {
					fprintf(stderr,
						"%s: GFN %#llx ballooned but"
						" its BFN is still cached\n",
						d->c.prog,
						(unsigned long long)g);
					status = EX_FAIL;
				}
				/* The old BFN must not reach the new page
				 * unless a new mapping of the handle took it
				 * (an unmapped BFN the IOMMU still has). */
				if (xpi_sim_iommu_lookup(ram.sim, XPI_SIM_HWDOM,
							 old, &v, NULL) == 0 &&
				    v == mfn &&
				    xpi_mapping_find(d->h, old, &gone) ==
					    -ENOENT) {
					fprintf(stderr,
						"%s: stale BFN %#llx reaches"
						" GFN %#llx's new page\n",
						d->c.prog,
						(unsigned long long)old,
						(unsigned long long)g);
					status = EX_FAIL;
				}
			}
		}
	}

	xpi_listener_free(d->l);
	if (ex_close(d->h)) {
		fprintf(stderr, "%s: close could not unmap everything\n",
			d->c.prog);
		status = EX_FAIL;
	}
	ex_sim_check(&d->c, xpi_sim_stats(ram.sim, &ss), "stats");
	live = ss.iommu_entries + ss.m2b_entries;
	v = extra_refs(ram.sim, cfg.host_frames);
	leaked = v > baseline ? v - baseline : 0;
	violations = xpi_sim_audit(ram.sim, report_violation, d);
	if (live || leaked || violations || ram.faults || d->bad_accesses ||
	    checked != o->transfers ||
	    (o->balloon_every && o->transfers >= o->balloon_every &&
	     !d->dropped))
		status = EX_FAIL;
	if (d->c.json)
		json_figures(d, &caps, checked, balloon, live, leaked,
			     violations);
	else
		text_figures(d, &caps, checked, balloon, live, leaked,
			     violations, status == EX_OK);
	for (uint64_t m = 0; m < ram.nframes; m++)
		free(ram.frame[m]);
	free(ram.frame);
	free(bfns_seen);
	free(d->bfn_of);
	xpi_sim_free(ram.sim);
	return status;
}

/* ------------------------------------------------------------------ */
/* A real host: ioreq server, edu, deprivileged                        */
/* ------------------------------------------------------------------ */

#if HAVE_XEN
#define EDU_BUF 0x40000u

struct edu {
	volatile unsigned char *bar;
};

static void edu_find(char *dir, size_t len)
{
	DIR *dp = opendir("/sys/bus/pci/devices");
	struct dirent *e;

	dir[0] = 0;
	while (dp && (e = readdir(dp))) {
		char p[320], v[16] = "", dv[16] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/vendor",
			 e->d_name);
		if ((f = fopen(p, "r"))) {
			if (!fgets(v, sizeof(v), f))
				v[0] = 0;
			fclose(f);
		}
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/device",
			 e->d_name);
		if ((f = fopen(p, "r"))) {
			if (!fgets(dv, sizeof(dv), f))
				dv[0] = 0;
			fclose(f);
		}
		if (!strncmp(v, "0x1234", 6) && !strncmp(dv, "0x11e8", 6)) {
			snprintf(dir, len, "/sys/bus/pci/devices/%s",
				 e->d_name);
			break;
		}
	}
	if (dp)
		closedir(dp);
}

/* Memory decoding and bus mastering on, BAR 0 mapped; 0 or -errno. */
static int edu_open(struct edu *e)
{
	char dir[280], p[320];
	uint16_t cmd;
	void *bar;
	int fd, ok;

	edu_find(dir, sizeof(dir));
	if (!dir[0])
		return -ENODEV;
	snprintf(p, sizeof(p), "%s/config", dir);
	fd = open(p, O_RDWR);
	if (fd < 0)
		return -errno;
	ok = pread(fd, &cmd, 2, 4) == 2;
	cmd |= 0x6;
	ok = ok && pwrite(fd, &cmd, 2, 4) == 2;
	close(fd);
	if (!ok)
		return -EIO;
	snprintf(p, sizeof(p), "%s/resource0", dir);
	fd = open(p, O_RDWR | O_SYNC);
	if (fd < 0)
		return -errno;
	bar = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (bar == MAP_FAILED)
		return -errno;
	e->bar = bar;
	return 0;
}

static int edu_dma(struct edu *e, uint64_t src, uint64_t dst, uint32_t n,
		   int to_ram)
{
	struct timespec ts = { 0, 100 * 1000 };

	*(volatile uint64_t *)(e->bar + 0x80) = src;
	*(volatile uint64_t *)(e->bar + 0x88) = dst;
	*(volatile uint64_t *)(e->bar + 0x90) = n;
	*(volatile uint64_t *)(e->bar + 0x98) = to_ram ? 0x3 : 0x1;
	for (int i = 0; i < 100000; i++) {
		if (!(*(volatile uint64_t *)(e->bar + 0x98) & 1))
			return 0;
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

/* Guest page -> edu's buffer -> guest page. */
static int edu_copy(void *ctx, uint64_t src, uint64_t dst, uint32_t n)
{
	int rc = edu_dma(ctx, src, EDU_BUF, n, 0);

	return rc ? rc : edu_dma(ctx, EDU_BUF, dst, n, 1);
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int run_real(struct mdev *d, uint32_t runas, unsigned int vcpus)
{
	struct xpi_caps caps;
	struct edu edu = { 0 };
	struct sigaction sa;
	xendevicemodel_handle *dm;
	ioservid_t id;
	int rc, status = EX_OK;

	xpi_get_caps(d->h, &caps);
	rc = edu_open(&edu);
	if (rc) {
		fprintf(stderr, "%s: QEMU's edu device (1234:11e8): %s\n",
			d->c.prog, strerror(-rc));
		ex_close(d->h);
		return EX_FAIL;
	}
	d->dma.copy = edu_copy;
	d->dma.ctx = &edu;
	dm = xendevicemodel_open(NULL, 0);
	if (!dm ||
	    xendevicemodel_create_ioreq_server(dm, d->domid,
					       HVM_IOREQSRV_BUFIOREQ_ATOMIC,
					       &id) ||
	    xendevicemodel_map_io_range_to_ioreq_server(
		    dm, d->domid, id, 1, d->mmio,
		    d->mmio + MDEV_MMIO_SIZE - 1)) {
		fprintf(stderr, "%s: ioreq server for domain %u: %s\n",
			d->c.prog, d->domid, strerror(errno));
		if (dm)
			xendevicemodel_close(dm);
		ex_close(d->h);
		return EX_FAIL;
	}
	d->ioserver = id;
	/* One synchronous slot per vCPU of the guest: a slot the listener
	 * does not read is a vCPU that waits for ever. */
	if (listener_start(d, vcpus)) {
		status = EX_FAIL;
		goto out;
	}
	if (runas) {
		struct xpi_deprivilege dp;

		xpi_deprivilege_init(&dp);
		dp.domid = d->domid;
		dp.uid = dp.gid = runas;
		rc = xpi_deprivilege(&dp);
		if (rc < 0) {
			fprintf(stderr, "%s: cannot deprivilege: %s\n",
				d->c.prog, strerror(-rc));
			status = EX_FAIL;
			goto out_listener;
		}
		fprintf(stderr,
			"%s: %d descriptors restricted to domain %u, now uid"
			" %u\n",
			d->c.prog, rc, d->domid, (unsigned int)getuid());
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fprintf(stderr,
		"%s: ioreq server %u of domain %u, device at %#llx,"
		" strategy %s\n",
		d->c.prog, d->ioserver, d->domid, (unsigned long long)d->mmio,
		xpi_strategy_name(caps.strategy));
	while (!stop) {
		struct pollfd pfd = { .fd = xpi_listener_fd(d->l),
				      .events = POLLIN };

		rc = poll(&pfd, 1, 1000);
		if (rc < 0 && errno != EINTR)
			break;
		rc = xpi_listener_dispatch(d->l);
		if (rc < 0 && rc != -EPROTO) {
			/* The guest is gone (xl destroy) or Xen refused. */
			fprintf(stderr, "%s: listener: %s; stopping\n",
				d->c.prog, strerror(-rc));
			break;
		}
	}
out_listener:
	xpi_listener_free(d->l);
out:
	xendevicemodel_destroy_ioreq_server(dm, d->domid, id);
	xendevicemodel_close(dm);
	{
		uint64_t live = xpi_mapping_count(d->h);

		if (ex_close(d->h))
			status = EX_FAIL;
		if (d->c.json)
			json_figures(d, &caps, 0, 0, 0, 0, 0);
		else
			text_figures(d, &caps, 0, 0, 0, 0, 0, status == EX_OK);
		fprintf(stderr, "%s: %llu mappings unmapped at exit\n",
			d->c.prog, (unsigned long long)live);
	}
	return status;
}
#endif

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "self-test", no_argument, NULL, OPT_SELF_TEST },
		{ "domid", required_argument, NULL, OPT_DOMID },
		{ "mmio", required_argument, NULL, OPT_MMIO },
		{ "runas", required_argument, NULL, OPT_RUNAS },
		{ "max-gfn", required_argument, NULL, OPT_MAX_GFN },
		{ "transfers", required_argument, NULL, OPT_TRANSFERS },
		{ "guest-mib", required_argument, NULL, OPT_GUEST_MIB },
		{ "balloon-every", required_argument, NULL, OPT_BALLOON_EVERY },
		{ "no-map-cap", no_argument, NULL, OPT_NO_MAP_CAP },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "bfn-count", required_argument, NULL, OPT_BFN_COUNT },
		{ "vcpus", required_argument, NULL, OPT_VCPUS },
		{ "ignore-invalidates", no_argument, NULL,
		  OPT_IGNORE_INVALIDATES },
		{ NULL, 0, NULL, 0 },
	};
	struct self_opts so = { .transfers = 400,
				.guest_mib = 16,
				.balloon_every = 10,
				.seed = 1 };
	struct mdev d = { .mmio = UINT64_C(0xe0000000) };
	uint64_t v, domid = UINT64_MAX, runas = 0, max_gfn = 1u << 20,
		    vcpus = 1;
	int opt, rc, selftest = 0;

	ex_common_init(&d.c, argv[0]);
	while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		rc = ex_common_option(&d.c, opt, optarg);
		if (rc < 0)
			return EX_USAGE;
		if (rc)
			continue;
		switch (opt) {
		case OPT_HELP:
			help();
			return EX_OK;
		case OPT_SELF_TEST:
			selftest = 1;
			break;
		case OPT_DOMID:
			if (ex_parse_u64(optarg, &domid) || domid == 0 ||
			    domid >= 0x7ff0)
				return ex_usage_error(
					&d.c, "--domid %s: expected 1..0x7fef",
					optarg);
			break;
		case OPT_MMIO:
			if (ex_parse_u64(optarg, &v) || v % PAGE ||
			    v >= (UINT64_C(1) << 52))
				return ex_usage_error(
					&d.c,
					"--mmio %s: expected a page-aligned"
					" address below 2^52",
					optarg);
			d.mmio = v;
			break;
		case OPT_RUNAS:
			if (ex_parse_u64(optarg, &runas) || runas == 0 ||
			    runas >= UINT32_MAX)
				return ex_usage_error(
					&d.c,
					"--runas %s: expected a numeric"
					" uid, not 0",
					optarg);
			break;
		case OPT_MAX_GFN:
			if (ex_parse_u64(optarg, &max_gfn) || max_gfn == 0 ||
			    max_gfn > (UINT64_C(1) << 28))
				return ex_usage_error(
					&d.c, "--max-gfn %s: expected 1..2^28",
					optarg);
			break;
		case OPT_TRANSFERS:
			if (ex_parse_u64(optarg, &so.transfers) ||
			    so.transfers > (UINT64_C(1) << 32))
				return ex_usage_error(
					&d.c,
					"--transfers %s: expected 0..2^32",
					optarg);
			break;
		case OPT_GUEST_MIB:
			if (ex_parse_u64(optarg, &so.guest_mib) ||
			    so.guest_mib < 1 || so.guest_mib > 1024)
				return ex_usage_error(
					&d.c,
					"--guest-mib %s: expected 1..1024",
					optarg);
			break;
		case OPT_BALLOON_EVERY:
			if (ex_parse_u64(optarg, &so.balloon_every))
				return ex_usage_error(
					&d.c,
					"--balloon-every %s: expected a"
					" number",
					optarg);
			break;
		case OPT_NO_MAP_CAP:
			so.no_map_cap = 1;
			break;
		case OPT_VCPUS:
			if (ex_parse_u64(optarg, &vcpus) || vcpus == 0 ||
			    vcpus > XPI_LISTENER_MAX_VCPUS)
				return ex_usage_error(
					&d.c, "--vcpus %s: expected 1..128",
					optarg);
			break;
		case OPT_BFN_COUNT:
			if (ex_parse_u64(optarg, &d.c.bfn_count) ||
			    d.c.bfn_count == 0 ||
			    d.c.bfn_count > (UINT64_C(1) << 36))
				return ex_usage_error(
					&d.c,
					"--bfn-count %s: expected 1..2^36",
					optarg);
			break;
		case OPT_IGNORE_INVALIDATES:
			d.ignore_invalidates = 1;
			break;
		case OPT_SEED:
			if (ex_parse_u64(optarg, &so.seed) || so.seed == 0)
				return ex_usage_error(
					&d.c,
					"--seed %s: expected a non-zero number",
					optarg);
			break;
		default:
			return ex_getopt_error(&d.c, opt, argv);
		}
	}
	if (optind < argc)
		return ex_usage_error(&d.c, "unexpected argument %s",
				      argv[optind]);
	/* --backend sim is the self-test (the simulator has no edu). */
	if (selftest || d.c.backend == XPI_BACKEND_SIM) {
		if (d.c.backend != XPI_BACKEND_SIM &&
		    d.c.backend != XPI_BACKEND_AUTO)
			return ex_usage_error(
				&d.c, "--self-test runs on the simulated"
				      " hypervisor: --backend sim");
		d.c.backend = XPI_BACKEND_SIM;
		return self_test(&d, &so);
	}
	if (domid == UINT64_MAX)
		return ex_usage_error(&d.c,
				      "--domid is required (or --self-test)");
	d.domid = (uint16_t)domid;
	if (!d.c.bfn_count)
		d.c.bfn_count = 0x10000;
	rc = ex_open(&d.c, NULL, 0, &d.h);
	if (rc)
		return rc;
#if HAVE_XEN
	if (mdev_init(&d, max_gfn)) {
		fprintf(stderr, "%s: out of memory\n", d.c.prog);
		return EX_FAIL;
	}
	rc = run_real(&d, (uint32_t)runas, (unsigned int)vcpus);
	free(d.bfn_of);
	return rc;
#else
	(void)runas;
	(void)max_gfn;
	(void)vcpus;
	ex_close(d.h);
	fprintf(stderr,
		"%s: built without the Xen libraries: only --self-test works\n",
		d.c.prog);
	return EX_NO_PVIOMMU;
#endif
}
