#!/usr/bin/env bash
# dns64d end to end with real servers: NSD serves a generated test zone,
# unbound (DNS64 module off) resolves it, dns64d on a DPDK TAP port asks
# unbound for its misses, and dig and kdig on the kernel side of the TAP
# check every answer exactly. Everything runs inside a network namespace
# the test creates, on its loopback and TAP; nothing leaves it. Exits 77 to
# skip where it cannot run (not root, servers missing).
#   dns64_test.sh DNS64D_BINARY
set -euo pipefail
bin=$1
[ "$(id -u)" -eq 0 ] || { echo "needs root for network namespaces"; exit 77; }
for tool in nsd unbound dig kdig; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "$tool missing (scripts/setup)"; exit 1; }
done
export PATH=$PATH:/usr/sbin

ns=dns64d-live-$$
work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
in_ns() { ip netns exec "$ns" "$@"; }

ip netns add "$ns"
ip -n "$ns" link set lo up

# The test zone: every case RFC 6147 distinguishes.
cat >"$work/test.zone" <<'ZONE'
$TTL 3600
@        IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300
@        IN NS  ns.test.
ns       IN A   127.0.0.1
v4only   IN A   192.0.2.1
dual     IN A   192.0.2.2
dual     IN AAAA 2001:db8::d
mapped   IN A   192.0.2.5
mapped   IN AAAA ::ffff:192.0.2.5
mixed    IN AAAA ::ffff:192.0.2.6
mixed    IN AAAA 2001:db8::6
cname    IN CNAME v4only.test.
chain    IN CNAME cname.test.
nodata   IN TXT "only text"
private  IN A   10.1.2.3
global   IN A   93.184.216.34
ttl  900 IN A   192.0.2.9
short 60 IN A   192.0.2.10
dead     IN NS  ns.dead.test.
ns.dead  IN A   127.0.0.2
ZONE
for i in $(seq 1 30); do echo "many IN A 198.51.100.$i" >>"$work/test.zone"; done
cat >"$work/rev.zone" <<'ZONE'
$TTL 3600
@   IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300
@   IN NS  ns.test.
1   IN PTR v4only.test.
ZONE
cat >"$work/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@5300
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "$work"
  pidfile: "$work/nsd.pid"
  database: ""
  zonelistfile: "$work/zone.list"
  xfrdfile: "$work/xfrd.state"
  xfrdir: "$work"
  logfile: "$work/nsd.log"
  server-count: 1
remote-control:
  control-enable: no
zone:
  name: "test."
  zonefile: "$work/test.zone"
zone:
  name: "2.0.192.in-addr.arpa."
  zonefile: "$work/rev.zone"
CONF
cat >"$work/unbound.conf" <<CONF
server:
  interface: 127.0.0.1@5353
  port: 5353
  do-ip6: no
  do-daemonize: no
  chroot: ""
  username: ""
  directory: "$work"
  pidfile: "$work/unbound.pid"
  use-syslog: no
  logfile: "$work/unbound.log"
  verbosity: 1
  module-config: "iterator"
  do-not-query-localhost: no
  access-control: 127.0.0.0/8 allow
  # Only the test zones resolve; nothing else is ever asked of anyone.
  local-zone: "." refuse
  local-zone: "test." transparent
  local-zone: "2.0.192.in-addr.arpa." transparent
stub-zone:
  name: "test."
  stub-addr: 127.0.0.1@5300
stub-zone:
  name: "2.0.192.in-addr.arpa."
  stub-addr: 127.0.0.1@5300
remote-control:
  control-enable: no
CONF
cat >"$work/dns64d.toml" <<'TOML'
[upstream]
servers = ["127.0.0.1:5353"]
timeout_ms = 500
attempts = 2
[[port]]
device = "net_tap0"
ipv4 = ["192.0.2.53"]
ipv6 = ["2001:db8::53"]
[[view]]
name = "nsp"
clients = ["2001:db8::/64"]
prefixes = ["2001:db8:64::/96"]
[[view]]
name = "default"
prefixes = ["64:ff9b::/96"]
TOML

# Started with ip netns exec itself (not a shell function) so that $! is the
# server's own pid and the cleanup can stop it.
ip netns exec "$ns" nsd -d -c "$work/nsd.conf" >"$work/nsd.out" 2>&1 &
pids+=($!)
ip netns exec "$ns" unbound -d -c "$work/unbound.conf" >"$work/unbound.out" 2>&1 &
pids+=($!)
ip netns exec "$ns" timeout -k 3 170 "$bin" --config "$work/dns64d.toml" -- \
  --no-pci --no-huge -m 256 --no-shconf -l 0 --log-level='*:warning' \
  --vdev=net_tap0,iface=dtap0 >"$work/dns64d.log" 2>&1 &
dns64d_pid=$!
pids+=($dns64d_pid)
for _ in $(seq 100); do ip -n "$ns" link show dtap0 >/dev/null 2>&1 && break; sleep 0.1; done
ip -n "$ns" link set dtap0 up
ip -n "$ns" addr add 192.0.2.100/24 dev dtap0
ip -n "$ns" addr add 2001:db8::1/64 dev dtap0 nodad
for _ in $(seq 50); do
  in_ns dig +time=1 +tries=1 @127.0.0.1 -p 5353 SOA test. +short 2>/dev/null | grep -q hostmaster && break
  sleep 0.2
done

fail=0
check() {  # check NAME EXPECTED COMMAND...
  local name=$1 want=$2; shift 2
  local got
  got=$(in_ns "$@" 2>&1 | tr -s ' \t\n' ' ' | sed 's/ *$//')
  if [ "$got" = "$want" ]; then echo "ok   $name"; else echo "FAIL $name: want [$want] got [$got]"; fail=$((fail + 1)); fi
}
d6="dig +time=2 +tries=2 @2001:db8::53"
d4="dig +time=2 +tries=2 @192.0.2.53"
status() { sed -n 's/.*status: \([A-Z]*\).*/\1/p'; }
export -f status 2>/dev/null || true

check "v4-only name: synthesized under the view's prefix" "2001:db8:64::c000:201" $d6 AAAA v4only.test +short
check "the same again, now from the worker's cache" "2001:db8:64::c000:201" $d6 AAAA v4only.test +short
check "IPv4 client: the well-known prefix" "64:ff9b::5db8:d822" $d4 AAAA global.test +short
check "WKP never maps non-global IPv4 (RFC 6052 §3.1)" "NOERROR 0" \
  sh -c "$d4 AAAA private.test | sed -n 's/.*status: \([A-Z]*\).*/\1/p; s/.*ANSWER: \([0-9]*\).*/\1/p'"
check "real AAAA is returned, not synthesized" "2001:db8::d" $d6 AAAA dual.test +short
check "only ::ffff:0:0/96 AAAA: synthesized (§5.1.4)" "2001:db8:64::c000:205" $d6 AAAA mapped.test +short
check "mixed AAAA: excluded one filtered out" "2001:db8::6" $d6 AAAA mixed.test +short
check "CNAME chain kept, target synthesized (§5.1.5)" "cname.test. v4only.test. 2001:db8:64::c000:201" \
  $d6 AAAA chain.test +short
check "NXDOMAIN is NXDOMAIN" "NXDOMAIN" sh -c "$d6 AAAA nothere.test | sed -n 's/.*status: \([A-Z]*\).*/\1/p'"
check "NODATA for both types: NOERROR, no answer, SOA" "NOERROR 0 1" \
  sh -c "$d6 AAAA nodata.test | sed -n 's/.*status: \([A-Z]*\).*/\1/p; s/.*ANSWER: \([0-9]*\), AUTHORITY: \([0-9]*\).*/\1 \2/p'"
# The TTL served is what remains of the cached one, so allow a few seconds.
check "TTL: min(A TTL 900, negative TTL 300) (§5.1.7)" "ok" \
  sh -c "$d6 AAAA ttl.test +noall +answer | awk '{print (\$2 <= 300 && \$2 >= 295) ? \"ok\" : \$2}'"
check "TTL: A TTL 60 below the negative TTL" "ok" \
  sh -c "$d6 AAAA short.test +noall +answer | awk '{print (\$2 <= 60 && \$2 >= 55) ? \"ok\" : \$2}'"
check "A queries are forwarded" "192.0.2.1" $d6 A v4only.test +short
check "other types are forwarded" "\"only text\"" $d6 TXT nodata.test +short
check "PTR under the prefix: CNAME and PTR (§5.3.1)" "1.2.0.192.in-addr.arpa. v4only.test." \
  $d6 -x 2001:db8:64::c000:201 +short
# unbound keeps trying the dead server while dns64d's own attempts time out
# (twice 500 ms for AAAA, then for A): give dig one long try.
check "dead delegation: SERVFAIL" "SERVFAIL" \
  sh -c "dig +time=8 +tries=1 @2001:db8::53 AAAA host.dead.test | sed -n 's/.*status: \([A-Z]*\).*/\1/p'"
check "many A records: TC without EDNS" "tc" \
  sh -c "$d6 +noedns +ignore AAAA many.test | sed -n 's/.*flags: \([a-z ]*\);.*/\1/p' | grep -o tc"
check "many A records fit EDNS 1232" "30" sh -c "$d6 +bufsize=1232 AAAA many.test +short | wc -l"
check "kdig agrees" "2001:db8:64::c000:201" kdig +timeout=2 @2001:db8::53 AAAA v4only.test +short
# DO and CD: a validating client gets no synthesis (§5.5).
check "DO+CD: no synthesis" "0" sh -c "$d6 +dnssec +cd AAAA v4only.test | sed -n 's/.*ANSWER: \([0-9]*\).*/\1/p'"

kill -TERM "$dns64d_pid"
wait "$dns64d_pid" || { echo "FAIL dns64d exited non-zero"; fail=$((fail + 1)); }
rx=$(sed -n 's/^counter rx //p' "$work/dns64d.log")
acc=$(sed -n 's/^counter accounted //p' "$work/dns64d.log")
hits=$(sed -n 's/^counter dns.answered_aaaa_synth //p' "$work/dns64d.log")
fills=$(sed -n 's/^counter resolver.cache_fills //p' "$work/dns64d.log")
if [ -n "$rx" ] && [ "$rx" = "$acc" ]; then echo "ok   every frame accounted ($rx)"; else
  echo "FAIL counters: rx=$rx accounted=$acc"; fail=$((fail + 1)); fi
if [ "${hits:-0}" -ge 1 ] && [ "${fills:-0}" -ge 5 ]; then echo "ok   worker cache hits ($hits), cache fills ($fills)"; else
  echo "FAIL worker hits=$hits fills=$fills"; fail=$((fail + 1)); fi
if [ "$fail" -ne 0 ]; then
  cat "$work/dns64d.log"; tail -20 "$work/unbound.log" "$work/nsd.log" 2>/dev/null || true
fi
exit "$fail"
