# SPDX-License-Identifier: BSD-2-Clause
"""sixgated as a service: the systemd notify protocol its Type=notify unit
relies on, the privilege drop after start-up, and the root-only control
socket (docs/daemon.md "Startup", sixgated(8) PRIVILEGES).

      sv (one namespace, no links)
      sixgated [siit], TUN sgvTAG, pool6 2001:db8:64::/96
      $NOTIFY_SOCKET = a datagram socket the test listens on

No packet leaves the namespace: these tests look at the process, its
notify messages and its files.
"""
import os
import pwd
import signal
import socket
import stat
import subprocess
import time

import pytest

from conftest import SIXGATECTL, SIXGATED, Sixgated, need_daemon

CONF = """\
pref64 = 2001:db8:64::/96
user = {user}
workers = 2
control-socket = @SOCK@

[siit]
tun = {tun}
eam = 192.0.2.10 2001:db8:6::10
"""


@pytest.fixture
def sv(netfactory):
    net = netfactory("sv")
    net.add_ns("sv")
    net.tun = "sgv" + net.tag
    return net


def _notify_listener(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(0.2)
    return s


def _wait_msg(s, want, timeout=10.0):
    """Collect notify datagrams until one contains the line `want`."""
    seen = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            msg = s.recv(4096).decode()
        except socket.timeout:
            continue
        seen.append(msg)
        if want in msg.splitlines():
            return seen
    raise AssertionError("no %r from sixgated within %.0fs; got %r" %
                         (want, timeout, seen))


def _spawn_with_notify(net, conf_path, notify_path):
    need_daemon()
    log = open(os.path.join(net.tmp, "sixgated.log"), "w")
    env = dict(os.environ, NOTIFY_SOCKET=notify_path)
    p = subprocess.Popen(net.cmd("sv", [SIXGATED, "-f", "-c", conf_path]),
                         stdout=log, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, env=env)
    p.logpath = log.name
    net.procs.append(p)
    return p


def test_sd_notify_ready_reloading_stopping(sv):
    """Type=notify: READY=1 once serving, RELOADING=1 then READY=1 around a
    SIGHUP reload, STOPPING=1 on SIGTERM, and a clean exit."""
    d = Sixgated(sv, "sv", CONF.format(user="root", tun=sv.tun))
    npath = os.path.join(sv.tmp, "notify")
    s = _notify_listener(npath)
    try:
        p = _spawn_with_notify(sv, d.conf, npath)
        _wait_msg(s, "READY=1")
        d.proc = p
        assert d.ctl("status").returncode == 0
        p.send_signal(signal.SIGHUP)
        seen = _wait_msg(s, "RELOADING=1")
        if not any("READY=1" in m.splitlines() for m in seen[-1:]):
            _wait_msg(s, "READY=1")
        p.send_signal(signal.SIGTERM)
        _wait_msg(s, "STOPPING=1")
        assert p.wait(10) == 0
    finally:
        s.close()


def _status(pid, task=None):
    path = "/proc/%d/status" % pid if task is None else \
        "/proc/%d/task/%s/status" % (pid, task)
    with open(path) as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f
                    if ":\t" in line)


def test_privileges_dropped_to_user_keeping_net_admin(sv):
    """sixgated(8): after opening its devices and sockets every thread runs
    as the configured user with CAP_NET_ADMIN only and no_new_privs."""
    nobody = pwd.getpwnam("nobody")
    d = Sixgated(sv, "sv", CONF.format(user="nobody", tun=sv.tun))
    d.start()
    try:
        pid = d.proc.pid                # `ip netns exec` execs sixgated
        tasks = os.listdir("/proc/%d/task" % pid)
        assert len(tasks) >= 3          # main, two workers (+ control)
        for t in tasks:
            st = _status(pid, t)
            uids = st["Uid"].split()
            assert all(int(u) == nobody.pw_uid for u in uids), (t, st["Uid"])
            assert all(int(g) == nobody.pw_gid
                       for g in st["Gid"].split()), (t, st["Gid"])
            assert int(st["CapEff"], 16) == 1 << 12, (t, st["CapEff"])
            assert int(st["CapPrm"], 16) == 1 << 12, (t, st["CapPrm"])
            assert st["NoNewPrivs"].strip() == "1", t
        # It still serves: status, and a netlink change (EAM route).
        assert d.ctl("status").returncode == 0
        assert d.ctl("eam", "add", "192.0.2.11",
                     "2001:db8:6::11").returncode == 0
        assert d.ctl("eam", "del", "192.0.2.11").returncode == 0
    finally:
        assert d.stop() == 0


def test_control_socket_root_only(sv):
    """sixgatectl(8): the control socket is mode 0600 and owned by root;
    another user is told permission is denied."""
    d = Sixgated(sv, "sv", CONF.format(user="root", tun=sv.tun))
    d.start()
    try:
        st = os.stat(d.sock)
        assert stat.S_ISSOCK(st.st_mode)
        assert stat.S_IMODE(st.st_mode) == 0o600
        assert st.st_uid == 0
        os.chmod(sv.tmp, 0o755)         # let nobody reach the directory
        r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup",
                            "--clear-groups", SIXGATECTL, "-s", d.sock,
                            "status"], capture_output=True, text=True,
                           timeout=10)
        assert r.returncode == 1
        assert "permission denied" in r.stderr
    finally:
        d.stop()


CLAT_HOST = """\
pref64 = 2001:db8:64::/96
user = root
control-socket = @SOCK@

[clat]
mode = host
tun = {tun}
ipv6-address = 2001:db8:6::c1a7
"""


def test_rfc7335_4_host_clat_refuses_overlapping_continuity(sv):
    """RFC 7335 §4: with 192.0.0.2 already configured (DS-Lite's B4 address,
    RFC 6333 §5.7) another continuity mechanism owns 192.0.0.0/29, so the
    host CLAT does not start, says why, and leaves nothing behind.  Without
    it the same configuration starts."""
    sv.sh("sv", "ip addr add 192.0.0.2/32 dev lo")
    d = Sixgated(sv, "sv", CLAT_HOST.format(tun=sv.tun))
    p = sv.spawn("sv", [SIXGATED, "-f", "-c", d.conf], "clat-refused.log")
    assert p.wait(15) != 0
    with open(p.logpath) as f:
        log = f.read()
    assert "192.0.0.0/29" in log and "7335" in log, log
    links = sv.sh("sv", "ip -o link show").stdout
    assert sv.tun not in links, links
    sv.sh("sv", "ip addr del 192.0.0.2/32 dev lo")
    d.start()
    try:
        addrs = sv.sh("sv", "ip -4 addr show dev " + sv.tun).stdout
        assert "192.0.0.1/32" in addrs, addrs
    finally:
        assert d.stop() == 0


LOGCONF = """\
pref64 = 2001:db8:64::/96
user = root
control-socket = @SOCK@
log-packets = {log}

[siit]
tun = {tun}
eam = 192.0.2.10 2001:db8:6::10
"""


def _unmappable_burst(net, n):
    """n echo requests from 2001:db8:6::5 (no EAM row: no_map_src) routed
    into the TUN within about half a second."""
    net.ex("sv", ["ping", "-6", "-n", "-q", "-c", str(n), "-i", "0.005",
                  "-W", "1", "-I", "2001:db8:6::5", "2001:db8:64::c633:6402"],
           check=False, timeout=30)


@pytest.mark.parametrize("log", ["no", "yes"])
def test_per_packet_logging_opt_in_and_rate_limited(sv, log):
    """sixgated(8): per-packet logs only with log-packets = yes, and then at
    most LOG_PKT_PER_SEC (10) lines a second, each naming the reason."""
    sv.sh("sv", "ip addr add 2001:db8:6::5/128 dev lo")
    d = Sixgated(sv, "sv", LOGCONF.format(log=log, tun=sv.tun))
    d.start()
    try:
        _unmappable_burst(sv, 80)
        assert d.alive()
    finally:
        d.stop()
    lines = [l for l in d.log().splitlines() if "drop no_map_src" in l]
    if log == "no":
        assert lines == [], lines
    else:
        assert 1 <= len(lines) <= 20, lines      # two 1-s windows at most
        assert "2001:db8:6::5" in lines[0]
