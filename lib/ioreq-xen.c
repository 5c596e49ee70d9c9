// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Xen's ioreq servers for the listener, the ioreq half of the kmod and
 * xencall transports: map the server's pages with
 * xenforeignmemory_map_resource(), bind its event channels, consume and
 * send events.  Without the Xen libraries every attach fails with
 * -EOPNOTSUPP.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#if HAVE_XEN
/* xendevicemodel.h needs the tools' view of the public headers. */
#define __XEN_TOOLS__ 1
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#endif

#include "common/xen-ioreq.h"
#include "private.h"

#if HAVE_XEN
#define RESOURCE_IOREQ_SERVER 0 /* XENMEM_resource_ioreq_server */

struct xen_port {
	xendevicemodel_handle *dmod;
	xenforeignmemory_handle *fmem;
	xenforeignmemory_resource_handle *fres;
	xenevtchn_handle *xce;
	evtchn_port_t buf_port;
	evtchn_port_t *vcpu_port;
};

static void xen_detach(struct xpi_handle *h, struct xpi_ioreq_port *p)
{
	struct xen_port *x = p->priv;

	if (!x)
		return;
	if (x->xce) {
		if (x->vcpu_port)
			for (unsigned int v = 0; v < p->nr_vcpus; v++)
				if (x->vcpu_port[v])
					xenevtchn_unbind(x->xce,
							 x->vcpu_port[v]);
		if (x->buf_port)
			xenevtchn_unbind(x->xce, x->buf_port);
		xenevtchn_close(x->xce);
	}
	free(x->vcpu_port);
	if (x->fres)
		xenforeignmemory_unmap_resource(x->fmem, x->fres);
	if (x->fmem)
		xenforeignmemory_close(x->fmem);
	if (x->dmod)
		xendevicemodel_close(x->dmod);
	free(x);
	p->priv = NULL;
	p->buf = NULL;
	p->sync = NULL;
	p->fd = -1;
}

static int xen_fail(struct xpi_handle *h, struct xpi_ioreq_port *p,
		    const char *what)
{
	int err = errno ? errno : EIO;

	xpi_err(h, err, "listener: %s for ioreq server %u of domain %u", what,
		p->ioserver, p->domid);
	xen_detach(h, p);
	return -err;
}

/* 1 if every vCPU's slot names its event channel (port 0 is never one). */
static int vcpu_ports_set(const struct xpi_ioreq_port *p)
{
	const unsigned char *sync = p->sync;

	for (unsigned int v = 0; v < p->nr_vcpus; v++) {
		uint32_t port;

		memcpy(&port,
		       sync + v * XPI_IOREQ_SIZE + XPI_IOREQ_OFF_VP_EPORT,
		       sizeof(port));
		if (!port)
			return 0;
	}
	return 1;
}

static int xen_attach(struct xpi_handle *h, struct xpi_ioreq_port *p)
{
	struct xentoollog_logger *lg = h->logger;
	unsigned long sync_pages = (p->nr_vcpus * XPI_IOREQ_SIZE +
				    XPI_RING_PAGE_SIZE - 1) /
				   XPI_RING_PAGE_SIZE;
	struct xen_port *x;
	evtchn_port_t port;
	void *addr = NULL;
	xenevtchn_port_or_error_t lp;

	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	p->priv = x;
	errno = 0;
	x->dmod = xendevicemodel_open((xentoollog_logger *)lg, 0);
	if (!x->dmod)
		return xen_fail(h, p, "xendevicemodel_open");
	if (xendevicemodel_get_ioreq_server_info(x->dmod, p->domid, p->ioserver,
						 NULL, NULL, &port))
		return xen_fail(h, p, "xendevicemodel_get_ioreq_server_info");
	if (!port) {
		/* Port 0 is never a channel: a server made with
		 * HVM_IOREQSRV_BUFIOREQ_OFF (Xen would refuse frame 0). */
		errno = ENOENT;
		return xen_fail(h, p, "no buffered ring (bufioreq off)");
	}
	x->fmem = xenforeignmemory_open((xentoollog_logger *)lg, 0);
	if (!x->fmem)
		return xen_fail(h, p, "xenforeignmemory_open");
	/* Frame 0: the buffered page; frames 1..: the synchronous ioreqs. */
	x->fres = xenforeignmemory_map_resource(x->fmem, p->domid,
						RESOURCE_IOREQ_SERVER,
						p->ioserver, 0, 1 + sync_pages,
						&addr, PROT_READ | PROT_WRITE,
						0);
	if (!x->fres)
		return xen_fail(h, p, "xenforeignmemory_map_resource");
	p->buf = addr;
	p->sync = (unsigned char *)addr + XPI_RING_PAGE_SIZE;
	/*
	 * Xen writes each vCPU's event channel into the ioreq page when the
	 * server is enabled, and only if its pages exist by then; they come
	 * into being with the mapping above.  A server enabled before it
	 * (as emulators do) shows port 0: enable it again, now that the
	 * pages are there.
	 */
	if (!vcpu_ports_set(p)) {
		xpi_dbg(h,
			"listener: re-enabling ioreq server %u of domain %u so"
			" that Xen publishes its vCPU event channels",
			p->ioserver, p->domid);
		if (xendevicemodel_set_ioreq_server_state(x->dmod, p->domid,
							  p->ioserver, 0) ||
		    xendevicemodel_set_ioreq_server_state(x->dmod, p->domid,
							  p->ioserver, 1))
			return xen_fail(h, p, "enabling the ioreq server");
		if (!vcpu_ports_set(p)) {
			errno = EPROTO;
			return xen_fail(h, p,
					"no vCPU event channel in the ioreq"
					" page");
		}
	}
	x->xce = xenevtchn_open((xentoollog_logger *)lg, 0);
	if (!x->xce)
		return xen_fail(h, p, "xenevtchn_open");
	lp = xenevtchn_bind_interdomain(x->xce, p->domid, port);
	if (lp < 0)
		return xen_fail(h, p, "binding the buffered event channel");
	x->buf_port = (evtchn_port_t)lp;
	x->vcpu_port = calloc(p->nr_vcpus, sizeof(*x->vcpu_port));
	if (!x->vcpu_port) {
		xen_detach(h, p);
		return -ENOMEM;
	}
	for (unsigned int v = 0; v < p->nr_vcpus; v++) {
		uint32_t remote;

		memcpy(&remote,
		       (unsigned char *)p->sync + v * XPI_IOREQ_SIZE +
			       XPI_IOREQ_OFF_VP_EPORT,
		       sizeof(remote));
		lp = xenevtchn_bind_interdomain(x->xce, p->domid, remote);
		if (lp < 0)
			return xen_fail(h, p, "binding a vCPU's event channel");
		x->vcpu_port[v] = (evtchn_port_t)lp;
	}
	p->fd = xenevtchn_fd(x->xce);
	return 0;
}

/* Take and unmask every pending port, so that the fd stops being ready. */
static int xen_ack(struct xpi_handle *h, struct xpi_ioreq_port *p)
{
	struct xen_port *x = p->priv;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	while (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN)) {
		xenevtchn_port_or_error_t port = xenevtchn_pending(x->xce);

		if (port < 0)
			return -errno;
		if (xenevtchn_unmask(x->xce, (evtchn_port_t)port))
			return -errno;
	}
	return 0;
}

static int xen_notify(struct xpi_handle *h, struct xpi_ioreq_port *p,
		      const uint16_t *vcpus, unsigned int n)
{
	struct xen_port *x = p->priv;
	int rc = 0;

	for (unsigned int i = 0; i < n; i++)
		if (xenevtchn_notify(x->xce, x->vcpu_port[vcpus[i]]))
			rc = -errno;
	return rc;
}
#else
static int xen_attach(struct xpi_handle *h, struct xpi_ioreq_port *p)
{
	xpi_err(h, -1,
		"listener: the %s backend needs the Xen libraries, which this"
		" library was built without",
		h->tops->name);
	return -EOPNOTSUPP;
}

static void xen_detach(struct xpi_handle *h, struct xpi_ioreq_port *p)
{
}

static int xen_ack(struct xpi_handle *h, struct xpi_ioreq_port *p)
{
	return -EOPNOTSUPP;
}

static int xen_notify(struct xpi_handle *h, struct xpi_ioreq_port *p,
		      const uint16_t *vcpus, unsigned int n)
{
	return -EOPNOTSUPP;
}
#endif

const struct xpi_ioreq_ops xpi_ioreq_xen = {
	.attach = xen_attach,
	.detach = xen_detach,
	.ack = xen_ack,
	.notify = xen_notify,
};
