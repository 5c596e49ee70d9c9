// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Runs inside dom0 on a real Xen (tests/real-xen/boot, started by
 * scripts/real-xen-test): the library's transports and every check the
 * kernel shim makes before the hypercall (arguments, restrictions,
 * quotas, ioserver bindings), and the deprivileged path (restrict, then
 * drop to a numeric uid), on the real kernel and hypervisor.  Stock Xen has no do_iommu_op, so the hypercall itself must
 * answer -ENOSYS and the library must say "not supported".
 *
 * Prints "ok - ..." / "not ok - ..." per check and, last, the plain line
 * "N passed, N failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdint.h>
#include <xen/xen.h>
#include <xen/sys/privcmd.h>

#include <xenpviommu.h>
#include <xenpviommu/deprivilege.h>
#include <xenpviommu/shim.h>

static int passed, failed;

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

static int shim_open(void)
{
	return open(XPI_SHIM_DEVICE, O_RDWR | O_CLOEXEC);
}

/* The op ioctl: returns 0 or errno. */
static int op_ioctl(int fd, struct pv_iommu_op *ops, uint32_t count,
		    uint32_t flags, uint32_t argsz, uint32_t *done)
{
	struct xpi_shim_op a = {
		.argsz = argsz,
		.flags = flags,
		.count = count,
		.ops = (uint64_t)(uintptr_t)ops,
	};
	int rc = ioctl(fd, XPI_SHIM_IOCTL_OP, &a);

	if (done)
		*done = a.done;
	return rc ? errno : 0;
}

static int window(int fd, uint64_t nr, uint64_t *first)
{
	struct xpi_shim_window w = { .argsz = sizeof(w), .nr_frames = nr };

	if (ioctl(fd, XPI_SHIM_IOCTL_WINDOW, &w))
		return errno;
	*first = w.first_bfn;
	return 0;
}

static int restrict_to(int fd, uint16_t domid)
{
	struct xpi_shim_restrict r = { .argsz = sizeof(r), .domid = domid };

	return ioctl(fd, XPI_SHIM_IOCTL_RESTRICT, &r) ? errno : 0;
}

static void library_transports(int have_shim)
{
	struct xpi_options o;
	xpi_handle *h = NULL;
	int rc;

	xpi_options_init(&o);
	o.backend = XPI_BACKEND_XENCALL;
	rc = xpi_open_ex(&h, NULL, 0, &o);
	check(rc == -EOPNOTSUPP && !h,
	      "xencall transport: open says not supported (%d)", rc);
	if (!have_shim)
		return;
	o.backend = XPI_BACKEND_KMOD;
	rc = xpi_open_ex(&h, NULL, 0, &o);
	check(rc == -EOPNOTSUPP && !h,
	      "kmod transport: open says not supported (%d)", rc);
	o.backend = XPI_BACKEND_AUTO;
	rc = xpi_open_ex(&h, NULL, 0, &o);
	check(rc == -EOPNOTSUPP && !h,
	      "auto transport: open says not supported (%d)", rc);
}

static void shim_op_checks(void)
{
	struct pv_iommu_op ops[2];
	uint32_t done = 99;
	int fd = shim_open(), rc;
	struct xpi_shim_info info = { .argsz = sizeof(info) };

	check(fd >= 0, "open " XPI_SHIM_DEVICE);
	if (fd < 0)
		return;
	rc = ioctl(fd, XPI_SHIM_IOCTL_INFO, &info);
	check(rc == 0 && info.version == XPI_SHIM_VERSION &&
		      info.hypercall == PV_IOMMU_HYPERCALL_DEFAULT &&
		      info.restricted == XPI_SHIM_UNRESTRICTED,
	      "INFO: version %u hypercall %u", info.version, info.hypercall);
	memset(ops, 0, sizeof(ops));
	check(op_ioctl(fd, NULL, 1, 0, sizeof(struct xpi_shim_op), NULL) ==
		      EFAULT,
	      "OP with a NULL ops pointer: EFAULT");
	check(op_ioctl(fd, (void *)(uintptr_t)0x10, 1, 0,
		       sizeof(struct xpi_shim_op), NULL) == EFAULT,
	      "OP with a bad ops pointer: EFAULT");
	check(ioctl(fd, XPI_SHIM_IOCTL_OP, (void *)(uintptr_t)0x10) == -1 &&
		      errno == EFAULT,
	      "OP with a bad argument pointer: EFAULT");
	check(op_ioctl(fd, ops, 0, 0, sizeof(struct xpi_shim_op), NULL) ==
		      EINVAL,
	      "OP with count 0: EINVAL");
	check(op_ioctl(fd, ops, XPI_SHIM_MAX_OPS + 1, 0,
		       sizeof(struct xpi_shim_op), NULL) == EINVAL,
	      "OP with count above the limit: EINVAL");
	check(op_ioctl(fd, ops, 1, 1, sizeof(struct xpi_shim_op), NULL) ==
		      EINVAL,
	      "OP with unknown flags: EINVAL");
	check(op_ioctl(fd, ops, 1, 0, 8, NULL) == EINVAL,
	      "OP with a short argsz: EINVAL");
	ops[0].subop_id = 0x55;
	ops[0].status = 12345;
	rc = op_ioctl(fd, ops, 1, 0, sizeof(struct xpi_shim_op), &done);
	check(rc == 0 && ops[0].status == -EOPNOTSUPP && done == 1,
	      "unknown subop: -EOPNOTSUPP in its status, not sent (%d)",
	      ops[0].status);
	memset(ops, 0, sizeof(ops));
	ops[0].subop_id = IOMMUOP_query_caps;
	check(op_ioctl(fd, ops, 1, 0, sizeof(struct xpi_shim_op), NULL) ==
		      ENOSYS,
	      "query_caps reaches the hypervisor: ENOSYS on stock Xen");
	close(fd);
}

static void restricted_checks(void)
{
	struct pv_iommu_op ops[1];
	uint64_t first = 0;
	int fd = shim_open(), other = shim_open(), rc;

	if (fd < 0 || other < 0) {
		check(0, "open two descriptors");
		return;
	}
	check(restrict_to(other, XPI_DOMID_SELF) == EINVAL,
	      "RESTRICT to a reserved domid: EINVAL");
	check(restrict_to(fd, 1) == 0, "RESTRICT to domid 1");
	check(restrict_to(fd, 1) == 0, "RESTRICT again to domid 1: fine");
	check(restrict_to(fd, 2) == EPERM, "RESTRICT to another domid: EPERM");
	check(window(fd, 64, &first) == 0, "WINDOW of 64 on the restricted fd");

	memset(ops, 0, sizeof(ops));
	ops[0].subop_id = IOMMUOP_map_page;
	rc = op_ioctl(fd, ops, 1, 0, sizeof(struct xpi_shim_op), NULL);
	check(rc == 0 && ops[0].status == -EPERM,
	      "restricted: map_page refused with -EPERM (%d)", ops[0].status);
	memset(ops, 0, sizeof(ops));
	ops[0].subop_id = IOMMUOP_unmap_page;
	check(op_ioctl(fd, ops, 1, 0, sizeof(struct xpi_shim_op), NULL) == 0 &&
		      ops[0].status == -EPERM,
	      "restricted: unmap_page refused with -EPERM");
	memset(ops, 0, sizeof(ops));
	ops[0].subop_id = IOMMUOP_map_foreign_page;
	ops[0].flags = IOMMUOP_readable;
	ops[0].u.map_foreign_page.bfn = first;
	ops[0].u.map_foreign_page.domid = 2;
	check(op_ioctl(fd, ops, 1, 0, sizeof(struct xpi_shim_op), NULL) == 0 &&
		      ops[0].status == -EPERM,
	      "restricted: map_foreign_page naming another domid: -EPERM");
	ops[0].u.map_foreign_page.domid = 1;
	ops[0].u.map_foreign_page.bfn = first + 64;
	ops[0].status = 0;
	check(op_ioctl(fd, ops, 1, 0, sizeof(struct xpi_shim_op), NULL) == 0 &&
		      ops[0].status == -EPERM,
	      "restricted: map_foreign_page outside the window: -EPERM");
	ops[0].u.map_foreign_page.bfn = first;
	check(op_ioctl(fd, ops, 1, 0, sizeof(struct xpi_shim_op), NULL) ==
		      ENOSYS,
	      "restricted: map_foreign_page in the window is sent (ENOSYS)");
	memset(ops, 0, sizeof(ops));
	ops[0].subop_id = IOMMUOP_lookup_foreign_page;
	ops[0].u.lookup_foreign_page.domid = 3;
	check(op_ioctl(fd, ops, 1, 0, sizeof(struct xpi_shim_op), NULL) == 0 &&
		      ops[0].status == -EPERM,
	      "restricted: lookup_foreign_page of another domid: -EPERM");
	memset(ops, 0, sizeof(ops));
	ops[0].subop_id = IOMMUOP_unmap_foreign_page;
	ops[0].u.unmap_foreign_page.bfn = first;
	check(op_ioctl(fd, ops, 1, 0, sizeof(struct xpi_shim_op), NULL) == 0 &&
		      ops[0].status == -EPERM,
	      "restricted: unmap_foreign_page of a BFN it did not map: -EPERM");
	close(fd);
	close(other);
}

static void window_checks(void)
{
	uint64_t a = 0, b = 0, c = 1;
	int fa = shim_open(), fb = shim_open(), fc;
	int ra, rb, rc;

	if (fa < 0 || fb < 0) {
		check(0, "open two descriptors");
		return;
	}

	check(window(fa, 0, &a) == EINVAL, "WINDOW of 0 frames: EINVAL");
	ra = window(fa, 1000, &a);
	rb = window(fb, 1000, &b);
	check(ra == 0 && rb == 0 && (a + 1000 <= b || b + 1000 <= a),
	      "WINDOWs of two descriptors are disjoint (%llx, %llx)",
	      (unsigned long long)a, (unsigned long long)b);
	close(fa);
	fc = shim_open();
	rc = fc >= 0 ? window(fc, 1000, &c) : -1;
	check(rc == 0 && c == a,
	      "closing a descriptor releases its window (%llx)",
	      (unsigned long long)c);
	close(fb);
	if (fc >= 0)
		close(fc);
}

/* One foreign op on fd: the op's status, or 1000 + errno of the ioctl. */
static int sop(int fd, uint16_t subop, uint64_t bfn, uint16_t domid,
	       uint16_t ios, struct pv_iommu_op *out)
{
	struct pv_iommu_op op;
	int rc;

	memset(&op, 0, sizeof(op));
	op.subop_id = subop;
	if (subop == IOMMUOP_unmap_foreign_page) {
		op.u.unmap_foreign_page.bfn = bfn;
		op.u.unmap_foreign_page.ioserver = ios;
	} else {
		op.flags = IOMMUOP_readable;
		op.u.map_foreign_page.bfn = bfn;
		op.u.map_foreign_page.domid = domid;
		op.u.map_foreign_page.ioserver = ios;
	}
	rc = op_ioctl(fd, &op, 1, 0, sizeof(struct xpi_shim_op), NULL);
	if (out)
		*out = op;
	return rc ? 1000 + rc : op.status;
}

static unsigned long long module_param(const char *name)
{
	char path[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/module/xen_privcmd_iommu/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* M-3: a restricted descriptor cannot take the BFN space for itself. */
static void quota_checks(void)
{
	unsigned long long maxw = module_param("max_windows");
	unsigned long long maxf = module_param("max_window_frames");
	uint64_t first = 0;
	int fd = shim_open(), other = shim_open(), i, rc = 0;

	check(maxw == XPI_SHIM_DEFAULT_MAX_WINDOWS &&
		      maxf == XPI_SHIM_DEFAULT_MAX_WINDOW_FRAMES &&
		      module_param("max_records") ==
			      XPI_SHIM_DEFAULT_MAX_RECORDS,
	      "quota parameters: %llu windows, %llu frames, %llu records", maxw,
	      maxf, module_param("max_records"));
	if (fd < 0 || other < 0 || !maxw) {
		check(0, "open two descriptors");
		goto out;
	}
	check(restrict_to(fd, 1) == 0, "RESTRICT to domid 1");
	check(window(fd, maxf + 1, &first) == EDQUOT,
	      "a restricted fd asks for more frames than its quota: EDQUOT");
	check(window(fd, 0xFFFFFFFFFu, &first) == EDQUOT,
	      "a restricted fd asks for the whole BFN range: EDQUOT");
	for (i = 0; i < (int)maxw && !rc; i++)
		rc = window(fd, 1, &first);
	check(rc == 0, "%d one-frame windows granted", i);
	check(window(fd, 1, &first) == EDQUOT,
	      "one more window than max_windows: EDQUOT");
	check(window(other, 1000, &first) == 0,
	      "an unrestricted fd still gets a window");
out:
	if (fd >= 0)
		close(fd);
	if (other >= 0)
		close(other);
}

/*
 * M-2: an ioreq server of a guest belongs to the first restricted fd that
 * names it.  The check is made before the hypercall, so stock Xen shows
 * it: the owner's op is sent (ENOSYS), a sibling's is refused (-EPERM).
 */
static void binding_checks(void)
{
	uint64_t wa = 0, wb = 0;
	int a = shim_open(), b = shim_open(), rc;
	struct pv_iommu_op op;

	memset(&op, 0, sizeof(op));

	if (a < 0 || b < 0 || restrict_to(a, 1) || restrict_to(b, 1) ||
	    window(a, 16, &wa) || window(b, 16, &wb)) {
		check(0, "two fds restricted to domid 1, with windows");
		if (a >= 0)
			close(a);
		if (b >= 0)
			close(b);
		return;
	}
	rc = sop(a, IOMMUOP_map_foreign_page, wa, 1, 3, &op);
	check(rc == 1000 + ENOSYS && op.status == -EINPROGRESS,
	      "fd A names ioreq server 3: sent (ENOSYS), its status says"
	      " not processed (-EINPROGRESS) (%d)",
	      op.status);
	check(sop(b, IOMMUOP_map_foreign_page, wb, 1, 3, NULL) == -EPERM,
	      "fd B, same guest, names A's ioreq server 3: -EPERM");
	check(sop(b, IOMMUOP_lookup_foreign_page, 0, 1, 3, NULL) == -EPERM,
	      "fd B looks up through A's ioreq server 3: -EPERM");
	check(sop(b, IOMMUOP_map_foreign_page, wb, 1, 4, NULL) == 1000 + ENOSYS,
	      "fd B with its own ioreq server 4: sent (ENOSYS)");
	close(a);
	check(sop(b, IOMMUOP_map_foreign_page, wb, 1, 3, NULL) == 1000 + ENOSYS,
	      "A closed: server 3 is free, B's op is sent (ENOSYS)");
	close(b);
}

#define XPI_RULES_STOCK
#include "rules.h"

static int shim_restricted_to(int fd)
{
	struct xpi_shim_info info = { .argsz = sizeof(info) };

	if (ioctl(fd, XPI_SHIM_IOCTL_INFO, &info))
		return -1;
	return info.restricted;
}

/* The child of deprivilege_checks(): a bit per failed step. */
static int depriv_child(void)
{
	struct xpi_deprivilege d;
	char self[64];
	domid_t dom = 1;
	int s = shim_open(), p = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
	int r, fails = 0, n;

	if (s < 0 || p < 0)
		return 0xFF;
	/* 1: restricting privcmd leaves the shim fd unrestricted */
	if (ioctl(p, IOCTL_PRIVCMD_RESTRICT, &dom) ||
	    shim_restricted_to(s) != XPI_SHIM_UNRESTRICTED)
		fails |= 1;
	/* 2: root reopens a restricted fd through /proc: unrestricted */
	if (restrict_to(s, 1))
		fails |= 2;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", s);
	r = open(self, O_RDWR | O_CLOEXEC);
	if (r < 0 || shim_restricted_to(r) != XPI_SHIM_UNRESTRICTED)
		fails |= 2;
	if (r >= 0)
		close(r);
	/* 4: the drop: both fds restricted, then uid 54321 */
	xpi_deprivilege_init(&d);
	d.domid = 1;
	d.uid = 54321;
	d.gid = 54321;
	n = xpi_deprivilege(&d);
	if (n != 2 || shim_restricted_to(s) != 1 || getuid() != 54321)
		fails |= 4;
	/* 8: neither the node nor the /proc link opens any more */
	r = open(self, O_RDWR | O_CLOEXEC);
	if (r >= 0 || errno != EACCES)
		fails |= 8;
	r = open(XPI_SHIM_DEVICE, O_RDWR | O_CLOEXEC);
	if (r >= 0 || errno != EACCES)
		fails |= 8;
	/* 16: the restricted fd still works for its guest */
	if (sop(s, IOMMUOP_lookup_foreign_page, 0, 1, 0, NULL) != 1000 + ENOSYS)
		fails |= 16;
	return fails;
}

static void deprivilege_checks(void)
{
	int st = 0;
	pid_t pid = fork();

	if (pid == 0)
		_exit(depriv_child());
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) {
		check(0, "the deprivileged child ran");
		return;
	}
	st = WEXITSTATUS(st);
	check(st != 0xFF, "the child opened the shim and privcmd");
	if (st == 0xFF)
		return;
	check(!(st & 1),
	      "restricting privcmd does not restrict the shim fd (not"
	      " inherited)");
	check(!(st & 2),
	      "root reopens its restricted shim fd through /proc/self/fd:"
	      " unrestricted (why the uid must change)");
	check(!(st & 4),
	      "xpi_deprivilege restricts the shim and privcmd fds and becomes"
	      " uid 54321 (no passwd entry)");
	check(!(st & 8),
	      "after the drop neither the node nor /proc/self/fd opens:"
	      " EACCES");
	check(!(st & 16), "the restricted fd still reaches Xen for its guest");
}

/* xpi-caps on this host: one clear line, exit status 3. */
static void xpi_caps(const char *backend)
{
	char cmd[128], line[512] = "";
	FILE *p;
	int st, lines = 0;

	snprintf(cmd, sizeof(cmd), "/xpi-caps --backend %s 2>&1", backend);
	p = popen(cmd, "r");
	if (!p) {
		check(0, "run xpi-caps");
		return;
	}
	for (size_t len = 0; len < sizeof(line) - 1;) {
		int ch = fgetc(p);

		if (ch == EOF)
			break;
		line[len++] = (char)ch;
		line[len] = 0;
		lines += ch == '\n';
	}
	st = pclose(p);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 3 && lines == 1 &&
		      strstr(line, "not supported"),
	      "xpi-caps --backend %s: exit 3 and one line: %s", backend, line);
}

int main(void)
{
	int have_shim = access(XPI_SHIM_DEVICE, F_OK) == 0;

	check(access("/dev/xen/privcmd", F_OK) == 0, "/dev/xen/privcmd exists");
	check(have_shim, XPI_SHIM_DEVICE " exists (the module loaded)");
	library_transports(have_shim);
	if (have_shim) {
		shim_op_checks();
		restricted_checks();
		window_checks();
		quota_checks();
		binding_checks();
		server_quota();
		deprivilege_checks();
	}
	xpi_caps("xencall");
	if (have_shim)
		xpi_caps("kmod");
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
