"""Local ONNX export of a sentence-transformers BERT model (mean pooling + L2 norm in the graph),
optionally with dynamic int8 weights, cached under ``$ZSVAD_CACHE/onnx`` with a content key.

The cache key is the sha256 of the source weights plus the variant and the exporter versions;
``manifest.json`` beside ``model.onnx`` records the export's own sha256, checked on every load:
a missing, truncated or altered export is rebuilt (under a build lock, so processes sharing the
cache export once). Nothing is downloaded: the source is a local directory (the packaged MiniLM).
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path

from zsvad.extras import require
from zsvad.logs import get_logger
from zsvad.paths import build_lock, cache_dir

log = get_logger(__name__)

#: ONNX variants: name -> dynamic weight quantization (None: plain float32 export)
VARIANTS = {"float32": None, "int8": "QInt8"}
_FORMAT = 2  # bump when the export recipe changes: old exports get a new key


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in ("torch", "onnxruntime", "onnx")}


def export_key(source: Path, variant: str) -> str:
    """Cache key of the export of the weights in ``source`` as ``variant``."""
    weights = sorted(source.glob("*.safetensors")) or sorted(source.glob("*.bin"))
    if not weights:
        raise FileNotFoundError(f"{source}: no model weights (*.safetensors / *.bin) to export")
    ident = {
        "weights": [file_sha256(w) for w in weights],
        "config": file_sha256(source / "config.json"),
        "variant": variant,
        "format": _FORMAT,
        **_versions(),
    }
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:16]


def _verified(directory: Path) -> str | None:
    """sha256 of ``directory/model.onnx`` when it matches its manifest, else None."""
    model, manifest = directory / "model.onnx", directory / "manifest.json"
    try:
        want = json.loads(manifest.read_text())["sha256"]
        got = file_sha256(model)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return got if got == want else None


def cached_export(source: Path, variant: str, root: Path | None = None) -> tuple[Path, str]:
    """Path and sha256 of the verified ONNX export of ``source`` as ``variant``, exported now
    when missing or when the file on disk does not match its manifest."""
    if variant not in VARIANTS:
        raise ValueError(f"ONNX variant {variant!r}: one of {', '.join(VARIANTS)}")
    key = export_key(source, variant)
    directory = (root or cache_dir("onnx")) / f"{source.name}-{variant}-{key}"
    sha = _verified(directory)
    if sha:
        return directory / "model.onnx", sha
    with build_lock(directory):
        sha = _verified(directory)  # another process may have built it while we waited
        if sha:
            return directory / "model.onnx", sha
        if directory.exists():
            log.warning("rebuilding ONNX export %s: it does not match its manifest", directory)
        directory.mkdir(parents=True, exist_ok=True)
        log.info("exporting %s to ONNX (%s) in %s", source, variant, directory)
        tmp = directory / f"model.{os.getpid()}.tmp.onnx"
        _export(source, tmp, VARIANTS[variant])
        sha = file_sha256(tmp)
        tmp.replace(directory / "model.onnx")
        manifest = {"sha256": sha, "source": str(source), "variant": variant, **_versions()}
        (directory / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return directory / "model.onnx", sha


def _export(source: Path, target: Path, quant: str | None) -> None:
    torch = require("torch", "the ONNX text embedder export", extra="onnx")
    transformers = require("transformers", "the ONNX text embedder export", extra="onnx")
    require("onnx", "the ONNX text embedder export", extra="onnx")
    from zsvad.backends.text_embedder_st import _quiet_transformers

    _quiet_transformers()
    model = transformers.AutoModel.from_pretrained(str(source), attn_implementation="eager")
    model.eval()

    class Pooled(torch.nn.Module):
        """The encoder plus sentence-transformers' mean pooling and normalisation."""

        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            mask = attention_mask.unsqueeze(-1).to(out.last_hidden_state.dtype)
            mean = (out.last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)

    ids = torch.tensor([[101, 1037, 2158, 102], [101, 7592, 102, 0]])
    mask = (ids != 0).long()
    axes = {"input_ids": {0: "b", 1: "s"}, "attention_mask": {0: "b", 1: "s"}}
    axes["token_type_ids"] = {0: "b", 1: "s"}
    plain = target if quant is None else target.with_name(target.stem + ".fp32.onnx")
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about shape-dependent Python code
        torch.onnx.export(
            Pooled(model),
            (ids, mask, torch.zeros_like(ids)),
            str(plain),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["sentence_embedding"],
            dynamic_axes={**axes, "sentence_embedding": {0: "b"}},
            opset_version=17,
            dynamo=False,
        )
    if quant is None:
        return
    from onnxruntime.quantization import QuantType, quantize_dynamic

    try:
        quantize_dynamic(
            str(plain),
            str(target),
            weight_type=getattr(QuantType, quant),
            per_channel=True,  # per-tensor weights: mean cosine 0.96 to fp32; per-channel 0.994
            extra_options={"DefaultTensorType": 1},  # onnx.TensorProto.FLOAT
        )
    finally:
        plain.unlink(missing_ok=True)
