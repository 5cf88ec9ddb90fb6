"""Socket guard of the test suite: no connection off the machine, no DNS lookup of outside names.

An audit hook (:func:`sys.addaudithook`) sees every ``socket.connect`` / ``connect_ex``,
``sendto`` / ``sendmsg`` and name lookup (``getaddrinfo``, ``gethostbyname``, …) made through
Python's ``socket`` module, in every thread, *before* the system call. One to an address that is
not loopback (``127.0.0.0/8``, ``::1``, ``localhost``, this host's name, a Unix socket) nor in
``$ZSVAD_NET_GUARD_ALLOW`` (comma-separated hosts: configured test servers) is refused: the call
raises :class:`BlockedConnection` (an ``OSError``, what an unreachable network gives) and the
attempt is appended to ``$ZSVAD_NET_GUARD_LOG``, which the suite checks after every test
(``tests/conftest.py``), so a library that swallows the error still fails the test.

The pytest process installs it from ``tests/conftest.py``; every Python process the tests start
(CLI runs, batch workers, Ray workers, forks) installs it too: the conftest puts
``tests/netguard`` on ``PYTHONPATH``, whose ``sitecustomize`` calls :func:`install` when
``ZSVAD_NET_GUARD=1``. Native code that opens sockets without Python (a C library's own
resolver, Chromium, ffmpeg) is not seen.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import sys
import traceback

#: events whose first argument is the socket and second the address
_ADDRESS_EVENTS = ("socket.connect", "socket.sendto", "socket.sendmsg")
#: events whose first argument is a host name to resolve
_LOOKUP_EVENTS = ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr")
#: names that resolve on the machine (``/etc/hosts``)
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}

#: refused like the others, but not failing the test: third-party requests zsvad cannot switch
#: off (docs/security.md, known limits), by the program making them and the host asked.
#: Ray's dashboard process (started by every local ``ray.init``, with usage stats off too) asks
#: the cloud metadata endpoints which cloud it runs on.
KNOWN = {
    ("ray/dashboard/dashboard.py", "169.254.169.254"),
    ("ray/dashboard/dashboard.py", "metadata.google.internal"),
}

_state = {"installed": False, "active": True}


class BlockedConnection(OSError):
    """A connection or lookup off the machine, refused by the test suite's socket guard."""


def set_active(active: bool) -> bool:
    """Turn the guard of this process on or off; returns the previous state."""
    previous = _state["active"]
    _state["active"] = active
    return previous


def _allowed_hosts() -> set[str]:
    extra = os.environ.get("ZSVAD_NET_GUARD_ALLOW", "")
    names = {h.strip().lower() for h in extra.split(",") if h.strip()}
    with contextlib.suppress(OSError):
        names.add(socket.gethostname().lower())
    return LOCAL_NAMES | names


def is_local(host) -> bool:
    """True for loopback addresses, local names and the allowed hosts."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return True  # not an internet address (netlink, bluetooth…)
    name = host.strip().lower().rstrip(".")
    if name in ("", "0.0.0.0", "::"):  # "this host"
        return True
    try:
        ip = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return name in _allowed_hosts() or name.endswith(".localhost")
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or (mapped is not None and mapped.is_loopback) or name in _allowed_hosts()


def _is_numeric(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    try:
        ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return False
    return True


def _record(what: str) -> None:
    frames = traceback.extract_stack()[:-2]  # without _hook and _record
    noise = ("/pluggy/", "/_pytest/", "/pytest/")
    stack = "".join(
        traceback.format_list([f for f in frames if not any(n in f.filename for n in noise)][-8:])
    )
    line = f"pid {os.getpid()} ({' '.join(sys.argv)[:200]}): {what}\n"
    path = os.environ.get("ZSVAD_NET_GUARD_LOG")
    if path:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (line + _indent(stack)).encode("utf-8", "replace"))
            finally:
                os.close(fd)
        except OSError:
            pass
    print(f"netguard: refused {what}", file=sys.stderr)


def _indent(text: str) -> str:
    return "".join(f"    {line}\n" for line in text.splitlines())


def _hook(event: str, args: tuple) -> None:
    if not event.startswith("socket.") or not _state["active"]:
        return
    if event in _ADDRESS_EVENTS:
        address = args[1] if len(args) > 1 else None
        if not isinstance(address, tuple) or not address:
            return  # a Unix socket path, or connected already (sendmsg without address)
        host = address[0]
        if is_local(host):
            return
        what = f"{event} to {address!r}"
    elif event in _LOOKUP_EVENTS:
        host = args[0] if args else None
        if is_local(host) or (event == "socket.getaddrinfo" and _is_numeric(host)):
            return
        what = f"{event} of {host!r}"
    else:
        return
    program = sys.argv[0] if sys.argv else ""
    if not any(program.endswith(p) and str(host).lower() == h for p, h in KNOWN):
        _record(what)
    raise BlockedConnection(f"netguard: {what} (the test suite allows loopback only)")


def install() -> None:
    """Add the audit hook to this process (once; it cannot be removed, only deactivated)."""
    if _state["installed"]:
        return
    sys.addaudithook(_hook)
    _state["installed"] = True
