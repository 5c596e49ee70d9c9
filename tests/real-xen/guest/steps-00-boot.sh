# Step: the toolstack and the guest.  xl create from guest.cfg; the guest's
# init prints GUEST-UP on its console (xenconsoled's log) and its heartbeat.
free0=$(xfree)
say "xl info free_memory before the guest: $free0 MB"
t0=$(date +%s)
xl create /etc/xen/guest.cfg >/run/xl-create.log 2>&1
rc=$?
domid=$(xl domid guest 2>/dev/null)
check $rc "xl create of the PVH guest: d$domid in $(($(date +%s) - t0)) s (rc $rc)"
wait_for 120 grep -q GUEST-UP "$GLOG"
check $? "the guest's init is up (GUEST-UP on its console) $(($(date +%s) - t0)) s after xl create"
wait_for 30 test -n "$(galive)"
m=$(gmem)
free1=$(xfree)
xm=$(xmem guest)
say "guest: MemTotal $m kB, xl list $xm MB; free_memory $free0 -> $free1 MB"
[ "$xm" = 256 ] && [ "$free1" -le $((free0 - 256)) ] && [ -n "$m" ] && [ "$m" -gt 180000 ]
check $? "xl list shows the guest at 256 MB, Xen's free pool fell by at least that ($free0 -> $free1 MB), the guest sees MemTotal $m kB"
grep -q "balloon driver present" "$GLOG"
check $? "the guest's Xen balloon driver is there (xen_memory0 in its sysfs)"
