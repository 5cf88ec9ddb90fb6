import pytest
from pydantic import BaseModel

from zsvad.config.schema import ZsvadConfig
from zsvad.configure import list_profiles, load_config
from zsvad.errors import ConfigError
from zsvad.identity import config_hash


def test_defaults_and_profiles():
    cfg = load_config()
    assert cfg.profile == "default"
    assert cfg.retrieval.k >= 1
    assert {"default", "tiny"} <= set(list_profiles())
    assert load_config("tiny").embedder.backend == "fake"


def test_override_types_and_precedence(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("retrieval:\n  k: 7\n  temperature: 0.2\n")
    cfg = load_config("default", [f], ["retrieval.k=3", "memory.extra_files=[a.jsonl]"])
    assert cfg.retrieval.k == 3  # --set beats the file
    assert cfg.retrieval.temperature == 0.2  # the file beats the default
    assert cfg.memory.extra_files == ["a.jsonl"]


def test_unknown_key_in_file_names_file_and_key(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("retrieval:\n  kk: 3\n")
    with pytest.raises(ConfigError) as err:
        load_config("default", [f])
    assert "bad.yaml" in str(err.value) and "retrieval.kk" in str(err.value)


def test_bad_override_and_value():
    with pytest.raises(ConfigError, match="unknown config key 'nope'"):
        load_config(overrides=["nope=1"])
    with pytest.raises(ConfigError, match="retrieval.k"):
        load_config(overrides=["retrieval.k=0"])
    with pytest.raises(ConfigError, match="section.field=value"):
        load_config(overrides=["retrieval.k"])


def test_unknown_profile_lists_known():
    with pytest.raises(ConfigError, match="unknown profile 'nope'.*default"):
        load_config("nope")


def test_invalid_yaml_reports_line(tmp_path):
    f = tmp_path / "broken.yaml"
    f.write_text("retrieval:\n  k: [1,\n")
    with pytest.raises(ConfigError) as err:
        load_config("default", [f])
    assert "broken.yaml:" in str(err.value)


def test_hash_tracks_content():
    a, b = load_config(), load_config()
    assert config_hash(a) == config_hash(b)
    assert config_hash(load_config(overrides=["retrieval.k=11"])) != config_hash(a)


def _sections(model: type[BaseModel], prefix=""):
    for name, field in model.model_fields.items():
        yield f"{prefix}{name}", field
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from _sections(ann, f"{prefix}{name}.")


def test_every_field_is_documented():
    undocumented = [n for n, f in _sections(ZsvadConfig) if not (f.description or "").strip()]
    assert undocumented == []
