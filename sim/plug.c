// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The simulated hypervisor as a libxenpviommu transport
 * (xenpviommu/transport.h): ops go straight to xpi_sim_iommu_op() as the
 * configured caller domain, and the listener's ioreq servers are the
 * simulator's.  It uses only the simulator's public API and the
 * library's public xpi_open_ex().
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenpviommu.h>
#include <xenpviommu/transport.h>

#include "common/growth.h"
#include "sim-private.h"

struct sim_tdata {
	struct xpi_sim *sim;
	int own;
	uint16_t caller;
};

static int st_hypercall(void *data, struct pv_iommu_op *ops, unsigned int count,
			unsigned int *done)
{
	struct sim_tdata *t = data;
	struct xpi_sim *sim = t->sim;
	unsigned int every = __atomic_load_n(&sim->eintr_every,
					     __ATOMIC_RELAXED);
	long rc;

	*done = 0;
	/* A test hook: answer -EINTR after part of the ops, as a signal
	 * arriving during a long call through privcmd would. */
	if (every && count > 1 &&
	    __atomic_add_fetch(&sim->eintr_calls, 1, __ATOMIC_RELAXED) %
			    every ==
		    0) {
		unsigned int part = count / 2;

		rc = xpi_sim_iommu_op(sim, t->caller, ops, part);
		if (rc)
			return (int)rc;
		*done = part;
		return -EINTR;
	}
	rc = xpi_sim_iommu_op(sim, t->caller, ops, count);
	return (int)rc;
}

static void st_close(void *data)
{
	struct sim_tdata *t = data;

	if (!t)
		return;
	if (t->own)
		xpi_sim_free(t->sim);
	free(t);
}

static uint64_t st_iotlb_flushes(void *data)
{
	struct sim_tdata *t = data;
	struct xpi_sim_stats st;

	if (xpi_sim_stats(t->sim, &st))
		return 0;
	return st.iotlb_flushes;
}

static int st_ioreq_attach(void *data, struct xpi_ioreq_port *port)
{
	struct sim_tdata *t = data;
	void *buf, *sync;
	int rc;

	rc = xpi_sim_ioreq_server_pages(t->sim, port->domid, port->ioserver,
					&buf, &sync);
	if (rc >= 0)
		rc = xpi_sim_ioreq_server_evtchn_fd(t->sim, port->domid,
						    port->ioserver);
	if (rc < 0)
		return rc;
	port->buf = buf;
	port->sync = sync;
	port->fd = rc;
	return 0;
}

static int st_ioreq_ack(void *data, struct xpi_ioreq_port *port)
{
	uint64_t v;

	/* The simulator's eventfd is non-blocking. */
	if (read(port->fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

static int st_ioreq_notify(void *data, struct xpi_ioreq_port *port,
			   const uint16_t *vcpus, unsigned int n)
{
	struct sim_tdata *t = data;

	/* One notification wakes every completed vCPU of the server. */
	return xpi_sim_ioreq_notify(t->sim, port->domid, port->ioserver);
}

XPI_EXPORT int xpi_sim_transport(struct xpi_sim *sim, uint16_t caller,
				 struct xpi_transport *out)
{
	struct sim_tdata *t;
	int rc;

	if (!out || (out->size && out->size < sizeof(*out)))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (!sim) {
		/* No host given: a private one with the defaults. */
		rc = xpi_sim_new(NULL, &sim);
		if (rc) {
			free(t);
			return rc;
		}
		t->own = 1;
	}
	t->sim = sim;
	t->caller = caller;
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->name = "sim";
	out->data = t;
	out->hypercall = st_hypercall;
	out->close = st_close;
	out->iotlb_flushes = st_iotlb_flushes;
	out->ioreq_attach = st_ioreq_attach;
	out->ioreq_ack = st_ioreq_ack;
	out->ioreq_notify = st_ioreq_notify;
	return 0;
}

XPI_EXPORT int xpi_sim_open(xpi_handle **out, struct xentoollog_logger *logger,
			    struct xpi_sim *sim, uint16_t caller,
			    const struct xpi_options *opts)
{
	struct xpi_transport tr = { .size = sizeof(tr) };
	struct xpi_options o;
	int rc;

	if (out)
		*out = NULL;
	xpi_options_init(&o);
	if (opts &&
	    xpi_copy_in(&o, sizeof(o), XPI_OPTIONS_SIZE_1_0, opts, opts->size))
		return -EINVAL;
	rc = xpi_sim_transport(sim, caller, &tr);
	if (rc)
		return rc;
	o.backend = XPI_BACKEND_SIM;
	o.transport = &tr;
	/* xpi_open_ex() hands the transport back through st_close(). */
	return xpi_open_ex(out, logger, 0, &o);
}

XPI_EXPORT int xpi_sim_inject_eintr(struct xpi_sim *sim, unsigned int every)
{
	if (!sim)
		return -EINVAL;
	__atomic_store_n(&sim->eintr_calls, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&sim->eintr_every, every, __ATOMIC_RELAXED);
	return 0;
}
