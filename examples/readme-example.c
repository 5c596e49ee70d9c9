// SPDX-License-Identifier: LGPL-2.1-or-later
/* The example of README.md ("The API by example"); keep the two in step. */
#include <inttypes.h>
#include <stdio.h>

#include <xenpviommu.h>
#include <xenpviommu/sim.h>

int main(void)
{
	struct xpi_sim_domain_config guest = {
		.nr_pages = 4096, /* 16 MiB */
		.backing = XPI_SIM_BACKING_CONTIGUOUS,
		.dm_target = XPI_DOMID_INVALID,
	};
	uint64_t gfns[4] = { 0x200, 0x201, 0x202, 0x7ff }, bfns[4];
	int status[4];
	struct xpi_options opts;
	struct xpi_sim *sim;
	struct xpi_caps caps;
	uint16_t ioserver;
	xpi_handle *h;
	long n;

	/* A simulated host: the hardware domain, guest 1, an ioreq server.
	 * On a Xen dom0, skip this and call xpi_open_ex() instead. */
	if (xpi_sim_new(NULL, &sim) || xpi_sim_domain_create(sim, 1, &guest) ||
	    xpi_sim_ioreq_server_create(sim, XPI_SIM_HWDOM, 1, &ioserver))
		return 1;

	xpi_options_init(&opts);
	if (xpi_sim_open(&h, NULL /* stderr logger */, sim, XPI_SIM_HWDOM,
			 &opts) < 0)
		return 1;
	xpi_get_caps(h, &caps);
	printf("strategy: %s\n", xpi_strategy_name(caps.strategy));

	/* Bus addresses for four guest pages, in one hypercall. */
	n = xpi_foreign_map(h, 1, ioserver, gfns, 4,
			    XPI_FOREIGN_READ | XPI_FOREIGN_WRITE, bfns, status);
	for (int i = 0; i < 4; i++)
		printf("gfn 0x%" PRIx64 " -> bfn 0x%" PRIx64 " (%d)\n", gfns[i],
		       bfns[i], status[i]);

	/* Program the device with bfns[i] << 12 ... then unmap. */
	if (n > 0)
		xpi_foreign_unmap(h, bfns, 4, NULL);
	xpi_close(h); /* unmaps anything still mapped */
	xpi_sim_free(sim);
	return n == 4 ? 0 : 1;
}
