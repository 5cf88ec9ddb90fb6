"""zsvad.io.videos: one list of video suffixes; ``score DIR`` and ``batch DIR`` take the same
files."""

from __future__ import annotations

from zsvad.batch.inputs import discover_inputs
from zsvad.cli.score import expand_videos
from zsvad.io.videos import is_video_path, video_id_from_name


def test_score_and_batch_pick_up_the_same_files(tmp_path):
    names = ["a.mp4", "b.WMV", "c.3gp", "d.ts", "sub/e.mkv", "notes.txt", "f.jsonl", "g.mp4.part"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / "folder.mp4").mkdir()  # a folder is never a video
    by_batch = [item.path for item in discover_inputs(tmp_path)]
    by_score = expand_videos([str(tmp_path)])
    assert by_score == by_batch
    assert sorted(p.relative_to(tmp_path).as_posix() for p in by_score) == [
        "a.mp4",
        "b.WMV",
        "c.3gp",
        "d.ts",
        "sub/e.mkv",
    ]


def test_suffixes_in_any_case():
    assert is_video_path("x.MOV") and is_video_path("x.3gp") and not is_video_path("x.json")
    assert video_id_from_name("clip.WMV") == "clip" and video_id_from_name("clip.v2") == "clip.v2"
