#!/usr/bin/env python3
"""Writes the small seed corpora in tests/fuzz/corpus/ (run from the repository root)."""
import os
import struct


def name(text):
    out = b""
    for label in text.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def header(id_, flags, qd, an, ns, ar):
    return struct.pack("!HHHHHH", id_, flags, qd, an, ns, ar)


def rr(owner, rtype, ttl, rdata):
    return owner + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata


def opt(udp, do):
    return b"\0" + struct.pack("!HHIH", 41, udp, 0x8000 if do else 0, 0)


def opt_cookie(cookie):  # an OPT with one COOKIE option (RFC 7873)
    option = struct.pack("!HH", 10, len(cookie)) + cookie
    return b"\0" + struct.pack("!HHIH", 41, 1232, 0, len(option)) + option


seeds = {
    "query_aaaa": header(0x1234, 0x0100, 1, 0, 0, 0) + name("www.example.com") + struct.pack("!HH", 28, 1),
    "query_edns_do": header(7, 0x0100, 1, 0, 0, 1) + name("v4only.example") + struct.pack("!HH", 28, 1) + opt(1232, True),
    "query_ptr": header(8, 0x0100, 1, 0, 0, 0)
    + name("1.2.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa")
    + struct.pack("!HH", 12, 1),
    "answer_cname": header(9, 0x8180, 1, 2, 0, 0) + name("www.example.com") + struct.pack("!HH", 1, 1)
    + rr(b"\xc0\x0c", 5, 300, b"\x03web\xc0\x10") + rr(b"\x03web\xc0\x10", 1, 60, bytes([192, 0, 2, 1])),
    "nxdomain_soa": header(10, 0x8183, 1, 0, 1, 0) + name("nx.example") + struct.pack("!HH", 28, 1)
    + rr(name("example"), 6, 3600, name("ns.example") + name("h.example") + struct.pack("!IIIII", 1, 2, 3, 4, 300)),
    "pointer_loop": header(11, 0x0100, 1, 0, 0, 0) + b"\x01a\xc0\x0c" + struct.pack("!HH", 1, 1),
    "two_questions": header(12, 0x0100, 2, 0, 0, 0) + name("a.example") + struct.pack("!HH", 1, 1) + name("b.example") + struct.pack("!HH", 28, 1),
}
os.makedirs("tests/fuzz/corpus/dns_reader", exist_ok=True)
for k, v in seeds.items():
    with open(f"tests/fuzz/corpus/dns_reader/{k}", "wb") as f:
        f.write(v)

ptr = {
    "wkp_full": bytes([5]) + bytes(12) + name("1.2.2.0.0.0.0.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa"),
    "nsp32": bytes([0, 0x20, 0x01, 0x0d, 0xb8]) + bytes(8) + name("0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.2.2.0.0.0.0.c.8.b.d.0.1.0.0.2.ip6.arpa"),
    "partial": bytes([5]) + bytes(12) + name("b.9.f.f.4.6.0.0.ip6.arpa"),
    "upper": bytes([5]) + bytes(12) + name("1.2.2.0.0.0.0.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.B.9.F.F.4.6.0.0.IP6.ARPA"),
}
os.makedirs("tests/fuzz/corpus/ptr_map", exist_ok=True)
for k, v in ptr.items():
    with open(f"tests/fuzz/corpus/ptr_map/{k}", "wb") as f:
        f.write(v)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


OUR_MAC = bytes([2, 0, 0, 0, 0, 0x53])
CLIENT_MAC = bytes([2, 0, 0, 0, 0, 1])


def udp4(src, dst, payload):
    udp = struct.pack("!HHHH", 40000, 53, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0x4000, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", 0xFFFF - csum(ip)) + ip[12:]
    c = 0xFFFF - csum(src + dst + struct.pack("!BBH", 0, 17, len(udp)) + udp)
    udp = udp[:6] + struct.pack("!H", c or 0xFFFF) + udp[8:]
    return OUR_MAC + CLIENT_MAC + b"\x08\x00" + ip + udp


def udp6(src, dst, payload):
    udp = struct.pack("!HHHH", 40000, 53, 8 + len(payload), 0) + payload
    c = 0xFFFF - csum(src + dst + struct.pack("!IxxxB", len(udp), 17) + udp)
    udp = udp[:6] + struct.pack("!H", c or 0xFFFF) + udp[8:]
    ip = struct.pack("!IHBB", 0x60000000, len(udp), 17, 64) + src + dst
    return OUR_MAC + CLIENT_MAC + b"\x86\xdd" + ip + udp


V4_US, V4_CLIENT = bytes([192, 0, 2, 53]), bytes([192, 0, 2, 1])
V6_US = bytes.fromhex("20010db8000000000000000000000053")
V6_CLIENT = bytes.fromhex("20010db8000100000000000000000001")
q_aaaa = header(1, 0x0100, 1, 0, 0, 1) + name("a") + struct.pack("!HH", 28, 1) + opt(1232, True)
q_a = header(2, 0x0100, 1, 0, 0, 0) + name("A") + struct.pack("!HH", 1, 1)
q_ptr = header(3, 0x0100, 1, 0, 0, 0) + name(
    "8.0.8.0.8.0.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.4.6.0.0.8.b.d.0.1.0.0.2.ip6.arpa"[8:]) + struct.pack("!HH", 12, 1)
arp = b"\xff" * 6 + CLIENT_MAC + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + CLIENT_MAC + V4_CLIENT + bytes(6) + V4_US
frames = {
    "udp4_aaaa": udp4(V4_CLIENT, V4_US, q_aaaa),
    "udp4_a": udp4(V4_CLIENT, V4_US, q_a),
    "udp6_ptr": udp6(V6_CLIENT, V6_US, q_ptr),
    "udp6_vlan": OUR_MAC + CLIENT_MAC + b"\x81\x00\x00\x64" + udp6(V6_CLIENT, V6_US, q_aaaa)[12:],
    "arp": arp,
    "udp4_cookie_client": udp4(V4_CLIENT, V4_US, q_aaaa[:-11] + opt_cookie(bytes(range(1, 9)))),
    "udp6_cookie_server": udp6(V6_CLIENT, V6_US, q_aaaa[:-11] + opt_cookie(
        bytes(range(1, 9)) + bytes.fromhex("010000005cf79f111f8130c3eee29480"))),
    "udp4_cookie_malformed": udp4(V4_CLIENT, V4_US, q_aaaa[:-11] + opt_cookie(bytes(9))),
}
os.makedirs("tests/fuzz/corpus/frame", exist_ok=True)
for k, v in frames.items():
    with open(f"tests/fuzz/corpus/frame/{k}", "wb") as f:
        f.write(v)


# Upstream answers, as parsed into cache entries (cache_format). The ID
# picks the query the fuzz target asks with: bits 0-1 the client (default,
# "nsp" in PTR mode, "always"), bit 2 an OPT with the size in bits 3-14, bit
# 15 a stream.
def q(qname, qtype):
    return name(qname) + struct.pack("!HH", qtype, 1)


def typed_rr(owner, rtype, ttl, rdata, rclass=1):
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


A, NS, CNAME, SOA, PTR, MX, TXT, AAAA, SRV, NAPTR, DNAME, OPT, RRSIG, ANY = 1, 2, 5, 6, 12, 15, 16, 28, 33, 35, 39, 41, 46, 255
C00C = b"\xc0\x0c"


def soa_rdata(mname=None, rname=None, minimum=300):
    return (mname or name("ns.example")) + (rname or name("hostmaster.example")) + struct.pack("!IIIII", 1, 7200, 900, 86400, minimum)


def rrsig_rdata(covered, signer="example"):
    return struct.pack("!HBBIIIH", covered, 13, 2, 300, 1900000000, 1800000000, 12345) + name(signer) + bytes(64)


def aaaa(text):
    import ipaddress
    return ipaddress.IPv6Address(text).packed


def edns_id(size, client=0, stream=False):
    return (size << 3) | 4 | client | (0x8000 if stream else 0)


WWW = name("www.example")
cache_format = {
    "a_two": header(0, 0x8180, 1, 2, 0, 0) + q("www.example", A)
    + typed_rr(C00C, A, 300, bytes([192, 0, 2, 1])) + typed_rr(C00C, A, 60, bytes([192, 0, 2, 2])),
    "aaaa_real": header(edns_id(1232), 0x8180, 1, 1, 0, 1) + q("v6.example", AAAA)
    + typed_rr(C00C, AAAA, 300, aaaa("2001:db8::1")) + opt(1232, False),
    "aaaa_mapped_excluded": header(2, 0x8180, 1, 1, 0, 0) + q("mapped.example", AAAA)
    + typed_rr(C00C, AAAA, 300, aaaa("::ffff:192.0.2.1")),
    "cname_chain": header(4 | (512 << 3), 0x8180, 1, 3, 0, 0) + q("www.example", A)
    + typed_rr(C00C, CNAME, 300, b"\x03web\xc0\x10")
    + typed_rr(b"\x03web\xc0\x10", CNAME, 200, b"\x04host\x03cdn\x03net\x00")
    + typed_rr(name("host.cdn.net"), A, 60, bytes([198, 51, 100, 7])),
    "cname_chain_compressed": header(0, 0x8180, 1, 3, 0, 0) + q("a.b.example", AAAA)
    + typed_rr(C00C, CNAME, 300, b"\x01c\xc0\x0e")
    + typed_rr(b"\xc0\x27", CNAME, 300, b"\x01d\xc0\x27")
    + typed_rr(b"\xc0\x37", AAAA, 300, aaaa("2001:db8::d")),
    "cname_to_nodata": header(0, 0x8180, 1, 1, 1, 0) + q("alias.example", AAAA)
    + typed_rr(C00C, CNAME, 300, name("v4.example")) + typed_rr(name("example"), SOA, 3600, soa_rdata()),
    "cname_to_nxdomain": header(0, 0x8183, 1, 1, 1, 0) + q("alias.example", A)
    + typed_rr(C00C, CNAME, 300, name("gone.example")) + typed_rr(name("example"), SOA, 3600, soa_rdata()),
    "cname_loop": header(0, 0x8180, 1, 2, 0, 0) + q("loop.example", A)
    + typed_rr(C00C, CNAME, 300, name("pool.example")) + typed_rr(name("pool.example"), CNAME, 300, name("loop.example")),
    "dname": header(0, 0x8180, 1, 3, 0, 0) + q("www.sub.example", AAAA)
    + typed_rr(b"\x03sub\x07example\x00", DNAME, 3600, name("sub.example.net"))
    + typed_rr(C00C, CNAME, 3600, name("www.sub.example.net"))
    + typed_rr(name("www.sub.example.net"), AAAA, 300, aaaa("2001:db8::5")),
    "dname_signed": header(0, 0x8180, 1, 4, 0, 0) + q("www.sub.example", A)
    + typed_rr(name("sub.example"), DNAME, 3600, name("other.net"))
    + typed_rr(name("sub.example"), RRSIG, 3600, rrsig_rdata(DNAME))
    + typed_rr(C00C, CNAME, 3600, name("www.other.net"))
    + typed_rr(name("www.other.net"), A, 300, bytes([203, 0, 113, 9])),
    "nxdomain_soa": header(0, 0x8183, 1, 0, 1, 0) + q("nx.example", AAAA)
    + typed_rr(name("example"), SOA, 3600, soa_rdata(minimum=900)),
    "nxdomain_soa_compressed": header(0, 0x8183, 1, 0, 1, 0) + q("nx.example", A)
    + typed_rr(b"\xc0\x0f", SOA, 3600, b"\x02ns\xc0\x0f" + b"\x0ahostmaster\xc0\x0f" + struct.pack("!IIIII", 1, 2, 3, 4, 60)),
    "nodata_soa": header(edns_id(1232, 1), 0x8180, 1, 0, 1, 1) + q("v4.example", AAAA)
    + typed_rr(name("example"), SOA, 300, soa_rdata(minimum=3600)) + opt(1232, True),
    "nodata_no_soa": header(0, 0x8180, 1, 0, 0, 0) + q("v4.example", AAAA),
    "nodata_two_soa": header(0, 0x8180, 1, 0, 2, 0) + q("v4.example", AAAA)
    + typed_rr(name("example"), SOA, 300, soa_rdata()) + typed_rr(name("v4.example"), SOA, 30, soa_rdata(minimum=5)),
    "rrsig": header(edns_id(4096), 0x81a0, 1, 2, 0, 1) + q("signed.example", A)
    + typed_rr(C00C, A, 300, bytes([192, 0, 2, 44])) + typed_rr(C00C, RRSIG, 300, rrsig_rdata(A)) + opt(4096, True),
    "mx_compressed": header(0, 0x8180, 1, 2, 0, 0) + q("example", MX)
    + typed_rr(C00C, MX, 300, struct.pack("!H", 10) + b"\x04mail\xc0\x0c")
    + typed_rr(C00C, MX, 300, struct.pack("!H", 20) + b"\x05mail2\xc0\x0c"),
    "srv": header(0, 0x8180, 1, 1, 0, 0) + q("_sip._udp.example", SRV)
    + typed_rr(C00C, SRV, 300, struct.pack("!HHH", 10, 5, 5060) + b"\x03sip\xc0\x16"),
    "naptr": header(0, 0x8180, 1, 1, 0, 0) + q("example", NAPTR)
    + typed_rr(C00C, NAPTR, 300, struct.pack("!HH", 100, 10) + b"\x01U\x07E2U+sip\x00" + name("_sip._udp.example")),
    "txt": header(0, 0x8180, 1, 1, 0, 0) + q("example", TXT) + typed_rr(C00C, TXT, 300, b"\x05hello\x05world"),
    "ptr_in_addr": header(1, 0x8180, 1, 1, 0, 0) + q("4.3.2.1.in-addr.arpa", PTR) + typed_rr(C00C, PTR, 300, name("host.example")),
    "ptr_ip6_nsp": header(1, 0x8180, 1, 1, 0, 0)
    + q("0.0.0.0.0.0.4.0.3.0.2.0.1.0.0.0.4.4.3.0.2.2.1.0.8.b.d.0.1.0.0.2.ip6.arpa", PTR)
    + typed_rr(C00C, PTR, 300, name("host.example")),
    "ptr_ip6_wkp": header(0, 0x8180, 1, 1, 0, 0)
    + q("4.0.3.0.2.0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.9.f.f.4.6.0.0.ip6.arpa", PTR)
    + typed_rr(C00C, PTR, 300, name("host.example")),
    "offchain_scrubbed": header(0, 0x8180, 1, 3, 0, 0) + q("www.example", A)
    + typed_rr(C00C, A, 300, bytes([192, 0, 2, 1])) + typed_rr(name("evil.example"), A, 86400, bytes([6, 6, 6, 6]))
    + typed_rr(name("bank.example"), NS, 86400, name("ns.evil.example")),
    "referral_glue": header(0, 0x8100, 1, 0, 2, 2) + q("www.example", A)
    + typed_rr(name("example"), NS, 86400, name("ns1.example")) + typed_rr(name("example"), NS, 86400, name("ns2.example"))
    + typed_rr(name("ns1.example"), A, 86400, bytes([192, 0, 2, 53])) + typed_rr(name("ns2.example"), AAAA, 86400, aaaa("2001:db8::53")),
    "ttl_zero": header(0, 0x8180, 1, 1, 0, 0) + q("www.example", A) + typed_rr(C00C, A, 0, bytes([192, 0, 2, 1])),
    "servfail": header(0, 0x8182, 1, 0, 0, 0) + q("www.example", AAAA),
    "refused_ext_rcode": header(edns_id(1232), 0x8185, 1, 0, 0, 1) + q("www.example", AAAA)
    + b"\0" + struct.pack("!HHIH", 41, 1232, 0x01000000, 0),
    "any": header(0, 0x8180, 1, 2, 0, 0) + q("example", ANY)
    + typed_rr(C00C, A, 300, bytes([192, 0, 2, 1])) + typed_rr(C00C, SOA, 300, soa_rdata()),
    "many_aaaa_stream": header(0x8000, 0x8180, 1, 40, 0, 0) + q("big.example", AAAA)
    + b"".join(typed_rr(C00C, AAAA, 300, aaaa("2001:db8::%x" % i)) for i in range(40)),
    "many_a_small_edns": header(edns_id(512), 0x8180, 1, 60, 0, 0) + q("big.example", A)
    + b"".join(typed_rr(C00C, A, 300, bytes([192, 0, 2, i])) for i in range(60)),
    "uppercase_owner": header(0, 0x8180, 1, 1, 0, 0) + q("WwW.ExAmPlE", A)
    + typed_rr(name("www.EXAMPLE"), A, 300, bytes([192, 0, 2, 1])),
    "unknown_type": header(0, 0x8180, 1, 1, 0, 0) + q("example", 65280) + typed_rr(C00C, 65280, 300, b"\xc0\x0c\x01\x02"),
    "class_chaos": header(0, 0x8180, 1, 1, 0, 0) + name("version.bind") + struct.pack("!HH", TXT, 3)
    + typed_rr(C00C, TXT, 0, b"\x04test", rclass=3),
    "always_view": header(2, 0x8180, 1, 1, 0, 0) + q("www.example", AAAA) + typed_rr(C00C, AAAA, 300, aaaa("2001:db8::77")),
}
os.makedirs("tests/fuzz/corpus/cache_format", exist_ok=True)
for k, v in cache_format.items():
    with open(f"tests/fuzz/corpus/cache_format/{k}", "wb") as f:
        f.write(v)


# The resolver's upstream, one response per query it asks, in order (see
# resolver_fuzz.cpp): a settings octet, then per response a 2-octet length
# (top bit: the response whole; else its header and what follows its
# question, the question asked put in between; 0: failed; 0xffff: not
# started). Its first queries: www.example AAAA, v4.example A,
# 4.3.2.1.in-addr.arpa PTR, signed.example AAAA (DO+CD), mail.example MX,
# www.example for the "always" view; then what their answers lead to.
def spliced(flags, answer=(), authority=(), additional=()):
    body = header(0, flags, 1, len(answer), len(authority), len(additional))
    body += b"".join(answer) + b"".join(authority) + b"".join(additional)
    return struct.pack("!H", len(body)) + body


def whole(msg):
    return struct.pack("!H", 0x8000 | len(msg)) + msg


SOA_RR = typed_rr(name("example"), SOA, 3600, soa_rdata(minimum=600))
NODATA = spliced(0x8180, authority=[SOA_RR])
NXDOMAIN = spliced(0x8183, authority=[SOA_RR])
SERVFAIL = spliced(0x8182)
FAILED = b"\0\0"
NOT_STARTED = b"\xff\xff"


def a_records(*octets):
    return spliced(0x8180, answer=[typed_rr(C00C, A, 300, bytes([192, 0, 2, o])) for o in octets])


def aaaa_records(*texts):
    return spliced(0x8180, answer=[typed_rr(C00C, AAAA, 300, aaaa(t)) for t in texts])


def cname_to(target, *tail):
    return spliced(0x8180, answer=[typed_rr(C00C, CNAME, 300, name(target))] + list(tail))


resolver = {
    "all_timeout": b"\x00",
    "all_timeout_stale": b"\x02",
    "all_nodata": b"\x00" + NODATA * 12,
    "all_nxdomain": b"\x00" + NXDOMAIN * 12,
    "all_servfail_on_error": b"\x01" + SERVFAIL * 12,
    "all_failed_drop": b"\x04" + FAILED * 12,
    "not_started": b"\x00" + NOT_STARTED * 12,
    "tiny_budgets": b"\x10" + NODATA * 12,
    "synthesis": b"\x00" + NODATA + a_records(1, 2) + spliced(0x8180, answer=[typed_rr(C00C, PTR, 300, name("host.example"))])
    + aaaa_records("2001:db8::1") + spliced(0x8180, answer=[typed_rr(C00C, MX, 300, struct.pack("!H", 10) + name("mx.example"))])
    + a_records(7) + a_records(3, 4) + a_records(5) + NODATA + a_records(6),
    "real_aaaa": b"\x00" + aaaa_records("2001:db8::1", "2001:db8::2") * 12,
    "mapped_aaaa_filtered": b"\x00" + aaaa_records("::ffff:192.0.2.1", "2001:db8::9") * 6 + a_records(1) * 6,
    "cname_chains": b"\x00" + cname_to("target.example", typed_rr(name("target.example"), A, 60, bytes([192, 0, 2, 9]))) * 12,
    "cname_to_nxdomain": b"\x00" + spliced(0x8183, answer=[typed_rr(C00C, CNAME, 300, name("gone.example"))], authority=[SOA_RR]) * 12,
    "dname": b"\x00" + spliced(0x8180, answer=[typed_rr(name("example"), DNAME, 300, name("example.net")),
                                               typed_rr(C00C, CNAME, 300, name("www.example.net")),
                                               typed_rr(name("www.example.net"), A, 300, bytes([192, 0, 2, 5]))]) * 12,
    "signed": b"\x00" + spliced(0x81a0, answer=[typed_rr(C00C, AAAA, 300, aaaa("2001:db8::5")),
                                                typed_rr(C00C, RRSIG, 300, rrsig_rdata(AAAA))], additional=[opt(1232, True)]) * 12,
    "truncated": b"\x00" + spliced(0x8380) * 12,
    "ttl_zero": b"\x00" + spliced(0x8180, answer=[typed_rr(C00C, A, 0, bytes([192, 0, 2, 1]))]) * 12,
    "failure_ttl": b"\x08" + SERVFAIL + a_records(1) * 11,
    "wrong_question_raw": b"\x00" + whole(header(0x4242, 0x8180, 1, 1, 0, 0) + q("other.example", AAAA)
                                          + typed_rr(C00C, AAAA, 300, aaaa("2001:db8::6"))) * 3 + NODATA * 9,
    "raw_www_aaaa": b"\x00" + whole(header(0x4242, 0x8180, 1, 1, 0, 0) + q("www.example", AAAA)
                                    + typed_rr(C00C, AAAA, 300, aaaa("2001:db8::6"))) + NODATA * 11,
    "big_answer": b"\x00" + spliced(0x8180, answer=[typed_rr(C00C, A, 300, bytes([10, 0, i // 256, i % 256])) for i in range(120)]) * 4,
    "mixed": b"\x03" + SERVFAIL + NXDOMAIN + FAILED + NODATA + a_records(8) + NOT_STARTED + aaaa_records("2001:db8::8") + SERVFAIL,
}
os.makedirs("tests/fuzz/corpus/resolver", exist_ok=True)
for k, v in resolver.items():
    with open(f"tests/fuzz/corpus/resolver/{k}", "wb") as f:
        f.write(v)


# Configuration files: the shipped example and variants around it.
with open("etc/dns64d.toml") as f:
    shipped = f.read()
PORT = '[[port]]\ndevice = "net_tap%d"\nipv4 = ["192.0.2.%d/24"]\nipv6 = ["2001:db8::%x/64"]\n'
config = {
    "shipped.toml": shipped,
    "empty.toml": "",
    "one_port.toml": PORT % (0, 53, 0x53),
    "two_ports_exception.toml": PORT % (0, 53, 0x53) + 'exception = "dns64x0"\nmac = "02:00:00:00:00:53"\n' + PORT % (1, 54, 0x54),
    "nine_ports.toml": "".join(PORT % (i, 10 + i, 0x10 + i) for i in range(9)),
    "dataplane.toml": "[dataplane]\ndns_ports = [53, 5353]\nedns_udp_size = 4096\nburst = 256\nring_size = 1024\noffloads = false\n" + PORT % (0, 53, 0x53),
    "cache_upstream.toml": "[cache]\nentries = 1024\nbytes = 1048576\nmin_ttl = 5\nmax_ttl = 3600\nrefresh_percent = 0\n"
    "[upstream]\nservers = [\"192.0.2.1\", \"192.0.2.2:5353\", \"[2001:db8::1]:53\"]\ntimeout_ms = 200\nattempts = 1\n"
    "over_limit = \"drop\"\nserve_stale = true\n",
    "upstream_disabled.toml": "[upstream]\nenabled = false\n[tcp]\nenabled = false\nmax_connections = 1\n",
    "views.toml": PORT % (0, 53, 0x53)
    + '[[view]]\nname = "nsp"\nclients = ["2001:db8:aaaa::/48", "10.0.0.0/8"]\nprefixes = ["2001:db8:122:344::/64", "2001:db8:100::/40"]\n'
    'ptr_mode = "ptr"\nexclude_aaaa = ["::ffff:0:0/96", "2001:db8:dead::/48"]\nforce_domains = ["force.example"]\n'
    '[[view]]\nname = "all"\nclients = ["2001:db8:bbbb::/48"]\nprefixes = ["64:ff9b::/96"]\nsynthesize_all = true\nwkp_relaxed = true\n'
    '[[view]]\nname = "default"\nprefixes = ["64:ff9b:1::/48", "2001:db8::/32", "2001:db8:1::/56"]\n',
    "prefix_map.toml": '[[view]]\nname = "default"\nprefixes = ["2001:db8:64::/96"]\n'
    'prefix_map = ["203.0.113.0/24 2001:db8:65::/96", "198.51.100.0/25 2001:db8:66::/64"]\nnever_map = ["10.0.0.0/8", "192.168.0.0/16"]\n',
    "records.toml": '[[record]]\nname = "a.example"\ntype = "A"\nttl = 60\ndata = "192.0.2.1"\n'
    '[[record]]\nname = "a.example"\ntype = "AAAA"\nttl = 60\ndata = "2001:db8::1"\n'
    '[[record]]\nname = "c.example"\ntype = "CNAME"\nttl = 60\ndata = "a.example"\n'
    '[[record]]\nname = "1.2.0.192.in-addr.arpa"\ntype = "PTR"\nttl = 60\ndata = "a.example"\n',
    "cname_loop.toml": '[[record]]\nname = "x.example"\ntype = "CNAME"\nttl = 60\ndata = "y.example"\n'
    '[[record]]\nname = "y.example"\ntype = "CNAME"\nttl = 60\ndata = "x.example"\n',
    "unknown_key.toml": "[cache]\nentrys = 5\n",
    "bad_prefix.toml": '[[view]]\nname = "v"\nprefixes = ["64:ff9b::/33"]\n',
    "bad_types.toml": '[dataplane]\nburst = "many"\nedns_udp_size = -1\n[[port]]\ndevice = 5\n',
    "huge_numbers.toml": "[dataplane]\nburst = 99999999999999999999\nmbufs = 4294967296\nring_size = 3\n",
    "tiny_mtu_edns.toml": "[dataplane]\nedns_udp_size = 65535\n" + PORT % (0, 53, 0x53),
    "duplicate_views.toml": '[[view]]\nname = "a"\n[[view]]\nname = "a"\n[[view]]\nname = "b"\nclients = ["::/0"]\n',
    "many_policies.toml": "".join('[[view]]\nname = "v%d"\nclients = ["2001:db8:%x::/48"]\nexclude_domains = ["d%d.example"]\nexclude_aaaa = ["2001:db8:%x::/48"]\n'
                                  % (i, i, i, i) for i in range(70)),
    "inline_tables.toml": 'port = [{device = "p0", ipv4 = ["192.0.2.1"]}]\ncache = {entries = 10}\n',
    "bad_utf8.toml": b"[[view]]\nname = \"\xff\xfe\"\n",
}
os.makedirs("tests/fuzz/corpus/config", exist_ok=True)
for k, v in config.items():
    with open(f"tests/fuzz/corpus/config/{k}", "wb") as f:
        f.write(v.encode("utf-8", "surrogateescape") if isinstance(v, str) else v)
