// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kernel shim's device (kmod/privcmd_iommu.c): what a deprivileged
 * emulator, whose privcmd descriptor is restricted, uses.  At open the
 * device is probed once (XPI_SHIM_IOCTL_INFO) and a BFN window is
 * reserved from it, unique across every process that uses the shim.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "private.h"

struct kmod_tdata {
	int fd;
	struct xpi_shim_info info;
};

static int kmod_open(struct xpi_handle *h)
{
	struct kmod_tdata *t;
	struct xpi_shim_window win;
	int err;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->fd = open(XPI_SHIM_DEVICE, O_RDWR | O_CLOEXEC);
	if (t->fd < 0) {
		err = errno;
		if (err == ENOENT)
			xpi_err(h, -1,
				XPI_SHIM_DEVICE
				" does not exist: load the"
				" privcmd_iommu module (see kmod/README.md)");
		else
			xpi_err(h, err, "cannot open " XPI_SHIM_DEVICE);
		free(t);
		return -err;
	}
	t->info.argsz = sizeof(t->info);
	if (ioctl(t->fd, XPI_SHIM_IOCTL_INFO, &t->info)) {
		err = errno;
		xpi_err(h, err,
			XPI_SHIM_DEVICE
			" does not answer the shim's INFO ioctl");
		goto fail;
	}
	if (t->info.version != XPI_SHIM_VERSION) {
		err = EPROTO;
		xpi_err(h, -1, "shim ABI version %u, this library speaks %u",
			t->info.version, XPI_SHIM_VERSION);
		goto fail;
	}
	if (t->info.hypercall != h->hypercall)
		xpi_warn(h, -1,
			 "the shim issues hypercall %u, not %u as configured",
			 t->info.hypercall, h->hypercall);
	h->hypercall = t->info.hypercall;

	/* The window comes from the shim, so processes never collide. */
	memset(&win, 0, sizeof(win));
	win.argsz = sizeof(win);
	win.nr_frames = h->bfn_count;
	if (ioctl(t->fd, XPI_SHIM_IOCTL_WINDOW, &win)) {
		err = errno;
		xpi_err(h, err, "the shim gave no BFN window of %llu frames",
			(unsigned long long)h->bfn_count);
		goto fail;
	}
	h->bfn_base = win.first_bfn;
	h->tdata = t;
	return 0;

fail:
	close(t->fd);
	free(t);
	return -err;
}

static int kmod_hypercall(struct xpi_handle *h, struct pv_iommu_op *ops,
			  unsigned int count, unsigned int *done)
{
	struct kmod_tdata *t = h->tdata;
	struct xpi_shim_op arg = {
		.argsz = sizeof(arg),
		.count = count,
		.ops = (uint64_t)(uintptr_t)ops,
	};

	*done = 0;
	if (ioctl(t->fd, XPI_SHIM_IOCTL_OP, &arg) == 0)
		return 0;
	*done = arg.done;
	return -errno;
}

static void kmod_close(struct xpi_handle *h)
{
	struct kmod_tdata *t = h->tdata;

	if (!t)
		return;
	/* Closing also releases the window and anything still mapped. */
	close(t->fd);
	free(t);
	h->tdata = NULL;
}

const struct xpi_transport_ops xpi_transport_kmod = {
	.name = "kmod",
	.backend = XPI_BACKEND_KMOD,
	.open = kmod_open,
	.hypercall = kmod_hypercall,
	.close = kmod_close,
	.ioreq = &xpi_ioreq_xen,
};
