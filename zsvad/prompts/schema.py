"""Pydantic schema of a prompt template file (unknown keys are rejected)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from zsvad.strict import Strict

_VERSION = re.compile(r"^\d+(\.\d+)*$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_.\-/]*$")


class _Strict(Strict):
    model_config = ConfigDict(populate_by_name=True)


class Variable(_Strict):
    """A variable the template uses."""

    name: str
    """Name used in the Jinja template."""
    description: str = ""
    """What the caller passes in it."""
    default: str | int | float | bool | list | dict | None = None
    """Value used when neither the renderer nor the config (``judge.vars``) sets it; a
    variable nobody fills and without a default is refused by ``zsvad prompts validate``."""


class GenerationSpec(_Strict):
    """Decoding settings (greedy with a fixed seed unless told otherwise)."""

    max_tokens: int = Field(128, gt=0, le=8192)
    """Most tokens to generate."""
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    """0 means greedy decoding."""
    seed: int = 0
    """Sampling seed (used when temperature > 0; recorded always)."""
    stop: list[str] = []
    """Strings that end the answer."""
    answer_prefix: str = ""
    """Text the answer is made to start with, on backends that can prefill the assistant turn
    (capability ``prefill``); keeps small models on the output format. Callers parse
    ``answer_prefix + answer``; backends without the capability are asked without it."""


class OutputSpec(_Strict):
    """How the answer is read.

    - ``choices``: the answer is one of ``choices``; P(``positive``) comes from the labels'
      log-probabilities where the backend gives them, else from the constrained or parsed choice.
    - ``json``: a JSON object following ``schema``; ``score_field`` holds the score.
    - ``regex``: free text; ``regex`` (then each of ``fallback``) captures the score in group 1.
    - ``text``: free text, not scored (summaries, memory generation).
    """

    type: Literal["choices", "json", "regex", "text"]
    """One of choices, json, regex, text."""
    choices: list[str] | None = None
    """Answer labels (type choices), e.g. [yes, no]."""
    positive: str | None = None
    """The label meaning "anomalous" (type choices; not needed with ``values``)."""
    values: dict[str, float] | None = None
    """Value in [0, 1] of every label (type choices), for a rating scale read by log-probs:
    the score is the labels' expected value under their probabilities (G-Eval's reading), so
    a judge asked for a 0–10 rating scores on the same scale as one that answers the number;
    an answered label scores its value. Default: 1 for ``positive``, 0 for the others (the
    score is then P(``positive``))."""
    json_schema: dict[str, Any] | None = Field(None, alias="schema")
    """JSON schema of the answer object (type json), written as ``schema:``."""
    score_field: str = "score"
    """Field of the JSON answer holding the score (type json)."""
    rationale_field: str | None = None
    """Field of the JSON answer holding the rationale (type json)."""
    regex: str | None = None
    """Pattern whose group 1 is the score (type regex; optional last resort for the others)."""
    fallback: list[str] = []
    """Further patterns tried in order when ``regex`` does not match."""
    max_value: float = Field(1.0, gt=0)
    """Scale of parsed numeric scores (divided by this to get [0, 1])."""

    @field_validator("choices")
    @classmethod
    def _choices(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        if len(v) < 2:
            raise ValueError("needs at least two choices")
        if any(not c.strip() for c in v):
            raise ValueError("choices must be non-empty strings")
        if len({c.strip().lower() for c in v}) != len(v):
            raise ValueError("choices must differ (case-insensitively)")
        return v

    @field_validator("regex", "fallback")
    @classmethod
    def _patterns(cls, v):
        for pattern in [v] if isinstance(v, str) else v or []:
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
            if compiled.groups < 1:
                raise ValueError(f"pattern {pattern!r} needs a group capturing the score")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> OutputSpec:
        t = self.type
        if t == "choices":
            if not self.choices:
                raise ValueError("type choices needs 'choices'")
            if self.values is not None:
                if set(self.values) != set(self.choices):
                    raise ValueError("'values' needs exactly one value for each choice")
                if any(not 0 <= v <= 1 for v in self.values.values()):
                    raise ValueError("'values' must lie in [0, 1]")
                if self.positive is not None and self.positive not in self.choices:
                    raise ValueError(f"'positive' must be one of the choices {self.choices}")
            elif self.positive is None or self.positive not in self.choices:
                raise ValueError(f"'positive' must be one of the choices {self.choices}")
        elif self.choices is not None or self.positive is not None or self.values is not None:
            raise ValueError(
                f"'choices', 'positive' and 'values' apply only to type choices, not {t}"
            )
        if t == "json":
            s = self.json_schema
            if not s or s.get("type") != "object" or not isinstance(s.get("properties"), dict):
                raise ValueError("type json needs 'schema', an object schema with 'properties'")
            if self.score_field not in s["properties"]:
                raise ValueError(f"schema has no property '{self.score_field}' (score_field)")
            if self.rationale_field and self.rationale_field not in s["properties"]:
                raise ValueError(f"schema has no property '{self.rationale_field}'")
        elif self.json_schema is not None:
            raise ValueError(f"'schema' applies only to type json, not {t}")
        if t == "regex" and not self.regex:
            raise ValueError("type regex needs 'regex'")
        if self.fallback and not self.regex:
            raise ValueError("'fallback' needs 'regex'")
        if t == "text" and self.regex:
            raise ValueError("type text is not scored: drop 'regex'")
        return self

    def value(self, label: str) -> float:
        """The score of answering ``label`` (type choices): its ``values`` entry, else 1 for
        ``positive`` and 0 for any other label."""
        if self.values is not None:
            return float(self.values[label])
        return float(label == self.positive)

    @property
    def patterns(self) -> list[str]:
        """``regex`` then ``fallback``."""
        return ([self.regex] if self.regex else []) + list(self.fallback)


class PromptTemplate(_Strict):
    """A versioned prompt template."""

    id: str
    """Stable identifier (lowercase letters, digits, ``_ . - /``)."""
    version: str
    """Version, dotted integers (``1``, ``2.1``); bump it on every change of meaning."""
    description: str
    """What the prompt does and when to use it."""
    system: str | None = None
    """System message (Jinja2)."""
    user: str
    """User message (Jinja2)."""
    variables: list[Variable] = []
    """Every variable the template uses."""
    generation: GenerationSpec = Field(default_factory=GenerationSpec)
    """Decoding settings."""
    output: OutputSpec
    """How the answer is read."""

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("id must be lowercase letters, digits and _ . - /")
        return v

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, v: Any) -> str:
        v = str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
        if not isinstance(v, str) or not _VERSION.match(v):
            raise ValueError("version must be dotted integers, e.g. 1 or 2.1")
        return v

    @field_validator("variables")
    @classmethod
    def _unique(cls, v: list[Variable]) -> list[Variable]:
        names = [x.name for x in v]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"variable declared twice: {', '.join(sorted(dup))}")
        return v

    @property
    def variable_names(self) -> set[str]:
        return {v.name for v in self.variables}

    @property
    def content_hash(self) -> str:
        """sha256 (16 hex digits) of the template's content, whatever its file's layout."""
        from zsvad.hashing import stable_hash

        return stable_hash(self.model_dump(mode="json", by_alias=True), 16)

    @property
    def ref(self) -> str:
        """``id@version sha256:<content hash>``, as results record the prompts they used."""
        return f"{self.id}@{self.version} sha256:{self.content_hash}"

    @property
    def version_key(self) -> tuple[int, ...]:
        return tuple(int(p) for p in self.version.split("."))
