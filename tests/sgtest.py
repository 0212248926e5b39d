# SPDX-License-Identifier: BSD-2-Clause
"""Helpers shared by the Python suites (tests/net, tests/dns64, tests/lab):
running a command, skipping a suite that cannot run here, and skipping a
fixture whose binaries are not built.  Each suite's conftest puts tests/
on sys.path to import it."""
import os

import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, check=True, timeout=30, **kw):
    """Run argv; return CompletedProcess with text output."""
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                       **kw)
    if check and r.returncode != 0:
        raise AssertionError("command failed (rc=%d): %s\nstdout: %s\n"
                             "stderr: %s" % (r.returncode, " ".join(cmd),
                                             r.stdout, r.stderr))
    return r


def skip_suite(items, reason, under):
    """Mark the collected items below the directory under as skipped with
    reason (None: nothing to skip)."""
    if not reason:
        return
    mark = pytest.mark.skip(reason=reason)
    for it in items:
        if str(it.fspath).startswith(under + os.sep):
            it.add_marker(mark)


def need_binaries(*paths):
    """Skip the calling fixture when a binary is not built."""
    for b in paths:
        if not os.access(b, os.X_OK):
            pytest.skip("%s is not built (make %s)" %
                        (b, os.path.relpath(b, ROOT)))
