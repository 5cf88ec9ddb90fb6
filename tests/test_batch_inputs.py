"""Batch inputs (directory, glob, manifests) and content keys."""

from __future__ import annotations

import os

import pytest

from zsvad.batch.inputs import discover_inputs
from zsvad.batch.keys import content_hash, job_key
from zsvad.errors import InputError
from zsvad.hashing import SAMPLE


def _touch(path, text="x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_directory_is_recursive_and_ids_stay_unique(tmp_path):
    _touch(tmp_path / "a.mp4")
    _touch(tmp_path / "cam1" / "0001.mp4")
    _touch(tmp_path / "cam2" / "0001.MKV")
    _touch(tmp_path / "notes.txt")
    items = discover_inputs(tmp_path)
    assert [i.video_id for i in items] == ["a", "cam1/0001", "cam2/0001"]
    assert all(i.path.is_file() for i in items)


def test_glob(tmp_path):
    _touch(tmp_path / "x" / "one.mp4")
    _touch(tmp_path / "y" / "two.mp4")
    _touch(tmp_path / "y" / "two.avi")
    items = discover_inputs(f"{tmp_path}/**/*.mp4")
    assert [i.video_id for i in items] == ["one", "two"]


def test_text_manifest_relative_to_its_folder(tmp_path):
    _touch(tmp_path / "v" / "a.mp4")
    man = _touch(tmp_path / "list.txt", "# archive\nv/a.mp4\n\n/abs/b.mp4\n")
    items = discover_inputs(man)
    assert [str(i.path) for i in items] == [str(tmp_path / "v" / "a.mp4"), "/abs/b.mp4"]


def test_csv_manifest_keeps_ids_and_ground_truth(tmp_path):
    man = _touch(
        tmp_path / "m.csv",
        "video_path,video_id,label,status\nv/a.mp4,Robbery102,Robbery,test\nv/b.mp4,,Normal,x\n",
    )
    items = discover_inputs(man)
    assert [i.video_id for i in items] == ["Robbery102", "b"]
    assert items[0].extra == {"label": "Robbery", "status": "test"}


def test_parquet_manifest_and_path_column(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"clip": ["a.mp4", "b.mp4"], "gt": [1, 0]}), tmp_path / "m.parquet")
    items = discover_inputs(tmp_path / "m.parquet", path_column="clip")
    assert [i.video_id for i in items] == ["a", "b"] and items[0].extra == {"gt": "1"}
    with pytest.raises(InputError, match="no 'path' column"):
        discover_inputs(tmp_path / "m.parquet", path_column="path")


def test_bad_inputs_name_the_problem(tmp_path):
    with pytest.raises(InputError, match="input not found"):
        discover_inputs(tmp_path / "missing")
    with pytest.raises(InputError, match="nor a manifest"):
        discover_inputs(_touch(tmp_path / "x.doc"))
    with pytest.raises(InputError, match="no 'path or video_path"):
        discover_inputs(_touch(tmp_path / "m.csv", "name\na.mp4\n"))


def test_content_hash_follows_content_not_name(tmp_path):
    a = _touch(tmp_path / "a.mp4", "same bytes")
    b = _touch(tmp_path / "b.mp4", "same bytes")
    c = _touch(tmp_path / "c.mp4", "other bytes")
    assert content_hash(a) == content_hash(b) != content_hash(c)
    assert content_hash(a, "full") != content_hash(a, "fast")  # modes never share keys
    assert job_key(content_hash(a), "cfg1") != job_key(content_hash(a), "cfg2")


def test_fast_hash_samples_large_files(tmp_path):
    size = 5 * SAMPLE
    data = bytearray(os.urandom(size))
    big = tmp_path / "big.mp4"
    big.write_bytes(bytes(data))
    base_fast, base_full = content_hash(big), content_hash(big, "full")
    data[SAMPLE + 10] ^= 0xFF  # outside the three samples
    big.write_bytes(bytes(data))
    assert content_hash(big) == base_fast and content_hash(big, "full") != base_full
    data[size // 2] ^= 0xFF  # inside the middle sample
    big.write_bytes(bytes(data))
    assert content_hash(big) != base_fast


def test_unreadable_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read file"):
        content_hash(tmp_path / "gone.mp4")
