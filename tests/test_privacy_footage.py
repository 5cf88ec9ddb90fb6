"""Anonymisation on real footage with a frontal face (``carphone_pristine.mp4``): report
keyframes and alert keyframes hold no face the detector finds in the raw frames, the blur covers
each detected box, ``--no-anonymize`` keeps the faces, and results are the same either way."""

from __future__ import annotations

import base64
import io
import json
import re

import numpy as np
import pytest
from data_paths import VIDEOS
from report_helpers import make_result

from zsvad.config.privacy import PrivacyConfig
from zsvad.configure import load_config

pytest.importorskip("cv2")
CARPHONE = VIDEOS / "carphone_pristine.mp4"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CARPHONE.is_file(), reason="no sample video"),
]
FAKES = ["captioner.backend=fake_alarm", "image_embedder.backend=null", "video.cache=false"]
FAKES += ["audio.backend=null", "video.resize=null"]


def _images(html: str) -> dict[int, np.ndarray]:
    """The page's keyframes by frame number, decoded."""
    from PIL import Image

    found = re.findall(r'<img src="data:image/jpeg;base64,([^"]+)" alt="frame (\d+)"', html)
    return {
        int(f): np.asarray(Image.open(io.BytesIO(base64.b64decode(uri))).convert("RGB"))
        for uri, f in found
    }


def _detail(img: np.ndarray) -> float:
    a = img.astype(np.int32)
    return float(np.abs(np.diff(a, axis=0)).mean() + np.abs(np.diff(a, axis=1)).mean())


def test_report_keyframes_hold_no_face_the_detector_finds(tmp_path):
    from zsvad.backends.face_opencv import HaarDetector
    from zsvad.privacy.anonymize import Anonymizer
    from zsvad.report import build_report
    from zsvad.video import read_frames

    result = make_result("carphone", 30000 / 1001, 120, ((0, 59),), source=str(CARPHONE))
    detect = HaarDetector().detect
    on = build_report([result], tmp_path / "on").pages[0].read_text()
    off = build_report([result], tmp_path / "off", privacy=PrivacyConfig(anonymize=False))
    off_html = off.pages[0].read_text()
    blurred, raw_thumbs = _images(on), _images(off_html)
    assert sorted(blurred) == sorted(raw_thumbs) == [0, 29, 58]  # peak ±1 s, in the segment
    with_face = 0
    for frame, image in blurred.items():
        raw = read_frames(CARPHONE, [frame])[0]  # the frame at full resolution
        faces = detect(raw)
        with_face += bool(faces)
        assert detect(image) == [], f"frame {frame}: a face is left in the written keyframe"
        _, outcome = Anonymizer().apply(raw)
        scale = image.shape[0] / raw.shape[0]
        for x, y, w, h in faces:  # the blur covers each detected box (padded around it)
            assert any(
                bx <= x and by <= y and x + w <= bx + bw and y + h <= by + bh
                for bx, by, bw, bh in outcome.boxes
            )
            box = (slice(round(y * scale), round((y + h) * scale)),
                   slice(round(x * scale), round((x + w) * scale)))  # fmt: skip
            assert _detail(image[box]) < 0.25 * _detail(raw_thumbs[frame][box])
    assert with_face >= 2  # the test means something: the raw frames show the face
    assert sum(bool(detect(img)) for img in raw_thumbs.values()) >= 2  # --no-anonymize: there
    assert "Keyframes anonymised: faces found by the haar detector are blurred" in on
    assert "Keyframes are not anonymised" in off_html
    assert "Keyframes anonymised" in (tmp_path / "on" / "index.html").read_text()


def test_scores_are_the_same_with_and_without_anonymisation(tmp_path, capsys):
    from zsvad.cli.main import main
    from zsvad.results.io import read_result

    args = ["score", str(CARPHONE), "--profile", "tiny", "--report", "--quiet"]
    for opt in FAKES + ["captioner.options={alarm: [[0, 2]]}"]:
        args += ["--set", opt]
    assert main([*args, "--out", str(tmp_path / "on")]) == 0
    assert main([*args, "--out", str(tmp_path / "off"), "--no-anonymize"]) == 0
    on, off = (read_result(tmp_path / d / "carphone_pristine.json") for d in ("on", "off"))
    for part in ("frame_scores", "segments", "windows", "events"):
        a = json.dumps(on.model_dump(mode="json")[part], sort_keys=True)
        assert a == json.dumps(off.model_dump(mode="json")[part], sort_keys=True), part
    assert on.segments  # the alarm made a segment: its keyframes are on the page
    assert on.provenance.config_hash == off.provenance.config_hash
    assert on.provenance.config["privacy"]["anonymize"] is True  # the choice is recorded
    assert off.provenance.config["privacy"]["anonymize"] is False
    page = (tmp_path / "on" / "report" / "carphone_pristine.html").read_text()
    assert "Keyframes anonymised" in page
    assert "not anonymised" in (tmp_path / "off" / "report" / "carphone_pristine.html").read_text()


def test_alert_keyframes_are_anonymised_and_owner_only(tmp_path):
    from PIL import Image

    from zsvad.backends.face_opencv import HaarDetector
    from zsvad.live.runner import Watch, WatchOptions
    from zsvad.live.sources import parse_sources

    one_s = ["video.clip_seconds=1", "video.stride_seconds=1", "live.smoothing=none"]
    one_s += ["captioner.options={alarm: [[0, 1]]}"]
    faces = {}
    for anonymize in (True, False):
        cfg = load_config("tiny", overrides=[*FAKES, *one_s, f"privacy.anonymize={anonymize}"])
        out = tmp_path / str(anonymize)
        Watch(cfg, parse_sources([f"cam={CARPHONE}"]), WatchOptions(out_dir=out)).run()
        lines = (out / "alerts.jsonl").read_text().splitlines()
        [closed] = [e for e in map(json.loads, lines) if e["event"] == "alert_close"]
        path = out / "cam" / "keyframes" / f"{closed['alert_id']}.jpg"
        assert closed["keyframe"] == str(path)
        assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
        faces[anonymize] = HaarDetector().detect(np.asarray(Image.open(path).convert("RGB")))
        said = "1 face(s) blurred" if anonymize else "not anonymised"
        assert closed["keyframe_privacy"] == said
    assert faces == {True: [], False: faces[False]} and len(faces[False]) == 1


def test_a_report_whose_detection_fails_blurs_its_keyframes_whole(tmp_path, monkeypatch):
    from zsvad.backends import face_opencv
    from zsvad.report import build_report

    def broken(self, frame):
        raise RuntimeError("cascade exploded")

    result = make_result("carphone", 30000 / 1001, 120, ((0, 59),), source=str(CARPHONE))
    raw = _images(
        build_report([result], tmp_path / "raw", privacy=PrivacyConfig(anonymize=False))
        .pages[0]
        .read_text()
    )
    detect = face_opencv.HaarDetector().detect  # bound before the detector breaks
    monkeypatch.setattr(face_opencv.HaarDetector, "detect", broken)
    html = build_report([result], tmp_path / "rep").pages[0].read_text()
    blurred = _images(html)
    assert sorted(blurred) == sorted(raw) == [0, 29, 58]
    for frame, image in blurred.items():
        assert _detail(image) < 0.3 * _detail(raw[frame])  # the whole image, not a box
        assert detect(raw[frame])  # there was a face to hide
    assert html.count("blurred whole (face detection failed: cascade exploded)") == 3  # captions
    assert "3 image(s) blurred whole because face detection failed: cascade exploded" in html
