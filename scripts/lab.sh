#!/usr/bin/env bash
# A small DNS64 lab in network namespaces of its own: NSD serves a
# generated test zone on the server namespace's loopback, unbound (DNS64
# module off) resolves it, and dns64d runs in the server namespace on a DPDK
# port; the clients 192.0.2.100 and 2001:db8::1 ask dns64d at 192.0.2.53 and
# 2001:db8::53. Nothing leaves the namespaces. Two ways to attach dns64d:
#   veth  net_af_packet0 on dp0 (server namespace), its veth peer cl0 with the
#         client addresses in a client namespace of its own; dns64d's
#         exception interface dns64x0 in the server namespace carries its
#         addresses for the kernel (DNS over TCP).
#   tap   net_tap0 whose kernel side dtap0 holds the client addresses in the
#         server namespace itself (no exception path: the kernel would
#         route between the client's and dns64d's addresses directly).
# Sourced by scripts/demo and tests/live/*:
#   source scripts/lab.sh; lab_up DNS64D_BINARY; ...; lab_down
# or, for dns64d alone with a configuration of its own:
#   lab_ns; lab_dns64d DNS64D_BINARY CONFIG [veth|tap]; ...; lab_down
# Sets: ns (server namespace), cns (where clients run), work (folder with
# logs), dns64d_pid, nsd_pid and unbound_pid (lab_up).

# The namespaces and a work folder, nothing running yet.
lab_ns() {
  export PATH=$PATH:/usr/sbin
  ns=dns64d-lab-$$
  cns=$ns
  work=$(mktemp -d)
  chmod 755 "$work"
  lab_pids=()
  ip netns add "$ns"
  ip -n "$ns" link set lo up
}

# The client side of the veth mode: a namespace with cl0, and dp0 in the
# server namespace for DPDK only (its frames never reach that kernel).
lab_veth() {
  cns=dns64d-cli-$$
  ip netns add "$cns"
  ip -n "$cns" link set lo up
  ip -n "$ns" link add dp0 type veth peer name cl0 netns "$cns"
  # af_packet gets a copy of each frame; the server kernel must not also
  # answer what arrives on dp0, although dns64d's addresses are local there
  # (on the exception interface): no IPv6 on dp0, no ARP replies from it,
  # and strict reverse-path filtering drops IPv4 whose source is routed
  # through the exception interface. (No tc: this kernel has no classifiers.)
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.dp0.disable_ipv6=1 \
    net.ipv4.conf.dp0.arp_ignore=8 net.ipv4.conf.dp0.rp_filter=1 net.ipv4.conf.all.rp_filter=1
  ip -n "$ns" link set dp0 up
  ip -n "$cns" link set cl0 up
  # Finished checksums from the client (no CHECKSUM_PARTIAL over the veth).
  ip netns exec "$cns" ethtool -K cl0 tx off >/dev/null
  ip -n "$cns" addr add 192.0.2.100/24 dev cl0
  ip -n "$cns" addr add 2001:db8::1/64 dev cl0 nodad
}

# dns64d with CONFIG on net_af_packet0 (veth mode) or net_tap0 (tap mode).
# Sets dns64d_pid.
lab_dns64d() {
  local bin=$1 config=$2 mode=${3:-tap} vdev
  if [ "$mode" = veth ]; then
    lab_veth
    vdev=net_af_packet0,iface=dp0
  else
    vdev=net_tap0,iface=dtap0
  fi
  # Started with ip netns exec itself (not a shell function) so that $! is
  # the program's own pid and lab_down can stop it.
  ip netns exec "$ns" timeout -k 3 170 "$bin" --config "$config" -- \
    --no-pci --no-huge -m 256 --no-shconf -l 0 --log-level='*:warning' \
    --vdev="$vdev" >"$work/dns64d.log" 2>&1 &
  dns64d_pid=$!
  lab_pids+=($dns64d_pid)
  if [ "$mode" = veth ]; then
    for _ in $(seq 100); do grep -q "worker(s)" "$work/dns64d.log" 2>/dev/null && break; sleep 0.1; done
    return
  fi
  for _ in $(seq 100); do ip -n "$ns" link show dtap0 >/dev/null 2>&1 && break; sleep 0.1; done
  ip -n "$ns" link set dtap0 up
  ip -n "$ns" addr add 192.0.2.100/24 dev dtap0
  ip -n "$ns" addr add 2001:db8::1/64 dev dtap0 nodad
}

# An unbound in the server namespace on 127.0.0.1@PORT, its files named
# $work/NAME.*: the common server lines here, the caller's (more server
# lines, stub zones) on stdin. Returns once it serves; its pid is the last
# of lab_pids.
lab_unbound() {
  local name=$1 port=$2
  {
    cat <<CONF
server:
  interface: 127.0.0.1@$port
  port: $port
  do-ip6: no
  do-daemonize: no
  chroot: ""
  username: ""
  directory: "$work"
  pidfile: "$work/$name.pid"
  use-syslog: no
  logfile: "$work/$name.log"
CONF
    cat
    printf 'remote-control:\n  control-enable: no\n'
  } >"$work/$name.conf"
  ip netns exec "$ns" unbound -d -c "$work/$name.conf" >"$work/$name.out" 2>&1 &
  lab_pids+=($!)
  for _ in $(seq 50); do
    grep -q "start of service" "$work/$name.log" 2>/dev/null && return 0
    sleep 0.1
  done
}

# The whole lab: NSD, unbound and dns64d with unbound as its upstream.
lab_up() {
  local bin=$1
  lab_ns

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
stale  1 IN A   192.0.2.20
tcponly  IN A   192.0.2.30
dangling IN CNAME nowhere.test.
stale2 1 IN A   192.0.2.21
noxlat   IN A   93.184.216.40
forced   IN A   192.0.2.41
forced   IN AAAA 2001:db8::41
mapnet   IN A   203.0.113.7
hot    4 IN A   192.0.2.50
dead     IN NS  ns.dead.test.
ns.dead  IN A   127.0.0.2
ZONE
  for i in $(seq 1 30); do echo "many IN A 198.51.100.$i" >>"$work/test.zone"; done
  cat >"$work/rev.zone" <<'ZONE'
$TTL 3600
@   IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300
@   IN NS  ns.test.
1   IN PTR v4only.test.
98 0 IN PTR zero.test.
99  IN CNAME 99.sub.2.0.192.in-addr.arpa.
ZONE
  cat >"$work/rev-map.zone" <<'ZONE'
$TTL 3600
@   IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300
@   IN NS  ns.test.
7   IN PTR mapnet.test.
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
zone:
  name: "113.0.203.in-addr.arpa."
  zonefile: "$work/rev-map.zone"
CONF
  cat >"$work/dns64d.toml" <<'TOML'
[cache]
refresh_percent = 50    # hits with less than half their TTL left are asked again
refresh_sample_every = 1
[upstream]
servers = ["127.0.0.1:5353"]
timeout_ms = 500
attempts = 2
serve_stale = true
[[port]]
device = "net_af_packet0"
ipv4 = ["192.0.2.53/24"]
ipv6 = ["2001:db8::53/64"]
exception = "dns64x0"   # DNS over TCP and the rest through the kernel
[[view]]
name = "nsp"
clients = ["2001:db8::/64"]
prefixes = ["2001:db8:64::/96"]
exclude_domains = ["noxlat.test"]                 # never synthesized here
force_domains = ["forced.test"]                   # synthesized despite its AAAA
prefix_map = ["203.0.113.0/24 2001:db8:65::/96"]  # another NAT64 for this range
[[view]]
name = "default"
prefixes = ["64:ff9b::/96"]
ptr_mode = "ptr"                                  # ip6.arpa answered with PTR under its own name
TOML

  ip netns exec "$ns" nsd -d -c "$work/nsd.conf" >"$work/nsd.out" 2>&1 &
  nsd_pid=$!
  lab_pids+=($nsd_pid)
  lab_unbound unbound 5353 <<CONF
  verbosity: 1
  module-config: "iterator"
  do-not-query-localhost: no
  access-control: 127.0.0.0/8 allow
  # Only the test zones resolve; nothing else is ever asked of anyone.
  local-zone: "." refuse
  local-zone: "test." transparent
  local-zone: "2.0.192.in-addr.arpa." transparent
  local-zone: "113.0.203.in-addr.arpa." transparent
  # A zone unbound answers itself and without a SOA: NODATA with nothing
  # to cache, as some forwarders and local-data setups send it.
  local-zone: "nosoa.test." static
  local-data: "nosoa.test. TXT only-text"
stub-zone:
  name: "test."
  stub-addr: 127.0.0.1@5300
stub-zone:
  name: "2.0.192.in-addr.arpa."
  stub-addr: 127.0.0.1@5300
stub-zone:
  name: "113.0.203.in-addr.arpa."
  stub-addr: 127.0.0.1@5300
CONF
  unbound_pid=${lab_pids[-1]}
  lab_dns64d "$bin" "$work/dns64d.toml" veth
  for _ in $(seq 50); do
    ip netns exec "$ns" dig +time=1 +tries=1 @127.0.0.1 -p 5353 SOA test. +short 2>/dev/null | grep -q hostmaster && break
    sleep 0.2
  done
}

# Stops everything lab_up started and removes the namespace and its files.
lab_down() {
  for p in "${lab_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${lab_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  lab_pids=()
  ip netns del "$ns" 2>/dev/null || true
  [ "$cns" = "$ns" ] || ip netns del "$cns" 2>/dev/null || true
  rm -rf "$work"
}
