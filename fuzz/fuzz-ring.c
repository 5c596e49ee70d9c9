// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target for the buffered ring parser.  The input is a ring
 * page (its first 4096 bytes; shorter inputs are zero-padded) followed by
 * optional drain sizes.  The page sits right before a PROT_NONE page, so
 * a read past its end faults.  Checked: no entry beyond max, a healthy
 * drain consumes exactly the slots it reports, a corrupt one resyncs.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/invalidate-ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char *page;

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
	static struct xpi_ring_entry out[XPI_RING_SLOTS];
	size_t n = size < XPI_RING_PAGE_SIZE ? size : XPI_RING_PAGE_SIZE;
	const uint8_t *extra = data + n;
	size_t nextra = size - n;

	if (!page)
		setup();
	memset(page, 0, XPI_RING_PAGE_SIZE);
	memcpy(page, data, n);
	for (unsigned int round = 0; round < 4; round++) {
		struct xpi_ring_result res;
		unsigned int max = round < nextra ? extra[round] * 2u + 1
						  : XPI_RING_SLOTS;
		uint32_t pending = xpi_ring_pending(page);
		int rc;

		if (max > XPI_RING_SLOTS)
			max = XPI_RING_SLOTS;
		rc = xpi_ring_drain(page, out, max, &res);
		if (res.entries > max)
			abort();
		if (rc == -EPROTO) {
			if (res.fault == XPI_RING_OK || xpi_ring_pending(page))
				abort();
		} else if (rc < 0 || (unsigned int)rc != res.entries ||
			   res.slots > pending ||
			   xpi_ring_pending(page) != pending - res.slots) {
			abort();
		}
		for (unsigned int i = 0; i < res.entries; i++)
			if (out[i].slots != (out[i].size == 8 ? 2 : 1))
				abort();
	}
	return 0;
}
