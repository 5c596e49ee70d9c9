// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The transport slot: which transport a handle uses (the options, then
 * XPI_BACKEND), the plugged-in transport of xenpviommu/transport.h, and
 * the hypercall path every op takes.  The bottom of lib/: it calls only
 * the transports and the log.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

#define MAX_RETRIES 1000

XPI_EXPORT const char *xpi_backend_name(enum xpi_backend backend)
{
	switch (backend) {
	case XPI_BACKEND_AUTO:
		return "auto";
	case XPI_BACKEND_KMOD:
		return "kmod";
	case XPI_BACKEND_XENCALL:
		return "xencall";
	case XPI_BACKEND_SIM:
		return "sim";
	}
	return "?";
}

/* XPI_BACKEND (checked always, applied unless backend is NULL) and
 * XPI_HYPERCALL override the options when set. */
int xpi_apply_environment(struct xpi_handle *h, enum xpi_backend *backend)
{
	const char *env = getenv("XPI_BACKEND");
	enum xpi_backend b;

	if (env && *env) {
		if (!strcmp(env, "auto"))
			b = XPI_BACKEND_AUTO;
		else if (!strcmp(env, "kmod"))
			b = XPI_BACKEND_KMOD;
		else if (!strcmp(env, "xencall"))
			b = XPI_BACKEND_XENCALL;
		else if (!strcmp(env, "sim"))
			b = XPI_BACKEND_SIM;
		else {
			xpi_err(h, -1,
				"XPI_BACKEND=%s: expected auto, kmod, xencall or sim",
				env);
			return -EINVAL;
		}
		if (backend)
			*backend = b;
	}
	env = getenv("XPI_HYPERCALL");
	if (env && *env) {
		char *end;
		unsigned long n;

		errno = 0;
		n = strtoul(env, &end, 0);
		if (errno || *end || n >= XPI_NR_HYPERCALLS) {
			xpi_err(h, -1,
				"XPI_HYPERCALL=%s: expected a hypercall number below %d",
				env, XPI_NR_HYPERCALLS);
			return -EINVAL;
		}
		h->hypercall = (unsigned int)n;
	}
	return 0;
}

/* A transport passed in xpi_options.transport: its ops, forwarded. */
static int plug_open(struct xpi_handle *h)
{
	return 0;
}

static int plug_hypercall(struct xpi_handle *h, struct pv_iommu_op *ops,
			  unsigned int count, unsigned int *done)
{
	*done = 0;
	return h->plug.hypercall(h->plug.data, ops, count, done);
}

static void plug_close(struct xpi_handle *h)
{
	if (h->plug.close)
		h->plug.close(h->plug.data);
	memset(&h->plug, 0, sizeof(h->plug));
}

static uint64_t plug_iotlb_flushes(struct xpi_handle *h)
{
	return h->plug.iotlb_flushes ? h->plug.iotlb_flushes(h->plug.data) : 0;
}

static int plug_ioreq_attach(struct xpi_handle *h, struct xpi_ioreq_port *port)
{
	if (!h->plug.ioreq_attach) {
		xpi_err(h, -1,
			"listener: the %s transport has no ioreq servers",
			h->plug.name ? h->plug.name : "plugged-in");
		return -EOPNOTSUPP;
	}
	return h->plug.ioreq_attach(h->plug.data, port);
}

static void plug_ioreq_detach(struct xpi_handle *h, struct xpi_ioreq_port *port)
{
	if (h->plug.ioreq_detach)
		h->plug.ioreq_detach(h->plug.data, port);
}

static int plug_ioreq_ack(struct xpi_handle *h, struct xpi_ioreq_port *port)
{
	return h->plug.ioreq_ack ? h->plug.ioreq_ack(h->plug.data, port) : 0;
}

static int plug_ioreq_notify(struct xpi_handle *h, struct xpi_ioreq_port *port,
			     const uint16_t *vcpus, unsigned int n)
{
	return h->plug.ioreq_notify
		       ? h->plug.ioreq_notify(h->plug.data, port, vcpus, n)
		       : 0;
}

static const struct xpi_ioreq_ops plug_ioreq = {
	.attach = plug_ioreq_attach,
	.detach = plug_ioreq_detach,
	.ack = plug_ioreq_ack,
	.notify = plug_ioreq_notify,
};

static const struct xpi_transport_ops transport_plugged = {
	.name = "sim",
	.backend = XPI_BACKEND_SIM,
	.open = plug_open,
	.hypercall = plug_hypercall,
	.close = plug_close,
	.iotlb_flushes = plug_iotlb_flushes,
	.ioreq = &plug_ioreq,
};

/* Take the caller's transport: as far as its size says, the rest NULL. */
int xpi_transport_take(struct xpi_handle *h, const struct xpi_transport *t)
{
	size_t n;

	memset(&h->plug, 0, sizeof(h->plug));
	if (!t)
		return 0;
	if (t->size <
	    offsetof(struct xpi_transport, hypercall) + sizeof(t->hypercall)) {
		xpi_err(h, -1, "struct xpi_transport of %zu bytes is too small",
			t->size);
		return -EINVAL;
	}
	n = t->size < sizeof(h->plug) ? t->size : sizeof(h->plug);
	memcpy(&h->plug, t, n);
	h->plug.size = sizeof(h->plug);
	if (!h->plug.hypercall) {
		xpi_err(h, -1, "struct xpi_transport without a hypercall op");
		memset(&h->plug, 0, sizeof(h->plug));
		return -EINVAL;
	}
	return 0;
}

int xpi_open_transport(struct xpi_handle *h, enum xpi_backend backend)
{
	int rc;

	switch (backend) {
	case XPI_BACKEND_SIM:
		if (!h->plug.hypercall) {
			xpi_err(h, -1,
				"the sim backend is libxenpviommu-sim's: open"
				" with xpi_sim_open() (xenpviommu/sim.h) or pass"
				" its transport in xpi_options.transport");
			return -EINVAL;
		}
		h->tops = &transport_plugged;
		return h->tops->open(h);
	case XPI_BACKEND_KMOD:
		h->tops = &xpi_transport_kmod;
		return h->tops->open(h);
	case XPI_BACKEND_XENCALL:
		h->tops = &xpi_transport_xencall;
		return h->tops->open(h);
	case XPI_BACKEND_AUTO:
		break;
	}

	/* auto: the shim, then privcmd; neither means this is no Xen host. */
	if (access(XPI_SHIM_DEVICE, F_OK) == 0)
		return xpi_open_transport(h, XPI_BACKEND_KMOD);
	if (access(XPI_PRIVCMD_PATH, F_OK) == 0)
		return xpi_open_transport(h, XPI_BACKEND_XENCALL);
	rc = -ENOENT;
	xpi_err(h, -1,
		"no Xen PV IOMMU access here: neither " XPI_SHIM_DEVICE
		" nor " XPI_PRIVCMD_PATH
		" exists (not a Xen dom0?); the simulated hypervisor works"
		" anywhere: xpi_sim_open() of libxenpviommu-sim, or"
		" XPI_BACKEND=sim / --backend sim in the example programs");
	h->tops = NULL;
	return rc;
}

int xpi_hypercall(struct xpi_handle *h, struct pv_iommu_op *ops,
		  unsigned int count)
{
	unsigned int retries = 0, calls = 0;
	int rc = 0;

	while (count) {
		unsigned int done = 0;

		rc = h->tops->hypercall(h, ops, count, &done);
		calls++;
		if (rc == -EINTR || rc == -EAGAIN) {
			if (done > count)
				done = count;
			ops += done;
			count -= done;
			if (++retries > MAX_RETRIES) {
				xpi_err(h, -rc,
					"do_iommu_op: gave up after %u retries",
					MAX_RETRIES);
				break;
			}
			continue;
		}
		break;
	}
	pthread_mutex_lock(&h->lock);
	h->stats.hypercalls += calls;
	h->stats.retries += retries;
	pthread_mutex_unlock(&h->lock);
	if (rc == -ENOSYS) {
		xpi_err(h, -1,
			"the hypervisor has no do_iommu_op (hypercall %u):"
			" PV IOMMU is not supported on this host",
			h->hypercall);
		return -EOPNOTSUPP;
	}
	if (rc && rc != -EINTR && rc != -EAGAIN)
		xpi_err(h, -rc, "do_iommu_op through %s failed", h->tops->name);
	return rc;
}
