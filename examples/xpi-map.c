// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xpi-map: map a range of the caller's own GFNs for its devices
 * (map_page), by default 1:1, show what went to the hypervisor (ops,
 * hypercalls, the superpage orders the builder chose), then unmap it.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

enum {
	OPT_GFN = OPT_FIRST_PRIVATE,
	OPT_BFN,
	OPT_COUNT,
	OPT_READ_ONLY,
	OPT_GUEST_MIB,
	OPT_MAX_ORDER,
};

#define SIM_GUEST 1

static void help(void)
{
	fputs("Usage: xpi-map [options]\n"
	      "Map COUNT of the caller's own GFNs from GFN at bus frames from BFN\n"
	      "(1:1 unless --bfn is given) with map_page, in superpages where\n"
	      "alignment allows, print what was sent, and unmap them again.\n\n"
	      "  --gfn N          first GFN (default 0x100)\n"
	      "  --count N        number of 4 KiB pages (default 2048)\n"
	      "  --bfn N          first BFN (default: the GFN, a 1:1 range)\n"
	      "  --read-only      map read-only (default read-write)\n\n",
	      stdout);
	ex_common_help(stdout);
	fputs("Simulated host (--backend sim): the caller is a guest (domid 1)\n"
	      "with a passed-through device and contiguous RAM.\n"
	      "  --guest-mib N    the guest's RAM (default 64)\n"
	      "  --max-order N    the host's largest IOMMU page order (default 18)\n"
	      "JSON keys: backend, gfn, bfn, count, map_ops, map_hypercalls,\n"
	      "coalesced_ops, extents, orders (order -> extents), unmap_ops,\n"
	      "unmap_hypercalls, live_mappings_at_exit.\n",
	      stdout);
}

struct orders {
	uint64_t extents;
	uint64_t by_order[64];
};

static int count_order(void *opaque, const struct xpi_mapping *m)
{
	struct orders *o = opaque;

	o->extents++;
	o->by_order[m->order & 63]++;
	return 0;
}

static uint64_t subops(const struct xpi_stats *a, const struct xpi_stats *b,
		       int subop)
{
	return b->ops_by_subop[subop] - a->ops_by_subop[subop];
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "gfn", required_argument, NULL, OPT_GFN },
		{ "bfn", required_argument, NULL, OPT_BFN },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "read-only", no_argument, NULL, OPT_READ_ONLY },
		{ "guest-mib", required_argument, NULL, OPT_GUEST_MIB },
		{ "max-order", required_argument, NULL, OPT_MAX_ORDER },
		{ NULL, 0, NULL, 0 },
	};
	struct xpi_sim_config cfg;
	struct xpi_stats s0, s1, s2;
	struct ex_common c;
	struct orders ord = { 0 };
	struct xpi_sim *sim = NULL;
	uint64_t gfn = 0x100, bfn = 0, count = 2048, guest_mib = 64, v;
	unsigned int flags = IOMMU_OP_readable | IOMMU_OP_writeable;
	int have_bfn = 0, sim_opts = 0, opt, rc, status = EX_OK;
	xpi_handle *h;

	ex_common_init(&c, argv[0]);
	xpi_sim_config_init(&cfg);
	while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		rc = ex_common_option(&c, opt, optarg);
		if (rc < 0)
			return EX_USAGE;
		if (rc)
			continue;
		switch (opt) {
		case OPT_HELP:
			help();
			return EX_OK;
		case OPT_GFN:
			if (ex_parse_u64(optarg, &gfn))
				return ex_usage_error(&c,
						      "--gfn %s: not a number",
						      optarg);
			break;
		case OPT_BFN:
			if (ex_parse_u64(optarg, &bfn))
				return ex_usage_error(&c,
						      "--bfn %s: not a number",
						      optarg);
			have_bfn = 1;
			break;
		case OPT_COUNT:
			if (ex_parse_u64(optarg, &count) || count == 0 ||
			    count > (UINT64_C(1) << 32))
				return ex_usage_error(
					&c, "--count %s: expected 1..2^32",
					optarg);
			break;
		case OPT_READ_ONLY:
			flags = IOMMU_OP_readable;
			break;
		case OPT_GUEST_MIB:
			if (ex_parse_u64(optarg, &guest_mib) ||
			    guest_mib == 0 || guest_mib > 65536)
				return ex_usage_error(
					&c, "--guest-mib %s: expected 1..65536",
					optarg);
			sim_opts = 1;
			break;
		case OPT_MAX_ORDER:
			if (ex_parse_u64(optarg, &v) || v > 20)
				return ex_usage_error(
					&c, "--max-order %s: expected 0..20",
					optarg);
			cfg.max_order = (unsigned int)v;
			sim_opts = 1;
			break;
		default:
			return ex_getopt_error(&c, opt, argv);
		}
	}
	if (optind < argc)
		return ex_usage_error(&c, "unexpected argument %s",
				      argv[optind]);
	if (sim_opts && c.backend != XPI_BACKEND_SIM)
		return ex_usage_error(&c, "host options need --backend sim");
	if (!have_bfn)
		bfn = gfn;
	if (gfn + count < gfn || bfn + count < bfn)
		return ex_usage_error(&c, "the range wraps around");

	if (c.backend == XPI_BACKEND_SIM) {
		struct xpi_sim_domain_config dc = {
			.nr_pages = guest_mib << 8,
			.backing = XPI_SIM_BACKING_CONTIGUOUS,
			.has_iommu_hw = 1,
			.dm_target = XPI_DOMID_INVALID,
		};

		cfg.host_frames = ex_sim_host_frames(dc.nr_pages,
						     cfg.max_order);
		ex_sim_config_host(&c, &cfg);
		ex_sim_check(&c, xpi_sim_new(&cfg, &sim), "create the host");
		ex_sim_check(&c, xpi_sim_domain_create(sim, SIM_GUEST, &dc),
			     "create the guest");
		if (gfn + count > dc.nr_pages)
			fprintf(stderr,
				"%s: note: the simulated guest has %llu pages;"
				" GFNs beyond them are refused\n",
				c.prog, (unsigned long long)dc.nr_pages);
	}
	rc = ex_open(&c, sim, SIM_GUEST, &h);
	if (rc) {
		xpi_sim_free(sim);
		return rc;
	}

	xpi_get_stats(h, &s0);
	rc = xpi_map_range(h, bfn, gfn, count, flags);
	xpi_get_stats(h, &s1);
	if (rc) {
		fprintf(stderr,
			"%s: mapping GFNs 0x%llx+%llu at BFN 0x%llx failed: %s"
			" (nothing stays mapped)\n",
			c.prog, (unsigned long long)gfn,
			(unsigned long long)count, (unsigned long long)bfn,
			strerror(-rc));
		ex_close(h);
		xpi_sim_free(sim);
		return EX_FAIL;
	}
	xpi_mapping_foreach(h, count_order, &ord);
	rc = xpi_unmap_range(h, bfn, count);
	xpi_get_stats(h, &s2);
	if (rc) {
		fprintf(stderr, "%s: unmapping failed: %s\n", c.prog,
			strerror(-rc));
		status = EX_FAIL;
	}

	if (c.json) {
		int first = 1;

		printf("{\"backend\": ");
		ex_json_string(stdout, xpi_backend_name(xpi_get_backend(h)));
		printf(", \"gfn\": %llu, \"bfn\": %llu, \"count\": %llu,"
		       " \"map_ops\": %llu, \"map_hypercalls\": %llu,"
		       " \"coalesced_ops\": %llu, \"extents\": %llu,"
		       " \"orders\": {",
		       (unsigned long long)gfn, (unsigned long long)bfn,
		       (unsigned long long)count,
		       (unsigned long long)subops(&s0, &s1, IOMMUOP_map_page),
		       (unsigned long long)(s1.hypercalls - s0.hypercalls),
		       (unsigned long long)(s1.coalesced_ops -
					    s0.coalesced_ops),
		       (unsigned long long)ord.extents);
		for (int o = 0; o < 64; o++) {
			if (!ord.by_order[o])
				continue;
			printf("%s\"%d\": %llu", first ? "" : ", ", o,
			       (unsigned long long)ord.by_order[o]);
			first = 0;
		}
		printf("}, \"unmap_ops\": %llu, \"unmap_hypercalls\": %llu,"
		       " \"live_mappings_at_exit\": %llu}\n",
		       (unsigned long long)subops(&s1, &s2, IOMMUOP_unmap_page),
		       (unsigned long long)(s2.hypercalls - s1.hypercalls),
		       (unsigned long long)xpi_mapping_count(h));
	} else {
		printf("mapped %llu pages: GFN 0x%llx -> BFN 0x%llx%s\n",
		       (unsigned long long)count, (unsigned long long)gfn,
		       (unsigned long long)bfn, bfn == gfn ? " (1:1)" : "");
		printf("  sent %llu map_page op(s) in %llu hypercall(s);"
		       " %llu page(s) merged into superpages\n",
		       (unsigned long long)subops(&s0, &s1, IOMMUOP_map_page),
		       (unsigned long long)(s1.hypercalls - s0.hypercalls),
		       (unsigned long long)(s1.coalesced_ops -
					    s0.coalesced_ops));
		printf("  extents by order:");
		for (int o = 0; o < 64; o++)
			if (ord.by_order[o])
				printf(" %llu x order %d (%llu KiB)",
				       (unsigned long long)ord.by_order[o], o,
				       4ULL << o);
		printf("\nunmapped: %llu unmap_page op(s) in %llu hypercall(s);"
		       " %llu live mapping(s) left\n",
		       (unsigned long long)subops(&s1, &s2, IOMMUOP_unmap_page),
		       (unsigned long long)(s2.hypercalls - s1.hypercalls),
		       (unsigned long long)xpi_mapping_count(h));
	}
	if (ex_close(h))
		status = EX_FAIL;
	xpi_sim_free(sim);
	return status;
}
