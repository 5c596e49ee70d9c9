// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The mapping tracker (issue 3, "Benchmark"):
 *   live N   record N live 4 KiB foreign mappings at BFNs from the
 *            handle's allocator, as xpi_foreign_map() does, and print the
 *            tracker's bytes per mapping (target at most 16 at 1M)
 * The records go straight into the tracker (h->tracker), so that the
 * figure is the tracker's alone and N can be large without a hypervisor.
 */
#include "config.h"

#include "bench-common.h"
#include "lib/private.h"

int main(int argc, char **argv)
{
	struct xpi_options opts;
	uint64_t n;
	xpi_handle *h;

	if (argc != 3 || strcmp(argv[1], "live"))
		bench_usage(argv[0], "live N");
	n = bench_arg(argc, argv, 2, 1 << 20);
	xpi_options_init(&opts);
	/* A private default host. */
	BENCH_CHECK(xpi_sim_open(&h, NULL, NULL, XPI_SIM_HWDOM, &opts));
	for (uint64_t i = 0; i < n; i++) {
		struct xpi_mapping m = {
			.gfn = i,
			.domid = BENCH_GUEST,
			.ioserver = 0,
			.flags = IOMMUOP_readable | IOMMUOP_writeable,
			.order = 0,
			.allocated = 1,
		};

		BENCH_CHECK(xpi_bfn_alloc_one(h, &m.bfn));
		pthread_mutex_lock(&h->lock);
		BENCH_CHECK(xpi_tracker_add(&h->tracker, &m));
		pthread_mutex_unlock(&h->lock);
	}
	printf("mappings %" PRIu64 "\n", xpi_mapping_count(h));
	printf("tracker_bytes %zu\n", xpi_tracker_bytes(&h->tracker));
	printf("tracker_bytes_per_mapping %.2f\n",
	       (double)xpi_tracker_bytes(&h->tracker) / (double)n);
	/* Nothing was mapped in the hypervisor: forget the records so that
	 * close does not try to unmap them. */
	xpi_tracker_destroy(&h->tracker);
	BENCH_CHECK(xpi_tracker_init(&h->tracker));
	BENCH_CHECK(xpi_close(h));
	return 0;
}
