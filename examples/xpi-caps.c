// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xpi-caps: what query_caps says on this host, and the foreign-mapping
 * strategy the library chose from it.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

enum {
	OPT_NO_IOMMU = OPT_FIRST_PRIVATE,
	OPT_STRICT,
	OPT_PASSTHROUGH,
	OPT_MAX_ORDER,
	OPT_NO_HYPERCALL,
	OPT_AS_GUEST,
};

static void help(void)
{
	fputs("Usage: xpi-caps [options]\n"
	      "Print the PV IOMMU capabilities (query_caps) and the strategy the\n"
	      "library picks for mapping guest memory.\n\n",
	      stdout);
	ex_common_help(stdout);
	fputs("Simulated host (--backend sim):\n"
	      "  --no-iommu       the host has no IOMMU\n"
	      "  --dom0-strict    iommu=dom0-strict\n"
	      "  --dom0-passthrough  iommu=dom0-passthrough (no map capability)\n"
	      "  --max-order N    the largest IOMMU page order (default 18)\n"
	      "  --no-hypercall   a stock Xen without do_iommu_op\n"
	      "  --as-guest       ask as a guest with a passed-through device\n"
	      "                   instead of the hardware domain\n"
	      "JSON keys: supported, backend, map_cap, map_all_gfns,\n"
	      "max_page_order, strategy, raw_flags, bfn_base, bfn_count.\n",
	      stdout);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "no-iommu", no_argument, NULL, OPT_NO_IOMMU },
		{ "dom0-strict", no_argument, NULL, OPT_STRICT },
		{ "dom0-passthrough", no_argument, NULL, OPT_PASSTHROUGH },
		{ "max-order", required_argument, NULL, OPT_MAX_ORDER },
		{ "no-hypercall", no_argument, NULL, OPT_NO_HYPERCALL },
		{ "as-guest", no_argument, NULL, OPT_AS_GUEST },
		{ NULL, 0, NULL, 0 },
	};
	struct xpi_sim_config cfg;
	struct ex_common c;
	struct xpi_sim *sim = NULL;
	struct xpi_caps caps;
	uint64_t base, count, v;
	uint16_t caller = XPI_SIM_HWDOM;
	int as_guest = 0, sim_opts = 0;
	xpi_handle *h;
	int opt, rc;

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
		case OPT_NO_IOMMU:
			cfg.iommu_present = 0;
			break;
		case OPT_STRICT:
			cfg.dom0_strict = 1;
			break;
		case OPT_PASSTHROUGH:
			cfg.dom0_passthrough = 1;
			break;
		case OPT_MAX_ORDER:
			if (ex_parse_u64(optarg, &v) || v > 63)
				return ex_usage_error(
					&c, "--max-order %s: expected 0..63",
					optarg);
			cfg.max_order = (unsigned int)v;
			break;
		case OPT_NO_HYPERCALL:
			cfg.hypercall_present = 0;
			break;
		case OPT_AS_GUEST:
			as_guest = 1;
			break;
		default:
			return ex_getopt_error(&c, opt, argv);
		}
		sim_opts = 1;
	}
	if (optind < argc)
		return ex_usage_error(&c, "unexpected argument %s",
				      argv[optind]);
	if (sim_opts && c.backend != XPI_BACKEND_SIM)
		return ex_usage_error(&c, "host options need --backend sim");

	if (c.backend == XPI_BACKEND_SIM) {
		ex_sim_config_host(&c, &cfg);
		ex_sim_check(&c, xpi_sim_new(&cfg, &sim), "create the host");
		if (as_guest) {
			struct xpi_sim_domain_config dc = {
				.nr_pages = 4096,
				.backing = XPI_SIM_BACKING_CONTIGUOUS,
				.has_iommu_hw = 1,
				.dm_target = XPI_DOMID_INVALID,
			};

			caller = 1;
			ex_sim_check(&c,
				     xpi_sim_domain_create(sim, caller, &dc),
				     "create the guest");
		}
	}

	rc = ex_open(&c, sim, caller, &h);
	if (rc) {
		if (c.json && rc == EX_NO_PVIOMMU) {
			printf("{\"supported\": false, \"backend\": ");
			ex_json_string(stdout, xpi_backend_name(c.backend));
			printf("}\n");
		}
		xpi_sim_free(sim);
		return rc;
	}
	xpi_get_caps(h, &caps);
	xpi_get_bfn_window(h, &base, &count);

	if (c.json) {
		printf("{\"supported\": true, \"backend\": ");
		ex_json_string(stdout, xpi_backend_name(xpi_get_backend(h)));
		printf(", \"map_cap\": %s, \"map_all_gfns\": %s,"
		       " \"max_page_order\": %u, \"strategy\": ",
		       caps.map_cap ? "true" : "false",
		       caps.map_all_gfns ? "true" : "false", caps.max_order);
		ex_json_string(stdout, xpi_strategy_name(caps.strategy));
		printf(", \"raw_flags\": %u, \"bfn_base\": %llu,"
		       " \"bfn_count\": %llu}\n",
		       caps.raw_flags, (unsigned long long)base,
		       (unsigned long long)count);
	} else {
		printf("backend:         %s\n",
		       xpi_backend_name(xpi_get_backend(h)));
		printf("map_cap:         %s\n", caps.map_cap ? "yes" : "no");
		printf("map_all_gfns:    %s\n",
		       caps.map_all_gfns ? "yes" : "no");
		printf("max_page_order:  %u (%llu KiB pages)\n", caps.max_order,
		       4ULL << caps.max_order);
		printf("strategy:        %s (%s)\n",
		       xpi_strategy_name(caps.strategy),
		       caps.strategy == XPI_STRATEGY_MAP_FOREIGN
			       ? "the library picks BFNs"
			       : "Xen picks the BFNs");
		printf("raw flags:       0x%04x\n", caps.raw_flags);
		printf("BFN window:      0x%llx + 0x%llx frames\n",
		       (unsigned long long)base, (unsigned long long)count);
	}
	rc = ex_close(h);
	xpi_sim_free(sim);
	return rc ? EX_FAIL : EX_OK;
}
