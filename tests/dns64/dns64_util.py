# SPDX-License-Identifier: BSD-2-Clause
"""Harness for the DNS64 tests: real DNS servers on loopback ports.
(Helpers; the fixtures are in conftest.py.  A module of its own name so
that tests/dns64 and tests/net can be collected in one pytest run.)

      dig / raw sockets (the tests)
          |
          v
      sixgated [dns64] 127.0.0.1:P1 (and ::1)     unbound + dns64 module 127.0.0.1:P3
          | upstream, recursion = no                   | (the reference: what a DNS64
          v                                            |  of record answers, for comparison)
      unbound 127.0.0.1:P2 (validator iterator) <------+ stub zones, same trust anchor
          | stub zones
          v
      NSD 127.0.0.1:P0 (rrl-ratelimit: 0): test., signed.test. (DNSSEC,
          ldns-keygen + ldns-signzone), 2.0.192.in-addr.arpa.,
          18.198.in-addr.arpa., f.f.f.3.ip6.arpa.

Every server runs in the foreground (-d, -f), with its files in one
temporary directory, on ports picked free for UDP and TCP at start; all are
stopped by pid at the end of the session (or of the module, for the extra
sixgated instances some modules start).  Nothing listens outside loopback.

Unbound treats test. and the reverse zones of the documentation prefixes as
local zones by default (RFC 6761, AS112): both unbounds here turn that off
with `local-zone: ... nodefault` for the zones NSD serves.

Environment: SIXGATED and SIXGATECTL name the binaries (default build/).
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import sgtest  # noqa: E402
SIXGATED = os.environ.get("SIXGATED", os.path.join(ROOT, "build", "sixgated"))
SIXGATECTL = os.environ.get("SIXGATECTL",
                            os.path.join(ROOT, "build", "sixgatectl"))
ZONES = os.path.join(HERE, "zones")

WKP = "64:ff9b::/96"
NSP = "2001:db8:64::/96"        # per-range prefix for 203.0.113.0/24
SIGNED = "signed.test."

# Files in tests/dns64/zones/ and the origin each one serves; signed.test.
# is signed at session start (keys are made fresh for every run, so the
# signatures never expire in the repository).
ZONE_FILES = (("test.", "test.zone"),
              (SIGNED, "signed.test.zone"),
              ("2.0.192.in-addr.arpa.", "2.0.192.in-addr.arpa.zone"),
              ("18.198.in-addr.arpa.", "18.198.in-addr.arpa.zone"),
              ("f.f.f.3.ip6.arpa.", "f.f.f.3.ip6.arpa.zone"))

# SOA of test.: MINIMUM 120, so a negative AAAA answer carries a SOA with
# TTL 120 (RFC 2308 §5) and a synthesised AAAA gets min(A TTL, 120).
NEG_TTL = 120


def _missing_tools():
    return [t for t in ("nsd", "unbound", "dig", "ldns-keygen",
                        "ldns-signzone") if not shutil.which(t)]


def _why_not_runnable():
    miss = _missing_tools()
    if miss:
        return "missing %s: run scripts/deps" % ", ".join(miss)
    if os.geteuid() != 0:
        return "DNS64 tests run sixgated with user = root: they need root"
    return None




def need_daemon():
    sgtest.need_binaries(SIXGATED, SIXGATECTL)


def run(cmd, check=True, timeout=60, **kw):
    return sgtest.run(cmd, check=check, timeout=timeout, **kw)


# -- ports ------------------------------------------------------------------

_taken = set()


def free_port(host="127.0.0.1"):
    """A port free for both UDP and TCP on host (and not handed out
    before in this run)."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(200):
        t = socket.socket(fam, socket.SOCK_STREAM)
        u = socket.socket(fam, socket.SOCK_DGRAM)
        try:
            t.bind((host, 0))
            port = t.getsockname()[1]
            if port in _taken:
                continue
            u.bind((host, port))
            if fam == socket.AF_INET:
                # ::1 on the same port too, for instances listening on both
                for ty in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                    s = socket.socket(socket.AF_INET6, ty)
                    try:
                        s.bind(("::1", port))
                    finally:
                        s.close()
            _taken.add(port)
            return port
        except OSError:
            continue
        finally:
            t.close()
            u.close()
    raise AssertionError("no free port on %s" % host)


# -- processes ----------------------------------------------------------------


def unconfined_unbound(tmp):
    """A copy of unbound under tmp.  Debian's AppArmor profile for
    /usr/sbin/unbound (enforced where AppArmor is on) forbids reading a
    configuration from a test directory; profiles attach by path, so a
    copy runs unconfined, as a test server should."""
    src = shutil.which("unbound") or "/usr/sbin/unbound"
    dst = os.path.join(tmp, "unbound-bin")
    if not os.path.exists(dst):
        shutil.copy2(src, dst)
    return dst

class Proc:
    """A foreground server with its log file; stop() by pid."""

    def __init__(self, argv, log, name):
        self.name, self.logpath = name, log
        self.f = open(log, "w")
        self.p = subprocess.Popen(argv, stdout=self.f,
                                  stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL)

    def alive(self):
        return self.p.poll() is None

    def log(self, n=4000):
        try:
            with open(self.logpath) as f:
                return f.read()[-n:]
        except OSError:
            return ""

    def stop(self, timeout=5.0):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(5)
        self.f.close()
        return self.p.returncode


def wait_dns(port, name, qtype="SOA", proc=None, host="127.0.0.1",
             timeout=15.0, want=None):
    """Poll with dig until the server answers (any rcode, or `want`)."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        if proc is not None and not proc.alive():
            raise AssertionError("%s exited with %s during startup:\n%s" %
                                 (proc.name, proc.p.returncode, proc.log()))
        last = dig(port, name, qtype, host=host, extra=["+time=1",
                                                        "+tries=1"])
        if last.answered and (want is None or last.rcode == want):
            return last
        time.sleep(0.2)
    raise AssertionError("no DNS answer on %s:%d for %s %s after %.0fs:\n%s"
                         "\n%s" % (host, port, name, qtype, timeout,
                                   last and last.out,
                                   proc.log() if proc else ""))


# -- dig ----------------------------------------------------------------------

class Answer(str):
    """dig's output, parsed: rcode, header flags, the three sections as
    (owner, ttl, type, rdata) tuples, and whether dig fell back to TCP.
    The object is also the text of the command and its whole output, so
    that a failing assertion shows it untruncated."""

    RR = re.compile(r"^(\S+)\s+(\d+)\s+(\S+)\s+(\S+)\s*(.*)$")

    def __new__(cls, out, rc, argv):
        return str.__new__(cls, "\n$ %s  (rc=%d)\n%s" % (" ".join(argv), rc,
                                                      out))

    def __init__(self, out, rc, argv):
        self.out, self.rc, self.argv = out, rc, argv
        self.answered = "->>HEADER<<-" in out
        m = re.search(r"->>HEADER<<- opcode: \S+, status: (\S+),", out)
        self.rcode = m.group(1) if m else None
        m = re.search(r";; flags:([^;]*);", out)
        self.flags = set(m.group(1).split()) if m else set()
        self.tcp_retry = ";; Truncated, retrying in TCP mode." in out
        self.sections = {"ANSWER": [], "AUTHORITY": [], "ADDITIONAL": []}
        cur = None
        for ln in out.splitlines():
            m = re.match(r"^;; (\w+) SECTION:", ln)
            if m:
                cur = m.group(1) if m.group(1) in self.sections else None
                continue
            if not ln.strip():
                cur = None
                continue
            if cur and not ln.startswith(";"):
                r = self.RR.match(ln)
                if r:
                    self.sections[cur].append(
                        (r.group(1).lower(), int(r.group(2)),
                         r.group(4).upper(), r.group(5).strip()))

    @property
    def answer(self):
        return self.sections["ANSWER"]

    @property
    def authority(self):
        return self.sections["AUTHORITY"]

    def rrs(self, rtype, section="ANSWER"):
        return [rr for rr in self.sections[section] if rr[2] == rtype]

    def rdata(self, rtype, section="ANSWER"):
        """Sorted RDATA of one type; addresses normalised."""
        out = []
        for rr in self.rrs(rtype, section):
            d = rr[3]
            if rtype in ("AAAA", "A"):
                fam = socket.AF_INET6 if rtype == "AAAA" else socket.AF_INET
                d = socket.inet_ntop(fam, socket.inet_pton(fam, d))
            elif rtype in ("CNAME", "PTR", "DNAME"):
                d = d.lower()
            out.append(d)
        return sorted(out)

    def ttls(self, rtype):
        return [rr[1] for rr in self.rrs(rtype)]



def dig(port, name, qtype="AAAA", host="127.0.0.1", extra=(), qclass=None,
        reverse=False, timeout=30):
    """dig @host -p port name qtype [extra].  Default options: one try,
    3 s wait; dig's own defaults otherwise (EDNS 1232, AD flag, RD)."""
    argv = ["dig", "@" + host, "-p", str(port), "+tries=1", "+time=3"]
    argv += list(extra)
    if reverse:
        argv += ["-x", name]
    else:
        argv += [name, qtype] + ([qclass] if qclass else [])
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    return Answer(r.stdout + r.stderr, r.returncode, argv)


# -- zones and keys -----------------------------------------------------------

def _ptr_name6(addr):
    full = socket.inet_pton(socket.AF_INET6, addr).hex()
    return ".".join(reversed(full)) + ".ip6.arpa."


def ptr_name(addr):
    if ":" in addr:
        return _ptr_name6(addr)
    return ".".join(reversed(addr.split("."))) + ".in-addr.arpa."


class Zones:
    """The zone files of tests/dns64/zones copied into tmp, signed.test.
    signed with a fresh key, one record of bogus.signed.test. altered after
    signing (its RRSIG no longer matches), and the trust anchor file (the
    key's DNSKEY) written for unbound and sixgated."""

    def __init__(self, tmp, extra=None):
        self.tmp = tmp
        self.files = []
        for origin, fn in ZONE_FILES:
            dst = os.path.join(tmp, fn)
            shutil.copy(os.path.join(ZONES, fn), dst)
            self.files.append((origin, dst))
        for origin, text in (extra or {}).items():
            dst = os.path.join(tmp, origin + "zone")
            with open(dst, "w") as f:
                f.write(text)
            self.files.append((origin, dst))
        self._sign()

    def _sign(self):
        kdir = os.path.join(self.tmp, "keys")
        os.makedirs(kdir, exist_ok=True)
        # one key with the SEP bit (a combined signing key)
        r = run(["ldns-keygen", "-a", "ECDSAP256SHA256", "-k", SIGNED],
                cwd=kdir)
        base = os.path.join(kdir, r.stdout.strip())
        zf = dict((o, p) for o, p in self.files)[SIGNED]
        run(["ldns-signzone", "-o", SIGNED, "-f", zf + ".signed", zf, base])
        self._break_bogus(zf + ".signed")
        self.files = [(o, p + ".signed" if o == SIGNED else p)
                      for o, p in self.files]
        self.ta = os.path.join(self.tmp, "signed.test.ta")
        with open(base + ".key") as f:
            dnskey = [ln for ln in f if "DNSKEY" in ln and
                      not ln.startswith(";")]
        with open(self.ta, "w") as f:
            f.writelines(dnskey)
        self.dnskey = dnskey[0].strip()

    @staticmethod
    def _break_bogus(path):
        """bogus.signed.test. A 192.0.2.30 becomes 192.0.2.31 after
        signing: its RRSIG fails, the NSEC proof of no AAAA stays good."""
        with open(path) as f:
            text = f.read()
        new = re.sub(r"(?m)^(bogus\.signed\.test\.\s+\d+\s+IN\s+A\s+)"
                     r"192\.0\.2\.30$", r"\g<1>192.0.2.31", text)
        assert new != text, "bogus.signed.test. A not found in signed zone"
        with open(path, "w") as f:
            f.write(new)


# -- NSD ----------------------------------------------------------------------

class NSD:
    def __init__(self, tmp, zones, port=None):
        self.tmp = os.path.join(tmp, "nsd")
        os.makedirs(self.tmp, exist_ok=True)
        self.port = port or free_port()
        self.conf = os.path.join(self.tmp, "nsd.conf")
        lines = ["server:",
                 "  ip-address: 127.0.0.1@%d" % self.port,
                 "  port: %d" % self.port,
                 "  do-ip6: no",
                 "  username: \"\"",
                 "  chroot: \"\"",
                 "  zonesdir: \"\"",
                 "  pidfile: \"%s/nsd.pid\"" % self.tmp,
                 "  database: \"\"",
                 "  zonelistfile: \"%s/zone.list\"" % self.tmp,
                 "  xfrdfile: \"%s/xfrd.state\"" % self.tmp,
                 "  xfrdir: \"%s\"" % self.tmp,
                 "  logfile: \"%s/nsd.log\"" % self.tmp,
                 "  server-count: 1",
                 "  verbosity: 1",
                 "  rrl-ratelimit: 0",
                 "  rrl-whitelist-ratelimit: 0",
                 "  round-robin: no",
                 "remote-control:",
                 "  control-enable: no"]
        for origin, path in zones.files:
            lines += ["zone:", "  name: \"%s\"" % origin,
                      "  zonefile: \"%s\"" % path]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.proc = None

    def start(self):
        run(["nsd-checkconf", self.conf])
        self.proc = Proc(["nsd", "-d", "-c", self.conf],
                         os.path.join(self.tmp, "nsd.stdout"), "nsd")
        wait_dns(self.port, "test.", proc=self.proc, want="NOERROR")
        return self

    def stop(self):
        if self.proc:
            self.proc.stop()


# -- unbound ------------------------------------------------------------------

class Unbound:
    """unbound -d on 127.0.0.1:port, stub zones to NSD.  dns64=True adds
    unbound's own dns64 module with the WKP (the reference DNS64)."""

    def __init__(self, tmp, nsd, zones, name="unbound", dns64=False,
                 port=None, threads=1, extra=""):
        self.tmp = os.path.join(tmp, name)
        os.makedirs(self.tmp, exist_ok=True)
        self.name = name
        self.port = port or free_port()
        self.conf = os.path.join(self.tmp, "unbound.conf")
        mods = "dns64 validator iterator" if dns64 else "validator iterator"
        lines = ["server:",
                 "  interface: 127.0.0.1@%d" % self.port,
                 "  port: %d" % self.port,
                 "  do-ip6: no",
                 "  do-daemonize: no",
                 "  username: \"\"",
                 "  chroot: \"\"",
                 "  directory: \"%s\"" % self.tmp,
                 "  pidfile: \"%s/unbound.pid\"" % self.tmp,
                 "  use-syslog: no",
                 "  logfile: \"\"",
                 "  verbosity: 1",
                 "  num-threads: %d" % threads,
                 "  so-reuseport: no",
                 "  access-control: 127.0.0.0/8 allow",
                 "  do-not-query-localhost: no",
                 "  qname-minimisation: no",
                 "  minimal-responses: yes",
                 "  rrset-roundrobin: no",
                 "  val-log-level: 2",
                 "  module-config: \"%s\"" % mods,
                 "  trust-anchor-file: \"%s\"" % zones.ta]
        if dns64:
            lines += ["  dns64-prefix: %s" % WKP]
        for origin, _ in zones.files:
            lines += ["  local-zone: \"%s\" nodefault" % origin]
        lines += [ln for ln in extra.splitlines() if ln.strip()]
        for origin, _ in zones.files:
            lines += ["stub-zone:", "  name: \"%s\"" % origin,
                      "  stub-addr: 127.0.0.1@%d" % nsd.port]
        lines += ["remote-control:", "  control-enable: no"]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.proc = None

    def start(self):
        run(["unbound-checkconf", self.conf])  # checks; never confined
        self.proc = Proc([unconfined_unbound(self.tmp), "-d", "-c", self.conf],
                         os.path.join(self.tmp, "unbound.log"), self.name)
        wait_dns(self.port, "test.", proc=self.proc, want="NOERROR")
        return self

    def stop(self):
        if self.proc:
            self.proc.stop()


# -- sixgated [dns64] ---------------------------------------------------------

def _flatten(obj, prefix="", out=None):
    """Every number of the stats JSON by dotted path."""
    if out is None:
        out = {}
    if isinstance(obj, dict):
        if "name" in obj and isinstance(obj.get("value"), (int, float)):
            out[prefix + "." + str(obj["name"]) if prefix else
                str(obj["name"])] = obj["value"]
        for k, v in obj.items():
            key = "%s.%s" % (prefix, k) if prefix else str(k)
            if isinstance(v, bool):
                continue
            if isinstance(v, (int, float)):
                out[key] = v
            else:
                _flatten(v, key, out)
    elif isinstance(obj, list):
        for v in obj:
            _flatten(v, prefix, out)
    return out


DNS64_CONF = """\
# sixgated [dns64] for tests/dns64 (conftest.py)
pref64 = 64:ff9b::/96
@GLOBAL@
user = root
control-socket = @SOCK@

[dns64]
@LISTEN@
@UPSTREAM@
recursion = no
upstream-timeout = @TIMEOUT@
@EXTRA@
"""


class Sixgated:
    """sixgated with a [dns64] section on loopback ports, no namespace."""

    def __init__(self, tmp, name, upstream_port, extra="", nonglobal=True,
                 listen=("127.0.0.1",), timeout=2, global_extra="",
                 upstream_host="127.0.0.1"):
        need_daemon()
        self.tmp = os.path.join(tmp, name)
        os.makedirs(self.tmp, exist_ok=True)
        self.name = name
        self.port = free_port()
        self.sock = os.path.join(self.tmp, "control")
        self.conf = os.path.join(self.tmp, "sixgated.conf")
        g = "allow-nonglobal-wkp = yes\n" if nonglobal else ""
        text = (DNS64_CONF
                .replace("@GLOBAL@", g + global_extra)
                .replace("@SOCK@", self.sock)
                .replace("@LISTEN@", "\n".join("listen = %s %d" %
                                               (h, self.port)
                                               for h in listen))
                .replace("@UPSTREAM@", "upstream = %s %d" %
                         (upstream_host, upstream_port))
                .replace("@TIMEOUT@", str(timeout))
                .replace("@EXTRA@", extra))
        with open(self.conf, "w") as f:
            f.write(text)
        self.proc = None

    def check_conf(self):
        return run([SIXGATED, "-n", "-c", self.conf], check=False)

    def start(self, timeout=15.0):
        r = self.check_conf()
        if r.returncode:
            raise AssertionError("sixgated -n refuses %s:\n%s%s\n---\n%s" %
                                 (self.conf, r.stdout, r.stderr,
                                  open(self.conf).read()))
        self.proc = Proc([SIXGATED, "-f", "-c", self.conf],
                         os.path.join(self.tmp, "sixgated.log"), self.name)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.proc.alive():
                raise AssertionError("sixgated exited with %s:\n%s" %
                                     (self.proc.p.returncode,
                                      self.proc.log()))
            if run([SIXGATECTL, "-s", self.sock, "status"],
                   check=False).returncode == 0:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("sixgated control socket not ready:\n" +
                                 self.proc.log())
        # ipv4only.arpa is answered locally: ready as soon as it listens
        wait_dns(self.port, "ipv4only.arpa.", "A", proc=self.proc,
                 timeout=max(1.0, deadline - time.time()))
        return self

    def dig(self, name, qtype="AAAA", **kw):
        kw.setdefault("host", "127.0.0.1")
        return dig(self.port, name, qtype, **kw)

    def ctl(self, *args, check=True):
        return run([SIXGATECTL, "-s", self.sock] + list(args), check=check,
                   timeout=10)

    def stats(self):
        r = self.ctl("stats", "--json")
        out = r.stdout
        return _flatten(json.loads(out[out.find("{"):]))

    def alive(self):
        return self.proc is not None and self.proc.alive()

    def log(self):
        return self.proc.log() if self.proc else ""

    def stop(self):
        if self.proc:
            return self.proc.stop()


def dns64_counter(stats, name):
    """A counter of the "dns64" object of `sixgatectl stats --json`
    (queries_udp, queries_tcp, synthesized, cache_hits, local,
    not_allowed, upstream_queries, upstream_failures, upstream_timeouts,
    bogus, formerr, notimp, truncated, tcp_refused, dropped), or None."""
    return stats.get("dns64." + name)


# -- a misbehaving upstream ---------------------------------------------------

def question(pkt):
    """(qname, qtype) of the first question of a DNS message, or
    (None, None)."""
    i, labels = 12, []
    try:
        while pkt[i]:
            if pkt[i] & 0xc0:
                return None, None
            labels.append(pkt[i + 1:i + 1 + pkt[i]].decode("ascii",
                                                           "replace"))
            i += pkt[i] + 1
        return (".".join(labels).lower() + ".",
                int.from_bytes(pkt[i + 1:i + 3], "big"))
    except IndexError:
        return None, None


class DropProxy:
    """A UDP 'upstream' on a loopback port: relays queries to `target` and
    the replies back, except that it never answers a query whose QTYPE is
    in `drop` (drop=None: it answers nothing at all, a blackhole).  TCP on
    the same port is left closed (connection refused)."""

    def __init__(self, target_port, drop=(28,)):
        self.port = free_port()
        self.drop = drop
        self.target = ("127.0.0.1", target_port)
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", self.port))
        self.s.settimeout(0.2)
        self.seen = {}           # qtype -> count
        self.names = []          # (qname, qtype) of every query
        self.stopping = False
        self.t = threading.Thread(target=self._loop, daemon=True)
        self.t.start()

    def _loop(self):
        pending = {}
        up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        up.settimeout(0.05)
        while not self.stopping:
            try:
                pkt, src = self.s.recvfrom(65535)
                qn, qt = question(pkt)
                self.seen[qt] = self.seen.get(qt, 0) + 1
                self.names.append((qn, qt))
                if self.drop is None or qt in self.drop:
                    pass
                else:
                    pending[pkt[:2]] = src
                    up.sendto(pkt, self.target)
            except socket.timeout:
                pass
            while True:
                try:
                    rep, _ = up.recvfrom(65535)
                except socket.timeout:
                    break
                src = pending.pop(rep[:2], None)
                if src:
                    self.s.sendto(rep, src)
        up.close()

    def close(self):
        self.stopping = True
        self.t.join(2)
        self.s.close()


