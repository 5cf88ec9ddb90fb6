"""Captioner on vLLM (GPU): ``LLM.generate`` with ``multi_modal_data`` images, batched.

The prompt is built with the model's chat template (``{"type": "image"}`` placeholders, one per
image) from the HF processor or, failing that, vLLM's tokenizer. All clips of a call go to vLLM
in one ``generate`` so it batches them. vLLM is optional (extra ``vllm``, CUDA) and imported
only here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zsvad.backends.build import KINDS
from zsvad.backends.frames import clip_images, to_pil
from zsvad.backends.hf_common import local_dir, not_available
from zsvad.backends.options import read_options, takes
from zsvad.backends.protocols import Clip, ModelInfo
from zsvad.config.video import CaptionerConfig
from zsvad.errors import ConfigError
from zsvad.extras import require
from zsvad.logs import get_logger

log = get_logger(__name__)


class VLLMCaptioner:
    """Captions clips with a vision-language model served in-process by vLLM."""

    Options = takes(
        CaptionerConfig,
        *KINDS["captioner"].common,
        *("dtype", "gpu_memory_utilization", "max_model_len"),
    )

    def __init__(self, model: str | None = None, **options: Any):
        o = read_options(self, options, model)
        model, revision, frames = o.model, o.revision, o.frames
        vllm = require("vllm", "the vLLM captioner")
        if not model:
            raise ConfigError("captioner.model is required for the vllm backend")
        path = local_dir(model)
        source = str(path) if path is not None else model
        per_prompt = 1 if frames != "all" else 16
        kwargs = {
            "model": source,
            "revision": None if path is not None else revision,
            "dtype": o.dtype,
            "gpu_memory_utilization": o.gpu_memory_utilization,
            "limit_mm_per_prompt": {"image": per_prompt},
            "seed": 0,
        }
        if o.max_model_len is not None:
            kwargs["max_model_len"] = o.max_model_len
        try:
            self.llm = vllm.LLM(**kwargs)
        except OSError as exc:
            raise not_available("vLLM captioner", model, revision, exc) from exc
        self._sampling = vllm.SamplingParams(max_tokens=o.max_new_tokens, temperature=0.0, seed=0)
        self._template = self._chat_template_owner(source, revision)
        self.prompt, self.frames = o.prompt, frames
        rev = f"local:{path}" if path is not None else revision
        self.info = ModelInfo("captioner", "vllm", model, rev)

    def _chat_template_owner(self, source: str, revision: str | None):
        """The HF processor (image-aware chat template) or vLLM's tokenizer."""
        try:
            tf = require("transformers", "the chat template of the vLLM captioner")
            proc = tf.AutoProcessor.from_pretrained(source, revision=revision)
            if getattr(proc, "chat_template", None):
                return proc
        except Exception as exc:  # any failure: fall back to the tokenizer's template
            log.debug("no HF processor chat template for %s: %s", source, exc)
        return self.llm.get_tokenizer()

    def _prompt(self, n_images: int) -> str:
        content = [{"type": "image"} for _ in range(n_images)]
        content.append({"type": "text", "text": self.prompt})
        messages = [{"role": "user", "content": content}]
        return self._template.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=True
        )

    def caption(self, clips: Sequence[Clip]) -> list[str]:
        if not clips:
            return []
        requests = []
        for clip in clips:
            images = to_pil(clip_images(clip, self.frames))
            data = images if len(images) > 1 else images[0]
            requests.append(
                {"prompt": self._prompt(len(images)), "multi_modal_data": {"image": data}}
            )
        outputs = self.llm.generate(requests, sampling_params=self._sampling, use_tqdm=False)
        return [" ".join(o.outputs[0].text.split()) for o in outputs]
