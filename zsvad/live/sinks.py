"""Where alert and stream events go: a JSONL file, stdout, a webhook (:mod:`.webhook`).

Every sink takes plain JSON objects (:class:`~zsvad.live.alerts.AlertEvent` /
:class:`~zsvad.live.alerts.StreamEventRecord` dumps). The file and stdout sinks write one line
per event and flush it at once, so an event that was written survives a crash; the webhook
sink only queues (it never blocks scoring).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any, Protocol, TextIO

from zsvad.logs import get_logger

log = get_logger(__name__)


class Sink(Protocol):
    def send(self, event: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


def _line(event: dict[str, Any]) -> str:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class JsonlSink:
    """Appends each event as one line to ``path`` (flushed and fsynced per line)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 (closed in close())

    def send(self, event: dict[str, Any]) -> None:
        self._fh.write(_line(event) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()


class StdoutSink:
    """Prints each event as one JSON line on stdout (or another stream)."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stdout

    def send(self, event: dict[str, Any]) -> None:
        with contextlib.suppress(BrokenPipeError, ValueError):  # a closed pipe: keep scoring
            print(_line(event), file=self.stream, flush=True)

    def close(self) -> None:
        pass


class Sinks:
    """Fans each event out to every sink; a failing sink is logged, never fatal."""

    def __init__(self, sinks: list[Sink]):
        self.sinks = sinks
        self.failures = 0

    def send(self, event: dict[str, Any]) -> None:
        for sink in self.sinks:
            try:
                sink.send(event)
            except Exception as exc:  # a full disk or a closed stream: keep scoring
                self.failures += 1
                log.warning("%s: cannot send event: %s", type(sink).__name__, exc)

    def close(self) -> None:
        for sink in self.sinks:
            try:
                sink.close()
            except Exception as exc:
                log.warning("%s: close failed: %s", type(sink).__name__, exc)
