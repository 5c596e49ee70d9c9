/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The hostile PV guest's entry and its Xen ELF notes (the ones
 * libxenguest's ELF loader reads: xen/elfnote.h from libxen-dev).
 *
 * A 64-bit PV vCPU starts here in long mode, in its kernel context, with
 * %rsi = start_info's virtual address and %rsp at the top of the boot
 * stack the domain builder allocated.
 */
#include <xen/elfnote.h>
#include "ops.h"

#define NOTE(type, desc_start, desc_end)	\
	.balign 4;				\
	.long 4;				\
	.long desc_end - desc_start;		\
	.long type;				\
	.asciz "Xen";				\
	.balign 4

	.section .note.Xen, "a", @note
	NOTE(XEN_ELFNOTE_GUEST_OS, 1f, 2f)
1:	.asciz "xpi-hostile"
2:	NOTE(XEN_ELFNOTE_XEN_VERSION, 1f, 2f)
1:	.asciz "xen-3.0"
2:	NOTE(XEN_ELFNOTE_LOADER, 1f, 2f)
1:	.asciz "generic"
2:	NOTE(XEN_ELFNOTE_VIRT_BASE, 1f, 2f)
1:	.quad PVG_VIRT_BASE
2:	NOTE(XEN_ELFNOTE_PADDR_OFFSET, 1f, 2f)
1:	.quad PVG_VIRT_BASE
2:	NOTE(XEN_ELFNOTE_ENTRY, 1f, 2f)
1:	.quad _start
2:	NOTE(XEN_ELFNOTE_HYPERCALL_PAGE, 1f, 2f)
1:	.quad hypercall_page
2:	.balign 4

	.section .text.head, "ax", @progbits
	.globl _start
_start:
	mov	%rsi, %rdi		/* guest_main(start_info) */
	and	$~0xf, %rsp
	call	guest_main
1:	hlt				/* never: guest_main shuts down */
	jmp	1b

	/* Xen writes its hypercall stubs here (32 bytes each). */
	.section .hypercall_page, "ax", @progbits
	.globl hypercall_page
	.balign 4096
hypercall_page:
	.fill 4096, 1, 0xcc
