// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The invalidate listener's cost.  bench-invalidate N: map N guest pages
 * (scattered, so one extent each), then balloon them out a full ring at a
 * time (255 eight-byte entries with the default BFN window) and dispatch
 * after each ring.  Prints:
 *
 *   events N
 *   invalidate_unmaps_per_hypercall U
 *
 * bench/invalidate.sh runs it under callgrind, collecting only inside
 * xpi_listener_dispatch(), and subtracts the hypercall (xpi_sim_iommu_op)
 * and the callback (bench_invalidate_cb), at two lengths: the difference
 * over the difference in events is the instructions per handled event.
 */
#include "config.h"

#include "bench-common.h"

#define RING_QW_ENTRIES 255

static uint64_t seen;

__attribute__((noinline)) void
bench_invalidate_cb(void *opaque, const struct xpi_invalidate_event *ev);

__attribute__((noinline)) void
bench_invalidate_cb(void *opaque, const struct xpi_invalidate_event *ev)
{
	seen += ev->known;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 10000;
	struct xpi_sim_domain_config dc = {
		.nr_pages = n,
		.backing = XPI_SIM_BACKING_SCATTERED,
		.dm_target = XPI_DOMID_INVALID,
	};
	struct xpi_listener_config lc;
	struct xpi_listener_stats ls;
	struct xpi_sim_config cfg;
	struct xpi_listener *l;
	struct xpi_options opts;
	struct xpi_sim *sim;
	uint64_t *gfns, *bfns;
	uint16_t ios;
	xpi_handle *h;

	if (n == 0) {
		fprintf(stderr, "usage: bench-invalidate EVENTS\n");
		return 2;
	}
	xpi_sim_config_init(&cfg);
	cfg.host_frames = 2 * n + 65536 + 1024;
	cfg.hwdom_frames = 16384;
	cfg.max_order = 9;
	BENCH_CHECK(xpi_sim_new(&cfg, &sim));
	BENCH_CHECK(xpi_sim_domain_create(sim, BENCH_GUEST, &dc));
	BENCH_CHECK(xpi_sim_ioreq_server_create(sim, XPI_SIM_HWDOM, BENCH_GUEST,
						&ios));
	xpi_options_init(&opts);
	BENCH_CHECK(xpi_sim_open(&h, NULL, sim, XPI_SIM_HWDOM, &opts));

	gfns = malloc(n * sizeof(*gfns));
	bfns = malloc(n * sizeof(*bfns));
	if (!gfns || !bfns)
		return 1;
	for (uint64_t i = 0; i < n; i++)
		gfns[i] = i;
	BENCH_CHECK(xpi_foreign_map(h, BENCH_GUEST, ios, gfns, n,
				    XPI_FOREIGN_READ | XPI_FOREIGN_WRITE, bfns,
				    NULL));

	xpi_listener_config_init(&lc);
	lc.invalidate = bench_invalidate_cb;
	BENCH_CHECK(xpi_listener_new(h, &lc, &l));
	BENCH_CHECK(xpi_listener_attach(l, BENCH_GUEST, ios, 1));
	for (uint64_t i = 0; i < n;) {
		for (unsigned int k = 0; k < RING_QW_ENTRIES && i < n; k++, i++)
			BENCH_CHECK(xpi_sim_balloon_out(sim, BENCH_GUEST, i));
		BENCH_CHECK(xpi_listener_dispatch(l));
	}
	BENCH_CHECK(xpi_listener_get_stats(l, &ls));
	if (ls.handled != n || seen != n || ls.unmaps != n) {
		fprintf(stderr, "handled %" PRIu64 " of %" PRIu64 "\n",
			ls.handled, n);
		return 1;
	}
	printf("events %" PRIu64 "\n", ls.handled);
	printf("invalidate_unmaps_per_hypercall %.1f\n",
	       ls.hypercalls ? (double)ls.unmaps / (double)ls.hypercalls : 0.0);
	xpi_listener_free(l);
	BENCH_CHECK(xpi_close(h));
	xpi_sim_free(sim);
	free(gfns);
	free(bfns);
	return 0;
}
