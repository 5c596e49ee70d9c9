// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xpi-emu-demo: a small mediated pass-through emulator on the simulated
 * hypervisor.
 *
 * The host has a hardware domain (where the emulator runs) and a guest
 * with an ioreq server.  The emulator maps all of the guest's RAM for its
 * device's DMA with xpi_foreign_map() (the library picks map_foreign_page
 * or lookup_foreign_page), then runs the invalidate listener while the
 * guest balloons pages out and back in, in bursts that can overflow the
 * 511-slot buffered ring (Xen then falls back to synchronous ioreqs).  For
 * each invalidated extent the emulator forgets its DMA mapping and, once
 * the guest has repopulated the pages, maps them again.  At shutdown
 * xpi_close() unmaps everything, and the simulator's auditor checks every
 * reference, M2B entry and IOMMU entry.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

enum {
	OPT_GUEST_MIB = OPT_FIRST_PRIVATE,
	OPT_BALLOON,
	OPT_BURST,
	OPT_NO_MAP_CAP,
	OPT_NO_IOMMU,
	OPT_MAX_ORDER,
	OPT_SCATTERED,
	OPT_NO_SWAP,
	OPT_SEED,
};

#define GUEST 1

static void help(void)
{
	fputs("Usage: xpi-emu-demo [options]\n"
	      "A small mediated pass-through emulator on the simulated hypervisor:\n"
	      "it maps a guest's RAM for device DMA, keeps the mappings right\n"
	      "while the guest balloons pages out and in (the invalidate\n"
	      "listener), unmaps everything at shutdown and runs the auditor.\n\n"
	      "  --guest-mib N    the guest's RAM in MiB (default 256)\n"
	      "  --balloon N      pages the guest balloons out and back in over\n"
	      "                   the run (default 4096)\n"
	      "  --burst N        balloon-outs before the emulator gets to run\n"
	      "                   (default 1024; above 510 the buffered ring\n"
	      "                   overflows into synchronous ioreqs)\n"
	      "  --no-map-cap     iommu=dom0-passthrough: no map capability, so\n"
	      "                   the lookup_foreign strategy\n"
	      "  --no-iommu       a host without an IOMMU (lookup_foreign)\n"
	      "  --max-order N    the host's largest IOMMU page order (default 18)\n"
	      "  --scattered      guest RAM on scattered frames\n"
	      "  --no-swap        map without swap_mfn (Xen keeps ballooned\n"
	      "                   frames until the emulator unmaps)\n"
	      "  --seed N         the guest's balloon choices (default 1)\n\n",
	      stdout);
	ex_common_help(stdout);
	fputs("The demo needs --backend sim (it drives the guest); other backends\n"
	      "only check that the host has a PV IOMMU.\n"
	      "Exit status 1 also when mappings, references or auditor\n"
	      "violations are left at the end.\n"
	      "JSON keys: backend, strategy, guest_pages, pages_mapped, balloon_outs,\n"
	      "hypercalls, iotlb_flushes, invalidations_sent, invalidations_received,\n"
	      "invalidations_handled, invalidations_unknown, ring_overflows,\n"
	      "bfns_unmapped, "
	      "unmapped_at_shutdown, live_mappings_at_exit, leaked_page_refs,\n"
	      "auditor_violations.\n",
	      stdout);
}

struct demo {
	struct ex_common c;
	struct xpi_sim *sim;
	xpi_handle *h;
	struct xpi_listener *l;
	uint16_t ioserver;
	uint64_t npages;
	uint64_t host_frames;
	unsigned int flags;
	uint8_t *dma_mapped; /* per GFN: the emulator holds a DMA mapping */
	uint64_t *bfn;	     /* per GFN: its BFN while mapped */
	uint64_t released;   /* lookups ended by the demo (no invalidates) */
	uint64_t *remap;     /* GFNs whose mapping an invalidate ended */
	uint64_t nremap, capremap;
	uint64_t pages_mapped;
	uint64_t extents_invalidated;
	int oom;
	int progress;
};

/* The invalidate callback: the device must stop using the extent (a real
 * emulator quiesces DMA here); the library unmaps it after the drain. */
static void on_invalidate(void *opaque, const struct xpi_invalidate_event *ev)
{
	struct demo *d = opaque;
	uint64_t first, n;

	if (!ev->known || !ev->will_unmap)
		return;
	first = ev->mapping.gfn;
	n = UINT64_C(1) << ev->mapping.order;
	d->extents_invalidated++;
	for (uint64_t g = first; g < first + n && g < d->npages; g++) {
		if (!d->dma_mapped[g])
			continue;
		d->dma_mapped[g] = 0;
		if (d->nremap == d->capremap) {
			uint64_t cap = d->capremap ? d->capremap * 2 : 1024;
			uint64_t *r = realloc(d->remap, cap * sizeof(*r));

			if (!r) {
				d->oom = 1;
				return;
			}
			d->remap = r;
			d->capremap = cap;
		}
		d->remap[d->nremap++] = g;
	}
}

/* Map gfns[0..n) for the device; returns the number mapped or -errno. */
static long dma_map(struct demo *d, const uint64_t *gfns, uint64_t n)
{
	uint64_t *bfns = malloc(n * sizeof(*bfns));
	int *st = malloc(n * sizeof(*st));
	long rc;

	if (!bfns || !st) {
		free(bfns);
		free(st);
		return -ENOMEM;
	}
	rc = xpi_foreign_map(d->h, GUEST, d->ioserver, gfns, n, d->flags, bfns,
			     st);
	for (uint64_t i = 0; rc >= 0 && i < n; i++)
		if (!st[i]) {
			d->dma_mapped[gfns[i]] = 1;
			d->bfn[gfns[i]] = bfns[i];
		}
	if (rc > 0)
		d->pages_mapped += (uint64_t)rc;
	free(bfns);
	free(st);
	return rc;
}

/* A remap of gfn later (d->remap), or d->oom. */
static void want_remap(struct demo *d, uint64_t g)
{
	if (d->nremap == d->capremap) {
		uint64_t cap = d->capremap ? d->capremap * 2 : 1024;
		uint64_t *r = realloc(d->remap, cap * sizeof(*r));

		if (!r) {
			d->oom = 1;
			return;
		}
		d->remap = r;
		d->capremap = cap;
	}
	d->remap[d->nremap++] = g;
}

/*
 * A host that sends no BFN invalidates (XenServer: docs/xenserver-model.md
 * F4) keeps a ballooned page pinned: the emulator, told of the balloon by
 * the guest's driver, ends the lookups itself and maps the pages again
 * once they are back.  Returns 0 or -errno.
 */
static int release_ballooned(struct demo *d, const uint64_t *gfns, uint64_t n)
{
	uint64_t *bfns = malloc((n ? n : 1) * sizeof(*bfns)), k = 0;
	long rc = 0;

	if (!bfns)
		return -ENOMEM;
	for (uint64_t i = 0; i < n; i++) {
		if (!d->dma_mapped[gfns[i]])
			continue;
		d->dma_mapped[gfns[i]] = 0;
		bfns[k++] = d->bfn[gfns[i]];
		want_remap(d, gfns[i]);
	}
	if (k)
		rc = xpi_foreign_unmap(d->h, bfns, k, NULL);
	if (rc >= 0 && (uint64_t)rc != k)
		rc = -EIO;
	d->released += k;
	free(bfns);
	return rc < 0 ? (int)rc : 0;
}

/* Run the listener until nothing is pending in the ring or the slots. */
static int drain(struct demo *d)
{
	struct xpi_sim_ioreq_stats is;
	int rc, rounds = 0;

	do {
		rc = xpi_listener_dispatch(d->l);
		if (rc < 0 && rc != -EPROTO)
			return rc;
		ex_sim_check(&d->c,
			     xpi_sim_ioreq_server_stats(d->sim, GUEST,
							d->ioserver, &is),
			     "ioreq server stats");
		if (++rounds > 1000000) {
			fprintf(stderr, "%s: the listener makes no progress\n",
				d->c.prog);
			return -EIO;
		}
	} while (rc > 0 || is.waiting);
	return 0;
}

/* Frame references beyond ownership, over every host frame. */
static uint64_t extra_refs(struct demo *d)
{
	uint64_t extra = 0;

	for (uint64_t mfn = 0; mfn < d->host_frames; mfn++) {
		struct xpi_sim_frame_info fi;
		uint32_t own;

		if (xpi_sim_frame_info(d->sim, mfn, &fi) || fi.xen)
			continue;
		own = fi.owner != XPI_DOMID_INVALID;
		if (fi.refs > own)
			extra += fi.refs - own;
		extra += fi.writable_refs;
	}
	return extra;
}

static void report_violation(void *opaque, const char *violation)
{
	struct demo *d = opaque;

	fprintf(stderr, "%s: auditor: %s\n", d->c.prog, violation);
}

static void progress(struct demo *d, uint64_t done, uint64_t total)
{
	struct xpi_listener_stats ls;

	if (!d->progress)
		return;
	xpi_listener_get_stats(d->l, &ls);
	fprintf(stderr,
		"\r%s: ballooned %llu/%llu pages out and in; %llu invalidations"
		" handled (%llu synchronous), %llu pages mapped\033[K",
		d->c.prog, (unsigned long long)done, (unsigned long long)total,
		(unsigned long long)ls.handled, (unsigned long long)ls.sync,
		(unsigned long long)d->pages_mapped);
	fflush(stderr);
}

/* xorshift64: the guest's deterministic balloon choices. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "verbose", no_argument, NULL, OPT_VERBOSE },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "guest-mib", required_argument, NULL, OPT_GUEST_MIB },
		{ "balloon", required_argument, NULL, OPT_BALLOON },
		{ "burst", required_argument, NULL, OPT_BURST },
		{ "no-map-cap", no_argument, NULL, OPT_NO_MAP_CAP },
		{ "no-iommu", no_argument, NULL, OPT_NO_IOMMU },
		{ "max-order", required_argument, NULL, OPT_MAX_ORDER },
		{ "scattered", no_argument, NULL, OPT_SCATTERED },
		{ "no-swap", no_argument, NULL, OPT_NO_SWAP },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ NULL, 0, NULL, 0 },
	};
	struct xpi_sim_domain_config dc = {
		.backing = XPI_SIM_BACKING_CONTIGUOUS,
		.dm_target = XPI_DOMID_INVALID,
	};
	struct xpi_listener_config lc;
	struct xpi_listener_stats ls;
	struct xpi_sim_ioreq_stats is;
	struct xpi_sim_config cfg;
	struct xpi_sim_stats ss;
	struct xpi_caps caps;
	enum xpi_host host;
	struct demo d = { 0 };
	uint64_t guest_mib = 256, balloon = 4096, burst = 1024, seed = 1, v;
	uint64_t done = 0, baseline, leaked, live_at_exit, at_shutdown;
	uint64_t *gfns, *out_gfns;
	uint8_t *out_now;
	unsigned long quiet;
	long violations;
	int opt, rc, status = EX_OK;

	ex_common_init(&d.c, argv[0]);
	xpi_sim_config_init(&cfg);
	d.flags = XPI_FOREIGN_READ | XPI_FOREIGN_WRITE | XPI_FOREIGN_SWAP_MFN;
	while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		rc = ex_common_option(&d.c, opt, optarg);
		if (rc < 0)
			return EX_USAGE;
		if (rc)
			continue;
		switch (opt) {
		case OPT_HELP:
			help();
			return EX_OK;
		case OPT_GUEST_MIB:
			if (ex_parse_u64(optarg, &guest_mib) ||
			    guest_mib == 0 || guest_mib > 16384)
				return ex_usage_error(
					&d.c,
					"--guest-mib %s: expected 1..16384",
					optarg);
			break;
		case OPT_BALLOON:
			if (ex_parse_u64(optarg, &balloon) ||
			    balloon > (UINT64_C(1) << 32))
				return ex_usage_error(
					&d.c, "--balloon %s: expected 0..2^32",
					optarg);
			break;
		case OPT_BURST:
			if (ex_parse_u64(optarg, &burst) || burst == 0 ||
			    burst > (UINT64_C(1) << 24))
				return ex_usage_error(
					&d.c, "--burst %s: expected 1..2^24",
					optarg);
			break;
		case OPT_NO_MAP_CAP:
			cfg.dom0_passthrough = 1;
			break;
		case OPT_NO_IOMMU:
			cfg.iommu_present = 0;
			break;
		case OPT_MAX_ORDER:
			if (ex_parse_u64(optarg, &v) || v > 20)
				return ex_usage_error(
					&d.c, "--max-order %s: expected 0..20",
					optarg);
			cfg.max_order = (unsigned int)v;
			break;
		case OPT_SCATTERED:
			dc.backing = XPI_SIM_BACKING_SCATTERED;
			break;
		case OPT_NO_SWAP:
			d.flags &= ~(unsigned int)XPI_FOREIGN_SWAP_MFN;
			break;
		case OPT_SEED:
			if (ex_parse_u64(optarg, &seed) || seed == 0)
				return ex_usage_error(
					&d.c,
					"--seed %s: expected a non-zero number",
					optarg);
			break;
		default:
			return ex_getopt_error(&d.c, opt, argv);
		}
	}
	if (optind < argc)
		return ex_usage_error(&d.c, "unexpected argument %s",
				      argv[optind]);

	if (d.c.backend != XPI_BACKEND_SIM) {
		/* Say whether this host has a PV IOMMU at all (the one line
		 * of ex_open() when it has not), then what the demo needs. */
		rc = ex_open(&d.c, NULL, 0, &d.h);
		if (rc)
			return rc;
		ex_close(d.h);
		fprintf(stderr,
			"%s: this host has a PV IOMMU (backend %s), but the demo"
			" drives a simulated guest: run it with --backend sim;"
			" xpi-foreign maps a real guest's pages\n",
			d.c.prog, xpi_backend_name(d.c.backend));
		return EX_USAGE;
	}

	/* The host: hardware domain, the guest, its ioreq server. */
	d.npages = guest_mib << 8;
	dc.nr_pages = d.npages;
	d.host_frames = ex_sim_host_frames(d.npages, cfg.max_order);
	cfg.host_frames = d.host_frames;
	ex_sim_config_host(&d.c, &cfg);
	ex_sim_check(&d.c, xpi_sim_new(&cfg, &d.sim), "create the host");
	ex_sim_check(&d.c, xpi_sim_domain_create(d.sim, GUEST, &dc),
		     "create the guest");
	ex_sim_check(&d.c,
		     xpi_sim_ioreq_server_create(d.sim, XPI_SIM_HWDOM, GUEST,
						 &d.ioserver),
		     "create the ioreq server");
	baseline = extra_refs(&d);

	rc = ex_open(&d.c, d.sim, XPI_SIM_HWDOM, &d.h);
	if (rc) {
		xpi_sim_free(d.sim);
		return rc;
	}
	xpi_get_caps(d.h, &caps);
	host = xpi_get_host(d.h);
	d.progress = isatty(STDERR_FILENO);

	d.dma_mapped = calloc(d.npages, 1);
	d.bfn = calloc(d.npages, sizeof(*d.bfn));
	out_now = calloc(d.npages, 1);
	gfns = malloc(d.npages * sizeof(*gfns));
	out_gfns = malloc((burst < d.npages ? burst : d.npages) *
			  sizeof(*out_gfns));
	if (!d.dma_mapped || !d.bfn || !out_now || !gfns || !out_gfns) {
		fprintf(stderr, "%s: out of memory\n", d.c.prog);
		return EX_FAIL;
	}

	/* The listener: the library owns the ring and unmaps invalidated
	 * extents after our callback has seen them. */
	xpi_listener_config_init(&lc);
	lc.invalidate = on_invalidate;
	lc.opaque = &d;
	rc = xpi_listener_new(d.h, &lc, &d.l);
	if (!rc)
		rc = xpi_listener_attach(d.l, GUEST, d.ioserver,
					 cfg.ioreq_vcpus);
	if (rc) {
		fprintf(stderr,
			"%s: cannot start the invalidate listener: %s\n",
			d.c.prog, strerror(-rc));
		return EX_FAIL;
	}

	/* All of the guest's RAM, for the device. */
	for (uint64_t g = 0; g < d.npages; g++)
		gfns[g] = g;
	rc = (int)dma_map(&d, gfns, d.npages);
	if (rc < 0 || (uint64_t)rc != d.npages) {
		fprintf(stderr, "%s: mapping the guest's RAM: %s\n", d.c.prog,
			rc < 0 ? strerror(-rc) : "some pages were refused");
		status = EX_FAIL;
	}

	/* The storm: the guest balloons a burst of pages out, the emulator
	 * drains the invalidates, the guest takes the pages back, the
	 * emulator maps again what it lost. */
	while (status == EX_OK && done < balloon) {
		uint64_t n = balloon - done, r;

		if (n > burst)
			n = burst;
		if (n > d.npages)
			n = d.npages;
		for (uint64_t i = 0; i < n; i++) {
			uint64_t g = next_rand(&seed) % d.npages;

			while (out_now[g])
				g = (g + 1) % d.npages;
			out_now[g] = 1;
			out_gfns[i] = g;
			ex_sim_check(&d.c, xpi_sim_balloon_out(d.sim, GUEST, g),
				     "balloon out");
		}
		rc = drain(&d);
		if (!rc && xpi_get_host(d.h) == XPI_HOST_XENSERVER)
			rc = release_ballooned(&d, out_gfns, n);
		if (rc) {
			fprintf(stderr, "%s: the listener failed: %s\n",
				d.c.prog, strerror(-rc));
			status = EX_FAIL;
			break;
		}
		for (uint64_t i = 0; i < n; i++) {
			out_now[out_gfns[i]] = 0;
			ex_sim_check(&d.c,
				     xpi_sim_populate(d.sim, GUEST,
						      out_gfns[i]),
				     "populate");
		}
		if (d.oom) {
			fprintf(stderr, "%s: out of memory\n", d.c.prog);
			status = EX_FAIL;
			break;
		}
		if (d.nremap) {
			r = d.nremap;
			d.nremap = 0;
			rc = (int)dma_map(&d, d.remap, r);
			if (rc < 0 || (uint64_t)rc != r) {
				fprintf(stderr,
					"%s: mapping repopulated pages: %s\n",
					d.c.prog,
					rc < 0 ? strerror(-rc)
					       : "some pages were refused");
				status = EX_FAIL;
			}
		}
		done += n;
		progress(&d, done, balloon);
	}
	if (d.progress)
		fprintf(stderr, "\r\033[K");

	/* Shutdown: the listener goes first, then close unmaps the rest. */
	xpi_listener_get_stats(d.l, &ls);
	xpi_listener_free(d.l);
	at_shutdown = xpi_mapping_count(d.h);
	quiet = ex_quiet_warnings();
	if (ex_close(d.h)) {
		fprintf(stderr, "%s: close could not unmap everything\n",
			d.c.prog);
		status = EX_FAIL;
	}
	ex_sim_check(&d.c, xpi_sim_stats(d.sim, &ss), "stats");
	ex_sim_check(&d.c,
		     xpi_sim_ioreq_server_stats(d.sim, GUEST, d.ioserver, &is),
		     "ioreq server stats");
	live_at_exit = ss.iommu_entries + ss.m2b_entries;
	v = extra_refs(&d);
	leaked = v > baseline ? v - baseline : 0;
	violations = xpi_sim_audit(d.sim, report_violation, &d);
	if (live_at_exit || leaked || violations ||
	    ls.handled != is.buffered_sent + is.sync_sent)
		status = EX_FAIL;

	if (d.c.json) {
		printf("{\"backend\": \"sim\", \"host\": ");
		ex_json_string(stdout, xpi_host_name(host));
		printf(", \"lookups_released\": %llu, \"strategy\": ",
		       (unsigned long long)d.released);
		ex_json_string(stdout, xpi_strategy_name(caps.strategy));
		printf(", \"guest_pages\": %llu, \"pages_mapped\": %llu,"
		       " \"balloon_outs\": %llu, \"hypercalls\": %llu,"
		       " \"iotlb_flushes\": %llu, \"invalidations_sent\": %llu,"
		       " \"invalidations_received\": %llu,"
		       " \"invalidations_handled\": %llu,"
		       " \"invalidations_unknown\": %llu,"
		       " \"ring_overflows\": %llu, \"bfns_unmapped\": %llu,"
		       " \"unmapped_at_shutdown\": %llu,"
		       " \"live_mappings_at_exit\": %llu,"
		       " \"leaked_page_refs\": %llu, \"auditor_violations\": %ld}\n",
		       (unsigned long long)d.npages,
		       (unsigned long long)d.pages_mapped,
		       (unsigned long long)ss.balloon_outs,
		       (unsigned long long)ss.hypercalls,
		       (unsigned long long)ss.iotlb_flushes,
		       (unsigned long long)(is.buffered_sent + is.sync_sent),
		       (unsigned long long)ls.received,
		       (unsigned long long)ls.handled,
		       (unsigned long long)ls.unknown,
		       (unsigned long long)is.sync_sent,
		       (unsigned long long)ls.unmaps,
		       (unsigned long long)at_shutdown,
		       (unsigned long long)live_at_exit,
		       (unsigned long long)leaked, violations);
	} else {
		printf("xpi-emu-demo on the simulated hypervisor (host %s,"
		       " strategy %s)\n",
		       xpi_host_name(host), xpi_strategy_name(caps.strategy));
		if (host == XPI_HOST_XENSERVER)
			printf("  no invalidates:     %llu lookups of ballooned"
			       " pages ended by the emulator\n",
			       (unsigned long long)d.released);
		printf("  guest RAM:          %llu MiB, %llu pages mapped for DMA"
		       " (re-mapped ones included)\n",
		       (unsigned long long)guest_mib,
		       (unsigned long long)d.pages_mapped);
		printf("  balloon storm:      %llu pages out and back in, in bursts"
		       " of %llu\n",
		       (unsigned long long)ss.balloon_outs,
		       (unsigned long long)burst);
		printf("  invalidations:      %llu sent by Xen (%llu synchronous,"
		       " the ring was full), %llu received, %llu handled\n",
		       (unsigned long long)(is.buffered_sent + is.sync_sent),
		       (unsigned long long)is.sync_sent,
		       (unsigned long long)ls.received,
		       (unsigned long long)ls.handled);
		if (ls.unknown)
			printf("  of which unknown:   %llu (not live mappings of the"
			       " server: none are expected)%s\n",
			       (unsigned long long)ls.unknown,
			       quiet ? "; --verbose lists them" : "");
		printf("  unmapped:           %llu extents by the listener in %llu"
		       " hypercalls, %llu at shutdown\n",
		       (unsigned long long)ls.unmaps,
		       (unsigned long long)ls.hypercalls,
		       (unsigned long long)at_shutdown);
		printf("  hypervisor:         %llu hypercalls, %llu IOTLB flushes\n",
		       (unsigned long long)ss.hypercalls,
		       (unsigned long long)ss.iotlb_flushes);
		printf("  at exit:            %llu live mappings, %llu leaked page"
		       " references, %ld auditor violations: %s\n",
		       (unsigned long long)live_at_exit,
		       (unsigned long long)leaked, violations,
		       status == EX_OK ? "clean" : "NOT CLEAN");
	}
	free(d.dma_mapped);
	free(d.bfn);
	free(d.remap);
	free(out_now);
	free(gfns);
	free(out_gfns);
	xpi_sim_free(d.sim);
	return status;
}
