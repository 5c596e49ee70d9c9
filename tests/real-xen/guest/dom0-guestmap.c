// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dom0-guestmap DOMID CMD-FIFO: the dom0 program of the guest boot
 * (scripts/real-xen-guest).  It plays the part of an emulator for the
 * xl-created PVH guest: it registers an ioreq server for the guest (with a
 * buffered ring), attaches the library's invalidate listener to it, and
 * maps the guest's pages with xpi_foreign_map().  The listener unmaps each
 * page the guest's balloon driver gives back.  It takes commands, one a
 * line, from CMD-FIFO and answers each with one line on stdout that starts
 * with the command's name:
 *   map       map every populated GFN of [0, guest pages + 2048) not mapped
 *             yet: "map new N failed F mapped M tot_pages T"
 *   stats     "stats mapped M received R buffered B sync S handled H
 *             unknown U unmaps N unmap_errors E flush_alls F tot_pages T"
 *   quit      unmap everything, close, exit: "quit unmapped N close RC"
 * Between commands it dispatches the listener and, twice a second, asks
 * Xen whether the guest is still there; when the guest is dying or gone
 * it prints "gone mapped M ..." (the stats as above), unmaps every BFN it
 * still holds (so that Xen can free the guest's last frames), closes and
 * exits 0 if every unmap and the close succeeded.  Every figure is Xen's
 * or the library's own counter; the step scripts compare them with xl.
 */
#define __XEN_TOOLS__ 1
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xendevicemodel.h>

#include <xenpviommu.h>
#include <xenpviommu/listener.h>

#define CHUNK 4096u

static xpi_handle *h;
static struct xpi_listener *l;
static xc_interface *xch;
static uint16_t domid;
static uint16_t ios;

/* Xen's count of the guest's pages; -1 when it is gone, -2 when dying. */
static long tot_pages(void)
{
	xc_dominfo_t info;

	if (xc_domain_getinfo(xch, domid, 1, &info) != 1 ||
	    info.domid != domid)
		return -1;
	if (info.dying || info.shutdown)
		return -2;
	return (long)info.nr_pages;
}

static int collect(void *opaque, const struct xpi_mapping *m)
{
	uint64_t **p = opaque;

	*(*p)++ = m->bfn;
	return 0;
}

/* Unmap every live mapping; returns the count unmapped or -errno. */
static long unmap_all(void)
{
	uint64_t n = xpi_mapping_count(h), *bfns, *p;
	long rc;

	if (!n)
		return 0;
	bfns = calloc(n, sizeof(*bfns));
	if (!bfns)
		return -ENOMEM;
	p = bfns;
	rc = xpi_mapping_foreach(h, collect, &p);
	if (!rc)
		rc = xpi_foreign_unmap(h, bfns, (size_t)(p - bfns), NULL);
	free(bfns);
	return rc;
}

static void print_stats(const char *what)
{
	struct xpi_listener_stats st;

	memset(&st, 0, sizeof(st));
	xpi_listener_get_stats(l, &st);
	printf("%s mapped %" PRIu64 " received %" PRIu64 " buffered %" PRIu64
	       " sync %" PRIu64 " handled %" PRIu64 " unknown %" PRIu64
	       " unmaps %" PRIu64 " unmap_errors %" PRIu64
	       " flush_alls %" PRIu64 " resyncs %" PRIu64 " tot_pages %ld\n",
	       what, xpi_mapping_count(h), st.received, st.buffered, st.sync,
	       st.handled, st.unknown, st.unmaps, st.unmap_errors,
	       st.flush_alls, st.resyncs, tot_pages());
	fflush(stdout);
}

/* Map every populated GFN below the guest's size plus a margin that no
 * mapping covers yet (GFNs Xen refuses, holes, are counted as failed). */
static void map_guest(void)
{
	static uint8_t have[1u << 20];
	uint64_t gfns[CHUNK], bfns[CHUNK];
	int status[CHUNK];
	long tp = tot_pages(), got, newly = 0, failed = 0;
	uint64_t end, g, *p;
	uint64_t *live;
	size_t n;

	if (tp < 0) {
		printf("map error guest gone (%ld)\n", tp);
		fflush(stdout);
		return;
	}
	end = (uint64_t)tp + 2048;
	if (end > sizeof(have))
		end = sizeof(have);
	memset(have, 0, sizeof(have));
	/* GFNs mapped already (after a balloon the others come back). */
	live = calloc(xpi_mapping_count(h) + 1, sizeof(*live));
	p = live;
	if (live && !xpi_mapping_foreach(h, collect, &p)) {
		for (uint64_t *q = live; q < p; q++) {
			struct xpi_mapping m;

			if (!xpi_mapping_find(h, *q, &m) && m.gfn < end)
				have[m.gfn] = 1;
		}
	}
	free(live);
	for (g = 0; g < end;) {
		n = 0;
		for (; g < end && n < CHUNK; g++)
			if (!have[g])
				gfns[n++] = g;
		if (!n)
			continue;
		got = xpi_foreign_map(h, domid, ios, gfns, n,
				      XPI_FOREIGN_READ | XPI_FOREIGN_WRITE, bfns,
				      status);
		if (got < 0) {
			failed += (long)n;
			continue;
		}
		newly += got;
		failed += (long)n - got;
	}
	printf("map new %ld failed %ld mapped %" PRIu64 " tot_pages %ld\n",
	       newly, failed, xpi_mapping_count(h), tot_pages());
	fflush(stdout);
}

static int finish(const char *what)
{
	long un;
	int rc;

	print_stats(what);
	xpi_listener_free(l);
	l = NULL;
	un = unmap_all();
	rc = xpi_close(h);
	printf("%s unmapped %ld close %d\n", what, un, rc);
	fflush(stdout);
	return un >= 0 && rc == 0 ? 0 : 1;
}

/* The guest's vCPUs: one synchronous ioreq slot each must be read. */
static unsigned int guest_vcpus(uint16_t dom)
{
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	xc_dominfo_t info;
	unsigned int n = 1;

	if (xch && xc_domain_getinfo(xch, dom, 1, &info) == 1 &&
	    info.domid == dom)
		n = info.max_vcpu_id + 1;
	if (xch)
		xc_interface_close(xch);
	return n;
}

int main(int argc, char **argv)
{
	struct xpi_options opts;
	struct xpi_listener_config lc;
	xendevicemodel_handle *dm;
	char line[256];
	size_t len = 0;
	int fifo, rc;

	if (argc != 3) {
		fprintf(stderr, "usage: dom0-guestmap DOMID CMD-FIFO\n");
		return 2;
	}
	domid = (uint16_t)strtoul(argv[1], NULL, 0);
	xch = xc_interface_open(NULL, NULL, 0);
	dm = xendevicemodel_open(NULL, 0);
	if (!xch || !dm) {
		printf("error xc/devicemodel open: %s\n", strerror(errno));
		return 1;
	}
	rc = xendevicemodel_create_ioreq_server(
		dm, domid, HVM_IOREQSRV_BUFIOREQ_ATOMIC, &ios);
	if (!rc)
		rc = xendevicemodel_set_ioreq_server_state(dm, domid, ios, 1);
	if (rc) {
		printf("error ioreq server for d%u: %s\n", domid,
		       strerror(errno));
		return 1;
	}
	/* A window that fits the shim's bfn_base..bfn_limit (shim-args:
	 * 16M frames, shared with xpi-mdev's): the guest's pages and room. */
	xpi_options_init(&opts);
	opts.bfn_count = 0x200000;
	rc = xpi_open_ex(&h, NULL, 0, &opts);
	if (!rc) {
		xpi_listener_config_init(&lc);
		rc = xpi_listener_new(h, &lc, &l);
	}
	if (!rc)
		rc = xpi_listener_attach(l, domid, ios, guest_vcpus(domid));
	if (rc) {
		printf("error library/listener: %d (%s)\n", rc, strerror(-rc));
		return 1;
	}
	fifo = open(argv[2], O_RDWR | O_NONBLOCK);
	if (fifo < 0) {
		printf("error %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	printf("ready d%u ioreq server %u backend %d\n", domid, ios,
	       (int)xpi_get_backend(h));
	fflush(stdout);
	for (;;) {
		struct pollfd pf[2] = {
			{ .fd = xpi_listener_fd(l), .events = POLLIN },
			{ .fd = fifo, .events = POLLIN },
		};
		ssize_t r;

		rc = poll(pf, 2, 500);
		rc = xpi_listener_dispatch(l);
		if (rc < 0)
			printf("dispatch error %d\n", rc);
		if (tot_pages() < 0)
			return finish("gone");
		if (!(pf[1].revents & POLLIN))
			continue;
		r = read(fifo, line + len, sizeof(line) - 1 - len);
		if (r <= 0)
			continue;
		len += (size_t)r;
		line[len] = 0;
		for (char *nl; (nl = strchr(line, '\n'));) {
			*nl = 0;
			if (!strcmp(line, "map"))
				map_guest();
			else if (!strcmp(line, "stats"))
				print_stats("stats");
			else if (!strcmp(line, "quit"))
				return finish("quit");
			else if (line[0])
				printf("unknown command %s\n", line);
			fflush(stdout);
			len -= (size_t)(nl + 1 - line);
			memmove(line, nl + 1, len + 1);
		}
		if (len >= sizeof(line) - 1)
			len = 0;
	}
}
