"""zsvad.paths.read_text_file: one way to read a small text input, every failure one line naming
the file, in the error class of the caller."""

from __future__ import annotations

import os

import pytest

from zsvad.errors import ConfigError, InputError
from zsvad.paths import read_text_file


def test_reads_utf8_text(tmp_path):
    f = tmp_path / "a.yaml"
    f.write_text("name: café\n", encoding="utf-8")
    assert read_text_file(f, "config file", ConfigError) == "name: café\n"


@pytest.mark.parametrize(
    "make, problem",
    [
        (lambda p: None, "config file not found"),
        (lambda p: p.mkdir(), "is a folder"),
        (lambda p: os.mkfifo(p), "not a regular file"),
        (lambda p: p.write_bytes(b"\xff\xfe bad"), "config file is not UTF-8 text"),
    ],
)
def test_every_failure_is_one_line_in_the_callers_class(tmp_path, make, problem):
    f = tmp_path / "x.yaml"
    make(f)
    with pytest.raises(ConfigError, match=problem) as info:
        read_text_file(f, "config file", ConfigError)
    assert str(info.value).startswith(str(f)) and "\n" not in str(info.value)
    with pytest.raises(InputError):  # the default class
        read_text_file(f, "config file")


def test_max_bytes_reads_one_byte_more_so_the_caller_can_tell(tmp_path):
    f = tmp_path / "big.txt"
    f.write_text("x" * 100)
    assert len(read_text_file(f, max_bytes=10)) == 11


def test_yaml_files_are_read_one_way_with_file_and_line(tmp_path):
    from zsvad.safeyaml import load_file

    f = tmp_path / "t.yaml"
    f.write_text("a: 1\nb: [unclosed\n")
    with pytest.raises(ConfigError, match=r"t\.yaml:\d+: invalid YAML"):
        load_file(f, "taxonomy file")
    f.write_text("a: &x [1]\nb: *x\n")  # aliases are refused (billion laughs)
    with pytest.raises(ConfigError, match="aliases"):
        load_file(f, "taxonomy file")
    f.write_text("a: 1\n")
    assert load_file(f, "taxonomy file") == {"a": 1}
