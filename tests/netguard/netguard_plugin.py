"""pytest side of the socket guard (see ``netguard.py``): installs it in the pytest process, puts
it on the ``PYTHONPATH`` of every process the tests start, and fails a test that (or a process
it started) connected or resolved a name off the machine. ``tests/conftest.py`` imports this;
``pytest -p netguard_plugin`` loads it elsewhere."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import netguard
import pytest

HERE = Path(__file__).resolve().parent

os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(HERE), os.environ.get("PYTHONPATH", "")) if p
)
os.environ["ZSVAD_NET_GUARD"] = "1"
if not os.environ.get("ZSVAD_NET_GUARD_LOG"):
    _fd, _log = tempfile.mkstemp(prefix="zsvad-netguard-", suffix=".log")
    os.close(_fd)
    os.environ["ZSVAD_NET_GUARD_LOG"] = _log
LOG = Path(os.environ["ZSVAD_NET_GUARD_LOG"])
netguard.install()
_seen = {"offset": LOG.stat().st_size if LOG.exists() else 0}


def refusals_since_last_look() -> str:
    """What the guard refused (in any process of this run) since the last look."""
    try:
        data = LOG.read_bytes()
    except OSError:
        return ""
    news = data[_seen["offset"] :]
    _seen["offset"] = len(data)
    return news.decode("utf-8", "replace")


@pytest.fixture(autouse=True)
def _no_outside_traffic():
    """Fail the test if it (or a process it started) connected or resolved off the machine."""
    before = refusals_since_last_look()
    yield
    after = refusals_since_last_look()
    if before or after:
        where = "before this test (collection, or a process that outlived a test)"
        pytest.fail(
            "connection or DNS lookup off the machine, refused by tests/netguard"
            f"{f'; some {where}' if before else ''}:\n{before}{after}",
            pytrace=False,
        )


def pytest_sessionfinish(session):
    """Refusals after the last test (a process that outlived it) fail the run too."""
    late = refusals_since_last_look()
    if late:
        print(f"\nnetguard: connection or lookup off the machine after the last test:\n{late}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
