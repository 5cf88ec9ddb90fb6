#!/usr/bin/env bash
# Set up (if needed) and run the main job on the bundled examples, offline.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
OUT=${1:-runs/demo}
ZSVAD=.venv/bin/zsvad
echo "== scoring the bundled example captions (real MiniLM embedder, starter memory)"
$ZSVAD score --captions examples/captions.jsonl --out "$OUT/captions"
$ZSVAD eval --annotations examples/annotations.txt --scores "$OUT/captions"
echo "results: $OUT/captions/<video_id>.json, summary: $OUT/captions/summary.csv"
