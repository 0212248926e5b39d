# SPDX-License-Identifier: BSD-2-Clause
"""Offline conformance harness: packets built with scapy go through
`sixgatectl translate`, and the test inspects what came out.

    out, summary = xlat([IP(...)/UDP(...)], CONF_WKP_LAB)

`out` is the list of emitted packets (scapy IP or IPv6 objects, in emission
order); `summary` is a dict of the stderr summary line: {'in': 1, 'out': 1,
'dropped': 0, 'ttl_expired': 1, ...}.
"""
import os
import re
import struct
import subprocess
import tempfile

import pytest
from scapy.all import IP, IPv6, rdpcap, raw  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SIXGATECTL = os.environ.get("SIXGATECTL",
                            os.path.join(ROOT, "build", "sixgatectl"))

# The RFC 6052 / RFC 7757 vectors pair the WKP with 192.0.2.0/24, which
# RFC 6052 §3.1 forbids; tests that use them run with the check off.
CONF_WKP_LAB = """
pref64 = 64:ff9b::/96
allow-nonglobal-wkp = yes
[siit]
"""

CONF_WKP_STRICT = """
pref64 = 64:ff9b::/96
[siit]
"""

LINKTYPE_RAW = 101


def _write_pcap(path, pkts, linktype=LINKTYPE_RAW, times=None):
    """Classic libpcap file, microsecond timestamps, native byte order."""
    with open(path, "wb") as f:
        f.write(struct.pack("=IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144,
                            linktype))
        for i, p in enumerate(pkts):
            data = bytes(p) if isinstance(p, (bytes, bytearray)) else raw(p)
            t = times[i] if times else 1000.0 + i * 0.001
            sec = int(t)
            usec = int(round((t - sec) * 1e6))
            f.write(struct.pack("=IIII", sec, usec, len(data), len(data)))
            f.write(data)


def _parse_summary(stderr):
    for line in stderr.splitlines():
        if "translate:" in line and "in=" in line:
            return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}
    raise AssertionError("no summary line in stderr: %r" % stderr)


def _decode(data):
    v = data[0] >> 4
    if v == 4:
        return IP(data)
    if v == 6:
        return IPv6(data)
    raise AssertionError("emitted packet with version %d" % v)


def run_translate(conf_text, in_path, out_path):
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
        f.write(conf_text)
        conf = f.name
    try:
        return subprocess.run([SIXGATECTL, "translate", "-c", conf,
                               in_path, out_path],
                              capture_output=True, text=True, timeout=60)
    finally:
        os.unlink(conf)


def config_check(text):
    """`sixgatectl config check -c FILE` on text; returns (CompletedProcess,
    path of the file, which is gone by then but names the errors)."""
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
        f.write(text)
        path = f.name
    try:
        r = subprocess.run([SIXGATECTL, "config", "check", "-c", path],
                           capture_output=True, text=True, timeout=30)
        return r, path
    finally:
        os.unlink(path)


def xlat_raw(pkts, conf_text=CONF_WKP_LAB, linktype=LINKTYPE_RAW, times=None):
    """Translate; return (list of raw bytes emitted, summary dict)."""
    with tempfile.TemporaryDirectory() as d:
        inp = os.path.join(d, "in.pcap")
        outp = os.path.join(d, "out.pcap")
        _write_pcap(inp, pkts, linktype, times)
        r = run_translate(conf_text, inp, outp)
        assert r.returncode == 0, r.stderr
        summary = _parse_summary(r.stderr)
        out = [bytes(p) for p in rdpcap(outp)] if os.path.getsize(outp) > 24 else []
        return out, summary


def xlat(pkts, conf_text=CONF_WKP_LAB, **kw):
    """Translate; return (list of decoded scapy packets, summary dict)."""
    out, summary = xlat_raw(pkts, conf_text, **kw)
    return [_decode(b) for b in out], summary


@pytest.fixture
def translate():
    return xlat


# ---------------------------------------------------------------------------
# Stateful NAT64 (RFC 6146): `sixgatectl translate -r nat64`, state kept over
# the capture, pcap timestamps as the clock.

CONF_NAT64 = """
pref64 = 64:ff9b::/96
allow-nonglobal-wkp = yes
[nat64]
pool4 = 192.0.2.1 61001-61100
"""

_LOG_RE = re.compile(r"^sixgatectl: log: (\d+)\.(\d+) (bib add|bib del|"
                     r"session add|session del) (tcp|udp|icmp) "
                     r"\[([0-9a-fA-F:.]+)\]:(\d+) ([\d.]+):(\d+)( static)?"
                     r"(?: -> ([\d.]+):(\d+))?$")


class Nat64Log:
    """One RFC 6888 §4 record from stderr."""

    def __init__(self, m, line):
        self.line = line
        self.time = int(m.group(1)) + int(m.group(2)) / 1e9
        self.what = m.group(3)
        self.proto = m.group(4)
        self.x6, self.x = m.group(5), int(m.group(6))
        self.t4, self.t = m.group(7), int(m.group(8))
        self.static = bool(m.group(9))
        self.z4 = m.group(10)
        self.z = int(m.group(11)) if m.group(11) else None

    def __repr__(self):
        return "<%s>" % self.line


class Nat64Run:
    """What one `translate -r nat64` run produced.

    out: emitted packets (scapy IP/IPv6, .time = pcap timestamp) in order;
    s: summary dict, NAT64 keys with their `nat64.` prefix;
    logs: Nat64Log records; stderr: the raw text."""

    def __init__(self, out, s, logs, stderr):
        self.out, self.s, self.logs, self.stderr = out, s, logs, stderr

    def v4(self):
        return [p for p in self.out if p.version == 4]

    def v6(self):
        return [p for p in self.out if p.version == 6]

    def log(self, what=None, proto=None, **kw):
        r = []
        for l in self.logs:
            if what and l.what != what or proto and l.proto != proto:
                continue
            if any(getattr(l, k) != v for k, v in kw.items()):
                continue
            r.append(l)
        return r

    def n(self, key):
        """A summary figure, 0 when absent (zero counters are omitted)."""
        return self.s.get(key, 0)


def _parse_summary_nat64(stderr):
    for line in stderr.splitlines():
        if "translate:" in line and "in=" in line:
            return {k: int(v) for k, v in re.findall(r"([\w.]+)=(\d+)", line)}
    raise AssertionError("no summary line in stderr: %r" % stderr)


def nat64_run(events, conf_text=CONF_NAT64, wait=None, check=True):
    """Run events through the stateful NAT64.

    events: packets (scapy or bytes) or (time, packet) pairs; a bare packet
    gets the previous time + 1 ms (the first one 1000.0).  wait: -w SECONDS.
    """
    pkts, times, t = [], [], 999.999
    for e in events:
        if isinstance(e, tuple):
            t, p = e
        else:
            t, p = t + 0.001, e
        pkts.append(p)
        times.append(t)
    with tempfile.TemporaryDirectory() as d:
        inp = os.path.join(d, "in.pcap")
        outp = os.path.join(d, "out.pcap")
        conf = os.path.join(d, "nat64.conf")
        _write_pcap(inp, pkts, LINKTYPE_RAW, times)
        with open(conf, "w") as f:
            f.write(conf_text)
        cmd = [SIXGATECTL, "translate", "-r", "nat64", "-c", conf]
        if wait is not None:
            cmd += ["-w", str(wait)]
        r = subprocess.run(cmd + [inp, outp], capture_output=True,
                           text=True, timeout=120)
        if check:
            assert r.returncode == 0, r.stderr
        if r.returncode != 0:
            return Nat64Run([], {}, [], r.stderr)
        out = []
        if os.path.getsize(outp) > 24:
            for p in rdpcap(outp):
                q = _decode(bytes(p))
                q.time = float(p.time)
                out.append(q)
    logs = []
    for line in r.stderr.splitlines():
        m = _LOG_RE.match(line)
        if m:
            logs.append(Nat64Log(m, line))
    return Nat64Run(out, _parse_summary_nat64(r.stderr), logs, r.stderr)
