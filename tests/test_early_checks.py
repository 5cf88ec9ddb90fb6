"""Config and input errors come before any model loads or anything is embedded (issue 27)."""

from __future__ import annotations

import json

import pytest
from batch_helpers import read_summary
from caption_rows import caption

from zsvad.cli.main import main
from zsvad.pipeline.parts import Parts

ROWS = [
    caption("a", 0, 2, "A man punches another man.", num_frames=40),
    caption("a", 2, 4, "People walk by.", num_frames=40),
]


@pytest.fixture
def no_models(monkeypatch):
    """Fail the test if any model part (text embedder, LLM) is built."""
    built = []

    def refuse(self):
        built.append("text_embedder")
        raise AssertionError("a model was loaded before the config error")

    monkeypatch.setattr(Parts, "_text_embedder", refuse)
    return built


def test_fake_judge_needs_no_model(write_captions, tmp_path, capsys):
    caps = write_captions(ROWS)
    out = tmp_path / "out"
    args = ["score", "--captions", str(caps), "--out", str(out), "--profile", "tiny"]
    assert main([*args, "--judge", "fake", "--quiet"]) == 0
    result = json.loads((out / "a.json").read_text())
    assert "judge" in result["windows"][0]["scores"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--judge", "transformers"], "judge.model is not set"),
        (["--judge", "fake", "--prompt", "nope"], "unknown prompt 'nope'"),
        (["--judge", "fake", "--prompt", "custom_anomalies"], "judge.anomalies"),
        (["--judge", "fake", "--prompt", "window_summary"], "output type text"),
    ],
)
def test_score_config_errors_before_embedding(
    options, message, write_captions, tmp_path, capsys, no_models
):
    caps = write_captions(ROWS)
    args = ["score", "--captions", str(caps), "--out", str(tmp_path / "o"), *options]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert no_models == [] and not (tmp_path / "o").exists()


def test_batch_config_error_before_hashing_or_models(tmp_path, capsys, no_models):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_text(json.dumps(ROWS[0]) + "\n")
    args = ["batch", str(tmp_path / "in"), "--out", str(tmp_path / "o"), "--runner", "serial"]
    bad = ["--scorer", "captions", "--set", "judge.backend=fake", "--set", "judge.prompt=nope"]
    assert main([*args, *bad, "--quiet"]) == 2
    assert "unknown prompt 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_retry_failed_checks_inputs_before_workers(tmp_path, monkeypatch, capsys):
    pytest.importorskip("pyarrow")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.jsonl").write_text(
        "\n".join(json.dumps(caption("good", s, s + 2, "People walk.")) for s in (0, 2)) + "\n"
    )
    (folder / "bad.jsonl").write_text('{"video_id": "bad", "start": 0}\n')
    out = tmp_path / "out"
    base = ["batch", str(folder), "--out", str(out), "--runner", "serial", "--scorer", "captions"]
    base += ["--profile", "tiny"]
    assert main([*base, "--quiet"]) == 1
    first = read_summary(out)
    assert first["good"]["status"] == "ok" and first["bad"]["status"] == "error"
    capsys.readouterr()

    import zsvad.batch.run as batch_run

    def no_workers(*a, **k):
        raise AssertionError("workers (and their models) started for an input still bad")

    monkeypatch.setattr(batch_run, "make_runner", no_workers)
    assert main([*base, "--quiet", "--retry-failed"]) == 1
    err = capsys.readouterr().err
    assert "bad.jsonl" in err
    again = read_summary(out)
    assert again["bad"]["status"] == "error" and again["good"]["status"] == "ok"


def test_profile_help_names_a_real_command(capsys):
    with pytest.raises(SystemExit):
        main(["score", "--help"])
    assert "zsvad config --profiles" in " ".join(capsys.readouterr().out.split())
    assert main(["config", "--profiles"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[0] for line in lines]
    assert names == ["cpu", "default", "fast", "gpu", "tiny"]
    assert all(len(line.split()) > 3 for line in lines)  # each with what it is
