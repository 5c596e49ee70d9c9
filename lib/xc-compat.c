// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xc_iommu_op() for XenServer-style callers (include/xenpviommu/xc-compat.h):
 * one batch of raw ops on a process-wide handle.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>

#include <xenpviommu/xc-compat.h>

#include "private.h"

static pthread_mutex_t compat_lock = PTHREAD_MUTEX_INITIALIZER;
static xpi_handle *compat_h;
static int compat_own;

XPI_EXPORT int xpi_xc_compat_set_handle(xpi_handle *h)
{
	pthread_mutex_lock(&compat_lock);
	if (compat_own)
		xpi_close(compat_h);
	compat_h = h;
	compat_own = 0;
	pthread_mutex_unlock(&compat_lock);
	return 0;
}

static int fail(int err)
{
	errno = err;
	return -1;
}

XPI_EXPORT int xpi_xc_iommu_op(void *xch, struct pv_iommu_op *ops,
			       unsigned int count)
{
	struct xpi_batch *b;
	xpi_handle *h;
	long rc = 0;

	(void)xch;
	if (!ops && count)
		return fail(EINVAL);
	if (!count)
		return 0;
	pthread_mutex_lock(&compat_lock);
	if (!compat_h) {
		rc = xpi_open(&compat_h, NULL, 0);
		compat_own = !rc;
	}
	h = compat_h;
	pthread_mutex_unlock(&compat_lock);
	if (rc)
		return fail((int)-rc);
	rc = xpi_batch_new(h, &b);
	if (rc)
		return fail((int)-rc);
	for (unsigned int i = 0; i < count && rc >= 0; i++)
		rc = xpi_batch_add_op(b, &ops[i]);
	if (rc >= 0)
		rc = xpi_batch_submit(b);
	/* Each op as it came back, its status included. */
	for (unsigned int i = 0; rc >= 0 && i < count; i++) {
		xpi_batch_get_op(b, i, &ops[i]);
		ops[i].status = xpi_batch_status(b, i);
	}
	xpi_batch_free(b);
	return rc < 0 ? fail((int)-rc) : 0;
}
