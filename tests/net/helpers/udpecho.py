#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""udpecho.py DST SIZE [TIMEOUT [nodf]]: send one datagram of SIZE pseudo-random
bytes to DST port 7007 and wait for the same bytes back.  Exit 0 when the
echo is intact, 1 when it differs (prints lengths), 2 on timeout.
"nodf" sends an IPv4 datagram with DF clear (IP_PMTUDISC_DONT)."""
import os
import socket
import sys

dst, size = sys.argv[1], int(sys.argv[2])
timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(timeout)
if len(sys.argv) > 4 and sys.argv[4] == "nodf" and fam == socket.AF_INET:
    s.setsockopt(socket.IPPROTO_IP, 10, 0)   # IP_MTU_DISCOVER = DONT
payload = os.urandom(size)
s.sendto(payload, (dst, 7007))
try:
    data, _ = s.recvfrom(65535)
except socket.timeout:
    print("timeout: no echo of %d bytes from %s" % (size, dst))
    sys.exit(2)
if data != payload:
    print("echo differs: sent %d bytes, got %d" % (size, len(data)))
    sys.exit(1)
print("ok %d bytes" % size)
