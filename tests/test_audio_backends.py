"""Audio-text embedders: the tiny random-weight CLAP (real transformers code) and the fake."""

from __future__ import annotations

import numpy as np
import pytest

from zsvad import registry
from zsvad.backends.protocols import AudioTextEmbedder
from zsvad.errors import ConfigError


@pytest.fixture(scope="module")
def tiny_clap(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZSVAD_CACHE", str(tmp_path_factory.mktemp("models")))
        yield registry.create("audio_text_embedder", "transformers", model="tiny")


def _clips(rate, seconds=(4.0, 1.0, 12.5)):
    rng = np.random.default_rng(0)
    return [(rng.standard_normal(int(s * rate)) * 0.1).astype(np.float32) for s in seconds]


@pytest.mark.slow
def test_tiny_clap_embeds_audio_and_text_deterministically(tiny_clap):
    assert isinstance(tiny_clap, AudioTextEmbedder)
    assert tiny_clap.sample_rate == 48000 and tiny_clap.info.meaningless
    clips = _clips(tiny_clap.sample_rate)
    a = tiny_clap.embed_audio(clips)
    assert a.shape == (3, tiny_clap.dim) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-5)
    assert np.array_equal(a, tiny_clap.embed_audio(clips))  # no random crop or fusion choice
    assert np.allclose(tiny_clap.embed_audio(clips[:1]), a[:1], atol=1e-5)  # batch-independent
    t = tiny_clap.embed_texts(["A gunshot.", "Rain falling on the pavement near a busy road."])
    assert t.shape == (2, tiny_clap.dim) and np.allclose(np.linalg.norm(t, axis=1), 1, atol=1e-5)
    assert tiny_clap.embed_audio([]).shape == (0, tiny_clap.dim)


@pytest.mark.slow
def test_a_sample_rate_the_model_was_not_made_for_is_refused(tiny_clap):
    with pytest.raises(ConfigError, match="expects 48000 Hz"):
        registry.create("audio_text_embedder", "transformers", model="tiny", sample_rate=16000)


def test_fake_audio_embedder_is_deterministic_and_level_sensitive():
    fake = registry.create("audio_text_embedder", "fake")
    quiet, loud = np.full(100, 0.001, np.float32), np.full(100, 0.5, np.float32)
    a = fake.embed_audio([quiet, loud, quiet])
    assert np.array_equal(a[0], a[2]) and not np.allclose(a[0], a[1])
    assert fake.info.meaningless and fake.info.role == "audio_text_embedder"
