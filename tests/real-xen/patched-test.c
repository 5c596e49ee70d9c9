// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Runs inside dom0 on the patched Xen (hypervisor/, hypercall 56): what
 * the hardware domain can reach on its own, through the library's xencall
 * transport, with the statuses docs/hypervisor-model.md gives.
 *
 *   patched-test relaxed|strict|passthrough|flask|running
 *
 * (running: only the running-guest checks of running.h, for a quick boot
 * while working on them; scripts/real-xen-all runs them in relaxed.)
 *
 * Prints "ok - ..." / "not ok - ..." per check and, last, the plain line
 * "N passed, N failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xenpviommu.h>
#include <xenpviommu/shim.h>

#define RW (IOMMU_OP_readable | IOMMU_OP_writeable)
#define HIGH (UINT64_C(1) << 32) /* BFNs above any 1:1 region here */

static int passed, failed;
static xpi_handle *h;

static void check(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void check(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", cond ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (cond)
		passed++;
	else
		failed++;
}

/* One raw op in one hypercall: its status as Xen wrote it. */
static int raw(uint16_t subop, uint16_t flags, uint64_t bfn, uint64_t gfn)
{
	struct pv_iommu_op op;
	struct xpi_batch *b;
	int st;

	memset(&op, 0, sizeof(op));
	op.subop_id = subop;
	op.flags = flags;
	op.u.map_page.bfn = bfn;
	op.u.map_page.gfn = gfn;
	if (xpi_batch_new(h, &b) || xpi_batch_add_op(b, &op) < 0 ||
	    xpi_batch_submit(b) < 0) {
		xpi_batch_free(b);
		return 9999;
	}
	st = xpi_batch_status(b, 0);
	xpi_batch_free(b);
	return st;
}

static uint16_t order_flags(uint16_t flags, unsigned int order)
{
	return pv_iommu_flags_set_order(flags, order);
}

/*
 * A frame map_page accepts (dom0's own in strict mode, any owned frame in
 * relaxed mode), aligned to 2^order, found by trying; 0 if none.
 */
static int find_frame_status; /* the last refusal, for the log */

static uint64_t find_frame(unsigned int order)
{
	for (uint64_t mfn = 0x10000; mfn < 0x80000; mfn += 0x800) {
		find_frame_status = raw(IOMMUOP_map_page,
					order_flags(RW, order), HIGH, mfn);
		if (find_frame_status == 0) {
			raw(IOMMUOP_unmap_page, order_flags(0, order), HIGH, 0);
			return mfn;
		}
	}
	return 0;
}

/*
 * dom0's 1:1 region is every BFN below max(4 GiB, top of RAM), refused by
 * its bounds and not only where the IOMMU has an entry (AMD cannot look
 * entries up): BFN 0x90000, between the top of this boot's 2 GiB of RAM
 * and 4 GiB, is neither RAM nor reserved, so it has no 1:1 entry.
 */
static void identity_bounds(uint64_t m, const char *mode)
{
	int rc = raw(IOMMUOP_map_page, RW, 0x90000, m);

	check(rc == -EEXIST,
	      "%s: map_page at BFN 0x90000 of the 1:1 range, where the IOMMU"
	      " has no entry: -EEXIST (%d)",
	      mode, rc);
	if (!rc)
		raw(IOMMUOP_unmap_page, 0, 0x90000, 0);
}

static void large_batch(uint64_t mfn)
{
	enum {
		N = 100000
	};
	struct xpi_batch *b;
	struct xpi_stats s0, s1;
	long ok;

	xpi_get_stats(h, &s0);
	xpi_batch_new(h, &b);
	xpi_batch_set_max_ops(b, 2 * N);
	xpi_batch_set_coalesce(b, 0);
	/*
	 * Each map followed by its unmap: one frame takes at most 64
	 * mappings at a time (the alias cap).
	 */
	for (uint64_t i = 0; i < N / 2; i++) {
		xpi_batch_add_map(b, HIGH + 0x100000 + i, mfn, 0,
				  IOMMU_OP_readable);
		xpi_batch_add_unmap(b, HIGH + 0x100000 + i, 0);
	}
	ok = xpi_batch_submit(b);
	xpi_get_stats(h, &s1);
	check(ok == N && s1.hypercalls - s0.hypercalls == 1,
	      "%d maps and unmaps in one do_iommu_op call: %ld ok", N, ok);
	xpi_batch_free(b);
}

/*
 * The shim on a hypervisor that has do_iommu_op: a process maps a BFN
 * through its descriptor and is killed; the kernel must have unmapped it
 * (the same BFN maps again), and the kmod transport works end to end.
 */
static void shim_release_on_kill(uint64_t mfn)
{
	uint64_t bfn = HIGH + 0x4000;
	int pipefd[2], st = 0;
	pid_t pid;
	char c = 0;

	if (access(XPI_SHIM_DEVICE, F_OK)) {
		check(0, XPI_SHIM_DEVICE " exists (the module loaded)");
		return;
	}
	if (pipe(pipefd))
		return;
	pid = fork();
	if (pid == 0) {
		struct pv_iommu_op op;
		struct xpi_shim_op arg = { .argsz = sizeof(arg), .count = 1 };
		int fd = open(XPI_SHIM_DEVICE, O_RDWR);

		memset(&op, 0, sizeof(op));
		op.subop_id = IOMMUOP_map_page;
		op.flags = RW;
		op.u.map_page.bfn = bfn;
		op.u.map_page.gfn = mfn;
		arg.ops = (uint64_t)(uintptr_t)&op;
		c = fd >= 0 && ioctl(fd, XPI_SHIM_IOCTL_OP, &arg) == 0 &&
		    op.status == 0;
		if (write(pipefd[1], &c, 1) != 1)
			_exit(1);
		pause(); /* killed with the mapping live */
		_exit(0);
	}
	if (read(pipefd[0], &c, 1) != 1)
		c = 0;
	check(c == 1, "a process maps a BFN through the shim");
	check(raw(IOMMUOP_map_page, RW, bfn, mfn) == -EEXIST,
	      "the BFN is live while that process runs");
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	check(raw(IOMMUOP_map_page, RW, bfn, mfn) == 0 &&
		      raw(IOMMUOP_unmap_page, 0, bfn, 0) == 0,
	      "killed: the shim unmapped it at close (the BFN maps again)");
	close(pipefd[0]);
	close(pipefd[1]);
}

static void kmod_transport(uint64_t mfn)
{
	struct xpi_options o;
	xpi_handle *k = NULL;
	struct xpi_caps caps;
	int rc;

	xpi_options_init(&o);
	o.backend = XPI_BACKEND_KMOD;
	rc = xpi_open_ex(&k, NULL, 0, &o);
	check(rc == 0, "kmod transport opens on the patched Xen (%d)", rc);
	if (rc)
		return;
	xpi_get_caps(k, &caps);
	check(caps.map_cap && caps.max_order == 9,
	      "kmod transport: query_caps through the shim (0x%x)",
	      caps.raw_flags);
	rc = xpi_map_range(k, HIGH + 0x8000, mfn, 16, RW);
	check(rc == 0 && xpi_mapping_count(k) >= 1,
	      "kmod transport: xpi_map_range (%d)", rc);
	check(xpi_close(k) == 0 &&
		      raw(IOMMUOP_map_page, RW, HIGH + 0x8000, mfn) == 0 &&
		      raw(IOMMUOP_unmap_page, 0, HIGH + 0x8000, 0) == 0,
	      "kmod transport: close unmapped everything");
}

#include "differential.h"
#include "dma-truth.h"
#include "foreign.h"
#include "dma-guest.h"
#include "differential-world.h"
#include "running.h"
#include "hostile.h"
#include "flask.h"
#include "restricted.h"
#include "rules.h"

static void relaxed(void)
{
	struct xpi_caps caps;
	uint64_t m, m9;

	xpi_get_caps(h, &caps);
	check(caps.map_cap && caps.map_all_gfns && caps.max_order == 9,
	      "query_caps: map_cap, map_all_gfns, order 9 (0x%x)",
	      caps.raw_flags);
	check(raw(IOMMUOP_map_page, RW, HIGH, 0) == -EPERM,
	      "map_page of MFN 0 (Xen's or nobody's): -EPERM");
	m = find_frame(0);
	check(m != 0, "a dom0 frame to map: 0x%llx (%d)", (unsigned long long)m,
	      find_frame_status);
	if (!m)
		return;
	check(raw(IOMMUOP_map_page, RW, HIGH, m) == 0, "map_page");
	check(raw(IOMMUOP_map_page, RW, HIGH, m) == -EEXIST,
	      "map_page over a live BFN: -EEXIST");
	check(raw(IOMMUOP_map_page, RW, m, m) == -EEXIST,
	      "map_page inside the 1:1 region: -EEXIST");
	identity_bounds(m, "relaxed");
	/* scripts/real-xen-all gives this boot rmrr=0x7000-0x7003=0:3.0. */
	check(raw(IOMMUOP_map_page, RW, 0x7002, m) == -EACCES,
	      "map_page in an RMRR (rmrr=0x7000-0x7003, identity-mapped for"
	      " the edu device): -EACCES, before -EEXIST");
	check(raw(IOMMUOP_map_page, RW | 0x8, HIGH + 1, m) == -EINVAL,
	      "map_page with a reserved flag: -EINVAL");
	check(raw(IOMMUOP_map_page, 0, HIGH + 1, m) == -EINVAL,
	      "map_page neither readable nor writeable: -EINVAL");
	check(raw(IOMMUOP_map_page, order_flags(RW, 10), HIGH + 1024, m) ==
		      -ENOSPC,
	      "map_page above the largest order: -ENOSPC");
	check(raw(IOMMUOP_map_page, order_flags(RW, 9), HIGH + 1, m) == -ENOSPC,
	      "map_page with a misaligned order: -ENOSPC");
	check(raw(IOMMUOP_map_page, RW, UINT64_C(1) << 36, m) == -ENOSPC,
	      "map_page beyond the BFN width: -ENOSPC");
	check(raw(IOMMUOP_unmap_page, 0, HIGH + 5, 0) == -ENOENT,
	      "unmap_page of an unmapped BFN: -ENOENT");
	check(raw(IOMMUOP_unmap_page, order_flags(0, 1), HIGH, 0) == -ENOSPC,
	      "unmap_page with another order: -ENOSPC");
	check(raw(IOMMUOP_unmap_page, 0x1, HIGH, 0) == -EINVAL,
	      "unmap_page with a reserved flag: -EINVAL");
	check(raw(IOMMUOP_unmap_page, 0, HIGH, 0) == 0, "unmap_page");
	check(raw(IOMMUOP_unmap_page, 0, HIGH, 0) == -ENOENT,
	      "unmap_page again: -ENOENT");
	check(raw(IOMMUOP_map_page, RW | IOMMU_MAP_OP_no_ref_cnt, HIGH, m) ==
			      0 &&
		      raw(IOMMUOP_unmap_page, 0, HIGH, 0) == 0,
	      "map_page with no_ref_cnt (relaxed dom0) and unmap");
	check(raw(0x77, 0, 0, 0) == -EOPNOTSUPP, "unknown subop: -EOPNOTSUPP");
	m9 = find_frame(9);
	check(m9 != 0, "an aligned 2 MiB of frames: 0x%llx",
	      (unsigned long long)m9);
	if (m9) {
		check(xpi_map_range(h, HIGH + 0x200, m9, 512, RW) == 0 &&
			      xpi_mapping_count(h) == 1,
		      "xpi_map_range of 512 pages: one order-9 extent");
		check(xpi_unmap_range(h, HIGH + 0x200, 512) == 0,
		      "xpi_unmap_range of it");
	}
	large_batch(m);
	if (m9)
		differential(m, m9, 42, 4000);
	dma_truth(1);
	foreign(0);
	dma_guest();
	dma_race();
	running_guest(1);
	running_guest(0);
	pending_bounded();
	hostile_guest_checks();
	restricted_emulators();
	dying_target();
	identity_unmap();
	grant_alias_cap();
	pending_per_guest();
	shim_release_on_kill(m);
	kmod_transport(m);
	/* Last: its DMA faults fill Xen's console (rate-limited). */
	differential_world(7, 48);
}

static void strict(void)
{
	struct xpi_caps caps;
	uint64_t m;

	xpi_get_caps(h, &caps);
	check(caps.map_cap && !caps.map_all_gfns,
	      "dom0-strict: map_cap without map_all_gfns (0x%x)",
	      caps.raw_flags);
	m = find_frame(0);
	check(m != 0, "an own frame to map: 0x%llx", (unsigned long long)m);
	if (!m)
		return;
	check(raw(IOMMUOP_map_page, RW | IOMMU_MAP_OP_no_ref_cnt, HIGH, m) ==
		      -EPERM,
	      "dom0-strict: no_ref_cnt refused with -EPERM");
	check(raw(IOMMUOP_map_page, RW, HIGH, m) == 0 &&
		      raw(IOMMUOP_unmap_page, 0, HIGH, 0) == 0,
	      "dom0-strict: map_page and unmap_page of an own frame");
	identity_bounds(m, "dom0-strict");
	large_batch(m);
	dma_truth(0);
	foreign(2);
	strict_foreign_frame();
}

static void passthrough(void)
{
	struct xpi_caps caps;

	xpi_get_caps(h, &caps);
	check(!caps.map_cap && caps.strategy == XPI_STRATEGY_LOOKUP_FOREIGN,
	      "dom0-passthrough: no map capability (0x%x)", caps.raw_flags);
	check(raw(IOMMUOP_map_page, RW, HIGH, 0x20000) == -EPERM,
	      "dom0-passthrough: map_page refused with -EPERM");
	foreign(1);
}

int main(int argc, char **argv)
{
	struct xpi_options o;
	const char *mode = argc > 1 ? argv[1] : "relaxed";
	int rc;

	xpi_options_init(&o);
	o.backend = XPI_BACKEND_XENCALL;
	rc = xpi_open_ex(&h, NULL, 0, &o);
	check(rc == 0, "open the xencall transport on the patched Xen (%d)",
	      rc);
	if (!rc) {
		if (!strcmp(mode, "strict")) {
			strict();
		} else if (!strcmp(mode, "passthrough")) {
			passthrough();
		} else if (!strcmp(mode, "flask")) {
			flask();
		} else if (!strcmp(mode, "running")) { /* a quick boot */
			running_guest(1);
			running_guest(0);
			pending_bounded();
		} else {
			relaxed();
		}
		check(xpi_close(h) == 0, "close unmaps what is left");
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
