"""``captions import`` and ``memory validate`` on hostile folders (issue 29): fifos and other
special files are skipped with a warning, never opened; deeply nested JSON is a one-line error;
one bad file does not fail the folder (reported, the others imported, exit status 1);
non-finite fps is refused, never written as ``Infinity`` / ``NaN``."""

from __future__ import annotations

import json
import os
import socket
import threading

import pytest
from memory_helpers import write_memory

from zsvad.cli.main import main
from zsvad.errors import InputError
from zsvad.io.captions import read_captions
from zsvad.io.captions_import import import_captions
from zsvad.jsonl import MAX_JSON_DEPTH, read_json_file


def _run_bounded(argv, seconds=20):
    """``main(argv)`` in a thread that must end within ``seconds`` (a blocking open hangs)."""
    out = {}
    t = threading.Thread(target=lambda: out.setdefault("code", main(argv)), daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"{argv} did not end in {seconds} s"
    return out["code"]


def _folder(tmp_path):
    d = tmp_path / "caps"
    d.mkdir()
    (d / "A.json").write_text(json.dumps({"0": "A man walks.", "16": "He runs."}))
    (d / "C.json").write_text(json.dumps({"0": "A quiet street."}))
    return d


def _import(d, out, fps="16"):
    argv = ["captions", "import", str(d), "--format", "urf", f"--fps={fps}", "--out", str(out)]
    return _run_bounded(argv)


def test_fifo_and_socket_are_skipped_with_a_warning(tmp_path, capsys):
    d = _folder(tmp_path)
    os.mkfifo(d / "B.json")  # opening it for reading would block forever
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(d / "S.json"))
    (d / "D.json").mkdir()
    out = tmp_path / "c.jsonl"
    try:
        assert _import(d, out) == 0
    finally:
        sock.close()
    err = capsys.readouterr().err
    assert "B.json: a fifo, skipped" in err and "S.json: a socket, skipped" in err
    assert "D.json: a folder, skipped" in err
    assert set(read_captions(out).videos) == {"A", "C"}


@pytest.mark.parametrize(
    "content",
    [
        "[" * 100_000,
        '{"0": ' + "[" * 5000 + "]" * 5000 + "}",
        '{"0": {"1": ' * (MAX_JSON_DEPTH + 5) + '"x"' + "}" * (MAX_JSON_DEPTH + 6),
        '{"0": "a", "16": ' + "9" * 5000 + "}",
        "\xff\xfe not text",
        '["a list"]',
        '{"0": 5}',
    ],
    ids=["100k-deep", "5000-deep", "past-depth", "huge-int", "not-utf8", "list", "number"],
)
def test_one_bad_file_is_reported_and_the_others_imported(tmp_path, capsys, content):
    d = _folder(tmp_path)
    (d / "B.json").write_bytes(content.encode("utf-8", "surrogateescape"))
    if content.startswith("\xff"):
        (d / "B.json").write_bytes(b"\xff\xfe not text")
    out = tmp_path / "c.jsonl"
    assert _import(d, out) == 1  # some failed
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if "B.json" in ln]
    assert len(lines) == 1 and lines[0].startswith("zsvad: error: ") and "Traceback" not in err
    assert set(read_captions(out).videos) == {"A", "C"}


def test_nesting_is_bounded_below_the_recursion_limit(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    with pytest.raises(InputError, match=f"nested deeper than {MAX_JSON_DEPTH}"):
        read_json_file(path)
    path.write_text("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    assert read_json_file(path) is not None


def test_a_single_bad_file_is_still_a_one_line_error(tmp_path):
    d = tmp_path / "caps"
    d.mkdir()
    (d / "V.json").write_text("[" * 100_000)
    with pytest.raises(InputError, match="V.json: JSON nested deeper"):
        import_captions(d, "urf", 30.0)


@pytest.mark.parametrize("fps", ["inf", "-inf", "nan", "1e999", "0", "-5", "1e9"])
def test_non_finite_or_absurd_fps_is_refused_and_writes_nothing(tmp_path, capsys, fps):
    d = _folder(tmp_path)
    out = tmp_path / "c.jsonl"
    assert _import(d, out, fps) == 2
    err = capsys.readouterr().err.strip()
    assert "--fps must be" in err and err.count("\n") == 0
    assert not out.exists()


def test_fifo_test_list_is_refused_without_blocking(tmp_path, capsys):
    d = _folder(tmp_path)
    os.mkfifo(tmp_path / "test.txt")
    argv = ["captions", "import", str(d), "--format", "urf", "--fps", "16"]
    argv += ["--out", str(tmp_path / "c.jsonl"), "--list", str(tmp_path / "test.txt")]
    assert _run_bounded(argv) == 2
    assert "test.txt" in capsys.readouterr().err


# --- memory validate -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        ("[" * 100_000, "nested deeper"),
        ('{"a": ' * 100 + "1" + "}" * 100, "nested deeper"),
        ("[1, 2]", "expected a JSON object, got list"),
        ('{"counts": [1, 2], "content_hash": null}', None),
        ('{"name": "m", "x": ' + "9" * 5000 + "}", "integer of"),
    ],
)
def test_memory_validate_reports_a_bad_manifest_and_checks_the_rest(
    tmp_path, capsys, manifest, problem
):
    d = write_memory(tmp_path / "m", extra="a man fights a guard")  # a duplicate caption
    (d / "manifest.json").write_text(manifest)
    assert _run_bounded(["memory", "validate", str(d)]) == 1
    out = capsys.readouterr().out
    assert "1 duplicate caption(s)" in out and "Traceback" not in out
    if problem:
        (line,) = [ln for ln in out.splitlines() if "manifest.json" in ln]
        assert problem in line


def test_memory_validate_and_load_never_open_a_fifo_manifest(tmp_path, capsys):
    from zsvad.memory.store import load_memory

    d = write_memory(tmp_path / "m")
    os.mkfifo(d / "manifest.json")
    os.mkfifo(d / "README.md")
    assert _run_bounded(["memory", "validate", str(d)]) == 1
    out = capsys.readouterr().out
    assert "manifest.json: not a regular file (fifo" in out and "no README.md card" in out
    with pytest.raises(InputError, match="manifest.json"):
        load_memory(str(d))


def test_memory_validate_reports_each_bad_extra_file(tmp_path, capsys):
    d = write_memory(tmp_path / "m")
    bad, fifo = tmp_path / "bad.jsonl", tmp_path / "fifo.jsonl"
    bad.write_text("[" * 100_000 + "\n")
    os.mkfifo(fifo)
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"text": "a car burns", "label": "anomalous"}) + "\n")
    argv = ["memory", "validate", str(d), "--set", f"memory.extra_files=[{bad},{fifo},{good}]"]
    assert _run_bounded(argv) == 1
    out = capsys.readouterr().out
    assert "bad.jsonl:1" in out and "fifo.jsonl" in out and "extra file " + str(good) in out
