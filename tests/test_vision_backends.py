"""Vision backends with tiny random-weight models (open_clip, transformers) and a vLLM double."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
from video_helpers import make_video

from zsvad import registry
from zsvad.backends.protocols import Captioner, Clip, ImageTextEmbedder
from zsvad.config.video import VideoConfig
from zsvad.errors import ConfigError, ModelNotAvailableError
from zsvad.video import iter_clips


def _clips(tmp_path, n=3):
    path = make_video(tmp_path / "v.mp4", n=10 * 2 * n, size=(64, 48))
    cfg = VideoConfig(clip_seconds=2, stride_seconds=2, frames_per_clip=3, decoder="pyav")
    return list(iter_clips(path, cfg))


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZSVAD_CACHE", str(tmp_path_factory.mktemp("models")))
        yield registry.create("image_text_embedder", "open_clip", model="tiny")


@pytest.mark.slow
def test_open_clip_tiny_embeds_images_and_text(tiny_clip, tmp_path):
    e = tiny_clip
    assert isinstance(e, ImageTextEmbedder) and e.dim == 32
    assert e.info.backend == "open_clip" and e.info.meaningless
    frames = [c.frames[0] for c in _clips(tmp_path)]
    v = e.embed_images(frames)
    assert v.shape == (3, 32) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    assert not np.allclose(v[0], v[2])  # different frames, different vectors
    assert np.allclose(e.embed_images(frames[:1]), v[:1], atol=1e-5)  # batch-independent
    t = e.embed_texts(["a man runs", "a car burns", "a man runs"])
    assert t.shape == (3, 32) and np.allclose(t[0], t[2]) and not np.allclose(t[0], t[1])


@pytest.mark.slow
def test_open_clip_tiny_is_cached_and_deterministic(tiny_clip, tmp_path):
    from zsvad.backends.tiny import tiny_clip_dir

    first = tiny_clip_dir()  # built in this test's fresh cache
    stamp = (first / "open_clip_pytorch_model.bin").stat().st_mtime_ns
    assert tiny_clip_dir() == first  # second call reuses it
    assert (first / "open_clip_pytorch_model.bin").stat().st_mtime_ns == stamp
    again = registry.create("image_text_embedder", "open_clip", model="tiny")
    assert np.allclose(again.embed_texts(["fire"]), tiny_clip.embed_texts(["fire"]))


def test_open_clip_missing_weights_offline_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotAvailableError, match="offline mode is on") as err:
        registry.create(
            "image_text_embedder", "open_clip", model="hf-hub:nobody/no-such-clip", revision="v0"
        )
    assert "\n" not in str(err.value)
    with pytest.raises(ConfigError, match="pretrained is required"):
        registry.create("image_text_embedder", "open_clip", model="ViT-B-32")


@pytest.fixture(scope="module")
def tiny_captioner(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZSVAD_CACHE", str(tmp_path_factory.mktemp("models")))
        yield registry.create("captioner", "transformers", model="tiny", max_new_tokens=6)


@pytest.mark.slow
def test_transformers_tiny_captioner_batches(tiny_captioner, tmp_path):
    c = tiny_captioner
    assert isinstance(c, Captioner) and c.info.meaningless and c.info.backend == "transformers"
    clips = _clips(tmp_path, n=3)
    c.batch_size = 2
    caps = c.caption(clips)
    assert len(caps) == 3 and all(isinstance(t, str) and t for t in caps)
    c.batch_size = 8
    assert c.caption(clips) == caps  # batching does not change greedy captions
    c.frames = "grid"
    assert len(c.caption(clips[:2])) == 2
    c.frames = "middle"


@pytest.mark.slow
def test_transformers_captioner_chat_template_path(tiny_captioner, tmp_path, monkeypatch):
    c = tiny_captioner
    template = (
        "{% for m in messages %}{% for part in m['content'] %}"
        "{% if part['type'] == 'text' %}{{ part['text'] }}{% else %}[img]{% endif %}"
        "{% endfor %}{% endfor %}"
    )
    monkeypatch.setattr(c.processor, "chat_template", template, raising=False)
    monkeypatch.setattr(c, "chat", True)
    assert c._texts([1, 2]) == [f"[img]{c.prompt}", f"[img][img]{c.prompt}"]


def test_transformers_missing_model_and_gpu_only_options(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotAvailableError, match="cannot load captioner 'nobody/no-vlm'"):
        registry.create("captioner", "transformers", model="nobody/no-vlm", revision="abc")
    with pytest.raises(ConfigError, match="needs a CUDA GPU"):
        registry.create("captioner", "transformers", model="tiny", quantization="4bit")


class _FakeTokenizer:
    def apply_chat_template(self, messages, tokenize, add_generation_prompt):
        parts = messages[0]["content"]
        images = sum(p["type"] == "image" for p in parts)
        return f"<user>{'<image>' * images}{parts[-1]['text']}<assistant>"


def _fake_vllm(calls):
    mod = types.ModuleType("vllm")

    class SamplingParams:
        def __init__(self, **kw):
            self.kw = kw

    class LLM:
        def __init__(self, **kw):
            calls.append(("init", kw))

        def get_tokenizer(self):
            return _FakeTokenizer()

        def generate(self, requests, sampling_params=None, use_tqdm=True):
            calls.append(("generate", requests, sampling_params.kw))
            out = []
            for r in requests:
                imgs = r["multi_modal_data"]["image"]
                n = len(imgs) if isinstance(imgs, list) else 1
                text = types.SimpleNamespace(text=f" {n} image(s):  {r['prompt'][:6]} ")
                out.append(types.SimpleNamespace(outputs=[text]))
            return out

    mod.LLM, mod.SamplingParams = LLM, SamplingParams
    return mod


def test_vllm_captioner_batches_all_clips_in_one_generate(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setitem(sys.modules, "vllm", _fake_vllm(calls))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    c = registry.create(
        "captioner", "vllm", model="org/vlm", revision="abc123", frames="all", max_new_tokens=20
    )
    assert c.info.model == "org/vlm" and c.info.revision == "abc123"
    init = calls[0][1]
    assert init["revision"] == "abc123" and init["limit_mm_per_prompt"] == {"image": 16}
    clips = _clips(tmp_path, n=3)
    caps = c.caption(clips)
    gens = [x for x in calls if x[0] == "generate"]
    assert len(gens) == 1 and len(gens[0][1]) == 3
    assert gens[0][2] == {"max_tokens": 20, "temperature": 0.0, "seed": 0}
    req = gens[0][1][0]
    assert req["prompt"].startswith("<user><image><image><image>Describe")
    assert [im.size for im in req["multi_modal_data"]["image"]] == [(64, 48)] * 3
    assert caps == ["3 image(s): <user>"] * 3


def test_vllm_not_installed_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "vllm", None)
    from zsvad.errors import MissingExtraError

    with pytest.raises(MissingExtraError, match=r"zsvad\[vllm\]"):
        registry.create("captioner", "vllm", model="org/vlm")


def test_clip_component_retrieves_in_clip_space(tiny_clip, tmp_path):
    from zsvad.configure import load_config
    from zsvad.pipeline.core import Pipeline
    from zsvad.pipeline.parts import Parts

    cfg = load_config("tiny")
    pipe = Pipeline(cfg, parts=Parts(cfg, {"image_embedder": tiny_clip}))
    indexes = pipe.clip_retriever.indexes
    assert indexes["normal"].index.d == 32  # memory embedded with the CLIP text tower
    clip = Clip(0, 0.0, 1.0, np.zeros((2, 32, 32, 3), np.uint8))
    from zsvad.pipeline.video import clip_embeddings

    emb = clip_embeddings(tiny_clip, [clip])
    (scored,) = pipe.clip_retriever.score_embeddings(emb)
    assert 0.0 <= scored.score <= 1.0 and scored.evidence
