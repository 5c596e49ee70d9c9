// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What the example programs share: option parsing for the backend, a
 * logger that keeps the library's messages until the program knows whether
 * to show them, opening the library (on a simulated host or a real one) and
 * a few JSON helpers.
 */
#ifndef XPI_EXAMPLES_COMMON_H
#define XPI_EXAMPLES_COMMON_H

#include <stdint.h>
#include <stdio.h>

#include <xenpviommu.h>
#include <xenpviommu/sim.h>

/* Exit statuses of every example (listed in each --help). */
#define EX_OK 0
#define EX_FAIL 1	/* something failed at run time */
#define EX_USAGE 2	/* bad arguments */
#define EX_NO_PVIOMMU 3 /* no Xen here, or a hypervisor without do_iommu_op */

/* Long options every example takes, for getopt_long tables. */
enum {
	OPT_BACKEND = 0x100,
	OPT_JSON,
	OPT_HELP,
	OPT_VERBOSE,
	OPT_HOST,
	OPT_FIRST_PRIVATE, /* each program's own options start here */
};

struct ex_common {
	const char *prog;
	enum xpi_backend backend;
	int json;
	int verbose;
	/* --host: the simulator's personality (XPI_SIM_PERSONALITY_*). */
	unsigned int host;
	/* BFN window size for xpi_options.bfn_count; 0: the default. */
	uint64_t bfn_count;
};

/* Defaults: backend from XPI_BACKEND (else auto), no JSON, quiet. */
void ex_common_init(struct ex_common *c, const char *prog);

/*
 * Handle one of the common options; returns 1 if it was one, 0 if not, or
 * -1 after printing an error for a bad value.
 */
int ex_common_option(struct ex_common *c, int opt, const char *arg);

/* The help text for the common options. */
void ex_common_help(FILE *f);

/* The simulated host's personality from --host. */
void ex_sim_config_host(const struct ex_common *c, struct xpi_sim_config *cfg);

/* "error: ..., try --help" on stderr; returns EX_USAGE. */
int ex_usage_error(const struct ex_common *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A getopt_long error ('?' or ':'): print it; returns EX_USAGE. */
int ex_getopt_error(const struct ex_common *c, int opt, char **argv);

/* Parse an unsigned number (decimal, 0x hex, 0 octal); 0 or -EINVAL. */
int ex_parse_u64(const char *s, uint64_t *v);

/*
 * Open the library.  sim non-NULL: the simulated host, as domain caller.
 * On failure one line goes to stderr that says what is wrong and what to
 * do (the library's own messages are shown only with --verbose), and the
 * exit status to use is returned; 0 on success.
 */
int ex_open(const struct ex_common *c, struct xpi_sim *sim, uint16_t caller,
	    xpi_handle **out);

/* Library warnings not shown (they are with --verbose). */
unsigned long ex_quiet_warnings(void);

/* Close the library and free the logger ex_open() made. */
int ex_close(xpi_handle *h);

/*
 * Host frames for a simulated host with a guest of guest_pages (backed by
 * contiguous frames aligned to 2^max_order) beside the hardware domain.
 */
uint64_t ex_sim_host_frames(uint64_t guest_pages, unsigned int max_order);

/* JSON: a string with escapes. */
void ex_json_string(FILE *f, const char *s);

/* The status of a simulator call that must not fail; prints and exits. */
void ex_sim_check(const struct ex_common *c, int rc, const char *what);

#endif /* XPI_EXAMPLES_COMMON_H */
