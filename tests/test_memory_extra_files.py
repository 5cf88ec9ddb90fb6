"""memory.extra_files: a plain path on --set, checked by `memory validate` (bare .jsonl too),
a bad file stops the run once with exit 2 instead of failing every video."""

from __future__ import annotations

import json

from zsvad.cli.main import main
from zsvad.configure import load_config


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_plain_path_on_set(tmp_path):
    cfg = load_config("tiny", overrides=[f"memory.extra_files={tmp_path / 'site.jsonl'}"])
    assert cfg.memory.extra_files == [str(tmp_path / "site.jsonl")]


def test_validate_bare_jsonl_and_extra_files(tmp_path, capsys):
    good = _write(tmp_path / "site.jsonl", [{"text": "A guard opens the gate.", "label": "normal"}])
    assert main(["memory", "validate", str(good)]) == 1  # a bare memory needs both labels
    assert "site.jsonl: no 'anomalous' captions" in capsys.readouterr().out
    both = _write(
        tmp_path / "both.jsonl",
        [
            {"text": "A guard opens the gate.", "label": "normal"},
            {"text": "A man climbs the fence at night.", "label": "anomalous"},
        ],
    )
    assert main(["memory", "validate", str(both)]) == 0
    over = ["--profile", "tiny", "--set", f"memory.extra_files={good}"]
    assert main(["memory", "validate", *over]) == 0  # an extra file may hold one label
    assert f"extra file {good}: 1 captions" in capsys.readouterr().out
    dup = _write(tmp_path / "dup.jsonl", [{"text": "Same.", "label": "normal"}] * 2)
    assert main(["memory", "validate", "--profile", "tiny", "--set", f"memory.extra_files={dup}"])
    assert "dup.jsonl: 1 duplicate caption(s)" in capsys.readouterr().out
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok", "label": "normal"}\n{"text": "x", "label": "weird"}\n')
    assert main(["memory", "validate", str(bad)]) == 2
    assert "bad.jsonl:2" in capsys.readouterr().err


def test_bad_extra_file_is_one_config_error(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    args = ["score", "--captions", "examples/captions.jsonl", "--profile", "tiny"]
    args += ["--out", str(tmp_path / "run"), "--set", f"memory.extra_files={bad}", "--quiet"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "memory.extra_files:" in err[0] and "bad.jsonl:1" in err[0]
    video = ["score", "examples/synthetic_courtyard.mp4", "--profile", "tiny", "--quiet"]
    assert main([*video, "--out", str(tmp_path / "v"), "--set", f"memory.extra_files={bad}"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
