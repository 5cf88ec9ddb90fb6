"""Write the shipped ``generic`` memory procedurally from the taxonomy (no LLM needed).

    .venv/bin/python scripts/compose_memory.py [--per-label 12000] [--seed 0] [--out memory/generic]

Deterministic: the same taxonomy, seed and size give the same file. See memory/generic/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import Counter
from pathlib import Path

from zsvad.memory.compose import SOURCE, Composer, load_taxonomy

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-label", type=int, default=12000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(ROOT / "memory" / "generic"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    taxonomy = load_taxonomy()
    entries = list(Composer(taxonomy, args.seed).compose(args.per_label))
    lines = [
        json.dumps(
            {
                "text": e.text,
                "label": e.label,
                "category": e.category,
                "scene": e.scene,
                "source": e.source,
            }
        )
        + "\n"
        for e in entries
    ]
    raw = "".join(lines).encode()
    (out / "captions.jsonl").write_bytes(raw)
    manifest = {
        "name": out.name,
        "version": "1",
        "description": "Generic surveillance captions, half normal and half anomalous, composed "
        "procedurally from the zsvad taxonomy (subject + event + place + view).",
        "generator": {
            "method": "procedural composition (zsvad.memory.compose, scripts/compose_memory.py)",
            "llm": None,
            "why": "no LLM able to write the memory is reachable where it was built; an "
            "LLM generator over the same taxonomy and schema is planned (issue 3)",
            "taxonomy_version": taxonomy.version,
            "source_tag": SOURCE,
            "seed": args.seed,
            "per_label": args.per_label,
        },
        "counts": {
            "total": len(entries),
            "label": dict(Counter(e.label for e in entries)),
            "category": dict(sorted(Counter(e.category for e in entries).items())),
            "scene": dict(sorted(Counter(e.scene for e in entries).items())),
        },
        "content_hash": hashlib.sha256(raw).hexdigest()[:16],
        "dev_set_use": "measured on ../shared/data/ucf_uca_dev (frame AUC/AP); no dev caption "
        "text was read to write the taxonomy",
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wrote {len(entries)} captions to {out}")


if __name__ == "__main__":
    main()
