# SPDX-License-Identifier: BSD-2-Clause
"""Network-namespace harness for sixgated.

Every test module builds its own topology out of namespaces, veth pairs,
addresses and routes through a `Net` object, and starts `sixgated` inside
the translator's namespace with a `Sixgated` object.  Everything is torn
down when the module ends, whether the tests passed or not: processes are
stopped by pid, then the namespaces are deleted (which deletes their
interfaces).

Names carry a per-run tag so that two runs never collide and interface
names are unique across namespaces.  Test traffic only uses documentation
and special-purpose prefixes (2001:db8::/32, 192.0.2.0/24,
198.51.100.0/24, 203.0.113.0/24, 100.64.0.0/10, 192.0.0.0/29,
64:ff9b::/96); the namespaces have no link to the host.

Environment: SIXGATED and SIXGATECTL name the binaries (default build/).
"""
import hashlib
import json
import os
import shutil
import signal
import sys
import subprocess
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from sgtest import need_binaries, run, skip_suite  # noqa: E402,F401
SIXGATED = os.environ.get("SIXGATED", os.path.join(ROOT, "build", "sixgated"))
SIXGATECTL = os.environ.get("SIXGATECTL",
                            os.path.join(ROOT, "build", "sixgatectl"))
PY = "/usr/bin/python3"        # Debian's, which sees scapy and pyroute2
HELPERS = os.path.join(HERE, "helpers")


def _why_not_runnable():
    if os.geteuid() != 0:
        return "network tests need root (namespaces, veth, TUN)"
    if not shutil.which("ip"):
        return "iproute2 (ip) is missing: run scripts/deps"
    tag = "sgprobe%d" % os.getpid()
    r = subprocess.run(["ip", "netns", "add", tag], capture_output=True,
                       text=True)
    if r.returncode != 0:
        return "cannot create a network namespace: " + r.stderr.strip()
    subprocess.run(["ip", "netns", "del", tag], capture_output=True)
    if not os.path.exists("/dev/net/tun"):
        return "/dev/net/tun is missing"
    return None


_SKIP = _why_not_runnable()


def pytest_collection_modifyitems(config, items):
    skip_suite(items, _SKIP, HERE)


def need_daemon():
    """Skip the calling fixture when the binaries are not built."""
    need_binaries(SIXGATED, SIXGATECTL)


class Net:
    """Namespaces, links and processes of one topology; see module doc."""

    count = 0

    def __init__(self, label):
        Net.count += 1
        self.tag = "%02x%02x" % (os.getpid() & 0xff, Net.count & 0xff)
        self.label = label
        self.ns = {}            # role -> namespace name
        self.ifname = {}        # (role, short) -> interface name
        self.procs = []         # Popen objects to stop at teardown
        self.etc = []           # /etc/netns/NS directories we made
        self.tmp = tempfile.mkdtemp(prefix="sgn-%s-" % label)

    # -- building -----------------------------------------------------
    def add_ns(self, role):
        name = "sg%s-%s-%s" % (self.tag, self.label, role)
        run(["ip", "netns", "add", name])
        self.ns[role] = name
        self.sh(role, "ip link set lo up")
        for k in ("net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1",
                  "net.ipv4.conf.all.rp_filter=0",
                  "net.ipv4.conf.default.rp_filter=0",
                  # traceroute and PTB tests must not hit the kernel's
                  # ICMP rate limits
                  "net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0",
                  "net.ipv6.conf.all.accept_dad=0",
                  "net.ipv6.conf.default.accept_dad=0",
                  "net.ipv6.conf.default.accept_ra=0"):
            self.sh(role, "sysctl -qw " + k, check=False)
        return name

    def link(self, a, ifa, b, ifb, mtu=None):
        """veth pair: interface `ifa` in role a, `ifb` in role b."""
        na, nb = self.name(a, ifa, new=True), self.name(b, ifb, new=True)
        run(["ip", "link", "add", na, "netns", self.ns[a], "type", "veth",
             "peer", "name", nb, "netns", self.ns[b]])
        for role, n in ((a, na), (b, nb)):
            if mtu:
                self.sh(role, "ip link set %s mtu %d" % (n, mtu))
            self.sh(role, "ip link set %s up" % n)
        return na, nb

    def name(self, role, short, new=False):
        key = (role, short)
        if new:
            n = "%s-%s" % (short, self.tag)
            assert len(n) <= 15, n
            self.ifname[key] = n
        return self.ifname[key]

    def addr(self, role, short, *prefixes):
        for p in prefixes:
            fam = "-6" if ":" in p else "-4"
            extra = " nodad" if ":" in p else ""
            self.sh(role, "ip %s addr add %s dev %s%s" %
                    (fam, p, self.name(role, short), extra))

    def route(self, role, spec):
        fam = "-6" if ":" in spec.split()[0] or spec.startswith("default6") \
            else "-4"
        spec = spec.replace("default6", "default")
        self.sh(role, "ip %s route add %s" % (fam, spec))

    def mtu(self, role, short, mtu):
        self.sh(role, "ip link set %s mtu %d" % (self.name(role, short), mtu))

    # -- running ------------------------------------------------------
    def cmd(self, role, argv):
        return ["ip", "netns", "exec", self.ns[role]] + list(argv)

    def sh(self, role, line, check=True, timeout=30):
        return run(self.cmd(role, line.split()), check=check, timeout=timeout)

    def ex(self, role, argv, check=True, timeout=30, **kw):
        return run(self.cmd(role, argv), check=check, timeout=timeout, **kw)

    def spawn(self, role, argv, log):
        f = open(os.path.join(self.tmp, log), "w")
        p = subprocess.Popen(self.cmd(role, argv), stdout=f,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        p.logpath = f.name
        self.procs.append(p)
        return p

    def wait_tcp(self, role, host, port, timeout=5.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            r = self.ex(role, [PY, "-c",
                               "import socket;socket.create_connection("
                               "(%r,%d),0.5).close()" % (host, port)],
                        check=False)
            if r.returncode == 0:
                return
            time.sleep(0.1)
        raise AssertionError("nothing listens on [%s]:%d in %s" %
                             (host, port, role))

    def routes(self, role):
        """Routing tables of role, sorted, without kernel cache noise."""
        out = []
        for fam in ("-4", "-6"):
            r = self.ex(role, ["ip", fam, "route", "show", "table", "all"])
            out += [fam + " " + ln.strip() for ln in r.stdout.splitlines()
                    if ln.strip() and "proto kernel" not in ln
                    and not ln.startswith(("local ", "multicast ",
                                           "broadcast "))]
        return sorted(out)

    def resolv(self, role, text):
        """/etc/netns/NS/resolv.conf: `ip netns exec` bind-mounts it over
        /etc/resolv.conf for the processes it starts (ip-netns(8)).
        Removed again by close()."""
        d = os.path.join("/etc/netns", self.ns[role])
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "resolv.conf"), "w") as f:
            f.write(text)
        self.etc.append(d)

    def close(self):
        for d in self.etc:
            shutil.rmtree(d, ignore_errors=True)
        if self.etc:
            try:
                os.rmdir("/etc/netns")      # only if now empty
            except OSError:
                pass
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
        for ns in self.ns.values():
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        shutil.rmtree(self.tmp, ignore_errors=True)


def _flatten(obj, prefix="", out=None):
    """Every number of a JSON document by name: {'in6': 3, 'bad_header': 1,
    'drops.bad_header': 1, ...}.  Accepts {"name":..,"value":..} rows as
    well as plain objects, so the test does not depend on the layout."""
    if out is None:
        out = {}
    if isinstance(obj, dict):
        if "name" in obj and isinstance(obj.get("value"), (int, float)):
            out.setdefault(str(obj["name"]), obj["value"])
        for k, v in obj.items():
            key = "%s.%s" % (prefix, k) if prefix else str(k)
            if isinstance(v, bool):
                continue
            if isinstance(v, (int, float)):
                out[key] = v
                out.setdefault(str(k), v)
                continue
            if isinstance(v, dict):
                # {"bad_header": {"count": 3, "desc": "..."}}
                for n in ("count", "value"):
                    if isinstance(v.get(n), (int, float)) and \
                            not isinstance(v.get(n), bool):
                        out[key] = v[n]
                        out.setdefault(str(k), v[n])
                        break
            _flatten(v, key, out)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _flatten(v, prefix, out)
    return out


class Sixgated:
    """One sixgated process in a namespace, with its control socket."""

    def __init__(self, net, role, conf_text, name="sixgated"):
        need_daemon()
        self.net, self.role, self.name = net, role, name
        self.sock = os.path.join(net.tmp, name + ".sock")
        self.conf = os.path.join(net.tmp, name + ".conf")
        self.write_conf(conf_text)
        self.proc = None

    def write_conf(self, text):
        text = text.replace("@SOCK@", self.sock)
        with open(self.conf, "w") as f:
            f.write(text)

    def start(self, timeout=10.0):
        self.routes_before = self.net.routes(self.role)
        self.proc = self.net.spawn(self.role, [SIXGATED, "-f", "-c", self.conf],
                                   self.name + ".log")
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("sixgated exited with %d during startup:"
                                     "\n%s" % (self.proc.returncode,
                                               self.log()))
            last = self.ctl("status", check=False)
            if last.returncode == 0:
                return self
            time.sleep(0.1)
        raise AssertionError("sixgated not ready after %.0fs (status: rc=%s "
                             "%s %s)\nlog:\n%s" %
                             (timeout, last and last.returncode,
                              last and last.stdout, last and last.stderr,
                              self.log()))

    def log(self):
        try:
            with open(self.proc.logpath) as f:
                return f.read()[-4000:]
        except (OSError, AttributeError):
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def ctl(self, *args, check=True):
        """sixgatectl -s SOCK ARGS in the daemon's namespace."""
        return self.net.ex(self.role, [SIXGATECTL, "-s", self.sock] +
                           list(args), check=check, timeout=10)

    def stats(self):
        r = self.ctl("stats", "--json")
        try:
            doc = json.loads(r.stdout)
        except ValueError:
            # tolerate a status line before the JSON body
            body = r.stdout[r.stdout.find("{"):]
            doc = json.loads(body)
        return _flatten(doc)

    def stop(self, timeout=5.0):
        """SIGTERM; returns the exit status."""
        if not self.alive():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise AssertionError("sixgated ignored SIGTERM for %.0fs" %
                                 timeout)

    def hup(self):
        self.proc.send_signal(signal.SIGHUP)


def counter(stats, *names):
    """Sum of the first matching key for each name (exact, else suffix)."""
    total = 0
    for n in names:
        if n in stats:
            total += stats[n]
            continue
        for k, v in stats.items():
            if k.endswith("." + n):
                total += v
                break
    return total


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def ping(net, role, dst, count=1, size=None, df=False, wait=2, src=None,
         check=True):
    argv = ["ping", "-n", "-c", str(count), "-W", str(wait)]
    if count > 1:
        argv += ["-i", "0.2"]
    argv += ["-6"] if ":" in dst else ["-4"]
    if size is not None:
        argv += ["-s", str(size)]
    if df:
        argv += ["-M", "do"]
    if src:
        argv += ["-I", src]
    r = net.ex(role, argv + [dst], check=False, timeout=count * 2 + wait + 5)
    if check:
        assert r.returncode == 0, ("ping %s from %s failed:\n%s%s" %
                                   (dst, role, r.stdout, r.stderr))
    return r


def start_servers(net, role, webroot, bind="::"):
    """HTTP (8080), DNS (5353/udp) and UDP echo (7007/udp) in role."""
    net.spawn(role, [PY, "-m", "http.server", "--bind", bind, "--directory",
                     webroot, "8080"], "http-%s.log" % role)
    net.spawn(role, [PY, os.path.join(HELPERS, "udpserv.py")],
              "udp-%s.log" % role)
    net.wait_tcp(role, "::1" if ":" in bind else "127.0.0.1", 8080)


def make_webroot(tmp, size=3 * 1024 * 1024 + 123):
    d = os.path.join(tmp, "www")
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, "blob")
    with open(p, "wb") as f:
        f.write(os.urandom(size))
    return d, sha256_file(p)


def curl_sha(net, role, url, tmp, timeout=30):
    out = os.path.join(tmp, "dl-%s-%d" % (role, time.monotonic_ns()))
    r = net.ex(role, ["curl", "-sS", "-g", "--max-time", str(timeout - 5),
                      "-o", out, url], check=False, timeout=timeout)
    assert r.returncode == 0, "curl %s from %s: rc=%d %s" % (
        url, role, r.returncode, r.stderr)
    h = sha256_file(out)
    os.unlink(out)
    return h


def udp_echo(net, role, dst, size, timeout=3, nodf=False):
    """Send one datagram of `size` bytes to dst:7007 from role; return
    whether the echo came back byte for byte."""
    r = net.ex(role, [PY, os.path.join(HELPERS, "udpecho.py"), dst,
                      str(size), str(timeout)] + (["nodf"] if nodf else []),
               check=False,
               timeout=timeout + 10)
    return r


@pytest.fixture(scope="module")
def netfactory(request):
    """Yields a function label -> Net; all Nets close at module end."""
    nets = []

    def make(label):
        n = Net(label)
        nets.append(n)
        return n
    yield make
    for n in nets:
        n.close()
