# Step: the mediated device (issue 14 steps 2 and 4).  xpi-mdev (as
# dom0-mdev) registers its own ioreq server for the guest, claims the MMIO
# page at 0xe0000000, restricts its descriptors to the guest and becomes
# uid 1000, through the shim (XPI_BACKEND=kmod).  The guest's guest-mdev
# copies buffers through it and checks the bytes, both directions, also
# while `xl mem-set` shrinks it by 64 MB and grows it back.  Then a second,
# equally deprivileged instance is killed with SIGKILL while the guest is
# copying; the guest balloons again and step 90 destroys it: the shim's
# release must have left no page referenced (no zombie, the free pool back).
mdev_glast() { tr -d '\r' <"$GLOG" 2>/dev/null | grep 'mdev: checked' | tail -1; }
mdev_checked() { mdev_glast | awk '{ for (i = 1; i < NF; i++) if ($i == "checked") print $(i + 1) }'; }
mdev_bad() { mdev_glast | awk '{ for (i = 1; i < NF; i++) if ($i == "bad") print $(i + 1) }'; }
mdev_at() { [ "$(xmem guest)" = "$1" ]; }
mdev_start() {
	XPI_BACKEND=kmod dom0-mdev --domid "$domid" --vcpus 2 --runas 1000 --json >"$1" 2>&1 &
	mdpid=$!
}
mdev_start /run/mdev1.log
wait_for 60 grep -q 'now uid' /run/mdev1.log
check $? "xpi-mdev: $(grep -m1 'restricted' /run/mdev1.log)"
wait_for 90 sh -c '[ "$(tr -d "\r" <'"$GLOG"' | grep -c "mdev: checked [1-9]")" -gt 0 ]'
c0=$(mdev_checked)
check $? "the guest's copies through the device arrive and check: ${c0:-none} checked, $(mdev_bad) bad"
# Through a balloon: 64 MB out and back in, the guest copying all along.
f0=$(xfree)
xl mem-set guest 192
wait_for 120 mdev_at 192
sleep 10
f1=$(xfree)
xl mem-set guest 256
wait_for 120 mdev_at 256
sleep 10
f2=$(xfree)
c1=$(mdev_checked)
say "balloon beside the device: free_memory $f0 -> $f1 -> $f2 MB; guest checked $c0 -> $c1"
[ -n "$c1" ] && [ "$c1" -gt "${c0:-0}" ] && [ "$(mdev_bad)" = 0 ] && [ "$f1" -ge $((f0 + 60)) ]
check $? "transfers go on through the balloon, all checked ($c0 -> $c1, $(mdev_bad) bad), $((f1 - f0)) MB back in Xen's pool"
kill -TERM "$mdpid"
wait "$mdpid"
rc=$?
say "xpi-mdev: $(grep '^{' /run/mdev1.log)"
[ $rc = 0 ]
check $? "xpi-mdev stopped on SIGTERM, unmapped and destroyed its server (exit $rc)"
grep -q '"map_failures": 0' /run/mdev1.log
check $? "xpi-mdev: no GFN of the guest's buffers failed to map ($(grep -o '"map_failures": [0-9]*' /run/mdev1.log))"
# SIGKILL in the middle of the copies.
mdev_start /run/mdev2.log
wait_for 60 grep -q 'now uid' /run/mdev2.log
c2=$(mdev_checked)
mdev_more() { c=$(mdev_checked); [ -n "$c" ] && [ "$c" -gt "${c2:-0}" ]; }
wait_for 60 mdev_more
c3=$(mdev_checked)
kill -KILL "$mdpid"
wait "$mdpid" 2>/dev/null
rc=$?
! kill -0 "$mdpid" 2>/dev/null && [ "$rc" = 137 ] && [ -n "$c3" ] && [ "$c3" -gt "${c2:-0}" ]
check $? "the second xpi-mdev (deprivileged, kmod) killed by SIGKILL while the guest copies ($c2 -> $c3 checked; exit $rc)"
f3=$(xfree)
xl mem-set guest 192
wait_for 120 mdev_at 192
check $? "after the SIGKILL the guest balloons: xl list $(xmem guest) MB, free_memory $f3 -> $(xfree) MB"
xl mem-set guest 256
sleep 10
