// SPDX-License-Identifier: LGPL-2.1-or-later
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-common.h"

#define MAX_EXPECT 16

static unsigned int counts[XTL_NUM_LEVELS];
static char expected[MAX_EXPECT][128];
static unsigned int nexpected;
static char seen[64][512];
static unsigned int nseen;

static __attribute__((format(printf, 5, 0))) void
xt_vmessage(struct xentoollog_logger *logger, xentoollog_level level,
	    int errnoval, const char *context, const char *format, va_list al)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), format, al);
	if (level < XTL_NUM_LEVELS)
		counts[level]++;
	memcpy(seen[nseen % 64], msg, sizeof(seen[0]) - 1);
	seen[nseen % 64][sizeof(seen[0]) - 1] = 0;
	nseen++;
	if (getenv("XT_VERBOSE"))
		fprintf(stderr, "[log %d] %s\n", (int)level, msg);
	if (level < XTL_ERROR)
		return;
	for (unsigned int i = 0; i < nexpected; i++)
		if (strstr(msg, expected[i]))
			return;
	ck_abort_msg("unexpected error log: %s", msg);
}

static void xt_destroy(struct xentoollog_logger *logger)
{
}

static struct xentoollog_logger xt_logger_vtable = {
	.vmessage = xt_vmessage,
	.destroy = xt_destroy,
};

struct xentoollog_logger *xt_logger(void)
{
	return &xt_logger_vtable;
}

void xt_expect_error(const char *substring)
{
	if (nexpected < MAX_EXPECT)
		snprintf(expected[nexpected++], sizeof(expected[0]), "%s",
			 substring);
}

unsigned int xt_log_count(xentoollog_level min)
{
	unsigned int n = 0;

	for (unsigned int l = min; l < XTL_NUM_LEVELS; l++)
		n += counts[l];
	return n;
}

int xt_log_seen(const char *substring)
{
	unsigned int n = nseen < 64 ? nseen : 64;

	for (unsigned int i = 0; i < n; i++)
		if (strstr(seen[i], substring))
			return 1;
	return 0;
}

void xt_log_reset(void)
{
	memset(counts, 0, sizeof(counts));
	nexpected = 0;
	nseen = 0;
}

static void report(void *opaque, const char *violation)
{
	fprintf(stderr, "audit: %s\n", violation);
}

void xt_audit_clean(struct xpi_sim *sim)
{
	long v = xpi_sim_audit(sim, report, NULL);

	ck_assert_msg(v == 0, "auditor found %ld violation(s)", v);
}

int xt_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

unsigned int xt_host_personality(void)
{
	const char *e = getenv("XPI_TEST_HOST");

	return e && !strcmp(e, "xenserver") ? XPI_SIM_PERSONALITY_XENSERVER
					    : XPI_SIM_PERSONALITY_DRAFT;
}

struct xpi_sim *xt_sim_new(const struct xpi_sim_config *cfg)
{
	struct xpi_sim_config c;
	struct xpi_sim *sim = NULL;

	if (!cfg) {
		xpi_sim_config_init(&c);
		c.host_frames = UINT64_C(1) << 18;
		c.hwdom_frames = 16384;
		cfg = &c;
	}
	if (xt_host_personality() != XPI_SIM_PERSONALITY_DRAFT) {
		/* The suite runs against another personality (XPI_TEST_HOST). */
		if (cfg != &c)
			c = *cfg;
		c.personality = xt_host_personality();
		cfg = &c;
	}
	ck_assert_int_eq(xpi_sim_new(cfg, &sim), 0);
	return sim;
}

void xt_guest(struct xpi_sim *sim, uint16_t domid, uint64_t nr,
	      enum xpi_sim_backing backing)
{
	struct xpi_sim_domain_config dc = {
		.nr_pages = nr,
		.backing = backing,
		.has_iommu_hw = 1,
		.dm_target = XPI_DOMID_INVALID,
	};

	ck_assert_int_eq(xpi_sim_domain_create(sim, domid, &dc), 0);
}

xpi_handle *xt_open(struct xpi_sim *sim, uint16_t caller)
{
	struct xpi_options o;
	xpi_handle *h = NULL;

	xpi_options_init(&o);
	ck_assert_int_eq(xpi_sim_open(&h, xt_logger(), sim, caller, &o), 0);
	return h;
}
