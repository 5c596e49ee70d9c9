// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The batching builder (issue 3, "Benchmark"):
 *   append N RESERVE   append N map ops to a batch that already grew to
 *                      RESERVE ops once (the builder's steady-state cost;
 *                      bench/run takes instructions at two N)
 *   bulk N MAX_OPS [GUEST_PAGES]
 *                      N single-page map_foreign_page ops, then N unmaps,
 *                      through the builder with MAX_OPS per hypercall
 *                      (0: the default): ops per hypercall, and IOTLB
 *                      flushes per hypercall from the simulator; the guest
 *                      has GUEST_PAGES (default N; give both runs of a
 *                      callgrind difference the same)
 *   naive N            the same N maps and unmaps in one run: one op per
 *                      hypercall through the public API (bench_naive),
 *                      then through the builder (bench_batched), then
 *                      one op per do_iommu_op with no builder or tracker
 *                      (bench_raw, for reference); bench/run reads each
 *                      function's instructions from callgrind
 * Maps go to every other BFN, so nothing coalesces into superpages: these
 * are N single-page ops on the wire.
 */
#include "config.h"

#include "bench-common.h"
#include "lib/private.h"

#define RW (IOMMUOP_readable | IOMMUOP_writeable)

struct phase {
	uint64_t ops, hypercalls, sim_hypercalls, flushes, continuations;
};

static void snap(struct bench_host *b, struct xpi_stats *s,
		 struct xpi_sim_stats *ss)
{
	BENCH_CHECK(xpi_get_stats(b->h, s));
	BENCH_CHECK(xpi_sim_stats(b->sim, ss));
}

static void diff(struct phase *p, const struct xpi_stats *a,
		 const struct xpi_sim_stats *sa, const struct xpi_stats *b,
		 const struct xpi_sim_stats *sb)
{
	p->ops += b->ops - a->ops;
	p->hypercalls += b->hypercalls - a->hypercalls;
	p->sim_hypercalls += sb->hypercalls - sa->hypercalls;
	p->flushes += sb->iotlb_flushes - sa->iotlb_flushes;
	p->continuations += sb->continuations - sa->continuations;
}

static uint64_t bfn_base(struct bench_host *b)
{
	uint64_t base, count;

	BENCH_CHECK(xpi_get_bfn_window(b->h, &base, &count));
	return base;
}

/* Map then unmap n pages through the builder; returns the submitted ops. */
static __attribute__((noinline)) void bench_batched(struct bench_host *b,
						    uint64_t n, struct phase *p)
{
	uint64_t base = bfn_base(b);
	struct xpi_sim_stats sa, sb;
	struct xpi_stats a, s;
	struct xpi_batch *batch;
	long rc;

	BENCH_CHECK(xpi_batch_new(b->h, &batch));
	for (uint64_t i = 0; i < n; i++)
		BENCH_CHECK(xpi_batch_add_map_foreign(batch, base + 2 * i,
						      BENCH_GUEST, i,
						      b->ioserver, 0, RW));
	snap(b, &a, &sa);
	rc = xpi_batch_submit(batch);
	snap(b, &s, &sb);
	if (rc != (long)n) {
		fprintf(stderr, "map: %ld of %" PRIu64 " ops succeeded\n", rc,
			n);
		exit(1);
	}
	diff(p, &a, &sa, &s, &sb);

	xpi_batch_reset(batch);
	for (uint64_t i = 0; i < n; i++)
		BENCH_CHECK(xpi_batch_add_unmap_foreign(batch, base + 2 * i,
							b->ioserver, 0));
	snap(b, &a, &sa);
	rc = xpi_batch_submit(batch);
	snap(b, &s, &sb);
	if (rc != (long)n) {
		fprintf(stderr, "unmap: %ld of %" PRIu64 " ops succeeded\n", rc,
			n);
		exit(1);
	}
	diff(p, &a, &sa, &s, &sb);
	xpi_batch_free(batch);
}

/*
 * The same ops, one per hypercall, through the public API: a one-op batch
 * submitted per op, as an emulator that maps pages one at a time would.
 * The library tracks every mapping on both paths.
 */
static __attribute__((noinline)) void bench_naive(struct bench_host *b,
						  uint64_t n, struct phase *p)
{
	uint64_t base = bfn_base(b);
	struct xpi_sim_stats sa, sb;
	struct xpi_stats a, s;
	struct xpi_batch *batch;

	BENCH_CHECK(xpi_batch_new(b->h, &batch));
	snap(b, &a, &sa);
	for (uint64_t i = 0; i < n; i++) {
		xpi_batch_reset(batch);
		BENCH_CHECK(xpi_batch_add_map_foreign(batch, base + 2 * i,
						      BENCH_GUEST, i,
						      b->ioserver, 0, RW));
		if (xpi_batch_submit(batch) != 1)
			exit(1);
	}
	for (uint64_t i = 0; i < n; i++) {
		xpi_batch_reset(batch);
		BENCH_CHECK(xpi_batch_add_unmap_foreign(batch, base + 2 * i,
							b->ioserver, 0));
		if (xpi_batch_submit(batch) != 1)
			exit(1);
	}
	snap(b, &s, &sb);
	diff(p, &a, &sa, &s, &sb);
	xpi_batch_free(batch);
}

/*
 * For reference: the same ops, one per do_iommu_op, straight through the
 * library's transport (no builder and no tracker: nothing would unmap
 * these at close).
 */
static __attribute__((noinline)) void bench_raw(struct bench_host *b,
						uint64_t n, struct phase *p)
{
	uint64_t base = bfn_base(b);
	struct xpi_sim_stats sa, sb;
	struct xpi_stats a, s;

	snap(b, &a, &sa);
	for (uint64_t i = 0; i < n; i++) {
		struct pv_iommu_op op = {
			.subop_id = IOMMUOP_map_foreign_page,
			.flags = RW,
			.u.map_foreign_page = { .bfn = base + 2 * i,
						.gfn = i,
						.domid = BENCH_GUEST,
						.ioserver = b->ioserver },
		};

		BENCH_CHECK(xpi_hypercall(b->h, &op, 1));
		BENCH_CHECK(op.status);
	}
	for (uint64_t i = 0; i < n; i++) {
		struct pv_iommu_op op = {
			.subop_id = IOMMUOP_unmap_foreign_page,
			.u.unmap_foreign_page = { .bfn = base + 2 * i,
						  .ioserver = b->ioserver },
		};

		BENCH_CHECK(xpi_hypercall(b->h, &op, 1));
		BENCH_CHECK(op.status);
	}
	snap(b, &s, &sb);
	diff(p, &a, &sa, &s, &sb);
	p->ops = 2 * n; /* xpi_hypercall() leaves op counting to batches */
}

static __attribute__((noinline)) void append_loop(struct xpi_batch *batch,
						  uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		xpi_batch_add_map(batch, i, i, 0, RW);
}

static void print_phase(const char *prefix, const struct phase *p)
{
	printf("%sops %" PRIu64 "\n", prefix, p->ops);
	printf("%shypercalls %" PRIu64 "\n", prefix, p->hypercalls);
	printf("%ssim_hypercalls %" PRIu64 "\n", prefix, p->sim_hypercalls);
	printf("%siotlb_flushes %" PRIu64 "\n", prefix, p->flushes);
	printf("%scontinuations %" PRIu64 "\n", prefix, p->continuations);
	printf("%sops_per_hypercall %.2f\n", prefix,
	       p->hypercalls ? (double)p->ops / (double)p->hypercalls : 0.0);
	printf("%sflushes_per_hypercall %.4f\n", prefix,
	       p->sim_hypercalls
		       ? (double)p->flushes / (double)p->sim_hypercalls
		       : 0.0);
}

int main(int argc, char **argv)
{
	const char *usage =
		"append N RESERVE | bulk N MAX_OPS [GUEST_PAGES] | naive N";
	struct bench_host b;
	struct phase p = { 0 }, q = { 0 };

	if (argc < 3)
		bench_usage(argv[0], usage);
	if (!strcmp(argv[1], "append")) {
		uint64_t n = bench_arg(argc, argv, 2, 0);
		uint64_t reserve = bench_arg(argc, argv, 3, n);
		struct xpi_batch *batch;

		bench_host_open(&b, 16, 9, 0);
		BENCH_CHECK(xpi_batch_new(b.h, &batch));
		append_loop(batch, reserve);
		xpi_batch_reset(batch);
		append_loop(batch, n);
		printf("appended %zu\n", xpi_batch_count(batch));
		xpi_batch_free(batch);
		bench_host_close(&b);
	} else if (!strcmp(argv[1], "bulk")) {
		uint64_t n = bench_arg(argc, argv, 2, 0);
		uint64_t pages = bench_arg(argc, argv, 4, n);

		if (pages < n)
			bench_usage(argv[0], "bulk: GUEST_PAGES below N");
		bench_host_open(&b, pages, 9,
				(unsigned int)bench_arg(argc, argv, 3, 0));
		bench_batched(&b, n, &p);
		print_phase("", &p);
		bench_host_close(&b);
	} else if (!strcmp(argv[1], "naive")) {
		uint64_t n = bench_arg(argc, argv, 2, 0);

		bench_host_open(&b, n, 9, 0);
		struct phase r = { 0 };

		bench_naive(&b, n, &p);
		bench_batched(&b, n, &q);
		bench_raw(&b, n, &r);
		print_phase("naive_", &p);
		print_phase("batched_", &q);
		print_phase("raw_", &r);
		bench_host_close(&b);
	} else {
		bench_usage(argv[0], usage);
	}
	return 0;
}
