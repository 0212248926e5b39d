# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end tests on the 464XLAT lab (lab/lab, whose header draws the
topology: two WireGuard clients, a CLAT router, an IPv6 core with BIRD and
ECMP, three NAT64 gateways announcing 64:ff9b::/96 over BGP, a DNS64, an
IPv4-only internet with nginx and NSD).

The session fixture brings the lab up once with `lab/lab up` and takes it
down with `lab/lab down` at the end, passed or not.  The lab uses fixed
namespace names (lab-*): the tests refuse to start while a lab from
`make lab-up` is running, rather than tear it down.

Environment: SIXGATED and SIXGATECTL name the binaries (default build/).
"""
import json
import os
import re
import shutil
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from sgtest import run, skip_suite  # noqa: E402,F401
LAB = os.path.join(ROOT, "lab", "lab")
PROBE = os.path.join(ROOT, "lab", "probe.py")
SIXGATED = os.environ.get("SIXGATED", os.path.join(ROOT, "build", "sixgated"))
SIXGATECTL = os.environ.get("SIXGATECTL",
                            os.path.join(ROOT, "build", "sixgatectl"))
RUN = "/run/sixgate-lab"
PY = "/usr/bin/python3"
TOOLS = ("bird", "birdc", "wireguard-go", "wg", "nginx", "nsd", "unbound",
         "iperf3", "curl", "dig", "traceroute", "tracepath")


def _why_not_runnable():
    if os.geteuid() != 0:
        return "the lab needs root (namespaces, TUN devices)"
    miss = [t for t in TOOLS if not shutil.which(t)]
    if miss:
        return "missing %s: run scripts/deps" % ", ".join(miss)
    if not os.path.exists("/dev/net/tun"):
        return "/dev/net/tun is missing"
    return None


_SKIP = _why_not_runnable()


def pytest_collection_modifyitems(config, items):
    skip_suite(items, _SKIP, HERE)


class Lab:
    """Commands in the lab's boxes."""

    def ex(self, box, argv, check=True, timeout=30):
        return run(["ip", "netns", "exec", "lab-" + box] + list(argv),
                   check=check, timeout=timeout)

    def sh(self, box, line, check=True, timeout=30):
        return self.ex(box, line.split(), check=check, timeout=timeout)

    def ctl(self, box, *args):
        return self.ex(box, [SIXGATECTL, "-s",
                             "%s/%s/sixgated.sock" % (RUN, box)] + list(args))

    def stats(self, box):
        out = self.ctl(box, "stats", "--json").stdout
        return json.loads(out[out.find("{"):])

    def nexthops(self):
        """Gateways (1..3) the core's 64:ff9b::/96 route points to."""
        out = self.sh("core", "ip -6 route show 64:ff9b::/96").stdout
        return sorted(set(int(n) for n in
                          re.findall(r"via 2001:db8:ff:(\d)::2", out)))

    def wait_nexthops(self, want, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = self.nexthops()
            if got == want:
                return time.time()
            time.sleep(0.01)
        raise AssertionError("core next hops %s, wanted %s after %.0f s" %
                             (self.nexthops(), want, timeout))

    def lab(self, *args, timeout=60):
        env = dict(os.environ, SIXGATED=SIXGATED, SIXGATECTL=SIXGATECTL)
        return run([LAB] + list(args), timeout=timeout, env=env)

    def gateway_of(self, port):
        """The gateway holding the TCP session from client port `port`."""
        for n in (1, 2, 3):
            if not os.path.exists("%s/gw%d/sixgated.pid" % (RUN, n)):
                continue
            out = self.ctl("gw%d" % n, "session", "show").stdout
            if re.search(r"(?m)^tcp\s+\[[0-9a-f:]+\]:%d\s" % port, out):
                return n
        return None


@pytest.fixture(scope="session")
def lab():
    for b in (SIXGATED, SIXGATECTL):
        if not os.access(b, os.X_OK):
            pytest.skip("%s is not built" % b)
    r = run(["ip", "netns", "list"])
    if re.search(r"(?m)^lab-", r.stdout):
        pytest.fail("a lab is already up (make lab-down first)")
    lab = Lab()
    t0 = time.time()
    try:
        lab.lab("up", timeout=120)
        lab.up_seconds = time.time() - t0
        yield lab
    finally:
        run([LAB, "down"], check=False, timeout=60)
