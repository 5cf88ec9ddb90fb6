"""File locks across processes: cache build locks wait, one batch run per output folder, and a
killed holder leaves no stale lock."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from filelock import FileLock, Timeout

from zsvad.batch.runners.base import BatchError
from zsvad.batch.store import ResultStore
from zsvad.paths import build_lock

ROOT = Path(__file__).resolve().parents[1]


def _holder(code: str) -> subprocess.Popen:
    """A second Python process running ``code`` (it prints ``held`` once it holds its lock)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ["PYTHONPATH"]])}
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_build_lock_makes_another_process_wait(tmp_path):
    """While another process builds, we wait; once it releases, we see what it built."""
    target = tmp_path / "cache" / "index.faiss"
    proc = _holder(f"""
        import sys
        from pathlib import Path
        from zsvad.paths import build_lock
        target = Path({str(target)!r})
        with build_lock(target):
            print("held", flush=True)
            sys.stdin.readline()
            target.write_text("built by the other process")
    """)
    with pytest.raises(Timeout):  # the other process holds the lock on <target>.lock
        FileLock(target.with_name("index.faiss.lock"), timeout=0).acquire()
    seen: list[str | None] = []
    waiting = threading.Event()

    def build():
        waiting.set()
        with build_lock(target):
            seen.append(target.read_text() if target.exists() else None)

    waiter = threading.Thread(target=build)
    waiter.start()
    waiting.wait(timeout=60)
    proc.stdin.write("go\n")
    proc.stdin.flush()
    waiter.join(timeout=60)
    assert proc.wait(timeout=60) == 0
    assert seen == ["built by the other process"]  # we entered only after its release


def test_build_lock_of_a_killed_builder_is_not_stale(tmp_path):
    target = tmp_path / "model.onnx"
    proc = _holder(f"""
        import time
        from pathlib import Path
        from zsvad.paths import build_lock
        with build_lock(Path({str(target)!r})):
            print("held", flush=True)
            time.sleep(600)
    """)
    proc.kill()
    proc.wait()
    done = threading.Event()

    def build():
        with build_lock(target):
            done.set()

    t = threading.Thread(target=build, daemon=True)
    t.start()
    t.join(timeout=60)
    assert done.is_set()


def test_one_batch_run_per_output_folder_across_processes(tmp_path):
    out = tmp_path / "out"
    proc = _holder(f"""
        import time
        from zsvad.batch.store import ResultStore
        store = ResultStore({str(out)!r}, "abc", {{}}, "run-1")
        print("held", flush=True)
        time.sleep(600)
    """)
    try:
        with pytest.raises(BatchError, match="another zsvad batch run is writing here"):
            ResultStore(out, "abc", {}, "run-2")
    finally:
        proc.kill()
        proc.wait()
    store = ResultStore(out, "abc", {}, "run-3")  # the killed run left no stale lock
    store.close()
    again = ResultStore(out, "abc", {}, "run-4")  # and a closed store releases it
    again.close()
