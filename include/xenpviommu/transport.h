/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * @file xenpviommu/transport.h
 * A transport plugged into libxenpviommu from outside: how another
 * library (libxenpviommu-sim's simulated hypervisor, see xenpviommu/sim.h
 * and xpi_sim_open()) carries the library's do_iommu_op calls and the
 * listener's ioreq pages, so that the production library neither contains
 * nor names it.  Pass one in xpi_options.transport with backend
 * XPI_BACKEND_SIM.
 *
 * Every function returns 0 or a positive count on success and a negative
 * errno on failure, as the rest of the API.
 */
#ifndef XENPVIOMMU_TRANSPORT_H
#define XENPVIOMMU_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pv_iommu_op;

/**
 * One attached ioreq server, as the listener sees it: the transport's
 * ioreq_attach fills it, the listener reads the pages and waits on fd.
 * @since 1.0
 */
struct xpi_ioreq_port {
	uint16_t domid;	       /**< the server's domain */
	uint16_t ioserver;     /**< the server's id */
	unsigned int nr_vcpus; /**< synchronous slots in @c sync */
	void *buf;	       /**< the buffered page (buffered_iopage_t) */
	void *sync;	       /**< nr_vcpus ioreq_t slots */
	int fd;		       /**< readable when the server has work */
	void *priv;	       /**< the transport's own */
};

/**
 * The ops of a plugged-in transport.  The library copies the struct at
 * xpi_open_ex() (as far as @c size says; ops beyond it are NULL) and calls
 * @c close exactly once: at xpi_close(), or when xpi_open_ex() fails
 * (unless it refused the struct xpi_options itself for its size, when
 * it never read the transport).
 * @since 1.0
 */
struct xpi_transport {
	/** sizeof(struct xpi_transport) as the transport was built. */
	size_t size;
	/** A short name for logs, e.g. "sim". */
	const char *name;
	/** Passed to every op. */
	void *data;
	/**
	 * Issue do_iommu_op on ops[0..count).  Returns 0 when all were
	 * processed, or a negative errno; on -EINTR/-EAGAIN *done says how
	 * many were processed first (the library retries the rest).
	 * -ENOSYS: no do_iommu_op.  Required.
	 */
	int (*hypercall)(void *data, struct pv_iommu_op *ops,
			 unsigned int count, unsigned int *done);
	/** Release @c data (may be NULL). */
	void (*close)(void *data);
	/** IOTLB flushes so far (may be NULL: the transport cannot know). */
	uint64_t (*iotlb_flushes)(void *data);
	/**
	 * Attach to ioreq server port->ioserver of port->domid with
	 * port->nr_vcpus slots: fill buf, sync, fd (and priv).  0 or a
	 * negative errno (-ENOENT: no such server).  NULL: the transport has
	 * no ioreq servers (xpi_listener_attach() fails with -EOPNOTSUPP).
	 */
	int (*ioreq_attach)(void *data, struct xpi_ioreq_port *port);
	/** Undo ioreq_attach (may be NULL). */
	void (*ioreq_detach)(void *data, struct xpi_ioreq_port *port);
	/** Consume what made fd readable.  0 or a negative errno. */
	int (*ioreq_ack)(void *data, struct xpi_ioreq_port *port);
	/**
	 * The synchronous slots of vcpus[0..n) were completed: wake their
	 * vCPUs.  0 or a negative errno.
	 */
	int (*ioreq_notify)(void *data, struct xpi_ioreq_port *port,
			    const uint16_t *vcpus, unsigned int n);
};

#ifdef __cplusplus
}
#endif

#endif
