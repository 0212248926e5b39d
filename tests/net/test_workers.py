# SPDX-License-Identifier: BSD-2-Clause
"""Worker placement (issue 7): with `pin-workers = yes` worker i of a role
(queue i of its TUN device) runs on CPU i of the CPUs the daemon may use;
without it no thread is pinned.  The SIIT topology of topo.py, sixgated
with two workers; the threads' affinities are read from /proc.

      h6 ---- xl (sixgated [siit], workers = 2) ---- r4 ---- s4
"""
import os

import pytest

from conftest import Sixgated, curl_sha, make_webroot, start_servers
import topo
from topo import S4_AS6


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
