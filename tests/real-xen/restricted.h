/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Restricted shim descriptors meeting the real do_iommu_op (issue 13): the
 * emulators a toolstack would start, each holding a shim descriptor
 * restricted to its guest.  Included by patched-test.c after foreign.h
 * (check(), guest_create(), guest_pages(), RWF); the lead calls
 * restricted_emulators() from a relaxed boot (map_foreign_page and
 * lookup_foreign_page both work there).
 *
 * Two guests g1 and g2; g1 has two ioreq servers (two emulators of one
 * guest), g2 one.  Descriptors: A (g1, server a), B (g1, server b), C (g2,
 * server c), all restricted, and U, unrestricted (root).  Every cross-fd,
 * cross-server and cross-domain op is refused before Xen sees it; a lookup
 * A and U share survives A's close; A's quota holds; a process killed
 * with SIGKILL in the middle of its batches leaves the others' mappings
 * alone, and its own are gone.
 *
 * To call it: #include "restricted.h" after "flask.h" in patched-test.c,
 * and restricted_emulators() from relaxed() (or a mode of its own: with a
 * "restricted" mode it ran as one boot of scripts/real-xen-test with
 * XPI_XEN=hypervisor/work/xen-pviommu and
 * XPI_BOOTS="restricted|<the vtd qemu args>|iommu=1|restricted", 24 checks
 * in about a minute).
 */
#ifndef XPI_REAL_XEN_RESTRICTED_H
#define XPI_REAL_XEN_RESTRICTED_H

#include <signal.h>
#include <sys/wait.h>

#include <xenpviommu/shim.h>

static int rx_open(uint16_t domid, uint64_t nr, uint64_t *first)
{
	struct xpi_shim_restrict r = { .argsz = sizeof(r), .domid = domid };
	struct xpi_shim_window w = { .argsz = sizeof(w), .nr_frames = nr };
	int fd = open(XPI_SHIM_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if ((domid != XPI_SHIM_UNRESTRICTED &&
	     ioctl(fd, XPI_SHIM_IOCTL_RESTRICT, &r)) ||
	    (nr && ioctl(fd, XPI_SHIM_IOCTL_WINDOW, &w))) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	if (first)
		*first = w.first_bfn;
	return fd;
}

/* ops[0..n) through fd: 0, or 1000 + errno of the ioctl. */
static int rx_ops(int fd, struct pv_iommu_op *ops, uint32_t n)
{
	struct xpi_shim_op a = {
		.argsz = sizeof(a),
		.count = n,
		.ops = (uint64_t)(uintptr_t)ops,
	};

	return ioctl(fd, XPI_SHIM_IOCTL_OP, &a) ? 1000 + errno : 0;
}

static struct pv_iommu_op rx_op(uint16_t subop, uint64_t bfn, uint64_t gfn,
				uint16_t domid, uint16_t ios)
{
	struct pv_iommu_op op;

	memset(&op, 0, sizeof(op));
	op.subop_id = subop;
	if (subop == IOMMUOP_unmap_foreign_page) {
		op.u.unmap_foreign_page.bfn = bfn;
		op.u.unmap_foreign_page.ioserver = ios;
	} else {
		if (subop == IOMMUOP_map_foreign_page)
			op.flags = RWF;
		op.u.map_foreign_page.bfn = bfn;
		op.u.map_foreign_page.gfn = gfn;
		op.u.map_foreign_page.domid = domid;
		op.u.map_foreign_page.ioserver = ios;
	}
	return op;
}

/* One op through fd: its status, or 1000 + errno; *out gets the op. */
static int rx_one(int fd, uint16_t subop, uint64_t bfn, uint64_t gfn,
		  uint16_t domid, uint16_t ios, struct pv_iommu_op *out)
{
	struct pv_iommu_op op = rx_op(subop, bfn, gfn, domid, ios);
	int rc = rx_ops(fd, &op, 1);

	if (out)
		*out = op;
	return rc ? rc : op.status;
}

static int rx_server(xendevicemodel_handle *dm, uint32_t domid, ioservid_t *ios)
{
	int rc = xendevicemodel_create_ioreq_server(
		dm, domid, HVM_IOREQSRV_BUFIOREQ_ATOMIC, ios);

	if (!rc)
		rc = xendevicemodel_set_ioreq_server_state(dm, domid, *ios, 1);
	return rc;
}

/*
 * A child restricted to g1 with server a (free once A closed): it maps
 * the last BFN of its window and keeps it, tells the parent its first
 * BFN through the pipe, then maps and unmaps batches of 64 pages in a
 * loop until it is killed.
 */
static void rx_child(int wfd, uint16_t g1, uint16_t ios)
{
	struct pv_iommu_op ops[64];
	uint64_t w = 0;
	int fd = rx_open(g1, 1024, &w);

	if (fd < 0 ||
	    rx_one(fd, IOMMUOP_map_foreign_page, w + 1023, 1023, g1, ios,
		   NULL) != 0 ||
	    write(wfd, &w, sizeof(w)) != sizeof(w))
		_exit(1);
	for (uint64_t round = 0;; round = (round + 64) % 960) {
		for (unsigned int i = 0; i < 64; i++)
			ops[i] = rx_op(IOMMUOP_map_foreign_page, w + round + i,
				       round + i, g1, ios);
		rx_ops(fd, ops, 64);
		for (unsigned int i = 0; i < 64; i++)
			ops[i] = rx_op(IOMMUOP_unmap_foreign_page,
				       w + round + i, 0, 0, ios);
		rx_ops(fd, ops, 64);
	}
}

static void restricted_emulators(void)
{
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	xendevicemodel_handle *dm = xendevicemodel_open(NULL, 0);
	uint32_t g1 = 0, g2 = 0;
	ioservid_t sa = 0, sb = 0, sc = 0;
	int have_a = 0, have_b = 0, have_c = 0;
	int A = -1, B = -1, C = -1, U = -1, st = 0, pipefd[2] = { -1, -1 };
	uint64_t wa = 0, wb = 0, wc = 0, wu = 0, wk = 0, mfn;
	struct pv_iommu_op op, two[2];
	pid_t pid;
	int rc;

	rc = xch && dm ? guest_create(xch, &g1, 0) : -1;
	if (!rc)
		rc = guest_create(xch, &g2, 0);
	check(rc == 0, "restricted: two guests d%u and d%u (%d)", g1, g2, rc);
	if (rc)
		goto out;
	have_a = rx_server(dm, g1, &sa) == 0;
	have_b = rx_server(dm, g1, &sb) == 0;
	have_c = rx_server(dm, g2, &sc) == 0;
	check(have_a && have_b && have_c && sa != sb,
	      "restricted: servers %u and %u of d%u, %u of d%u", sa, sb, g1, sc,
	      g2);
	if (!have_a || !have_b || !have_c)
		goto out;
	A = rx_open((uint16_t)g1, 64, &wa);
	B = rx_open((uint16_t)g1, 64, &wb);
	C = rx_open((uint16_t)g2, 64, &wc);
	U = rx_open(XPI_SHIM_UNRESTRICTED, 64, &wu);
	check(A >= 0 && B >= 0 && C >= 0 && U >= 0,
	      "restricted: fds A, B (d%u), C (d%u) and unrestricted U", g1, g2);
	if (A < 0 || B < 0 || C < 0 || U < 0)
		goto out;

	/* each emulator maps its own guest through its own server */
	check(rx_one(A, IOMMUOP_map_foreign_page, wa, 10, g1, sa, NULL) == 0 &&
		      rx_one(B, IOMMUOP_map_foreign_page, wb, 11, g1, sb,
			     NULL) == 0 &&
		      rx_one(C, IOMMUOP_map_foreign_page, wc, 12, g2, sc,
			     NULL) == 0,
	      "restricted: A, B and C each map a page of their guest");
	/* cross-domain */
	check(rx_one(C, IOMMUOP_map_foreign_page, wc + 1, 10, g1, sa, NULL) ==
		      -EPERM,
	      "restricted: C maps a page of d%u: -EPERM", g1);
	check(rx_one(C, IOMMUOP_lookup_foreign_page, 0, 10, g1, sa, NULL) ==
		      -EPERM,
	      "restricted: C looks up a page of d%u: -EPERM", g1);
	/* cross-fd */
	check(rx_one(C, IOMMUOP_map_foreign_page, wa + 1, 12, g2, sc, NULL) ==
		      -EPERM,
	      "restricted: C maps into A's window: -EPERM");
	check(rx_one(B, IOMMUOP_unmap_foreign_page, wa, 0, 0, sa, NULL) ==
		      -EPERM,
	      "restricted: B unmaps A's BFN: -EPERM");
	check(rx_one(C, IOMMUOP_unmap_foreign_page, wb, 0, 0, sb, NULL) ==
		      -EPERM,
	      "restricted: C unmaps B's BFN: -EPERM");
	/* cross-server: a's server is A's, b's is B's */
	check(rx_one(B, IOMMUOP_map_foreign_page, wb + 1, 13, g1, sa, NULL) ==
		      -EPERM,
	      "restricted: B maps through A's ioreq server: -EPERM");
	check(rx_one(A, IOMMUOP_lookup_foreign_page, 0, 13, g1, sb, NULL) ==
		      -EPERM,
	      "restricted: A looks up through B's ioreq server: -EPERM");
	/* L-2: a map and its unmap in one call */
	two[0] = rx_op(IOMMUOP_map_foreign_page, wa + 2, 14, g1, sa);
	two[1] = rx_op(IOMMUOP_unmap_foreign_page, wa + 2, 0, 0, sa);
	rc = rx_ops(A, two, 2);
	check(rc == 0 && two[0].status == 0 && two[1].status == 0,
	      "restricted: map and unmap of one BFN in one call (%d, %d)",
	      two[0].status, two[1].status);
	/* M-3: quota */
	check(rx_open((uint16_t)g1, XPI_SHIM_DEFAULT_MAX_WINDOW_FRAMES + 1,
		      NULL) < 0 &&
		      errno == EDQUOT,
	      "restricted: a window above the frame quota: EDQUOT");

	/* M-2: a lookup A and U share survives A's close */
	rc = rx_one(A, IOMMUOP_lookup_foreign_page, 0, 20, g1, sa, &op);
	mfn = op.u.lookup_foreign_page.bfn;
	check(rc == 0 && mfn &&
		      rx_one(U, IOMMUOP_lookup_foreign_page, 0, 20, g1, sa,
			     &op) == 0 &&
		      op.u.lookup_foreign_page.bfn == mfn,
	      "restricted: A and U look up one page: one entry, MFN 0x%llx",
	      (unsigned long long)mfn);
	close(A);
	A = -1;
	check(rx_one(U, IOMMUOP_unmap_foreign_page, mfn, 0, 0, sa, NULL) == 0,
	      "restricted: A closed, U's lookup entry is still there: U's"
	      " unmap reaches it (0, not -ENOENT)");
	check(rx_one(U, IOMMUOP_unmap_foreign_page, mfn, 0, 0, sa, NULL) ==
		      -ENOENT,
	      "restricted: and then it is gone (-ENOENT)");

	/* a process killed mid-batch: the others keep theirs */
	if (pipe(pipefd))
		goto out;
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		rx_child(pipefd[1], (uint16_t)g1, sa);
	}
	rc = pid > 0 && read(pipefd[0], &wk, sizeof(wk)) == sizeof(wk);
	check(rc && rx_one(U, IOMMUOP_map_foreign_page, wk + 1023, 0, g1, sa,
			   NULL) == -EEXIST,
	      "restricted: an emulator of d%u maps batches in a loop (its"
	      " BFN is live: -EEXIST)",
	      g1);
	usleep(300 * 1000);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	check(rc && WIFSIGNALED(st),
	      "restricted: an emulator of d%u killed with SIGKILL mid-batch",
	      g1);
	check(rx_one(U, IOMMUOP_map_foreign_page, wk + 1023, 0, g1, sa, NULL) ==
			      0 &&
		      rx_one(U, IOMMUOP_unmap_foreign_page, wk + 1023, 0, 0, sa,
			     NULL) == 0,
	      "restricted: its mappings were unmapped at close (its BFN maps"
	      " again)");
	check(rx_one(B, IOMMUOP_unmap_foreign_page, wb, 0, 0, sb, NULL) == 0 &&
		      rx_one(C, IOMMUOP_unmap_foreign_page, wc, 0, 0, sc,
			     NULL) == 0,
	      "restricted: B's and C's mappings were left alone (their"
	      " unmaps: 0)");
out:
	if (pipefd[0] >= 0) {
		close(pipefd[0]);
		close(pipefd[1]);
	}
	if (A >= 0)
		close(A);
	if (B >= 0)
		close(B);
	if (C >= 0)
		close(C);
	if (U >= 0)
		close(U);
	if (have_a)
		xendevicemodel_destroy_ioreq_server(dm, g1, sa);
	if (have_b)
		xendevicemodel_destroy_ioreq_server(dm, g1, sb);
	if (have_c)
		xendevicemodel_destroy_ioreq_server(dm, g2, sc);
	if (g1)
		check(xc_domain_destroy(xch, g1) == 0, "d%u destroyed", g1);
	if (g2)
		check(xc_domain_destroy(xch, g2) == 0, "d%u destroyed", g2);
	if (dm)
		xendevicemodel_close(dm);
	if (xch)
		xc_interface_close(xch);
}

#endif /* XPI_REAL_XEN_RESTRICTED_H */
