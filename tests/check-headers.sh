#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The public headers compile alone as C99 -pedantic -Werror and as C++.
set -eu
srcdir=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/all.c" <<'C'
#include <string.h>
#include <xenpviommu.h>
#include <xenpviommu/abi.h>
#include <xenpviommu/sim.h>
#include <xenpviommu/shim.h>
#include <xenpviommu/listener.h>
#include <xenpviommu/deprivilege.h>
#include <xenpviommu/xc-compat.h>
int main(void)
{
	struct pv_iommu_op op;
	memset(&op, 0, sizeof(op));
	op.flags = pv_iommu_flags_set_order(IOMMU_OP_readable, 9);
	return pv_iommu_flags_order(op.flags) == 9 ? 0 : 1;
}
C
cp "$tmp/all.c" "$tmp/all.cc"
passed=0
failed=0
check() {
	if "$@" >"$tmp/log" 2>&1; then
		passed=$((passed + 1))
	else
		echo "FAILED: $*"; cat "$tmp/log"
		failed=$((failed + 1))
	fi
}
for cc in gcc clang; do
	command -v $cc >/dev/null || continue
	check $cc -std=c99 -pedantic -Wall -Wextra -Werror -I"$srcdir/include" -c "$tmp/all.c" -o "$tmp/c99.o"
	check $cc -std=c11 -pedantic -Wall -Wextra -Werror -I"$srcdir/include" -c "$tmp/all.c" -o "$tmp/c11.o"
done
for cxx in g++ clang++; do
	command -v $cxx >/dev/null || continue
	check $cxx -std=c++11 -pedantic -Wall -Wextra -Werror -I"$srcdir/include" -c "$tmp/all.cc" -o "$tmp/cxx.o"
	check $cxx -std=c++98 -Wall -Wextra -Werror -Wno-long-long -I"$srcdir/include" -c "$tmp/all.cc" -o "$tmp/cxx98.o"
done
echo "headers: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
