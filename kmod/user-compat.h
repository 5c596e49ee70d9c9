/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * User space only: the kernel's fixed-width type names, so that policy.c
 * builds into tests/test-shim-policy.c.  Not part of the module.
 */
#ifndef XPI_SHIM_USER_COMPAT_H
#define XPI_SHIM_USER_COMPAT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;

#define __printf(a, b) __attribute__((format(printf, a, b)))

#endif
