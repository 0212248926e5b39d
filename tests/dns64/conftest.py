# SPDX-License-Identifier: BSD-2-Clause
"""Fixtures of the DNS64 tests; dns64_util.py draws the servers and holds
the helpers."""
import os
import shutil
import tempfile

import pytest

from dns64_util import (HERE, NSD, Sixgated, Unbound, Zones,
                        _why_not_runnable)
import sgtest  # on sys.path through dns64_util

_SKIP = _why_not_runnable()


def pytest_collection_modifyitems(config, items):
    sgtest.skip_suite(items, _SKIP, HERE)


# -- session fixtures ---------------------------------------------------------

@pytest.fixture(scope="session")
def tmpdir_dns64():
    d = tempfile.mkdtemp(prefix="sgdns64-")
    yield d
    if os.environ.get("SIXGATE_KEEP_TMP"):
        print("kept", d)
    else:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def zones(tmpdir_dns64):
    return Zones(tmpdir_dns64)


@pytest.fixture(scope="session")
def nsd(tmpdir_dns64, zones):
    n = NSD(tmpdir_dns64, zones).start()
    yield n
    n.stop()


@pytest.fixture(scope="session")
def upstream(tmpdir_dns64, nsd, zones):
    """The plain validating unbound sixgated forwards to."""
    u = Unbound(tmpdir_dns64, nsd, zones, "upstream").start()
    yield u
    u.stop()


@pytest.fixture(scope="session")
def ref64(tmpdir_dns64, nsd, zones):
    """unbound with its dns64 module: the reference DNS64."""
    u = Unbound(tmpdir_dns64, nsd, zones, "ref64", dns64=True).start()
    yield u
    u.stop()


# The main instance: WKP with non-global IPv4 allowed (the test zone uses
# documentation addresses), a per-range prefix for 203.0.113.0/24,
# DNSSEC with the signed zone's key, PTR synthesis.
MAIN_EXTRA = """\
dnssec = yes
trust-anchor = @TA@
prefix = 2001:db8:64::/96 203.0.113.0/24
ptr = yes
ttl-cap = 600
ipv4only-ttl = 3600
cache-size = 65536
"""


@pytest.fixture(scope="session")
def dns64(tmpdir_dns64, upstream, zones):
    d = Sixgated(tmpdir_dns64, "sixgated", upstream.port,
                 extra=MAIN_EXTRA.replace("@TA@", zones.ta))
    d.start()
    yield d
    rc = d.stop()
    assert rc == 0, "sixgated exit status %s on SIGTERM:\n%s" % (rc, d.log())


@pytest.fixture(scope="module")
def sixgated_factory(tmpdir_dns64):
    """Extra sixgated instances for one module, stopped at its end."""
    made = []

    def make(name, upstream_port, **kw):
        d = Sixgated(tmpdir_dns64, name, upstream_port, **kw)
        made.append(d)
        return d
    yield make
    bad = []
    for d in made:
        was_up = d.alive()
        rc = d.stop()
        if was_up and rc != 0:
            bad.append("%s: exit status %s on SIGTERM\n%s" % (d.name, rc,
                                                              d.log()))
    assert not bad, "\n".join(bad)
