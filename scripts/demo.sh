#!/usr/bin/env bash
# Set up (if needed) and run the main job on the bundled examples, offline.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS=0
bash scripts/setup.sh
SETUP=$SECONDS
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
OUT=${1:-runs/demo}
ZSVAD=.venv/bin/zsvad
echo "== scoring the bundled example captions (real MiniLM embedder, surveillance memory; the first run builds its index from the shipped vectors)"
$ZSVAD score --captions examples/captions.jsonl --out "$OUT/captions"
CAPTIONS=$((SECONDS - SETUP))
$ZSVAD eval --annotations examples/annotations.txt --scores "$OUT/captions"
echo "== scoring the bundled example video with the tiny profile (random weights: meaningless scores)"
$ZSVAD score examples/synthetic_courtyard.mp4 --profile tiny --out "$OUT/video"
echo "== HTML report of both runs"
$ZSVAD report "$OUT/captions" "$OUT/video" --out "$OUT/report" --annotations examples/annotations.txt
echo
echo "results: $OUT/captions/ and $OUT/video/ (<video_id>.json + summary.csv); report: $OUT/report/index.html"
echo "demo took ${SECONDS}s (set-up ${SETUP}s, caption scoring ${CAPTIONS}s, the rest $((SECONDS - SETUP - CAPTIONS))s)"
