// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One handle, several threads mapping and unmapping at once (each thread
 * its own batches), on every backend: the simulator in process, and the
 * kmod and xencall transports through the fake shim device and privcmd of
 * tests/trap-xen.c (preloaded, as for test-transport-trap).  Then the same
 * while a listener drains the invalidates of a guest that balloons pages
 * out.  Run under ThreadSanitizer in CI (scripts/test), on every backend.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/private.h"
#include "test-common.h"

#define THREADS 4
#define ROUNDS 50
#define PER 32
/* Pages the listener test balloons out, every other one (no superpage). */
#define BALLOONED 256
#define BALLOON_GFN 2048

struct run {
	struct xpi_sim *sim;
	xpi_handle *h;
	uint16_t domid;
	uint16_t ios;
};

struct worker {
	struct run *run;
	int id;
	unsigned int calls;
	unsigned int failures;
};

static struct xpi_sim *trap_sim(void)
{
	struct xpi_sim *(*fn)(void) = (struct xpi_sim * (*)(void))
		dlsym(RTLD_DEFAULT, "xpi_trap_sim");

	ck_assert_msg(fn != NULL, "run with LD_PRELOAD=trap-xen.so");
	return fn();
}

/*
 * The host and a handle on it as the hardware domain.  The trap's host is
 * one per process (CK_FORK=no under TSan runs every case in one), so each
 * backend has its own guest there.
 */
static void run_open(struct run *r, enum xpi_backend backend)
{
	struct xpi_options o;
	uint64_t mfn;

	xt_log_reset();
	r->domid = backend == XPI_BACKEND_XENCALL ? 2 : 1;
	if (backend == XPI_BACKEND_SIM) {
		r->sim = xt_sim_new(NULL);
		xt_guest(r->sim, r->domid, 4096, XPI_SIM_BACKING_CONTIGUOUS);
		r->h = xt_open(r->sim, 0);
	} else {
		r->sim = trap_sim();
		if (xpi_sim_p2m_lookup(r->sim, r->domid, 0, &mfn) == -ESRCH)
			xt_guest(r->sim, r->domid, 4096,
				 XPI_SIM_BACKING_CONTIGUOUS);
		xpi_options_init(&o);
		o.backend = backend;
		o.bfn_count = 1 << 20;
		r->h = NULL;
		ck_assert_int_eq(xpi_open_ex(&r->h, xt_logger(), 0, &o), 0);
		ck_assert_int_eq(xpi_get_backend(r->h), backend);
	}
	ck_assert_int_eq(xpi_sim_ioreq_server_create(r->sim, 0, r->domid,
						     &r->ios),
			 0);
}

/* Nothing left mapped, no error counted, the host clean. */
static void run_close(struct run *r, enum xpi_backend backend)
{
	struct xpi_stats st;

	ck_assert_uint_eq(xpi_mapping_count(r->h), 0);
	ck_assert_int_eq(xpi_get_stats(r->h, &st), 0);
	ck_assert_uint_eq(st.errors, 0);
	ck_assert_int_eq(xpi_close(r->h), 0);
	ck_assert_uint_eq(xpi_sim_iommu_extents(r->sim, 0), 0);
	ck_assert_int_eq(xpi_sim_ioreq_server_destroy(r->sim, r->domid, r->ios),
			 0);
	xt_audit_clean(r->sim);
	if (backend == XPI_BACKEND_SIM)
		xpi_sim_free(r->sim);
}

/* Each call that did not do all it was asked counts as one failure. */
static void *work(void *arg)
{
	struct worker *w = arg;
	xpi_handle *h = w->run->h;
	uint64_t gfns[PER], bfns[PER];
	uint64_t own = (UINT64_C(1) << 28) + (uint64_t)w->id * 64;
	int st[PER];

	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < PER; i++)
			gfns[i] = (uint64_t)(w->id * 256 + (r % 4) * PER + i);
		w->failures += xpi_foreign_map(h, w->run->domid, w->run->ios,
					       gfns, PER,
					       XPI_FOREIGN_READ |
						       XPI_FOREIGN_WRITE,
					       bfns, st) != PER;
		/* own pages too, at BFNs of this thread's own range */
		w->failures += xpi_map_range(h, own,
					     2048 + (uint64_t)w->id * 64, 16,
					     IOMMU_OP_readable) != 0;
		w->failures += xpi_unmap_range(h, own, 16) != 0;
		w->failures += xpi_foreign_unmap(h, bfns, PER, st) != PER;
		w->calls += 4;
	}
	return NULL;
}

static void start_workers(pthread_t *t, struct worker *w, struct run *r)
{
	for (int i = 0; i < THREADS; i++) {
		w[i].run = r;
		w[i].id = i;
		w[i].calls = 0;
		w[i].failures = 0;
		ck_assert_int_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
}

static void join_workers(pthread_t *t, struct worker *w)
{
	unsigned int calls = 0, failures = 0;

	for (int i = 0; i < THREADS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		calls += w[i].calls;
		failures += w[i].failures;
	}
	ck_assert_msg(failures == 0, "%u of %u calls failed", failures, calls);
}

static void share_a_handle(enum xpi_backend backend)
{
	pthread_t t[THREADS];
	struct worker w[THREADS];
	struct run r;

	run_open(&r, backend);
	start_workers(t, w, &r);
	join_workers(t, w);
	run_close(&r, backend);
}

struct balloon {
	struct run *run;
	unsigned int failures;
};

static void *balloon_out(void *arg)
{
	struct balloon *b = arg;

	for (unsigned int i = 0; i < BALLOONED; i++)
		b->failures += xpi_sim_balloon_out(b->run->sim, b->run->domid,
						   BALLOON_GFN + 2 * i) != 0;
	return NULL;
}

static void count_invalidate(void *opaque,
			     const struct xpi_invalidate_event *ev)
{
	unsigned int *known = opaque;

	*known += ev->known;
}

/*
 * The listener drains on this thread while THREADS others map and unmap
 * and one more balloons out pages mapped before: every invalidate reaches
 * the callback as known, every ballooned BFN is unmapped, nothing else is.
 */
static void listener_drains_while_mapping(enum xpi_backend backend)
{
	pthread_t t[THREADS], bt;
	struct worker w[THREADS];
	struct balloon b = { 0 };
	struct xpi_listener_config cfg;
	struct xpi_listener_stats ls;
	struct xpi_listener *l = NULL;
	uint64_t gfns[BALLOONED], bfns[BALLOONED];
	unsigned int known = 0, idle = 0;
	struct run r;
	struct pollfd pfd;

	run_open(&r, backend);
	for (unsigned int i = 0; i < BALLOONED; i++)
		gfns[i] = BALLOON_GFN + 2 * i;
	ck_assert_int_eq(xpi_foreign_map(r.h, r.domid, r.ios, gfns, BALLOONED,
					 XPI_FOREIGN_READ, bfns, NULL),
			 BALLOONED);
	xpi_listener_config_init(&cfg);
	cfg.invalidate = count_invalidate;
	cfg.opaque = &known;
	ck_assert_int_eq(xpi_listener_new(r.h, &cfg, &l), 0);
	ck_assert_int_eq(xpi_listener_attach(l, r.domid, r.ios, 1), 0);
	pfd.fd = xpi_listener_fd(l);
	ck_assert_int_ge(pfd.fd, 0);
	pfd.events = POLLIN;

	start_workers(t, w, &r);
	b.run = &r;
	ck_assert_int_eq(pthread_create(&bt, NULL, balloon_out, &b), 0);
	/* Until every invalidate is in; a drain with nothing to do is
	 * fine, a run of 200 empty polls of 50 ms means one was lost. */
	do {
		int rc;

		ck_assert_int_eq(xpi_listener_get_stats(l, &ls), 0);
		if (ls.handled >= BALLOONED)
			break;
		if (poll(&pfd, 1, 50) == 0) {
			idle++;
			continue;
		}
		rc = xpi_listener_dispatch(l);
		ck_assert_int_ge(rc, 0);
		idle = rc ? 0 : idle + 1;
	} while (idle < 200);
	ck_assert_int_eq(pthread_join(bt, NULL), 0);
	ck_assert_uint_eq(b.failures, 0);
	join_workers(t, w);

	ck_assert_int_eq(xpi_listener_get_stats(l, &ls), 0);
	ck_assert_uint_eq(ls.handled, BALLOONED);
	ck_assert_uint_eq(ls.unknown, 0);
	ck_assert_uint_eq(ls.unmap_errors, 0);
	ck_assert_uint_eq(ls.resyncs, 0);
	ck_assert_uint_eq(known, BALLOONED);
	for (unsigned int i = 0; i < BALLOONED; i++) {
		struct xpi_mapping m;

		ck_assert_int_eq(xpi_mapping_find(r.h, bfns[i], &m), -ENOENT);
	}
	xpi_listener_free(l);
	run_close(&r, backend);
}

START_TEST(threads_share_a_handle_sim)
{
	share_a_handle(XPI_BACKEND_SIM);
}
END_TEST

START_TEST(threads_share_a_handle_kmod)
{
	share_a_handle(XPI_BACKEND_KMOD);
}
END_TEST

START_TEST(listener_drains_while_threads_map_sim)
{
	listener_drains_while_mapping(XPI_BACKEND_SIM);
}
END_TEST

#if HAVE_XEN
START_TEST(threads_share_a_handle_xencall)
{
	share_a_handle(XPI_BACKEND_XENCALL);
}
END_TEST

START_TEST(listener_drains_while_threads_map_kmod)
{
	listener_drains_while_mapping(XPI_BACKEND_KMOD);
}
END_TEST

START_TEST(listener_drains_while_threads_map_xencall)
{
	listener_drains_while_mapping(XPI_BACKEND_XENCALL);
}
END_TEST
#endif

int main(void)
{
	Suite *s;
	TCase *tc;

	/* Each trapped hypercall takes a while, so the threads' calls
	 * overlap even on one loaded core (tests/trap-xen.c). */
	setenv("XPI_TRAP_DELAY_US", "50", 1);
	s = suite_create("threads");
	tc = tcase_create("threads");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, threads_share_a_handle_sim);
	tcase_add_test(tc, threads_share_a_handle_kmod);
	/* XenServer sends no invalidates: no listener there. */
	XT_ADD_DRAFT_ONLY(tc, listener_drains_while_threads_map_sim);
#if HAVE_XEN
	/* Without the Xen libraries there is no xencall backend, and the
	 * listener needs them on the kmod one. */
	tcase_add_test(tc, threads_share_a_handle_xencall);
	/* XenServer sends no invalidates: no listener there. */
	XT_ADD_DRAFT_ONLY(tc, listener_drains_while_threads_map_kmod);
	/* XenServer sends no invalidates: no listener there. */
	XT_ADD_DRAFT_ONLY(tc, listener_drains_while_threads_map_xencall);
#endif
	suite_add_tcase(s, tc);
	return xt_run(s);
}
