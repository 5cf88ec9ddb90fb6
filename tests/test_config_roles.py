"""Field roles are declared once (zsvad.config.base.Setting) and everything is derived from them."""

from __future__ import annotations

from zsvad.backends.build import KINDS
from zsvad.config.base import Section, runtime_options
from zsvad.config.schema import ZsvadConfig
from zsvad.config.video import CaptionerConfig, ImageEmbedderConfig
from zsvad.identity import identity
from zsvad.pipeline.sample import model_fields


def sections() -> dict[str, type[Section]]:
    return {n: i.annotation for n, i in ZsvadConfig.model_fields.items() if n != "profile"}


def test_runtime_fields_are_out_of_the_identity_and_result_fields_in():
    cfg = ZsvadConfig()
    ident = identity(cfg)
    assert "live" not in ident and "profile" not in ident
    for name in ("embedder", "memory", "video", "retrieval", "fusion", "temporal", "events"):
        section = sections()[name]
        assert not set(section.fields_where("runtime")) & set(ident[name]), name
        assert set(section.fields_where("result")) <= set(ident[name]), name


def test_audio_model_fields_count_only_with_a_model():
    cue = ZsvadConfig.model_validate({"audio": {"cue": True, "model": "m"}})
    assert "model" not in identity(cue)["audio"]
    model = ZsvadConfig.model_validate({"audio": {"backend": "fake", "model": "m"}})
    assert identity(model)["audio"]["model"] == "m"
    assert "device" not in identity(model)["audio"]


def test_backend_tables_are_derived_from_the_roles():
    assert KINDS["captioner"].fields == CaptionerConfig.backend_fields()
    assert "options" not in KINDS["captioner"].fields
    assert KINDS["captioner"].common == ("model", "revision", "prompt", "frames", "max_new_tokens")
    assert KINDS["llm"].shared == ("batch_size",)
    assert KINDS["audio_text_embedder"].shared == ("sample_rate",)
    assert KINDS["text_embedder"].fields == ("model", "revision", "device", "batch_size", "dtype")
    assert {"device", "batch_size", "timeout_s", "concurrency", "max_retries"} <= runtime_options()
    assert not {"dtype", "quantization", "model", "prompt"} & runtime_options()


def test_video_cache_key_holds_what_changes_captions_and_nothing_else():
    base = CaptionerConfig(backend="transformers", model="m")
    key = model_fields(base)
    for change in ({"dtype": "float16"}, {"quantization": "4bit"}, {"options": {"k": 1}}):
        assert model_fields(base.model_copy(update=change)) != key, change
    for same in ({"device": "cuda"}, {"batch_size": 1}, {"options": {"timeout_s": 3.0}}):
        assert model_fields(base.model_copy(update=same)) == key, same
    clip = ImageEmbedderConfig(backend="fake", model="m")
    assert set(model_fields(clip)) == {"backend", "model", "pretrained", "revision"}
