"""Anonymisation of written images, on synthetic frames: no face (unchanged), a failed detection
(blurred whole), boxes (padded, covered), the missing extra, the YuNet detector's errors, file
modes, and the config's place outside results' identity."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
from report_helpers import make_result

from zsvad.backends.face_opencv import PLATE_CASCADES, HaarDetector, YuNetDetector
from zsvad.config.privacy import PrivacyConfig
from zsvad.configure import load_config
from zsvad.errors import ConfigError, MissingExtraError
from zsvad.identity import config_hash
from zsvad.privacy.anonymize import Anonymizer, pad_box
from zsvad.privacy.files import private_dir, private_file
from zsvad.privacy.images import ImagePrivacy, Tally, privacy_note

cv2 = pytest.importorskip("cv2")


def _gradient(h=120, w=160) -> np.ndarray:
    """A smooth colour gradient: nothing a face detector could take for a face."""
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 255 // w, y * 255 // h, (x + y) * 255 // (w + h)], -1).astype(np.uint8)


def _noise(h=120, w=160, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def _detail(img: np.ndarray) -> float:
    """Mean absolute difference of neighbouring pixels: high for texture, ~0 once blurred."""
    a = img.astype(np.int32)
    return float(np.abs(np.diff(a, axis=0)).mean() + np.abs(np.diff(a, axis=1)).mean())


def test_a_frame_without_a_face_is_written_unchanged():
    frame = _gradient()
    anon = Anonymizer()
    assert HaarDetector().detect(frame) == []  # the real detector finds nothing
    out, outcome = anon.apply(frame)
    assert np.array_equal(out, frame) and out is not frame
    assert (outcome.faces, outcome.boxes, outcome.whole) == (0, [], "")
    half = lambda f: f[::2, ::2]  # noqa: E731  the written image, made from the anonymised frame
    small, _ = anon.apply(frame, half)
    assert np.array_equal(small, half(frame))


def test_found_boxes_are_padded_and_blurred_and_nothing_else_changes():
    frame = _noise()
    anon = Anonymizer(PrivacyConfig(padding=0.25), detector=lambda f: [(40, 30, 40, 40)])
    out, outcome = anon.apply(frame)
    assert outcome.faces == 1 and outcome.boxes == [(30, 20, 60, 60)]  # 25 % more on each side
    x, y, w, h = outcome.boxes[0]
    inside, before = out[y : y + h, x : x + w], frame[y : y + h, x : x + w]
    assert _detail(inside) < 0.1 * _detail(before)  # the whole padded box, face box included
    outside = np.ones(frame.shape[:2], bool)
    outside[y : y + h, x : x + w] = False
    assert np.array_equal(out[outside], frame[outside])
    pixelated, _ = Anonymizer(PrivacyConfig(method="pixelate"), detector=anon.detect_faces).apply(
        frame
    )
    region = pixelated[y : y + h, x : x + w]
    assert len(np.unique(region.reshape(-1, 3), axis=0)) <= 64  # a few flat cells


def test_pad_box_is_clipped_to_the_frame():
    assert pad_box((0, 0, 10, 10), 0.5, 100, 80) == (0, 0, 15, 15)
    assert pad_box((95, 75, 10, 10), 0.0, 100, 80) == (95, 75, 5, 5)
    assert pad_box((200, 200, 10, 10), 0.25, 100, 80) is None


def test_a_failed_detection_blurs_the_frame_whole():
    def broken(frame):
        raise RuntimeError("detector crashed\nwith a second line")

    frame = _noise(seed=1)
    anon = Anonymizer(detector=broken)
    out, outcome = anon.apply(frame)
    assert outcome.whole == "face detection failed: detector crashed with a second line"
    assert out.shape == frame.shape and _detail(out) < 0.05 * _detail(frame)
    small, outcome = anon.apply(frame, lambda f: f[::2, ::2])  # the written image: blurred too
    assert small.shape == (60, 80, 3) and outcome.whole and _detail(small) < 0.1 * _detail(frame)
    tally = Tally()
    tally.add(outcome)
    note = privacy_note(anon, tally)
    assert "1 image(s) blurred whole because face detection failed: detector crashed" in note


def test_the_missing_extra_is_named(monkeypatch, tmp_path):
    from zsvad.report import build_report

    monkeypatch.setitem(sys.modules, "cv2", None)  # import cv2 now fails as if not installed
    with pytest.raises(MissingExtraError, match=r"pip install 'zsvad\[privacy\]'"):
        Anonymizer()
    with pytest.raises(MissingExtraError, match="face anonymisation"):
        HaarDetector()
    # a report fails before writing anything rather than show raw faces...
    with pytest.raises(MissingExtraError, match=r"zsvad\[privacy\]"):
        build_report([make_result()], tmp_path / "rep")
    assert not (tmp_path / "rep").exists()
    # ...and needs no detector when told not to anonymise, or to write no keyframes
    assert build_report([make_result()], tmp_path / "a", privacy=PrivacyConfig(anonymize=False))
    assert build_report([make_result()], tmp_path / "b", thumbnails=False)


def test_the_missing_extra_on_the_command_line(monkeypatch, tmp_path, capsys):
    from zsvad.cli.main import main
    from zsvad.results.io import write_result

    monkeypatch.setitem(sys.modules, "cv2", None)
    path = write_result(make_result(), tmp_path)
    code = main(["report", str(path), "--out", str(tmp_path / "rep")])
    err = capsys.readouterr().err
    assert code != 0 and "zsvad[privacy]" in err and "Traceback" not in err
    assert main(["report", str(path), "--out", str(tmp_path / "r2"), "--no-anonymize"]) == 0


def test_the_missing_extra_stops_score_and_watch_before_any_work(
    monkeypatch, tmp_path, capsys, write_captions
):
    from caption_rows import three_videos

    from zsvad.cli.main import main
    from zsvad.live.runner import Watch, WatchOptions
    from zsvad.live.sources import parse_sources

    monkeypatch.setitem(sys.modules, "cv2", None)
    caps = write_captions(three_videos())
    out = tmp_path / "out"
    args = ["score", "--captions", str(caps), "--out", str(out), "--profile", "tiny"]
    assert main([*args, "--report"]) != 0
    assert "zsvad[privacy]" in capsys.readouterr().err
    assert not out.exists()  # nothing scored, rather than a report that fails at the end
    assert main([*args, "--report", "--no-anonymize"]) == 0
    assert (out / "report" / "index.html").is_file()
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not decoded before the models load")
    with pytest.raises(MissingExtraError, match=r"zsvad\[privacy\]"):
        Watch(load_config("tiny"), parse_sources([str(video)]), WatchOptions(tmp_path / "w"))


def test_yunet_needs_a_readable_model_file(tmp_path):
    with pytest.raises(ConfigError, match="needs its ONNX model file"):
        YuNetDetector()
    with pytest.raises(ConfigError, match="missing.onnx: YuNet model file not found"):
        YuNetDetector(tmp_path / "missing.onnx")
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not an onnx model at all")
    with pytest.raises(ConfigError, match="junk.onnx: not a YuNet ONNX model OpenCV can load"):
        YuNetDetector(junk)
    with pytest.raises(ConfigError, match="junk.onnx"):  # through the config, as a user sets it
        Anonymizer(PrivacyConfig(detector="yunet", model=str(junk)))
    with pytest.raises(ConfigError, match="unknown face_detector backend 'nope'"):
        Anonymizer(PrivacyConfig(detector="nope"))


def test_plate_mode_uses_the_cascade_shipped_with_opencv():
    from pathlib import Path

    assert (Path(cv2.data.haarcascades) / PLATE_CASCADES[0]).is_file()
    anon = Anonymizer(PrivacyConfig(plates=True))
    assert anon.detect_plates is not None and "licence plates" in anon.describe()
    out, outcome = anon.apply(_gradient())
    assert (outcome.faces, outcome.plates) == (0, 0) and np.array_equal(out, _gradient())
    assert Anonymizer().detect_plates is None


def test_owner_only_files_and_folders(tmp_path):
    old = os.umask(0o022)
    try:
        new = private_dir(tmp_path / "a" / "b")
        assert new.stat().st_mode & 0o777 == 0o700
        given = tmp_path / "mine"
        given.mkdir(mode=0o755)
        private_dir(given)  # a folder that already existed keeps its permissions
        assert given.stat().st_mode & 0o777 == 0o755
        f = new / "x.jpg"
        f.write_bytes(b"x")
        assert private_file(f).stat().st_mode & 0o777 == 0o600
        g = tmp_path / "y.jpg"
        g.write_bytes(b"y")
        assert private_file(g, owner_only=False).stat().st_mode & 0o777 == 0o644
        assert private_dir(tmp_path / "c", owner_only=False).stat().st_mode & 0o777 == 0o755
    finally:
        os.umask(old)


def test_report_files_are_owner_only_unless_asked(tmp_path):
    from zsvad.report import build_report

    old = os.umask(0o022)
    try:
        rep = build_report([make_result()], tmp_path / "rep")
        assert (tmp_path / "rep").stat().st_mode & 0o777 == 0o700
        assert rep.pages[0].stat().st_mode & 0o777 == 0o600
        shared = PrivacyConfig(owner_only=False)
        rep = build_report([make_result()], tmp_path / "shared", privacy=shared)
        assert (tmp_path / "shared").stat().st_mode & 0o777 == 0o755
        assert rep.pages[0].stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(old)


def test_privacy_is_recorded_but_not_part_of_a_results_identity():
    base = load_config("tiny")
    off = load_config("tiny", overrides=["privacy.anonymize=false", "privacy.plates=true"])
    assert config_hash(base) == config_hash(off)
    assert off.model_dump()["privacy"]["anonymize"] is False  # what provenance.config holds


def test_pages_say_whether_keyframes_are_anonymised():
    assert "not anonymised" in privacy_note(None)
    images = ImagePrivacy(Anonymizer())
    assert images.note().startswith("Keyframes anonymised: faces found by the haar detector")


def test_profile_cascades_can_be_left_out():
    both = HaarDetector()
    frontal = HaarDetector(profiles=False)
    assert len(both.cascades) == 2 and len(frontal.cascades) == 1
    assert [m for _, m in both.cascades] == [False, True]  # the profile one also runs mirrored
    assert len(Anonymizer(PrivacyConfig(profiles=False)).detect_faces.__self__.cascades) == 1


def _yunet_shaped_model(path, size=320, cell=(5, 7)):
    """An ONNX model with YuNet's inputs and outputs (``cls_8`` … ``kps_32``) that "finds" one
    32-pixel face at stride-8 ``cell`` (row, column) of a ``size``² frame, whatever it is shown:
    the real model cannot be downloaded here, this drives cv2.FaceDetectorYN's own decoding."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    arrays = {"zero": np.zeros(1, np.float32), "shape": np.array([1, 1, 1], np.int64)}
    nodes = [
        helper.make_node("ReduceMean", ["input"], ["mean"], keepdims=1),
        helper.make_node("Mul", ["mean", "zero"], ["nil"]),
        helper.make_node("Reshape", ["nil", "shape"], ["z"]),  # ties every output to the input
    ]
    outputs = []
    for kind, width in (("cls", 1), ("obj", 1), ("bbox", 4), ("kps", 10)):
        for stride in (8, 16, 32):
            side = size // stride
            value = np.zeros((1, side * side, width), np.float32)
            if stride == 8 and kind in ("cls", "obj"):
                value[0, cell[0] * side + cell[1], 0] = 0.95
            if stride == 8 and kind == "bbox":
                value[0, :, 2:] = np.log(4.0)  # width and height 4 strides: 32 px
            name = f"{kind}_{stride}"
            arrays[name + "_value"] = value
            nodes.append(helper.make_node("Add", [name + "_value", "z"], [name]))
            outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, value.shape))
    inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, size, size])]
    inits = [numpy_helper.from_array(a, n) for n, a in arrays.items()]
    model = helper.make_model(
        helper.make_graph(nodes, "yunet_shaped", inputs, outputs, inits),
        opset_imports=[helper.make_opsetid("", 13)],
    )
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def test_yunet_boxes_come_back_in_frame_pixels_and_are_blurred(tmp_path):
    model = _yunet_shaped_model(tmp_path / "yunet.onnx")
    frame = _noise(320, 320)
    assert YuNetDetector(model).detect(frame) == [(40, 24, 32, 32)]  # centre (56, 40), 32 px
    anon = Anonymizer(PrivacyConfig(detector="yunet", model=str(model), padding=0.25))
    out, outcome = anon.apply(frame)
    assert outcome.faces == 1 and outcome.boxes == [(32, 16, 48, 48)]
    assert _detail(out[16:64, 32:80]) < 0.1 * _detail(frame[16:64, 32:80])
    assert np.array_equal(out[100:], frame[100:])
    assert "yunet detector" in anon.describe()
