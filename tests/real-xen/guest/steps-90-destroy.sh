# Step: xl destroy with the mappings live.  dom0-guestmap sees the guest go,
# unmaps what it still holds and exits; no domain is left but Domain-0 and
# Xen's free pool is what it was before xl create.
if [ -n "${gmpid:-}" ]; then
	a=$(gm stats)
	live=$(field "$a" mapped)
	say "before destroy: $a"
fi
xl destroy guest
check $? "xl destroy guest"
if [ -n "${gmpid:-}" ]; then
	wait_for 60 grep -q '^gone unmapped' /run/gm.log
	g=$(grep '^gone mapped' /run/gm.log)
	u=$(grep '^gone unmapped' /run/gm.log)
	say "$g"
	say "$u"
	wait "$gmpid"
	rc=$?
	[ -n "$u" ] && [ "$(field "$u" unmapped)" = "$live" ] && [ "$(field "$u" close)" = 0 ] && [ $rc = 0 ]
	check $? "dom0-guestmap saw the guest go and unmapped its $live live mappings ($(field "$u" unmapped) unmapped, close $(field "$u" close), exit $rc)"
fi
wait_for 30 sh -c '[ "$(xl list | tail -n +2 | wc -l)" = 1 ]'
n=$(xl list | tail -n +2 | wc -l)
xl list | tail -n +2 | awk '{ print "xl list: " $0 }'
[ "$n" = 1 ]
check $? "xl list shows Domain-0 alone ($n domain(s)): no zombie"
f=$(xfree)
[ "$f" -ge $((free0 - 1)) ] && [ "$f" -le $((free0 + 1)) ]
check $? "xl info free_memory $f MB, as before xl create ($free0 MB): nothing leaked"
