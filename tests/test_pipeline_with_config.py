"""Pipeline.with_config: many settings, models and indexes loaded once, scores unchanged."""

from __future__ import annotations

import pytest
from tune_helpers import write_dev_set

from zsvad.backends.fakes import RecordingTextEmbedder
from zsvad.configure import load_config
from zsvad.io.captions import read_captions
from zsvad.pipeline.captions import iter_scores, score_captions
from zsvad.pipeline.core import Pipeline, WindowInput


@pytest.fixture
def videos(tmp_path):
    captions, _ = write_dev_set(tmp_path, n_abnormal=2, n_normal=2)
    return list(read_captions(captions).videos.values())


def _scores(pipeline, videos):
    results = [r for _, r in iter_scores(pipeline, videos)]
    return [(r.frame_scores, [w.scores for w in r.windows]) for r in results], results


VARIANTS = [
    ["retrieval.k=3"],
    ["retrieval.rule=max_margin", "retrieval.temperature=0.05"],
    ["temporal.smoothing_sigma_s=0.5", "temporal.overlap=max"],
    ["retrieval.label_prefix={normal: 'A normal scene: '}"],  # another index
    ["retrieval.query_prefix='A scene: '", "retrieval.split_sentences=true"],
]


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v[0].split("=")[0])
def test_scores_equal_a_fresh_pipeline(videos, variant):
    base = Pipeline(load_config("tiny"))
    _scores(base, videos)
    config = load_config("tiny", overrides=variant)
    derived, results = _scores(base.with_config(config), videos)
    fresh, fresh_results = _scores(Pipeline(config), videos)
    assert derived == fresh
    assert derived != _scores(base, videos)[0]  # the variant changes the scores
    prov, fresh_prov = results[0].provenance, fresh_results[0].provenance
    assert prov.models == fresh_prov.models and prov.memory == fresh_prov.memory
    assert prov.config_hash == fresh_prov.config_hash


def test_index_settings_load_another_index(videos):
    base = Pipeline(load_config("tiny"))
    _scores(base, videos)
    config = load_config("tiny", overrides=["memory.index_type=hnsw"])
    derived = base.with_config(config)
    assert _scores(derived, videos)[0] == _scores(Pipeline(config), videos)[0]
    assert type(derived.retriever.indexes["normal"].index).__name__ == "IndexHNSWFlat"
    assert type(base.retriever.indexes["normal"].index).__name__ == "IndexFlatIP"


def test_loaded_parts_are_shared_not_rebuilt(videos):
    embedder = RecordingTextEmbedder()
    base = Pipeline(load_config("tiny"), text_embedder=embedder)
    _scores(base, videos)
    seen = len(embedder.texts)
    child = base.with_config(load_config("tiny", overrides=["retrieval.k=3"]))
    _scores(child, videos)
    assert len(embedder.texts) == seen  # no memory index rebuilt, no caption embedded again
    assert child.text_embedder is embedder
    assert child.retriever.indexes is base.retriever.indexes
    assert child.retriever.cfg.k == 3 and base.retriever.cfg.k != 3
    assert child.query_embedder is base.query_embedder


def test_changed_identity_builds_anew(videos):
    base = Pipeline(load_config("tiny"))
    _scores(base, videos)
    prefixed = base.with_config(
        load_config("tiny", overrides=["retrieval.label_prefix={anomalous: 'Danger: '}"])
    )
    assert prefixed.retriever.indexes is not base.retriever.indexes
    assert prefixed.memory is base.memory  # the memory itself did not change
    other = base.with_config(load_config("tiny", overrides=["embedder.model=fake-bow-2"]))
    assert other.text_embedder is not base.text_embedder
    assert other.text_embedder.info.model == "fake-bow-2"


def test_unused_parts_stay_out_of_provenance(videos):
    text_only = ["image_embedder.backend=", "captioner.backend="]  # load() stays quick
    base = Pipeline(load_config("tiny", overrides=text_only)).load()
    child = base.with_config(load_config("tiny", overrides=[*text_only, "retrieval.k=3"]))
    result = child.finish("v", 10.0, 20, [])  # nothing scored with the models
    assert result.provenance.models == [] and result.provenance.memory is None
    assert child.retriever.indexes is base.retriever.indexes  # preloaded, handed on
    window = WindowInput(0.0, 1.0, "A man punches another man.")
    used = child.score_windows("v", 10.0, 20, [window]).provenance
    assert used.memory.name == "starter" and [m.role for m in used.models] == ["text_embedder"]


def test_score_captions_matches_with_config(tmp_path, videos):
    config = load_config("tiny", overrides=["retrieval.k=4"])
    direct = [r.frame_scores for r in score_captions(videos, config)]
    base = Pipeline(load_config("tiny"))
    assert [r.frame_scores for _, r in iter_scores(base.with_config(config), videos)] == direct
