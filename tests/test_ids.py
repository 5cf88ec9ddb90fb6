"""Issue 14, class 1: identifiers used as paths never leave their folder (and class 8 bits)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from caption_rows import caption

from zsvad.cli.main import main
from zsvad.errors import InputError
from zsvad.ids import MAX_STEM_BYTES, RESERVED_STEMS, file_stem, id_problem
from zsvad.io.captions import read_captions
from zsvad.results.io import read_result, read_results_dir, write_result
from zsvad.results.schema import Provenance, VideoResult

HOSTILE = [
    "/etc/passwd",
    "/tmp/zsvad-abs",
    "../../x",
    "a/../../b",
    "..",
    ".",
    "a\\..\\b",
    "nul\x00byte",
    "\x00",
    "bell\x07\x1b[31mred",
    "x" * 300,
    "é" * 300,
    "summary",
    "Summary.json",
    "index",
    "run",
    ".hidden",
    "_private",
    "",
    " ",
    "line\u2028sep",
    "%2F",
    "rtl\u202eevil",
]


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize("vid", HOSTILE)
def test_file_stem_is_one_safe_component(vid, tmp_path):
    stem = file_stem(vid)
    assert stem and "/" not in stem and "\\" not in stem and "\x00" not in stem
    assert not any(ord(c) < 0x20 or c in "\u2028\u202e" for c in stem)
    assert not stem.startswith((".", "_", " ")), stem
    assert stem.split(".")[0].lower() not in RESERVED_STEMS
    assert len(stem.encode()) <= MAX_STEM_BYTES
    assert Path(stem).name == stem and stem not in {".", ".."}
    # usable as a real file name, with room for the cache's suffixes
    target = tmp_path / f"{stem}-0123456789abcdef.captions.jsonl"
    target.write_text("x")
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_file_stem_keeps_plain_ids_and_is_injective():
    for plain in ["Robbery102_x264", "cam-1", "v1", "Straße 5", "a.b"]:
        assert file_stem(plain) == plain
    stems = [file_stem(v) for v in HOSTILE]
    assert len(set(stems)) == len(HOSTILE)
    # ids that look like escapes do not collide with what they would escape
    assert file_stem("%2F") != file_stem("/") and file_stem("%73ummary") != file_stem("summary")
    long_a, long_b = "x" * 300, "x" * 299 + "y"
    assert file_stem(long_a) != file_stem(long_b)
    assert file_stem(long_a) == file_stem(long_a)  # stable across calls


@pytest.mark.parametrize("vid", ["", "   ", "a\x00b", "\x1b[2J", 5, None, "x" * 5000])
def test_id_problem_rejects_unprintable_or_empty_ids(vid):
    assert id_problem(vid)


def test_id_problem_accepts_hostile_but_printable_ids():
    for vid in ["../../x", "/etc/passwd", "summary", ".hidden", "x" * 300]:
        assert id_problem(vid) is None


@pytest.mark.parametrize(
    "vid", ["/etc/zsvad-pwn", "../../escape", "summary", ".hidden", "x" * 300, "live", "Config"]
)
def test_results_keep_the_id_and_are_read_back(vid, tmp_path):
    """A video named like an output file (``live.mp4`` beside ``live.json``) is still a result."""
    prov = Provenance(zsvad_version="0", created_at="now", config={}, config_hash="h")
    result = VideoResult(video_id=vid, fps=10.0, num_frames=2, frame_scores=[0.1, 0.9],
                         provenance=prov)  # fmt: skip
    out = tmp_path / "out"
    path = write_result(result, out)
    assert path.parent == out and path.is_file()
    assert read_result(path).video_id == vid
    assert [r.video_id for r in read_results_dir(out)] == [vid]  # not skipped as reserved


def _rows(vid, n=100):
    return [
        caption(vid, 0, 5, "People walk in the park.", num_frames=n),
        caption(vid, 5, 9, "A man punches another man and they fight.", num_frames=n),
    ]


def test_score_captions_with_hostile_ids_writes_only_under_out(tmp_path, capsys, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    parent = tmp_path.parent
    before = set(os.listdir(parent))
    ids = ["../../escape", str(tmp_path / "abs-escape"), "summary", ".hidden", "_x", "y" * 300]
    rows = [r for vid in [*ids, "good"] for r in _rows(vid)]
    rows += _rows("bad\x00nul")
    caps = tmp_path / "caps.jsonl"
    caps.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = work / "out"
    code = main(["score", "--captions", str(caps), "--out", str(out), "--profile", "tiny"])
    err = capsys.readouterr().err
    assert code == 1  # the NUL id fails its video, not the run
    assert f"{caps}:15: video_id holds a control character" in err
    assert set(os.listdir(parent)) == before
    assert sorted(os.listdir(tmp_path)) == ["caps.jsonl", "work"]
    assert os.listdir(work) == ["out"]
    got = {r.video_id: r for r in read_results_dir(out)}
    assert set(got) == {*ids, "good"}
    assert all(len(r.frame_scores) == 100 for r in got.values())
    assert all(p.parent == out for p in out.rglob("*"))


def test_captions_split_on_newline_only(tmp_path):
    row = caption("v", 0, 2, "a man\u2028runs\u0085 and \u2029 falls", num_frames=50)
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False) + "\r\n" + json.dumps(row) + "\n")
    got = read_captions(path)
    assert not got.errors
    texts = [c.text for c in got.videos["v"].captions]
    assert texts == [row["text"], row["text"]]


def test_captions_empty_or_control_id_fails_that_video_only(tmp_path):
    rows = [caption("ok"), caption("  "), caption("e\x1b[0m")]
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    got = read_captions(path)
    assert list(got.videos) == ["ok"]
    assert str(got.errors["  "]) == f"{path}:2: empty video_id"
    assert str(got.errors["e\x1b[0m"]).startswith(f"{path}:3: video_id holds a control")


def test_manifest_with_duplicate_path_columns_is_an_error(tmp_path):
    from zsvad.batch.inputs import discover_inputs

    man = tmp_path / "m.csv"
    man.write_text("path,video_id,path\na.mp4,a,../../b.mp4\n")
    with pytest.raises(InputError, match="duplicate columns: path"):
        discover_inputs(man)
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = pa.Table.from_arrays([pa.array(["a.mp4"]), pa.array(["b.mp4"])], ["path", "path"])
    pq.write_table(table, tmp_path / "m.parquet")
    with pytest.raises(InputError, match="duplicate columns: path"):
        discover_inputs(tmp_path / "m.parquet")


def test_text_manifest_splits_on_newline_only(tmp_path):
    from zsvad.batch.inputs import discover_inputs

    man = tmp_path / "m.txt"
    man.write_text("odd\u2028name.mp4\nb.mp4\n", encoding="utf-8")
    assert [i.path.name for i in discover_inputs(man)] == ["odd\u2028name.mp4", "b.mp4"]


def test_batch_manifest_with_hostile_ids_writes_only_under_tmp(tmp_path, monkeypatch):
    pytest.importorskip("av")
    pq = pytest.importorskip("pyarrow.parquet")
    from video_helpers import make_video

    from zsvad.batch.run import BatchOptions, run_batch
    from zsvad.configure import load_config

    work = tmp_path / "work"
    (work / "v").mkdir(parents=True)
    monkeypatch.chdir(work)
    parent = tmp_path.parent
    before = set(os.listdir(parent))
    ids = ["../../escape", str(tmp_path / "abs-escape"), "summary", ".hidden", "z" * 300, "ok"]
    lines = ["path,video_id"]
    for i, vid in enumerate(ids):
        make_video(work / "v" / f"{i}.mp4", n=30 + 10 * i)  # distinct content: one job each
        lines.append(f"v/{i}.mp4,{json.dumps(vid)}")
    (work / "m.csv").write_text("\n".join(lines) + "\n")
    cache = work / "vcache"
    cfg = load_config(
        "tiny",
        overrides=["captioner.backend=fake", "image_embedder.backend=fake",
                   f"video.cache_dir={cache}"],
    )  # fmt: skip
    out = work / "out"
    report = run_batch(work / "m.csv", out, cfg, BatchOptions(runner="serial", quiet=True))
    assert (report.scored, report.failed) == (len(ids), 0)
    assert set(os.listdir(parent)) == before
    assert sorted(os.listdir(tmp_path)) == ["work"]
    assert sorted(os.listdir(work)) == ["m.csv", "out", "v", "vcache"]
    cached = list(cache.iterdir())
    assert len(cached) == 2 * len(ids) and all(p.is_file() for p in cached)
    rows = {r["video_id"]: r for r in pq.read_table(out / "summary.parquet").to_pylist()}
    assert set(rows) == set(ids) and {r["status"] for r in rows.values()} == {"ok"}


def test_report_finds_videos_by_id_only_inside_the_videos_folder(tmp_path):
    from zsvad.report.keyframes import find_video

    prov = Provenance(zsvad_version="0", created_at="now", config={}, config_hash="h")

    def result(vid):
        return VideoResult(video_id=vid, fps=10.0, num_frames=1, frame_scores=[0.5],
                           provenance=prov)  # fmt: skip

    d = tmp_path / "videos"
    (d / "cam1").mkdir(parents=True)
    (tmp_path / "escape.mp4").write_bytes(b"x")
    (d / "cam1" / "0001.mp4").write_bytes(b"x")
    (d / f"{file_stem('.hidden')}.mp4").write_bytes(b"x")
    assert find_video(result("../escape"), d) is None
    assert find_video(result(str(tmp_path / "escape")), d) is None
    assert find_video(result("x" * 300), d) is None  # no "File name too long"
    assert find_video(result("nul\x00"), d) is None
    assert find_video(result("cam1/0001"), d) == d / "cam1" / "0001.mp4"
    assert find_video(result(".hidden"), d) == d / f"{file_stem('.hidden')}.mp4"
