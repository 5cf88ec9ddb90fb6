"""Progress of the command line: tqdm bars on stderr, one display.

- Bars show only on a terminal (stderr a TTY) and never under ``--quiet``; a log file or a
  pipe gets no bars and so no ``\\r`` / ``ESC[A`` cursor escapes (:func:`bars_on`).
- Log records and Python warnings are written above the bars (:func:`one_display`: the CLI's
  log handler goes through ``tqdm.write``, warnings through logging); other libraries' own
  bars (huggingface_hub, transformers, datasets) are turned off.
- Work inside one video reports to the *video bar* through :func:`stage` and :func:`advance`
  (decoding and captioning windows, judging them), so a long single video moves; library
  callers that set no display pay nothing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from contextvars import ContextVar

from tqdm import tqdm

#: environment variables that turn other libraries' progress bars off
LIBRARY_BARS_OFF = {
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
}

_QUIET = ContextVar("zsvad_quiet", default=False)
_VIDEO: ContextVar[VideoBar | None] = ContextVar("zsvad_video_bar", default=None)


def bars_on(quiet: bool = False) -> bool:
    """Whether bars show: not ``quiet`` (nor ``--quiet`` for the whole command) and stderr a
    terminal."""
    if quiet or _QUIET.get():
        return False
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


def bar(total: int | None = None, desc: str = "", unit: str = "it", quiet: bool = False, **kw):
    """A tqdm bar on stderr that shows only when :func:`bars_on` (closed bars leave no line)."""
    kw.setdefault("leave", False)
    kw.setdefault("dynamic_ncols", True)
    kw.setdefault("miniters", 1)  # redrawn by time only: a 1-window stage after a big one shows
    return tqdm(
        total=total, desc=desc, unit=unit, file=sys.stderr, disable=not bars_on(quiet), **kw
    )


class VideoBar:
    """The bar of the video being scored: its windows through each stage (decoding and
    captioning, judging), one stage at a time; ``title`` names the video and its place in the
    run (``[2/5] robbery``)."""

    def __init__(self, quiet: bool = False, position: int = 0):
        self.bar = bar(0, "", "window", quiet, position=position)
        self.title = ""

    def video(self, title: str) -> None:
        """A new video starts."""
        self.title = title
        self.stage("", None)

    def stage(self, name: str, total: int | None) -> None:
        self.bar.set_description_str(f"{self.title} {name}".strip(), refresh=False)
        self.bar.reset(total=total)  # counts, rate and elapsed time from now

    def advance(self, n: int) -> None:
        self.bar.update(n)

    def close(self) -> None:
        self.bar.close()


@contextlib.contextmanager
def video_bar(quiet: bool = False, position: int = 0) -> Iterator[VideoBar]:
    """Show the windows of the videos scored inside the block on a bar of their own."""
    shown = VideoBar(quiet, position)
    token = _VIDEO.set(shown)
    try:
        yield shown
    finally:
        _VIDEO.reset(token)
        shown.close()


def stage(name: str, total: int | None) -> None:
    """The current video enters stage ``name`` of ``total`` windows (None: unknown)."""
    shown = _VIDEO.get()
    if shown is not None:
        shown.stage(name, total)


def advance(n: int = 1) -> None:
    """``n`` more windows of the current stage are done."""
    shown = _VIDEO.get()
    if shown is not None and n:
        shown.advance(n)


class TqdmHandler(logging.StreamHandler):
    """A stderr handler that writes above the bars (``tqdm.write``), not through them."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            tqdm.write(self.format(record), file=self.stream)
        except Exception:
            self.handleError(record)


@contextlib.contextmanager
def one_display(quiet: bool = False) -> Iterator[None]:
    """The block's bars, log records and warnings share stderr: ``quiet`` hides every bar
    (:func:`bars_on`); Python warnings become log records (``py.warnings``, written by the
    CLI's handler above the bars); other libraries' bars are off."""
    for key, value in LIBRARY_BARS_OFF.items():
        os.environ.setdefault(key, value)
    hub = sys.modules.get("huggingface_hub.utils")
    if hub is not None and hasattr(hub, "disable_progress_bars"):
        hub.disable_progress_bars()
    token = _QUIET.set(quiet)
    logging.captureWarnings(True)
    try:
        yield
    finally:
        logging.captureWarnings(False)
        _QUIET.reset(token)
