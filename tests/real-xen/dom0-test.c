// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Runs inside dom0 on a real Xen (tests/real-xen/boot, started by
 * scripts/real-xen-test): the library's transports and every check the
 * kernel shim makes before the hypercall, on the real kernel and
 * hypervisor.  Stock Xen has no do_iommu_op, so the hypercall itself must
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

#include <xenpviommu.h>
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
	      "xpi-caps --backend %s: exit 3 and one line: %s", backend,
	      line);
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
	}
	xpi_caps("xencall");
	if (have_shim)
		xpi_caps("kmod");
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
