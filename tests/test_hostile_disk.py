"""A full disk while results, tables or caches are written (issue 29, family "disk full"):
one line naming the file, every finished result kept, no torn or temporary file left, and a
rerun once there is room resumes instead of starting over."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from caption_rows import three_videos

import zsvad.atomic as atomic
from zsvad.atomic import atomic_write_text
from zsvad.cli.main import main
from zsvad.errors import OutputError
from zsvad.results.io import read_result

ENOSPC = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class Disk:
    """Makes ``zsvad.atomic`` fail with ENOSPC once ``room`` files under ``under`` matching
    ``pattern`` are written (the rename of a complete temporary file is where it fails)."""

    def __init__(self, monkeypatch, under: Path, room: int, pattern: str = "*"):
        self.under, self.room, self.pattern, self.written = under, room, pattern, []
        self.replace = os.replace
        monkeypatch.setattr(atomic.os, "replace", self._replace, raising=True)

    def _replace(self, src, dst):
        dst = Path(dst)
        if dst.is_relative_to(self.under) and dst.match(self.pattern):
            if len(self.written) >= self.room:
                raise ENOSPC
            self.written.append(dst)
        return self.replace(src, dst)

    def free(self):
        self.room = 10**9


def _temporaries(root: Path) -> list[Path]:
    return [p for p in root.rglob(".*") if p.is_file() and ".tmp" in p.name]


def test_atomic_write_failure_is_one_output_error_and_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "r.json"
    atomic_write_text(target, "old")

    def full(fd):
        raise ENOSPC

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(OutputError) as info:
        atomic_write_text(target, "new")
    err = info.value
    assert isinstance(err, OSError) and err.errno == errno.ENOSPC
    assert str(err) == f"{target}: cannot write: No space left on device"
    assert target.read_text() == "old" and not _temporaries(tmp_path)


def test_a_file_in_place_of_the_folder_is_an_output_error(tmp_path):
    (tmp_path / "out").write_text("not a folder")
    with pytest.raises(OutputError, match="out/r.json: cannot write"):
        atomic_write_text(tmp_path / "out" / "r.json", "x")


def test_score_on_a_full_disk_is_one_line_and_keeps_finished_results(
    write_captions, tmp_path, monkeypatch, capsys
):
    caps = write_captions(three_videos(with_fire=True))
    out = tmp_path / "out"
    disk = Disk(monkeypatch, out, room=1, pattern="*.json")
    args = ["score", "--captions", str(caps), "--out", str(out), "--profile", "tiny", "--quiet"]
    assert main(args) == 2
    err = capsys.readouterr().err
    (line,) = [ln for ln in err.splitlines() if ln.startswith("zsvad: error")]
    assert "cannot write: No space left on device" in line and "Traceback" not in err
    (kept,) = disk.written
    assert read_result(kept).video_id == kept.stem  # complete and readable
    assert sorted(p.name for p in out.iterdir()) == [kept.name]  # nothing torn, no temporaries
    disk.free()
    assert main(args) == 0
    assert {p.name for p in out.glob("*.json")} == {"calm.json", "fight.json", "fire.json"}


pytest.importorskip("pyarrow")


def test_batch_on_a_full_disk_stops_in_one_line_keeps_results_and_resumes(tmp_path, monkeypatch):
    from batch_helpers import batch_opts, make_folder, read_summary

    from zsvad.batch.run import run_batch
    from zsvad.batch.runners import BatchError
    from zsvad.configure import load_config

    src = make_folder(tmp_path / "in", {f"v{i}.mp4": f"ok {i + 1}" for i in range(5)})
    out = tmp_path / "out"
    cfg = load_config("tiny")
    disk = Disk(monkeypatch, out, room=2, pattern="results/*.json")
    with pytest.raises(BatchError) as info:
        run_batch(src, out, cfg, batch_opts())
    message = str(info.value)
    assert "\n" not in message and "No space left on device" in message
    assert "2 finished result(s) kept" in message
    assert len(disk.written) == 2 and all(read_result(p) for p in disk.written)
    assert not _temporaries(out)
    disk.free()
    report = run_batch(src, out, cfg, batch_opts())
    assert (report.reused, report.scored, report.failed) == (2, 3, 0)
    assert {r["status"] for r in read_summary(out).values()} == {"ok"}


def test_batch_summary_on_a_full_disk_is_one_error_and_no_torn_table(tmp_path, monkeypatch):
    from batch_helpers import batch_opts, make_folder

    from zsvad.batch.run import run_batch
    from zsvad.configure import load_config

    src = make_folder(tmp_path / "in", {"a.mp4": "ok 2", "b.mp4": "ok 3"})
    out = tmp_path / "out"
    Disk(monkeypatch, out, room=0, pattern="summary.*")
    with pytest.raises(OutputError, match=r"summary\.parquet: cannot write: No space left"):
        run_batch(src, out, load_config("tiny"), batch_opts())
    assert len(list(out.glob("*/results/*.json"))) == 2
    assert not (out / "summary.parquet").exists() and not _temporaries(out)


def test_log_samples_on_a_full_disk_is_one_output_error(tmp_path, monkeypatch):
    import zsvad.judge.judge as judge_mod

    def full(fd, data):
        raise ENOSPC

    monkeypatch.setattr(os, "write", full)  # _append_jsonl imports os inside
    with pytest.raises(OutputError, match=r"samples.jsonl: cannot write: No space left"):
        judge_mod._append_jsonl(tmp_path / "samples.jsonl", [{"a": 1}])
