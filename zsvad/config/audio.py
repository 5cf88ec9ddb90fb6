"""Config of the audio track: the acoustic cue, the audio-text model and their fusion."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from zsvad.config.base import Section, Setting


class AudioConfig(Section):
    """Evidence from the audio track of videos (caption inputs have none). Off by default: with
    neither ``cue`` nor ``backend`` set nothing is decoded and results are those of a video
    without sound. A video without an audio track is scored exactly as before and its
    provenance says so (``stats.audio``)."""

    cue: bool = False
    """Weight-free acoustic cue (component ``audio_cue``): each window's loudness and spectral
    novelty as a robust z-score against the video's own running baseline, so a sudden bang in a
    quiet scene scores high and a constantly loud street does not. No model."""
    backend: str | None = None
    """Registry name of the audio-text embedder (``transformers``: CLAP through transformers;
    ``fake``), or None. Each window's audio is embedded and retrieved against the audio captions
    of the memory (component ``audio``, evidence: the nearest captions)."""
    model: str | None = Setting(None, role="model", backend="common")
    """HF id (e.g. ``laion/clap-htsat-unfused``) or local directory of a CLAP model; ``tiny``: a
    random-weight CLAP built locally (meaningless scores)."""
    revision: str | None = Setting(None, role="model", backend="common")
    """Pinned hub revision (commit) of ``model``; ignored for local directories."""
    device: str = Setting("cpu", role="runtime", backend="takes")
    """Torch device of the audio-text model."""
    batch_size: int = Setting(16, ge=1, role="runtime", backend="takes")
    """Windows per forward pass of the audio-text model; peak memory ~ batch_size windows of
    audio (4 s at 48 kHz: 0.8 MB each) besides the model."""
    memory: str | None = Setting(None, role="model")
    """Memory whose ``audio/`` section holds the audio captions (a name under ``memory/`` or a
    folder); None: ``memory.name``'s. The ``surveillance`` memory ships one (docs/audio.md)."""
    sample_rate: int = Setting(48_000, ge=8_000, le=192_000, backend="shared")
    """Rate (Hz) the track is resampled to, mono, before the cue and the model see it. CLAP
    checkpoints expect 48 kHz (the backend refuses another rate)."""
    baseline_s: float = Field(30.0, gt=0)
    """Length of the cue's running baseline, seconds: a window's audio is compared with the
    audio of the ``baseline_s`` seconds before it (at the start of a video, while less than half
    of that has passed, with its first ``baseline_s`` seconds; median and MAD ignore a short
    transient in them; live streams never look ahead: ``live.audio_warmup_s``). Not tuned: no
    benchmark audio is available here."""
    cue_z: float = Field(6.0, gt=0)
    """Robust z-score (median / 1.4826·MAD of the baseline) at which the cue is 0.5; it is a
    logistic of width ``cue_z / 6`` (z = cue_z/2: 0.05, z = 1.5·cue_z: 0.95). Not tuned."""
    min_dbfs: float = Field(-60.0, le=0)
    """Sounds quieter than this (dB full scale, 40 ms RMS) never raise the cue, however quiet
    the baseline (no alarm for a faint hiss in digital silence)."""
    fusion: Literal["max", "rule"] = "max"
    """How the audio components enter fusion. ``max``: the audio-vision-language seed's dual
    stream, max(coarse, fine): a window's score is the larger of its audio components fused by
    ``fusion.rule`` and its other components fused by ``fusion.rule``, so audio can raise a
    window but never dilute it. ``rule``: audio components are components like any other in
    ``fusion.rule`` (weights from ``fusion.weights``). A window with only audio or only other
    components is fused by ``fusion.rule`` either way."""

    @property
    def enabled(self) -> bool:
        """True when any audio evidence is configured (the track is read)."""
        return self.cue or bool(self.backend)
