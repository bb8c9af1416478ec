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

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/lab.sh
source "$here/../../scripts/lab.sh"
trap lab_down EXIT
lab_up "$bin"
in_ns() { ip netns exec "$cns" "$@"; }  # the clients' namespace

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
check "NXDOMAIN at the end of a CNAME: the chain is kept" "NXDOMAIN nowhere.test." \
  sh -c "$d6 AAAA dangling.test | sed -n 's/.*status: \([A-Z]*\).*/\1/p'; $d6 AAAA dangling.test +short"
check "NODATA for both types: NOERROR, no answer, SOA" "NOERROR 0 1" \
  sh -c "$d6 AAAA nodata.test | sed -n 's/.*status: \([A-Z]*\).*/\1/p; s/.*ANSWER: \([0-9]*\), AUTHORITY: \([0-9]*\).*/\1 \2/p'"
check "NODATA for both types without a SOA: NOERROR, nothing else" "NOERROR 0 0" \
  sh -c "$d6 AAAA nosoa.test | sed -n 's/.*status: \([A-Z]*\).*/\1/p; s/.*ANSWER: \([0-9]*\), AUTHORITY: \([0-9]*\).*/\1 \2/p'"
# The TTL served is what remains of the cached one, so allow a few seconds.
check "TTL: min(A TTL 900, negative TTL 300) (§5.1.7)" "ok" \
  sh -c "$d6 AAAA ttl.test +noall +answer | awk '{print (\$2 <= 300 && \$2 >= 295) ? \"ok\" : \$2}'"
check "TTL: A TTL 60 below the negative TTL" "ok" \
  sh -c "$d6 AAAA short.test +noall +answer | awk '{print (\$2 <= 60 && \$2 >= 55) ? \"ok\" : \$2}'"
check "A queries are forwarded" "192.0.2.1" $d6 A v4only.test +short
# DNS Cookies (RFC 7873, on by default): dig's client cookie brings a server
# cookie that dig itself checks ("good" when presented again and echoed),
# from the cache and for a miss; a malformed one is FORMERR.
check "a client cookie gets a server cookie (cache hit)" "good" \
  sh -c "$d6 +cookie AAAA v4only.test | sed -n 's/^; COOKIE: [0-9a-f]\{48\} (\(good\))\$/\1/p'"
check "a client cookie gets a server cookie (a miss, from the control plane)" "48" \
  sh -c "$d6 +cookie TXT cookie-miss.test | sed -n 's/^; COOKIE: \([0-9a-f]*\).*/\1/p' | tr -d '\n' | wc -c"
check "a server cookie of ours is handed back as presented" "same" \
  sh -c "c=\$($d4 +cookie A global.test | sed -n 's/^; COOKIE: \([0-9a-f]*\).*/\1/p'); \
         $d4 +cookie=\$c A global.test | grep -q \"^; COOKIE: \$c (good)\" && echo same"
check "a malformed cookie is FORMERR" "FORMERR" \
  sh -c "$d6 +cookie=0102 AAAA v4only.test | sed -n 's/.*status: \([A-Z]*\).*/\1/p'"
check "other types are forwarded" "\"only text\"" $d6 TXT nodata.test +short
# A CNAME to a name without the type asked for is NODATA: the chain and the
# SOA (RFC 2308 §5), asked twice (nothing cached as a positive answer).
check "CNAME to no data: chain and SOA" "NOERROR 1 1 NOERROR 1 1" \
  sh -c "for i in 1 2; do $d6 TXT cname.test | sed -n 's/.*status: \([A-Z]*\).*/\1/p; s/.*ANSWER: \([0-9]*\), AUTHORITY: \([0-9]*\).*/\1 \2/p'; done"
check "PTR under the prefix: CNAME and PTR (§5.3.1)" "1.2.0.192.in-addr.arpa. v4only.test." \
  $d6 -x 2001:db8:64::c000:201 +short
# Mapped answers that cannot be cached are relayed under the client's name.
check "PTR under the prefix, TTL 0: relayed, CNAME and PTR" "98.2.0.192.in-addr.arpa. zero.test." \
  $d6 -x 2001:db8:64::c000:262 +short
check "ptr mode, TTL 0: relayed, the PTR under the ip6.arpa name" \
  "2.6.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa. PTR zero.test." \
  sh -c "$d4 -x 64:ff9b::c000:262 +noall +answer | awk '{print \$1, \$4, \$5}'"
check "ptr mode from the cache" \
  "1.0.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa. PTR v4only.test." \
  sh -c "$d4 -x 64:ff9b::c000:201 +noall +answer | awk '{print \$1, \$4, \$5}'"
check "PTR under the prefix, NXDOMAIN after a CNAME: both CNAMEs" "NXDOMAIN 2" \
  sh -c "$d6 -x 2001:db8:64::c000:263 | sed -n 's/.*status: \([A-Z]*\).*/\1/p; s/.*ANSWER: \([0-9]*\).*/\1/p'"
# unbound keeps trying the dead server while dns64d's own attempts time out
# (twice 500 ms for AAAA, then for A): give dig one long try.
check "dead delegation: SERVFAIL" "SERVFAIL" \
  sh -c "dig +time=8 +tries=1 @2001:db8::53 AAAA host.dead.test | sed -n 's/.*status: \([A-Z]*\).*/\1/p'"
check "many A records: TC without EDNS" "tc" \
  sh -c "$d6 +noedns +ignore AAAA many.test | sed -n 's/.*flags: \([a-z ]*\);.*/\1/p' | grep -o tc"
check "many A records fit EDNS 1232" "30" sh -c "$d6 +bufsize=1232 AAAA many.test +short | wc -l"
check "kdig agrees" "2001:db8:64::c000:201" kdig +timeout=2 @2001:db8::53 AAAA v4only.test +short
# hot.test has a TTL of 4: a hit 2.5 s after the fill has less than half of
# it left (the lab's refresh_percent), so the control plane asks again
# (resolver.refreshes, checked at the end).
check "refresh: filled" "2001:db8:64::c000:232" $d6 AAAA hot.test +short
sleep 2.5
check "refresh: a hit late in its TTL" "2001:db8:64::c000:232" $d6 AAAA hot.test +short
# Per-view lists: the IPv6 clients' view never synthesizes under
# noxlat.test, always under forced.test, and maps 203.0.113.0/24 to its own
# prefix; the IPv4 clients' view has none of that.
check "exclude_domains: no synthesis in that view" "NOERROR 0" \
  sh -c "$d6 AAAA noxlat.test | sed -n 's/.*status: \([A-Z]*\).*/\1/p; s/.*ANSWER: \([0-9]*\).*/\1/p'"
check "exclude_domains: other views synthesize" "64:ff9b::5db8:d828" $d4 AAAA noxlat.test +short
check "force_domains: synthesized despite a real AAAA" "2001:db8:64::c000:229" $d6 AAAA forced.test +short
check "force_domains: other views get the real AAAA" "2001:db8::41" $d4 AAAA forced.test +short
check "prefix_map: the range's own prefix" "2001:db8:65::cb00:7107" $d6 AAAA mapnet.test +short
# The reverse of such an address is mapped back by the resolver as by the
# workers, so the second answer comes from the worker's cache.
check "prefix_map: PTR under the range's prefix" "7.113.0.203.in-addr.arpa. mapnet.test." \
  $d6 -x 2001:db8:65::cb00:7107 +short
check "prefix_map: that PTR again, from the cache" "7.113.0.203.in-addr.arpa. mapnet.test." \
  $d6 -x 2001:db8:65::cb00:7107 +short
# DNS over TCP: the worker hands TCP/53 to the kernel on dns64d's exception
# interface, where dns64d's own listener answers from the same cache and
# resolver; the kernel's segments go back out through the worker.
check "dig +tcp: from the cache" "2001:db8:64::c000:201" $d6 +tcp AAAA v4only.test +short
check "dig +tcp over IPv4: the client's view" "64:ff9b::5db8:d822" $d4 +tcp AAAA global.test +short
check "dig +tcp: a miss resolved upstream" "2001:db8:64::c000:21e" $d6 +tcp AAAA tcponly.test +short
check "TC over UDP, then the retry over TCP" "retrying 30" \
  sh -c "$d6 +noedns AAAA many.test | sed -n 's/.*Truncated, \(retrying\).*/\1/p; s/.*ANSWER: \([0-9]*\).*/\1/p'"
check "kdig +tcp: two queries on one connection" "2001:db8:64::c000:201 2001:db8::d" \
  kdig +timeout=2 +tcp +keepopen +short @2001:db8::53 AAAA v4only.test AAAA dual.test
# RFC 7050 / RFC 8880: answered by dns64d itself (unbound refuses everything
# outside the test zones, so an upstream answer would be SERVFAIL).
check "ipv4only.arpa under the well-known prefix" "64:ff9b::c000:aa 64:ff9b::c000:ab" \
  sh -c "$d4 AAAA ipv4only.arpa +short | sort"
check "ipv4only.arpa under the view's prefix" "2001:db8:64::c000:aa 2001:db8:64::c000:ab" \
  sh -c "$d6 AAAA ipv4only.arpa +short | sort"
check "reverse of 192.0.0.170" "ipv4only.arpa." $d4 -x 192.0.0.170 +short
# DO and CD: a validating client gets no synthesis (§5.5).
check "DO+CD: no synthesis" "0" sh -c "$d6 +dnssec +cd AAAA v4only.test | sed -n 's/.*ANSWER: \([0-9]*\).*/\1/p'"
# mixed.test's filtered AAAA set is in the cache by now (an earlier check):
# a validating client gets the upstream's records, the ::ffff: one too.
check "DO+CD: the upstream's records, not the cache's filtered set" "2" \
  sh -c "$d6 +dnssec +cd AAAA mixed.test +short | wc -l"
check "DO alone: the cache's filtered set" "2001:db8::6" $d6 +dnssec AAAA mixed.test +short

# A peer DNS64 on the same zone: unbound's own dns64 module (prefix
# 2001:db8:64::/96, the IPv6 clients' view) straight over NSD. Where RFC 6147
# leaves no choice, both must give the same rcode and the same records.
lab_unbound peer 5454 <<CONF
  module-config: "dns64 iterator"
  dns64-prefix: 2001:db8:64::/96
  do-not-query-localhost: no
  access-control: 127.0.0.0/8 allow
  local-zone: "." refuse
  local-zone: "test." transparent
stub-zone:
  name: "test."
  stub-addr: 127.0.0.1@5300
CONF
for _ in $(seq 50); do
  ip netns exec "$ns" dig +time=1 +tries=1 @127.0.0.1 -p 5454 SOA test. +short 2>/dev/null | grep -q hostmaster && break
  sleep 0.2
done
# "STATUS rr rr ...": the rcode and the answer's records (type, data), sorted.
summary() {
  local out
  out=$("$@" 2>&1)
  printf '%s ' "$(sed -n 's/.*status: \([A-Z]*\).*/\1/p' <<<"$out")"
  awk '!/^;/ && NF >= 5 {print $4, $5}' <<<"$out" | sort | tr '\n' ' '
}
for name in v4only cname chain dangling dual nodata nothere global private many ttl short; do
  ours=$(summary in_ns dig +time=2 +tries=2 @2001:db8::53 AAAA $name.test +noall +comments +answer)
  peer=$(summary ip netns exec "$ns" dig +time=2 +tries=2 @127.0.0.1 -p 5454 AAAA $name.test +noall +comments +answer)
  if [ -n "$ours" ] && [ "$ours" = "$peer" ] && [ "${ours%% *}" != "" ]; then
    echo "ok   same as unbound's dns64: $name.test (${ours:0:60})"
  else
    echo "FAIL differs from unbound's dns64: $name.test: ours [$ours] unbound [$peer]"; fail=$((fail + 1))
  fi
done

# Serve-stale (RFC 8767): with unbound gone, an expired answer is served
# with the stale TTL (30 s) instead of SERVFAIL.
check "cached before the upstream fails" "2001:db8:64::c000:214" $d6 AAAA stale.test +short
check "cached before the authority fails" "2001:db8:64::c000:215" $d6 AAAA stale2.test +short
# NSD gone: unbound answers SERVFAIL, and the expired entry is served.
kill -TERM "$nsd_pid"
sleep 2
check "upstream SERVFAIL, entry expired: served stale" "2001:db8:64::c000:215 30" \
  sh -c "dig +time=6 +tries=1 @2001:db8::53 AAAA stale2.test +noall +answer | awk '{print \$5, \$2}'"
kill -TERM "$unbound_pid"
wait "$unbound_pid" 2>/dev/null || true
sleep 2
check "upstream gone, entry expired: served stale" "2001:db8:64::c000:214 30" \
  sh -c "dig +time=6 +tries=1 @2001:db8::53 AAAA stale.test +noall +answer | awk '{print \$5, \$2}'"
check "upstream gone, never cached: SERVFAIL" "SERVFAIL" \
  sh -c "dig +time=6 +tries=1 @2001:db8::53 AAAA fresh.test | sed -n 's/.*status: \([A-Z]*\).*/\1/p'"

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
refreshes=$(sed -n 's/^counter resolver.refreshes //p' "$work/dns64d.log")
if [ "${refreshes:-0}" -ge 1 ]; then echo "ok   entries refreshed before expiry ($refreshes)"; else
  echo "FAIL resolver.refreshes=$refreshes"; fail=$((fail + 1)); fi
tcp_q=$(sed -n 's/^counter tcp.queries //p' "$work/dns64d.log")
tcp_a=$(sed -n 's/^counter tcp.answers //p' "$work/dns64d.log")
tcp_c=$(sed -n 's/^counter tcp.accepted //p' "$work/dns64d.log")
if [ "${tcp_q:-0}" -ge 6 ] && [ "$tcp_q" = "$tcp_a" ] && [ "${tcp_c:-0}" -lt "$tcp_q" ]; then
  echo "ok   TCP: $tcp_q queries, $tcp_a answers on $tcp_c connections"; else
  echo "FAIL TCP counters: queries=$tcp_q answers=$tcp_a connections=$tcp_c"; fail=$((fail + 1)); fi
if [ "$fail" -ne 0 ]; then
  cat "$work/dns64d.log"; tail -20 "$work/unbound.log" "$work/nsd.log" 2>/dev/null || true
fi
exit $((fail > 0))  # a count of 77 would read as a skip
