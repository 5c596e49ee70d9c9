// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <xenpviommu/shim.h>

#include "common.h"
/* The xentoollog_logger layout: xentoollog.h itself when the Xen libraries
 * are there, the same three-method struct otherwise. */
#include "lib/log.h"

/*
 * A logger that keeps the last message while the library opens, so that a
 * failed open ends in one line of ours instead of the transport's chain of
 * messages; after open it prints warnings and errors as they come.
 */
struct ex_logger {
	struct xentoollog_logger vtable;
	const char *prog;
	int verbose;
	int buffering;
	unsigned long quiet_warnings;
	char last[512];
};

static struct ex_logger *the_logger;

static void ex_vmessage(struct xentoollog_logger *logger,
			xentoollog_level level, int errnoval,
			const char *context, const char *format, va_list al)
	__attribute__((format(printf, 5, 0)));

static void ex_vmessage(struct xentoollog_logger *logger,
			xentoollog_level level, int errnoval,
			const char *context, const char *format, va_list al)
{
	struct ex_logger *l = (struct ex_logger *)logger;
	char msg[448];

	if (level < XTL_WARN && !l->verbose)
		return;
	/* After open, warnings (say, an invalidate for a BFN whose superpage
	 * extent is gone already) are counted, and shown with --verbose. */
	if (level < XTL_ERROR && !l->verbose && !l->buffering) {
		l->quiet_warnings++;
		return;
	}
	vsnprintf(msg, sizeof(msg), format, al);
	if (l->verbose || !l->buffering) {
		fprintf(stderr, "%s: %s%s%s\n", l->prog, msg,
			errnoval >= 0 ? ": " : "",
			errnoval >= 0 ? strerror(errnoval) : "");
		return;
	}
	(void)context;
	snprintf(l->last, sizeof(l->last), "%s%s%s", msg,
		 errnoval >= 0 ? ": " : "",
		 errnoval >= 0 ? strerror(errnoval) : "");
}

static void ex_progress(struct xentoollog_logger *logger, const char *context,
			const char *doing_what, int percent, unsigned long done,
			unsigned long total)
{
}

static void ex_destroy(struct xentoollog_logger *logger)
{
}

void ex_common_init(struct ex_common *c, const char *prog)
{
	const char *env = getenv("XPI_BACKEND");
	const char *slash = strrchr(prog, '/');

	memset(c, 0, sizeof(*c));
	c->prog = slash ? slash + 1 : prog;
	c->backend = XPI_BACKEND_AUTO;
	/* The library honours XPI_BACKEND too; knowing it here lets a
	 * program build the simulated host the sim backend needs. */
	if (env && !strcmp(env, "sim"))
		c->backend = XPI_BACKEND_SIM;
}

int ex_common_option(struct ex_common *c, int opt, const char *arg)
{
	switch (opt) {
	case OPT_BACKEND:
		if (!strcmp(arg, "auto"))
			c->backend = XPI_BACKEND_AUTO;
		else if (!strcmp(arg, "kmod"))
			c->backend = XPI_BACKEND_KMOD;
		else if (!strcmp(arg, "xencall"))
			c->backend = XPI_BACKEND_XENCALL;
		else if (!strcmp(arg, "sim"))
			c->backend = XPI_BACKEND_SIM;
		else {
			ex_usage_error(
				c,
				"--backend %s: expected sim, kmod, xencall"
				" or auto",
				arg);
			return -1;
		}
		return 1;
	case OPT_HOST:
		if (!strcmp(arg, "draft"))
			c->host = XPI_SIM_PERSONALITY_DRAFT;
		else if (!strcmp(arg, "xenserver"))
			c->host = XPI_SIM_PERSONALITY_XENSERVER;
		else {
			ex_usage_error(c,
				       "--host %s: expected draft or xenserver",
				       arg);
			return -1;
		}
		return 1;
	case OPT_JSON:
		c->json = 1;
		return 1;
	case OPT_VERBOSE:
		c->verbose = 1;
		return 1;
	default:
		return 0;
	}
}

void ex_common_help(FILE *f)
{
	fputs("Common options:\n"
	      "  --backend B   sim (the simulated hypervisor, works anywhere),\n"
	      "                kmod (the privcmd-iommu shim), xencall (root dom0\n"
	      "                through privcmd) or auto (kmod, then xencall;\n"
	      "                the default; XPI_BACKEND=... sets it too)\n"
	      "  --host H      the simulated hypervisor: draft (draft B, the\n"
	      "                default) or xenserver (XenServer's pv-iommu as\n"
	      "                it ships: docs/xenserver-model.md)\n"
	      "  --json        print one JSON object instead of text\n"
	      "  --verbose     show every library message (by default errors\n"
	      "                only; warnings are counted)\n"
	      "  --help        this text\n"
	      "Exit status: 0 success, 1 failure, 2 bad arguments,\n"
	      "3 no PV IOMMU here (not a Xen host, or no do_iommu_op).\n",
	      f);
}

int ex_usage_error(const struct ex_common *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: error: ", c->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try %s --help)\n", c->prog);
	return EX_USAGE;
}

int ex_getopt_error(const struct ex_common *c, int opt, char **argv)
{
	if (opt == ':')
		return ex_usage_error(c, "option %s needs a value",
				      argv[optind - 1]);
	return ex_usage_error(c, "unknown option %s", argv[optind - 1]);
}

int ex_parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long n;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*v = n;
	return 0;
}

static const char *hypercall_number(void)
{
	const char *env = getenv("XPI_HYPERCALL");

	return env && *env ? env : "56";
}

int ex_open(const struct ex_common *c, struct xpi_sim *sim, uint16_t caller,
	    xpi_handle **out)
{
	struct xpi_options opts;
	const char *bname = xpi_backend_name(c->backend);
	int rc;

	the_logger = calloc(1, sizeof(*the_logger));
	if (!the_logger) {
		fprintf(stderr, "%s: out of memory\n", c->prog);
		return EX_FAIL;
	}
	the_logger->vtable.vmessage = ex_vmessage;
	the_logger->vtable.progress = ex_progress;
	the_logger->vtable.destroy = ex_destroy;
	the_logger->prog = c->prog;
	the_logger->verbose = c->verbose;
	the_logger->buffering = 1;

	xpi_options_init(&opts);
	opts.backend = c->backend;
	if (c->bfn_count)
		opts.bfn_count = c->bfn_count;
	if (c->backend == XPI_BACKEND_SIM)
		rc = xpi_sim_open(out, &the_logger->vtable, sim, caller, &opts);
	else
		rc = xpi_open_ex(out, &the_logger->vtable, 0, &opts);
	the_logger->buffering = 0;
	if (rc == 0)
		return EX_OK;

	switch (rc) {
	case -ENOENT:
		if (c->backend == XPI_BACKEND_AUTO)
			fprintf(stderr,
				"%s: not a Xen host: neither %s nor /dev/xen/privcmd"
				" exists, so there is no PV IOMMU to use; try the"
				" simulated hypervisor: %s --backend sim\n",
				c->prog, XPI_SHIM_DEVICE, c->prog);
		else
			fprintf(stderr,
				"%s: backend %s: %s is missing (%s); without Xen,"
				" use the simulated hypervisor: %s --backend sim\n",
				c->prog, bname,
				c->backend == XPI_BACKEND_KMOD
					? XPI_SHIM_DEVICE
					: "/dev/xen/privcmd",
				c->backend == XPI_BACKEND_KMOD
					? "is the privcmd_iommu module loaded?"
					: "not a Xen dom0?",
				c->prog);
		rc = EX_NO_PVIOMMU;
		break;
	case -EOPNOTSUPP:
		fprintf(stderr,
			"%s: PV IOMMU is not supported on this host: the"
			" hypervisor has no do_iommu_op (hypercall %s answered"
			" -ENOSYS; XenServer answers so to every caller but"
			" dom0)\n",
			c->prog, hypercall_number());
		rc = EX_NO_PVIOMMU;
		break;
	case -EPROTO:
		fprintf(stderr,
			"%s: hypercall %s answers with another ABI: not a PV"
			" IOMMU this library supports\n",
			c->prog, hypercall_number());
		rc = EX_NO_PVIOMMU;
		break;
	case -EPROTONOSUPPORT:
		fprintf(stderr,
			"%s: backend %s is not built into this libxenpviommu"
			" (built without the Xen libraries)\n",
			c->prog, bname);
		rc = EX_NO_PVIOMMU;
		break;
	case -EACCES:
	case -EPERM:
		fprintf(stderr, "%s: backend %s: permission denied%s%s\n",
			c->prog, bname, the_logger->last[0] ? ": " : "",
			the_logger->last);
		rc = EX_FAIL;
		break;
	default:
		fprintf(stderr,
			"%s: cannot open libxenpviommu (backend %s): %s%s%s\n",
			c->prog, bname, strerror(-rc),
			the_logger->last[0] ? ": " : "", the_logger->last);
		rc = EX_FAIL;
		break;
	}
	free(the_logger);
	the_logger = NULL;
	return rc;
}

unsigned long ex_quiet_warnings(void)
{
	return the_logger ? the_logger->quiet_warnings : 0;
}

int ex_close(xpi_handle *h)
{
	int rc = xpi_close(h);

	free(the_logger);
	the_logger = NULL;
	return rc;
}

uint64_t ex_sim_host_frames(uint64_t guest_pages, unsigned int max_order)
{
	uint64_t align = UINT64_C(1) << max_order;
	uint64_t g = (guest_pages + align - 1) & ~(align - 1);

	return g + align + (UINT64_C(1) << 19);
}

void ex_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

void ex_sim_check(const struct ex_common *c, int rc, const char *what)
{
	if (rc >= 0)
		return;
	fprintf(stderr, "%s: simulated host: %s: %s\n", c->prog, what,
		strerror(-rc));
	exit(EX_FAIL);
}

void ex_sim_config_host(const struct ex_common *c, struct xpi_sim_config *cfg)
{
	cfg->personality = c->host;
}
