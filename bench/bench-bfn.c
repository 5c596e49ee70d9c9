// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The BFN allocator (issue 3, "Benchmark"):
 *   alloc N   allocate N single BFNs (bench/run takes instructions at two
 *             N: the amortised cost per allocation, magazine refills
 *             included; target at most 50)
 *   cycle N   allocate and free N BFNs in batches of 256 (the steady
 *             state of an emulator that maps and unmaps)
 */
#include "config.h"

#include "bench-common.h"
#include "lib/private.h"

static __attribute__((noinline)) uint64_t alloc_loop(xpi_handle *h, uint64_t n)
{
	uint64_t bfn, sum = 0;

	for (uint64_t i = 0; i < n; i++) {
		if (xpi_bfn_alloc_one(h, &bfn))
			exit(1);
		sum += bfn;
	}
	return sum;
}

static __attribute__((noinline)) void cycle_loop(xpi_handle *h, uint64_t n)
{
	uint64_t bfn[256];

	for (uint64_t i = 0; i < n; i += 256) {
		for (int k = 0; k < 256; k++)
			if (xpi_bfn_alloc_one(h, &bfn[k]))
				exit(1);
		for (int k = 0; k < 256; k++)
			xpi_bfn_free(h, bfn[k], 1);
	}
}

int main(int argc, char **argv)
{
	struct xpi_options opts;
	uint64_t n;
	xpi_handle *h;

	if (argc != 3)
		bench_usage(argv[0], "alloc N | cycle N");
	n = bench_arg(argc, argv, 2, 0);
	xpi_options_init(&opts);
	BENCH_CHECK(xpi_sim_open(&h, NULL, NULL, XPI_SIM_HWDOM, &opts));
	if (!strcmp(argv[1], "alloc"))
		printf("checksum %" PRIu64 "\n", alloc_loop(h, n));
	else if (!strcmp(argv[1], "cycle"))
		cycle_loop(h, n);
	else
		bench_usage(argv[0], "alloc N | cycle N");
	printf("n %" PRIu64 "\n", n);
	BENCH_CHECK(xpi_close(h));
	return 0;
}
