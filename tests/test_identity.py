"""zsvad.identity: what a result depends on. Files behind paths count by content; where and how
fast a run works does not; a batch re-scores exactly when the identity changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from zsvad.configure import load_config
from zsvad.errors import ConfigError
from zsvad.identity import config_hash, identity
from zsvad.memory.store import resolve_memory_dir
from zsvad.prompts.loader import resolve_prompt

SCORER = "batch_fake_scorer:score"


@pytest.fixture
def files(tmp_path):
    """A judge template, a memory folder and an extra captions file, all editable copies."""
    template = tmp_path / "judge.yaml"
    shutil.copy(resolve_prompt("yesno_logprob")[1], template)
    memory = tmp_path / "memory"
    shutil.copytree(resolve_memory_dir("starter"), memory)
    extra = tmp_path / "site.jsonl"
    extra.write_text('{"text": "A guard opens the gate.", "label": "normal"}\n')
    return {"template": template, "memory": memory, "extra": extra}


def _config(files, *more):
    sets = [
        "judge.backend=fake",
        "judge.model=fake-llm",
        f"judge.prompt={files['template']}",
        f"memory.name={files['memory']}",
        f"memory.extra_files={files['extra']}",
    ]
    return load_config("tiny", overrides=[*sets, *more])


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


EDITS = {
    "template": lambda f: f["template"].write_text(
        f["template"].read_text().replace("Ordinary activity", "Everyday activity")
    ),
    "memory": lambda f: _append(
        f["memory"] / "captions.jsonl", '{"text": "A cat sleeps.", "label": "normal"}\n'
    ),
    "extra": lambda f: _append(f["extra"], '{"text": "A van parks.", "label": "normal"}\n'),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_editing_a_file_behind_a_path_changes_the_hash(files, edit):
    before = config_hash(_config(files))
    EDITS[edit](files)
    assert config_hash(_config(files)) != before


@pytest.mark.parametrize(
    "setting",
    [
        "embedder.backend=sentence-transformers embedder.device=cuda",
        "embedder.backend=sentence-transformers embedder.batch_size=7",
        "embedder.query_cache=false",
        "video.batch_size=2",
        "video.threads=3",
        "video.cache_dir=/elsewhere",
        "memory.index_dir=/elsewhere",
        "judge.backend=transformers judge.device=cuda:1",
        "judge.batch_size=3",
        "judge.cache=false",
        "judge.backend=openai judge.options.timeout_s=5",
        "captioner.device=cuda",
        "captioner.batch_size=1",
        "image_embedder.batch_size=1",
        "profile=renamed",
    ],
)
def test_runtime_settings_leave_the_hash(files, setting):
    *backend, change = setting.split()  # a backend that takes the setting, when the fake does not
    assert config_hash(_config(files, *backend, change)) == config_hash(_config(files, *backend))


@pytest.mark.parametrize(
    "setting",
    [
        "retrieval.k=7",
        "video.clip_seconds=3",
        "judge.span=2",
        "embedder.backend=sentence-transformers embedder.dtype=bfloat16",
    ],
)
def test_scoring_settings_change_the_hash(files, setting):
    *backend, change = setting.split()
    assert config_hash(_config(files, *backend, change)) != config_hash(_config(files, *backend))


def test_unused_judge_settings_leave_the_hash():
    base = load_config("tiny")
    assert identity(base)["judge"] == {"backend": None}
    assert config_hash(load_config("tiny", overrides=["judge.span=4"])) == config_hash(base)


def test_local_model_counts_by_content(tmp_path):
    model = tmp_path / "model.gguf"
    model.write_bytes(b"weights v1")
    cfg = load_config("tiny", overrides=["judge.backend=fake", f"judge.model={model}"])
    before = config_hash(cfg)
    model.write_bytes(b"weights v2")
    assert config_hash(cfg) != before


def test_missing_extra_file_is_a_config_error(tmp_path):
    cfg = load_config("tiny", overrides=[f"memory.extra_files={tmp_path / 'gone.jsonl'}"])
    with pytest.raises(ConfigError, match=r"memory.extra_files: .*gone.jsonl"):
        config_hash(cfg)


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_batch_rescores_after_an_edit_and_not_after_a_device_change(tmp_path, files, edit):
    pytest.importorskip("pyarrow")
    from zsvad.batch.run import BatchOptions, run_batch

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.mp4").write_text("ok 4")
    (src / "b.mp4").write_text("ok 6")
    out = tmp_path / "out"
    opts = BatchOptions(quiet=True, scorer=SCORER, runner="serial")
    first = run_batch(src, out, _config(files), opts)
    assert (first.scored, first.reused) == (2, 0)
    moved = run_batch(src, out, _config(files, "captioner.device=cuda", "judge.batch_size=2"), opts)
    assert (moved.scored, moved.reused, moved.config_hash) == (0, 2, first.config_hash)
    (src / "c.mp4").write_text("ok 2")  # only the new video is scored
    added = run_batch(src, out, _config(files), opts)
    assert (added.scored, added.reused) == (1, 2)
    EDITS[edit](files)
    edited = run_batch(src, out, _config(files), opts)
    assert (edited.scored, edited.reused) == (3, 0)
    assert edited.config_hash != first.config_hash


def test_source_groups_count_by_what_they_expand_to(monkeypatch):
    """``@ucf`` is identified by the categories it stands for, not by the taxonomy's files (whose
    bytecode caches or audio section change nothing); a taxonomy that moves a category in or
    out of the group changes the hash."""
    import zsvad.memory.store as store

    cfg = load_config(overrides=['memory.categories=["@ucf"]'])
    before = config_hash(cfg)
    assert identity(cfg)["memory_content"]["categories"]  # the expansion itself, not a file hash
    real = store.expand_categories
    monkeypatch.setattr(store, "expand_categories", lambda names: real(names) | {"extra_cat"})
    assert config_hash(cfg) != before
    monkeypatch.setattr(store, "expand_categories", real)
    assert config_hash(cfg) == before
