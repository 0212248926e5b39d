#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""flood6.py IFNAME DSTMAC SEED SAME OTHER NETS [PPS [DST [DPORT]]]: spoofed
IPv6 UDP at PPS packets per second (0, the default: full speed), written as Ethernet frames with an AF_PACKET socket on
IFNAME (so the sender's kernel neither routes nor checks the sources).

  SAME   packets from random addresses and ports of 2001:db8:6::/64
  OTHER  packets from random addresses and ports of NETS random /64s of
         2001:db8::/32 (2001:db8:h:h::/64 with random h, never 2001:db8:0-ff:...,
         so the topology's own /64s are not hit)
  PPS    a pace for when every packet must reach the translator (a TUN
         queue holds 500 packets; at full speed the kernel drops the rest)
  DST    default 64:ff9b::cb00:710a, DPORT default 9

Every frame goes to DSTMAC (the translator's side of the link), so the
flood stays inside the test's namespaces and documentation prefixes.
Prints one JSON object: {"sent": N, "seconds": S, "nets": K}."""
import json
import random
import socket
import struct
import sys
import time

ifname, dstmac, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
same, other, nets = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
pps = int(sys.argv[7]) if len(sys.argv) > 7 else 0
dst = sys.argv[8] if len(sys.argv) > 8 else "64:ff9b::cb00:710a"
dport = int(sys.argv[9]) if len(sys.argv) > 9 else 9
rnd = random.Random(seed)
DST = socket.inet_pton(socket.AF_INET6, dst)
PAYLOAD = b"sixgate flood6 " + b"x" * 17


def csum(data):
    if len(data) & 1:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(eth, src, sport):
    ulen = 8 + len(PAYLOAD)
    pseudo = src + DST + struct.pack("!IxxxB", ulen, 17)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + PAYLOAD
    c = csum(pseudo + udp) or 0xffff
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    ip6 = struct.pack("!IHBB", 6 << 28, ulen, 17, 64) + src + DST
    return eth + ip6 + udp


def main():
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    mine = s.getsockname()[4]
    eth = bytes.fromhex(dstmac.replace(":", "")) + mine + b"\x86\xdd"
    same_net = socket.inet_pton(socket.AF_INET6, "2001:db8:6::")[:8]
    others = [b"\x20\x01\x0d\xb8" +
              struct.pack("!HH", rnd.randrange(0x100, 0x10000),
                          rnd.randrange(0x10000)) for _ in range(nets)]
    frames = []
    for i in range(same + other):
        net = same_net if i < same else others[i % nets]
        src = net + rnd.getrandbits(64).to_bytes(8, "big")
        frames.append(frame(eth, src, rnd.randrange(1024, 65536)))
    rnd.shuffle(frames)
    t0 = time.monotonic()
    sent = 0
    for f in frames:
        if pps and sent % 100 == 0:
            ahead = t0 + sent / pps - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        while True:
            try:
                s.send(f)
                sent += 1
                break
            except BlockingIOError:
                time.sleep(0.0005)
            except OSError:            # ENOBUFS: the qdisc is full
                time.sleep(0.0005)
    print(json.dumps({"sent": sent, "seconds": time.monotonic() - t0,
                      "nets": nets}))


if __name__ == "__main__":
    main()
