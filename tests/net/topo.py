# SPDX-License-Identifier: BSD-2-Clause
"""The topologies of tests/net (each module builds its own copy): SIIT
(test_siit.py, test_bad_input.py, test_operations.py, test_workers.py,
test_io.py, test_offloads.py), below; stateful NAT64 and CLAT->NAT64
further down.  SIIT:

      h6 (IPv6 only)            xl (sixgated [siit])               r4 (IPv4 router)          s4 (IPv4 only)
   h6-TAG                      xl6-TAG       TUN sgsTAG          r4x-TAG    r4s-TAG           s4-TAG
   2001:db8:6::10/64 -------- 2001:db8:6::1/64                  198.51.100.2/24            203.0.113.10/24
   2001:db8:6::11/64                        xl4-TAG ----------- 198.51.100.2   203.0.113.1 ---- default
   default -> 2001:db8:6::1                 198.51.100.1/24
                                            203.0.113.0/24 -> 198.51.100.2
                                                                192.0.2.0/24 -> 198.51.100.1

   To IPv4, h6 is 192.0.2.10 (EAM 192.0.2.10 <-> 2001:db8:6::10).
   To IPv6, s4 is 64:ff9b::cb00:710a and r4 is 64:ff9b::c633:6402 (pool6
   64:ff9b::/96; documentation addresses need allow-nonglobal-wkp).
   sixgated installs 64:ff9b::/96 and 192.0.2.10/32 toward its TUN.
"""

H6 = "2001:db8:6::10"
H6B = "2001:db8:6::11"
H6_AS4 = "192.0.2.10"
XL6 = "2001:db8:6::1"
XL4 = "198.51.100.1"
R4 = "198.51.100.2"
R4S = "203.0.113.1"
S4 = "203.0.113.10"
S4_AS6 = "64:ff9b::cb00:710a"
R4_AS6 = "64:ff9b::c633:6402"
XL4_AS6 = "64:ff9b::c633:6401"

SIIT_CONF = """\
# sixgated [siit] for tests/net (topo.py)
pref64 = 64:ff9b::/96
allow-nonglobal-wkp = yes
user = root
workers = 2
control-socket = @SOCK@
@GLOBAL@
[siit]
tun = @TUN@
eam = 192.0.2.10 2001:db8:6::10
@EXTRA@
"""


def siit_conf(tun, extra="", global_extra=""):
    """extra goes into [siit], global_extra before it."""
    return (SIIT_CONF.replace("@TUN@", tun).replace("@EXTRA@", extra)
            .replace("@GLOBAL@", global_extra))


def build_siit(net):
    for r in ("h6", "xl", "r4", "s4"):
        net.add_ns(r)
    net.link("h6", "h6", "xl", "xl6")
    net.link("xl", "xl4", "r4", "r4x")
    net.link("r4", "r4s", "s4", "s4")
    net.addr("h6", "h6", H6 + "/64")
    # the second address is deprecated so that it is never picked as a
    # default source; test_operations uses it explicitly
    net.sh("h6", "ip -6 addr add %s/64 dev %s nodad preferred_lft 0" %
           (H6B, net.name("h6", "h6")))
    net.addr("xl", "xl6", XL6 + "/64")
    net.addr("xl", "xl4", XL4 + "/24")
    net.addr("r4", "r4x", R4 + "/24")
    net.addr("r4", "r4s", R4S + "/24")
    net.addr("s4", "s4", S4 + "/24")
    net.route("h6", "default6 via " + XL6)
    net.route("xl", "203.0.113.0/24 via " + R4)
    net.route("r4", "192.0.2.0/24 via " + XL4)
    net.route("s4", "default via " + R4S)
    return net


def tun_name(net, short="sgs"):
    return "%s%s" % (short, net.tag)


# -- stateful NAT64 (RFC 6146): test_nat64.py -----------------------------
#
#      h6 (IPv6 only)          xl (sixgated [nat64])       r4 (IPv4 router)         s4 (IPv4 only,
#   h6-TAG                    xl6-TAG                     r4x-TAG   r4s-TAG           no IPv6 at all)
#   2001:db8:6::10/64 ------- 2001:db8:6::1/64                                       s4-TAG
#   default6 -> xl            TUN n64TAG (pool6, pool4)   192.0.2.2/24              203.0.113.10/24
#                             xl4-TAG 192.0.2.1/24 ------ 192.0.2.2                 default -> r4
#   h6b (IPv6 only)           default4 -> r4              203.0.113.1/24 ---------- 203.0.113.10
#   h6b-TAG                   xl7-TAG                     198.51.100.0/24 -> xl
#   2001:db8:7::10/64 ------- 2001:db8:7::1/64
#   2001:db8:8::10/64         2001:db8:8::1/64
#   (deprecated: a third
#    client /64, used only
#    explicitly)
#
#   pool4 198.51.100.1 is not an address of xl: sixgated routes it (and
#   64:ff9b::/96) into its TUN, and r4 routes 198.51.100.0/24 to xl.
#   To IPv6, s4 is 64:ff9b::cb00:710a, r4 is 64:ff9b::c000:202 and the
#   pool4 address is 64:ff9b::c633:6401 (hairpinning, RFC 6146 §3.8).

N64_H6B = "2001:db8:7::10"
N64_H6C = "2001:db8:8::10"
N64_XL6 = "2001:db8:6::1"
N64_XL7 = "2001:db8:7::1"
N64_XL4 = "192.0.2.1"
N64_R4 = "192.0.2.2"
N64_R4_AS6 = "64:ff9b::c000:202"
N64_POOL4 = "198.51.100.1"
N64_POOL4_AS6 = "64:ff9b::c633:6401"

NAT64_CONF = """\
# sixgated [nat64] for tests/net (topo.py)
pref64 = 64:ff9b::/96
allow-nonglobal-wkp = yes
user = root
workers = 2
control-socket = @SOCK@
@GLOBAL@
[nat64]
tun = @TUN@
@POOL4@
filtering = endpoint-independent
@EXTRA@
"""

NAT64_POOL4 = """\
pool4 = 198.51.100.1 tcp 61001-65535
pool4 = 198.51.100.1 udp 61001-65535
pool4 = 198.51.100.1 icmp 61001-65535"""


def nat64_conf(tun, extra="", global_extra="", pool4=NAT64_POOL4):
    """extra goes into [nat64] after pool4 and filtering, global_extra
    before the section."""
    return (NAT64_CONF.replace("@TUN@", tun).replace("@POOL4@", pool4)
            .replace("@EXTRA@", extra).replace("@GLOBAL@", global_extra))


def build_nat64(net):
    for r in ("h6", "h6b", "xl", "r4", "s4"):
        net.add_ns(r)
    # s4 is IPv4 only: no IPv6 address, not even ::1
    for k in ("all", "default", "lo"):
        net.sh("s4", "sysctl -qw net.ipv6.conf.%s.disable_ipv6=1" % k)
    net.link("h6", "h6", "xl", "xl6")
    net.link("h6b", "h6b", "xl", "xl7")
    net.link("xl", "xl4", "r4", "r4x")
    net.link("r4", "r4s", "s4", "s4")
    net.addr("h6", "h6", H6 + "/64")
    net.addr("h6b", "h6b", N64_H6B + "/64")
    net.sh("h6b", "ip -6 addr add %s/64 dev %s nodad preferred_lft 0" %
           (N64_H6C, net.name("h6b", "h6b")))
    net.addr("xl", "xl6", N64_XL6 + "/64")
    net.addr("xl", "xl7", N64_XL7 + "/64", "2001:db8:8::1/64")
    net.addr("xl", "xl4", N64_XL4 + "/24")
    net.addr("r4", "r4x", N64_R4 + "/24")
    net.addr("r4", "r4s", R4S + "/24")
    net.addr("s4", "s4", S4 + "/24")
    net.route("h6", "default6 via " + N64_XL6)
    net.route("h6b", "default6 via " + N64_XL7)
    net.route("xl", "default via " + N64_R4)
    net.route("r4", "198.51.100.0/24 via " + N64_XL4)
    net.route("s4", "default via " + R4S)
    return net


# CLAT -> NAT64 in series (tests/net/test_offloads.py, test_io.py): an
# IPv4-only client c1 behind a router CLAT cr (100.64.0.0/24 on its LAN),
# an IPv6-only link to the PLAT pl, which reaches s4 over IPv4.
#
#   c1 100.64.0.2 -- 100.64.0.1 cr 2001:db8:f1::2 -- 2001:db8:f1::1 pl
#   pl 203.0.113.1 -- 203.0.113.10 s4
def build_clat_nat64(net):
    for r in ("c1", "cr", "pl", "s4"):
        net.add_ns(r)
    net.link("c1", "c1", "cr", "crl")
    net.link("cr", "cru", "pl", "pl6")
    net.link("pl", "pl4", "s4", "s4")
    net.addr("c1", "c1", "100.64.0.2/24")
    net.addr("cr", "crl", "100.64.0.1/24")
    net.addr("cr", "cru", "2001:db8:f1::2/64")
    net.addr("pl", "pl6", "2001:db8:f1::1/64")
    net.addr("pl", "pl4", "203.0.113.1/24")
    net.addr("s4", "s4", S4 + "/24")
    net.route("c1", "default via 100.64.0.1")
    net.route("cr", "default6 via 2001:db8:f1::1")
    net.route("pl", "2001:db8:1::/48 via 2001:db8:f1::2")
    net.route("s4", "default via 203.0.113.1")
    net.client, net.dst = "c1", S4
    return net


# The CLAT of build_clat_nat64(); glob goes into the global section.
CLAT_NAT64_CLAT_CONF = """\
pref64 = 64:ff9b::/96
allow-nonglobal-wkp = yes
user = root
workers = 2
control-socket = @SOCK@
{glob}
[clat]
mode = router
tun = {tun}
ipv4-prefix = 100.64.0.0/10
ipv6-prefix = 2001:db8:1:ff00::/106
ipv4-default-route = yes
"""
# The PLAT of build_clat_nat64(): nat64_conf() with this pool4.
CLAT_NAT64_POOL4 = "pool4 = 198.51.100.1"
