"""Special files and stalls in a batch (issue 14, class 4): fifos, sockets and devices among the
inputs are refused up front, one ``read`` error each, the rest scored; the per-video timeout
holds in every stage, also one that catches ``OSError`` / ``Exception`` and retries."""

from __future__ import annotations

import os
import signal
import socket
import time

import pytest
from batch_helpers import SCORER, batch_opts, make_folder, read_summary

from zsvad.batch.keys import content_hash
from zsvad.batch.run import run_batch
from zsvad.batch.runners import base as runner_base
from zsvad.cli.main import main
from zsvad.configure import load_config
from zsvad.errors import InputError
from zsvad.video.probe import probe


@pytest.fixture(autouse=True)
def _deadline():
    """Fail instead of hanging forever if a special file blocks (SIGALRM interrupts open())."""

    def _raise(signum, frame):
        raise AssertionError("blocked on a special file")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def _specials(root):
    os.mkfifo(root / "fifo.mp4")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "sock.mp4"))
    (root / "folder.mp4").mkdir()  # a folder with a video suffix is not an input at all
    return sock


def test_special_files_in_a_folder_fail_alone(tmp_path, capsys):
    src = make_folder(tmp_path / "in", {"a.mp4": "ok 2", "b.mp4": "ok 3"})
    sock = _specials(src)
    out = tmp_path / "out"
    t0 = time.monotonic()
    report = run_batch(src, out, load_config("tiny"), batch_opts())
    sock.close()
    assert time.monotonic() - t0 < 30
    assert report.scored == 2 and report.failed == 2
    errors = {e["video_id"]: e for e in report.errors}
    assert set(errors) == {"fifo", "sock"}
    for vid, err in errors.items():
        assert err["stage"] == "read"
        expected = "not a regular file (fifo, socket or device): not read as a file"
        assert err["message"] == f"{src / vid}.mp4: {expected}"
    summary = read_summary(out)
    assert summary["a"]["status"] == summary["b"]["status"] == "ok"
    assert summary["fifo"]["status"] == "error"


def test_special_files_in_a_manifest_fail_alone_with_cli_lines(tmp_path, capsys):
    src = make_folder(tmp_path / "in", {"a.mp4": "ok 2"})
    os.mkfifo(src / "pipe.mp4")
    manifest = tmp_path / "list.txt"
    manifest.write_text(f"{src / 'a.mp4'}\n{src / 'pipe.mp4'}\n/dev/zero\n{src}\n")
    out = tmp_path / "out"
    code = main(
        ["batch", str(manifest), "--out", str(out), "--profile", "tiny", "--scorer", SCORER]
        + ["--runner", "serial", "--timeout", "5", "--quiet"]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert f"[read] {src / 'pipe.mp4'}: not a regular file" in err
    assert "[read] /dev/zero: not a regular file" in err
    assert f"[read] {src}: is a folder, not a file" in err
    assert read_summary(out)["a"]["status"] == "ok"


def test_special_files_are_refused_by_every_reader(tmp_path):
    os.mkfifo(tmp_path / "f.mp4")
    for call in (lambda p: content_hash(p), lambda p: probe(p)):
        with pytest.raises(InputError, match="not a regular file"):
            call(tmp_path / "f.mp4")
    with pytest.raises(InputError, match="not a regular file"):
        content_hash("/dev/zero", "full")  # would never end


def test_timeout_holds_in_a_stage_that_swallows_exceptions(tmp_path, monkeypatch):
    monkeypatch.setattr(runner_base, "HARD_TIMEOUT_GRACE_S", 60.0)  # only the soft one counts
    src = make_folder(tmp_path / "in", {"a.mp4": "ok 2", "stall.mp4": "hang-swallow"})
    out = tmp_path / "out"
    t0 = time.monotonic()
    report = run_batch(
        src, out, load_config("tiny"), batch_opts(runner="local", workers=1, timeout_s=1)
    )
    assert time.monotonic() - t0 < 90  # worker start on a loaded machine; the stall is 20 s
    errors = {e["video_id"]: e for e in report.errors}
    assert errors["stall"]["stage"] == "timeout"  # swallowed, it would end "ok" after 20 s
    assert "worker killed" not in errors["stall"]["message"]
    assert report.scored == 1


def test_serial_runner_timeout_holds_in_a_stage_that_swallows_exceptions(tmp_path):
    src = make_folder(tmp_path / "in", {"a.mp4": "ok 2", "stall.mp4": "hang-swallow"})
    report = run_batch(src, tmp_path / "out", load_config("tiny"), batch_opts(timeout_s=1))
    errors = {e["video_id"]: e for e in report.errors}
    assert errors["stall"]["stage"] == "timeout" and report.scored == 1


def test_eval_refuses_a_fifo_as_annotations(tmp_path):
    """A fifo given as ground truth is a one-line error, not a hang (issue 14, class 4)."""
    import os

    from zsvad.errors import InputError
    from zsvad.eval.annotations import read_annotations

    fifo = tmp_path / "gt.txt"
    os.mkfifo(fifo)
    for fmt in (None, "ucf"):
        with pytest.raises(InputError, match="gt.txt"):
            read_annotations(fifo, fmt)
