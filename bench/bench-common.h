// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Helpers of the benchmark programs.  Each program prints its results as
 * "key value" lines on stdout for bench/run; instruction counts come from
 * running it under callgrind at two lengths (bench/run takes the
 * difference, which cancels the setup).
 */
#ifndef XPI_BENCH_COMMON_H
#define XPI_BENCH_COMMON_H

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenpviommu.h>
#include <xenpviommu/sim.h>

#define BENCH_GUEST 1

/* Stop with a message when a call that must work does not. */
#define BENCH_CHECK(expr)                                                      \
	do {                                                                   \
		long bench_rc_ = (long)(expr);                                 \
		if (bench_rc_ < 0) {                                           \
			fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, \
				#expr, strerror((int)-bench_rc_));             \
			exit(1);                                               \
		}                                                              \
	} while (0)

struct bench_host {
	struct xpi_sim *sim;
	xpi_handle *h;
	uint16_t ioserver;
};

/*
 * A simulated host with guest BENCH_GUEST of guest_pages (contiguous
 * backing, aligned to 2^max_order), an ioreq server for it, and the
 * library opened on it as the hardware domain with max_ops per hypercall
 * (0: the default).
 */
static inline void bench_host_open(struct bench_host *b, uint64_t guest_pages,
				   unsigned int max_order, unsigned int max_ops)
{
	struct xpi_sim_config cfg;
	struct xpi_sim_domain_config dc = {
		.nr_pages = guest_pages,
		.backing = XPI_SIM_BACKING_CONTIGUOUS,
		.dm_target = XPI_DOMID_INVALID,
	};
	struct xpi_options opts;
	uint64_t align = UINT64_C(1) << max_order;

	xpi_sim_config_init(&cfg);
	cfg.max_order = max_order;
	cfg.host_frames = ((guest_pages + align - 1) & ~(align - 1)) + align +
			  (UINT64_C(1) << 19);
	BENCH_CHECK(xpi_sim_new(&cfg, &b->sim));
	BENCH_CHECK(xpi_sim_domain_create(b->sim, BENCH_GUEST, &dc));
	BENCH_CHECK(xpi_sim_ioreq_server_create(b->sim, XPI_SIM_HWDOM,
						BENCH_GUEST, &b->ioserver));
	xpi_options_init(&opts);
	if (max_ops)
		opts.max_batch_ops = max_ops;
	BENCH_CHECK(xpi_sim_open(&b->h, NULL, b->sim, XPI_SIM_HWDOM, &opts));
}

static inline void bench_host_close(struct bench_host *b)
{
	BENCH_CHECK(xpi_close(b->h));
	xpi_sim_free(b->sim);
}

static inline uint64_t bench_arg(int argc, char **argv, int i, uint64_t def)
{
	return i < argc ? strtoull(argv[i], NULL, 0) : def;
}

static inline void bench_usage(const char *prog, const char *usage)
{
	fprintf(stderr, "usage: %s %s\n", prog, usage);
	exit(2);
}

#endif /* XPI_BENCH_COMMON_H */
