#!/usr/bin/env bash
# dns64d behind validating resolvers (RFC 6147 §5.5): NSD serves sec.test.,
# signed here with a fresh KSK and ZSK, in which good.sec.test. has only an
# A, dual.sec.test. an A and an AAAA, and broken.sec.test. only an A whose
# AAAA denial (the signature over its NSEC) is corrupted after signing.
# unbound (ede: yes) and BIND's named validate it with the zone's DS as their
# trust anchor and are dns64d's upstream in turn: a bogus denial must give
# SERVFAIL with a DNSSEC Extended DNS Error, never synthesis from the A
# (unbound says why in an EDE; named 9.18 does not, and dns64d finds out by
# asking again with CD); DO+CD clients get the upstream's own signed answer,
# with its AD only under [upstream] trust_ad; clients that set DO get the
# zone's signatures and denial proofs from dns64d's cache, and delv
# validates them from the zone's KSK. Everything runs in a network
# namespace of the test's own, dns64d on a TAP port; nothing leaves it.
# Exits 77 to skip where it cannot run (not root, tools missing).
#   dnssec_test.sh DNS64D_BINARY
set -euo pipefail
bin=$1
[ -x "$bin" ] || { echo "no dns64d at $bin"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "needs root for network namespaces"; exit 77; }
export PATH=$PATH:/usr/sbin
for tool in nsd unbound named dig dnssec-keygen dnssec-signzone timeout; do
  command -v "$tool" >/dev/null || { echo "$tool missing (scripts/setup: bind9, bind9-utils)"; exit 77; }
done

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/lab.sh
source "$here/../../scripts/lab.sh"
trap lab_down EXIT
lab_ns

fail=0
check() {  # check NAME EXPECTED GOT
  if [ "$3" = "$2" ]; then echo "ok   $1"; else echo "FAIL $1: want [$2] got [$3]"; fail=$((fail + 1)); fi
}
# dig from the server namespace (the upstreams on its loopback, dns64d's
# TAP client address there too); its whole output, also kept in ask.log.
ask() {
  local out
  out=$(ip netns exec "$ns" timeout 15 dig +time=3 +tries=2 "$@" 2>&1 || true)
  printf '== %s dig %s\n%s\n' "$(date +%T.%N | cut -c1-12)" "$*" "$out" >>"$work/ask.log"
  printf '%s\n' "$out"
}
# What a dig output says, on one line: "RCODE ede=CODE|none ad|noad" and
# the answer section's types ("AAAA RRSIG:AAAA"), or with "auth" the
# authority section's.
facts() {  # facts OUTPUT [auth]
  local out=$1 section=${2:-ANSWER} rcode ede ad types
  [ "$section" = auth ] && section=AUTHORITY
  rcode=$(sed -n '/status: /{s/.*status: \([A-Z]*\),.*/\1/p;q}' <<<"$out")
  ede=$(sed -n '/^; EDE: /{s/^; EDE: \([0-9]*\).*/\1/p;q}' <<<"$out")
  case " $(sed -n '/^;; flags: /{s/^;; flags: \([a-z ]*\);.*/\1/p;q}' <<<"$out") " in
    *" ad "*) ad=ad ;;
    *) ad=noad ;;
  esac
  types=$(awk -v s=";; $section SECTION:" '$0 == s {on = 1; next} /^;; [A-Z]+ SECTION:/ || /^$/ {on = 0}
            on && !/^;/ {print ($4 == "RRSIG" ? "RRSIG:" $5 : $4)}' <<<"$out" | sort | tr '\n' ' ')
  echo "$rcode ede=${ede:-none} $ad ${types% }" | sed 's/ *$//'
}
# An EDE of the DNSSEC group (RFC 8914 codes 1-12) reads as "dnssec".
dnssec_ede() { sed -E 's/ede=([1-9]|1[0-2])( |$)/ede=dnssec\2/'; }

# The zone, signed with dnssec-signzone (NSEC), one record a line.
cat >"$work/sec.test.zone" <<'ZONE'
$TTL 3600
@       IN SOA ns.sec.test. hostmaster.sec.test. 1 3600 600 86400 300
@       IN NS  ns
ns      IN A   127.0.0.1
good    IN A   93.184.216.34
dual    IN A   93.184.216.35
dual    IN AAAA 2001:db8::35
broken  IN A   93.184.216.36
ZONE
(
  cd "$work"
  timeout 20 dnssec-keygen -q -K . -a ECDSAP256SHA256 -f KSK sec.test >/dev/null
  timeout 20 dnssec-keygen -q -K . -a ECDSAP256SHA256 sec.test >/dev/null
  timeout 20 dnssec-signzone -q -K . -S -O full -o sec.test. -f sec.test.signed sec.test.zone >/dev/null
)
# The bogus denial: one base64 character of the signature over the NSEC
# owned by broken.sec.test. changed (its A RRset keeps a valid signature).
awk '$1 == "broken.sec.test." && $4 == "RRSIG" && $5 == "NSEC" {
       c = substr($13, 5, 1); $13 = substr($13, 1, 4) (c == "A" ? "B" : "A") substr($13, 6); n++ }
     {print} END {exit n != 1}' "$work/sec.test.signed" >"$work/sec.test.bogus"
# The trust anchor: the KSK's DS, for unbound as a file, for named inline.
ds_file="$work/dsset-sec.test."
anchor=$(awk '$3 == "DS" {d = ""; for (i = 7; i <= NF; i++) d = d $i;
               printf "%s static-ds %s %s %s \"%s\";", $1, $4, $5, $6, d}' "$ds_file")
printf 'trust-anchors { %s };\n' "$anchor" >"$work/anchors.conf"

# NSD on port 53 of the namespace's loopback: named's static-stub server
# addresses take no port.
cat >"$work/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@53
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
  name: "sec.test."
  zonefile: "$work/sec.test.bogus"
CONF
ip netns exec "$ns" timeout -k 3 150 nsd -d -c "$work/nsd.conf" >"$work/nsd.out" 2>&1 &
lab_pids+=($!)

# Upstream A: unbound validating sec.test. from its DS, Extended DNS Errors on.
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
  val-log-level: 2
  ede: yes
  module-config: "validator iterator"
  trust-anchor-file: "$ds_file"
  do-not-query-localhost: no
  access-control: 127.0.0.0/8 allow
  local-zone: "." refuse
  local-zone: "sec.test." transparent
stub-zone:
  name: "sec.test."
  stub-addr: 127.0.0.1@53
remote-control:
  control-enable: no
CONF
ip netns exec "$ns" timeout -k 3 150 unbound -d -c "$work/unbound.conf" >"$work/unbound.out" 2>&1 &
lab_pids+=($!)

# Upstream B: BIND's named validating sec.test. from the same DS.
mkdir -p "$work/named"
cat >"$work/named.conf" <<CONF
options {
  directory "$work/named";
  pid-file "$work/named/named.pid";
  session-keyfile "$work/named/session.key";
  managed-keys-directory "$work/named";
  listen-on port 5354 { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion yes;
  allow-query { any; };
  allow-recursion { any; };
  dnssec-validation yes;
  notify no;
};
controls { };
$(cat "$work/anchors.conf")
zone "sec.test" { type static-stub; server-addresses { 127.0.0.1; }; };
CONF
ip netns exec "$ns" timeout -k 3 150 named -g -4 -n 1 -c "$work/named.conf" >"$work/named.log" 2>&1 &
lab_pids+=($!)

for port in 53 5353 5354; do
  for _ in $(seq 50); do
    [[ "$(ask @127.0.0.1 -p $port +time=1 SOA sec.test.)" == *"status: NOERROR"* ]] && break
    sleep 0.2
  done
done

# The upstreams on their own. Sets broken_facts: what the upstream said to
# broken.sec.test. AAAA.
upstream_checks() {  # upstream_checks NAME PORT
  local out
  out=$(ask @127.0.0.1 -p "$2" +dnssec A good.sec.test)
  check "$1: good A validates (AD)" "NOERROR ede=none ad A RRSIG:A" "$(facts "$out")"
  out=$(ask @127.0.0.1 -p "$2" +dnssec AAAA good.sec.test)
  check "$1: good AAAA is a validated NODATA" "NOERROR ede=none ad NSEC RRSIG:NSEC RRSIG:SOA SOA" \
    "$(facts "$out" auth)"
  out=$(ask @127.0.0.1 -p "$2" +dnssec A broken.sec.test)
  check "$1: broken A validates (AD)" "NOERROR ede=none ad A RRSIG:A" "$(facts "$out")"
  out=$(ask @127.0.0.1 -p "$2" AAAA broken.sec.test)
  echo "     $1 on broken AAAA: $(grep -E 'status:|^; EDE' <<<"$out" | tr -s ' \n' ' ')"
  broken_facts=$(facts "$out")
}
upstream_checks unbound 5353
unbound_broken=$broken_facts
check "unbound: broken AAAA is SERVFAIL with a DNSSEC EDE" "SERVFAIL ede=dnssec noad" \
  "$(dnssec_ede <<<"$unbound_broken")"
upstream_checks named 5354
named_ede=$(sed -n 's/.* ede=\([a-z0-9]*\).*/\1/p' <<<"$broken_facts")
check "named: broken AAAA is SERVFAIL" "SERVFAIL" "${broken_facts%% *}"

# dns64d on a TAP port in front of one upstream; the IPv4 client
# 192.0.2.100 is in the default view (64:ff9b::/96).
dns64d_up() {  # dns64d_up PORT TRUST_AD
  cat >"$work/dns64d.toml" <<TOML
[upstream]
servers = ["127.0.0.1:$1"]
timeout_ms = 1000
attempts = 2
trust_ad = $2
[[port]]
device = "net_tap0"
ipv4 = ["192.0.2.53/24"]
[[view]]
name = "default"
prefixes = ["64:ff9b::/96"]
TOML
  # (lab_dns64d gives up on a TAP port not there within 10 s: say so.)
  lab_dns64d "$bin" "$work/dns64d.toml" || true
  if [[ "$(ip -n "$ns" addr show dev dtap0 2>&1)" != *192.0.2.100/24* ]]; then
    echo "FAIL dns64d's TAP port did not come up"; cat "$work/dns64d.log"; exit 1
  fi
  for _ in $(seq 50); do
    [[ "$(ask @192.0.2.53 +time=1 A good.sec.test)" == *"status: NOERROR"* ]] && return
    sleep 0.2
  done
}
# RRSIG records' owner, type covered and rdata, one a line, sorted: of the
# dig output on stdin, or with zone_sigs of the signed zone, those covering
# "OWNER TYPE|OWNER TYPE".
sigs() { awk '$4 == "RRSIG" {r = $1 " " $5 " "; for (i = 6; i <= NF; i++) r = r $i; print r}' | sort; }
zone_sigs() { sigs <"$work/sec.test.bogus" | grep -E "^($1) "; }
# Stops dns64d, its log (the exit counters) kept as dns64d.RUN.log.
dns64d_down() {  # dns64d_down RUN
  local rc=0
  { ip -n "$ns" -s link show dtap0; ip -n "$ns" neigh; } >"$work/dns64d.$1.net" 2>&1 || true
  kill -TERM "$dns64d_pid"
  wait "$dns64d_pid" || rc=$?
  [ "$rc" -eq 0 ] || { echo "FAIL $1: dns64d exited with status $rc"; fail=$((fail + 1)); }
  # Its TAP port gone before the next run's is looked for.
  for _ in $(seq 50); do ip -n "$ns" link show dtap0 >/dev/null 2>&1 || break; sleep 0.1; done
  cp "$work/dns64d.log" "$work/dns64d.$1.log"
  echo "     dns64d ($1) counted dnssec_failure=$(counter "$1" resolver.dnssec_failure)" \
    "cd_retries=$(counter "$1" resolver.cd_retries)"
}
counter() { sed -n "s/^counter $2 //p" "$work/dns64d.$1.log"; }
counted() {  # counted RUN COUNTER: "counted" when it is at least 1, else its value
  local n
  n=$(counter "$1" "$2")
  if [ "${n:-0}" -ge 1 ]; then echo counted; else echo "${n:-missing}"; fi
}
d="@192.0.2.53"

# Run 1: unbound, trust_ad = false.
dns64d_up 5353 false
check "via unbound: good AAAA synthesized from its validated A" "64:ff9b::5db8:d822" \
  "$(ask $d AAAA good.sec.test +short)"
out=$(ask $d AAAA broken.sec.test)
echo "     dns64d (unbound) on broken AAAA: $(grep -E 'status:|^; EDE' <<<"$out" | tr -s ' \n' ' ')"
check "via unbound: broken AAAA is SERVFAIL with the upstream's EDE, not synthesis" \
  "SERVFAIL ede=dnssec noad" "$(facts "$out" | dnssec_ede)"
check "via unbound: the EDE relayed is the one unbound sent" "${unbound_broken#* }" \
  "$(facts "$out" | cut -d' ' -f2-)"
check "via unbound: asked again, still SERVFAIL" "SERVFAIL ede=dnssec noad" \
  "$(facts "$(ask $d AAAA broken.sec.test)" | dnssec_ede)"
check "via unbound: broken A is answered" "93.184.216.36" "$(ask $d A broken.sec.test +short)"
check "via unbound: dual AAAA is the real one" "2001:db8::35" "$(ask $d AAAA dual.sec.test +short)"
out=$(ask $d +dnssec +cd AAAA good.sec.test)
check "via unbound: DO+CD good AAAA is the signed NODATA, not synthesis" \
  "NOERROR ede=none noad" "$(facts "$out")"
check "via unbound: DO+CD good AAAA carries the NSEC proof and its signatures" \
  "NOERROR ede=none noad NSEC RRSIG:NSEC RRSIG:SOA SOA" "$(facts "$out" auth)"
check "via unbound: DO+CD dual AAAA carries its RRSIG, no AD without trust_ad" \
  "NOERROR ede=none noad AAAA RRSIG:AAAA" "$(facts "$(ask $d +dnssec +cd AAAA dual.sec.test)")"
check "via unbound: DO alone, good AAAA still synthesized" "64:ff9b::5db8:d822" \
  "$(ask $d +dnssec AAAA good.sec.test +short | grep -v RRSIG)"
# Clients that set DO (no CD) get the signatures and proofs with answers
# from the cache, which is filled with DO set; the others never see them.
for round in fresh cached; do
  check "via unbound: DO A good ($round) carries its RRSIG" "NOERROR ede=none noad A RRSIG:A" \
    "$(facts "$(ask $d +dnssec A good.sec.test)")"
  check "via unbound: DO TXT good ($round), a NODATA, carries the NSEC proof" \
    "NOERROR ede=none noad NSEC RRSIG:NSEC RRSIG:SOA SOA" \
    "$(facts "$(ask $d +dnssec TXT good.sec.test)" auth)"
done
check "via unbound: DO dual AAAA (cached) carries its RRSIG" "NOERROR ede=none noad AAAA RRSIG:AAAA" \
  "$(facts "$(ask $d +dnssec AAAA dual.sec.test)")"
check "via unbound: no DO, no RRSIG with an answer" "NOERROR ede=none noad A" \
  "$(facts "$(ask $d A good.sec.test)")"
check "via unbound: no DO, only the SOA with a NODATA" "NOERROR ede=none noad SOA" \
  "$(facts "$(ask $d TXT good.sec.test)" auth)"
# delv validates what dns64d returns, from the zone's KSK alone.
awk '$3 == "DNSKEY" && $4 == 257 {k = ""; for (i = 7; i <= NF; i++) k = k $i;
     printf "trust-anchors { %s static-key %s %s %s \"%s\"; };\n", $1, $4, $5, $6, k}' \
  "$work"/Ksec.test.*.key >"$work/delv.anchor"
delv_says() {  # delv_says TYPE NAME: delv's verdict ("fully validated", ...), or its failure
  local out
  out=$(ip netns exec "$ns" timeout 20 delv @192.0.2.53 -a "$work/delv.anchor" +root=sec.test \
    "$1" "$2" 2>&1 || true)
  printf '== delv %s %s\n%s\n' "$1" "$2" "$out" >>"$work/ask.log"
  grep -m1 -E '^; (negative response, )?fully validated$' <<<"$out" | sed 's/^; //' ||
    grep -m1 -E '^;; resolution failed' <<<"$out" || echo "no verdict"
}
check "delv via dns64d: good A fully validated" "fully validated" "$(delv_says A good.sec.test)"
check "delv via dns64d: dual AAAA fully validated" "fully validated" "$(delv_says AAAA dual.sec.test)"
check "delv via dns64d: good TXT, a validated denial" "negative response, fully validated" \
  "$(delv_says TXT good.sec.test)"
# The signatures relayed are the zone's own, byte for byte.
want=$(zone_sigs 'dual.sec.test. AAAA|good.sec.test. NSEC|sec.test. SOA' | tr '\n' ' ' || true)
got=$({ ask $d +dnssec +cd AAAA dual.sec.test +noall +answer
        ask $d +dnssec +cd AAAA good.sec.test +noall +authority; } | sigs)
check "via unbound: DO+CD relays the zone's own RRSIGs (dual's AAAA, good's NSEC and SOA)" \
  "3 $want" "$(grep -c . <<<"$got") $(tr '\n' ' ' <<<"$got")"
dns64d_down unbound
check "via unbound: resolver.dnssec_failure counted" counted "$(counted unbound resolver.dnssec_failure)"
check "via unbound: the EDE made a CD retry needless" "0" "$(counter unbound resolver.cd_retries)"

# Run 2: unbound, trust_ad = true: the upstream's AD reaches DO+CD clients
# (unbound sets it on CD queries for data it validated).
check "unbound: DO+CD dual AAAA has AD" "NOERROR ede=none ad AAAA RRSIG:AAAA" \
  "$(facts "$(ask @127.0.0.1 -p 5353 +dnssec +cd AAAA dual.sec.test)")"
dns64d_up 5353 true
check "trust_ad: DO+CD dual AAAA has the upstream's AD" "NOERROR ede=none ad AAAA RRSIG:AAAA" \
  "$(facts "$(ask $d +dnssec +cd AAAA dual.sec.test)")"
check "trust_ad: DO+CD good AAAA, a validated NODATA, has AD" "NOERROR ede=none ad" \
  "$(facts "$(ask $d +dnssec +cd AAAA good.sec.test)")"
check "trust_ad: no AD to a client without DO" "NOERROR ede=none noad AAAA" \
  "$(facts "$(ask $d +cd AAAA dual.sec.test)")"
check "trust_ad: broken AAAA still SERVFAIL" "SERVFAIL ede=dnssec noad" \
  "$(facts "$(ask $d AAAA broken.sec.test)" | dnssec_ede)"
dns64d_down trust_ad

# Run 3: named, whose SERVFAIL may carry no EDE.
dns64d_up 5354 false
check "via named: good AAAA synthesized from its validated A" "64:ff9b::5db8:d822" \
  "$(ask $d AAAA good.sec.test +short)"
out=$(ask $d AAAA broken.sec.test)
echo "     dns64d (named) on broken AAAA: $(grep -E 'status:|^; EDE' <<<"$out" | tr -s ' \n' ' ')"
check "via named: broken AAAA is SERVFAIL with a DNSSEC EDE, not synthesis" \
  "SERVFAIL ede=dnssec noad" "$(facts "$out" | dnssec_ede)"
check "via named: dual AAAA is the real one" "2001:db8::35" "$(ask $d AAAA dual.sec.test +short)"
check "via named: DO+CD good AAAA carries the NSEC proof and its signatures" \
  "NOERROR ede=none noad NSEC RRSIG:NSEC RRSIG:SOA SOA" "$(facts "$(ask $d +dnssec +cd AAAA good.sec.test)" auth)"
dns64d_down named
check "via named: resolver.dnssec_failure counted" counted "$(counted named resolver.dnssec_failure)"
if [ "$named_ede" = none ]; then
  check "via named: no EDE from named, so asked again with CD" counted \
    "$(counted named resolver.cd_retries)"
else
  echo "     named sent EDE $named_ede itself: no CD retry needed"
fi

if [ "$fail" -ne 0 ]; then
  for f in "$work"/dns64d.*.log; do
    echo "== $f"; grep -v '^counter .*{' "$f" | grep -v ' 0$' || true; cat "${f%.log}.net"
  done
  tail -20 "$work/unbound.log" "$work/named.log" "$work/nsd.log" 2>/dev/null || true
  grep -B2 -A3 -E 'timed out|no servers|status: SERVFAIL' "$work/ask.log" | tail -80 || true
fi
exit $((fail > 0))  # a count of 77 would read as a skip
