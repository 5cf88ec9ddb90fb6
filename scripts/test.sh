#!/usr/bin/env bash
# Set up (if needed), check the layering contract (pyproject.toml [tool.importlinter],
# docs/architecture.md) and run the whole test suite offline. Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
.venv/bin/lint-imports --no-cache  # a package imports only the layers below it
exec .venv/bin/python -m pytest -q "$@"
