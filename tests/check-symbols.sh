#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The exported symbols of libxenpviommu.so are exactly those of the version
# map, each in the map's node: a new export without a map entry (or a map
# entry without its function) fails.
set -eu
lib=$1
map=$2
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /[TDBR]/ {print $3}' |
	grep -v '^XENPVIOMMU_' | sed 's/@@.*//' | sort)
listed=$(sed -n 's/^[[:space:]]*\(xpi_[A-Za-z0-9_]*\);.*/\1/p' "$map" | sort)
if [ "$exported" != "$listed" ]; then
	echo "exported symbols differ from $map:"
	diff <(echo "$listed") <(echo "$exported") || true
	exit 1
fi
# Every export carries a version from the map.
if nm -D --defined-only "$lib" | awk '$2 ~ /[TDBR]/ {print $3}' | grep -v '^XENPVIOMMU_' | grep -qv '@@XENPVIOMMU_'; then
	echo "an exported symbol has no version node"
	exit 1
fi
echo "symbols: $(echo "$exported" | wc -l) exported, all in the map"
