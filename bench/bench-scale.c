// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The simulated hypervisor at scale: the wall-clock figures that used to
 * be limits in tests/sim/test-scale.c (million_mappings and the balloon
 * storm, Meson suite "slow").  The tests keep what the
 * hypervisor must do; the time it takes is a figure, printed here:
 *   million N  N map_page by the guest, N map_foreign_page (swap_mfn) by
 *              the hardware domain, then N unmap_foreign_page, in batches
 *              of 4096 (N a multiple of 4096; the test used 2^20)
 *   storm N    N foreign-mapped pages of a scattered guest ballooned out
 *              with nobody reading the ring, then N unmaps in one call
 *              (the test used 100000)
 * Prints "key value" lines (seconds, and bytes per mapping).
 */
#include "config.h"

#include <time.h>

#include "bench-common.h"

#define BATCH 4096
#define RW (IOMMUOP_readable | IOMMUOP_writeable)
#define FOREIGN_BFN (UINT64_C(1) << 30)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Issue ops as caller; every op must succeed. */
static void issue(struct xpi_sim *sim, uint16_t caller, struct pv_iommu_op *ops,
		  unsigned int n)
{
	BENCH_CHECK(xpi_sim_iommu_op(sim, caller, ops, n));
	for (unsigned int i = 0; i < n; i++)
		BENCH_CHECK(ops[i].status);
}

static void million(uint64_t n)
{
	struct xpi_sim_domain_config dc = {
		.nr_pages = n,
		.backing = XPI_SIM_BACKING_CONTIGUOUS,
		.has_iommu_hw = 1,
		.dm_target = XPI_DOMID_INVALID,
	};
	struct xpi_sim_config cfg;
	struct pv_iommu_op *ops = calloc(BATCH, sizeof(*ops));
	struct xpi_sim *sim;
	size_t base, mapped, all;
	double t0, t_map, t_foreign, t_unmap;
	uint16_t ios;

	if (!ops || n % BATCH)
		bench_usage("bench-scale", "million N (a multiple of 4096)");
	xpi_sim_config_init(&cfg);
	cfg.host_frames = n * 4 > (UINT64_C(1) << 22) ? n * 4
						      : UINT64_C(1) << 22;
	BENCH_CHECK(xpi_sim_new(&cfg, &sim));
	BENCH_CHECK(xpi_sim_domain_create(sim, BENCH_GUEST, &dc));
	BENCH_CHECK(xpi_sim_ioreq_server_create(sim, XPI_SIM_HWDOM, BENCH_GUEST,
						&ios));
	base = xpi_sim_memory_bytes(sim);

	t0 = now();
	for (uint64_t g = 0; g < n; g += BATCH) {
		for (unsigned int i = 0; i < BATCH; i++) {
			memset(&ops[i], 0, sizeof(ops[i]));
			ops[i].subop_id = IOMMUOP_map_page;
			ops[i].flags = RW;
			ops[i].u.map_page.bfn = g + i;
			ops[i].u.map_page.gfn = g + i;
		}
		issue(sim, BENCH_GUEST, ops, BATCH);
	}
	t_map = now() - t0;
	mapped = xpi_sim_memory_bytes(sim);

	t0 = now();
	for (uint64_t g = 0; g < n; g += BATCH) {
		for (unsigned int i = 0; i < BATCH; i++) {
			memset(&ops[i], 0, sizeof(ops[i]));
			ops[i].subop_id = IOMMUOP_map_foreign_page;
			ops[i].flags = RW | IOMMUOP_swap_mfn;
			ops[i].u.map_foreign_page.bfn = FOREIGN_BFN + g + i;
			ops[i].u.map_foreign_page.gfn = g + i;
			ops[i].u.map_foreign_page.domid = BENCH_GUEST;
			ops[i].u.map_foreign_page.ioserver = ios;
		}
		issue(sim, XPI_SIM_HWDOM, ops, BATCH);
	}
	t_foreign = now() - t0;
	all = xpi_sim_memory_bytes(sim);

	t0 = now();
	for (uint64_t g = 0; g < n; g += BATCH) {
		for (unsigned int i = 0; i < BATCH; i++) {
			memset(&ops[i], 0, sizeof(ops[i]));
			ops[i].subop_id = IOMMUOP_unmap_foreign_page;
			ops[i].u.unmap_foreign_page.bfn = FOREIGN_BFN + g + i;
			ops[i].u.unmap_foreign_page.ioserver = ios;
		}
		issue(sim, XPI_SIM_HWDOM, ops, BATCH);
	}
	t_unmap = now() - t0;

	printf("mappings %" PRIu64 "\n", n);
	printf("map_page_s %.3f\n", t_map);
	printf("map_foreign_s %.3f\n", t_foreign);
	printf("map_both_s %.3f\n", t_map + t_foreign);
	printf("unmap_foreign_s %.3f\n", t_unmap);
	printf("map_page_bytes_each %.1f\n",
	       (double)(mapped - base) / (double)n);
	printf("map_foreign_bytes_each %.1f\n",
	       (double)(all - mapped) / (double)n);
	free(ops);
	xpi_sim_free(sim);
}

static void storm(uint64_t n)
{
	struct xpi_sim_domain_config dc = {
		.nr_pages = n,
		.backing = XPI_SIM_BACKING_SCATTERED,
		.dm_target = XPI_DOMID_INVALID,
	};
	struct xpi_sim_config cfg;
	struct pv_iommu_op *ops = calloc(n, sizeof(*ops));
	struct xpi_sim *sim;
	double t0, t_out, t_unmap;
	uint16_t ios;

	if (!ops || !n || n > UINT32_MAX)
		bench_usage("bench-scale", "storm N");
	xpi_sim_config_init(&cfg);
	if (cfg.host_frames < 2 * n + (UINT64_C(1) << 18))
		cfg.host_frames = 2 * n + (UINT64_C(1) << 18);
	BENCH_CHECK(xpi_sim_new(&cfg, &sim));
	BENCH_CHECK(xpi_sim_domain_create(sim, BENCH_GUEST, &dc));
	BENCH_CHECK(xpi_sim_ioreq_server_create(sim, XPI_SIM_HWDOM, BENCH_GUEST,
						&ios));
	for (uint64_t i = 0; i < n; i++) {
		ops[i].subop_id = IOMMUOP_map_foreign_page;
		ops[i].flags = RW;
		ops[i].u.map_foreign_page.bfn = FOREIGN_BFN + i;
		ops[i].u.map_foreign_page.gfn = i;
		ops[i].u.map_foreign_page.domid = BENCH_GUEST;
		ops[i].u.map_foreign_page.ioserver = ios;
	}
	issue(sim, XPI_SIM_HWDOM, ops, (unsigned int)n);
	/* Nobody reads the ring: 511 buffered, one synchronous, the rest
	 * wait in the server's queue. */
	t0 = now();
	for (uint64_t i = 0; i < n; i++)
		BENCH_CHECK(xpi_sim_balloon_out(sim, BENCH_GUEST, i));
	t_out = now() - t0;
	for (uint64_t i = 0; i < n; i++) {
		memset(&ops[i], 0, sizeof(ops[i]));
		ops[i].subop_id = IOMMUOP_unmap_foreign_page;
		ops[i].u.unmap_foreign_page.bfn = FOREIGN_BFN + i;
		ops[i].u.unmap_foreign_page.ioserver = ios;
	}
	t0 = now();
	issue(sim, XPI_SIM_HWDOM, ops, (unsigned int)n);
	t_unmap = now() - t0;

	printf("pages %" PRIu64 "\n", n);
	printf("balloon_out_s %.3f\n", t_out);
	printf("unmap_s %.3f\n", t_unmap);
	printf("storm_s %.3f\n", t_out + t_unmap);
	free(ops);
	xpi_sim_free(sim);
}

int main(int argc, char **argv)
{
	const char *usage = "million N | storm N";
	uint64_t n;

	if (argc != 3)
		bench_usage(argv[0], usage);
	n = bench_arg(argc, argv, 2, 0);
	if (!strcmp(argv[1], "million"))
		million(n);
	else if (!strcmp(argv[1], "storm"))
		storm(n);
	else
		bench_usage(argv[0], usage);
	return 0;
}
