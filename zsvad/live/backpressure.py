"""The hand-over from stream readers to the scorer, bounded per camera.

Readers ``put`` complete windows (and session markers); the scorer ``take``\\ s them in arrival
order. Each camera holds at most ``max_pending`` windows. When a window arrives at a full camera:

- ``drop_oldest`` (default for streams): the camera's oldest waiting window is skipped and
  counted, so the newest windows are the ones scored and the score never falls behind by more
  than ``max_pending`` windows, however slow the models;
- ``block``: the reader waits for room (lossless; files read faster than real time).

Markers (a session's end, a stream event) are never dropped and never wait: they keep each
camera's order and hold no frames. Memory is bounded by ``cameras × max_pending`` windows.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Item:
    """A window (``clip`` set) or a marker (``marker`` set) of one camera."""

    camera: str
    clip: Any = None
    marker: Any = None
    seq: int = 0
    ready: float = field(default_factory=time.monotonic)
    """Monotonic time the window became complete (its last needed frame was decoded)."""


class PendingWindows:
    """Per-camera bounded queues with one policy, read by one scorer."""

    def __init__(self, cameras: list[str], max_pending: int, policy: dict[str, str]):
        self.max_pending = max_pending
        self.policy = policy
        """Backpressure policy of each camera (``drop_oldest`` or ``block``)."""
        self._queues: dict[str, deque[Item]] = {c: deque() for c in cameras}
        self._windows = dict.fromkeys(cameras, 0)
        self.skipped = dict.fromkeys(cameras, 0)
        """Windows dropped per camera (``drop_oldest``)."""
        self._cond = threading.Condition()
        self._seq = 0
        self._closed = False

    def put(self, item: Item) -> None:
        """Queue ``item`` by its camera's policy (a ``block`` put returns once there is room
        or the queue is closed)."""
        cam = item.camera
        with self._cond:
            if item.clip is not None:
                if self.policy[cam] == "block":
                    while self._windows[cam] >= self.max_pending and not self._closed:
                        self._cond.wait(0.5)
                else:
                    while self._windows[cam] >= self.max_pending:
                        self._drop_oldest(cam)
                self._windows[cam] += 1
            self._seq += 1
            item.seq = self._seq
            self._queues[cam].append(item)
            self._cond.notify_all()

    def _drop_oldest(self, cam: str) -> None:
        q = self._queues[cam]
        for i, old in enumerate(q):
            if old.clip is not None:
                del q[i]
                self._windows[cam] -= 1
                self.skipped[cam] += 1
                return

    def take(self, max_items: int, timeout: float) -> list[Item]:
        """Up to ``max_items`` items in arrival order, waiting up to ``timeout`` s for the
        first; markers come with the windows before them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not any(self._queues.values()):
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    return []
                self._cond.wait(left)
            out: list[Item] = []
            while len(out) < max_items:
                heads = [q for q in self._queues.values() if q]
                if not heads:
                    break
                q = min(heads, key=lambda q: q[0].seq)
                item = q.popleft()
                if item.clip is not None:
                    self._windows[item.camera] -= 1
                out.append(item)
            self._cond.notify_all()
            return out

    def waiting(self) -> int:
        """Windows waiting, all cameras."""
        with self._cond:
            return sum(self._windows.values())

    def close(self) -> None:
        """Release blocked readers (their last windows are queued beyond the bound, to be
        scored) and waiting takers (shutdown)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
