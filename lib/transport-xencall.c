// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The plain privcmd hypercall ioctl through libxencall, for root,
 * unrestricted dom0 processes (a restricted privcmd descriptor refuses it:
 * those emulators use the kernel shim).  Ops are copied into a hypercall
 * buffer, which libxencall keeps locked, because Xen does not fault guest
 * pages in.
 *
 * The buffer is the handle's, and a handle may be used from several
 * threads (include/xenpviommu.h): one mutex covers growing it, copying the
 * ops in, the hypercall and copying them back, so two threads never share
 * or free it under each other.  Uncontended, that is two atomic operations
 * per hypercall; the kernel's privcmd serialises nothing for us.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

#if HAVE_XEN
#include <xencall.h>

struct xencall_tdata {
	xencall_handle *xcall;
	pthread_mutex_t lock; /* buf, buf_ops and the call that uses buf */
	void *buf;
	size_t buf_ops; /* capacity of buf, in ops */
};

static int xc_open(struct xpi_handle *h)
{
	struct xencall_tdata *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return -ENOMEM;
	t->xcall = xencall_open(h->logger, 0);
	if (!t->xcall) {
		err = errno ? errno : ENOENT;
		xpi_err(h, err, "cannot open privcmd through libxencall");
		free(t);
		return -err;
	}
	pthread_mutex_init(&t->lock, NULL);
	h->tdata = t;
	return 0;
}

static int xc_hypercall(struct xpi_handle *h, struct pv_iommu_op *ops,
			unsigned int count, unsigned int *done)
{
	struct xencall_tdata *t = h->tdata;
	size_t bytes = (size_t)count * sizeof(*ops);
	int rc;

	*done = 0;
	pthread_mutex_lock(&t->lock);
	if (count > t->buf_ops) {
		void *nbuf = xencall_alloc_buffer(t->xcall, bytes);

		if (!nbuf) {
			pthread_mutex_unlock(&t->lock);
			return -ENOMEM;
		}
		if (t->buf)
			xencall_free_buffer(t->xcall, t->buf);
		t->buf = nbuf;
		t->buf_ops = count;
	}
	memcpy(t->buf, ops, bytes);
	rc = xencall2(t->xcall, h->hypercall, (uint64_t)(uintptr_t)t->buf,
		      count);
	if (rc < 0)
		rc = -errno;
	/*
	 * Xen writes statuses (and lookup results) back into the buffer, also
	 * for the ops it processed before a failure the call then reports
	 * (a failed IOTLB flush): copy them back whatever the result.
	 */
	memcpy(ops, t->buf, bytes);
	pthread_mutex_unlock(&t->lock);
	return rc < 0 ? rc : rc > 0 ? -EPROTO : 0;
}

static void xc_close(struct xpi_handle *h)
{
	struct xencall_tdata *t = h->tdata;

	if (!t)
		return;
	if (t->buf)
		xencall_free_buffer(t->xcall, t->buf);
	xencall_close(t->xcall);
	pthread_mutex_destroy(&t->lock);
	free(t);
	h->tdata = NULL;
}

const struct xpi_transport_ops xpi_transport_xencall = {
	.name = "xencall",
	.backend = XPI_BACKEND_XENCALL,
	.open = xc_open,
	.hypercall = xc_hypercall,
	.close = xc_close,
	.ioreq = &xpi_ioreq_xen,
};

#else /* !HAVE_XEN */

static int xc_open_missing(struct xpi_handle *h)
{
	xpi_err(h, -1,
		"the xencall backend was not built in (built without libxen-dev)");
	return -EPROTONOSUPPORT;
}

const struct xpi_transport_ops xpi_transport_xencall = {
	.name = "xencall",
	.backend = XPI_BACKEND_XENCALL,
	.open = xc_open_missing,
};
#endif
