"""Hostile ground truth (issue 29, family "eval input"): negative frame numbers and a video
listed twice with other values are one-line errors naming file and line; a ``.npy`` whose
header claims a huge shape is refused before anything is allocated."""

from __future__ import annotations

import numpy as np
import pytest

from zsvad.errors import InputError
from zsvad.eval.annotations import read_annotations, read_label_array


@pytest.mark.parametrize(
    ("fmt", "line"),
    [
        ("ucf", "A.mp4 Fighting -5 -2 -1 -1"),
        ("ucf", "A.mp4 Fighting 10 -3 -1 -1"),
        ("multi", "A.mp4 Fighting,Riot 10 20 -7 -4"),
        ("xd-list", "A.mp4 -30 -10"),
    ],
)
def test_negative_frame_numbers_are_an_error_naming_the_line(tmp_path, fmt, line):
    path = tmp_path / "gt.txt"
    path.write_text(f"B.mp4 Normal -1 -1 -1 -1\n{line}\n" if fmt == "ucf" else f"{line}\n")
    with pytest.raises(InputError, match="negative frame number|bad interval") as info:
        read_annotations(path, fmt)
    assert str(path) in str(info.value) and ":" in str(info.value)
    assert "\n" not in str(info.value)


def test_minus_one_pairs_still_mean_none(tmp_path):
    path = tmp_path / "gt.txt"
    path.write_text("A.mp4 Fighting 10 20 -1 -1\nB.mp4 Normal -1 -1 -1 -1\n")
    gt = read_annotations(path, "ucf")
    assert gt["A"].intervals == ((10, 20),) and gt["B"].intervals == ()


def test_conflicting_duplicate_rows_are_an_error_naming_both_lines(tmp_path):
    path = tmp_path / "gt.txt"
    path.write_text(
        "A.mp4 Fighting 10 20 -1 -1\nB.mp4 Normal -1 -1 -1 -1\nA.mp4 Normal -1 -1 -1 -1\n"
    )
    with pytest.raises(InputError, match=r"gt.txt:3: .*'A' is listed again.*line 1"):
        read_annotations(path, "ucf")


def test_identical_duplicate_rows_are_kept_once(tmp_path):
    path = tmp_path / "gt.txt"
    path.write_text("A.mp4 Fighting 10 20 -1 -1\nA Fighting 10 20 -1 -1\n")
    assert list(read_annotations(path, "ucf")) == ["A"]


def test_duplicate_rows_of_a_lavad_list_are_an_error(tmp_path):
    temporal = tmp_path / "t.txt"
    temporal.write_text("A.mp4 Fighting 10 20 -1 -1\n")
    lst = tmp_path / "test.txt"
    lst.write_text("A.mp4 0 99 1\nA.mp4 0 50 1\n")
    with pytest.raises(InputError, match=r"test.txt:2: .*listed again"):
        read_annotations(lst, "lavad", temporal=temporal)


def _npy_with_header(path, shape, dtype="<i1", payload=b"\x00" * 16):
    header = {"descr": dtype, "fortran_order": False, "shape": shape}
    with open(path, "wb") as fh:
        np.lib.format.write_array_header_1_0(fh, header)
        fh.write(payload)


@pytest.mark.parametrize(
    ("shape", "dtype", "match"),
    [
        ((100_000_000_000,), "<i1", "over the limit"),  # ~93 GiB claimed, 16 bytes held
        ((1000, 1000, 1000), "<f8", "over the limit"),
        ((1000,), "<i1", "the file holds 16 bytes"),
        ((4,), "|O", "expected 0/1 numbers"),
    ],
)
def test_npy_header_claiming_a_huge_shape_is_refused_before_allocating(
    tmp_path, monkeypatch, shape, dtype, match
):
    d = tmp_path / "gt"
    d.mkdir()
    _npy_with_header(d / "A.npy", shape, dtype)

    def no_alloc(*a, **k):
        raise AssertionError("array allocated for a lying header")

    monkeypatch.setattr(np, "fromfile", no_alloc)
    with pytest.raises(InputError, match=match) as info:
        read_annotations(d, "npy")
    assert "A.npy" in str(info.value)


def test_npy_labels_that_fit_are_read(tmp_path):
    d = tmp_path / "gt"
    d.mkdir()
    np.save(d / "A.npy", np.array([0, 0, 1, 1, 0], np.int8))
    np.save(d / "B.npy", np.zeros(7, np.float32))
    gt = read_annotations(d, "npy")
    assert gt["A"].frame_labels.tolist() == [0, 0, 1, 1, 0] and not gt["B"].abnormal
    assert read_label_array(d / "A.npy").shape == (5,)


def test_npy_fifo_is_refused_not_opened(tmp_path):
    import os

    d = tmp_path / "gt"
    d.mkdir()
    os.mkfifo(d / "A.npy")
    with pytest.raises(InputError, match="A.npy"):
        read_annotations(d, "npy")
