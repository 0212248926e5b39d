# SPDX-License-Identifier: BSD-2-Clause
"""Worker placement (issue 7): with `pin-workers = yes` worker i of a role
(queue i of its TUN device) runs on CPU i of the CPUs the daemon may use;
without it no thread is pinned.  The SIIT topology of topo.py, sixgated
with two workers; the threads' affinities are read from /proc.

      h6 ---- xl (sixgated [siit], workers = 2) ---- r4 ---- s4

One queue per flow (issue 4, bench/throughput's ping rows): a worker writes
each translation on the queue of its flow, so that the kernel, which sends
a flow to the queue that last wrote it, keeps a flow and its answers on one
worker.  Every flow below is answered at once, inside the write of the
request (veth pairs in one kernel): the answer is queued before the kernel
notes who wrote the request, which is what used to leave an echo and its
reply on two workers for good.  `sixgatectl workers` gives each worker's
own counters.  Both in the SIIT topology and in the NAT64 one.
"""
import json
import os

import pytest

from conftest import Sixgated, counter, curl_sha, make_webroot, start_servers
import topo
from topo import (H6, N64_H6B, N64_H6C, N64_R4_AS6, R4_AS6, S4_AS6,
                  XL4_AS6)


def _allowed(pid):
    """Cpus_allowed_list of every thread of pid."""
    out = []
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            for line in f:
                if line.startswith("Cpus_allowed_list:"):
                    out.append(line.split(":", 1)[1].strip())
    return out


@pytest.fixture(scope="module", params=["yes", "no"],
                ids=lambda p: "pin-workers-" + p)
def lab(request, netfactory):
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        pytest.skip("needs two CPUs")
    net = topo.build_siit(netfactory("pin" + request.param[0]))
    net.tun = topo.tun_name(net, "sgw")
    net.pin = request.param
    net.cpus = cpus
    www, net.blob_sha = make_webroot(net.tmp, size=256 * 1024)
    start_servers(net, "s4", www)
    net.d = Sixgated(net, "xl", topo.siit_conf(
        net.tun, global_extra="pin-workers = %s" % request.param)).start()
    yield net
    net.d.stop()


def test_pin_workers_places_each_worker_on_its_cpu(lab):
    # traffic first: the daemon is fully up and its workers run
    assert curl_sha(lab, "h6", "http://[%s]:8080/blob" % S4_AS6,
                    lab.tmp) == lab.blob_sha
    singles = sorted(a for a in _allowed(lab.d.proc.pid)
                     if a.isdigit())
    if lab.pin == "yes":
        assert singles == [str(c) for c in lab.cpus[:2]], singles
    else:
        assert singles == [], singles


# -- one queue per flow --------------------------------------------------

R4S_AS6 = "64:ff9b::cb00:7101"   # r4's 203.0.113.1
PINGS = 40


def _workers(d):
    return json.loads(d.ctl("workers", "--json").stdout)["workers"]


@pytest.fixture(scope="module", params=["siit", "nat64"])
def flows(request, netfactory):
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs two CPUs")
    if request.param == "siit":
        net = topo.build_siit(netfactory("fq"))
        net.tun = topo.tun_name(net, "sgq")
        conf = topo.siit_conf(net.tun)
        # H6 is the one client with a mapping (EAM); four destinations
        net.flows = [("h6", H6, dst)
                     for dst in (S4_AS6, R4_AS6, R4S_AS6, XL4_AS6)]
    else:
        net = topo.build_nat64(netfactory("fqn"))
        net.tun = topo.tun_name(net, "n6q")
        conf = topo.nat64_conf(net.tun)
        net.flows = [(role, src, dst)
                     for role, src in (("h6", H6), ("h6b", N64_H6B),
                                       ("h6b", N64_H6C))
                     for dst in (S4_AS6, N64_R4_AS6, R4S_AS6)]
    net.role = request.param
    net.d = Sixgated(net, "xl", conf).start()
    yield net
    net.d.stop()


def test_workers_lists_each_queue_with_its_own_counters(flows):
    r = flows.ex(flows.flows[0][0], ["ping", "-6", "-n", "-q", "-c", "5",
                                     "-i", "0.02", "-W", "2", "-I",
                                     flows.flows[0][1], flows.flows[0][2]],
                 check=False, timeout=20)
    assert r.returncode == 0, r.stdout + r.stderr
    ws = _workers(flows.d)
    role = flows.role
    assert [(w["role"], w["device"], w["queue"], w["running"], w["cpu"])
            for w in ws] == [(role, flows.tun, 0, True, None),
                             (role, flows.tun, 1, True, None)]
    st = flows.d.stats()
    for c in ("in4", "in6", "out4", "out6", "translated", "dropped"):
        assert sum(w[c] for w in ws) == counter(st, c), c
    text = flows.d.ctl("workers").stdout.splitlines()
    assert text[0].split() == ["ROLE", "DEVICE", "QUEUE", "CPU", "STATE",
                               "IN4", "IN6", "OUT4", "OUT6", "DROPPED"]
    assert [line.split()[:5] for line in text[1:]] == [
        [role, flows.tun, "0", "-", "running"],
        [role, flows.tun, "1", "-", "running"]]


def test_a_flow_and_its_answers_stay_on_one_worker(flows):
    """Each flow: PINGS echoes, 20 ms apart.  After at most three to
    settle, one worker reads both the requests (IPv6) and the replies
    (IPv4); two workers taking a direction each would read PINGS each."""
    spread = []
    for role, src, dst in flows.flows:
        before = _workers(flows.d)
        r = flows.ex(role, ["ping", "-6", "-n", "-q", "-c", str(PINGS),
                            "-i", "0.02", "-W", "2", "-I", src, dst],
                     check=False, timeout=30)
        assert r.returncode == 0, "%s -> %s: %s%s" % (src, dst, r.stdout,
                                                       r.stderr)
        after = _workers(flows.d)
        reads = [(a["in4"] - b["in4"]) + (a["in6"] - b["in6"])
                 for a, b in zip(after, before)]
        assert sum(reads) >= 2 * PINGS, (src, dst, reads)
        spread.append((src, dst, reads))
    settled = [(s, d, reads) for s, d, reads in spread
               if max(reads) >= 2 * PINGS - 6]
    assert settled == spread
