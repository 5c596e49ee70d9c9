// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A hostile 64-bit PV guest for the real-Xen boots (../hostile.h starts it
 * from dom0 with libxenguest's domain builder): it issues do_iommu_op
 * (hypercall 56, wired for every PV64 domain) through its hypercall page
 * with every row of ops.h, against the BFNs, GFNs, domids and ioreq
 * servers dom0 put on its command line, and stores each result in its
 * results page; then it says so on Xen's console (console_io, refused to
 * a guest by a non-debug Xen, which dom0 only notes) and shuts down.
 *
 * Freestanding: no libc, no FPU/SSE, nothing but hypercalls.  The Xen
 * structures come from Xen's public headers (libxen-dev), the op from
 * the project's abi.h.
 */
#include <stddef.h>
#include <stdint.h>

/* Today's interface (the default, 0, makes sched_op the compat call 6). */
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#include <xen/xen.h>
#include <xen/sched.h>

#include <xenpviommu/abi.h>

#include "ops.h"

extern char hypercall_page[];

__attribute__((section(".results"),
	       aligned(4096))) struct pvg_results results = { 0 };

static const struct pvg_op ops[] = { PVG_OPS };

_Static_assert(sizeof(ops) / sizeof(ops[0]) <= PVG_MAX_OPS, "PVG_MAX_OPS");

/* The compiler may emit calls to these for structure assignments. */
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;

	while (n--)
		*p++ = (unsigned char)c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *q = d;
	const unsigned char *p = s;

	while (n--)
		*q++ = *p++;
	return d;
}

/* A hypercall through Xen's stub for @nr: arguments in rdi, rsi, rdx. */
static long hcall(unsigned int nr, unsigned long a1, unsigned long a2,
		  unsigned long a3)
{
	register unsigned long rdi __asm__("rdi") = a1;
	register unsigned long rsi __asm__("rsi") = a2;
	register unsigned long rdx __asm__("rdx") = a3;
	void *fn = hypercall_page + nr * 32;
	long rax;

	__asm__ volatile("call *%[fn]"
			 : "=a"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx)
			 : [fn] "r"(fn)
			 : "rcx", "r8", "r9", "r10", "r11", "memory");
	return rax;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "pvg=" and PVG_NPARAMS - 1 hexadecimal numbers, comma-separated. */
static int parse(const char *line, uint64_t *p)
{
	const char *s = line;
	unsigned int i;

	while (*s &&
	       !(s[0] == 'p' && s[1] == 'v' && s[2] == 'g' && s[3] == '='))
		s++;
	if (!*s)
		return -1;
	s += 4;
	p[P_ZERO] = 0;
	for (i = 1; i < PVG_NPARAMS; i++) {
		uint64_t v = 0;
		int d, n = 0;

		while ((d = hexval(*s)) >= 0) {
			v = v << 4 | (uint64_t)d;
			s++;
			n++;
		}
		if (!n)
			return -1;
		p[i] = v;
		if (i + 1 < PVG_NPARAMS && *s++ != ',')
			return -1;
	}
	return 0;
}

static void one(unsigned int i, const uint64_t *p)
{
	const struct pvg_op *r = &ops[i];
	struct pv_iommu_op op;

	memset(&op, 0, sizeof(op));
	op.subop_id = r->subop;
	op.flags = r->flags;
	if (r->subop == IOMMUOP_unmap_foreign_page) {
		op.u.unmap_foreign_page.bfn = p[r->bfn];
		op.u.unmap_foreign_page.ioserver = (uint16_t)p[r->ios];
	} else {
		op.u.map_foreign_page.bfn = p[r->bfn];
		op.u.map_foreign_page.gfn = p[r->gfn];
		op.u.map_foreign_page.domid = (uint16_t)p[r->domid];
		op.u.map_foreign_page.ioserver = (uint16_t)p[r->ios];
	}
	op.status = 1; /* Xen overwrites it */
	results.op[i].rc = hcall(PV_IOMMU_HYPERCALL_DEFAULT, (unsigned long)&op,
				 1, 0);
	results.op[i].status = op.status;
	results.op[i].flags = op.flags;
}

static struct pv_iommu_op sweep_ops[PVG_SWEEP];

/*
 * The review's attacker does not know dom0's BFNs: it sweeps.  One call of
 * PVG_SWEEP ops, so that Xen may preempt it and continue on the rest.
 */
static void sweep(const uint64_t *p)
{
	struct pv_iommu_op *op = sweep_ops;
	const uint64_t at[2] = { p[P_FGNB], p[P_LOOKB] };

	for (unsigned int a = 0; a < 2; a++)
		for (unsigned int b = 0; b < PVG_SWEEP_BFNS; b++)
			for (unsigned int i = 0; i < PVG_SWEEP_IOS; i++, op++) {
				memset(op, 0, sizeof(*op));
				op->subop_id = IOMMUOP_unmap_foreign_page;
				op->status = 1;
				op->u.unmap_foreign_page.bfn =
					at[a] - PVG_SWEEP_BFNS / 2 + b;
				op->u.unmap_foreign_page.ioserver = (uint16_t)i;
			}
	results.sweep_rc = hcall(PV_IOMMU_HYPERCALL_DEFAULT,
				 (unsigned long)sweep_ops, PVG_SWEEP, 0);
	results.sweep_enoent = 0;
	for (unsigned int i = 0, other = 0; i < PVG_SWEEP; i++) {
		if (sweep_ops[i].status == PVG_ENOENT) {
			results.sweep_enoent++;
		} else if (!other++) {
			results.sweep_other = sweep_ops[i].status;
			results.sweep_other_bfn =
				sweep_ops[i].u.unmap_foreign_page.bfn;
		}
	}
}

void guest_main(const start_info_t *si);

void guest_main(const start_info_t *si)
{
	static const char msg[] = "xpi-hostile: the hostile PV guest is done\n";
	struct sched_shutdown sd = { .reason = SHUTDOWN_poweroff };
	struct pv_iommu_op op;

	results.parse = parse((const char *)si->cmd_line, results.params);
	results.magic = PVG_MAGIC;
	if (!results.parse) {
		for (unsigned int i = 0; i < sizeof(ops) / sizeof(ops[0]);
		     i++) {
			one(i, results.params);
			results.nops = i + 1;
		}
		sweep(results.params);
		memset(&op, 0, sizeof(op));
		op.subop_id = IOMMUOP_query_caps;
		results.big_count = hcall(PV_IOMMU_HYPERCALL_DEFAULT,
					  (unsigned long)&op, 0x80000000ul, 0);
		results.bad_handle = hcall(PV_IOMMU_HYPERCALL_DEFAULT, 0, 1, 0);
	}
	results.console = (int32_t)hcall(__HYPERVISOR_console_io,
					 CONSOLEIO_write, sizeof(msg) - 1,
					 (unsigned long)msg);
	results.done = PVG_MAGIC;
	__asm__ volatile("" ::: "memory");
	for (;;)
		hcall(__HYPERVISOR_sched_op, SCHEDOP_shutdown,
		      (unsigned long)&sd, 0);
}
