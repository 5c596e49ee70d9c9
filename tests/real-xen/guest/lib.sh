# Helpers for the dom0 step files of the guest boot (sourced by dom0's init
# before every tests/real-xen/guest/steps-*.sh, all in one shell).
#   check COND-STATUS MESSAGE   count a pass (status 0) or a failure
#   say MESSAGE                 a log line
#   xfree                       `xl info free_memory` (MB)
#   xmem NAME                   the guest's memory in `xl list` (MB), empty if absent
#   gmem                        the guest's last reported MemTotal (kB)
#   galive                      the guest's last heartbeat number
#   gcheck                      the guest's own check of its last heartbeat (ok/BAD)
#   wait_for SECONDS CMD...     rerun CMD every second until it succeeds
#   gm CMD                      send CMD to dom0-guestmap, print its answer line
# State the steps share: $domid (the guest's), $free0 (before xl create).
GLOG=/var/log/xen/guest-guest.log
pass=0
fail=0
check() {
	if [ "$1" = 0 ]; then
		pass=$((pass + 1)); echo "ok - $2"
	else
		fail=$((fail + 1)); echo "not ok - $2"
	fi
}
say() { echo "$*"; }
xfree() { xl info 2>/dev/null | sed -n 's/^free_memory *: *//p'; }
xmem() { xl list 2>/dev/null | awk -v n="$1" '$1 == n { print $3 }'; }
glast() { tr -d '\r' <"$GLOG" 2>/dev/null | grep 'guest: alive' | tail -1; }
gmem() { glast | awk '{ print $5 }'; }
galive() { glast | awk '{ print $3 }'; }
gcheck() { glast | awk '{ print $9 }'; }
wait_for() {
	local t=$1 i=0
	shift
	while [ "$i" -lt "$t" ]; do
		"$@" && return 0
		sleep 1
		i=$((i + 1))
	done
	return 1
}
# gm CMD: one command to dom0-guestmap; its answer is the next line of its
# log starting with the command's first word.
gm() {
	local n w=${1%% *} i=0
	n=$(wc -l </run/gm.log)
	echo "$1" >/run/gm.fifo
	while [ $i -lt 120 ]; do
		a=$(tail -n +$((n + 1)) /run/gm.log | grep -m1 "^$w ")
		[ -n "$a" ] && { echo "$a"; return 0; }
		sleep 1
		i=$((i + 1))
	done
	echo "$w timeout"
	return 1
}
# field LINE NAME: the number after NAME in an answer line
field() { echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }'; }
