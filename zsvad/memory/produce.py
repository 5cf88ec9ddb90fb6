"""Producing a memory end to end: candidates (LLM or procedural) → curation → memory directory.

``zsvad memory generate`` and ``scripts/generate_memory.py`` call :func:`produce_memory`.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from zsvad.backends.protocols import LLM, TextEmbedder
from zsvad.errors import ZsvadError
from zsvad.memory.build import write_memory
from zsvad.memory.compose import SOURCE, ComposeSpec, compose
from zsvad.memory.curate import CurationReport, CurationSpec, curate
from zsvad.memory.embedcache import CachedEmbedder
from zsvad.memory.generate import PROMPT, GenerationPlan, generate
from zsvad.memory.taxonomy import load_taxonomy
from zsvad.prompts import load_prompt

PROCEDURAL_CARD = """# {name} memory (v{version})

{total} unique surveillance captions ({normal} normal, {anomalous} anomalous) over {scenes}
scenes and {categories} anomaly categories (UCF-Crime's 13, XD-Violence's riot, and more:
falls, fire, smoke, flooding, wrong-way driving, trespassing, abandoned objects, …).

## How it was produced — honestly

No LLM able to write it is reachable where zsvad is developed (offline CPU machine), so these
captions were **written procedurally by the project**: `zsvad memory generate --procedural`
composes them from the taxonomy in `zsvad/memory/taxonomy/` (scenes, places, actors, everyday
activities, anomaly events, time / camera openers), written by hand from general knowledge of
surveillance footage. Normal and anomalous captions share every sentence pattern, actor, place
and opener, so only the event tells them apart. They were then curated (normalised, captions
naming their label rejected, exact and near duplicates removed at cosine {near_dup} with
MiniLM, labels balanced).

No benchmark caption was copied or paraphrased. Sampling settings (share of compound captions)
and the retrieval defaults were tuned on the UCA dev captions (frame AUC / AP only); the
manifest records every tuned value. `zsvad memory generate --llm ...` writes a memory of the same
schema with a real LLM through the prompt template `{prompt}`.

Files: `captions.jsonl` (one caption a line: text, label, category, scene, source),
`manifest.json` (version, counts per label / category / scene, generator, content hash).
"""


class EmptyMemory(ZsvadError):
    """No caption survived generation and curation; ``stats`` says what was rejected."""

    def __init__(self, stats: dict):
        self.stats = stats
        n = stats.get("requests")
        asked = f" from {n} request(s)" if n is not None else ""
        super().__init__(f"no caption survived{asked}; nothing written")


def candidates_procedural(spec: ComposeSpec) -> list:
    return list(compose(load_taxonomy(), spec))


def candidates_llm(
    llm: LLM, plan: GenerationPlan, progress=None, template=None
) -> tuple[list, dict]:
    entries, stats = generate(llm, load_taxonomy(), plan, template, progress=progress)
    return entries, {
        "requests": stats.requests,
        "objects": stats.objects,
        "accepted": stats.accepted,
        "rejected": dict(stats.rejected),
        "rejected_samples": stats.samples,
    }


def produce_memory(
    out: str | Path,
    *,
    name: str,
    version: str,
    embedder: TextEmbedder | None,
    curation: CurationSpec,
    llm: LLM | None = None,
    plan: GenerationPlan | None = None,
    compose_spec: ComposeSpec | None = None,
    tuned: dict | None = None,
    progress=None,
    prompt_ref: str | None = None,
) -> tuple[Path, CurationReport]:
    """Generate candidates (``llm`` given: LLM, through ``prompt_ref`` or the default template;
    else procedural), curate, write ``out``. Nothing is written when no caption survives."""
    tax = load_taxonomy()
    prompt = load_prompt(prompt_ref or PROMPT)
    if embedder is not None:
        embedder = CachedEmbedder(embedder)
    if llm is not None:
        plan = plan or GenerationPlan()
        cands, stats = candidates_llm(llm, plan, progress, prompt)
        generator = {
            "method": "llm",
            "llm": {
                "backend": llm.info.backend,
                "model": llm.info.model,
                "revision": llm.info.revision,
            },
            "prompt": prompt.ref,
            "temperature": prompt.generation.temperature,
            "plan": asdict(plan),
            "stats": stats,
        }
    else:
        compose_spec = compose_spec or ComposeSpec()
        cands = candidates_procedural(compose_spec)
        generator = {
            "method": "procedural: written by the project from the taxonomy and sentence "
            "patterns, because no capable LLM is reachable here",
            "llm": None,
            "writer": SOURCE,
            "compose": asdict(compose_spec),
            "prompt_for_llm_runs": f"{prompt.id}@{prompt.version}",
        }
    generator["taxonomy_hash"] = tax.version_hash
    entries, report = curate(cands, embedder, curation)
    if not entries:
        raise EmptyMemory(generator.get("stats", {}))
    generator["curation"] = {
        **asdict(curation),
        "embedder": embedder.info.model if embedder is not None else None,
        "report": report.summary(),
    }
    c_scenes = len({e.scene for e in entries})
    c_cats = len({e.category for e in entries if e.label == "anomalous"})
    n_norm = sum(e.label == "normal" for e in entries)
    card = PROCEDURAL_CARD.format(
        name=name,
        version=version,
        total=len(entries),
        normal=n_norm,
        anomalous=len(entries) - n_norm,
        scenes=c_scenes,
        categories=c_cats,
        near_dup=curation.near_dup_threshold,
        prompt=f"{prompt.id}@{prompt.version}",
    )
    if llm is not None:
        card = (
            f"# {name} memory (v{version})\n\n{len(entries)} captions generated by "
            f"{llm.info.model} through the prompt template {prompt.id}@{prompt.version} over "
            f"{c_scenes} scenes and {c_cats} anomaly categories, then curated. See manifest.json.\n"
        )
    description = (
        f"{len(entries)} curated surveillance captions, {c_scenes} scenes, "
        f"{c_cats} anomaly categories ({generator['method'].split(':')[0]})"
    )
    path = write_memory(
        out,
        entries,
        name=name,
        version=version,
        description=description,
        generator=generator,
        card=card,
        extra={"tuned_on_dev": tuned or {}},
    )
    return path, report
