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
