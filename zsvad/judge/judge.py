"""The LLM judge: renders a prompt per caption window, asks the LLM (batched, cached) and reads
P(anomalous) and a rationale from each answer."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from zsvad import progress
from zsvad.backends.build import build, needs_model
from zsvad.backends.protocols import (
    LLM,
    MAX_ANSWER_CHARS,
    ChatRequest,
    Generation,
    ModelInfo,
    bound_answer,
)
from zsvad.config.judge import JudgeConfig
from zsvad.errors import ConfigError, ZsvadError
from zsvad.identity import judge_identity
from zsvad.judge.cache import AliasCache, JudgeCache, cache_key, config_key
from zsvad.judge.context import Unit
from zsvad.judge.parse import Verdict, read_answer
from zsvad.judge.render import JudgePrompts
from zsvad.logs import get_logger
from zsvad.prompts.render import RenderedPrompt
from zsvad.prompts.request import answer_text, build_request
from zsvad.results.schema import Evidence

log = get_logger(__name__)


class JudgedWindow(Protocol):
    """What the judge reads and writes on a window (``pipeline.core.WindowInput``)."""

    start: float
    end: float
    text: str | None
    components: dict[str, float]
    evidence: list[Evidence]
    rationale: str | None


@dataclass
class JudgeStats:
    """Counters of one :meth:`Judge.score` call (recorded in provenance.stats)."""

    windows_judged: int = 0
    """Windows sent to the judge whose answer was read."""
    windows_gated_out: int = 0
    """Windows with text the gate did not send to the judge."""
    parse_failures: int = 0
    """Windows whose answer could not be read (they get no judge component)."""
    llm_calls: int = 0
    """Backend calls (each carries up to ``batch_size`` requests)."""
    llm_requests: int = 0
    """Requests answered by the model (not the cache)."""
    judge_cache_hits: int = 0
    """Requests answered from the cache."""
    judge_latency_s: float = 0.0
    """Model time of the judged windows' answers (cached answers keep their measured time)."""
    judge_wall_s: float = 0.0
    """Wall time spent in the judge during this call."""
    answers_cut: int = 0
    """Answers longer than ``MAX_ANSWER_CHARS`` (a server ignoring ``max_tokens``), cut before
    they were cached, parsed or logged."""
    methods: dict[str, int] = field(default_factory=dict)
    """How answers were read: logprobs, choice, json, regex."""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            k: (round(v, 4) if isinstance(v, float) else v)
            for k, v in vars(self).items()
            if k != "methods"
        }
        out.update({f"judge_by_{k}": v for k, v in sorted(self.methods.items())})
        return out


class Judge:
    """Scores windows of one video with an LLM through a prompt template."""

    def __init__(self, cfg: JudgeConfig, *, llm: LLM | None = None, center: float = 0.5):
        if not cfg.backend and llm is None:
            raise ConfigError("judge.backend is not set")
        self.cfg = cfg
        self.center = cfg.gate_center if cfg.gate_center is not None else center
        self.prompts = JudgePrompts(cfg)
        """The templates and how each request is rendered (shared with ``zsvad prompts
        render``)."""
        self.template = self.prompts.template
        self.summary_template = self.prompts.summary_template
        if llm is not None:
            self.__dict__["llm"] = llm
        self.cache = JudgeCache() if cfg.cache else None
        self.aliases = AliasCache(self.cache) if self.cache else None
        self._identity: dict[str, Any] | None = None
        self.cached_info: ModelInfo | None = None
        """The LLM's identity when every answer so far came from the cache (LLM not loaded)."""

    @cached_property
    def llm(self) -> LLM:
        require_model(self.cfg)
        return build("llm", self.cfg)

    @property
    def loaded(self) -> bool:
        return "llm" in self.__dict__

    # -- requests -----------------------------------------------------------------------------
    def request(self, rendered: RenderedPrompt) -> ChatRequest:
        """The backend request of a rendered prompt (:func:`zsvad.prompts.request.build_request`
        with the LLM's capabilities: choices, schema, answer prefix where the backend can)."""
        return build_request(rendered, self.llm.capabilities)

    def _ident(self) -> dict[str, Any]:
        """What the config says of the LLM (see :func:`config_key`): the judge's identity, with
        the content of a local model file (see :mod:`zsvad.identity`); computed once."""
        if self._identity is None:
            self._identity = judge_identity(self.cfg)
        return self._identity

    def _from_aliases(self, prompts: Sequence[RenderedPrompt]) -> list[Generation] | None:
        """Every answer from the cache by config key, or None (then the LLM is needed)."""
        if self.aliases is None or self.loaded:
            return None
        ident = self._ident()
        found = []
        for p in prompts:
            hit = self.aliases.get(config_key(p, ident))
            if hit is None:
                return None
            found.append(hit)
        if found:
            self.cached_info = found[0][1]
        return [gen for gen, _ in found]

    def ask(self, prompts: Sequence[RenderedPrompt], stats: JudgeStats) -> list[Generation]:
        """Answers to ``prompts``, from the cache or the LLM in batches of ``batch_size``; when
        all are cached (by config key) the LLM is not even loaded."""
        quick = self._from_aliases(prompts)
        if quick is not None:
            stats.judge_cache_hits += len(quick)
            progress.advance(len(quick))
            return [_bounded(g, stats) for g in quick]
        requests = [self.request(p) for p in prompts]
        keys = [cache_key(p, r, self.llm.info) for p, r in zip(prompts, requests)]
        answers: list[Generation | None] = [None] * len(prompts)
        todo = []
        for i, key in enumerate(keys):
            hit = self.cache.get(key) if self.cache else None
            if hit is not None:
                answers[i] = _bounded(hit, stats)  # caches written before answers were cut
                stats.judge_cache_hits += 1
            else:
                todo.append(i)
        progress.advance(len(prompts) - len(todo))
        for k in range(0, len(todo), self.cfg.batch_size):
            chunk = todo[k : k + self.cfg.batch_size]
            got = self.llm.generate([requests[i] for i in chunk])
            if len(got) != len(chunk):
                raise ZsvadError(
                    f"LLM backend '{self.llm.info.backend}' answered {len(got)} of "
                    f"{len(chunk)} requests"
                )
            stats.llm_calls += 1
            stats.llm_requests += len(chunk)
            progress.advance(len(chunk))
            for i, gen in zip(chunk, got):  # cached as read: with the answer prefix, bounded
                gen = _bounded(replace(gen, text=answer_text(requests[i], gen)), stats)
                answers[i] = gen
                if self.cache:
                    self.cache.put(keys[i], gen)
        if self.aliases is not None:
            ident = self._ident()
            for p, key in zip(prompts, keys):
                self.aliases.put(config_key(p, ident), key, self.llm.info)
        return [a for a in answers if a is not None]

    # -- gating -------------------------------------------------------------------------------
    def selected(self, windows: Sequence[JudgedWindow]) -> list[int]:
        """Indexes of the windows to judge (all with text, or the uncertain ones)."""
        idx = [i for i, w in enumerate(windows) if w.text]
        if self.cfg.gate == "all":
            return idx
        out = []
        for i in idx:
            comps = windows[i].components
            r = comps.get("retrieval")
            uncertain = r is None or abs(r - self.center) <= self.cfg.gate_margin
            if len(comps) >= 2:
                uncertain |= max(comps.values()) - min(comps.values()) >= self.cfg.gate_disagreement
            if uncertain:
                out.append(i)
        return out

    # -- scoring ------------------------------------------------------------------------------
    def units(self, windows: Sequence[JudgedWindow], chosen: list[int]) -> list[Unit]:
        """One request per chosen window, with its neighbouring captions (``span``)."""
        return self.prompts.units(windows, chosen)

    def score(
        self,
        windows: Sequence[JudgedWindow],
        video_id: str = "",
        events: Sequence | None = None,
        most_captions: int = 24,
    ) -> dict[str, Any]:
        """Add the ``judge`` component and rationale to the selected windows; return stats.
        With ``events`` (spans with ``start`` / ``end`` s tiling the video), one request per
        event holding a selected window, with up to ``most_captions`` of its captions in order;
        its answer scores every window of the event."""
        t0 = time.perf_counter()
        stats = JudgeStats()
        chosen = self.selected(windows)
        stats.windows_gated_out = sum(1 for w in windows if w.text) - len(chosen)
        if not chosen:
            self._save(windows, video_id)
            return stats.as_dict()
        units = self.prompts.units(windows, chosen, events, most_captions)
        c = self.cfg
        summaries = [""] * len(units)
        if self.summary_template is not None:
            progress.stage("summarising", len(units))
            asked = self.prompts.summary_prompts(units)
            answers = self.ask(asked, stats)
            summaries = [gen.text.strip() for gen in answers]
            if c.log_samples:
                steps = [_sample(video_id, u, p, g) for u, p, g in zip(units, asked, answers)]
                _append_jsonl(Path(c.log_samples), steps)
        prompts = self.prompts.prompts(units, summaries)
        progress.stage("judging", len(units))
        # batch by batch: the answers of each are cached (in ask) and their samples written
        # before the next is asked, so an interrupted run keeps every answer it got
        for k in range(0, len(units), c.batch_size):
            part = slice(k, k + c.batch_size)
            samples = []
            answers = self.ask(prompts[part], stats)
            for u, summary, p, gen in zip(units[part], summaries[part], prompts[part], answers):
                verdict = read_answer(self.template.output, gen)
                stats.judge_latency_s += gen.latency_s
                self._apply([windows[i] for i in u.targets], verdict, summary, stats)
                if c.log_samples:
                    samples.append(_sample(video_id, u, p, gen, verdict))
            if samples:
                _append_jsonl(Path(c.log_samples), samples)
        self._save(windows, video_id)
        stats.judge_wall_s = time.perf_counter() - t0
        out = stats.as_dict()
        if events is not None:
            out["events_judged"] = len(units)
        return out

    def _save(self, windows: Sequence[JudgedWindow], video_id: str) -> None:
        """Append the video's judgments to ``save_judgments`` (one write: see
        :func:`_append_jsonl`), so that ``judge.judgments`` replays them."""
        if not self.cfg.save_judgments:
            return
        from zsvad.io.judgments import judgment_rows

        info = self.llm.info if self.loaded else self.cached_info
        model = info.model if info is not None else self.cfg.model
        meaningless = info.meaningless if info is not None else self.cfg.backend == "fake"
        rows = judgment_rows(video_id, windows, model, meaningless)
        if rows:
            _append_jsonl(Path(self.cfg.save_judgments), rows)

    def _apply(
        self, targets: list[JudgedWindow], v: Verdict, summary: str, stats: JudgeStats
    ) -> None:
        stats.methods[v.method] = stats.methods.get(v.method, 0) + len(targets)
        if v.score is None:
            stats.parse_failures += len(targets)
            log.info("judge answer not readable (%s): %r", v.problem, (v.rationale or "")[:80])
            return
        stats.windows_judged += len(targets)
        why = v.rationale or ""
        if summary and v.method in ("logprobs", "choice"):
            why = f"{summary} — {why}"
        n = self.cfg.max_rationale_chars
        if n and why:
            why = " ".join(why.split())
            why = why if len(why) <= n else why[: n - 1].rstrip() + "…"
        for w in targets:
            w.components["judge"] = float(min(1.0, max(0.0, v.score)))
            if n and why:
                w.rationale = why


def require_model(cfg: JudgeConfig) -> None:
    """ConfigError when the judge's backend needs ``judge.model`` and it is not set."""
    if cfg.backend and needs_model("llm", cfg):
        raise ConfigError(
            f"judge.model is not set (HF id, local path, GGUF file or name) for the "
            f"{cfg.backend} judge; e.g. --judge-model MODEL or --set judge.model=MODEL"
        )


def _bounded(gen: Generation, stats: JudgeStats) -> Generation:
    """``gen`` with its text cut to ``MAX_ANSWER_CHARS`` (counted in ``stats``)."""
    if len(gen.text) <= MAX_ANSWER_CHARS:
        return gen
    stats.answers_cut += 1
    return replace(gen, text=bound_answer(gen.text))


def _sample(
    video_id: str, u: Unit, p: RenderedPrompt, gen: Generation, v: Verdict | None = None
) -> dict:
    """One ``--log-samples`` line (``v`` None: a summary step's answer, ``step`` summary)."""
    return {
        "video_id": video_id,
        "window": u.targets[0],
        "windows": list(u.targets),
        "start": u.start,
        "end": u.end,
        "step": "judge" if v is not None else "summary",
        "prompt": p.template.ref,
        "system": p.system,
        "user": p.user,
        "answer": gen.text,
        "score": v.score if v is not None else None,
        "method": v.method if v is not None else "text",
        "problem": v.problem if v is not None else None,
    }


def _append_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    """Append ``rows`` in one ``write`` on an ``O_APPEND`` file, so the lines of batch workers
    sharing one ``--log-samples`` file never interleave."""
    import json
    import os

    from zsvad.atomic import write_error

    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    try:  # a full disk is one OutputError naming the file, not a traceback
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
    except OSError as exc:
        raise write_error(path, exc) from exc
