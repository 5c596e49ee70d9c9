# Step: ballooning by the guest's own driver with its pages mapped.
# dom0-guestmap registers an ioreq server for the guest, runs the library's
# listener and maps every page of the guest (xpi_foreign_map); then
# `xl mem-set` shrinks the guest by 160 of its 256 MB and grows it back, and
# the same again by 32 MB on the fresh mappings.  Each figure is checked
# against Xen's own (xl list, xl info free_memory, the domain's page count)
# and the guest's (MemTotal, its heartbeat and its own check).
rm -f /run/gm.fifo
mkfifo /run/gm.fifo
: >/run/gm.log
dom0-guestmap "$domid" /run/gm.fifo >>/run/gm.log 2>&1 &
gmpid=$!
wait_for 60 grep -qE '^(ready|error)' /run/gm.log
grep -q '^ready' /run/gm.log
check $? "dom0-guestmap: an ioreq server for d$domid, the listener attached: $(head -1 /run/gm.log)"

fbm=$(xfree)
a=$(gm map)
say "$a"
fam=$(xfree)
mapped=$(field "$a" mapped)
tp=$(field "$a" tot_pages)
xm=$(xmem guest)
[ -n "$mapped" ] && [ "$mapped" -gt $((tp * 95 / 100)) ] && [ "$mapped" -le "$tp" ] &&
	[ $((tp / 256)) -ge $((xm - 1)) ] && [ $((tp / 256)) -le $((xm + 1)) ]
check $? "xpi_foreign_map: $mapped of the guest's $tp pages (Xen's count; xl list says $xm MB = $((xm * 256)) pages) mapped"
# What Xen itself spends on the mappings comes out of its free pool too:
# measured here, it is part of what each unmap gives back.
mapkb=$(((fbm - fam) * 1024))
say "xl info free_memory $fbm -> $fam MB while mapping: Xen's own memory for $mapped mappings"
# xen_kb N: Xen's memory for N of the mappings, in kB (as measured above)
xen_kb() { echo $((mapkb * $1 / mapped)); }

# balloon_cycle MB: shrink the guest by MB and grow it back; checks along.
balloon_cycle() {
	local mb=$1 pages=$(($1 * 256)) s0 s1 s2 m0 m1 m2 f0 f1 f2 h0 h1 known un0 un1
	local mp0 mp1 tp0 tp1 tp2 al0 al1 xm1 xm2 b s t xk f3
	s0=$(gm stats); m0=$(gmem); f0=$(xfree); al0=$(galive)
	tp0=$(field "$s0" tot_pages); mp0=$(field "$s0" mapped)
	h0=$(($(field "$s0" handled) - $(field "$s0" unknown))); un0=$(field "$s0" unmaps)
	t=$(date +%s)
	xl mem-set guest $((256 - mb))
	check $? "xl mem-set guest $((256 - mb)) (from 256)"
	wait_for 120 sh -c "[ \"\$(tr -d '\r' <$GLOG | grep 'guest: alive' | tail -1 | awk '{print \$5}')\" -le $((m0 - mb * 1024)) ]"
	# until the listener has nothing more to do (two equal answers)
	s1=$(gm stats); b=
	while [ "$s1" != "$b" ]; do b=$s1; sleep 2; s1=$(gm stats); done
	say "shrunk in $(($(date +%s) - t)) s: $s1"
	say "this shrink: $(($(field "$s1" buffered) - $(field "$s0" buffered))) invalidates buffered, $(($(field "$s1" sync) - $(field "$s0" sync))) synchronous, $(($(field "$s1" flush_alls) - $(field "$s0" flush_alls))) legacy flush-alls"
	if [ "$mb" -ge 128 ]; then
		[ "$(field "$s1" buffered)" -gt 0 ] && [ "$(field "$s1" sync)" -gt 0 ]
		check $? "a shrink this large fills the buffered ring: invalidates came both ways ($(field "$s1" buffered) buffered, $(field "$s1" sync) synchronous)"
	fi
	m1=$(gmem); f1=$(xfree); xm1=$(xmem guest)
	tp1=$(field "$s1" tot_pages); mp1=$(field "$s1" mapped)
	h1=$(($(field "$s1" handled) - $(field "$s1" unknown))); un1=$(field "$s1" unmaps)
	known=$((h1 - h0))
	[ $((m0 - m1)) -eq $((mb * 1024)) ] && [ "$xm1" = $((256 - mb)) ]
	check $? "the guest's MemTotal fell by $((m0 - m1)) kB ($m0 -> $m1; $((mb * 1024)) asked), xl list says $xm1 MB"
	[ $((tp0 - tp1)) -eq "$pages" ]
	check $? "Xen's page count of the guest fell by $((tp0 - tp1)) ($tp0 -> $tp1; $pages asked)"
	[ "$known" -eq "$pages" ] && [ $((un1 - un0)) -eq "$known" ] && [ $((mp0 - mp1)) -eq "$known" ] &&
		[ "$(field "$s1" unmap_errors)" = 0 ] && [ "$(field "$s1" resyncs)" = 0 ]
	check $? "the listener got an invalidate for each mapped page that left ($known for $pages pages: $(field "$s1" buffered) buffered, $(field "$s1" sync) synchronous in all) and unmapped each ($((un1 - un0)) unmaps, 0 errors; mapped $mp0 -> $mp1)"
	xk=$(xen_kb "$known")
	[ $((f1 - f0)) -ge $(((mb * 1024 + xk) / 1024 - 1)) ] && [ $((f1 - f0)) -le $(((mb * 1024 + xk) / 1024 + 1)) ]
	check $? "xl info free_memory rose by $((f1 - f0)) MB ($f0 -> $f1): the $mb MB of frames are back in Xen's free pool, with $((xk / 1024)) MB of Xen's memory for the $known mappings ended (within 1 MB)"
	wait_for 10 test "$(galive)" -gt $((al0 + 1))
	al1=$(galive)
	[ "$al1" -gt "$al0" ] && [ "$(gcheck)" = ok ]
	check $? "the guest kept running small (heartbeat $al0 -> $al1, its own check $(gcheck))"

	t=$(date +%s)
	xl mem-set guest 256
	check $? "xl mem-set guest 256 (back)"
	wait_for 120 sh -c "[ \"\$(tr -d '\r' <$GLOG | grep 'guest: alive' | tail -1 | awk '{print \$5}')\" -ge $m0 ]"
	sleep 2
	s2=$(gm stats); m2=$(gmem); f2=$(xfree); xm2=$(xmem guest); tp2=$(field "$s2" tot_pages)
	say "grown in $(($(date +%s) - t)) s: $s2"
	[ "$m2" -eq "$m0" ] && [ "$xm2" = 256 ] && [ "$tp2" -eq "$tp0" ]
	check $? "grown back: MemTotal $m2 kB (was $m0), xl list $xm2 MB, Xen's page count $tp2 (was $tp0)"
	[ "$f2" -ge $(((f0 * 1024 + xk) / 1024 - 1)) ] && [ "$f2" -le $(((f0 * 1024 + xk) / 1024 + 1)) ]
	check $? "xl info free_memory back to $f2 MB (was $f0 before the shrink, + $((xk / 1024)) MB for the mappings not yet made again)"
	a=$(gm map)
	say "$a"
	f3=$(xfree)
	[ "$f3" -ge $((f0 - 1)) ] && [ "$f3" -le $((f0 + 1)) ]
	check $? "xl info free_memory $f3 MB with the pages mapped again (was $f0)"
	[ "$(field "$a" new)" -eq "$known" ] && [ "$(field "$a" mapped)" -eq "$mp0" ]
	check $? "fresh mappings of the returned pages: $(field "$a" new) new (for $known unmapped), $(field "$a" mapped) mapped again (was $mp0)"
	[ "$(gcheck)" = ok ]
	check $? "the guest runs at full size (heartbeat $(galive), its own check $(gcheck))"
}
balloon_cycle 160
balloon_cycle 32
