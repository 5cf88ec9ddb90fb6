"""The one way zsvad builds a backend: from its config section, checked against what it takes.

:func:`build` resolves the section's ``backend`` in :mod:`zsvad.registry` and hands it the
section's fields that its ``Options`` model declares (:mod:`zsvad.backends.options`) plus the
section's ``options``. A field set for a backend that does not take it, or an unknown key under
``options``, is a :class:`ConfigError` that names it (and the backends that do take it);
:func:`check_config` runs the same check when a config is loaded, so a bad option stops a run
before anything is scored.

A backend registered without an ``Options`` model (``registry.register`` by third-party code)
gets its section's common fields (:attr:`Kind.common`: model and revision; a captioner also
prompt, frames and max_new_tokens) and its ``options`` unchecked; any other field set for it is
refused the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from zsvad import registry
from zsvad.config.audio import AudioConfig
from zsvad.config.base import Section
from zsvad.config.judge import JudgeConfig, judge_backend
from zsvad.config.memory import EmbedderConfig
from zsvad.config.video import CaptionerConfig, ImageEmbedderConfig
from zsvad.errors import ConfigError
from zsvad.strict import problem

if TYPE_CHECKING:
    from zsvad.config.schema import ZsvadConfig


@dataclass(frozen=True)
class Kind:
    """How the backends of one registry kind are configured: the section's fields that are
    settings of its backend, as the section declares them (:func:`zsvad.config.base.Setting`)."""

    section: str
    """The config section that configures them."""
    config: type[Section]
    """The model of that section."""
    label: str
    """What one is called in messages ("the vllm captioner")."""

    @property
    def fields(self) -> tuple[str, ...]:
        """The section's fields that are settings of its backend (the others are the
        stage's)."""
        return self.config.backend_fields()

    @property
    def common(self) -> tuple[str, ...]:
        """Fields every built-in backend of the kind takes; all a backend without ``Options``
        gets."""
        return self.config.backend_fields("common")

    @property
    def shared(self) -> tuple[str, ...]:
        """Fields the stage uses too: passed to a backend that takes them, refused for none."""
        return self.config.backend_fields("shared")


KINDS: dict[str, Kind] = {
    "text_embedder": Kind("embedder", EmbedderConfig, "text embedder"),
    "image_text_embedder": Kind("image_embedder", ImageEmbedderConfig, "image-text embedder"),
    "captioner": Kind("captioner", CaptionerConfig, "captioner"),
    "audio_text_embedder": Kind("audio", AudioConfig, "audio-text embedder"),
    "llm": Kind("judge", JudgeConfig, "LLM"),
}
"""Registry kind -> how its backends are configured."""


def _declared(kind: str, name: str) -> type[BaseModel] | None:
    """The ``Options`` model of backend ``name`` of ``kind`` (None: it declares none)."""
    return getattr(registry.resolve(kind, name), "Options", None)


def _others(kind: str, backend: str, option: str) -> list[str]:
    """The other registered backends of ``kind`` that take ``option``."""
    out = []
    for name in registry.names(kind):
        try:
            options = _declared(kind, name) if name != backend else None
        except Exception:  # a third-party backend that fails to import is no hint
            options = None
        if options is not None and option in options.model_fields:
            out.append(name)
    return out


def _not_taken(kind: str, path: str, option: str, backend: str) -> ConfigError:
    spec = KINDS[kind]
    problem = f"{path} is not an option of the {backend} {spec.label}"
    declared = _declared(kind, backend)
    if declared is None:
        common = ", ".join(spec.common)
        return ConfigError(f"{problem} (it declares no options: it gets {common} and options)")
    others = _others(kind, backend, option)
    if len(others) == 1:
        return ConfigError(f"{problem} (the {others[0]} {spec.label} takes it)")
    if others:
        names = f"{', '.join(others[:-1])} and {others[-1]}"
        return ConfigError(f"{problem} (the {names} {spec.label}s take it)")
    return ConfigError(f"{problem}; it takes: {', '.join(sorted(declared.model_fields))}")


def _changed(section: BaseModel, name: str) -> bool:
    """Whether field ``name`` of ``section`` differs from its default: what counts as set for a
    backend (not ``model_fields_set``: a config rebuilt from its dump, as batch workers and
    results hold it, has every field set)."""
    default = type(section).model_fields[name].get_default(call_default_factory=True)
    return getattr(section, name) != default


def backend_kwargs(kind: str, section: Any) -> dict[str, Any]:
    """The keyword arguments ``section`` gives its backend of ``kind``: the fields the backend
    takes (those unset, None by default, are left to it) and the section's ``options`` on top;
    a field set
    (off its default) for a backend that does not take it, an unknown option or a bad value is
    a :class:`ConfigError`."""
    spec = KINDS[kind]
    declared = _declared(kind, section.backend)
    taken = set(spec.common) if declared is None else set(declared.model_fields)
    kwargs: dict[str, Any] = {}
    for name in spec.fields:
        if name in taken:
            if getattr(section, name) is not None or _changed(section, name):
                kwargs[name] = getattr(section, name)  # None only when set so, not by default
        elif name not in spec.shared and _changed(section, name):
            raise _not_taken(kind, f"{spec.section}.{name}", name, section.backend)
    options = dict(getattr(section, "options", None) or {})
    for key in options:
        if declared is not None and key not in taken:
            raise _not_taken(kind, f"{spec.section}.options.{key}", key, section.backend)
    kwargs.update(options)
    if declared is not None:
        try:
            declared.model_validate(kwargs)
        except ValidationError as exc:
            raise ConfigError(problem(exc, f"{spec.section}.", options)) from exc
    return kwargs


def describe(kind: str, name: str) -> str:
    """What backend ``name`` of ``kind`` takes, in one line: its section's fields, then its
    options with their defaults (``zsvad info --options``)."""
    spec = KINDS[kind]
    declared = _declared(kind, name)
    if declared is None:
        return f"{', '.join(spec.common)}; options: not declared (passed on unchecked)"
    fields = [f for f in spec.fields if f in declared.model_fields]
    extra = [
        f"{n}={info.get_default(call_default_factory=True)!r}"
        for n, info in declared.model_fields.items()
        if n not in spec.fields
    ]
    where = "options" if "options" in spec.config.model_fields else "constructor only"
    return ", ".join(fields) + (f"; {where}: {', '.join(extra)}" if extra else "")


def build(kind: str, section: Any) -> Any:
    """The backend of ``kind`` (a key of :data:`KINDS`: text_embedder, image_text_embedder,
    captioner, audio_text_embedder, llm) that the
    config ``section`` names in its ``backend``, built from what :func:`backend_kwargs` gives
    it."""
    return registry.create(kind, section.backend, **backend_kwargs(kind, section))


def check_config(cfg: ZsvadConfig, source: str | None = None) -> None:
    """Check every configured backend of ``cfg`` as :func:`build` would, building none: an
    unknown backend, a field or option the chosen backend does not take, or a bad option
    value is a :class:`ConfigError` (from ``source``); so is a judge with both judgments and an
    LLM (:func:`~zsvad.config.judge.judge_backend`), which builds no LLM."""
    for kind, spec in KINDS.items():
        section = getattr(cfg, spec.section)
        try:
            if kind == "llm" and judge_backend(section) == "file":
                continue  # judgments read from a file: no LLM
            if section.backend:
                backend_kwargs(kind, section)
        except ConfigError as exc:
            raise ConfigError(exc.problem, source=source) from exc


def needs_model(kind: str, section: Any) -> bool:
    """Whether the backend ``section`` names needs ``section.model`` and it is not set: its
    ``Options`` declares no default for ``model`` (a fake backend names itself and needs
    none; a judge reading judgments from a file runs no LLM); a backend without ``Options``
    is given the benefit of the doubt."""
    if getattr(section, "model", None):
        return False
    if kind == "llm" and judge_backend(section) == "file":
        return False
    declared = _declared(kind, section.backend)
    if declared is None or "model" not in declared.model_fields:
        return False
    info = declared.model_fields["model"]
    return info.is_required() or info.get_default(call_default_factory=True) is None
