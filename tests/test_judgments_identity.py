"""A judgments file is part of a result's identity by its content, not its path; the LLM
settings it stands in for are not; configs without one keep the identity they had."""

import json
import shutil

from zsvad.configure import load_config
from zsvad.identity import config_hash, identity

ROWS = [
    {"video_id": "a", "start": 0, "end": 1, "score": 0.5, "model": "m"},
    {"video_id": "a", "start": 1, "end": 2, "score": 0.25, "model": "m"},
]


def _file(path, rows=ROWS):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _hash(path, *more):
    return config_hash(load_config("tiny", overrides=[f"judge.judgments={path}", *more]))


def test_content_not_path(tmp_path):
    one = _file(tmp_path / "one.jsonl")
    two = tmp_path / "elsewhere" / "two.jsonl"
    two.parent.mkdir()
    shutil.copy(one, two)
    assert _hash(one) == _hash(two)  # same content, another path
    before = _hash(one)
    _file(one, [{**ROWS[0], "score": 0.75}, ROWS[1]])
    assert _hash(one) != before  # edited in place
    _file(one)
    assert _hash(one) == before


def test_llm_settings_do_not_count_but_judging_ones_do(tmp_path):
    path = _file(tmp_path / "j.jsonl")
    base = _hash(path)
    assert _hash(path, "judge.prompt=yesno_choice", "judge.span=3") == base
    assert _hash(path, "judge.backend=file") == base
    assert _hash(path, "judge.max_rationale_chars=10") != base
    assert _hash(path, "fusion.weights.judge=2.0") != base
    no_judge = config_hash(load_config("tiny"))
    assert no_judge != base
    ident = identity(load_config("tiny", overrides=[f"judge.judgments={path}"]))["judge"]
    assert str(path) not in json.dumps(ident)


def test_configs_without_judgments_keep_their_identity(tmp_path):
    live = ["judge.backend=fake", "judge.model=fake-llm"]
    ident = identity(load_config("tiny", overrides=live))["judge"]
    assert "judgments" not in ident and "save_judgments" not in ident
    saving = [*live, f"judge.save_judgments={tmp_path / 's.jsonl'}"]
    assert config_hash(load_config("tiny", overrides=saving)) == config_hash(
        load_config("tiny", overrides=live)
    )
