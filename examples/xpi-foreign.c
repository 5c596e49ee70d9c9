// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xpi-foreign: give GFNs of a guest bus addresses for an ioreq server
 * (map_foreign_page or lookup_foreign_page, whichever the host allows),
 * look the BFNs up in the handle's mapping tracker, and unmap them.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

enum {
	OPT_DOMID = OPT_FIRST_PRIVATE,
	OPT_IOSERVER,
	OPT_GFN,
	OPT_COUNT,
	OPT_READ_ONLY,
	OPT_SWAP_MFN,
	OPT_SUPERPAGE,
	OPT_GUEST_MIB,
	OPT_NO_MAP_CAP,
	OPT_NO_IOMMU,
};

static void help(void)
{
	fputs("Usage: xpi-foreign [options]\n"
	      "Map COUNT GFNs of guest DOMID from GFN for ioreq server IOSERVER\n"
	      "(the library picks map_foreign_page or lookup_foreign_page from\n"
	      "the host's capabilities), look each BFN up, and unmap them.\n\n"
	      "  --domid D        the guest (required unless --backend sim,\n"
	      "                   which creates guest 1)\n"
	      "  --ioserver S     its ioreq server (required unless --backend sim,\n"
	      "                   which creates one)\n"
	      "  --gfn N          first GFN (default 0)\n"
	      "  --count N        number of pages (default 16)\n"
	      "  --read-only      map read-only (default read-write)\n"
	      "  --swap-mfn       let Xen point the BFN at its scratch page when\n"
	      "                   the guest balloons the page out\n"
	      "  --superpage      map contiguous runs as superpage extents (a\n"
	      "                   ballooned page then ends its whole extent)\n\n",
	      stdout);
	ex_common_help(stdout);
	fputs("Simulated host (--backend sim):\n"
	      "  --guest-mib N    the guest's RAM (default 64)\n"
	      "  --no-map-cap     iommu=dom0-passthrough: no map capability, so\n"
	      "                   the lookup strategy\n"
	      "  --no-iommu       a host without an IOMMU (lookup strategy)\n"
	      "JSON keys: backend, strategy, domid, ioserver, count, mapped,\n"
	      "bfns, found, unmapped, hypercalls, live_mappings_at_exit.\n",
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
		{ "domid", required_argument, NULL, OPT_DOMID },
		{ "ioserver", required_argument, NULL, OPT_IOSERVER },
		{ "gfn", required_argument, NULL, OPT_GFN },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "read-only", no_argument, NULL, OPT_READ_ONLY },
		{ "swap-mfn", no_argument, NULL, OPT_SWAP_MFN },
		{ "superpage", no_argument, NULL, OPT_SUPERPAGE },
		{ "guest-mib", required_argument, NULL, OPT_GUEST_MIB },
		{ "no-map-cap", no_argument, NULL, OPT_NO_MAP_CAP },
		{ "no-iommu", no_argument, NULL, OPT_NO_IOMMU },
		{ NULL, 0, NULL, 0 },
	};
	struct xpi_sim_config cfg;
	struct xpi_stats s0, s1;
	struct xpi_caps caps;
	struct ex_common c;
	struct xpi_sim *sim = NULL;
	uint64_t domid = 1, ioserver = 0, gfn = 0, count = 16, guest_mib = 64;
	uint64_t *gfns, *bfns, found = 0;
	unsigned int flags = XPI_FOREIGN_READ | XPI_FOREIGN_WRITE;
	int have_domid = 0, have_ioserver = 0, sim_opts = 0, opt, rc;
	int status = EX_OK, *st;
	long mapped, unmapped;
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
		case OPT_DOMID:
			if (ex_parse_u64(optarg, &domid) || domid == 0 ||
			    domid >= XPI_DOMID_FIRST_RESERVED)
				return ex_usage_error(
					&c,
					"--domid %s: expected a guest domid"
					" (1..32751)",
					optarg);
			have_domid = 1;
			break;
		case OPT_IOSERVER:
			if (ex_parse_u64(optarg, &ioserver) ||
			    ioserver > 0xffff)
				return ex_usage_error(
					&c, "--ioserver %s: expected 0..65535",
					optarg);
			have_ioserver = 1;
			break;
		case OPT_GFN:
			if (ex_parse_u64(optarg, &gfn))
				return ex_usage_error(&c,
						      "--gfn %s: not a number",
						      optarg);
			break;
		case OPT_COUNT:
			if (ex_parse_u64(optarg, &count) || count == 0 ||
			    count > (UINT64_C(1) << 24))
				return ex_usage_error(
					&c, "--count %s: expected 1..2^24",
					optarg);
			break;
		case OPT_READ_ONLY:
			flags &= ~(unsigned int)XPI_FOREIGN_WRITE;
			break;
		case OPT_SWAP_MFN:
			flags |= XPI_FOREIGN_SWAP_MFN;
			break;
		case OPT_SUPERPAGE:
			flags |= XPI_FOREIGN_SUPERPAGE;
			break;
		case OPT_GUEST_MIB:
			if (ex_parse_u64(optarg, &guest_mib) ||
			    guest_mib == 0 || guest_mib > 65536)
				return ex_usage_error(
					&c, "--guest-mib %s: expected 1..65536",
					optarg);
			sim_opts = 1;
			break;
		case OPT_NO_MAP_CAP:
			cfg.dom0_passthrough = 1;
			sim_opts = 1;
			break;
		case OPT_NO_IOMMU:
			cfg.iommu_present = 0;
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
	if (c.backend != XPI_BACKEND_SIM && (!have_domid || !have_ioserver))
		return ex_usage_error(
			&c, "--domid and --ioserver are needed on a real"
			    " host (or use --backend sim)");
	if (gfn + count < gfn)
		return ex_usage_error(&c, "the range wraps around");

	if (c.backend == XPI_BACKEND_SIM) {
		struct xpi_sim_domain_config dc = {
			.nr_pages = guest_mib << 8,
			.backing = XPI_SIM_BACKING_CONTIGUOUS,
			.dm_target = XPI_DOMID_INVALID,
		};
		uint16_t id;

		cfg.host_frames = ex_sim_host_frames(dc.nr_pages,
						     cfg.max_order);
		ex_sim_config_host(&c, &cfg);
		ex_sim_check(&c, xpi_sim_new(&cfg, &sim), "create the host");
		ex_sim_check(&c,
			     xpi_sim_domain_create(sim, (uint16_t)domid, &dc),
			     "create the guest");
		ex_sim_check(&c,
			     xpi_sim_ioreq_server_create(sim, XPI_SIM_HWDOM,
							 (uint16_t)domid, &id),
			     "create the ioreq server");
		if (have_ioserver && ioserver != id)
			fprintf(stderr,
				"%s: note: the simulated ioreq server is %u;"
				" using %llu as asked\n",
				c.prog, id, (unsigned long long)ioserver);
		if (!have_ioserver)
			ioserver = id;
	}
	rc = ex_open(&c, sim, XPI_SIM_HWDOM, &h);
	if (rc) {
		xpi_sim_free(sim);
		return rc;
	}
	xpi_get_caps(h, &caps);

	gfns = calloc(count, sizeof(*gfns));
	bfns = calloc(count, sizeof(*bfns));
	st = calloc(count, sizeof(*st));
	if (!gfns || !bfns || !st) {
		fprintf(stderr, "%s: out of memory\n", c.prog);
		free(gfns);
		free(bfns);
		free(st);
		ex_close(h);
		xpi_sim_free(sim);
		return EX_FAIL;
	}
	for (uint64_t i = 0; i < count; i++)
		gfns[i] = gfn + i;

	xpi_get_stats(h, &s0);
	mapped = xpi_foreign_map(h, (uint16_t)domid, (uint16_t)ioserver, gfns,
				 count, flags, bfns, st);
	if (mapped < 0) {
		fprintf(stderr, "%s: mapping failed: %s\n", c.prog,
			strerror((int)-mapped));
		status = EX_FAIL;
		mapped = 0;
	}
	for (uint64_t i = 0; i < count; i++) {
		struct xpi_mapping m;

		if (bfns[i] == UINT64_MAX) {
			if (!c.json)
				printf("GFN 0x%llx: not mapped: %s\n",
				       (unsigned long long)gfns[i],
				       strerror(-st[i]));
			status = EX_FAIL;
			continue;
		}
		if (xpi_mapping_find(h, bfns[i], &m) == 0) {
			found++;
			if (!c.json && i < 32)
				printf("GFN 0x%llx -> BFN 0x%llx (extent 0x%llx,"
				       " order %u, %s)\n",
				       (unsigned long long)gfns[i],
				       (unsigned long long)bfns[i],
				       (unsigned long long)m.bfn, m.order,
				       m.lookup ? "Xen's BFN" : "ours");
		}
	}
	if (!c.json && count > 32)
		printf("... (%llu more)\n", (unsigned long long)(count - 32));

	/* Unmap what was mapped (unmapped BFNs are UINT64_MAX: -ENOENT). */
	unmapped = xpi_foreign_unmap(h, bfns, count, st);
	if (unmapped < 0) {
		fprintf(stderr, "%s: unmapping failed: %s\n", c.prog,
			strerror((int)-unmapped));
		status = EX_FAIL;
		unmapped = 0;
	}
	xpi_get_stats(h, &s1);

	if (c.json) {
		printf("{\"backend\": ");
		ex_json_string(stdout, xpi_backend_name(xpi_get_backend(h)));
		printf(", \"strategy\": ");
		ex_json_string(stdout, xpi_strategy_name(caps.strategy));
		printf(", \"domid\": %llu, \"ioserver\": %llu, \"count\": %llu,"
		       " \"mapped\": %ld, \"bfns\": [",
		       (unsigned long long)domid, (unsigned long long)ioserver,
		       (unsigned long long)count, mapped);
		for (uint64_t i = 0; i < count; i++)
			if (bfns[i] == UINT64_MAX)
				printf("%snull", i ? ", " : "");
			else
				printf("%s%llu", i ? ", " : "",
				       (unsigned long long)bfns[i]);
		printf("], \"found\": %llu, \"unmapped\": %ld,"
		       " \"hypercalls\": %llu, \"live_mappings_at_exit\": %llu}\n",
		       (unsigned long long)found, unmapped,
		       (unsigned long long)(s1.hypercalls - s0.hypercalls),
		       (unsigned long long)xpi_mapping_count(h));
	} else {
		printf("strategy %s: mapped %ld of %llu GFN(s) of domain %llu"
		       " for ioreq server %llu, found %llu in the tracker,"
		       " unmapped %ld; %llu hypercall(s); %llu live mapping(s)"
		       " left\n",
		       xpi_strategy_name(caps.strategy), mapped,
		       (unsigned long long)count, (unsigned long long)domid,
		       (unsigned long long)ioserver, (unsigned long long)found,
		       unmapped,
		       (unsigned long long)(s1.hypercalls - s0.hypercalls),
		       (unsigned long long)xpi_mapping_count(h));
	}
	free(gfns);
	free(bfns);
	free(st);
	if (ex_close(h))
		status = EX_FAIL;
	xpi_sim_free(sim);
	return status;
}
