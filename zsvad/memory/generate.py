"""LLM generation of memory captions over the taxonomy (``zsvad memory generate``).

One request per (scene, label[, category]) asks, through the ``memory/captions`` prompt template,
for ``n`` captions as one JSON object a line: ``{"text", "label", "category", "scene"}``. Answers
are parsed leniently (any JSON object in the text counts); objects whose label, category or scene
disagree with the request, or without text, are dropped and counted. On backends that can
prefill the answer (capability ``prefill``) the template's ``answer_prefix`` (``{"text": "``)
starts the first line, which keeps small models on the format. The result feeds
:func:`zsvad.memory.curate.curate`.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import asdict, dataclass, field

from zsvad.backends.protocols import LLM, ChatRequest
from zsvad.memory.compose import Composer
from zsvad.memory.store import MemoryEntry
from zsvad.memory.taxonomy import Taxonomy
from zsvad.prompts import PromptTemplate, load_prompt, render_prompt
from zsvad.prompts.fill import MemoryVariables
from zsvad.prompts.request import answer_text, build_request

PROMPT = "memory/captions"
_OBJECT = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True)
class GenerationPlan:
    """What to ask the LLM for."""

    per_request: int = 5
    """Captions asked for in one request."""
    normal_requests_per_scene: int = 4
    anomalous_requests_per_category: int = 6
    """Requests per anomaly category, spread over the scenes it applies to."""
    scenes: tuple[str, ...] = ()
    """Only these scene ids (empty: all)."""
    categories: tuple[str, ...] = ()
    """Only these anomaly categories (empty: all)."""
    examples: int = 4
    """Example phrases shown per request."""
    batch_size: int = 8
    seed: int = 0


@dataclass
class GenerationStats:
    """Counts of a generation run."""

    requests: int = 0
    objects: int = 0
    accepted: int = 0
    rejected: Counter = field(default_factory=Counter)
    samples: dict[str, list[str]] = field(default_factory=dict)
    """Up to :data:`SAMPLES` rejected answers (or objects) per reason, cut to 160 characters."""

    def reject(self, reason: str, text: str) -> None:
        self.rejected[reason] += 1
        kept = self.samples.setdefault(reason, [])
        if len(kept) < SAMPLES:
            flat = " ".join(text.split())
            kept.append(flat if len(flat) <= 160 else flat[:159] + "…")


SAMPLES = 3


@dataclass(frozen=True)
class _Ask:
    scene: str
    label: str
    category: str
    request: ChatRequest
    shown: frozenset[str] = frozenset()
    """Captions the prompt showed (examples, contrast), normalised: answers copying them are
    dropped."""


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


def _examples(comp: Composer, tax: Taxonomy, scene, events, n: int) -> list[str]:
    picks = comp.rng.sample(list(events), min(n, len(events)))
    return [comp.caption(scene, e, tax.normal_events(scene)) for e in picks]


def plan_requests(
    tax: Taxonomy, template: PromptTemplate, plan: GenerationPlan, prefill: bool = False
) -> list[_Ask]:
    """Render every request of ``plan`` (with the template's answer prefix if ``prefill``)."""
    rng = random.Random(plan.seed)
    comp = Composer(tax, rng)
    scenes = [s for s in tax.scenes if not plan.scenes or s.id in plan.scenes]
    cats = [c for c in tax.categories if not plan.categories or c.id in plan.categories]
    gen = template.generation
    caps = {"prefill"} if prefill else set()
    asks: list[_Ask] = []

    def ask(scene, label, category, name, examples, avoid):
        variables = MemoryVariables(
            scene=scene.where,
            scene_id=scene.id,
            places=list(scene.places),
            label=label,
            category=category,
            category_name=name,
            examples=examples,
            avoid=avoid,
            n=plan.per_request,
        )
        p = render_prompt(template, asdict(variables))
        req = build_request(p, caps, seed=gen.seed + plan.seed * 100_003 + len(asks))
        shown = frozenset(_plain(t) for t in [*examples, *(avoid if label != "normal" else [])])
        asks.append(_Ask(scene.id, label, category, req, shown))

    if not plan.categories:
        for scene in scenes:
            normal = tax.normal_events(scene)
            avoid = [c.id.replace("_", " ") for c in tax.categories_for(scene)]
            for _ in range(plan.normal_requests_per_scene):
                ex = _examples(comp, tax, scene, normal, plan.examples)
                ask(scene, "normal", "everyday activity", "everyday activity", ex, avoid)
    for cat in cats:
        where = [s for s in scenes if cat.applies_to(s)]
        for i in range(plan.anomalous_requests_per_category if where else 0):
            scene = where[i % len(where)]
            ex = _examples(comp, tax, scene, cat.events, plan.examples)
            contrast = _examples(comp, tax, scene, tax.normal_events(scene), 1)
            ask(scene, "anomalous", cat.id, cat.id.replace("_", " "), ex, contrast)
    return asks


def parse_answer(text: str, ask: _Ask, source: str, stats: GenerationStats) -> list[MemoryEntry]:
    """Memory entries from one answer; mismatching or malformed objects are counted and
    dropped."""
    out = []
    if not _OBJECT.search(text):
        stats.reject("no JSON object in the answer", text)
    for raw in _OBJECT.findall(text):
        stats.objects += 1
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError:
            stats.reject("malformed json", raw)
            continue
        caption = obj.get("text")
        if not isinstance(caption, str) or not caption.strip():
            stats.reject("no text", raw)
            continue
        if _plain(caption) in ask.shown:
            stats.reject("copied from the prompt", raw)
            continue
        if obj.get("label", ask.label) != ask.label:
            stats.reject("wrong label", raw)
            continue
        if ask.label == "anomalous" and obj.get("category", ask.category) != ask.category:
            stats.reject("wrong category", raw)
            continue
        if obj.get("scene", ask.scene) != ask.scene:
            stats.reject("wrong scene", raw)
            continue
        category = ask.category if ask.label == "anomalous" else "everyday activity"
        out.append(MemoryEntry(caption.strip(), ask.label, category, ask.scene, source))
    stats.accepted += len(out)
    return out


def generate(
    llm: LLM,
    tax: Taxonomy,
    plan: GenerationPlan = GenerationPlan(),
    template: PromptTemplate | None = None,
    progress=None,
) -> tuple[list[MemoryEntry], GenerationStats]:
    """Ask ``llm`` for captions over the taxonomy; return candidates (uncurated) and stats."""
    template = template or load_prompt(PROMPT)
    prefill = "prefill" in getattr(llm, "capabilities", ())
    asks = plan_requests(tax, template, plan, prefill=prefill)
    source = f"llm:{llm.info.model}"
    stats = GenerationStats()
    entries: list[MemoryEntry] = []
    for start in range(0, len(asks), plan.batch_size):
        chunk = asks[start : start + plan.batch_size]
        answers = llm.generate([a.request for a in chunk])
        stats.requests += len(chunk)
        for a, g in zip(chunk, answers):
            entries += parse_answer(answer_text(a.request, g), a, source, stats)
        if progress is not None:
            progress(len(chunk))
    return entries, stats
