"""``zsvad memory ls | info | validate | generate`` and the shipped memory."""

from __future__ import annotations

import json
import shutil

from zsvad.cli.main import main
from zsvad.memory.store import load_memory, memory_root


def test_shipped_memory_validates(capsys):
    assert (
        main(
            [
                "memory",
                "validate",
                "surveillance",
                "--min-captions",
                "20000",
                "--min-scenes",
                "60",
                "--min-categories",
                "33",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "valid" in out and "INVALID" not in out and "67 scenes" in out
    mem = load_memory("surveillance")
    m = mem.manifest
    assert m["content_hash"] == mem.content_hash and m["counts"]["total"] == len(mem.entries)
    assert m["generator"]["llm"] is None and "procedural" in m["generator"]["method"]
    assert m["tuned_on_dev"]["retrieval.k"] == 100
    assert "honestly" in (memory_root() / "surveillance" / "README.md").read_text()


def test_ls_and_info(capsys):
    assert main(["memory", "ls"]) == 0
    out = capsys.readouterr().out
    assert "starter" in out and "surveillance" in out
    assert main(["memory", "info", "starter"]) == 0
    assert "100 captions (50 normal, 50 anomalous)" in capsys.readouterr().out
    assert main(["memory", "info", "starter", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "starter"


def test_validate_finds_problems(tmp_path, capsys):
    d = tmp_path / "m"
    shutil.copytree(memory_root() / "starter", d)
    with open(d / "captions.jsonl", "a") as f:
        f.write(json.dumps({"text": "An anomalous scene of a fire.", "label": "anomalous"}) + "\n")
        f.write(
            json.dumps(
                {"text": "A person walks along the sidewalk past parked cars.", "label": "normal"}
            )
            + "\n"
        )
    (d / "manifest.json").write_text(
        json.dumps({"name": "m", "content_hash": "0" * 16, "counts": {"normal": 50}})
    )
    assert main(["memory", "validate", str(d)]) == 1
    out = capsys.readouterr().out
    assert "1 duplicate caption(s)" in out and "name their label" in out
    assert "content_hash" in out and "counts.normal is 50, captions have 51" in out


def test_validate_bad_file_is_one_line_error(tmp_path, capsys):
    d = tmp_path / "bad"
    d.mkdir()
    (d / "captions.jsonl").write_text('{"text": "x y z", "label": "normal"}\n{oops\n')
    assert main(["memory", "validate", str(d)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "captions.jsonl:2" in err and "malformed JSON" in err


def test_generate_procedural_with_tiny_profile(tmp_path, capsys, monkeypatch):
    import zsvad.memory.produce as produce
    from zsvad.memory.compose import ComposeSpec

    small = ComposeSpec(normal_per_scene=3, anomalous_per_category=5)
    monkeypatch.setattr(produce, "ComposeSpec", lambda **kw: small)
    orig = produce.candidates_procedural
    monkeypatch.setattr(produce, "candidates_procedural", lambda spec: orig(small))
    out = tmp_path / "gen"
    assert (
        main(
            [
                "memory",
                "generate",
                "--procedural",
                "--out",
                str(out),
                "--profile",
                "tiny",
                "--near-dup",
                "0.99",
            ]
        )
        == 0
    )
    assert "kept" in capsys.readouterr().out
    assert main(["memory", "validate", str(out)]) == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["counts"]["normal"] == m["counts"]["anomalous"] > 100
    assert m["generator"]["curation"]["embedder"] == "fake-bow"
    assert main(["memory", "generate", "--out", str(out)]) == 2  # neither --procedural nor --llm
