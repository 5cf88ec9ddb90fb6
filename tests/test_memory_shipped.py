import json
from collections import Counter

from zsvad.memory.compose import Composer, load_taxonomy
from zsvad.memory.store import list_memories, load_memory, memory_root


def test_generic_memory_meets_its_card():
    mem = load_memory("generic")
    texts = [e.text for e in mem.entries]
    assert len(set(t.lower() for t in texts)) == len(texts) >= 20_000
    labels = Counter(e.label for e in mem.entries)
    assert labels["normal"] == labels["anomalous"]
    anomaly_cats = {e.category for e in mem.entries if e.label == "anomalous"}
    assert len(anomaly_cats) >= 33 and len({e.scene for e in mem.entries}) >= 60
    ucf = {
        "abuse",
        "arrest",
        "arson",
        "assault",
        "burglary",
        "explosion",
        "fighting",
        "road_accident",
        "robbery",
        "shooting",
        "shoplifting",
        "stealing",
        "vandalism",
        "riot",
    }
    assert ucf <= anomaly_cats
    manifest = json.loads((memory_root() / "generic" / "manifest.json").read_text())
    assert manifest["counts"]["total"] == len(texts)
    assert manifest["generator"]["llm"] is None  # honest: composed, not LLM-written
    assert set(list_memories()) >= {"generic", "starter"}


def test_no_caption_names_its_label():
    mem = load_memory("generic")
    for e in mem.entries:
        low = e.text.lower()
        assert "anomal" not in low and "normal" not in low and "suspicious activity" not in low


def test_composition_is_deterministic_and_label_blind():
    tax = load_taxonomy()
    a = [e.text for e in Composer(tax, 3).compose(50)]
    assert a == [e.text for e in Composer(tax, 3).compose(50)]
    assert a != [e.text for e in Composer(tax, 4).compose(50)]
    entries = list(Composer(tax, 0).compose(400))
    mean_len = {
        lab: sum(len(e.text.split()) for e in entries if e.label == lab) / 400
        for lab in ("normal", "anomalous")
    }
    # same sentence shape for both labels: lengths within 25 %
    assert abs(mean_len["normal"] - mean_len["anomalous"]) < 0.25 * mean_len["normal"]


def test_memory_cli_validate_flags_problems(tmp_path, capsys):
    from zsvad.cli.main import main

    mdir = tmp_path / "mine"
    mdir.mkdir()
    rows = [
        ("A man fights a guard.", "anomalous"),
        ("A man fights a guard.", "anomalous"),
        ("An anomalous scene of a fire.", "anomalous"),
        ("People walk.", "normal"),
    ]
    (mdir / "captions.jsonl").write_text(
        "".join(json.dumps({"text": t, "label": lab}) + "\n" for t, lab in rows)
    )
    assert main(["memory", "validate", str(mdir)]) == 1
    out = capsys.readouterr().out
    assert "1 duplicated caption" in out and "name their label" in out and "unbalanced" in out
    assert main(["memory", "validate", "starter"]) == 0
    assert "valid" in capsys.readouterr().out
