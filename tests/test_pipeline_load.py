"""Pipeline.load(): everything the config uses is loaded ahead, provenance lists what was used."""

from __future__ import annotations

from zsvad.configure import load_config
from zsvad.pipeline.core import Pipeline, WindowInput


def test_load_ahead_then_provenance_lists_only_the_models_used():
    pipe = Pipeline(load_config("tiny", [], ["captioner.max_new_tokens=2"])).load()
    for name in ("text_embedder", "retriever", "image_embedder", "captioner", "clip_retriever"):
        assert pipe.parts.peek(name) is not None
    assert pipe.parts.used == set()
    assert pipe.models() == []  # loaded, not used yet
    windows = [WindowInput(0.0, 2.0, "People walk."), WindowInput(2.0, 4.0, "A man punches.")]
    result = pipe.score_windows("v", 10.0, 40, windows)
    roles = [m.role for m in result.provenance.models]
    assert roles == ["text_embedder"]  # captions only: no vision model took part
    assert result.provenance.memory.name == "starter"
    assert not {"image_embedder", "captioner"} & pipe.parts.used
    # a preloaded part is handed out, not built again
    captioner = pipe.parts.peek("captioner")
    assert pipe.captioner is captioner and "captioner" in pipe.parts.used
    assert [m.role for m in pipe.models()] == ["text_embedder", "captioner"]
