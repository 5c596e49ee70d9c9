/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one growth rule of the public structs that carry a size field
 * (xpi_options, xpi_listener_config, xpi_transport): the caller sets
 * size to sizeof the struct as it was compiled against, and the library
 * reads only that many bytes, taking its defaults for fields the caller
 * does not know.  A struct larger than the library knows comes from a
 * newer header and is refused (-EINVAL): the library cannot tell whether
 * the fields it does not know matter.  Fields are only ever added at the
 * end.  Not installed.
 */
#ifndef XPI_COMMON_GROWTH_H
#define XPI_COMMON_GROWTH_H

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* The smallest struct any release had: its leading size field. */
#define XPI_GROWTH_MIN sizeof(size_t)

/*
 * Copy a caller's struct of usize bytes over dst (ksize bytes, already
 * holding the defaults), then set dst's leading size field to ksize.
 * 0, or -EINVAL for a usize below XPI_GROWTH_MIN or above ksize.
 */
static inline int xpi_copy_in(void *dst, size_t ksize, const void *src,
			      size_t usize)
{
	if (usize < XPI_GROWTH_MIN || usize > ksize)
		return -EINVAL;
	memcpy(dst, src, usize);
	memcpy(dst, &ksize, sizeof(ksize));
	return 0;
}

#endif
