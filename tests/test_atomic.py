"""zsvad.atomic: the one writer; a failed write keeps the old file and leaves no temporary."""

from __future__ import annotations

import numpy as np
import pytest

from zsvad.atomic import atomic_path


def test_a_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "index.faiss"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("killed mid-write")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == [target.name]


def test_suffix_for_writers_that_add_an_extension(tmp_path):
    target = tmp_path / "sub" / "vectors.npz"
    with atomic_path(target, suffix=".tmp.npz") as tmp:
        assert tmp.parent == target.parent and tmp.name.startswith(".vectors.npz.")
        np.savez(tmp, v=np.arange(3))
    assert np.load(target)["v"].tolist() == [0, 1, 2]
    assert [p.name for p in target.parent.iterdir()] == ["vectors.npz"]
