"""The parts a pipeline scores with: models, memory, indexes, judge, each built once on first use.

:class:`Parts` builds each part from the config when it is first asked for (:meth:`Parts.get`)
and records it as *used*: provenance lists the models of the used parts. A part can be built
ahead without counting as used (:meth:`Parts.preload`, what :meth:`Pipeline.load` does for batch
workers) and handed on to the parts of another config whose settings it depends on are the same
(:meth:`Parts.hand_on`, what :meth:`Pipeline.with_config` does for tuning grids).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from zsvad.audio import models as audio_models
from zsvad.audio.models import PARTS as AUDIO_PARTS
from zsvad.backends.build import build
from zsvad.backends.protocols import ModelInfo
from zsvad.config.schema import ZsvadConfig
from zsvad.memory.embedcache import CachedEmbedder
from zsvad.memory.index import load_indexes
from zsvad.memory.retrieval import Retriever
from zsvad.memory.store import load_memory

NAMES = (
    "text_embedder",
    "memory",
    "retriever",
    "query_embedder",
    "image_embedder",
    "captioner",
    "clip_retriever",
    "judge",
    *AUDIO_PARTS,  # the sound track (zsvad.audio.models)
)
"""Every part, in the order provenance and :meth:`Parts.load_all` go through them."""

USES = {
    "retriever": ("memory", "text_embedder"),
    "query_embedder": ("text_embedder",),
    "clip_retriever": ("memory", "image_embedder"),
    "audio_retriever": ("audio_memory", "audio_embedder"),
}
"""Parts built from other parts: using one uses those too (their work is in it)."""


def identity(cfg: ZsvadConfig, part: str) -> list:
    """The settings a part is built from: equal settings, same part."""
    embedder = cfg.embedder.backend_settings()  # what the model is built from (field roles)
    memory = cfg.memory.model_dump(include={"name", "extra_files", "categories"})
    if part == "text_embedder":
        return [embedder]
    if part == "memory":
        return [memory]
    if part == "retriever":
        return [embedder, cfg.memory.model_dump(), cfg.retrieval.label_prefix]
    if part == "query_embedder":
        return [embedder, cfg.embedder.query_cache, cfg.embedder.query_cache_max]
    if part == "clip_retriever":
        return [cfg.image_embedder.model_dump(), cfg.memory.model_dump()]
    if part == "judge":
        return [cfg.judge.model_dump(), cfg.temporal.threshold]
    if part in AUDIO_PARTS:
        return audio_models.identity(cfg, part)
    return [getattr(cfg, part).model_dump()]  # image_embedder, captioner


@dataclass(frozen=True)
class Unloaded:
    """A model recorded in provenance without being loaded (its answers came from a cache)."""

    info: ModelInfo
    _zsvad_parameters: int | None = None


class Parts:
    """The parts of one config: built lazily, explicitly tracked (``used``)."""

    def __init__(self, config: ZsvadConfig, given: dict[str, object] | None = None):
        self.config = config
        self._ready: dict[str, object] = {}
        """Parts built (ahead, or handed on) but not used yet."""
        self._parts: dict[str, object] = {}
        """Parts in use: built and asked for."""
        self.used: set[str] = set()
        """Names of the parts scoring asked for (provenance lists their models)."""
        self._build: dict[str, Callable[[], object]] = {n: getattr(self, f"_{n}") for n in NAMES}
        for name, part in (given or {}).items():
            self._parts[name] = part
            self.used.add(name)

    # -- access ---------------------------------------------------------------------------------
    def get(self, name: str):
        """The part ``name``, built on first use, and recorded as used (with what it is built
        from, :data:`USES`)."""
        if name not in self._parts:
            ready = self._ready.pop(name, None)
            self._parts[name] = ready if ready is not None else self._build[name]()
        self.use(name)
        return self._parts[name]

    def use(self, *names: str) -> None:
        """Record parts as used (e.g. windows scored earlier by the handed-on parts)."""
        for name in names:
            for part in (name, *USES.get(name, ())):
                self.used.add(part)
                if part not in self._parts and part in self._ready:
                    self._parts[part] = self._ready.pop(part)

    def peek(self, name: str):
        """The part ``name`` if it is built (used or not), else None; builds nothing."""
        return self._parts.get(name, self._ready.get(name))

    def used_part(self, name: str):
        """The part ``name`` if it is used, else None."""
        return self._parts.get(name) if name in self.used else None

    def preload(self, name: str):
        """Build ``name`` now without counting it as used (its dependencies neither)."""
        part = self.peek(name)
        if part is None:
            used, self.used = self.used, set()  # what building it asks for stays unused
            try:
                part = self._build[name]()
            finally:
                for dep in {d for d in self._parts if d not in used}:
                    self._ready[dep] = self._parts.pop(dep)
                self.used = used
            self._ready[name] = part
        return part

    def hand_on(self, config: ZsvadConfig) -> Parts:
        """Parts for ``config`` holding every built part whose settings are unchanged (not used
        yet there); retrievers get the new scoring settings over the same indexes."""
        other = Parts(config)
        for name in NAMES:
            value = self.peek(name)
            if value is None or identity(self.config, name) != identity(config, name):
                continue
            if name in ("retriever", "clip_retriever", "audio_retriever"):  # new scoring settings
                value = Retriever(value.indexes, config.retrieval, value.searches)
            if name == "query_embedder" and not (
                isinstance(value, CachedEmbedder) and value.embedder is other.peek("text_embedder")
            ):
                continue  # vectors read from disk are kept only with their embedder
            other._ready[name] = value
        return other

    # -- provenance -----------------------------------------------------------------------------
    def models(self) -> list:
        """Model objects of the used parts (each has ``.info``): text embedder, image embedder,
        captioner, then the judge's LLM (loaded, or only answered from its cache)."""
        names = ("text_embedder", "image_embedder", "captioner", "audio_embedder")
        loaded = [self.used_part(name) for name in names]
        judge = self.used_part("judge")
        if judge is not None and judge.loaded:
            loaded.append(judge.llm)
        elif judge is not None and judge.cached_info is not None:
            loaded.append(Unloaded(judge.cached_info))
        return [m for m in loaded if m is not None]

    def memory_used(self) -> bool:
        return "memory" in self.used

    def prompt_refs(self) -> list[str]:
        """The judge's prompt templates, when the judge was used."""
        judge = self.used_part("judge")
        if judge is None:
            return []
        return [t.ref for t in (judge.template, judge.summary_template) if t is not None]

    # -- builders -------------------------------------------------------------------------------
    def _text_embedder(self):
        return build("text_embedder", self.config.embedder)

    def _query_embedder(self):
        """The text embedder as captions see it: through the on-disk query cache when
        ``embedder.query_cache`` is on (only :meth:`Pipeline.prefetch` adds to it)."""
        embedder = self.get("text_embedder")
        if not self.config.embedder.query_cache:
            return embedder
        return CachedEmbedder(
            embedder,
            use="queries",
            store_misses=False,
            max_entries=self.config.embedder.query_cache_max,
        )

    def _memory(self):
        c = self.config.memory
        return load_memory(c.name, c.extra_files, c.categories)

    def _retriever(self):
        c = self.config
        indexes = load_indexes(
            self.get("memory"), self.get("text_embedder"), c.memory, c.retrieval.label_prefix
        )
        return Retriever(indexes, c.retrieval)

    def _image_embedder(self):
        c = self.config.image_embedder
        return build("image_text_embedder", c) if c.backend else None

    def _captioner(self):
        c = self.config.captioner
        return build("captioner", c) if c.backend else None

    def _clip_retriever(self):
        embedder = self.get("image_embedder")
        if embedder is None:
            raise ValueError("no image embedder configured")
        indexes = load_indexes(self.get("memory"), embedder, self.config.memory)
        return Retriever(indexes, self.config.retrieval)

    def _judge(self):
        from zsvad.config.judge import judge_backend

        if judge_backend(self.config.judge) == "file":  # judgments read from a file: no LLM
            from zsvad.judge.file import FileJudge

            return FileJudge(self.config.judge)
        from zsvad.judge.judge import Judge

        return Judge(self.config.judge, center=self.config.temporal.threshold)

    def _audio_embedder(self):
        return audio_models.build_embedder(self.config)

    def _audio_memory(self):
        return audio_models.build_memory(self.config)

    def _audio_retriever(self):
        embedder = self.get("audio_embedder")
        if embedder is None:
            raise ValueError("no audio-text model configured")
        return audio_models.build_retriever(self.get("audio_memory"), embedder, self.config)
