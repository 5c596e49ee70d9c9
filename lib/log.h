/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging through the caller's xentoollog_logger.  With the Xen libraries
 * this is xentoollog itself; without them the same three-method struct is
 * declared here (its layout is xentoollog's ABI) so that a caller's logger
 * and ours work the same way in both builds.
 */
#ifndef XPI_LOG_H
#define XPI_LOG_H

#include "config.h"

#include <stdarg.h>

#if HAVE_XEN
#include <xentoollog.h>
#else
typedef enum xentoollog_level {
	XTL_NONE,
	XTL_DEBUG,
	XTL_VERBOSE,
	XTL_DETAIL,
	XTL_PROGRESS,
	XTL_INFO,
	XTL_NOTICE,
	XTL_WARN,
	XTL_ERROR,
	XTL_CRITICAL,
	XTL_NUM_LEVELS
} xentoollog_level;

typedef struct xentoollog_logger xentoollog_logger;
struct xentoollog_logger {
	void (*vmessage)(struct xentoollog_logger *logger,
			 xentoollog_level level, int errnoval,
			 const char *context, const char *format, va_list al);
	void (*progress)(struct xentoollog_logger *logger, const char *context,
			 const char *doing_what, int percent,
			 unsigned long done, unsigned long total);
	void (*destroy)(struct xentoollog_logger *logger);
};
#endif

/* A stderr logger at XTL_WARN (XTL_DEBUG when XPI_DEBUG is set). */
struct xentoollog_logger *xpi_stderr_logger_new(void);
void xpi_logger_destroy(struct xentoollog_logger *logger);

/*
 * Log through logger (NULL: nothing); errno is preserved.  errnoval is a
 * positive errno to append, or -1 for none.
 */
void xpi_logv(struct xentoollog_logger *logger, xentoollog_level level,
	      int errnoval, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
void xpi_logf(struct xentoollog_logger *logger, xentoollog_level level,
	      int errnoval, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* XPI_LOG_H */
