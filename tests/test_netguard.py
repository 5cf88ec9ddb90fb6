"""The socket guard (tests/netguard) fails a test that connects or resolves off the machine,
before any packet leaves, also when the test swallows the error or a subprocess does it; loopback
stays allowed. The outside address is TEST-NET-1 (192.0.2.1, never routed)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

NETGUARD = Path(__file__).resolve().parent / "netguard"

INNER = """
import socket

import netguard
import pytest


def test_connect_outside_raises_before_the_syscall():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(30)  # a real connect to TEST-NET would hang here, not fail at once
    try:
        with pytest.raises(netguard.BlockedConnection):
            s.connect(("192.0.2.1", 9))
    finally:
        s.close()


def test_swallowed_error_still_fails():
    try:
        socket.create_connection(("192.0.2.1", 80), timeout=30)
    except OSError:
        pass  # a library that hides the failure


def test_dns_lookup_of_an_outside_name_fails():
    with pytest.raises(OSError):
        socket.getaddrinfo("telemetry.example.com", 443)


def test_udp_sendto_outside_fails():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        with pytest.raises(OSError):
            s.sendto(b"x", ("192.0.2.1", 53))
    finally:
        s.close()


def test_loopback_is_allowed():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    with socket.create_connection(("localhost", port), timeout=5):
        conn, _ = server.accept()
        conn.close()
    server.close()
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(NETGUARD)
    env["ZSVAD_NET_GUARD_LOG"] = str(tmp_path / "inner.log")  # not this run's log
    return env


def test_guard_fails_tests_that_connect_outside(tmp_path):
    (tmp_path / "test_inner.py").write_text(INNER)
    cmd = [sys.executable, "-m", "pytest", "-p", "netguard_plugin", "-p", "no:cacheprovider",
           "-q", "-rA", "--rootdir", str(tmp_path), "-c", os.devnull, str(tmp_path)]  # fmt: skip
    done = subprocess.run(
        cmd, env=_env(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "5 passed, 4 errors" in out, out  # each outside call fails its test at teardown
    for name in ("connect_outside_raises_before_the_syscall", "swallowed_error_still_fails",
                 "dns_lookup_of_an_outside_name_fails", "udp_sendto_outside_fails"):  # fmt: skip
        assert f"ERROR test_inner.py::test_{name} - " in out, out
    assert out.count("connection or DNS lookup off the machine, refused by tests/netguard") == 4
    assert "ERROR test_inner.py::test_loopback_is_allowed" not in out, out
    log = (tmp_path / "inner.log").read_text()
    assert "socket.connect to ('192.0.2.1', 9)" in log
    assert "socket.getaddrinfo of 'telemetry.example.com'" in log
    assert "socket.sendto to ('192.0.2.1', 53)" in log


def test_guard_covers_python_subprocesses(tmp_path):
    code = textwrap.dedent("""
        import socket
        socket.create_connection(("192.0.2.1", 80), timeout=30)
    """)
    done = subprocess.run(
        [sys.executable, "-c", code], env=_env(tmp_path), capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert "BlockedConnection" in done.stderr, done.stderr
    assert "192.0.2.1" in (tmp_path / "inner.log").read_text()
