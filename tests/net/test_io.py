# SPDX-License-Identifier: BSD-2-Clause
"""Worker I/O (issue 7): `io = uring` (reads kept posted on an io_uring,
writes batched) and `io = syscalls` (a blocking read() and a write() per
packet), each with and without `busy-poll`, and `io = auto` where seccomp
forbids io_uring, must all translate the same traffic, count it the same
way and behave the same for reload and stop.  The start-up log line says
which I/O the workers use.

Paths (one module-scoped lab per path and setting):

   siit    h6 (IPv6) -- xl [siit] -- r4 -- s4 (IPv4)        tests/net/topo.py build_siit
   nat64   h6 (IPv6) -- xl [nat64] -- r4 -- s4 (IPv4)       tests/net/topo.py build_nat64
   clat    c1 (IPv4 only, 100.64.0.2) -- cr [clat router] -- pl [nat64] -- s4

   clat topology (as tests/net/test_offloads.py):
   c1 100.64.0.2/24 ---- cr 100.64.0.1/24, TUN
                         cr 2001:db8:f1::2/64 ---- pl 2001:db8:f1::1/64, TUN, pool4 198.51.100.1
                                                   pl 203.0.113.1/24 ---- s4 203.0.113.10/24
   cr: default6 -> pl; pl: 2001:db8:1::/48 -> cr; s4: default -> pl

Checks, per lab: pings and a UDP echo exchange are counted exactly (every
packet read is written: in6 = out4, in4 = out6 on the client side's
translator, no TUN errors), a download arrives intact, reloads return at
once with idle workers and while traffic flows (which is still counted
exactly), and SIGTERM stops the daemon at once although its workers
sleep.
"""
import ctypes
import os
import platform
import subprocess
import time

import pytest

from conftest import PY, SIXGATED, Sixgated, counter, curl_sha, \
    make_webroot, need_daemon, run, start_servers
import topo
from topo import S4_AS6

# log-packets: a failing count shows the packets dropped
GLOBAL = "io = {io}\nbusy-poll = {bp}\nlog-packets = yes"
CLAT_CONF = topo.CLAT_NAT64_CLAT_CONF

# UDP echo client: N datagrams of 64 bytes to the echo service of
# udpserv.py, at most WINDOW unanswered, each payload distinct; prints
# "sent received".
ECHO = """\
import socket, sys, time
dst, n, window = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fam = socket.AF_INET6 if ':' in dst else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 4 << 20)  # SO_RCVBUFFORCE
s.connect((dst, 7007))
s.settimeout(1.0)
got, want = 0, set()
def recv_one():
    global got
    try:
        b = s.recv(2048)
    except socket.timeout:
        return False
    if b in want:
        want.discard(b)
        got += 1
    return True
for i in range(n):
    p = b'%08d' % i + b'x' * 56
    want.add(p)
    s.send(p)
    while len(want) >= window:
        if not recv_one():
            break
end = time.time() + 2
while want and time.time() < end:
    recv_one()
print(n, got)
"""

# seccomp: io_uring_setup(2) fails with EPERM, everything else is allowed
# (x86_64 only), as a container's or a unit's system-call filter would.
_NR_IO_URING_SETUP = 425
_AUDIT_ARCH_X86_64 = 0xc000003e


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte),
                ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort),
                ("filter", ctypes.POINTER(_SockFilter))]


def _deny_io_uring():
    """preexec_fn: install the filter in the child before exec."""
    ld, jeq, ret = 0x20, 0x15, 0x06
    allow, eperm = 0x7fff0000, 0x00050000 | 1
    prog = [(ld, 0, 0, 4), (jeq, 1, 0, _AUDIT_ARCH_X86_64),
            (ret, 0, 0, allow), (ld, 0, 0, 0),
            (jeq, 0, 1, _NR_IO_URING_SETUP), (ret, 0, 0, eperm),
            (ret, 0, 0, allow)]
    arr = (_SockFilter * len(prog))(*[_SockFilter(*p) for p in prog])
    fprog = _SockFprog(len(prog), arr)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:                 # NO_NEW_PRIVS
        os._exit(126)
    if libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:  # SECCOMP, FILTER
        os._exit(127)


def _seccomp_spawn(net):
    """net.spawn with the filter: the daemons this Net starts inherit it."""
    def spawn(role, argv, log):
        f = open(os.path.join(net.tmp, log), "w")
        p = subprocess.Popen(net.cmd(role, argv), stdout=f,
                             stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL,
                             preexec_fn=_deny_io_uring)
        p.logpath = f.name
        net.procs.append(p)
        return p
    return spawn


def _io_uring_missing():
    """Why io_uring cannot be set up here (kernel, io_uring_disabled, a
    seccomp filter around the tests), or None."""
    if platform.machine() != "x86_64":
        return None               # let sixgated find out
    libc = ctypes.CDLL(None, use_errno=True)
    params = ctypes.create_string_buffer(120)   # struct io_uring_params
    fd = libc.syscall(_NR_IO_URING_SETUP, 4, params)
    if fd < 0:
        return "io_uring is not available here: %s" % os.strerror(
            ctypes.get_errno())
    os.close(fd)
    return None


def _siit(net, glob):
    topo.build_siit(net)
    net.client, net.dst = "h6", S4_AS6
    net.d = [Sixgated(net, "xl", topo.siit_conf(
        topo.tun_name(net, "sgi"), global_extra=glob))]


def _nat64(net, glob):
    topo.build_nat64(net)
    net.client, net.dst = "h6", S4_AS6
    net.d = [Sixgated(net, "xl", topo.nat64_conf(
        topo.tun_name(net, "sgj"), global_extra=glob))]


def _clat(net, glob):
    topo.build_clat_nat64(net)
    # the client's translator first: its counters are the exact ones
    net.d = [Sixgated(net, "cr", CLAT_CONF.format(
                 glob=glob, tun="sgk" + net.tag), "clat"),
             Sixgated(net, "pl", topo.nat64_conf(
                 "sgl" + net.tag, global_extra=glob,
                 pool4=topo.CLAT_NAT64_POOL4), "plat")]


BUILD = {"siit": _siit, "nat64": _nat64, "clat": _clat}
# (path, io, busy-poll µs, seccomp filter on io_uring_setup)
SETTINGS = [(p, io, 0, False) for p in ("siit", "nat64", "clat")
            for io in ("uring", "syscalls")] + [
    ("siit", "uring", 50, False), ("siit", "syscalls", 50, False),
    ("nat64", "uring", 50, False), ("siit", "auto", 0, True),
    ("nat64", "auto", 0, True)]


def _id(s):
    path, io, bp, sec = s
    return "%s-%s%s%s" % (path, io, "-bp%d" % bp if bp else "",
                          "-seccomp" if sec else "")


@pytest.fixture(scope="module", params=SETTINGS, ids=_id)
def lab(request, netfactory):
    path, io, bp, sec = request.param
    if sec and platform.machine() != "x86_64":
        pytest.skip("the seccomp filter is written for x86_64")
    why = _io_uring_missing() if io == "uring" else None
    if why:
        pytest.skip(why)
    net = netfactory("io" + path[0] + io[0] + ("p" if bp else "") +
                     ("s" if sec else ""))
    net.path, net.io, net.bp, net.sec = path, io, bp, sec
    if sec:
        net.spawn = _seccomp_spawn(net)
    BUILD[path](net, GLOBAL.format(io=io, bp=bp))
    www, net.blob_sha = make_webroot(net.tmp, size=4 * 1024 * 1024 + 7)
    start_servers(net, "s4", www, bind="0.0.0.0")
    for d in reversed(net.d):
        d.start()
    # The kernel sends two MLD reports (:: -> ff02::16) into a TUN that
    # comes up, the second up to a second later (RFC 3810 §9.11); they are
    # dropped and counted, and must not land in the exact counts below.
    time.sleep(1.5)
    yield net
    for d in net.d:
        d.stop()


def _snap(lab):
    return lab.d[0].stats()


def _delta(after, before, name):
    return counter(after, name) - counter(before, name)


def test_log_says_which_io(lab):
    for d in lab.d:
        log = d.log()
        if lab.io == "uring":
            assert "workers: io_uring (" in log, log
        elif lab.io == "syscalls":
            assert "workers: read() and write() (io = syscalls)" in log, log
        else:
            assert "workers: read() and write(): io_uring is not " \
                   "available (Operation not permitted)" in log, log
        assert "busy-poll %d us" % lab.bp in log, log


def test_pings_counted_exactly(lab):
    n = 20
    lab.ex(lab.client, ["ping", "-n", "-c", "1", "-W", "2", lab.dst],
           check=False)                 # NAT64: the session exists
    before = _snap(lab)
    r = lab.ex(lab.client, ["ping", "-n", "-q", "-c", str(n), "-i", "0.01",
                            "-W", "2", lab.dst], check=False, timeout=30)
    assert " 0% packet loss" in r.stdout, r.stdout
    after = _snap(lab)
    # the client's translator reads each request from one side and each
    # reply from the other, and writes each once translated
    first, second = ("in6", "out4") if lab.path != "clat" else \
        ("in4", "out6")
    back_in, back_out = ("in4", "out6") if lab.path != "clat" else \
        ("in6", "out4")
    deltas = {k: v - before.get(k, 0) for k, v in after.items()
              if v != before.get(k, 0)}
    for name in (first, second, back_in, back_out):
        assert _delta(after, before, name) == n, "%s: %r\n%s" % (
            name, deltas, lab.d[0].log())
    for name in ("tun_read_err", "tun_write_err", "dropped"):
        assert _delta(after, before, name) == 0, (name, after)


def test_udp_echo_counted_exactly(lab):
    n = 3000
    before = _snap(lab)
    r = lab.ex(lab.client, [PY, "-c", ECHO, lab.dst, str(n), "32"],
               timeout=60)
    sent, got = (int(x) for x in r.stdout.split())
    assert sent == n and got >= n * 0.99, r.stdout
    after = _snap(lab)
    fwd_in, fwd_out, back_in, back_out = (
        ("in6", "out4", "in4", "out6") if lab.path != "clat" else
        ("in4", "out6", "in6", "out4"))
    # every packet read was translated and written once
    assert _delta(after, before, fwd_in) == _delta(after, before, fwd_out)
    assert _delta(after, before, back_in) == _delta(after, before, back_out)
    assert _delta(after, before, fwd_in) >= n
    assert _delta(after, before, back_in) >= got
    for name in ("tun_read_err", "tun_write_err", "dropped"):
        assert _delta(after, before, name) == 0, (name, after)


def test_download_intact(lab):
    assert curl_sha(lab, lab.client, "http://%s:8080/blob" %
                    ("[%s]" % lab.dst if ":" in lab.dst else lab.dst),
                    lab.tmp) == lab.blob_sha


def test_reload_with_idle_workers_returns_at_once(lab):
    # Idle workers wait in read() or io_uring_enter(): offline, so a
    # change must not wait for traffic.
    for d in lab.d:
        t0 = time.monotonic()
        r = d.ctl("reload", check=False)
        assert r.returncode == 0, r.stdout + r.stderr
        assert time.monotonic() - t0 < 2.0


def test_reload_during_traffic(lab):
    # Busy workers pass a quiescent point per batch: reloads return at
    # once, and every packet is still translated once.
    n = 20000
    before = _snap(lab)
    p = subprocess.Popen(lab.cmd(lab.client, [PY, "-c", ECHO, lab.dst,
                                              str(n), "32"]),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    took = []
    while p.poll() is None or len(took) < 3:
        for d in lab.d:
            t = time.monotonic()
            r = d.ctl("reload", check=False)
            assert r.returncode == 0, r.stdout + r.stderr
            took.append(time.monotonic() - t)
        time.sleep(0.02)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    got = int(out.split()[1])           # sent, received
    assert got >= n * 0.99, out
    assert max(took) < 2.0, took
    after = _snap(lab)
    fwd_in, fwd_out = ("in6", "out4") if lab.path != "clat" else \
        ("in4", "out6")
    assert _delta(after, before, fwd_in) == _delta(after, before, fwd_out)
    for name in ("tun_read_err", "tun_write_err", "dropped"):
        assert _delta(after, before, name) == 0, (name, after)


def test_reload_keeps_io_and_busy_poll_until_restart(lab):
    """io and busy-poll are fixed when the workers start: a reload that
    changes them says so and the workers keep the mode they logged."""
    d = lab.d[0]
    with open(d.conf) as f:
        text = f.read()
    other = "syscalls" if lab.io == "uring" else "uring"
    changed = text.replace("io = %s" % lab.io, "io = %s" % other).replace(
        "busy-poll = %d" % lab.bp, "busy-poll = %d" % (lab.bp + 7))
    assert changed != text
    try:
        with open(d.conf, "w") as f:
            f.write(changed)
        r = d.ctl("reload", check=False)
        assert r.returncode == 0, r.stdout + r.stderr
        deadline = time.time() + 5
        while "io and busy-poll change at the next start" not in d.log() \
                and time.time() < deadline:
            time.sleep(0.1)
        with open(d.proc.logpath) as f:
            log = f.read()              # all of it: d.log() is the tail
        assert "io and busy-poll change at the next start" in log, log
        assert log.count("workers: ") == 1, log  # no second start-up
        r = lab.ex(lab.client, ["ping", "-n", "-c", "3", "-i", "0.05",
                                "-W", "2", lab.dst], check=False, timeout=20)
        assert " 0% packet loss" in r.stdout, r.stdout
    finally:
        with open(d.conf, "w") as f:
            f.write(text)
        d.ctl("reload", check=False)


def test_stop_wakes_idle_workers(lab):
    time.sleep(0.3)                     # every worker asleep
    for d in lab.d:
        t0 = time.monotonic()
        assert d.stop() == 0, d.log()
        assert time.monotonic() - t0 < 2.0, d.log()


def test_io_uring_required_but_forbidden(netfactory):
    """io = uring refuses to start where io_uring is forbidden, rather
    than measuring the fallback under the wrong name."""
    if platform.machine() != "x86_64":
        pytest.skip("the seccomp filter is written for x86_64")
    net = topo.build_siit(netfactory("iors"))
    net.spawn = _seccomp_spawn(net)
    d = Sixgated(net, "xl", topo.siit_conf(
        topo.tun_name(net, "sgi"), global_extra="io = uring"))
    with pytest.raises(AssertionError):
        d.start(timeout=5)
    assert d.proc.wait(5) != 0
    assert "io = uring: io_uring is not available" in d.log(), d.log()


def test_io_keys_checked(tmp_path):
    need_daemon()
    conf = tmp_path / "x.conf"
    conf.write_text("io = syscalls\nbusy-poll = 25\n[siit]\n")
    r = run([SIXGATED, "-n", "-c", str(conf)])
    assert "io = syscalls\n" in r.stdout and "busy-poll = 25\n" in r.stdout
    conf.write_text("io = epoll\n")
    r = run([SIXGATED, "-n", "-c", str(conf)], check=False)
    assert r.returncode == 1
    assert "io: 'epoll' is not auto, uring or syscalls" in r.stdout + \
        r.stderr
