"""zsvad.hashing: one home for value and file hashes; cache keys made before it still match."""

from __future__ import annotations

import hashlib
import json

from zsvad.hashing import SAMPLE, content_hash, file_hash, stable_hash, tree_hash


def test_stable_hash_ignores_key_order_and_matches_earlier_cache_keys():
    value = {"video": "abc", "sampling": {"resize": None, "clip_seconds": 4.0}, "kind": "clip"}
    reordered = {"kind": "clip", "sampling": {"clip_seconds": 4.0, "resize": None}, "video": "abc"}
    assert stable_hash(value) == stable_hash(reordered) != stable_hash({**value, "kind": "x"})
    earlier = hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()
    assert stable_hash(value) == earlier and stable_hash(value, 20) == earlier[:20]


def test_file_hashes_follow_content(tmp_path):
    path = tmp_path / "m.bin"
    path.write_bytes(b"a" * 10)
    first = (file_hash(path), content_hash(path), tree_hash(tmp_path))
    path.write_bytes(b"b" * 11)
    second = (file_hash(path), content_hash(path), tree_hash(tmp_path))
    assert all(a != b for a, b in zip(first, second))
    assert file_hash(path) == hashlib.sha256(b"b" * 11).hexdigest()


def test_fast_hash_samples_big_files(tmp_path):
    path = tmp_path / "big.mp4"
    data = bytearray(4 * SAMPLE)
    path.write_bytes(bytes(data))
    fast, full = content_hash(path), content_hash(path, "full")
    data[SAMPLE + 10] = 1  # outside the three samples: only the full hash sees it
    path.write_bytes(bytes(data))
    assert content_hash(path) == fast and content_hash(path, "full") != full
