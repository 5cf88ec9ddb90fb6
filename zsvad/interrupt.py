"""Ctrl-C and SIGTERM: how a run stops, keeps what it finished, and says it was interrupted.

SIGTERM is turned into :class:`Terminated`, a ``KeyboardInterrupt``, so one code path handles
both (:func:`stop_on_sigterm`). A run that was stopped writes its summary with signals held
(:func:`held_signals`): a second Ctrl-C cannot tear it. The exit status says whether the run was
complete: :func:`exit_status` gives 130 (SIGINT) or 143 (SIGTERM) for a run that had work left.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

#: exit status of a run stopped by each signal (128 + signal number, as shells report it)
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: finished work is kept and the summary written."""


def _raise_terminated(signum, frame):
    raise Terminated()


def stop_on_sigterm():
    """Turn SIGTERM into :class:`Terminated` in the main thread; returns the previous handler
    (None where it cannot: not the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_terminated)


def exit_status(stop: BaseException | None) -> int:
    """130 for Ctrl-C, 143 for SIGTERM (0 for None)."""
    if stop is None:
        return 0
    return EXIT_TERMINATED if isinstance(stop, Terminated) else EXIT_INTERRUPTED


def signal_name(stop: BaseException) -> str:
    """``SIGTERM`` or ``SIGINT``."""
    return "SIGTERM" if isinstance(stop, Terminated) else "SIGINT"


class Held:
    """Signals received while :func:`held_signals` held them (first one first)."""

    def __init__(self) -> None:
        self.received: list[int] = []

    def first(self) -> KeyboardInterrupt | None:
        """The exception the first held signal would have raised (None: none came)."""
        if not self.received:
            return None
        return Terminated() if self.received[0] == signal.SIGTERM else KeyboardInterrupt()


@contextlib.contextmanager
def held_signals() -> Iterator[Held]:
    """SIGINT and SIGTERM are recorded, not raised, inside the block (main thread only; other
    threads cannot set handlers and get a block that holds nothing)."""
    held = Held()
    if threading.current_thread() is not threading.main_thread():
        yield held
        return

    def hold(signum, frame):
        held.received.append(signum)

    previous = {s: signal.signal(s, hold) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield held
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
