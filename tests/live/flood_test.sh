#!/usr/bin/env bash
# A random-name ("water torture") flood against dns64d with small resolver
# budgets, while other clients ask names it has cached. dns64d runs on a
# veth (scripts/lab.sh) with one lcore (-l 0); unbound is its upstream and
# drops every query under flood.example. (local-zone deny), so each lookup
# for a flood name lives until dns64d's own attempts time out (timeout_ms
# 500, 2 attempts: one to two seconds) and the lookups pile up. The flood, from the CPU left to the clients, at the rate
# dnsperf reaches:
#   0-18 s   192.0.2.100 (one /24): distinct random names; past
#            max_waiting_per_prefix it is shed (shed_prefix)
#   6-12 s   and 2001:db8::1 (another network, a /56): distinct random
#            names; the two together fill max_pending (shed_pending)
#   12-18 s  2001:db8::1 asks each of its random names six times: more than
#            max_waiters join a lookup (shed_waiters), and the joined
#            clients fill max_waiting (shed_waiting)
# The cached clients, 198.51.100.10 and 2001:db8:0:100::10 (prefixes of
# their own), send 2000 queries a second each (dnsperf -Q) for 10 s
# before, 17 s during and 5 s after the flood. Checked: during and after
# the flood each cached client is answered at >= 90% of its rate before it
# and >= 90% of what it sent (after: its rate again, >= 95% and >= 99%),
# always NOERROR; every shed reason counted; dns64d's resident memory
# (every second) grows < 5% after the flood's first 3 s; a fresh name
# resolves after the flood; every frame accounted. The measuring clients
# run at real-time priority on the clients' CPU so that the flood
# generator beside them cannot starve them: what is measured is dns64d.
# Needs root and two CPUs; exits 77 to skip where it cannot run.
#   flood_test.sh DNS64D_BINARY
set -euo pipefail
bin=$1
[ "$(id -u)" -eq 0 ] || { echo "needs root for network namespaces"; exit 77; }
[ "$(nproc)" -ge 2 ] || { echo "needs two CPUs: one for dns64d, one for the clients"; exit 77; }
export PATH=$PATH:/usr/sbin
for tool in unbound dnsperf dig taskset chrt; do
  command -v "$tool" >/dev/null || { echo "$tool is needed (scripts/setup)"; exit 1; }
done

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../scripts/lab.sh
source "$here/../../scripts/lab.sh"
trap lab_down EXIT
lab_ns

cached_v4=198.51.100.10
cached_v6=2001:db8:0:100::10
flood_v4=192.0.2.100 # cl0's own addresses (lab_veth)
flood_v6=2001:db8::1
cpus=1-$(($(nproc) - 1)) # dns64d has CPU 0 (-l 0)
rate=2000                # queries a second per cached client

{
  echo '  access-control: 127.0.0.0/8 allow'
  echo '  local-zone: "." refuse'
  echo '  local-zone: "flood.example." deny   # dropped without a word'
  echo '  local-zone: "cached.example." static'
  echo '  local-data: "cached.example. 3600 IN SOA ns.cached.example. h.cached.example. 1 3600 600 86400 300"'
  for i in $(seq 1 16); do echo "  local-data: \"c$i.cached.example. 3600 IN A 192.0.2.$i\""; done
  for i in $(seq 1 4); do echo "  local-data: \"d$i.cached.example. 3600 IN AAAA 2001:db8::d:$i\""; done
  echo '  local-data: "fresh.cached.example. 3600 IN A 192.0.2.99"'
} >"$work/unbound.lines"
lab_unbound unbound 5353 <"$work/unbound.lines" # (not in a pipe: lab_down stops what it records)

# Budgets: one prefix may hold 256 waiting clients, two together pass
# max_pending (384) before max_waiting (448); max_waiting is reached only
# with clients joined to lookups (at most 4 each).
cat >"$work/dns64d.toml" <<'TOML'
[upstream]
servers = ["127.0.0.1:5353"]
timeout_ms = 500
attempts = 2
max_pending = 384
max_waiters = 4
max_waiting = 448
max_waiting_per_prefix = 256
client_prefix_v4 = 24
client_prefix_v6 = 56
over_limit = "servfail"
[[port]]
device = "net_af_packet0"
ipv4 = ["192.0.2.53/24"]
ipv6 = ["2001:db8::53/64"]
[[view]]
name = "default"
prefixes = ["2001:db8:64::/96"]
TOML
lab_dns64d "$bin" "$work/dns64d.toml" veth
ip -n "$cns" addr add "$cached_v4/24" dev cl0
ip -n "$cns" addr add "$cached_v6/64" dev cl0 nodad
pid=$(pgrep -P "$dns64d_pid" | head -1) # dns64d itself, under timeout
[ -n "$pid" ] || { echo "FAIL dns64d did not start"; cat "$work/dns64d.log"; exit 1; }

# Query files: the cached names (synthesized AAAA, real AAAA, A), and the
# flood's random names, unique within each file.
{
  for i in $(seq 1 16); do echo "c$i.cached.example AAAA"; done
  for i in $(seq 1 4); do echo "d$i.cached.example AAAA"; done
  for i in $(seq 1 4); do echo "c$i.cached.example A"; done
} >"$work/cached.q"
names() { # names COUNT LABEL REPEAT
  awk -v n="$1" -v l="$2" -v r="$3" 'BEGIN { srand();
    for (i = 0; i < n; i++) { s = sprintf("%s%08x%06x.flood.example AAAA", l, int(rand() * 4294967296), i);
      for (j = 0; j < r; j++) print s } }'
}
names 600000 r 1 >"$work/flood_a.q"
names 300000 b 1 >"$work/flood_b.q"
names 50000 h 6 >"$work/flood_h.q"

in_cns() { ip netns exec "$cns" timeout 40 "$@"; }
# cached NAME SOURCE SERVER SECONDS: one measuring client.
cached() {
  in_cns chrt -f 50 taskset -c "$cpus" dnsperf -s "$3" -a "$2" -d "$work/cached.q" \
    -l "$4" -Q "$rate" -t 2 >"$work/$1.out" 2>&1 || true
}
# flood NAME SOURCE SERVER FILE SECONDS
flood() {
  in_cns taskset -c "$cpus" dnsperf -s "$3" -a "$2" -d "$work/$4" \
    -l "$5" -q 1000 -t 3 >"$work/$1.out" 2>&1 || true
}
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status" 2>/dev/null || echo 0; }

# Warm the cache: every cached name once.
in_cns dnsperf -s 192.0.2.53 -a "$cached_v4" -d "$work/cached.q" -n 1 -t 2 >"$work/warm.out" 2>&1

start=$SECONDS
cached before4 "$cached_v4" 192.0.2.53 10 &
clients=($!)
cached before6 "$cached_v6" 2001:db8::53 10 &
clients+=($!)
wait "${clients[@]}" # (a bare wait would wait for dns64d and unbound too)

# dns64d's resident memory every second, from the flood's start.
: >"$work/rss"
(while kill -0 "$pid" 2>/dev/null; do rss >>"$work/rss"; sleep 1; done) &
sampler=$!
clients=()
flood flood_a "$flood_v4" 192.0.2.53 flood_a.q 18 &
clients+=($!)
(sleep 6 && flood flood_b "$flood_v6" 2001:db8::53 flood_b.q 6) &
clients+=($!)
(sleep 12 && flood flood_h "$flood_v6" 2001:db8::53 flood_h.q 6) &
clients+=($!)
sleep 1
cached during4 "$cached_v4" 192.0.2.53 17 &
clients+=($!)
cached during6 "$cached_v6" 2001:db8::53 17 &
clients+=($!)
wait "${clients[@]}"
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
rss_flood=$(tr '\n' ' ' <"$work/rss")

cached after4 "$cached_v4" 192.0.2.53 5 &
clients=($!)
cached after6 "$cached_v6" 2001:db8::53 5 &
clients+=($!)
wait "${clients[@]}"
# Answers that reached the client namespace but not dnsperf: its sockets' buffers overflowed.
rcvbuf=$(ip netns exec "$cns" nstat -asz UdpRcvbufErrors Udp6RcvbufErrors | awk '/RcvbufErrors/ { t += $2 } END { print t + 0 }')
fresh=$(ip netns exec "$cns" dig +time=3 +tries=2 -b "$cached_v4" @192.0.2.53 AAAA fresh.cached.example +short || true)

kill -TERM "$dns64d_pid" 2>/dev/null || true
fail=0
wait "$dns64d_pid" || { echo "FAIL dns64d exited non-zero"; fail=$((fail + 1)); }
elapsed=$((SECONDS - start))

# A number from dnsperf's statistics: perf RUN FIELD.
perf() { sed -n "s/^ *$2: *\([0-9.]*\).*/\1/p" "$work/$1.out" 2>/dev/null | head -1; }
rcodes() { sed -n 's/^ *Response codes: *//p' "$work/$1.out" 2>/dev/null | sed 's/ ([0-9.]*%)//g'; }
counter() { sed -n "s/^counter $1 //p" "$work/dns64d.log"; }
ge() { awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { exit !(a >= b * f) }'; } # ge A B F: A >= B*F
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# Answers a second over the whole period asked (dnsperf's own rate
# divides by its run time, which includes waiting for the last answers).
declare -A seconds=([before4]=10 [before6]=10 [during4]=17 [during6]=17 [after4]=5 [after6]=5
  [flood_a]=18 [flood_b]=6 [flood_h]=6)
answered_rate() { awk -v c="$(perf "$1" 'Queries completed')" -v t="${seconds[$1]}" 'BEGIN { printf "%.1f", c / t }'; }

echo
printf '%-25s %-6s %8s %8s %6s %9s %7s %8s  %s
' client period sent answered lost "answers/s" "avg ms" "max ms" rcodes
row() { # row RUN CLIENT PERIOD
  if [ -z "$(perf "$1" 'Queries sent')" ]; then printf '%-25s %-6s (no statistics)\n' "$2" "$3"; return; fi
  printf '%-25s %-6s %8s %8s %6s %9s %7.2f %8.2f  %s\n' "$2" "$3" "$(perf "$1" 'Queries sent')" \
    "$(perf "$1" 'Queries completed')" "$(perf "$1" 'Queries lost')" "$(answered_rate "$1")" \
    "$(awk -v s="$(perf "$1" 'Average Latency (s)')" 'BEGIN { print s * 1000 }')" \
    "$(sed -n 's/^ *Average Latency.*max \([0-9.]*\)).*/\1/p' "$work/$1.out" | awk '{ print $1 * 1000 }')" \
    "$(rcodes "$1")"
}
for p in before during after; do
  row "${p}4" "cached $cached_v4" "$p"
  row "${p}6" "cached $cached_v6" "$p"
done
row flood_a "flood $flood_v4" 0-18s
row flood_b "flood $flood_v6" 6-12s
row flood_h "flood $flood_v6 x6" 12-18s
echo
for r in resolver.shed_prefix resolver.shed_pending resolver.shed_waiters resolver.shed_waiting \
  resolver.servfail resolver.lookups resolver.coalesced rx port.rx_missed control.return_full \
  control.reply_pool_empty glue.dropped_punt_full; do
  printf '%-25s %s\n' "$r" "$(counter "$r")"
done
sent=0
for r in "${!seconds[@]}"; do
  n=$(perf "$r" 'Queries sent')
  sent=$((sent + ${n:-0}))
done
echo "queries sent by dnsperf: $sent; frames dns64d received (rx, with ARP and ND): $(counter rx);" \
  "answers dropped at the clients' full socket buffers: $rcvbuf"
echo "dns64d VmRSS (KiB), each second of the flood: $rss_flood"
echo

check_client() { # check_client FAMILY
  local f=$1 b d a
  b=$(answered_rate "before$f")
  d=$(answered_rate "during$f")
  a=$(answered_rate "after$f")
  if ge "$b" "$rate" 0.95; then ok "cached IPv$f: $b answers/s before the flood"; else
    bad "cached IPv$f: $b answers/s before the flood, asked $rate"; fi
  if ge "$d" "$b" 0.9; then ok "cached IPv$f: $d answers/s during the flood (>= 90% of $b)"; else
    bad "cached IPv$f: $d answers/s during the flood, < 90% of $b before it"; fi
  if ge "$a" "$b" 0.95; then ok "cached IPv$f: $a answers/s after the flood (>= 95% of $b)"; else
    bad "cached IPv$f: $a answers/s after the flood, < 95% of $b before it"; fi
  local p share want
  for p in before during after; do
    want=0.9
    [ "$p" = during ] || want=0.99
    share=$(awk -v c="$(perf "$p$f" 'Queries completed')" -v s="$(perf "$p$f" 'Queries sent')" \
      'BEGIN { printf "%.4f", s ? c / s : 0 }')
    if ge "$share" 1 "$want"; then ok "cached IPv$f $p: $share of the queries sent answered"; else
      bad "cached IPv$f $p: only $share of the queries sent answered (want $want)"; fi
    if [[ "$(rcodes "$p$f")" =~ ^NOERROR\ [0-9]+$ ]]; then ok "cached IPv$f $p: every answer NOERROR"; else
      bad "cached IPv$f $p: response codes [$(rcodes "$p$f")]"; fi
  done
}
check_client 4
check_client 6

for r in shed_prefix shed_pending shed_waiters shed_waiting; do
  n=$(counter "resolver.$r")
  if [ "${n:-0}" -gt 0 ]; then ok "the flood was shed by $r ($n)"; else bad "resolver.$r=[$n]"; fi
done

# Resident memory: the largest sample after the first 3 s of the flood
# within 5% of the sample at 3 s.
read -r -a samples <<<"$rss_flood"
if [ "${#samples[@]}" -ge 10 ]; then
  ref=${samples[3]}
  max=$(printf '%s\n' "${samples[@]:3}" | sort -n | tail -1)
  if ge "$ref" "$max" 0.9524; then ok "VmRSS flat during the flood: $ref KiB at 3 s, at most $max KiB later"; else
    bad "VmRSS grew during the flood: $ref KiB at 3 s, $max KiB later"; fi
else
  bad "VmRSS: only ${#samples[@]} samples [$rss_flood]"
fi

if [ "$fresh" = "2001:db8:64::c000:263" ]; then ok "a fresh name resolves after the flood ($fresh)"; else
  bad "fresh name after the flood: [$fresh]"; fi
rx=$(counter rx)
acc=$(counter accounted)
if [ -n "$rx" ] && [ "$rx" = "$acc" ]; then ok "every frame accounted ($rx)"; else bad "rx=$rx accounted=$acc"; fi
echo "flood test: ${elapsed}s from the first measurement to dns64d's exit"
[ "$fail" -eq 0 ] || grep -E '^counter [a-z_.]+ [1-9]' "$work/dns64d.log"
exit $((fail > 0))
