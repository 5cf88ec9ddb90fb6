"""Hostile captions files: one-line errors naming file:line, bounded time and memory
(issue 14, class 2: resource bombs in captions and memory JSONL)."""

from __future__ import annotations

import json
import os
import resource
import time

import pytest
from caption_rows import caption

from zsvad.errors import InputError
from zsvad.io.captions import read_captions
from zsvad.jsonl import MAX_LINE_BYTES
from zsvad.memory.store import read_entries

GOOD = json.dumps(caption("good"))


def _bounded(call):
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.monotonic()
    out = call()
    assert time.monotonic() - t0 < 10
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024 < 150
    return out


LINE_BOMBS = {
    "5000-digit integer": (
        GOOD[:-1] + ', "extra": ' + "9" * 5000 + "}",
        "integer of 5000 digits",
    ),
    "5000-digit num_frames": (
        GOOD.replace('"num_frames": 100', '"num_frames": ' + "1" * 5000),
        "integer of 5000 digits",
    ),
    "100k-deep nesting": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "deep nesting in a field": (GOOD[:-1] + ', "x": ' + "{" * 100_000 + "}", "malformed JSON"),
    "NaN": (GOOD.replace('"start": 0.0', '"start": NaN'), "NaN is not a number"),
    "1e999": (GOOD.replace('"start": 0.0', '"start": 1e999'), "is not finite"),
    "line of 5 MB": (
        GOOD[:-1] + ', "pad": "' + "x" * (5 << 20) + '"}',
        f"line longer than {MAX_LINE_BYTES} bytes",
    ),
    "not UTF-8": (GOOD.replace("A man walks", "A man \udcff walks"), "not UTF-8"),
}


@pytest.mark.parametrize("name", list(LINE_BOMBS))
def test_line_bombs_are_one_line_errors_with_file_and_line(tmp_path, name):
    line, message = LINE_BOMBS[name]
    path = tmp_path / "captions.jsonl"
    data = (GOOD + "\n" + line + "\n").encode("utf-8", "surrogateescape")
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        _bounded(lambda: read_captions(path))
    text = str(info.value)
    assert text.startswith(f"{path}:2: ") and message in text and "\n" not in text
    assert len(text) < 300


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"num_frames": 10**12}, "num_frames 1000000000000 is over the limit"),
        ({"num_frames": 10**19, "fps": 30}, "is over the limit"),
        ({"fps": 10**9}, "fps 1000000000 is over the limit"),
        ({"start": 1e308, "end": 1.7e308}, "lies outside the video"),
        ({"start": -(10**19), "end": 10**19}, "lies outside the video"),
        ({"start": 1e-320, "end": 5e-324}, "empty or reversed"),
    ],
)
def test_absurd_numbers_fail_only_their_video(write_captions, fields, message):
    bad = caption("bad") | fields
    path = write_captions([caption("good"), bad, caption("good", 2, 4, "more")])
    got = _bounded(lambda: read_captions(path))
    assert list(got.videos) == ["good"]
    err = str(got.errors["bad"])
    assert err.startswith(f"{path}:2: video 'bad': ") and message in err


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "captions.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        _bounded(lambda: read_captions(fifo))
    with pytest.raises(InputError, match="not a regular file"):
        _bounded(lambda: read_entries(fifo))


def test_memory_captions_split_on_newline_only_and_refuse_bombs(tmp_path):
    path = tmp_path / "captions.jsonl"
    row = {"text": "a man\u2028walks", "label": "normal"}
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    entries, _ = read_entries(path)
    assert [e.text for e in entries] == ["a man\u2028walks"]
    path.write_text(json.dumps(row) + "\n" + "[" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"captions.jsonl:2: JSON nested too deeply"):
        read_entries(path)
