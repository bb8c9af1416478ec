#!/usr/bin/env bash
# The resolver's bounds: with one lookup (or one waiting client) allowed and an upstream
# that never answers (unbound in the test's own namespace, told to drop
# every query with access-control deny; a port where nothing listens would
# not do, the ICMP port unreachable fails the lookup over at once), a
# second miss is over the limit and gets SERVFAIL at once, or nothing with
# [upstream] over_limit = "drop"; the counters say so. Needs root (network
# namespaces); exits 77 to skip where it cannot run.
#   limits_test.sh DNS64D_BINARY
set -euo pipefail
bin=$1
[ "$(id -u)" -eq 0 ] || { echo "needs root for network namespaces"; exit 77; }
command -v dig >/dev/null || { echo "dig is needed (scripts/setup)"; exit 1; }
command -v unbound >/dev/null || { echo "unbound is needed (scripts/setup)"; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/lab.sh
source "$here/../../scripts/lab.sh"
fail=0

run_case() {  # run_case OVER_LIMIT EXPECTED_SECOND_ANSWER LIMIT COUNTER
  local mode=$1 want=$2 limit=$3 counter=$4 got first
  lab_ns
  lab_unbound unbound 5353 <<CONF
  access-control: 127.0.0.0/8 deny   # drops every query without a word
CONF
  cat >"$work/dns64d.toml" <<TOML
[upstream]
servers = ["127.0.0.1:5353"]   # silent: unbound drops what it is asked
timeout_ms = 3000
attempts = 1
client_deadline_ms = 0          # the upstream's own timeout, counted below, ends the wait
$limit = 1
over_limit = "$mode"
[[port]]
device = "net_tap0"
ipv4 = ["192.0.2.53"]
TOML
  lab_dns64d "$bin" "$work/dns64d.toml"
  sleep 0.5
  # The first miss holds the only slot ($limit) for three seconds.
  ip netns exec "$cns" dig +time=5 +tries=1 @192.0.2.53 AAAA first.example >"$work/first.out" 2>&1 &
  first=$!
  sleep 0.5
  # dig exits 9 when nothing answers: that is the outcome checked below.
  local rc=0
  ip netns exec "$cns" dig +time=1 +tries=1 @192.0.2.53 AAAA second.example >"$work/second.out" 2>&1 || rc=$?
  got=$(sed -n 's/.*status: \([A-Z]*\).*/\1/p; s/.*\(timed out\).*/\1/p' "$work/second.out" | head -1)
  echo "     (dig exit status $rc)"
  if [ "$got" = "$want" ]; then echo "ok   $limit over_limit=$mode: second miss gets [$got]"; else
    echo "FAIL $limit over_limit=$mode: second miss: want [$want] got [$got]"; fail=$((fail + 1)); fi
  wait "$first" || true
  kill -TERM "$dns64d_pid"
  wait "$dns64d_pid" || { echo "FAIL dns64d exited non-zero"; fail=$((fail + 1)); }
  local dropped
  dropped=$(sed -n "s/^counter resolver.$counter //p" "$work/dns64d.log")
  if [ "$dropped" = "1" ]; then echo "ok   $limit over_limit=$mode: counted as $counter ($dropped)"; else
    echo "FAIL $limit over_limit=$mode: resolver.$counter=$dropped"; fail=$((fail + 1)); cat "$work/dns64d.log"; fi
  # The silent server timed out (it was asked, it did not refuse), by name.
  local timeouts unreachable
  timeouts=$(sed -n 's/^counter upstream.server.timeouts{server="127.0.0.1:5353"} //p' "$work/dns64d.log")
  unreachable=$(sed -n 's/^counter upstream.unreachable //p' "$work/dns64d.log")
  if [ "${timeouts:-0}" -ge 1 ] && [ "$unreachable" = "0" ]; then
    echo "ok   over_limit=$mode: the silent server timed out ($timeouts), none refused"; else
    echo "FAIL over_limit=$mode: upstream timeouts=[$timeouts] unreachable=[$unreachable]"
    fail=$((fail + 1)); fi
  lab_down
}

trap lab_down EXIT
run_case servfail SERVFAIL max_pending shed_pending
run_case drop "timed out" max_pending shed_pending
run_case servfail SERVFAIL max_waiting shed_waiting
trap - EXIT
exit $((fail > 0))  # a count of 77 would read as a skip
