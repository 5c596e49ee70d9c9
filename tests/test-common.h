/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the Check suites. */
#ifndef XPI_TEST_COMMON_H
#define XPI_TEST_COMMON_H

#include <check.h>
#include <xenpviommu.h>
#include <xenpviommu/sim.h>

#include "lib/log.h"

/*
 * A logger for tests: any message at XTL_ERROR or above fails the test
 * unless xt_expect_error() announced it (by a substring).  Messages are
 * counted; xt_log_count() says how many of a level or above were seen.
 */
struct xentoollog_logger *xt_logger(void);
void xt_expect_error(const char *substring);
unsigned int xt_log_count(xentoollog_level min);
/* Whether a logged message contained substring. */
int xt_log_seen(const char *substring);
void xt_log_reset(void);

/* Fail the test, listing the violations, if the auditor finds any. */
void xt_audit_clean(struct xpi_sim *sim);

/* Run a suite; returns the process exit status. */
int xt_run(Suite *s);

/* XPI_TEST_HOST=xenserver: the personality every xt_sim_new() host gets. */
unsigned int xt_host_personality(void);
/* Add a test that holds on the draft personality only (its checks are
 * draft B's rules): skipped when the suite runs with XPI_TEST_HOST. */
#define XT_ADD_DRAFT_ONLY(tc, t)                                               \
	do {                                                                   \
		if (xt_host_personality() == XPI_SIM_PERSONALITY_DRAFT)        \
			tcase_add_test((tc), t);                               \
	} while (0)
/* A simulated host with a small default config (2^18 frames), or cfg. */
struct xpi_sim *xt_sim_new(const struct xpi_sim_config *cfg);
/* Add guest domid with nr pages (contiguous or scattered), IOMMU hw. */
void xt_guest(struct xpi_sim *sim, uint16_t domid, uint64_t nr,
	      enum xpi_sim_backing backing);
/* Open the library on sim as caller, with the test logger. */
xpi_handle *xt_open(struct xpi_sim *sim, uint16_t caller);
#endif
