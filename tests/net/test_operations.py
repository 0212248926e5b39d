# SPDX-License-Identifier: BSD-2-Clause
"""Operating a running sixgated [siit]: reload (control command and
SIGHUP), a refused reload, EAM rows added and removed at run time, and
SIGTERM removing what the daemon installed (docs/daemon.md "Workers and
reload", "Control protocol", "Startup" step 3).

      h6 (IPv6 only)            xl (sixgated [siit])               r4 (IPv4 router)          s4 (IPv4 only)
   2001:db8:6::10/64 -------- 2001:db8:6::1/64
   2001:db8:6::11/64            TUN sgsTAG
   (deprecated, used           198.51.100.1/24 ------------------ 198.51.100.2/24
    only with ping -I)          203.0.113/24 -> r4                  203.0.113.1/24 ---------- 203.0.113.10/24
                                                                    192.0.2/24 -> xl           default -> r4

   The config routes all of 192.0.2.0/24 to the TUN (ipv4-route), so only
   the EAM table decides which of 192.0.2.10, .11, .20 reach h6:
     start:   eam 192.0.2.10 <-> 2001:db8:6::10
     reload:  eam 192.0.2.20 <-> 2001:db8:6::10 (and .10 gone)
     ctl:     eam add 192.0.2.11 2001:db8:6::11, then eam del 192.0.2.11
     reload:  eam 100.64.6.11 <-> 2001:db8:6::11 added and removed again
              (outside ipv4-route: the daemon must add and drop its route;
              r4 routes 100.64.0.0/10 to xl)
"""
import os
import re
import stat
import subprocess
import time

import pytest

from conftest import SIXGATECTL, Sixgated, ping, run
import topo
from topo import H6B, S4_AS6

CONF = """\
# sixgated [siit] for tests/net/test_operations.py
pref64 = 64:ff9b::/96
allow-nonglobal-wkp = yes
user = root
workers = 2
control-socket = @SOCK@

[siit]
tun = {tun}
ipv4-route = 192.0.2.0/24
eam = {eam}
"""


@pytest.fixture(scope="module")
def ops(netfactory):
    net = topo.build_siit(netfactory("ops"))
    net.tun = topo.tun_name(net)
    net.conf = lambda eam: CONF.format(tun=net.tun, eam=eam)
    net.route("r4", "100.64.0.0/10 via " + topo.XL4)
    net.d = Sixgated(net, "xl", net.conf("192.0.2.10 2001:db8:6::10"))
    net.d.start()
    yield net
    net.d.stop()


def reaches(net, v4, tries=1):
    return ping(net, "s4", v4, check=False, wait=1,
                count=tries).returncode == 0


def eam_rows(net):
    return net.d.ctl("eam", "show").stdout


def wait_for(pred, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return pred()


def test_rfc7757_initial_mapping(ops):
    assert reaches(ops, "192.0.2.10")
    assert not reaches(ops, "192.0.2.20")
    assert "192.0.2.10" in eam_rows(ops)


def test_reload_changes_eam_without_restart(ops):
    pid = ops.d.proc.pid
    ops.d.write_conf(ops.conf("192.0.2.20 2001:db8:6::10"))
    r = ops.d.ctl("reload", check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert ops.d.alive() and ops.d.proc.pid == pid
    rows = eam_rows(ops)
    assert "192.0.2.20" in rows and "192.0.2.10" not in rows, rows
    assert reaches(ops, "192.0.2.20"), "new EAM row not in effect"
    assert not reaches(ops, "192.0.2.10"), "old EAM row still in effect"
    ping(ops, "h6", S4_AS6)   # pool6 traffic from the same host


def test_reload_invalid_config_is_refused(ops):
    good = ops.d.conf
    with open(good) as f:
        text = f.read()
    lines = text.splitlines()
    lines.insert(9, "eam = 192.0.2.300 2001:db8:6::99   # invalid")
    bad_line = 10
    ops.d.write_conf("\n".join(lines) + "\n")
    try:
        r = ops.d.ctl("reload", check=False)
        out = r.stdout + r.stderr
        assert r.returncode == 1, "reload of an invalid file: rc=%d\n%s" % (
            r.returncode, out)
        assert re.search(r"%s:%d:" % (re.escape(good), bad_line), out), (
            "expected '%s:%d: reason' in:\n%s" % (good, bad_line, out))
        assert ops.d.alive()
        assert reaches(ops, "192.0.2.20"), "old mapping lost after refusal"
        assert "192.0.2.20" in eam_rows(ops)
    finally:
        ops.d.write_conf(text)


def test_sighup_reloads(ops):
    ops.d.write_conf(ops.conf("192.0.2.10 2001:db8:6::10"))
    ops.d.hup()
    assert wait_for(lambda: "192.0.2.10" in eam_rows(ops)), eam_rows(ops)
    assert ops.d.alive()
    assert reaches(ops, "192.0.2.10")
    assert not reaches(ops, "192.0.2.20")


def test_reload_drops_nothing_both_configs_translate(ops):
    """docs/daemon.md "Workers and reload": reloads that keep h6's mapping
    (they only add and remove another row) lose none of h6's packets.
    300 echo requests 10 ms apart cross six reloads, each followed by a
    SIGHUP."""
    same = ops.conf("192.0.2.10 2001:db8:6::10")
    more = ops.conf("192.0.2.10 2001:db8:6::10\n"
                    "eam = 192.0.2.30 2001:db8:6::30")
    p = subprocess.Popen(ops.cmd("h6", ["ping", "-6", "-n", "-i", "0.01",
                                        "-c", "300", "-W", "2", S4_AS6]),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    try:
        time.sleep(0.3)
        for i in range(6):
            ops.d.write_conf(more if i % 2 == 0 else same)
            r = ops.d.ctl("reload", check=False)
            assert r.returncode == 0, r.stdout + r.stderr
            ops.d.hup()
            time.sleep(0.3)
        out, _ = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
        ops.d.write_conf(same)
        ops.d.ctl("reload", check=False)
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    assert m, out
    assert m.group(1) == m.group(2) == "300", out


def test_rfc7757_eam_add_at_run_time(ops):
    assert not reaches(ops, "192.0.2.11")
    r = ops.d.ctl("eam", "add", "192.0.2.11", H6B, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "192.0.2.11" in eam_rows(ops)
    assert reaches(ops, "192.0.2.11")
    # and from the IPv6 side, sourced from the newly mapped address
    ping(ops, "h6", S4_AS6, src=H6B)


def test_rfc7757_eam_del_at_run_time(ops):
    r = ops.d.ctl("eam", "del", "192.0.2.11", check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "192.0.2.11" not in eam_rows(ops)
    assert not reaches(ops, "192.0.2.11")
    assert reaches(ops, "192.0.2.10")


def test_reload_adjusts_routes(ops):
    """docs/daemon.md: on reload "TUN devices and routes are adjusted to
    the difference": a new EAM row outside ipv4-route gets its route, and
    loses it when the row goes."""
    two = ops.conf("192.0.2.10 2001:db8:6::10\neam = 100.64.6.11 " + H6B)
    ops.d.write_conf(two)
    r = ops.d.ctl("reload", check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    got = ops.ex("xl", ["ip", "-4", "route", "get", "100.64.6.11"],
                 check=False)
    assert "dev " + ops.tun in got.stdout, got.stdout + got.stderr
    assert reaches(ops, "100.64.6.11")
    ops.d.write_conf(ops.conf("192.0.2.10 2001:db8:6::10"))
    r = ops.d.ctl("reload", check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    got = ops.ex("xl", ["ip", "-4", "route", "get", "100.64.6.11"],
                 check=False)
    assert "dev " + ops.tun not in got.stdout, (
        "route for the removed EAM row is still there:\n" + got.stdout)
    assert reaches(ops, "192.0.2.10")


def test_ctl_permission_denied(ops):
    """docs/daemon.md: the control socket is mode 0600, owned by root;
    sixgatectl says "permission denied" to anyone else."""
    st = os.stat(ops.d.sock)
    assert stat.S_ISSOCK(st.st_mode) and st.st_mode & 0o777 == 0o600, \
        oct(st.st_mode)
    os.chmod(ops.tmp, 0o711)      # let the other user reach the socket
    try:
        r = ops.ex("xl", ["setpriv", "--reuid=65534", "--regid=65534",
                          "--clear-groups", SIXGATECTL, "-s", ops.d.sock,
                          "status"], check=False)
    finally:
        os.chmod(ops.tmp, 0o700)
    assert r.returncode != 0, r.stdout
    assert "permission denied" in (r.stdout + r.stderr).lower(), \
        r.stdout + r.stderr


def test_rfc7757_5_eam_add_identical_prefix_refused(ops):
    """RFC 7757 §5 (PROJECT: sixgate refuses a row whose IPv4 prefix
    equals an existing row's)."""
    r = ops.d.ctl("eam", "add", "192.0.2.10", "2001:db8:6::99", check=False)
    assert r.returncode != 0, "EAM row with an existing IPv4 prefix accepted:\n" + r.stdout
    assert reaches(ops, "192.0.2.10")


def test_pref64_show(ops):
    r = ops.d.ctl("pref64", "show")
    assert "64:ff9b::/96" in r.stdout and "config" in r.stdout.lower(), \
        r.stdout


def test_sigterm_removes_routes_and_tun(ops):
    """Startup step 3: everything the daemon added is removed on exit."""
    before = ops.d.routes_before
    rc = ops.d.stop()
    assert rc == 0, "exit status %s after SIGTERM\n%s" % (rc, ops.d.log())
    after = ops.routes("xl")
    assert after == before, "routes left behind: %s; missing: %s" % (
        sorted(set(after) - set(before)), sorted(set(before) - set(after)))
    r = ops.ex("xl", ["ip", "link", "show", ops.tun], check=False)
    assert r.returncode != 0, "TUN device left behind:\n" + r.stdout
    r = run([SIXGATECTL, "-s", ops.d.sock, "status"],
            check=False)
    assert r.returncode != 0
    assert "not running" in (r.stdout + r.stderr), r.stdout + r.stderr
