"""Captioner on transformers ``AutoModelForImageTextToText`` (vision-to-sequence) models.

Works with chat-template VLMs (SmolVLM, Qwen2-VL / Qwen2.5-VL, InternVL, LLaVA-OneVision: the
prompt and images go through ``processor.apply_chat_template``) and with prompt-style captioners
without a chat template (BLIP, BLIP-2: ``processor(images=..., text=prompt)``). Clips are
captioned ``batch_size`` at a time with greedy decoding.

GPU-only options: ``quantization`` (bitsandbytes 4-/8-bit, extra ``quant``, CUDA) and
``device_map`` (accelerate placement, e.g. ``auto`` across GPUs and CPU).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zsvad.backends.build import KINDS
from zsvad.backends.frames import clip_images, to_pil
from zsvad.backends.hf_common import hf_model, not_available, torch_dtype
from zsvad.backends.options import read_options, takes
from zsvad.backends.protocols import Clip, ModelInfo
from zsvad.backends.tiny import tiny_vlm_dir
from zsvad.config.video import CaptionerConfig
from zsvad.errors import ConfigError
from zsvad.extras import require
from zsvad.logs import get_logger

log = get_logger(__name__)


def _model_class(tf):
    cls = getattr(tf, "AutoModelForImageTextToText", None) or getattr(
        tf, "AutoModelForVision2Seq", None
    )
    if cls is None:
        raise ConfigError("this transformers version has no AutoModelForImageTextToText")
    return cls


def quantization_config(tf, mode: str | None, device: str, device_map: str | None):
    """bitsandbytes config for ``mode`` (4bit/8bit), checked to run on a CUDA device."""
    if mode is None:
        return None
    if device == "cpu" and device_map is None:
        raise ConfigError(
            f"captioner.quantization={mode} needs a CUDA GPU (bitsandbytes); set "
            "captioner.device=cuda or captioner.device_map=auto, or drop quantization"
        )
    require("bitsandbytes", f"{mode} loading of the captioner")
    if mode == "4bit":
        return tf.BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4")
    return tf.BitsAndBytesConfig(load_in_8bit=True)


class TransformersCaptioner:
    """Captions clips with a transformers vision-language model."""

    Options = takes(
        CaptionerConfig,
        *KINDS["captioner"].common,
        *("batch_size", "device", "dtype", "quantization", "device_map"),
    )

    def __init__(self, model: str | None = None, **options: Any):
        o = read_options(self, options, model)
        model, revision, device, device_map = o.model, o.revision, o.device, o.device_map
        purpose = "the transformers captioner"
        self._torch, tf, src = hf_model(purpose, "captioner.model", model, revision, tiny_vlm_dir)
        load = {"dtype": torch_dtype(o.dtype, device if device_map is None else "cuda")}
        quant = quantization_config(tf, o.quantization, device, device_map)
        if quant is not None:
            load["quantization_config"] = quant
        if device_map is not None:
            require("accelerate", "captioner.device_map")
            load["device_map"] = device_map
        try:
            self.processor = tf.AutoProcessor.from_pretrained(src.source, **src.kwargs)
            self.model = _model_class(tf).from_pretrained(src.source, **src.kwargs, **load)
        except OSError as exc:
            raise not_available("captioner", model, revision, exc) from exc
        if device_map is None and quant is None:
            self.model.to(device)
        self.model.eval()
        self.device = device if device_map is None else self.model.device
        self.prompt, self.frames, self.batch_size = o.prompt, o.frames, o.batch_size
        self.max_new_tokens = o.max_new_tokens
        self.chat = bool(getattr(self.processor, "chat_template", None))
        self.info = ModelInfo("captioner", "transformers", model, src.revision, src.tiny)

    def _texts(self, n_images: list[int]) -> list[str]:
        if not self.chat:
            return [self.prompt] * len(n_images)
        texts = []
        for n in n_images:
            content = [{"type": "image"} for _ in range(n)] + [
                {"type": "text", "text": self.prompt}
            ]
            messages = [{"role": "user", "content": content}]
            texts.append(
                self.processor.apply_chat_template(
                    messages, add_generation_prompt=True, tokenize=False
                )
            )
        return texts

    def _generate(self, clips: Sequence[Clip]) -> list[str]:
        per_clip = [to_pil(clip_images(c, self.frames)) for c in clips]
        texts = self._texts([len(p) for p in per_clip])
        images = per_clip if self.chat else [p[0] for p in per_clip]
        inputs = self.processor(images=images, text=texts, return_tensors="pt", padding="longest")
        inputs = inputs.to(self.device)
        with self._torch.inference_mode():
            out = self.model.generate(**inputs, max_new_tokens=self.max_new_tokens, do_sample=False)
        ids = inputs.get("input_ids")
        if (
            ids is not None
            and out.shape[1] > ids.shape[1]
            and bool((out[:, : ids.shape[1]] == ids).all())
        ):
            out = out[:, ids.shape[1] :]  # decoder-only models echo the prompt
        decode = (
            getattr(self.processor, "batch_decode", None) or self.processor.tokenizer.batch_decode
        )
        texts = [" ".join(t.split()) for t in decode(out, skip_special_tokens=True)]
        if not self.chat:  # prompt-style captioners (BLIP) may echo the prompt as a prefix
            p = self.prompt.lower().strip()
            texts = [t[len(p) :].strip() if t.lower().startswith(p) else t for t in texts]
        return texts

    def caption(self, clips: Sequence[Clip]) -> list[str]:
        out: list[str] = []
        for i in range(0, len(clips), self.batch_size):
            out += self._generate(clips[i : i + self.batch_size])
        return out
