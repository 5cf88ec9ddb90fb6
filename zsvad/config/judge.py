"""Config of the LLM judge."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from zsvad.config.base import Section, Setting
from zsvad.errors import ConfigError


class JudgeConfig(Section):
    """LLM that rates windows of captions (none: retrieval only)."""

    backend: str | None = None
    """Registry name of the LLM backend (transformers, vllm, openai, fake); ``file`` for
    judgments read from ``judgments`` (no LLM); None for no judge."""
    model: str | None = Setting(None, backend="common")
    """HF id, local directory, GGUF file, or the served model name (openai)."""
    revision: str | None = Setting(None, backend="common")
    """Pinned revision of ``model`` (local files are identified by a content hash instead)."""
    prompt: str = "yesno_logprob"
    """Prompt template id (``zsvad prompts ls``), ``id@version``, or path to a YAML template."""
    device: str = Setting("auto", role="runtime", backend="takes")
    """Device of in-process backends (auto, cpu, cuda, cuda:1)."""
    base_url: str | None = Setting(None, role="runtime", backend="takes")
    """Root of an OpenAI-compatible server for the openai backend, e.g.
    ``http://127.0.0.1:8000/v1``."""
    options: dict[str, Any] = Field(default_factory=dict)
    """Options of the backend (e.g. transformers: gguf_file; openai: timeout_s, max_retries,
    concurrency, extra_body; vllm: tokenizer, max_model_len, engine_args). Each backend takes
    exactly the options its ``Options`` model declares (``zsvad info --options``): an unknown
    one, or ``device``/``base_url`` set for a backend that does not take it, is an error naming
    it."""
    batch_size: int = Setting(8, ge=1, role="runtime", backend="shared")
    """Windows sent to the backend per call."""
    span: int = Field(1, ge=0)
    """Neighbouring captions shown on each side of the judged one (0: the caption alone)."""
    summary_prompt: str | None = None
    """Optional summary step: template (type text) whose answer is passed to the judge prompt
    as ``summary`` (e.g. ``window_summary``)."""
    neighbours: int = Field(3, ge=0)
    """Retrieved memory captions passed as ``neighbours`` to prompts that use them."""
    vars: dict[str, Any] = Field(default_factory=dict)
    """Values of template variables the judge does not fill itself, e.g.
    ``--set judge.vars.site="a parking lot"``; they override the template's defaults."""
    anomalies: list[str] = Field(default_factory=list)
    """User-defined anomaly descriptions passed as ``anomalies`` (open vocabulary), e.g.
    ["people climbing the fence"]."""
    gate: Literal["all", "uncertain"] = "all"
    """all: judge every window with text; uncertain: only windows whose retrieval score is within
    ``gate_margin`` of ``gate_center``, or whose components disagree by ``gate_disagreement``."""
    gate_center: float | None = Field(None, ge=0, le=1)
    """Score around which retrieval is uncertain (None: ``temporal.threshold``)."""
    gate_margin: float = Field(0.15, ge=0, le=1)
    """Half-width of the uncertain band around ``gate_center``."""
    gate_disagreement: float = Field(0.5, ge=0, le=1)
    """Windows whose other components (e.g. clip) differ from each other by at least this are
    judged too."""
    cache: bool = Setting(True, role="runtime")
    """Reuse judge answers from the on-disk cache (keyed by prompt id, version, rendered text,
    model and revision)."""
    log_samples: str | None = Setting(None, role="runtime")
    """JSONL file every judged window is appended to: video, window, prompt (id@version and
    hash), rendered system and user messages, the raw answer, its score and how it was read
    (``score --log-samples FILE``)."""
    max_rationale_chars: int = Field(200, ge=0)
    """Longest rationale kept per window (0: none)."""
    judgments: str | None = None
    """Judgments JSONL the judge component is read from instead of an LLM (``zsvad judgments
    import``, or ``save_judgments`` of an earlier run; ``score --judgments FILE``): implies
    ``backend: file``, loads no model. A window gets the judgment with its exact span, else the
    overlap-weighted mean of the judgments overlapping it; a window none overlaps gets no judge
    component (docs/judge.md). Results depend on the file's content, not its path."""
    save_judgments: str | None = Setting(None, role="runtime")
    """JSONL a live judge appends its judgments to as it makes them, one row per window (video,
    span, score or null when not judged, model, rationale), so that ``judgments`` replays the
    run's scores exactly (``score --save-judgments FILE``)."""


def judge_backend(cfg: JudgeConfig) -> str | None:
    """The judge that runs: ``file`` when ``judgments`` is set, else ``backend`` (None: no
    judge); a ConfigError for ``judgments`` with an LLM backend, or ``file`` without them."""
    if cfg.judgments:
        if cfg.backend not in (None, "file"):
            raise ConfigError(
                f"judge.judgments replaces the LLM, but judge.backend is {cfg.backend!r}: set "
                "judge.backend to file (or leave it unset)"
            )
        return "file"
    if cfg.backend == "file":
        raise ConfigError("judge.backend file needs judge.judgments (a judgments JSONL file)")
    return cfg.backend
