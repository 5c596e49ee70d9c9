// SPDX-License-Identifier: LGPL-2.1-or-later
/* xpi-mdev (examples/xpi-mdev.c) as a static dom0 program of the guest
 * boot: the same source, built by scripts/real-xen-guest. */
/* The project builds with -Wno-unused-parameter (meson.build). */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "examples/common.c"
#include "examples/xpi-mdev.c"
