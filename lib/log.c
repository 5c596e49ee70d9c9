// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#if !HAVE_XEN
struct stderr_logger {
	struct xentoollog_logger vtable;
	xentoollog_level min;
};

static const char *const level_names[XTL_NUM_LEVELS] = {
	"none", "debug",  "verbose", "detail", "progress",
	"info", "notice", "warning", "error",  "critical",
};

static __attribute__((format(printf, 5, 0))) void
stderr_vmessage(struct xentoollog_logger *logger, xentoollog_level level,
		int errnoval, const char *context, const char *format,
		va_list al)
{
	struct stderr_logger *l = (struct stderr_logger *)logger;

	if (level < l->min)
		return;
	fprintf(stderr, "%s: %s: ", context ? context : "xenpviommu",
		level_names[level < XTL_NUM_LEVELS ? level : XTL_CRITICAL]);
	vfprintf(stderr, format, al);
	if (errnoval >= 0)
		fprintf(stderr, ": %s", strerror(errnoval));
	fputc('\n', stderr);
}

static void stderr_destroy(struct xentoollog_logger *logger)
{
	free(logger);
}
#endif

struct xentoollog_logger *xpi_stderr_logger_new(void)
{
	const char *debug = getenv("XPI_DEBUG");
	xentoollog_level min = (debug && *debug && strcmp(debug, "0"))
				       ? XTL_DEBUG
				       : XTL_WARN;
#if HAVE_XEN
	return (struct xentoollog_logger *)xtl_createlogger_stdiostream(stderr,
									min, 0);
#else
	struct stderr_logger *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->vtable.vmessage = stderr_vmessage;
	l->vtable.destroy = stderr_destroy;
	l->min = min;
	return &l->vtable;
#endif
}

void xpi_logger_destroy(struct xentoollog_logger *logger)
{
	if (logger && logger->destroy)
		logger->destroy(logger);
}

void xpi_logv(struct xentoollog_logger *logger, xentoollog_level level,
	      int errnoval, const char *fmt, va_list ap)
{
	int saved = errno;

	if (logger && logger->vmessage)
		logger->vmessage(logger, level, errnoval, "xenpviommu", fmt,
				 ap);
	errno = saved;
}

void xpi_logf(struct xentoollog_logger *logger, xentoollog_level level,
	      int errnoval, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xpi_logv(logger, level, errnoval, fmt, ap);
	va_end(ap);
}
