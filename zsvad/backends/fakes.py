"""Deterministic, zero-cost fake backends for tests and benchmarks.

Their outputs depend only on their inputs (hashes), never on randomness, so tests can assert
exact behaviour. Results made with them are marked meaningless in provenance.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from pydantic import Field

from zsvad.backends.build import KINDS
from zsvad.backends.options import Options, read_options, takes
from zsvad.backends.protocols import ChatRequest, Clip, Generation, ModelInfo
from zsvad.config.audio import AudioConfig
from zsvad.config.judge import JudgeConfig
from zsvad.config.memory import EmbedderConfig
from zsvad.config.video import CaptionerConfig, ImageEmbedderConfig

_WORD = re.compile(r"[a-z]+")


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return (v / np.maximum(n, 1e-12)).astype(np.float32)


def _word_vector(word: str, dim: int) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "little")
    return np.random.default_rng(seed).standard_normal(dim).astype(np.float32)


class _FakeEmbedding(Options):
    """Options of the fake embedders: the fields every backend of their kind takes, plus:"""

    dim: int = Field(64, ge=1)
    """Size of the vectors."""


class _FakeText(_FakeEmbedding):
    model: str = "fake-bow"
    """Any name; recorded in provenance."""


class FakeTextEmbedder:
    """Bag-of-words embedder: texts sharing words get similar vectors."""

    capabilities = frozenset({"text"})
    Options = takes(EmbedderConfig, *KINDS["text_embedder"].common, base=_FakeText)

    def __init__(self, model: str | None = None, **options):
        o = read_options(self, options, model)
        self.dim = o.dim
        self.info = ModelInfo("text_embedder", "fake", o.model, o.revision or "v1", True)
        self.calls = 0

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                out[i] += _word_vector(word, self.dim)
            if not out[i].any():
                out[i] = _word_vector("<empty>", self.dim)
        return _unit(out)


class RecordingTextEmbedder(FakeTextEmbedder):
    """:class:`FakeTextEmbedder` that keeps every text it was asked to embed, in order (tests
    count what was embedded, e.g. that a cache hit embeds nothing)."""

    def __init__(self, model: str | None = None, **options):
        super().__init__(model, **options)
        self.texts: list[str] = []

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return super().embed_texts(texts)


class _FakeClip(_FakeEmbedding):
    model: str = "fake-clip"
    """Any name; recorded in provenance."""


class FakeImageTextEmbedder(FakeTextEmbedder):
    """Embeds images from their mean colour; text like :class:`FakeTextEmbedder`."""

    capabilities = frozenset({"text", "image"})
    Options = takes(ImageEmbedderConfig, *KINDS["image_text_embedder"].common, base=_FakeClip)

    def __init__(self, model: str | None = None, **options):
        super().__init__(model, **options)
        self.info = replace(self.info, role="image_text_embedder")

    def embed_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        out = np.zeros((len(images), self.dim), dtype=np.float32)
        for i, img in enumerate(images):
            mean = np.asarray(img, dtype=np.float32).reshape(-1, 3).mean(axis=0)
            out[i] = _word_vector(f"rgb{int(mean.sum()) // 32}", self.dim)
        return _unit(out)


class _FakeClap(_FakeEmbedding):
    model: str = "fake-clap"
    """Any name; recorded in provenance."""


class FakeAudioTextEmbedder(FakeTextEmbedder):
    """Embeds an audio clip from its peak level (10 dB steps); text like
    :class:`FakeTextEmbedder`."""

    capabilities = frozenset({"text", "audio"})
    Options = takes(
        AudioConfig, *KINDS["audio_text_embedder"].common, "sample_rate", base=_FakeClap
    )

    def __init__(self, model: str | None = None, **options):
        super().__init__(model, **options)
        self.sample_rate = read_options(self, options, model).sample_rate
        self.info = replace(self.info, role="audio_text_embedder")
        self.clips = 0

    def embed_audio(self, clips: Sequence[np.ndarray]) -> np.ndarray:
        self.clips += len(clips)
        out = np.zeros((len(clips), self.dim), dtype=np.float32)
        for i, clip in enumerate(clips):
            peak = float(np.max(np.abs(clip))) if len(clip) else 0.0
            level = int(20 * np.log10(max(peak, 1e-6))) // 10
            out[i] = _word_vector(f"level{level}", self.dim)
        return _unit(out)


class _FakeCaptioner(Options):
    """Options of the fake captioner: the fields every captioner takes (unused)."""

    model: str = "fake-captioner"
    """Any name; recorded in provenance."""


class FakeCaptioner:
    """Captions a clip with a sentence derived from its time and mean brightness."""

    Options = takes(CaptionerConfig, *KINDS["captioner"].common, base=_FakeCaptioner)

    def __init__(self, model: str | None = None, **options):
        o = read_options(self, options, model)
        self.info = ModelInfo("captioner", "fake", o.model, o.revision or "v1", meaningless=True)

    def caption(self, clips: Sequence[Clip]) -> list[str]:
        out = []
        for clip in clips:
            level = int(np.asarray(clip.frames).mean()) // 64 if len(clip.frames) else 0
            scene = ["a dark street", "a dim room", "a lit shop", "a bright yard"][min(level, 3)]
            out.append(f"A person walks through {scene} at second {clip.start:.0f}.")
        return out


class _AlarmOptions(Options):
    """Options of the alarm captioner: the fields every captioner takes (unused), plus:"""

    model: str = "fake-alarm"
    """Any name; recorded in provenance."""
    alarm: list[tuple[float, float]] = []
    """Time ranges ``[[start_s, end_s], …]`` whose clips get the alarm caption."""


class AlarmCaptioner:
    """Captions clips that overlap one of the ``alarm`` time ranges (``[[start_s, end_s], …]``)
    with a sentence of the ``starter`` memory's anomalous captions (retrieval scores it ~0.98
    with the fake embedder), others with one of its normal captions (~0.02): a synthetic high
    score at chosen times, for tests of alerts (``--set captioner.options={alarm: [[4, 8]]}``)."""

    ALARM = "Gunfire erupts and people run for cover."
    NORMAL = "A person walks along the sidewalk past parked cars."
    Options = takes(CaptionerConfig, *KINDS["captioner"].common, base=_AlarmOptions)

    def __init__(self, model: str | None = None, **options):
        o = read_options(self, options, model)
        self.info = ModelInfo("captioner", "fake_alarm", o.model, o.revision or "v1", True)
        self.alarm = list(o.alarm)

    def caption(self, clips: Sequence[Clip]) -> list[str]:
        hot = [any(c.start < b and a < c.end for a, b in self.alarm) for c in clips]
        return [self.ALARM if h else self.NORMAL for h in hot]


class _FakeLLM(Options):
    """Options of the fake LLM: the fields every LLM backend takes."""

    model: str = "fake-llm"
    """Any name; recorded in provenance."""
    delay_s: float = Field(0.0, ge=0, le=60)
    """Seconds each request takes (tests of interrupted runs: ``judge.options.delay_s``)."""


class FakeLLM:
    """Answers from keywords: 'yes' (anomalous) if the prompt mentions violence words.

    Supports every capability so scoring paths can be tested; ``choice_logprobs`` are derived
    deterministically from the keyword count.
    """

    capabilities = frozenset({"logprobs", "choice", "json"})
    KEYWORDS = ("fight", "fire", "gun", "shoot", "steal", "rob", "crash", "explo", "hit", "punch")

    Options = takes(JudgeConfig, *KINDS["llm"].common, base=_FakeLLM)

    def __init__(self, model: str | None = None, **options):
        o = read_options(self, options, model)
        self.info = ModelInfo("llm", "fake", o.model, o.revision or "v1", meaningless=True)
        self.calls = 0
        self.delay_s = o.delay_s

    def _p_anomalous(self, text: str) -> float:
        hits = sum(text.lower().count(k) for k in self.KEYWORDS)
        return float(1.0 - 0.9 / (1.0 + hits))

    def generate(self, requests: Sequence[ChatRequest]) -> list[Generation]:
        self.calls += 1
        if self.delay_s:
            time.sleep(self.delay_s * len(requests))
        out = []
        for req in requests:
            p = self._p_anomalous(req.user)
            if req.choices:
                first, second = req.choices[0], req.choices[-1]
                # Convention: the first choice is the anomalous one ("yes"/"anomalous").
                logprobs = {first: float(np.log(p)), second: float(np.log(1 - p))}
                for c in req.choices[1:-1]:
                    logprobs[c] = float(np.log(1e-6))
                best = max(logprobs, key=logprobs.__getitem__)
                out.append(Generation(text=best, choice_logprobs=logprobs))
            elif req.json_schema is not None:
                out.append(Generation(text=f'{{"score": {p:.3f}, "reason": "keyword count"}}'))
            else:
                out.append(Generation(text=f"Score: {p:.2f}. The scene mentions keywords."))
        return out


class RecordingLLM(FakeLLM):
    """:class:`FakeLLM` that keeps every request it was sent, in order (tests read the prompts
    the judge rendered)."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.requests: list[ChatRequest] = []

    def generate(self, requests: Sequence[ChatRequest]) -> list[Generation]:
        self.requests.extend(requests)
        return super().generate(requests)
