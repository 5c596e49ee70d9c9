#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The example programs as a user sees them: --help, bad arguments, the
# simulator paths with --json (keys and values checked with python3), and
# the auto backend on a machine without Xen (one clear line).
#
# usage: examples.sh EXAMPLES_BUILD_DIR
set -u

dir=${1:?usage: examples.sh EXAMPLES_BUILD_DIR}
progs="xpi-caps xpi-map xpi-foreign xpi-emu-demo"
unset XPI_BACKEND XPI_HYPERCALL XPI_DEBUG
n=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	[ -s "$tmp/out" ] && sed 's/^/#   stdout: /' "$tmp/out" | head -20
	[ -s "$tmp/err" ] && sed 's/^/#   stderr: /' "$tmp/err" | head -20
}

# run EXPECTED_STATUS DESCRIPTION CMD...: run and check the exit status.
run() {
	local want=$1 desc=$2 rc
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" = "$want" ]; then ok "$desc"; return 0; fi
	echo "# $* exited $rc, expected $want"
	not_ok "$desc"
	return 1
}

# json DESCRIPTION PYTHON_EXPR: check the last run's stdout, parsed as o.
json() {
	if python3 -c "
import json, sys
o = json.load(open(sys.argv[1]))
ok = bool($2)
if not ok:
    print('# failed: ' + sys.argv[2]); print('# got: ' + json.dumps(o))
sys.exit(0 if ok else 1)" "$tmp/out" "$2"; then
		ok "$1"
	else
		not_ok "$1"
	fi
}

# has DESCRIPTION REGEX: the last run's stdout matches REGEX.
has() {
	if grep -Eq "$2" "$tmp/out"; then ok "$1"; else not_ok "$1"; fi
}

# one_line DESCRIPTION REGEX: the last run's stderr is one line matching REGEX.
one_line() {
	if [ "$(wc -l <"$tmp/err")" = 1 ] && grep -Eq "$2" "$tmp/err"; then
		ok "$1"
	else
		not_ok "$1"
	fi
}

for p in $progs; do
	if [ ! -x "$dir/$p" ]; then
		: >"$tmp/out"; : >"$tmp/err"
		not_ok "$p is built"
		continue
	fi
	run 0 "$p --help" "$dir/$p" --help &&
		has "$p --help prints a usage" '^Usage: '"$p"' ' 
	run 2 "$p --no-such-option fails" "$dir/$p" --no-such-option &&
		one_line "$p: bad option gives one error line" 'error: unknown option --no-such-option'
	run 2 "$p --backend bogus fails" "$dir/$p" --backend bogus &&
		one_line "$p: bad backend gives one error line" 'error: --backend bogus: expected sim'
	run 2 "$p: a stray argument fails" "$dir/$p" --backend sim stray &&
		one_line "$p: stray argument named" 'unexpected argument stray'
done

# ---- xpi-caps ----
c=$dir/xpi-caps
run 0 "xpi-caps --backend sim --json" "$c" --backend sim --json &&
	json "xpi-caps: keys and values" \
		'o["backend"] == "sim" and o["map_cap"] is True and o["map_all_gfns"] is True and o["max_page_order"] == 18 and o["strategy"] == "map_foreign" and o["supported"] is True'
run 0 "xpi-caps: dom0-passthrough" "$c" --backend sim --dom0-passthrough --json &&
	json "xpi-caps: passthrough means lookup_foreign" \
		'o["map_cap"] is False and o["strategy"] == "lookup_foreign"'
run 0 "xpi-caps: no IOMMU" "$c" --backend sim --no-iommu --json &&
	json "xpi-caps: no IOMMU means order 0 and lookup_foreign" \
		'o["map_cap"] is False and o["max_page_order"] == 0 and o["strategy"] == "lookup_foreign"'
run 0 "xpi-caps: as a guest" "$c" --backend sim --as-guest --json &&
	json "xpi-caps: a guest has no map_all_gfns" \
		'o["map_cap"] is True and o["map_all_gfns"] is False'
run 0 "xpi-caps: text output" "$c" --backend sim &&
	has "xpi-caps: text names the strategy" '^strategy: *map_foreign' 
run 3 "xpi-caps: a Xen without do_iommu_op" "$c" --backend sim --no-hypercall &&
	one_line "xpi-caps: one line says PV IOMMU is not supported" \
		'PV IOMMU is not supported on this host: the hypervisor has no do_iommu_op'
run 3 "xpi-caps --json: without do_iommu_op" "$c" --backend sim --no-hypercall --json &&
	json "xpi-caps --json: supported false" 'o["supported"] is False'
run 2 "xpi-caps: host options need --backend sim" "$c" --no-iommu --backend auto
run 0 "xpi-caps --host xenserver" "$c" --backend sim --host xenserver --json &&
	json "xpi-caps: XenServer reports map_cap, order 0, and lookup is chosen" \
		'o["map_cap"] is True and o["max_page_order"] == 0 and o["strategy"] == "lookup_foreign"'
run 2 "xpi-caps: --host other" "$c" --backend sim --host other

# ---- xpi-map ----
m=$dir/xpi-map
run 0 "xpi-map --backend sim --json" "$m" --backend sim --json --gfn 0x100 --count 2048 &&
	json "xpi-map: superpages, every map sent and undone" \
		'o["count"] == 2048 and o["orders"] == {"8": 2, "9": 1, "10": 1} and o["map_ops"] == 4 and o["extents"] == 4 and o["unmap_ops"] == 4 and o["live_mappings_at_exit"] == 0 and o["map_hypercalls"] >= 1'
run 0 "xpi-map: order 0 host" "$m" --backend sim --json --max-order 0 --count 64 &&
	json "xpi-map: max order 0 sends single pages" \
		'o["map_ops"] == 64 and o["orders"] == {"0": 64} and o["live_mappings_at_exit"] == 0'
run 0 "xpi-map: text output" "$m" --backend sim &&
	has "xpi-map: text lists the orders" 'x order 9' 
run 1 "xpi-map: GFNs the guest does not have" "$m" --backend sim --guest-mib 1 --gfn 0x1000 --count 4
run 2 "xpi-map --count 0" "$m" --backend sim --count 0

# ---- xpi-foreign ----
f=$dir/xpi-foreign
run 0 "xpi-foreign --backend sim --json" "$f" --backend sim --json --count 16 &&
	json "xpi-foreign: map_foreign, all mapped, found and unmapped" \
		'o["strategy"] == "map_foreign" and o["mapped"] == 16 and o["found"] == 16 and o["unmapped"] == 16 and len(o["bfns"]) == 16 and o["live_mappings_at_exit"] == 0'
run 0 "xpi-foreign: no map capability" "$f" --backend sim --json --no-map-cap --count 8 &&
	json "xpi-foreign: lookup_foreign, all mapped and unmapped" \
		'o["strategy"] == "lookup_foreign" and o["mapped"] == 8 and o["unmapped"] == 8 and o["live_mappings_at_exit"] == 0'
run 0 "xpi-foreign: no IOMMU" "$f" --backend sim --json --no-iommu --count 8 &&
	json "xpi-foreign: no IOMMU uses lookup" \
		'o["strategy"] == "lookup_foreign" and o["mapped"] == 8 and o["live_mappings_at_exit"] == 0'
run 0 "xpi-foreign --superpage" "$f" --backend sim --verbose --superpage --gfn 512 --count 512 &&
	has "xpi-foreign: --superpage maps one order-9 extent" 'order 9, ours'
run 2 "xpi-foreign: a real host needs --domid" "$f" --backend auto
run 0 "xpi-foreign --host xenserver" "$f" --backend sim --json --host xenserver --count 8 &&
	json "xpi-foreign: XenServer: lookup, all mapped and unmapped" \
		'o["strategy"] == "lookup_foreign" and o["mapped"] == 8 and o["unmapped"] == 8 and o["live_mappings_at_exit"] == 0'

# ---- xpi-emu-demo ----
d=$dir/xpi-emu-demo
if [ -x "$d" ]; then
	emu_ok='o["live_mappings_at_exit"] == 0 and o["leaked_page_refs"] == 0 and o["auditor_violations"] == 0 and o["invalidations_received"] == o["invalidations_handled"] and o["invalidations_unknown"] == 0 and o["pages_mapped"] > 0 and o["hypercalls"] > 0'
	run 0 "xpi-emu-demo --backend sim --json" "$d" --backend sim --json --guest-mib 64 --balloon 2000 &&
		json "xpi-emu-demo: clean, ring overflowed, all handled" \
			"$emu_ok"' and o["strategy"] == "map_foreign" and o["iotlb_flushes"] > 0 and o["invalidations_received"] >= 2000 and o["ring_overflows"] > 0'
	run 0 "xpi-emu-demo: no map capability" "$d" --backend sim --json --guest-mib 16 --balloon 600 --no-map-cap &&
		json "xpi-emu-demo: lookup strategy, clean" "$emu_ok"' and o["strategy"] == "lookup_foreign"'
	run 0 "xpi-emu-demo: no IOMMU" "$d" --backend sim --json --guest-mib 16 --balloon 600 --no-iommu &&
		json "xpi-emu-demo: no IOMMU, clean" "$emu_ok"' and o["strategy"] == "lookup_foreign"'
	if run 0 "xpi-emu-demo: text summary" "$d" --backend sim --guest-mib 16 --balloon 100; then
		has "xpi-emu-demo: the summary names the auditor" 'auditor'
		if grep -q $'\r' "$tmp/err" "$tmp/out"; then
			not_ok "xpi-emu-demo: no progress line when not a TTY"
		else
			ok "xpi-emu-demo: no progress line when not a TTY"
		fi
	fi
	run 0 "xpi-emu-demo --host xenserver" "$d" --backend sim --json --guest-mib 16 --balloon 600 --host xenserver &&
		json "xpi-emu-demo: XenServer, no invalidates, lookups released, clean" "$emu_ok"' and o["host"] == "xenserver" and o["strategy"] == "lookup_foreign" and o["invalidations_sent"] == 0 and o["lookups_released"] > 0'
	run 2 "xpi-emu-demo --guest-mib 0" "$d" --backend sim --guest-mib 0
fi

# ---- the README's example ----
if [ -x "$dir/readme-example" ]; then
	run 0 "readme-example runs" "$dir/readme-example"
fi

# ---- auto on a host without Xen ----
if [ ! -e /dev/xen/privcmd ] && [ ! -e /dev/xen/privcmd-iommu ]; then
	for p in $progs; do
		[ -x "$dir/$p" ] || continue
		extra=()
		[ "$p" = xpi-foreign ] && extra=(--domid 1 --ioserver 0)
		run 3 "$p without Xen: exit 3" "$dir/$p" "${extra[@]}" &&
			one_line "$p without Xen: one line naming --backend sim" \
				"^$p: not a Xen host: .*$p --backend sim\$"
		run 3 "$p --backend xencall without Xen" "$dir/$p" --backend xencall "${extra[@]}" &&
			one_line "$p --backend xencall: one line" "^$p: backend xencall"
	done
else
	echo "# /dev/xen exists: the no-Xen checks are skipped"
fi

echo "1..$n"
[ "$failed" = 0 ] || echo "# $failed of $n failed"
[ "$failed" = 0 ]
