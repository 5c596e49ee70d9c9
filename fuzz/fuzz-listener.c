// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target for the listener's own ring loop (the drain of
 * xpi_invalidate_buffered(): its 8-byte fast path, the general entries,
 * the tracker look-ups and the unmaps).  Each input is a buffered ring
 * page (zero-padded to 4096 bytes) handed to a listener on a simulated
 * host where 16 guest pages are mapped through the handle, so BFNs in the
 * input may be known, unknown, or another server's.  Checked: the call
 * returns entries or -EPROTO, consumes the whole ring, the handle's
 * counts stay consistent, and the simulator's auditor finds nothing.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenpviommu.h>
#include <xenpviommu/sim.h>
#if HAVE_XEN
#include <xentoollog.h>
#endif

#include "lib/invalidate-ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GUEST 7
#define PAGES 16

static unsigned char *page;

#if HAVE_XEN
/* Unknown BFNs are logged; a fuzzer makes millions of them. */
static void quiet_vmessage(struct xentoollog_logger *lg, xentoollog_level lvl,
			   int errnoval, const char *context,
			   const char *format, va_list al)
{
}

static void quiet_progress(struct xentoollog_logger *lg, const char *context,
			   const char *doing_what, int percent,
			   unsigned long done, unsigned long total)
{
}

static void quiet_destroy(struct xentoollog_logger *lg)
{
}

static struct xentoollog_logger quiet = {
	quiet_vmessage, quiet_progress, quiet_destroy,
};
#define LOGGER (&quiet)
#else
#define LOGGER NULL
#endif

static void setup(void)
{
	long psz = sysconf(_SC_PAGESIZE);
	unsigned char *r = mmap(NULL, (size_t)psz * 2, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (r == MAP_FAILED || mprotect(r + psz, (size_t)psz, PROT_NONE))
		abort();
	page = r + psz - XPI_RING_PAGE_SIZE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xpi_sim_domain_config dc = {
		.nr_pages = PAGES,
		.backing = XPI_SIM_BACKING_SCATTERED,
		.dm_target = XPI_DOMID_INVALID,
	};
	struct xpi_listener_stats ls;
	struct xpi_sim_config cfg;
	struct xpi_listener *l;
	struct xpi_options o;
	struct xpi_sim *sim;
	uint64_t gfns[PAGES], bfns[PAGES];
	uint16_t ios;
	xpi_handle *h;
	int rc;

	if (!page)
		setup();
	memset(page, 0, XPI_RING_PAGE_SIZE);
	memcpy(page, data, size < XPI_RING_PAGE_SIZE ? size : XPI_RING_PAGE_SIZE);

	xpi_sim_config_init(&cfg);
	cfg.host_frames = 2048;
	cfg.hwdom_frames = 512;
	cfg.max_order = 9;
	if (xpi_sim_new(&cfg, &sim) ||
	    xpi_sim_domain_create(sim, GUEST, &dc) ||
	    xpi_sim_ioreq_server_create(sim, XPI_SIM_HWDOM, GUEST, &ios))
		abort();
	xpi_options_init(&o);
	o.backend = XPI_BACKEND_SIM;
	o.sim = sim;
	/* Small BFNs, so that 4-byte entries can name them too. */
	o.bfn_base = 1 << 20;
	if (xpi_open_ex(&h, LOGGER, 0, &o))
		abort();
	for (unsigned int i = 0; i < PAGES; i++)
		gfns[i] = i;
	if (xpi_foreign_map(h, GUEST, ios, gfns, PAGES,
			    XPI_FOREIGN_READ | XPI_FOREIGN_WRITE, bfns,
			    NULL) != PAGES ||
	    xpi_listener_new(h, NULL, &l))
		abort();

	rc = xpi_invalidate_buffered(l, GUEST, ios, page);
	if (rc < 0 && rc != -EPROTO)
		abort();
	if (xpi_ring_pending(page) != 0)
		abort(); /* drained, or resynced */
	if (xpi_listener_get_stats(l, &ls) ||
	    ls.unmaps + xpi_mapping_count(h) != PAGES || ls.unmap_errors)
		abort();

	xpi_listener_free(l);
	if (xpi_close(h) || xpi_sim_audit(sim, NULL, NULL))
		abort();
	xpi_sim_free(sim);
	return 0;
}
