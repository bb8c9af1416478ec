#!/usr/bin/env bash
# dns64d on a DPDK TAP port in a network namespace of its own, asked by
# real clients (dig, kdig) from the kernel side: ARP and ND are answered by
# the worker, AAAA synthesized per view, PTR mapped, misses SERVFAIL, and
# the counters add up. Needs root (network namespaces). Exits 77 to skip
# where it cannot run at all.
#   tap_test.sh DNS64D_BINARY
set -euo pipefail
bin=$1
[ "$(id -u)" -eq 0 ] || { echo "needs root for network namespaces"; exit 77; }
command -v dig >/dev/null && command -v kdig >/dev/null || { echo "dig and kdig are needed (scripts/setup)"; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/lab.sh
source "$here/../../scripts/lab.sh"
trap lab_down EXIT
lab_ns

cat >"$work/dns64d.toml" <<'TOML'
[upstream]
enabled = false   # never query the machine's own resolvers from a test
[[port]]
device = "net_tap0"
ipv4 = ["192.0.2.53"]
ipv6 = ["2001:db8::53"]
[[view]]
name = "nsp"
clients = ["2001:db8::/64"]
prefixes = ["2001:db8:64::/96"]
ptr_mode = "ptr"
[[view]]
name = "default"
prefixes = ["64:ff9b::/96"]
[[record]]
name = "v4only.example"
type = "A"
ttl = 300
data = "93.184.216.34"
[[record]]
name = "34.216.184.93.in-addr.arpa"
type = "PTR"
ttl = 300
data = "v4only.example"
TOML

lab_dns64d "$bin" "$work/dns64d.toml"
sleep 0.5

fail=0
check() {  # check NAME EXPECTED COMMAND...
  local name=$1 want=$2; shift 2
  local got
  got=$(ip netns exec "$ns" "$@" 2>&1 | tr -s ' \t' ' ' | sed 's/ *$//')
  if [ "$got" = "$want" ]; then echo "ok   $name"; else echo "FAIL $name: want [$want] got [$got]"; fail=$((fail + 1)); fi
}
d="dig +time=2 +tries=3"
# IPv4 client: the default view's well-known prefix.
check "AAAA over IPv4 (ARP by the worker)" "64:ff9b::5db8:d822" $d @192.0.2.53 AAAA v4only.example +short
# IPv6 client: its own view's prefix (neighbour discovery by the worker).
check "AAAA over IPv6 (ND by the worker)" "2001:db8:64::5db8:d822" $d @2001:db8::53 AAAA v4only.example +short
check "kdig AAAA" "2001:db8:64::5db8:d822" kdig +timeout=2 +retry=2 @2001:db8::53 AAAA v4only.example +short
check "PTR under the view's prefix, ptr mode" "v4only.example." $d @2001:db8::53 -x 2001:db8:64::5db8:d822 +short
check "PTR under the WKP, cname mode" "34.216.184.93.in-addr.arpa. v4only.example." \
  sh -c "$d @192.0.2.53 -x 64:ff9b::5db8:d822 +short | tr '\n' ' '"
check "A record" "93.184.216.34" $d @192.0.2.53 A v4only.example +short
check "miss is SERVFAIL" "SERVFAIL" sh -c "$d @192.0.2.53 AAAA nowhere.example | sed -n 's/.*status: \([A-Z]*\).*/\1/p'"
check "EDNS echoed" "1232" sh -c "$d +edns=0 +bufsize=4096 @2001:db8::53 AAAA v4only.example | sed -n 's/.*udp: \([0-9]*\).*/\1/p'"
check "ping the worker" "0" sh -c "ping -c 2 -W 2 -q 192.0.2.53 >/dev/null; echo \$?"

kill -TERM "$dns64d_pid"
wait "$dns64d_pid" || { echo "FAIL dns64d exited non-zero"; fail=$((fail + 1)); }
rx=$(sed -n 's/^counter rx //p' "$work/dns64d.log")
acc=$(sed -n 's/^counter accounted //p' "$work/dns64d.log")
if [ -n "$rx" ] && [ "$rx" = "$acc" ] && [ "$rx" -gt 0 ]; then echo "ok   every frame accounted ($rx)"; else
  echo "FAIL counters: rx=$rx accounted=$acc"; fail=$((fail + 1)); fi
# The static records were re-written every second (cache.replaces), each
# time retiring the old blocks: with every reader quiescent (the control
# plane's too, though no upstream and no TCP ever runs it) none is left.
counter() { sed -n "s/^counter $1 //p" "$work/dns64d.log"; }
if [ "$(counter cache.replaces)" -gt 0 ] && [ "$(counter cache.bytes_retired)" = 0 ] &&
   [ "$(counter cache.reclaim_lag_epochs)" = 0 ] && [ "$(counter cache.fail_no_memory)" = 0 ]; then
  echo "ok   retired cache blocks reclaimed ($(counter cache.replaces) replaced)"
else
  echo "FAIL cache reclamation: replaces=$(counter cache.replaces) retired=$(counter cache.bytes_retired) lag=$(counter cache.reclaim_lag_epochs)"
  fail=$((fail + 1))
fi
if [ "$fail" -ne 0 ]; then cat "$work/dns64d.log"; fi
exit $((fail > 0))  # a count of 77 would read as a skip
