"""Small ones (issue 14, class 8): errors are one line that names the file, control characters
in names cannot repaint the terminal, and a bad ``memory.name`` exits 2 like any config error."""

from __future__ import annotations

import pytest
from batch_helpers import SCORER, make_folder

from zsvad.cli.main import main
from zsvad.errors import one_line

MEMORY_NAMES = [
    "no-such-memory",
    "x" * 5000,  # "File name too long" from the OS
    "../../../../etc",
    "/dev/null",
    "a\tb",
]


@pytest.mark.parametrize("name", MEMORY_NAMES, ids=["missing", "long", "dotdot", "dev", "tab"])
def test_bad_memory_name_exits_2_with_one_line(tmp_path, capsys, name):
    caps = tmp_path / "c.jsonl"
    caps.write_text(
        '{"video_id": "v", "start": 0, "end": 2, "text": "a man runs", "fps": 10, '
        '"num_frames": 100}\n'
    )
    args = ["score", "--captions", str(caps), "--out", str(tmp_path / "o"), "--profile", "tiny"]
    assert main([*args, "--set", f"memory.name={name}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("zsvad: error: ")
    assert "memory" in err and len(err) < 400


def test_bad_memory_name_in_a_batch_exits_2(tmp_path, capsys):
    src = make_folder(tmp_path / "in", {"a.mp4": "ok 2"})
    args = ["batch", str(src), "--out", str(tmp_path / "o"), "--profile", "tiny"]
    args += ["--scorer", SCORER, "--runner", "serial", "--quiet", "--set", "memory.name=nope"]
    assert main(args) == 2
    assert "no memory named 'nope'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "text, shown",
    [
        ("a\x1b[31mred\x1b[0m", "a\\x1b[31mred\\x1b[0m"),
        ("line one\n  line two\r\nthree", "line one line two three"),
        ("bidi \u202eevil\u2066", "bidi \\u202eevil\\u2066"),
        ("sep\u2028x\x00", "sep\\u2028x\\x00"),
    ],
)
def test_one_line_escapes_control_characters(text, shown):
    assert one_line(text) == shown


def test_file_names_with_escapes_are_printed_escaped(tmp_path, capsys):
    evil = tmp_path / "a\x1b[2Jb.jsonl"
    assert main(["score", "--captions", str(evil), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "a\\x1b[2Jb.jsonl" in err and err.count("\n") == 1


def test_batch_error_lines_name_the_file(tmp_path, capsys):
    src = make_folder(tmp_path / "in", {"a.mp4": "ok 2", "boom.mp4": "raise", "bad.mp4": "bad"})
    args = ["batch", str(src), "--out", str(tmp_path / "o"), "--profile", "tiny"]
    assert main([*args, "--scorer", SCORER, "--runner", "serial", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert f"[score] {src / 'boom.mp4'}: RuntimeError: model exploded" in err
    assert f"[input] {src / 'bad.mp4'}: cannot decode" in err


@pytest.mark.parametrize(
    "content",
    [b"[" * 100_000, b'{"video_id": ' + b"7" * 5000 + b"}", b"\xff\xfe garbage", None],
    ids=["deep", "huge-int", "not-utf8", "fifo"],
)
def test_hostile_result_files_are_one_line_errors(tmp_path, content):
    import os

    from zsvad.errors import InputError
    from zsvad.results.io import read_result

    path = tmp_path / "v.json"
    if content is None:
        os.mkfifo(path)
    else:
        path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_result(path)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)


@pytest.mark.parametrize("kind", ["fifo", "not-utf8", "folder"])
def test_config_and_prompt_files_that_cannot_be_read_are_one_line_errors(tmp_path, kind):
    import os

    from zsvad.configure import load_config
    from zsvad.errors import ConfigError
    from zsvad.prompts import PromptError, load_prompt_file

    path = tmp_path / "x.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    else:
        path.write_bytes(b"a: \xff\xfe\n")
    with pytest.raises(ConfigError) as info:
        load_config(files=[path])
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)
    with pytest.raises(PromptError) as info:
        load_prompt_file(path)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)
