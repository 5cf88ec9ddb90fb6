"""zsvad.backends.build: every backend is built one way, from its config section, and a setting
the chosen backend does not take is refused with its name when the config is loaded."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from zsvad import registry
from zsvad.backends.build import KINDS, backend_kwargs, build, check_config
from zsvad.cli.main import main
from zsvad.config.judge import JudgeConfig
from zsvad.config.schema import ZsvadConfig
from zsvad.configure import PROFILE_DIR, load_config
from zsvad.errors import ConfigError

ANOTHER_BACKENDS_OPTION = [
    (
        [
            "captioner.backend=transformers",
            "captioner.model=m",
            "captioner.gpu_memory_utilization=0.5",
        ],
        r"captioner\.gpu_memory_utilization is not an option of the transformers captioner "
        r"\(the vllm captioner takes it\)",
    ),
    (
        ["captioner.backend=vllm", "captioner.model=m", "captioner.batch_size=4"],
        r"captioner\.batch_size is not an option of the vllm captioner "
        r"\(the openai and transformers captioners take it\)",
    ),
    (
        ["captioner.backend=openai", "captioner.model=m", "captioner.options.device_map=auto"],
        r"captioner\.options\.device_map is not an option of the openai captioner "
        r"\(the transformers captioner takes it\)",
    ),
    (
        ["judge.backend=openai", "judge.model=m", "judge.device=cuda"],
        r"judge\.device is not an option of the openai LLM \(the transformers LLM takes it\)",
    ),
    (
        ["judge.backend=openai", "judge.model=m", "judge.options.gguf_file=x.gguf"],
        r"judge\.options\.gguf_file is not an option of the openai LLM "
        r"\(the transformers LLM takes it\)",
    ),
    (
        ["judge.backend=transformers", "judge.model=m", "judge.options.concurrency=8"],
        r"judge\.options\.concurrency is not an option of the transformers LLM "
        r"\(the openai LLM takes it\)",
    ),
    (
        ["judge.backend=fake", "judge.model=m", "judge.base_url=http://127.0.0.1:1/v1"],
        r"judge\.base_url is not an option of the fake LLM \(the openai LLM takes it\)",
    ),
    (
        ["embedder.backend=static", "embedder.dtype=int8"],
        r"embedder\.dtype is not an option of the static text embedder "
        r"\(the onnx, openvino and sentence-transformers text embedders take it\)",
    ),
    (
        ["image_embedder.backend=fake", "image_embedder.pretrained=laion"],
        r"image_embedder\.pretrained is not an option of the fake image-text embedder "
        r"\(the open_clip image-text embedder takes it\)",
    ),
]


@pytest.mark.parametrize("overrides, message", ANOTHER_BACKENDS_OPTION)
def test_an_option_for_another_backend_is_refused_with_its_name(overrides, message):
    with pytest.raises(ConfigError, match=message) as err:
        load_config("default", overrides=overrides)
    assert err.value.source.endswith("default.yaml + --set")  # where the settings came from


def test_the_cli_refuses_it_before_scoring(tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["score", "--captions", str(tmp_path / "none.jsonl"), "--out", str(out)]
    argv += ["--set", "judge.backend=openai", "--set", "judge.model=m"]
    assert main([*argv, "--set", "judge.options.gguf_file=x.gguf"]) == 2
    assert "judge.options.gguf_file is not an option of the openai LLM" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    "overrides, message",
    [
        (
            ["captioner.backend=openai", "captioner.model=m", "captioner.options.colour=red"],
            r"captioner\.options\.colour is not an option of the openai captioner; it takes: "
            r"api_key_env, base_url, batch_size, .*timeout_s$",
        ),
        (  # vLLM's own engine arguments have their place: the error lists it
            ["judge.backend=vllm", "judge.model=m", "judge.options.enforce_eager=true"],
            r"judge\.options\.enforce_eager is not an option of the vllm LLM; it takes: .*"
            r"engine_args",
        ),
        (
            ["judge.backend=fake", "judge.model=m", "judge.options.extra=1"],
            r"judge\.options\.extra is not an option of the fake LLM; it takes: delay_s, model, "
            r"revision$",
        ),
    ],
)
def test_unknown_options_are_refused(overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_config("default", overrides=overrides)


def test_a_bad_option_value_is_refused_with_its_name():
    over = ["captioner.backend=openai", "captioner.model=m", "captioner.options.timeout_s=-1"]
    with pytest.raises(ConfigError, match=r"captioner\.options\.timeout_s: .*greater than 0"):
        load_config("default", overrides=over)


def test_settings_left_at_their_default_or_shared_are_accepted():
    cfg = load_config("default", overrides=["judge.backend=openai", "judge.model=m"])
    assert cfg.judge.device == "auto"  # the section's default: not a setting of the backend
    load_config("default", overrides=["judge.backend=openai", "judge.model=m", "judge.device=auto"])
    # judge.batch_size is also the judge's own (windows per call): accepted for any backend
    load_config(
        "default", overrides=["judge.backend=openai", "judge.model=m", "judge.batch_size=2"]
    )
    # and settings of a section whose backend is unset are no backend's
    load_config("default", overrides=["captioner.gpu_memory_utilization=0.5"])


def test_only_what_the_backend_takes_is_passed_and_options_override_fields():
    section = JudgeConfig(backend="openai", model="m", options={"max_retries": 1})
    assert backend_kwargs("llm", section) == {"model": "m", "max_retries": 1}
    llm = build("llm", section)
    assert llm.client.base_url == "http://127.0.0.1:8000/v1"  # the backend's default: None left
    assert llm.client.max_retries == 1
    # a field set to None where its default is not (the tiny profile's embedder.revision) is
    # passed as set, not replaced by the default
    assert load_config("tiny").embedder.revision is None
    assert build("text_embedder", load_config("tiny").embedder).info.revision == "v1"  # none
    cfg = load_config("examples/servers/vllm-serve.yaml")
    kwargs = backend_kwargs("captioner", cfg.captioner)
    assert kwargs["timeout_s"] == cfg.captioner.options["timeout_s"] != cfg.captioner.timeout_s
    assert "device" not in kwargs and "gpu_memory_utilization" not in kwargs


PROFILES = sorted(PROFILE_DIR.glob("*.yaml")) + sorted(Path("examples/servers").glob("*.yaml"))


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
def test_every_profile_builds_its_backends(path, monkeypatch):
    """Each bundled and example profile passes the check; the backends that need no download
    (fakes, tiny random-weight models, HTTP clients, which send nothing) are really built."""
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    cfg = load_config(str(path))
    built = 0
    for kind, spec in KINDS.items():
        section = getattr(cfg, spec.section)
        if not section.backend:
            continue
        kwargs = backend_kwargs(kind, section)
        if section.backend in ("fake", "openai") or kwargs.get("model") in ("tiny", "fake-bow"):
            backend = build(kind, section)
            assert backend.info.backend.startswith(section.backend)
            built += 1
    assert built or path.stem in ("cpu", "default", "fast", "gpu")  # weights not here


def test_a_config_rebuilt_from_its_dump_still_builds():
    """Batch workers and results hold a config as its dump, where every field reads as set."""
    cfg = load_config("tiny", overrides=["judge.backend=fake", "judge.model=fake-llm"])
    again = ZsvadConfig.model_validate(cfg.model_dump())
    assert "device" in again.embedder.model_fields_set  # every field "set"...
    check_config(again)  # ...but left at its default: the fake embedder is not asked to take it
    assert build("text_embedder", again.embedder).info.model == "fake-bow"
    assert build("llm", again.judge).info.model == "fake-llm"


class _Undeclared:
    """A third-party backend registered without an ``Options`` model."""

    def __init__(self, **kwargs):
        self.kwargs = kwargs


@pytest.fixture
def undeclared():
    registry.register("captioner", "plugin", f"{__name__}:_Undeclared")
    yield
    registry.BACKENDS["captioner"].pop("plugin")


def test_a_backend_without_options_gets_the_common_fields_and_options(undeclared):
    over = ["captioner.backend=plugin", "captioner.model=m", "captioner.options.colour=red"]
    got = build("captioner", load_config("default", overrides=over).captioner).kwargs
    assert set(got) == {"model", "prompt", "frames", "max_new_tokens", "colour"}  # revision: None
    with pytest.raises(ConfigError, match=r"captioner\.device is not an option of the plugin "
                       r"captioner \(it declares no options"):  # fmt: skip
        load_config("default", overrides=[*over, "captioner.device=cuda"])


def _backends():
    for kind in KINDS:
        for name in registry.names(kind):
            yield kind, name


@pytest.mark.parametrize("kind, name", list(_backends()), ids=lambda v: str(v))
def test_every_backend_declares_documented_options_and_no_catch_all(kind, name):
    cls = registry.resolve(kind, name)
    options = cls.Options
    assert set(KINDS[kind].common) <= set(options.model_fields)
    undocumented = [n for n, f in options.model_fields.items() if not (f.description or "").strip()]
    assert undocumented == []
    params = inspect.signature(cls).parameters.values()
    catch_all = [p.name for p in params if p.kind is inspect.Parameter.VAR_KEYWORD]
    assert catch_all == ["options"]  # every keyword goes through Options: none is dropped


def test_a_backend_refuses_an_unknown_keyword_itself():
    from zsvad.backends.fakes import FakeLLM, FakeTextEmbedder

    with pytest.raises(ConfigError, match=r"'temperature' is not an option of FakeLLM"):
        FakeLLM(temperature=0.5)
    with pytest.raises(ConfigError, match=r"FakeTextEmbedder option dim: .*greater than or equal"):
        FakeTextEmbedder(dim=0)
    assert FakeTextEmbedder("named", dim=8).info.model == "named"
