"""Write the shipped memory (procedural) or an LLM memory, with the dev-tuned values recorded.

    # the shipped memory/surveillance (reproducible: same taxonomy + seed -> same file)
    PYTHONPATH=. .venv/bin/python scripts/generate_memory.py --out memory/surveillance

    # the same schema from a real LLM (any registered backend)
    PYTHONPATH=. .venv/bin/python scripts/generate_memory.py --out /tmp/mem-llm \\
        --llm transformers --model /path/to/model.gguf --normal-requests 20

Near duplicates are found with the default text embedder (MiniLM); its vectors are cached in
``$ZSVAD_CACHE/embeddings``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from zsvad import registry
from zsvad.config.load import load_config
from zsvad.memory.compose import ComposeSpec
from zsvad.memory.curate import CurationSpec
from zsvad.memory.generate import GenerationPlan
from zsvad.memory.produce import produce_memory

#: values chosen on the UCA dev captions (frame AUC / AP), recorded in the manifest
TUNED_ON_DEV = {
    "compose.p_sequence": "0.35 -> 0.1 (compound captions blurred the two halves)",
    "compose.p_background": "0.15 -> 0.05",
    "retrieval.k": 100,
    "retrieval.temperature": 0.1,
    "retrieval.alpha": 0.8,
    "retrieval.label_prefix": "measured, not used: +0.6 AUC but -4.7 AP on dev",
    "retrieval.split_sentences": False,
    "temporal.smoothing_sigma_s": "3 -> 5 s (config default; flat region: sigma 4-6 s, bridge "
    "5-10 s all 84.96-85.10 AUC)",
    "temporal.max_bridge_s": "2 -> 5 s (config default)",
    "note": "the taxonomy vocabulary was written from general knowledge; dev caption texts "
    "were never read, copied or paraphrased; only aggregate AUC / AP (overall and per UCF "
    "class) guided which categories needed more events",
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", default=None)
    ap.add_argument("--version", default="1")
    ap.add_argument("--llm", default=None)
    ap.add_argument("--model", default=None)
    ap.add_argument("--normal-requests", type=int, default=4)
    ap.add_argument("--anomalous-requests", type=int, default=6)
    ap.add_argument("--near-dup", type=float, default=0.95)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    e = load_config().embedder
    embedder = registry.create(
        "text_embedder", e.backend, model=e.model, revision=e.revision, device=e.device
    )
    llm = registry.create("llm", args.llm, model=args.model) if args.llm else None
    plan = GenerationPlan(
        normal_requests_per_scene=args.normal_requests,
        anomalous_requests_per_category=args.anomalous_requests,
        seed=args.seed,
    )
    path, report = produce_memory(
        args.out,
        name=args.name or Path(args.out).name,
        version=args.version,
        embedder=embedder,
        curation=CurationSpec(near_dup_threshold=args.near_dup, seed=args.seed),
        llm=llm,
        plan=plan,
        compose_spec=ComposeSpec(seed=args.seed),
        tuned=TUNED_ON_DEV if llm is None else {},
    )
    print(f"wrote {path}: {report.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
