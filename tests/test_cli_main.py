"""CLI conventions: global options after the subcommand, -v / -q / ZSVAD_LOG_LEVEL, truthy
HF_HUB_OFFLINE values, messages cut at a word, a fast `zsvad info`."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from zsvad.backends.hf_common import not_available, offline
from zsvad.cli.main import build_parser, log_levels, main


@pytest.mark.parametrize(
    "argv",
    [
        ["--debug", "score", "--captions", "c.jsonl", "--out", "o"],
        ["score", "--captions", "c.jsonl", "--out", "o", "--debug"],
        ["memory", "generate", "--out", "o", "--debug"],
    ],
)
def test_global_options_before_or_after_the_subcommand(argv):
    args = build_parser().parse_args(argv)
    assert args.debug is True and args.func is not None


def test_log_levels_from_flags_and_environment(monkeypatch):
    parse = build_parser().parse_args
    monkeypatch.delenv("ZSVAD_LOG_LEVEL", raising=False)
    assert log_levels(parse(["info"])) == (logging.WARNING, logging.INFO)
    assert log_levels(parse(["info", "-q"])) == (logging.ERROR, logging.ERROR)
    assert log_levels(parse(["info", "--quiet"])) == log_levels(parse(["-q", "info"]))
    assert log_levels(parse(["info", "--quiet-logs"])) == (logging.WARNING, logging.WARNING)
    assert log_levels(parse(["info", "-v"])) == (logging.WARNING, logging.DEBUG)
    assert log_levels(parse(["info", "-vv"])) == (logging.DEBUG, logging.DEBUG)
    assert log_levels(parse(["-vv", "info"])) == (logging.DEBUG, logging.DEBUG)
    monkeypatch.setenv("ZSVAD_LOG_LEVEL", "error")
    assert log_levels(parse(["info"])) == (logging.WARNING, logging.ERROR)
    assert log_levels(parse(["info", "-v"]))[1] == logging.DEBUG  # a flag beats the variable
    monkeypatch.setenv("ZSVAD_LOG_LEVEL", "loud")
    assert main(["info"]) == 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), ("YES", True), ("On", True), ("0", False), ("", False)],
)
def test_every_truthy_offline_value(monkeypatch, value, expected):
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", value)
    assert offline() is expected


def test_model_error_is_cut_at_a_word():
    cause = OSError("Failed to download " + "weights for the tag laion2b " * 12)
    msg = str(not_available("open_clip model", "ViT-B-32", "r1", cause))
    inner = msg.rsplit("[", 1)[1]
    assert inner.endswith("…]") and len(inner) <= 162
    assert inner[:-2].split()[-1] in {"weights", "for", "the", "tag", "laion2b"}  # whole words


def test_info_imports_no_heavy_library():
    code = "import sys; from zsvad.cli.main import main; main(['info']); "
    code += (
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'faiss') if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([os.getcwd(), os.environ["PYTHONPATH"]])}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert "extra [hf]: torch ok" in out.stdout
