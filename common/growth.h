/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one growth rule of the public structs that carry a size field
 * (xpi_options, xpi_listener_config, xpi_transport): the caller sets
 * size to sizeof the struct as it was compiled against, and the library
 * reads only that many bytes, taking its defaults for fields the caller
 * does not know.  A struct larger than the library knows comes from a
 * newer header and is refused (-EINVAL): the library cannot tell whether
 * the fields it does not know matter.  So is one smaller than the struct
 * was in the first release (1.0): no caller was ever compiled with it,
 * and a size that ends inside a field would read half of that field.
 * Fields are only ever added at the end, so a struct's 1.0 size is where
 * its last 1.0 field ends (XPI_SIZE_THROUGH).  Not installed.
 */
#ifndef XPI_COMMON_GROWTH_H
#define XPI_COMMON_GROWTH_H

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "xenpviommu.h"
#include "xenpviommu/listener.h"

/* The size of @p type up to the end of @p field. */
#define XPI_SIZE_THROUGH(type, field)                                          \
	(offsetof(type, field) + sizeof(((type *)0)->field))

/* The first release's sizes: where each struct's last 1.0 field ends. */
#define XPI_OPTIONS_SIZE_1_0 XPI_SIZE_THROUGH(struct xpi_options, transport)
#define XPI_LISTENER_CONFIG_SIZE_1_0                                           \
	XPI_SIZE_THROUGH(struct xpi_listener_config, opaque)

/*
 * A caller's struct of usize bytes is one this library can use: at least
 * the struct's size in release 1.0 (first), at most what it knows (ksize).
 */
static inline int xpi_size_ok(size_t usize, size_t first, size_t ksize)
{
	return usize >= first && usize <= ksize;
}

/*
 * Copy a caller's struct of usize bytes over dst (ksize bytes, already
 * holding the defaults), then set dst's leading size field to ksize.
 * first: the struct's size in release 1.0 (XPI_SIZE_THROUGH its last 1.0
 * field).  0, or -EINVAL for a usize below first or above ksize.
 */
static inline int xpi_copy_in(void *dst, size_t ksize, size_t first,
			      const void *src, size_t usize)
{
	if (!xpi_size_ok(usize, first, ksize))
		return -EINVAL;
	memcpy(dst, src, usize);
	memcpy(dst, &ksize, sizeof(ksize));
	return 0;
}

/* The first release's sizes of the structs the library fills in. */
#define XPI_CAPS_SIZE_1_0 XPI_SIZE_THROUGH(struct xpi_caps, strategy)
#define XPI_STATS_SIZE_1_0 XPI_SIZE_THROUGH(struct xpi_stats, iotlb_flushes)
#define XPI_MAPPING_SIZE_1_0 XPI_SIZE_THROUGH(struct xpi_mapping, allocated)
#define XPI_LISTENER_STATS_SIZE_1_0                                            \
	XPI_SIZE_THROUGH(struct xpi_listener_stats, completions)

/*
 * The other half of the rule, for structs the library fills in: copy the
 * first usize bytes of src (ksize bytes) to the caller's dst.  0, or
 * -EINVAL for a usize below first (the struct's 1.0 size) or above ksize
 * (a newer header than this library: fields it cannot fill).
 */
static inline int xpi_copy_out(void *dst, size_t usize, size_t first,
			       const void *src, size_t ksize)
{
	if (!xpi_size_ok(usize, first, ksize))
		return -EINVAL;
	memcpy(dst, src, usize);
	return 0;
}

#endif
