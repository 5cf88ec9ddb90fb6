import sys

import pytest

from zsvad import registry
from zsvad.errors import ConfigError, MissingExtraError
from zsvad.extras import require


def test_resolve_is_lazy_and_creates():
    sys.modules.pop("zsvad.backends.fakes", None)
    assert "fake" in registry.names("llm")
    assert "zsvad.backends.fakes" not in sys.modules  # listing imports nothing
    llm = registry.create("llm", "fake")
    assert "zsvad.backends.fakes" in sys.modules
    assert llm.info.meaningless


def test_unknown_backend_names_registered():
    with pytest.raises(ConfigError, match="unknown text_embedder backend 'nope'.*fake"):
        registry.resolve("text_embedder", "nope")
    with pytest.raises(ConfigError, match="unknown backend kind"):
        registry.resolve("nokind", "x")


def test_register_third_party():
    registry.register("llm", "mine", "zsvad.backends.fakes:FakeLLM")
    try:
        assert registry.resolve("llm", "mine").__name__ == "FakeLLM"
    finally:
        registry.BACKENDS["llm"].pop("mine")
    with pytest.raises(ValueError):
        registry.register("llm", "bad", "no_colon")


def test_missing_extra_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "faiss", None)  # makes `import faiss` fail
    with pytest.raises(MissingExtraError) as err:
        require("faiss", "the memory index")
    assert "pip install 'zsvad[faiss]'" in str(err.value)
    assert "memory index" in str(err.value)


def test_import_zsvad_is_light():
    import subprocess

    code = (
        "import sys, zsvad, zsvad.cli.main; zsvad.cli.main.build_parser(); "
        "heavy = [m for m in ('torch', 'faiss', 'transformers', 'sentence_transformers', "
        "'sklearn') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_lazy_public_names_go_through_the_one_registry():
    import zsvad
    import zsvad.batch
    from zsvad.configure import load_config
    from zsvad.registry import load

    assert zsvad.load_config is load_config
    assert zsvad.batch.run_batch is load("zsvad.batch.run:run_batch")
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = zsvad.nope
