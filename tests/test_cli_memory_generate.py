"""`zsvad memory generate`: --prompt, rejected answers shown with their reason, non-zero exit
for an empty memory, --procedural honouring --scene / --category."""

from __future__ import annotations

import json

from zsvad.cli.main import main

GEN = ["memory", "generate", "--profile", "tiny", "--near-dup", "0.99"]


def test_llm_answers_without_json_give_no_memory_and_exit_1(tmp_path, capsys):
    out = tmp_path / "m"
    args = [*GEN, "--llm", "fake", "--out", str(out), "--scene", "bank_lobby"]
    assert main([*args, "--category", "robbery", "--anomalous-requests", "2"]) == 1
    err = capsys.readouterr().err
    assert "rejected 2: no JSON object in the answer" in err
    assert "    Score: " in err  # the answer itself, so the prompt can be fixed
    assert "no caption survived from 2 request(s); nothing written" in err
    assert not (out / "captions.jsonl").exists()


def test_prompt_option_picks_the_template(tmp_path, capsys):
    out = tmp_path / "m"
    args = [*GEN, "--llm", "fake", "--out", str(out), "--category", "robbery"]
    assert main([*args, "--prompt", "memory/captions@9"]) == 2
    assert "memory/captions" in capsys.readouterr().err
    assert main([*GEN, "--procedural", "--out", str(out), "--prompt", "x"]) == 2


def test_procedural_honours_scene_and_category(tmp_path, capsys):
    out = tmp_path / "scene"
    assert main([*GEN, "--procedural", "--out", str(out), "--scene", "bank_lobby"]) == 0
    c = json.loads((out / "manifest.json").read_text())["counts"]
    assert set(c["scenes"]) == {"bank_lobby"} and c["normal"] > 0
    assert "robbery" in c["anomaly_categories"] and "road_accident" not in c["anomaly_categories"]

    out = tmp_path / "cat"
    args = [*GEN, "--procedural", "--out", str(out), "--scene", "bank_lobby"]
    assert main([*args, "--category", "robbery"]) == 0
    assert "anomalous captions only" in capsys.readouterr().out
    c = json.loads((out / "manifest.json").read_text())["counts"]
    assert c["normal"] == 0 and list(c["anomaly_categories"]) == ["robbery"]
    assert set(c["scenes"]) == {"bank_lobby"}

    assert main([*GEN, "--procedural", "--out", str(out), "--scene", "moon_base"]) == 2
    assert "unknown --scene moon_base; known: " in capsys.readouterr().err
