// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Superpage coalescing (issue 3, "Benchmark"):
 *   gib MAX_ORDER   map 1 GiB of a guest's aligned, contiguous RAM for an
 *                   ioreq server with xpi_foreign_map() on a host whose
 *                   largest IOMMU order is MAX_ORDER, and count the ops
 *                   sent (targets: 1 at order 18, 512 at order 9)
 */
#include "config.h"

#include "bench-common.h"

#define GIB_PAGES (UINT64_C(1) << 18)

int main(int argc, char **argv)
{
	struct xpi_stats a, s;
	struct bench_host b;
	uint64_t *gfns, *bfns;
	unsigned int order;
	long rc;

	if (argc != 3 || strcmp(argv[1], "gib"))
		bench_usage(argv[0], "gib MAX_ORDER");
	order = (unsigned int)bench_arg(argc, argv, 2, 18);
	bench_host_open(&b, GIB_PAGES, order, 0);
	gfns = malloc(GIB_PAGES * sizeof(*gfns));
	bfns = malloc(GIB_PAGES * sizeof(*bfns));
	if (!gfns || !bfns)
		return 1;
	for (uint64_t i = 0; i < GIB_PAGES; i++)
		gfns[i] = i;
	BENCH_CHECK(xpi_get_stats(b.h, &a));
	rc = xpi_foreign_map(b.h, BENCH_GUEST, b.ioserver, gfns, GIB_PAGES,
			     XPI_FOREIGN_READ | XPI_FOREIGN_WRITE |
				     XPI_FOREIGN_SUPERPAGE,
			     bfns, NULL);
	BENCH_CHECK(rc);
	BENCH_CHECK(xpi_get_stats(b.h, &s));
	if ((uint64_t)rc != GIB_PAGES) {
		fprintf(stderr, "mapped %ld of %" PRIu64 " pages\n", rc,
			GIB_PAGES);
		return 1;
	}
	printf("max_order %u\n", order);
	printf("ops %" PRIu64 "\n",
	       s.ops_by_subop[IOMMUOP_map_foreign_page] -
		       a.ops_by_subop[IOMMUOP_map_foreign_page]);
	printf("hypercalls %" PRIu64 "\n", s.hypercalls - a.hypercalls);
	printf("extents %" PRIu64 "\n", xpi_mapping_count(b.h));
	printf("enospc_splits %" PRIu64 "\n",
	       s.enospc_splits - a.enospc_splits);
	free(gfns);
	free(bfns);
	bench_host_close(&b);
	return 0;
}
