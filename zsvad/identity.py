"""What a result depends on: the identity of a config, and its hash.

A result (scores, windows, segments, evidence, rationales) is a function of the input's content
and of :func:`identity`. Batch keys, the batch output folder, ``provenance.config_hash`` and the
judge's by-config cache all use it, so a change that can alter a result re-scores, and one that
cannot does not.

Each field's role is declared once, where the field is (:func:`zsvad.config.base.Setting`), and
a section's own identity is derived from it (:meth:`zsvad.config.base.Section.identity`); this
module adds what needs reading files (prompt templates, memories, local models). The rule, field
by field:

- **In**: every field that can change a result: models (backend, id, revision, dtype,
  quantization), the captioner's prompt, frames and token budget, video sampling (clip length,
  stride, frames per clip, resize, key frames only), the memory (name, extra files, categories,
  index type and HNSW search, which are approximate), retrieval, judge prompts and their
  variables, gating, span, neighbours, rationale length, fusion and temporal settings, and
  backend ``options`` other than :data:`RUNTIME_OPTIONS`.
- **Out**: where or how fast a run works, and names of things identified otherwise: ``profile``
  (a name: its values are in), devices and device maps, batch sizes, threads, caches and cache
  folders, ``memory.index_dir`` / ``index_path`` (an index is checked against its memory and
  embedder), servers (``base_url``, API keys, timeouts, retries, concurrency, vLLM memory share
  and context length), ``video.decoder`` (decoders show the same frame at each sample time; the
  video cache treats them as equal too), ``video.max_pixels`` (a size limit, not a score),
  ``judge.log_samples`` / ``judge.save_judgments``, the ``live`` section (``zsvad watch``
  only; live results add its causal settings to their hash:
  :func:`zsvad.live.results.live_config_hash`) and the ``privacy`` section (it changes
  written images, never a score).
- **Paths become content**: prompt templates (``judge.prompt``, ``judge.summary_prompt``, by id
  or path) by the template's content hash; the memory by its captions and manifest, each
  ``memory.extra_files`` file by its content, the categories a source group (``@ucf``) of
  ``memory.categories`` expands to; a local model file or folder (``embedder.model``,
  ``captioner.model``, ``image_embedder.model`` / ``pretrained``, ``judge.model``) by
  :func:`zsvad.hashing.tree_hash`; a judgments file (``judge.judgments``) by its SHA-256, and
  then the judge's LLM settings are left out (no LLM runs).
  Hub models are named by id + revision, as the config gives them.
- **Off**: a section switched off (``events.enabled: false``; audio without cue or model) is
  left out whole: its other fields change nothing, and configs from before the section existed
  keep their hash.
- **Audio**: the ``audio`` section only when it is on (``audio.cue`` or ``audio.backend``), so
  a config without audio has the identity it had before the section existed; with an audio
  model, the content of the memory's audio captions.
- **Code**: :data:`SCORING_VERSION`, bumped when a code change alters scores of an unchanged
  config (not every release does).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from zsvad.config.base import runtime_options
from zsvad.errors import ZsvadError
from zsvad.hashing import file_hash, stable_hash, tree_hash

if TYPE_CHECKING:
    from zsvad.config.judge import JudgeConfig
    from zsvad.config.schema import ZsvadConfig

SCORING_VERSION = 1
"""Version of the scoring code: results of an unchanged config change only when it changes."""

RUNTIME_OPTIONS = runtime_options()
"""Keys of backend ``options`` that only say where or how fast a backend runs (derived from
the field roles of :mod:`zsvad.config.base`)."""


def _local(name: str | None) -> str | None:
    """Content identity of ``name`` when it is an existing local file or folder, else None."""
    if not name:
        return None
    try:
        path = Path(name)
        return tree_hash(path) if path.exists() else None
    except (OSError, ValueError):  # e.g. a hub id too long or odd to be a path
        return None


def _section(cfg: Any) -> dict[str, Any]:
    """The section's own identity (:meth:`zsvad.config.base.Section.identity`) plus the content
    of the local model files or folders it names."""
    data = cfg.identity()
    for field in ("model", "pretrained"):
        local = _local(data.get(field))
        if local is not None:
            data[f"{field}_content"] = local
    return data


def _prompt_hash(ref: str | None) -> str | None:
    if not ref:
        return None
    from zsvad.prompts.loader import load_prompt

    return load_prompt(ref).content_hash


def judge_identity(cfg: JudgeConfig) -> dict[str, Any]:
    """What a judge's answers depend on: its config less runtime fields, prompt contents; for
    judgments read from a file, the file's content (not its path) and the rationale length."""
    from zsvad.config.judge import judge_backend

    if judge_backend(cfg) == "file":
        return {
            "backend": "file",
            "judgments_content": _judgments_hash(cfg.judgments),
            "max_rationale_chars": cfg.max_rationale_chars,
        }
    data = _section(cfg)
    data.pop("judgments", None)  # None here: configs from before the field keep their identity
    if cfg.backend:
        data["prompt_content"] = _prompt_hash(cfg.prompt)
        data["summary_prompt_content"] = _prompt_hash(cfg.summary_prompt)
    return data


def _judgments_hash(path: str) -> str:
    from zsvad.errors import ConfigError, InputError
    from zsvad.hashing import content_hash

    try:
        return content_hash(path, "full")
    except InputError as exc:
        raise ConfigError(f"judge.judgments: {exc}") from exc


def _memory_content(cfg: ZsvadConfig) -> dict[str, Any]:
    from zsvad.memory.store import resolve_memory_dir

    mdir = resolve_memory_dir(cfg.memory.name)
    files = [mdir / "captions.jsonl", mdir / "manifest.json"]
    out: dict[str, Any] = {
        "memory": [file_hash(f) if f.is_file() else None for f in files],
        "extra_files": [_extra(f) for f in cfg.memory.extra_files],
    }
    if any(c.startswith("@") for c in cfg.memory.categories):
        from zsvad.memory.store import expand_categories

        # what a group such as @ucf stands for today (the taxonomy decides), not its files
        out["categories"] = sorted(expand_categories(cfg.memory.categories))
    return out


def _extra(name: str) -> str:
    from zsvad.errors import ConfigError, InputError
    from zsvad.hashing import content_hash

    try:
        return content_hash(name, "full")
    except InputError as exc:
        raise ConfigError(f"memory.extra_files: {exc}") from exc


def identity(cfg: ZsvadConfig) -> dict[str, Any]:
    """Everything a result of ``cfg`` depends on (besides the input), as plain JSON data."""
    out: dict[str, Any] = {"scoring_version": SCORING_VERSION}
    for name in type(cfg).fields_where("result"):
        section = getattr(cfg, name)
        if getattr(section, "enabled", True) is False:
            # a section switched off (events, audio) changes nothing: the identity of configs
            # from before it existed. Runtime ones (profile, live, privacy) are out: live
            # results add their causal settings (zsvad.live.results.live_config_hash)
            continue
        out[name] = judge_identity(section) if name == "judge" else _section(section)
    out["memory_content"] = _memory_content(cfg)
    if cfg.audio.backend:
        out["audio_memory_content"] = _audio_memory_content(cfg)
    return out


def _audio_memory_content(cfg: ZsvadConfig) -> str | None:
    from zsvad.memory.audio import audio_section_dir

    try:
        path = audio_section_dir(cfg.audio.memory or cfg.memory.name) / "captions.jsonl"
    except ZsvadError:
        return None  # scoring says what is missing
    return file_hash(path)


def config_hash(cfg: ZsvadConfig) -> str:
    """Short hash (16 hex digits) of :func:`identity`: equal for configs whose results are
    equal, recorded as ``provenance.config_hash`` and naming a batch's result folder."""
    return stable_hash(identity(cfg), 16)
