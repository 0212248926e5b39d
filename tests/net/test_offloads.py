# SPDX-License-Identifier: BSD-2-Clause
"""TUN offloads (issue 7): large TCP transfers through every translator
path, with offloads on and off, checked end to end by sha256.

With `offloads = yes` sixgated reads GSO super-packets with partial
checksums from its TUN devices and writes them back translated (RFC 7915
§4.5/§5.5 checksums, kept partial); with `offloads = no` it sees and sends
plain packets.  Either way every byte must arrive intact, in both
directions, and the `gso_in` counter says which of the two ran.

Paths (one module-scoped lab per path and setting):

   siit    h6 (IPv6) -- xl [siit] -- r4 -- s4 (IPv4)        tests/net/topo.py build_siit
   nat64   h6 (IPv6) -- xl [nat64] -- r4 -- s4 (IPv4)       tests/net/topo.py build_nat64
   clat    c1 (IPv4 only, 100.64.0.2) -- cr [clat router] -- pl [nat64] -- s4

   clat topology:
   c1 100.64.0.2/24 ---- cr 100.64.0.1/24, TUN
                         cr 2001:db8:f1::2/64 ---- pl 2001:db8:f1::1/64, TUN, pool4 198.51.100.1
                                                   pl 203.0.113.1/24 ---- s4 203.0.113.10/24
   cr: default6 -> pl; pl: 2001:db8:1::/48 -> cr; s4: default -> pl
   The CLAT maps 100.64.0.0/10 into 2001:db8:1:ff00::/106 and IPv4
   destinations into 64:ff9b::/96; the NAT64 binds those IPv6 clients to
   198.51.100.1.
"""
import hashlib
import os

import pytest

from conftest import PY, Sixgated, counter, make_webroot
import topo
from topo import S4_AS6

SIZE = 24 * 1024 * 1024 + 11
CLAT_CONF = topo.CLAT_NAT64_CLAT_CONF
OFF = "offloads = {}"

# A TCP sink: reads everything, then writes its sha256 back and closes.
SINK = ("import hashlib,socket,sys\n"
        "s=socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else "
        "socket.AF_INET);s.setsockopt(socket.SOL_SOCKET,"
        "socket.SO_REUSEADDR,1)\n"
        "s.bind((sys.argv[1],9009));s.listen(4)\n"
        "while True:\n"
        " c,_=s.accept();h=hashlib.sha256()\n"
        " while True:\n"
        "  b=c.recv(1<<16)\n"
        "  if not b: break\n"
        "  h.update(b)\n"
        " c.sendall(h.hexdigest().encode());c.close()\n")
SEND = ("import socket,sys\n"
        "c=socket.create_connection((sys.argv[1],9009),timeout=30)\n"
        "c.sendall(open(sys.argv[2],'rb').read());"
        "c.shutdown(socket.SHUT_WR)\n"
        "print(c.recv(200).decode())\n")


def _serve(net, role, www, bind):
    net.spawn(role, [PY, "-m", "http.server", "--bind", bind, "--directory",
                     www, "8080"], "http-%s.log" % role)
    net.spawn(role, [PY, "-c", SINK, bind], "sink-%s.log" % role)
    net.wait_tcp(role, "127.0.0.1" if bind == "0.0.0.0" else "::1", 8080)
    net.wait_tcp(role, "127.0.0.1" if bind == "0.0.0.0" else "::1", 9009)


def _siit(net, off):
    topo.build_siit(net)
    net.tun = topo.tun_name(net, "sgo")
    net.client, net.dst = "h6", S4_AS6
    net.d = [Sixgated(net, "xl", topo.siit_conf(
        net.tun, global_extra="offloads = %s" % off)).start()]


def _nat64(net, off):
    topo.build_nat64(net)
    net.tun = topo.tun_name(net, "sgn")
    net.client, net.dst = "h6", S4_AS6
    net.d = [Sixgated(net, "xl", topo.nat64_conf(
        net.tun, global_extra=OFF.format(off))).start()]


def _clat(net, off):
    topo.build_clat_nat64(net)
    tp, tc = "sgp" + net.tag, "sgc" + net.tag
    net.d = [Sixgated(net, "pl", topo.nat64_conf(
                 tp, global_extra=OFF.format(off),
                 pool4=topo.CLAT_NAT64_POOL4), "plat").start(),
             Sixgated(net, "cr", CLAT_CONF.format(glob=OFF.format(off), tun=tc),
                      "clat").start()]


BUILD = {"siit": _siit, "nat64": _nat64, "clat": _clat}


@pytest.fixture(scope="module",
                params=[(p, o) for p in ("siit", "nat64", "clat")
                        for o in ("yes", "no")],
                ids=lambda p: "%s-offloads-%s" % p)
def lab(request, netfactory):
    path, off = request.param
    net = netfactory("off" + path[0] + off[0])
    net.path, net.off = path, off
    BUILD[path](net, off)
    www, net.blob_sha = make_webroot(net.tmp, size=SIZE)
    net.blob = os.path.join(www, "blob")
    _serve(net, "s4", www, "0.0.0.0")
    yield net
    for d in reversed(net.d):
        d.stop()


def _url(net):
    h = "[%s]" % net.dst if ":" in net.dst else net.dst
    return "http://%s:8080/blob" % h


def test_offloads_download_intact(lab):
    """IPv4 server to client: the 4->6 direction (and back through the
    CLAT) carries 24 MiB intact."""
    out = os.path.join(lab.tmp, "dl")
    lab.ex(lab.client, ["curl", "-sS", "-g", "--max-time", "60", "-o", out,
                        _url(lab)], timeout=70)
    with open(out, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == lab.blob_sha
    os.unlink(out)


def test_offloads_upload_intact(lab):
    """Client to IPv4 server: the 6->4 direction carries 24 MiB intact
    (the sink hashes what it received and sends the hash back)."""
    r = lab.ex(lab.client, [PY, "-c", SEND, lab.dst, lab.blob], timeout=70)
    assert r.stdout.strip() == lab.blob_sha, r.stdout + r.stderr


def test_offloads_in_force_as_configured(lab):
    """gso_in counts GSO super-packets: some with offloads on, none with
    them off; the log says what the kernel granted."""
    for d in lab.d:
        n = counter(d.stats(), "gso_in")
        if lab.off == "yes":
            assert n > 0, "no GSO packet read with offloads on"
            assert "offloads: csum tso4 tso6" in d.log(), d.log()
        else:
            assert n == 0, "GSO packets read with offloads off: %d" % n
            assert "offloads: none" in d.log(), d.log()
