"""Drive headless Chromium over the DevTools protocol (``--remote-debugging-pipe``: JSON
messages ending in NUL on file descriptors 3 and 4), with no library: open a page, evaluate
script, click at an element like a user (mouse events through the input pipeline), collect the
console's messages."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import time
from pathlib import Path

#: headless, no sandbox (root), and none of Chromium's own traffic (updates, sync, ...)
HEADLESS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARGS = [
    *HEADLESS,
    "--mute-audio",
    "--hide-scrollbars",
    "--window-size=1280,900",
    "--remote-debugging-pipe",
]


class Browser:
    """One headless Chromium and its first tab; use as a context manager."""

    def __init__(self, binary: str, profile: Path, timeout: float = 30.0):
        to_chrome, self._w = os.pipe()
        self._r, from_chrome = os.pipe()

        def fds() -> None:  # Chromium reads commands on fd 3 and writes replies on fd 4
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_chrome, from_chrome)]
            for fd, at in zip(high, (3, 4)):  # a pipe end may itself be 3 or 4: copied first
                os.dup2(fd, at)  # inheritable; Python's own fds are close-on-exec (PEP 446),
            # hence close_fds=False

        self.proc = subprocess.Popen(
            [binary, *ARGS, f"--user-data-dir={profile}", "about:blank"],
            close_fds=False,
            preexec_fn=fds,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome)
        os.close(from_chrome)
        self.timeout, self._buf, self._id, self.console = timeout, b"", 0, []
        self.events: list[dict] = []
        pages = [t for t in self.call("Target.getTargets")["targetInfos"] if t["type"] == "page"]
        attached = self.call("Target.attachToTarget", targetId=pages[0]["targetId"], flatten=True)
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(OSError, RuntimeError):
            self.call("Browser.close")
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._w)
        os.close(self._r)

    def _message(self) -> dict:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buf:
            if time.monotonic() > deadline:
                raise RuntimeError("Chromium did not answer")
            chunk = os.read(self._r, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed its pipe")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, session: bool = False, **params) -> dict:
        """Send one command and return its result (events that arrive meanwhile are kept)."""
        self._id += 1
        msg: dict = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        while True:
            m = self._message()
            if m.get("id") == self._id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m["result"]
            self._event(m)

    def _event(self, m: dict) -> None:
        self.events.append(m)
        method, p = m.get("method"), m.get("params", {})
        if method == "Runtime.consoleAPICalled":
            args = (a.get("value", a.get("description")) for a in p["args"])
            self.console.append(" ".join(str(a) for a in args))
        elif method == "Runtime.exceptionThrown":
            self.console.append(p["exceptionDetails"].get("exception", {}).get("description", "?"))
        elif method == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
            self.console.append(p["entry"]["text"])

    def open(self, url: str) -> None:
        """Navigate the tab to ``url`` and wait until the page has loaded (``console`` starts
        empty for it)."""
        self.events.clear()
        self.console.clear()
        self.call("Page.navigate", session=True, url=url)
        self.wait("document.readyState === 'complete' && location.href === " + json.dumps(url))

    def eval(self, expression: str):
        """The value of ``expression`` in the page (JSON-serialisable)."""
        out = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        if "exceptionDetails" in out:
            raise RuntimeError(f"{expression}: {out['exceptionDetails']}")
        return out["result"].get("value")

    def wait(self, expression: str, timeout: float | None = None):
        """Poll ``expression`` until it is truthy; return its value."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            try:
                value = self.eval(expression)
            except RuntimeError:  # the page is between documents
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"still false after {timeout or self.timeout} s: {expression}")
            time.sleep(0.1)

    def click_at(self, x: float, y: float) -> None:
        """A left click at viewport point ``(x, y)``, as the mouse makes it."""
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call(
                "Input.dispatchMouseEvent",
                session=True,
                type=kind,
                x=x,
                y=y,
                button="none" if kind == "mouseMoved" else "left",
                clickCount=0 if kind == "mouseMoved" else 1,
            )

    def box(self, selector: str) -> dict:
        """The element's box in the viewport, after scrolling it into view (its first line's, for
        text that wraps)."""
        box = self.eval(
            f"(function () {{ var e = document.querySelector({json.dumps(selector)});"
            " if (!e) return null; e.scrollIntoView({block: 'center'});"
            " var r = e.getClientRects()[0] || e.getBoundingClientRect();"
            " return {x: r.left, y: r.top, width: r.width, height: r.height}; })()"
        )
        if not box:
            raise LookupError(f"no element {selector}")
        return box

    def click(self, selector: str) -> None:
        """Click the middle of the element ``selector``."""
        b = self.box(selector)
        self.click_at(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2)
