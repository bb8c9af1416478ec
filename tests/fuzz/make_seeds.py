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
}
os.makedirs("tests/fuzz/corpus/frame", exist_ok=True)
for k, v in frames.items():
    with open(f"tests/fuzz/corpus/frame/{k}", "wb") as f:
        f.write(v)
