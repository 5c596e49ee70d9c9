// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * An LD_PRELOAD trap (as kmod's test suite fakes the kernel): it makes
 * /dev/xen/privcmd-iommu and /dev/xen/privcmd exist and answers their
 * ioctls from an in-process simulated hypervisor, so the kmod and xencall
 * transports run their real marshalling (open, the shim's INFO/WINDOW/OP
 * ioctls, libxencall's hypercall ioctl) without Xen.
 *
 * XPI_TRAP selects the devices: "kmod", "xencall" or "both" (default).
 * XPI_TRAP_VERSION: the ABI version INFO reports.  XPI_TRAP_EINTR=1: the
 * OP ioctl stops half way with EINTR once per call of more than one op.
 * XPI_TRAP_ENOSYS=1: the hypervisor has no do_iommu_op.
 * XPI_TRAP_DELAY_US=N: each hypercall (shim OP or privcmd) waits N us
 * before the hypervisor reads the ops, as a preempted or slow hypercall
 * does: the window in which another thread of the caller may write to
 * the same memory (tests/test-threads.c).
 *
 * For the listener's attach_xen() path it also stands in for the parts of
 * libxendevicemodel, libxenforeignmemory and libxenevtchn the listener
 * calls (interposed by name, as the preload comes before those libraries):
 * the ioreq server "resource" is the simulator's server pages (one block,
 * buffered page first), the event channel descriptor the simulator's
 * eventfd, and a notify on a vCPU's port xpi_sim_ioreq_notify().  One
 * attached server at a time.
 */
/* Both open() and open64() are defined here: no redirection of open. */
#undef _FILE_OFFSET_BITS
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <xenpviommu/shim.h>
#include <xenpviommu/sim.h>

#if HAVE_XEN
#include <xen/xen.h>
#include <xen/sys/privcmd.h>
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xen/memory.h>
#endif

#define TRAP_WINDOW_BASE (UINT64_C(1) << 33)

static struct xpi_sim *sim;
static int shim_fd = -1, privcmd_fd = -1;
static uint64_t next_window = TRAP_WINDOW_BASE;
static int eintr_toggle;

/* The test reaches the trap's host through this. */
__attribute__((visibility("default"))) struct xpi_sim *xpi_trap_sim(void);

struct xpi_sim *xpi_trap_sim(void)
{
	if (!sim) {
		struct xpi_sim_config c;
		const char *e = getenv("XPI_TRAP_ENOSYS");

		xpi_sim_config_init(&c);
		c.host_frames = UINT64_C(1) << 18;
		c.hwdom_frames = 16384;
		c.hypercall_present = !(e && *e == '1');
		if (xpi_sim_new(&c, &sim))
			abort();
	}
	return sim;
}

static int want(const char *which)
{
	const char *e = getenv("XPI_TRAP");

	return !e || !*e || !strcmp(e, "both") || !strcmp(e, which);
}

static int is_shim(const char *path)
{
	return path && !strcmp(path, XPI_SHIM_DEVICE) && want("kmod");
}

static int is_privcmd(const char *path)
{
	return path && !strcmp(path, "/dev/xen/privcmd") && want("xencall");
}

/* A real descriptor to stand for the device: /dev/null. */
static int fake_open(int *slot)
{
	int (*real_open)(const char *, int, ...) = dlsym(RTLD_NEXT, "open");
	int fd = real_open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		*slot = fd;
	return fd;
}

static int trap_open(const char *path, int *handled)
{
	*handled = 1;
	if (is_shim(path))
		return fake_open(&shim_fd);
	if (is_privcmd(path))
		return fake_open(&privcmd_fd);
	if (path && !strcmp(path, "/dev/xen/hypercall")) {
		errno = ENOENT; /* libxencall then uses plain locked memory */
		return -1;
	}
	*handled = 0;
	return -1;
}

__attribute__((visibility("default"))) int open(const char *path, int flags,
						...);
__attribute__((visibility("default"))) int open64(const char *path, int flags,
						  ...);
__attribute__((visibility("default"))) int access(const char *path, int mode);
__attribute__((visibility("default"))) int close(int fd);
__attribute__((visibility("default"))) int ioctl(int fd, unsigned long req,
						 ...);

#define DEFINE_OPEN(name)                                                      \
	int name(const char *path, int flags, ...)                             \
	{                                                                      \
		int (*real)(const char *, int, ...) = dlsym(RTLD_NEXT, #name); \
		int handled, fd = trap_open(path, &handled);                   \
		mode_t mode = 0;                                               \
		va_list ap;                                                    \
                                                                               \
		if (handled)                                                   \
			return fd;                                             \
		if (flags & (O_CREAT | O_TMPFILE)) {                           \
			va_start(ap, flags);                                   \
			mode = va_arg(ap, mode_t);                             \
			va_end(ap);                                            \
		}                                                              \
		return real(path, flags, mode);                                \
	}

DEFINE_OPEN(open)
DEFINE_OPEN(open64)

int access(const char *path, int mode)
{
	int (*real)(const char *, int) = dlsym(RTLD_NEXT, "access");

	if (is_shim(path) || is_privcmd(path))
		return 0;
	return real(path, mode);
}

int close(int fd)
{
	int (*real)(int) = dlsym(RTLD_NEXT, "close");

	if (fd >= 0 && fd == shim_fd) {
		shim_fd = -1;
		next_window = TRAP_WINDOW_BASE; /* the shim releases it */
	}
	if (fd >= 0 && fd == privcmd_fd)
		privcmd_fd = -1;
	return real(fd);
}

/* XPI_TRAP_DELAY_US, read on the first call (the threads test sets it
 * before it starts a thread); hypercalls come from several threads. */
static void hypercall_delay(void)
{
	static int cached = -1;
	int us = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (us < 0) {
		const char *e = getenv("XPI_TRAP_DELAY_US");

		us = e ? atoi(e) : 0;
		__atomic_store_n(&cached, us, __ATOMIC_RELAXED);
	}
	if (us > 0)
		usleep((useconds_t)us);
}

static int fail(int err)
{
	errno = err;
	return -1;
}

/*
 * XPI_TRAP_FAIL_AFTER=1: the call processes every op (statuses written),
 * then reports EIO, as Xen does when the IOTLB flush at its end fails.
 */
static int fail_after(void)
{
	const char *e = getenv("XPI_TRAP_FAIL_AFTER");

	return e && *e == '1';
}

static int shim_ioctl(unsigned long req, void *arg)
{
	switch (req) {
	case XPI_SHIM_IOCTL_INFO: {
		struct xpi_shim_info *i = arg;
		const char *v = getenv("XPI_TRAP_VERSION");

		if (i->argsz < sizeof(*i) || i->flags)
			return fail(EINVAL);
		i->version = v ? (uint32_t)atoi(v) : XPI_SHIM_VERSION;
		i->hypercall = PV_IOMMU_HYPERCALL_DEFAULT;
		i->max_ops = XPI_SHIM_MAX_OPS;
		i->restricted = XPI_SHIM_UNRESTRICTED;
		i->bfn_base = TRAP_WINDOW_BASE;
		i->bfn_limit = TRAP_WINDOW_BASE << 1;
		return 0;
	}
	case XPI_SHIM_IOCTL_WINDOW: {
		struct xpi_shim_window *w = arg;

		if (w->argsz < sizeof(*w) || w->flags || !w->nr_frames)
			return fail(EINVAL);
		w->first_bfn = next_window;
		next_window += w->nr_frames;
		return 0;
	}
	case XPI_SHIM_IOCTL_OP: {
		struct xpi_shim_op *o = arg;
		struct pv_iommu_op *ops = (void *)(uintptr_t)o->ops;
		const char *e = getenv("XPI_TRAP_EINTR");
		unsigned int n = o->count;
		long rc;

		if (o->argsz < sizeof(*o) || o->flags || !o->count ||
		    o->count > XPI_SHIM_MAX_OPS)
			return fail(EINVAL);
		if (!ops)
			return fail(EFAULT);
		if (e && *e == '1' && n > 1 && (eintr_toggle ^= 1))
			n /= 2;
		hypercall_delay();
		rc = xpi_sim_iommu_op(xpi_trap_sim(), 0, ops, n);
		o->done = rc ? 0 : n;
		if (rc)
			return fail((int)-rc);
		if (fail_after())
			return fail(EIO);
		return n < o->count ? fail(EINTR) : 0;
	}
	default:
		return fail(ENOTTY);
	}
}

#if HAVE_XEN
static int privcmd_ioctl(unsigned long req, void *arg)
{
	privcmd_hypercall_t *hc = arg;
	long rc;

	if (req != IOCTL_PRIVCMD_HYPERCALL)
		return fail(ENOTTY);
	if (hc->op != PV_IOMMU_HYPERCALL_DEFAULT)
		return fail(ENOSYS);
	hypercall_delay();
	rc = xpi_sim_iommu_op(xpi_trap_sim(), 0,
			      (struct pv_iommu_op *)(uintptr_t)hc->arg[0],
			      (unsigned int)hc->arg[1]);
	if (!rc && fail_after())
		return fail(EIO);
	return rc ? fail((int)-rc) : 0;
}
#endif

int ioctl(int fd, unsigned long req, ...)
{
	int (*real)(int, unsigned long, ...) = dlsym(RTLD_NEXT, "ioctl");
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd >= 0 && fd == shim_fd)
		return shim_ioctl(req, arg);
#if HAVE_XEN
	if (fd >= 0 && fd == privcmd_fd)
		return privcmd_ioctl(req, arg);
#endif
	return real(fd, req, arg);
}

#if HAVE_XEN
/*
 * The listener's Xen libraries.  Handles are tokens: the trap's state is
 * the one server the last xenforeignmemory_map_resource() mapped.
 */
static uint16_t res_domid, res_id;
static int res_mapped;
static char fake_token;

#define FAKE_HANDLE(type) ((type *)(void *)&fake_token)
#define TRAP_BUF_PORT 1u

#define DEFAULT_VIS __attribute__((visibility("default")))
DEFAULT_VIS xendevicemodel_handle *
xendevicemodel_open(struct xentoollog_logger *logger, unsigned int flags);
DEFAULT_VIS int xendevicemodel_close(xendevicemodel_handle *d);
DEFAULT_VIS int
xendevicemodel_get_ioreq_server_info(xendevicemodel_handle *d, domid_t domid,
				     ioservid_t id, xen_pfn_t *ioreq_gfn,
				     xen_pfn_t *bufioreq_gfn,
				     evtchn_port_t *bufioreq_port);
DEFAULT_VIS int xendevicemodel_set_ioreq_server_state(xendevicemodel_handle *d,
						      domid_t domid,
						      ioservid_t id,
						      int enabled);
DEFAULT_VIS xenforeignmemory_handle *
xenforeignmemory_open(struct xentoollog_logger *logger, unsigned int flags);
DEFAULT_VIS int xenforeignmemory_close(xenforeignmemory_handle *f);
DEFAULT_VIS xenforeignmemory_resource_handle *
xenforeignmemory_map_resource(xenforeignmemory_handle *f, domid_t domid,
			      unsigned int type, unsigned int id,
			      unsigned long frame, unsigned long nr_frames,
			      void **paddr, int prot, int flags);
DEFAULT_VIS int
xenforeignmemory_unmap_resource(xenforeignmemory_handle *f,
				xenforeignmemory_resource_handle *r);
DEFAULT_VIS xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger,
					     unsigned int flags);
DEFAULT_VIS int xenevtchn_close(xenevtchn_handle *x);
DEFAULT_VIS int xenevtchn_fd(xenevtchn_handle *x);
DEFAULT_VIS int xenevtchn_notify(xenevtchn_handle *x, evtchn_port_t port);
DEFAULT_VIS xenevtchn_port_or_error_t xenevtchn_bind_interdomain(
	xenevtchn_handle *x, uint32_t domid, evtchn_port_t remote);
DEFAULT_VIS int xenevtchn_unbind(xenevtchn_handle *x, evtchn_port_t port);
DEFAULT_VIS xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *x);
DEFAULT_VIS int xenevtchn_unmask(xenevtchn_handle *x, evtchn_port_t port);

static int sim_errno(int rc)
{
	errno = -rc;
	return -1;
}

xendevicemodel_handle *xendevicemodel_open(struct xentoollog_logger *logger,
					   unsigned int flags)
{
	return FAKE_HANDLE(xendevicemodel_handle);
}

int xendevicemodel_close(xendevicemodel_handle *d)
{
	return 0;
}

int xendevicemodel_get_ioreq_server_info(xendevicemodel_handle *d,
					 domid_t domid, ioservid_t id,
					 xen_pfn_t *ioreq_gfn,
					 xen_pfn_t *bufioreq_gfn,
					 evtchn_port_t *bufioreq_port)
{
	int rc = xpi_sim_ioreq_server_pages(xpi_trap_sim(), domid, id, NULL,
					    NULL);

	if (rc)
		return sim_errno(rc);
	if (bufioreq_port)
		*bufioreq_port = TRAP_BUF_PORT;
	return 0;
}

int xendevicemodel_set_ioreq_server_state(xendevicemodel_handle *d,
					  domid_t domid, ioservid_t id,
					  int enabled)
{
	int rc = xpi_sim_ioreq_server_pages(xpi_trap_sim(), domid, id, NULL,
					    NULL);

	return rc ? sim_errno(rc) : 0;
}

xenforeignmemory_handle *xenforeignmemory_open(struct xentoollog_logger *logger,
					       unsigned int flags)
{
	return FAKE_HANDLE(xenforeignmemory_handle);
}

int xenforeignmemory_close(xenforeignmemory_handle *f)
{
	return 0;
}

xenforeignmemory_resource_handle *
xenforeignmemory_map_resource(xenforeignmemory_handle *f, domid_t domid,
			      unsigned int type, unsigned int id,
			      unsigned long frame, unsigned long nr_frames,
			      void **paddr, int prot, int flags)
{
	void *buf, *sync;
	int rc;

	if (type != XENMEM_resource_ioreq_server || frame != 0 ||
	    nr_frames < 2 || res_mapped) {
		errno = EINVAL;
		return NULL;
	}
	rc = xpi_sim_ioreq_server_pages(xpi_trap_sim(), domid, (uint16_t)id,
					&buf, &sync);
	if (rc) {
		sim_errno(rc);
		return NULL;
	}
	/* The listener takes frames 1.. right after frame 0. */
	if ((char *)sync != (char *)buf + 4096) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	res_domid = domid;
	res_id = (uint16_t)id;
	res_mapped = 1;
	*paddr = buf;
	return FAKE_HANDLE(xenforeignmemory_resource_handle);
}

int xenforeignmemory_unmap_resource(xenforeignmemory_handle *f,
				    xenforeignmemory_resource_handle *r)
{
	res_mapped = 0;
	return 0;
}

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger,
				 unsigned int flags)
{
	return FAKE_HANDLE(xenevtchn_handle);
}

int xenevtchn_close(xenevtchn_handle *x)
{
	return 0;
}

int xenevtchn_fd(xenevtchn_handle *x)
{
	int rc;

	if (!res_mapped) {
		errno = ENOENT;
		return -1;
	}
	rc = xpi_sim_ioreq_server_evtchn_fd(xpi_trap_sim(), res_domid, res_id);
	return rc < 0 ? sim_errno(rc) : rc;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *x,
						     uint32_t domid,
						     evtchn_port_t remote)
{
	if (!res_mapped || domid != res_domid || !remote) {
		errno = EINVAL;
		return -1;
	}
	return (xenevtchn_port_or_error_t)remote;
}

int xenevtchn_unbind(xenevtchn_handle *x, evtchn_port_t port)
{
	return 0;
}

/* A vCPU's port: the emulator completed a synchronous ioreq. */
int xenevtchn_notify(xenevtchn_handle *x, evtchn_port_t port)
{
	int rc;

	if (!res_mapped) {
		errno = ENOENT;
		return -1;
	}
	if (port == TRAP_BUF_PORT)
		return 0;
	rc = xpi_sim_ioreq_notify(xpi_trap_sim(), res_domid, res_id);
	return rc ? sim_errno(rc) : 0;
}

/* Reading the eventfd clears it, as taking the pending port does. */
xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *x)
{
	uint64_t v;
	int fd = xenevtchn_fd(x);

	if (fd < 0)
		return -1;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -1;
	return TRAP_BUF_PORT;
}

int xenevtchn_unmask(xenevtchn_handle *x, evtchn_port_t port)
{
	return 0;
}
#endif
