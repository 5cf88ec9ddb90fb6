"""Bad video input: each gives a one-line InputError naming the file; others still scored."""

from __future__ import annotations

import shutil

import pytest
from data_paths import VIDEOS
from video_helpers import make_audio, make_video

from zsvad.cli.main import main
from zsvad.config.video import VideoConfig
from zsvad.errors import InputError
from zsvad.results.io import read_result
from zsvad.video import iter_clips

FAKE = ["--profile", "tiny", "--set", "captioner.backend=fake"]
FAKE += ["--set", "image_embedder.backend=fake"]


def _not_video(d):
    p = d / "notes.mp4"
    p.write_text("hello, this is not a video\n")
    return p


def _zero_frames(d):
    # H.264 MP4 with its header (moov, 30 frames announced) but no media data at all.
    src = make_video(d / "src.mp4", n=30, codec="libx264", options={"movflags": "faststart"})
    data = src.read_bytes()
    p = d / "zero.mp4"
    p.write_bytes(data[: data.find(b"mdat") + 4])
    return p


def _truncated(d):
    # A download cut short: the MP4 index (moov) at the end of the file is missing.
    p = d / "truncated.mp4"
    p.write_bytes((VIDEOS / "Robbery102_crop.mp4").read_bytes()[:300_000])
    return p


def _corrupt(d):
    p = d / "corrupt.mp4"
    data = bytearray((VIDEOS / "bikes.mp4").read_bytes())
    data[:64] = b"\x00" * 64  # header destroyed
    p.write_bytes(bytes(data))
    return p


def _audio_only(d):
    return make_audio(d / "speech.m4a")


def _unsupported_codec(d):
    # An AVI whose video FourCC names a codec FFmpeg has no decoder for.
    src = make_video(d / "src.avi", n=5)
    p = d / "unknown.avi"
    p.write_bytes(src.read_bytes().replace(b"FMP4", b"ZQX9"))
    return p


def _empty_file(d):
    p = d / "empty.mp4"
    p.write_bytes(b"")
    return p


CASES = {
    "not a video": (_not_video, "not a readable video"),
    "zero frames": (_zero_frames, "no decodable video frames"),
    "truncated": (_truncated, "truncated/corrupt"),
    "corrupt": (_corrupt, "not a readable video"),
    "audio only": (_audio_only, "no video stream (only audio streams)"),
    "unsupported codec": (_unsupported_codec, "unsupported video codec"),
    "empty file": (_empty_file, "empty (0 bytes)"),
    "missing": (lambda d: d / "missing.mp4", "video file not found"),
    "directory": (lambda d: d, "is a directory"),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("decoder", ["auto", "pyav"])
def test_bad_input_is_one_line_error_naming_the_file(case, decoder, tmp_path):
    make, message = CASES[case]
    path = make(tmp_path)
    with pytest.raises(InputError) as err:
        list(iter_clips(path, VideoConfig(decoder=decoder)))
    text = str(err.value)
    assert text.startswith(f"{path}: ") and message in text and "\n" not in text


def test_absurd_resolution(tmp_path):
    path = make_video(tmp_path / "v.mp4", n=3, size=(64, 48))
    with pytest.raises(InputError, match=r"absurd resolution 64x48"):
        iter_clips(path, VideoConfig(max_pixels=1000))


def test_truncated_after_the_index_scores_what_decodes(tmp_path):
    """A faststart MP4 cut in half: the frames present are scored, the shortfall reported."""
    src = make_video(tmp_path / "fs.mp4", n=100, options={"movflags": "faststart"})
    data = src.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    out = tmp_path / "out"
    assert main(["score", str(cut), "--out", str(out), *FAKE]) == 0
    r = read_result(out / "cut.json")
    assert 20 < r.num_frames < 100 and len(r.frame_scores) == r.num_frames
    assert any("container reports 100 frames" in w for w in r.provenance.warnings)


@pytest.mark.slow
def test_cli_scores_good_videos_and_reports_each_bad_one(tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    paths = [CASES[c][0](bad) for c in ("not a video", "audio only", "truncated")]
    good = shutil.copy(VIDEOS / "carphone_pristine.mp4", tmp_path / "good.mp4")
    out = tmp_path / "out"
    argv = ["score", str(paths[0]), str(good), str(paths[1]), str(paths[2]), "--out", str(out)]
    assert main(argv + FAKE) == 1
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("zsvad: error:")]
    assert len(errors) == 3
    for p, line in zip(paths, errors):
        assert str(p) in line
    assert sorted(f.name for f in out.glob("*.json")) == ["good.json"]
    assert read_result(out / "good.json").num_frames == 120
    summary = (out / "summary.csv").read_text()
    assert summary.count(",error,") == 3 and "good,ok" in summary


def test_cli_needs_videos_or_captions(tmp_path, capsys):
    assert main(["score", "--out", str(tmp_path)]) == 2
    assert "nothing to score" in capsys.readouterr().err
