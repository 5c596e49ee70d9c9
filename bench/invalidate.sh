#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# bench/invalidate.sh: the invalidate listener's figures (issue 4).
#
#   bench/invalidate.sh            "key value" lines on stdout
#   bench/invalidate.sh --json     one JSON object
#   --build DIR                    the Meson build directory (default build/)
#
# invalidate_instr_per_event: instructions inside xpi_listener_dispatch(),
# the hypercall (xpi_sim_iommu_op) and the callback excluded, per handled
# event: callgrind at two run lengths, the difference over the difference.
# The figure includes everything the drain does per event: parsing the
# ring, the tracker look-up and removal, writing the unmap op, building
# the callback's event and giving the BFN back to the allocator.
# invalidate_unmaps_per_hypercall: unmaps per do_iommu_op when a full ring
# (255 eight-byte entries) is drained at a time.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(dirname "$here")/build
json=0
while [ $# -gt 0 ]; do
	case $1 in
	--json) json=1 ;;
	--build) build=${2:?--build needs a directory}; shift ;;
	*) echo "invalidate.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
bin=$build/bench/bench-invalidate
[ -x "$bin" ] || ninja -C "$build" bench/bench-invalidate >&2
command -v valgrind >/dev/null || { echo "invalidate.sh: valgrind is needed" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n1=5100
n2=25500

# Inclusive instructions of a function in a callgrind profile (0 if absent).
incl() {
	callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null |
		awk -v f=":$2 " 'index($0, f) { gsub(",", "", $1); print $1; found = 1; exit }
			END { if (!found) print 0 }'
}

# Instructions inside xpi_listener_dispatch(), without the hypercall and
# the callback.
ir() {
	local f=$tmp/cg.$1 total hc cb
	valgrind --tool=callgrind --callgrind-out-file="$f" \
		--collect-atstart=no --toggle-collect=xpi_listener_dispatch \
		"$bin" "$1" >"$tmp/out.$1" 2>"$tmp/err.$1" || {
		cat "$tmp/err.$1" >&2; exit 1; }
	total=$(awk '/^(summary|totals):/ { print $2; exit }' "$f")
	hc=$(incl "$f" xpi_sim_iommu_op)
	cb=$(incl "$f" bench_invalidate_cb)
	echo "$((total - hc - cb))"
}

a1=$(ir $n1)
a2=$(ir $n2)
ipe=$(awk -v a="$a1" -v b="$a2" -v n1=$n1 -v n2=$n2 \
	'BEGIN { printf "%.1f", (b - a) / (n2 - n1) }')
uph=$("$bin" 100000 | awk '$1 == "invalidate_unmaps_per_hypercall" { print $2 }')

if [ $json = 1 ]; then
	printf '{"invalidate_instr_per_event": %s, "invalidate_unmaps_per_hypercall": %s}\n' \
		"$ipe" "$uph"
else
	echo "invalidate_instr_per_event $ipe"
	echo "invalidate_unmaps_per_hypercall $uph"
fi
